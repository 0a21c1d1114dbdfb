"""POP records → CIDOC-CRM and EDM, checked with SPARQL over the loaded graph."""

from __future__ import annotations


import pytest

from patrimoine.pipeline import LoadOptions, load
from graph.store import KnowledgeGraph

from conftest import SAMPLES

POP = SAMPLES / "pop"
HDF = sorted(POP.glob("constructed-hdf-*-opendata.csv"))
REAL = [POP / "pop-api-merimee-item.json", POP / "pop-api-palissy-search-response.json",
        POP / "merimee-MH-10.csv", POP / "joconde-valid-UTF-8.txt", POP / "palissy-mh-valid-UTF-8.csv"]


@pytest.fixture(scope="module")
def hdf() -> KnowledgeGraph:
    kg = KnowledgeGraph(None)
    reports = load(kg, HDF, LoadOptions(progress=False))
    for r in reports:
        assert r.counts.reconciles(), r
    return kg


@pytest.fixture(scope="module")
def real() -> KnowledgeGraph:
    kg = KnowledgeGraph(None)
    load(kg, REAL, LoadOptions(dataset="real", region=None, progress=False))
    return kg


def rows(kg: KnowledgeGraph, sparql: str) -> list[dict[str, str]]:
    results = kg.query(sparql, prefixes=True)
    names = [v.value for v in results.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in results]


def pop(kg: KnowledgeGraph, ref: str) -> str:
    return f"<{kg.minter.base}pop/{ref}>"


def test_monument_production_time_span_begins_in_the_right_year(hdf: KnowledgeGraph):
    # Amiens cathedral: DATE "1220 ; 1288", SCLE "13e siècle".
    [r] = rows(hdf, f"""SELECT ?label (YEAR(?b) AS ?begin) (YEAR(?e) AS ?end) ?note WHERE {{
        {pop(hdf, 'PA00116046')} crm:P108i_was_produced_by ?p . ?p crm:P4_has_time-span ?ts .
        ?ts rdfs:label ?label ; crm:P82a_begin_of_the_begin ?b ; crm:P82b_end_of_the_end ?e .
        OPTIONAL {{ ?p crm:P3_has_note ?note }} }}""")
    assert (r["label"], r["begin"], r["end"]) == ("1220 ; 1288", "1220", "1288")
    assert r["note"] == "siècle : 13e siècle"


def test_each_campaign_is_a_part_of_the_production_with_its_own_time_span(hdf: KnowledgeGraph):
    # Amiens cathedral: DATE "1220 ; 1288" gives two campaigns, not only the covering 1220-1288.
    found = rows(hdf, f"""SELECT ?label (YEAR(?b) AS ?begin) (YEAR(?e) AS ?end) ?kind WHERE {{
        {pop(hdf, 'PA00116046')} crm:P108i_was_produced_by ?p . ?p crm:P9_consists_of ?part .
        ?part a crm:E12_Production ; crm:P2_has_type/skos:prefLabel ?kind ; crm:P4_has_time-span ?ts .
        ?ts rdfs:label ?label ; crm:P82a_begin_of_the_begin ?b ; crm:P82b_end_of_the_end ?e }} ORDER BY ?b""")
    assert [(r["label"], r["begin"], r["end"], r["kind"]) for r in found] == [
        ("1220", "1220", "1220", "campagne"), ("1288", "1288", "1288", "campagne")]


def test_one_period_makes_no_campaign_part(hdf: KnowledgeGraph):
    parts = rows(hdf, """SELECT ?o WHERE { ?o crm:P108i_was_produced_by ?p . ?p crm:P9_consists_of ?c .
        ?c crm:P2_has_type/skos:prefLabel "campagne" . ?p crm:P4_has_time-span/rdfs:label ?l
        FILTER(!CONTAINS(?l, ";")) }""")
    assert parts == []


def test_source_identifier_finds_the_record(hdf: KnowledgeGraph):
    found = rows(hdf, """SELECT ?o ?kind WHERE { ?o crm:P1_is_identified_by ?id .
        ?id crm:P190_has_symbolic_content "PA00116046" ; crm:P2_has_type ?t .
        ?t skos:inScheme/skos:prefLabel|skos:inScheme ?scheme ; skos:prefLabel ?kind
        FILTER(CONTAINS(STR(?scheme), "identifier-type")) }""")
    assert found == [{"o": f"{hdf.minter.base}pop/PA00116046", "kind": "référence POP"}]
    # and Linked Art's identifier type: a POP reference is a system number (AAT 300435704)
    linked_art = rows(hdf, """SELECT ?t WHERE { ?o crm:P1_is_identified_by ?id .
        ?id crm:P190_has_symbolic_content "PA00116046" ; crm:P2_has_type ?t FILTER(STRSTARTS(STR(?t), "http://vocab")) }""")
    assert linked_art == [{"t": "http://vocab.getty.edu/aat/300435704"}]


