"""The knowledge graph's store: one pyoxigraph store, one named graph per dataset.

On disk the store is a series of generations (:mod:`graph.generations`): a writer
works on a private copy of the current generation and publishes it whole, so
readers see the old content or the new one, never a write in progress, and a
write that fails or is killed leaves the store as it was. Writes happen in
*units* (:meth:`KnowledgeGraph.writing`): what a unit writes is published when it
ends, or forgotten if it fails. Inside a unit the copy is private, so the fast,
non-transactional bulk loader is as safe as a transaction: a dataset, its shared
entities and its catalogue record become visible together.

Queries see the union of all graphs as the default graph. Stores written before
generations may still hold graphs hidden from queries (a ``_staging`` graph, a
dataset marked ``loading``): they stay hidden until the next write of that dataset.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

import pyoxigraph as ox

from . import declarations
from . import statistics as stats
from .arriving import Arriving
from .bulkstream import bulk_stream
from .chunked import chunks
from .generations import Reader, StoreError, Writer, is_store, writing_error
from .iri import DEFAULT_BASE_IRI, Minter
from .namespaces import PKG, VOID, sparql_prefixes
from .sparqltext import analyse

STAGING_SUFFIX = "/_staging"  # graphs a store made before generations may hold, hidden from queries
QUARANTINE_SUFFIX = "/_quarantine"  # records kept out of the public graph (load --quarantine), hidden too
DELETE_CHUNK = 50_000  # quads removed per transaction when a big graph is emptied
SETTLE_BYTES = 128 << 20  # N-Triples bulk-loaded in a unit from which its files are merged on close (~1M quads)
# Emptying a graph costs a deletion per quad, rebuilding the store a bulk load per quad of the other graphs:
# rebuild when the graph holds more than this share of the store (deletions cost about twice a bulk load).
REBUILD_SHARE = 0.4
REBUILD_MIN_QUADS = 200_000
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def is_remote(location: object) -> bool:
    """Whether ``location`` is a SPARQL server's URL (graph/remote.py) rather than a directory."""
    return isinstance(location, str) and location.lower().startswith(("http://", "https://"))


@dataclass(frozen=True, slots=True)
class Dataset:
    """What the catalogue says about one dataset."""

    name: str
    graph: str
    status: str
    records_read: int
    records_loaded: int
    records_rejected: int
    records_skipped: int
    triples: int
    source: str
    sha256: str
    format: str
    region: str
    loaded_at: str

    def as_dict(self) -> dict[str, object]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


def require_store(path: Path | str) -> None:
    """Raise StoreError unless a store exists at ``path`` (without opening it); a server URL is not checked here."""
    if is_remote(path):
        return
    if not is_store(Path(path)):
        raise StoreError(f"no store at {path}: load data first with `patrimoine load`")


