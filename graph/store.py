"""The knowledge graph's store: one pyoxigraph store, one named graph per dataset.

Loading and replacing a dataset (see :meth:`KnowledgeGraph.replace_dataset`)
balances two things pyoxigraph does not give together: ``bulk_load`` is fast
but not transactional, a transaction is atomic but about three times slower
and makes the store larger. So:

* a *first* load bulk-loads into the dataset's graph while the catalogue marks
  the dataset ``loading``; queries leave such graphs out, and the catalogue
  flips to ``loaded`` in one transaction at the end;
* a *reload* bulk-loads into a hidden staging graph, then applies the
  difference between the old and new graph plus the new provenance in one
  SPARQL update (atomic: readers see the old dataset or the new one); an
  unchanged reload costs a read, not a rewrite.

Whatever fails before that last step leaves the visible store as it was; a
graph left ``loading`` or a staging graph left by a crash is hidden and cleaned
by the next load.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .iri import DEFAULT_BASE_IRI, Minter
from .namespaces import PKG, sparql_prefixes
from .records import PatrimoineError
from .sparqltext import analyse

STAGING_SUFFIX = "/_staging"
QUARANTINE_SUFFIX = "/_quarantine"  # records kept out of the public graph (load --quarantine), hidden too
BULK_SLICE_BYTES = 64 * 1024 * 1024

# (status, triple count) -> the catalogue's N-Triples lines about a dataset
ProvenanceWriter = Callable[[str, int], list[str]]


def is_remote(location: object) -> bool:
    """Whether ``location`` is a SPARQL server's URL (graph/remote.py) rather than a directory."""
    return isinstance(location, str) and location.lower().startswith(("http://", "https://"))


class StoreError(PatrimoineError):
    """The store cannot be opened or written."""


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
    if not Path(path).exists():
        raise StoreError(f"no store at {path}: load data first with `patrimoine load`")


