"""Live updates (issue 11, item 3): while `patrimoine serve` runs, `patrimoine load`, `fetch`, `harvest`, `link`
and `drop` on the same store work, and the server answers from the new data within a few seconds, without a
restart and without one failed request, under load.

Real processes: the server (its query workers and the HTTP process's own store), the CLI writing the store,
clients sending queries and page requests from threads all along; `fetch` downloads from a local portal
serving the exports in their published shapes, `harvest` from a local OAI-PMH repository (the fixtures of
tests/test_fetch.py and tests/test_oai.py).
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from fetch_server import ExportServer, sources_file
from oai_server import OAI_DC, OaiServer, deleted, retitled, sample_records

from server import PATRIMOINE, SAMPLES, LiveServer, load_store, start_server, wait_for

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


# ---------------------------------------------------------------------------
# fetch, harvest and link: one served store for the three (each case adds its own dataset or graph)

MUSEES = "liste-et-localisation-des-musees-de-france"
MEUSE = OAI_DC / "francearchives-oai_dc_meuse_sample.xml"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    store = load_store(tmp_path_factory.mktemp("live") / "store", [MERIMEE, PALISSY])
    with start_server(store, "--rate-limit", "0") as server:
        yield server


def answers(server: LiveServer, sparql: str) -> list[dict[str, str]]:
    r = requests.post(server.url + "/sparql", data={"query": sparql}, timeout=30,
                      headers={"Accept": "application/sparql-results+json"})
    r.raise_for_status()
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def asks(server: LiveServer, sparql: str) -> bool:
    r = requests.post(server.url + "/sparql", data={"query": sparql}, timeout=30,
                      headers={"Accept": "application/sparql-results+json"})
    r.raise_for_status()
    return r.json()["boolean"]


def succeeded(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_fetch_while_the_server_runs_is_answered_within_seconds_without_a_failed_request(
        served: LiveServer, tmp_path: Path):
    with ExportServer() as portal, Clients(served.url, threads=2) as clients:
        sources = sources_file(tmp_path, portal)
        fetched = succeeded(patrimoine(served.store, "fetch", "musees-de-france", "--sources", str(sources)))
        assert "88 loaded" in fetched
        assert wait_for(lambda: "musees-de-france" in datasets(served.url), SWITCH_SECONDS), \
            "the server did not answer from the fetched dataset"
        museum = "ASK { ?m <http://xmlns.com/foaf/0.1/homepage> <http://www.ville-noyon.fr/musee-calvin> }"
        assert not asks(served, museum)
        # the source publishes a new version: the next fetch downloads and reloads it
        body = portal.exports[MUSEES]
        assert body.count(b";M0808;") == 1
        portal.publish(MUSEES, body.replace(b"www.ville-noyon.fr/-Les-musees-de-Noyon", b"www.ville-noyon.fr/musee-calvin"))
        assert "88 loaded" in succeeded(patrimoine(served.store, "fetch", "musees-de-france", "--sources", str(sources)))
        assert wait_for(lambda: asks(served, museum), SWITCH_SECONDS), "the server did not answer from the new export"
        # unchanged at the source: one request, nothing reloaded, the server still answering
        assert "HTTP 304" in succeeded(patrimoine(served.store, "fetch", "musees-de-france", "--sources", str(sources)))
        assert asks(served, museum)
        time.sleep(0.5)
    assert not clients.failures, clients.failures[:5]
    assert clients.answers > 10


def test_harvest_while_the_server_runs_is_answered_within_seconds_without_a_failed_request(served: LiveServer):
    meuse = sample_records(MEUSE)
    harvest = ("harvest", "--region", "all", "--backoff", "0", "--timeout", "10")
    with OaiServer([meuse[:7], meuse[7:14], meuse[14:]]) as repository, Clients(served.url, threads=2) as clients:
        harvested = succeeded(patrimoine(served.store, *harvest, repository.url))
        name = harvested.split(":", 1)[0]
        assert f"3 pages, {len(meuse)} records read, {len(meuse)} loaded" in harvested
        assert wait_for(lambda: name in datasets(served.url), SWITCH_SECONDS), \
            "the server did not answer from the harvested dataset"
        titles = f'SELECT (COUNT(?t) AS ?n) WHERE {{ GRAPH <{BASE}graph/{name}> {{ ?o <http://www.cidoc-crm.org/cidoc-crm/P102_has_title> ?t }} }}'
        assert answers(served, titles) == [{"n": str(len(meuse))}]
        # an incremental harvest: one record changed, one deleted at the source
        repository.response_date = "2024-06-01T08:30:00Z"
        repository.lists["incremental"] = [[deleted(meuse[0], "2024-05-20T00:00:00Z"),
                                            retitled(meuse[1], "Registre révisé en direct")]]
        again = succeeded(patrimoine(served.store, *harvest, repository.url))
        assert "1 loaded, 1 deleted at the source" in again
        assert wait_for(lambda: asks(served, 'ASK { ?t ?p ?v FILTER(STR(?v) = "Registre révisé en direct") }')
                        and answers(served, titles) == [{"n": str(len(meuse) - 1)}], SWITCH_SECONDS), \
            "the server did not answer from the incremental harvest"
        time.sleep(0.5)
    assert not clients.failures, clients.failures[:5]
    assert clients.answers > 10


def test_link_while_the_server_runs_is_answered_within_seconds_without_a_failed_request(served: LiveServer):
    links = f"""SELECT ?said (COUNT(?s) AS ?counted) WHERE {{
      GRAPH <{BASE}graph/catalogue> {{ ?l a <http://rdfs.org/ns/void#Linkset> ;
                                         <http://rdfs.org/ns/void#triples> ?said }}
      OPTIONAL {{ GRAPH <{BASE}graph/links> {{ ?s ?p ?o }} }} }} GROUP BY ?said"""
    persons = f"""SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ GRAPH <{BASE}graph/links> {{
      ?p <{BASE}ontology#hasMention> ?m }} }}"""
    with Clients(served.url, threads=2) as clients:
        assert answers(served, links) == []  # never linked yet
        assert "persons" in succeeded(patrimoine(served.store, "link"))

        def visible() -> bool:  # the links graph, whole: as many triples as its catalogue record says
            now = answers(served, links)
            return len(now) == 1 and now[0]["said"] == now[0]["counted"] != "0"
        assert wait_for(visible, SWITCH_SECONDS), "the server did not answer from the new links"
        assert int(answers(served, persons)[0]["n"]) > 0
        time.sleep(0.5)
    assert not clients.failures, clients.failures[:5]
    assert clients.answers > 10
