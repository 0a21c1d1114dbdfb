"""OAI-PMH: saved responses through `patrimoine load`, and the harvester against a real HTTP repository on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from patrimoine.cli import main
from patrimoine.harvest import HarvestError, HarvestOptions, HarvestState, harvest
from patrimoine.pipeline import LoadOptions, load
from graph.records import InputError
from graph.store import KnowledgeGraph
from loaders import detect
from loaders.oai import OaiError, record_iri

from conftest import SAMPLES
from oai_server import DC_NS, OAI_NS, OaiServer, deleted, retitled, sample_records, wrapped

OAI_DC = SAMPLES / "oai-dc"
MEUSE = OAI_DC / "francearchives-oai_dc_meuse_sample.xml"
SICKLE = [OAI_DC / f"sickle-ListRecords{n}.xml" for n in ("", "2", "3", "4")]
GETRECORD = OAI_DC / "metis-GetRecord-oai_dc.xml"
DELETED = OAI_DC / "metis-GetRecord-deleted.xml"
OAI_EAD = SAMPLES / "ead" / "oai_ead_sample.xml"
LIDO = SAMPLES / "lido" / "LIDO-Extended-Example.xml"
LIDO_NS = "http://www.lido-schema.org"
ALL = LoadOptions(region=None, progress=False)
LOCAL = "127-0-0-1"  # the repository slug of the test server's host


def rows(kg: KnowledgeGraph, sparql: str) -> list[dict[str, str]]:
    results = kg.query(sparql, prefixes=True)
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def count(kg: KnowledgeGraph, sparql: str) -> int:
    return int(rows(kg, sparql)[0]["n"])


def dc_values(path: Path, element: str) -> list[list[str]]:
    """Per record of a saved response, the whitespace-normalised values of one DC element."""
    out = []
    for record in etree.parse(str(path)).getroot().iter(f"{{{OAI_NS}}}record"):
        out.append([" ".join("".join(e.itertext()).split()) for e in record.iter(f"{{{DC_NS}}}{element}")])
    return out


def identifiers(path: Path) -> list[str]:
    return [e.text.strip() for e in etree.parse(str(path)).getroot().iter(f"{{{OAI_NS}}}identifier")]


def reconciles(report) -> bool:
    c = report.counts
    return c.records_read == c.records_loaded + c.records_rejected + c.records_skipped


# ---------------------------------------------------------------------------
# Saved responses through the load pipeline


def test_saved_responses_are_detected_as_oai_pmh():
    for path in [MEUSE, GETRECORD, DELETED, *SICKLE, OAI_EAD]:
        assert detect(path).name == "oai-pmh", path.name


def test_meuse_list_records_load_every_record_with_its_dublin_core(kg: KnowledgeGraph):
    [report] = load(kg, [MEUSE], ALL)
    ids = identifiers(MEUSE)
    assert report.counts.records_loaded == report.counts.records_read == len(ids) and reconciles(report)
    records = {r["o"]: r for r in rows(kg, """SELECT ?o ?title ?page ?begin WHERE {
        ?o a crm:E22_Human-Made_Object ; crm:P102_has_title/crm:P190_has_symbolic_content ?title ;
           crm:P129i_is_subject_of/la:access_point ?page ;
           crm:P108i_was_produced_by/crm:P4_has_time-span/crm:P82a_begin_of_the_begin ?begin }""")}
    iris = [record_iri(kg.minter, "archives-meuse-fr", i)[1:-1] for i in ids]
    assert set(records) == set(iris)
    titles, pages, dates = dc_values(MEUSE, "title"), dc_values(MEUSE, "identifier"), dc_values(MEUSE, "date")
    for i, iri in enumerate(iris):
        assert records[iri]["title"] == titles[i][0]
        assert records[iri]["page"] == pages[i][0]
        assert records[iri]["begin"].startswith(dates[i][0][:4])
    # Subjects "Naissances ; Mariages ; Décès" are three concepts the records (their content) are about.
    subjects = [s.strip() for values in dc_values(MEUSE, "subject") for v in values for s in v.split(";")]
    about = rows(kg, "SELECT ?label (COUNT(?o) AS ?n) WHERE { ?o crm:P128_carries/crm:P129_is_about ?c . "
                     "?c a skos:Concept ; skos:prefLabel ?label } GROUP BY ?label")
    assert {r["label"]: int(r["n"]) for r in about} == {s: subjects.count(s) for s in set(subjects)}


def test_coverage_is_read_within_the_department_the_archives_service_names(kg: KnowledgeGraph):
    """Meuse's 'RANCOURT' is not Rancourt (Somme): the set FRAD055 and 'Archives départementales de la Meuse' say 55."""
    load(kg, [MEUSE], ALL)
    places = {r["label"]: r["place"] for r in rows(kg, "SELECT ?label ?place WHERE { ?o crm:P128_carries/crm:P129_is_about ?place . "
                                                        "?place a crm:E53_Place ; rdfs:label ?label }")}
    coverage = {v[0] for v in dc_values(MEUSE, "coverage")}
    # every coverage is a commune of the Meuse (all of France is known), except RANCOURT (no Rancourt in the
    # Meuse; those of the Somme and the Vosges are not taken) and BENOITE-VAUX (a hamlet): they stay places
    # known by their label within the Meuse
    assert places["RANCOURT"] == f"{kg.minter.base}place/name/rancourt-55"
    assert {label for label, p in places.items() if "/place/name/" in p} == {"RANCOURT", "BENOITE-VAUX"}
    communes = rows(kg, "SELECT DISTINCT ?p WHERE { ?o crm:P129_is_about ?p . ?p crm:P2_has_type/skos:prefLabel "
                        "\"commune\"@fr ; crm:P1_is_identified_by/crm:P190_has_symbolic_content ?code }")
    assert len(communes) == len(coverage) - 2
    assert all("/place/commune/55" in r["p"] for r in communes)


