"""A SPARQL 1.1 server as the store (graph/remote.py): load, query, datasets, validate, link and serve work against
a real `oxigraph serve` started here on 127.0.0.1 (PyPI package oxigraph), through the SPARQL 1.1 Protocol and the
Graph Store Protocol, and give what the same commands give on a store on disk.
"""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from graph.remote import Endpoints, RemoteGraph, RemoteStore
from graph.store import KnowledgeGraph
from server import PATRIMOINE, start_server, stop_process

ROOT = Path(__file__).resolve().parent.parent
OXIGRAPH = str(Path(sys.executable).parent / "oxigraph")
FILES = [ROOT / "samples/pop/constructed-hdf-merimee-opendata.csv", ROOT / "samples/pop/constructed-hdf-palissy-opendata.csv",
         ROOT / "samples/ead/FRAD062_ir_9fi_02_permaliens.xml"]
BASE = "https://w3id.org/patrimoine-kg/"
# what a load stamps with its own time: left out when two loads are compared
STAMPED = ("http://purl.org/dc/terms/modified", "http://www.w3.org/ns/prov#generatedAtTime",
           "http://www.w3.org/ns/prov#startedAtTime", "http://www.w3.org/ns/prov#endedAtTime")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """`oxigraph serve` on its own directory and a free port; its URL."""
    port = free_port()
    directory = tmp_path_factory.mktemp("oxigraph")
    proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(directory / "db"), "--bind", f"127.0.0.1:{port}",
                             "--timeout-s", "30"], stdout=subprocess.DEVNULL, stderr=open(directory / "log", "wb"))
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, (directory / "log").read_text()
        time.sleep(0.1)
    yield url
    stop_process(proc, 5)


@pytest.fixture
def server(oxigraph_server):
    """The server emptied for one test."""
    requests.post(oxigraph_server + "update", data={"update": "CLEAR ALL"}, timeout=30).raise_for_status()
    return oxigraph_server


