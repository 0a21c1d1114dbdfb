"""Endpoint benchmark: our `patrimoine serve` against `oxigraph serve-read-only` and rdflib-endpoint.

    python bench/endpoint.py [--records 1300] [--seconds 6] [--rounds 3] [--connections 8] [--store DIR] [--keep]

Generates Mérimée records in the open-data export shape (bench/load.py's
generator), loads them with the real pipeline into an on-disk store (about
100k triples by default), then serves that same store in turn with:

* our endpoint (`patrimoine serve`, default settings except `--rate-limit 0`:
  the load comes from one address, which the rate limit would otherwise stop);
* `oxigraph serve-read-only --union-default-graph` on the same store directory
  (PyPI package `oxigraph`; skipped, and said so, when not installed);
* `rdflib-endpoint serve` over an N-Triples dump of the same triples (PyPI
  package `rdflib-endpoint`; same remark).

For each of three queries (a lookup of one record's triples, a GROUP BY over
all types, a case-insensitive text filter over all labels), a client on
127.0.0.1 keeps `--connections` keep-alive HTTP/1.1 connections busy for
`--seconds` (bounded in time and count) and prints requests/s, p50/p99
latency and the server's CPU time per request (its process and its children,
from /proc), side by side, and the ratios against the goals (>= 0.5x oxigraph
on the lookup, >= 0.9x on GROUP BY and text, >= 10x rdflib-endpoint).
Our server and oxigraph take turns in `--rounds` short runs, so that a busy
spell of a shared machine hits both alike; rdflib-endpoint runs alone after
them (it keeps working on queries its client gave up on). CPU per request is
the steadier figure when other programs use the machine. The client is a
minimal asyncio HTTP/1.1 client so that it costs little CPU; it still shares
the cores with the server under test, as every server does. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from graph.generations import current_generation, generation_dir  # noqa: E402
from graph.store import KnowledgeGraph  # noqa: E402  (the store's generations: read through it)

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
QUERIES = {
    "lookup": "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}",
    "group by": "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)",
    "text": f'SELECT ?s ?label WHERE {{ ?s <{RDFS_LABEL}> ?label FILTER(CONTAINS(LCASE(STR(?label)), "chapelle")) }}',
}
GOALS = {"lookup": 0.5, "group by": 0.9, "text": 0.9}


@dataclass
class Figures:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


# ---------------------------------------------------------------- the client

async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; (status, connection kept alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip().lower()
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        await reader.read()
        return status, False
    return status, headers.get("connection") != "close"


async def _connection(port: int, requests: list[bytes], stop_at: float, budget: list[int], figures: Figures,
                      timeout: float) -> None:
    reader = writer = None
    i = random.randrange(len(requests))
    while time.perf_counter() < stop_at and budget[0] > 0:
        budget[0] -= 1
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.perf_counter()
        try:
            writer.write(requests[i % len(requests)])
            status, alive = await asyncio.wait_for(_read_response(reader), timeout)
        except (asyncio.TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            figures.errors += 1
            writer.close()
            writer = None
            continue
        i += 1
        if status == 200:
            figures.requests += 1
            figures.latencies.append(time.perf_counter() - started)
        else:
            figures.errors += 1
        if not alive:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _load(port: int, requests: list[bytes], connections: int, seconds: float, max_requests: int,
                timeout: float) -> Figures:
    figures = Figures(0, 0, 0.0, [])
    started = time.perf_counter()
    budget = [max_requests]
    await asyncio.gather(*(_connection(port, requests, started + seconds, budget, figures, timeout)
                           for _ in range(connections)))
    figures.seconds = time.perf_counter() - started
    return figures


def http_get(path: str, query: str, accept: str = "application/sparql-results+json", host: str = "127.0.0.1",
             port: int = 0) -> bytes:
    return (f"GET {path}?query={quote(query)} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: {accept}\r\n"
            "User-Agent: patrimoine-bench\r\n\r\n").encode()


# ---------------------------------------------------------------- the servers

@dataclass
class Server:
    name: str
    command: list[str]
    path: str
    port: int
    env: dict[str, str] | None = None
    proc: subprocess.Popen | None = None

    def start(self, log: Path, wait: float = 300.0) -> None:
        self.proc = subprocess.Popen(self.command, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                                     env=self.env, start_new_session=True)
        deadline = time.time() + wait
        url = f"http://127.0.0.1:{self.port}{self.path}?query={quote('ASK { ?s ?p ?o }')}"
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {log.read_text(errors='replace')[-800:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {wait:.0f} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def cpu_seconds(self) -> float:
        """User+system CPU time of the server and its children (query workers), from /proc."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in _process_tree(self.proc.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
            except (OSError, IndexError):
                pass
        return total


