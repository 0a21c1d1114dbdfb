"""The two ways a query is answered: resource lookups in the server process, the rest in a worker; and
SPARQL JSON written in one pass, its rows counted without parsing it.

The answers of both ways must be the same as pyoxigraph's own, on the sample store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from endpoint.worker import Formats, _Captured, _run_job, json_rows, run_inline
from graph.namespaces import PREFIXES
from graph.sparqltext import Lookup, resource_lookup
from graph.store import KnowledgeGraph
from server import sample_store  # noqa: F401  (fixture)

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

LOOKUPS = [
    "SELECT ?p ?o WHERE { <https://w3id.org/patrimoine-kg/pop/PA00116046> ?p ?o }",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX pop: <https://w3id.org/patrimoine-kg/pop/>\n"
    "SELECT DISTINCT * WHERE { pop:PA00116046 rdfs:label ?l ; a ?t . } LIMIT 10 OFFSET 1",
    "select ?o where { <http://x/a> <http://x/p> \"x\"^^<http://x/t> , 'y'@fr , 12 , true . }",
    "ASK { <http://x/a> a <http://x/T> }",
    "ASK WHERE { <http://x/a> ?p ?o ; ?q ?r }",
    "CONSTRUCT { ?s ?p ?o } WHERE { <http://x/a> ?p ?o }",
    "CONSTRUCT WHERE { <http://x/a> ?p ?o . }",
    "BASE <http://x/> SELECT ?o { <http://x/a> ?p ?o }  # a comment { with braces }",
]
NOT_LOOKUPS = [
    "SELECT ?s WHERE { ?s ?p ?o }",  # no subject given: the whole graph
    "SELECT ?s WHERE { ?s a <http://x/T> }",
    "SELECT ?o WHERE { <http://x/a> ?p ?o . ?o ?q ?r }",  # the second pattern may match anything
    "SELECT ?o WHERE { <http://x/a> ?p ?o FILTER(isIRI(?o)) }",
    "SELECT ?o WHERE { <http://x/a> <http://x/p>/<http://x/q> ?o }",
    "SELECT ?o WHERE { <http://x/a> <http://x/p>* ?o }",
    "SELECT ?o WHERE { <http://x/a> ^<http://x/p> ?o }",
    "SELECT (COUNT(*) AS ?n) WHERE { <http://x/a> ?p ?o }",
    "SELECT ?o FROM <http://x/g> WHERE { <http://x/a> ?p ?o }",
    "SELECT ?o WHERE { <http://x/a> ?p ?o } ORDER BY ?o",
    "SELECT ?o WHERE { <http://x/a> ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?o WHERE { <http://x/a> ?p ?o } VALUES ?o { 1 }",
    "SELECT ?o WHERE { SERVICE <http://127.0.0.1:9/sparql> { <http://x/a> ?p ?o } }",
    "SELECT ?o WHERE { GRAPH ?g { <http://x/a> ?p ?o } }",
    "SELECT ?o WHERE { <http://x/a> ?p [ ?q ?o ] }",
    "SELECT ?o WHERE { <http://x/a> ?p ?o } LIMIT",
    "SELECT ?o WHERE { <http://x/a> ?p ?o } LIMIT 1 LIMIT 2",
    "DESCRIBE <http://x/a>",
    "INSERT DATA { <http://x/a> <http://x/p> 1 }",
    "SELECT ?o {",
    "",
    "SELECT ?o WHERE { " + " . ".join(f"<http://x/a> <http://x/p{i}> ?o{i}" for i in range(9)) + " }",  # too many
    # names not read exactly as the parser would: the worker's parser reads them
    "BASE <http://x/> SELECT ?o { <a> ?p ?o }",
    "SELECT ?o { <http://x/\\u0061> ?p ?o }",
    "PREFIX x: <http://x/> SELECT ?o { x:a\\-b ?p ?o }",
    "SELECT ?o { x:a ?p ?o }",  # an undeclared prefix
    "PREFIX x: <rel/> SELECT ?o { x:a ?p ?o }",
]


@pytest.mark.parametrize("query", LOOKUPS)
def test_resource_lookups_are_recognised(query):
    assert resource_lookup(query) is not None


@pytest.mark.parametrize("query", NOT_LOOKUPS)
def test_other_queries_are_not_lookups(query):
    assert resource_lookup(query) is None


@pytest.mark.parametrize("query, form, bound", [
    ("SELECT ?p ?o WHERE { <http://x/a> ?p ?o }", "SELECT", 2),
    ("SELECT * { <http://x/a> ?p ?o ; a ?t }", "SELECT", 3),
    ("SELECT ?x ?p { <http://x/a> ?p <http://x/b> }", "SELECT", 1),  # ?x is never bound
    ("SELECT ?o { <http://x/a> ?p ?o . <http://x/b> ?q ?o }", "SELECT", 1),
    ("ASK { <http://x/a> ?p ?o }", "ASK", 0),
    ("CONSTRUCT { ?s ?p ?o } WHERE { <http://x/a> ?p ?o }", "CONSTRUCT", 0),
])
def test_a_lookup_says_what_every_row_binds(query, form, bound):
    lookup = resource_lookup(query)
    assert (lookup.form, lookup.bound) == (form, bound)


def test_a_lookup_names_the_subject_and_predicate_of_each_pattern():
    lookup = resource_lookup("PREFIX x: <http://x/> SELECT * { x:a ?p ?o , ?o2 ; a ?t ; x:q 1, 2 . <http://x/b> ?p ?z }")
    assert lookup.patterns == (("http://x/a", None), ("http://x/a", None),
                               ("http://x/a", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                               ("http://x/a", "http://x/q"), ("http://x/a", "http://x/q"), ("http://x/b", None))
    assert resource_lookup("CONSTRUCT { ?s ?p ?o . <http://x/c> ?p ?o } WHERE { <http://x/a> ?p ?o }").patterns \
        == (("http://x/a", None),)


@pytest.fixture(scope="module")
def kg(sample_store: Path) -> KnowledgeGraph:
    return KnowledgeGraph(sample_store, read_only=True)


ANSWERS = [
    f"SELECT ?s ?label WHERE {{ ?s <{RDFS_LABEL}> ?label }}",
    "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class",
    "SELECT ?s ?x WHERE { ?s a ?c OPTIONAL { ?s <http://example.org/nothing> ?x } } LIMIT 50",  # ?x unbound
    "SELECT ?x WHERE { VALUES ?x { UNDEF UNDEF } }",  # rows with no binding at all: {}
    "SELECT ?x WHERE { FILTER(false) }",
    'SELECT ?x WHERE { VALUES ?x { "a},{b" "[{" "{}" "x,{\\"y\\"}" } }',  # braces and escaped quotes in strings
    "SELECT ?t WHERE { BIND(<<( <http://x/a> <http://x/b> <http://x/c> )>> AS ?t) }",  # a triple term
]


@pytest.mark.parametrize("query", ANSWERS)
def test_json_rows_counts_what_pyoxigraph_wrote_or_says_it_cannot(kg, query):
    body = kg.query(query).serialize(format=ox.QueryResultsFormat.JSON)
    exact = len(json.loads(body)["results"]["bindings"])
    counted = json_rows(body)
    assert counted == exact or (counted is None and b'\\"' in body)


def _answer(kg: KnowledgeGraph, query: str, max_rows: int, fmt: str = "json"):
    captured = _Captured()
    job = {"op": "query", "query": query, "results_format": fmt, "graph_format": "turtle", "max_rows": max_rows}
    _run_job(kg, job, None, captured, Formats(ox, PREFIXES))
    return captured.result


@pytest.mark.parametrize("query", ANSWERS)
def test_the_one_pass_json_answer_is_the_tsv_detour_answer(kg, query):
    direct = _answer(kg, query, 10_000)
    via_tsv = _answer(kg, query, 10_000, "tsv")  # the row count of the exact way
    assert direct.status == 200 and not direct.truncated
    data = json.loads(direct.body)
    assert direct.rows == len(data["results"]["bindings"]) == via_tsv.rows
    expected = json.loads(kg.query(query).serialize(format=ox.QueryResultsFormat.JSON))
    assert data == expected


def test_an_answer_over_the_row_limit_is_cut_the_exact_way(kg):
    query = f"SELECT ?s ?label WHERE {{ ?s <{RDFS_LABEL}> ?label }}"
    total = len(list(kg.query(query)))
    assert total > 7
    result = _answer(kg, query, 7)
    data = json.loads(result.body)
    assert result.truncated and result.rows == 7 == len(data["results"]["bindings"])
    assert data["truncated"] is True and data["maxRows"] == 7


def test_a_lookup_run_inline_answers_as_a_worker_would(kg):
    record = next(iter(kg.query("SELECT ?s WHERE { ?s a <http://www.cidoc-crm.org/cidoc-crm/E22_Human-Made_Object> }"
                                " LIMIT 1")))["s"].value
    query = f"SELECT ?p ?o WHERE {{ <{record}> ?p ?o }}"
    assert resource_lookup(query) == Lookup("SELECT", 2, ((record, None),), streams=True)
    job = {"op": "query", "query": query, "results_format": "json", "graph_format": None, "max_rows": 10_000,
           "bound": 2}
    inline = run_inline(kg, job, Formats(ox, PREFIXES))
    assert inline.status == 200 and inline.rows == len(list(kg.query(query))) > 3
    assert json.loads(inline.body) == json.loads(kg.query(query).serialize(format=ox.QueryResultsFormat.JSON))
    cut = run_inline(kg, {**job, "max_rows": 3}, Formats(ox, PREFIXES))
    assert cut.truncated and cut.rows == 3 == len(json.loads(cut.body)["results"]["bindings"])
    with pytest.raises(ValueError):
        run_inline(kg, {**job, "max_rows": 0}, Formats(ox, PREFIXES))  # an unbounded answer never runs inline


def test_the_server_runs_only_lookups_whose_work_the_store_shows_small(kg):
    from endpoint.pool import INLINE_BUDGET, lookup_cost

    record = next(iter(kg.query("SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ORDER BY DESC(?n) "
                                "LIMIT 1")))
    iri, degree = record["s"].value, int(record["n"].value)
    assert degree > 20

    def cost(query: str) -> int:
        return lookup_cost(kg.store, resource_lookup(query), INLINE_BUDGET)

    assert cost(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}") == 1  # one pattern, each match a row: streams
    assert cost(f"SELECT DISTINCT ?p WHERE {{ <{iri}> ?p ?o }}") == degree  # DISTINCT reads them all
    labels = len(list(kg.query(f"SELECT ?l WHERE {{ <{iri}> <{RDFS_LABEL}> ?l }}")))
    assert cost(f"SELECT * WHERE {{ <{iri}> <{RDFS_LABEL}> ?l ; ?p ?o }}") == labels * degree
    assert cost(f"SELECT * WHERE {{ <{iri}> ?p ?o ; ?q ?r }}") == degree ** 2
    blow_up = "SELECT DISTINCT ?p1 WHERE { " + " . ".join(f"<{iri}> ?p{i} ?o{i}" for i in range(8)) + " }"
    assert cost(blow_up) > INLINE_BUDGET  # (degree)^8: a worker runs it, killed at the time limit
    assert cost("ASK { <http://example.org/nothing> ?p ?o ; ?q ?r }") == 1
