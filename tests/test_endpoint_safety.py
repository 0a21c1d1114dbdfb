"""The endpoint's limits against a real server: time limit that stops the work, SERVICE/LOAD refusal,
writes only with the token, query size, concurrency and rate limits."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from endpoint.security import apply_forwarded, client_address
from endpoint.settings import EndpointSettings, parse_networks
from graph.store import KnowledgeGraph
from server import copy_store, live_server, sample_store, start_server, wait_for  # noqa: F401  (fixtures)

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # (triples)^3 rows to count
TOKEN = "t0k3n-for-tests-9f2b"
TEST_GRAPH = "http://example.org/test-graph"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def metric(server, name: str) -> float:
    for line in requests.get(server.url + "/metrics", timeout=10).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise KeyError(name)


def ask(server, query: str) -> bool:
    r = requests.get(server.sparql, params={"query": query}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it gets (standing in for a remote endpoint)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


# -- the time limit really stops the work ----------------------------------------------------

# The worker pool, the concurrency bound and the rate limit belong to each server process:
# these tests watch one process's.
ONE_PROCESS = ("--http-workers", "1")


def test_runaway_query_is_killed_at_the_limit_and_the_server_stays_responsive(sample_store):
    with start_server(sample_store, *ONE_PROCESS, "--query-timeout", "2", "--workers", "2", "--rate-limit", "0") as server:
        workers = server.worker_pids()
        assert len(workers) == 2
        answer: dict = {}

        def runaway() -> None:
            started = time.monotonic()
            answer["response"] = requests.get(server.sparql, params={"query": RUNAWAY}, timeout=60)
            answer["seconds"] = time.monotonic() - started

        before = {pid: cpu_seconds(pid) for pid in workers}
        thread = threading.Thread(target=runaway)
        sent = time.monotonic()
        thread.start()
        time.sleep(0.6)
        started = time.monotonic()
        assert requests.get(server.url + "/health", timeout=5).status_code == 200
        assert ask(server, "ASK { ?s ?p ?o }") is True  # the other worker answers meanwhile
        assert time.monotonic() - started < 1.0
        # a niced worker on a busy machine gets a small share of a CPU: its CPU time is counted from before
        # the query was sent, and watched until the time limit nears (the ASK costs the other worker far less)
        assert wait_for(lambda: max(cpu_seconds(pid) - before[pid] for pid in workers) > 0.05,
                        max(0.1, sent + 1.8 - time.monotonic())), "the runaway query runs in a worker process"
        burning = max(workers, key=lambda pid: cpu_seconds(pid) - before[pid])
        thread.join(30)

        r = answer["response"]
        assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1
        assert "limit of 2 s" in r.text
        assert 1.9 <= answer["seconds"] < 6
        assert wait_for(lambda: not alive(burning)), "the overrunning worker is killed"
        assert wait_for(lambda: len(server.worker_pids()) == 2), "and replaced"
        assert burning not in server.worker_pids()
        now = {pid: cpu_seconds(pid) for pid in server.worker_pids()}
        time.sleep(0.5)
        assert sum(cpu_seconds(pid) - t for pid, t in now.items()) < 0.2, "no worker burns CPU any more"
        assert ask(server, "ASK { ?s ?p ?o }") is True
        assert metric(server, "patrimoine_query_timeouts_total") == 1


def test_a_client_that_goes_away_stops_its_query(sample_store):
    with start_server(sample_store, *ONE_PROCESS, "--workers", "1", "--rate-limit", "0") as server:
        [worker] = server.worker_pids()
        conn = socket.create_connection(("127.0.0.1", server.port))
        path = "/sparql?query=" + requests.utils.quote(RUNAWAY)
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        time.sleep(1.0)
        before = cpu_seconds(worker)
        time.sleep(0.2)
        assert cpu_seconds(worker) > before, "the query is running"
        conn.close()
        assert wait_for(lambda: not alive(worker), 3), "its worker is killed once the client is gone"
        assert wait_for(lambda: len(server.worker_pids()) == 1)
        assert ask(server, "ASK { ?s ?p ?o }") is True
        assert metric(server, "patrimoine_query_disconnects_total") == 1


def test_a_query_over_the_memory_limit_stops_its_worker(sample_store):
    hungry = "SELECT * WHERE { ?a ?p ?o . ?b ?q ?r } ORDER BY ?o ?r"  # sorts (triples)^2 rows in memory
    with start_server(sample_store, *ONE_PROCESS, "--worker-memory", "250", "--workers", "1", "--rate-limit", "0") as server:
        [worker] = server.worker_pids()
        r = requests.get(server.sparql, params={"query": hungry}, timeout=60)
        assert r.status_code == 503 and "memory limit of 250 MiB" in r.text
        assert wait_for(lambda: not alive(worker))
        assert wait_for(lambda: len(server.worker_pids()) == 1)
        assert ask(server, "ASK { ?s ?p ?o }") is True
        assert metric(server, "patrimoine_query_memory_aborts_total") == 1


def own_memory_mb(pid: int) -> float:
    resident, shared = (int(n) for n in Path(f"/proc/{pid}/statm").read_text().split()[1:3])
    return (resident - shared) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_a_worker_that_keeps_more_memory_than_the_recycling_limit_is_replaced(sample_store):
    with start_server(sample_store, *ONE_PROCESS, "--workers", "1", "--worker-recycle-memory", "1",
                      "--rate-limit", "0") as server:
        [worker] = server.worker_pids()
        assert own_memory_mb(worker) > 1  # so that it is over the limit once it has answered
        assert ask(server, "ASK { ?s ?p ?o }") is True
        assert wait_for(lambda: not alive(worker)), "replaced after its query"
        assert wait_for(lambda: len(server.worker_pids()) == 1)
        assert ask(server, "ASK { ?s ?p ?o }") is True
        assert metric(server, "patrimoine_workers_recycled_total") == 2
        assert metric(server, "patrimoine_worker_crashes_total") == 0


def test_a_worker_within_the_recycling_limit_is_kept(live_server):
    recycled = metric(live_server, "patrimoine_workers_recycled_total")
    workers = set(live_server.worker_pids())
    for _ in range(3):
        assert ask(live_server, "ASK { ?s ?p ?o }") is True
    assert set(live_server.worker_pids()) == workers
    assert metric(live_server, "patrimoine_workers_recycled_total") == recycled


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_query_workers_run_at_a_lower_cpu_priority_than_the_server(sample_store, live_server):
    server_nice = niceness(live_server.proc.pid)
    assert {niceness(pid) for pid in live_server.worker_pids()} == {min(server_nice + 10, 19)}
    assert {niceness(pid) for pid in live_server.server_pids()} == {server_nice}
    with start_server(sample_store, *ONE_PROCESS, "--workers", "1", "--worker-nice", "0") as server:
        assert {niceness(pid) for pid in server.worker_pids()} == {server_nice}


def test_health_stays_ok_while_a_dead_worker_is_being_replaced(sample_store):
    """A monitor must not take the server out of service because a query killed its worker: the pool is
    replacing it (after a pause when workers keep dying: test_attacks)."""
    with start_server(sample_store, *ONE_PROCESS, "--workers", "1", "--rate-limit", "0") as server:
        seen = []
        for _ in range(6):  # the replacement pause doubles with each death: the gap is soon wide enough
            assert wait_for(lambda: len(server.worker_pids()) == 1, 15)
            thread = threading.Thread(target=lambda: requests.get(server.sparql, params={"query": RUNAWAY}, timeout=30))
            thread.start()
            assert wait_for(lambda: metric(server, "patrimoine_query_workers_busy") == 1)
            [worker] = server.worker_pids()
            os.kill(worker, 11)  # SIGSEGV: what a query that overflows the parser's stack does
            thread.join(10)
            r = requests.get(server.url + "/health", timeout=5)
            seen.append((r.status_code, r.json()))
            if r.json()["workers"] == 0:
                break
        assert seen[-1][1]["workers"] == 0, f"never saw the worker missing: {seen}"
        assert [status for status, _ in seen] == [200] * len(seen) and seen[-1][1]["status"] == "ok", seen
        assert wait_for(lambda: len(server.worker_pids()) == 1, 15)
        assert ask(server, "ASK { ?s ?p ?o }") is True


def test_concurrency_bound_answers_503_with_retry_after(sample_store):
    with start_server(sample_store, *ONE_PROCESS, "--workers", "1", "--max-concurrent-queries", "1", "--query-timeout", "4",
                      "--rate-limit", "0") as server:
        thread = threading.Thread(
            target=lambda: requests.get(server.sparql, params={"query": RUNAWAY}, timeout=60))
        thread.start()
        time.sleep(0.5)
        started = time.monotonic()
        r = requests.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        assert time.monotonic() - started < 1.0, "refused at once, not queued"
        assert requests.get(server.url + "/health", timeout=5).status_code == 200
        thread.join(30)
        assert ask(server, "ASK { ?s ?p ?o }") is True


def test_rate_limit_per_client(sample_store):
    with start_server(sample_store, *ONE_PROCESS, "--rate-limit", "60", "--rate-burst", "3") as server:
        statuses = [requests.get(server.sparql, params={"query": "ASK {}"}, timeout=10) for _ in range(4)]
        assert [r.status_code for r in statuses] == [200, 200, 200, 429]
        assert int(statuses[-1].headers["retry-after"]) >= 1
        assert requests.get(server.url + "/health", timeout=5).status_code == 200


def test_oversized_query_is_413(live_server):
    limit = 100_000
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * limit
    r = requests.post(live_server.sparql, data=big.encode(), headers={"Content-Type": "application/sparql-query"},
                      timeout=10)
    assert r.status_code == 413
    assert requests.post(live_server.sparql, data={"query": big}, timeout=10).status_code == 413
    fits = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 #" + "x" * (limit // 2)
    assert requests.post(live_server.sparql, data={"query": fits}, timeout=10).status_code == 200


# -- no call out of the store -------------------------------------------------------------------

REMOTE_QUERIES = [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "PREFIX r: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
    "BASE <http://127.0.0.1:{port}/> SELECT * WHERE {{ service silent <sparql> {{ ?s ?p ?o }} }}",
    r"SELECT * WHERE {{ SERVICE <http\u003A//127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?e {{ <http://127.0.0.1:{port}/> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?x ?y ?z FILTER EXISTS {{ SERVICE <http://localhost:{port}/> {{ ?x ?p ?o }} }} }} LIMIT 1",
    "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }} }} }}",
]


@pytest.mark.parametrize("template", REMOTE_QUERIES)
def test_service_to_an_outside_host_is_refused_and_never_called(live_server, listener, template):
    query = template.format(port=listener.port)
    for r in (requests.get(live_server.sparql, params={"query": query}, timeout=10),
              requests.post(live_server.sparql, data={"query": query}, timeout=10),
              requests.post(live_server.sparql, data=query.encode(),
                            headers={"Content-Type": "application/sparql-query"}, timeout=10)):
        assert r.status_code == 403, r.text
        assert "SERVICE" in r.text and "not allowed" in r.text
    time.sleep(0.2)
    assert listener.connections == 0


def test_the_word_service_in_strings_and_comments_is_no_call(live_server, listener):
    query = (f'SELECT * WHERE {{ ?s ?p ?o FILTER(?o = "SERVICE <http://127.0.0.1:{listener.port}/>") }}'
             f" # SERVICE <http://127.0.0.1:{listener.port}/>")
    r = requests.get(live_server.sparql, params={"query": query}, timeout=10)
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []
    assert listener.connections == 0


def test_allow_listed_service_host_is_called(sample_store, listener):
    """The control: without the refusal, Oxigraph does contact the listener (so the tests above can fail)."""
    with start_server(sample_store, "--allow-service", f"127.0.0.1:{listener.port}") as server:
        query = REMOTE_QUERIES[0].format(port=listener.port)
        r = requests.get(server.sparql, params={"query": query}, timeout=30)
        assert r.status_code != 403
        assert wait_for(lambda: listener.connections >= 1, 3)


# -- writes -----------------------------------------------------------------------------------------

INSERT = f'INSERT DATA {{ GRAPH <{TEST_GRAPH}> {{ <http://example.org/a> <http://example.org/p> "written" }} }}'
WRITTEN = f'ASK {{ GRAPH <{TEST_GRAPH}> {{ <http://example.org/a> <http://example.org/p> "written" }} }}'


def write_attempts(server, token: str | None) -> list[requests.Response]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return [
        requests.post(server.url + "/update", data=INSERT.encode(),
                      headers={**headers, "Content-Type": "application/sparql-update"}, timeout=30),
        requests.post(server.sparql, data={"update": INSERT}, headers=headers, timeout=30),
        requests.put(server.url + "/store", params={"graph": TEST_GRAPH}, data=b"<http://example.org/a> "
                     b'<http://example.org/p> "written" .', headers={**headers, "Content-Type": "text/turtle"},
                     timeout=30),
        requests.delete(server.url + "/store", params={"graph": TEST_GRAPH}, headers=headers, timeout=30),
    ]


def test_read_only_server_refuses_writes(live_server):
    count = len(KnowledgeGraph(live_server.store, read_only=True).store)
    for r in write_attempts(live_server, None):
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    for r in write_attempts(live_server, "anything"):
        assert r.status_code == 403
    assert ask(live_server, WRITTEN) is False
    assert len(KnowledgeGraph(live_server.store, read_only=True).store) == count


@pytest.fixture(scope="module")
def writable(sample_store, tmp_path_factory):
    store = copy_store(sample_store, tmp_path_factory.mktemp("writable") / "store")
    with start_server(store, "--query-timeout", "3", "--rate-limit", "0", env={"PATRIMOINE_TOKEN": TOKEN}) as server:
        yield server


def test_writes_without_or_with_a_wrong_token_change_nothing(writable):
    for token, status in ((None, 401), ("wrong-" + TOKEN, 403)):
        assert [r.status_code for r in write_attempts(writable, token)] == [status] * 4
    assert ask(writable, WRITTEN) is False


def test_update_with_the_token(writable):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = requests.post(writable.url + "/update", data=INSERT.encode(),
                      headers={**auth, "Content-Type": "application/sparql-update"}, timeout=30)
    assert r.status_code == 204, r.text
    assert ask(writable, WRITTEN) is True
    delete = INSERT.replace("INSERT DATA", "DELETE DATA")
    assert requests.post(writable.sparql, data={"update": delete}, headers=auth, timeout=30).status_code == 204
    assert ask(writable, WRITTEN) is False
    bad = requests.post(writable.url + "/update", data={"update": "INSERT DATA { <a> "}, headers=auth, timeout=30)
    assert bad.status_code == 400 and "syntax" in bad.text.lower()
    # malformed update requests (W3C SPARQL 1.1 Protocol tests bad_update_*)
    two = requests.post(writable.url + "/update", data=[("update", INSERT), ("update", INSERT)], headers=auth,
                        timeout=30)
    assert two.status_code == 400
    assert requests.post(writable.url + "/update", data=INSERT.encode(), timeout=30,
                         headers={**auth, "Content-Type": "text/plain"}).status_code == 415
    latin1 = INSERT.replace("written", "écrit").encode("latin-1")
    assert requests.post(writable.url + "/update", data=latin1, timeout=30,
                         headers={**auth, "Content-Type": "application/sparql-update"}).status_code == 400
    assert requests.get(writable.url + "/update", params={"update": INSERT}, headers=auth, timeout=30).status_code == 405
    assert ask(writable, WRITTEN) is False
    assert TOKEN not in writable.log_text()
    sd = requests.get(writable.sparql, headers={"Accept": "application/n-triples"}, timeout=10).text
    assert "SPARQL11Update" in sd


def test_update_dataset_parameters(writable):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    source = "http://example.org/source-graph"
    requests.post(writable.url + "/update", headers=auth, timeout=30, data={
        "update": f"INSERT DATA {{ GRAPH <{source}> {{ <http://example.org/s> <http://example.org/p> 1 }} }}"})
    copy = f'INSERT {{ GRAPH <{TEST_GRAPH}> {{ ?s <http://example.org/copied> ?o }} }} WHERE {{ ?s ?p ?o }}'
    r = requests.post(writable.url + "/update", headers=auth, timeout=30,
                      data={"update": copy, "using-graph-uri": source})
    assert r.status_code == 204
    assert ask(writable, f"ASK {{ GRAPH <{TEST_GRAPH}> {{ <http://example.org/s> <http://example.org/copied> 1 }} }}")
    n = requests.get(writable.sparql, params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{TEST_GRAPH}> "
                                                        "{ ?s <http://example.org/copied> ?o } }"}, timeout=10)
    assert n.json()["results"]["bindings"][0]["n"]["value"] == "1", "USING restricted the WHERE to one graph"
    conflict = requests.post(writable.url + "/update", headers=auth, timeout=30, data={
        "update": f"WITH <{source}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}", "using-graph-uri": source})
    assert conflict.status_code == 400
    requests.post(writable.url + "/update", headers=auth, timeout=30,
                  data={"update": f"DROP GRAPH <{source}> ; DROP SILENT GRAPH <{TEST_GRAPH}>"})


def test_graph_store_writes_with_the_token(writable):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    store = writable.url + "/store"
    ttl = b'@prefix ex: <http://example.org/> . ex:a ex:p "one" ; ex:q "two" .'
    r = requests.put(store, params={"graph": TEST_GRAPH}, data=ttl, headers={**auth, "Content-Type": "text/turtle"},
                     timeout=30)
    assert r.status_code == 201
    got = requests.get(store, params={"graph": TEST_GRAPH}, headers={"Accept": "application/n-triples"}, timeout=10)
    assert sorted(got.text.splitlines()) == sorted([
        '<http://example.org/a> <http://example.org/p> "one" .', '<http://example.org/a> <http://example.org/q> "two" .'])
    r = requests.put(store, params={"graph": TEST_GRAPH}, data=b'<http://example.org/b> <http://example.org/p> "3" .',
                     headers={**auth, "Content-Type": "application/n-triples"}, timeout=30)
    assert r.status_code == 204
    r = requests.post(store, params={"graph": TEST_GRAPH}, data=b'<http://example.org/c> <http://example.org/p> "4" .',
                      headers={**auth, "Content-Type": "application/n-triples"}, timeout=30)
    assert r.status_code == 204
    got = requests.get(store, params={"graph": TEST_GRAPH}, headers={"Accept": "application/n-triples"}, timeout=10)
    assert sorted(line.split()[0] for line in got.text.splitlines()) == ["<http://example.org/b>",
                                                                         "<http://example.org/c>"]
    bad = requests.post(store, params={"graph": TEST_GRAPH}, data=b"<http://example.org/c> <oops",
                        headers={**auth, "Content-Type": "text/turtle"}, timeout=30)
    assert bad.status_code == 400
    assert requests.delete(store, params={"graph": TEST_GRAPH}, headers=auth, timeout=30).status_code == 204
    assert requests.get(store, params={"graph": TEST_GRAPH}, timeout=10).status_code == 404
    assert requests.delete(store, params={"graph": TEST_GRAPH}, headers=auth, timeout=30).status_code == 404
    assert requests.put(store, params={"graph": TEST_GRAPH}, data=ttl, timeout=30,
                        headers={**auth, "Content-Type": "image/png"}).status_code == 415


def test_load_from_an_outside_host_is_refused(writable, listener):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = requests.post(writable.url + "/update", headers=auth, timeout=30,
                      data={"update": f"LOAD <http://127.0.0.1:{listener.port}/data.ttl> INTO GRAPH <{TEST_GRAPH}>"})
    assert r.status_code == 403 and "LOAD" in r.text
    time.sleep(0.2)
    assert listener.connections == 0


def test_runaway_update_is_stopped_and_writes_nothing(writable):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    update = (f"INSERT {{ GRAPH <{TEST_GRAPH}> {{ ?a <http://example.org/runaway> ?i }} }} "
              "WHERE { GRAPH ?x { ?a ?b ?c } GRAPH ?y { ?d ?e ?f } GRAPH ?z { ?g ?h ?i } }")  # updates: no union
    started = time.monotonic()
    r = requests.post(writable.url + "/update", data={"update": update}, headers=auth, timeout=60)
    assert r.status_code == 503 and "retry-after" in r.headers
    assert time.monotonic() - started < 10
    assert ask(writable, f"ASK {{ GRAPH <{TEST_GRAPH}> {{ ?a <http://example.org/runaway> ?i }} }}") is False


def test_uploads_never_fetch_remote_documents(writable, listener):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    context = f'{{"@context": "http://127.0.0.1:{listener.port}/context.jsonld", "@id": "http://example.org/a"}}'
    r = requests.put(writable.url + "/store", params={"graph": TEST_GRAPH}, data=context.encode(),
                     headers={**auth, "Content-Type": "application/ld+json"}, timeout=30)
    assert r.status_code == 400 and "remote context" in r.text
    time.sleep(0.2)
    assert listener.connections == 0
    assert requests.get(writable.url + "/store", params={"graph": TEST_GRAPH}, timeout=10).status_code == 404


def test_a_write_waits_for_the_servers_own_reads_of_the_store():
    """Pages, descriptions and dumps read the server's own store: a write must not run under them."""
    import asyncio

    from endpoint.pool import QueryPool

    kg = KnowledgeGraph()  # in memory: the pool's workers are threads over it
    pool = QueryPool(None, kg.minter.base, size=1, timeout=10, max_concurrent=4, kg=kg)
    update = {"op": "update", "update": "INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }"}

    async def scenario() -> None:
        await pool.start()
        try:
            async with pool.reading():
                write = asyncio.ensure_future(pool.write(update))
                await asyncio.sleep(0.3)
                assert not write.done(), "the write waits while the store is being read"
                assert len(kg.store) == 0
            assert (await asyncio.wait_for(write, 10)).status == 204
            async with pool.reading():  # and reads go on after it
                assert len(kg.store) == 1
        finally:
            await pool.close()

    asyncio.run(scenario())


