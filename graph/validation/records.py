"""The records validation results are about: their dataset, institution, identifiers, file and line.

A result names a node (``…/pop/PA00078014#production-timespan``); librarians
need the record it belongs to (``…/pop/PA00078014``), the identifiers they know
it by (POP reference, inventory number, EAD unitid), where it was read
(file and line, from the catalogue's ``pkg:recordLines``), the dataset and
the institution that holds it (keeper, else the EDM data provider).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import CRM, DCTERMS, EDM, PKG, RDFS, SKOS, VOID
from ..provenance import read_record_lines
from ..store import KnowledgeGraph

BATCH = 500


@dataclass(slots=True)
class Record:
    iri: str
    label: str = ""
    dataset: str = ""
    institution: str = ""
    source_id: str = ""
    # identifier node -> (value, {language tag: kind}), the kind in every language the vocabulary gives
    ids: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    file: str = ""
    line: int | None = None

    def identifiers(self, lang: str) -> list[tuple[str, str]]:
        """(kind, value) of each identifier, the kind in ``lang`` when the vocabulary has it."""
        out: list[tuple[str, str]] = []
        for value, kinds in self.ids.values():
            kind = kinds.get(lang) or kinds.get("") or next(iter(sorted(kinds.items())), ("", ""))[1]
            if (kind, value) not in out:
                out.append((kind, value))
        return out

    @property
    def where(self) -> str:
        """``merimee.csv:12``, or the file alone when the format has no lines."""
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file


def record_iri(node: ox.NamedNode | ox.BlankNode | ox.Literal) -> str | None:
    """The record a node belongs to: the node itself, or the record whose ``#part`` it is."""
    if not isinstance(node, ox.NamedNode):
        return None
    return node.value.split("#", 1)[0]


def locate(kg: KnowledgeGraph | None, iris: Iterable[str], dataset: str | None = None) -> dict[str, Record]:
    """What the store says about each record (records it does not know get their IRI only); with
    ``dataset``, the records are seen as that dataset describes them."""
    records = {iri: Record(iri) for iri in iris}
    if kg is None or not records:
        return records
    todo = sorted(records)
    names = {d.name for d in kg.datasets()}
    for start in range(0, len(todo), BATCH):
        _describe(kg, [records[i] for i in todo[start:start + BATCH]], names)
    if dataset is not None:
        for r in records.values():
            if dataset in r.dataset.split(", "):
                r.dataset = dataset
    _place(kg, records)
    return records


def _describe(kg: KnowledgeGraph, batch: list[Record], datasets: set[str]) -> None:
    values = " ".join(f"<{r.iri}>" for r in batch)
    by_iri = {r.iri: r for r in batch}
    q = f"""SELECT ?r ?label ?name ?graph ?keeper ?provider WHERE {{
      VALUES ?r {{ {values} }}
      OPTIONAL {{ ?r {RDFS.label} ?label }}
      OPTIONAL {{ ?r {VOID.inDataset} ?d . GRAPH {kg.catalogue} {{ ?d {PKG.datasetName} ?name }} }}
      OPTIONAL {{ GRAPH ?graph {{ ?r a ?type }} }}
      OPTIONAL {{ ?r {CRM.P50_has_current_keeper} ?k . ?k {RDFS.label} ?keeper }}
      OPTIONAL {{ ?agg {EDM.aggregatedCHO} ?r ; {EDM.dataProvider} ?provider }}
    }}"""
    graphs = f"{kg.minter.base}graph/"
    for row in kg.query(q, dataset_clause=False):
        r = by_iri[row["r"].value]
        if not r.label and row["label"] is not None:
            r.label = row["label"].value
        name = row["name"].value if row["name"] is not None else None
        if name is None and not r.dataset and row["graph"] is not None and row["graph"].value.startswith(graphs):
            # a dataset's graph; the graphs of shared entities and links belong to no dataset
            name = row["graph"].value[len(graphs):] if row["graph"].value[len(graphs):] in datasets else None
        if name and name not in r.dataset.split(", "):  # a record several datasets describe names them all
            r.dataset = ", ".join(sorted(filter(None, [*r.dataset.split(", "), name])))
        if not r.institution:
            for key in ("keeper", "provider"):
                term = row[key]
                if term is not None:
                    r.institution = term.value if isinstance(term, ox.Literal) else _label(kg, term)
                    break
    q = f"""SELECT ?r ?id ?value ?kind WHERE {{ VALUES ?r {{ {values} }}
      ?r {CRM.P1_is_identified_by} ?id . ?id {CRM.P190_has_symbolic_content} ?value .
      OPTIONAL {{ ?id {CRM.P2_has_type} ?t . ?t {SKOS.prefLabel} ?kind }} }}"""
    for row in kg.query(q, dataset_clause=False):
        r = by_iri[row["r"].value]
        _, kinds = r.ids.setdefault(str(row["id"]), (row["value"].value, {}))
        kind = row["kind"]
        if kind is not None:
            kinds.setdefault(kind.language or "", kind.value)


def _label(kg: KnowledgeGraph, term: ox.NamedNode | ox.BlankNode) -> str:
    for row in kg.query(f"SELECT ?l WHERE {{ {term} {RDFS.label}|{SKOS.prefLabel} ?l }} LIMIT 1", dataset_clause=False):
        return row["l"].value
    return _unnamed(kg, term.value) if isinstance(term, ox.NamedNode) else ""


def _unnamed(kg: KnowledgeGraph, iri: str) -> str:
    """An institution the graph has no name for, by its IRI without the base (``org/rcr/800219901``)."""
    return iri[len(kg.minter.base):] if iri.startswith(kg.minter.base) else iri


def _place(kg: KnowledgeGraph, records: dict[str, Record]) -> None:
    """File, line and source id of each record, from the catalogue's ``pkg:recordLines``."""
    names = sorted({n for r in records.values() for n in r.dataset.split(", ") if n})
    if not names:
        return
    values = " ".join(f'"{n}"' for n in names if '"' not in n)
    q = f"""SELECT ?file ?lines WHERE {{ GRAPH {kg.catalogue} {{ VALUES ?name {{ {values} }}
      ?d {PKG.datasetName} ?name ; {DCTERMS.source} ?s . ?s {DCTERMS.title} ?file ; {PKG.recordLines} ?lines }} }}"""
    for row in kg.query(q, dataset_clause=False):
        file = row["file"].value
        for iri, line, sid in read_record_lines(kg.minter, row["lines"].value):
            r = records.get(iri)
            if r is not None and not r.file:
                r.file, r.line, r.source_id = file, line, sid


def institutions(kg: KnowledgeGraph, datasets: Iterable[str]) -> dict[str, str]:
    """The institution of each dataset: the keeper, else the EDM data provider, most of its records name."""
    out: dict[str, str] = {}
    for name in datasets:
        graph = kg.minter.graph(name)
        q = f"""SELECT ?name (COUNT(*) AS ?n) WHERE {{
          {{ GRAPH {graph} {{ ?r {CRM.P50_has_current_keeper} ?k }} ?k {RDFS.label} ?name }}
          UNION {{ GRAPH {graph} {{ ?agg {EDM.dataProvider} ?p }} OPTIONAL {{ ?p {RDFS.label}|{SKOS.prefLabel} ?l }}
                  BIND(COALESCE(?l, STR(?p)) AS ?name) }}
        }} GROUP BY ?name ORDER BY DESC(?n) ?name LIMIT 1"""
        for row in kg.query(q, dataset_clause=False):
            if row["name"] is not None:
                out[name] = _unnamed(kg, row["name"].value)
    return out
