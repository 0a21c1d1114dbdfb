"""Authority files (IdRef, BnF, ISNI, VIAF, Wikidata, ULAN, GND, AAT...): any URL or id → the entity IRI.

Records point to authority records in many ways: the web page
(``https://www.idref.fr/026950650``, ``https://www.wikidata.org/wiki/Q762``), the
data page, a catalogue ark, a MARC ``$0`` notation (``(IdRef)026950650``), an ISNI
written in groups of four. The graph links to the *entity* the authority file
describes, one IRI per entity, as each file publishes it
(``http://www.idref.fr/026950650/id``, ``http://www.wikidata.org/entity/Q762``...):
two records naming the same person through different forms then meet on one IRI.

The files, their id forms, URL forms and entity IRIs are data: ``data/authorities.json``.

>>> entity_iri("https://www.idref.fr/026950650")
'http://www.idref.fr/026950650/id'
>>> parse("ISNI 0000 0001 2103 2683").iri
'http://isni.org/isni/0000000121032683'
>>> entity_iri("https://example.org/not-an-authority")
'https://example.org/not-an-authority'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "authorities.json"


@dataclass(frozen=True, slots=True)
class Authority:
    """One entity of an authority file: ``Authority("idref", "026950650", "http://www.idref.fr/026950650/id")``."""

    scheme: str
    id: str
    iri: str


@dataclass(frozen=True, slots=True)
class _Scheme:
    name: str
    label: str
    id: re.Pattern[str]
    entity: str
    urls: tuple[re.Pattern[str], ...]
    prefixes: tuple[str, ...]
    case: str | None

    def normalise(self, ident: str) -> str:
        ident = "".join(ident.split())
        if self.case == "upper":
            return ident.upper()
        if self.case == "lower":
            return ident.lower()
        return ident

    def make(self, ident: str) -> Authority:
        ident = self.normalise(ident)
        return Authority(self.name, ident, self.entity.format(id=ident))


@cache
def schemes() -> dict[str, _Scheme]:
    """Every authority file, in priority order (``data/authorities.json``)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    out: dict[str, _Scheme] = {}
    for name, s in data.items():
        if name.startswith("_"):
            continue
        id_form = s["id"]
        out[name] = _Scheme(
            name=name, label=s["label"], id=re.compile(rf"^(?:{id_form})$"), entity=s["entity"],
            urls=tuple(re.compile(u.replace("{id}", id_form), re.I) for u in s["urls"]),
            prefixes=tuple(p.lower() for p in s["prefixes"]), case=s.get("case"),
        )
    return out


def priority(scheme: str) -> int:
    """Rank of an authority file (0 first): which id names an entity known in several files."""
    order = list(schemes())
    return order.index(scheme) if scheme in order else len(order)


def entity(scheme: str, ident: str) -> Authority | None:
    """The entity of ``ident`` in authority file ``scheme``, or None when the id has not the file's form."""
    s = schemes().get(scheme)
    if s is None or not s.id.match(ident := "".join(ident.split())):
        return None
    return s.make(ident)


@lru_cache(maxsize=1 << 14)
def parse(value: str, scheme: str | None = None) -> Authority | None:
    """The authority entity ``value`` designates, or None.

    ``value`` is a URL of any known form, a notation with the file's prefix
    (``(IdRef)026950650``, ``wd:Q762``, ``ISNI 0000 0001 2103 2683``), or a bare
    id when ``scheme`` says which file it belongs to.
    """
    v = value.strip()
    if not v:
        return None
    known = schemes()
    candidates = [known[scheme]] if scheme in known else list(known.values())
    for s in candidates:
        for url in s.urls:
            if m := url.match(v):
                return s.make(m.group(1))
    lowered = v.lower()
    for s in candidates:
        for prefix in s.prefixes:
            if lowered.startswith(prefix) and s.id.match(rest := "".join(v[len(prefix):].split())):
                return s.make(rest)
    if scheme in known and known[scheme].id.match("".join(v.split())):
        return known[scheme].make(v)
    return None


def entity_iri(value: str) -> str:
    """The entity IRI of an authority URL in any known form; any other value unchanged (stripped)."""
    found = parse(value)
    return found.iri if found is not None else value.strip()
