"""Compact JSON-LD for documents: a ``@context`` with the prefixes used, and ``crm:P1_is_identified_by``-style keys.

pyoxigraph writes JSON-LD in expanded form only (full IRIs everywhere), which is
valid but hard to read and to use from JavaScript. Linked-data pages and the
VoID/DCAT descriptions are small, so they are written here instead: one node
object per subject under ``@graph``, keys and ``@id``/``@type`` values as compact
IRIs whose prefixes the ``@context`` declares. Nothing else is compacted (values
stay ``{"@value": ...}`` / ``{"@id": ...}`` objects in arrays), so a JSON-LD
processor expands it back to the very same triples. SPARQL CONSTRUCT results,
which can be large, keep pyoxigraph's expanded form.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class _Compactor:
    def __init__(self, prefixes: dict[str, str]) -> None:
        # longest namespace first, so that the most specific prefix wins
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.used: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        for prefix, namespace in self.prefixes:
            if iri.startswith(namespace):
                suffix = iri[len(namespace):]
                # "p:" alone, or "p://..." (read as an absolute IRI), would not expand back to ``iri``
                if suffix and not suffix.startswith("//"):
                    self.used[prefix] = namespace
                    return f"{prefix}:{suffix}"
        return iri

    def node(self, term: ox.NamedNode | ox.BlankNode) -> str:
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else self.iri(term.value)

    def value(self, term: object) -> dict[str, str]:
        if isinstance(term, ox.Literal):
            out = {"@value": term.value}
            if term.language:
                out["@language"] = term.language
            elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
                out["@type"] = self.iri(term.datatype.value)
            return out
        return {"@id": self.node(term)}


def compact(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> bytes | None:
    """The triples as compact JSON-LD; None if some cannot be written so (triple terms)."""
    c = _Compactor(prefixes)
    nodes: dict[str, dict[str, object]] = {}
    for t in triples:
        if isinstance(t.object, ox.Triple) or isinstance(t.subject, ox.Triple):
            return None
        node = nodes.setdefault(c.node(t.subject), {})
        if t.predicate.value == RDF_TYPE and not isinstance(t.object, ox.Literal):
            types = node.setdefault("@type", [])
            term = c.node(t.object)
            if term not in types:
                types.append(term)
        else:
            values = node.setdefault(c.iri(t.predicate.value), [])
            value = c.value(t.object)
            if value not in values:
                values.append(value)
    graph = [{"@id": subject, **properties} for subject, properties in nodes.items()]
    context = dict(sorted(c.used.items()))
    return json.dumps({"@context": context, "@graph": graph}, ensure_ascii=False, indent=1).encode("utf-8")