class KnowledgeGraph:
    """The store plus the IRI minter; opened on disk (default), in memory (``path=None``), or on a SPARQL
    server (``path="http://..."``: a :class:`graph.remote.RemoteGraph`).

    On disk, ``read_only`` opens the current generation; otherwise this process becomes the
    store's one writer (waiting up to ``wait`` seconds for another to finish; ``on_wait`` is told
    once when it has to wait).
    """

    def __new__(cls, path: str | os.PathLike[str] | None = None, *args: object, **kwargs: object) -> KnowledgeGraph:
        if cls is KnowledgeGraph and is_remote(path):
            from .remote import RemoteGraph

            return super().__new__(RemoteGraph)
        return super().__new__(cls)

    def __init__(self, path: str | os.PathLike[str] | None = None, base_iri: str = DEFAULT_BASE_IRI,
                 read_only: bool = False, wait: float = 0.0, on_wait: Callable[[str], None] | None = None) -> None:
        self.minter = Minter(base_iri)
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._memory: ox.Store | None = None
        self._reader: Reader | None = None
        self._writer: Writer | None = None
        if self.path is None:
            self._memory = ox.Store()
        elif read_only:
            self._reader = Reader(self.path)
        else:
            self._writer = Writer(self.path, wait, on_wait)
        # Reserved names: no dataset takes them (graph/iri.py RESERVED_DATASET_NAMES).
        self.catalogue = f"<{self.minter.base}graph/catalogue>"
        self.shared = f"<{self.minter.base}graph/shared>"
        self.links = f"<{self.minter.base}graph/links>"  # persons linked across datasets (patrimoine link)
        self._hidden: list[str] | None = None
        self._unit = False
        self._bulk_in_unit = False  # the unit being written bulk-loads enough to leave files to merge
        self.unsettled = False  # a bulk load was published and its files are not merged yet (:meth:`settle`)

    @property
    def store(self) -> ox.Store:
        """The pyoxigraph store: the generation open (readers) or the working copy (the writer)."""
        if self._writer is not None:
            return self._writer.store
        if self._reader is not None:
            return self._reader.store
        return self._memory

    @property
    def generation(self) -> int | None:
        """The generation open or being written on (None in memory, or for a store made before generations)."""
        if self._writer is not None:
            return self._writer.generation
        return self._reader.generation if self._reader is not None else None

    def refresh(self) -> bool:
        """Open the current generation if another one was published since; True if so (readers only)."""
        if self._reader is None:
            return False
        if not self._reader.changed():
            self._reader.expire()
            return False
        self._reader.reopen()
        self._hidden = None
        return True

    def tmp_dir(self) -> Path:
        """Where a load writes its temporary files: inside the store (cleaned by the next writer if left)."""
        if self._writer is not None:
            return self._writer.root / "tmp"
        return Path(tempfile.gettempdir())

    def rejects_dir(self) -> Path | None:
        """Where the reports of records not loaded go by default: inside the store, one per dataset."""
        return self.path / "rejects" if self.path is not None else None

    def records_dir(self) -> Path | None:
        """The record indexes of the datasets (written by the load pipeline), in this generation."""
        if self._writer is not None:
            return self._writer.records_dir
        return self._reader.records_dir() if self._reader is not None else None

    # -- reading -----------------------------------------------------------
    def hidden_graphs(self) -> list[str]:
        """Graphs queries must not see: staging graphs and datasets still ``loading``."""
        if self._hidden is None:
            hidden = [g.value for g in self.store.named_graphs()
                      if isinstance(g, ox.NamedNode) and g.value.endswith((STAGING_SUFFIX, QUARANTINE_SUFFIX))]
            q = f"SELECT ?g WHERE {{ GRAPH {self.catalogue} {{ ?d {PKG.graph} ?g ; {PKG.status} \"loading\" }} }}"
            hidden += [row["g"].value for row in self.store.query(q)]
            self._hidden = hidden
        return self._hidden

    def visible_graphs(self) -> list[ox.NamedNode]:
        hidden = set(self.hidden_graphs())
        return [g for g in self.store.named_graphs() if isinstance(g, ox.NamedNode) and g.value not in hidden]

    def query(self, sparql: str, *, default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, prefixes: bool = False,
              dataset_clause: bool | None = None, base_iri: str | None = None):
        """Run a SPARQL query; the default graph is the union of all visible graphs
        (unless the query names its own with FROM / FROM NAMED).

        ``default_graph``/``named_graphs`` (IRIs) restrict the dataset as the
        SPARQL protocol's ``default-graph-uri``/``named-graph-uri`` do.
        ``dataset_clause``: whether the query has FROM / FROM NAMED, when the
        caller already knows (None: read from the text). ``base_iri``: what
        relative IRIs in the query resolve against (the endpoint's URL).
        """
        if prefixes:
            sparql = sparql_prefixes() + sparql
        kwargs: dict[str, object] = {}
        if default_graph is not None or named_graphs is not None:
            if default_graph is not None:
                kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
            if named_graphs is not None:
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            elif default_graph is not None:
                kwargs["named_graphs"] = self.visible_graphs()
        elif dataset_clause if dataset_clause is not None else analyse(sparql).has_dataset_clause:
            pass  # the query's own FROM / FROM NAMED say which graphs it reads
        elif self.hidden_graphs():
            visible = self.visible_graphs()
            # the store's own default graph (Graph Store writes to ?default) is part of the union too
            kwargs = {"default_graph": [ox.DefaultGraph(), *visible], "named_graphs": visible}
        else:
            kwargs["use_default_graph_as_union"] = True
        return self.store.query(sparql, base_iri=base_iri, **kwargs)

    def datasets(self) -> list[Dataset]:
        q = f"""SELECT ?name ?graph ?status ?read ?loaded ?rejected ?skipped ?triples ?source ?sha ?format ?region ?at
        WHERE {{ GRAPH {self.catalogue} {{
          ?d {PKG.datasetName} ?name ; {PKG.graph} ?graph ; {PKG.status} ?status .
          OPTIONAL {{ ?d {PKG.recordsRead} ?read ; {PKG.recordsLoaded} ?loaded ; {PKG.recordsRejected} ?rejected ;
                       {PKG.recordsSkipped} ?skipped ; <http://rdfs.org/ns/void#triples> ?triples }}
          OPTIONAL {{ ?d {PKG.sourceNames} ?source }} OPTIONAL {{ ?d {PKG.sourceSha256} ?sha }}
          OPTIONAL {{ ?d {PKG.sourceFormat} ?format }} OPTIONAL {{ ?d {PKG.regionFilter} ?region }}
          OPTIONAL {{ ?d <http://purl.org/dc/terms/modified> ?at }}
        }} }} ORDER BY ?name"""
        out = []
        for row in self.store.query(q):
            def v(key: str, default: str = "") -> str:
                term = row[key]
                return term.value if term is not None else default
            out.append(Dataset(
                name=v("name"), graph=v("graph"), status=v("status"),
                records_read=int(v("read", "0")), records_loaded=int(v("loaded", "0")),
                records_rejected=int(v("rejected", "0")), records_skipped=int(v("skipped", "0")),
                triples=int(v("triples", "0")), source=v("source"), sha256=v("sha"),
                format=v("format"), region=v("region"), loaded_at=v("at"),
            ))
        return out

    def count(self, graph: str) -> int:
        row = next(iter(self.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")))
        return int(row["n"].value)

    def census(self, name: str) -> tuple[int, stats.Counts]:
        """Dataset ``name``'s triples and its statistics (:mod:`graph.statistics`). On disk, the two
        aggregates are evaluated side by side: pyoxigraph lets go of the GIL while it evaluates."""
        graph, dataset = self.minter.graph(name), self.minter.dataset(name)
        if self._writer is None and self._reader is None:  # in memory, or a remote server: one after the other
            return self.count(graph), stats.count(self.store, dataset, graph)
        with ThreadPoolExecutor(1) as pool:
            statistics = pool.submit(stats.count, self.store, dataset, graph)
            return self.count(graph), statistics.result()

    # -- writing -----------------------------------------------------------
    def _writable(self) -> None:
        if self.read_only:
            raise StoreError("the store is open read-only")

    @contextmanager
    def writing(self) -> Iterator[None]:
        """A unit of writes: published together when it ends, forgotten if it fails (disk full...).

        Units nest: an inner one is part of the outer one.
        """
        self._writable()
        if self._unit:
            yield
            return
        self._unit = True
        try:
            yield
            if self._writer is not None:
                self._writer.commit()
                self.unsettled |= self._bulk_in_unit
        except BaseException as e:
            if self._writer is not None:
                self._writer.discard()
            if isinstance(e, (OSError, RuntimeError)) and self.path is not None:
                raise writing_error(self.path, e) from e
            raise
        finally:
            self._unit = False
            self._bulk_in_unit = False
            self._hidden = None

    def commit(self) -> None:
        """Publish what was written through :attr:`store` directly (outside :meth:`writing`)."""
        self._writable()
        if self._writer is not None:
            try:
                self._writer.commit()
            except StoreError:
                self._writer.discard()
                raise
            self.unsettled |= self._bulk_in_unit
            if not self._unit:
                self._bulk_in_unit = False
        self._hidden = None

    def settle(self) -> None:
        """Merge the files the bulk loads published since the last call left (RocksDB's compaction, a full
        rewrite: 70 to 115 s on one core for 19 million quads here) and publish the merged copy. :meth:`close`
        does it; readers see the data from the commit on, merged or not."""
        if self._writer is not None and self.unsettled:
            self._writer.settle()
        self.unsettled = False

    def bulk_load(self, name: str | None, source: Path | IO[bytes] | bytes, graph: str | None = None) -> None:
        """Add N-Triples to a dataset's graph (``name``) or to ``graph`` (an IRI term), at bulk speed.

        Not atomic by itself: call it inside :meth:`writing`, which publishes it whole.
        """
        self._writable()
        target = ox.NamedNode(Minter.plain(graph if graph is not None else self.minter.graph(name)))
        fmt = ox.RdfFormat.N_TRIPLES
        size = source.stat().st_size if isinstance(source, Path) else len(source) if isinstance(source, bytes) else None
        self._bulk_in_unit |= size is None or size >= SETTLE_BYTES
        if isinstance(source, Path):
            if size:
                self.store.bulk_load(path=str(source), format=fmt, to_graph=target)
        elif isinstance(source, bytes):
            if source:
                self.store.bulk_load(source, format=fmt, to_graph=target)
        else:
            self.store.bulk_load(source, format=fmt, to_graph=target)

    @property
    def streams(self) -> bool:
        """Whether :meth:`bulk_stream` overlaps writing with loading (a store on disk, open to write)."""
        return self._writer is not None

    @contextmanager
    def bulk_stream(self, name: str) -> Iterator[BinaryIO]:
        """A binary file whose N-Triples are bulk-loaded into dataset ``name``'s graph while they are
        written (:mod:`graph.bulkstream`); like :meth:`bulk_load`, call it inside :meth:`writing`."""
        self._writable()
        self._bulk_in_unit = True
        target = ox.NamedNode(Minter.plain(self.minter.graph(name)))
        fifo = self.tmp_dir() / f".stream-{os.getpid()}-{time.monotonic_ns()}.nt"
        with bulk_stream(self.store, target, fifo) as out:
            yield out

    def add_shared(self, ntriples: Path | bytes) -> None:
        """Add declarations of shared entities (concepts, places, persons...) to their own graph.

        Adding only, so a dataset's reload never removes an entity another dataset uses. The
        graph stays small: each entity once.
        """
        with self.writing():
            self.bulk_load(None, ntriples, graph=self.shared)

    def renew_shared(self, name: str, run: set[bytes], whole: bool) -> None:
        """Dataset ``name`` declared the shared triples ``run`` in this write (``whole``: every one it
        declares; else those of the records mapped): remember what it declares now and take out of the
        shared graph what it declared before and no dataset declares any more (:mod:`graph.declarations`).
        Part of the caller's unit of writes; nothing to do without record indexes (in memory, remote)."""
        records = self.records_dir()
        if records is None:
            return
        before = declarations.read(records, name)
        if whole:
            now: set[bytes] | None = run
        else:
            now = None if before is None else declarations.after_partial_run(before, run)
        if now is not None:
            gone = declarations.stale(before, now, records, name, (d.name for d in self.datasets()))
            self._remove_from_graph(self.shared, gone)
        declarations.write(records, name, now)

    def _remove_from_graph(self, graph: str, lines: set[bytes]) -> None:
        """Delete these N-Triples statements from ``graph`` (those naming a blank node cannot be told)."""
        if not lines:
            return
        g = ox.NamedNode(Minter.plain(graph))
        for t in ox.parse(b"".join(line + b"\n" for line in lines), format=ox.RdfFormat.N_TRIPLES):
            if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode):
                self.store.remove(ox.Quad(t.subject, t.predicate, t.object, g))

    def add_ntriples(self, graph: str, lines: Iterable[str]) -> None:
        """Add a few triples (reference data, small graphs)."""
        with self.writing():
            self.bulk_load(None, "".join(lines).encode(), graph=graph)

    def set_provenance(self, name: str, lines: list[str], statistics: str = "keep",
                       change: stats.Counts | None = None, counted: stats.Counts | None = None) -> None:
        """Make ``lines`` all the catalogue says about dataset ``name`` (none: the dataset is not listed),
        with its statistics (:mod:`graph.statistics`): ``statistics`` is "renew" when its graph changed
        (counted again), "adjust" when it changed by ``change`` (what :meth:`remove_records` and
        :meth:`statistics_of` tell), "keep" when it did not (those the catalogue has stay; counted when it
        has none, as in a store loaded before they existed), "drop" while its graph is changing page by
        page (removed until a write keeps or renews them). ``counted``: the statistics a "renew" writes,
        when the caller has counted them already (:meth:`census`)."""
        dataset = self.minter.dataset(name)
        with self.writing():
            keep = False
            if lines and statistics != "drop":
                has = statistics != "renew" and stats.has_statistics(self.store, self.catalogue, dataset)
                if has and statistics == "keep":
                    keep = True
                elif has and change is not None:
                    lines = lines + stats.written(dataset, stats.read(self.store, self.catalogue, dataset) + change)
                elif statistics == "renew" and counted is not None:
                    lines = lines + stats.written(dataset, counted)
                else:
                    lines = lines + stats.lines(self.store, dataset, self.minter.graph(name))
            self.store.update(_provenance_update(self.catalogue, dataset, lines, stats.kept(dataset) if keep else None))

    def clear_dataset(self, name: str, triples: int | None = None) -> None:
        """Empty dataset ``name``'s graph (``triples``: how many it holds, when the caller knows).

        A small graph goes in one transaction, a big one in slices; when it is most of the store,
        the store is rebuilt without it instead (a bulk load of the rest costs less than a
        deletion per quad, and leaves no deleted entries behind).
        """
        with self.writing():
            g = ox.NamedNode(Minter.plain(self.minter.graph(name)))
            if not self.store.contains_named_graph(g):
                return
            size = self.count(self.minter.graph(name)) if triples is None else triples
            if self._rebuilds(size):
                self._rebuild_without({g})
            elif size > DELETE_CHUNK:
                self._delete_in_slices(g)
            else:
                self.store.remove_graph(g)

    def rewrites_most(self, names: Iterable[str]) -> bool:
        """Whether emptying these datasets together costs less by rebuilding the store once without
        them (:meth:`clear_datasets`) than by emptying each in turn."""
        known = {d.name: d.triples for d in self.datasets()}
        return self._rebuilds(sum(known.get(n, 0) for n in set(names)))

    def clear_datasets(self, names: Iterable[str]) -> None:
        """Empty these datasets' graphs in one unit of writes: the store rebuilt once without them
        when they are most of it together (a load writing them all anew), else each in turn."""
        with self.writing():
            known = {d.name: d.triples for d in self.datasets()}
            names = sorted(set(names))
            if self._rebuilds(sum(known.get(n, 0) for n in names)):
                graphs = {ox.NamedNode(Minter.plain(self.minter.graph(n))) for n in names}
                self._rebuild_without({g for g in graphs if self.store.contains_named_graph(g)})
            else:
                for n in names:
                    self.clear_dataset(n, known.get(n))

    def _rebuilds(self, size: int) -> bool:
        return self._writer is not None and size >= REBUILD_MIN_QUADS and size > REBUILD_SHARE * self._quads()

    def _quads(self) -> int:
        """About how many quads the store holds: the datasets' counts in the catalogue, plus the rest's."""
        q = f"SELECT (SUM(?n) AS ?t) WHERE {{ GRAPH {self.catalogue} {{ ?d {PKG.graph} ?g ; {VOID.triples} ?n }} }}"
        row = next(iter(self.store.query(q)), None)
        total = int(row["t"].value) if row is not None and row["t"] is not None else 0
        return total + self.count(self.shared) + self.count(self.catalogue)

    def _delete_in_slices(self, g: ox.NamedNode) -> None:
        graph = f"<{g.value}>"
        update = (f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ SELECT ?s ?p ?o WHERE "
                  f"{{ GRAPH {graph} {{ ?s ?p ?o }} }} LIMIT {DELETE_CHUNK} }}")
        while next(self.store.quads_for_pattern(None, None, None, g), None) is not None:
            self.store.update(update)
        self.store.remove_graph(g)

    def _rebuild_without(self, gone: set[ox.NamedNode]) -> None:
        """Replace the working copy by a new store holding everything but the graphs ``gone``, graph by graph."""
        dump = self.tmp_dir() / f".rebuild-{os.getpid()}.nt"
        graphs = [other for other in self.store.named_graphs() if other not in gone]
        default = ox.serialize(self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()),
                               format=ox.RdfFormat.N_QUADS)

        def fill(fresh: ox.Store) -> None:
            for other in graphs:
                self.store.dump(str(dump), format=ox.RdfFormat.N_TRIPLES, from_graph=other)
                fresh.bulk_load(path=str(dump), format=ox.RdfFormat.N_TRIPLES, to_graph=other)
            if default:
                fresh.bulk_load(default, format=ox.RdfFormat.N_QUADS)

        self._bulk_in_unit = True
        try:
            self._writer.replace_store(fill)
        finally:
            dump.unlink(missing_ok=True)

    def replace_quarantine(self, name: str, ntriples: Path | None) -> None:
        """The dataset's quarantine graph, hidden from queries, becomes ``ntriples`` (None: no quarantine)."""
        with self.writing():
            g = ox.NamedNode(Minter.plain(self.minter.graph(name)) + QUARANTINE_SUFFIX)
            if self.store.contains_named_graph(g):
                self.store.remove_graph(g)
            if ntriples is not None:
                self.bulk_load(None, ntriples, graph=f"<{g.value}>")
            self._hidden = None

    def drop_dataset(self, name: str) -> bool:
        self._writable()
        dataset = self.minter.dataset(name)
        if self._status(dataset) is None:
            return False
        with self.writing():
            self.clear_dataset(name)
            self.replace_quarantine(name, None)
            self.renew_shared(name, set(), whole=True)  # its shared triples no other dataset declares go
            self.set_provenance(name, [])
            records = self.records_dir()
            if records is not None:
                (records / f"{name}.jsonl").unlink(missing_ok=True)
                declarations.write(records, name, None)
        return True

    def _status(self, dataset: str) -> str | None:
        q = f"SELECT ?s WHERE {{ GRAPH {self.catalogue} {{ {dataset} {PKG.status} ?s }} }}"
        for row in self.store.query(q):
            return row["s"].value
        return None

    def backup(self, target: Path, manifest: dict[str, object]) -> None:
        """Back the current generation up into ``target``, a new directory (readers only: online,
        while other processes read and write the store); ``manifest`` is written as ``backup.json``."""
        if self._reader is None:
            raise StoreError("back up a store opened read-only (a copy of its current generation)")
        self._reader.backup(target)
        (target / "backup.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")

    def restore(self, source: Path) -> None:
        """Make a backup (:meth:`backup`) the store's content, published as its next generation."""
        self._writable()
        if self._writer is None:
            raise StoreError("restore into a store on disk")
        if not (source / "backup.json").is_file() or not (source / "db").is_dir():
            raise StoreError(f"{source} is not a backup made by `patrimoine backup` (no backup.json and db/)")
        with self.writing():
            self._writer.restore(source)

    def close(self) -> None:
        """Let go of the store, once what bulk loads left to merge is merged and published (:meth:`settle`;
        a failure there loses nothing: the data is published, the next write merges it); a writer's
        working copy goes with what was not committed."""
        if self._writer is not None:
            try:
                self.settle()
            except StoreError as e:
                warnings.warn(f"the store's files were not merged ({e}); the next write merges them",
                              RuntimeWarning, stacklevel=2)
            self._writer.close()
            self._writer = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._memory = None

    def replace_records(self, name: str, record_iris: Iterable[str], ntriples: bytes,
                        catalogue: list[str] | Callable[[int], list[str]], shared: bytes = b"") -> None:
        """Replace or delete some records of dataset ``name`` in one unit (a harvested page).

        Every triple of each record of ``record_iris`` (N-Triples terms) is deleted: those whose
        subject is the record or one of its ``#parts`` (found through the links between them, so
        no scan of the graph), and those of outside nodes (image URLs, their services) that only
        these triples pointed to. Then ``ntriples`` is added, ``shared`` declarations too, and the
        catalogue's description of the dataset becomes ``catalogue`` (or ``catalogue(change)``, given
        how many triples the dataset gained, negative when it lost some, so that it counts them right):
        readers see the page wholly applied or not at all, and applying the same page twice gives the
        same graph.
        """
        record_iris = list(record_iris)
        with self.writing():
            self._declare_more(name, shared)
            removed = self.remove_records(name, record_iris).triples
            added = self.count_new(name, ntriples) if callable(catalogue) else 0
            self.bulk_load(name, ntriples)
            self.bulk_load(None, shared, graph=self.shared)
            # a harvest writes page by page: its statistics are counted again by the write that ends it
            self.set_provenance(name, catalogue(added - removed) if callable(catalogue) else catalogue,
                                "drop" if record_iris or ntriples else "keep")

    def _declare_more(self, name: str, shared: bytes) -> None:
        """A harvested page's shared triples join what dataset ``name`` declares (pages add, never take
        back); known from a dataset's first page on."""
        records = self.records_dir()
        if records is None:
            return
        before = declarations.read(records, name)
        if before is None and self._status(self.minter.dataset(name)) is None:
            before = set()
        if before is not None:
            declarations.write(records, name, before | {line for line in shared.splitlines() if line.strip()})

    def count_new(self, name: str, ntriples: Path | bytes) -> int:
        """How many distinct triples of ``ntriples`` dataset ``name`` does not hold yet (cost: their number)."""
        g = ox.NamedNode(Minter.plain(self.minter.graph(name)))
        if isinstance(ntriples, Path):
            with open(ntriples, "rb") as f:
                return self._count_new(ox.parse(f, format=ox.RdfFormat.N_TRIPLES), g)
        return self._count_new(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES), g) if ntriples else 0

    def _count_new(self, triples: Iterable[ox.Triple], g: ox.NamedNode) -> int:
        return len({quad for t in triples if (quad := ox.Quad(t.subject, t.predicate, t.object, g)) not in self.store})

    def statistics_of(self, name: str, subjects: Iterable[str], records: Iterable[str]) -> stats.Counts:
        """What these subjects and records (plain IRIs) make of dataset ``name``'s statistics
        (:func:`graph.statistics.count`)."""
        return stats.count(self.store, self.minter.dataset(name), self.minter.graph(name), subjects, records)

    def remove_records(self, name: str, record_iris: Iterable[str], incoming: bool = False,
                       arriving: Path | None = None) -> Removal:
        """Delete the triples of these records from dataset ``name`` (see :meth:`replace_records`).

        With ``incoming``, the triples of other nodes that point to the records' nodes go too. The
        answer says how many triples went and which other nodes they named: records that wrote
        some of them (a part of the whole that names its parts...) have to write them again.

        With ``arriving``, the N-Triples file of the triples about to be added: the records' nodes whose triples
        all arrive again are neither read nor deleted (:mod:`graph.arriving`), and the answer also says
        which subjects' triples change (``subjects``), which records' assignments may change
        (``records``) and what they made of the statistics before (``before``): what they make after
        the change, less these, is the change of the statistics.
        """
        graph = self.minter.graph(name)
        removal = Removal()
        with self.writing():
            known = Arriving.read(self.store, Minter.plain(graph), arriving) if arriving is not None else None
            nodes = self._record_nodes(graph, [Minter.plain(t) for t in record_iris], known)
            going = nodes.found
            if known is not None:  # the triples of the nodes not counted yet (outside ones, new subjects)
                missing = [n for n in sorted(nodes.found | known.subject_of.keys()) if n not in nodes.degree]
                nodes.degree.update(self._degrees(graph, missing, True))
                going = {n for n in nodes.found if not known.keeps_all(n, nodes.degree[n])}
            pointing = [t for t in nodes.incoming if t[0] not in nodes.found] if incoming else []
            removal.others.update(o for o in nodes.objects if o not in nodes.found)
            removal.others.update(t[0] for t in pointing)
            if known is not None and not known.blank_subject:  # before any triple goes
                changing = {n for n in known.subject_of if known.changes(n, nodes.degree[n])}
                removal.subjects = going | changing | {t[0] for t in pointing}
                removal.records = (removal.subjects | {r for act in changing for r in known.named.get(act, ())}
                                   | stats.named_by_acts(self.store, graph, removal.subjects))
                removal.before = self.statistics_of(name, removal.subjects, removal.records)
                removal.counted = True
            if known is not None:
                # the going subjects' triples that arrive again are deleted unread, as the arriving file
                # has them: what is left of these subjects is what does not arrive again, read below
                held, still = known.after_removal(going, set(pointing))
                removal.new = known.distinct - still
                removal.triples += len(held)
                for lines in chunks(held, 5000):
                    self.store.update(f"DELETE DATA {{ GRAPH {graph} {{\n{''.join(lines)}}} }}")
            for part in chunks(sorted(going), 2000):
                # the triples read first, then deleted as data: cheaper than a DELETE … WHERE (whose
                # pattern is matched again inside the transaction), and they count themselves
                values = " ".join(f"<{s}>" for s in part)
                where = f"VALUES ?s {{ {values} }} GRAPH {graph} {{ ?s ?p ?o }}"
                triples = self.store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}").serialize(
                    format=ox.RdfFormat.N_TRIPLES)
                removal.triples += triples.count(b"\n")
                if b"_:" in triples:  # blank nodes cannot be deleted as data (nor counted by subject)
                    removal.blank = True
                    self.store.update(f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ {where} }}")
                elif triples:
                    self.store.update(f"DELETE DATA {{ GRAPH {graph} {{\n{triples.decode()}}} }}")
            removal.triples += len(pointing)
            for part in chunks(pointing, 5000):
                triples = "".join(f"<{s}> <{p}> <{o}> .\n" for s, p, o in part)
                self.store.update(f"DELETE DATA {{ GRAPH {graph} {{\n{triples}}} }}")
        return removal

    def _record_nodes(self, graph: str, roots: list[str], arriving: Arriving | None = None) -> _RecordNodes:
        """The subjects whose triples make up the records of ``roots`` (plain IRIs): each record, its parts
        (``ROOT#…``, linked to it or to one another either way), and the outside nodes (not under the base
        IRI: an image's URL, its service) only they point to.

        Walked a level at a time, each level in a few queries that answer IRI links only (a node's
        literals are never read), so the cost is that of the records' links, whatever the dataset's size.
        With ``arriving`` (:mod:`graph.arriving`), a node whose triples (or those pointing to it) all
        arrive again is not read: its links are those of the arriving triples.
        """
        base = self.minter.base
        nodes = _RecordNodes(found=set(roots), root_of={r: r for r in roots})
        outside: list[str] = []
        level = list(roots)
        while level:
            following: list[str] = []
            for part in chunks(level, 2000):
                read_from, read_to = part, part
                if arriving is not None:
                    nodes.degree.update(self._degrees(graph, part, True))
                    pointed = self._degrees(graph, part, False)
                    read_from = [n for n in part if not arriving.keeps_all(n, nodes.degree[n])]
                    read_to = [n for n in part if not arriving.pointed_to_alike(n, pointed[n])]
                    for n in set(part).difference(read_from):
                        for o in arriving.links_from[n]:
                            nodes.follow_out(n, o, base, following, outside)
                    for n in set(part).difference(read_to):
                        for s, p in arriving.links_to[n]:
                            nodes.follow_in(s, p, n, following)
                if read_from:
                    values = " ".join(f"<{n}>" for n in read_from)
                    for row in self.store.query(f"SELECT ?s ?o WHERE {{ VALUES ?s {{ {values} }} GRAPH {graph} "
                                                f"{{ ?s ?p ?o FILTER(isIRI(?o) && ?p != {RDF_TYPE}) }} }}"):
                        nodes.objects.add(row["o"].value)
                        nodes.follow_out(row["s"].value, row["o"].value, base, following, outside)
                if read_to:
                    values = " ".join(f"<{n}>" for n in read_to)
                    for row in self.store.query(f"SELECT ?s ?p ?o WHERE {{ VALUES ?o {{ {values} }} GRAPH {graph} "
                                                f"{{ ?s ?p ?o FILTER(isIRI(?s)) }} }}"):
                        nodes.follow_in(row["s"].value, row["p"].value, row["o"].value, following)
            level = following
        self._add_outside(graph, nodes, outside)
        return nodes

    def _degrees(self, graph: str, nodes: list[str], as_subject: bool) -> dict[str, int]:
        """How many triples of ``graph`` each of ``nodes`` (plain IRIs) is the subject (or the object) of:
        counted on the store's encoded terms, none of them read."""
        counts = dict.fromkeys(nodes, 0)
        pattern = "?n ?p ?o" if as_subject else "?s ?p ?n"
        for part in chunks(nodes, 2000):
            values = " ".join(f"(<{n}> {i})" for i, n in enumerate(part))
            for row in self.store.query(f"SELECT ?i (COUNT(*) AS ?c) WHERE {{ VALUES (?n ?i) {{ {values} }} "
                                        f"GRAPH {graph} {{ {pattern} }} }} GROUP BY ?i"):
                counts[part[int(row["i"].value)]] = int(row["c"].value)
        return counts

    def _add_outside(self, graph: str, nodes: _RecordNodes, outside: list[str]) -> None:
        """Add to ``nodes`` the outside nodes with triples in the graph that only the records' nodes point to
        (and, in turn, those only these point to)."""
        store, base = self.store, self.minter.base
        g = ox.NamedNode(Minter.plain(graph))
        rdf_type = ox.NamedNode(RDF_TYPE[1:-1])
        while outside:
            node = ox.NamedNode(outside.pop())
            if node.value in nodes.found or next(store.quads_for_pattern(node, None, None, g), None) is None:
                continue
            if all(isinstance(q.subject, ox.NamedNode) and q.subject.value in nodes.found
                   for q in store.quads_for_pattern(None, None, node, g)):
                nodes.found.add(node.value)
                for q in store.quads_for_pattern(node, None, None, g):
                    if isinstance(q.object, ox.NamedNode):
                        nodes.objects.add(q.object.value)
                        if q.predicate != rdf_type and not q.object.value.startswith(base):
                            outside.append(q.object.value)


