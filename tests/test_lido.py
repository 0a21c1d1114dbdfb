"""LIDO 1.0 / 1.1 loader: the real samples in samples/lido/, loaded through the pipeline and queried with SPARQL."""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from patrimoine.pipeline import LoadOptions, LoadReport, load
from graph.iri import Minter, dataset_name_for
from graph.records import InputError
from graph.store import KnowledgeGraph
from loaders import detect

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "lido"
EXTENDED = SAMPLES / "LIDO-Extended-Example.xml"
EXAMPLE1 = SAMPLES / "example1.xml"
MONA_LISA = SAMPLES / "mona_lisa.lido-mc.xml"


def load_file(path: Path, fmt: str | None = "lido", region: str | None = None,
              kg: KnowledgeGraph | None = None) -> tuple[KnowledgeGraph, LoadReport]:
    kg = kg if kg is not None else KnowledgeGraph(None)
    [report] = load(kg, [path], LoadOptions(format=fmt, region=region, progress=False))
    assert report.counts.reconciles()
    return kg, report


def rows(kg: KnowledgeGraph, query: str) -> set[tuple[str, ...]]:
    return {tuple(t.value for t in row) for row in kg.query(query, prefixes=True)}


def values(kg: KnowledgeGraph, query: str) -> set[str]:
    return {r[0] for r in rows(kg, query)}


@pytest.fixture(scope="module")
def extended() -> KnowledgeGraph:
    return load_file(EXTENDED)[0]


@pytest.fixture(scope="module")
def example1() -> KnowledgeGraph:
    return load_file(EXAMPLE1)[0]


@pytest.fixture(scope="module")
def mona_lisa() -> KnowledgeGraph:
    return load_file(MONA_LISA)[0]


def record(kg: KnowledgeGraph, *ids: str) -> str:
    return kg.minter.record("lido", *ids)


# -- LIDO-Extended-Example: lidoWrap, 3 records, each in English and German ----------


def test_extended_example_loads_its_three_records_with_their_titles_in_both_languages(extended):
    [ds] = extended.datasets()
    assert (ds.records_read, ds.records_loaded, ds.records_rejected, ds.records_skipped) == (3, 3, 0, 0)
    titles = rows(extended, """SELECT DISTINCT ?o ?t (LANG(?t) AS ?l) WHERE {
        ?o a crm:E22_Human-Made_Object ; crm:P102_has_title/crm:P190_has_symbolic_content ?t }""")
    whole = record(extended, "DE-Mb112", "DE-Mb112/lido-obj20344012")
    basin = record(extended, "DE-Mb112", "DE-Mb112/lido-obj20344012,T,001")
    assert (whole[1:-1], "Fontana del Moro", "en") in titles
    assert (whole[1:-1], "Fontana del Moro", "de") in titles
    assert (basin[1:-1], "Fontana del Moro — Brunnenbecken mit vier Tritonen und Masken", "de") in titles
    assert len({o for o, _, _ in titles}) == 3


def test_extended_example_production_actors_roles_and_dates_are_read_once_not_per_language(extended):
    actors = rows(extended, """SELECT DISTINCT ?o ?name ?role ?begin ?end WHERE {
        ?o crm:P108i_was_produced_by ?p . ?p crm:P9_consists_of ?part .
        ?part crm:P14_carried_out_by/rdfs:label ?name ; crm:P2_has_type/rdfs:label ?role .
        ?p crm:P4_has_time-span [ crm:P82a_begin_of_the_begin ?begin ; crm:P82b_end_of_the_end ?end ] }""")
    basin = record(extended, "DE-Mb112", "DE-Mb112/lido-obj20344012,T,001")[1:-1]
    group = record(extended, "DE-Mb112", "DE-Mb112/lido-obj20344012,T,002")[1:-1]
    assert actors == {
        (basin, "Porta, Giacomo della", "sculptor", "1575-01-01T00:00:00", "1576-12-31T23:59:59"),
        (group, "Bernini, Giovanni Lorenzo", "sculptor", "1654-01-01T00:00:00", "1654-12-31T23:59:59"),
        (group, "Mari, Giovanni Antonio", "sculptor", "1654-01-01T00:00:00", "1654-12-31T23:59:59"),
    }  # the German version (Bildhauer, Herstellung) repeats the English one: not a second set of actors
    parts = values(extended, f"SELECT ?part WHERE {{ <{group}> crm:P108i_was_produced_by/crm:P9_consists_of ?part }}")
    assert len(parts) == 2