# -- pure rules: the client behind a proxy, the pause before replacing a worker that died --------

LOOPBACK = parse_networks("127.0.0.1,::1")


@pytest.mark.parametrize("peer, forwarded, client", [
    ("127.0.0.1", ["198.51.100.7"], "198.51.100.7"),
    ("127.0.0.1", ["spoof, 198.51.100.7"], "198.51.100.7"),  # left of the proxy's entry: what the client wrote
    ("127.0.0.1", ["203.0.113.1, 198.51.100.7, 127.0.0.1"], "198.51.100.7"),  # two proxies, both trusted
    ("127.0.0.1", ["spoof, 127.0.0.1"], "127.0.0.1"),  # no address beyond the trusted ones: the last trusted
    ("127.0.0.1", ["198.51.100.7:5123"], "198.51.100.7"),
    ("127.0.0.1", ["[2001:db8::1]:443"], "2001:db8::1"),
    ("::1", ["2001:db8::1"], "2001:db8::1"),
    ("::ffff:127.0.0.1", ["198.51.100.7"], "198.51.100.7"),  # an IPv4 proxy on a dual-stack socket
    ("127.0.0.1", ["198.51.100.1", "198.51.100.7"], "198.51.100.7"),  # several headers make one list
    ("127.0.0.1", [""], "127.0.0.1"),
    ("192.0.2.9", ["198.51.100.7"], "192.0.2.9"),  # not a trusted proxy: its header is not believed
])
def test_the_client_behind_a_proxy_is_the_right_most_untrusted_address(peer, forwarded, client):
    scope = {"client": (peer, 4000), "scheme": "http",
             "headers": [(b"x-forwarded-for", v.encode()) for v in forwarded] + [(b"x-forwarded-proto", b"https")]}
    apply_forwarded(scope, LOOPBACK)
    assert client_address(scope) == client
    assert scope["scheme"] == ("https" if peer != "192.0.2.9" else "http")


def test_trusted_proxies_must_be_addresses():
    assert EndpointSettings.from_env({}, trusted_proxies="10.0.0.0/8, ::1").proxy_networks[0].num_addresses == 2**24
    with pytest.raises(ValueError, match="trusted_proxies"):
        EndpointSettings.from_env({}, trusted_proxies="proxy.example.org")


def test_workers_dying_in_a_row_are_replaced_after_a_pause_that_doubles():
    from endpoint.pool import RESPAWN_MAX, QueryPool

    pool = QueryPool(None, "http://x/", size=1, timeout=1, max_concurrent=1)
    assert [pool.respawn_pause(t) for t in (0, 1, 2, 3, 4)] == [0, 0.25, 0.5, 1.0, 2.0]
    assert max(pool.respawn_pause(5 + t) for t in range(10)) == RESPAWN_MAX
    assert pool.respawn_pause(1000) == 0, "a minute without deaths forgets them"
