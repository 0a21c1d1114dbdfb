"""A SPARQL 1.1 server as the store: ``--store http://host:port/`` (or ``PATRIMOINE_STORE``).

When one machine is not enough, the graph can live in a server engine (Oxigraph server, Apache Jena
Fuseki, QLever...) and every command works against it over the standard protocols:

* queries through the SPARQL 1.1 Protocol (POST, ``default-graph-uri``/``named-graph-uri`` for the
  datasets a query sees), results read back as SPARQL JSON or N-Triples into pyoxigraph's own result
  types, so the code above (pipeline, validation, linking, the endpoint) cannot tell the difference;
* writes through SPARQL 1.1 Update, one request per atomic step (the server runs a request as one
  transaction: Oxigraph and Fuseki do);
* bulk uploads through the Graph Store Protocol (``POST ?graph=`` N-Triples, streamed; Oxigraph's
  non-transactional bulk loader with ``no_transaction``), or ``INSERT DATA`` in slices where the
  server has no Graph Store (``store=`` empty).

:class:`RemoteStore` is the part of :class:`pyoxigraph.Store` the project uses, over HTTP;
:class:`RemoteGraph` the :class:`graph.store.KnowledgeGraph` on top of it (opened by
``KnowledgeGraph("http://...")``). Where the server's endpoints are is read from the URL: the
server says who it is (``Server`` header) and the usual paths follow (Oxigraph: ``/query``,
``/update``, ``/store``; Fuseki ``/DATASET/query``, ``/update``, ``/data``; QLever: the URL itself,
no Graph Store); query parameters of the URL override them:
``http://host:3030/ds/?query=sparql&update=update&store=data&union=graphs``. Its other parameters
are sent with every request (QLever's ``access-token`` for updates:
``http://host:7001/?query=./&update=./&store=./&union=server&access-token=...``).

``union`` says how the union of the datasets becomes the default graph of a query: ``param``
(Oxigraph's ``union-default-graph`` parameter), ``graphs`` (every named graph listed as a
``default-graph-uri``: standard, for any server) or ``server`` (the server's default graph is
already the union: QLever, Fuseki with ``unionDefaultGraph``).
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit, urlunsplit

import pyoxigraph as ox

from .iri import DEFAULT_BASE_IRI
from .records import PatrimoineError
from .store import KnowledgeGraph

JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
ACCEPT = f"{JSON_RESULTS}, {N_TRIPLES};q=0.9, text/plain;q=0.5"
INSERT_SLICE_BYTES = 4 * 1024 * 1024  # INSERT DATA request size where there is no Graph Store
RDF_MEDIA = {ox.RdfFormat.N_TRIPLES: N_TRIPLES, ox.RdfFormat.N_QUADS: N_QUADS, ox.RdfFormat.TURTLE: "text/turtle",
             ox.RdfFormat.TRIG: "application/trig", ox.RdfFormat.RDF_XML: "application/rdf+xml"}


class RemoteError(PatrimoineError):
    """The server cannot be reached, or refused a request."""


@dataclass(frozen=True)
class Endpoints:
    """Where a server takes queries, updates and Graph Store requests, and how it makes the union default graph."""

    url: str  # as given, without our parameters
    query: str
    update: str
    store: str | None
    union: str  # "param", "graphs" or "server"
    server: str  # what it said it is
    extra: tuple[tuple[str, str], ...] = ()  # the URL's other parameters, sent with every request (access-token)

    @classmethod
    def of(cls, location: str, session: Any, timeout: float = 10.0) -> Endpoints:
        parts = urlsplit(location)
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        base = urlunsplit((parts.scheme, parts.netloc, parts.path if parts.path.endswith("/") else parts.path + "/",
                           "", ""))
        try:
            answer = session.get(base, timeout=timeout, allow_redirects=True)
        except OSError as e:
            raise RemoteError(f"cannot reach the SPARQL server at {base}: {_first_line(e)}") from e
        server = answer.headers.get("Server", "")
        name = server.lower()
        if "oxigraph" in name:
            defaults = {"query": "query", "update": "update", "store": "store", "union": "param"}
        elif "fuseki" in name or "jetty" in name:
            defaults = {"query": "query", "update": "update", "store": "data", "union": "graphs"}
        elif "qlever" in name:
            defaults = {"query": "", "update": "", "store": "", "union": "server"}
        else:
            defaults = {"query": "query", "update": "update", "store": "store", "union": "graphs"}
        chosen = {**defaults, **{k: v for k, v in options.items() if k in defaults}}
        extra = tuple((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in defaults)
        if chosen["union"] not in ("param", "graphs", "server"):
            raise RemoteError(f"union={chosen['union']!r}: use param, graphs or server")
        store = chosen["store"]
        return cls(url=base, query=urljoin(base, chosen["query"]), update=urljoin(base, chosen["update"]),
                   store=urljoin(base, store) if store else None, union=chosen["union"], server=server or "unknown",
                   extra=extra)


class RemoteStore:
    """The part of :class:`pyoxigraph.Store` the project uses, on a SPARQL 1.1 server."""

    def __init__(self, location: str, timeout: float | None = None) -> None:
        import requests

        self.http = requests.Session()
        self.http.headers["User-Agent"] = "patrimoine-kg"
        self.timeout = timeout if timeout is not None else float(os.environ.get("PATRIMOINE_REMOTE_TIMEOUT", "3600"))
        self.endpoints = Endpoints.of(location, self.http)
        self.oxigraph = self.endpoints.server.lower().startswith("oxigraph")

    # -- reading ---------------------------------------------------------------------------------
    def query(self, query: str, *, base_iri: str | None = None, use_default_graph_as_union: bool = False,
              default_graph: Sequence[Any] | None = None, named_graphs: Sequence[Any] | None = None, **_: Any):
        """A query's results as pyoxigraph gives them: QuerySolutions, QueryBoolean or QueryTriples."""
        if base_iri:
            query = f"BASE <{base_iri}>\n{query}"
        params: list[tuple[str, str]] = [("query", query)]
        if default_graph is not None:
            params += [("default-graph-uri", g.value) for g in default_graph if isinstance(g, ox.NamedNode)]
        elif use_default_graph_as_union:
            params += self._union()
        if named_graphs is not None:
            params += [("named-graph-uri", g.value) for g in named_graphs if isinstance(g, ox.NamedNode)]
        answer = self._post(self.endpoints.query, params, accept=ACCEPT, stream=True)
        media = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media in (JSON_RESULTS, "application/json"):
            return ox.parse_query_results(answer.raw, format=ox.QueryResultsFormat.JSON)
        if media in ("application/sparql-results+xml", "application/xml"):
            return ox.parse_query_results(answer.raw, format=ox.QueryResultsFormat.XML)
        if media in ("text/tab-separated-values",):
            return ox.parse_query_results(answer.raw, format=ox.QueryResultsFormat.TSV)
        fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
        return _query_triples(ox.parse(answer.raw, format=fmt))

    def _union(self) -> list[tuple[str, str]]:
        if self.endpoints.union == "param":
            return [("union-default-graph", "")]
        if self.endpoints.union == "server":
            return []
        return [("default-graph-uri", g.value) for g in self.named_graphs()]

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return iter([row["g"] for row in rows if isinstance(row["g"], ox.NamedNode)])

    def contains_named_graph(self, graph: Any) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {graph} {{ }} }}")) or bool(
            self.query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"))

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any, graph_name: Any = None) -> Iterator[ox.Quad]:
        terms = [("s", subject), ("p", predicate), ("o", object)]
        pattern = " ".join(f"?{v}" if t is None else str(t) for v, t in terms)
        if graph_name is None:
            body = f"{{ GRAPH ?g {{ {pattern} }} }}"
            if self.endpoints.union != "server":
                body += f" UNION {{ {pattern} }}"
        elif isinstance(graph_name, ox.DefaultGraph):
            body = f"{{ {pattern} }}"
        else:
            body = f"GRAPH {graph_name} {{ {pattern} }} BIND({graph_name} AS ?g)"
        rows = self.query(f"SELECT * WHERE {{ {body} }}")
        has_graph = "g" in [x.value for x in rows.variables]
        for row in rows:
            values = {v: (t if t is not None else row[v]) for v, t in terms}
            g = row["g"] if has_graph else None
            yield ox.Quad(values["s"], values["p"], values["o"], g if g is not None else ox.DefaultGraph())

    def __len__(self) -> int:
        row = next(iter(self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")))
        return int(row["n"].value)

    def dump(self, output: Any = None, format: ox.RdfFormat | None = None, *, from_graph: Any = None) -> bytes | None:
        """The triples of ``from_graph`` (or every quad, as N-Quads) written to ``output`` (a path, a file, or
        returned as bytes when None)."""
        fmt = format or ox.RdfFormat.N_QUADS
        if from_graph is None and fmt == ox.RdfFormat.N_QUADS and self.endpoints.store:
            answer = self._get(self.endpoints.store, [], accept=N_QUADS)
            return _write(answer, output)
        if from_graph is None:
            quads = self.quads_for_pattern(None, None, None, None)
            return _write_serialized(ox.serialize(quads, format=fmt), output)
        if self.endpoints.store:
            answer = self._get(self.endpoints.store, [("graph", from_graph.value)], accept=RDF_MEDIA.get(fmt, N_TRIPLES),
                               missing_ok=True)
            if answer is None:
                return _write_serialized(b"", output)
            if RDF_MEDIA.get(fmt) == answer.headers.get("Content-Type", "").split(";")[0].strip():
                return _write(answer, output)
            triples = ox.parse(answer.raw, format=ox.RdfFormat.from_media_type(
                answer.headers.get("Content-Type", N_TRIPLES).split(";")[0]) or ox.RdfFormat.N_TRIPLES)
            return _write_serialized(ox.serialize(triples, format=fmt), output)
        triples = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{from_graph.value}> {{ ?s ?p ?o }} }}")
        return _write_serialized(triples.serialize(format=fmt), output)

    # -- writing ---------------------------------------------------------------------------------
    def update(self, update: str, *, base_iri: str | None = None, **_: Any) -> None:
        if base_iri:
            update = f"BASE <{base_iri}>\n{update}"
        self._post(self.endpoints.update, [("update", update)])

    def bulk_load(self, input: Any = None, format: ox.RdfFormat | None = None, *, path: Any = None,
                  to_graph: Any = None, base_iri: str | None = None, **_: Any) -> None:
        """Add RDF (N-Triples into ``to_graph``, or N-Quads) at the server's bulk speed."""
        self._load(input, format, path, to_graph, bulk=True)

    def load(self, input: Any = None, format: ox.RdfFormat | None = None, *, path: Any = None,
             to_graph: Any = None, base_iri: str | None = None, **_: Any) -> None:
        self._load(input, format, path, to_graph, bulk=False)

    def _load(self, data: Any, fmt: ox.RdfFormat | None, path: Any, graph: Any, bulk: bool) -> None:
        fmt = fmt or ox.RdfFormat.N_TRIPLES
        body: Any = open(path, "rb") if path is not None else (io.BytesIO(data.encode()) if isinstance(data, str)
                                                               else io.BytesIO(data) if isinstance(data, bytes) else data)
        try:
            if self.endpoints.store is None:
                self._insert_in_slices(body, fmt, graph)
                return
            params = [("graph", graph.value)] if isinstance(graph, ox.NamedNode) else (
                [("default", "")] if isinstance(graph, ox.DefaultGraph) else [])
            if bulk and self.oxigraph:
                params.append(("no_transaction", ""))
            self._send("POST", self.endpoints.store, params, body, RDF_MEDIA.get(fmt, N_TRIPLES))
        finally:
            if path is not None:
                body.close()

    def _insert_in_slices(self, body: IO[bytes], fmt: ox.RdfFormat, graph: Any) -> None:
        """INSERT DATA in slices of whole lines (N-Triples and N-Quads only), for servers without a Graph Store."""
        if fmt not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
            data = ox.serialize(ox.parse(body, format=fmt), format=ox.RdfFormat.N_QUADS)
            body, fmt = io.BytesIO(data), ox.RdfFormat.N_QUADS
        while True:
            chunk = body.read(INSERT_SLICE_BYTES)
            if not chunk:
                return
            chunk += body.readline()
            if fmt == ox.RdfFormat.N_QUADS:
                quads = ox.parse(chunk, format=ox.RdfFormat.N_QUADS)
                self.update("INSERT DATA { " + " ".join(_quad_data(q) for q in quads) + " }")
            elif isinstance(graph, ox.NamedNode):
                self.update(f"INSERT DATA {{ GRAPH {graph} {{\n{chunk.decode()}\n}} }}")
            else:
                self.update(f"INSERT DATA {{\n{chunk.decode()}\n}}")

    def add(self, quad: ox.Quad) -> None:
        self.update(f"INSERT DATA {{ {_quad_data(quad)} }}")

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        data = " ".join(_quad_data(q) for q in quads)
        if data:
            self.update(f"INSERT DATA {{ {data} }}")

    bulk_extend = extend

    def remove(self, quad: ox.Quad) -> None:
        self.update(f"DELETE DATA {{ {_quad_data(quad)} }}")

    def add_graph(self, graph: Any) -> None:
        self.update(f"CREATE SILENT GRAPH {graph}")

    def clear_graph(self, graph: Any) -> None:
        self.update("CLEAR DEFAULT" if isinstance(graph, ox.DefaultGraph) else f"CLEAR SILENT GRAPH {graph}")

    def remove_graph(self, graph: Any) -> None:
        self.update("CLEAR DEFAULT" if isinstance(graph, ox.DefaultGraph) else f"DROP SILENT GRAPH {graph}")

    def clear(self) -> None:
        self.update("CLEAR ALL")

    def flush(self) -> None:
        """Nothing to do: the server has written each request when it answered."""

    def optimize(self) -> None:
        """The server compacts its own storage."""

    # -- HTTP ------------------------------------------------------------------------------------
    def _post(self, url: str, params: list[tuple[str, str]], accept: str | None = None, stream: bool = False):
        headers = {"Accept": accept} if accept else {}
        body = _form(params).encode()
        return self._send("POST", url, [], body, "application/x-www-form-urlencoded", headers, stream)

    def _get(self, url: str, params: list[tuple[str, str]], accept: str, missing_ok: bool = False):
        answer = self._send("GET", url, params, None, None, {"Accept": accept}, True, missing_ok)
        return answer

    def _send(self, method: str, url: str, params: list[tuple[str, str]], body: Any, media: str | None,
              headers: dict[str, str] | None = None, stream: bool = False, missing_ok: bool = False):
        headers = dict(headers or {})
        if media:
            headers["Content-Type"] = media
        params = [*params, *self.endpoints.extra]
        if params:
            url += ("&" if "?" in url else "?") + _form(params)
        try:
            answer = self.http.request(method, url, data=body, headers=headers, stream=stream,
                                       timeout=(10, self.timeout))
        except OSError as e:
            raise RemoteError(f"the SPARQL server at {self.endpoints.url} did not answer: {_first_line(e)}") from e
        if answer.status_code == 404 and missing_ok:
            return None
        if answer.status_code >= 400:
            text = answer.text.strip().replace("\n", " ")[:300]
            if answer.status_code == 400:  # what pyoxigraph raises for a query or data it cannot read
                raise SyntaxError(text or "the server refused the request (400)")
            raise RemoteError(f"the SPARQL server at {self.endpoints.url} answered {answer.status_code}: {text}")
        answer.raw.decode_content = True
        return answer