def test_extended_example_repository_is_a_place_hierarchy_and_no_keeper_is_invented(extended):
    # The records name no repository institution (no repositoryName), only where the fountain stands.
    assert values(extended, "SELECT ?k WHERE { ?o crm:P50_has_current_keeper ?k }") == set()
    chain = rows(extended, """SELECT DISTINCT ?site ?town ?province ?nation WHERE {
        ?o crm:P55_has_current_location ?s . ?s rdfs:label ?site ;
           crm:P89_falls_within ?t . ?t rdfs:label ?town ; crm:P89_falls_within ?p .
        ?p rdfs:label ?province ; crm:P89_falls_within/rdfs:label ?nation }""")
    assert chain == {("Rome, Piazza Navona, southern end", "Rome", "Roma", "Italy")}
    assert values(extended, """SELECT ?id WHERE { ?o crm:P55_has_current_location/crm:P89_falls_within ?t .
        ?t owl:sameAs ?id }""") == {"http://vocab.getty.edu/tgn/7000874"}


def test_extended_example_images_pages_and_iconclass_subjects(extended):
    images = rows(extended, "SELECT DISTINCT ?o ?img WHERE { ?o crm:P138i_has_representation/la:digitally_shown_by/"
                            "la:access_point ?img }")
    whole = record(extended, "DE-Mb112", "DE-Mb112/lido-obj20344012")[1:-1]
    basin = record(extended, "DE-Mb112", "DE-Mb112/lido-obj20344012,T,001")[1:-1]
    assert {i for o, i in images if o == whole} == {"http://www.bildindex.de/bilder/t/it00423f05"}
    assert {i for o, i in images if o == basin} == {"http://www.bildindex.de/bilder/t/fm1188710",
                                                    "http://www.bildindex.de/bilder/t/it00423f09"}
    assert values(extended, f"SELECT ?p WHERE {{ <{basin}> crm:P129i_is_subject_of/la:access_point ?p }}") == {
        "http://www.bildindex.de/dokumente/html/obj20344012,T,001"}
    assert "https://iconclass.org/92H391" in values(
        extended, f"SELECT ?m WHERE {{ <{basin}> crm:P62_depicts/skos:exactMatch ?m }}")


# -- example1.xml: LIDO 1.0 single record with authority ids --------------------------


def test_example1_object_types_carry_their_vocabulary_ids(example1):
    obj = record(example1, "DE-MUS-059918", "DE-MUS-059918/dc00018494")
    types = rows(example1, f"""SELECT ?label ?match WHERE {{ {obj} crm:P2_has_type ?c .
        ?c skos:prefLabel ?label ; skos:exactMatch ?match }}""")
    assert ("Kabinettschrank", "http://vocab.getty.edu/aat/300379868") in types
    assert ("Schrankmöbel", "http://obg.vocnet.org/00000883") in types
    lang = values(example1, f"""SELECT (LANG(?l) AS ?lang) WHERE {{ {obj} crm:P2_has_type ?c .
        ?c skos:prefLabel ?l FILTER(STR(?l) = "Kabinettschrank") }}""")
    assert lang == {"de"}


def test_example1_production_actors_with_roles_and_authority_same_as(example1):
    obj = record(example1, "DE-MUS-059918", "DE-MUS-059918/dc00018494")
    actors = rows(example1, f"""SELECT ?person ?name ?role ?same WHERE {{
        {obj} crm:P108i_was_produced_by/crm:P9_consists_of ?part .
        ?part crm:P14_carried_out_by ?person ; crm:P2_has_type/rdfs:label ?role .
        ?person a crm:E21_Person ; rdfs:label ?name ; owl:sameAs ?same }}""")
    mention = f"{obj[1:-1]}#example1/person-"  # each actor is a mention of the record, the same as its authority's entity
    assert actors == {
        (mention + "fiammingo-giacomo", "Fiammingo, Giacomo", "Künstler", "https://d-nb.info/gnd/1229708928"),
        (mention + "curtis-giovanni-battista-de", "Curtis, Giovanni Battista de", "Graveur",
         "https://d-nb.info/gnd/161108342"),
        (mention + "picicaro-januarius", "Picicaro, Januarius", "Graveur", "http://viaf.org/viaf/89840489"),
    }


