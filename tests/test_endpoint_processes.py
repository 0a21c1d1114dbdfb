"""Several server processes on one port (``--http-workers``): all serve, their metrics add up, one that dies
is replaced, a stop stops them all; and writes keep to a single process."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import requests

from server import PATRIMOINE, sample_store, start_server, wait_for  # noqa: F401  (fixture)

LOOKUP = "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
RECORDS = "SELECT DISTINCT ?s WHERE { ?s a <http://www.cidoc-crm.org/cidoc-crm/E22_Human-Made_Object> } LIMIT 5"


def metrics(server) -> dict[str, float]:
    out = {}
    for line in requests.get(server.url + "/metrics", timeout=10).text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def sparql(server, query: str, session: requests.Session | None = None) -> requests.Response:
    r = (session or requests).get(server.sparql, params={"query": query}, timeout=30,
                                  headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return r


def test_processes_share_the_port_and_their_metrics_add_up(sample_store):
    with start_server(sample_store, "--http-workers", "2", "--workers", "2", "--rate-limit", "0") as server:
        assert len(server.server_pids()) == 2
        health = requests.get(server.url + "/health", timeout=5).json()
        assert health["processes"] == 2 and health["workers"] == 2  # one query worker each
        records = [b["s"]["value"] for b in sparql(server, RECORDS).json()["results"]["bindings"]]
        assert len(records) == 5
        # new connections each time: the kernel spreads them over both processes
        for i in range(40):
            sparql(server, LOOKUP.format(iri=records[i % 5]))
        for _ in range(4):
            sparql(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        # a fresh server: these are all the queries it answered (the first one found the records)
        expected = {'patrimoine_requests_total{endpoint="sparql",status="200"}': 45,
                    "patrimoine_queries_total": 45, "patrimoine_queries_inline_total": 40}

        def counted() -> dict[str, float]:
            now = metrics(server)
            return {name: now.get(name, 0) for name in expected}

        # each process publishes its figures about once a second: whichever answers, they add up
        assert wait_for(lambda: counted() == expected, 10), counted()
        assert metrics(server)["patrimoine_query_workers"] == 2


def test_a_server_process_that_dies_is_replaced(sample_store):
    with start_server(sample_store, "--http-workers", "2", "--workers", "2", "--rate-limit", "0") as server:
        victim = server.server_pids()[0]
        os.kill(victim, signal.SIGKILL)
        # connections that the kernel hands to the dead process's socket wait for its replacement
        for _ in range(6):
            assert sparql(server, "ASK { ?s ?p ?o }").json()["boolean"] is True
        assert wait_for(lambda: len(server.server_pids()) == 2 and victim not in server.server_pids())
        assert wait_for(lambda: requests.get(server.url + "/health", timeout=5).json()["processes"] == 2)
        assert "ended (signal SIGKILL); starting another" in server.log_text()


def test_stopping_the_server_stops_every_process(sample_store):
    with start_server(sample_store, "--http-workers", "2", "--workers", "2", "--rate-limit", "0") as server:
        tree = server.child_pids()
        assert len(tree) >= 4  # two server processes, their query workers (and spares)
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(20) == 0
        assert wait_for(lambda: not any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in tree))


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_writes_need_a_single_process(sample_store, tmp_path):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PATRIMOINE_")}, "PATRIMOINE_TOKEN": "s3cret"}
    r = subprocess.run([PATRIMOINE, "--store", str(sample_store), "serve", "--port", "0", "--http-workers", "2"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2
    assert "single server process" in r.stderr and "Traceback" not in r.stderr
    with start_server(sample_store, env={"PATRIMOINE_TOKEN": "s3cret"}) as server:  # the default: one process
        assert server.server_pids() == [server.proc.pid]
        assert requests.get(server.url + "/health", timeout=5).json()["processes"] == 1


def test_a_store_that_cannot_be_opened_stops_the_server_with_its_reason(tmp_path):
    damaged = tmp_path / "store"
    damaged.mkdir()
    (damaged / "CURRENT").write_text("not a RocksDB manifest name\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRIMOINE_")}
    for processes in ("1", "2"):
        started = time.monotonic()
        r = subprocess.run([PATRIMOINE, "--store", str(damaged), "serve", "--port", "0", "--http-workers", processes],
                           capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode == 2, r.stderr
        assert f"cannot open the store at {damaged}: Corruption" in r.stderr and "Traceback" not in r.stderr
        assert time.monotonic() - started < 20  # server processes that keep failing are not restarted forever
