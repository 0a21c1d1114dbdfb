"""Tests for graph.periods: French period expressions -> outer and inner bounds, to the day."""

from __future__ import annotations

import json
from datetime import date

import pytest

from graph.periods import (
    APPROXIMATION_MARGIN_FINE,
    APPROXIMATION_MARGIN_YEARS,
    NAMED_PERIODS_FILE,
    Period,
    campaigns,
    combine,
    parse_iso,
    parse_period,
    parse_periods,
)

XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


def bounds(text: str) -> tuple[int, int, bool]:
    p = parse_period(text)
    assert p is not None, f"{text!r} should be readable"
    return p.begin, p.end, p.uncertain


# ------------------------------------------------------------------ centuries


@pytest.mark.parametrize(
    ("text", "begin", "end"),
    [
        ("17e siècle", 1601, 1700),
        ("1er siècle", 1, 100),
        ("20e siècle", 1901, 2000),
        ("17ème siècle", 1601, 1700),
        ("17è siècle", 1601, 1700),
        ("17eme siecle", 1601, 1700),
        ("17e s.", 1601, 1700),
        ("17E SIÈCLE", 1601, 1700),
        ("  17e    siècle  ", 1601, 1700),
        ("XVIIe siècle", 1601, 1700),
        ("XVIIème siècle", 1601, 1700),
        ("xixe siecle", 1801, 1900),
        ("IVe siècle", 301, 400),
        ("Ier siècle", 1, 100),
        ("premier siècle", 1, 100),
        ("17ᵉ siècle", 1601, 1700),
        ("16e siècles", 1501, 1600),
        ("2e siècle ap. J.-C.", 101, 200),
    ],
)
def test_centuries(text: str, begin: int, end: int) -> None:
    assert bounds(text) == (begin, end, False)


@pytest.mark.parametrize(
    ("text", "begin", "end"),
    [
        ("1er quart 17e siècle", 1601, 1625),
        ("2e quart 17e siècle", 1626, 1650),
        ("3e quart 17e siècle", 1651, 1675),
        ("4e quart 17e siècle", 1676, 1700),
        ("1er quart 20e siècle", 1901, 1925),
        ("4e quart 19e siècle", 1876, 1900),
        ("dernier quart 19e siècle", 1876, 1900),
        ("2ème quart du XVIIe siècle", 1626, 1650),
        ("1ᵉʳ quart 20ᵉ siècle", 1901, 1925),
        ("1ère moitié 19e siècle", 1801, 1850),
        ("1re moitié 19e siècle", 1801, 1850),
        ("premiere moitie 19e siecle", 1801, 1850),
        ("2e moitié 19e siècle", 1851, 1900),
        ("2nde moitié 19e siècle", 1851, 1900),
        ("1er tiers 16e siècle", 1501, 1533),
        ("2e tiers 16e siècle", 1534, 1566),
        ("3e tiers 16e siècle", 1567, 1600),
        ("début 18e siècle", 1701, 1720),
        ("debut du 18e s.", 1701, 1720),
        ("milieu 18e siècle", 1740, 1760),
        ("milieu du XVIIIe siècle", 1740, 1760),
        ("fin 18e siècle", 1780, 1800),
        ("Fin XVIIIe siècle", 1780, 1800),
    ],
)
def test_century_parts(text: str, begin: int, end: int) -> None:
    assert bounds(text) == (begin, end, False)


@pytest.mark.parametrize(
    ("text", "begin", "end"),
    [
        ("limite 15e siècle 16e siècle", 1490, 1510),
        ("limite 16e 17e siècle", 1590, 1610),
        ("limite 16e siècle - 17e siècle", 1590, 1610),
        ("limite des XVe et XVIe siècles", 1490, 1510),
        ("limite 2e siècle 1er siècle av JC", -110, -90),
        ("limite 1er siècle av JC 1er siècle", -10, 10),
    ],
)
def test_century_limits(text: str, begin: int, end: int) -> None:
    assert bounds(text) == (begin, end, False)


# ------------------------------------------------------------------ BC


