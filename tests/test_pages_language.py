"""The query UI, the linked-data pages and the discovery pages speak French to browsers that ask for it and
English otherwise, with a switch that is remembered; the example queries are titled in both languages."""

from __future__ import annotations

import json

import pytest
import requests

from endpoint.ui import QUERIES, example_queries
from pubserver import PublicationServer, publication_server

FR = {"Accept": "text/html", "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}


@pytest.fixture(scope="module")
def srv() -> PublicationServer:
    return publication_server()


def get(srv: PublicationServer, path: str, headers: dict, **kw) -> requests.Response:
    r = requests.get(srv.url + path.lstrip("/"), headers=headers, timeout=60, **kw)
    assert r.status_code in (200, 404), (path, r.status_code)
    return r


def test_every_example_query_has_a_french_and_an_english_title():
    source = json.loads(QUERIES.read_text(encoding="utf-8"))
    for q in source["queries"]:
        assert q["title"]["fr"] and q["title"]["en"] and q["title"]["fr"] != q["title"]["en"], q["id"]
    for heading in source["audiences"].values():
        assert heading["fr"] and heading["en"]
    assert [e["title"] for e in example_queries("http://x/", "fr")] == [q["title"]["fr"] for q in source["queries"]]


def test_the_query_ui_in_french_and_in_english(srv: PublicationServer):
    fr = get(srv, "/", FR)
    assert '<html lang="fr">' in fr.text and "Interroger le patrimoine culturel des Hauts-de-France" in fr.text
    assert "Monuments protégés (Mérimée), avec leur commune, leur département et leur protection" in fr.text
    assert "Pour les bibliothécaires et documentalistes" in fr.text and ">Qualité des données</a>" in fr.text
    assert 'href="/?lang=en"' in fr.text and "accept-language" in fr.headers["vary"].lower()
    en = get(srv, "/", EN)
    assert '<html lang="en">' in en.text and "Query the cultural heritage of Hauts-de-France" in en.text
    assert "Protected monuments (Mérimée) with their commune, department and protection" in en.text
    assert get(srv, "/", {"Accept": "text/html"}).text.count('<html lang="en">') == 1  # no preference: English


def test_counts_agree_with_their_words_on_the_pages(srv: PublicationServer):
    datasets = srv.kg.datasets()
    one = next(d for d in datasets if (d.records_read, d.records_loaded, d.records_rejected) == (1, 1, 0))
    assert "1 chargée sur 1 lue (0 rejetée" in get(srv, f"/dataset/{one.name}.html", FR).text
    many = next(d for d in datasets if d.records_loaded > 1)
    assert f"{many.records_loaded} chargées sur {many.records_read} lues (" in get(srv, f"/dataset/{many.name}.html", FR).text
    assert f" triplets dans {len(datasets)} jeux de données" in get(srv, "/", FR).text
    assert f" triples in {len(datasets)} datasets" in get(srv, "/", EN).text


def test_the_switch_is_remembered(srv: PublicationServer):
    s = requests.Session()
    r = s.get(srv.url + "?lang=fr", headers=EN, timeout=60)
    assert '<html lang="fr">' in r.text and s.cookies.get("lang") == "fr"
    assert '<html lang="fr">' in s.get(srv.url + "dumps/", headers=EN, timeout=60).text
    assert '<html lang="en">' in s.get(srv.url + "dumps/?lang=en", headers=FR, timeout=60).text
    assert '<html lang="en">' in s.get(srv.url, headers=FR, timeout=60).text


def test_linked_data_pages_speak_the_readers_language(srv: PublicationServer):
    record = next(d.name for d in srv.kg.datasets() if "merimee" in d.name)
    [row] = list(srv.kg.query(f"SELECT ?r WHERE {{ GRAPH <{srv.url}graph/{record}> {{ ?r a <http://www.cidoc-crm.org/cidoc-crm/E22_Human-Made_Object> }} }} LIMIT 1"))
    path = row["r"].value[len(srv.url):] + ".html"
    fr = get(srv, path, FR).text
    assert '<html lang="fr">' in fr and "<h2>Description</h2>" in fr and "Cette description en données" in fr
    assert "Notices</th>" in fr and "chargées sur" in fr
    en = get(srv, path, EN).text
    assert '<html lang="en">' in en and "This description as data" in en and "loaded of" in en
    missing = get(srv, "/pop/PA00000000", FR)
    assert missing.status_code == 404 and "<h1>Introuvable</h1>" in missing.text
    assert "Jeux de données et téléchargements" in get(srv, "/dumps/", FR).text
    assert "<h1>Description VoID</h1>" in get(srv, "/void", FR).text
    assert "<h1>DCAT catalogue</h1>" in get(srv, "/dcat", EN).text


# -- in a real browser ------------------------------------------------------------------------------

from test_ui_browser import RECORD_VIOLATIONS, Browser, needs_chromium  # noqa: E402


@needs_chromium
def test_a_french_browser_gets_the_french_ui_and_switches_to_english(srv: PublicationServer):
    b = Browser()
    try:
        b.call("Page.enable")
        b.call("Network.enable")
        b.call("Network.setExtraHTTPHeaders", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        b.call("Page.addScriptToEvaluateOnNewDocument", source=RECORD_VIOLATIONS)
        b.call("Page.navigate", url=srv.url)
        b.wait_for("document.readyState === 'complete' && !!window.patrimoineYasgui")
        assert b.evaluate("document.documentElement.lang") == "fr"
        assert "Monuments protégés" in b.evaluate("document.querySelector('#examples').innerText")
        b.evaluate("document.querySelector('a.lang').click()")
        b.wait_for("document.readyState === 'complete' && document.documentElement.lang === 'en'"
                   " && !!window.patrimoineYasgui")
        assert "Protected monuments" in b.evaluate("document.querySelector('#examples').innerText")
        assert b.evaluate("window.cspViolations") == []
    finally:
        b.quit()
