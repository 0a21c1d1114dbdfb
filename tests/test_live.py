"""Live updates (issue 11, item 3): while `patrimoine serve` runs, `patrimoine load`, `drop` and `link` on the
same store work, and the server answers from the new data within a few seconds, without a restart and
without one failed request, under load.

Real processes: the server (its query workers and the HTTP process's own store), the CLI writing the store,
clients sending queries and page requests from threads all along.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import requests

from server import PATRIMOINE, SAMPLES, load_store, start_server, wait_for

MERIMEE = SAMPLES / "constructed-hdf-merimee-opendata.csv"
PALISSY = SAMPLES / "constructed-hdf-palissy-opendata.csv"
BASE = "https://w3id.org/patrimoine-kg/"
SWITCH_SECONDS = 5.0  # the server answers from new data within this


def patrimoine(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PATRIMOINE, "--store", str(store), *args], capture_output=True, text=True, timeout=120)


def datasets(url: str) -> dict[str, int]:
    """The datasets the server answers from, with their triple count as the catalogue says and as counted:
    both from one answer, so a mix of two versions of the store would show as a difference."""
    q = f"""SELECT ?name ?said (COUNT(?s) AS ?counted) WHERE {{
      GRAPH <{BASE}graph/catalogue> {{ ?d <{BASE}ontology#datasetName> ?name ; <{BASE}ontology#graph> ?g ;
                                         <http://rdfs.org/ns/void#triples> ?said }}
      OPTIONAL {{ GRAPH ?g {{ ?s ?p ?o }} }} }} GROUP BY ?name ?said"""
    r = requests.post(url + "/sparql", data={"query": q}, headers={"Accept": "application/sparql-results+json"},
                      timeout=30)
    r.raise_for_status()
    out = {}
    for b in r.json()["results"]["bindings"]:
        said, counted = int(b["said"]["value"]), int(b["counted"]["value"])
        assert said == counted, f"dataset {b['name']['value']}: the catalogue says {said} triples, the graph has {counted}"
        out[b["name"]["value"]] = counted
    return out


class Clients:
    """Threads sending queries and page requests until stopped; every answer that is not 200 is kept."""

    def __init__(self, url: str, threads: int = 4) -> None:
        self.url = url
        self.failures: list[str] = []
        self.answers = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _run(self, i: int) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            try:
                if i % 2:
                    datasets(self.url)
                else:
                    r = session.get(self.url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                                    headers={"Accept": "text/csv"}, timeout=30)
                    if r.status_code != 200:
                        self.failures.append(f"{r.status_code} {r.text[:200]}")
                    r = session.get(self.url + "/dumps/", headers={"Accept": "text/html"}, timeout=30)
                    if r.status_code != 200:
                        self.failures.append(f"/dumps/ {r.status_code} {r.text[:200]}")
                self.answers += 1
            except Exception as e:  # a refused connection, a reset, a wrong count: all failures
                self.failures.append(f"{type(e).__name__}: {e}")

    def __enter__(self) -> "Clients":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)


def test_load_reload_and_drop_while_the_server_runs_are_answered_within_seconds_without_a_failed_request(
        tmp_path: Path):
    store = load_store(tmp_path / "store", [MERIMEE])
    with start_server(store, "--rate-limit", "0") as server, Clients(server.url) as clients:
        first = datasets(server.url)
        assert list(first) == ["constructed-hdf-merimee-opendata"]

        done = patrimoine(store, "load", "--region", "all", str(PALISSY))
        assert done.returncode == 0, done.stderr
        assert wait_for(lambda: "constructed-hdf-palissy-opendata" in datasets(server.url), SWITCH_SECONDS), \
            "the server did not answer from the new dataset"

        changed = tmp_path / "v2" / MERIMEE.name
        changed.parent.mkdir()
        text = MERIMEE.read_text(encoding="utf-8")
        changed.write_text(text.replace("Vieille Bourse", "Vieille Bourse de Lille"), encoding="utf-8")
        done = patrimoine(store, "load", "--region", "all", str(changed))
        assert done.returncode == 0, done.stderr
        ask = {"query": 'ASK { ?s ?p ?o FILTER(CONTAINS(STR(?o), "Vieille Bourse de Lille")) }'}
        assert wait_for(lambda: requests.get(server.url + "/sparql", params=ask, timeout=30,
                                             headers={"Accept": "application/sparql-results+json"}).json()["boolean"],
                        SWITCH_SECONDS), "the server did not answer from the reloaded dataset"

        done = patrimoine(store, "drop", "constructed-hdf-palissy-opendata")
        assert done.returncode == 0, done.stderr
        assert wait_for(lambda: "constructed-hdf-palissy-opendata" not in datasets(server.url), SWITCH_SECONDS)
        time.sleep(0.5)  # requests keep going on the last version too
    assert not clients.failures, clients.failures[:5]
    assert clients.answers > 10  # the clients really were sending all along


def test_the_server_keeps_answering_from_the_old_version_while_a_load_is_under_way_and_after_it_fails(
        tmp_path: Path):
    store = load_store(tmp_path / "store", [MERIMEE])
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\xff\xfe" + b"\x00garbage" * 1000)
    with start_server(store, "--rate-limit", "0") as server:
        before = datasets(server.url)
        done = patrimoine(store, "load", "--region", "all", "--format", "merimee", "--dataset", "x", str(broken))
        assert done.returncode == 2 and "Traceback" not in done.stderr
        time.sleep(1.5)
        assert datasets(server.url) == before
