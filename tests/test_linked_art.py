"""The Linked Art patterns and the facts the sources give, on every bundled sample (issue 8).

Dimensions as numbers, units and types; materials apart from techniques; owners from legal
statuses; births and deaths with places and dates; current locations and keepers; titles split;
images and web pages as digital objects; languages as ISO 639-2 IRIs; one record described by two
datasets without conflicting parts.
"""

from __future__ import annotations

from samples import all_samples, dataset_name, sample_files

BASE = "https://w3id.org/patrimoine-kg/"
AAT = "http://vocab.getty.edu/aat/"


def rows(sparql: str) -> list[dict[str, str | None]]:
    kg, _ = all_samples()
    solutions = kg.query(sparql, prefixes=True)
    names = [v.value for v in solutions.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in solutions]


def pop(ref: str) -> str:
    return f"<{BASE}pop/{ref}>"


def test_dimensions_are_numbers_with_units_and_types():
    # Palissy "h = 60 ; la = 100", Joconde "Hauteur en cm 181 ; Largeur en cm 125"
    for ref, expected in (("PM99000002", {("height", "60"), ("width", "100")}),
                          ("M9802000001", {("height", "181"), ("width", "125")})):
        found = rows(f"""SELECT DISTINCT ?type ?value WHERE {{ {pop(ref)} crm:P43_has_dimension ?d .
            ?d a crm:E54_Dimension ; crm:P2_has_type/rdfs:label ?type ; crm:P90_has_value ?value ;
               crm:P91_has_unit aat:300379098 FILTER(LANG(?type) = "en") }}""")  # centimetres
        assert {(r["type"], r["value"]) for r in found} == expected, ref
    # every dimension of the graph is a number with a unit and a type (Linked Art requires all three)
    incomplete = rows("""SELECT ?d WHERE { ?o crm:P43_has_dimension ?d
        FILTER NOT EXISTS { ?d crm:P90_has_value ?v ; crm:P91_has_unit ?u ; crm:P2_has_type ?t FILTER(isNumeric(?v)) } }""")
    assert incomplete == []
    assert len(rows("SELECT DISTINCT ?o WHERE { ?o crm:P43_has_dimension ?d }")) >= 30


def test_unreadable_measurements_are_kept_as_statements_and_counted():
    # Joconde 01610014032: "Hauteur en cm 1.64 ; Longueur en cm 6.6 ; Epaisseur en cm" (no number for the thickness)
    [statement] = {r["t"] for r in rows(f"""SELECT ?t WHERE {{ {pop('01610014032')} crm:P67i_is_referred_to_by ?s .
        ?s crm:P2_has_type aat:300435430 ; crm:P190_has_symbolic_content ?t }}""")}
    assert statement == "Epaisseur en cm"
    counts = {r["name"]: int(r["n"]) for r in rows("""SELECT ?name ?n WHERE { GRAPH ?c {
        ?d pkg:datasetName ?name ; pkg:dimensionsUnread ?n } }""")}
    names = {dataset_name(n, path): path.name for n, path in enumerate(sample_files())}
    by_file = {names[name]: n for name, n in counts.items()}
    assert by_file["joconde-valid-UTF-8.txt"] == 1 and by_file["constructed-hdf-museo-opendata.csv"] == 0


