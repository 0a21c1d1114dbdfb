"""Every CIDOC-CRM, EDM and profile term the graph uses is defined in the vocabulary files we ship."""

from __future__ import annotations

from functools import cache

import rdflib

from graph.namespaces import CRM, DIG, EDM, LA, PKG
from graph.store import KnowledgeGraph

from conftest import ROOT
from samples import all_samples

ONTOLOGY = ROOT / "ontology"


@cache
def defined() -> set[str]:
    g = rdflib.Graph()
    g.parse(ONTOLOGY / "vocabularies" / "CIDOC_CRM_v7.1.3.rdf", format="xml")
    g.parse(ONTOLOGY / "vocabularies" / "linked-art-terms.rdf", format="xml")
    g.parse(ONTOLOGY / "vocabularies" / "linked-art-crm-enhancements.rdf", format="xml")
    g.parse(ONTOLOGY / "vocabularies" / "edm.ttl", format="turtle")
    g.parse(ONTOLOGY / "vocabularies" / "edm-xsd-additions.ttl", format="turtle")
    g.parse(ONTOLOGY / "profile.ttl", format="turtle")
    return {str(s) for s in g.subjects() if isinstance(s, rdflib.URIRef)}


def used_terms(kg: KnowledgeGraph) -> set[str]:
    q = "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }"
    return {row["t"].value for row in kg.query(q)}


def test_vocabulary_files_are_complete():
    terms = defined()
    assert CRM.iri("E22_Human-Made_Object") in terms and CRM.iri("P4_has_time-span") in terms
    assert EDM.iri("ProvidedCHO") in terms and PKG.iri("housedIn") in terms


def test_every_crm_edm_and_profile_term_used_by_the_loaders_is_defined():
    kg, loaded = all_samples()
    assert loaded > 100
    namespaces = (CRM.uri, EDM.uri, PKG.uri, LA.uri, DIG.uri)
    unknown = sorted(t for t in used_terms(kg) if t.startswith(namespaces) and t not in defined())
    assert unknown == []
