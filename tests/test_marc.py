"""MARC loaders (``unimarc``, ``marc21``): real Sudoc, ICCU and Library of Congress records, checked with SPARQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from patrimoine.pipeline import LoadOptions, LoadReport, load
from graph.records import InputError
from graph.iri import dataset_name_for
from graph.store import KnowledgeGraph
from loaders import detect
from loaders.marc import MARC21, UNIMARC, read_marc

MARC = Path(__file__).resolve().parent.parent / "samples" / "marc"
THESIS = MARC / "sudoc-24276858X.marcxml.xml"  # Université de Picardie Jules Verne, Amiens
SAMPLES = {
    "sudoc-088884074.marcxml.xml": ("unimarc", 1),
    "sudoc-24276858X.marcxml.xml": ("unimarc", 1),
    "sudoc-252383524.marcxml.xml": ("unimarc", 1),
    "testunimarc.iso2709": ("unimarc", 1),
    "batch.marcxml.xml": ("marc21", 2),
    "marc8.iso2709": ("marc21", 1),
    "test.iso2709": ("marc21", 10),
    "utf8_with_leader_flag.iso2709": ("marc21", 1),
}
PK = "https://w3id.org/patrimoine-kg/"
SCOPE = dataset_name_for(THESIS.stem)  # the parts of a record are minted under the dataset describing it


def load_one(kg: KnowledgeGraph, path: Path, fmt: str | None, region: str | None = None) -> LoadReport:
    [report] = load(kg, [path], LoadOptions(format=fmt, region=region, progress=False))
    assert report.counts.reconciles()
    return report


def values(kg: KnowledgeGraph, query: str) -> list[str]:
    return sorted(str(row[0].value) for row in kg.query(query, prefixes=True))


def ask(kg: KnowledgeGraph, query: str) -> bool:
    return bool(kg.query(query, prefixes=True))


@pytest.fixture(scope="module")
def thesis() -> KnowledgeGraph:
    kg = KnowledgeGraph(None)
    report = load_one(kg, THESIS, "unimarc")
    assert report.counts.records_loaded == 1
    return kg


# -- every sample -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_loads_with_its_edm_view(name: str) -> None:
    fmt, n = SAMPLES[name]
    kg = KnowledgeGraph(None)
    report = load_one(kg, MARC / name, fmt)
    assert (report.counts.records_read, report.counts.records_loaded) == (n, n)
    documents = values(kg, "SELECT ?d WHERE { ?d a crm:E31_Document ; void:inDataset ?ds }")
    chos = values(kg, "SELECT DISTINCT ?d WHERE { ?d a edm:ProvidedCHO ; dc:title ?t ; edm:type ?type }")
    assert len(documents) == n
    assert chos == documents
    # TEXT, except what the record says is something else: the musical sound recording of batch.marcxml
    # (leader 'j', "1 sound disc") is SOUND
    sounds = values(kg, "SELECT ?d WHERE { ?d edm:type 'SOUND' }")
    assert values(kg, "SELECT ?d WHERE { ?d edm:type 'TEXT' }") == [d for d in documents if d not in sounds]
    assert sounds == ([f"{PK}marc/DLC/5637241"] if name == "batch.marcxml.xml" else [])
    aggregated = values(kg, "SELECT DISTINCT ?d WHERE { ?a edm:aggregatedCHO ?d ; edm:dataProvider ?p }")
    assert aggregated == documents


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_detection_by_content_and_dialect(name: str, tmp_path: Path) -> None:
    fmt = SAMPLES[name][0]
    # the content decides, not the extension
    copy = tmp_path / "export.dat"
    copy.write_bytes((MARC / name).read_bytes())
    assert detect(copy).name == fmt
    head = copy.read_bytes()[:65536]
    assert UNIMARC.sniff(copy, head) is (fmt == "unimarc")
    assert MARC21.sniff(copy, head) is (fmt == "marc21")


def test_marcxml_in_the_default_namespace(tmp_path: Path) -> None:
    text = (MARC / "batch.marcxml.xml").read_text(encoding="utf-8")
    text = text.replace("marc:", "").replace("xmlns:marc=", "xmlns=")
    path = tmp_path / "records.xml"
    path.write_text(text, encoding="utf-8")
    assert detect(path).name == "marc21"
    kg = KnowledgeGraph(None)
    assert load_one(kg, path, None).counts.records_loaded == 2


def test_sniff_says_no_to_other_formats() -> None:
    others = [p for p in (MARC.parent).rglob("*") if p.is_file() and MARC not in p.parents]
    assert others, "other formats' samples are needed to check that the MARC sniffs do not claim them"
    for p in others:
        head = p.read_bytes()[:65536]
        assert not UNIMARC.sniff(p, head) and not MARC21.sniff(p, head), p


# -- UNIMARC: the Amiens thesis (Sudoc MARCXML without namespace) ---------------------------


def test_thesis_record_title_and_ppn(thesis: KnowledgeGraph) -> None:
    doc = f"<{PK}sudoc/24276858X>"
    assert values(thesis, f"SELECT ?t WHERE {{ {doc} crm:P102_has_title/crm:P190_has_symbolic_content ?t "
                          "FILTER(LANG(?t) = 'fr') }") == [
        "Le syndrome de l'apnée du sommeil : problématiques du dépistage chez les médecins généralistes picards"]
    assert values(thesis, f"SELECT ?t WHERE {{ {doc} crm:P102_has_title/crm:P190_has_symbolic_content ?t "
                          "FILTER(LANG(?t) = 'en') }") == [
        "Sleep apnea syndrome : screening problems for picardy's general practitioners"]
    assert values(thesis, f"""SELECT ?v WHERE {{ {doc} crm:P1_is_identified_by ?i .
        ?i crm:P190_has_symbolic_content ?v ; crm:P2_has_type/skos:prefLabel "PPN"@fr }}""") == ["24276858X"]
    assert values(thesis, f"SELECT ?p WHERE {{ {doc} crm:P129i_is_subject_of/la:access_point ?p }}") == [
        "http://www.sudoc.fr/24276858X", "https://dumas.ccsd.cnrs.fr/dumas-02498021"]
    # 101 $a fre: the thesis is a text in French (an ISO 639-2 language), and EDM says so
    assert values(thesis, f"SELECT ?l WHERE {{ {doc} a crm:E33_Linguistic_Object ; crm:P72_has_language ?l }}") == [
        "http://id.loc.gov/vocabulary/iso639-2/fre"]
    assert values(thesis, f"SELECT ?l WHERE {{ {doc} dc:language ?l }}") == ["fre"]
    assert values(thesis, f"""SELECT ?t WHERE {{ {doc} crm:P67i_is_referred_to_by ?n .
        ?n crm:P2_has_type/skos:prefLabel "mention de responsabilité"@fr ; crm:P190_has_symbolic_content ?t }}""") == [
        "Dzomo Kenmo Florentine Michelle ; [sous la direction de] Aimeric Lefetz [i.e.] Lefetz Aimeric"]


def test_thesis_author_and_director_with_roles(thesis: KnowledgeGraph) -> None:
    rows = {(str(r["name"].value), str(r["role"].value)) for r in thesis.query(f"""
        SELECT ?name ?role WHERE {{
          <{PK}sudoc/24276858X> crm:P94i_was_created_by ?c . ?c a crm:E65_Creation ; crm:P9_consists_of ?part .
          ?part crm:P14_carried_out_by ?who ; crm:P2_has_type/skos:prefLabel ?role . ?who rdfs:label ?name }}""",
        prefixes=True)}
    assert rows == {("Dzomo Kenmo, Florentine Michelle", "auteur"), ("Lefetz, Aimeric", "directeur de thèse"),
                    ("Université de Picardie Jules Verne", "organisme de soutenance")}
    # each person is a mention of the record; the director's IdRef PPN ($3) is the IdRef entity IRI;
    # the author has no $3 (commented out)
    director = f"<{PK}sudoc/24276858X#{SCOPE}/person-lefetz-aimeric>"  # the thesis's dataset describes it
    assert ask(thesis, f"ASK {{ {director} a crm:E21_Person ; owl:sameAs <http://www.idref.fr/078084431/id> }}")
    assert values(thesis, f"SELECT ?y WHERE {{ {director} crm:P98i_was_born/crm:P4_has_time-span/rdfs:label ?y }}") == [
        "1973"]
    assert not ask(thesis, "ASK { ?p a crm:E21_Person ; rdfs:label 'Dzomo Kenmo, Florentine Michelle' ; owl:sameAs ?x }")
    assert values(thesis, "SELECT ?c WHERE { ?o a edm:ProvidedCHO ; dc:creator ?c }") == [
        f"{PK}org/idref/026403714", f"{PK}sudoc/24276858X#{SCOPE}/person-dzomo-kenmo-florentine-michelle",
        f"{PK}sudoc/24276858X#{SCOPE}/person-lefetz-aimeric"]


def test_thesis_subjects_publication_and_keeper(thesis: KnowledgeGraph) -> None:
    doc = f"<{PK}sudoc/24276858X>"
    concepts = {(str(r["l"].value), str(r["same"].value)) for r in thesis.query(f"""
        SELECT ?l ?same WHERE {{ {doc} crm:P129_is_about ?c . ?c a skos:Concept ; skos:prefLabel ?l ;
          skos:inScheme <{PK}concept/scheme/rameau> ; owl:sameAs ?same }}""", prefixes=True)}
    assert concepts == {("Syndromes des apnées du sommeil", "http://www.idref.fr/029474299/id"),
                        ("Dépistage", "http://www.idref.fr/027357236/id"),
                        ("Médecins généralistes", "http://www.idref.fr/027338215/id")}
    assert values(thesis, f"SELECT ?l WHERE {{ {doc} crm:P129_is_about ?p . ?p a crm:E53_Place ; rdfs:label ?l }}") == [
        "France", "Picardie (France)"]
    # 214 #2: Amiens (the commune, INSEE 80021, in Somme, Hauts-de-France), Université de Picardie, 2020
    row = list(thesis.query(f"""SELECT ?place ?who ?date ?kind WHERE {{ {doc} crm:P16i_was_used_for ?e .
        ?e a crm:E7_Activity ; crm:P7_took_place_at ?place ; crm:P14_carried_out_by ?who ;
           crm:P4_has_time-span/rdfs:label ?date ; crm:P2_has_type/skos:prefLabel ?kind }}""", prefixes=True))
    assert [(r["place"].value, r["who"].value, r["date"].value, r["kind"].value) for r in row] == [
        (f"{PK}place/commune/80021", f"{PK}org/idref/026403714", "2020", "diffusion")]
    # "Université de Picardie" (214 $c) is the Université de Picardie Jules Verne of 711 $3 026403714: one IRI
    assert values(thesis, f"SELECT ?l WHERE {{ <{PK}org/idref/026403714> rdfs:label ?l }}") == [
        "Université de Picardie Jules Verne"]
    assert ask(thesis, f"ASK {{ <{PK}place/commune/80021> crm:P89_falls_within/crm:P89_falls_within "
                       f"<{PK}place/region/32> }}")
    # the library keeps a copy of the thesis (keepers are for physical things), and provides the EDM record
    assert values(thesis, f"""SELECT ?k WHERE {{ ?copy a crm:E22_Human-Made_Object ; crm:P128_carries {doc} ;
        crm:P50_has_current_keeper ?k }}""") == [f"{PK}org/rcr/800219901"]
    assert values(thesis, "SELECT ?p WHERE { ?a edm:dataProvider ?p }") == [f"{PK}org/rcr/800219901"]


def test_sudoc_records_without_place_are_kept_by_the_region_filter() -> None:
    kg = KnowledgeGraph(None)
    report = load_one(kg, MARC / "sudoc-088884074.marcxml.xml", "unimarc", region="32")  # [S.l.], Paris 1
    assert report.counts.records_loaded == 1


# -- UNIMARC ISO 2709 (ICCU) ----------------------------------------------------------------


def test_unimarc_iso2709_record() -> None:
    kg = KnowledgeGraph(None)
    load_one(kg, MARC / "testunimarc.iso2709", "unimarc")
    # the non-sorting marks around "L'" are dropped; the title is tagged with the language of 101$a
    assert values(kg, "SELECT ?t WHERE { ?d a crm:E31_Document ; crm:P102_has_title/crm:P190_has_symbolic_content ?t }"
                  ) == ["L'altra faccia della spirale"]
    assert values(kg, "SELECT ?l WHERE { ?d a crm:E31_Document ; rdfs:label ?t BIND(LANG(?t) AS ?l) }") == ["it"]
    assert values(kg, """SELECT ?v WHERE { ?d crm:P1_is_identified_by ?i .
        ?i crm:P2_has_type/skos:prefLabel "ISBN"@fr ; crm:P190_has_symbolic_content ?v }""") == ["88-04-40682-8"]
    rows = {(str(r["n"].value), str(r["role"].value)) for r in kg.query("""SELECT ?n ?role WHERE {
        ?d crm:P94i_was_created_by/crm:P9_consists_of ?p . ?p crm:P14_carried_out_by/rdfs:label ?n ;
        crm:P2_has_type/skos:prefLabel ?role }""", prefixes=True)}
    assert ("Asimov, Isaac", "auteur") in rows and ("Scaglia, Cesare", "collaborateur") in rows
    # 210 $a "Milano": Milan, Italy, by its GeoNames id (graph/places.py)
    assert values(kg, """SELECT ?l WHERE { ?d crm:P16i_was_used_for/crm:P7_took_place_at ?p . ?p rdfs:label ?l ;
        owl:sameAs <https://sws.geonames.org/3173435/> }""") == ["Milan"]


# -- MARC 21 ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["marc8.iso2709", "utf8_with_leader_flag.iso2709"])
def test_marc8_and_utf8_give_the_same_text(name: str) -> None:
    kg = KnowledgeGraph(None)
    load_one(kg, MARC / name, "marc21")
    notes = values(kg, "SELECT ?t WHERE { ?d crm:P67i_is_referred_to_by/crm:P190_has_symbolic_content ?t }")
    assert "Translation of De la solitude à la communauté" in notes
    assert values(kg, "SELECT ?t WHERE { ?d crm:P102_has_title/crm:P190_has_symbolic_content ?t FILTER(LANG(?t) = '') }"
                  ) == ["De la solitude à la communauté. English"]
    # no MARC-8 byte left undecoded (combining marks come after their letter once converted)
    assert not ask(kg, "ASK { ?s ?p ?o FILTER(ISLITERAL(?o) && REGEX(STR(?o), '[\\u00e1\\u00e2\\u00c3]')) }")


def test_utf8_record_with_a_marc8_leader_is_read_as_utf8(tmp_path: Path) -> None:
    data = bytearray((MARC / "utf8_with_leader_flag.iso2709").read_bytes())
    data[9:10] = b" "  # the export slip: UTF-8 bytes, leader/09 says MARC-8
    path = tmp_path / "mislabelled.mrc"
    path.write_bytes(bytes(data))
    kg = KnowledgeGraph(None)
    load_one(kg, path, "marc21")
    assert ask(kg, "ASK { ?n crm:P190_has_symbolic_content 'Translation of De la solitude à la communauté'@en }")


def test_marc8_batch_of_ten_records() -> None:
    kg = KnowledgeGraph(None)
    load_one(kg, MARC / "test.iso2709", "marc21")
    assert len(values(kg, "SELECT ?d WHERE { ?d a crm:E31_Document }")) == 10
    assert values(kg, f"SELECT ?t WHERE {{ <{PK}marc/IMchF/fol05731351> rdfs:label ?t }}") == [
        "ActivePerl with ASP and ADO"]
    assert values(kg, f"""SELECT ?v WHERE {{ <{PK}marc/IMchF/fol05731351> crm:P1_is_identified_by ?i .
        ?i crm:P2_has_type/skos:prefLabel "ISBN"@fr ; crm:P190_has_symbolic_content ?v }}""") == ["0471383147"]
    assert values(kg, f"""SELECT ?y WHERE {{ <{PK}marc/IMchF/fol05731351> crm:P94i_was_created_by/crm:P14_carried_out_by ?p .
        ?p rdfs:label "Martinsson, Tobias" ; crm:P98i_was_born/crm:P4_has_time-span/rdfs:label ?y }}""") == ["1976"]


def test_marcxml_with_namespace() -> None:
    kg = KnowledgeGraph(None)
    load_one(kg, MARC / "batch.marcxml.xml", "marc21")
    assert values(kg, "SELECT ?t WHERE { ?d a crm:E31_Document ; rdfs:label ?t }") == [
        "The Great Ray Charles", "The White House"]
    assert values(kg, f"""SELECT ?s WHERE {{ <{PK}marc/DLC/5637241> crm:P129_is_about ?c .
        ?c skos:inScheme <{PK}concept/scheme/lcsh> ; skos:prefLabel ?s }}""") == [
        "1951-1960", "Jazz", "Piano with jazz ensemble"]
    # 260 $c "[1957?]": an uncertain year
    assert ask(kg, f"""ASK {{ <{PK}marc/DLC/5637241> crm:P16i_was_used_for/crm:P4_has_time-span ?ts .
        ?ts rdfs:label "1957?"@fr ; pkg:uncertain true }}""")


# -- bad input ----------------------------------------------------------------------------


def _iso_records(path: Path) -> list[bytes]:
    return [r + b"\x1d" for r in path.read_bytes().split(b"\x1d") if r.strip()]


def test_broken_directory_and_wrong_length_are_rejected_with_their_index(tmp_path: Path) -> None:
    records = _iso_records(MARC / "test.iso2709")
    third = bytearray(records[2])
    third[24 + 12 + 3:24 + 12 + 7] = b"9999"  # the length of the 2nd directory entry
    records[2] = bytes(third)
    fifth = bytearray(records[4])
    fifth[:5] = b"%05d" % (len(fifth) + 7)
    records[4] = bytes(fifth)
    path = tmp_path / "broken.mrc"
    path.write_bytes(b"".join(records))
    report = load_one(KnowledgeGraph(None), path, "marc21")
    c = report.counts
    assert (c.records_read, c.records_loaded, c.records_rejected) == (10, 8, 2)
    assert [(e["file"], e["record"]) for e in report.rejections] == [("broken.mrc", 3), ("broken.mrc", 5)]
    assert "directory" in report.rejections[0]["reason"]
    assert "record length" in report.rejections[1]["reason"]


def test_truncated_last_record_is_rejected(tmp_path: Path) -> None:
    data = (MARC / "test.iso2709").read_bytes()
    path = tmp_path / "cut.mrc"
    path.write_bytes(data[:-200])
    report = load_one(KnowledgeGraph(None), path, "marc21")
    assert (report.counts.records_loaded, report.counts.records_rejected) == (9, 1)
    assert report.rejections[0]["record"] == 10


def test_unsupported_unimarc_character_set_is_rejected(tmp_path: Path) -> None:
    data = (MARC / "testunimarc.iso2709").read_bytes()
    data = data.replace(b"itac50  ", b"itac01  ").replace(b"\xc2\x88", b"\xc1\x88")  # ISO 5426 bytes, same length
    path = tmp_path / "iso5426.mrc"
    path.write_bytes(data)
    report = load_one(KnowledgeGraph(None), path, "unimarc")
    assert report.counts.records_rejected == 1
    assert "character set '01'" in report.rejections[0]["reason"]


def test_truncated_marcxml_is_an_input_error(tmp_path: Path) -> None:
    data = (MARC / "batch.marcxml.xml").read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) * 2 // 3])
    kg = KnowledgeGraph(None)
    with pytest.raises(InputError, match="not well-formed XML"):
        load(kg, [path], LoadOptions(format="marc21", region=None, progress=False))
    assert kg.datasets() == []