def test_example1_dates_place_materials_and_technique(example1):
    obj = record(example1, "DE-MUS-059918", "DE-MUS-059918/dc00018494")
    [(label, begin, end)] = rows(example1, f"""SELECT ?l ?b ?e WHERE {{ {obj} crm:P108i_was_produced_by/crm:P4_has_time-span ?ts .
        ?ts rdfs:label ?l ; crm:P82a_begin_of_the_begin ?b ; crm:P82b_end_of_the_end ?e }}""")
    assert (label, begin, end) == ("um 1600", "1596-01-01T00:00:00", "1605-12-31T23:59:59")
    assert rows(example1, f"""SELECT ?name ?same WHERE {{ {obj} crm:P108i_was_produced_by/crm:P7_took_place_at ?p .
        ?p rdfs:label ?name ; owl:sameAs ?same }}""") == {("Neapel", "https://sws.geonames.org/3172394/")}
    # its GeoNames id gives the IRI place resolution gives Naples in any other source ("Naples (Italie)")
    assert values(example1, f"SELECT ?p WHERE {{ {obj} crm:P108i_was_produced_by/crm:P7_took_place_at ?p }}") == {
        example1.minter.geonames("3172394")[1:-1]}
    assert rows(example1, f"""SELECT ?m ?id WHERE {{ {obj} crm:P45_consists_of ?c .
        ?c a crm:E57_Material ; rdfs:label ?m ; skos:exactMatch ?id }}""") == {
        ("Palisander", "http://vocab.getty.edu/aat/300375333"),
        ("Ebenholz", "http://www.wikidata.org/entity/Q156005"),
        ("Elfenbein (Material)", "http://vocab.getty.edu/aat/300011857"),
    }
    assert rows(example1, f"""SELECT ?t ?id WHERE {{ {obj} crm:P108i_was_produced_by/crm:P32_used_general_technique ?c .
        ?c rdfs:label ?t ; skos:exactMatch ?id }}""") == {("Gravierung", "https://d-nb.info/gnd/4191438-7")}


def test_example1_repository_keeper_inventory_number_images_and_rights(example1):
    obj = record(example1, "DE-MUS-059918", "DE-MUS-059918/dc00018494")
    keeper = example1.minter.org("isil", "DE-MUS-059918")
    assert values(example1, f"SELECT ?k WHERE {{ {obj} crm:P50_has_current_keeper ?k }}") == {keeper[1:-1]}
    assert rows(example1, f"""SELECT ?name ?isil WHERE {{ {keeper} a crm:E74_Group ; rdfs:label ?name ;
        crm:P1_is_identified_by/crm:P190_has_symbolic_content ?isil }}""") == {
        ("Museum für Kunst und Gewerbe Hamburg", "DE-MUS-059918")}
    assert values(example1, f"""SELECT ?v WHERE {{ {obj} crm:P1_is_identified_by ?i .
        ?i crm:P190_has_symbolic_content ?v ; crm:P2_has_type/rdfs:label "numéro d'inventaire"@fr }}""") == {"1977.20"}
    images = rows(example1, f"""SELECT ?img ?c WHERE {{ {obj} crm:P138i_has_representation ?v . ?v rdfs:label ?c ;
        la:digitally_shown_by/la:access_point ?img }}""")
    assert len(images) == 3
    assert ("http://resources.digicult-museen.net/dam/provided_image/m5ea54539bef06",
            "Blick in geöffneten Kabinettschrank mit dunkelbrauner und weißer Fassadenarchitektur aus Ebenholz und "
            "Elfenbein im Inneren des Schrankes und der beiden Türen") in images
    # The images' CC0 becomes the object's rights, and so the EDM aggregation's edm:rights.
    assert values(example1, f"SELECT ?r WHERE {{ {obj} dcterms:rights ?r }}") == {
        "http://creativecommons.org/publicdomain/zero/1.0/"}
    assert rows(example1, f"""SELECT ?r ?shown ?at ?provider WHERE {{ ?agg edm:aggregatedCHO {obj} ;
        edm:rights ?r ; edm:isShownBy ?shown ; edm:isShownAt ?at ; edm:dataProvider ?provider }}""") == {(
        "http://creativecommons.org/publicdomain/zero/1.0/",
        "http://resources.digicult-museen.net/dam/provided_image/m5ea54539bef06",
        "http://sammlungonline.mkg-hamburg.de/de/object/Kabinettschrank/1977.20/dc00018494",
        keeper[1:-1])}


