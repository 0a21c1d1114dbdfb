"""Institutions as reference data: one IRI per museum, archives service or library, found by any of its ids or names.

Sources name the same institution in many ways: a Muséofile id (POP ``MUSEO``),
an archives service code (EAD ``mainagencycode`` ``FRAD062``, or ``repositorycode``
``AD062``), a library's RCR (Sudoc 930 $b) or its ISIL (``FR-`` + the RCR, as
the French ISIL agency, ABES, assigns them), an IdRef or Wikidata authority, or
only a name. :meth:`Institutions.resolve` turns any of these into one
:class:`Institution`, whose IRI (``org/{scheme}/{id}``) follows the first
scheme it is known by in :data:`IRI_SCHEMES`: the Louvre of a LIDO record
(``wikidata:Q19675``) is the Muséofile ``M5031`` of POP and of the list of
Musées de France, with ``owl:sameAs`` to its Wikidata entity.

Reference tables (``graph/data/institutions/``, provenance in PROVENANCE.md):
``museums.csv`` (the national list of Musées de France), ``archives.csv``
(departmental and national archives services), ``curated.csv`` (institutions
known by several identifiers, each row with its source). Institutions outside
them still get one IRI per identifier: an unknown RCR is ``org/rcr/{rcr}``
with its ISIL ``FR-{rcr}`` and the commune its digits name; an unknown
municipal archives code ``FRAM059017`` is named after its commune.

A name resolves only when exactly one institution bears it (after the commune
or department the record gives, if any): "musée municipal" alone names 63
museums and resolves to none; names are compared without case, accents,
punctuation or a leading article.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from .geo import Geography, _normalise

DATA_DIR = Path(__file__).resolve().parent / "data" / "institutions"

# The scheme of an institution's IRI, by priority: the first one it is known by.
IRI_SCHEMES = ("museofile", "archives", "rcr", "isil", "idref", "bnf", "isni", "viaf", "lc", "wikidata", "gnd", "ulan")
# Identifiers written as E42_Identifier: scheme → (identifier type, its label).
IDENTIFIER_TYPES = {
    "museofile": ("museofile", "identifiant Muséofile"),
    "archives": ("archives-service-code", "code de service d'archives"),
    "rcr": ("rcr", "numéro RCR"),
    "isil": ("isil", "ISIL"),
}
# Authorities written as owl:sameAs to their entity IRIs (not their web pages).
AUTHORITY_ENTITIES = {
    "idref": "http://www.idref.fr/{id}/id",
    "wikidata": "http://www.wikidata.org/entity/{id}",
    "viaf": "http://viaf.org/viaf/{id}",
    "isni": "https://isni.org/isni/{id}",
    "gnd": "https://d-nb.info/gnd/{id}",
    "bnf": "http://data.bnf.fr/ark:/12148/cb{id}",
}
ALIASES = {"iso15511": "archives", "archives-service-code": "archives", "museo": "museofile"}

_IDS = {
    "museofile": re.compile(r"^M\d{4}$"),
    "archives": re.compile(r"^FR[A-Z]{1,6}[0-9A-Z]*$"),
    "rcr": re.compile(r"^(?:\d{2}|2[AB])\d{7}$"),
    "isil": re.compile(r"^[A-Z]{1,4}-[A-Za-z0-9:/-]{1,11}$"),
    "idref": re.compile(r"^\d{8}[\dX]$"),
    "wikidata": re.compile(r"^Q\d+$"),
}
_WIKIDATA_URI = re.compile(r"^https?://(?:www\.)?wikidata\.org/(?:entity|wiki)/(Q\d+)$")
_IDREF_URI = re.compile(r"^https?://(?:www\.)?idref\.fr/(\d{8}[\dXx])(?:/id)?$")
_REPOSITORY_CODE = re.compile(r"^A[DMN][0-9A-Z]*$")  # EAD repositorycode without its country: AD062
_MUNICIPAL = re.compile(r"^FRAM0(\d[0-9AB])(\d{3})$")  # FRAM + department on 3 + commune number
_ARTICLE = re.compile(r"^(le|la|les|l) ")
_LINKS = (("Les ", "des "), ("Le ", "du "), ("La ", "de La "), ("L'", "de L'"))
_VOWELS = tuple("AEIOUYÂÉÈÊÎÏÔÛÜaeiouy")


def normalise_id(scheme: str, value: str) -> tuple[str, str] | None:
    """``("isil", " fr-800219901 ")`` → ``("isil", "FR-800219901")``; None when the value is not of its scheme."""
    scheme = ALIASES.get(scheme.strip().lower(), scheme.strip().lower())
    value = value.strip()
    if scheme == "wikidata" and (m := _WIKIDATA_URI.match(value)):
        value = m[1]
    elif scheme == "idref" and (m := _IDREF_URI.match(value)):
        value = m[1]
    if scheme == "isil":
        prefix, _, rest = value.partition("-")
        value = f"{prefix.upper()}-{rest}"
    elif scheme in _IDS:
        value = value.upper()
    if scheme == "archives" and _REPOSITORY_CODE.match(value):
        value = "FR" + value
    pattern = _IDS.get(scheme)
    if pattern is not None and not pattern.match(value):
        return None
    if not value or scheme not in IRI_SCHEMES:
        return None
    return scheme, value


def name_key(name: str) -> str:
    """``"Le Musée du Louvre"`` → ``"musee du louvre"``: how names are compared."""
    return _ARTICLE.sub("", _normalise(name))


def of(name: str) -> str:
    """A French place name after "de": ``Armentières`` → ``d'Armentières``, ``Le Quesnoy`` → ``du Quesnoy``."""
    for article, link in _LINKS:
        if name.startswith(article):
            return link + name[len(article):]
    return ("d'" if name.startswith(_VOWELS) else "de ") + name