@dataclass
class _RecordNodes:
    """What :meth:`KnowledgeGraph._record_nodes` found: the records' subjects, the IRIs their links name,
    and the links to them from other subjects (subject, predicate, object)."""

    found: set[str]
    root_of: dict[str, str]  # each node walked: the record it is a part of
    objects: set[str] = field(default_factory=set)
    incoming: list[tuple[str, str, str]] = field(default_factory=list)
    degree: dict[str, int] = field(default_factory=dict)  # with arriving triples: each node's triples, counted

    def follow_out(self, node: str, target: str, base: str, following: list[str], outside: list[str]) -> None:
        """A link from a walked node: a part of its record is walked next, a node outside the base IRI checked."""
        if not self.reach(target, self.root_of[node], following) and not target.startswith(base):
            outside.append(target)

    def follow_in(self, source: str, predicate: str, node: str, following: list[str]) -> None:
        """A link to a walked node: a part of its record is walked next, another node's link kept as incoming."""
        if not self.reach(source, self.root_of[node], following):
            self.incoming.append((source, predicate, node))

    def reach(self, node: str, root: str, following: list[str]) -> bool:
        """Whether ``node`` is record ``root`` or one of its parts (``ROOT#…``); a part not met before is walked next."""
        if node == root:
            return True
        if not node.startswith(root + "#"):
            return False
        if node not in self.found:
            self.found.add(node)
            self.root_of[node] = root
            following.append(node)
        return True