def _form(params: list[tuple[str, str]]) -> str:
    """URL-encoded parameters; an empty value is a flag written without '=' (``no_transaction``)."""
    return "&".join(quote(k) if v == "" else f"{quote(k)}={quote(v, safe='')}" for k, v in params)


def _query_triples(triples: Iterable[ox.Triple]) -> ox.QueryTriples:
    """pyoxigraph's own QueryTriples for triples read from the server (the code above checks the type)."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return store.query("CONSTRUCT WHERE { ?s ?p ?o }")


def _quad_data(q: ox.Quad) -> str:
    triple = f"{q.subject} {q.predicate} {q.object} ."
    return triple if isinstance(q.graph_name, ox.DefaultGraph) else f"GRAPH {q.graph_name} {{ {triple} }}"


def _write(answer: Any, output: Any) -> bytes | None:
    if output is None:
        return answer.raw.read()
    if isinstance(output, (str, os.PathLike)):
        with open(output, "wb") as f:
            for chunk in answer.iter_content(1 << 20):
                f.write(chunk)
        return None
    for chunk in answer.iter_content(1 << 20):
        output.write(chunk)
    return None


def _write_serialized(data: bytes | None, output: Any) -> bytes | None:
    data = data or b""
    if output is None:
        return data
    if isinstance(output, (str, os.PathLike)):
        Path(output).write_bytes(data)
    else:
        output.write(data)
    return None


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def local_state(location: str) -> Path:
    """A local directory for what a load keeps beside the store (reports of records not loaded), one per server."""
    parts = urlsplit(location)
    name = "".join(c if c.isalnum() else "-" for c in f"{parts.hostname}-{parts.port or ''}{parts.path}").strip("-")
    base = Path(os.environ.get("PATRIMOINE_REMOTE_STATE", Path("var") / "remote"))
    return base / name


class RemoteGraph(KnowledgeGraph):
    """The knowledge graph kept by a SPARQL server: what :class:`graph.store.KnowledgeGraph` does, over HTTP.

    ``path`` is None (there is no directory to open: the endpoint runs queries in threads, which wait on the
    server). The server is the only state: no generations, no record indexes, so a load writes its dataset
    anew, into a staging graph hidden from queries, moved into place with its catalogue record by one update
    (the server runs one request as one transaction): readers see the old dataset or the new one. The
    reports of records not loaded go to a local directory per server, :func:`local_state`.
    """

    HIDDEN_SECONDS = 1.0  # how long the list of hidden graphs is taken as known: other processes write too

    def __init__(self, path: str, base_iri: str = DEFAULT_BASE_IRI, read_only: bool = False, **_: Any) -> None:
        self._remote = RemoteStore(path)
        super().__init__(None, base_iri, read_only=read_only)  # everything else as in memory...
        self.location = path
        self.path = None  # ...and no directory
        self._hidden_at = 0.0

    @property
    def store(self) -> RemoteStore:  # type: ignore[override]
        return self._remote

    @store.setter
    def store(self, _: Any) -> None:
        """The in-memory store the base class may open is not used."""

    @property
    def generation(self) -> None:
        return None

    def refresh(self) -> bool:
        """A server always answers from its current data: nothing to reopen."""
        return False

    def hidden_graphs(self) -> list[str]:
        if time.monotonic() - self._hidden_at > self.HIDDEN_SECONDS:
            self._hidden = None
        if self._hidden is None:
            self._hidden_at = time.monotonic()
        return super().hidden_graphs()

    def rejects_dir(self) -> Path:
        return local_state(self.location) / "rejects"

    def records_dir(self) -> None:
        """No record index: what a server holds may change under us, so each load writes its dataset anew."""
        return None

    def tmp_dir(self) -> Path:
        return Path(tempfile.gettempdir())

    def clear_dataset(self, name: str, triples: int | None = None) -> None:
        self._writable()
        self.store.update(f"DROP SILENT GRAPH {self.minter.graph(name)}")
        self._hidden = None

    def backup(self, *_: Any, **__: Any) -> None:
        raise RemoteError("a SPARQL server keeps its own backups (see its documentation); "
                          "`patrimoine backup` is for a store on disk")

    def restore(self, *_: Any, **__: Any) -> None:
        raise RemoteError("restore into the SPARQL server with its own tools; `patrimoine restore` is for a store "
                          "on disk")

    def close(self) -> None:
        self._remote.http.close()
