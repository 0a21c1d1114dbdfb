"""Administrative geography of France, for locating heritage records.

A read-only API over the reference data of ``graph/data/`` built by ``scripts/extract_geo.py``
from packaged open data (provenance in ``geo.json``): every région, département and current
commune of France (INSEE Code officiel géographique, npm ``@etalab/decoupage-administratif``),
with their delegated and associated communes, municipal arrondissements, former codes and
former names since 1943, postal codes, and, for the communes GeoNames lists, coordinates and
the GeoNames id. Any region works by configuration (``--region 84``).

The data is read on first use (:meth:`Geography.default`), not at import: commands that do not
locate records pay nothing. The name index is built on the first name lookup.

    >>> geo = Geography.default()
    >>> geo.commune("80021")
    Commune(code='80021', name='Amiens', department='80', region='32')
    >>> geo.region_of_label("Picardie")
    '32'
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Commune", "Department", "Geography", "is_insee_code", "name_key", "DATA_FILE", "COMMUNES_FILE"]

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FILE = DATA_DIR / "geo.json"
COMMUNES_FILE = DATA_DIR / "communes.tsv.gz"

_INSEE_RE = re.compile(r"(?:\d{2}|2[AB])\d{3}")
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


@dataclass(frozen=True, slots=True)
class NameMatch:
    """A commune found by a name: the current commune, how the name is known, the code it had."""

    commune: Commune
    kind: str  # "c" current name, "d"/"a" delegated/associated commune, "m" arrondissement, "f" former name
    code: str  # the code the name belongs to (a former code for a former name)


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
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_SUR = re.compile(r"(?<=\w)\s*[-\s]s/\s*(?=\w)|(?<=\w)-s-(?=\w)", re.I)


def name_key(text: str) -> str:
    """The key place names are compared by: case, accents, hyphens and ``St``/``Ste`` do not count.

    ``Saint-Omer``, ``ST OMER``, ``St-Omer`` → ``saint omer``; ``Boulogne s/ Mer`` → ``boulogne sur mer``.
    """
    text = _SUR.sub(" sur ", text)
    return " ".join(_ABBREVIATIONS.get(t, t) for t in _normalise(text).split())


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


def _insee_department(insee: str) -> str | None:
    if not is_insee_code(insee):
        return None
    return insee[:3] if insee[:2] in ("97", "98") else insee[:2]


class Geography:
    """Lookups over the reference data. Use :meth:`default` for the shipped data."""

    def __init__(self, data: dict[str, Any], communes: Iterable[list[str]]) -> None:
        self.source: dict[str, Any] = dict(data.get("source", {}))
        self._regions: dict[str, str] = {r["code"]: r["name"] for r in data["regions"]}
        self._departments: dict[str, Department] = {
            d["code"]: Department(d["code"], d["name"], d["region"]) for d in data["departments"]
        }
        self._region_names: dict[str, str] = dict(data.get("region_names", {}))
        for code, name in self._regions.items():
            self._region_names.setdefault(_normalise(name), code)
        self._communes: dict[str, Commune] = {}  # current code -> current commune
        self._by_code: dict[str, Commune] = {}  # any known code -> current commune
        self._details: dict[str, tuple[str, str, str, str, str]] = {}  # population, postcodes, lat, lon, geonames
        self._other: list[tuple[str, str, str, str]] = []  # (code, name, kind, current) of non-current names
        later: list[list[str]] = []
        for row in communes:
            code, name, kind, current = row[0], row[1], row[2], row[3]
            if kind == "c":
                dep = _insee_department(code) or ""
                department = self._departments.get(dep)
                self._communes[code] = Commune(code, name, dep, department.region if department else "")
                self._details[code] = (row[4], row[5], row[6], row[7], row[8])
            else:
                later.append(row)
        self._by_code.update(self._communes)
        for code, name, kind, current, *_ in later:
            target = self._communes.get(current)
            if target is None:
                continue
            self._by_code.setdefault(code, target)
            if name:
                self._other.append((code, name, kind, current))
        self._names: dict[str, list[NameMatch]] | None = None

    # -- construction -----------------------------------------------------

    @classmethod
    def from_files(cls, data_file: str | Path = DATA_FILE, communes_file: str | Path = COMMUNES_FILE) -> Geography:
        with open(data_file, encoding="utf-8") as fh:
            data = json.load(fh)
        with gzip.open(communes_file, "rt", encoding="utf-8") as fh:
            next(fh)  # header
            rows = [line.rstrip("\n").split("\t") for line in fh]
        return cls(data, rows)

    @classmethod
    def default(cls) -> Geography:
        """The shared instance over ``graph/data/``, loaded on first use."""
        return _default_geography()

    # -- communes by code --------------------------------------------------

    def commune(self, code: str) -> Commune | None:
        """The current commune for a current or former INSEE code (or a municipal arrondissement); None if unknown."""
        if not isinstance(code, str):
            return None
        return self._by_code.get(code.strip().upper())

    def communes(self) -> Iterable[Commune]:
        """Every current commune of France, by code."""
        return self._communes.values()

    def population(self, code: str) -> int | None:
        commune = self.commune(code)
        value = self._details[commune.code][0] if commune is not None else ""
        return int(value) if value else None

    def postcodes(self, code: str) -> tuple[str, ...]:
        commune = self.commune(code)
        return tuple(self._details[commune.code][1].split()) if commune is not None else ()

    def coordinates(self, code: str) -> tuple[float, float] | None:
        """(lat, lon) of the commune: GeoNames' point, else its town hall's (``geo.json`` says the sources), or None."""
        commune = self.commune(code)
        if commune is None:
            return None
        _, _, lat, lon, _ = self._details[commune.code]
        if not (lat and lon):
            return None
        point = float(lat), float(lon)
        return point if all(map(math.isfinite, point)) else None  # the table says "nan" where it has none

    def geonames(self, code: str) -> str | None:
        """The GeoNames id of the commune, when GeoNames lists it."""
        commune = self.commune(code)
        return (self._details[commune.code][4] or None) if commune is not None else None

    def is_former_code(self, code: str) -> bool:
        """True when ``code`` resolves to a commune that now has another code."""
        commune = self.commune(code)
        return commune is not None and commune.code != code.strip().upper()

    def communes_with_postcode(self, postcode: str) -> list[Commune]:
        """The current communes a postal code serves (several communes often share one)."""
        index: dict[str, list[Commune]] | None = getattr(self, "_postcode_index", None)
        if index is None:
            index = {}
            for code, details in self._details.items():
                for pc in details[1].split():
                    index.setdefault(pc, []).append(self._communes[code])
            self._postcode_index = index
        return list(index.get(postcode.strip(), ()))

    # -- departments and regions -------------------------------------------

    def department(self, code: str) -> Department | None:
        dep = _department_code(code)
        return None if dep is None else self._departments.get(dep)

    def departments(self) -> Iterable[Department]:
        return self._departments.values()

    def department_named(self, name: str) -> Department | None:
        """The department called ``name`` (``Pas-de-Calais``, ``PAS DE CALAIS``) or numbered (``62``)."""
        dep = self.department(name) if isinstance(name, str) else None
        if dep is not None:
            return dep
        names: dict[str, Department] | None = getattr(self, "_department_names", None)
        if names is None:
            names = self._department_names = {name_key(d.name): d for d in self._departments.values()}
        return names.get(name_key(name)) if isinstance(name, str) else None

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

        A known code (current, former, delegated) uses the department of its current commune,
        so a commune that changed department lands in the right region. None when the code is
        malformed or its department unknown.
        """
        if not isinstance(insee, str):
            return None
        insee = insee.strip().upper()
        if not is_insee_code(insee):
            return None
        known = self._by_code.get(insee)
        if known is not None:
            return known.region
        dep = _insee_department(insee)
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

    # -- communes by name --------------------------------------------------

    def _name_index(self) -> dict[str, list[NameMatch]]:
        """Name key -> communes; also by the key without spaces (``Villeneuve dAscq``) when that is not a key."""
        if self._names is None:
            index: dict[str, list[NameMatch]] = {}
            for commune in self._communes.values():
                index.setdefault(name_key(commune.name), []).append(NameMatch(commune, "c", commune.code))
            for code, name, kind, current in self._other:
                index.setdefault(name_key(name), []).append(NameMatch(self._communes[current], kind, code))
            compact: dict[str, list[NameMatch]] = {}
            for key, matches in index.items():
                compact.setdefault(key.replace(" ", ""), []).extend(matches)
            for key, matches in compact.items():
                index.setdefault(key, matches)
            self._names = index
        return self._names

    def communes_named(self, name: str, department: str | None = None) -> list[NameMatch]:
        """Every commune a name designates, best-known names first.

        Tiers, in order: current names; names of delegated and associated communes and
        municipal arrondissements; former names (since 1943). Only the first tier with a match
        counts. With ``department``, a match must lie in it today or have lain in it under the
        code the name had.
        """
        if not isinstance(name, str):
            return []
        dep = None
        if department is not None:
            dep = _department_code(department)
            if dep is None:
                return []
        index = self._name_index()
        key = name_key(name)
        found = index.get(key) or index.get(key.replace(" ", ""), [])
        for tier in ("c", "dam", "f"):
            matches = [m for m in found if m.kind in tier
                       and (dep is None or m.commune.department == dep or _insee_department(m.code) == dep)]
            if matches:
                return list({m.commune.code: m for m in matches}.values())
        return []

    def find_commune(self, name: str, department: str | None = None) -> Commune | None:
        """The current commune called ``name`` (accent/case/hyphen/``St``-insensitive), or None.

        None when absent or ambiguous (the same name in several départements and no
        ``department`` given, or twice in it): never a guess.
        """
        matches = self.communes_named(name, department)
        return matches[0].commune if len(matches) == 1 else None


@functools.cache
def _default_geography() -> Geography:
    return Geography.from_files()
