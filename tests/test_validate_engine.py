"""The SPARQL validation engine gives pySHACL's results, on every feature it compiles and on the samples."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.store import KnowledgeGraph
from graph.validation import read_shapes, validate
from graph.validation.run import DEFAULT_SHAPES
from graph.validation.shapes import ShapesError

from conftest import DATA, SAMPLES
from graph.validation.compare import differences, ours, pyshacl_results

HERE = DATA / "validation"
SH = "http://www.w3.org/ns/shacl#"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def store_of(path: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def ntriples(store: ox.Store) -> bytes:
    return store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())


def test_every_compiled_feature_gives_pyshacls_results():
    store = store_of(HERE / "components-data.ttl")
    shapes = read_shapes([HERE / "components.ttl"])
    v = validate(store, shapes)
    assert v.fallback == {}
    found = ours(v.results)
    assert differences(found, pyshacl_results(ntriples(store), shapes.files)) == []
    # not vacuous: every constraint component of the shapes fails at least once, and the good nodes pass
    used = {c.iri for s in shapes.shapes.values() for c in s.constraints}
    assert used == {r.component for r in v.results}
    assert not {r.focus.value for r in v.results if isinstance(r.focus, ox.NamedNode)} & {
        "http://example.org/good", "http://example.org/e1", "http://example.org/b1", "http://example.org/x1",
        "http://example.org/c1", "http://example.org/s1"}
    assert Counter(r.severity.rsplit("#")[1] for r in v.results) == {"Violation": 41, "Warning": 8, "Info": 8}


def test_sparql_constraint_messages_are_filled_in_and_keep_their_language():
    store = store_of(HERE / "components-data.ttl")
    v = validate(store, read_shapes([HERE / "components.ttl"]))
    years = sorted((r.message("fr"), r.message("en")) for r in v.results if r.shape.key.endswith("#Sparql"))
    assert years == [("http://example.org/bad : 2200 n'est pas une année plausible.",
                      "http://example.org/bad: 2200 is not a plausible year."),
                     ("http://example.org/bad : 2300 n'est pas une année plausible.",
                      "http://example.org/bad: 2300 is not a plausible year.")]


BC_SHAPE = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:Span a sh:NodeShape ; sh:targetClass ex:Span ;
  sh:property [ sh:path ex:begin ; sh:lessThanOrEquals ex:end ] ;
  sh:property [ sh:path ex:begin ; sh:lessThan ex:end ; sh:severity sh:Warning ] ."""
BC_DATA = """@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:ok a ex:Span ; ex:begin "-0099-01-01T00:00:00"^^xsd:dateTime ; ex:end "0050-12-31T23:59:59"^^xsd:dateTime .
ex:both-bc a ex:Span ; ex:begin "-0500-01-01T00:00:00"^^xsd:dateTime ; ex:end "-0400-12-31T23:59:59"^^xsd:dateTime .
ex:same a ex:Span ; ex:begin "-0300-01-01T00:00:00"^^xsd:dateTime ; ex:end "-0300-01-01T00:00:00"^^xsd:dateTime .
ex:reversed a ex:Span ; ex:begin "0050-01-01T00:00:00"^^xsd:dateTime ; ex:end "-0099-12-31T23:59:59"^^xsd:dateTime .
ex:reversed-bc a ex:Span ; ex:begin "-0100-01-01T00:00:00"^^xsd:dateTime ; ex:end "-0200-12-31T23:59:59"^^xsd:dateTime .
ex:not-a-date a ex:Span ; ex:begin "circa 1200" ; ex:end "1300-01-01T00:00:00"^^xsd:dateTime ."""


def test_time_spans_before_year_one_compare_as_years(tmp_path: Path):
    (tmp_path / "bc.ttl").write_text(BC_SHAPE, encoding="utf-8")
    store = ox.Store()
    store.load(BC_DATA.encode(), format=ox.RdfFormat.TURTLE)
    v = validate(store, read_shapes([tmp_path / "bc.ttl"]))
    found = {(r.focus.value.rsplit("/", 1)[1], r.component.rsplit("#", 1)[1]) for r in v.results}
    assert found == {("reversed", "LessThanOrEqualsConstraintComponent"), ("reversed", "LessThanConstraintComponent"),
                     ("reversed-bc", "LessThanOrEqualsConstraintComponent"),
                     ("reversed-bc", "LessThanConstraintComponent"), ("same", "LessThanConstraintComponent"),
                     ("not-a-date", "LessThanOrEqualsConstraintComponent"),
                     ("not-a-date", "LessThanConstraintComponent")}