def test_records_of_another_region_are_skipped_and_reported(disk_kg: KnowledgeGraph):
    [report] = load(disk_kg, [MEUSE], LoadOptions(progress=False))
    assert report.counts.records_skipped == report.counts.records_read == len(identifiers(MEUSE))
    assert reconciles(report)
    lines = [json.loads(x) for x in report.rejects_path.read_text(encoding="utf-8").splitlines()]
    assert {x["reason"] for x in lines} == {"outside region 32 (region 44)"}
    assert {x["source_id"] for x in lines} == set(identifiers(MEUSE))


def test_a_text_record_is_a_document_created_by_its_creators(kg: KnowledgeGraph):
    [report] = load(kg, [SICKLE[0]], ALL)
    assert (report.counts.records_read, report.counts.records_loaded, report.counts.records_skipped) == (2, 1, 1)
    [obj] = rows(kg, "SELECT ?o WHERE { ?o a crm:E31_Document }")
    o = f"<{obj['o']}>"
    creators = dc_values(SICKLE[0], "creator")[1]
    assert count(kg, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {o} crm:P94i_was_created_by/crm:P14_carried_out_by ?p }}") \
        == len(set(creators)) == 1
    assert count(kg, f"SELECT (COUNT(?t) AS ?n) WHERE {{ {o} crm:P2_has_type ?t }}") == len(dc_values(SICKLE[0], "type")[1])
    # dc:language "eng": the document and its title are in English (ISO 639-2), and the EDM view says so
    [lang] = rows(kg, f"SELECT ?l WHERE {{ {o} crm:P102_has_title/crm:P72_has_language ?l }}")
    assert dc_values(SICKLE[0], "language")[1][0] == "eng"
    assert lang["l"] == "http://id.loc.gov/vocabulary/iso639-2/eng"
    assert rows(kg, f"SELECT ?l WHERE {{ {o} a crm:E33_Linguistic_Object ; crm:P72_has_language ?l }}") == [lang]
    assert rows(kg, f"SELECT ?l WHERE {{ {o} dc:language ?l }}") == [{"l": "eng"}]
    notes = {r["kind"] for r in rows(kg, f"SELECT ?kind WHERE {{ {o} crm:P67i_is_referred_to_by/crm:P2_has_type/"
                                         "skos:prefLabel ?kind }")}
    assert notes == {"description", "éditeur", "source"}
    assert rows(kg, f"SELECT ?t WHERE {{ {o} edm:type ?t }}") == [{"t": "TEXT"}]


