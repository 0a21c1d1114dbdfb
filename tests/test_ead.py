"""Archives: EAD 2002 finding aids and the FranceArchives CSV template, loaded and queried with SPARQL."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from patrimoine.pipeline import LoadOptions, LoadReport, load
from graph.records import InputError
from graph.store import KnowledgeGraph
from loaders import detect
from loaders.ead import read_ead

from conftest import SAMPLES

EAD = SAMPLES / "ead"
PAS_DE_CALAIS = EAD / "FRAD062_ir_9fi_02_permaliens.xml"  # ISO-8859-1, DTD, no namespace
MARNE = EAD / "FRAD051_000000028_203M.oai-extract.xml"  # namespaced EAD taken out of an OAI-PMH answer
OAI = EAD / "oai_ead_sample.xml"
ARMENTIERES = EAD / "FRAM059017_data_archives_anciennes.csv"
NATIONALES = sorted(EAD.glob("FRAN_IR_*.xml"))
BASE = "https://w3id.org/patrimoine-kg/"
FONDS_062 = f"<{BASE}archives/FRAD062/frad062_ir_9fi_01>"


def load_one(kg: KnowledgeGraph, path: Path, fmt: str | None = "ead", region: str | None = "32",
             **options) -> LoadReport:
    [report] = load(kg, [path], LoadOptions(format=fmt, region=region, progress=False, **options))
    c = report.counts
    assert c.records_read == c.records_loaded + c.records_rejected + c.records_skipped
    return report


def rows(kg: KnowledgeGraph, sparql: str) -> list[dict[str, str | None]]:
    solutions = kg.query(sparql, prefixes=True)
    names = [v.value for v in solutions.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in solutions]


def value(kg: KnowledgeGraph, sparql: str) -> str:
    [row] = rows(kg, sparql)
    [v] = row.values()
    return v


def components_in(path: Path) -> int:
    """Components counted in the raw bytes, independently of the reader."""
    return len(re.findall(rb"<(?:\w+:)?c(?:0[1-9]|1[0-2])?[\s>]", path.read_bytes()))


# --------------------------------------------------------------------------- Pas-de-Calais (FRAD062)


@pytest.fixture(scope="module")
def pdc() -> tuple[KnowledgeGraph, LoadReport]:
    kg = KnowledgeGraph(None)
    return kg, load_one(kg, PAS_DE_CALAIS, region="32")


def test_every_component_and_the_fonds_are_loaded(pdc):
    kg, report = pdc
    assert components_in(PAS_DE_CALAIS) == 128
    assert report.counts.records_read == 128 + 1
    assert report.counts.records_loaded == 128 + 1
    assert report.counts.records_rejected == report.counts.records_skipped == 0
    loaded = value(kg, "SELECT (COUNT(DISTINCT ?u) AS ?n) WHERE { ?u void:inDataset ?d "
                       "{ ?u a crm:E22_Human-Made_Object } UNION { ?u a crm:E78_Curated_Holding } }")
    assert int(loaded) == report.counts.records_loaded
    # every unit carries its content, and the contents make the same tree as the units
    contents = value(kg, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?u void:inDataset ?d ; crm:P128_carries ?c . "
                         "?c a crm:E73_Information_Object }")
    assert int(contents) == report.counts.records_loaded
    parts = value(kg, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c crm:P46i_forms_part_of+ {FONDS_062} }}")
    assert int(parts) == 128


def test_the_fonds_is_a_curated_holding_with_decoded_accents_and_its_keeper(pdc):
    kg, _ = pdc
    [row] = rows(kg, f"""SELECT ?cote ?title ?keeper ?name WHERE {{
        {FONDS_062} a crm:E78_Curated_Holding ; crm:P1_is_identified_by/crm:P190_has_symbolic_content ?cote ;
          crm:P102_has_title/crm:P190_has_symbolic_content ?title ; crm:P50_has_current_keeper ?keeper .
        ?keeper a crm:E74_Group ; rdfs:label ?name }}""")
    assert row["cote"] == "9 Fi 1-111"
    assert row["title"] == "Fonds James-Gates : photographies de la cathédrale de Saint-Omer."
    assert row["keeper"] == f"{BASE}org/archives/FRAD062"
    assert row["name"] == "Archives départementales du Pas-de-Calais"
    kept = value(kg, f"SELECT (COUNT(DISTINCT ?u) AS ?n) WHERE {{ ?u crm:P50_has_current_keeper <{row['keeper']}> }}")
    assert int(kept) == 129


def test_a_component_has_its_cote_title_date_and_parents(pdc):
    kg, _ = pdc
    [row] = rows(kg, """SELECT ?c ?title ?date ?begin ?end ?parent WHERE {
        ?c a crm:E22_Human-Made_Object ; crm:P1_is_identified_by/crm:P190_has_symbolic_content "9 Fi 11" ;
           crm:P102_has_title/crm:P190_has_symbolic_content ?title ;
           crm:P108i_was_produced_by/crm:P4_has_time-span ?ts ; crm:P46i_forms_part_of ?p .
        ?ts rdfs:label ?date ; crm:P82a_begin_of_the_begin ?begin ; crm:P82b_end_of_the_end ?end .
        ?p crm:P1_is_identified_by/crm:P190_has_symbolic_content ?parent }""")
    assert row["title"] == "La grande nef, vue prise d'en bas."
    assert row["date"] == "[1921-1922]"
    assert row["begin"].startswith("1921-01-01") and row["end"].startswith("1922-12-31")
    assert row["parent"] == "9 Fi 11-20, 105"
    ancestors = rows(kg, f"""SELECT ?cote WHERE {{ <{row['c']}> crm:P46i_forms_part_of+ ?a .
        ?a crm:P1_is_identified_by/crm:P190_has_symbolic_content ?cote }}""")
    assert {a["cote"] for a in ancestors} == {"9 Fi 11-20, 105", "9 Fi 11-96, 105", "9 Fi 1-111"}
    parent_side = value(kg, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?p crm:P46_is_composed_of <{row['c']}> }}")
    assert int(parent_side) == 1
    whole = value(kg, f"""SELECT ?cote WHERE {{ <{row['c']}> crm:P128_carries/crm:P106i_forms_part_of ?w .
        ?p crm:P128_carries ?w ; crm:P1_is_identified_by/crm:P190_has_symbolic_content ?cote }}""")
    assert whole == "9 Fi 11-20, 105"  # the intellectual hierarchy follows the physical one


def test_hierarchy_depth_and_levels(pdc):
    kg, _ = pdc
    depth = value(kg, """SELECT (MAX(?d) AS ?n) WHERE { { SELECT ?c (COUNT(?a) AS ?d) WHERE {
        ?c crm:P46i_forms_part_of+ ?a } GROUP BY ?c } }""")
    assert int(depth) == 4  # fonds > Vues intérieures > Chapelles > Chapelle du Saint-Sépulcre > 9 Fi 62
    by_depth = {int(r["d"]): int(r["n"]) for r in rows(kg, """SELECT ?d (COUNT(?c) AS ?n) WHERE { {
        SELECT ?c (COUNT(?a) AS ?d) WHERE { ?c crm:P46i_forms_part_of+ ?a } GROUP BY ?c } } GROUP BY ?d""")}
    tree = etree.parse(str(PAS_DE_CALAIS), etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False))
    expected = Counter(1 + sum(1 for a in c.iterancestors("c")) for c in tree.iter("c"))
    assert by_depth == dict(expected)
    levels = {r["level"]: int(r["n"]) for r in rows(kg, """SELECT ?level (COUNT(?u) AS ?n) WHERE {
        ?u crm:P2_has_type ?t . ?t skos:inScheme ?s ; skos:prefLabel ?level .
        FILTER(STRENDS(STR(?s), "/archival-level")) } GROUP BY ?level""")}
    assert levels == {"fonds": 1, "dossier": 17, "pièce": 111}


def test_dao_links_and_local_files(pdc):
    kg, _ = pdc
    pages = rows(kg, "SELECT ?u ?page WHERE { ?u crm:P129i_is_subject_of ?d . ?d a dig:D1_Digital_Object ; "
                     "la:access_point ?page }")
    daos = re.findall(rb'<dao href="(http[^"]+)"', PAS_DE_CALAIS.read_bytes())
    assert len(pages) == len(daos) == 15
    assert {p["page"] for p in pages} == {d.decode() for d in daos}
    page = value(kg, """SELECT ?page WHERE { ?u crm:P1_is_identified_by/crm:P190_has_symbolic_content "9 Fi 1" ;
                                                   crm:P129i_is_subject_of/la:access_point ?page }""")
    assert page == "http://archivesenligne.pasdecalais.fr/ark:/64297/5e7c97997adc45bcdafd11b170ae7b11"
    # A dao naming a file on the service's disk cannot be linked to: it is kept as an identifier.
    local = value(kg, """SELECT ?file WHERE { ?u crm:P1_is_identified_by/crm:P190_has_symbolic_content "9 Fi 111" ;
        crm:P1_is_identified_by ?id . ?id crm:P190_has_symbolic_content ?file ;
        crm:P2_has_type/skos:prefLabel "fichier numérique"@fr }""")
    assert local.endswith("frad062_9fi_0111_0001.jpg")
    shown_at = value(kg, "SELECT (COUNT(?agg) AS ?n) WHERE { ?agg edm:isShownAt ?page }")
    assert int(shown_at) == 15


def test_index_terms_link_to_people_communes_and_concepts(pdc):
    kg, _ = pdc
    places = {r["place"]: r["within"] for r in rows(kg, f"""SELECT ?place ?within WHERE {{
        {FONDS_062} crm:P128_carries/crm:P67_refers_to ?place . ?place a crm:E53_Place .
        OPTIONAL {{ ?place crm:P89_falls_within ?within }} }}""")}
    saint_omer = f"{BASE}place/commune/62765"
    assert saint_omer in places  # "Saint-Omer (Pas-de-Calais, France)" is the commune
    basilica = [p for p, w in places.items() if p != saint_omer]
    assert len(basilica) == 1 and places[basilica[0]] == saint_omer
    assert value(kg, "SELECT ?n WHERE { <%s> crm:P89_falls_within/rdfs:label ?n }" % saint_omer) == "Pas-de-Calais"
    [person] = rows(kg, f"""SELECT ?name ?born ?died WHERE {{ {FONDS_062} crm:P128_carries/crm:P67_refers_to ?p .
        ?p a crm:E21_Person ; rdfs:label ?name ;
           crm:P98i_was_born/crm:P4_has_time-span/rdfs:label ?born ; crm:P100i_died_in/crm:P4_has_time-span/rdfs:label ?died }}""")
    assert person == {"name": "Gates, James", "born": "1850", "died": "1929"}  # "Gates, James (1850-1929)"
    about = value(kg, """SELECT (COUNT(DISTINCT ?u) AS ?n) WHERE { ?u crm:P128_carries/crm:P129_is_about ?c .
        ?c skos:prefLabel "Cathédrale"@fr }""")
    tree = etree.parse(str(PAS_DE_CALAIS), etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False))
    assert int(about) == len(tree.xpath("//*[controlaccess/subject = 'Cathédrale']")) > 40
    rome = value(kg, """SELECT ?p WHERE { ?u crm:P67_refers_to ?p . ?p rdfs:label "Rome"@fr ;
        crm:P89_falls_within/crm:P1_is_identified_by/crm:P190_has_symbolic_content "IT" }""")
    assert rome.endswith("/place/geonames/3169070")  # 'Rome (Italie)': Rome, Italy, by its GeoNames id


def test_edm_view_is_derived(pdc):
    kg, report = pdc
    # a fonds of photographs ("111 photographies."), its files and its items: IMAGE, not TEXT
    chos = {r["t"]: int(r["n"]) for r in rows(kg, "SELECT ?t (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a edm:ProvidedCHO ; "
                                                  "edm:type ?t } GROUP BY ?t")}
    assert chos == {"IMAGE": report.counts.records_loaded}
    part = value(kg, """SELECT ?whole WHERE { ?o dc:identifier "9 Fi 1" ; dcterms:isPartOf ?whole }""")
    assert value(kg, f"SELECT ?id WHERE {{ <{part}> dc:identifier ?id }}") == "9 Fi 1-10"
    provider = value(kg, "SELECT DISTINCT ?p WHERE { ?agg edm:aggregatedCHO ?o ; edm:dataProvider ?p }")
    assert provider == f"{BASE}org/archives/FRAD062"


# --------------------------------------------------------------------------- other finding aids


def test_namespaced_ead_from_oai_pmh_and_the_region_filter(kg: KnowledgeGraph):
    outside = load_one(kg, MARNE, region="32")  # Archives de la Marne: Grand Est, not Hauts-de-France
    assert outside.counts.records_read == components_in(MARNE) + 1 == 5
    assert outside.counts.records_skipped == 5 and outside.counts.records_loaded == 0
    assert all("outside region 32" in r["reason"] for r in outside.rejections)
    report = load_one(kg, MARNE, region=None, dataset="marne")
    assert report.counts.records_loaded == 5
    fonds = f"<{BASE}archives/FRAD051/FRAD051_000000028_203M>"
    [row] = rows(kg, f"""SELECT ?title ?begin ?page ?producer WHERE {{ {fonds} crm:P102_has_title/crm:P190_has_symbolic_content ?title ;
        crm:P108i_was_produced_by ?e ; crm:P129i_is_subject_of/la:access_point ?page .
        ?e crm:P4_has_time-span/crm:P82a_begin_of_the_begin ?begin ;
        crm:P9_consists_of/crm:P14_carried_out_by/rdfs:label ?producer }}""")
    assert row["title"] == "Fonds de la préfecture de la Marne relatif à la première guerre mondiale"
    assert row["begin"].startswith("1904-") and row["producer"] == "Préfecture de la Marne"
    assert row["page"] == "http://portail.cg51.mnesys.fr/ark:/86869/a011349628476eWWr7u"
    depth = value(kg, f"SELECT (COUNT(?a) AS ?n) WHERE {{ <{BASE}archives/FRAD051/FRAD051_000000028_203M/a0113415868810p3J8C> "
                      "crm:P46i_forms_part_of+ ?a }")
    assert int(depth) == 3
    thumbnail = value(kg, "SELECT ?img WHERE { ?u crm:P138i_has_representation/la:digitally_shown_by/la:access_point ?img }")
    assert thumbnail == "http://portail.cg51.mnesys.fr/ark:/86869/a011401093704slpxLP/1/1.thumbnail"


@pytest.mark.parametrize("path", NATIONALES, ids=lambda p: p.stem)
def test_archives_nationales_finding_aids(kg: KnowledgeGraph, path: Path):
    report = load_one(kg, path, region="32")  # national archives name no department: kept
    assert report.counts.records_loaded == components_in(path) + 1
    keeper = value(kg, "SELECT DISTINCT ?k WHERE { ?u crm:P50_has_current_keeper ?k }")
    assert keeper == f"{BASE}org/archives/FRAN"
    fonds = f"<{BASE}archives/FRAN/{path.stem}>"
    holding = value(kg, f"SELECT (COUNT(*) AS ?n) WHERE {{ {fonds} a ?cls FILTER(?cls IN (crm:E78_Curated_Holding, crm:E22_Human-Made_Object)) }}")
    assert int(holding) == 1


def test_a_file_level_archdesc_is_a_holding_with_its_producer(kg: KnowledgeGraph):
    load_one(kg, EAD / "FRAN_IR_054848.xml", region=None)
    [row] = rows(kg, f"""SELECT ?end ?producer WHERE {{ <{BASE}archives/FRAN/FRAN_IR_054848> a crm:E78_Curated_Holding ;
        crm:P108i_was_produced_by ?e . ?e crm:P4_has_time-span/crm:P82b_end_of_the_end ?end ;
        crm:P9_consists_of/crm:P14_carried_out_by ?g . ?g a crm:E74_Group ; rdfs:label ?producer }}""")
    assert row["end"].startswith("1997-12-31") and row["producer"] == "Bibliothèque publique d'information"
    component = f"<{BASE}archives/FRAN/FRAN_IR_054848/c-87z5iayid-1okgy3m00yrgf>"  # the component's own @id
    note = value(kg, f"""SELECT ?t WHERE {{ {component} crm:P67i_is_referred_to_by ?n . ?n crm:P190_has_symbolic_content ?t ;
        crm:P2_has_type/skos:prefLabel "présentation du contenu"@fr }}""")
    assert note.startswith("Registre de l'exercice 1995")


def test_a_whole_oai_pmh_answer_can_be_read_when_the_format_is_given():
    records = list(read_ead(OAI))
    assert len(records) == components_in(OAI) + 2  # two finding aids: each fonds and its components
    assert {r.data.finding_aid for r in records} == {"FRAD051_000000028_203M", "FRAD051_204M"}


# --------------------------------------------------------------------------- FranceArchives CSV


def test_francearchives_csv_row(kg: KnowledgeGraph):
    report = load_one(kg, ARMENTIERES, fmt="francearchives-csv", region="32")
    assert report.counts.records_read == report.counts.records_loaded == 1
    unit = f"<{BASE}archives/FRAM059017/FRAM059017_data_archives_anciennes/IR_AC>"
    [row] = rows(kg, f"""SELECT ?title ?page ?image ?begin ?end ?keeper WHERE {{ {unit} a crm:E78_Curated_Holding ;
        crm:P102_has_title/crm:P190_has_symbolic_content ?title ; crm:P129i_is_subject_of/la:access_point ?page ;
        crm:P138i_has_representation/la:digitally_shown_by/la:access_point ?image ;
        crm:P50_has_current_keeper ?keeper ; crm:P108i_was_produced_by/crm:P4_has_time-span ?ts .
        ?ts crm:P82a_begin_of_the_begin ?begin ; crm:P82b_end_of_the_end ?end }}""")
    assert row["title"] == "Inventaire des archives anciennes"
    assert row["page"] == "https://archives.ville-armentieres.fr/ark:/30097/a011591860770M85QFB/b2109914ca"
    assert row["image"].endswith("/FRAM059017_IR_ancien_001_jpg_/0_0.jpg")
    assert row["begin"].startswith("1387-") and row["end"].startswith("1789-")
    assert row["keeper"] == f"{BASE}org/archives/FRAM059017"
    communes = {r["code"] for r in rows(kg, f"""SELECT ?code WHERE {{ {unit} crm:P128_carries/crm:P67_refers_to ?p .
        ?p crm:P2_has_type/skos:prefLabel "commune"@fr ; crm:P1_is_identified_by/crm:P190_has_symbolic_content ?code }}""")}
    assert {"59017", "62338"} <= communes  # Armentières (Nord), Fleurbaix (Pas-de-Calais)
    assert len(communes) == 6
    people = {r["name"]: r["born"] for r in rows(kg, f"""SELECT ?name ?born WHERE {{ {unit} crm:P128_carries/crm:P67_refers_to ?p .
        ?p a crm:E21_Person ; rdfs:label ?name OPTIONAL {{ ?p crm:P98i_was_born/crm:P4_has_time-span/rdfs:label ?born }} }}""")}
    # "Jean Ier de Bourgogne (1371-1419 ; dit Jean Sans Peur)": a person and his dates
    assert people == {"Jean Ier de Bourgogne": "1371", "Jacques III de Luxembourg-Fiennes": "12.."}
    families = {r["name"] for r in rows(kg, f"""SELECT ?name WHERE {{ {unit} crm:P128_carries/crm:P67_refers_to ?g .
        ?g a crm:E74_Group ; rdfs:label ?name ; crm:P2_has_type <http://vocab.getty.edu/aat/300055474> }}""")}
    assert families == {"Egmont (famille d’)"}  # a family, not a person
    assert value(kg, f"SELECT (COUNT(*) AS ?n) WHERE {{ {unit} a edm:ProvidedCHO }}") == "1"


def test_francearchives_csv_bad_rows_are_reported(kg: KnowledgeGraph, tmp_path: Path):
    lines = ARMENTIERES.read_text(encoding="utf-8").splitlines()
    header, good = lines[0], lines[1]
    path = tmp_path / "FRAM059017_test.csv"
    path.write_text("\n".join([header, good, good, ",https://example.org/x,,,,", "X2,,,,1500,1600" + "," * 12,
                               "X3,,Sans date" + "," * 15]) + "\n", encoding="utf-8")
    report = load_one(kg, path, fmt="francearchives-csv", region=None)
    reasons = {r["line"]: r["reason"] for r in report.rejections}
    assert report.counts.records_loaded == 2 and report.counts.records_rejected == 3
    assert "duplicate identifier IR_AC" in reasons[3]
    assert "columns" in reasons[4] and "titre" in reasons[5]


# --------------------------------------------------------------------------- detection and safety


def test_detection_by_content(tmp_path: Path):
    for path in [PAS_DE_CALAIS, MARNE, *NATIONALES]:
        assert detect(path).name == "ead"
    renamed = tmp_path / "export.txt"
    shutil.copy(ARMENTIERES, renamed)
    assert detect(renamed).name == "francearchives-csv"
    try:
        assert detect(OAI).name != "ead"  # an OAI-PMH answer is the harvester's
    except InputError:
        pass


def test_truncated_file_is_an_input_error_and_the_old_dataset_stays(disk_kg: KnowledgeGraph, tmp_path: Path):
    first = load_one(disk_kg, PAS_DE_CALAIS, region=None, dataset="pdc")
    cut = tmp_path / "cut.xml"
    data = PAS_DE_CALAIS.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InputError, match=r"cut\.xml: not well-formed XML at line \d+"):
        load(disk_kg, [cut], LoadOptions(format="ead", dataset="pdc", region=None, progress=False))
    kept = value(disk_kg, "SELECT (COUNT(DISTINCT ?u) AS ?n) WHERE { ?u a edm:ProvidedCHO }")
    assert int(kept) == first.counts.records_loaded


def test_entity_declarations_are_refused_without_reading_anything(kg: KnowledgeGraph, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE ead [ <!ENTITY leak SYSTEM "file://{secret}"> <!ENTITY a "aaaaaaaaaa"> <!ENTITY b "&a;&a;&a;&a;&a;"> ]>
<ead><eadheader><eadid>X</eadid></eadheader><archdesc level="fonds"><did><unittitle>&leak;&b;</unittitle></did></archdesc></ead>
""", encoding="utf-8")
    with pytest.raises(InputError, match="declares XML entities") as error:
        load(kg, [hostile], LoadOptions(region=None, progress=False))
    assert "TOP-SECRET" not in str(error.value)
    assert not list(kg.store)


def test_the_dtd_a_document_names_is_never_loaded(kg: KnowledgeGraph, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    (tmp_path / "ead.dtd").write_text(f'<!ENTITY leak SYSTEM "file://{secret}">\n'
                                      '<!ATTLIST archdesc level CDATA "series">\n', encoding="utf-8")
    doc = tmp_path / "FRAD062_dtd.xml"
    doc.write_text("""<?xml version="1.0"?>
<!DOCTYPE ead SYSTEM "ead.dtd">
<ead><eadheader><eadid>dtd-test</eadid></eadheader>
<archdesc><did><unitid>1 J</unitid><unittitle>Titre &leak; fin</unittitle></did></archdesc></ead>
""", encoding="utf-8")
    report = load_one(kg, doc, region=None)
    assert report.counts.records_loaded == 1
    assert not any("TOP-SECRET" in str(q) for q in kg.store)
    title = value(kg, "SELECT ?t WHERE { ?u crm:P102_has_title/crm:P190_has_symbolic_content ?t }")
    assert title == "Titre &leak; fin"  # the reference is kept as written, never expanded
    assert not any("série" in str(q) for q in kg.store)  # the DTD's default level was not applied


def test_components_without_name_and_duplicate_ids_are_rejected(kg: KnowledgeGraph, tmp_path: Path):
    doc = tmp_path / "FRAD080_test.xml"
    doc.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<ead xmlns="urn:isbn:1-931666-22-9"><eadheader><eadid>FRAD080_test</eadid></eadheader>
<archdesc level="fonds"><did><unitid>1 J</unitid><unittitle>Fonds d'essai</unittitle></did><dsc>
  <c01 id="a"><did><unitid>1 J 1</unitid></did>
    <c02><did><unittitle>Sans cote</unittitle><unitdate normal="1850-03/1851">mars 1850-1851</unitdate></did></c02>
    <c02><did><physdesc>rien</physdesc></did></c02>
  </c01>
  <c01 id="a"><did><unitid>1 J 2</unitid></did></c01>
</dsc></archdesc></ead>
""", encoding="utf-8")
    report = load_one(kg, doc, region="32")  # Somme (80): kept
    assert report.counts.records_read == 5
    assert report.counts.records_loaded == 3 and report.counts.records_rejected == 2
    reasons = sorted(r["reason"] for r in report.rejections)
    assert reasons[0].startswith("duplicate identifier FRAD080_test/a") and "nothing names" in reasons[1]
    begin = value(kg, f"""SELECT ?b WHERE {{ <{BASE}archives/FRAD080/FRAD080_test/c1-1> crm:P108i_was_produced_by/
        crm:P4_has_time-span/crm:P82a_begin_of_the_begin ?b }}""")
    assert begin.startswith("1850-03-01")  # the normal form gives the month: kept


def test_every_crm_edm_and_profile_term_used_exists(pdc, kg: KnowledgeGraph):
    load_one(kg, ARMENTIERES, fmt="francearchives-csv")
    ontology = Path(__file__).resolve().parent.parent / "ontology"
    known = {
        "http://www.cidoc-crm.org/cidoc-crm/": set(re.findall(
            r'rdf:about="([^"]+)"', (ontology / "vocabularies" / "CIDOC_CRM_v7.1.3.rdf").read_text(encoding="utf-8-sig"))),
        "http://www.europeana.eu/schemas/edm/": _declared(ontology / "vocabularies" / "edm.ttl"),
        "https://w3id.org/patrimoine-kg/ontology#": _declared(ontology / "profile.ttl"),
    }
    for graph in (pdc[0], kg):
        terms = {r["t"] for r in rows(graph, "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }")}
        for term in terms:
            for namespace, names in known.items():
                if term.startswith(namespace):
                    assert term.removeprefix(namespace) in names, term


def _declared(turtle: Path) -> set[str]:
    """Local names of the terms a Turtle vocabulary describes."""
    import rdflib

    graph = rdflib.Graph().parse(turtle, format="turtle")
    return {str(t).rsplit("#", 1)[-1].rsplit("/", 1)[-1] for t in graph.subjects() if isinstance(t, rdflib.URIRef)}


@pytest.mark.parametrize("normal, years", [
    ("1921/1922", (1921, 1922)), ("1995-01-01 / 1997-12-31", (1995, 1997)), ("19950101/19961231", (1995, 1996)),
    ("1914", (1914, 1914)), ("1850-03/1851", (1850, 1851)), ("-0050/0010", (-50, 10)),
    ("1850-13-01", None), ("1922/1921", None), ("3000", None), ("1921-1922", None), ("vers 1920", None), ("", None),
])
def test_iso_normal_dates(normal: str, years: tuple[int, int] | None):
    from graph.mapping import MappingContext

    period = MappingContext.iso_period(normal)
    assert (None if period is None else (period.begin, period.end)) == years


@pytest.mark.parametrize("label, expected", [
    ("Arras", "place/commune/62041"),
    ("Arras (Pas-de-Calais, France)", "place/commune/62041"),
    ("Armentières (Nord, France)", "place/commune/59017"),
    ("Arras (Nord, France)", "place/name/arras-nord-france"),  # no Arras in the Nord: not guessed
    ("Paris (Île-de-France, Paris)", "place/commune/75056"),  # région and département agree
    ("Rome (Italie)", "place/geonames/3169070"),
    ("Saint-Omer (Pas-de-Calais, France) -- Basilique Notre-Dame",
     "place/name/saint-omer-pas-de-calais-france-basilique-notre-dame"),
])
def test_index_places(kg: KnowledgeGraph, label: str, expected: str):
    from graph.mapping import MappingContext

    ctx = MappingContext(kg.minter, "t", None)
    assert ctx.index_place(label) == f"<{BASE}{expected}>"
