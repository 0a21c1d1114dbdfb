"""Read French heritage period expressions (POP SCLE, MILL, PERI, DATE; archives; libraries) into time bounds.

Values such as ``2e quart 17e siècle``, ``XVe-XVIe siècles``, ``vers 1620``, ``30 novembre 1886``,
``avant 1789``, ``Paléolithique inférieur`` or ``4e quart 1er siècle av JC`` become a
:class:`Period`: the **outer** bounds (CIDOC-CRM ``P82a_begin_of_the_begin`` /
``P82b_end_of_the_end``: the span surely lies within them) and the **inner**, most probable
bounds (``P81a_end_of_the_begin`` / ``P81b_begin_of_the_end``: the reading as written), each
to the day. :func:`parse_periods` reads each ``;``-separated campaign on its own (one
production part per campaign); :func:`parse_period` gives the span covering them all;
:func:`campaigns` keeps the unreadable parts with their text. Nothing is guessed: a value that
cannot be read gives ``None`` and stays text.

Conventions
-----------
* Years are astronomical (ISO 8601, XSD 1.1): 1 BC = 0, 2 BC = -1, 25 BC = -24. Every bound is
  inclusive. ``xsd:dateTime`` values are written the XSD 1.1 way (``0000`` is 1 BC, ``-0024``
  is 25 BC), which is what RDF 1.1, SPARQL engines such as Oxigraph and ISO 8601 use. An
  XSD 1.0 processor reads a negative year one year off (``-0024`` as 24 BC) and refuses year
  ``0000``: a test pins the XSD 1.1 reading with Oxigraph.
* The n-th century AD covers years (n-1)*100+1 .. n*100 (17th = 1601-1700); the n-th century
  BC covers n*100 BC .. (n-1)*100+1 BC (1st BC = -99..0).
* Parts of a century are offsets from its first (chronological) year, the same for AD and BC
  (``4e quart 1er siècle av JC`` is 25 BC-1 BC, -24..0): quarters 0-24, 25-49, 50-74, 75-99;
  halves 0-49, 50-99; thirds 0-32, 33-65, 66-99; ``début`` 0-19, ``milieu`` 39-59,
  ``fin`` 79-99; ``limite A B`` (consecutive centuries) is the last year of A +/- 10 years.
* ``1535 ou 1536`` (one or the other) covers both years and is marked ``uncertain``.
* Ranges cover both ends: ``XVe-XVIe siècles`` / ``16e-17e siècle`` = 1401-1600 / 1501-1700,
  ``1850-1870``, ``entre 1820 et 1830``, ``de 1850 à 1870``, ``du 3 mai 1850 au 4 juin 1851``.
* Full dates keep day precision: ``1886/11/30``, ``30/11/1886``, ``1886-11-30``,
  ``30 novembre 1886``; a month (``novembre 1886``) covers the month.
* ``années 1930`` = 1930-1939 (``années 30`` is not read: which century?).
* **Approximation** (``vers``, ``ca``, ``[ca 1890]``, ``circa``, ``environ``, ``env.``,
  ``v.``, ``c.``): the inner bounds are the value as written, the outer bounds are widened by
  :data:`APPROXIMATION_MARGIN_YEARS` (10) years on each side, or by
  :data:`APPROXIMATION_MARGIN_FINE` (1) year for a value given to the month or the day
  (``vers 1620`` = inner 1620, outer 1610-1630). The period is marked ``uncertain``.
* **Doubt** (``?``, ``(?)``): the attribution is doubtful, not approximate; the bounds are
  kept and the period is marked ``uncertain``. A ``?`` glued to a number with missing digits
  (``186?``, ``18??``) is refused.
* **Open bounds**: ``avant X`` / ``antérieur à X`` ends before X begins (``avant 1789``: outer
  end 1788-12-31, no begin); ``après X`` / ``postérieur à X`` begins after X ends
  (``après 1850``: outer begin 1851-01-01, no end); ``jusqu'en X`` ends with X,
  ``à partir de X`` / ``depuis X`` begins with X. An open period has no inner bounds.
* **Named periods** (archaeological and historical periods, reigns and regimes: ``Paléolithique
  inférieur``, ``Âge du bronze``, ``Gallo-romain``, ``Moyen Âge``, ``Louis XIV``, ``Second
  Empire``...) take their bounds from ``graph/data/periods.json``, where each one has its
  source. ``époque``/``période`` before the name is allowed (``époque gallo-romaine``).
* A bare year needs at least 3 digits (``987``); a 1-2 digit year is read only with an era
  marker (``52 av JC``). AD years after the current year are refused; a widened outer end
  stops at the end of the current year.
"""

