"""The pages of a person, a commune and an institution show what the links gather, on a real server and in Chromium."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests
from markupsafe import escape

from link_gold import GOLD
from pubserver import free_port
from conftest import SAMPLES
from server import PATRIMOINE, ROOT, start_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FILES = [SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv", SAMPLES / "pop" / "constructed-hdf-palissy-opendata.csv",
         *(GOLD / f"constructed-gold-{name}" for name in (
             "ead-frad059.xml", "ead-frad080.xml", "joconde.csv", "unimarc.xml", "lido.xml", "museo.csv", "merimee.csv",
             "institutions.xml"))]


@pytest.fixture(scope="module")
def site():
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    store = Path(tempfile.mkdtemp(prefix="patrimoine-linked-")) / "store"
    for args in (["load", "--region", "all", *map(str, FILES)], ["link"]):
        done = subprocess.run([PATRIMOINE, "--store", str(store), "--base-iri", base, *args],
                              capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
    with start_server(store, "--port", str(port), "--rate-limit", "0", "--query-log", "",
                      env={"PATRIMOINE_BASE_IRI": base}):
        yield base
    shutil.rmtree(store.parent, ignore_errors=True)


def html(base: str, path: str, lang: str = "fr") -> str:
    r = requests.get(base + path + ".html", headers={"Accept-Language": lang}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    return r.text


def test_a_person_page_shows_each_mention_and_why_it_was_linked(site: str) -> None:
    page = html(site, "person/matisse-henri-1869-1954")
    assert "Liens entre les sources" in page and "preuves de chaque lien" in page
    for source in ("constructed-gold-joconde", "constructed-gold-unimarc", "constructed-gold-ead-frad059",
                   "constructed-gold-lido"):
        assert source in page
    assert "même nom et indices concordants" in page and "naissance : 1869 = 1869" in page
    assert 'href="/place/commune/59136"' in page  # the place compared, as a link with its name
    assert "objets (5)" in page and "livres (1)" in page and "archives (1)" in page  # works, by source and kind
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="map"' in page
    for place in ("Le Cateau-Cambrésis", "Nice"):  # born, died: each has a point (Le Cateau: its town hall's)
        assert f'{place} <span class="coords">' in page


def test_the_links_speak_english_to_english_readers(site: str) -> None:
    page = html(site, "person/matisse-henri-1869-1954", "en")
    assert "Links across sources" in page and "the evidence of each link" in page
    assert "same name and agreeing evidence" in page  # the rule's English label; the evidence as recorded
    assert "objects (5)" in page and "books (1)" in page and "<h2>Location</h2>" in page
    page = html(site, "place/commune/80021", "en")
    assert "Persons born, dead or active here" in page and "active here" in page


def test_a_commune_page_gathers_every_source(site: str) -> None:
    page = html(site, "place/commune/80021")
    for kind in ("monuments", "objets", "archives", "livres"):
        assert f"<strong>{kind} (" in page, kind
    assert escape("Cathédrale Notre-Dame d'Amiens : maîtres d'œuvre, mentions") in page
    assert "Personnes nées, mortes ou actives ici" in page and "Luzarches, Robert de" in page
    assert page.count('class="map"') == 1  # the commune's own map; its records' places are one dot with it


def test_an_institution_page_shows_its_other_names_and_holdings(site: str) -> None:
    page = html(site, "org/museofile/M0627")
    assert "Aussi nommé dans les sources" in page and "Musée départemental Matisse" in page
    assert "Nature morte aux livres" in page and "Matisse, la donation" in page
    assert "Dans le monument :" in page and "Palais Fénelon" in page  # the building of the Museo record


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/ensure_chromium.sh)")
def test_chromium_renders_the_person_page(site: str, tmp_path: Path) -> None:
    url = site + "person/matisse-henri-1869-1954.html?lang=fr"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
             "--window-size=1280,2000", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=60).stdout
    assert "preuves de chaque lien" in dom and "naissance : 1869 = 1869" in dom
    shot = tmp_path / "person.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", url], capture_output=True, timeout=60)
    assert shot.is_file() and shot.stat().st_size > 20_000  # a page drawn, not a blank one
