"""Names as each source writes them, read into comparable parts (graph/persons.py)."""

from __future__ import annotations

import pytest

from graph.persons import blocking_keys, compare_names, forename, heading, parse_name, surname_heads

P = parse_name


@pytest.mark.parametrize(("written", "convention", "surname", "forenames"), [
    # POP: NOM Prénom, capitals or not, particles moved to the end
    ("VIOLLET-LE-DUC Eugène", "pop", ("viollet", "duc"), ("eugene",)),
    ("Viollet-le-Duc Eugène", "pop", ("viollet", "duc"), ("eugene",)),
    ("Cormont Thomas de", "pop", ("cormont",), ("thomas",)),
    ("GOYA Y LUCIENTES Francisco de", "pop", ("goya", "lucientes"), ("francois",)),  # one form per forename
    ("LA TOUR Maurice Quentin de", "pop", ("tour",), ("maurice", "quentin")),
    # POP in natural order when a particle is inside the name and none ends it
    ("Robert de Luzarches", "pop", ("luzarches",), ("robert",)),
    # headings: Nom, Prénom (dates), particles after the forenames belong to the surname
    ("Gates, James (1850-1929)", "inverted", ("gates",), ("jacques",)),
    ("Carouwe, Jean de la", "inverted", ("carouwe",), ("jean",)),
    ("Blank-Edelman, David N.", "inverted", ("blank", "edelman"), ("david", "n")),
    # natural order, initials
    ("Léonard de Vinci", "natural", ("vinci",), ("leonard",)),
    ("J.-B. Carpeaux", "natural", ("carpeaux",), ("j", "b")),
])
def test_each_convention_finds_the_surname(written, convention, surname, forenames) -> None:
    name = P(written, convention)
    assert (name.surname, name.forenames) == (surname, forenames)


def test_qualifiers_are_evidence_not_name() -> None:
    omer = P("Omer (saint ; 0600-0670)", "inverted")
    assert omer.saint and (omer.birth, omer.death) == ((600, 600), (670, 670)) and omer.surname == ("omer",)
    jacques = P("Jacques III de Luxembourg-Fiennes (12..-1530)", "inverted")
    assert jacques.birth == (1200, 1299) and jacques.death == (1530, 1530)
    assert P("Jeanneney, Jean-Noël (1942-....)", "inverted").death is None
    assert P("Erkembode (saint ; ....-0742)", "inverted").birth is None
    jean = P("Jean Ier de Bourgogne (1371-1419 ; dit Jean Sans Peur)", "inverted")
    assert jean.alias == "Jean Sans Peur" and jean.birth == (1371, 1371)
    assert P("Lalaing (famille de)").family and P("Egmont (famille d’)").family
    assert P("Ponche, Michel (chanoine)", "inverted").titles == ("chanoine",)
    assert P("André (saint ; 1er siècle)").floruit == (1, 100)


def test_forenames_in_several_languages_are_one() -> None:
    assert forename("petrus") == forename("peter") == "pierre" and forename("jehan") == "jean"
    assert P("Rubens, Petrus Paulus", "inverted").key == P("Peter Paul Rubens").key == P("RUBENS Pierre Paul", "pop").key


@pytest.mark.parametrize(("a", "b", "agreement"), [
    (("Robert de Luzarches", "pop"), ("Luzarches Robert de", "pop"), "exact"),  # order
    (("Gates, James (1850-1929)", "inverted"), ("GATES James", "pop"), "exact"),  # convention and capitals
    (("LA TOUR Maurice Quentin de", "pop"), ("Latour, Maurice-Quentin de", "inverted"), "variant"),  # La Tour / Latour
    (("Watteau Antoine", "pop"), ("Watteau, Jean-Antoine", "inverted"), "variant"),  # one forename of two
    (("Carpeaux Jean-Baptiste", "pop"), ("J.-B. Carpeaux", "natural"), "variant"),  # initials
    (("Bellegambe Jean", "pop"), ("Belgambe Jean", "pop"), "variant"),  # a letter apart
    (("GOYA Y LUCIENTES Francisco de", "pop"), ("Francisco de Goya", "natural"), "variant"),  # compound surname
    (("Tiercelin", "pop"), ("Tiercelin, Jean", "inverted"), "surname"),
    (("Martin Jean", "pop"), ("Martin Pierre", "pop"), "none"),
    (("Cormont Thomas de", "pop"), ("Cormont Renaud de", "pop"), "none"),
    (("Lalaing (famille de)", "inverted"), ("Lalaing, Antoine de", "inverted"), "none"),  # a family is no person
    (("Jean (saint)", "inverted"), ("Jean", "inverted"), "none"),  # a saint is not his namesake
])
def test_how_two_names_agree(a, b, agreement) -> None:
    assert compare_names(P(*a), P(*b)) == agreement == compare_names(P(*b), P(*a))


def test_names_that_may_be_one_person_share_a_blocking_key() -> None:
    pairs = [("Gates, James (1850-1929)", "inverted", "GATES James", "pop"),
             ("Carpeaux Jean-Baptiste", "pop", "J.-B. Carpeaux", "natural"),
             ("LA TOUR Maurice Quentin de", "pop", "Latour, Maurice-Quentin de", "inverted"),
             ("Tiercelin", "pop", "Tiercelin, Jean", "inverted")]
    alone = frozenset(surname_heads(P("Tiercelin", "pop")))  # the surnames some record writes alone
    for a, ca, b, cb in pairs:
        assert blocking_keys(P(a, ca), alone) & blocking_keys(P(b, cb), alone), (a, b)
    assert not blocking_keys(P("Martin Jean", "pop")) & blocking_keys(P("Dubois Pierre", "pop"))
    # a full name meets the surname-alone block only when some record writes that surname alone
    assert not blocking_keys(P("Martin Jean", "pop")) & blocking_keys(P("Martin Pierre", "pop"))


@pytest.mark.parametrize(("written", "convention", "expected"), [
    ("VIOLLET-LE-DUC Eugène", "pop", "Viollet-le-Duc, Eugène"),
    ("GOYA Y LUCIENTES Francisco de", "pop", "Goya y Lucientes, Francisco de"),
    ("LA TOUR Maurice Quentin de", "pop", "La Tour, Maurice Quentin de"),
    ("Robert de Luzarches", "pop", "Luzarches, Robert de"),
    ("Gates, James (1850-1929)", "inverted", "Gates, James"),
])
def test_headings_are_written_as_libraries_write_them(written, convention, expected) -> None:
    assert heading(written, convention) == expected