def test_a_photograph_record_keeps_its_image_page_rights_and_date(kg: KnowledgeGraph):
    load(kg, [GETRECORD], ALL)
    o = record_iri(kg.minter, "www-mediateka-centrumzamenhofa-pl", identifiers(GETRECORD)[0])
    [r] = rows(kg, f"""SELECT ?img ?page ?rights ?begin ?end WHERE {{ {o} a crm:E22_Human-Made_Object ;
        crm:P138i_has_representation/la:digitally_shown_by/la:access_point ?img ;
        crm:P129i_is_subject_of/la:access_point ?page ; dcterms:rights ?rights ;
        crm:P108i_was_produced_by/crm:P4_has_time-span ?ts . ?ts crm:P82a_begin_of_the_begin ?begin ;
        crm:P82b_end_of_the_end ?end }}""")
    assert r["img"] == dc_values(GETRECORD, "relation")[0][0]
    assert r["page"] == dc_values(GETRECORD, "identifier")[0][0]
    assert r["rights"] == dc_values(GETRECORD, "rights")[0][0]
    assert r["begin"].startswith("1942-01-01") and r["end"].startswith("1942-12-31")
    assert rows(kg, f"SELECT ?a WHERE {{ ?g edm:aggregatedCHO {o} ; edm:isShownBy ?a }}") == [{"a": r["img"]}]


def test_deleted_headers_are_skipped_and_headers_without_identifier_rejected(kg: KnowledgeGraph):
    [gone] = load(kg, [DELETED], LoadOptions(region=None, progress=False, dataset="deleted"))
    assert (gone.counts.records_read, gone.counts.records_skipped, gone.counts.records_loaded) == (1, 1, 0)
    assert gone.rejections[0]["reason"].startswith("deleted at source")
    [last] = load(kg, [SICKLE[3]], LoadOptions(region=None, progress=False, dataset="last"))
    assert (last.counts.records_read, last.counts.records_rejected, last.counts.records_loaded) == (2, 1, 1)
    assert last.rejections[0]["reason"] == "OAI-PMH header without an identifier"


@pytest.mark.parametrize("name, expected", [
    ("errors/sickle-badResumptionToken.xml", "OAI-PMH error badResumptionToken: This resumptionToken is invalid"),
    ("errors/sickle-cannotDisseminateFormat.xml", "OAI-PMH error cannotDisseminateFormat"),
    ("errors/sickle-idDoesNotExist.xml", "OAI-PMH error idDoesNotExist"),
    ("errors/sickle-noRecordsMatch.xml", "noRecordsMatch"),
    ("metis-ListIdentifiers-resumption.xml", "a ListIdentifiers response holds no records"),
])
def test_error_responses_give_one_line_and_exit_2(tmp_path: Path, name: str, expected: str):
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "store"), "load", str(OAI_DC / name)])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: ") and expected in line


def test_ead_payloads_go_to_the_ead_loader_and_are_tagged_with_their_oai_record(kg: KnowledgeGraph):
    [report] = load(kg, [OAI_EAD], ALL)
    assert report.counts.records_loaded > 2 and reconciles(report)
    root = etree.parse(str(OAI_EAD)).getroot()
    repository = "portail-cg51-mnesys-fr"  # the host of the response's <request> URL
    assert repository.replace("-", ".") in root.findtext(f"{{{OAI_NS}}}request")
    expected = {record_iri(kg.minter, repository, e.text.strip())[1:-1] for e in root.iter(f"{{{OAI_NS}}}identifier")}
    tagged = rows(kg, "SELECT ?r (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e void:inDataset ?d ; pkg:oaiRecord ?r } GROUP BY ?r")
    assert {r["r"] for r in tagged} == expected
    entities = count(kg, "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e void:inDataset ?d }")
    assert sum(int(r["n"]) for r in tagged) == entities == report.counts.records_loaded


def test_a_payload_no_loader_maps_is_rejected_with_its_format(kg: KnowledgeGraph, tmp_path: Path):
    marc = tmp_path / "marc-payload.xml"
    text = GETRECORD.read_text(encoding="utf-8")
    start, end = text.index("<oai_dc:dc"), text.index("</oai_dc:dc>") + len("</oai_dc:dc>")
    marc.write_text(text[:start] + '<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam</leader></record>'
                    + text[end:], encoding="utf-8")
    [report] = load(kg, [marc], ALL)
    assert report.counts.records_rejected == 1
    assert report.rejections[0]["reason"] == "payload format http://www.loc.gov/MARC21/slim not supported yet"


# ---------------------------------------------------------------------------
# The harvester against a real HTTP repository