from __future__ import annotations

import calendar
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

__all__ = [
    "Period", "Day", "parse_period", "parse_periods", "campaigns", "combine", "parse_iso",
    "APPROXIMATION_MARGIN_YEARS", "APPROXIMATION_MARGIN_FINE", "NAMED_PERIODS_FILE",
]

Day = tuple[int, int, int]  # (astronomical year, month, day)

APPROXIMATION_MARGIN_YEARS = 10
APPROXIMATION_MARGIN_FINE = 1  # years, for a value given to the month or the day
NAMED_PERIODS_FILE = Path(__file__).resolve().parent / "data" / "periods.json"

_MAX_YEAR = date.today().year
_MAX_BC_CENTURY = 100  # 10000 BC: beyond that, centuries are not how anyone dates things
_MAX_BC_YEAR = 99999


def _xsd_year(year: int) -> str:
    # XSD 1.1: at least 4 digits, year 0000 is 1 BC, a minus sign for earlier years.
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


def _first_instant(day: Day) -> str:
    return f"{_xsd_year(day[0])}-{day[1]:02d}-{day[2]:02d}T00:00:00"


def _last_instant(day: Day) -> str:
    return f"{_xsd_year(day[0])}-{day[1]:02d}-{day[2]:02d}T23:59:59"


