"""Every CIDOC-CRM, EDM and profile term the graph uses is defined in the vocabulary files we ship."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import rdflib

from graph.namespaces import CRM, EDM, PKG
from patrimoine.pipeline import LoadOptions, load
from graph.store import KnowledgeGraph

from conftest import ROOT, SAMPLES

ONTOLOGY = ROOT / "ontology"


@cache
def defined() -> set[str]:
    g = rdflib.Graph()
    g.parse(ONTOLOGY / "vocabularies" / "CIDOC_CRM_v7.1.3.rdf", format="xml")
    g.parse(ONTOLOGY / "vocabularies" / "edm.ttl", format="turtle")
    g.parse(ONTOLOGY / "vocabularies" / "edm-xsd-additions.ttl", format="turtle")
    g.parse(ONTOLOGY / "profile.ttl", format="turtle")
    return {str(s) for s in g.subjects() if isinstance(s, rdflib.URIRef)}


def used_terms(kg: KnowledgeGraph) -> set[str]:
    q = "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }"
    return {row["t"].value for row in kg.query(q)}


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix in (".csv", ".json", ".txt", ".xml", ".iso2709")
                  and "pop-schema" not in p.parts and "invalid" not in p.parts and "errors" not in p.parts)


def test_vocabulary_files_are_complete():
    terms = defined()
    assert CRM.iri("E22_Human-Made_Object") in terms and CRM.iri("P4_has_time-span") in terms
    assert EDM.iri("ProvidedCHO") in terms and PKG.iri("housedIn") in terms


def test_every_crm_edm_and_profile_term_used_by_the_loaders_is_defined(tmp_path: Path):
    kg = KnowledgeGraph(None)
    loaded = 0
    for path in sample_files():
        try:
            loaded += sum(r.counts.records_loaded for r in load(kg, [path], LoadOptions(region=None, progress=False,
                          dataset=f"s{loaded}-{path.stem.lower()[:40]}".replace("_", "-"))))
        except Exception as e:  # samples that are not loadable on purpose say so in their own tests
            if "not recognised" not in str(e) and "no records" not in str(e):
                raise
    assert loaded > 100
    namespaces = (CRM.uri, EDM.uri, PKG.uri)
    unknown = sorted(t for t in used_terms(kg) if t.startswith(namespaces) and t not in defined())
    assert unknown == []
