"""Statistics of a dataset, written in the catalogue beside its description when its graph is written.

Counting over the whole graph at query time reads every instance (seconds on a national graph); the
counts a dataset's own graph gives are computed once, when that graph changed, by an aggregate over that
graph only, and kept in the catalogue graph as parts of the dataset's description (so that they go with it):

* VoID class partitions: ``<dataset> void:classPartition <dataset#class-…>``, each with ``void:class``
  and ``void:entities`` (the subjects of that class in the dataset's graph);
* département partitions: ``<dataset> pkg:departmentPartition <dataset#department-…>``, each with
  ``pkg:department`` and ``void:entities`` (the dataset's records, ``void:inDataset`` it, whose
  ``pkg:department`` it is);
* assignment partitions: ``<dataset> pkg:assignedPartition <dataset#assigned-…>``, each with
  ``pkg:department``, ``pkg:assigned`` and ``void:entities`` (the dataset's records in that département
  to which an attribute assignment, ``crm:E13``, assigned that thing with ``crm:P141_assigned``: a
  protection status such as classé MH).

They are derived data (the graph says the same), declared in ontology/profile.ttl.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pyoxigraph as ox

from .iri import Minter
from .namespaces import CRM, PKG, VOID, XSD

VOID_CLASS = VOID("class")  # a Python keyword
# Each partition: the property that links the dataset to it, its fragment, its keys (the properties saying which
# subset it is, ?k0, ?k1 in the pattern), and what it counts in the dataset's graph (a (subject, key) pair is
# one triple of the graph: counted once; a record can be assigned one thing twice: counted DISTINCT).
PARTITIONS = (
    (VOID.classPartition, "class", (VOID_CLASS,), "COUNT(*)", "?s a ?k0"),
    (PKG.departmentPartition, "department", (PKG.department,), "COUNT(*)",
     f"?s {VOID.inDataset} {{dataset}} ; {PKG.department} ?k0"),
    (PKG.assignedPartition, "assigned", (PKG.department, PKG.assigned), "COUNT(DISTINCT ?s)",
     f"?act {CRM.P141_assigned} ?k1 ; {CRM.P140_assigned_attribute_to} ?s . ?s {VOID.inDataset} {{dataset}} ;"
     f" {PKG.department} ?k0"),
)


# which partitions a dataset's statistics have (pkg:statistics): a store written before one existed counts again
KINDS = " ".join(fragment for _, fragment, *_ in PARTITIONS)


def kept(dataset: str) -> str:
    """A SPARQL condition on ``?s ?p``: a triple of the catalogue that states ``dataset``'s statistics."""
    plain = Minter.plain(dataset)
    links = ", ".join([PKG.statistics, *(link for link, *_ in PARTITIONS)])
    parts = " || ".join(f'STRSTARTS(STR(?s), "{plain}#{fragment}-")' for _, fragment, *_ in PARTITIONS)
    return f"((?s = {dataset} && ?p IN ({links})) || {parts})"


def has_statistics(store: Any, catalogue: str, dataset: str) -> bool:
    """Whether the catalogue has every statistic of ``dataset`` (a store loaded before they existed has not)."""
    return bool(store.query(f'ASK {{ GRAPH {catalogue} {{ {dataset} {PKG.statistics} "{KINDS}" }} }}'))


def lines(store: Any, dataset: str, graph: str) -> list[str]:
    """The statistics of ``dataset`` as N-Triples lines, counted over its graph ``graph`` alone."""
    out = [f'{dataset} {PKG.statistics} "{KINDS}" .\n']
    for link, fragment, keys, count, pattern in PARTITIONS:
        names = " ".join(f"?k{i}" for i in range(len(keys)))
        query = (f"SELECT {names} ({count} AS ?n) WHERE {{ GRAPH {graph} {{ {pattern.format(dataset=dataset)} }} }}"
                 f" GROUP BY {names}")
        for row in store.query(query):
            terms = [row[f"k{i}"] for i in range(len(keys))]
            if not all(isinstance(term, ox.NamedNode) for term in terms):
                continue  # a class or a place given as a blank node or a literal: not a partition we can name
            values = [f"<{term.value}>" for term in terms]
            part = Minter.part(dataset, f"{fragment}-{_digest(''.join(values))}")
            out.append(f"{dataset} {link} {part} .\n")
            out += [f"{part} {key} {value} .\n" for key, value in zip(keys, values)]
            out.append(f'{part} {VOID.entities} "{int(row["n"].value)}"^^{XSD.integer} .\n')
    return out


def _digest(terms: str) -> str:
    return hashlib.sha256(terms.encode()).hexdigest()[:12]
