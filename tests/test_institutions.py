"""Institutions as reference data: one IRI per institution, whatever id or name a source knows it by."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graph.institutions import DATA_DIR, Institutions, normalise_id, of
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
MUSEUMS = SAMPLES / "museums" / "liste-et-localisation-des-musees-de-france.csv"
PK = "https://w3id.org/patrimoine-kg/"


@pytest.fixture(scope="module")
def inst() -> Institutions:
    return Institutions.default()


def key(found) -> tuple[str, str]:
    return found.scheme, found.id


def test_the_louvre_is_one_institution_by_muséofile_or_wikidata(inst: Institutions) -> None:
    by_wikidata = inst.resolve(ids=[("wikidata", "http://www.wikidata.org/entity/Q19675")])
    assert key(by_wikidata) == ("museofile", "M5031")
    assert key(inst.resolve(ids=[("museofile", " m5031 ")])) == ("museofile", "M5031")
    assert key(inst.resolve("Musée du Louvre")) == ("museofile", "M5031")
    assert by_wikidata.name == "musée du Louvre" and by_wikidata.kind == "musée de France"
    assert by_wikidata.same_as() == ["http://www.wikidata.org/entity/Q19675"]  # the entity, not the page
    assert by_wikidata.identifiers() == [("museofile", "M5031", "identifiant Muséofile")]


def test_a_university_known_by_idref_and_by_two_names_is_one(inst: Institutions) -> None:
    for found in (inst.resolve("Université de Picardie"), inst.resolve("UNIVERSITÉ DE PICARDIE JULES-VERNE"),
                  inst.resolve("Université de Picardie Jules Verne", [("idref", "026403714")])):
        assert key(found) == ("idref", "026403714")
        assert found.same_as() == ["http://www.idref.fr/026403714/id"]
        assert found.commune == "80021"


def test_a_library_rcr_and_its_isil_are_one_library_in_its_commune(inst: Institutions) -> None:
    by_rcr, by_isil = inst.resolve(ids=[("rcr", "800219901")]), inst.resolve(ids=[("isil", "fr-800219901")])
    assert key(by_rcr) == key(by_isil) == ("rcr", "800219901")
    assert sorted(by_rcr.identifiers()) == [("isil", "FR-800219901", "ISIL"), ("rcr", "800219901", "numéro RCR")]
    assert by_rcr.commune == "80021" and by_rcr.kind == "bibliothèque"  # RCR: department 80, commune 021
    assert key(inst.resolve(ids=[("isil", "DE-MUS-059918")])) == ("isil", "DE-MUS-059918")  # not French: its ISIL


def test_archives_services_by_code_repository_code_or_name(inst: Institutions) -> None:
    for found in (inst.resolve(ids=[("iso15511", "FRAD062")]), inst.resolve(ids=[("archives", "AD062")]),
                  inst.resolve("Archives départementales du Pas-de-Calais")):
        assert key(found) == ("archives", "FRAD062")
        assert found.name == "Archives départementales du Pas-de-Calais"
        assert found.identifiers() == [("archives-service-code", "FRAD062", "code de service d'archives")]
    names = {d: inst.get("archives", f"FRAD0{d}").name for d in ("02", "59", "60", "62", "80")}
    assert names == {"02": "Archives départementales de l'Aisne", "59": "Archives départementales du Nord",
                     "60": "Archives départementales de l'Oise", "62": "Archives départementales du Pas-de-Calais",
                     "80": "Archives départementales de la Somme"}
    assert inst.resolve("Archives nationales de France", [("archives", "FRAN")]).name == "Archives nationales"
    # municipal archives: FRAM + department + commune number, named after the commune
    lille = inst.resolve(ids=[("archives", "FRAM059350")])
    assert (key(lille), lille.name, lille.commune) == (("archives", "FRAM059350"), "Archives municipales de Lille", "59350")
    assert inst.resolve(ids=[("archives", "FRAM059017")]).name == "Archives municipales d'Armentières"


def test_a_name_borne_by_several_institutions_resolves_only_with_its_commune(inst: Institutions) -> None:
    assert inst.by_name("musée municipal") is None  # 63 museums bear it
    assert inst.by_name("musée municipal", commune="10033").id == "M0297"  # Bar-sur-Aube
    unknown = inst.resolve("musée municipal")
    assert key(unknown) == ("name", "musée municipal") and not unknown.known
    assert inst.resolve() is None and inst.resolve("  ", [("rcr", " ")]) is None
    kept = inst.resolve(ids=[("museofile", " M297 ")])  # malformed: kept as written, never lost
    assert key(kept) == ("museofile", "M297") and kept.identifiers() == [("museofile", "M297", "identifiant Muséofile")]


def test_identifiers_are_checked_and_normalised() -> None:
    assert normalise_id("museofile", "m0297") == ("museofile", "M0297")
    assert normalise_id("museofile", "0297") is None
    assert normalise_id("idref", "https://www.idref.fr/026403714") == ("idref", "026403714")
    assert normalise_id("rcr", "80021990") is None
    assert (of("Armentières"), of("Le Quesnoy"), of("Les Moëres"), of("La Madeleine"), of("Lille")) == (
        "d'Armentières", "du Quesnoy", "des Moëres", "de La Madeleine", "de Lille")


def test_the_museums_table_is_the_national_list(inst: Institutions) -> None:
    with open(MUSEUMS, encoding="utf-8", newline="") as f:
        listed: dict[str, dict[str, str]] = {}
        for r in csv.DictReader(f, delimiter=";"):
            listed.setdefault(r["identifiant_museofile"], r)  # the first of a repeated id, as the table
    with open(DATA_DIR / "museums.csv", encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert len(table) == len(listed) == 1220  # 1,222 rows, M7042 three times
    assert all(" ".join(listed[r["museofile"]]["nom_officiel_du_musee"].split()) == r["name"] for r in table)
    assert sum(r["department"] in ("02", "59", "60", "62", "80") for r in table) == 88
    assert all(r["insee"] == "" or r["insee"] == listed[r["museofile"]]["ref_deps"][:5] for r in table)
    with open(DATA_DIR / "archives.csv", encoding="utf-8", newline="") as f:
        assert len({r["code"] for r in csv.DictReader(f)}) == 103  # 101 departments, FRAN, FRANOM


def test_loaders_meet_on_one_iri_per_institution() -> None:
    kg = KnowledgeGraph(None)
    files = [SAMPLES / "lido" / "mona_lisa.lido-mc.xml", SAMPLES / "marc" / "sudoc-24276858X.marcxml.xml",
             SAMPLES / "marc" / "sudoc-252383524.marcxml.xml", SAMPLES / "ead" / "FRAD062_ir_9fi_02_permaliens.xml",
             SAMPLES / "ead" / "FRAN_IR_009555.xml", SAMPLES / "ead" / "FRAN_IR_054848.xml"]
    load(kg, files, LoadOptions(region=None, progress=False))

    def rows(q: str) -> set[tuple[str, ...]]:
        return {tuple(t.value for t in r) for r in kg.query(q, prefixes=True)}

    groups = rows("SELECT ?g WHERE { ?g a crm:E74_Group }")
    assert (f"{PK}org/museofile/M5031",) in groups and (f"{PK}org/wikidata/Q19675",) not in groups
    assert (f"{PK}org/idref/026403714",) in groups and (f"{PK}org/name/universite-de-picardie",) not in groups
    assert rows(f"SELECT ?l WHERE {{ <{PK}org/archives/FRAN> rdfs:label ?l }}") == {("Archives nationales",)}
    assert rows(f"""SELECT ?type ?v WHERE {{ <{PK}org/rcr/800219901> crm:P1_is_identified_by ?i .
        ?i crm:P190_has_symbolic_content ?v ; crm:P2_has_type/skos:prefLabel ?type }}""") == {
        ("numéro RCR", "800219901"), ("ISIL", "FR-800219901")}
    assert rows(f"""SELECT ?type ?v WHERE {{ <{PK}org/archives/FRAD062> crm:P1_is_identified_by ?i ;
        crm:P2_has_type/skos:prefLabel "service d'archives"@fr .
        ?i crm:P190_has_symbolic_content ?v ; crm:P2_has_type/skos:prefLabel ?type }}""") == {
        ("code de service d'archives", "FRAD062")}
    assert rows(f"SELECT ?s WHERE {{ <{PK}org/museofile/M5031> owl:sameAs ?s }}") == {
        ("http://www.wikidata.org/entity/Q19675",)}


def test_a_museum_the_national_list_does_not_know_is_named_by_its_records_not_found_by_that_name() -> None:
    kg = KnowledgeGraph(None)
    load(kg, [SAMPLES / "pop" / "constructed-hdf-joconde-opendata.csv"], LoadOptions(region=None, progress=False))
    keepers = {r["k"].value: r["l"].value for r in kg.query(
        "SELECT ?k ?l WHERE { ?o crm:P50_has_current_keeper ?k . ?k rdfs:label ?l }", prefixes=True)}
    # constructed Muséofile ids (M98xx) are in no national list: the name beside the id names the museum
    assert keepers[f"{PK}org/museofile/M9801"] == "Musée de Picardie"
    assert keepers[f"{PK}org/museofile/M9804"].startswith("La Piscine")
    assert len(keepers) == 4 and all(k.startswith(f"{PK}org/museofile/M98") for k in keepers)
