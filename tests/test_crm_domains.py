"""Every CIDOC-CRM triple of every bundled sample respects its property's domain and range (RDFS 7.1.3)."""

from __future__ import annotations

import pyoxigraph as ox

from graph.domains import check, default_vocabulary, summary

from samples import all_samples

CRM = "http://www.cidoc-crm.org/cidoc-crm/"


def test_no_domain_or_range_violation_in_any_sample():
    kg, loaded = all_samples()
    assert loaded > 300
    violations = check(kg.store)
    assert summary(violations) == {}, "\n".join(map(str, violations[:20]))


def test_the_check_reasons_with_subclasses_and_subproperties():
    vocab = default_vocabulary()
    assert CRM + "E18_Physical_Thing" in vocab.closure([CRM + "E78_Curated_Holding"])
    # P46i inherits nothing wider than its own domain; P190 (sub-property of P3) keeps E90
    assert vocab.domains[CRM + "P190_has_symbolic_content"] >= {CRM + "E90_Symbolic_Object", CRM + "E1_CRM_Entity"}


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _store(turtle: str) -> ox.Store:
    store = ox.Store()
    store.load(f"@prefix crm: <{CRM}> . @prefix : <http://example.org/> .\n{turtle}".encode(),
               format=ox.RdfFormat.TURTLE)
    return store


def test_the_check_finds_each_kind_of_slip():
    store = _store("""
        :doc a crm:E31_Document ; crm:P50_has_current_keeper :g ; crm:P46_is_composed_of :item .
        :item a crm:E22_Human-Made_Object ; crm:P128_carries :doc ; crm:P190_has_symbolic_content "x" .
        :g a crm:E74_Group ; crm:P2_has_type "not a type" .
        :fonds a crm:E78_Curated_Holding ; crm:P46_is_composed_of :item ; crm:P50_has_current_keeper :g ;
               crm:P999_made_up :g .
        :x a crm:E999_Made_Up .
    """)
    found = sorted((v.kind, _local(v.predicate), _local(v.subject)) for v in check(store))
    assert found == [
        ("domain", "P190_has_symbolic_content", "item"),   # an object has no symbolic content
        ("domain", "P46_is_composed_of", "doc"),           # a document is not physical
        ("domain", "P50_has_current_keeper", "doc"),
        ("range", "P2_has_type", "g"),                     # a literal where a type is due
        ("unknown class", "type", "x"),
        ("unknown property", "P999_made_up", "fonds"),
    ]
