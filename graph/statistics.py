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
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from .chunked import chunks
from .iri import Minter
from .namespaces import CRM, PKG, VOID, XSD

VOID_CLASS = VOID("class")  # a Python keyword
# Each partition: the property that links the dataset to it, its fragment, its keys (the properties saying which
# subset it is, ?k0, ?k1 in the pattern), and what it counts in the dataset's graph (a (subject, key) pair is
# one triple of the graph: counted once; a record can be assigned one thing twice: counted DISTINCT), as the
# triple patterns it joins.
PARTITIONS = (
    (VOID.classPartition, "class", (VOID_CLASS,), "COUNT(*)", ("?s a ?k0",)),
    (PKG.departmentPartition, "department", (PKG.department,), "COUNT(*)",
     (f"?s {VOID.inDataset} {{dataset}}", f"?s {PKG.department} ?k0")),
    (PKG.assignedPartition, "assigned", (PKG.department, PKG.assigned), "COUNT(DISTINCT ?s)",
     (f"?act {CRM.P140_assigned_attribute_to} ?s", f"?act {CRM.P141_assigned} ?k1",
      f"?s {VOID.inDataset} {{dataset}}", f"?s {PKG.department} ?k0")),
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


Counts = Counter[tuple[str, tuple[str, ...]]]  # (fragment, its keys as N-Triples terms) → entities


def lines(store: Any, dataset: str, graph: str) -> list[str]:
    """The statistics of ``dataset`` as N-Triples lines, counted over its graph ``graph`` alone."""
    return written(dataset, count(store, dataset, graph))


def count(store: Any, dataset: str, graph: str, subjects: Iterable[str] | None = None,
          records: Iterable[str] = ()) -> Counts:
    """The statistics' counts over ``graph``; with ``subjects`` and ``records`` (plain IRIs), the part of them
    these make: the classes and départements of the subjects, the assignments of the records (each
    counted with every act naming it).

    When the triples of a graph change on some subjects only, the counts over them before and after the
    change give the change of the whole graph's counts (an aggregate over the changed records, not over
    the graph), provided ``records`` holds, both times, those the acts among them name before and after."""
    if subjects is not None:
        return _count_around(store, dataset, graph, subjects, records)
    counts: Counts = Counter()
    for _, fragment, keys, aggregate, patterns in PARTITIONS:
        names = " ".join(f"?k{i}" for i in range(len(keys)))
        # each triple pattern its own subquery: joined by hashing, each read once from its index, where
        # Oxigraph would look each ?s up; on a store just bulk-loaded, a lookup is slow (12.5 s against
        # 0.6 s for the départements of 200,000 records, 53 s against 2.7 s for the assignments)
        where = " ".join(f"{{ SELECT * WHERE {{ {p.format(dataset=dataset)} }} }}" for p in patterns)
        query = f"SELECT {names} ({aggregate} AS ?n) WHERE {{ GRAPH {graph} {{ {where} }} }} GROUP BY {names}"
        _add_rows(counts, fragment, len(keys), store.query(query))
    return counts


def _add_rows(counts: Counts, fragment: str, keys: int, rows: Iterable[Any]) -> None:
    """Add to ``counts`` the aggregate rows of a partition (its keys ``?k0``…, its count ``?n``)."""
    for row in rows:
        terms = [row[f"k{i}"] for i in range(keys)]
        if all(isinstance(term, ox.NamedNode) for term in terms):
            counts[fragment, tuple(f"<{term.value}>" for term in terms)] += int(row["n"].value)
        # else a class or a place given as a blank node or a literal: not a partition we can name


def _count_around(store: Any, dataset: str, graph: str, subjects: Iterable[str], records: Iterable[str]) -> Counts:
    """:data:`PARTITIONS`' aggregates over the given subjects (the records, for the assignments) only:
    each pattern joined with a ``VALUES`` of them. Oxigraph must start the join from these: the
    dataset is matched as a variable (then filtered), else it would start from every node of the
    dataset, and each pattern's first triple names ``?s`` (on a tie, it follows the written order)."""
    counts: Counts = Counter()
    over = {"subjects": sorted(set(subjects)), "records": sorted(set(records))}
    for _, fragment, keys, aggregate, patterns in PARTITIONS:
        names = " ".join(f"?k{i}" for i in range(len(keys)))
        where = " . ".join(patterns).format(dataset="?dataset")
        if "?dataset" in where:
            where += f" FILTER(sameTerm(?dataset, {dataset}))"
        for part in chunks(over["records" if fragment == "assigned" else "subjects"], 2000):
            values = " ".join(f"<{n}>" for n in part)
            query = (f"SELECT {names} ({aggregate} AS ?n) WHERE {{ VALUES ?s {{ {values} }} GRAPH {graph} "
                     f"{{ {where} }} }} GROUP BY {names}")
            _add_rows(counts, fragment, len(keys), store.query(query))
    return counts


def named_by_acts(store: Any, graph: str, subjects: Iterable[str]) -> set[str]:
    """The nodes the attribute assignments among ``subjects`` (plain IRIs) assign something to, in ``graph``."""
    named: set[str] = set()
    for part in chunks(sorted(set(subjects)), 2000):
        values = " ".join(f"<{n}>" for n in part)
        rows = store.query(f"SELECT DISTINCT ?o WHERE {{ VALUES ?s {{ {values} }} GRAPH {graph} "
                           f"{{ ?s {CRM.P140_assigned_attribute_to} ?o }} }}")
        named.update(row["o"].value for row in rows if isinstance(row["o"], ox.NamedNode))
    return named


def read(store: Any, catalogue: str, dataset: str) -> Counts:
    """The statistics of ``dataset`` the catalogue has."""
    counts: Counts = Counter()
    for link, fragment, keys, *_ in PARTITIONS:
        names = " ".join(f"?k{i}" for i in range(len(keys)))
        where = " ; ".join(f"{key} ?k{i}" for i, key in enumerate(keys))
        query = (f"SELECT {names} ?n WHERE {{ GRAPH {catalogue} {{ {dataset} {link} ?part . "
                 f"?part {where} ; {VOID.entities} ?n }} }}")
        for row in store.query(query):
            counts[fragment, tuple(f"<{row[f'k{i}'].value}>" for i in range(len(keys)))] += int(row["n"].value)
    return counts


def written(dataset: str, counts: Counts) -> list[str]:
    """``counts`` (those above zero) as the catalogue's N-Triples lines."""
    out = [f'{dataset} {PKG.statistics} "{KINDS}" .\n']
    for link, fragment, keys, *_ in PARTITIONS:
        for (kind, values), n in sorted(counts.items()):
            if kind != fragment or n <= 0:
                continue
            part = Minter.part(dataset, f"{fragment}-{_digest(''.join(values))}")
            out.append(f"{dataset} {link} {part} .\n")
            out += [f"{part} {key} {value} .\n" for key, value in zip(keys, values)]
            out.append(f'{part} {VOID.entities} "{n}"^^{XSD.integer} .\n')
    return out


def _digest(terms: str) -> str:
    return hashlib.sha256(terms.encode()).hexdigest()[:12]
