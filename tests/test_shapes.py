"""The SHACL shapes hold on the bundled samples, and catch what they are meant to catch."""

from __future__ import annotations

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib

from patrimoine.pipeline import LoadOptions, load
from graph.store import KnowledgeGraph

from conftest import ROOT, SAMPLES

SHAPES = ROOT / "shapes" / "heritage-object.ttl"


# pySHACL and rdflib warn about their own deprecated internals (Dataset.default_context, comparisons
# of BC dateTime literals); not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def graph_of(kg: KnowledgeGraph) -> rdflib.Graph:
    """The union default graph, as pySHACL reads it."""
    data = kg.query("CONSTRUCT WHERE { ?s ?p ?o }").serialize(format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


def validate(g: rdflib.Graph) -> tuple[bool, rdflib.Graph]:
    conforms, report, _ = pyshacl.validate(g, shacl_graph=str(SHAPES), allow_warnings=False)
    return conforms, report


def test_pop_samples_conform():
    kg = KnowledgeGraph(None)
    load(kg, sorted((SAMPLES / "pop").glob("constructed-hdf-*-opendata.csv")), LoadOptions(progress=False))
    conforms, report = validate(graph_of(kg))
    assert conforms, report.serialize(format="turtle")


def test_a_time_span_ending_before_it_begins_is_reported_in_french_and_english():
    kg = KnowledgeGraph(None)
    load(kg, [SAMPLES / "pop" / "pop-api-merimee-item.json"], LoadOptions(region=None, progress=False))
    g = graph_of(kg)
    crm = rdflib.Namespace("http://www.cidoc-crm.org/cidoc-crm/")
    ts = next(g.subjects(rdflib.RDF.type, crm["E52_Time-Span"]))
    g.set((ts, crm.P82a_begin_of_the_begin, rdflib.Literal("1990-01-01T00:00:00", datatype=rdflib.XSD.dateTime)))
    conforms, report = validate(g)
    assert not conforms
    messages = {str(m) for m in report.objects(None, rdflib.URIRef("http://www.w3.org/ns/shacl#resultMessage"))}
    assert "La période commence après sa fin." in messages and "The time-span begins after it ends." in messages


def test_shapes_run_on_bc_time_spans_and_still_catch_a_span_ending_before_it_begins():
    """Joconde's '4e quart 1er siècle av JC ; 1er siècle' begins at -0024 (an XSD 1.1 year, which rdflib
    cannot read): the shapes compare bounds on their lexical form, so pySHACL runs, the span conforms, and a
    BC span written backwards (-0399 .. -0400) is reported."""
    kg = KnowledgeGraph(None)
    load(kg, [SAMPLES / "pop" / "constructed-hdf-joconde-opendata.csv"], LoadOptions(region=None, progress=False))
    g = graph_of(kg)
    crm = rdflib.Namespace("http://www.cidoc-crm.org/cidoc-crm/")
    bc = [ts for ts in g.subjects(rdflib.RDF.type, crm["E52_Time-Span"])
          if str(g.value(ts, crm.P82a_begin_of_the_begin)).startswith("-")]
    assert bc
    conforms, report = validate(g)
    assert conforms, report.serialize(format="turtle")
    g.set((bc[0], crm.P82a_begin_of_the_begin, rdflib.Literal("-0399-01-01T00:00:00", datatype=rdflib.XSD.dateTime)))
    g.set((bc[0], crm.P82b_end_of_the_end, rdflib.Literal("-0400-12-31T23:59:59", datatype=rdflib.XSD.dateTime)))
    conforms, report = validate(g)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert not conforms and {str(f) for f in report.objects(None, sh.focusNode)} == {str(bc[0])}
