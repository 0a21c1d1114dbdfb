"""EDM RDF/XML loader: Europeana's own test records (samples/edm/), loaded through the pipeline, queried with SPARQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from patrimoine.pipeline import LoadOptions, load
from graph.records import InputError
from graph.settings import Settings
from graph.iri import dataset_name_for
from graph.store import KnowledgeGraph
from loaders import detect
from test_lido import entity_trap, load_file, rows, values

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "edm"
SKARA_BRAE = SAMPLES / "europeana_record_edm_external_sorted.xml"
INTERNAL = SAMPLES / "europeana_record_edm_internal.xml"
IIIF = SAMPLES / "rdf_with_iiif_sample.xml"
SCHEMATRON_INVALID = SAMPLES / "invalid" / "Item_schematron_invalid.xml"
USAGE_INVALID = SAMPLES / "invalid" / "edm_external_invalid_edm_intendedUsage.xml"
ALL = [SKARA_BRAE, INTERNAL, IIIF, SCHEMATRON_INVALID, USAGE_INVALID]


def edm(kg: KnowledgeGraph, local: str) -> str:
    """The graph IRI of a provider's relative identifier (``CMC_HA/936``)."""
    return f"<{kg.minter.base}edm/{local}>"


@pytest.fixture(scope="module")
def skara_brae() -> KnowledgeGraph:
    return load_file(SKARA_BRAE, fmt="edm")[0]


@pytest.fixture(scope="module")
def iiif() -> KnowledgeGraph:
    return load_file(IIIF, fmt="edm")[0]


def test_skara_brae_gets_a_crm_view_under_the_providers_cho_iri(skara_brae):
    [ds] = skara_brae.datasets()
    assert (ds.records_read, ds.records_loaded, ds.records_rejected) == (1, 1, 0)
    cho = edm(skara_brae, "CMC_HA/936")
    assert rows(skara_brae, f"""SELECT ?t (LANG(?t) AS ?l) WHERE {{ {cho} a crm:E22_Human-Made_Object ;
        crm:P102_has_title/crm:P190_has_symbolic_content ?t }}""") == {
        ("Panoramic Photography of link path 7-8 at Skara Brae", "en")}
    place = rows(skara_brae, f"""SELECT ?place ?name ?wkt ?lat ?long WHERE {{
        {cho} crm:P53_has_former_or_current_location ?place . ?place a crm:E53_Place ; rdfs:label ?name ;
        crm:P168_place_is_defined_by ?wkt ; wgs84_pos:lat ?lat ; wgs84_pos:long ?long }}""")
    # the provider's own coordinates, once: the EDM view does not derive a second pair from the WKT point
    assert place == {("iid:4387/SP.1", "Skara Brae", "POINT(-3.343056 59.048610)", "59.04861", "-3.343056")}
    # the provider's TimeSpan (edm:begin/end) bounds the production
    assert rows(skara_brae, f"""SELECT ?l ?b ?e WHERE {{ {cho} crm:P108i_was_produced_by/crm:P4_has_time-span ?ts .
        ?ts rdfs:label ?l ; crm:P82a_begin_of_the_begin ?b ; crm:P82b_end_of_the_end ?e }}""") == {
        ("Neolithic", "-3180-01-01T00:00:00", "-2500-12-31T23:59:59")}
    assert values(skara_brae, f"SELECT ?k WHERE {{ {cho} crm:P50_has_current_keeper/rdfs:label ?k }}") == {
        "Historic Scotland"}