# -- mona_lisa.lido-mc.xml: LIDO 1.1 (skos:Concept inside terms) -----------------------


def test_mona_lisa_titles_keep_their_languages(mona_lisa):
    obj = record(mona_lisa, "Q19675", "louvre.fr/oeuvre/INV779")
    assert rows(mona_lisa, f"""SELECT ?t (LANG(?t) AS ?l) WHERE {{ {obj} crm:P102_has_title/crm:P190_has_symbolic_content ?t }}"""
                ) == {("La Joconde", "fr"), ("Portrait de Mona Lisa", "fr"), ("La Gioconda", "it"), ("Mona Lisa", "en")}
    assert values(mona_lisa, f"SELECT ?l WHERE {{ {obj} rdfs:label ?l }}") == {"La Joconde"}


def test_mona_lisa_painter_is_known_by_authority_with_every_same_as(mona_lisa):
    obj = record(mona_lisa, "Q19675", "louvre.fr/oeuvre/INV779")
    leonardo = Minter.mention(obj, "Léonard de Vinci", dataset_name_for(MONA_LISA.stem))
    assert rows(mona_lisa, f"""SELECT ?role ?aat WHERE {{ {obj} crm:P108i_was_produced_by/crm:P9_consists_of ?part .
        ?part crm:P14_carried_out_by {leonardo} ; crm:P2_has_type ?r . ?r rdfs:label ?role ; skos:exactMatch ?aat }}"""
                ) == {("Peintre", "http://vocab.getty.edu/aat/300025136")}
    assert values(mona_lisa, f"SELECT ?s WHERE {{ {leonardo} owl:sameAs ?s }}") == {
        "http://viaf.org/viaf/24604287", "http://www.wikidata.org/entity/Q762", "http://www.idref.fr/027273814/id"}
    assert values(mona_lisa, f"SELECT ?n WHERE {{ {leonardo} rdfs:label ?n }}") == {"Léonard de Vinci"}


def test_mona_lisa_dates_materials_keeper_location_and_other_events(mona_lisa):
    obj = record(mona_lisa, "Q19675", "louvre.fr/oeuvre/INV779")
    assert rows(mona_lisa, f"""SELECT ?b ?e WHERE {{ {obj} crm:P108i_was_produced_by/crm:P4_has_time-span ?ts .
        ?ts crm:P82a_begin_of_the_begin ?b ; crm:P82b_end_of_the_end ?e }}""") == {
        ("1503-01-01T00:00:00", "1519-12-31T23:59:59")}
    assert rows(mona_lisa, f"""SELECT ?m ?aat WHERE {{ {obj} crm:P45_consists_of ?c . ?c rdfs:label ?m ;
        skos:exactMatch ?aat }}""") == {("Huile", "http://vocab.getty.edu/aat/300015050"),
                                         ("Panneau de peuplier", "http://vocab.getty.edu/aat/300012363")}
    assert values(mona_lisa, f"""SELECT ?t WHERE {{ {obj} crm:P108i_was_produced_by/crm:P32_used_general_technique/rdfs:label ?t }}"""
                  ) == {"Sfumato"}
    # The Louvre, known to LIDO by its Wikidata id, is the Muséofile M5031 of the list of Musées de France
    louvre = mona_lisa.minter.org("museofile", "M5031")
    assert rows(mona_lisa, f"""SELECT ?name ?same WHERE {{ {obj} crm:P50_has_current_keeper {louvre} .
        {louvre} rdfs:label ?name ; owl:sameAs ?same }}""") == {("musée du Louvre", "http://www.wikidata.org/entity/Q19675")}
    assert values(mona_lisa, f"""SELECT ?v WHERE {{ {obj} crm:P1_is_identified_by ?i . ?i crm:P190_has_symbolic_content ?v ;
        crm:P2_has_type/rdfs:label "numéro d'inventaire"@fr }}""") == {"INV. 779"}
    # "Paris, France" is the commune of Paris (graph/places.py), with the point GeoNames gives it
    assert values(mona_lisa, f"""SELECT ?p WHERE {{ {obj} crm:P55_has_current_location ?p .
        ?p crm:P168_place_is_defined_by ?wkt FILTER(STRSTARTS(STR(?wkt), "POINT(2.3")) }}""") == {
        f"{mona_lisa.minter.base}place/commune/75056"}
    assert values(mona_lisa, f"""SELECT ?t WHERE {{ ?e crm:P12_occurred_in_the_presence_of {obj} ; a crm:E7_Activity ;
        crm:P2_has_type/rdfs:label ?t }}""") == {"Acquisition"}
    # measurementsSet: type (AAT id), unit, value → Linked Art dimensions
    assert rows(mona_lisa, f"""SELECT ?type ?value ?unit WHERE {{ {obj} crm:P43_has_dimension ?d .
        ?d crm:P2_has_type ?type ; crm:P90_has_value ?value ; crm:P91_has_unit ?unit }}""") == {
        ("http://vocab.getty.edu/aat/300055644", "77", "http://vocab.getty.edu/aat/300379098"),
        ("http://vocab.getty.edu/aat/300055647", "53", "http://vocab.getty.edu/aat/300379098")}
    assert values(mona_lisa, f"SELECT ?i WHERE {{ {obj} crm:P128_carries/crm:P190_has_symbolic_content ?i }}") == {
        "Non signé"}