@pytest.mark.parametrize(
    "text",
    [
        "4e quart 1er siècle av JC",
        "4e quart 1er siècle av. J.-C.",
        "4e quart 1er siècle avant J.-C.",
        "4e quart 1er siècle av J-C",
        "4e quart 1er siècle BC",
        "4e quart Ier s. av. J.-C.",
    ],
)
def test_bc_quarter(text: str) -> None:
    p = parse_period(text)
    assert p is not None
    assert (p.begin, p.end) == (-24, 0)  # 25 BC .. 1 BC
    assert p.begin_datetime() == "-0024-01-01T00:00:00"
    assert p.end_datetime() == "0000-12-31T23:59:59"


@pytest.mark.parametrize(
    ("text", "begin", "end"),
    [
        ("1er siècle av JC", -99, 0),
        ("5e siècle av JC", -499, -400),
        ("Ve siècle avant J.-C.", -499, -400),
        ("1er quart 1er siècle av JC", -99, -75),
        ("2e moitié 5e siècle av JC", -449, -400),
        ("début 5e siècle av JC", -499, -480),
        ("fin 1er siècle av JC", -20, 0),
        ("52 av JC", -51, -51),
        ("52 av. J.-C.", -51, -51),
        ("1 av JC", 0, 0),
        ("entre 200 et 150 av JC", -199, -149),
        ("de 52 av JC à 14 ap JC", -51, 14),
        ("14 ap JC", 14, 14),
    ],
)
def test_bc_bounds(text: str, begin: int, end: int) -> None:
    assert bounds(text) == (begin, end, False)


def test_bc_datetimes() -> None:
    p = parse_period("5e siècle av JC")
    assert p is not None
    assert p.begin_datetime() == "-0499-01-01T00:00:00"
    assert p.end_datetime() == "-0400-12-31T23:59:59"
    p = parse_period("52 av JC")
    assert p is not None
    assert (p.begin_datetime(), p.end_datetime()) == ("-0051-01-01T00:00:00", "-0051-12-31T23:59:59")


def test_ad_datetimes() -> None:
    p = parse_period("3e quart 17e siècle")
    assert p is not None
    assert p.begin_datetime() == "1651-01-01T00:00:00"
    assert p.end_datetime() == "1675-12-31T23:59:59"
    p = parse_period("1er siècle")
    assert p is not None
    assert (p.begin_datetime(), p.end_datetime()) == ("0001-01-01T00:00:00", "0100-12-31T23:59:59")


# ------------------------------------------------------------------ years, dates, ranges


@pytest.mark.parametrize(
    ("text", "begin", "end"),
    [
        ("1887", 1887, 1887),
        ("987", 987, 987),
        ("en 1887", 1887, 1887),
        ("1850-1870", 1850, 1870),
        ("1850 - 1870", 1850, 1870),
        ("1850 – 1870", 1850, 1870),
        ("1850 / 1870", 1850, 1870),
        ("1850/1870", 1850, 1870),
        ("entre 1850 et 1870", 1850, 1870),
        ("entre 1820 et 1830", 1820, 1830),
        ("de 1850 à 1870", 1850, 1870),
        ("De 1850 a 1870", 1850, 1870),
        ("années 1920", 1920, 1929),
        ("années 1930", 1930, 1939),
        ("les années 1930", 1930, 1939),
        ("annees 1900", 1900, 1909),
        ("1850 ; 1870", 1850, 1870),
        ("1870;1850", 1850, 1870),
        ("1850 ;", 1850, 1850),
    ],
)
def test_years(text: str, begin: int, end: int) -> None:
    assert bounds(text) == (begin, end, False)


