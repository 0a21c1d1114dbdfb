"""Authority URLs and ids in every form records write them → the entity IRI each authority file publishes."""

from __future__ import annotations

import doctest

import pytest

from graph import authorities
from graph.authorities import entity, entity_iri, parse
from patrimoine.pipeline import LoadOptions, load
from graph.store import KnowledgeGraph

from conftest import SAMPLES

CASES = [
    # IdRef: the page, the entity, the RDF, the MARC notation; a lowercase check character
    ("https://www.idref.fr/026950650", "http://www.idref.fr/026950650/id"),
    ("http://www.idref.fr/026950650/id", "http://www.idref.fr/026950650/id"),
    ("https://www.idref.fr/02695065x.rdf", "http://www.idref.fr/02695065X/id"),
    ("(IdRef)026950650", "http://www.idref.fr/026950650/id"),
    # BnF: the catalogue's ark, data.bnf.fr's, a bare ark
    ("https://catalogue.bnf.fr/ark:/12148/cb11907966z", "http://data.bnf.fr/ark:/12148/cb11907966z#about"),
    ("http://data.bnf.fr/ark:/12148/cb11907966z", "http://data.bnf.fr/ark:/12148/cb11907966z#about"),
    ("ark:/12148/cb11907966z", "http://data.bnf.fr/ark:/12148/cb11907966z#about"),
    # ISNI in groups of four, as a URL
    ("ISNI 0000 0001 2103 2683", "http://isni.org/isni/0000000121032683"),
    ("https://isni.org/isni/0000000121032683", "http://isni.org/isni/0000000121032683"),
    ("https://viaf.org/viaf/24604287/", "http://viaf.org/viaf/24604287"),
    ("(viaf)24604287", "http://viaf.org/viaf/24604287"),
    # Wikidata's page, entity and data URL; with the spaces a record left around it
    ("https://www.wikidata.org/wiki/Q762", "http://www.wikidata.org/entity/Q762"),
    (" https://www.wikidata.org/wiki/Q2314807", "http://www.wikidata.org/entity/Q2314807"),
    ("https://www.wikidata.org/wiki/Special:EntityData/Q762.json", "http://www.wikidata.org/entity/Q762"),
    ("http://vocab.getty.edu/page/ulan/500010879", "http://vocab.getty.edu/ulan/500010879"),
    ("http://vocab.getty.edu/ulan/500010879-agent", "http://vocab.getty.edu/ulan/500010879"),
    ("http://vocab.getty.edu/page/aat/300025136", "http://vocab.getty.edu/aat/300025136"),
    ("http://www.geonames.org/3172394/neapel.html", "https://sws.geonames.org/3172394/"),
]


@pytest.mark.parametrize(("written", "expected"), CASES)
def test_every_form_gives_the_entity_iri(written: str, expected: str) -> None:
    assert entity_iri(written) == expected


def test_what_is_not_an_authority_is_left_as_it_is() -> None:
    assert entity_iri("https://example.org/person/1") == "https://example.org/person/1"
    assert parse("026950650") is None  # a bare id says nothing of its file...
    assert parse("026950650", "idref").iri == "http://www.idref.fr/026950650/id"  # ...unless told
    assert parse("https://www.idref.fr/12345") is None  # not a PPN
    assert entity("wikidata", "762") is None and entity("wikidata", "q762").id == "Q762"


def test_the_file_order_is_the_priority() -> None:
    assert authorities.priority("idref") < authorities.priority("bnf") < authorities.priority("wikidata")
    assert authorities.priority("unknown") == len(authorities.schemes())


def test_the_module_examples_run() -> None:
    assert doctest.testmod(authorities).failed == 0


def test_loaders_write_entity_iris(tmp_path) -> None:
    kg = KnowledgeGraph(tmp_path / "store")
    for path in ("lido/mona_lisa.lido-mc.xml", "marc/sudoc-24276858X.marcxml.xml",
                 "edm/europeana_record_edm_internal.xml"):
        load(kg, [SAMPLES / path], LoadOptions(region=None, progress=False))
    targets = {r["o"].value for r in kg.query(
        "SELECT DISTINCT ?o WHERE { { ?s owl:sameAs ?o } UNION { ?s skos:exactMatch ?o } }", prefixes=True)}
    assert {"http://www.idref.fr/027273814/id", "http://www.wikidata.org/entity/Q762",
            "http://www.idref.fr/078084431/id", "http://www.wikidata.org/entity/Q2314807"} <= targets
    pages = [t for t in targets if "/wiki/" in t or t.startswith("https://www.idref.fr/")]
    assert pages == []
