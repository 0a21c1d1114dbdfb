"""The SPARQL 1.1 Protocol (and Graph Store reads) against a real `patrimoine serve` on 127.0.0.1.

Cases follow the W3C SPARQL 1.1 Protocol (query operation: GET, POST form,
POST direct; dataset parameters; result formats; 4xx for malformed requests)
and the Graph Store HTTP Protocol. Expected answers come from the same store
read directly with pyoxigraph, never from constants.
"""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from graph.store import KnowledgeGraph
from server import live_server, sample_store, start_server  # noqa: F401  (fixtures)

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LABELS = f"SELECT ?s ?label WHERE {{ ?s <{RDFS_LABEL}> ?label }} ORDER BY ?s ?label"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SRX = "{http://www.w3.org/2005/sparql-results#}"
SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.fixture(scope="module")
def direct(sample_store: Path) -> KnowledgeGraph:
    """The same store, read in this process: where expected answers come from."""
    return KnowledgeGraph(sample_store, read_only=True)


def rows(direct: KnowledgeGraph, query: str) -> list[dict[str, str]]:
    results = direct.query(query)
    return [{v.value: s[v].value for v in results.variables if s[v] is not None} for s in results]


def json_rows(response: requests.Response) -> list[dict[str, str]]:
    data = response.json()
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def count_in(direct: KnowledgeGraph, graph: str) -> int:
    return direct.count(f"<{graph}>")


def get(server, query: str, **kw) -> requests.Response:
    return requests.get(server.sparql, params={"query": query, **kw.pop("params", {})}, timeout=30, **kw)


# -- the three ways to send a query (§2.1.1–2.1.3) ---------------------------

def test_query_via_get_returns_sparql_json(live_server, direct):
    r = get(live_server, LABELS)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert "accept" in r.headers["vary"].lower()
    expected = rows(direct, LABELS)
    assert expected and json_rows(r) == expected
    assert r.json()["head"]["vars"] == ["s", "label"]
    assert r.headers["x-patrimoine-rows"] == str(len(expected))


def test_resource_lookups_answer_the_same_on_every_way_in(live_server, direct):
    """A plain GET of a resource lookup takes the server's short way; with other parameters, by POST or
    from a browser page (Origin), the general one: the same answer, headers and log entry."""
    record = rows(direct, "SELECT ?s WHERE { ?s a <http://www.cidoc-crm.org/cidoc-crm/E22_Human-Made_Object> }"
                          " ORDER BY ?s LIMIT 1")[0]["s"]
    lookup = f"SELECT ?p ?o WHERE {{ <{record}> ?p ?o }}"
    expected = sorted(map(str, rows(direct, lookup)))
    answers = [get(live_server, lookup), get(live_server, lookup, params={"format": "json"}),
               requests.post(live_server.sparql, data={"query": lookup}, timeout=30),
               get(live_server, lookup, headers={"Origin": "https://example.org"})]
    for r in answers:
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+json")
        assert sorted(map(str, json_rows(r))) == expected and r.headers["x-patrimoine-rows"] == str(len(expected))
        assert "accept" in r.headers["vary"].lower()
    tsv = get(live_server, lookup, headers={"Accept": "text/tab-separated-values"})
    assert tsv.status_code == 200 and len(tsv.text.splitlines()) == len(expected) + 1
    assert get(live_server, lookup, headers={"Accept": "image/png"}).status_code == 406
    construct = get(live_server, f"CONSTRUCT WHERE {{ <{record}> ?p ?o }}", headers={"Accept": "text/turtle"})
    triples = list(ox.parse(construct.content, ox.RdfFormat.TURTLE))
    assert construct.status_code == 200 and len(triples) == len(set(expected))  # a graph: no repeats
    entries = [json.loads(line) for line in live_server.log_text().splitlines() if line.startswith("{")]
    assert [e["rows"] for e in entries[-7:-3]] == [len(expected)] * 4  # the four ways in, logged alike