@pytest.fixture(scope="module")
def samples() -> KnowledgeGraph:
    """Every bundled sample, each its own dataset, all regions (shared, read only)."""
    from samples import all_samples

    return all_samples()[0]


# One sample or more of every format (pySHACL takes minutes over all of them): POP (open data, import,
# API; dates before year 1 in Joconde), EAD, FranceArchives CSV, MARC 21 and UNIMARC, LIDO, EDM, IIIF, DC.
COMPARED = ("constructed-hdf", "pop-api", "joconde-valid-utf-8", "oai-ead-sample", "fram059017", "sudoc-24276858x",
            "batch.marcxml", "mona-lisa", "europeana-record-edm-external", "rdf-with-iiif", "bodleian", "metis-getrecord-oai-dc")


def records_of_the_samples(kg: KnowledgeGraph) -> ox.Store:
    """The records of samples of every format (:data:`COMPARED`), without the entities they share (the
    communes, concepts and institutions of graph/shared: links to them break rules, the more to compare)."""
    graphs = [d.graph for d in kg.datasets() if any(c in d.name for c in COMPARED)]
    values = " ".join(f"<{g}>" for g in graphs)
    q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {values} }} }}"
    store = ox.Store()
    store.load(kg.query(q).serialize(format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES)
    return store


def test_the_projects_shapes_give_pyshacls_results_on_every_sample(samples: KnowledgeGraph):
    store = records_of_the_samples(samples)
    shapes = read_shapes([DEFAULT_SHAPES])
    v = validate(store, shapes)
    assert v.fallback == {} and v.checks > 10
    found = ours(v.results)
    assert differences(found, pyshacl_results(ntriples(store), shapes.files)) == []
    assert sum(found.values()) > 0


def test_a_dataset_restriction_keeps_that_datasets_records_only(samples: KnowledgeGraph):
    shapes = read_shapes([DEFAULT_SHAPES])
    everything = validate(samples, shapes)
    names = {d.graph: d.name for d in samples.datasets()}
    by_dataset = Counter()
    for r in everything.results:
        graphs = {row["g"].value for row in samples.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {r.focus} a ?t }} }}")}
        by_dataset.update(names[g] for g in graphs if g in names)
    name, n = by_dataset.most_common(1)[0]
    one = validate(samples, shapes, dataset=name)
    assert one.dataset == name and len(one.results) == n < len(everything.results)


FALLBACK_SHAPE = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:TwoParts a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:property [ sh:path ex:part ; sh:qualifiedValueShape [ sh:class ex:Part ] ; sh:qualifiedMinCount 2 ] .
ex:Named a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:name ; sh:minCount 1 ] ."""


def test_a_shape_the_compiler_does_not_handle_is_run_by_pyshacl_and_named(tmp_path: Path):
    (tmp_path / "fallback.ttl").write_text(FALLBACK_SHAPE, encoding="utf-8")
    store = ox.Store()
    store.load(b"""@prefix ex: <http://example.org/> .
        ex:a a ex:Thing ; ex:part ex:p1 , ex:p2 ; ex:name "a" . ex:p1 a ex:Part . ex:p2 a ex:Part .
        ex:b a ex:Thing ; ex:part ex:p1 .""", format=ox.RdfFormat.TURTLE)
    v = validate(store, read_shapes([tmp_path / "fallback.ttl"]))
    assert list(v.fallback) == ["http://example.org/TwoParts"] and "qualified" in v.fallback["http://example.org/TwoParts"].lower()
    found = sorted((r.focus.value, r.component.rsplit("#", 1)[1], r.shape.path.label) for r in v.results)
    assert found == [("http://example.org/b", "MinCountConstraintComponent", "http://example.org/name"),
                     ("http://example.org/b", "QualifiedMinCountConstraintComponent", "http://example.org/part")]


def test_unreadable_shapes_are_a_clear_error(tmp_path: Path):
    (tmp_path / "bad.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nex:x a sh:NodeShape", encoding="utf-8")
    with pytest.raises(ShapesError, match="bad.ttl"):
        read_shapes([tmp_path])
    with pytest.raises(ShapesError, match="no shapes"):
        read_shapes([tmp_path / "empty"] if (tmp_path / "empty").mkdir() is None else [])
