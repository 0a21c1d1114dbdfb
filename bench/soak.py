"""Soak: the endpoint under a long mixed load, with a load of data in the middle.

    python bench/soak.py [--minutes 10] [--clients 16] [--records 20000] [--warm-up 300] [--work DIR]

A store of generated POP records (bench/popgen.py: Mérimée, Palissy and Joconde of all France) is
served by a real ``patrimoine serve`` on 127.0.0.1 (default settings but ``--rate-limit 0`` and a
10 s query time limit), and ``--clients`` concurrent clients on loopback send, for ``--minutes``:

* lookups: a record's triples through /sparql (answered by the server process), its page, its Turtle;
* heavy queries: the README's example queries, class counts, a text filter over every label;
* runaway queries: a three-way cross product, stopped at the time limit (503);
* malformed requests: bad syntax, a wrong content type, broken percent-encoding, unknown routes;
* malicious requests (tests/test_attacks.py, tests/test_endpoint_safety.py): SERVICE and LOAD to outside
  hosts, queries nested 10,000 deep, oversized queries and headers, updates without the token, path
  traversal, script IRIs, forged X-Forwarded-For, connections that send their headers too slowly.

Halfway, ``patrimoine load`` adds a new dataset to the same store while it is served (``--load-into
copy`` loads a copy of the store instead, for servers that cannot take live updates), and the clients
look for the new records until the server answers with them.

Every answer is checked against what its request should get. A request that needs a query worker
may also get one of the documented 503s instead: with Retry-After, a query stopped at the time limit
or refused for lack of a free worker; without, a query stopped at the worker memory limit (its
message says so). Any other 5xx is unexpected, and so is any /health answer but 200. A separate
process asks /health every 50 ms on its own connection and times it. The resident memory of every
process of the server (the server processes, the query workers: their own memory too, heap and
anonymous mappings, what --worker-memory and --worker-recycle-memory bound) and of the load is
sampled every 5 s, with the time the server processes waited for a CPU. Figures are printed per
minute and in total, then one verdict line per goal:

* no unexpected 5xx;
* memory bounded: every query worker within --worker-memory of its own, every worker back under
  --worker-recycle-memory at rest after the run, and no server process that grows from one generation
  to the next: its largest size after the load (once the new generation is open) at most 16 MB or 5 %
  above its largest size before it. A server process grows while its store handle warms (RocksDB's
  block caches and index blocks, up to caps: see endpoint/heap.py) and starts cold on each new
  generation: before the measured run, every record is read once (``--warm-up``, at most 300 s by
  default) so that "before" is a warm handle, as on a server that has run a while; the growth of the
  last 2 minutes is printed;
* /health p99 under 100 ms in every minute.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # ahead of bench/, whose endpoint.py is not the package
sys.path.append(str(ROOT / "bench"))

PATRIMOINE = str(Path(sys.executable).parent / "patrimoine")
BASE = "https://w3id.org/patrimoine-kg/"
QUERY_TIMEOUT = 10
LIVE_DATASET = "soak-live"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HEAVY = [
    "SELECT ?class (COUNT(*) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)",
    "SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), 'saint')) } LIMIT 200",
    "SELECT ?type (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o crm:P2_has_type ?type } GROUP BY ?type ORDER BY DESC(?n) LIMIT 50",
]
# (category, weight): what a client does, drawn at random for each request
MIX = [("lookup", 40), ("page", 12), ("heavy", 10), ("runaway", 2), ("malformed", 16), ("malicious", 16), ("slow", 1),
       ("live", 3)]
# A server process's store handle warms (RocksDB's block caches and index blocks fill as records are read,
# up to caps: endpoint/heap.py) and starts cold again on each new generation. It "keeps growing" when its
# largest size after the load (once the new generation is open) exceeds its largest size before it by more
# than GROWTH_MB or GROWTH_SHARE: each generation must cost no more than the one before, not a step each.
GROWTH_MB = 16.0
GROWTH_SHARE = 0.05
SWITCHED_AFTER = 10.0  # seconds after the load's end: FOLLOW_SECONDS + GIVE_BACK_AFTER, and some
SLOW_HOLD = 12.0  # a slow client holds its connection this long, past the server's 10 s header timeout


# -- what each request should get -----------------------------------------------------------------

@dataclass
class Outcome:
    category: str
    name: str
    status: int  # 0: no answer (connection error)
    seconds: float
    expected: bool
    note: str = ""
    at: float = 0.0  # time.time() when the answer came
    documented: bool = False  # not what was expected, but one of the documented 503s of a query


MEMORY_LIMIT_MESSAGE = "needed more than the memory limit"  # the 503 of a query stopped at --worker-memory


def _shed(r) -> bool:
    """The documented 503: a query stopped at the time limit, or refused for lack of a worker (Retry-After)."""
    return r.status_code == 503 and "retry-after" in {k.lower() for k in r.headers}


def documented_503(r) -> bool:
    """A documented 503 of a query: :func:`_shed`, or stopped at the worker memory limit (no Retry-After)."""
    return _shed(r) or (r.status_code == 503 and MEMORY_LIMIT_MESSAGE in r.text)


class Client:
    """One client: a session of its own, requests drawn from MIX."""

    def __init__(self, url: str, records: list[str], seed: int) -> None:
        import requests

        self.url = url
        self.records = records
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.last = None  # the last answer, to tell a documented 503 from an unexpected one
        self.http.hooks["response"].append(self._keep)
        self.prefixes = "".join(f"PREFIX {p}: <{u}>\n" for p, u in _prefixes().items())
        self.readme = _readme_queries()

    def sparql(self, query: str, method: str = "GET", **kw):
        if method == "GET":
            return self.http.get(self.url + "/sparql", params={"query": query}, timeout=60, **kw)
        return self.http.post(self.url + "/sparql", data={"query": query}, timeout=60, **kw)

    def _keep(self, r, *args, **kwargs):
        self.last = r
        return r

    def one(self, category: str) -> Outcome:
        started = time.monotonic()
        self.last = None
        try:
            name, status, expected, note = getattr(self, "do_" + category)()
        except Exception as e:  # noqa: BLE001 - a failed request is a figure, not a crash of the soak
            name, status, expected, note = category, 0, False, f"{type(e).__name__}: {str(e)[:160]}"
        documented = not expected and self.last is not None and status == self.last.status_code \
            and documented_503(self.last)
        if documented and not note:
            note = self.last.text[:160]
        return Outcome(category, name, status, time.monotonic() - started, expected, note, time.time(), documented)

    # lookups and pages
    def do_lookup(self):
        iri = self.rng.choice(self.records)
        r = self.sparql(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}",
                        headers={"Accept": "application/sparql-results+json"})
        ok = r.status_code == 200 and len(r.json()["results"]["bindings"]) > 0
        return "record triples", r.status_code, ok, "" if ok else r.text[:160]

    def do_page(self):
        iri = self.rng.choice(self.records)
        local = iri[len(BASE):]
        if self.rng.random() < 0.5:
            r = self.http.get(f"{self.url}/{local}", headers={"Accept": "text/html"}, timeout=60)
            return "record page", r.status_code, r.status_code == 200 and "<html" in r.text[:500].lower(), ""
        r = self.http.get(f"{self.url}/{local}", headers={"Accept": "text/turtle"}, timeout=60)
        return "record turtle", r.status_code, r.status_code == 200 and bool(r.text.strip()), ""

    # heavy and runaway
    def do_heavy(self):
        if self.rng.random() < 0.5:
            name, query = self.rng.choice(list(self.readme.items()))
        else:
            name, query = "heavy", self.rng.choice(HEAVY)
        r = self.sparql(self.prefixes + query, method="POST", headers={"Accept": "application/sparql-results+json"})
        return name, r.status_code, r.status_code == 200, "" if r.status_code == 200 else r.text[:160]

    def do_runaway(self):
        r = self.sparql(RUNAWAY, method="POST")
        return "runaway", r.status_code, False, r.text[:160]  # only ever stopped: a documented 503

    def do_live(self):
        """Whether the dataset loaded halfway is served yet (before the load: it must not be)."""
        r = self.sparql(f"ASK {{ GRAPH <{BASE}graph/{LIVE_DATASET}> {{ ?s ?p ?o }} }}",
                        headers={"Accept": "application/sparql-results+json"})
        if r.status_code != 200:
            return "live dataset visible?", r.status_code, False, r.text[:160]
        return "live dataset visible?", r.status_code, True, "yes" if r.json()["boolean"] else "no"

    # malformed
    def do_malformed(self):
        kind = self.rng.randrange(7)
        if kind == 0:
            r = self.sparql("SELECT * WHERE { ?s ?p }")
            return "syntax error", r.status_code, r.status_code == 400, ""
        if kind == 1:
            r = self.http.post(self.url + "/sparql", data="SELECT * WHERE { ?s ?p ?o }",
                               headers={"Content-Type": "text/csv"}, timeout=60)
            return "wrong content type", r.status_code, r.status_code in (400, 415), ""
        if kind == 2:
            r = self.http.get(self.url + "/sparql?query=%ZZ%E0%80", timeout=60)
            return "broken percent-encoding", r.status_code, r.status_code == 400, ""
        if kind == 3:
            r = self.http.get(self.url + "/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"},
                              timeout=60)
            return "bad default-graph-uri", r.status_code, r.status_code in (200, 400), ""
        if kind == 4:
            r = self.http.get(self.url + f"/no/such/route/{self.rng.randrange(10**6)}", timeout=60)
            return "unknown route", r.status_code, r.status_code == 404, ""
        if kind == 5:
            r = self.http.post(self.url + "/sparql", data=b"\xff\xfe\x00garbage", timeout=60,
                               headers={"Content-Type": "application/sparql-query"})
            return "binary body", r.status_code, r.status_code == 400, ""
        r = self.http.get(self.url + "/sparql", params={"query": "ASK {}"},
                          headers={"Accept": "application/x-no-such-format"}, timeout=60)
        return "unknown Accept", r.status_code, r.status_code in (200, 406), ""

    # malicious (the attacks of tests/test_attacks.py and tests/test_endpoint_safety.py)
    def do_malicious(self):
        kind = self.rng.randrange(10)
        if kind == 0:
            r = self.sparql("SELECT * WHERE { SERVICE <http://203.0.113.7/sparql> { ?s ?p ?o } }")
            return "SERVICE to an outside host", r.status_code, r.status_code == 403, ""
        if kind == 1:
            r = self.http.post(self.url + "/update", data={"update": "LOAD <http://203.0.113.7/x.ttl>"}, timeout=60)
            return "LOAD without the token", r.status_code, r.status_code in (401, 403), ""
        if kind == 2:
            deep = "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000
            r = self.sparql(deep, method="POST")
            return "nested 10,000 deep", r.status_code, r.status_code == 400, ""
        if kind == 3:
            r = self.sparql("#" + "x" * 120_000 + "\nASK {}", method="POST")
            return "oversized query", r.status_code, r.status_code == 413, ""
        if kind == 4:
            r = self.http.get(self.url + "/health", headers={f"X-Filler-{i}": "y" * 8000 for i in range(10)}, timeout=60)
            return "oversized headers", r.status_code, r.status_code == 431, ""
        if kind == 5:
            r = self.http.post(self.url + "/update", data={"update": f"DROP GRAPH <{BASE}graph/catalogue>"},
                               headers={"Authorization": "Bearer guessed"}, timeout=60)
            return "update with a wrong token", r.status_code, r.status_code in (401, 403), ""
        if kind == 6:
            r = self.http.get(self.url + "/dumps/..%2f..%2f..%2fetc%2fpasswd", timeout=60)
            return "path traversal", r.status_code, r.status_code in (400, 404), ""
        if kind == 7:
            r = self.sparql('SELECT ?x WHERE { BIND(IRI("javascript:alert(document.cookie)") AS ?x) }',
                            headers={"Accept": "text/html"})
            return "script IRI in results", r.status_code, r.status_code in (200, 406) and "<script" not in r.text, ""
        if kind == 8:
            forged = ", ".join(f"198.51.100.{self.rng.randrange(256)}" for _ in range(3))
            r = self.sparql("ASK { ?s ?p ?o }", headers={"X-Forwarded-For": forged})
            return "forged X-Forwarded-For", r.status_code, r.status_code == 200, ""
        r = self.http.put(self.url + "/store?graph=" + BASE + "graph/evil", data="<a:b> <a:c> <a:d> .",
                          headers={"Content-Type": "application/n-triples"}, timeout=60)
        return "Graph Store PUT without the token", r.status_code, r.status_code in (401, 403, 405), ""

    def do_slow(self):
        """Send half a request's headers and hold the connection: the server must close it at its header timeout."""
        host, port = self.url.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)), timeout=SLOW_HOLD + 5)
        try:
            sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            deadline = time.monotonic() + SLOW_HOLD
            closed = False
            sock.settimeout(0.5)
            while time.monotonic() < deadline and not closed:
                try:
                    closed = sock.recv(65536) == b""
                except TimeoutError:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    closed = True
        finally:
            sock.close()
        return "headers sent too slowly", 0, closed, "closed by the server" if closed else "still open after 12 s"


