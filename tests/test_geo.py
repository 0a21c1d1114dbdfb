"""Tests for graph.geo over the shipped graph/data/geo.json (region 32, Hauts-de-France)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.geo import DATA_FILE, Commune, Department, Geography, is_insee_code

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def geo() -> Geography:
    return Geography.default()


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


# -- the data file ----------------------------------------------------------


def test_data_file_is_small_and_sourced(raw):
    assert DATA_FILE.stat().st_size < 2 * 1024 * 1024
    assert raw["source"]["package"] == "@etalab/decoupage-administratif"
    assert raw["source"]["license"] == "MIT"
    assert raw["source"]["version"]


def test_region_32_counts(raw, geo):
    current = [c for c in raw["communes"] if c["type"] == "commune-actuelle"]
    # 3,782 current communes + 99 delegated/associated = 3,881 entries (package 6.0.0)
    assert len(current) == len(list(geo.communes())) == 3782
    assert len(raw["communes"]) == 3881
    assert {c["type"] for c in raw["communes"]} == {
        "commune-actuelle",
        "commune-deleguee",
        "commune-associee",
    }
    assert all(c["region"] == "32" for c in raw["communes"])
    by_dep = {}
    for c in current:
        by_dep[c["department"]] = by_dep.get(c["department"], 0) + 1
    assert sorted(by_dep) == ["02", "59", "60", "62", "80"]


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


def test_former_code_resolves(geo, raw):
    # Arcy-Sainte-Restitue (02022) absorbed 02113 (Branges).
    assert raw["former_codes"]["02113"] == "02022"
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


def test_every_former_code_points_to_a_current_commune(geo, raw):
    current = {c.code for c in geo.communes()}
    for old, new in raw["former_codes"].items():
        assert old not in current
        if new[:2] in ("02", "59", "60", "62", "80"):
            assert geo.commune(old).code == new


def test_commune_outside_region_or_unknown(geo):
    assert geo.commune("10003") is None  # Aube, not in region data
    assert geo.commune("80999") is None
    assert geo.commune("") is None


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


@pytest.mark.parametrize("name", ["Saint-Omer", "saint omer", "SAINT-OMER", "Saint Omer "])
def test_find_commune_insensitive(geo, name):
    assert geo.find_commune(name).code == "62765"


def test_find_commune_accents(geo):
    assert geo.find_commune("Etaples").code == "62318"  # Étaples
    assert geo.find_commune("BETHUNE").code == "62119"  # Béthune
    assert geo.find_commune("Noeux-les-Mines").code == "62617"  # Nœux-les-Mines
    assert geo.find_commune("Oeuilly").code == "02565"  # Œuilly
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
    assert geo.find_commune("Paris") is None
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
