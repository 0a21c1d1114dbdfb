"""What the graph says about one IRI: its own triples, those of its parts, and the links to it.

A record's parts are ``{iri}#fragment`` nodes (graph/iri.py), reached by
following links from and to the record through nodes that share its prefix:
``#production`` → ``#production-timespan``, ``#protection-1`` → the record.
Reading goes through the store's indexes (one lookup per node), never a scan
of the graph, and skips hidden graphs (datasets still loading, staging) as
queries do. A triple repeated in several datasets is kept once; a page shows
once the parts that say the same but for their IRI (:func:`without_repeated_parts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from graph.namespaces import CRM, RDFS, SKOS
from graph.store import KnowledgeGraph

LABELS = (ox.NamedNode(RDFS.iri("label")), ox.NamedNode(SKOS.iri("prefLabel")))
# A record's parts often have no label but a content: a title's text, an identifier's value, a note.
CONTENTS = (ox.NamedNode(CRM.iri("P190_has_symbolic_content")), ox.NamedNode(CRM.iri("P3_has_note")))
CONTENT_LABEL_LENGTH = 80
LABEL_LANGUAGES = ("fr", "", "en")  # the data is French; a label in another language beats none
# Past this many links to a resource (a commune, a concept...) they are counted, not all read.
INCOMING_SCAN_LIMIT = 20_000


@dataclass
class Description:
    iri: str
    triples: list[ox.Triple] = field(default_factory=list)  # about the resource and its parts
    parts: list[str] = field(default_factory=list)  # IRIs of its ``#fragment`` parts, in link order
    incoming: list[ox.Triple] = field(default_factory=list)  # links to it from other resources
    incoming_total: int = 0  # how many links to it (at least, when the scan stopped)
    incoming_complete: bool = True
    graphs: set[str] = field(default_factory=set)  # named graphs its triples come from

    def __bool__(self) -> bool:
        return bool(self.triples or self.incoming)


class Reader:
    """Reads descriptions from the visible graphs of ``kg``."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg

    @property
    def store(self):
        return self.kg.store  # the generation open now: a server follows the generations published

    def _hidden(self) -> set[str]:
        return set(self.kg.hidden_graphs())

    def _visible(self, quad: ox.Quad, hidden: set[str]) -> bool:
        g = quad.graph_name
        return not (isinstance(g, ox.NamedNode) and g.value in hidden)

    def describe(self, iri: str, incoming_limit: int = 500) -> Description:
        hidden = self._hidden()
        desc = Description(iri)
        prefix = iri + "#"
        seen_triples: set[ox.Triple] = set()
        seen_incoming: set[ox.Triple] = set()
        nodes = [iri]
        known = {iri}

        def reach(term: object) -> None:
            if isinstance(term, ox.NamedNode) and term.value.startswith(prefix) and term.value not in known:
                known.add(term.value)
                nodes.append(term.value)
                desc.parts.append(term.value)

        i = 0
        while i < len(nodes):
            node = ox.NamedNode(nodes[i])
            i += 1
            for quad in self.store.quads_for_pattern(node, None, None, None):
                if not self._visible(quad, hidden):
                    continue
                if isinstance(quad.graph_name, ox.NamedNode):
                    desc.graphs.add(quad.graph_name.value)
                if quad.triple not in seen_triples:
                    seen_triples.add(quad.triple)
                    desc.triples.append(quad.triple)
                reach(quad.object)
            scanned = 0
            for quad in self.store.quads_for_pattern(None, None, node, None):
                scanned += 1
                if scanned > INCOMING_SCAN_LIMIT:
                    desc.incoming_complete = False
                    break
                if not self._visible(quad, hidden):
                    continue
                subject = quad.subject
                if isinstance(subject, ox.NamedNode) and (subject.value == iri or subject.value.startswith(prefix)):
                    reach(subject)
                    continue
                if quad.triple in seen_incoming:
                    continue
                seen_incoming.add(quad.triple)
                desc.incoming_total += 1
                if len(desc.incoming) < incoming_limit:
                    desc.incoming.append(quad.triple)
        return desc

    def exists(self, iri: str) -> bool:
        """Whether a visible graph has ``iri`` as subject or object (cheaper than :meth:`describe`)."""
        hidden = self._hidden()
        node = ox.NamedNode(iri)
        for pattern in ((node, None, None, None), (None, None, node, None)):
            if any(self._visible(q, hidden) for q in self.store.quads_for_pattern(*pattern)):
                return True
        return False

    def label(self, iri: str) -> str | None:
        """The resource's rdfs:label or skos:prefLabel, French first."""
        found: dict[str, str] = {}
        hidden = self._hidden()
        node = ox.NamedNode(iri)
        for predicate in LABELS:
            for quad in self.store.quads_for_pattern(node, predicate, None, None):
                if isinstance(quad.object, ox.Literal) and self._visible(quad, hidden):
                    found.setdefault(quad.object.language or "", quad.object.value)
            if found:
                break
        for lang in LABEL_LANGUAGES:
            if lang in found:
                return found[lang]
        return next(iter(found.values()), None)

    def is_graph(self, iri: str) -> bool:
        node = ox.NamedNode(iri)
        return iri not in self._hidden() and self.store.contains_named_graph(node)


def label_in(triples: list[ox.Triple], subject: str) -> str | None:
    """A label of ``subject`` among already read triples (a record's parts carry theirs), else its content."""
    for predicates in (LABELS, CONTENTS):
        found: dict[str, str] = {}
        for t in triples:
            if isinstance(t.subject, ox.NamedNode) and t.subject.value == subject and t.predicate in predicates \
                    and isinstance(t.object, ox.Literal):
                found.setdefault(t.object.language or "", t.object.value)
        text = next((found[lang] for lang in LABEL_LANGUAGES if lang in found), next(iter(found.values()), None))
        if text is not None:
            return text if len(text) <= CONTENT_LABEL_LENGTH else text[:CONTENT_LABEL_LENGTH - 1] + "…"
    return None


def without_repeated_parts(desc: Description) -> Description:
    """``desc`` with each part that says exactly what an earlier one says, and links to nothing of the
    resource, replaced by that one: the identifier ``M9801`` of the museum's shared declaration and of its
    Muséofile record, the same title in two exports of one record... (each dataset has parts of its own, so
    that reloading one never touches another's). Parts that differ in anything stay apart."""
    own = set(desc.parts)
    said: dict[str, set[tuple[ox.NamedNode, object]]] = {part: set() for part in desc.parts}
    for t in desc.triples:
        if isinstance(t.subject, ox.NamedNode) and t.subject.value in own:
            said[t.subject.value].add((t.predicate, t.object))
    kept: dict[frozenset, str] = {}
    same: dict[str, str] = {}
    for part in desc.parts:
        statements = said[part]
        if not statements or any(isinstance(o, ox.NamedNode) and o.value in own for _, o in statements):
            continue  # only leaves: a part with parts of its own is compared no further
        first = kept.setdefault(frozenset(statements), part)
        if first != part:
            same[part] = first
    if not same:
        return desc
    triples: list[ox.Triple] = []
    seen: set[ox.Triple] = set()
    for t in desc.triples:
        if isinstance(t.subject, ox.NamedNode) and t.subject.value in same:
            continue
        if isinstance(t.object, ox.NamedNode) and t.object.value in same:
            t = ox.Triple(t.subject, t.predicate, ox.NamedNode(same[t.object.value]))
        if t not in seen:
            seen.add(t)
            triples.append(t)
    return replace(desc, triples=triples, parts=[p for p in desc.parts if p not in same])