def _days_in(year: int, month: int) -> int:
    """Days of a month in the proleptic Gregorian calendar, astronomical years (year 0 is leap)."""
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _valid_day(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= _days_in(year, month)


def _shift_years(day: Day, years: int) -> Day:
    y, m, d = day[0] + years, day[1], day[2]
    return y, m, min(d, _days_in(y, m))


def _next_day(day: Day) -> Day:
    y, m, d = day
    if d < _days_in(y, m):
        return y, m, d + 1
    return (y, m + 1, 1) if m < 12 else (y + 1, 1, 1)


def _previous_day(day: Day) -> Day:
    y, m, d = day
    if d > 1:
        return y, m, d - 1
    if m > 1:
        return y, m - 1, _days_in(y, m - 1)
    return y - 1, 12, 31


@dataclass(frozen=True, slots=True)
class Period:
    """A time-span read from a text: outer bounds (``start``..``stop``) and inner ones, to the day.

    ``begin``/``end`` are the years of the outer bounds (None when open). ``start``/``stop``
    default to the first/last day of those years; ``inner_start``/``inner_stop`` (the most
    probable reading) default to the outer bounds when the period is closed, and are None
    when it is open (``avant 1789``).
    """

    text: str
    begin: int | None
    end: int | None
    uncertain: bool = False
    start: Day | None = None
    stop: Day | None = None
    inner_start: Day | None = None
    inner_stop: Day | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.start is None and self.begin is not None:
            set_(self, "start", (self.begin, 1, 1))
        if self.stop is None and self.end is not None:
            set_(self, "stop", (self.end, 12, 31))
        if self.start is not None:
            set_(self, "begin", self.start[0])
        if self.stop is not None:
            set_(self, "end", self.stop[0])
        if self.start is None and self.stop is None:
            raise ValueError("a period needs at least one bound")
        if self.start is not None and self.stop is not None:
            if self.start > self.stop:
                raise ValueError(f"period begins after it ends: {self.start} > {self.stop}")
            if self.inner_start is None and self.inner_stop is None:
                set_(self, "inner_start", self.start)
                set_(self, "inner_stop", self.stop)
        for inner in (self.inner_start, self.inner_stop):
            if inner is not None and not (
                (self.start is None or self.start <= inner) and (self.stop is None or inner <= self.stop)
            ):
                raise ValueError(f"inner bound {inner} outside the outer bounds")

    @classmethod
    def of(cls, text: str, start: Day | None, stop: Day | None, uncertain: bool = False,
           inner: tuple[Day | None, Day | None] | None = None) -> Period:
        """A period from its bounds as days (``inner`` defaults to the outer bounds when closed)."""
        inner_start, inner_stop = inner if inner is not None else (None, None)
        return cls(text, start[0] if start else None, stop[0] if stop else None, uncertain,
                   start, stop, inner_start, inner_stop)

    # -- xsd:dateTime lexical forms (XSD 1.1 years) ------------------------------------
    def begin_datetime(self) -> str | None:
        """``P82a_begin_of_the_begin``: the first instant of the outer begin (None when open)."""
        return None if self.start is None else _first_instant(self.start)

    def end_datetime(self) -> str | None:
        """``P82b_end_of_the_end``: the last second of the outer end (None when open)."""
        return None if self.stop is None else _last_instant(self.stop)

    def inner_begin_datetime(self) -> str | None:
        """``P81a_end_of_the_begin``: the first instant of the most probable begin."""
        return None if self.inner_start is None else _first_instant(self.inner_start)

    def inner_end_datetime(self) -> str | None:
        """``P81b_begin_of_the_end``: the last second of the most probable end."""
        return None if self.inner_stop is None else _last_instant(self.inner_stop)


def combine(periods: Iterable[Period]) -> Period | None:
    """The smallest period covering all of ``periods`` (open if any is open); ``None`` when there are none."""
    items = list(periods)
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    starts = [p.start for p in items]
    stops = [p.stop for p in items]
    start = None if None in starts else min(s for s in starts if s is not None)
    stop = None if None in stops else max(s for s in stops if s is not None)
    inner_starts = [p.inner_start for p in items]
    inner_stops = [p.inner_stop for p in items]
    inner = None
    if start is not None and stop is not None and None not in inner_starts and None not in inner_stops:
        inner = (min(s for s in inner_starts if s is not None), max(s for s in inner_stops if s is not None))
    return Period.of(" ; ".join(p.text for p in items), start, stop, any(p.uncertain for p in items), inner)


def parse_period(text: str) -> Period | None:
    """The span covering every ``;``-separated part of ``text``; ``None`` if any part is unreadable."""
    if not isinstance(text, str):
        return None
    return _parse_whole(text.strip())


def campaigns(text: str) -> list[tuple[str, Period | None]]:
    """Each ``;``-separated part (a building campaign, a date) with its period, or None when unreadable.

    ``"4e quart 16e siècle ; 20e siècle"`` → two parts, 1576-1600 and 1901-2000.
    """
    if not isinstance(text, str):
        return []
    return [(part, _parse_part(part)) for part in _split(text)]


def parse_periods(text: str) -> list[Period]:
    """The period of each readable ``;``-separated part, in order (one production part per campaign)."""
    return [p for _, p in campaigns(text) if p is not None]


def parse_iso(normal: str) -> Period | None:
    """An ISO 8601 date or interval (EAD ``normal``: ``1921/1922``, ``1995-01-01/1997-12-31``, ``19950101``).

    Day and month precision are kept; years are astronomical as ISO 8601 says (``0000`` = 1 BC).
    """
    if not isinstance(normal, str):
        return None
    parts = [p.strip() for p in normal.strip().split("/")]
    if len(parts) > 2 or not all(parts):
        return None
    spans = [_iso_span(p) for p in parts]
    if any(s is None for s in spans):
        return None
    start, stop = spans[0][0], spans[-1][1]  # type: ignore[index]
    if start > stop or stop[0] > _MAX_YEAR:
        return None
    return Period.of(normal.strip(), start, stop)


_ISO_RE = re.compile(r"(-?\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?")


def _iso_span(part: str) -> tuple[Day, Day] | None:
    m = _ISO_RE.fullmatch(part)
    if m is None:
        return None
    year = int(m[1])
    if m[3]:
        day = (year, int(m[2]), int(m[3]))
        return (day, day) if _valid_day(*day) else None
    if m[2]:
        month = int(m[2])
        return ((year, month, 1), (year, month, _days_in(year, month))) if 1 <= month <= 12 else None
    return (year, 1, 1), (year, 12, 31)


# --------------------------------------------------------------------------- reading one part
# Regexes run on normalised text: lower case, no accents, era markers replaced by the tokens
# 'avjc' / 'apjc', uncertainty markers removed, brackets removed, single spaces.

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"} | {"\u2019": "'", "\u02bc": "'"})

_BC_RE = re.compile(
    r"(?<![a-z])(?:"
    r"av(?:ant|\.)?\s*j\s*\.?\s*-?\s*c\b\.?"
    r"|avant\s+notre\s+ere|av\.?\s*n\.?\s*e\b\.?"
    r"|b\.?\s?c\.?(?:e\b\.?)?"
    r")(?![a-z])"
)
_AD_RE = re.compile(
    r"(?<![a-z])(?:"
    r"ap(?:r(?:es)?)?\.?\s*j\s*\.?\s*-?\s*c\b\.?"
    r"|de\s+notre\s+ere|a\.d\.|ad"
    r")(?![a-z])"
)
# A '?' glued to a 1-3 digit number may stand for a missing digit ('186?'): refuse.
_DIGIT_WILDCARD_RE = re.compile(r"(?<!\d)\d{1,3}\?|\d{5,}\?")
_APPROX_RE = re.compile(r"\b(?:vers|environ|circa|ca|env)\b\.?|\b[vc]\.")
_DOUBT_RE = re.compile(r"\?")
_BRACKETS_RE = re.compile(r"[\[\]()]")
_SPACES_RE = re.compile(r"\s+")
_LEADING_RE = re.compile(r"^(?:(?:en|le|la|l'|au|aux)\s+|l')")

_ERA = r"(?:avjc|apjc)"
_SUFFIX = r"(?:\s?(?:ieme|eme|ere|er|re|nde|nd|e))?"
_SIECLE = r"(?:siecles?|s\.|s)(?![a-z])"


def _ord(name: str) -> str:
    return (
        rf"(?P<{name}>\d{{1,3}}|premiere|premier|secondes?|second|deuxieme|troisieme"
        rf"|quatrieme|derniere|dernier|[ivxl]+){_SUFFIX}"
    )


_CENTURY_RE = re.compile(
    rf"(?:{_ord('k')}\s*(?P<unit>quart|moitie|tiers)|(?P<pos>debut|milieu|fin))?\s*"
    rf"(?:du\s+)?{_ord('c')}\s*{_SIECLE}\s*(?P<era>{_ERA})?"
)
# 'XVe-XVIe siècles', '16e-17e siècle', '15e et 16e siècles', 'du 15e au 16e siècle'
_CENTURY_RANGE_RE = re.compile(
    rf"(?:(?P<kw>entre|du|de)\s+(?:les?\s+)?)?{_ord('c1')}\s*(?:{_SIECLE}\s*)?(?P<e1>{_ERA})?\s*"
    rf"(?P<sep>-|/|et|au|a)\s*(?:le\s+)?{_ord('c2')}\s*{_SIECLE}\s*(?P<e2>{_ERA})?"
)
_LIMIT_RE = re.compile(
    rf"limite\s+(?:(?:des|du|entre\s+les?)\s+)?{_ord('c1')}\s*(?:{_SIECLE}\s*)?(?P<e1>{_ERA})?\s*"
    rf"(?:(?:et|-|/|a)\s*)?{_ord('c2')}\s*{_SIECLE}\s*(?P<e2>{_ERA})?"
)
_YEAR_RE = re.compile(rf"(?P<y>\d{{1,5}})\s*(?P<era>{_ERA})?")
_ISO_DATE_RE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_FR_DATE_RE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})")
_MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}  # fmt: skip
_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WRITTEN_DATE_RE = re.compile(rf"(?:(?P<day>\d{{1,2}})\s*(?:er)?\s+)?{_MONTH}\s+(?P<year>\d{{3,4}})")
_DECADE_RE = re.compile(r"(?:les\s+)?annees\s+(\d{3}0)")
_ROMAN_RE = re.compile(r"l?x{0,3}(?:ix|iv|v?i{0,3})")
# Open bounds: keyword -> (which bound the expression gives, inclusive of the expression or not)
_OPEN_RE = re.compile(
    r"(?P<kw>avant|anterieure?s?\s+a|apres|posterieure?s?\s+a|jusqu'(?:en|a|au)|a\s+partir\s+de|depuis)"
    r"\s+(?:l'|le\s+|la\s+)?(?P<rest>.+)"
)
_RANGE_KEYWORD_RE = re.compile(r"(?P<kw>entre|de|du|des)\s+(?P<rest>.+)")
_RANGE_SEP_RE = re.compile(r"\s*(?:-|/)\s*|\s+(?:et|a|au|aux|ou)\s+(?:(?:le|la|l')\s*)?")
# Keywords that must go with a range separator.
_RANGE_SEPS = {None: {"-", "/", "ou"}, "entre": {"et"}, "de": {"a", "au"}, "du": {"a", "au"}, "des": {"a", "au", "aux"}}