def _prefixes() -> dict[str, str]:
    from graph.namespaces import PREFIXES

    return PREFIXES


def _readme_queries() -> dict[str, str]:
    from scale import readme_queries

    return readme_queries()


def client_process(url: str, records: list[str], seed: int, threads: int, until: float, out: mp.Queue) -> None:
    """``threads`` clients in one process until ``until`` (time.time()); their outcomes go to ``out``."""
    categories = [c for c, _ in MIX]
    weights = [w for _, w in MIX]

    def run(n: int) -> None:
        client = Client(url, records, seed * 100 + n)
        batch: list[Outcome] = []
        while time.time() < until:
            batch.append(client.one(client.rng.choices(categories, weights)[0]))
            if len(batch) >= 20:
                out.put([(o.at, o.__dict__) for o in batch])
                batch = []
        out.put([(o.at, o.__dict__) for o in batch])

    workers = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def warm_up(url: str, records: list[str], seconds: float, threads: int = 4) -> int:
    """Read every record once (its triples, its page, its Turtle) before the measured run, for at most
    ``seconds``: the server processes' store handles then start the run warm, so that the memory verdict
    compares a handle at its caches' ceiling before the load with the new generation's after it, not a
    handle still filling its caches with one already full. Each thread opens a new connection every 100
    records, so that every server process gets its share. Returns the requests sent."""
    import requests

    until = time.time() + seconds
    todo = list(records)
    random.Random(7).shuffle(todo)
    chunks = [todo[i::threads] for i in range(threads)]
    sent = [0] * threads

    def run(n: int) -> None:
        http = None
        for i, iri in enumerate(chunks[n]):
            if time.time() >= until:
                return
            if i % 100 == 0:
                http = requests.Session()
            local = iri[len(BASE):]
            with contextlib.suppress(Exception):
                http.get(url + "/sparql", params={"query": f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=60)
                http.get(f"{url}/{local}", headers={"Accept": "text/html"}, timeout=60)
                http.get(f"{url}/{local}", headers={"Accept": "text/turtle"}, timeout=60)
                sent[n] += 3

    workers = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(sent)


def health_process(url: str, until: float, out: mp.Queue) -> None:
    """Ask /health every 50 ms on one keep-alive connection: (time, seconds, status) of each."""
    import requests

    http = requests.Session()
    samples = []
    while time.time() < until:
        started = time.monotonic()
        try:
            status = http.get(url + "/health", timeout=10).status_code
        except Exception:  # noqa: BLE001
            status = 0
        samples.append((time.time(), time.monotonic() - started, status))
        time.sleep(max(0.0, 0.05 - (time.monotonic() - started)))
    out.put(samples)


# -- memory ---------------------------------------------------------------------------------------

def memory_mb(pid: int) -> tuple[float, float] | None:
    """(resident memory, the part of it that is the process's own: heap and anonymous mappings), in MB."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if line.startswith(("VmRSS:", "RssAnon:")))
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["RssAnon"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        return None


def cpu_wait_s(pid: int) -> float | None:
    """Seconds the main thread of ``pid`` has spent runnable, waiting for a CPU (/proc/PID/schedstat)."""
    try:
        return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def role(pid: int, server_pid: int) -> str | None:
    """What ``pid`` is; None for a process being started (a server process forked, not yet a worker)."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
    if "endpoint.worker" in cmd:
        return "query worker"
    if " load " in cmd:
        return "patrimoine load"
    if pid == server_pid:
        return "server"
    return "server process" if parent == server_pid else None


@dataclass
class Memory:
    samples: dict[int, list[tuple[float, float, float]]] = field(default_factory=lambda: defaultdict(list))
    roles: dict[int, str] = field(default_factory=dict)
    waits: dict[int, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    at_rest: dict[int, tuple[float, float]] = field(default_factory=dict)  # query workers after the run

    def sample(self, server, extra: list[subprocess.Popen], start: float) -> None:
        pids = [server.proc.pid, *server.child_pids()] + [p.pid for p in extra if p.poll() is None]
        now = time.time() - start
        for pid in pids:
            who = self.roles.get(pid) or role(pid, server.proc.pid)
            mb = memory_mb(pid)
            if mb is None or who is None:
                continue
            self.roles[pid] = who
            self.samples[pid].append((now, *mb))
            wait = cpu_wait_s(pid) if who.startswith("server") else None
            if wait is not None:
                self.waits[pid].append((now, wait))


def sample_memory(server, extra: list[subprocess.Popen], memory: Memory, stop: threading.Event, start: float) -> None:
    while not stop.is_set():
        memory.sample(server, extra, start)
        stop.wait(5)


def at_rest(server, memory: Memory, settle: float = 30.0) -> None:
    """Once the queries still running after the clients stopped are done (or stopped), the own memory of
    every query worker: what an idle server keeps."""
    import requests

    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            h = requests.get(server.url + "/health", timeout=5).json()
            if h["busy"] == 0 and h["queries_in_flight"] == 0:
                break
        time.sleep(0.5)
    time.sleep(2.0)  # the figures of /health are published every second; replacements open the store
    for pid in server.worker_pids():
        mb = memory_mb(pid)
        if mb is not None:
            memory.at_rest[pid] = mb


def server_metrics(url: str) -> dict[str, float]:
    """The server's counters and gauges from /metrics (the lines without labels)."""
    import requests

    out: dict[str, float] = {}
    with contextlib.suppress(Exception):
        for line in requests.get(url + "/metrics", timeout=10).text.splitlines():
            name, _, value = line.partition(" ")
            if not line.startswith("#") and "{" not in name and value:
                out[name] = float(value)
    return out


# -- the load in the middle -----------------------------------------------------------------------

def live_load(store: Path, work: Path, records: int, into: str) -> tuple[subprocess.Popen, Path]:
    from popgen import generate

    paths = generate(work / "live", {"merimee": records}, seed=7)
    target = store
    if into == "copy":
        target = work / "store-copy"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(store, target)
    log = work / "live-load.log"
    proc = subprocess.Popen([PATRIMOINE, "--store", str(target), "load", "--region", "all", "--dataset", LIVE_DATASET,
                             str(paths["merimee"])], stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    return proc, log


# -- figures --------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


@dataclass
class Limits:
    """What the server was started with, that the memory verdict checks (MiB)."""
    worker_memory: int
    recycle_memory: int


def report(outcomes: list[tuple[float, dict]], health: list[tuple[float, float, int]], memory: Memory,
           start: float, minutes: float, load: dict, limits: Limits, metrics: dict[str, float]) -> dict:
    last_minute = max(0, int(minutes - 1e-9 - 1e-3))  # answers that came after the end count in the last minute

    def minute_of(t: float) -> int:
        return min(int(t // 60), last_minute)

    say("\n== requests ==")
    by_cat: dict[str, Counter] = defaultdict(Counter)
    unexpected: list[tuple[float, dict]] = []
    documented: dict[str, Counter] = defaultdict(Counter)
    times: dict[str, list[float]] = defaultdict(list)
    for t, o in outcomes:
        by_cat[o["category"]][o["status"]] += 1
        times[o["category"]].append(o["seconds"])
        if o.get("documented"):
            kind = "memory limit" if MEMORY_LIMIT_MESSAGE in o["note"] else "time limit" if "limit of" in o["note"] \
                else "no free worker" if "busy" in o["note"] else "Retry-After"
            documented[o["category"]][kind] += 1
        elif not o["expected"]:
            unexpected.append((t, o))
    total = sum(sum(c.values()) for c in by_cat.values())
    for cat, counts in sorted(by_cat.items()):
        statuses = ", ".join(f"{s or 'no answer'}: {n:,}" for s, n in sorted(counts.items()))
        say(f"  {cat:<10} {sum(counts.values()):>7,}  p50 {percentile(times[cat], 50) * 1000:7.0f} ms"
            f"  p99 {percentile(times[cat], 99) * 1000:7.0f} ms   {statuses}")
    five = [(t, o) for t, o in unexpected if o["status"] >= 500]
    health_bad = [(t, status) for t, _, status in health if status != 200]
    shed = sum(sum(c.values()) for c in documented.values())
    say(f"  {total:,} requests ({total / (minutes * 60):,.0f}/s); {shed:,} documented 503s: "
        + ("; ".join(f"{cat} " + ", ".join(f"{n} {k}" for k, n in c.most_common()) for cat, c in sorted(documented.items()))
           or "none"))
    say(f"  {len(unexpected):,} answers other than expected, of which {len(five):,} unexpected 5xx;"
        f" {len(health_bad):,} /health answers other than 200")
    for title, rows in (("unexpected 5xx", five), ("other unexpected answers", [u for u in unexpected if u not in five])):
        if rows:
            say(f"  {title} (first {min(len(rows), 10)}):")
        for t, o in rows[:10]:
            say(f"    at {(t - start) / 60:4.1f} min  {o['category']}/{o['name']}: {o['status'] or 'no answer'}"
                f" {o['note'][:120]!r}")
    if health_bad:
        say("  /health answers other than 200: " + ", ".join(f"{(t - start) / 60:.1f} min {s or 'no answer'}"
                                                              for t, s in health_bad[:10]))

    say("\n== /health, asked every 50 ms (goal: p99 under 100 ms throughout) ==")
    per_minute: dict[int, list[float]] = defaultdict(list)
    for t, seconds, status in health:
        per_minute[minute_of(t - start)].append(seconds)
    waits = _cpu_waits(memory, minute_of)
    worst = 0.0
    for minute, values in sorted(per_minute.items()):
        p99 = percentile(values, 99) * 1000
        worst = max(worst, p99)
        mark = "  <- load running" if load.get("minutes") and load["minutes"][0] <= minute <= load["minutes"][1] else ""
        wait = f"  server waited for a CPU {waits[minute]:4.0f} ms/s" if minute in waits else ""
        say(f"  minute {minute + 1:>2}: {len(values):>5} asks  p50 {percentile(values, 50) * 1000:6.1f} ms"
            f"  p99 {p99:6.1f} ms  max {max(values) * 1000:7.1f} ms{wait}{mark}")
    all_health = [s for _, s, _ in health]
    say(f"  all: p50 {percentile(all_health, 50) * 1000:.1f} ms, p99 {percentile(all_health, 99) * 1000:.1f} ms,"
        f" worst minute's p99 {worst:.1f} ms (\"server waited for a CPU\": the time the busiest server process was"
        " runnable but not running, per second)")

    say("\n== resident memory (MB), sampled every 5 s: max of each minute ==")
    columns = range(last_minute + 1)
    say("  " + f"{'process':<22}" + "".join(f"{m + 1:>6}" for m in columns) + "   first→last")
    growth: dict[int, tuple[str, float, float, float, float]] = {}
    workers_max: dict[int, float] = {}
    workers_own: dict[int, float] = {}
    workers_alive: dict[int, set[int]] = defaultdict(set)
    totals: dict[int, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for pid, samples in sorted(memory.samples.items(), key=lambda kv: (memory.roles[kv[0]], kv[1][0][0])):
        cells: dict[int, float] = {}
        for t, mb, own in samples:
            cells[minute_of(t)] = max(cells.get(minute_of(t), 0), mb)
            if memory.roles[pid] != "patrimoine load":
                totals[minute_of(t)][t] += mb
        growth[pid] = (memory.roles[pid], samples[0][1], samples[-1][1], max(mb for _, mb, _ in samples),
                       max(own for _, _, own in samples))
        if memory.roles[pid] == "query worker":
            for t, mb, own in samples:
                workers_own[minute_of(t)] = max(workers_own.get(minute_of(t), 0), own)
            for m, mb in cells.items():
                workers_max[m] = max(workers_max.get(m, 0), mb)
                workers_alive[m].add(pid)
            continue
        line = "".join(f"{cells[m]:6.0f}" if m in cells else "      " for m in columns)
        say(f"  {memory.roles[pid][:15]:<15} {pid:>6}{line}   {samples[0][1]:.0f}→{samples[-1][1]:.0f}")
    say(f"  {'query workers, max':<22}" + "".join(f"{workers_max.get(m, 0):6.0f}" for m in columns))
    say(f"  {'  of it their own':<22}" + "".join(f"{workers_own.get(m, 0):6.0f}" for m in columns))
    say(f"  {'query workers seen':<22}" + "".join(f"{len(workers_alive.get(m, ())):6d}" for m in columns))
    say(f"  {'server, all processes':<22}" + "".join(f"{max(totals[m].values(), default=0):6.0f}" for m in columns))
    workers = [g for g in growth.values() if g[0] == "query worker"]
    servers = {pid: g for pid, g in growth.items() if g[0].startswith("server")}
    say(f"  {len(workers)} query worker processes over the run; the server started "
        f"{metrics.get('patrimoine_workers_started_total', 0):.0f}, replacing those stopped at the time limit "
        f"({metrics.get('patrimoine_query_timeouts_total', 0):.0f}) or the memory limit "
        f"({metrics.get('patrimoine_query_memory_aborts_total', 0):.0f}), those that kept more than "
        f"{limits.recycle_memory} MiB after a query ({metrics.get('patrimoine_workers_recycled_total', 0):.0f}), "
        f"those whose client went away ({metrics.get('patrimoine_query_disconnects_total', 0):.0f}) and those that "
        f"died ({metrics.get('patrimoine_worker_crashes_total', 0) - metrics.get('patrimoine_query_memory_aborts_total', 0):.0f})")
    say(f"  largest server process {max((g[3] for g in servers.values()), default=0):.0f} MB,"
        f" largest query worker {max((g[3] for g in workers), default=0):.0f} MB"
        f" ({max((g[4] for g in workers), default=0):.0f} MB of its own; limit {limits.worker_memory} MiB)")
    rest = memory.at_rest
    say("  query workers at rest after the run, own memory (MB): "
        + (", ".join(f"{own:.0f}" for _, own in sorted(rest.values())) or "none seen"))

    # -- verdicts --------------------------------------------------------------------------------
    # after the load: once the server has opened the new generation and given the old one back (app.py)
    split = load["ended_min"] * 60 + SWITCHED_AFTER if "ended_min" in load else minutes * 30  # no load: halves
    end = minutes * 60
    grew: dict[int, float] = {}
    rate: dict[int, float] = {}  # MB a minute over the run's last 2 minutes (the new handle still warming)
    for pid in servers:
        before = [mb for t, mb, _ in memory.samples[pid] if t < split]
        after = [mb for t, mb, _ in memory.samples[pid] if t >= split]
        tail = [(t, mb) for t, mb, _ in memory.samples[pid] if t >= end - 120]
        if before and after:
            grew[pid] = max(after) - max(before)
        if len(tail) > 1 and tail[-1][0] > tail[0][0]:
            rate[pid] = (tail[-1][1] - tail[0][1]) / (tail[-1][0] - tail[0][0]) * 60
    keeps_growing = {pid: g for pid, g in grew.items() if g > max(GROWTH_MB, GROWTH_SHARE * servers[pid][3])}
    worker_own_max = max((g[4] for g in workers), default=0)
    rest_over = [own for _, own in rest.values() if own > limits.recycle_memory]
    memory_ok = worker_own_max <= limits.worker_memory * 1.048576 and not rest_over and not keeps_growing
    health_ok = worst < 100 and bool(per_minute) and len(per_minute) >= int(minutes)
    five_ok = not five and not health_bad
    say("\n== verdicts ==")
    say(f"  no unexpected 5xx: {'met' if five_ok else 'NOT met'} ({len(five)} unexpected 5xx, {len(health_bad)} /health"
        f" answers other than 200; {shed} documented 503s)")
    say(f"  memory of every process bounded: {'met' if memory_ok else 'NOT met'} (query workers at most"
        f" {worker_own_max:.0f} MB of their own, limit {limits.worker_memory} MiB; at rest"
        f" {'all' if not rest_over else f'{len(rest_over)} not'} under {limits.recycle_memory} MiB; server processes' largest size"
        f" after the load minus before it {', '.join(f'{g:+.0f}' for g in grew.values()) or '?'} MB (bounded: under"
        f" {GROWTH_MB:g} MB or {GROWTH_SHARE:.0%} of its size)" + (f", {len(keeps_growing)} over" if keeps_growing else "")
        + f"; over the last 2 minutes {', '.join(f'{r:+.1f}' for r in rate.values()) or '?'} MB a minute)")
    say(f"  /health p99 under 100 ms every minute: {'met' if health_ok else 'NOT met'} (worst minute {worst:.1f} ms)")
    return {"requests": total, "unexpected": len(unexpected), "unexpected_5xx": len(five),
            "documented_503": {c: dict(n) for c, n in documented.items()}, "health_not_200": len(health_bad),
            "health_p99_ms": percentile(all_health, 99) * 1000, "health_worst_minute_p99_ms": worst,
            "health_per_minute": {m + 1: {"p50": percentile(v, 50) * 1000, "p99": percentile(v, 99) * 1000,
                                          "max": max(v) * 1000} for m, v in sorted(per_minute.items())},
            "load": load, "metrics": metrics,
            "verdicts": {"no_unexpected_5xx": five_ok, "memory_bounded": memory_ok, "health_p99": health_ok},
            "memory": {str(pid): {"role": g[0], "first": g[1], "last": g[2], "max": g[3], "own_max": g[4],
                                  "samples": [(round(t, 1), round(mb, 1)) for t, mb, _ in memory.samples[pid]]}
                       for pid, g in growth.items()}}


def _cpu_waits(memory: Memory, minute_of) -> dict[int, float]:
    """Per minute: the most milliseconds per second any server process spent waiting for a CPU."""
    out: dict[int, float] = {}
    for samples in memory.waits.values():
        for (t0, w0), (t1, w1) in zip(samples, samples[1:]):
            if t1 > t0:
                m = minute_of(t1)
                out[m] = max(out.get(m, 0.0), (w1 - w0) / (t1 - t0) * 1000)
    return out


def say(text: str) -> None:
    print(text, flush=True)


# -- main -----------------------------------------------------------------------------------------

def build_store(work: Path, records: int) -> tuple[Path, list[str]]:
    from popgen import generate, national_counts

    store = work / "store"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    paths = generate(work / "input", national_counts(records))
    started = time.monotonic()
    subprocess.run([PATRIMOINE, "--store", str(store), "load", "--region", "all", *map(str, paths.values())],
                   check=True, capture_output=True)
    say(f"store: {records:,} generated records loaded in {time.monotonic() - started:.0f} s")
    from graph.store import KnowledgeGraph

    kg = KnowledgeGraph(store, read_only=True)  # the store's current generation
    refs = [r["o"].value for r in kg.query("SELECT DISTINCT ?o WHERE { ?o <http://rdfs.org/ns/void#inDataset> ?d }")]
    kg.close()
    shutil.rmtree(work / "input", ignore_errors=True)
    return store, refs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--records", type=int, default=20_000, help="records of the served store")
    ap.add_argument("--live-records", type=int, default=5_000, help="records of the dataset loaded halfway")
    ap.add_argument("--load-into", choices=("same", "copy"), default="same",
                    help="load halfway into the served store (live update) or into a copy of it")
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "soak")
    ap.add_argument("--warm-up", type=float, default=300.0,
                    help="seconds at most spent reading every record once before the measured run (0: none)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    a = ap.parse_args()
    from server import start_server

    say(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the start")
    store, records = build_store(a.work, a.records)
    with start_server(store, "--rate-limit", "0", "--query-timeout", str(QUERY_TIMEOUT)) as server:
        say(f"serving {server.url} ({len(server.server_pids())} server processes, {len(server.worker_pids())} query"
            f" workers); {a.clients} clients for {a.minutes:g} minutes")
        if a.warm_up > 0:
            sizes = lambda: ", ".join(f"{(memory_mb(p) or (0, 0))[0]:.0f}" for p in server.server_pids())  # noqa: E731
            before, started = sizes(), time.monotonic()
            sent = warm_up(server.url, records, a.warm_up)
            say(f"warm-up: {sent:,} requests reading every record in {time.monotonic() - started:.0f} s"
                f" (at most {a.warm_up:g} s); server processes {before} → {sizes()} MB")
        start = time.time()
        until = start + a.minutes * 60
        queue: mp.Queue = mp.Queue()
        processes = max(1, min(4, a.clients))
        per = [a.clients // processes + (i < a.clients % processes) for i in range(processes)]
        clients = [mp.Process(target=client_process, args=(server.url, records, i + 1, n, until, queue))
                   for i, n in enumerate(per)]
        prober = mp.Process(target=health_process, args=(server.url, until, queue))
        for p in [prober, *clients]:
            p.start()
        memory, stop, extra = Memory(), threading.Event(), []
        sampler = threading.Thread(target=sample_memory, args=(server, extra, memory, stop, start), daemon=True)
        sampler.start()
        outcomes: list[tuple[float, dict]] = []
        health: list[tuple[float, float, int]] = []
        load: dict = {"into": a.load_into}
        load_proc = load_log = None
        load_started = start + a.minutes * 30
        while any(p.is_alive() for p in clients) or not queue.empty():
            with contextlib.suppress(Exception):
                item = queue.get(timeout=1)
                if item and len(item[0]) == 3:
                    health.extend(item)
                else:
                    outcomes.extend(item)
            now = time.time()
            if load_proc is None and now >= load_started:
                say(f"{(now - start) / 60:.1f} min: patrimoine load of {a.live_records:,} records into"
                    f" {'the served store' if a.load_into == 'same' else 'a copy of the store'}")
                load_proc, load_log = live_load(store, a.work, a.live_records, a.load_into)
                extra.append(load_proc)
                load["started_min"] = (now - start) / 60
            if load_proc is not None and "ended_min" not in load and load_proc.poll() is not None:
                load["ended_min"] = (now - start) / 60
                load["returncode"] = load_proc.returncode
                say(f"{load['ended_min']:.1f} min: load ended (exit status {load_proc.returncode}) after"
                    f" {(load['ended_min'] - load['started_min']) * 60:.0f} s")
        prober.join()
        while not queue.empty():
            item = queue.get()
            (health if item and len(item[0]) == 3 else outcomes).extend(item)
        stop.set()
        sampler.join()
        at_rest(server, memory)
        metrics = server_metrics(server.url)
        if load_proc is not None and load_proc.poll() is None:
            load_proc.wait()
            load.setdefault("ended_min", (time.time() - start) / 60)
        visible = [t for t, o in outcomes if o["name"] == "live dataset visible?" and o["note"] == "yes"]
        if "ended_min" in load:
            load["minutes"] = (int(load["started_min"]), int(load["ended_min"]))
            load["visible_after_s"] = (min(visible) - start) - load["ended_min"] * 60 if visible else None
            before = [o for t, o in outcomes if o["name"] == "live dataset visible?" and o["note"] == "yes"
                      and (t - start) / 60 < load["started_min"]]
            # the end of the load is noticed within a second of it (the loop above)
            say(f"load: {load['started_min']:.1f} → {load['ended_min']:.1f} min, exit status {load.get('returncode')};"
                + ((f" its records served {load['visible_after_s']:.1f} s after it ended" if load["visible_after_s"] > 1
                    else " its records served within a second of its end") if visible
                   else " its records were not served before the end of the run")
                + (f"; {len(before)} answers saw them before the load (wrong)" if before else ""))
            if load_log is not None and load.get("returncode"):
                say("  " + load_log.read_text(errors="replace")[-500:])
    from endpoint.settings import EndpointSettings

    defaults = EndpointSettings()  # start_server passes on no PATRIMOINE_* variable
    figures = report(outcomes, health, memory, start, a.minutes, load,
                     Limits(defaults.worker_memory, defaults.worker_recycle_memory), metrics)
    say(f"load average {os.getloadavg()[0]:.1f} at the end")
    if a.json:
        a.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
