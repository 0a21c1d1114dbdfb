"""Parse French heritage period expressions (POP: Mérimée, Palissy, Joconde) into year bounds.

Fields SCLE, MILL, PERI and DATE hold values such as ``2e quart 17e siècle``,
``limite 15e siècle 16e siècle``, ``1520 VERS`` or ``4e quart 1er siècle av JC``.
:func:`parse_period` turns one value into a :class:`Period` (earliest begin year,
latest end year, uncertainty flag) used for CIDOC-CRM E52 time-spans, and returns
``None`` for anything it cannot read: it never guesses.

Conventions
-----------
* Years are astronomical: 1 BC = 0, 2 BC = -1, 25 BC = -24. ``begin`` and
  ``end`` are both inclusive.
* The n-th century AD covers years (n-1)*100+1 .. n*100: the 17th century is
  1601-1700, the 1st century is 1-100. The n-th century BC covers n*100 BC ..
  (n-1)*100+1 BC: the 1st century BC is 100 BC-1 BC (astronomical -99..0), the
  5th is 500 BC-401 BC (-499..-400).
* Parts of a century are offsets from its first (chronological) year, the same
  for AD and BC, so BC parts run forward in time like AD ones
  (``4e quart 1er siècle av JC`` is 25 BC-1 BC, -24..0):

  - quarters: offsets 0-24, 25-49, 50-74, 75-99 (2e quart 17e = 1626-1650);
  - halves: 0-49, 50-99 (2e moitié 19e = 1851-1900);
  - thirds: 0-32, 33-65, 66-99 (1er tiers 16e = 1501-1533, 3e tiers = 1567-1600);
  - ``début``: 0-19 (1701-1720), ``milieu``: 39-59 (1740-1760),
    ``fin``: 79-99 (1780-1800) for the 18th century;
  - ``limite A B`` (A and B consecutive centuries): the last year E of A
    +/- 10 years, E-10 .. E+10 (limite 15e 16e siècle = 1490-1510).

* ``vers 1620``, ``1620 ca``, ``1620 (?)``... keep 1620-1620 and set
  ``uncertain``; the span is never widened.
* ``années 1920`` = 1920-1929; a date (``1887/05/21``, ``21/05/1887``,
  ``1887-05-21``) gives its year; ``1850-1870``, ``entre 1850 et 1870``,
  ``de 1850 à 1870`` give 1850-1870.
* A bare year needs at least 3 digits (``987``); a 1-2 digit year is read only
  with an era marker (``52 av JC``, ``14 ap JC``).
* AD years after the current year, and centuries or parts starting after it,
  are refused.
* Several values separated by ``;`` are combined into the smallest covering
  span; if any of them is unreadable the whole value is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

__all__ = ["Period", "parse_period", "combine"]

_MAX_YEAR = date.today().year
_MAX_BC_CENTURY = 100  # 10000 BC: beyond that, centuries are not how anyone dates things
_MAX_BC_YEAR = 99999


def _xsd_year(year: int) -> str:
    # XSD 1.1: at least 4 digits, year 0000 is 1 BC, a minus sign for earlier years.
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


@dataclass(frozen=True, slots=True)
class Period:
    """A span of whole years, both bounds inclusive and astronomical (1 BC = 0)."""

    text: str
    begin: int
    end: int
    uncertain: bool = False

    def __post_init__(self) -> None:
        if self.begin > self.end:
            raise ValueError(f"period begins after it ends: {self.begin} > {self.end}")

    def begin_datetime(self) -> str:
        """xsd:dateTime lexical form of the first instant of the begin year."""
        return f"{_xsd_year(self.begin)}-01-01T00:00:00"

    def end_datetime(self) -> str:
        """xsd:dateTime lexical form of the last second of the end year."""
        return f"{_xsd_year(self.end)}-12-31T23:59:59"


def combine(periods: Iterable[Period]) -> Period | None:
    """The smallest period covering all of ``periods``; ``None`` when there are none."""
    items = list(periods)
    if not items:
        return None
    return Period(
        text=" ; ".join(p.text for p in items),
        begin=min(p.begin for p in items),
        end=max(p.end for p in items),
        uncertain=any(p.uncertain for p in items),
    )


def parse_period(text: str) -> Period | None:
    """Read one POP period value (possibly several joined by ``;``); ``None`` if unreadable."""
    if not isinstance(text, str):
        return None
    return _parse(text.strip())


# --------------------------------------------------------------------------- regexes
# They run on normalised text: lower case, no accents, era markers replaced by the
# tokens 'avjc' / 'apjc', uncertainty markers removed, single spaces.

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
_UNCERTAIN_RE = re.compile(r"\?|\b(?:vers|environ|circa|ca|env)\b\.?|\b[vc]\.")
_EMPTY_PARENS_RE = re.compile(r"\(\s*\)")
_SPACES_RE = re.compile(r"\s+")

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
_LIMIT_RE = re.compile(
    rf"limite\s+(?:(?:des|du|entre\s+les?)\s+)?{_ord('c1')}\s*(?:{_SIECLE}\s*)?(?P<e1>{_ERA})?\s*"
    rf"(?:(?:et|-|/|a)\s*)?{_ord('c2')}\s*{_SIECLE}\s*(?P<e2>{_ERA})?"
)
_YEAR_RE = re.compile(rf"(?P<y>\d{{1,5}})\s*(?P<era>{_ERA})?")
_RANGE_RE = re.compile(
    rf"(?:(?P<kw>entre|de|du)\s+)?(?P<y1>\d{{1,5}})\s*(?P<e1>{_ERA})?\s*"
    rf"(?P<sep>-|/|au|a|et)\s*(?P<y2>\d{{1,5}})\s*(?P<e2>{_ERA})?"
)
_ISO_DATE_RE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_FR_DATE_RE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})")
_DECADE_RE = re.compile(r"(?:les\s+)?annees\s+(\d{3}0)")
_ROMAN_RE = re.compile(r"l?x{0,3}(?:ix|iv|v?i{0,3})")

_ORD_WORDS = {
    "premier": 1, "premiere": 1, "second": 2, "seconde": 2, "secondes": 2, "deuxieme": 2,
    "troisieme": 3, "quatrieme": 4, "dernier": -1, "derniere": -1,
}  # fmt: skip
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50}
# unit -> (number of parts, offset ranges within the 100 years of a century)
_PARTS = {
    "quart": ((0, 24), (25, 49), (50, 74), (75, 99)),
    "moitie": ((0, 49), (50, 99)),
    "tiers": ((0, 32), (33, 65), (66, 99)),
}
_POSITIONS = {"debut": (0, 19), "milieu": (39, 59), "fin": (79, 99)}
# Keywords that must go with a range separator.
_RANGE_SEPS = {None: {"-", "/", "a", "au"}, "entre": {"et"}, "de": {"a", "au"}, "du": {"a", "au"}}


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


def _normalise(part: str) -> tuple[str, bool] | None:
    """Normalised text and uncertainty flag of one ';'-separated value."""
    s = unicodedata.normalize("NFKD", part.lower())
    s = "".join(c for c in s if not unicodedata.combining(c)).translate(_DASHES)
    # Era markers first: 'J.-C.' would otherwise lose its 'c.' as a 'circa'.
    s = _AD_RE.sub(" apjc ", _BC_RE.sub(" avjc ", s))
    if _DIGIT_WILDCARD_RE.search(s):
        return None
    s, n = _UNCERTAIN_RE.subn(" ", s)
    s = _EMPTY_PARENS_RE.sub(" ", s)
    return _SPACES_RE.sub(" ", s).strip(), n > 0


def _span(s: str) -> tuple[int, int] | None:
    """(begin, end) of one normalised value, or None."""
    if m := _CENTURY_RE.fullmatch(s):
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
            return century
        if first + lo > _MAX_YEAR:
            return None
        return first + lo, first + hi

    if m := _LIMIT_RE.fullmatch(s):
        e2 = m["e2"]
        e1 = m["e1"] or e2  # 'limite 2e 1er siècle av JC': the trailing era covers both
        a = _century(_ordinal(m["c1"]), e1 == "avjc")
        b = _century(_ordinal(m["c2"]), e2 == "avjc")
        if a is None or b is None or a[1] + 1 != b[0]:
            return None
        edge = a[1]
        return (edge - 10, edge + 10) if edge - 10 <= _MAX_YEAR else None

    if m := _YEAR_RE.fullmatch(s):
        if m["era"] is None and len(m["y"]) < 3:
            return None
        y = _year(m["y"], m["era"])
        return None if y is None else (y, y)

    if m := _ISO_DATE_RE.fullmatch(s):
        return _date_year(int(m[1]), int(m[3]), int(m[4]))
    if m := _FR_DATE_RE.fullmatch(s):
        return _date_year(int(m[4]), int(m[3]), int(m[1]))

    if m := _RANGE_RE.fullmatch(s):
        if m["sep"] not in _RANGE_SEPS[m["kw"]]:
            return None
        e2 = m["e2"]
        e1 = m["e1"] or e2  # '200-150 av JC': both BC
        if e1 is None and (len(m["y1"]) < 3 or len(m["y2"]) < 3):
            return None
        y1, y2 = _year(m["y1"], e1), _year(m["y2"], e2)
        if y1 is None or y2 is None or y1 > y2:
            return None
        return y1, y2

    if m := _DECADE_RE.fullmatch(s):
        y = int(m[1])
        return (y, y + 9) if 1 <= y <= _MAX_YEAR else None
    return None


def _date_year(year: int, month: int, day: int) -> tuple[int, int] | None:
    try:
        date(year, month, day)
    except ValueError:
        return None
    return (year, year) if year <= _MAX_YEAR else None


@lru_cache(maxsize=8192)  # POP fields repeat a few thousand distinct values
def _parse(text: str) -> Period | None:
    if not text:
        return None
    begin: int | None = None
    end: int | None = None
    uncertain = False
    for part in text.split(";"):
        if not part.strip():
            continue  # a stray ';' ('1850 ;') hides nothing
        norm = _normalise(part)
        if norm is None:
            return None
        s, doubt = norm
        span = _span(s)
        if span is None:
            return None
        begin = span[0] if begin is None else min(begin, span[0])
        end = span[1] if end is None else max(end, span[1])
        uncertain = uncertain or doubt
    if begin is None or end is None:
        return None
    return Period(text=text, begin=begin, end=end, uncertain=uncertain)