_ORD_WORDS = {
    "premier": 1, "premiere": 1, "second": 2, "seconde": 2, "secondes": 2, "deuxieme": 2,
    "troisieme": 3, "quatrieme": 4, "dernier": -1, "derniere": -1,
}  # fmt: skip
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50}
_PARTS = {
    "quart": ((0, 24), (25, 49), (50, 74), (75, 99)),
    "moitie": ((0, 49), (50, 99)),
    "tiers": ((0, 32), (33, 65), (66, 99)),
}
_POSITIONS = {"debut": (0, 19), "milieu": (39, 59), "fin": (79, 99)}


@dataclass(frozen=True, slots=True)
class _Span:
    """What one expression says: its bounds (None = open) and whether it is given to the month or day."""

    start: Day | None
    stop: Day | None
    fine: bool = False
    doubt: bool = False  # one of two ('1535 ou 1536')


def _years(first: int, last: int) -> _Span:
    return _Span((first, 1, 1), (last, 12, 31))


def _ordinal(token: str) -> int | None:
    """Value of an ordinal token (digits, French word or roman numeral); -1 means 'last'."""
    if token.isdigit():
        return int(token)
    if token in _ORD_WORDS:
        return _ORD_WORDS[token]
    if not token or not _ROMAN_RE.fullmatch(token):
        return None
    total = 0
    for i, ch in enumerate(token):
        v = _ROMAN[ch]
        total += -v if i + 1 < len(token) and _ROMAN[token[i + 1]] > v else v
    return total