def days(text: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(P82a, P82b, P81a, P81b) as written in the graph."""
    p = parse_period(text)
    assert p is not None, f"{text!r} should be readable"
    return p.begin_datetime(), p.end_datetime(), p.inner_begin_datetime(), p.inner_end_datetime()


@pytest.mark.parametrize(
    "text",
    ["1886/11/30", "30/11/1886", "1886-11-30", "30 novembre 1886", "30 Novembre 1886", "le 30 novembre 1886",
     "30.11.1886", "30 nov. 1886", "[30 novembre 1886]"],
)
def test_full_dates_keep_the_day(text: str) -> None:
    day = ("1886-11-30T00:00:00", "1886-11-30T23:59:59")
    assert days(text) == day + day
    p = parse_period(text)
    assert p is not None and p.start == p.stop == p.inner_start == p.inner_stop == (1886, 11, 30)
    assert not p.uncertain


@pytest.mark.parametrize(
    ("text", "start", "stop"),
    [
        ("1er mai 1886", (1886, 5, 1), (1886, 5, 1)),
        ("novembre 1886", (1886, 11, 1), (1886, 11, 30)),
        ("février 1900", (1900, 2, 1), (1900, 2, 28)),  # 1900 is not a leap year
        ("février 2000", (2000, 2, 1), (2000, 2, 29)),
        ("29/02/1904", (1904, 2, 29), (1904, 2, 29)),
        ("du 3 mai 1850 au 4 juin 1851", (1850, 5, 3), (1851, 6, 4)),
        ("1850-05-03 / 1851-06-04", (1850, 5, 3), (1851, 6, 4)),
        ("entre 1850 et le 4 juin 1851", (1850, 1, 1), (1851, 6, 4)),
    ],
)
def test_months_and_day_ranges(text: str, start: tuple, stop: tuple) -> None:
    p = parse_period(text)
    assert p is not None and (p.start, p.stop) == (start, stop)


# ------------------------------------------------------------------ century ranges


@pytest.mark.parametrize(
    ("text", "begin", "end"),
    [
        ("XVe-XVIe siècles", 1401, 1600),
        ("XVe - XVIe siècle", 1401, 1600),
        ("16e-17e siècle", 1501, 1700),
        ("16e siècle-17e siècle", 1501, 1700),
        ("15e et 16e siècles", 1401, 1600),
        ("entre le 15e et le 16e siècle", 1401, 1600),
        ("du XVe au XVIIe siècle", 1401, 1700),
        ("XVe siècle", 1401, 1500),
        ("IIe-Ier siècle av JC", -199, 0),
    ],
)
def test_century_ranges(text: str, begin: int, end: int) -> None:
    assert bounds(text) == (begin, end, False)


@pytest.mark.parametrize("text", ["17e-16e siècle", "16e-16e siècle", "entre le 15e - le 16e siècle", "16e au 17e siècle"])
def test_century_ranges_refused(text: str) -> None:
    assert parse_period(text) is None


# ------------------------------------------------------------------ approximation and doubt


@pytest.mark.parametrize(
    "text",
    ["vers 1620", "1620 vers", "VERS 1620", "environ 1620", "1620 environ", "env. 1620", "circa 1620", "v. 1620",
     "c. 1620", "1620 ca", "ca. 1620", "ca 1620", "[ca 1620]", "[vers 1620]", "(vers 1620)"],
)
def test_approximate_year_is_widened(text: str) -> None:
    # P82a/P82b are the outer bounds, widened by the documented margin; P81a/P81b keep 1620.
    assert APPROXIMATION_MARGIN_YEARS == 10
    assert days(text) == ("1610-01-01T00:00:00", "1630-12-31T23:59:59",
                          "1620-01-01T00:00:00", "1620-12-31T23:59:59")
    p = parse_period(text)
    assert p is not None and p.uncertain and (p.begin, p.end) == (1610, 1630)


@pytest.mark.parametrize(
    ("text", "outer", "inner"),
    [
        ("[ca 1890]", (1880, 1900), (1890, 1890)),
        ("1520 VERS", (1510, 1530), (1520, 1520)),
        ("vers 52 av. J.-C.", (-61, -41), (-51, -51)),
        ("vers 1850-1870", (1840, 1880), (1850, 1870)),
        ("vers les années 1930", (1920, 1949), (1930, 1939)),
        ("vers le milieu du 18e siècle", (1730, 1770), (1740, 1760)),
        ("vers Louis XIV", (1633, 1725), (1643, 1715)),
    ],
)
def test_approximate_outer_and_inner(text: str, outer: tuple, inner: tuple) -> None:
    p = parse_period(text)
    assert p is not None and p.uncertain
    assert (p.begin, p.end) == outer
    assert (p.inner_start[0], p.inner_stop[0]) == inner  # type: ignore[index]


def test_approximate_day_uses_the_fine_margin() -> None:
    assert APPROXIMATION_MARGIN_FINE == 1
    assert days("vers le 30 novembre 1886") == ("1885-11-30T00:00:00", "1887-11-30T23:59:59",
                                                "1886-11-30T00:00:00", "1886-11-30T23:59:59")
    p = parse_period("vers le 29 février 1904")
    assert p is not None and (p.start, p.stop) == ((1903, 2, 28), (1905, 2, 28))


def test_approximate_end_stops_at_the_current_year() -> None:
    this_year = date.today().year
    p = parse_period(f"vers {this_year - 2}")
    assert p is not None and p.end == this_year and p.inner_stop == (this_year - 2, 12, 31)


def test_one_or_the_other() -> None:
    assert bounds("1535 ou 1536") == (1535, 1536, True)
    assert bounds("1535 ou 1536 ; 1540") == (1535, 1540, True)
    assert parse_period("1536 ou 1535") is None


@pytest.mark.parametrize(
    ("text", "begin", "end"),
    [
        ("1887 ?", 1887, 1887),
        ("1887?", 1887, 1887),
        ("1887 (?)", 1887, 1887),
        ("19e siècle (?)", 1801, 1900),
        ("19e siècle ?", 1801, 1900),
        ("2e quart 17e siècle (?)", 1626, 1650),
        ("limite 15e siècle 16e siècle (?)", 1490, 1510),
        ("Moyen Âge (?)", 476, 1492),
    ],
)
def test_doubt_keeps_the_bounds(text: str, begin: int, end: int) -> None:
    # '?' says the attribution is doubtful, not that the date is approximate: no widening.
    assert bounds(text) == (begin, end, True)
    p = parse_period(text)
    assert p is not None and (p.inner_start, p.inner_stop) == (p.start, p.stop)


def test_exact_periods_have_inner_equal_to_outer() -> None:
    assert days("2e quart 17e siècle") == ("1626-01-01T00:00:00", "1650-12-31T23:59:59",
                                           "1626-01-01T00:00:00", "1650-12-31T23:59:59")


def test_uncertain_keeps_text() -> None:
    p = parse_period("  1520 VERS ")
    assert p is not None and p.text == "1520 VERS" and p.uncertain


# ------------------------------------------------------------------ open bounds


@pytest.mark.parametrize(
    ("text", "begin", "end"),
    [
        ("avant 1789", None, "1788-12-31T23:59:59"),
        ("Avant 1789", None, "1788-12-31T23:59:59"),
        ("antérieur à 1789", None, "1788-12-31T23:59:59"),
        ("avant le 14 juillet 1789", None, "1789-07-13T23:59:59"),
        ("avant le 17e siècle", None, "1600-12-31T23:59:59"),
        ("avant 52 av. J.-C.", None, "-0052-12-31T23:59:59"),
        ("après 1850", "1851-01-01T00:00:00", None),
        ("apres 1850", "1851-01-01T00:00:00", None),
        ("postérieur à 1850", "1851-01-01T00:00:00", None),
        ("après le 31 décembre 1850", "1851-01-01T00:00:00", None),
        ("jusqu'en 1914", None, "1914-12-31T23:59:59"),
        ("à partir de 1920", "1920-01-01T00:00:00", None),
        ("depuis 1920", "1920-01-01T00:00:00", None),
        ("Époque contemporaine", "1789-01-01T00:00:00", None),
    ],
)
def test_open_bounds(text: str, begin: str | None, end: str | None) -> None:
    # One bound only, and no inner bounds: nothing is invented for the open side.
    assert days(text) == (begin, end, None, None)


def test_vers_widens_an_open_bound() -> None:
    assert days("avant vers 1789") == (None, "1798-12-31T23:59:59", None, None)


# ------------------------------------------------------------------ named periods


@pytest.mark.parametrize(
    ("text", "start", "stop"),
    [
        ("Paléolithique inférieur", (-1198050, 1, 1), (-348050, 12, 31)),
        ("paleolithique inferieur", (-1198050, 1, 1), (-348050, 12, 31)),
        ("Paléolithique moyen", (-348050, 1, 1), (-43050, 12, 31)),
        ("Paléolithique supérieur", (-43050, 1, 1), (-9750, 12, 31)),
        ("Mésolithique", (-9699, 1, 1), (-4999, 12, 31)),
        ("Néolithique", (-4999, 1, 1), (-1999, 12, 31)),
        ("Âge du bronze", (-1999, 1, 1), (-799, 12, 31)),
        ("Age du Bronze", (-1999, 1, 1), (-799, 12, 31)),
        ("Âge du fer", (-799, 1, 1), (-51, 12, 31)),
        ("Hallstatt", (-799, 1, 1), (-449, 12, 31)),
        ("La Tène", (-449, 1, 1), (-51, 12, 31)),
        ("Gallo-romain", (-51, 1, 1), (486, 12, 31)),
        ("époque gallo-romaine", (-51, 1, 1), (486, 12, 31)),
        ("Haut-Empire", (-26, 1, 1), (235, 12, 31)),
        ("Moyen Âge", (476, 1, 1), (1492, 12, 31)),
        ("Moyen-Age", (476, 1, 1), (1492, 12, 31)),
        ("Haut Moyen Âge", (476, 1, 1), (1000, 12, 31)),
        ("Bas Moyen Âge", (1301, 1, 1), (1492, 12, 31)),
        ("Mérovingien", (481, 1, 1), (751, 12, 31)),
        ("époque carolingienne", (751, 1, 1), (987, 12, 31)),
        ("Renaissance", (1494, 1, 1), (1610, 12, 31)),
        ("Époque moderne", (1492, 1, 1), (1789, 12, 31)),
        ("Louis XIV", (1643, 5, 14), (1715, 9, 1)),
        ("époque Louis XV", (1715, 9, 1), (1774, 5, 10)),
        ("Louis XVI", (1774, 5, 10), (1792, 9, 21)),
        ("Empire", (1804, 5, 18), (1815, 12, 31)),
        ("Premier Empire", (1804, 5, 18), (1815, 12, 31)),
        ("Restauration", (1814, 1, 1), (1830, 8, 2)),
        ("Monarchie de Juillet", (1830, 8, 9), (1848, 2, 24)),
        ("Second Empire", (1852, 12, 2), (1870, 9, 4)),
        ("Troisième République", (1870, 9, 4), (1940, 7, 10)),
        ("IIIe République", (1870, 9, 4), (1940, 7, 10)),
    ],
)
def test_named_periods(text: str, start: tuple, stop: tuple) -> None:
    p = parse_period(text)
    assert p is not None and (p.start, p.stop) == (start, stop) and not p.uncertain


def test_named_periods_have_a_source() -> None:
    data = json.loads(NAMED_PERIODS_FILE.read_text(encoding="utf-8"))
    assert len(data["periods"]) >= 40
    for entry in data["periods"]:
        assert entry["source"] in data["sources"], entry["labels"]
        assert entry["labels"] and ("begin" in entry)


def test_named_period_bc_datetimes() -> None:
    assert days("Paléolithique inférieur")[:2] == ("-1198050-01-01T00:00:00", "-348050-12-31T23:59:59")
    assert days("La Tène")[:2] == ("-0449-01-01T00:00:00", "-0051-12-31T23:59:59")


@pytest.mark.parametrize("text", ["style Louis XV", "Louis XXV", "Néolithique tardif inconnu", "Empire ottoman"])
def test_unknown_names_are_not_read(text: str) -> None:
    assert parse_period(text) is None


# ------------------------------------------------------------------ several values


def test_multiple_values_combined() -> None:
    p = parse_period("4e quart 19e siècle ; 1er quart 20e siècle")
    assert p is not None and p.text == "4e quart 19e siècle ; 1er quart 20e siècle"
    assert (p.begin, p.end, p.uncertain) == (1876, 1925, False)
    p = parse_period("2e moitié 19e siècle ; 1er quart 20e siècle")
    assert p is not None and (p.begin, p.end) == (1851, 1925)
    p = parse_period("17e siècle ; 1650 (?)")
    assert p is not None and (p.begin, p.end, p.uncertain) == (1601, 1700, True)
    p = parse_period("1850 ; gallo-romain")
    assert p is not None and (p.begin, p.end) == (-51, 1850)


@pytest.mark.parametrize("text", ["17e siècle ; xyz", "; ; ", "1850 ; 17e"])
def test_multiple_values_any_unreadable(text: str) -> None:
    assert parse_period(text) is None


def test_campaigns_are_separate_periods() -> None:
    # Two building campaigns: two spans, not one 1576-2000 span.
    first, second = parse_periods("4e quart 16e siècle ; 20e siècle")
    assert (first.text, first.begin, first.end) == ("4e quart 16e siècle", 1576, 1600)
    assert (second.text, second.begin, second.end) == ("20e siècle", 1901, 2000)
    assert parse_periods("vers 1620 ; 1886/11/30")[1].start == (1886, 11, 30)
    assert parse_periods("") == []


def test_campaigns_keep_unread_parts_as_text() -> None:
    parts = campaigns("12e siècle ; restauré ; 2e moitié 19e siècle")
    assert [text for text, _ in parts] == ["12e siècle", "restauré", "2e moitié 19e siècle"]
    assert [None if p is None else (p.begin, p.end) for _, p in parts] == [(1101, 1200), None, (1851, 1900)]
    assert parse_periods("12e siècle ; restauré") == [parse_period("12e siècle")]


# ------------------------------------------------------------------ combine


def test_combine() -> None:
    a = parse_period("2e quart 17e siècle")
    b = parse_period("vers 1700")
    c = parse_period("52 av JC")
    assert a is not None and b is not None and c is not None
    ab = combine([a, b])
    assert ab is not None and ab.text == "2e quart 17e siècle ; vers 1700" and ab.uncertain
    assert (ab.start, ab.stop) == ((1626, 1, 1), (1710, 12, 31))  # outer: b's widened end
    assert (ab.inner_start, ab.inner_stop) == ((1626, 1, 1), (1700, 12, 31))
    ac = combine([a, c])
    assert ac is not None and (ac.begin, ac.end, ac.uncertain) == (-51, 1650, False)
    assert combine(iter([a])) == a
    assert combine([]) is None
    assert combine(p for p in ()) is None


def test_combine_with_an_open_period_is_open() -> None:
    a, b = parse_period("avant 1789"), parse_period("17e siècle")
    assert a is not None and b is not None
    both = combine([a, b])
    assert both is not None and both.start is None and both.stop == (1788, 12, 31)
    assert both.inner_start is None and both.inner_stop is None


def test_period_rejects_inverted_bounds() -> None:
    with pytest.raises(ValueError):
        Period("x", 1700, 1600, False)
    with pytest.raises(ValueError):
        Period("x", None, None)
    with pytest.raises(ValueError):
        Period.of("x", (1600, 1, 1), (1700, 12, 31), inner=((1500, 1, 1), (1600, 1, 1)))


def test_period_from_years() -> None:
    p = Period("x", 1600, 1700)
    assert (p.start, p.stop, p.inner_start, p.inner_stop) == ((1600, 1, 1), (1700, 12, 31), (1600, 1, 1), (1700, 12, 31))


# ------------------------------------------------------------------ ISO 8601 (EAD normal)


@pytest.mark.parametrize(
    ("normal", "start", "stop"),
    [
        ("1921/1922", (1921, 1, 1), (1922, 12, 31)),
        ("1995-01-01/1997-12-31", (1995, 1, 1), (1997, 12, 31)),
        ("19950315", (1995, 3, 15), (1995, 3, 15)),
        ("1850-03/1851", (1850, 3, 1), (1851, 12, 31)),
        ("0000/0010", (0, 1, 1), (10, 12, 31)),
    ],
)
def test_parse_iso(normal: str, start: tuple, stop: tuple) -> None:
    p = parse_iso(normal)
    assert p is not None and (p.start, p.stop) == (start, stop)


@pytest.mark.parametrize("normal", ["", "1922/1921", "1995-13", "1995-02-30", "a/b", "1/2/3", "3000"])
def test_parse_iso_refuses(normal: str) -> None:
    assert parse_iso(normal) is None


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "xyz",
        "17e",
        "XVIIe",
        "1er quart",
        "2e moitié",
        "milieu",
        "99e siècle",
        "22e siècle",
        "4e quart 21e siècle",
        "0e siècle",
        "5e quart 17e siècle",
        "3e moitié 17e siècle",
        "4e tiers 17e siècle",
        "IIIIIe siècle",
        "3000",
        str(date.today().year + 1),
        "0",
        "17",
        "52",
        "186?",
        "18??",
        "1850-70",
        "1870-1850",
        "entre 1850 - 1870",
        "de 1850 et 1870",
        "1850 et 1870",
        "1887/13/21",
        "31/02/1887",
        "29/02/1900",
        "31 juin 1887",
        "années 1925",
        "années 20",
        "limite 15e 17e siècle",
        "limite 16e 15e siècle",
        "limite 15e siècle",
        "17e siècle (restauré)",
        "vers",
        "avant",
        "avant travaux",
        "?",
        "(?)",
        "-1850",
    ],
)
def test_unreadable(text: str) -> None:
    assert parse_period(text) is None


def test_not_a_string() -> None:
    assert parse_period(None) is None  # type: ignore[arg-type]
    assert campaigns(None) == []  # type: ignore[arg-type]


# ------------------------------------------------------------------ oxigraph


def test_oxigraph_reads_bc_datetimes() -> None:
    pyoxigraph = pytest.importorskip("pyoxigraph")
    p = parse_period("4e quart 1er siècle av JC")
    q = parse_period("5e siècle av JC")
    assert p is not None and q is not None
    dt = pyoxigraph.NamedNode(XSD_DATETIME)
    store = pyoxigraph.Store()
    pred = pyoxigraph.NamedNode("http://example.org/at")
    values = {
        "p-begin": p.begin_datetime(),
        "p-end": p.end_datetime(),
        "q-begin": q.begin_datetime(),
        "q-end": q.end_datetime(),
    }
    for name, lexical in values.items():
        subject = pyoxigraph.NamedNode(f"http://example.org/{name}")
        store.add(pyoxigraph.Quad(subject, pred, pyoxigraph.Literal(lexical, datatype=dt)))
    rows = store.query(
        "SELECT ?s (YEAR(?d) AS ?y) WHERE { ?s <http://example.org/at> ?d } ORDER BY ?d"
    )
    got = [(r["s"].value.rsplit("/", 1)[1], int(r["y"].value)) for r in rows]
    # Oxigraph follows XSD 1.1: '-0024' is year -24 (25 BC), '0000' is year 0 (1 BC),
    # and YEAR() returns those astronomical numbers; ORDER BY sorts them chronologically.
    assert got == [("q-begin", -499), ("q-end", -400), ("p-begin", -24), ("p-end", 0)]


# ------------------------------------------------------------------ the graph: time-span bounds and unread values


def _timespan_bounds(texts: list[str]) -> dict[str, str]:
    pyoxigraph = pytest.importorskip("pyoxigraph")
    from graph.iri import Minter
    from graph.mapping import MappingContext

    ctx = MappingContext(Minter(), "test", region=None)
    event = ctx.m.pop("PA00000001")[:-1] + "#production>"
    ctx.dated(event, texts)
    store = pyoxigraph.Store()
    store.load("".join(ctx.b.take()).encode(), pyoxigraph.RdfFormat.N_TRIPLES)
    rows = store.query("""PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/>
        SELECT ?p ?v WHERE { ?e crm:P4_has_time-span ?ts . ?ts ?p ?v FILTER(STRSTARTS(STR(?p), STR(crm:))) }""")
    return {r["p"].value.rsplit("/", 1)[1]: r["v"].value for r in rows}


def test_timespan_has_outer_and_inner_bounds() -> None:
    assert _timespan_bounds(["vers 1620"]) == {
        "P82a_begin_of_the_begin": "1610-01-01T00:00:00",
        "P82b_end_of_the_end": "1630-12-31T23:59:59",
        "P81a_end_of_the_begin": "1620-01-01T00:00:00",
        "P81b_begin_of_the_end": "1620-12-31T23:59:59",
    }


def test_timespan_of_an_open_period_has_one_bound() -> None:
    assert _timespan_bounds(["avant 1789"]) == {"P82b_end_of_the_end": "1788-12-31T23:59:59"}


def test_unread_periods_are_listed_with_their_record() -> None:
    from graph.iri import Minter
    from graph.mapping import MappingContext, Unread

    ctx = MappingContext(Minter(), "test", region=None)
    record = ctx.m.pop("PA00000001")
    ctx.dated(record[:-1] + "#production>", ["17e siècle", "restauré"])
    ctx.dated_normal(record[:-1] + "#creation>", [("s.d.", None)])
    assert ctx.periods_unread == 2
    assert ctx.unread == [Unread("period", "restauré", record), Unread("period", "s.d.", record)]
