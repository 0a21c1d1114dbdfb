"""Real SPARQL clients against a real server: SPARQLWrapper, and rdflib's SPARQLStore / SPARQLUpdateStore."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDF, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.Wrapper import _allowedFormats
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


# What SPARQLWrapper, left to its defaults (GET, format=/output=/results= besides Accept), gets for each query form
# and each return format it offers; each form's own formats must come back as asked.
SW_EXPECTED = {
    "results": {JSON: "application/sparql-results+json", XML: "application/sparql-results+xml", CSV: "text/csv",
                TSV: "text/tab-separated-values"},
    "graph": {XML: "application/rdf+xml", RDFXML: "application/rdf+xml", RDF: "application/rdf+xml",
              TURTLE: "text/turtle", N3: "text/turtle", JSONLD: "application/ld+json", JSON: "application/ld+json"},
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # SPARQLWrapper's own, for formats a form does not have
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")
@pytest.mark.parametrize("form", ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"])
def test_sparqlwrapper_defaults_in_every_return_format(live_server, direct, form):
    record = a_record(direct)
    query = {"SELECT": f"SELECT ?p ?o WHERE {{ <{record}> ?p ?o }}", "ASK": f"ASK {{ <{record}> ?p ?o }}",
             "CONSTRUCT": f"CONSTRUCT WHERE {{ <{record}> ?p ?o }}", "DESCRIBE": f"DESCRIBE <{record}>"}[form]
    expected = SW_EXPECTED["graph" if form in ("CONSTRUCT", "DESCRIBE") else "results"]
    for fmt in _allowedFormats:
        sw = SPARQLWrapper(live_server.sparql)
        sw.setQuery(query)
        sw.setReturnFormat(fmt)
        result = sw.query()  # raises on any 4xx
        content_type = result.response.headers["content-type"].split(";")[0]
        if fmt in expected and not (form == "ASK" and fmt in (CSV, TSV)):
            assert content_type == expected[fmt], (form, fmt)
        assert result.convert() is not None, (form, fmt)


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


# -- the W3C SPARQL 1.1 Protocol and Graph Store cases these clients do not cover -----------------

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def test_relative_iris_resolve_against_the_endpoint_url(writable):
    """query_content_type_construct, update_base_uri: the base IRI is the URL the request was sent to."""
    r = requests.post(writable.sparql, data="CONSTRUCT { <s> <p> 1 } WHERE {}",
                      headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
                      timeout=10)
    assert r.status_code == 200, r.text
    assert r.text.startswith(f"<{writable.url}/s> <{writable.url}/p> ")
    r = requests.get(writable.sparql, params={"query": "SELECT ?x WHERE { BIND(<a/b> AS ?x) }"}, timeout=10)
    assert r.json()["results"]["bindings"][0]["x"]["value"] == f"{writable.url}/a/b"
    update = "INSERT DATA { GRAPH <http://example.org/base-test> { <s> <p> <o> } }"
    r = requests.post(writable.url + "/update", data=update, timeout=10,
                      headers={"Content-Type": "application/sparql-update", **BEARER})
    assert r.status_code == 204, r.text
    base = writable.url
    ask = f"ASK {{ GRAPH <http://example.org/base-test> {{ <{base}/s> <{base}/p> <{base}/o> }} }}"
    assert requests.get(writable.sparql, params={"query": ask}, timeout=10).json()["boolean"] is True


def test_graph_store_post_multipart_merges_every_part(writable):
    graph = "http://example.org/person/2"
    r = requests.put(writable.url + "/store", params={"graph": graph}, timeout=10,
                     data='<http://example.org/p2> <http://xmlns.com/foaf/0.1/name> "Jean" .',
                     headers={"Content-Type": "text/turtle", **BEARER})
    assert r.status_code == 201
    foaf = "<http://example.org/p2> <http://xmlns.com/foaf/0.1/"
    files = {"lastName.ttl": ("lastName.ttl", (foaf + 'familyName> "Dupont" .').encode(), "text/turtle"),
             "firstName.nt": ("firstName.nt", (foaf + 'givenName> "Jean" .\n').encode(), "application/n-triples")}
    r = requests.post(writable.url + "/store", params={"graph": graph}, files=files, headers=BEARER, timeout=10)
    assert r.status_code == 204, r.text
    got = requests.get(writable.url + "/store", params={"graph": graph}, timeout=10,
                       headers={"Accept": "application/n-triples"})
    names = {str(t.predicate.value).rsplit("/", 1)[1] for t in ox.parse(got.content, ox.RdfFormat.N_TRIPLES)}
    assert names == {"name", "familyName", "givenName"}
    bad = {"x": ("x.png", b"\x89PNG", "image/png")}
    r = requests.post(writable.url + "/store", params={"graph": graph}, files=bad, headers=BEARER, timeout=10)
    assert r.status_code == 415 and "part 1" in r.text


def test_graph_store_post_to_the_store_creates_a_graph(writable):
    data = '<http://example.org/new> <http://example.org/p> "created" .'
    r = requests.post(writable.url + "/store", data=data, headers={"Content-Type": "text/turtle", **BEARER},
                      timeout=10)
    assert r.status_code == 201 and r.headers["location"].startswith(writable.url + "/store?graph=")
    got = requests.get(r.headers["location"], headers={"Accept": "application/n-triples"}, timeout=10)
    assert got.status_code == 200 and '"created"' in got.text
    again = requests.post(writable.url + "/store", data=data, headers={"Content-Type": "text/turtle", **BEARER},
                          timeout=10)
    assert again.status_code == 201 and again.headers["location"] != r.headers["location"], "a new graph each time"
    assert requests.post(writable.url + "/store", data=data, headers={"Content-Type": "text/turtle"},
                         timeout=10).status_code == 401


def test_graph_store_put_of_an_empty_graph_makes_an_empty_graph(writable):
    graph = "http://example.org/empty"
    r = requests.put(writable.url + "/store", params={"graph": graph}, data=b"",
                     headers={"Content-Type": "text/turtle", **BEARER}, timeout=10)
    assert r.status_code == 201
    got = requests.get(writable.url + "/store", params={"graph": graph}, timeout=10,
                       headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and got.text.strip() == ""
    assert requests.head(writable.url + "/store", params={"graph": graph}, timeout=10).status_code == 200
    r = requests.delete(writable.url + "/store", params={"graph": graph}, headers=BEARER, timeout=10)
    assert r.status_code == 204
    assert requests.head(writable.url + "/store", params={"graph": graph}, timeout=10).status_code == 404
