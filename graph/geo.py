"""Administrative geography of France, for locating heritage records.

A small read-only API over ``graph/data/geo.json`` (built by
``scripts/extract_geo.py`` from the npm package ``@etalab/decoupage-administratif``,
MIT licence). Every region and department of France is known; communes are
known for region 32 (Hauts-de-France) only, with their former codes and their
delegated/associated communes so that an old INSEE code still resolves.

    >>> geo = Geography.default()
    >>> geo.commune("80021")
    Commune(code='80021', name='Amiens', department='80', region='32')
    >>> geo.region_of_label("Picardie")
    '32'
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Commune", "Department", "Geography", "is_insee_code", "DATA_FILE"]

DATA_FILE = Path(__file__).resolve().parent / "data" / "geo.json"

_INSEE_RE = re.compile(r"(?:\d{2}|2[AB])\d{3}")
_CURRENT = "commune-actuelle"
# Corsica before 1976 was department 20.
_LEGACY_DEPARTMENTS = {"20": "94"}


@dataclass(frozen=True, slots=True)
class Commune:
    code: str
    name: str
    department: str
    region: str


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str
    region: str


def is_insee_code(value: str) -> bool:
    """True for a well-formed INSEE commune code.

    Five characters: two digits or ``2A``/``2B`` (Corsica) then three digits;
    overseas codes (``97x`` + two digits) are five digits too. Only the form is
    checked, not that the commune exists.
    """
    return isinstance(value, str) and _INSEE_RE.fullmatch(value) is not None


def _normalise(text: str) -> str:
    """Lower case, no accents, every run of non-alphanumerics -> one space.

    'Saint-Omer', 'saint omer' and 'SAINT  OMER' all give 'saint omer'.
    Must stay identical to ``normalise_label`` in ``scripts/extract_geo.py``.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


def _department_code(code: str) -> str | None:
    """'2' -> '02', '2a' -> '2A', ' 59 ' -> '59', '971' -> '971'; None when malformed."""
    if not isinstance(code, str):
        return None
    code = code.strip().upper()
    if re.fullmatch(r"\d", code):
        return "0" + code
    if re.fullmatch(r"\d{2,3}|2[AB]", code):
        return code
    return None