def test_materials_and_techniques_are_told_apart():
    # Joconde "peinture à l'huile;toile": canvas is a material, oil painting a technique of the production
    obj = pop("M9801000001")
    materials = rows(f"SELECT DISTINCT ?m ?aat WHERE {{ {obj} crm:P45_consists_of ?c . ?c a crm:E57_Material ; rdfs:label ?m "
                     "OPTIONAL { ?c skos:exactMatch ?aat } }")
    assert materials == [{"m": "toile", "aat": f"{AAT}300014078"}]
    techniques = {r["t"] for r in rows(f"""SELECT ?t WHERE {{ {obj} crm:P108i_was_produced_by/
        crm:P32_used_general_technique/rdfs:label ?t }}""")}
    assert techniques == {"peinture à l'huile"}
    # Palissy "chêne : taillé, sculpté": oak, worked by carving and sculpture
    obj = pop("PM99000001")
    assert {r["m"] for r in rows(f"SELECT ?m WHERE {{ {obj} crm:P45_consists_of/rdfs:label ?m }}")} == {"chêne"}
    assert {r["t"] for r in rows(f"""SELECT ?t WHERE {{ {obj} crm:P108i_was_produced_by/
        crm:P32_used_general_technique/rdfs:label ?t }}""")} == {"taille", "sculpture"}
    assert rows("SELECT ?m WHERE { ?m a crm:E57_Material ; rdfs:label \"peinture à l'huile\"@fr }") == []


def test_owners_come_from_the_legal_status():
    # "propriété de la commune ; Lille ; palais des Beaux-Arts": the commune of Lille owns the painting
    [owner] = rows(f"""SELECT DISTINCT ?o ?name ?where WHERE {{ {pop('M9802000001')} crm:P52_has_current_owner ?o .
        ?o a crm:E74_Group ; rdfs:label ?name ; crm:P74_has_current_or_former_residence ?where }}""")
    assert owner == {"o": f"{BASE}org/commune/59350", "name": "commune de Lille", "where": f"{BASE}place/commune/59350"}
    # and the status itself classifies the object, not its parts
    statuses = {r["s"] for r in rows("""SELECT ?s WHERE { ?o crm:P2_has_type ?t . ?t skos:inScheme ?scheme ;
        skos:prefLabel ?s FILTER(STRENDS(STR(?scheme), "/legal-status")) }""")}
    assert "propriété de la commune" in statuses and not statuses & {"Lille", "palais des Beaux-Arts", "don"}
    [state] = rows(f"SELECT DISTINCT ?o WHERE {{ {pop('PA00116046')} crm:P52_has_current_owner ?o }}")
    assert state["o"] == f"{BASE}org/state/FR"  # "propriété de l'Etat"


def test_births_and_deaths_have_places_and_dates():
    lives = {(r["who"], r["kind"]): (r["place"], r["date"]) for r in rows("""SELECT ?who ?kind ?place ?date WHERE {
        ?p crm:P98i_was_born|crm:P100i_died_in ?e ; rdfs:label ?who . ?e a ?cls ; crm:P7_took_place_at ?place ;
           crm:P4_has_time-span/rdfs:label ?date BIND(STRAFTER(STR(?cls), "cidoc-crm/") AS ?kind) }""")}
    # Joconde PAUT "Douai, vers 1470 ; Douai, 1535 ou 1536": Douai is the commune of the Nord
    douai = f"{BASE}place/commune/59178"
    assert lives[("BELLEGAMBE Jean", "E67_Birth")] == (douai, "vers 1470")
    assert lives[("BELLEGAMBE Jean", "E69_Death")] == (douai, "1535 ou 1536")
    assert lives[("FRAGONARD Jean-Honoré", "E67_Birth")][1] == "1732"
    # a birth's date is read as a time-span with bounds
    [span] = rows("""SELECT (YEAR(?b) AS ?y) WHERE { ?p rdfs:label "DELACROIX Eugène" ; crm:P98i_was_born/crm:P4_has_time-span ?t .
        ?t crm:P82a_begin_of_the_begin ?b }""")
    assert span["y"] == "1798"