class KnowledgeGraph:
    """The store plus the IRI minter; opened on disk (default), in memory (``path=None``), or on a SPARQL
    server (``path="http://..."``: a :class:`graph.remote.RemoteGraph`)."""

    def __new__(cls, path: str | os.PathLike[str] | None = None, *args: object, **kwargs: object) -> KnowledgeGraph:
        if cls is KnowledgeGraph and is_remote(path):
            from .remote import RemoteGraph

            return super().__new__(RemoteGraph)
        return super().__new__(cls)

    def __init__(self, path: str | os.PathLike[str] | None = None, base_iri: str = DEFAULT_BASE_IRI,
                 read_only: bool = False) -> None:
        self.minter = Minter(base_iri)
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        try:
            if self.path is None:
                self.store = ox.Store()
            elif read_only:
                require_store(self.path)
                self.store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.store = ox.Store(str(self.path))
        except OSError as e:
            raise StoreError(f"cannot open the store at {self.path}: {_first_line(e)}"
                             " (is another `patrimoine` process using it?)") from e
        except RuntimeError as e:  # RocksDB's "Corruption: ...": not a store, or a damaged one
            raise StoreError(f"cannot open the store at {self.path}: {_first_line(e)}") from e
        # Reserved names: no dataset takes them (graph/iri.py RESERVED_DATASET_NAMES).
        self.catalogue = f"<{self.minter.base}graph/catalogue>"
        self.shared = f"<{self.minter.base}graph/shared>"
        self.links = f"<{self.minter.base}graph/links>"  # persons linked across datasets (patrimoine link)
        self._hidden: list[str] | None = None

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

    # -- writing -----------------------------------------------------------
    def _writable(self) -> None:
        if self.read_only:
            raise StoreError("the store is open read-only")

    def replace_dataset(self, name: str, ntriples: Path, provenance: ProvenanceWriter,
                        content_sha256: str | None = None) -> int:
        """Make ``ntriples`` (an N-Triples file) the content of dataset ``name``; returns its triple count.

        ``provenance(status, triples)`` returns the catalogue's N-Triples lines for the dataset.
        When ``content_sha256`` (the file's digest) equals the one recorded at the last load, the
        content is the same and only the catalogue record is renewed.
        """
        self._writable()
        graph = self.minter.graph(name)
        dataset = self.minter.dataset(name)
        g = ox.NamedNode(Minter.plain(graph))
        status = self._status(dataset)
        try:
            if (status == "loaded" and content_sha256 is not None and self.store.contains_named_graph(g)
                    and self._content_sha256(dataset) == content_sha256):
                triples = self.count(graph)
                self._set_provenance(dataset, provenance("loaded", triples))
            elif status != "loaded" or not self.store.contains_named_graph(g):
                if self.store.contains_named_graph(g):  # left "loading" by an earlier crash
                    self.store.remove_graph(g)
                self._set_provenance(dataset, provenance("loading", 0))
                self._bulk_load(ntriples, g)
                triples = self.count(graph)
                self._set_provenance(dataset, provenance("loaded", triples))
            else:
                staging = ox.NamedNode(Minter.plain(graph) + STAGING_SUFFIX)
                if self.store.contains_named_graph(staging):
                    self.store.remove_graph(staging)
                self._hidden = None
                self._bulk_load(ntriples, staging)
                triples = self.count(f"<{staging.value}>")
                self.store.update(_swap_update(graph, f"<{staging.value}>")
                                  + ";\n" + _provenance_update(self.catalogue, dataset,
                                                               provenance("loaded", triples)))
                self.store.remove_graph(staging)
        except (OSError, SyntaxError) as e:
            raise StoreError(f"writing dataset {name!r} failed: {_first_line(e)}") from e
        finally:
            self._hidden = None
        self.store.flush()
        return triples

    def _bulk_load(self, ntriples: Path, graph: ox.NamedNode) -> None:
        """Bulk-load an N-Triples file in slices: pyoxigraph's bulk loader holds a whole call's
        input in memory while it sorts it, so slicing keeps memory flat as datasets grow."""
        with open(ntriples, "rb") as f:
            while True:
                chunk = f.read(BULK_SLICE_BYTES)
                if not chunk:
                    break
                chunk += f.readline()  # end the slice on a whole line
                self.store.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)

    def replace_quarantine(self, name: str, ntriples: Path | None) -> None:
        """The dataset's quarantine graph, hidden from queries, becomes ``ntriples`` (None: no quarantine)."""
        self._writable()
        g = ox.NamedNode(Minter.plain(self.minter.graph(name)) + QUARANTINE_SUFFIX)
        if self.store.contains_named_graph(g):
            self.store.remove_graph(g)
        if ntriples is not None and ntriples.stat().st_size:
            self._bulk_load(ntriples, g)
        self._hidden = None

    def drop_dataset(self, name: str) -> bool:
        self._writable()
        graph = self.minter.graph(name)
        dataset = self.minter.dataset(name)
        if self._status(dataset) is None:
            return False
        self.store.update(f"DROP SILENT GRAPH {graph} ;\nDROP SILENT GRAPH <{Minter.plain(graph)}{QUARANTINE_SUFFIX}> ;\n"
                          + _provenance_update(self.catalogue, dataset, []))
        self._hidden = None
        return True

    def add_shared(self, ntriples: Path | bytes) -> None:
        """Add declarations of shared entities (concepts, places, persons...) to their own graph.

        One transaction; adding only, so a dataset's reload never removes an
        entity another dataset uses. The graph stays small: each entity once.
        """
        self._writable()
        g = ox.NamedNode(Minter.plain(self.shared))
        if isinstance(ntriples, Path):
            if ntriples.stat().st_size:
                self.store.load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES, to_graph=g)
        elif ntriples:
            self.store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=g)

    def add_ntriples(self, graph: str, lines: Iterable[str]) -> None:
        """Add a few triples in one transaction (reference data, small graphs)."""
        self._writable()
        data = "".join(lines).encode()
        self.store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(Minter.plain(graph)))

    def _status(self, dataset: str) -> str | None:
        q = f"SELECT ?s WHERE {{ GRAPH {self.catalogue} {{ {dataset} {PKG.status} ?s }} }}"
        for row in self.store.query(q):
            return row["s"].value
        return None

    def _content_sha256(self, dataset: str) -> str | None:
        q = f"SELECT ?h WHERE {{ GRAPH {self.catalogue} {{ {dataset} {PKG.contentSha256} ?h }} }}"
        for row in self.store.query(q):
            return row["h"].value
        return None

    def _set_provenance(self, dataset: str, lines: list[str]) -> None:
        self.store.update(_provenance_update(self.catalogue, dataset, lines))
        self._hidden = None

    def close(self) -> None:
        if not self.read_only:
            self.store.flush()
        del self.store

    def replace_records(self, name: str, record_iris: Iterable[str], ntriples: bytes, catalogue: list[str]) -> None:
        """Replace or delete some records of dataset ``name`` in one transaction (a harvested page).

        Every triple of each record of ``record_iris`` (N-Triples terms) is deleted: those whose
        subject is the record or one of its ``#parts`` (found through the links between them, so
        no scan of the graph), and those of outside nodes (image URLs, their services) that only
        these triples pointed to. Then ``ntriples`` is added and the catalogue's description of
        the dataset becomes ``catalogue``: one SPARQL update, so readers see the page wholly
        applied or not at all, and applying the same page twice gives the same graph.
        """
        self._writable()
        graph = self.minter.graph(name)
        subjects = self._record_subjects(ox.NamedNode(Minter.plain(graph)), record_iris)
        steps = []
        if subjects:
            values = " ".join(f"<{s}>" for s in sorted(subjects))
            steps.append(f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ VALUES ?s {{ {values} }}"
                         f" GRAPH {graph} {{ ?s ?p ?o }} }}")
        if ntriples.strip():
            steps.append(f"INSERT DATA {{ GRAPH {graph} {{\n{ntriples.decode()}}} }}")
        steps.append(_provenance_update(self.catalogue, self.minter.dataset(name), catalogue))
        try:
            self.store.update(" ;\n".join(steps))
        except (OSError, SyntaxError) as e:
            raise StoreError(f"writing dataset {name!r} failed: {_first_line(e)}") from e
        finally:
            self._hidden = None

    def _record_subjects(self, g: ox.NamedNode, record_iris: Iterable[str]) -> set[str]:
        """The subjects whose triples make up the records: each record, its parts, outside nodes only they use."""
        store, base = self.store, self.minter.base
        rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        found: set[str] = set()
        outside: list[ox.NamedNode] = []
        for term in record_iris:
            root = Minter.plain(term)
            prefix = root + "#"
            found.add(root)
            todo = [ox.NamedNode(root)]
            while todo:
                node = todo.pop()
                for q in store.quads_for_pattern(node, None, None, g):
                    o = q.object
                    if not isinstance(o, ox.NamedNode) or q.predicate == rdf_type:
                        continue
                    if o.value.startswith(prefix):
                        if o.value not in found:
                            found.add(o.value)
                            todo.append(o)
                    elif not o.value.startswith(base):
                        outside.append(o)
                for q in store.quads_for_pattern(None, None, node, g):
                    s = q.subject
                    if isinstance(s, ox.NamedNode) and s.value.startswith(prefix) and s.value not in found:
                        found.add(s.value)
                        todo.append(s)
        while outside:
            node = outside.pop()
            if node.value in found or next(store.quads_for_pattern(node, None, None, g), None) is None:
                continue
            if all(isinstance(q.subject, ox.NamedNode) and q.subject.value in found
                   for q in store.quads_for_pattern(None, None, node, g)):
                found.add(node.value)
                outside.extend(q.object for q in store.quads_for_pattern(node, None, None, g)
                               if isinstance(q.object, ox.NamedNode) and q.predicate != rdf_type
                               and not q.object.value.startswith(base))
        return found


def _swap_update(graph: str, staging: str) -> str:
    return (
        f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }}"
        f" FILTER NOT EXISTS {{ GRAPH {staging} {{ ?s ?p ?o }} }} }} ;\n"
        f"INSERT {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {staging} {{ ?s ?p ?o }}"
        f" FILTER NOT EXISTS {{ GRAPH {graph} {{ ?s ?p ?o }} }} }}"
    )


def _provenance_update(catalogue: str, dataset: str, lines: list[str]) -> str:
    """Replace everything the catalogue says about ``dataset`` (and its ``#parts``) by ``lines``."""
    plain = Minter.plain(dataset)
    update = (
        f"DELETE {{ GRAPH {catalogue} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {catalogue} {{ ?s ?p ?o"
        f' FILTER(?s = {dataset} || STRSTARTS(STR(?s), "{plain}#")) }} }}'
    )
    if lines:
        update += f" ;\nINSERT DATA {{ GRAPH {catalogue} {{\n{''.join(lines)}}} }}"
    return update


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