def test_skara_brae_keeps_one_provided_cho_and_one_aggregation(skara_brae):
    cho = edm(skara_brae, "CMC_HA/936")
    assert values(skara_brae, "SELECT ?c WHERE { ?c a edm:ProvidedCHO }") == {cho[1:-1]}
    [(agg, rights, provider, intermediate, at)] = rows(skara_brae, f"""SELECT ?agg ?r ?p ?i ?at WHERE {{
        ?agg a ore:Aggregation ; edm:aggregatedCHO {cho} ; edm:rights ?r ; edm:provider ?p ;
        edm:intermediateProvider ?i ; edm:isShownAt ?at }}""")
    # the provider's CMC_HA/936#ORE, renamed: one aggregation per dataset describing the CHO, not two
    assert agg == f"{cho[1:-1]}#{dataset_name_for(SKARA_BRAE.stem)}/aggregation"
    assert rights == "http://rightsstatements.org/vocab/InC/1.0/"
    assert (provider, intermediate) == (Settings.provider, "CARARE")
    assert at == "http://cmcassociates.co.uk/Skara_Brae/landing/sb_h10_lidar.html"  # leading spaces trimmed
    assert values(skara_brae, "SELECT ?a WHERE { ?a a ore:Aggregation }") == {agg}
    assert values(skara_brae, f"SELECT ?x WHERE {{ {edm(skara_brae, 'CMC_HA/936#ORE')} ?p ?x }}") == set()


def test_skara_brae_keeps_the_providers_own_edm_statements(skara_brae):
    cho = edm(skara_brae, "CMC_HA/936")
    assert values(skara_brae, f"SELECT ?v WHERE {{ {cho} edm:pid ?v }}") == {
        "ark:/12148/cb12031244g", "https://ark.bnf.fr/ark:/12148/bpt6k279983"}
    assert "3D" in values(skara_brae, f"SELECT ?v WHERE {{ {cho} edm:type ?v }}")
    assert "http://vocab.getty.edu/aat/300008372" in values(skara_brae, f"SELECT ?s WHERE {{ {cho} dc:subject ?s }}")
    timespan = edm(skara_brae, "HA/936#timespan")
    assert values(skara_brae, f"SELECT ?s WHERE {{ {cho} dcterms:temporal {timespan} . {timespan} owl:sameAs ?s }}"
                  ) == {"http://www.wikidata.org/entity/Q2314807", "http://vocab.getty.edu/aat/300019272"}  # entities
    resource = "<http://www.cmcassociates.co.uk/Skara_Brae/scandata/house10/sb10_scandata_th.jpg>"
    assert values(skara_brae, f"SELECT ?u WHERE {{ {resource} a edm:WebResource ; edm:intendedUsage ?u }}") == {
        "http://data.europeana.eu/vocabulary/usageArea/Knowledge"}


def test_internal_form_is_brought_back_to_the_providers_view():
    kg, report = load_file(INTERNAL, fmt="edm")
    assert report.counts.records_loaded == 1
    cho = edm(kg, "00000/some_record_id1")
    assert values(kg, f"SELECT ?t WHERE {{ {cho} a crm:E22_Human-Made_Object ; dc:title ?t }}") == {
        "Panoramic Photography of link path 7-8 at Skara Brae"}
    assert values(kg, "SELECT ?x WHERE { { ?x a ore:Proxy } UNION { ?x a edm:EuropeanaAggregation } "
                      "UNION { ?x ore:proxyFor ?y } }") == set()
    assert values(kg, "SELECT ?a WHERE { ?a a ore:Aggregation }") == {f"{cho[1:-1]}#{report.dataset}/aggregation"}


def test_iiif_sample_web_resources_and_services(iiif):
    cho = edm(iiif, "H-0614")
    base = "https://stacks.stanford.edu/image/iiif/zw031pj2507/"
    # a text in a language (dc:language): a document that is a linguistic object
    assert values(iiif, f"SELECT ?c WHERE {{ {cho} a ?c FILTER(STRSTARTS(STR(?c), STR(crm:))) }}") == {
        "http://www.cidoc-crm.org/cidoc-crm/E31_Document", "http://www.cidoc-crm.org/cidoc-crm/E33_Linguistic_Object"}
    services = rows(iiif, f"""SELECT ?img ?service ?profile WHERE {{
        {cho} crm:P138i_has_representation/la:digitally_shown_by/la:access_point ?img .
        ?img a edm:WebResource ; svcs:has_service ?service .
        ?service dcterms:conformsTo <http://iiif.io/api/image> ; doap:implements ?profile }}""".replace(
        "SELECT", "PREFIX svcs: <http://rdfs.org/sioc/services#> PREFIX doap: <http://usefulinc.com/ns/doap#> SELECT", 1))
    assert services == {
        (f"{base}zw031pj2507_0001/full/full/0/default.jpg", f"{base}zw031pj2507_0001",
         "http://iiif.io/api/image/2/level2.json"),
        (f"{base}zw031pj2507_0002/full/full/0/default.jpg", f"{base}zw031pj2507_0002",
         "http://iiif.io/api/image/2/level2.json"),
    }
    assert rows(iiif, f"""SELECT ?by ?view WHERE {{ ?agg edm:aggregatedCHO {cho} ; edm:isShownBy ?by ; edm:hasView ?view }}"""
                ) == {(f"{base}zw031pj2507_0001/full/full/0/default.jpg", f"{base}zw031pj2507_0002/full/full/0/default.jpg")}
    assert rows(iiif, f"""SELECT ?b ?e WHERE {{ {cho} crm:P94i_was_created_by/crm:P4_has_time-span ?ts .
        ?ts crm:P82a_begin_of_the_begin ?b ; crm:P82b_end_of_the_end ?e }}""") == {
        ("1946-07-12T00:00:00", "1946-07-12T23:59:59")}  # dc:date 1946-07-12: the day is kept