@dataclass(frozen=True)
class Institution:
    """One institution: the scheme and id of its IRI, its names, every id it is known by."""

    scheme: str  # of its IRI: museofile, archives, rcr, isil, idref, wikidata... or "name"
    id: str
    name: str | None = None
    names: tuple[str, ...] = ()  # other names (skos:altLabel)
    ids: tuple[tuple[str, str], ...] = ()  # (scheme, id), its own included
    kind: str | None = None  # musée de France, service d'archives, bibliothèque, université
    commune: str | None = None  # INSEE code
    department: str | None = None
    lang: str = "fr"
    known: bool = False  # described by the reference tables
    source: str = field(default="", compare=False)

    def identifiers(self) -> list[tuple[str, str, str]]:
        """(identifier type, value, label) of each id written as an ``E42_Identifier``."""
        return [(*IDENTIFIER_TYPES[s][:1], v, IDENTIFIER_TYPES[s][1]) for s, v in self.ids if s in IDENTIFIER_TYPES]

    def same_as(self) -> list[str]:
        """Entity IRIs of the authorities it is known by (``http://www.wikidata.org/entity/Q19675``)."""
        return [AUTHORITY_ENTITIES[s].format(id=v) for s, v in self.ids if s in AUTHORITY_ENTITIES]


class Institutions:
    """The reference tables, indexed by every id and by name."""

    def __init__(self, entries: list[Institution], geo: Geography | None = None) -> None:
        self.geo = geo or Geography.default()
        self._by_id: dict[tuple[str, str], Institution] = {}
        self._by_name: dict[str, list[Institution]] = {}
        for inst in entries:
            self._add(inst)

    def _add(self, inst: Institution) -> None:
        """Index ``inst``; one that shares an id with an indexed one is merged into it (curated rows)."""
        previous = {id(p): p for i in inst.ids if (p := self._by_id.get(i)) is not None}
        for p in previous.values():
            inst = _merge(p, inst)
            for names in self._by_name.values():
                if p in names:
                    names.remove(p)
        scheme, value = min(inst.ids, key=lambda k: IRI_SCHEMES.index(k[0]))
        inst = replace(inst, scheme=scheme, id=value)
        for i in inst.ids:
            self._by_id[i] = inst
        for name in dict.fromkeys(name_key(n) for n in (inst.name, *inst.names) if n):
            self._by_name.setdefault(name, []).append(inst)

    def __len__(self) -> int:
        return len({id(i) for i in self._by_id.values()})

    @classmethod
    def default(cls) -> Institutions:
        """The shared instance over ``graph/data/institutions/``, loaded on first use."""
        return _default()

    # -- lookups -----------------------------------------------------------------
    def get(self, scheme: str, value: str) -> Institution | None:
        key = normalise_id(scheme, value)
        if key is None:
            return None
        found = self._by_id.get(key)
        if found is None and key[0] == "isil" and key[1].startswith("FR-"):
            found = self._by_id.get(("rcr", key[1][3:]))
        return found

    def by_name(self, name: str, commune: str | None = None, department: str | None = None) -> Institution | None:
        """The one institution bearing ``name`` (in ``commune`` or ``department`` when given), or None."""
        found = self._by_name.get(name_key(name), [])
        for value, attr in ((commune, "commune"), (department, "department")):
            if value and len(found) > 1:  # the ones there, else the ones whose place is unknown
                found = ([i for i in found if getattr(i, attr) == value]
                         or [i for i in found if getattr(i, attr) is None])
        return found[0] if len(found) == 1 else None

    def resolve(self, name: str | None = None, ids: list[tuple[str, str]] | tuple = (),
                commune: str | None = None, department: str | None = None) -> Institution | None:
        """The institution named or identified, known or not; None when nothing usable is given.

        Known ids first, then the name; else an institution of its own, keyed by the best id
        given (an RCR also gets its ISIL and commune, a municipal archives code its name), or
        by its name.
        """
        valid = [k for s, v in ids if v and (k := normalise_id(s, v)) is not None]
        for scheme, value in valid:
            if (found := self.get(scheme, value)) is not None:
                return found
        if name and name.strip() and (found := self.by_name(name, commune, department)) is not None:
            return found
        if valid:
            return self._unknown(valid, name)
        if name and name.strip():
            return Institution("name", " ".join(name.split()), " ".join(name.split()))
        return None

    def _unknown(self, ids: list[tuple[str, str]], name: str | None) -> Institution:
        ids = with_derived(ids)
        scheme, value = min(ids, key=lambda k: IRI_SCHEMES.index(k[0]))
        kind = commune = label = None
        if scheme == "rcr":
            kind, commune = "bibliothèque", self._commune_code(value[:2], value[2:5])
        elif scheme == "archives":
            kind = "service d'archives"
            if (m := _MUNICIPAL.match(value)) and (commune := self._commune_code(m[1], m[2])):
                label = f"Archives municipales {of(self.geo.commune(commune).name)}"
        return Institution(scheme, value, name.strip() if name and name.strip() else label, ids=ids,
                           kind=kind, commune=commune)

    def _commune_code(self, department: str, number: str) -> str | None:
        """The current INSEE code of a department's commune number, when it names a commune."""
        known = self.geo.commune(department + number)
        return known.code if known is not None else None


