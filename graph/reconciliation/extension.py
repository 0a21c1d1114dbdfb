"""Data extension: the values of some properties for some entities, as OpenRefine asks for them.

One SPARQL query fetches every property asked for every entity asked (a ``VALUES`` of the entities,
a ``UNION`` of the properties' patterns, from ``graph/data/reconciliation.json``): its work starts
from the given entities only. The caller runs it where it can be stopped at the time limit (the
endpoint's query workers) and gives the SPARQL JSON results to :func:`rows`.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from graph.namespaces import RDFS

from .match import QueryError
from .schema import Extension, Schema

MAX_IDS = 100
MAX_VALUES = 50  # values of one property for one entity
_IRI_UNSAFE = re.compile(r"[\s<>\"{}|\\^`]")


def read_extend(request: object, schema: Schema) -> tuple[list[str], list[Extension]]:
    """``{"ids": [...], "properties": [{"id": ...}]}`` checked and read: (entity IRIs, properties)."""
    if not isinstance(request, dict) or not isinstance(request.get("ids"), list) \
            or not isinstance(request.get("properties"), list):
        raise QueryError("a data extension query must be {\"ids\": [...], \"properties\": [{\"id\": ...}]}")
    ids, props = request["ids"], request["properties"]
    if len(ids) > MAX_IDS:
        raise QueryError(f"{len(ids)} ids in one data extension query: at most {MAX_IDS}")
    if len(props) > len(schema.extensions):
        raise QueryError(f"at most {len(schema.extensions)} properties")
    iris = [entity_iri(i, schema.base) for i in ids]
    chosen = []
    for p in props:
        pid = p.get("id") if isinstance(p, dict) else None
        if not isinstance(pid, str) or pid not in schema.extensions:
            known = ", ".join(schema.extensions)
            raise QueryError(f"unknown property {str(pid)[:60]!r} (known: {known})")
        chosen.append(schema.extensions[pid])
    return iris, chosen


def entity_iri(identifier: object, base: str) -> str:
    """The IRI of an id the service gave (relative to the base IRI) or of a full IRI; QueryError if it is none."""
    if not isinstance(identifier, str) or not identifier or len(identifier) > 500:
        raise QueryError("each id must be a non-empty string of at most 500 characters")
    iri = identifier if "://" in identifier else base + identifier.lstrip("/")
    if _IRI_UNSAFE.search(iri):
        raise QueryError(f"id {identifier[:60]!r} is not an IRI")
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise QueryError(f"id {identifier[:60]!r} is not an IRI") from None
    return iri


def sparql(iris: list[str], props: list[Extension]) -> str | None:
    """The one query fetching every property (None when no property needs the store)."""
    branches = [f"{{ {p.pattern} BIND(\"{p.id}\" AS ?p) }}" for p in props if p.pattern]
    if not branches or not iris:
        return None
    values = " ".join(f"<{i}>" for i in iris)
    return (f"SELECT DISTINCT ?s ?p ?v ?l WHERE {{ VALUES ?s {{ {values} }} {' UNION '.join(branches)}"
            f" OPTIONAL {{ ?v {RDFS.label} ?l }} }}")


def rows(iris: list[str], ids: list[str], props: list[Extension], results: dict | None, base: str) -> dict:
    """The data extension response: ``meta`` and ``rows`` (each id asked, each property, its values)."""
    out: dict[str, dict[str, list]] = {i: {p.id: [] for p in props} for i in ids}
    id_of = dict(zip(iris, ids))
    by_id = {p.id: p for p in props}
    seen: set[tuple] = set()
    for p in props:
        if p.value == "iri":
            for iri, i in id_of.items():
                out[i][p.id].append({"str": iri})
    for b in (results or {}).get("results", {}).get("bindings", []):
        i, pid = id_of.get(b.get("s", {}).get("value")), b.get("p", {}).get("value")
        v = b.get("v")
        if i is None or pid not in by_id or v is None:
            continue
        value = _value(by_id[pid], v, b.get("l"), base)
        cell = out[i][pid]
        if value is None or (i, pid, repr(value)) in seen or len(cell) >= MAX_VALUES:
            continue
        seen.add((i, pid, repr(value)))
        cell.append(value)
    meta = []
    for p in props:
        m: dict = {"id": p.id, "name": p.name}
        if p.type:
            m["type"] = {"id": p.type, "name": p.type_name}
        meta.append(m)
    return {"meta": meta, "rows": out}


def _value(p: Extension, v: dict, label: dict | None, base: str) -> dict | None:
    text = v.get("value", "")
    if p.value == "entity":
        if v.get("type") != "uri":
            return {"str": text}
        short = text[len(base):] if text.startswith(base) else text
        return {"id": short, "name": label["value"] if label else short}
    if p.value in ("int", "year"):
        digits = text.lstrip("+-").split("-", 1)[0]
        if not digits.isdigit():
            return None
        return {"int": -int(digits) if text.startswith("-") else int(digits)}
    if p.value == "float":
        try:
            return {"float": float(text)}
        except ValueError:
            return None
    return {"str": text}