def options(url: str, **kw) -> HarvestOptions:
    kw.setdefault("region", None)
    return HarvestOptions(url, progress=False, backoff=0.0, timeout=0.5, retries=2, **kw)


@pytest.fixture
def meuse() -> list[etree._Element]:
    return sample_records(MEUSE)


def pages_of(records: list, sizes: tuple[int, ...]) -> list[list]:
    out, start = [], 0
    for size in sizes:
        out.append(records[start:start + size])
        start += size
    assert start == len(records)
    return out


def objects(kg: KnowledgeGraph) -> dict[str, int]:
    """Each record in the graph with its number of titles (a duplicated record would have two)."""
    return {r["o"]: int(r["n"]) for r in rows(kg, "SELECT ?o (COUNT(?t) AS ?n) WHERE { ?o a crm:E22_Human-Made_Object ; "
                                                "crm:P102_has_title ?t } GROUP BY ?o")}


def oai_iris(kg: KnowledgeGraph, records: list) -> set[str]:
    return {record_iri(kg.minter, LOCAL, r.findtext(f".//{{{OAI_NS}}}identifier").strip())[1:-1] for r in records}


def test_harvest_follows_resumption_tokens_over_three_pages(disk_kg: KnowledgeGraph, meuse):
    with OaiServer(pages_of(meuse, (7, 7, 6))) as server:
        report = harvest(disk_kg, options(server.url))
    assert [r.get("resumptionToken") for r in server.list_requests()] == [None, "full:2", "full:3"]
    assert server.list_requests()[0] == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    assert (report.pages, report.counts.records_read, report.counts.records_loaded) == (3, len(meuse), len(meuse))
    assert objects(disk_kg) == {iri: 1 for iri in oai_iris(disk_kg, meuse)}
    [ds] = disk_kg.datasets()
    assert (ds.name, ds.records_loaded, ds.format) == (report.dataset, len(meuse), "oai-pmh/oai_dc")
    assert ds.triples == report.triples == disk_kg.count(disk_kg.minter.graph(ds.name))
    state = HarvestState.read(disk_kg, ds.name)
    assert (state.token, state.last_harvest, state.endpoint) == (None, server.response_date, server.url)


