"""Quality at load time: ``patrimoine load --validate [--quarantine]``.

The dataset a load produced (its N-Triples, before they reach the store) is
validated with the shapes in a scratch in-memory store, together with the
shared entities it declares. Records breaking a rule of severity Violation
are reported (rejection report, load summary); with ``quarantine`` they are
moved out of the dataset into its quarantine graph (``graph/NAME/_quarantine``),
which queries, pages and dumps do not see: nothing is dropped silently, and
the public graph holds only records that pass.
"""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph.iri import Minter
from graph.provenance import read_record_lines
from graph.store import QUARANTINE_SUFFIX
from graph.validation import read_shapes, validate
from graph.validation.records import record_iri
from graph.validation.run import DEFAULT_SHAPES
from graph.validation.shapes import VIOLATION


@dataclass
class Flagged:
    """A record with violations, where it was read and what is wrong with it."""

    iri: str
    file: str = ""
    line: int | None = None
    source_id: str = ""
    messages: dict[str, list[str]] = field(default_factory=dict)  # lang -> messages


@dataclass
class LoadCheck:
    flagged: list[Flagged]
    quarantined: int = 0  # records moved to the quarantine graph
    violations: int = 0
    warnings: int = 0
    # violations about entities the records share (institutions, places...), not about the load's own
    # records: lang -> message -> count
    elsewhere: dict[str, Counter] = field(default_factory=dict)


def check_load(minter: Minter, name: str, dataset_nt: Path, shared_nt: Path, record_lines: list[tuple[str, str]],
               shapes: Path | None, quarantine: Path | None) -> LoadCheck:
    """Validate a load's N-Triples; with ``quarantine`` (a file path), move flagged records' triples there.

    ``record_lines`` are (file name, pkg:recordLines text) of the load's sources. The scratch store is
    on disk, beside the load's own temporary files, so memory stays bounded whatever the dataset's size.
    """
    with tempfile.TemporaryDirectory(prefix=".check-", dir=dataset_nt.parent) as scratch:
        store = ox.Store(scratch)
        try:
            return _check(store, minter, name, dataset_nt, shared_nt, record_lines, shapes, quarantine)
        finally:
            del store


def _check(store: ox.Store, minter: Minter, name: str, dataset_nt: Path, shared_nt: Path,
           record_lines: list[tuple[str, str]], shapes: Path | None, quarantine: Path | None) -> LoadCheck:
    graph = ox.NamedNode(Minter.plain(minter.graph(name)))
    store.bulk_load(path=str(dataset_nt), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
    if shared_nt.stat().st_size:
        store.bulk_load(path=str(shared_nt), format=ox.RdfFormat.N_TRIPLES,
                        to_graph=ox.NamedNode(minter.base + "graph/shared"))
    v = validate(store, read_shapes([shapes or DEFAULT_SHAPES]))
    own = _records_of(store, graph)
    by_record: dict[str, Flagged] = {}
    elsewhere: dict[str, Counter] = {"fr": Counter(), "en": Counter()}
    for r in v.results:
        if r.severity != VIOLATION:
            continue
        iri = record_iri(r.focus)
        if iri not in own:
            for lang, counts in elsewhere.items():
                counts[r.message(lang)] += 1
            continue
        f = by_record.get(iri) or by_record.setdefault(iri, Flagged(iri))
        for lang in ("fr", "en"):
            text = r.message(lang)
            if text not in f.messages.setdefault(lang, []):
                f.messages[lang].append(text)
    for file, text in record_lines:
        for iri, line, sid in read_record_lines(minter, text) if text else ():
            f = by_record.get(iri)
            if f is not None and not f.file:
                f.file, f.line, f.source_id = file, line, sid
    result = LoadCheck(sorted(by_record.values(), key=lambda f: (f.file, f.line or 0, f.iri)),
                       violations=v.count(VIOLATION), warnings=v.count("http://www.w3.org/ns/shacl#Warning"),
                       elsewhere=elsewhere)
    if quarantine is not None and by_record:
        result.quarantined = _move(store, graph, sorted(by_record), dataset_nt, quarantine)
    return result


def _records_of(store: ox.Store, graph: ox.NamedNode) -> set[str]:
    q = f"SELECT ?r WHERE {{ GRAPH {graph} {{ ?r <http://rdfs.org/ns/void#inDataset> ?d }} }}"
    return {row["r"].value for row in store.query(q)}


def _move(store: ox.Store, graph: ox.NamedNode, records: list[str], dataset_nt: Path, quarantine: Path) -> int:
    """Every triple of the records and of their ``#parts`` goes from the dataset's file to the quarantine file."""
    q = ox.NamedNode(graph.value + QUARANTINE_SUFFIX)
    for start in range(0, len(records), 1000):
        values = " ".join(f"<{r}>" for r in records[start:start + 1000])
        store.update(f"""DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} INSERT {{ GRAPH {q} {{ ?s ?p ?o }} }}
            WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} FILTER(isIRI(?s))
                     BIND(IRI(STRBEFORE(CONCAT(STR(?s), "#"), "#")) AS ?r) VALUES ?r {{ {values} }} }}""")
    store.dump(output=str(dataset_nt), format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
    store.dump(output=str(quarantine), format=ox.RdfFormat.N_TRIPLES, from_graph=q)
    return len(records)


def group_messages(flagged: list[Flagged], lang: str) -> dict[str, int]:
    """How many records break each rule (message in ``lang``), most frequent first."""
    counts: dict[str, int] = defaultdict(int)
    for f in flagged:
        for m in f.messages.get(lang, []):
            counts[m] += 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