def test_iiif_sample_edm_view_repeats_the_providers_texts_exactly(iiif):
    """A text of the CRM view keeps the provider's exact value and language: the derived dc:description is the same."""
    cho = edm(iiif, "H-0614")
    descriptions = rows(iiif, f"SELECT ?d (LANG(?d) AS ?l) WHERE {{ {cho} dc:description ?d }}")
    assert len(descriptions) == 2
    assert {lang for _, lang in descriptions} == {"", "en"}


def test_schematron_invalid_sample_is_rejected_with_the_reasons():
    kg, report = load_file(SCHEMATRON_INVALID, fmt="edm")
    c = report.counts
    assert (c.records_read, c.records_loaded, c.records_rejected) == (2, 0, 2)
    reasons = {r["source_id"]: r["reason"] for r in report.rejections}
    assert reasons["URN:RS:NAE:5485bed1-1b22-42c9-8ad7-3c5978ebfa9acho"] == (
        "no ore:Aggregation has this edm:ProvidedCHO as its edm:aggregatedCHO")
    aggregation = "http://digitalna.nb.rs/wb/NBS/Knjige/sabrana_dela_vuka_karadzica/II_146423_24"
    assert reasons[aggregation] == (f"ore:Aggregation {aggregation} aggregates {aggregation}, "
                                    "which is not an edm:ProvidedCHO of the file")
    [ds] = kg.datasets()
    assert (ds.records_rejected, ds.triples) == (2, 0)
    assert values(kg, "SELECT ?o WHERE { { ?o a edm:ProvidedCHO } UNION { ?o a ore:Aggregation } }") == set()


def test_invalid_intended_usage_is_rejected_with_the_reason():
    kg, report = load_file(USAGE_INVALID, fmt="edm")
    assert (report.counts.records_loaded, report.counts.records_rejected) == (0, 1)
    [rejection] = report.rejections
    assert rejection["source_id"] == "CMC_HA/936" and rejection["line"] == 18
    assert "edm:intendedUsage <http://data.europeana.eu/vocabulary/usageArea/InvalidValue> is not one of " \
           "Europeana's usage areas" in rejection["reason"]


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SKARA_BRAE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "skara-brae-variant.xml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_cho_without_title_or_description_is_rejected(tmp_path):
    text = SKARA_BRAE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True)
             if "<dc:title" not in line or "Skara Brae</dc:title>" not in line]
    lines = [line for line in lines if "<dc:description" not in line or "Point cloud" not in line]
    path = tmp_path / "no-title.xml"
    path.write_text("".join(lines), encoding="utf-8")
    _, report = load_file(path, fmt="edm")
    assert report.counts.records_rejected == 1
    assert report.rejections[0]["reason"] == "edm:ProvidedCHO has neither dc:title nor dc:description"