def _century(n: int | None, bc: bool) -> tuple[int, int] | None:
    """Astronomical bounds of the n-th century, or None if it makes no sense."""
    if n is None or n < 1:
        return None
    if bc:
        if n > _MAX_BC_CENTURY:
            return None
        return -n * 100 + 1, -(n - 1) * 100
    begin = (n - 1) * 100 + 1
    return (begin, n * 100) if begin <= _MAX_YEAR else None


def _year(digits: str, era: str | None) -> int | None:
    """Astronomical year of a written year, or None if impossible."""
    y = int(digits)
    if y < 1:
        return None
    if era == "avjc":
        return 1 - y if y <= _MAX_BC_YEAR else None
    return y if y <= _MAX_YEAR else None


def _normalise(part: str) -> tuple[str, bool, bool] | None:
    """Normalised text, approximation flag and doubt flag of one ';'-separated value."""
    s = unicodedata.normalize("NFKD", part.lower())
    s = "".join(c for c in s if not unicodedata.combining(c)).translate(_DASHES)
    # Era markers first: 'J.-C.' would otherwise lose its 'c.' as a 'circa'.
    s = _AD_RE.sub(" apjc ", _BC_RE.sub(" avjc ", s))
    if _DIGIT_WILDCARD_RE.search(s):
        return None
    s, approx = _APPROX_RE.subn(" ", s)
    s, doubt = _DOUBT_RE.subn(" ", s)
    s = _BRACKETS_RE.sub(" ", s)
    s = _SPACES_RE.sub(" ", s).strip(" ,.")
    return s, approx > 0, doubt > 0


