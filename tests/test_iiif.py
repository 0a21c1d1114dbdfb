"""IIIF Presentation 2.1 and 3.0 manifests: files through `patrimoine load`, URLs through `patrimoine iiif`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from patrimoine.cli import main
from patrimoine.pipeline import LoadOptions, load
from graph.records import InputError
from graph.store import KnowledgeGraph
from loaders import detect
from loaders.iiif import texts

from conftest import SAMPLES
from oai_server import StaticServer

IIIF = SAMPLES / "iiif"
BODLEIAN = IIIF / "v2" / "bodleian.manifest.json"
UNISTRA = IIIF / "v2" / "unistra-contentdm.manifest.json"
RIGHTS = IIIF / "v3" / "0008-rights.manifest.json"
BOOK = IIIF / "v3" / "0009-book-1.manifest.json"
ANYWHERE = IIIF / "v3" / "0029-metadata-anywhere.manifest.json"
MANIFESTS = [BODLEIAN, UNISTRA, RIGHTS, BOOK, ANYWHERE]
ALL = LoadOptions(region=None, progress=False)
IMAGE_API = "http://iiif.io/api/image"


def rows(kg: KnowledgeGraph, sparql: str) -> list[dict[str, str]]:
    results = kg.query(sparql, prefixes=True)
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def doc(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def the_object(kg: KnowledgeGraph) -> str:
    [row] = rows(kg, "SELECT ?o WHERE { ?o a crm:E22_Human-Made_Object ; void:inDataset ?d }")
    return f"<{row['o']}>"


def canvases(path: Path) -> list[dict]:
    d = doc(path)
    return d["items"] if "items" in d else d["sequences"][0]["canvases"]


def notes(kg: KnowledgeGraph, obj: str) -> list[tuple[str, str]]:
    return sorted((r["kind"], r["text"]) for r in rows(kg, f"""SELECT ?kind ?text WHERE {{ {obj} crm:P67i_is_referred_to_by ?n .
        ?n crm:P190_has_symbolic_content ?text ; crm:P2_has_type ?t . ?t skos:prefLabel ?kind ;
        skos:inScheme <{kg.minter.base}concept/scheme/text-type> }}"""))


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_manifest_is_detected_and_loads_as_one_object(kg: KnowledgeGraph, path: Path):
    assert detect(path).name == "iiif"
    [report] = load(kg, [path], ALL)
    c = report.counts
    assert (c.records_read, c.records_loaded, c.records_rejected, c.records_skipped) == (1, 1, 0, 0)
    obj = the_object(kg)
    [label] = rows(kg, f"SELECT ?t WHERE {{ {obj} crm:P102_has_title/crm:P190_has_symbolic_content ?t }}")
    assert label["t"] == texts(doc(path)["label"])[0]
    images = rows(kg, f"SELECT ?img WHERE {{ {obj} crm:P138i_has_representation/la:digitally_shown_by/la:access_point ?img ."
                      " ?img a edm:WebResource }")
    thumbnails = 1 if "thumbnail" in doc(path) else 0
    assert len(images) == len(canvases(path)) + thumbnails


def test_a_v2_manifest_keeps_metadata_attribution_thumbnail_and_image_services(kg: KnowledgeGraph):
    load(kg, [BODLEIAN], ALL)
    obj, d = the_object(kg), doc(BODLEIAN)
    kinds = [k for k, _ in notes(kg, obj)]
    labels = [m["label"].lower() for m in d["metadata"]]
    # "Title" would share the node of the title itself ({object}#title-1): it is a note of its own kind.
    assert sorted(kinds) == sorted([x if x != "title" else "title (métadonnée)" for x in labels]
                                   + ["description", "attribution"])
    assert len(rows(kg, f"SELECT ?t WHERE {{ {obj} crm:P102_has_title ?t }}")) == 1
    texts_ = dict(notes(kg, obj))
    assert texts_["homepage"] == "View on Digital Bodleian"  # the HTML of the value reduced to its text
    assert texts_["attribution"] == d["attribution"]
    [page] = rows(kg, f"SELECT ?p WHERE {{ {obj} crm:P129i_is_subject_of/la:access_point ?p }}")
    assert page["p"] == d["rendering"]["@id"]
    services = rows(kg, _services_query(obj))
    expected = {c["images"][0]["resource"]["service"]["@id"] for c in canvases(BODLEIAN)} | {d["thumbnail"]["service"]["@id"]}
    assert {s["svc"] for s in services} == expected
    assert {s["level"] for s in services} == {"http://iiif.io/api/image/2/level1.json"}
    # Bodleian's image resources are their services: the image URL is built from the service.
    assert all(s["img"].startswith(s["svc"] + "/full/") for s in services)
    [thumb] = rows(kg, f"SELECT ?img WHERE {{ {obj} crm:P138i_has_representation/la:digitally_shown_by ?d . "
                       "?d la:access_point ?img ; crm:P2_has_type/skos:prefLabel \"vignette\"@fr }")
    assert thumb["img"] == d["thumbnail"]["@id"]
    captions = {r["c"] for r in rows(kg, f"SELECT ?c WHERE {{ {obj} crm:P138i_has_representation/rdfs:label ?c }}")}
    assert {" ".join(c["label"].split()) for c in canvases(BODLEIAN)} <= captions
    assert rows(kg, f"SELECT ?m WHERE {{ <{services[0]['img']}> dcterms:isReferencedBy ?m }}") == [{"m": d["@id"]}]


def _services_query(obj: str) -> str:
    """The image services, as Linked Art says (a digital service of the digital object) and as EDM says."""
    svcs, doap = "http://rdfs.org/sioc/services#", "http://usefulinc.com/ns/doap#"
    return (f"SELECT ?img ?svc ?level WHERE {{ {obj} crm:P138i_has_representation/la:digitally_shown_by ?d . "
            f"?d la:access_point ?img ; la:digitally_available_via ?svc . ?svc a la:DigitalService . "
            f"?img <{svcs}has_service> ?svc . "
            f"?svc a <{svcs}Service> ; dcterms:conformsTo <{IMAGE_API}> ; <{doap}implements> ?level }}")


def test_a_manifest_linked_to_an_oai_record_shows_that_record(kg: KnowledgeGraph):
    """CONTENTdm's seeAlso is the OAI-PMH GetRecord of the object: the manifest's images attach to that record."""
    load(kg, [UNISTRA], ALL)
    see_also = doc(UNISTRA)["seeAlso"]["@id"]
    assert the_object(kg) == kg.minter.record("oai", "cdm21057-contentdm-oclc-org", "oai:cdm21057.contentdm.oclc.org:coll3/37")
    assert "identifier=oai:cdm21057.contentdm.oclc.org:coll3/37" in see_also
    assert dict(notes(kg, the_object(kg)))["attribution"] == "conditions spécifiques d'utilisation"


def test_a_manifest_linked_to_a_pop_notice_shows_that_pop_record(kg: KnowledgeGraph, tmp_path: Path):
    d = doc(UNISTRA)
    d["seeAlso"] = {"@id": "https://pop.culture.gouv.fr/notice/palissy/PM80000123", "format": "text/html"}
    path = tmp_path / "linked.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    load(kg, [path], ALL)
    assert the_object(kg) == kg.minter.pop("PM80000123")


def test_v3_rights_and_required_statement(kg: KnowledgeGraph):
    load(kg, [RIGHTS], ALL)
    obj, d = the_object(kg), doc(RIGHTS)
    assert rows(kg, f"SELECT ?r WHERE {{ {obj} dcterms:rights ?r }}") == [{"r": d["rights"]}]
    assert rows(kg, f"SELECT ?r WHERE {{ ?a edm:aggregatedCHO {obj} ; edm:rights ?r }}") == [{"r": d["rights"]}]
    texts_ = dict(notes(kg, obj))
    assert texts_["attribution"].startswith("Glen Robson, IIIF Technical Coordinator.") and "<" not in texts_["attribution"]
    assert texts_["description"] == "Picture taken by the IIIF Technical Coordinator"
    # The cookbook's manifest id is a template ("{{ id.url }}"), not a URL: the object is named after the file.
    assert obj == kg.minter.record("iiif", "file", RIGHTS.stem)


def test_v3_canvases_labels_and_level(kg: KnowledgeGraph):
    load(kg, [BOOK], ALL)
    obj = the_object(kg)
    found = {r["img"]: r["c"] for r in rows(kg, f"SELECT ?img ?c WHERE {{ {obj} crm:P138i_has_representation ?v . "
                                                   "?v rdfs:label ?c ; la:digitally_shown_by/la:access_point ?img }")}
    expected = {c["items"][0]["items"][0]["body"]["id"]: c["label"]["en"][0] for c in canvases(BOOK)}
    assert found == expected
    levels = {r["level"] for r in rows(kg, _services_query(obj))}
    assert levels == {"http://iiif.io/api/image/3/level1.json"}


def test_v3_metadata_on_the_manifest_and_its_canvases(kg: KnowledgeGraph):
    load(kg, [ANYWHERE], ALL)
    d, found = doc(ANYWHERE), notes(kg, the_object(kg))
    expected = [(m["label"]["en"][0].lower(), m["value"]["en"][0]) for m in d["metadata"]]
    expected += [(m["label"]["en"][0].lower(), f"{c['label']['en'][0]} : {m['value']['en'][0]}")
                 for c in canvases(ANYWHERE) for m in c["metadata"]]
    expected += [("attribution", d["requiredStatement"]["value"]["en"][0])]
    assert found == sorted(expected)


def test_counts_reconcile_over_all_manifests_in_one_dataset(kg: KnowledgeGraph):
    [report] = load(kg, MANIFESTS, LoadOptions(region=None, progress=False, dataset="iiif"))
    c = report.counts
    assert c.records_read == c.records_loaded == len(MANIFESTS)
    assert len(rows(kg, "SELECT ?o WHERE { ?o a edm:ProvidedCHO }")) == len(MANIFESTS)


@pytest.mark.parametrize("change, message", [
    (lambda d: {**d, "@type": "sc:Collection", "manifests": [{"@id": d["@id"]}]}, "a IIIF collection (of 1 manifests)"),
    (lambda d: {k: v for k, v in d.items() if k not in ("@context", "@type")}, "not a IIIF Presentation"),
])
def test_what_is_not_a_manifest_is_refused_in_one_line(tmp_path: Path, change, message: str):
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(change(doc(UNISTRA))), encoding="utf-8")
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "s"), "load", "--format", "iiif", str(path)])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_a_truncated_manifest_is_refused_with_its_line(kg: KnowledgeGraph, tmp_path: Path):
    path = tmp_path / "truncated.json"
    path.write_bytes(UNISTRA.read_bytes()[:2000])
    with pytest.raises(InputError, match=r"truncated.json: not valid JSON at line \d+"):
        load(kg, [path], LoadOptions(format="iiif", region=None, progress=False))
    assert kg.datasets() == []


# ---------------------------------------------------------------------------
# By URL, on the user's explicit request


def test_manifests_are_fetched_by_url_and_loaded(tmp_path: Path):
    store = tmp_path / "store"
    with StaticServer(IIIF) as server:
        urls = [server.url + "v2/unistra-contentdm.manifest.json", server.url + "v3/0009-book-1.manifest.json"]
        result = CliRunner().invoke(main, ["--store", str(store), "iiif", *urls, "--region", "all"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("iiif-127-0-0-1: 2 manifests read, 2 loaded")
    kg = KnowledgeGraph(store)
    [ds] = kg.datasets()
    assert ds.format == "iiif" and ds.records_loaded == 2
    assert len(rows(kg, "SELECT ?o WHERE { ?o a crm:E22_Human-Made_Object ; void:inDataset ?d }")) == 2


@pytest.mark.parametrize("args, message", [
    (["v2/bodleian.manifest.json", "--max-bytes", "10000"], "74,071 bytes, more than the 10,000 allowed"),
    (["v2/missing.json"], "HTTP 404"),
])
def test_fetching_is_limited_and_failures_are_one_line(tmp_path: Path, args: list[str], message: str):
    with StaticServer(IIIF) as server:
        result = CliRunner().invoke(main, ["--store", str(tmp_path / "s"), "iiif", server.url + args[0], *args[1:]])
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "s").exists() or KnowledgeGraph(tmp_path / "s").datasets() == []


def test_fetching_times_out(tmp_path: Path):
    with StaticServer(IIIF, slow=1.0) as server:
        result = CliRunner().invoke(main, ["--store", str(tmp_path / "s"), "iiif",
                                           server.url + "v3/0008-rights.manifest.json", "--timeout", "0.3"])
    assert result.exit_code == 2 and "no answer within 0.3 s" in result.output
