"""The types and properties the reconciliation service offers, read from ``graph/data/reconciliation.json``.

A type is either a class of entities (``person``: ``crm:E21_Person``) or a narrower type of one
(``commune`` within ``place``), whose entities are told apart by their IRI (``place/commune/``),
their ``crm:P2_has_type`` or their ``skos:inScheme``. Paths in the data file are relative to the
graph's base IRI, so the same file serves any ``--base-iri``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from graph.namespaces import PREFIXES

DATA = Path(__file__).resolve().parent.parent / "data" / "reconciliation.json"


def absolute(path: str, base: str) -> str:
    """``concept/scheme/material`` → ``{base}concept/scheme/material``; ``aat:300312281`` → the AAT IRI."""
    prefix, _, local = path.partition(":")
    if local and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    return base + path


def _as_json(self) -> dict:
    """A type or a property as the API writes it: id, name, and its description when it has one."""
    out: dict = {"id": self.id, "name": self.name}
    if self.description:
        out["description"] = self.description
    return out


@dataclass(frozen=True)
class Type:
    id: str
    name: str
    description: str = ""
    cls: str | None = None  # the class IRI, for the types at the top
    broader: str | None = None
    iri: tuple[str, ...] = ()  # paths under the base IRI
    has_type: tuple[str, ...] = ()  # concept IRIs (absolute)
    scheme: tuple[str, ...] = ()  # concept scheme IRIs (absolute)

    as_json = _as_json


@dataclass(frozen=True)
class Property:
    """A property a query may give (``properties: [{"pid": ..., "v": ...}]``) to refine its candidates."""

    id: str
    name: str
    types: tuple[str, ...]
    kind: str  # identifier, any-identifier, year, department, commune
    description: str = ""
    identifier_types: tuple[str, ...] = ()  # absolute IRIs
    authority: str | None = None  # a scheme of graph/data/authorities.json
    pattern: str | None = None  # for years: ?s to the time-span's ?v (begin) and ?w (end)

    as_json = _as_json


@dataclass(frozen=True)
class Extension:
    """A property a data extension may fetch: a SPARQL pattern from ``?s`` to ``?v``."""

    id: str
    name: str
    types: tuple[str, ...]
    value: str  # iri, entity, str, int, float, year
    pattern: str = ""
    type: str | None = None  # the type of the entities it gives, when it is one of the service's
    type_name: str = ""


@dataclass(frozen=True)
class Schema:
    base: str
    types: dict[str, Type]
    default_types: tuple[str, ...]
    properties: dict[str, Property]
    extensions: dict[str, Extension]
    aliases: dict[str, str] = field(default_factory=dict)  # other names of a type (class IRIs, crm:E21_Person)

    def type(self, given: str) -> Type | None:
        """The type ``given`` names: its id, its class IRI, a prefixed or short class name."""
        found = self.types.get(given)
        if found is None:
            key = self.aliases.get(given) or self.aliases.get(given.strip().lower())
            found = self.types.get(key) if key else None
        return found

    def top(self, type_id: str) -> Type:
        t = self.types[type_id]
        while t.broader is not None:
            t = self.types[t.broader]
        return t

    def lineage(self, type_id: str) -> list[str]:
        """The type and every broader one: ``commune`` → ``[commune, place]``."""
        out = [type_id]
        while (b := self.types[out[-1]].broader) is not None:
            out.append(b)
        return out

    def narrower(self, type_id: str) -> list[Type]:
        return [t for t in self.types.values() if t.broader == type_id]

    def applies(self, ids: tuple[str, ...], type_ids: list[str]) -> bool:
        """Whether a property declared for ``ids`` applies to an entity of these types."""
        return any(t in ids for t in type_ids)

    def properties_for(self, type_id: str | None) -> list[Property]:
        if type_id is None or type_id not in self.types:
            return list(self.properties.values())
        lineage = self.lineage(type_id)
        return [p for p in self.properties.values() if any(t in p.types for t in lineage)]

    def extensions_for(self, type_id: str | None) -> list[Extension]:
        if type_id is None or type_id not in self.types:
            return list(self.extensions.values())
        lineage = self.lineage(type_id)
        return [e for e in self.extensions.values() if any(t in e.types for t in lineage)]


@cache
def _data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


@cache
def schema(base: str) -> Schema:
    data = _data()
    types: dict[str, Type] = {}
    aliases: dict[str, str] = {}
    for t in data["types"]:
        cls = absolute(t["class"], base) if "class" in t else None
        types[t["id"]] = Type(
            id=t["id"], name=t["name"], description=t.get("description", ""), cls=cls, broader=t.get("broader"),
            iri=tuple(t.get("iri", ())), has_type=tuple(absolute(x, base) for x in t.get("has_type", ())),
            scheme=tuple(absolute(x, base) for x in t.get("scheme", ())))
        aliases[t["name"].lower()] = t["id"]
        if cls is not None:
            local = cls.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            aliases.update({cls: t["id"], t["class"]: t["id"], local: t["id"], local.lower(): t["id"]})
    properties = {
        p["id"]: Property(id=p["id"], name=p["name"], types=tuple(p["types"]), kind=p["kind"],
                          description=p.get("description", ""),
                          identifier_types=tuple(absolute(x, base) for x in p.get("identifier_types", ())),
                          authority=p.get("authority"), pattern=p.get("pattern"))
        for p in data["properties"]}
    extensions = {
        e["id"]: Extension(id=e["id"], name=e["name"], types=tuple(e["types"]), value=e["value"],
                           pattern=e.get("pattern", "").replace("{base}", base), type=e.get("type"),
                           type_name=types[e["type"]].name if e.get("type") else "")
        for e in data["extension"]}
    return Schema(base, types, tuple(data["default_types"]), properties, extensions, aliases)
