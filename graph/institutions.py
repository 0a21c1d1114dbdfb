"""Institutions as reference data: one IRI per museum, archives service or library, found by any of its ids or names.

Sources name the same institution in many ways: a Muséofile id (POP ``MUSEO``),
an archives service code (EAD ``mainagencycode`` ``FRAD062``, or ``repositorycode``
``AD062``), a library's RCR (Sudoc 930 $b) or its ISIL (``FR-`` + the RCR, as
the French ISIL agency, ABES, assigns them), an IdRef or Wikidata authority, or
only a name. :meth:`Institutions.resolve` turns any of these into one
:class:`Institution`, whose IRI (``org/{scheme}/{id}``) follows the first
scheme it is known by (:func:`priority`): the Louvre of a LIDO record
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

from . import authorities
from .geo import Geography, _normalise

DATA_DIR = Path(__file__).resolve().parent / "data" / "institutions"

# Institutions' own identifiers, in the priority of their IRI: an institution's IRI is
# ``org/{scheme}/{id}`` of the first scheme it is known by, these first, then the
# authority files in graph/authorities.py's order (idref, bnf, isni, viaf, wikidata...).
IDENTIFIER_SCHEMES = ("museofile", "archives", "rcr", "isil")
# Identifiers written as E42_Identifier: scheme → (identifier type, its label).
IDENTIFIER_TYPES = {
    "museofile": ("museofile", "identifiant Muséofile"),
    "archives": ("archives-service-code", "code de service d'archives"),
    "rcr": ("rcr", "numéro RCR"),
    "isil": ("isil", "ISIL"),
}
ALIASES = {"iso15511": "archives", "archives-service-code": "archives", "museo": "museofile"}

_IDS = {
    "museofile": re.compile(r"^M\d{4}$"),
    "archives": re.compile(r"^FR[A-Z]{1,6}[0-9A-Z]*$"),
    "rcr": re.compile(r"^(?:\d{2}|2[AB])\d{7}$"),
    "isil": re.compile(r"^[A-Z]{1,4}-[A-Za-z0-9:/-]{1,11}$"),
}
_REPOSITORY_CODE = re.compile(r"^A[DMN][0-9A-Z]*$")  # EAD repositorycode without its country: AD062
_MUNICIPAL = re.compile(r"^FRAM0(\d[0-9AB])(\d{3})$")  # FRAM + department on 3 + commune number
_ARTICLE = re.compile(r"^(le|la|les|l) ")
_LINKS = (("Les ", "des "), ("Le ", "du "), ("La ", "de La "), ("L'", "de L'"))
_VOWELS = tuple("AEIOUYÂÉÈÊÎÏÔÛÜaeiouy")


def priority(scheme: str) -> int:
    """Rank of a scheme for an institution's IRI (0 first)."""
    if scheme in IDENTIFIER_SCHEMES:
        return IDENTIFIER_SCHEMES.index(scheme)
    return len(IDENTIFIER_SCHEMES) + authorities.priority(scheme)


def normalise_id(scheme: str, value: str) -> tuple[str, str] | None:
    """``("isil", " fr-800219901 ")`` → ``("isil", "FR-800219901")``; None when the value is not of its scheme.

    Authority ids may be written in any form graph/authorities.py reads (``https://www.idref.fr/026403714``).
    """
    scheme = ALIASES.get(scheme.strip().lower(), scheme.strip().lower())
    value = value.strip()
    if scheme not in IDENTIFIER_SCHEMES and scheme not in authorities.schemes():  # a source's own scheme
        return (scheme, value) if value and scheme else None
    if scheme not in IDENTIFIER_SCHEMES:
        found = authorities.parse(value, scheme)
        return (found.scheme, found.id) if found is not None and found.scheme == scheme else None
    if scheme == "isil":
        prefix, _, rest = value.partition("-")
        value = f"{prefix.upper()}-{rest}"
    else:
        value = value.upper()
    if scheme == "archives" and _REPOSITORY_CODE.match(value):
        value = "FR" + value
    return (scheme, value) if _IDS[scheme].match(value) else None


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
        return [a.iri for s, v in self.ids if s not in IDENTIFIER_SCHEMES and (a := authorities.entity(s, v))]


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
        scheme, value = min(inst.ids, key=lambda k: priority(k[0]))
        inst = replace(inst, scheme=scheme, id=value)
        for i in inst.ids:
            self._by_id[i] = inst
        for name in dict.fromkeys(name_key(n) for n in (inst.name, *inst.names) if n):
            self._by_name.setdefault(name, []).append(inst)

    def __len__(self) -> int:
        return len({id(i) for i in self._by_id.values()})

    def known(self) -> list[Institution]:
        """Every institution of the reference tables, once."""
        return list({id(i): i for i in self._by_id.values() if i.known}.values())

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
        """The institution named or identified, known or not; None when neither a name nor an id is given.

        Known ids first, then the name; else an institution of its own, keyed by the best id
        given (an RCR also gets its ISIL and commune, a municipal archives code its name), or
        by its name, or by the first id as written when none has its scheme's form.
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
        raw = [(ALIASES.get(s.strip().lower(), s.strip().lower()), v.strip()) for s, v in ids if v and v.strip()]
        if raw:  # an id not of its scheme's form (a MUSEO "M297"): kept as written, as its own institution
            return Institution(*raw[0], ids=(raw[0],))
        return None

    def _unknown(self, ids: list[tuple[str, str]], name: str | None) -> Institution:
        ids = with_derived(ids)
        scheme, value = min(ids, key=lambda k: priority(k[0]))
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
