"""The triples a write is about to add to a dataset's graph, seen against what the graph holds before it.

A reload writes again the records that changed: their triples are deleted, then their new triples
added. Most of a changed record's triples are the same as before (one note changed, one date). For each
node, the arriving triples that the graph already holds say, without reading the node's triples:

* whether the node keeps every triple it has (the graph holds as many triples about it as arrive
  already held): nothing of it needs deleting, and its links are those of the arriving triples;
* whether it gains some (more arrive than are held).

Reading a node's triples from the store costs a lookup of each of their terms' text (slow on a store
just bulk-loaded, before RocksDB has compacted it); knowing that a triple is held costs one lookup of
its encoded form. :meth:`graph.store.KnowledgeGraph.remove_records` reads only the nodes whose triples
change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .namespaces import CRM

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ASSIGNED_TO = ox.NamedNode(CRM.iri("P140_assigned_attribute_to"))
HELD, HELD_BLANK = 1, 2  # an arriving triple the graph holds (HELD_BLANK: naming a blank node)
# Beyond this many arriving triples, the summary would cost more memory than reading the nodes saves time.
MOST_TRIPLES = 1_000_000


@dataclass
class Arriving:
    """Per node (plain IRI): the arriving triples about it, and those of them the graph holds."""

    path: Path
    graph: ox.NamedNode
    held: bytearray = field(default_factory=bytearray)  # per triple read: HELD, HELD_BLANK or 0 (or a repeat)
    distinct: int = 0
    subject_of: Counter[str] = field(default_factory=Counter)  # distinct arriving triples, node as subject
    held_as_subject: Counter[str] = field(default_factory=Counter)  # … that the graph holds
    held_as_object: Counter[str] = field(default_factory=Counter)  # held ones with the node as object
    links_from: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # held IRI links
    links_to: defaultdict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    # the nodes each arriving attribute assignment names (graph.statistics); not known when a subject is blank
    named: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    blank_subject: bool = False

    @classmethod
    def read(cls, store: Any, graph: str, ntriples: Path) -> Arriving | None:
        """The triples of the N-Triples file ``ntriples`` about to be added to ``graph`` (plain IRI) of
        ``store``; None when they are too many to summarise (:data:`MOST_TRIPLES`)."""
        arriving = cls(ntriples, ox.NamedNode(graph))
        seen: set[ox.Quad] = set()
        for quad in arriving._quads():
            if quad in seen:
                arriving.held.append(0)
                continue
            if len(seen) >= MOST_TRIPLES:
                return None
            seen.add(quad)
            arriving.held.append(arriving._add(quad, quad in store))
        arriving.distinct = len(seen)
        return arriving

    def _quads(self) -> Iterator[ox.Quad]:
        with open(self.path, "rb") as f:
            for t in ox.parse(f, format=ox.RdfFormat.N_TRIPLES):
                yield ox.Quad(t.subject, t.predicate, t.object, self.graph)

    def _add(self, quad: ox.Quad, held: bool) -> int:
        s, o = quad.subject, quad.object
        if isinstance(s, ox.NamedNode):
            self.subject_of[s.value] += 1
            if quad.predicate == ASSIGNED_TO and isinstance(o, ox.NamedNode):
                self.named[s.value].add(o.value)
        else:
            self.blank_subject = True
        if not held:
            return 0
        if not isinstance(s, ox.NamedNode) or isinstance(o, ox.BlankNode):
            return HELD_BLANK  # a blank node's triples are never counted held: their nodes are read
        self.held_as_subject[s.value] += 1
        if isinstance(o, ox.NamedNode):
            self.held_as_object[o.value] += 1
            if quad.predicate != RDF_TYPE:
                self.links_from[s.value].append(o.value)
            self.links_to[o.value].append((s.value, quad.predicate.value))
        return HELD

    def keeps_all(self, node: str, as_subject: int) -> bool:
        """Whether every triple the graph has about ``node`` (``as_subject`` of them) arrives again."""
        return as_subject == self.held_as_subject[node]

    def pointed_to_alike(self, node: str, as_object: int) -> bool:
        """Whether every triple the graph has pointing to ``node`` (``as_object``) arrives again."""
        return as_object == self.held_as_object[node]

    def changes(self, node: str, as_subject: int) -> bool:
        """Whether the triples about ``node`` change: some go, or some arrive that the graph lacks."""
        return not self.keeps_all(node, as_subject) or self.subject_of[node] > as_subject

    def after_removal(self, going: set[str], pointing: set[tuple[str, str, str]]) -> tuple[list[str], int]:
        """Once every triple of the ``going`` subjects and the ``pointing`` triples are deleted: the held
        arriving triples of these subjects (N-Triples lines, blank nodes left out), and how many distinct
        arriving triples the graph still holds."""
        lines: list[str] = []
        still = 0
        for quad, held in zip(self._quads(), self.held):
            if not held:
                continue
            s, p, o = quad.subject, quad.predicate, quad.object
            if isinstance(s, ox.NamedNode) and s.value in going:
                if held == HELD:
                    lines.append(f"{s} {p} {o} .\n")
            elif not (isinstance(o, ox.NamedNode) and (s.value, p.value, o.value) in pointing):
                still += 1
        return lines, still