def test_incremental_harvest_sends_from_and_applies_updates_and_deletions(disk_kg: KnowledgeGraph, meuse):
    with OaiServer(pages_of(meuse, (10, 10))) as server:
        harvest(disk_kg, options(server.url))
        first_date = server.response_date
        server.response_date = "2024-06-01T08:30:00Z"
        server.lists["incremental"] = [[deleted(meuse[0], "2024-05-20T00:00:00Z"), retitled(meuse[1], "Registre révisé")]]
        report = harvest(disk_kg, options(server.url))
        assert server.list_requests()[-1] == {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": first_date}
        gone, changed = sorted(oai_iris(disk_kg, [meuse[0]])), sorted(oai_iris(disk_kg, [meuse[1]]))
        assert (report.deleted, report.counts.records_loaded, report.from_date) == (1, 1, first_date)
        assert count(disk_kg, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"{gone[0]}\")) }}") == 0
        assert objects(disk_kg) == {iri: 1 for iri in oai_iris(disk_kg, meuse[1:])}
        titles = rows(disk_kg, f"SELECT ?t WHERE {{ <{changed[0]}> crm:P102_has_title/crm:P190_has_symbolic_content ?t }}")
        assert titles == [{"t": "Registre révisé"}]
        # The third run asks from the second one's date; nothing changed: noRecordsMatch is zero records.
        server.lists["incremental"] = []
        again = harvest(disk_kg, options(server.url))
        assert server.list_requests()[-1]["from"] == "2024-06-01T08:30:00Z"
    assert (again.counts.records_read, again.pages) == (0, 1)
    assert len(objects(disk_kg)) == len(meuse) - 1


def test_timeouts_and_5xx_are_retried(disk_kg: KnowledgeGraph, meuse):
    with OaiServer(pages_of(meuse, (7, 7, 6))) as server:
        server.faults["full:2"] = ["503"]
        server.faults["full:3"] = ["timeout"]
        report = harvest(disk_kg, options(server.url))
    tokens = [r.get("resumptionToken") for r in server.list_requests()]
    assert tokens == [None, "full:2", "full:2", "full:3", "full:3"]
    assert report.counts.records_loaded == len(meuse)
    assert objects(disk_kg) == {iri: 1 for iri in oai_iris(disk_kg, meuse)}


def cli(store: Path, *args: str):
    return CliRunner().invoke(main, ["--store", str(store), "harvest", *args, "--backoff", "0", "--timeout", "0.5",
                                     "--retries", "1", "--region", "all"])


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: ")
    return line


def test_a_json_500_answer_is_reported_in_one_line(tmp_path: Path, meuse):
    with OaiServer(pages_of(meuse, (20,))) as server:
        server.faults["first"] = ["json500", "json500"]
        line = one_error_line(cli(tmp_path / "store", server.url))
    assert "HTTP 500" in line and "the search index is unavailable" in line and "after 2 attempts" in line
    assert len(server.list_requests()) == 2


def test_an_answer_that_is_not_xml_is_reported_in_one_line(tmp_path: Path, meuse):
    with OaiServer(pages_of(meuse, (20,))) as server:
        server.faults["first"] = ["garbage"]
        line = one_error_line(cli(tmp_path / "store", server.url))
    assert "not OAI-PMH XML" in line and len(server.list_requests()) == 1


def test_cannot_disseminate_format_exits_2(tmp_path: Path, meuse):
    with OaiServer(pages_of(meuse, (20,))) as server:
        line = one_error_line(cli(tmp_path / "store", server.url, "--metadata-prefix", "lido"))
    assert "OAI-PMH error cannotDisseminateFormat" in line


def test_a_refused_resumption_token_stops_then_the_next_run_starts_over(tmp_path: Path, meuse):
    store = tmp_path / "store"
    with OaiServer(pages_of(meuse, (7, 7, 6))) as server:
        server.faults["full:2"] = ["badResumptionToken"]
        line = one_error_line(cli(store, server.url))
        assert "badResumptionToken: This resumptionToken is invalid" in line and "start over" in line
        result = cli(store, server.url)
        assert result.exit_code == 0, result.output
        assert [r.get("resumptionToken") for r in server.list_requests()] == [None, "full:2", None, "full:2", "full:3"]
    kg = KnowledgeGraph(store)
    assert objects(kg) == {iri: 1 for iri in oai_iris(kg, meuse)}


def test_an_interrupted_harvest_resumes_where_it_stopped_without_duplicates(disk_kg: KnowledgeGraph, meuse):
    with OaiServer(pages_of(meuse, (7, 7, 6))) as server:
        server.faults["full:2"] = ["503"] * 3
        with pytest.raises(HarvestError, match=r"HTTP 503.*after 3 attempts.*interrupted after 1 page .*resume"):
            harvest(disk_kg, options(server.url))
        assert objects(disk_kg) == {iri: 1 for iri in oai_iris(disk_kg, meuse[:7])}
        assert HarvestState.read(disk_kg, "127-0-0-1").token == "full:2"
        before = len(server.list_requests())
        report = harvest(disk_kg, options(server.url))
        resumed = server.list_requests()[before:]
    assert resumed == [{"verb": "ListRecords", "resumptionToken": "full:2"}, {"verb": "ListRecords", "resumptionToken": "full:3"}]
    assert report.resumed and report.counts.records_read == report.counts.records_loaded == len(meuse)
    assert objects(disk_kg) == {iri: 1 for iri in oai_iris(disk_kg, meuse)}
    [ds] = disk_kg.datasets()
    assert ds.records_loaded == len(meuse) and HarvestState.read(disk_kg, ds.name).token is None


def test_a_record_seen_on_every_page_is_one_record(disk_kg: KnowledgeGraph):
    """The sickle chain, served as saved: 4 pages each repeating one record and a deletion."""
    with OaiServer(files=SICKLE) as server:
        report = harvest(disk_kg, options(server.url, dataset="sickle"))
    c = report.counts
    assert [r.get("resumptionToken") for r in server.list_requests()] == [None] + [p.name.removeprefix("sickle-") for p in SICKLE[1:]]
    assert (c.records_read, c.records_loaded, c.records_rejected, report.deleted) == (8, 4, 1, 3)
    assert c.records_read == c.records_loaded + c.records_rejected + c.records_skipped
    [doc] = rows(disk_kg, "SELECT ?o (COUNT(?t) AS ?n) WHERE { ?o a crm:E31_Document ; crm:P102_has_title ?t } GROUP BY ?o")
    assert doc["n"] == "1" and doc["o"].endswith("oai%3Atest.example.com%3A1585322")
    assert count(disk_kg, "SELECT (COUNT(*) AS ?n) WHERE { ?a edm:aggregatedCHO ?o }") == 1


def test_the_region_filter_applies_to_harvested_records(disk_kg: KnowledgeGraph, meuse):
    with OaiServer(pages_of(meuse, (20,))) as server:
        report = harvest(disk_kg, options(server.url, region="32"))
    assert report.counts.records_skipped == report.counts.records_read == len(meuse)
    assert objects(disk_kg) == {}


def test_dataset_names_and_a_dataset_of_another_source(tmp_path: Path, meuse):
    store = tmp_path / "store"
    with OaiServer(pages_of(meuse, (20,))) as server:
        result = cli(store, server.url, "--set", "FRAD055_EC")
        assert result.exit_code == 0 and result.output.startswith("127-0-0-1-frad055-ec: 1 page, 20 records read")
        assert server.list_requests()[0]["set"] == "FRAD055_EC"
        line = one_error_line(cli(store, server.url, "--dataset", "127-0-0-1-frad055-ec"))
        assert "is harvested from" in line and "give another --dataset" in line
        load_result = CliRunner().invoke(main, ["--store", str(store), "load", "--dataset", "files", str(GETRECORD)])
        assert load_result.exit_code == 0
        line = one_error_line(cli(store, server.url, "--dataset", "files"))
        assert "was loaded from files" in line
    bad = CliRunner().invoke(main, ["--store", str(store), "harvest", "http://127.0.0.1:9/oai", "--from", "yesterday"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_an_unreachable_repository_is_one_line(tmp_path: Path):
    with OaiServer() as server:
        url = server.url
    line = one_error_line(cli(tmp_path / "store", url))
    assert "cannot connect" in line and "after 2 attempts" in line


def test_oai_errors_keep_their_code(disk_kg: KnowledgeGraph, meuse):
    with OaiServer(pages_of(meuse, (20,))) as server:
        with pytest.raises(OaiError) as e:
            harvest(disk_kg, options(server.url, metadata_prefix="ead"))
    assert e.value.code == "cannotDisseminateFormat" and isinstance(e.value, InputError)
    assert disk_kg.datasets() == []


def lido_records() -> list[etree._Element]:
    """The LIDO sample's records as a repository serves them with metadataPrefix=lido."""
    root = etree.parse(str(LIDO)).getroot()
    return [wrapped(lido, "oai:lido.example:" + lido.findtext(f"{{{LIDO_NS}}}lidoRecID").strip())
            for lido in root.iter(f"{{{LIDO_NS}}}lido")]


def tagged(kg: KnowledgeGraph) -> dict[str, int]:
    return {r["r"]: int(r["n"]) for r in rows(kg, "SELECT ?r (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e void:inDataset ?d ; "
                                                  "pkg:oaiRecord ?r } GROUP BY ?r")}


def test_lido_payloads_are_mapped_by_the_lido_loader_and_deleted_with_their_record(disk_kg: KnowledgeGraph):
    records = lido_records()
    with OaiServer(pages_of(records, (2, len(records) - 2))) as server:
        server.prefixes = ("lido",)
        report = harvest(disk_kg, options(server.url, metadata_prefix="lido"))
        assert report.counts.records_loaded == report.counts.records_read == len(records)
        first = tagged(disk_kg)
        assert set(first) == oai_iris(disk_kg, records) and all(n >= 1 for n in first.values())
        gone = sorted(oai_iris(disk_kg, records[:1]))[0]
        entities = [r["e"] for r in rows(disk_kg, f"SELECT ?e WHERE {{ ?e pkg:oaiRecord <{gone}> }}")]
        server.lists["incremental"] = [[deleted(records[0], "2024-06-01T00:00:00Z")]]
        server.response_date = "2024-06-02T00:00:00Z"
        again = harvest(disk_kg, options(server.url, metadata_prefix="lido"))
    assert again.deleted == 1
    assert tagged(disk_kg) == {r: n for r, n in first.items() if r != gone}
    for e in entities:
        assert rows(disk_kg, f"SELECT ?p WHERE {{ <{e}> ?p ?o }}") == []
