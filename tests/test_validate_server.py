"""`patrimoine serve` at /quality and /quality/{dataset}: the report in the reader's language, kept until the
data changes; its links resolve on the running server; it renders in headless Chromium."""

from __future__ import annotations

import asyncio
import re
import time
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import requests

from endpoint.language import preferred
from endpoint.quality import QualityReports
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load
from pubserver import PublicationServer, publication_server

from conftest import SAMPLES

FR = {"Accept": "text/html", "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"}
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}


@pytest.fixture(scope="module")
def srv() -> PublicationServer:
    return publication_server()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links(page: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    return parser.hrefs


def test_accept_language_chooses_french_or_english():
    assert preferred("fr-FR,fr;q=0.9,en;q=0.8") == "fr"
    assert preferred("en-US,en;q=0.9,fr;q=0.5") == "en"
    assert preferred("de-DE,de;q=0.9") == "en" and preferred(None) == "en"
    assert preferred("de, fr;q=0.3") == "fr"


def test_quality_page_speaks_french_to_french_browsers_and_english_otherwise(srv: PublicationServer):
    fr = requests.get(srv.url + "quality", headers=FR, timeout=120)
    assert fr.status_code == 200 and fr.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in fr.text and "Qualité des données" in fr.text and "Synthèse" in fr.text
    assert "accept-language" in fr.headers["vary"].lower()
    en = requests.get(srv.url + "quality", headers=EN, timeout=120)
    assert '<html lang="en">' in en.text and "Data quality" in en.text and "Summary" in en.text
    # the switch: ?lang= overrides the header and is remembered in a cookie
    switched = requests.get(srv.url + "quality?lang=fr", headers=EN, timeout=120)
    assert '<html lang="fr">' in switched.text and switched.cookies.get("lang") == "fr"
    assert re.search(r'<a class="lang" href="/quality\?lang=en"', switched.text)


def test_quality_page_is_self_contained_under_a_strict_policy(srv: PublicationServer):
    r = requests.get(srv.url + "quality", headers=FR, timeout=120)
    policy = r.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy and "style-src 'self' 'sha256-" in policy
    assert "<script" not in r.text and "cdn" not in r.text.lower()
    assert r.headers["x-content-type-options"] == "nosniff"


def test_report_links_resolve_on_the_server(srv: PublicationServer):
    page = requests.get(srv.url + "quality", headers=FR, timeout=120).text
    hrefs = [h for h in links(page)]
    records = [h for h in hrefs if h.startswith("/") and not h.startswith("/quality")]
    assert records, "the report links to the records' pages"
    for href in records[:25] + [h for h in hrefs if h.startswith("/quality")]:
        r = requests.get(srv.url + href.lstrip("/"), headers=FR, timeout=60)
        assert r.status_code == 200, href


def test_per_dataset_report_and_other_formats(srv: PublicationServer):
    [name] = [d.name for d in srv.kg.datasets() if d.name.startswith("constructed-hdf-merimee-opendata")]
    page = requests.get(srv.url + f"quality/{name}", headers=EN, timeout=120)
    assert page.status_code == 200 and name in page.text
    doc = requests.get(srv.url + f"quality/{name}?format=json", timeout=120).json()
    assert doc["dataset"] == name and {x["dataset"] for x in doc["results"]} <= {name, ""}
    assert set(doc["europeana"]["datasets"]) == {name}
    whole = requests.get(srv.url + "quality?format=json", timeout=120).json()
    assert len(whole["results"]) >= len(doc["results"]) and whole["dataset"] is None
    ttl = requests.get(srv.url + "quality?format=ttl", timeout=120)
    assert ttl.headers["content-type"].startswith("text/turtle") and "sh:ValidationReport" in ttl.text
    csv_text = requests.get(srv.url + "quality?format=csv&lang=fr", timeout=120).text
    assert csv_text.count("\n") == len(whole["results"]) + 1
    assert requests.get(srv.url + "quality/no-such-dataset", timeout=60).status_code == 404
    assert requests.get(srv.url + "quality?format=pdf", timeout=60).status_code == 400


def test_a_report_is_kept_until_the_data_changes():
    kg = KnowledgeGraph(None)
    load(kg, [SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"], LoadOptions(progress=False))
    reports = QualityReports(kg, timeout=60)
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace()))
    first = asyncio.run(reports.get(request, None))
    again = asyncio.run(reports.get(request, None))
    assert again is first
    time.sleep(1.1)  # the catalogue's dates have a one-second resolution
    load(kg, [SAMPLES / "pop" / "constructed-hdf-palissy-opendata.csv"], LoadOptions(progress=False))
    changed = asyncio.run(reports.get(request, None))
    assert changed is not first and {d.name for d in changed.datasets} == {
        "constructed-hdf-merimee-opendata", "constructed-hdf-palissy-opendata"}


# -- in a real browser ------------------------------------------------------------------------------

from test_ui_browser import RECORD_VIOLATIONS, Browser, needs_chromium  # noqa: E402

VISIBLE = "[...document.querySelectorAll('{}')].filter(e => e.offsetParent !== null).length"


@pytest.fixture(scope="module")
def browser(srv: PublicationServer):
    b = Browser()
    try:
        b.call("Page.enable")
        b.call("Page.addScriptToEvaluateOnNewDocument", source=RECORD_VIOLATIONS)
        yield b
    finally:
        b.quit()


def open_page(b: Browser, url: str) -> None:
    b.call("Page.navigate", url=url)
    b.wait_for("document.readyState === 'complete' && !!document.querySelector('#summary')", timeout=120)


@needs_chromium
def test_the_report_renders_with_its_summary_and_filters_by_severity(browser: Browser, srv: PublicationServer, tmp_path):
    open_page(browser, srv.url + "quality?lang=fr")
    assert browser.evaluate("document.querySelector('#summary h2').innerText") == "Synthèse"
    shown = browser.evaluate("[...document.querySelectorAll('#holders tbody tr td:nth-child(2)')].map(td => td.innerText)")
    assert {d.name for d in srv.kg.datasets()} <= {n for cell in shown for n in cell.split(", ")}
    assert browser.evaluate("getComputedStyle(document.querySelector('.card.violation')).borderLeftWidth") == "6px"
    violations = browser.evaluate(VISIBLE.format(".group.sev-violation"))
    assert violations > 0
    browser.evaluate("document.querySelector('label[for=f-violation]').click()")
    assert browser.evaluate(VISIBLE.format(".group.sev-violation")) == 0
    browser.evaluate("document.querySelector('label[for=f-violation]').click()")
    assert browser.evaluate(VISIBLE.format(".group.sev-violation")) == violations
    assert browser.evaluate("window.cspViolations") == []
    shot = browser.call("Page.captureScreenshot", format="png")["data"]
    (tmp_path / "quality.png").write_bytes(__import__("base64").b64decode(shot))
    assert (tmp_path / "quality.png").stat().st_size > 10_000


@needs_chromium
def test_the_report_prints_every_severity(browser: Browser, srv: PublicationServer):
    open_page(browser, srv.url + "quality?lang=en")
    browser.evaluate("document.querySelector('label[for=f-violation]').click()")
    browser.call("Emulation.setEmulatedMedia", media="print")
    try:
        assert browser.evaluate(VISIBLE.format(".group.sev-violation")) > 0
        assert browser.evaluate(VISIBLE.format(".filters")) == 0
    finally:
        browser.call("Emulation.setEmulatedMedia", media="")
