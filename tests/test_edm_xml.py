"""Every record's EDM view, written as EDM RDF/XML, is what Europeana ingests: valid against Europeana's XML
Schema, and meeting Europeana's mandatory rules wherever the source has the data."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from lxml import etree

from graph import edmxml
from graph.records import InputError
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load

from conftest import SAMPLES

EDM = "http://www.europeana.eu/schemas/edm/"
NS = edmxml.layout().namespaces


def sample_files() -> list[Path]:
    """Every loadable sample, all formats (not the POP field dictionaries, nor the invalid or error fixtures)."""
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix in (".csv", ".json", ".txt", ".xml", ".iso2709")
                  and "pop-schema" not in p.parts and "invalid" not in p.parts and "errors" not in p.parts)


@cache
def every_sample() -> KnowledgeGraph:
    """Every sample loaded with ``--region all``, each file its own dataset (read only: do not write to it)."""
    kg = KnowledgeGraph(None)
    for path in sample_files():
        try:
            load(kg, [path], LoadOptions(region=None, progress=False))
        except InputError as e:  # a ListIdentifiers response holds no records (tests/test_oai.py)
            assert "no records" in str(e)
    return kg


@cache
def records() -> tuple[tuple[str, str, edmxml.EdmXml], ...]:
    """(record, dataset graph, its EDM RDF/XML) for every edm:ProvidedCHO, as each dataset publishes it.

    A record loaded by two datasets is two records, each with its dataset's aggregation (the graph of a
    dataset and the shared entities' graph, not the union of all datasets).
    """
    kg = every_sample()
    rows = kg.query(f"SELECT DISTINCT ?o ?g WHERE {{ GRAPH ?g {{ ?o a <{EDM}ProvidedCHO> }} }} ORDER BY ?g ?o")
    return tuple((r["o"].value, r["g"].value, edmxml.export(kg, r["o"].value, [r["g"].value, kg.shared[1:-1]]))
                 for r in rows)


def tag(name: str) -> str:
    prefix, _, local = name.partition(":")
    return f"{{{NS[prefix]}}}{local}"


def test_every_record_of_every_format_is_valid_against_europeanas_schema():
    found = records()
    graphs = {g for _, g, _ in found}
    # every sample file with records is a dataset here: POP, MARC, UNIMARC, EAD, CSV, LIDO, EDM, OAI-PMH, IIIF
    assert len(graphs) >= 40 and len(found) > 300
    invalid = {(o, g): errors[:3] for o, g, doc in found if (errors := edmxml.schema_errors(doc.xml))}
    assert invalid == {}


def test_each_document_is_one_record_with_what_europeana_allows_once_given_once():
    for o, g, doc in records():
        root = etree.fromstring(doc.xml)
        [cho] = root.findall(tag("edm:ProvidedCHO"))
        [aggregation] = root.findall(tag("ore:Aggregation"))
        assert cho.get(f"{{{NS['rdf']}}}about") == o
        assert len(cho.findall(tag("edm:type"))) == 1 and len(cho.findall(tag("edm:currentLocation"))) <= 1
        for name in ("edm:provider", "edm:rights", "edm:dataProvider"):
            assert len(aggregation.findall(tag(name))) == 1, (o, name)
        assert len(aggregation.findall(tag("edm:isShownAt"))) <= 1 and len(aggregation.findall(tag("edm:isShownBy"))) <= 1
        for node in root.findall(tag("edm:TimeSpan")) + root.findall(tag("edm:Place")):
            for name in ("edm:begin", "edm:end", "wgs84_pos:lat", "wgs84_pos:long"):
                assert len(node.findall(tag(name))) <= 1, (o, node.get(f"{{{NS['rdf']}}}about"), name)


# The CIDOC-CRM view's own statements in EDM's vocabularies, on nodes the EDM view shares with it, and the
# element that says the same in EDM: the writer leaves the first out, the rules derive the second.
CRM_CARRIERS = {
    ("edm:ProvidedCHO", "dcterms:rights"): ("edm:ProvidedCHO|ore:Aggregation", "dc:rights|edm:rights"),
    ("skos:Concept", "owl:sameAs"): ("skos:Concept", "skos:exactMatch"),
}


def test_the_writer_leaves_out_only_the_crm_views_statements_whose_edm_counterpart_it_writes():
    expand = edmxml.layout().expand
    carriers = {(expand(c), expand(p)): target for (c, p), target in CRM_CARRIERS.items()}
    left_out = Counter()
    for o, g, doc in records():
        root = etree.fromstring(doc.xml)
        for subject, cls, prop in doc.omitted:
            assert (cls, prop) in carriers, (o, subject, cls, prop)
            left_out[prop] += 1
            target = carriers[(cls, prop)]
            if target is None:
                continue
            classes, props = (t.split("|") for t in target)
            assert any(node.find(tag(p)) is not None for c in classes for node in root.findall(tag(c)) for p in props), (
                o, subject, prop)
    assert left_out[expand("dcterms:rights")] and left_out[expand("owl:sameAs")]  # the check above did run


def test_the_writer_writes_every_statement_edm_allows_as_the_store_holds_it():
    """Parsed back, each document gives the store's statements of the nodes it describes (lexical forms)."""
    kg = every_sample()
    for o, g, doc in records()[::7]:
        parsed = {(t.subject.value, t.predicate.value, _value(t.object))
                  for t in ox.parse(doc.xml, format=ox.RdfFormat.RDF_XML)}
        subjects = {s for s, _, _ in parsed}
        layouts = {c.iri: c for c in edmxml.layout().classes}
        for subject in subjects:
            cls = next(layouts[c[0]] for s, p, c in parsed if s == subject and p == f"{NS['rdf']}type")
            stored = {(subject, r["p"].value, _value(r["v"])) for r in kg.query(
                f"SELECT DISTINCT ?p ?v FROM <{g}> FROM {kg.shared} WHERE {{ <{subject}> ?p ?v }}")
                if r["p"].value in cls.allowed}
            written = {t for t in parsed if t[0] == subject and t[1] != f"{NS['rdf']}type"}
            assert written == stored, (o, subject)