def cli(store: str | Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run([PATRIMOINE, "--store", str(store), *args], capture_output=True, text=True, timeout=300)
    assert not check or r.returncode == 0, r.stderr
    return r


def graphs(kg: KnowledgeGraph) -> dict[str, Counter]:
    """Every named graph's triples (N-Triples lines; blank nodes as they are), without the load's time stamps."""
    out: dict[str, Counter] = {}
    for row in kg.store.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"):
        if row["p"].value in STAMPED:
            continue
        out.setdefault(row["g"].value, Counter())[f"{row['s']} {row['p']} {row['o']}"] += 1
    return out


def test_a_load_on_a_server_writes_the_graph_a_load_on_disk_writes(server, tmp_path):
    local = tmp_path / "store"
    for store in (server, local):
        cli(store, "load", "--region", "all", *map(str, FILES))
    remote_graphs, local_graphs = graphs(KnowledgeGraph(server)), graphs(KnowledgeGraph(local, read_only=True))
    assert set(remote_graphs) == set(local_graphs) == {BASE + "graph/" + n for n in (
        "catalogue", "shared", "constructed-hdf-merimee-opendata", "constructed-hdf-palissy-opendata",
        "frad062-ir-9fi-02-permaliens")}
    for g in local_graphs:
        assert remote_graphs[g] == local_graphs[g], g
    listed = [json.loads(cli(s, "datasets", "--format", "json").stdout) for s in (server, local)]
    for d in listed:
        for row in d:
            row.pop("loaded_at")
    assert listed[0] == listed[1] and len(listed[0]) == 3
    assert all(row["records_loaded"] > 0 and row["status"] == "loaded" for row in listed[0])


def test_queries_and_the_quality_report_on_a_server_are_those_of_the_store_on_disk(server, tmp_path):
    local = tmp_path / "store"
    files = [*FILES, ROOT / "samples/pop/joconde-valid-UTF-8.txt"]  # records that break rules, for the report
    for store in (server, local):
        cli(store, "load", "--region", "all", *map(str, files))
    sys.path.append(str(ROOT / "bench"))  # last: its endpoint.py must not hide the package
    from scale import readme_queries

    for name, query in readme_queries().items():
        answers = [Counter(cli(s, "query", query, "--format", "csv").stdout.splitlines()) for s in (server, local)]
        assert answers[0] == answers[1], name
    reports = []
    for store in (server, local):
        out = tmp_path / f"report-{len(reports)}.json"
        cli(store, "validate", "--format", "json", "--output", str(out), check=False)
        data = json.loads(out.read_text())
        reports.append((data["counts"], sorted(json.dumps(r, sort_keys=True) for r in data["results"])))
    assert reports[0] == reports[1] and reports[0][0]["violation"] > 10


def test_a_reload_on_a_server_replaces_the_dataset_whole(server, tmp_path):
    merimee = FILES[0]
    changed = tmp_path / merimee.name
    lines = merimee.read_text(encoding="utf-8").splitlines(keepends=True)
    changed.write_text("".join(lines[:-3]).replace("Cathédrale Notre-Dame", "Cathédrale Notre-Dame d'Amiens"),
                       encoding="utf-8")  # three records fewer, one renamed
    cli(server, "load", "--region", "all", "--dataset", "merimee", str(merimee))
    cli(server, "load", "--region", "all", "--dataset", "merimee", str(changed))
    fresh = tmp_path / "fresh"
    cli(fresh, "load", "--region", "all", "--dataset", "merimee", str(changed))
    g = BASE + "graph/merimee"
    assert graphs(KnowledgeGraph(server))[g] == graphs(KnowledgeGraph(fresh, read_only=True))[g]
    remote = KnowledgeGraph(server)
    assert [ng.value for ng in remote.store.named_graphs() if "_staging" in ng.value] == []
    [d] = remote.datasets()
    assert d.records_loaded == len(lines) - 4 and d.status == "loaded"
    cli(server, "drop", "merimee")
    assert KnowledgeGraph(server).datasets() == [] and g not in graphs(KnowledgeGraph(server))


def test_links_on_a_server_are_those_on_disk(server, tmp_path):
    files = [ROOT / "samples/pop/constructed-hdf-palissy-opendata.csv", ROOT / "samples/pop/constructed-hdf-palissy-import.csv"]
    local = tmp_path / "store"
    for store in (server, local):
        cli(store, "load", "--region", "all", *map(str, files))
        cli(store, "link")
    links = BASE + "graph/links"
    remote_links = graphs(KnowledgeGraph(server)).get(links)
    assert remote_links and remote_links == graphs(KnowledgeGraph(local, read_only=True))[links]


def test_the_endpoint_serves_a_server_as_it_serves_a_store_on_disk(server, tmp_path):
    local = tmp_path / "store"
    for store in (server, local):
        cli(store, "load", "--region", "all", *map(str, FILES[:2]))
    query = ("SELECT ?o ?label WHERE { ?o <http://www.w3.org/2000/01/rdf-schema#label> ?label ; "
             "<http://www.cidoc-crm.org/cidoc-crm/P2_has_type> ?t } ORDER BY ?o ?label")
    answers = []
    for store in (server, local):
        with start_server(store, "--rate-limit", "0", log_dir=tmp_path) as live:
            r = requests.get(live.sparql, params={"query": query}, headers={"Accept": "text/csv"}, timeout=60)
            assert r.status_code == 200
            page = requests.get(live.url + "/pop/PA00116046", headers={"Accept": "text/html"}, timeout=60)
            assert page.status_code == 200 and "Cathédrale Notre-Dame" in page.text
            ttl = requests.get(live.url + "/pop/PA00116046", headers={"Accept": "application/n-triples"}, timeout=60)
            dump = requests.get(live.url + "/dumps/all.nt.gz", timeout=60)
            assert dump.status_code == 200
            answers.append((r.text, sorted(ttl.text.splitlines()),
                            sorted(line for line in gzip.decompress(dump.content).decode().splitlines()
                                   if not any(p in line for p in STAMPED))))
    assert answers[0][0] == answers[1][0] and answers[0][0].count("\n") > 20
    assert answers[0][1] == answers[1][1]
    assert answers[0][2] == answers[1][2]


def test_endpoints_are_found_from_the_server_and_overridden_by_the_url(oxigraph_server):
    found = Endpoints.of(oxigraph_server, requests.Session())
    assert (found.query, found.update, found.store, found.union) == (
        oxigraph_server + "query", oxigraph_server + "update", oxigraph_server + "store", "param")
    assert found.server.startswith("Oxigraph")
    chosen = Endpoints.of(oxigraph_server + "?store=&union=graphs", requests.Session())
    assert chosen.store is None and chosen.union == "graphs" and chosen.query == oxigraph_server + "query"
    # the URL's other parameters go with every request (QLever takes its access-token so)
    store = RemoteStore(oxigraph_server + "?access-token=secret")
    assert store.endpoints.extra == (("access-token", "secret"),)
    assert bool(store.query("ASK {}"))



def test_backups_of_a_server_are_the_server_s_own(oxigraph_server, tmp_path):
    r = cli(oxigraph_server, "backup", str(tmp_path / "backup"), check=False)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "a SPARQL server keeps its own backups" in r.stderr
    assert not (tmp_path / "backup").exists()


def test_without_a_graph_store_data_goes_in_insert_data_slices_and_the_union_is_listed_graphs(server):
    store = RemoteStore(server + "?store=&union=graphs")
    assert store.endpoints.store is None
    data = b"".join(f'<http://x/s{i}> <http://x/p> "v\\u00e9 {i}"@fr .\n'.encode() for i in range(2000))
    store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("http://x/g1"))
    store.bulk_load(b"<http://x/s> <http://x/p> <http://x/o> .\n", format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode("http://x/g2"))
    [row] = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    assert row["n"].value == "2001"
    assert {q.object.value for q in store.quads_for_pattern(ox.NamedNode("http://x/s7"), None, None)} == {"vé 7"}
    assert store.contains_named_graph(ox.NamedNode("http://x/g2"))
    assert not store.contains_named_graph(ox.NamedNode("http://x/nothing"))