@dataclass
class Removal:
    """What :meth:`KnowledgeGraph.remove_records` deleted: how many triples, and the other nodes they named."""

    triples: int = 0
    subjects: set[str] = field(default_factory=set)  # with ``arriving``: the subjects whose triples change
    records: set[str] = field(default_factory=set)  # and the records whose assignments may change
    before: stats.Counts = field(default_factory=Counter)  # and their statistics before
    counted: bool = False  # whether these three were found (else the statistics are counted again)
    blank: bool = False  # whether some triples that went named a blank node
    new: int | None = None  # with ``arriving``: how many of its distinct triples the graph lacks after the removal
    others: set[str] = field(default_factory=set)


def _provenance_update(catalogue: str, dataset: str, lines: list[str], keeping: str | None = None) -> str:
    """Replace everything the catalogue says about ``dataset`` (and its ``#parts``) by ``lines``, but for
    the triples the SPARQL condition ``keeping`` (on ``?s ?p``) holds for."""
    plain = Minter.plain(dataset)
    kept = f" && !{keeping}" if keeping else ""
    update = (
        f"DELETE {{ GRAPH {catalogue} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {catalogue} {{ ?s ?p ?o"
        f' FILTER((?s = {dataset} || STRSTARTS(STR(?s), "{plain}#")){kept}) }} }}'
    )
    if lines:
        update += f" ;\nINSERT DATA {{ GRAPH {catalogue} {{\n{''.join(lines)}}} }}"
    return update
