"""A query worker process: opens the store, then runs one job at a time sent by the server's pool.

The pool (:mod:`endpoint.pool`) starts it, tells it to open the store (read-only,
or read-write for one write), sends jobs and kills it at the time limit; the
frames are those of :mod:`endpoint.wire`.

Workers serialize results themselves (pyoxigraph, in Rust) and send bytes; the
row limit is applied without touching rows in Python. SPARQL JSON is written in
one pass, up to a size bound, and its rows counted at C speed
(:func:`json_rows`); otherwise results are written as TSV (one line per row)
through a writer that counts newlines and stops the evaluation once it has one
row too many, and the kept lines are parsed and written in the negotiated
format, still in pyoxigraph. With no row limit, results stream straight from
pyoxigraph to the client.

The same job code answers the bounded queries the server runs itself
(:func:`run_inline`), and serves in a thread over an in-memory store
(:func:`thread_worker`, for tests and embedding).

Run as ``python -m endpoint.worker --fd N`` (by the pool).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

from .escaping import CsvFromTsv, XmlFixed, tsv_to_csv, xml_fix
from .heap import give_back
from .wire import ABORT, ANSWER, END, FRAME, KINDS, STREAM, TRUNCATED, Result


class _Enough(Exception):
    """Raised by :class:`_LineCounter` to stop a serialization that has one line too many."""


class _LineCounter:
    """A binary output that keeps what pyoxigraph writes and stops it after ``limit`` lines."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.lines = 0
        self.full = False

    def write(self, b: bytes) -> int:
        self.chunks.append(bytes(b))
        self.lines += b.count(b"\n")
        if self.lines > self.limit:
            self.full = True
            raise _Enough()
        return len(b)

    def flush(self) -> None:
        pass

    def first_lines(self, n: int) -> bytes:
        data = b"".join(self.chunks)
        pos = -1
        for _ in range(n):
            pos = data.find(b"\n", pos + 1)
            if pos < 0:
                return data
        return data[:pos + 1]


WRITER_WAIT = 20.0  # seconds a writer waits for a `patrimoine` command writing the store (under STARTUP_TIMEOUT)
JSON_BYTES_PER_ROW = 256  # written straight as SPARQL JSON up to max_rows times this; larger goes the TSV way