def test_an_unreachable_server_is_one_clear_line_and_exit_status_2(tmp_path):
    r = cli(f"http://127.0.0.1:{free_port()}/", "datasets", check=False)
    assert r.returncode == 2
    assert r.stderr.startswith("Error: cannot reach the SPARQL server at http://127.0.0.1:") and r.stderr.count("\n") == 1
    r = cli(f"http://127.0.0.1:{free_port()}/", "load", str(FILES[0]), check=False)
    assert r.returncode == 2 and "cannot reach the SPARQL server" in r.stderr
    assert isinstance(KnowledgeGraph.__new__(KnowledgeGraph, "http://127.0.0.1:1/"), RemoteGraph)



def test_a_load_in_parts_on_a_server_writes_the_graph_one_process_writes_on_disk(server, tmp_path, monkeypatch):
    from patrimoine import pipeline
    from patrimoine.pipeline import LoadOptions, load

    monkeypatch.setattr(pipeline, "BATCH_RECORDS", 20)  # the EAD sample's 129 units: seven parts
    ead = [f for f in FILES if f.suffix == ".xml"]
    remote, local = KnowledgeGraph(server), KnowledgeGraph(tmp_path / "store")
    [parts] = load(remote, ead, LoadOptions(dataset="ead", region=None, progress=False, jobs=3))
    [one] = load(local, ead, LoadOptions(dataset="ead", region=None, progress=False))
    local.close()
    assert parts.counts == one.counts and parts.counts.records_read > 100
    remote_graphs, local_graphs = graphs(remote), graphs(KnowledgeGraph(tmp_path / "store", read_only=True))
    for g in (BASE + "graph/ead", BASE + "graph/shared"):
        assert remote_graphs[g] == local_graphs[g], g