def test_palissy_object_is_housed_in_its_merimee_building(hdf: KnowledgeGraph):
    found = rows(hdf, """SELECT ?object ?building ?title WHERE {
        ?object pkg:housedIn ?building . ?building crm:P102_has_title/crm:P190_has_symbolic_content ?title }
        ORDER BY ?object""")
    assert found, "no Palissy object linked to a Mérimée building"
    assert {r["title"] for r in found if r["object"].endswith("PM99000001")} == {"Cathédrale Notre-Dame"}


def test_authors_with_roles(hdf: KnowledgeGraph):
    found = rows(hdf, f"""SELECT ?name ?role WHERE {{ {pop(hdf, 'PA00116046')} crm:P108i_was_produced_by/crm:P9_consists_of ?part .
        ?part crm:P14_carried_out_by ?person ; crm:P2_has_type/skos:prefLabel ?role . ?person a crm:E21_Person ; rdfs:label ?name }}
        ORDER BY ?name""")
    assert {"name": "Robert de Luzarches", "role": "maître d'oeuvre"} in found
    assert len(found) == 3


def test_place_hierarchy_and_coordinates(hdf: KnowledgeGraph):
    [r] = rows(hdf, f"""SELECT ?commune ?dep ?region ?wkt ?lat ?long WHERE {{
        {pop(hdf, 'PA00116046')} crm:P55_has_current_location ?site .
        ?site crm:P168_place_is_defined_by ?wkt ; wgs84_pos:lat ?lat ; wgs84_pos:long ?long ;
              crm:P89_falls_within ?c . ?c rdfs:label ?commune ; crm:P89_falls_within ?d .
        ?d rdfs:label ?dep ; crm:P89_falls_within ?r . ?r rdfs:label ?region }}""")
    assert (r["commune"], r["dep"], r["region"]) == ("Amiens", "Somme", "Hauts-de-France")
    assert r["wkt"] == "POINT(2.302222 49.894722)"
    assert abs(float(r["lat"]) - 49.894722) < 1e-4 and abs(float(r["long"]) - 2.302222) < 1e-4
    insee = rows(hdf, """SELECT ?code WHERE { ?c crm:P2_has_type/skos:prefLabel "commune"@fr ;
        rdfs:label "Amiens"@fr ; crm:P1_is_identified_by/crm:P190_has_symbolic_content ?code }""")
    assert insee == [{"code": "80021"}]


def test_protection_acts_are_dated_events(hdf: KnowledgeGraph):
    found = rows(hdf, f"""SELECT ?kind (YEAR(?b) AS ?year) WHERE {{ ?act crm:P140_assigned_attribute_to {pop(hdf, 'PA00116046')} ;
        crm:P141_assigned/skos:prefLabel ?kind ; crm:P4_has_time-span/crm:P82a_begin_of_the_begin ?b }}""")
    assert found == [{"kind": "classé MH", "year": "1862"}]


def test_region_filter_skips_records_of_other_regions(hdf: KnowledgeGraph):
    assert rows(hdf, f"SELECT ?p WHERE {{ {pop(hdf, 'PA00086250')} ?p ?o }}") == []  # Notre-Dame de Paris
    skipped = {d.name: d.records_skipped for d in hdf.datasets()}
    assert skipped["constructed-hdf-merimee-opendata"] == 2


def test_joconde_object_keeper_inventory_and_named_period(hdf: KnowledgeGraph):
    found = rows(hdf, """SELECT ?o ?museum ?inv WHERE { ?o crm:P50_has_current_keeper ?m .
        ?m crm:P1_is_identified_by/crm:P190_has_symbolic_content ?museum .
        ?o crm:P1_is_identified_by ?id . ?id crm:P2_has_type/skos:prefLabel "numéro d'inventaire"@fr ;
        crm:P190_has_symbolic_content ?inv }""")
    assert found and all(r["museum"].startswith("M") for r in found)
    kept = rows(hdf, """SELECT ?label WHERE { ?o crm:P108i_was_produced_by/crm:P4_has_time-span ?ts . ?ts rdfs:label ?label
        FILTER NOT EXISTS { ?ts crm:P82a_begin_of_the_begin ?b } }""")
    assert kept == []  # 'Paléolithique inférieur' is a named period (graph/data/periods.json)
    named = rows(hdf, """SELECT (YEAR(?b) AS ?from) (YEAR(?e) AS ?to) WHERE { ?ts rdfs:label "Paléolithique inférieur"@fr ;
        crm:P82a_begin_of_the_begin ?b ; crm:P82b_end_of_the_end ?e }""")
    assert named == [{"from": "-1198050", "to": "-348050"}]