def _read(s: str, ranges: bool = True) -> _Span | None:
    """What one normalised expression says, or None."""
    named = _named_periods().get(_name_key(s))
    if named is not None:
        return named
    s = _LEADING_RE.sub("", s)
    if m := _CENTURY_RE.fullmatch(s):
        return _century_part(m)
    if m := _LIMIT_RE.fullmatch(s):
        e2 = m["e2"]
        e1 = m["e1"] or e2  # 'limite 2e 1er siècle av JC': the trailing era covers both
        a = _century(_ordinal(m["c1"]), e1 == "avjc")
        b = _century(_ordinal(m["c2"]), e2 == "avjc")
        if a is None or b is None or a[1] + 1 != b[0]:
            return None
        edge = a[1]
        return _years(edge - 10, edge + 10) if edge - 10 <= _MAX_YEAR else None
    if m := _YEAR_RE.fullmatch(s):
        if m["era"] is None and len(m["y"]) < 3:
            return None
        y = _year(m["y"], m["era"])
        return None if y is None else _years(y, y)
    if m := _ISO_DATE_RE.fullmatch(s):
        return _day(int(m[1]), int(m[3]), int(m[4]))
    if m := _FR_DATE_RE.fullmatch(s):
        return _day(int(m[4]), int(m[3]), int(m[1]))
    if m := _WRITTEN_DATE_RE.fullmatch(s):
        month = _MONTHS[m["month"]]
        if m["day"]:
            return _day(int(m["year"]), month, int(m["day"]))
        year = int(m["year"])
        return _Span((year, month, 1), (year, month, _days_in(year, month)), fine=True) if year <= _MAX_YEAR else None
    if m := _DECADE_RE.fullmatch(s):
        y = int(m[1])
        return _years(y, y + 9) if 1 <= y <= _MAX_YEAR else None
    if m := _CENTURY_RANGE_RE.fullmatch(s):
        return _century_range(m)
    if m := _OPEN_RE.fullmatch(s):
        return _open(m["kw"], m["rest"])
    return _range(s) if ranges else None


def _century_part(m: re.Match[str]) -> _Span | None:
    century = _century(_ordinal(m["c"]), m["era"] == "avjc")
    if century is None:
        return None
    first = century[0]
    if m["unit"]:
        parts = _PARTS[m["unit"]]
        k = _ordinal(m["k"])
        if k == -1:
            k = len(parts)
        if k is None or not 1 <= k <= len(parts):
            return None
        lo, hi = parts[k - 1]
    elif m["pos"]:
        lo, hi = _POSITIONS[m["pos"]]
    else:
        return _years(*century)
    if first + lo > _MAX_YEAR:
        return None
    return _years(first + lo, first + hi)


def _century_range(m: re.Match[str]) -> _Span | None:
    kw, sep = m["kw"], m["sep"]
    if kw is None and sep not in ("-", "/", "et"):
        return None
    if kw is not None and sep not in _RANGE_SEPS[kw]:
        return None
    e2 = m["e2"]
    e1 = m["e1"] or e2
    a = _century(_ordinal(m["c1"]), e1 == "avjc")
    b = _century(_ordinal(m["c2"]), e2 == "avjc")
    if a is None or b is None or a[0] >= b[0]:
        return None
    return _years(a[0], b[1])


def _day(year: int, month: int, day: int) -> _Span | None:
    if not _valid_day(year, month, day) or year > _MAX_YEAR:
        return None
    return _Span((year, month, day), (year, month, day), fine=True)


def _open(keyword: str, rest: str) -> _Span | None:
    """``avant 1789``, ``après 1850``, ``jusqu'en 1914``, ``à partir de 1920``: one bound only."""
    span = _read(rest, ranges=False)
    if span is None or span.start is None or span.stop is None:
        return None
    if keyword == "avant" or keyword.startswith("anterieur"):
        return _Span(None, _previous_day(span.start), span.fine)
    if keyword == "apres" or keyword.startswith("posterieur"):
        return _Span(_next_day(span.stop), None, span.fine)
    if keyword.startswith("jusqu"):
        return _Span(None, span.stop, span.fine)
    return _Span(span.start, None, span.fine)  # à partir de, depuis