@pytest.mark.parametrize("path, version", [(EXAMPLE1, "v1.0"), (MONA_LISA, "v1.1")])
def test_lido_1_0_and_1_1_give_the_same_shape(path, version):
    """1.0 names a term's vocabulary with lido:conceptID, 1.1 may use an inline skos:Concept; both end as exactMatch."""
    assert f"schema/{version}/" in path.read_text(encoding="utf-8")[:2000]
    kg, report = load_file(path)
    assert report.counts.records_loaded == 1
    shape = values(kg, """SELECT ?what WHERE {
        { ?o a crm:E22_Human-Made_Object ; crm:P2_has_type/skos:exactMatch ?m BIND("type with vocabulary id" AS ?what) }
        UNION { ?o crm:P108i_was_produced_by/crm:P9_consists_of/crm:P14_carried_out_by/owl:sameAs ?s BIND("actor authority" AS ?what) }
        UNION { ?o crm:P108i_was_produced_by/crm:P4_has_time-span/crm:P82a_begin_of_the_begin ?b BIND("dated" AS ?what) }
        UNION { ?o crm:P45_consists_of/skos:exactMatch ?m BIND("material with vocabulary id" AS ?what) }
        UNION { ?o crm:P50_has_current_keeper ?k BIND("keeper" AS ?what) }
        UNION { ?o crm:P138i_has_representation ?i BIND("image" AS ?what) }
        UNION { ?o a edm:ProvidedCHO . ?a edm:aggregatedCHO ?o BIND("EDM view" AS ?what) } }""")
    assert shape == {"type with vocabulary id", "actor authority", "dated", "material with vocabulary id", "keeper",
                     "image", "EDM view"}


# -- counts, detection, bad input ----------------------------------------------------------


def test_counts_reconcile_and_rejected_records_are_reported(tmp_path):
    text = EXTENDED.read_text(encoding="utf-8")
    first = text.index("<lido:lidoRecID")
    end = text.index("</lido:lidoRecID>", first) + len("</lido:lidoRecID>")
    broken = tmp_path / "extended-broken.xml"
    # the first record loses its id; a copy of the last record repeats an id already seen
    last = text[text.rindex("<lido:lido>"):text.rindex("</lido:lido>") + len("</lido:lido>")]
    broken.write_text(text[:first] + text[end:].replace("</lido:lidoWrap>", last + "\n</lido:lidoWrap>"),
                      encoding="utf-8")
    kg, report = load_file(broken)
    c = report.counts
    assert (c.records_read, c.records_loaded, c.records_rejected, c.records_skipped) == (4, 2, 2, 0)
    reasons = sorted(r["reason"] for r in report.rejections)
    assert reasons[0].startswith("duplicate identifier DE-Mb112/lido-obj20344012,T,002")
    assert reasons[1] == "no lido:lidoRecID (the record's identifier)"
    [ds] = kg.datasets()
    assert (ds.records_read, ds.records_loaded, ds.records_rejected) == (4, 2, 2)
    assert len(values(kg, "SELECT ?o WHERE { ?o a crm:E22_Human-Made_Object }")) == 2


