"""Readiness for Europeana: metadata and content tiers, problem patterns, per record and per dataset."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.store import KnowledgeGraph
from graph.validation.europeana import readiness
from patrimoine.pipeline import LoadOptions, load

from conftest import SAMPLES

PREFIXES = """@prefix edm: <http://www.europeana.eu/schemas/edm/> . @prefix ore: <http://www.openarchives.org/ore/terms/> .
@prefix dc: <http://purl.org/dc/elements/1.1/> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix wgs84_pos: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix ebucore: <http://www.ebu.ch/metadata/ontologies/ebucore/ebucore#> . @prefix ex: <http://example.org/> .
@prefix svcs: <http://rdfs.org/sioc/services#> .
"""


def records(turtle: str) -> dict[str, object]:
    store = ox.Store()
    store.load((PREFIXES + turtle).encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("http://example.org/g"))
    return {r.iri.rsplit("/", 1)[1]: r for r in readiness(store).records}


def test_metadata_tier_is_the_lowest_of_language_enabling_elements_and_contextual_classes():
    found = records("""
    ex:rich a edm:ProvidedCHO ; edm:type "IMAGE" ; dc:title "Vue d'Amiens"@fr ; dc:description "Gravure du XVIIIe siècle."@fr ;
        dc:subject ex:gravure ; dc:type "estampe"@fr ; dcterms:spatial ex:amiens ; dcterms:temporal ex:c18 ; dc:creator ex:artist .
    ex:gravure a skos:Concept ; skos:prefLabel "gravure"@fr ; skos:exactMatch <http://vocab.getty.edu/aat/300041340> .
    ex:amiens a edm:Place ; skos:prefLabel "Amiens"@fr ; wgs84_pos:lat "49.89" ; wgs84_pos:long "2.30" .
    ex:c18 a edm:TimeSpan ; skos:prefLabel "XVIIIe siècle"@fr ; edm:begin "1701" ; edm:end "1800" .
    ex:artist a edm:Agent ; skos:prefLabel "Anonyme"@fr .
    ex:plain a edm:ProvidedCHO ; edm:type "IMAGE" ; dc:title "Vue" ; dc:description "Une vue." ; dc:type "estampe" .
    ex:half a edm:ProvidedCHO ; edm:type "TEXT" ; dc:title "Lettre"@fr ; dc:description "Lettre à un ami" ;
        dcterms:created "1850" ; dc:creator "X" .
    """)
    rich, plain, half = found["rich"], found["plain"], found["half"]
    assert (rich.language, rich.enabling, rich.contextual, rich.metadata) == ("C", "C", "C", "C")
    assert rich.language_share == 1.0
    # no language anywhere: tier 0 whatever the rest
    assert (plain.language, plain.enabling, plain.contextual, plain.metadata) == ("0", "A", "A", "0")
    # title tagged, description not: 50 %; a date and an agent: two elements of two groups
    assert (half.language_share, half.language, half.enabling, half.metadata) == (0.5, "B", "A", "A")


def test_content_tier_follows_media_size_and_rights_as_far_as_the_data_tells():
    found = records("""
    ex:none a edm:ProvidedCHO ; edm:type "IMAGE" ; dc:title "a"@fr . ex:none-agg edm:aggregatedCHO ex:none ;
        edm:isShownAt <http://example.org/page> ; edm:rights <http://creativecommons.org/publicdomain/mark/1.0/> .
    ex:unknown a edm:ProvidedCHO ; edm:type "IMAGE" . ex:unknown-agg edm:aggregatedCHO ex:unknown ;
        edm:isShownBy <http://example.org/u.jpg> ; edm:rights <http://creativecommons.org/publicdomain/mark/1.0/> .
    ex:big-open a edm:ProvidedCHO ; edm:type "IMAGE" . ex:big-open-agg edm:aggregatedCHO ex:big-open ;
        edm:isShownBy <http://example.org/big.jpg> ; edm:rights <http://creativecommons.org/licenses/by/4.0/> .
    <http://example.org/big.jpg> a edm:WebResource ; ebucore:width 1600 ; ebucore:height 1200 .
    ex:big-nc a edm:ProvidedCHO ; edm:type "IMAGE" . ex:big-nc-agg edm:aggregatedCHO ex:big-nc ;
        edm:isShownBy <http://example.org/big.jpg> ; edm:rights <http://creativecommons.org/licenses/by-nc/4.0/> .
    ex:big-closed a edm:ProvidedCHO ; edm:type "IMAGE" . ex:big-closed-agg edm:aggregatedCHO ex:big-closed ;
        edm:hasView <http://example.org/big.jpg> ; edm:rights <http://rightsstatements.org/vocab/InC/1.0/> .
    ex:iiif a edm:ProvidedCHO ; edm:type "IMAGE" . ex:iiif-agg edm:aggregatedCHO ex:iiif ;
        edm:isShownBy <http://example.org/iiif/full.jpg> ; edm:rights <http://creativecommons.org/publicdomain/zero/1.0/> .
    <http://example.org/iiif/full.jpg> a edm:WebResource ; svcs:has_service <http://example.org/iiif> .
    ex:tiny a edm:ProvidedCHO ; edm:type "IMAGE" . ex:tiny-agg edm:aggregatedCHO ex:tiny ;
        edm:isShownBy <http://example.org/tiny.jpg> ; edm:rights <http://creativecommons.org/publicdomain/zero/1.0/> .
    <http://example.org/tiny.jpg> a edm:WebResource ; ebucore:width 200 ; ebucore:height 150 .
    """)
    tiers = {k: (r.content, r.content_limit) for k, r in found.items()}
    assert tiers == {"none": (0, "no-media"), "unknown": (1, "size-unknown"), "big-open": (4, ""),
                     "big-nc": (3, "rights-restricted"), "big-closed": (2, "rights-closed"),
                     "iiif": (2, "size-unknown"), "tiny": (0, "too-small")}


def test_problem_patterns_of_records():
    found = records("""
    ex:dup1 a edm:ProvidedCHO ; dc:title "Vue de la cathédrale" ; dc:description "Une vue prise depuis le parvis, vers 1900, par un photographe amiénois." .
    ex:dup2 a edm:ProvidedCHO ; dc:title "Vue de la Cathédrale." ; dc:description "Une autre vue, prise depuis la rue, au début du siècle dernier, en hiver." .
    ex:same a edm:ProvidedCHO ; dc:title "Registre paroissial" ; dc:description "Registre paroissial" .
    ex:near a edm:ProvidedCHO ; dc:title "Registre paroissial de Corbie" ; dc:description "Registre paroissial de Corbie." .
    ex:code a edm:ProvidedCHO ; dc:title "IMG_0042.jpg" ; dc:description "Photographie d'un portail d'église, prise en 1910 par un amateur." .
    ex:short a edm:ProvidedCHO ; dc:title "Ex" .
    ex:brief a edm:ProvidedCHO ; dc:title "Portrait de femme" ; dc:description "Huile sur toile." .
    ex:long a edm:ProvidedCHO ; dc:title "Plan de la ville d'Amiens avec ses fortifications, ses faubourgs et les environs immédiats" ;
        dc:description "Plan gravé, aquarellé à la main, publié à Paris chez un éditeur de cartes du roi." .
    """)
    assert {k: r.problems for k, r in found.items()} == {
        "dup1": ["P1"], "dup2": ["P1"], "same": ["P2", "P9"], "near": ["P3", "P9"], "code": ["P5"],
        "short": ["P6", "P7"], "brief": ["P9"], "long": ["P12"]}


def test_per_dataset_distributions_and_records_to_improve_first_on_real_samples():
    kg = KnowledgeGraph(None)
    load(kg, [SAMPLES / "edm" / "rdf_with_iiif_sample.xml"], LoadOptions(region=None, progress=False, dataset="iiif-edm"))
    load(kg, [SAMPLES / "ead" / "FRAN_IR_009555.xml"], LoadOptions(region=None, progress=False, dataset="an"))
    r = readiness(kg)
    per = r.datasets()
    assert set(per) == {"iiif-edm", "an"}
    an = per["an"]
    assert an["records"] == sum(an["metadata"].values()) == sum(an["content"].values()) > 10
    assert an["content"]["0"] == an["records"]  # finding-aid entries without digitised files
    assert an["problems"]["P7"] > 0
    # the Nuremberg transcript: a TEXT with IIIF images, under a closed rights statement
    [text] = [x for x in r.records if x.dataset == "iiif-edm"]
    assert (text.type, text.content, text.content_limit) == ("TEXT", 2, "rights-closed")
    first = r.improve_first(5)
    assert first == sorted(r.records, key=lambda x: x.priority())[:5] and first[0].metadata <= first[-1].metadata
    assert readiness(kg, dataset="iiif-edm").records == [text]
