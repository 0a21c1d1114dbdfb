"""Tests for graph.periods: POP period expressions -> astronomical year bounds."""

from __future__ import annotations

from datetime import date

import pytest

from graph.periods import Period, combine, parse_period

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
        ("1887/05/21", 1887, 1887),
        ("21/05/1887", 1887, 1887),
        ("1887-05-21", 1887, 1887),
        ("21.05.1887", 1887, 1887),
        ("1850-1870", 1850, 1870),
        ("1850 - 1870", 1850, 1870),
        ("1850 – 1870", 1850, 1870),
        ("1850 / 1870", 1850, 1870),
        ("1850/1870", 1850, 1870),
        ("entre 1850 et 1870", 1850, 1870),
        ("de 1850 à 1870", 1850, 1870),
        ("De 1850 a 1870", 1850, 1870),
        ("années 1920", 1920, 1929),
        ("annees 1900", 1900, 1909),
        ("1850 ; 1870", 1850, 1870),
        ("1870;1850", 1850, 1870),
        ("1850 ;", 1850, 1850),
    ],
)
def test_years(text: str, begin: int, end: int) -> None:
    assert bounds(text) == (begin, end, False)


# ------------------------------------------------------------------ uncertainty


@pytest.mark.parametrize(
    ("text", "begin", "end"),
    [
        ("vers 1620", 1620, 1620),
        ("1620 vers", 1620, 1620),
        ("1520 VERS", 1520, 1520),
        ("environ 1620", 1620, 1620),
        ("1620 environ", 1620, 1620),
        ("circa 1620", 1620, 1620),
        ("v. 1620", 1620, 1620),
        ("c. 1620", 1620, 1620),
        ("1620 ca", 1620, 1620),
        ("ca. 1620", 1620, 1620),
        ("1887 ?", 1887, 1887),
        ("1887?", 1887, 1887),
        ("1887 (?)", 1887, 1887),
        ("19e siècle (?)", 1801, 1900),
        ("19e siècle ?", 1801, 1900),
        ("2e quart 17e siècle (?)", 1626, 1650),
        ("limite 15e siècle 16e siècle (?)", 1490, 1510),
        ("vers 52 av. J.-C.", -51, -51),
        ("1850 ; vers 1870", 1850, 1870),
    ],
)
def test_uncertain(text: str, begin: int, end: int) -> None:
    assert bounds(text) == (begin, end, True)


def test_uncertain_keeps_text_and_span() -> None:
    p = parse_period("  1520 VERS ")
    assert p == Period(text="1520 VERS", begin=1520, end=1520, uncertain=True)


# ------------------------------------------------------------------ several values


def test_multiple_values_combined() -> None:
    p = parse_period("4e quart 19e siècle ; 1er quart 20e siècle")
    assert p == Period("4e quart 19e siècle ; 1er quart 20e siècle", 1876, 1925, False)
    p = parse_period("2e moitié 19e siècle ; 1er quart 20e siècle")
    assert p is not None and (p.begin, p.end) == (1851, 1925)
    p = parse_period("17e siècle ; 1650 (?)")
    assert p is not None and (p.begin, p.end, p.uncertain) == (1601, 1700, True)


@pytest.mark.parametrize("text", ["1850 ; gallo-romain", "17e siècle ; xyz", "; ; ", "1850 ; 17e"])
def test_multiple_values_any_unreadable(text: str) -> None:
    assert parse_period(text) is None


# ------------------------------------------------------------------ combine


def test_combine() -> None:
    a = Period("2e quart 17e siècle", 1626, 1650, False)
    b = Period("vers 1700", 1700, 1700, True)
    c = Period("52 av JC", -51, -51, False)
    assert combine([a, b]) == Period("2e quart 17e siècle ; vers 1700", 1626, 1700, True)
    assert combine([a, c]) == Period("2e quart 17e siècle ; 52 av JC", -51, 1650, False)
    assert combine(iter([a])) == a
    assert combine([]) is None
    assert combine(p for p in ()) is None


def test_period_rejects_inverted_bounds() -> None:
    with pytest.raises(ValueError):
        Period("x", 1700, 1600, False)


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "gallo-romain",
        "Moyen Age",
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
        "années 1925",
        "années 20",
        "limite 15e 17e siècle",
        "limite 16e 15e siècle",
        "limite 15e siècle",
        "17e siècle (restauré)",
        "vers",
        "?",
        "(?)",
        "-1850",
    ],
)
def test_unreadable(text: str) -> None:
    assert parse_period(text) is None


def test_not_a_string() -> None:
    assert parse_period(None) is None  # type: ignore[arg-type]


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
