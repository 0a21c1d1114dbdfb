"""`patrimoine fetch`: official sources as data, downloads conditional, resumable and bounded, tested on a local portal."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
from fetch_server import ExportServer, sources_file
from oai_server import OAI_DC, OaiServer, StaticServer, sample_records

from graph.records import PatrimoineError
from graph.store import KnowledgeGraph
from patrimoine.fetch import FetchOptions, fetch, load_sources

ROOT = Path(__file__).resolve().parent.parent
PATRIMOINE = str(ROOT / ".venv" / "bin" / "patrimoine")
MUSEES = "liste-et-localisation-des-musees-de-france"
MERIMEE = "liste-des-immeubles-proteges-au-titre-des-monuments-historiques"
LIST = ROOT / "samples" / "museums" / f"{MUSEES}.csv"
POP_SAMPLE = ROOT / "samples" / "pop" / "constructed-hdf-merimee-opendata.csv"
PK = "https://w3id.org/patrimoine-kg/"


@pytest.fixture
def portal():
    with ExportServer() as server:
        yield server


def run(tmp_path: Path, *args: str, store: str = "store") -> subprocess.CompletedProcess:
    return subprocess.run([PATRIMOINE, "--store", str(tmp_path / store), "fetch", *args],
                          capture_output=True, text=True, cwd=tmp_path)


def catalogue(kg: KnowledgeGraph, dataset: str) -> dict[str, str]:
    q = f"""SELECT ?p ?o WHERE {{ GRAPH {kg.catalogue} {{ {kg.minter.dataset(dataset)} <http://purl.org/dc/terms/source> ?s .
        ?s ?p ?o }} }}"""
    return {r["p"].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]: r["o"].value for r in kg.store.query(q)}


def loaded_at(kg: KnowledgeGraph, name: str) -> str:
    return next(d.loaded_at for d in kg.datasets() if d.name == name)


def test_the_bundled_sources_are_the_official_exports() -> None:
    sources = load_sources()
    assert {"merimee", "palissy", "joconde", "museo", "musees-de-france"} <= set(sources)
    for s in sources.values():
        assert s.kind == "download" and s.publisher == "Ministère de la Culture" and s.licence_url
        assert s.url.startswith("https://data.culture.gouv.fr/api/explore/v2.1/catalog/datasets/")
    url = sources["merimee"].url_for("32", "Hauts-de-France", ["02", "59", "60", "62", "80"])
    assert parse_qs(urlsplit(url).query)["refine"] == ['region:"Hauts-de-France"']
    assert sources["musees-de-france"].format == "museums" and sources["merimee"].format == "pop"
    assert sources["merimee"].url_for(None, None, []) == sources["merimee"].url  # --region all: everything


def test_fetch_list_names_every_source(tmp_path: Path, portal: ExportServer) -> None:
    done = run(tmp_path, "--list", "--sources", str(sources_file(tmp_path, portal)))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for name in ("merimee", "palissy", "joconde", "museo", "musees-de-france"):
        assert any(line.startswith(name + " ") for line in lines)
    assert portal.url in done.stdout  # musees-de-france and merimee replaced by the user's file
    assert not portal.requests  # listing asks nothing


def test_a_region_is_filtered_by_the_portal_and_the_fetch_recorded(tmp_path: Path, portal: ExportServer) -> None:
    portal.chunked = True
    done = run(tmp_path, "musees-de-france", "--sources", str(sources_file(tmp_path, portal)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("musees-de-france: ") and "88 loaded" in done.stdout
    [request] = portal.requests
    assert request["query"]["refine"] == ['region_administrative:"Hauts-de-France"']
    served = portal.body(MUSEES, request["query"])
    assert len(served) < LIST.stat().st_size / 10  # the region, not all of France
    kg = KnowledgeGraph(tmp_path / "store", read_only=True)
    source = catalogue(kg, "musees-de-france")
    assert source["downloadURL"] == portal.export_url(MUSEES) + "&refine=region_administrative%3A%22Hauts-de-France%22"
    assert source["sha256"] == hashlib.sha256(served).hexdigest()
    assert source["httpETag"] == f'"{hashlib.sha256(served).hexdigest()[:20]}"'
    assert source["httpLastModified"].endswith(" GMT") and source["generatedAtTime"] == source["lastChecked"]
    assert source["publisher"] == "Ministère de la Culture"
    assert source["license"] == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert not list((tmp_path / "store" / "downloads").iterdir())  # nothing left behind


def test_an_unchanged_source_costs_one_request_and_no_reload(tmp_path: Path, portal: ExportServer) -> None:
    kg = KnowledgeGraph(tmp_path / "store")
    source = load_sources([sources_file(tmp_path, portal)])["merimee"]
    first = fetch(kg, source, FetchOptions(progress=False))
    assert first.status == "loaded" and first.report.counts.records_loaded == 14
    before = loaded_at(kg, "merimee")
    second = fetch(kg, source, FetchOptions(progress=False))
    assert second.status == "not-modified"
    assert len(portal.requests) == 2 and portal.requests[1]["headers"]["If-None-Match"] == catalogue(kg, "merimee")["httpETag"]
    assert loaded_at(kg, "merimee") == before
    assert catalogue(kg, "merimee")["lastChecked"] >= catalogue(kg, "merimee")["generatedAtTime"]
    # a portal that sends no validators: the download is compared by its SHA-256, and not reloaded either
    portal.validators = False
    third = fetch(kg, source, FetchOptions(progress=False))
    assert third.status == "same-content" and loaded_at(kg, "merimee") == before
    # a new version at the source is loaded; --force loads even an unchanged one
    portal.validators = True
    portal.publish(MERIMEE, portal.exports[MERIMEE].replace(b"Cath\xc3\xa9drale Notre-Dame;", b"Notre-Dame d'Amiens;", 1))
    fourth = fetch(kg, source, FetchOptions(progress=False))
    assert fourth.status == "loaded"
    assert {r["l"].value for r in kg.query(f"SELECT ?l WHERE {{ <{PK}pop/PA00116046> rdfs:label ?l }}", prefixes=True)} == {
        "Notre-Dame d'Amiens"}
    assert fetch(kg, source, FetchOptions(progress=False, force=True)).status == "loaded"
    assert "If-None-Match" not in portal.requests[-1]["headers"]


def test_an_interrupted_download_resumes_where_it_stopped(tmp_path: Path, portal: ExportServer) -> None:
    sources = sources_file(tmp_path, portal)
    portal.faults[MUSEES].append("cut")
    done = run(tmp_path, "musees-de-france", "--region", "all", "--sources", str(sources))
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("Error: musees-de-france: ") and "run the same command again to resume" in line
    part = tmp_path / "store" / "downloads" / "musees-de-france.csv.part"  # the store's own downloads
    kept = part.stat().st_size  # what was written of the half the portal sent
    assert 0 < kept <= LIST.stat().st_size // 2 and part.read_bytes() == LIST.read_bytes()[:kept]
    kg = KnowledgeGraph(tmp_path / "store", read_only=True)
    assert kg.datasets() == []
    del kg
    # another write meanwhile (it removes what killed writers left in the store) keeps the download
    loaded = subprocess.run([PATRIMOINE, "--store", str(tmp_path / "store"), "load", "--region", "all", str(POP_SAMPLE)],
                            capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    assert part.stat().st_size == kept
    # a second store in the same folder has downloads of its own: the whole file, the first store's part untouched
    done = run(tmp_path, "musees-de-france", "--region", "all", "--sources", str(sources), store="other")
    assert done.returncode == 0, done.stderr
    assert "resumed" not in done.stdout and "Range" not in portal.requests[-1]["headers"]
    assert part.stat().st_size == kept and not (tmp_path / "downloads").exists()
    done = run(tmp_path, "musees-de-france", "--region", "all", "--sources", str(sources))
    assert done.returncode == 0, done.stderr
    assert f"(resumed at {kept:,})" in done.stdout and "1220 loaded" in done.stdout
    resume = portal.requests[-1]["headers"]
    assert resume["Range"] == f"bytes={kept}-" and resume["If-Range"].startswith('"')
    kg = KnowledgeGraph(tmp_path / "store", read_only=True)
    assert catalogue(kg, "musees-de-france")["sha256"] == hashlib.sha256(LIST.read_bytes()).hexdigest()
    assert not part.exists()


def test_a_download_killed_once_complete_is_not_downloaded_again(tmp_path: Path, portal: ExportServer) -> None:
    import json

    kg = KnowledgeGraph(tmp_path / "store")
    source = load_sources([sources_file(tmp_path, portal)])["merimee"]
    body = portal.exports[MERIMEE]
    downloads = tmp_path / "store" / "downloads"
    downloads.mkdir()
    # what a run killed after the last byte and before the load leaves behind
    (downloads / "merimee.csv.part").write_bytes(body)
    (downloads / "merimee.csv.part.json").write_text(json.dumps(
        {"url": source.url, "etag": f'"{hashlib.sha256(body).hexdigest()[:20]}"', "last_modified": None}))
    result = fetch(kg, source, FetchOptions(region=None, progress=False))
    assert result.status == "loaded" and result.report.counts.records_read == 16
    assert portal.requests[0]["headers"]["Range"] == f"bytes={len(body)}-"  # answered 416: the file is whole


@pytest.mark.parametrize("fault, options, message", [
    ("404", {}, "HTTP 404 Not Found: JSON error"),
    ("500", {}, "HTTP 500 Internal Server Error: JSON error: export temporarily unavailable"),
    ("html", {}, "not a pop export: unexpected answer starting '<!DOCTYPE html>"),
    ("huge", {}, "50,000,000,000 bytes, more than the 4,294,967,296 allowed (--max-bytes)"),
    ("slow", {"timeout": 0.5}, "no answer within 0.5 s"),
    ("drip", {"max_seconds": 1.0}, "not done within 1 s (--max-seconds)"),
    ("chunked-cut", {}, "connection lost"),
])
def test_a_failed_fetch_is_one_clear_error_and_the_store_keeps_its_data(
        tmp_path: Path, portal: ExportServer, fault: str, options: dict, message: str) -> None:
    kg = KnowledgeGraph(tmp_path / "store")
    source = load_sources([sources_file(tmp_path, portal)])["merimee"]
    fetch(kg, source, FetchOptions(progress=False))
    before = (loaded_at(kg, "merimee"), kg.count(kg.minter.graph("merimee")), catalogue(kg, "merimee"))
    portal.publish(MERIMEE, portal.exports[MERIMEE] + b"")  # a new version: the fetch downloads it
    portal.exports[MERIMEE] = portal.exports[MERIMEE].replace(b"beffroi", b"beffroi restaur\xc3\xa9")
    portal.faults[MERIMEE].append(fault)
    with pytest.raises(PatrimoineError) as e:
        fetch(kg, source, FetchOptions(progress=False, **options))
    assert message in str(e.value) and "\n" not in str(e.value)
    assert (loaded_at(kg, "merimee"), kg.count(kg.minter.graph("merimee")), catalogue(kg, "merimee")) == before


def test_the_size_limit_is_checked_while_reading(tmp_path: Path, portal: ExportServer) -> None:
    kg = KnowledgeGraph(tmp_path / "store")
    source = load_sources([sources_file(tmp_path, portal)])["musees-de-france"]
    portal.chunked = True  # no length announced: counted while reading
    with pytest.raises(PatrimoineError, match=r": more than the 10,000 bytes allowed \(--max-bytes\)$"):
        fetch(kg, source, FetchOptions(region=None, progress=False, max_bytes=10_000))
    assert kg.datasets() == [] and not list((tmp_path / "store" / "downloads").iterdir())


def test_bad_sources_and_names_are_one_line_errors(tmp_path: Path, portal: ExportServer) -> None:
    done = run(tmp_path, "louvre")
    assert done.returncode == 2 and "unknown source 'louvre'; known sources: merimee" in done.stderr
    bad = tmp_path / "bad.toml"
    for text, says in (('[x]\ntitle = "x"\nurl = "https://example.org/x.csv"\nformat = "xls"\n', "format 'xls' is not one of"),
                       ('[x]\ntitle = "x"\nurl = "ftp://example.org/x"\nformat = "pop"\n', "is not an http(s) URL"),
                       ('[x]\ntitle = "x"\nurl = "https://example.org/x"\nformat = "pop"\nurl_template = 1\n',
                        "unknown key(s) url_template"),
                       ('[x]\nkind = "oai-pmh"\ntitle = "x"\nurl = "https://example.org/oai"\nmetadata_prefix = "marc"\n',
                        "metadata_prefix 'marc' is not one of oai_dc, ead, lido"),
                       ("[x\n", "not valid TOML")):
        bad.write_text(text, encoding="utf-8")
        done = run(tmp_path, "--list", "--sources", str(bad))
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and says in done.stderr, done.stderr
    done = run(tmp_path, "--list", "--sources", str(tmp_path / "missing.toml"))
    assert done.returncode == 2 and "missing.toml" in done.stderr


def test_oai_pmh_and_iiif_sources_delegate_to_the_harvester_and_the_iiif_loader(tmp_path: Path) -> None:
    records = sample_records(OAI_DC / "sickle-ListRecords.xml")
    with OaiServer([records[:3], records[3:]]) as oai, StaticServer(ROOT / "samples" / "iiif" / "v3") as static:
        extra = tmp_path / "more.toml"
        extra.write_text(f'''
[depot-oai]
kind = "oai-pmh"
title = "A repository"
url = "{oai.url}"
metadata_prefix = "oai_dc"

[manifestes]
kind = "iiif"
title = "IIIF manifests"
publisher = "IIIF cookbook"
urls = ["{static.url}0009-book-1.manifest.json", "{static.url}0008-rights.manifest.json"]
''', encoding="utf-8")
        kg = KnowledgeGraph(tmp_path / "store")
        sources = load_sources([extra])
        harvested = fetch(kg, sources["depot-oai"], FetchOptions(region=None, progress=False))
        assert harvested.report.counts.records_read == len(records) and harvested.dataset == "depot-oai"
        manifests = fetch(kg, sources["manifestes"], FetchOptions(region=None, progress=False))
        assert manifests.report.counts.records_loaded == 2
        urls = {r["u"].value for r in kg.store.query(
            f"SELECT ?u WHERE {{ GRAPH {kg.catalogue} {{ ?s <http://www.w3.org/ns/dcat#downloadURL> ?u }} }}")}
        assert urls == {f"{static.url}0009-book-1.manifest.json", f"{static.url}0008-rights.manifest.json"}


def test_the_licence_a_source_gives_is_the_datasets_on_its_pages_and_in_void_and_dcat(
        tmp_path: Path, portal: ExportServer) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from endpoint import discovery, pages

    kg = KnowledgeGraph(None)
    source = load_sources([sources_file(tmp_path, portal)])["musees-de-france"]  # format "museums": no licence by format
    assert fetch(kg, source, FetchOptions(progress=False, downloads=tmp_path / "downloads")).status == "loaded"
    app = FastAPI()
    app.include_router(pages.router(kg, None))
    app.include_router(discovery.router(kg, None))
    client = TestClient(app)
    page = client.get("/dataset/musees-de-france.html").text
    licence = re.search(r'<th scope="row">Licence</th><td>(.*?)</td>', page).group(1)
    assert licence == '<a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/">Licence Ouverte / Open Licence Etalab 2.0</a>'
    for path in ("/void", "/dcat"):
        described = ox.Store()
        described.load(client.get(path, headers={"Accept": "text/turtle"}).content, format=ox.RdfFormat.TURTLE)
        dataset = ox.NamedNode(kg.minter.dataset("musees-de-france")[1:-1])
        assert [q.object for q in described.quads_for_pattern(dataset, ox.NamedNode("http://purl.org/dc/terms/license"), None)] == [
            ox.NamedNode("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")], path