class _Capped:
    """A binary output that keeps what pyoxigraph writes and stops it past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, b: bytes) -> int:
        data = bytes(b)
        self.chunks.append(data)
        self.size += len(data)
        if self.size > self.limit:
            raise _Enough()
        return len(b)

    def flush(self) -> None:
        pass


def json_rows(body: bytes) -> int | None:
    """The number of rows of SPARQL JSON results as pyoxigraph writes them (compact); None if unsure.

    Outside strings, a row is an object opening right after ``[`` or ``,``
    (terms open after ``:``). Strings are dropped by splitting at the quotes,
    which holds while no string has an escaped quote; with one, None.
    """
    if b'\\"' in body:
        return None
    parts = body.split(b'"')
    del parts[1::2]
    outside = b"".join(parts)
    return outside.count(b"[{") + outside.count(b",{")


_JSON_TERM = b'{"type":"'  # opens every term; never inside a string (its quotes would be escaped)


def _json_within(results: Any, max_rows: int, bound: int = 0) -> tuple[bytes, int] | None:
    """SPARQL JSON of ``results`` and its row count, if it has at most ``max_rows`` rows.

    Written by pyoxigraph in one pass and counted at C speed: cheaper than the
    TSV detour that finds the rows of any answer. ``bound``: the number of
    variables every row binds, when known (resource lookups): the rows are then
    the terms divided by it, unless triple terms nest terms. None when the
    answer is too large or its rows cannot be counted so: the caller then takes
    the exact way.
    """
    import pyoxigraph as ox

    out = _Capped(max_rows * JSON_BYTES_PER_ROW)
    try:
        results.serialize(out, ox.QueryResultsFormat.JSON)
    except _Enough:
        return None
    body = b"".join(out.chunks)
    terms = body.count(_JSON_TERM) if bound > 0 and b'"type":"triple"' not in body else -1
    rows = terms // bound if terms >= 0 and terms % bound == 0 else json_rows(body)
    if rows is None or rows > max_rows:
        return None
    return body, rows


class _Connection:
    """The worker's end of the socket: blocking length-prefixed frames."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def recv_exact(self, n: int) -> bytes | None:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self.sock.recv_into(view[got:])
            if k == 0:
                return None
            got += k
        return bytes(buf)

    def recv_frame(self) -> bytes | None:
        head = self.recv_exact(4)
        if head is None:
            return None
        (n,) = FRAME.unpack(head)
        return self.recv_exact(n) if n else b""

    def send_header(self, header: dict) -> None:
        """A JSON frame (start-up handshake)."""
        data = json.dumps(header).encode()
        self.sock.sendall(FRAME.pack(len(data)) + data)

    def answer(self, status: int, kind: str | None = None, body: bytes = b"", rows: int | None = None,
               truncated: bool = False, stream: bool = False, error: str | None = None) -> None:
        """A job's answer: the fixed binary :data:`ANSWER` header, the body, the error message."""
        flags = (STREAM if stream else 0) | (TRUNCATED if truncated else 0) | KINDS.get(kind, 0)
        err = error.encode("utf-8", "replace") if error else b""
        head = ANSWER.pack(status, flags, -1 if rows is None else rows, len(body), len(err))
        if len(body) < 65536:
            self.sock.sendall(head + body + err)
        else:
            self.sock.sendall(head)
            self.sock.sendall(body)
            self.sock.sendall(err)


class _FrameWriter:
    """A binary output that sends each chunk pyoxigraph writes as one frame."""

    def __init__(self, conn: _Connection) -> None:
        self.sock = conn.sock

    def write(self, b: bytes) -> int:
        if b:
            self.sock.sendall(FRAME.pack(len(b)) + bytes(b))
        return len(b)

    def flush(self) -> None:
        pass


def serve(conn: "_Connection", kg: Any) -> None:
    """The worker loop: one job at a time until the server closes the socket."""
    import pyoxigraph as ox

    from graph.namespaces import PREFIXES

    formats = Formats(ox, PREFIXES)
    try:
        while True:
            raw = conn.recv_frame()
            if raw is None:
                return
            job = json.loads(raw)
            payload = conn.recv_frame() if job.get("payload") else None
            if kg.refresh():  # another process published a generation (a load): answer from it
                give_back()  # what the old handle held (endpoint/heap.py); no query of this worker is on it
            _run_job(kg, job, payload, conn, formats)
    except (BrokenPipeError, ConnectionResetError, OSError):
        return
    finally:
        with contextlib.suppress(OSError):
            conn.sock.close()


def _opening(conn: "_Connection") -> dict | None:
    """Say the worker is warm, then wait for the order to open the store."""
    conn.send_header({"warm": True})
    raw = conn.recv_frame()
    return json.loads(raw) if raw else None


def thread_worker(sock: socket.socket, kg: Any) -> None:
    """A worker thread over an in-memory store (tests, embedding): same protocol, cannot be killed."""
    conn = _Connection(sock)
    with contextlib.suppress(OSError):
        if _opening(conn) is None:
            return
        conn.send_header({"ready": True})
        serve(conn, kg)


class Formats:
    def __init__(self, ox: Any, prefixes: dict[str, str]) -> None:
        self.ox = ox
        self.prefixes = prefixes
        q, r = ox.QueryResultsFormat, ox.RdfFormat
        self.results = {"json": q.JSON, "xml": q.XML, "csv": q.CSV, "tsv": q.TSV}
        self.graphs = {"turtle": r.TURTLE, "ntriples": r.N_TRIPLES, "rdfxml": r.RDF_XML, "jsonld": r.JSON_LD,
                       "trig": r.TRIG, "nquads": r.N_QUADS}

    def serialize_triples(self, ntriples: bytes, name: str) -> bytes:
        ox = self.ox
        if name == "ntriples":
            return ntriples
        prefixes = self.prefixes if name in ("turtle", "trig") else None
        body = ox.serialize(ox.parse(ntriples, ox.RdfFormat.N_TRIPLES), format=self.graphs[name], prefixes=prefixes)
        return xml_fix(body) if name == "rdfxml" else body

    def serialize_rows(self, tsv: bytes, name: str) -> bytes:
        """Results written as TSV (a header line, a line per row), in the format ``name``."""
        if name == "tsv":
            return tsv
        if name == "csv":
            return tsv_to_csv(tsv, self.ox)
        body = self.ox.parse_query_results(tsv, self.ox.QueryResultsFormat.TSV).serialize(format=self.results[name])
        return xml_fix(body) if name == "xml" else body

    def write(self, results: Any, name: str, out: Any) -> None:
        """Stream query results (solutions or triples) in the format ``name`` to ``out``."""
        if name == "csv":
            csv_out = CsvFromTsv(out, self.ox)
            results.serialize(csv_out, self.results["tsv"])
            csv_out.flush()
            return
        target = self.graphs[name] if isinstance(results, self.ox.QueryTriples) else self.results[name]
        results.serialize(XmlFixed(out) if name in ("xml", "rdfxml") else out, target)


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _run_job(kg: Any, job: dict, payload: bytes | None, conn: _Connection, formats: Formats) -> None:
    op = job["op"]
    try:
        if op == "query":
            _query(kg, job, conn, formats)
        elif op == "graph_get":
            _graph_get(kg, job, conn, formats)
        elif op == "update":
            kg.store.update(job["update"], base_iri=job.get("base_iri"))
            kg.commit()
            conn.answer(204)
        elif op == "graph_write":
            _graph_write(kg, job, payload, conn, formats)
        else:
            conn.answer(500, error=f"unknown job {op!r}")
    except SyntaxError as e:
        conn.answer(400, error=f"SPARQL syntax error: {_first_line(e)}")
    except (BrokenPipeError, ConnectionResetError):
        raise
    except Exception as e:  # evaluation errors surface from pyoxigraph as several types
        status = 500 if isinstance(e, OSError) and not isinstance(e, ConnectionError) else 400
        conn.answer(status, error=f"query failed: {_first_line(e)}")


def _query(kg: Any, job: dict, conn: _Connection, formats: Formats) -> None:
    ox = formats.ox

    def evaluate() -> Any:
        if job.get("own_dataset"):
            return kg.store.query(job["query"], base_iri=job.get("base_iri"))
        return kg.query(job["query"], default_graph=job.get("default_graph"),
                        named_graphs=job.get("named_graphs"), dataset_clause=False, base_iri=job.get("base_iri"))

    results = evaluate()
    if isinstance(results, ox.QuerySolutions):
        kind, name, line_format, header_lines = "results", job.get("results_format"), \
            ox.QueryResultsFormat.TSV, 1
    elif isinstance(results, ox.QueryTriples):
        kind, name, line_format, header_lines = "graph", job.get("graph_format"), ox.RdfFormat.N_TRIPLES, 0
    else:  # ASK
        name = job.get("results_format")
        if name is None:
            conn.answer(406, kind="results")
            return
        body = results.serialize(format=formats.results[name])
        conn.answer(200, kind="results", rows=1, body=xml_fix(body) if name == "xml" else body)
        return
    if name is None:
        conn.answer(406, kind=kind)
        return
    max_rows = job.get("max_rows", 0)
    if not max_rows:
        conn.answer(200, kind=kind, stream=True)
        _stream(conn, lambda out: formats.write(results, name, out))
        return
    if kind == "results" and name == "json":
        written = _json_within(results, max_rows, job.get("bound", 0))
        if written is not None:
            conn.answer(200, kind=kind, rows=written[1], body=written[0])
            return
        results = evaluate()  # over the limit, or unsure: the exact way below
    counter = _LineCounter(max_rows + header_lines)
    try:
        results.serialize(counter, line_format)
    except _Enough:
        pass
    kept = counter.first_lines(max_rows + header_lines) if counter.full else b"".join(counter.chunks)
    rows = min(counter.lines, max_rows + header_lines) - header_lines
    if kind == "results":
        body = formats.serialize_rows(kept, name)
        if counter.full and name == "json":
            body = body[:-1] + b',"truncated":true,"maxRows":%d}' % max_rows
    else:
        body = formats.serialize_triples(kept, name)
    conn.answer(200, kind=kind, rows=rows, truncated=counter.full, body=body)


def _stream(conn: _Connection, write: Callable[[Any], None]) -> None:
    try:
        write(_FrameWriter(conn))
    except (BrokenPipeError, ConnectionResetError):
        raise
    except Exception as e:
        data = json.dumps({"error": f"query failed: {_first_line(e)}"}).encode()
        conn.sock.sendall(FRAME.pack(ABORT) + FRAME.pack(len(data)) + data)
        return
    conn.sock.sendall(FRAME.pack(END))


def _graph_get(kg: Any, job: dict, conn: _Connection, formats: Formats) -> None:
    ox = formats.ox
    graph = ox.NamedNode(job["graph"]) if job.get("graph") else ox.DefaultGraph()
    if job.get("graph") and not kg.store.contains_named_graph(graph):
        conn.answer(404, error=f"no graph <{job['graph']}> in the store")
        return
    name = job["format"]
    prefixes = formats.prefixes if name == "turtle" else None
    conn.answer(200, kind="graph", stream=True)
    _stream(conn, lambda out: kg.store.dump(XmlFixed(out) if name == "rdfxml" else out, formats.graphs[name],
                                            from_graph=graph, prefixes=prefixes))


def _graph_write(kg: Any, job: dict, payload: bytes | None, conn: _Connection, formats: Formats) -> None:
    """Graph Store Protocol PUT/POST/DELETE, each as one SPARQL update (one transaction).

    ``job["parts"]``: (format, size) of each RDF document in ``payload``, one
    after the other (several for a multipart POST: they are merged).
    """
    ox = formats.ox
    graph = job.get("graph")
    existed = kg.store.contains_named_graph(ox.NamedNode(graph)) if graph else True
    method = job["method"]
    if method == "DELETE":
        if not existed:
            conn.answer(404, error=f"no graph <{graph}> in the store")
            return
        kg.store.update(f"DROP GRAPH <{graph}>" if graph else "CLEAR DEFAULT")
        kg.commit()
        conn.answer(204)
        return
    documents, start = [], 0
    try:
        for i, (name, size) in enumerate(job["parts"], 1):
            data = (payload or b"")[start:start + size]
            start += size
            documents.append(ox.serialize(ox.parse(data, formats.graphs[name], base_iri=graph or None),
                                          format=ox.RdfFormat.N_TRIPLES).decode())
    except (SyntaxError, ValueError) as e:
        where = f" (part {i})" if len(job["parts"]) > 1 else ""
        conn.answer(400, error=f"the RDF data cannot be read{where}: {_first_line(e)}")
        return
    body = "".join(documents)
    parts = []
    if method == "PUT":
        parts.append(f"DROP SILENT GRAPH <{graph}>" if graph else "CLEAR DEFAULT")
    if graph and (method == "PUT" or not existed):
        parts.append(f"CREATE SILENT GRAPH <{graph}>")  # the graph exists, even empty
    if body:
        parts.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}" if graph else f"INSERT DATA {{\n{body}}}")
    if parts:
        kg.store.update(" ;\n".join(parts))
        kg.commit()
    conn.answer(204 if existed else 201)


