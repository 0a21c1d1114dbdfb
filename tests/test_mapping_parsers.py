"""The readers of what sources write in free text: measurements, materials, names and dates, owners, languages."""

from __future__ import annotations

import pytest

from graph import dimensions, materials, names
from graph.languages import language, languages
from graph.linkedart import vocabulary


@pytest.mark.parametrize("text, expected, unread", [
    ("h = 400 ; la = 200", [("height", "400", "centimeters"), ("width", "200", "centimeters")], []),  # Palissy
    ("l = 60 ; pr = 0,5", [("length", "60", "centimeters"), ("depth", "0.5", "centimeters")], []),
    ("Hauteur en cm 181", [("height", "181", "centimeters")], []),  # Joconde
    ("H. 12,5 ; l. 8", [("height", "12.5", "centimeters"), ("width", "8", "centimeters")], []),  # l. = largeur
    ("L. 30", [("length", "30", "centimeters")], []),
    ("Diamètre extérieur en cm 5.6", [("diameter", "5.6", "centimeters")], []),
    ("Poids en g 12", [("weight", "12", "grams")], []),
    ("h = 2 m", [("height", "2", "meters")], []),
    ("Hauteur : 77 cm ; Largeur : 53 cm", [("height", "77", "centimeters"), ("width", "53", "centimeters")], []),
    ("30 x 42 cm", [("height", "30", "centimeters"), ("width", "42", "centimeters")], []),
    ("Hauteur en cm 1.64 ; Epaisseur en cm", [("height", "1.64", "centimeters")], ["Epaisseur en cm"]),
    ("rondel : d = 20", [], ["rondel : d = 20"]),  # the measure of a part, not of the object
    ("Poids en cm 12", [], ["Poids en cm 12"]),  # a weight in centimetres is not read
    ("h = 0", [], ["h = 0"]),
])
def test_measurements(text: str, expected: list[tuple[str, str, str]], unread: list[str]):
    found, rest = dimensions.parse(text)
    assert [(m.kind, m.value, m.unit) for m in found] == expected
    assert rest == unread
    assert all(m.kind in vocabulary().terms and m.unit in vocabulary().units for m in found)


def test_a_size_without_its_kind_takes_the_default():
    [m], _ = dimensions.parse("24 cm", default_kind="height")  # a book's height (ISBD)
    assert (m.kind, m.value) == ("height", "24")
    assert dimensions.measurement("Höhe", "101,1", "cm").value == "101.1"
    assert dimensions.measurement("", "77", "cm", ("http://vocab.getty.edu/aat/300055644",)).kind == "height"


@pytest.mark.parametrize("values, found_materials, found_techniques", [
    (["peinture à l'huile", "toile"], ["toile"], ["peinture à l'huile"]),
    (["huile sur toile"], ["huile", "toile"], ["peinture à l'huile"]),
    (["chêne : taillé, sculpté"], ["chêne"], ["taille", "sculpture"]),
    (["silex (taillé)"], ["silex"], ["taille"]),
    (["bois doré"], ["bois"], ["dorure"]),
    (["alliage ferreux"], ["alliage ferreux"], []),
    (["toile"], ["toile"], []),
])
def test_materials_and_techniques(values, found_materials, found_techniques):
    reading = materials.read(values)
    assert (reading.materials, reading.techniques) == (found_materials, found_techniques)


def test_materials_match_the_aat():
    assert materials.aat_match("Toile") == "http://vocab.getty.edu/aat/300014078"
    assert materials.aat_match("alliage ferreux") is None


@pytest.mark.parametrize("name, kind", [
    ("Egmont (famille d’)", "family"), ("Maison de Lalaing", "family"), ("Seigneurs de Boubers", "family"),
    ("Abbaye de Saint-Bertin", "organization"), ("Musée de Picardie", "museum"),
    ("FRAGONARD Jean-Honoré", None), ("Jean Sans Peur", None), ("Gates, James", None),
])
def test_families_and_institutions(name: str, kind: str | None):
    assert names.actor_kind(name) == kind


@pytest.mark.parametrize("written, name, dates, life", [
    ("Jean Ier de Bourgogne (1371-1419 ; dit Jean Sans Peur)", "Jean Ier de Bourgogne", "1371-1419", ("1371", "1419")),
    ("Tournier, Paul (1850-1929)", "Tournier, Paul", "1850-1929", ("1850", "1929")),
    ("Jacques III de Luxembourg-Fiennes (12..-1530)", "Jacques III de Luxembourg-Fiennes", "12..-1530", ("12..", "1530")),
    ("Dupont (architecte)", "Dupont (architecte)", None, None),
])
def test_names_with_life_dates(written: str, name: str, dates: str | None, life):
    assert names.split_dates(written) == (name, dates)
    if dates:
        assert names.life_dates(dates) == life
    assert names.life_dates("1984-....") == ("1984", None)


@pytest.mark.parametrize("text, birth, death", [
    ("Grasse, 1732 ; Paris, 1806", ("Grasse", "1732"), ("Paris", "1806")),
    ("Douai, vers 1470 ; Douai, 1535 ou 1536", ("Douai", "vers 1470"), ("Douai", "1535 ou 1536")),
    ("né à Douai vers 1470 ; mort à Douai en 1535", ("Douai", "vers 1470"), ("Douai", "1535")),
    ("Amiens, 1750", ("Amiens", "1750"), None),
    ("peintre de genre", None, None),
])
def test_births_and_deaths_from_pop_paut(text: str, birth, death):
    b, d = names.birth_and_death(text)
    assert ((b.place, b.date) if b else None) == birth
    assert ((d.place, d.date) if d else None) == death


@pytest.mark.parametrize("statuses, kind, group, named", [
    (["propriété de la commune", "Lille", "palais des Beaux-Arts"], "commune", "commune", "Lille"),
    (["propriété de la commune", "don", "Autun", "musée Rolin"], "commune", "commune", "Autun"),
    (["propriété de l'Etat"], "État", "state", None),
    (["Propriété privée"], "personne privée", "private", None),
    (["propriété d'une association"], "association", "organization", None),
])
def test_owners_from_legal_status(statuses, kind, group, named):
    assert names.owner(statuses) == names.Owner(kind, group, named)
    assert names.owner(["musée Rolin"]) is None


def test_languages_as_iso_639_2():
    fre = "<http://id.loc.gov/vocabulary/iso639-2/fre>"
    assert {language(x).iri for x in ("fre", "fra", "fr", "fr-FR", "Français", "French")} == {fre}
    assert language("ger").code == language("deu").code == language("de").code == "ger"
    assert language("und") is None and language("zxx") is None
    assert [lang.code for lang in languages("fre ; lat")] == ["fre", "lat"]
    assert [lang.code for lang in languages("Documents en français et en latin")] == ["fre", "lat"]  # not "en"