def test_every_heritage_object_has_its_edm_view(hdf: KnowledgeGraph, real: KnowledgeGraph):
    for kg in (hdf, real):
        missing = rows(kg, """SELECT ?o WHERE { ?o a crm:E22_Human-Made_Object FILTER NOT EXISTS {
            ?o a edm:ProvidedCHO ; edm:type ?t ; dc:title ?title .
            ?agg edm:aggregatedCHO ?o ; edm:dataProvider ?dp ; edm:rights ?r ; edm:provider ?p } }""")
        assert missing == []
        [n] = rows(kg, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a crm:E22_Human-Made_Object }")
        assert int(n["n"]) > 0


def test_images_become_web_resources(real: KnowledgeGraph):
    found = rows(real, f"""SELECT ?img WHERE {{ ?agg edm:aggregatedCHO {pop(real, 'PA00091408')} ; edm:isShownBy ?img .
        ?img a edm:WebResource }}""")
    assert found == [{"img": "https://s3.eu-west-3.amazonaws.com/pop-phototeque/memoire/AP12R002868/12R002868.jpg"}]


def test_real_samples_counts_reconcile_and_bad_rows_are_reported(real: KnowledgeGraph):
    [ds] = real.datasets()
    assert ds.records_read == ds.records_loaded + ds.records_rejected + ds.records_skipped
    assert (ds.records_read, ds.records_rejected) == (20, 2)  # two short rows in the Palissy import fixture


def test_legacy_cp1252_export_decodes_accents(real: KnowledgeGraph):
    assert rows(real, f"SELECT ?t WHERE {{ {pop(real, 'PA00078015')} rdfs:label ?t }}") == [{"t": "Eglise de la Nativité"}]


def test_a_museum_is_housed_in_the_building_museo_names(tmp_path):
    """Muséofile REFMER: the Mérimée record of the building the museum is in."""
    sample = (SAMPLES / "pop" / "constructed-hdf-museo-opendata.csv").read_text(encoding="utf-8").splitlines()
    header, first = sample[0], sample[1]
    path = tmp_path / "museo.csv"
    path.write_text(f"{header};References_Merimee_liees\n{first};PA99000101\n", encoding="utf-8")
    kg = KnowledgeGraph(None)
    load(kg, [path], LoadOptions(region=None, progress=False))
    museum = first.split(";")[0]
    assert rows(kg, f"""SELECT ?b WHERE {{ <{kg.minter.base}org/museofile/{museum}> pkg:housedIn ?b }}""") == [
        {"b": f"{kg.minter.base}pop/PA99000101"}]


def test_an_owner_group_is_described_once_in_the_shared_graph_however_many_records_it_owns(tmp_path):
    """The State or a commune owning many monuments: its owner type and seat are stated with its declaration,
    in the graph of shared entities, not once more in the dataset for every record it owns."""
    header = ("Reference;Titre_editorial_de_la_notice;Region;Departement_format_numerique;Commune_forme_index;"
              "COG_Insee_lors_de_la_protection;Statut_juridique_de_l_edifice")
    path = tmp_path / "merimee.csv"
    path.write_text("\n".join([header] + [
        f"PA8000000{n};Église {n};Hauts-de-France;80;Amiens;80021;{status}"
        for n, status in enumerate(["propriété de la commune"] * 3 + ["propriété de l'Etat"] * 2)]) + "\n",
        encoding="utf-8")
    kg = KnowledgeGraph(tmp_path / "store")
    [report] = load(kg, [path], LoadOptions(progress=False, dataset="owners"))
    assert report.counts.records_loaded == 5
    base = kg.minter.base
    about = rows(kg, f"""SELECT ?g ?who ?p ?o WHERE {{ GRAPH ?g {{ ?who ?p ?o }}
        VALUES ?who {{ <{base}org/commune/80021> <{base}org/state/FR> }}
        VALUES ?p {{ crm:P2_has_type crm:P74_has_current_or_former_residence }} }}""")
    assert {r["g"] for r in about} == {f"{base}graph/shared"}
    said = {(r["who"].rsplit("/", 2)[-2], r["p"].rsplit("/", 1)[-1], r["o"].rsplit("/", 2)[-2:][0]) for r in about}
    assert ("commune", "P74_has_current_or_former_residence", "commune") in said
    assert {(r["who"], r["o"]) for r in about if "owner-type" in r["o"]} == {
        (f"{base}org/commune/80021", f"{base}concept/owner-type/commune"),
        (f"{base}org/state/FR", f"{base}concept/owner-type/etat")}
    owned = rows(kg, f"SELECT ?o WHERE {{ ?x crm:P52_has_current_owner ?o }}")
    assert sorted(r["o"].rsplit("/", 1)[-1] for r in owned) == ["80021"] * 3 + ["FR"] * 2
    kg.close()