def _value(term) -> tuple[str, str | None]:
    return (term.value, getattr(term, "language", None)) if isinstance(term, ox.Literal) else (term.value, "iri")


# -- Europeana's mandatory rules -----------------------------------------------------------------------------

CRM = "http://www.cidoc-crm.org/cidoc-crm/"
# What a source gives when it has the data a rule needs, read independently of the rules in ontology/edm/.
SOURCE_HAS = {
    "neither edm:isShownAt nor edm:isShownBy": f"""
        {{ ?o <{CRM}P129i_is_subject_of>|<{CRM}P138i_has_representation> ?x }}""",
    "needs dc:language": f"""
        {{ ?o (<{CRM}P46i_forms_part_of>|<{CRM}P106i_forms_part_of>)* ?unit .
          ?unit (<{CRM}P128_carries>|<{CRM}P65_shows_visual_item>)?/<{CRM}P72_has_language> ?x }}""",
    # a type of the object, not a classification of the record (POP base, archival or bibliographic level)
    "none of dc:subject, dc:type, dcterms:temporal, dcterms:spatial": f"""
        {{ ?o (<{CRM}P46i_forms_part_of>|<{CRM}P106i_forms_part_of>)* ?unit .
          {{ ?unit <{CRM}P62_depicts>|((<{CRM}P128_carries>|<{CRM}P65_shows_visual_item>)?/(<{CRM}P129_is_about>|<{CRM}P67_refers_to>))
                   |<{CRM}P53_has_former_or_current_location>
                   |<{CRM}P55_has_current_location>|((<{CRM}P108i_was_produced_by>|<{CRM}P94i_was_created_by>)/<{CRM}P4_has_time-span>) ?x }}
          UNION {{ ?unit <{CRM}P2_has_type> ?x
                   FILTER(!REGEX(STR(?x), "/concept/(pop-base|archival-level|bibliographic-level|legal-status|use|school)/")) }} }}""",
}