def _process_tree(pid: int) -> list[int]:
    pids = [pid]
    for p in pids:
        try:
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        pids.extend(int(c) for c in children)
    return pids


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- the data

def build_store(work: Path, records: int, existing: Path | None = None) -> tuple[Path, Path, int, list[str]]:
    """The store loaded by the real pipeline, an N-Triples dump of it, its triple count and record IRIs."""
    import pyoxigraph as ox

    from bench.load import generate

    if existing is not None:
        store = existing
    else:
        csv_path = work / "merimee.csv"
        generate(csv_path, records)
        store = work / "store"
        subprocess.run([str(BIN / "patrimoine"), "--store", str(store), "load", "--region", "all",
                        "--dataset", "bench", str(csv_path)], check=True, stdout=subprocess.DEVNULL)
    s = KnowledgeGraph(store, read_only=True).store
    triples = len(s)
    iris = [row["s"].value for row in s.query(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://w3id.org/patrimoine-kg/pop/'))"
        " FILTER(!CONTAINS(STR(?s), '#')) }", use_default_graph_as_union=True)]
    dump = work / "dump.nt"
    s.dump(str(dump), ox.RdfFormat.N_QUADS)
    # one graph: rdflib-endpoint's default graph is then the union, as on the two other servers
    text = dump.read_text(encoding="utf-8")
    dump.write_text(re.sub(r" <[^>]*> \.\n", " .\n", text), encoding="utf-8")
    del s
    return store, dump, triples, iris


def database(store: Path) -> Path:
    """The Oxigraph database ``oxigraph serve`` opens: the current generation's (or the store itself, if made
    before generations)."""
    n = current_generation(store)
    return generation_dir(store, n) / "db" if n is not None else store


def servers(store: Path, dump: Path, work: Path) -> list[Server]:
    out = []
    port = free_port()
    env = {**os.environ, "PATRIMOINE_TOKEN": ""}
    out.append(Server("patrimoine", [str(BIN / "patrimoine"), "--store", str(store), "serve", "--port", str(port),
                                     "--rate-limit", "0", "--query-log", str(work / "query.log")],
                      "/sparql", port, env))
    oxigraph = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if oxigraph:
        port = free_port()
        out.append(Server("oxigraph", [oxigraph, "serve-read-only", "--location", str(database(store)), "--bind",
                                       f"127.0.0.1:{port}", "--union-default-graph"], "/query", port))
    else:
        print("oxigraph serve: not installed (pip install oxigraph into the venv to compare)")
    rdflib_endpoint = shutil.which("rdflib-endpoint", path=str(BIN)) or shutil.which("rdflib-endpoint")
    if rdflib_endpoint:
        port = free_port()
        out.append(Server("rdflib-endpoint", [rdflib_endpoint, "serve", "--host", "127.0.0.1", "--port", str(port),
                                              str(dump)], "/", port))
    else:
        print("rdflib-endpoint: not installed (pip install rdflib-endpoint into the venv to compare)")
    return out


# ---------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1300, help="generated records (1300 give about 100k triples)")
    ap.add_argument("--seconds", type=float, default=6.0, help="load time per server and query")
    ap.add_argument("--rounds", type=int, default=3,
                    help="patrimoine and oxigraph take turns this many times per query (fairer on a busy machine)")
    ap.add_argument("--connections", type=int, default=8, help="concurrent client connections")
    ap.add_argument("--max-requests", type=int, default=200_000, help="most requests per server and query")
    ap.add_argument("--only", action="append", help="benchmark only this server (repeatable)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--store", type=Path, help="serve this existing store instead of generating one")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="patrimoine-endpoint-bench-"))
    try:
        store, dump, triples, iris = build_store(work, a.records, a.store)
        print(f"store: {triples:,} triples ({'given' if a.store else f'from {a.records:,} generated records'}); {a.connections} connections, "
              f"{a.seconds:g} s per server and query, client on 127.0.0.1, {os.cpu_count()} CPUs shared by client "
              f"and servers (and whatever else runs on this machine); our HTTP stack: {_http_stack()}")
        texts = {kind: ([template.format(iri=i) for i in random.Random(1).sample(iris, min(500, len(iris)))]
                        if "{iri}" in template else [template]) for kind, template in QUERIES.items()}
        chosen = [s for s in servers(store, dump, work) if not a.only or s.name in a.only]
        fast = [s for s in chosen if s.name != "rdflib-endpoint"]
        slow = [s for s in chosen if s.name == "rdflib-endpoint"]
        results: dict[str, dict[str, Figures]] = {s.name: {} for s in chosen}
        cpu: dict[str, dict[str, float]] = {s.name: {} for s in chosen}
        try:
            for server in fast:
                started = time.perf_counter()
                server.start(work / f"{server.name}.log")
                print(f"{server.name}: ready in {time.perf_counter() - started:.1f} s")
            # the fast servers take turns, so that a busy spell of the machine hits both alike
            for kind in QUERIES:
                for rnd in range(a.rounds):
                    for server in fast:
                        measure(server, kind, texts[kind], a, a.seconds / a.rounds, results, cpu, warm=rnd == 0)
        finally:
            for server in fast:
                server.stop()
        for server in slow:  # alone: a slow server still works on queries its client gave up on
            started = time.perf_counter()
            try:
                server.start(work / f"{server.name}.log")
                print(f"{server.name}: ready in {time.perf_counter() - started:.1f} s")
                for kind in QUERIES:
                    measure(server, kind, texts[kind], a, a.seconds, results, cpu, warm=False)
            except RuntimeError as e:
                print(f"{server.name}: {e}")
            finally:
                server.stop()
        report(results, cpu)
        print()
        print("for reference, pyoxigraph alone in this process (no HTTP), CPU per query and JSON serialization: "
              + ", ".join(f"{kind} {ms:.2f} ms" for kind, ms in in_process(store, texts).items()))
    finally:
        if a.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def in_process(store: Path, texts: dict[str, list[str]], n: int = 30) -> dict[str, float]:
    import pyoxigraph as ox

    s = KnowledgeGraph(store, read_only=True).store
    out = {}
    for kind, queries in texts.items():
        started = time.process_time()
        for i in range(n):
            s.query(queries[i % len(queries)], use_default_graph_as_union=True).serialize(
                format=ox.QueryResultsFormat.JSON)
        out[kind] = (time.process_time() - started) / n * 1000
    return out