class Geography:
    """Lookups over one geo.json document. Use :meth:`default` for the shipped data."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.source: dict[str, Any] = dict(data.get("source", {}))
        self._regions: dict[str, str] = {r["code"]: r["name"] for r in data["regions"]}
        self._departments: dict[str, Department] = {
            d["code"]: Department(d["code"], d["name"], d["region"]) for d in data["departments"]
        }
        self._communes: dict[str, Commune] = {}  # current code -> current commune
        self._by_code: dict[str, Commune] = {}  # any known code -> current commune
        self._populations: dict[str, int] = {}
        self._postcodes: dict[str, tuple[str, ...]] = {}
        delegated: list[dict[str, Any]] = []
        for c in data["communes"]:
            if c["type"] == _CURRENT:
                commune = Commune(c["code"], c["name"], c["department"], c["region"])
                self._communes[commune.code] = commune
                if "population" in c:
                    self._populations[commune.code] = c["population"]
                self._postcodes[commune.code] = tuple(c.get("postcodes", ()))
            elif "commune" in c:
                delegated.append(c)
        self._by_code.update(self._communes)
        for old, new in data.get("former_codes", {}).items():
            if old not in self._by_code and new in self._communes:
                self._by_code[old] = self._communes[new]
        # Department of any former code, even one whose commune lies outside the
        # region data (a commune that moved to another department).
        self._former_department: dict[str, str] = {}
        for old, new in data.get("former_codes", {}).items():
            dep = self._communes[new].department if new in self._communes else _insee_department(new)
            if dep is not None:
                self._former_department[old] = dep

        self._region_names: dict[str, str] = dict(data.get("region_names", {}))
        for code, name in self._regions.items():
            self._region_names.setdefault(_normalise(name), code)

        # normalised name -> current communes; delegated/associated names are a
        # fallback, resolved to the current commune they belong to.
        self._names: dict[str, list[Commune]] = {}
        for commune in self._communes.values():
            self._names.setdefault(_normalise(commune.name), []).append(commune)
        self._old_names: dict[str, list[Commune]] = {}
        for c in delegated:
            current = self._communes.get(c["commune"])
            if current is None:
                continue
            bucket = self._old_names.setdefault(_normalise(c["name"]), [])
            if current not in bucket:
                bucket.append(current)

    # -- construction -----------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path) -> Geography:
        with open(path, encoding="utf-8") as fh:
            return cls(json.load(fh))

    @classmethod
    def default(cls) -> Geography:
        """The shared instance over ``graph/data/geo.json``, loaded on first use."""
        return _default_geography()

    # -- lookups ----------------------------------------------------------

    def commune(self, code: str) -> Commune | None:
        """The current commune for a current or former INSEE code; None if unknown here."""
        if not isinstance(code, str):
            return None
        return self._by_code.get(code.strip().upper())

    def communes(self) -> Iterable[Commune]:
        """Every current commune of the region data, by code."""
        return self._communes.values()

    def population(self, code: str) -> int | None:
        commune = self.commune(code)
        return None if commune is None else self._populations.get(commune.code)

    def postcodes(self, code: str) -> tuple[str, ...]:
        commune = self.commune(code)
        return () if commune is None else self._postcodes.get(commune.code, ())

    def is_former_code(self, code: str) -> bool:
        """True when ``code`` resolves to a commune that now has another code."""
        commune = self.commune(code)
        return commune is not None and commune.code != code.strip().upper()

    def department(self, code: str) -> Department | None:
        dep = _department_code(code)
        return None if dep is None else self._departments.get(dep)

    def departments(self) -> Iterable[Department]:
        return self._departments.values()

    def region(self, code: str) -> tuple[str, str] | None:
        """(code, name) of a region: '32', '1' (-> '01'), '975'..."""
        if not isinstance(code, str):
            return None
        code = code.strip()
        if re.fullmatch(r"\d", code):
            code = "0" + code
        name = self._regions.get(code)
        return None if name is None else (code, name)

    def regions(self) -> list[tuple[str, str]]:
        return list(self._regions.items())

    def region_of_insee(self, insee: str) -> str | None:
        """Region code of any French INSEE commune code, through its department.

        The department is the first two characters (``2A``/``2B`` for Corsica)
        or three for overseas (``97x``, ``98x``). A code known to the region data
        (current, former or delegated) uses the department of its current commune,
        so a commune that changed department still lands in the right region.
        None when the code is malformed or its department unknown.
        """
        if not isinstance(insee, str):
            return None
        insee = insee.strip().upper()
        if not is_insee_code(insee):
            return None
        known = self._by_code.get(insee)
        if known is not None:
            return known.region
        dep = self._former_department.get(insee) or _insee_department(insee)
        if dep is None:
            return None
        department = self._departments.get(dep)
        if department is not None:
            return department.region
        return _LEGACY_DEPARTMENTS.get(dep)

    def region_of_label(self, label: str) -> str | None:
        """Region code of a region name, current or pre-2016, any case or accents.

        'Hauts-de-France', 'Picardie', 'nord-pas-de-calais', 'Région Bretagne'...
        """
        if not isinstance(label, str):
            return None
        key = _normalise(label)
        code = self._region_names.get(key)
        if code is None and key.startswith("region "):
            code = self._region_names.get(key[len("region ") :])
        return code

    def find_commune(self, name: str, department: str | None = None) -> Commune | None:
        """The current commune called ``name`` (accent/case/hyphen-insensitive).

        Current names are matched first, then names of delegated/associated
        communes (resolved to the current commune they belong to). None when
        absent, or ambiguous (same name in several departments and no
        ``department`` given).
        """
        if not isinstance(name, str):
            return None
        key = _normalise(name)
        dep = None
        if department is not None:
            dep = _department_code(department)
            if dep is None:
                return None
        for index in (self._names, self._old_names):
            candidates = index.get(key, [])
            if dep is not None:
                candidates = [c for c in candidates if c.department == dep]
            if len(candidates) == 1:
                return candidates[0]
            if len(candidates) > 1:
                return None
        return None


def _insee_department(insee: str) -> str | None:
    if not is_insee_code(insee):
        return None
    return insee[:3] if insee[:2] in ("97", "98") else insee[:2]


@functools.cache
def _default_geography() -> Geography:
    return Geography.from_file(DATA_FILE)