class _Captured:
    """Stands for the worker's connection when a query runs in the server process: keeps the answer."""

    def __init__(self) -> None:
        self.result: Result | None = None

    def answer(self, status: int, kind: str | None = None, body: bytes = b"", rows: int | None = None,
               truncated: bool = False, stream: bool = False, error: str | None = None) -> None:
        if stream:
            raise RuntimeError("an inline query cannot stream")
        self.result = Result(status=status, kind=kind, body=body, truncated=truncated, rows=rows, error=error)


def run_inline(kg: Any, job: dict, formats: "Formats") -> Result:
    """Run a bounded query job in this process, with the same answers as a worker (never streamed)."""
    if not job.get("max_rows"):
        raise ValueError("inline queries need a row limit")
    captured = _Captured()
    _run_job(kg, job, None, captured, formats)  # type: ignore[arg-type]
    assert captured.result is not None
    return captured.result


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker if the server dies, so no runaway query outlives it."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="patrimoine-kg query worker (started by the server)")
    parser.add_argument("--fd", type=int, required=True, help="the socket to the server")
    parser.add_argument("--nice", type=int, default=0, help="niceness to add (queries yield the CPU to the server)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which then stops us
    _die_with_parent()
    if args.nice:
        os.nice(args.nice)
    import pyoxigraph  # noqa: F401  (imported before saying "warm")

    from graph.store import KnowledgeGraph

    conn = _Connection(socket.socket(fileno=args.fd))
    order = _opening(conn)
    if order is None:
        return
    if order.get("memory_mb"):
        # heap and anonymous mappings only (RLIMIT_DATA): RocksDB's file mappings do not count
        limit = order["memory_mb"] * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    try:
        # a writer waits for a `patrimoine` command writing the same store (the server's timeout stops it)
        kg = KnowledgeGraph(order["store"], order["base_iri"], read_only=not order["write"],
                            wait=WRITER_WAIT if order["write"] else 0.0)
    except Exception as e:
        conn.send_header({"ready": False, "error": _first_line(e)})
        sys.exit(1)
    conn.send_header({"ready": True, "pid": os.getpid()})
    serve(conn, kg)
    if order["write"]:
        kg.close()


if __name__ == "__main__":
    main()