def _http_stack() -> str:
    import importlib.util

    has = [m for m in ("httptools", "uvloop") if importlib.util.find_spec(m)]
    return "uvicorn with " + (" and ".join(has) if has else "h11 and asyncio (pure Python; uvicorn[standard] "
                                                           "would add httptools and uvloop)")


def measure(server: Server, kind: str, texts: list[str], a: argparse.Namespace, seconds: float,
            results: dict[str, dict[str, Figures]], cpu: dict[str, dict[str, float]], warm: bool) -> None:
    requests = [http_get(server.path, t, port=server.port) for t in texts]
    if warm:
        asyncio.run(_load(server.port, requests, a.connections, min(1.0, seconds), 2000, 120))
    before = server.cpu_seconds()
    f = asyncio.run(_load(server.port, requests, a.connections, seconds, a.max_requests, max(60.0, seconds * 4)))
    used = server.cpu_seconds() - before
    total = results[server.name].setdefault(kind, Figures(0, 0, 0.0, []))
    total.requests += f.requests
    total.errors += f.errors
    total.seconds += f.seconds
    total.latencies += f.latencies
    cpu[server.name][kind] = cpu[server.name].get(kind, 0.0) + used
    print(f"  {server.name:16} {kind:9} {f.rps:9.1f} req/s over {f.seconds:4.1f} s, {f.errors} errors", flush=True)


def report(results: dict[str, dict[str, Figures]], cpu: dict[str, dict[str, float]]) -> None:
    names = [n for n in results if results[n]]
    print()
    print(f"{'server':16}{'query':10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'server CPU/request':>20}")
    for n in names:
        for kind in QUERIES:
            f = results[n].get(kind)
            if f is None:
                continue
            per = f"{cpu[n][kind] / f.requests * 1000:.2f} ms" if f.requests else "-"
            print(f"{n:16}{kind:10}{f.rps:10.1f}{f.percentile(50) * 1000:10.2f}{f.percentile(99) * 1000:10.2f}"
                  f"{f.errors:8}{per:>20}")
    ours = results.get("patrimoine")
    if not ours:
        return
    print()
    for kind in QUERIES:
        line = f"{kind:10}"
        if results.get("oxigraph"):
            r = ours[kind].rps / max(results["oxigraph"][kind].rps, 1e-9)
            line += f"  patrimoine/oxigraph {r:5.2f}x (goal >= {GOALS[kind]}x: {'met' if r >= GOALS[kind] else 'NOT met'})"
        if results.get("rdflib-endpoint"):
            rd = results["rdflib-endpoint"][kind]
            if rd.requests:
                r = ours[kind].rps / rd.rps
                line += f"  patrimoine/rdflib-endpoint {r:7.1f}x (goal >= 10x: {'met' if r >= 10 else 'NOT met'})"
            else:
                line += (f"  rdflib-endpoint answered none in {rd.seconds:.0f} s "
                         f"(ratio >= {ours[kind].rps * rd.seconds:.0f}x)")
        print(line)


if __name__ == "__main__":
    main()