def test_marcxml_declaring_entities_is_refused(tmp_path: Path) -> None:
    text = THESIS.read_text(encoding="utf-8").replace(
        "<record>", '<!DOCTYPE record [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<record>', 1)
    path = tmp_path / "entities.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="declares XML entities"):
        list(read_marc(path, "unimarc"))


@pytest.mark.parametrize("path, fmt, message", [
    (MARC.parent / "pop" / "merimee-MH-10.csv", "unimarc", "not an ISO 2709 MARC file"),
    (MARC / "test.iso2709", "unimarc", "holds MARC 21 records, not UNIMARC"),
    (THESIS, "marc21", "holds UNIMARC records, not MARC 21"),
])
def test_whole_file_errors(path: Path, fmt: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load(KnowledgeGraph(None), [path], LoadOptions(format=fmt, region=None, progress=False))


# -- region filter and reload -------------------------------------------------------------------


def _variant(tmp_path: Path, place: str) -> Path:
    """The Amiens thesis published in ``place`` instead, written as ISO 2709 by pymarc."""
    [record] = read_marc(THESIS, "unimarc")
    marc = record.data
    marc.control["001"] = "99999999X"
    marc.control["003"] = "http://www.sudoc.fr/99999999X"
    for tag in ("214", "328"):
        for f in marc.fields(tag):
            f.subfields = [(c, place if c in "ae" else v) for c, v in f.subfields]
    marc.data.pop("606")
    path = tmp_path / f"{place}.mrc"
    path.write_bytes(marc.to_pymarc().as_marc())
    return path


@pytest.mark.parametrize("place, kept", [("Amiens", True), ("Lyon (Rhône)", False), ("Paris", False), ("Tombouctou", True)])
def test_region_filter_uses_publication_places(tmp_path: Path, place: str, kept: bool) -> None:
    report = load_one(KnowledgeGraph(None), _variant(tmp_path, place), "unimarc", region="32")
    assert (report.counts.records_loaded, report.counts.records_skipped) == ((1, 0) if kept else (0, 1))


def test_reload_replaces_the_dataset(disk_kg: KnowledgeGraph) -> None:
    first = load_one(disk_kg, MARC / "test.iso2709", "marc21")
    second = load_one(disk_kg, MARC / "test.iso2709", "marc21")
    assert second.triples == first.triples
    [ds] = disk_kg.datasets()
    assert (ds.records_read, ds.records_loaded, ds.status) == (10, 10, "loaded")
    assert len(values(disk_kg, "SELECT ?d WHERE { ?d a crm:E31_Document }")) == 10