def test_query_via_url_encoded_post(live_server, direct):
    r = requests.post(live_server.sparql, data={"query": LABELS}, timeout=30)
    assert r.status_code == 200
    assert json_rows(r) == rows(direct, LABELS)


def test_query_via_post_directly(live_server, direct):
    r = requests.post(live_server.sparql, data=LABELS.encode(),
                      headers={"Content-Type": "application/sparql-query; charset=utf-8"}, timeout=30)
    assert r.status_code == 200
    assert json_rows(r) == rows(direct, LABELS)


def test_non_ascii_query_text_round_trips(live_server, direct):
    [label] = [r["label"] for r in rows(direct, LABELS) if any(ord(c) > 127 for c in r["label"])][:1] or [None]
    assert label is not None, "the samples hold accented labels"
    q = f'SELECT ?s WHERE {{ ?s <{RDFS_LABEL}> ?l FILTER(STR(?l) = "{label}") }}'
    for r in (get(live_server, q), requests.post(live_server.sparql, data={"query": q}, timeout=30)):
        assert r.status_code == 200
        assert json_rows(r) == rows(direct, q) != []


# -- result formats ------------------------------------------------------------

def test_select_as_xml_csv_and_tsv(live_server, direct):
    expected = rows(direct, LABELS)
    r = get(live_server, LABELS, headers={"Accept": "application/sparql-results+xml"})
    assert r.headers["content-type"].startswith("application/sparql-results+xml")
    doc = ET.fromstring(r.content)
    got = [{b.get("name"): "".join(b.itertext()) for b in res.findall(f"{SRX}binding")}
           for res in doc.iter(f"{SRX}result")]
    assert got == expected

    r = get(live_server, LABELS, headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    assert list(csv.DictReader(io.StringIO(r.content.decode("utf-8")))) == expected

    r = get(live_server, LABELS, headers={"Accept": "text/tab-separated-values"})
    assert r.headers["content-type"].startswith("text/tab-separated-values")
    parsed = ox.parse_query_results(r.content, ox.QueryResultsFormat.TSV)
    assert [{v.value: s[v].value for v in parsed.variables} for s in parsed] == expected


def test_ask_true_and_false(live_server, direct):
    [first] = rows(direct, LABELS)[:1]
    yes = f'ASK {{ <{first["s"]}> <{RDFS_LABEL}> ?l }}'
    no = f'ASK {{ <{first["s"]}> <{RDFS_LABEL}> "no such label, surely" }}'
    assert get(live_server, yes).json() == {"head": {}, "boolean": True}
    assert get(live_server, no).json()["boolean"] is False
    xml = get(live_server, yes, headers={"Accept": "application/sparql-results+xml"})
    assert ET.fromstring(xml.content).find(f"{SRX}boolean").text == "true"


GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG, "application/n-quads": ox.RdfFormat.N_QUADS,
}


@pytest.mark.parametrize("media_type", list(GRAPH_FORMATS))
def test_construct_in_every_rdf_format(live_server, direct, media_type):
    q = f"CONSTRUCT {{ ?s <{RDFS_LABEL}> ?l }} WHERE {{ ?s <{RDFS_LABEL}> ?l }}"
    expected = {str(t) for t in direct.query(q)}
    r = get(live_server, q, headers={"Accept": media_type})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media_type
    got = {str(ox.Triple(q_.subject, q_.predicate, q_.object)) for q_ in ox.parse(r.content, GRAPH_FORMATS[media_type])}
    assert expected and got == expected


def test_describe_a_record(live_server, direct):
    [record] = [r["s"] for r in rows(direct, f"SELECT ?s WHERE {{ ?s <{RDFS_LABEL}> ?l FILTER(CONTAINS(STR(?s), '/pop/')) }} LIMIT 1")]
    r = get(live_server, f"DESCRIBE <{record}>")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(r.content, ox.RdfFormat.TURTLE))
    expected = rows(direct, f"SELECT ?p ?o WHERE {{ <{record}> ?p ?o }}")
    assert len([t for t in triples if t.subject.value == record]) == len(expected) > 0