def test_joconde_titles_location_and_keeper():
    obj = pop("M9802000001")  # "Le Temps#dit aussi Les Vieilles"
    titles = {r["type"]: r["t"] for r in rows(f"""SELECT ?t ?type WHERE {{ {obj} crm:P102_has_title ?n .
        ?n crm:P190_has_symbolic_content ?t ; crm:P2_has_type ?type FILTER(STRSTARTS(STR(?type), "{AAT}")) }}""")}
    assert titles == {f"{AAT}300404670": "Le Temps", f"{AAT}300264273": "Les Vieilles"}
    # LOCA "Amiens ; musée de Picardie": the museum, in the commune; the museum keeps it
    [where] = rows(f"""SELECT DISTINCT ?name ?commune ?keeper WHERE {{ {pop('M9801000001')} crm:P55_has_current_location ?p ;
        crm:P50_has_current_keeper ?keeper . ?p rdfs:label ?name ; crm:P89_falls_within ?commune }}""")
    assert where == {"name": "musée de Picardie", "commune": f"{BASE}place/commune/80021",
                     "keeper": f"{BASE}org/museofile/M9801"}
    assert rows(f"SELECT ?t WHERE {{ <{where['keeper']}> crm:P2_has_type ?t FILTER(?t = aat:300312281) }}")  # a museum


def test_denominations_are_types_of_work():
    [row] = rows("""SELECT ?c WHERE { ?c skos:prefLabel "tableau"@fr ; skos:inScheme ?s ; crm:P2_has_type aat:300435443
        FILTER(STRENDS(STR(?s), "/denomination")) }""")
    assert row["c"] == f"{BASE}concept/denomination/tableau"


def test_images_and_pages_are_digital_objects():
    images = rows("SELECT ?v WHERE { ?o crm:P138i_has_representation ?v }")
    assert len(images) > 50
    incomplete = rows("""SELECT ?v WHERE { ?o crm:P138i_has_representation ?v FILTER NOT EXISTS {
        ?v a crm:E36_Visual_Item ; la:digitally_shown_by ?d . ?d a dig:D1_Digital_Object ;
        crm:P2_has_type aat:300215302 ; la:access_point ?url FILTER(STRSTARTS(STR(?url), "http")) } }""")
    assert incomplete == []
    # the POP notice is a web page about the record, reached at its access point
    [page] = rows(f"""SELECT DISTINCT ?url WHERE {{ {pop('PA00116046')} crm:P129i_is_subject_of ?d .
        ?d a dig:D1_Digital_Object ; crm:P2_has_type aat:300264578 ; la:access_point ?url }}""")
    assert page["url"] == "https://pop.culture.gouv.fr/notice/merimee/PA00116046"
    assert rows("SELECT ?o WHERE { ?o foaf:page ?p }") == []


def test_languages_are_iso_639_iris():
    languages = rows("SELECT DISTINCT ?l ?label WHERE { ?x crm:P72_has_language ?l . ?l a crm:E56_Language ; rdfs:label ?label }")
    assert {r["l"] for r in languages} >= {"http://id.loc.gov/vocabulary/iso639-2/fre", "http://id.loc.gov/vocabulary/iso639-2/eng"}
    assert all(r["l"].startswith("http://id.loc.gov/vocabulary/iso639-2/") for r in languages)
    # only linguistic objects have a language: a physical thing's is its content's
    assert rows("""SELECT ?x WHERE { ?x crm:P72_has_language ?l FILTER NOT EXISTS { ?x a crm:E33_Linguistic_Object }
        FILTER NOT EXISTS { ?x a crm:E35_Title } }""") == []