def _range(s: str) -> _Span | None:
    """``1850-1870``, ``entre 1820 et 1830``, ``du 3 mai 1850 au 4 juin 1851``, ``200-150 av JC``."""
    kw = None
    if m := _RANGE_KEYWORD_RE.fullmatch(s):
        kw, s = m["kw"], m["rest"]
    allowed = _RANGE_SEPS[kw]
    for sep in _RANGE_SEP_RE.finditer(s):
        word = sep.group().strip().split(" ")[0]
        if word not in allowed:
            continue
        left, right = s[: sep.start()].strip(), s[sep.end() :].strip()
        if not left or not right:
            continue
        era = re.search(rf"\s({_ERA})$", right)
        if era and not re.search(rf"{_ERA}$", left):
            left = f"{left} {era[1]}"  # '200-150 av JC': both BC
        a, b = _read(left, ranges=False), _read(right, ranges=False)
        if a is None or b is None or a.start is None or b.stop is None or a.stop is None or b.start is None:
            continue
        if a.start > b.stop or a.start > b.start:
            return None
        return _Span(a.start, b.stop, a.fine and b.fine, word == "ou")
    return None


# --------------------------------------------------------------------------- named periods

def _name_key(text: str) -> str:
    """'Époque gallo-romaine', 'gallo romaine' -> 'gallo romaine' (accents, case, punctuation, 'époque')."""
    s = unicodedata.normalize("NFKD", text.lower())
    s = "".join(c for c in s if not unicodedata.combining(c)).replace("œ", "oe").replace("æ", "ae")
    s = re.sub(r"[^0-9a-z]+", " ", s).strip()
    return re.sub(r"^(?:epoque|periode)\s+(?:(?:de|du|des|d)\s+)?", "", s)


def _bound(value: int | str, last: bool) -> Day:
    """A named period's bound: a year (its first or last day) or an ISO date ``1643-05-14``."""
    if isinstance(value, int):
        return (value, 12, 31) if last else (value, 1, 1)
    span = _iso_span(value)
    if span is None:
        raise ValueError(f"{NAMED_PERIODS_FILE.name}: bad bound {value!r}")
    return span[1] if last else span[0]


@cache
def _named_periods() -> dict[str, _Span]:
    data = json.loads(NAMED_PERIODS_FILE.read_text(encoding="utf-8"))
    out: dict[str, _Span] = {}
    for entry in data["periods"]:
        begin, end = entry.get("begin"), entry.get("end")
        span = _Span(None if begin is None else _bound(begin, False), None if end is None else _bound(end, True))
        for label in entry["labels"]:
            key = _name_key(label)
            if key in out and out[key] != span:
                raise ValueError(f"{NAMED_PERIODS_FILE.name}: {label!r} has two spans")
            out[key] = span
    return out


def named_periods() -> list[dict]:
    """The named periods of ``graph/data/periods.json`` (labels, bounds, source), for documentation."""
    return json.loads(NAMED_PERIODS_FILE.read_text(encoding="utf-8"))["periods"]


# --------------------------------------------------------------------------- whole values

def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]  # a stray ';' ('1850 ;') hides nothing


@lru_cache(maxsize=8192)  # POP fields repeat a few thousand distinct values
def _parse_part(part: str) -> Period | None:
    norm = _normalise(part)
    if norm is None or not norm[0]:
        return None
    s, approx, doubt = norm
    span = _read(s)
    if span is None:
        return None
    doubt = doubt or span.doubt
    if not approx:
        return Period.of(part, span.start, span.stop, doubt)
    margin = APPROXIMATION_MARGIN_FINE if span.fine else APPROXIMATION_MARGIN_YEARS
    start = None if span.start is None else _shift_years(span.start, -margin)
    stop = None if span.stop is None else min(_shift_years(span.stop, margin), max(span.stop, (_MAX_YEAR, 12, 31)))
    inner = (span.start, span.stop) if span.start is not None and span.stop is not None else (None, None)
    return Period.of(part, start, stop, True, inner)


@lru_cache(maxsize=8192)
def _parse_whole(text: str) -> Period | None:
    parts = _split(text)
    if not parts:
        return None
    periods = [_parse_part(p) for p in parts]
    if any(p is None for p in periods):
        return None
    if len(periods) == 1:
        p = periods[0]
        return p if p.text == text else Period.of(text, p.start, p.stop, p.uncertain, (p.inner_start, p.inner_stop))  # type: ignore[union-attr]
    covering = combine(p for p in periods if p is not None)
    assert covering is not None
    return Period.of(text, covering.start, covering.stop, covering.uncertain,
                     (covering.inner_start, covering.inner_stop))