def with_derived(ids: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The ids and those they imply: a French library's ISIL is ``FR-`` + its RCR, and the other way round."""
    out = list(ids)
    for scheme, value in ids:
        if scheme == "isil" and value.startswith("FR-") and _IDS["rcr"].match(value[3:]):
            out.append(("rcr", value[3:]))
        elif scheme == "rcr":
            out.append(("isil", f"FR-{value}"))
    return tuple(dict.fromkeys(out))


def _merge(a: Institution, b: Institution) -> Institution:
    """``a`` completed by ``b`` (a curated row): b's name and kind first, every name and id of both."""
    name = b.name or a.name
    names = tuple(dict.fromkeys(n for n in (a.name, *a.names, *b.names) if n and n != name))
    return Institution(a.scheme, a.id, name, names, with_derived(a.ids + b.ids), b.kind or a.kind,
                       b.commune or a.commune, b.department or a.department, b.lang, True,
                       "; ".join(s for s in (a.source, b.source) if s))


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _split(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split("|") if t.strip())


def load_tables() -> list[Institution]:
    """Every row of the reference tables, as institutions (curated rows last, so they add to the others)."""
    out: list[Institution] = []
    for r in _rows("museums.csv"):
        out.append(Institution("museofile", r["museofile"], r["name"], ids=(("museofile", r["museofile"]),),
                               kind="musée de France", commune=r["insee"] or None,
                               department=r["department"] or None, known=True,
                               source="liste et localisation des Musées de France"))
    for r in _rows("archives.csv"):
        out.append(Institution("archives", r["code"], r["name"], ids=(("archives", r["code"]),),
                               kind="service d'archives", department=r["department"] or None, known=True,
                               source="archives services table"))
    for r in _rows("curated.csv"):
        ids = with_derived([k for part in _split(r["ids"]) if (k := normalise_id(*part.split(":", 1))) is not None])
        if not ids:
            raise ValueError(f"curated.csv: {r['name']!r} has no valid id")
        commune = r["commune"] or None
        out.append(Institution(*ids[0], r["name"], _split(r["names"]), ids, r["kind"] or None, commune,
                               commune[:2] if commune else None, r["lang"] or "fr", True, r["source"]))
    return out


@cache
def _default() -> Institutions:
    return Institutions(load_tables())
