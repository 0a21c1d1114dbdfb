"""A candidate in a few words, in French, to tell it from its namesakes: its type, where it is, its dates, its ids."""

from __future__ import annotations

from graph.geo import Geography

from .reference import Thing
from .schema import Schema

SHOWN_IDS = ("insee", "museofile", "archives-code", "rcr", "pop-ref", "inventory-number", "idref", "wikidata")


def describe(thing: Thing, schema: Schema, geo: Geography) -> str:
    parts = [schema.types[thing.types[0]].name if thing.types and thing.types[0] in schema.types else ""]
    where = places(thing, geo)
    if where:
        parts.append(where)
    birth, death = thing.years.get("birth-year"), thing.years.get("death-year")
    if birth or death:
        parts.append(f"{_year(birth)}–{_year(death)}")
    shown = {}
    for pid, value in sorted(thing.ids, key=lambda i: not thing.iri.endswith("/" + i[1])):  # its IRI's own id first
        if pid in SHOWN_IDS and pid not in shown:
            shown[pid] = value
    parts += [f"{schema.properties[p].name} {v}" for p, v in shown.items()]
    if not thing.in_graph:
        parts.append("pas encore dans le graphe (référentiel)")
    return ", ".join(p for p in parts if p)


def places(thing: Thing, geo: Geography) -> str:
    """``Amiens (80)`` for what lies in a commune, ``Somme (80)`` for a commune, ``Hauts-de-France`` for a département."""
    codes = {c[:1]: c[2:] for c in sorted(thing.places)}
    types = set(thing.types)
    if "c" in codes and "commune" not in types and (c := geo.commune(codes["c"])) is not None:
        return f"{c.name} ({c.department})"
    if "d" in codes and "department" not in types and (d := geo.department(codes["d"])) is not None:
        return f"{d.name} ({d.code})"
    if "r" in codes and "region" not in types and (r := geo.region(codes["r"])) is not None:
        return r[1]
    return ""


def _year(span: tuple[int, int] | None) -> str:
    if span is None:
        return "?"
    return str(span[0]) if span[0] == span[1] else f"{span[0]}/{span[1]}"