def test_mandatory_rules_are_met_wherever_the_source_has_the_data():
    kg = every_sample()
    passing, failing = 0, Counter()
    for o, g, doc in records():
        found = edmxml.problems(doc.xml)
        passing += not found
        for problem in found:
            rule = next((r for r in SOURCE_HAS if r in problem), None)
            assert rule is not None, (o, problem)  # provider, data provider, rights, title, edm:type: always met
            failing[rule] += 1
            assert not kg.query(f"ASK FROM <{g}> WHERE {{ BIND(<{o}> AS ?o) {SOURCE_HAS[rule]} }}"), (o, problem)
    # the records that pass: POP, LIDO, EDM, OAI-PMH Dublin Core, most EAD and MARC with a link
    assert passing > 100, failing


@pytest.mark.parametrize("name, reasons", [
    ("Item_schematron_invalid.xml", [
        "edm:aggregatedCHO is not the record's edm:ProvidedCHO",
        "no edm:dataProvider",
        "edm:rights https://creativecommons.org/licenses/by-nc-nd/4.0/ is not a rights statement Europeana accepts"]),
    ("edm_external_invalid_edm_intendedUsage.xml", [
        "edm:WebResource/edm:intendedUsage: http://data.europeana.eu/vocabulary/usageArea/InvalidValue "
        "is not a value of http://data.europeana.eu/vocabulary/usageArea/"]),
])
def test_europeanas_negative_samples_fail_for_their_documented_reasons(name, reasons):
    document = etree.parse(str(SAMPLES / "edm" / "invalid" / name))
    # Valid XML for the schema: what is wrong is what Europeana's Schematron and controlled lists check.
    assert edmxml.schema_errors(document) == []
    found = edmxml.problems(document)
    assert len(found) == len(reasons) and all(reason in problem for reason, problem in zip(reasons, found)), found


def test_europeanas_own_valid_record_passes_both_checks():
    document = etree.parse(str(SAMPLES / "edm" / "europeana_record_edm_external_sorted.xml"))
    assert edmxml.schema_errors(document) == []
    assert edmxml.problems(document) == []


def test_problems_catch_what_the_schema_cannot():
    """Empty values, a text beside a resource, a TEXT record without language, two CHOs in one document."""
    kg = every_sample()
    o, g, doc = next(r for r in records() if "sudoc/24276858X" in r[0])  # a thesis: TEXT
    root = etree.fromstring(doc.xml)
    cho = root.find(tag("edm:ProvidedCHO"))
    for language in cho.findall(tag("dc:language")):
        cho.remove(language)
    etree.SubElement(cho, tag("dc:subject")).text = " "
    rights = root.find(tag("ore:Aggregation")).find(tag("edm:rights"))
    rights.text = "CC BY"
    root.append(etree.fromstring(etree.tostring(cho)))
    found = edmxml.problems(root)
    assert "2 edm:ProvidedCHO (exactly one expected)" in found
    assert f"edm:ProvidedCHO {o}: a TEXT record needs dc:language" in found
    assert "edm:ProvidedCHO/dc:subject: empty value" in found
    assert "ore:Aggregation/edm:rights: both an rdf:resource and a text" in found
    assert kg is every_sample()


def test_rights_patterns_of_the_rules_are_europeanas():
    """The aggregation rule accepts a source's rights statement by the very patterns of the schema."""
    import json

    rule = (edmxml.EDM_DIR / "20-aggregation.rq").read_text(encoding="utf-8")
    patterns = json.loads((edmxml.EDM_DIR / "mandatory.json").read_text(encoding="utf-8"))["rights_patterns"]
    schema = (edmxml.EDM_DIR / "schema" / "EDM-EXTERNAL-MAIN.xsd").read_text(encoding="utf-8")
    for p in patterns:
        assert f'value="{p}"' in schema and p.strip("^$") in rule
    assert edmxml.accepted_rights("http://rightsstatements.org/vocab/CNE/1.0/")
    assert not edmxml.accepted_rights("https://creativecommons.org/licenses/by/4.0/")