def test_a_record_in_two_datasets_has_no_conflicting_parts():
    """PM99000001 is in the Palissy open-data export and in the import file: one record, two descriptions."""
    datasets = {r["g"] for r in rows(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {pop('PM99000001')} a crm:E22_Human-Made_Object }} }}")}
    assert len(datasets) == 2
    # each dataset's parts are its own: two productions, each with one time-span and one reading of it
    productions = rows(f"""SELECT ?p ?b ?e WHERE {{ {pop('PM99000001')} crm:P108i_was_produced_by ?p .
        ?p crm:P4_has_time-span ?t . ?t crm:P82a_begin_of_the_begin ?b ; crm:P82b_end_of_the_end ?e }}""")
    assert len({r["p"] for r in productions}) == 2 and len(productions) == 2
    # nowhere in the whole graph does a part carry two values where it can have one
    conflicts = rows("""SELECT ?s ?p (COUNT(DISTINCT ?o) AS ?n) WHERE {
        VALUES ?p { crm:P82a_begin_of_the_begin crm:P82b_end_of_the_end crm:P81a_end_of_the_begin crm:P81b_begin_of_the_end
                    crm:P90_has_value crm:P91_has_unit crm:P190_has_symbolic_content crm:P168_place_is_defined_by
                    crm:P4_has_time-span }
        ?s ?p ?o } GROUP BY ?s ?p HAVING(COUNT(DISTINCT ?o) > 1)""")
    assert conflicts == []
    # and in each dataset, the record has one current location
    locations = rows(f"""SELECT ?g (COUNT(DISTINCT ?l) AS ?n) WHERE {{ GRAPH ?g {{ {pop('PM99000001')}
        crm:P55_has_current_location ?l }} }} GROUP BY ?g""")
    assert [int(r["n"]) for r in locations] == [1, 1]


def test_languages_from_ead_and_lido():
    # EAD langmaterial <language langcode="fre">: the content the fonds carries is a text in French
    [fonds] = rows(f"""SELECT DISTINCT ?l ?code WHERE {{ <{BASE}archives/FRAN/FRAN_IR_054848> crm:P128_carries ?c ;
        dc:language ?code . ?c a crm:E33_Linguistic_Object ; crm:P72_has_language ?l }}""")
    assert fonds == {"l": "http://id.loc.gov/vocabulary/iso639-2/fre", "code": "fre"}
    # EAD langusage: the finding aid, and so its titles, are in French
    titled = rows(f"""SELECT DISTINCT ?l WHERE {{ <{BASE}archives/FRAD062/frad062_ir_9fi_01> crm:P102_has_title ?t .
        ?t crm:P72_has_language ?l }}""")
    assert titled == [{"l": "http://id.loc.gov/vocabulary/iso639-2/fre"}]
    # LIDO: each title in its xml:lang
    titles = {(r["t"], r["l"]) for r in rows("""SELECT DISTINCT ?t ?l WHERE { ?o crm:P102_has_title ?n .
        ?n crm:P190_has_symbolic_content ?t ; crm:P72_has_language ?l FILTER(STR(?t) IN ("La Gioconda", "Mona Lisa")) }""")}
    assert titles == {("La Gioconda", "http://id.loc.gov/vocabulary/iso639-2/ita"),
                      ("Mona Lisa", "http://id.loc.gov/vocabulary/iso639-2/eng")}


def test_palissy_objects_are_in_their_building():
    # EDIF "cathédrale Notre-Dame", INSEE 80021: the object is in the building, in Amiens; REFA links the record
    found = rows(f"""SELECT DISTINCT ?name ?commune ?record WHERE {{ {pop('PM99000001')} crm:P55_has_current_location ?p ;
        pkg:housedIn ?record . ?p rdfs:label ?name ; crm:P89_falls_within ?commune }}""")
    assert found == [{"name": "cathédrale Notre-Dame", "commune": f"{BASE}place/commune/80021",
                      "record": f"{BASE}pop/PA00116046"}]


def test_the_parts_of_a_production_carried_out_in_a_role_are_productions():
    """Linked Art: a maker with a role takes part in a part of the production, itself a production
    (parts are minted per dataset, ``…#DATASET/production-1``)."""
    found = rows("""SELECT ?part ?type WHERE { ?made crm:P108i_was_produced_by ?production .
        ?production crm:P9_consists_of ?part . ?part crm:P14_carried_out_by ?who ; crm:P2_has_type ?role ; a ?type }""")
    assert found, "the samples have makers with roles"
    assert {r["type"] for r in found} == {"http://www.cidoc-crm.org/cidoc-crm/E12_Production"}
