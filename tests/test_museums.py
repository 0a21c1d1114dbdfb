"""The national list of Musées de France: one E74_Group per museum, the reference of Joconde's keepers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from graph.store import KnowledgeGraph
from loaders import detect
from loaders.museums import website
from patrimoine.pipeline import LoadOptions, load

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "samples" / "museums" / "liste-et-localisation-des-musees-de-france.csv"
PATRIMOINE = str(ROOT / ".venv" / "bin" / "patrimoine")
PK = "https://w3id.org/patrimoine-kg/"
HEADER = ("region_administrative;departement;identifiant_museofile;commune;nom_officiel_du_musee;adresse;lieu;"
          "code_postal;telephone;url;latitude;longitude;ref_deps;geolocalisation;date_arrete_attribution_appellation")


def rows(kg: KnowledgeGraph, q: str) -> set[tuple[str, ...]]:
    return {tuple(t.value if t is not None else None for t in r) for r in kg.query(q, prefixes=True)}


@pytest.fixture(scope="module")
def france() -> KnowledgeGraph:
    """The whole list and the Joconde import sample (keeper M0017), loaded without a region filter."""
    kg = KnowledgeGraph(None)
    reports = load(kg, [LIST, ROOT / "samples" / "pop" / "joconde-valid-UTF-8.txt"],
                   LoadOptions(region=None, progress=False))
    kg.reports = reports
    return kg


def test_the_list_is_detected_as_museums_not_as_pop_museo() -> None:
    assert detect(LIST).name == "museums"
    assert detect(ROOT / "samples" / "pop" / "constructed-hdf-museo-opendata.csv").name == "pop"


def test_nothing_is_lost_and_the_region_keeps_its_88_museums() -> None:
    kg = KnowledgeGraph(None)
    report = load(kg, [LIST], LoadOptions(progress=False))[0]  # region 32
    c = report.counts
    assert (c.records_read, c.records_loaded, c.records_rejected, c.records_skipped) == (1222, 88, 2, 1132)
    assert c.reconciles()
    rejected = [(r["line"], r["source_id"], r["reason"]) for r in report.rejections if r["status"] == "rejected"]
    assert rejected == [(24, "M7042", "duplicate identifier M7042 (first at line 23)"),
                        (513, "M7042", "duplicate identifier M7042 (first at line 23)")]
    by_department = rows(kg, """SELECT ?d (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a crm:E74_Group ;
        crm:P74_has_current_or_former_residence/crm:P89_falls_within/crm:P89_falls_within/rdfs:label ?d } GROUP BY ?d""")
    assert by_department == {("Nord", "33"), ("Oise", "16"), ("Pas-de-Calais", "16"), ("Aisne", "15"), ("Somme", "8")}


def test_a_museum_with_its_address_commune_coordinates_website_and_appellation(france: KnowledgeGraph) -> None:
    m = f"<{PK}org/museofile/M0784>"
    assert rows(france, f"""SELECT ?label ?id ?type WHERE {{ {m} a crm:E74_Group ; rdfs:label ?label ;
        crm:P1_is_identified_by ?i ; crm:P2_has_type/skos:prefLabel ?type .
        ?i crm:P190_has_symbolic_content ?id ; crm:P2_has_type/skos:prefLabel "identifiant Muséofile"@fr }}""") == {
        # its kind, and Linked Art's group type (AAT museum) that every institution with a Muséofile id has
        ("musée Jean de la Fontaine", "M0784", "musée de France"), ("musée Jean de la Fontaine", "M0784", "musée"),
        ("musée Jean de la Fontaine", "M0784", "museum")}
    assert rows(france, f"""SELECT ?address ?commune ?wkt WHERE {{ {m} crm:P74_has_current_or_former_residence ?s .
        ?s rdfs:label ?address ; crm:P89_falls_within ?commune ; crm:P168_place_is_defined_by ?wkt }}""") == {
        ("12 rue Jean de La Fontaine, 02400 Château-Thierry", f"{PK}place/commune/02168", "POINT(3.400289 49.046927)")}
    assert rows(france, f"SELECT ?w WHERE {{ {m} foaf:homepage ?w }}") == {("http://www.museejeandelafontaine.fr/",)}
    assert rows(france, f"""SELECT ?phone ?date WHERE {{ {m} crm:P76_has_contact_point/crm:P190_has_symbolic_content ?phone .
        ?act crm:P140_assigned_attribute_to {m} ; crm:P4_has_time-span/crm:P82a_begin_of_the_begin ?date }}""") == {
        ("03 23 69 05 60", "2003-02-01T00:00:00")}


def test_communes_by_insee_code_else_by_name_in_the_department(france: KnowledgeGraph) -> None:
    def commune(mid: str) -> set[tuple[str, ...]]:
        return rows(france, f"""SELECT ?c WHERE {{ <{PK}org/museofile/{mid}> crm:P74_has_current_or_former_residence
            /crm:P89_falls_within ?c }}""")
    assert commune("M0792") == {(f"{PK}place/commune/02684",)}  # listed "Saint-Michel-en-Thiérache", INSEE 02684
    assert commune("M1220") == {(f"{PK}place/commune/59257",)}  # no ref_deps: Fromelles in Nord, by its name
    assert commune("M5052") == {(f"{PK}place/commune/60141",)}  # Chantilly, postal code 60631 (a CEDEX)


def test_a_commune_the_list_names_its_own_way_is_found_by_its_postal_code(tmp_path: Path) -> None:
    path = tmp_path / "musees.csv"  # the list's row of M0812 written without ref_deps and with "Amiens Métropole" for its commune
    path.write_bytes((HEADER + "\r\nHauts-de-France;Somme;M0812;Amiens Métropole;musée de Picardie;48 rue de la "
                      "République;;80000;;;;;;;\r\n").encode())
    kg = KnowledgeGraph(None)
    assert load(kg, [path], LoadOptions(progress=False))[0].counts.records_loaded == 1
    assert rows(kg, f"""SELECT ?c WHERE {{ <{PK}org/museofile/M0812> crm:P74_has_current_or_former_residence
        /crm:P89_falls_within ?c }}""") == {(f"{PK}place/commune/80021",)}


def test_a_museum_the_list_renamed_keeps_its_new_name_beside_the_reference_one(tmp_path: Path) -> None:
    """The reference tables were made from an earlier list: a new name in the list is not lost, it is
    the museum's primary name in the list's dataset; a name the tables know adds nothing."""
    path = tmp_path / "musees.csv"
    path.write_bytes((HEADER + "\r\nHauts-de-France;Somme;M0812;Amiens;musée de Picardie (Amiens);48 rue de la "
                      "République;;80000;;;;;8002101;;\r\nHauts-de-France;Aisne;M0784;Château-Thierry;"
                      "Musée Jean de La Fontaine;;;02400;;;;;0216801;;\r\n").encode())
    kg = KnowledgeGraph(None)
    assert load(kg, [path], LoadOptions(progress=False))[0].counts.records_loaded == 2
    names = rows(kg, """SELECT ?m ?name WHERE { ?m crm:P1_is_identified_by ?n .
        ?n a crm:E41_Appellation ; crm:P2_has_type aat:300404670 ; crm:P190_has_symbolic_content ?name }""")
    assert names == {(f"{PK}org/museofile/M0812", "musée de Picardie (Amiens)")}
    assert rows(kg, f"SELECT ?l WHERE {{ <{PK}org/museofile/M0812> rdfs:label ?l }}") == {("musée de Picardie",)}


def test_joconde_keepers_have_the_list_s_label_address_and_coordinates(france: KnowledgeGraph) -> None:
    found = rows(france, """SELECT DISTINCT ?keeper ?name ?address ?wkt WHERE {
        ?o crm:P50_has_current_keeper ?keeper ; crm:P1_is_identified_by/crm:P190_has_symbolic_content "01610014032" .
        ?keeper rdfs:label ?name ; crm:P74_has_current_or_former_residence ?s .
        ?s rdfs:label ?address ; crm:P168_place_is_defined_by ?wkt }""")
    assert found == {(f"{PK}org/museofile/M0017", "musée de l'Œuvre Notre-Dame", "3, place du Château, 67076 Strasbourg",
                      "POINT(7.751510 48.580970)")}


def test_websites_are_urls() -> None:
    assert website("https:\n//www.\nneuf-brisach.\nfr/Culture-Patrimoine/Musee.\nHtml") == (
        "https://www.neuf-brisach.fr/Culture-Patrimoine/Musee.Html")  # M0040, broken over five lines
    assert website("www.louvre.fr/") == "http://www.louvre.fr/"
    assert website("s'adresser à la mairie") is None and website("") is None


def test_portal_labels_and_commas_read_like_field_names(tmp_path: Path) -> None:
    labels = tmp_path / "musees-labels.csv"
    labels.write_text('Identifiant Muséofile,Nom officiel du musée,Département,Commune,Géolocalisation\n'
                      'M0784,musée Jean de la Fontaine,Aisne,Château-Thierry,"49.046927, 3.400289"\n', encoding="utf-8")
    kg = KnowledgeGraph(None)
    report = load(kg, [labels], LoadOptions(progress=False))[0]
    assert report.format == "museums" and report.counts.records_loaded == 1
    assert rows(kg, f"""SELECT ?c ?wkt WHERE {{ <{PK}org/museofile/M0784> crm:P74_has_current_or_former_residence ?s .
        ?s crm:P89_falls_within ?c ; crm:P168_place_is_defined_by ?wkt }}""") == {
        (f"{PK}place/commune/02168", "POINT(3.400289 49.046927)")}


def test_bad_rows_are_rejected_with_their_line_and_reason(tmp_path: Path) -> None:
    bad = tmp_path / "musees.csv"
    bad.write_bytes((HEADER + "\r\n"
                     "Hauts-de-France;Somme;M0301;Abbeville;musée Boucher-de-Perthes;24 rue du Beffroi;;80100;;;"
                     "50.106;1.833;8000101;;2003-02-01\r\n"
                     "Hauts-de-France;Somme;0301;Abbeville;musée;;;80100;;;;;;;\r\n"
                     "Hauts-de-France;Somme;M0302;Amiens;;;;80000;;;;;;;\r\n"
                     "Hauts-de-France;Somme;M0303\r\n").encode())
    kg = KnowledgeGraph(None)
    report = load(kg, [bad], LoadOptions(progress=False))[0]
    assert (report.counts.records_loaded, report.counts.records_rejected) == (1, 3)
    assert [(r["line"], r["reason"]) for r in report.rejections] == [
        (3, "malformed Muséofile id '0301' (expected M and 4 digits)"),
        (4, "missing nom_officiel_du_musee (the museum's name)"),
        (5, "row has 3 columns, header has 15")]


def test_a_file_without_the_list_s_columns_is_one_clear_error(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("identifiant_museofile;nom\nM0001;x\n", encoding="utf-8")
    store = tmp_path / "store"
    done = subprocess.run([PATRIMOINE, "--store", str(store), "load", "--format", "museums", str(other)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == "Error: other.csv: not the list of Musées de France: no column nom_officiel_du_musee"
    datasets = subprocess.run([PATRIMOINE, "--store", str(store), "datasets", "--format", "json"],
                              capture_output=True, text=True)
    assert json.loads(datasets.stdout or "[]") == []
