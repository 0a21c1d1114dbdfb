"""Real SPARQL clients against a real server: SPARQLWrapper, and rdflib's SPARQLStore / SPARQLUpdateStore."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, POST, RDFXML, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, Unauthorized

from graph.store import KnowledgeGraph
from server import copy_store, live_server, sample_store, start_server  # noqa: F401  (fixtures)

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LABELS = f"SELECT ?s ?label WHERE {{ ?s <{RDFS_LABEL}> ?label }} ORDER BY ?s ?label"
TOKEN = "client-test-token-51d0"
GRAPH = "http://example.org/client-graph"


@pytest.fixture(scope="module")
def direct(sample_store: Path) -> KnowledgeGraph:
    return KnowledgeGraph(sample_store, read_only=True)


def expected_labels(direct: KnowledgeGraph) -> list[tuple[str, str]]:
    return [(r["s"].value, r["label"].value) for r in direct.query(LABELS)]


def a_record(direct: KnowledgeGraph) -> str:
    q = f"SELECT ?s WHERE {{ ?s <{RDFS_LABEL}> ?l FILTER(CONTAINS(STR(?s), '/pop/')) }} ORDER BY ?s LIMIT 1"
    return next(iter(direct.query(q)))["s"].value


# -- SPARQLWrapper ---------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_json(live_server, direct, method):
    sw = SPARQLWrapper(live_server.sparql)
    sw.setQuery(LABELS)
    sw.setReturnFormat(JSON)
    sw.setMethod(method)
    bindings = sw.query().convert()["results"]["bindings"]
    assert [(b["s"]["value"], b["label"]["value"]) for b in bindings] == expected_labels(direct) != []


def test_sparqlwrapper_select_xml_and_csv(live_server, direct):
    sw = SPARQLWrapper(live_server.sparql)
    sw.setQuery(LABELS)
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    assert len(doc.getElementsByTagName("result")) == len(expected_labels(direct))
    sw.setReturnFormat(CSV)
    lines = sw.query().convert().decode("utf-8").splitlines()
    assert lines[0] == "s,label" and len(lines) == len(expected_labels(direct)) + 1


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")  # inside SPARQLWrapper
def test_sparqlwrapper_ask_and_construct(live_server, direct):
    record = a_record(direct)
    sw = SPARQLWrapper(live_server.sparql)
    sw.setQuery(f"ASK {{ <{record}> ?p ?o }}")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    expected = len(list(direct.query(f"CONSTRUCT {{ <{record}> ?p ?o }} WHERE {{ <{record}> ?p ?o }}")))
    sw.setQuery(f"CONSTRUCT {{ <{record}> ?p ?o }} WHERE {{ <{record}> ?p ?o }}")
    sw.setReturnFormat(RDFXML)
    graph = sw.query().convert()
    assert isinstance(graph, rdflib.Graph) and len(graph) == expected
    sw.setReturnFormat(TURTLE)
    assert len(rdflib.Graph().parse(data=sw.query().convert(), format="turtle")) == expected


def test_sparqlwrapper_reports_a_bad_query(live_server):
    sw = SPARQLWrapper(live_server.sparql)
    sw.setQuery("SELECT * WHERE { ?s ?p ")
    sw.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="syntax error"):
        sw.query()


# -- rdflib SPARQLStore ---------------------------------------------------------------------

def test_rdflib_sparqlstore_reads_the_graph(live_server, direct):
    graph = rdflib.Graph(store=SPARQLStore(live_server.sparql))
    got = [(str(r[0]), str(r[1])) for r in graph.query(LABELS)]
    assert got == expected_labels(direct)
    record = a_record(direct)
    triples = list(graph.triples((rdflib.URIRef(record), None, None)))
    assert len(triples) == len(list(direct.query(f"SELECT ?p ?o WHERE {{ <{record}> ?p ?o }}"))) > 0
    assert bool(graph.query(f"ASK {{ <{record}> ?p ?o }}"))
    describe = graph.query(f"CONSTRUCT WHERE {{ <{record}> <{RDFS_LABEL}> ?o }}")
    distinct = f"SELECT DISTINCT ?o WHERE {{ <{record}> <{RDFS_LABEL}> ?o }}"
    assert len(describe.graph) == len(list(direct.query(distinct)))


# -- writes through the clients -------------------------------------------------------------

@pytest.fixture(scope="module")
def writable(sample_store, tmp_path_factory):
    store = copy_store(sample_store, tmp_path_factory.mktemp("clients") / "store")
    with start_server(store, "--rate-limit", "0", env={"PATRIMOINE_TOKEN": TOKEN}) as server:
        yield server


def test_sparqlwrapper_update_needs_the_token(writable):
    insert = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://example.org/w> <http://example.org/p> "sw" }} }}'
    sw = SPARQLWrapper(writable.sparql, updateEndpoint=writable.url + "/update")
    sw.setMethod(POST)
    sw.setQuery(insert)
    with pytest.raises(Unauthorized):
        sw.query()
    sw.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    assert sw.query().response.status == 204
    check = SPARQLWrapper(writable.sparql)
    check.setQuery(f'ASK {{ GRAPH <{GRAPH}> {{ <http://example.org/w> <http://example.org/p> "sw" }} }}')
    check.setReturnFormat(JSON)
    assert check.query().convert()["boolean"] is True


def test_rdflib_update_store(writable):
    store = SPARQLUpdateStore(writable.sparql, writable.url + "/update",
                              headers={"Authorization": f"Bearer {TOKEN}"})
    graph = rdflib.Graph(store=store, identifier=rdflib.URIRef(GRAPH))
    triple = (rdflib.URIRef("http://example.org/r"), rdflib.URIRef("http://example.org/p"), rdflib.Literal("rdflib"))
    graph.add(triple)
    assert triple in rdflib.Graph(store=SPARQLStore(writable.sparql), identifier=rdflib.URIRef(GRAPH))
    reader = rdflib.Graph(store=SPARQLStore(writable.sparql))
    assert bool(reader.query(f'ASK {{ GRAPH <{GRAPH}> {{ <http://example.org/r> ?p "rdflib" }} }}'))
    graph.remove(triple)
    assert not bool(reader.query(f'ASK {{ GRAPH <{GRAPH}> {{ <http://example.org/r> ?p "rdflib" }} }}'))