# -- content negotiation -----------------------------------------------------------

@pytest.mark.parametrize("accept, expected", [
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/*", "text/csv"),
    ("*/*;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
    ("application/json", "application/json"),
    ("", "application/sparql-results+json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xml"),
])
def test_accept_with_q_values_and_wildcards(live_server, accept, expected):
    r = get(live_server, COUNT, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == expected


def test_nothing_acceptable_is_406(live_server):
    r = get(live_server, COUNT, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text
    r = get(live_server, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", headers={"Accept": "text/csv"})
    assert r.status_code == 406


def test_format_parameter_overrides_accept(live_server, direct):
    r = get(live_server, LABELS, params={"format": "csv"}, headers={"Accept": "application/sparql-results+json"})
    assert r.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(r.text)))) == len(rows(direct, LABELS))
    r = get(live_server, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2", params={"format": "nt"})
    assert r.headers["content-type"].startswith("application/n-triples")
    assert get(live_server, COUNT, params={"format": "png"}).status_code == 400
    # a format this kind of result does not have: Accept decides (406 if it cannot)
    construct = "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"
    r = get(live_server, construct, params={"format": "csv"}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-triples")
    assert get(live_server, construct, params={"format": "csv"}, headers={"Accept": "text/csv"}).status_code == 406
    # clients that send output= or results=, or media types, or several values: the first usable one wins
    r = get(live_server, LABELS, params={"output": "tsv", "results": "xml"})
    assert r.headers["content-type"].startswith("text/tab-separated-values")
    r = get(live_server, construct, params={"format": ["json-ld", "application/ld+json,application/x-json+ld"]})
    assert r.headers["content-type"].startswith("application/ld+json")
    r = get(live_server, construct, params={"format": "n3"})  # Turtle is N3
    assert r.headers["content-type"].startswith("text/turtle")


# -- the RDF dataset (§2.1.4) -----------------------------------------------------------

def test_default_graph_is_the_union_of_datasets(live_server, direct):
    total = sum(count_in(direct, d.graph) for d in direct.datasets()) + sum(
        count_in(direct, g[1:-1]) for g in (direct.catalogue, direct.shared))
    assert int(json_rows(get(live_server, COUNT))[0]["n"]) == total


def test_default_graph_uri_and_named_graph_uri(live_server, direct):
    a, b = [d.graph for d in direct.datasets()][:2]
    r = get(live_server, COUNT, params={"default-graph-uri": a})
    assert int(json_rows(r)[0]["n"]) == count_in(direct, a)
    r = requests.post(live_server.sparql, data={"query": COUNT, "default-graph-uri": [a, b]}, timeout=30)
    assert int(json_rows(r)[0]["n"]) == count_in(direct, a) + count_in(direct, b)
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = requests.post(live_server.sparql, data=q.encode(), params={"named-graph-uri": b},
                      headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert json_rows(r) == [{"g": b}]


def test_from_in_the_query_is_honoured_and_the_protocol_overrides_it(live_server, direct):
    a, b = [d.graph for d in direct.datasets()][:2]
    q = f"SELECT (COUNT(*) AS ?n) FROM <{a}> WHERE {{ ?s ?p ?o }}"
    assert int(json_rows(get(live_server, q))[0]["n"]) == count_in(direct, a)
    r = get(live_server, q, params={"default-graph-uri": b})
    assert int(json_rows(r)[0]["n"]) == count_in(direct, b)


def test_dataset_parameter_must_be_an_iri(live_server):
    assert get(live_server, COUNT, params={"default-graph-uri": "not an iri"}).status_code == 400


# -- malformed requests (4xx) ---------------------------------------------------------

def test_syntax_error_is_400_with_the_parser_message(live_server):
    r = get(live_server, "SELECT * WHERE { ?s ?p ?o ")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("SPARQL syntax error: error at 1:")


def test_bad_requests(live_server):
    url = live_server.sparql
    both = requests.get(url, params=[("query", COUNT), ("query", COUNT)], timeout=10)
    assert both.status_code == 400
    assert requests.post(url, data=COUNT, headers={"Content-Type": "text/plain"}, timeout=10).status_code == 415
    assert requests.post(url, data=COUNT, headers={"Content-Type": ""}, timeout=10).status_code == 415
    assert requests.post(url, data={"format": "json"}, timeout=10).status_code == 400
    latin1 = "SELECT ?s WHERE { ?s ?p \"église\" }".encode("latin-1")
    assert requests.post(url, data=latin1, headers={"Content-Type": "application/sparql-query"},
                         timeout=10).status_code == 400
    assert requests.put(url, data=COUNT, timeout=10).status_code == 405
    assert requests.get(url, params={"update": "CLEAR ALL"}, timeout=10).status_code == 400
    assert get(live_server, "INSERT DATA { <http://a> <http://b> <http://c> }").status_code == 400


def test_head_answers_without_body(live_server):
    r = requests.head(live_server.sparql, params={"query": COUNT}, timeout=10)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-type"].startswith("application/sparql-results+json")


# -- service description (§4 of SPARQL 1.1 Service Description) -------------------------

def test_get_without_query_is_the_service_description(live_server, direct):
    r = requests.get(live_server.sparql, headers={"Accept": "text/turtle"}, timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = ox.Store()
    g.load(r.content, ox.RdfFormat.TURTLE)
    endpoint = ox.NamedNode(live_server.sparql)
    assert list(g.quads_for_pattern(endpoint, ox.NamedNode(SD + "endpoint"), endpoint))
    names = {q.object.value for q in g.quads_for_pattern(None, ox.NamedNode(SD + "name"), None)}
    assert names == {d.graph for d in direct.datasets()}
    languages = {q.object.value for q in g.quads_for_pattern(endpoint, ox.NamedNode(SD + "supportedLanguage"), None)}
    assert languages == {SD + "SPARQL11Query"}  # no token: no update
    r = requests.get(live_server.sparql, headers={"Accept": "application/ld+json"}, timeout=10)
    assert list(ox.parse(r.content, ox.RdfFormat.JSON_LD))


def test_browser_without_query(live_server):
    r = requests.get(live_server.sparql, headers={"Accept": "text/html,*/*;q=0.8"}, allow_redirects=False,
                     timeout=10)
    if (Path(__file__).resolve().parent.parent / "endpoint" / "ui.py").exists():
        assert r.status_code == 303 and r.headers["location"] == "/"
    else:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")


# -- Graph Store Protocol: reads ----------------------------------------------------------

def test_graph_store_get(live_server, direct):
    graph = direct.datasets()[0].graph
    r = requests.get(live_server.url + "/store", params={"graph": graph},
                     headers={"Accept": "application/n-triples"}, timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-triples")
    assert len(list(ox.parse(r.content, ox.RdfFormat.N_TRIPLES))) == count_in(direct, graph)
    r = requests.get(live_server.url + "/store", params={"graph": graph}, timeout=10)
    assert r.headers["content-type"].startswith("text/turtle")
    assert len(list(ox.parse(r.content, ox.RdfFormat.TURTLE))) == count_in(direct, graph)
    assert requests.get(live_server.url + "/store", params={"graph": graph + "-none"}, timeout=10).status_code == 404
    assert requests.get(live_server.url + "/store", timeout=10).status_code == 400
    assert requests.get(live_server.url + "/store", params={"graph": graph, "default": ""},
                        timeout=10).status_code == 400
    assert requests.get(live_server.url + "/store?default", timeout=10).status_code == 200


# -- row limit: truncation, and streaming without a limit ------------------------------------

def test_row_limit_truncates_and_says_so(sample_store, direct):
    all_labels = rows(direct, LABELS)
    with start_server(sample_store, "--max-rows", "5", "--rate-limit", "0") as server:
        r = get(server, LABELS)
        assert r.headers["x-patrimoine-truncated"] == "true"
        assert r.json()["truncated"] is True and r.json()["maxRows"] == 5
        assert json_rows(r) == all_labels[:5]
        r = get(server, LABELS, headers={"Accept": "text/csv"})
        assert r.headers["x-patrimoine-truncated"] == "true"
        assert list(csv.DictReader(io.StringIO(r.text))) == all_labels[:5]
        r = get(server, f"CONSTRUCT {{ ?s <{RDFS_LABEL}> ?l }} WHERE {{ ?s <{RDFS_LABEL}> ?l }}")
        assert r.headers["x-patrimoine-truncated"] == "true"
        assert len(list(ox.parse(r.content, ox.RdfFormat.TURTLE))) == 5
        r = get(server, LABELS + " LIMIT 5")
        assert "x-patrimoine-truncated" not in r.headers and "truncated" not in r.json()
        assert json_rows(r) == all_labels[:5]


# Values pyoxigraph's serializers get wrong (README, known issues): an IRI holding a comma in CSV, a carriage
# return in XML; among many rows that need nothing, so that the rows around them are checked too.
AWKWARD = ("SELECT ?i ?s ?o WHERE { VALUES ?i { " + " ".join(map(str, range(2000))) + " } "
           "BIND(IRI(CONCAT('http://example.org/item/', STR(?i), IF(?i IN (7, 1500, 1501), ',b', ''))) AS ?s) "
           "BIND(IF(?i = 1000, 'line\\rfeed, \\\"quoted\\\"', CONCAT('v', STR(?i))) AS ?o) } ORDER BY ?i")


def expected_awkward(i: int) -> tuple[str, str]:
    return (f"http://example.org/item/{i}" + (",b" if i in (7, 1500, 1501) else ""),
            'line\rfeed, "quoted"' if i == 1000 else f"v{i}")


def check_awkward(server) -> None:
    r = get(server, AWKWARD, headers={"Accept": "text/csv"})
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
    assert table[0] == ["i", "s", "o"]
    assert [tuple(row[1:]) for row in table[1:]] == [expected_awkward(i) for i in range(2000)]
    r = get(server, AWKWARD, headers={"Accept": "application/sparql-results+xml"})
    values = [{b.get("name"): b[0].text for b in result} for result in ET.fromstring(r.content).iter(SRX + "result")]
    assert [(v["s"], v["o"]) for v in values] == [expected_awkward(i) for i in range(2000)]
    construct = 'CONSTRUCT { <http://example.org/a,b> <http://example.org/p> "x\\ry" } WHERE {}'
    r = get(server, construct, headers={"Accept": "application/rdf+xml"})
    [triple] = list(ox.parse(r.content, ox.RdfFormat.RDF_XML))
    assert triple.object.value == "x\ry"


def test_csv_and_xml_results_keep_awkward_values(sample_store):
    with start_server(sample_store, "--max-rows", "5000", "--rate-limit", "0") as server:
        check_awkward(server)


def test_without_row_limit_results_stream(sample_store, direct):
    with start_server(sample_store, "--max-rows", "0", "--rate-limit", "0") as server:
        check_awkward(server)  # the same, streamed
        q = "SELECT * WHERE { ?s ?p ?o }"
        r = get(server, q, headers={"Accept": "text/tab-separated-values"})
        assert r.status_code == 200 and r.headers.get("transfer-encoding") == "chunked"
        assert r.content.count(b"\n") - 1 == len(direct.store)
        r = get(server, "CONSTRUCT WHERE { ?s ?p ?o }", headers={"Accept": "application/n-triples"})
        distinct = {str(t) for t in direct.query("CONSTRUCT WHERE { ?s ?p ?o }")}
        assert {str(ox.Triple(q.subject, q.predicate, q.object))
                for q in ox.parse(r.content, ox.RdfFormat.N_TRIPLES)} == distinct


# -- documentation, health, metrics, log, CORS -------------------------------------------------

def test_openapi_describes_the_sparql_endpoints(live_server):
    spec = requests.get(live_server.url + "/openapi.json", timeout=10).json()
    assert {"get", "post"} <= set(spec["paths"]["/sparql"])
    assert "post" in spec["paths"]["/update"]
    assert {"get", "put", "post", "delete"} <= set(spec["paths"]["/store"])
    assert "application/sparql-query" in spec["paths"]["/sparql"]["post"]["requestBody"]["content"]
    assert requests.get(live_server.url + "/docs", timeout=10).status_code == 200


def test_health_and_metrics(live_server):
    health = requests.get(live_server.url + "/health", timeout=10).json()
    assert health["status"] == "ok" and health["workers"] >= 1 and health["writes_enabled"] is False
    get(live_server, COUNT)
    get(live_server, "SELECT * WHERE {")
    text = requests.get(live_server.url + "/metrics", timeout=10).text
    assert "# TYPE patrimoine_requests_total counter" in text
    metrics = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            metrics[name] = float(value)
    assert metrics['patrimoine_requests_total{endpoint="sparql",status="200"}'] >= 1
    assert metrics['patrimoine_requests_total{endpoint="sparql",status="400"}'] >= 1
    assert metrics['patrimoine_request_duration_seconds_count{endpoint="sparql"}'] >= 2
    assert metrics["patrimoine_query_workers"] == health["workers"]
    assert metrics["patrimoine_queries_total"] >= 2


def test_query_log_is_json_lines_without_the_query_text(live_server):
    marker = "a-label-nobody-has-7c1e"
    get(live_server, f'ASK {{ ?s ?p "{marker}" }}')
    entries = [json.loads(line) for line in live_server.log_text().splitlines() if line.startswith("{")]
    assert entries, "the server logs queries to standard error by default"
    last = entries[-1]
    assert {"time", "duration_ms", "status", "client", "rows", "query_sha256", "query_bytes"} <= set(last)
    assert last["client"] == "127.0.0.1" and last["status"] == 200
    assert marker not in live_server.log_text()


def test_query_log_file_from_several_processes(sample_store, tmp_path):
    """A log file gets its lines in blocks, at most about a second late, whole lines from every process."""
    log = tmp_path / "queries.log"
    with start_server(sample_store, "--query-log", str(log), "--http-workers", "2", "--rate-limit", "0") as server:
        for i in range(30):
            assert get(server, f"ASK {{ ?s ?p {i} }}").status_code == 200  # a new connection each
        deadline = time.monotonic() + 5
        while len(log.read_text().splitlines()) < 30 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(log.read_text().splitlines()) == 30
        get(server, "ASK { ?s ?p 'last' }")
    entries = [json.loads(line) for line in log.read_text().splitlines()]  # every line whole JSON
    assert len(entries) == 31, "the server's stop writes what it had noted"
    assert {e["query_bytes"] for e in entries} >= {len(f"ASK {{ ?s ?p {i} }}") for i in range(30)}


def test_cors(live_server):
    r = get(live_server, COUNT, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "x-patrimoine-truncated" in r.headers["access-control-expose-headers"].lower()
    r = requests.options(live_server.sparql, headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization"}, timeout=10)
    assert r.status_code == 200
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "authorization" in r.headers["access-control-allow-headers"].lower()


# -- embedding: create_app over an in-memory graph (threads instead of processes) ----------------

@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_create_app_over_an_in_memory_graph():
    from fastapi.testclient import TestClient

    from endpoint.app import create_app
    from endpoint.settings import EndpointSettings

    kg = KnowledgeGraph(None)
    kg.add_ntriples(kg.minter.graph("t"), ['<http://example.org/a> <http://example.org/b> "c" .\n'])
    with TestClient(create_app(kg, EndpointSettings.from_env({}, query_log=""))) as client:
        r = client.get("/sparql", params={"query": "SELECT ?o WHERE { ?s <http://example.org/b> ?o }"})
        assert r.status_code == 200 and json_rows(r) == [{"o": "c"}]
        assert client.get("/sparql", params={"query": "SELECT * {"}).status_code == 400