def test_region_filter_keeps_unknown_places_and_resolves_communes_of_the_region(tmp_path):
    kg, report = load_file(EXTENDED, region="32")
    assert report.counts.records_loaded == 3  # Rome says nothing about Hauts-de-France: kept
    amiens = tmp_path / "example1-amiens.xml"
    text = EXAMPLE1.read_text(encoding="utf-8")
    amiens.write_text(text.replace("</lido:repositoryName>", "</lido:repositoryName><lido:repositoryLocation>"
                                   "<lido:namePlaceSet><lido:appellationValue>Amiens</lido:appellationValue>"
                                   "</lido:namePlaceSet></lido:repositoryLocation>"), encoding="utf-8")
    kg, report = load_file(amiens, region="32")
    assert report.counts.records_loaded == 1
    assert values(kg, "SELECT ?p WHERE { ?o crm:P55_has_current_location ?p }") == {
        kg.minter.commune("80021")[1:-1]}


def test_loading_twice_gives_the_same_triples():
    def triples() -> set[str]:
        kg, _ = load_file(MONA_LISA)
        return {str(q) for q in kg.store if "catalogue" not in str(q.graph_name)}
    assert triples() == triples()


@pytest.mark.parametrize("path", [EXTENDED, EXAMPLE1, MONA_LISA])
def test_detected_from_content_not_extension(path, tmp_path):
    assert detect(path).name == "lido"
    renamed = tmp_path / (path.stem + ".data")
    shutil.copyfile(path, renamed)
    assert detect(renamed).name == "lido"
    kg, report = load_file(renamed, fmt=None)
    assert report.format == "lido" and report.counts.records_loaded >= 1


def test_truncated_file_is_an_input_error_and_the_store_is_untouched(tmp_path):
    data = EXTENDED.read_bytes()
    cut = tmp_path / "truncated.xml"
    cut.write_bytes(data[: len(data) * 2 // 3])
    kg = KnowledgeGraph(None)
    with pytest.raises(InputError, match="not well-formed XML at line"):
        load(kg, [cut], LoadOptions(format="lido", region=None, progress=False))
    assert kg.datasets() == [] and len(kg.store) == 0


@contextmanager
def entity_trap(tmp_path: Path) -> Iterator[tuple[str, str, dict[str, bool]]]:
    """An external-entity target that notices any access: an HTTP URL on 127.0.0.1 and a FIFO.

    Yields (url, file path, seen); ``seen`` says whether the URL was requested or the
    FIFO opened for reading (a FIFO's writer only gets through once a reader opens it).
    """
    seen = {"http": False, "file": False}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen["http"] = True
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"SECRET")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    fifo = tmp_path / "secret.fifo"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "w") as f:
            seen["file"] = True
            f.write("SECRET")

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/secret", str(fifo), seen
    finally:
        server.shutdown()
        server.server_close()
        release = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        thread.join(2)
        os.close(release)


@pytest.mark.parametrize("fmt", ["lido", None])
def test_entity_declaring_xml_is_refused_without_any_file_or_network_access(tmp_path, fmt):
    with entity_trap(tmp_path) as (url, fifo, seen):
        evil = tmp_path / "evil.xml"
        evil.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<!DOCTYPE lido:lidoWrap [\n  <!ENTITY net SYSTEM "{url}">\n  <!ENTITY file SYSTEM "file://{fifo}">\n'
            '  <!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n'
            '<lido:lidoWrap xmlns:lido="http://www.lido-schema.org"><lido:lido>'
            "<lido:lidoRecID>&net;&file;&b;</lido:lidoRecID></lido:lido></lido:lidoWrap>\n", encoding="utf-8")
        kg = KnowledgeGraph(None)
        with pytest.raises(InputError, match="declares XML entities"):
            load(kg, [evil], LoadOptions(format=fmt, region=None, progress=False))
        assert seen == {"http": False, "file": False}
        assert len(kg.store) == 0