@pytest.mark.parametrize("rights, outcome", [
    ("https://creativecommons.org/licenses/by-sa/4.0/", "http://creativecommons.org/licenses/by-sa/4.0/"),
    ("http://rightsstatements.org/vocab/NoC-NC/1.0/", "http://rightsstatements.org/vocab/NoC-NC/1.0/"),
    ("http://example.org/our-own-licence", None),
])
def test_rights_must_be_a_statement_europeana_accepts(tmp_path, rights, outcome):
    path = _variant(tmp_path, '<edm:rights rdf:resource="http://rightsstatements.org/vocab/InC/1.0/"/>\n    </ore',
                    f'<edm:rights rdf:resource="{rights}"/>\n    </ore')
    kg, report = load_file(path, fmt="edm")
    if outcome is None:
        assert report.counts.records_rejected == 1
        assert f"edm:rights <{rights}> is not a rights statement Europeana accepts" in report.rejections[0]["reason"]
    else:
        assert values(kg, "SELECT ?r WHERE { ?a a ore:Aggregation ; edm:rights ?r }") == {outcome}


def test_empty_resource_is_rejected_not_read_as_the_document_itself(tmp_path):
    path = _variant(tmp_path, '<dcterms:spatial rdf:resource="iid:4387/SP.1"/>', '<dcterms:spatial rdf:resource=""/>')
    _, report = load_file(path, fmt="edm")
    assert report.counts.records_rejected == 1
    assert "empty rdf:resource in spatial at line" in report.rejections[0]["reason"]


def test_loading_twice_gives_the_same_triples():
    def triples() -> set[str]:
        kg, _ = load_file(SKARA_BRAE, fmt="edm")
        return {str(q) for q in kg.store if "catalogue" not in str(q.graph_name)}
    assert triples() == triples()


@pytest.mark.parametrize("path", ALL)
def test_detected_from_content_not_extension(path, tmp_path):
    assert detect(path).name == "edm"
    renamed = tmp_path / (path.stem + ".rdf.bin")
    shutil.copyfile(path, renamed)
    assert detect(renamed).name == "edm"


def test_counts_reconcile_over_every_sample():
    kg = KnowledgeGraph(None)
    reports = load(kg, ALL, LoadOptions(format=None, region=None, progress=False))
    assert all(r.counts.reconciles() for r in reports)
    assert [(r.counts.records_read, r.counts.records_loaded) for r in reports] == [(1, 1), (1, 1), (1, 1), (2, 0), (1, 0)]
    assert sum(d.records_loaded for d in kg.datasets()) == 3


def test_truncated_file_is_an_input_error(tmp_path):
    cut = tmp_path / "truncated.xml"
    cut.write_bytes(SKARA_BRAE.read_bytes()[:3000])
    kg = KnowledgeGraph(None)
    with pytest.raises(InputError, match="not well-formed XML at line"):
        load(kg, [cut], LoadOptions(format="edm", region=None, progress=False))
    assert len(kg.store) == 0


def test_a_file_that_is_not_rdf_is_an_input_error():
    lido = Path(__file__).resolve().parent.parent / "samples" / "lido" / "example1.xml"
    with pytest.raises(InputError, match=r"not EDM RDF/XML \(the root element is <lido>"):
        load(KnowledgeGraph(None), [lido], LoadOptions(format="edm", region=None, progress=False))


@pytest.mark.parametrize("fmt", ["edm", None])
def test_entity_declaring_rdf_is_refused_without_any_file_or_network_access(tmp_path, fmt):
    with entity_trap(tmp_path) as (url, fifo, seen):
        text = SKARA_BRAE.read_text(encoding="utf-8")
        evil = tmp_path / "evil.xml"
        evil.write_text(text.replace(
            "<rdf:RDF", f'<!DOCTYPE rdf:RDF [<!ENTITY net SYSTEM "{url}"><!ENTITY file SYSTEM "file://{fifo}">]>\n'
                        "<rdf:RDF", 1).replace("<dc:format>Leica PTX</dc:format>", "<dc:format>&net;&file;</dc:format>"),
            encoding="utf-8")
        kg = KnowledgeGraph(None)
        with pytest.raises(InputError, match="declares XML entities"):
            load(kg, [evil], LoadOptions(format=fmt, region=None, progress=False))
        assert seen == {"http": False, "file": False}
        assert len(kg.store) == 0
