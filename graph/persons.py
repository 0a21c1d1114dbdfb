"""Persons' names as each source writes them, read into comparable parts.

Conventions (``convention`` of :func:`parse_name`):

* ``pop``: POP's ``NOM Prénom`` (``VIOLLET-LE-DUC Eugène``, ``Viollet-le-Duc Eugène``,
  ``Cormont Thomas de``, ``GOYA Y LUCIENTES Francisco de``): the surname first, in capitals when
  the source uses them, particles moved to the end; a name with a particle inside and none at
  the end is in natural order (``Robert de Luzarches``). The role in brackets is already
  removed by the loader (``(architecte)``).
* ``inverted``: library and archive headings, ``Nom, Prénom (dates)`` (MARC ``700 $a, $b``,
  EAD ``persname``, most LIDO ``appellationValue``): what precedes the comma is the surname;
  a particle after the forenames belongs to the surname (``Carouwe, Jean de la``).
* ``natural``: ``Prénom Nom`` (``Léonard de Vinci``, ``Lisa Gherardini``); used for any name
  without a comma from sources other than POP.

Qualifiers in brackets are evidence, not name: life dates ``(1850-1929)``, ``(....-0742)``,
``(12..-1530)``, ``(1942-....)``; ``saint``/``sainte``; a family ``(famille de)``; a title
(``chanoine``, ``abbé``); a by-name (``dit Jean Sans Peur``); a century ``(1er siècle)``.

Names are compared without accents, case, punctuation or particles, and in any order: the
source's order is used to know the surname (for initials and blocking), never required to
match. :func:`compare_names` says how two names agree: ``exact`` (same words), ``variant``
(same surname, forenames compatible: initials, one forename of two, a one-letter spelling
difference), ``surname`` (one of them is a surname alone) or ``none``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from .periods import parse_period

Years = tuple[int, int]  # inclusive bounds, astronomical years
FORENAMES = Path(__file__).resolve().parent / "data" / "forenames.json"

PARTICLES = frozenset({
    "de", "d", "du", "des", "la", "le", "les", "l", "van", "von", "der", "den", "ter", "ten", "da", "di", "del",
    "della", "dei", "degli", "do", "dos", "das", "y", "e", "zu", "of", "vom", "het", "t", "am", "im",
})
# Words of a bracketed qualifier that say what kind of actor or title a name carries.
_SAINT = frozenset({"saint", "sainte", "st", "ste", "bienheureux", "bienheureuse"})
_FAMILY = frozenset({"famille", "familles", "family"})
_CENTURY = re.compile(r"\b(\d{1,2})\s*(?:e|er|eme|ème|re)\s+si[eè]cle", re.I)
_LIFE = re.compile(r"^\s*(?P<b>[^-–]*?)\s*[-–]\s*(?P<d>[^-–]*?)\s*$")
_YEAR_DOTS = re.compile(r"^(\d{1,3})\.{1,3}$")  # 12.. → 1200-1299
_BRACKETS = re.compile(r"\s*\(([^()]*)\)\s*$")
_SPLIT = re.compile(r"[\s\-‐‑–'’.,/]+")
_INITIAL = re.compile(r"^[A-Za-zÀ-ÿ]\.?(?:-[A-Za-zÀ-ÿ]\.?)*$")


@dataclass(frozen=True, slots=True)
class Name:
    """A name read into comparable parts; tokens are lowercase ASCII without particles."""

    written: str
    surname: tuple[str, ...]
    forenames: tuple[str, ...]  # initials are one-letter tokens
    surname_compact: str  # the surname's letters, particles included: "latour" for "La Tour"
    birth: Years | None = None
    death: Years | None = None
    floruit: Years | None = None
    saint: bool = False
    family: bool = False
    titles: tuple[str, ...] = ()
    alias: str | None = None

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.surname + self.forenames

    @property
    def key(self) -> str:
        """The same for names with the same words in any order (and the same saint flag)."""
        return ("s:" if self.saint else "") + ("f:" if self.family else "") + " ".join(sorted(self.tokens))

    @property
    def display(self) -> str:
        """``Nom, Prénom`` as written (without qualifiers), for labels."""
        return strip_qualifiers(self.written)


def fold(text: str) -> str:
    """Lowercase ASCII: ``Vérité`` → ``verite``, ``Œuvre`` → ``oeuvre``."""
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    """Tokens of a name part without particles: ``Jean-Honoré`` → ``["jean", "honore"]``."""
    return [w for w in _SPLIT.split(fold(text)) if w and w not in PARTICLES]


@cache
def _forename_forms() -> dict[str, str]:
    """Each form of a forename → the form names are compared with (``data/forenames.json``)."""
    groups = json.loads(FORENAMES.read_text(encoding="utf-8"))["groups"]
    return {form: group[0] for group in groups for form in group}


def forename(word: str) -> str:
    """``petrus`` → ``pierre``: one form for a forename written in several languages or spellings."""
    return _forename_forms().get(word, word)


@lru_cache(maxsize=1 << 16)
def strip_qualifiers(text: str) -> str:
    """The name without its bracketed qualifiers: ``Gates, James (1850-1929)`` → ``Gates, James``."""
    text = " ".join(text.split())
    while (m := _BRACKETS.search(text)) is not None and m.start() > 0:
        text = text[:m.start()]
    return text.strip(" ,;")


def year_span(text: str) -> Years | None:
    """A year as life dates write it: ``1850``, ``0600``, ``12..`` (1200-1299), ``vers 1470``; ``....`` → None."""
    t = text.strip().strip("?").strip()
    if not t or set(t) <= {".", "?"}:
        return None
    if m := _YEAR_DOTS.match(t):
        base = int(m[1]) * 10 ** (4 - len(m[1]))
        return base, base + 10 ** (4 - len(m[1])) - 1
    if t.isdigit() and len(t) <= 4:
        return int(t), int(t)
    period = parse_period(t)
    return (period.begin, period.end) if period is not None else None


def _qualifiers(part: str) -> dict:
    """What a bracketed qualifier says: life dates, saint, family, titles, by-name, century."""
    found: dict = {"titles": []}
    for piece in (p.strip() for p in part.split(";")):
        if not piece:
            continue
        low = fold(piece)
        head = low.split()[0] if low.split() else ""
        if any(c.isdigit() for c in piece) and (m := _LIFE.match(piece)) and not _CENTURY.search(piece):
            birth, death = year_span(m["b"]), year_span(m["d"])
            if birth or death or (m["b"].strip(".? ") == "" and m["d"].strip(".? ") == ""):
                found["birth"], found["death"] = birth, death
                continue
        if m := _CENTURY.search(piece):
            n = int(m[1])
            found["floruit"] = ((n - 1) * 100 + 1, n * 100)
            continue
        if head in _SAINT:
            found["saint"] = True
        elif head in _FAMILY:
            found["family"] = True
        elif low.startswith("dit ") or low.startswith("dite "):
            found["alias"] = piece.split(" ", 1)[1].strip()
        elif piece.isdigit() and len(piece) == 4:
            found["floruit"] = (int(piece), int(piece))
        else:
            found["titles"].append(low)
    return found


def _is_upper_word(w: str) -> bool:
    """A word in capitals (``GOYA``, ``VIOLLET-LE-DUC``), not initials (``J.-B.``)."""
    letters = [c for c in w if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and not _INITIAL.match(w)


def _split_order(text: str, convention: str) -> tuple[str, str]:
    """(surname part, forenames part) of a name without qualifiers."""
    if "," in text:
        surname, _, forenames = text.partition(",")
        # "Carouwe, Jean de la": the particles after the forenames belong to the surname
        parts = forenames.split()
        tail: list[str] = []
        while parts and fold(parts[-1]).strip("'’") in PARTICLES:
            tail.insert(0, parts.pop())
        return " ".join([*tail, surname.strip()]), " ".join(parts)
    parts = text.split()
    if len(parts) < 2:
        return text, ""
    upper = 0
    while upper < len(parts) and (_is_upper_word(parts[upper]) or (  # "GOYA Y LUCIENTES"
            upper + 1 < len(parts) and fold(parts[upper]) in PARTICLES and _is_upper_word(parts[upper + 1]))):
        upper += 1
    if 0 < upper < len(parts):  # POP's capitals mark the surname: "GOYA Y LUCIENTES Francisco de"
        rest = parts[upper:]
        tail = []
        while rest and fold(rest[-1]).strip("'’") in PARTICLES:
            tail.insert(0, rest.pop())
        return " ".join([*tail, *parts[:upper]]), " ".join(rest)
    inner = [i for i, w in enumerate(parts[1:-1], 1) if fold(w).strip("'’") in PARTICLES]
    ends_with_particle = fold(parts[-1]).strip("'’") in PARTICLES
    if inner and not ends_with_particle:  # "Robert de Luzarches", "Toussaint de la Ruelle": natural order
        return " ".join(parts[inner[0]:]), " ".join(parts[:inner[0]])
    if convention == "pop":
        rest = parts[1:]
        tail = []
        while rest and fold(rest[-1]).strip("'’") in PARTICLES:
            tail.insert(0, rest.pop())
        return " ".join([*tail, parts[0]]), " ".join(rest)
    return parts[-1], " ".join(parts[:-1])


@lru_cache(maxsize=1 << 16)
def parse_name(written: str, convention: str = "natural") -> Name:
    """Read a name as its source's ``convention`` writes it (``pop``, ``inverted``, ``natural``)."""
    text = " ".join(written.split())
    qualifiers: dict = {"titles": []}
    while (m := _BRACKETS.search(text)) is not None and m.start() > 0:
        found = _qualifiers(m[1])
        qualifiers["titles"] = found.pop("titles") + qualifiers["titles"]
        qualifiers.update({k: v for k, v in found.items() if k not in qualifiers})
        text = text[:m.start()].strip(" ,")
    surname_part, forename_part = _split_order(text, convention)
    surname = tuple(words(surname_part))
    forenames = tuple(forename(w) for w in words(forename_part))
    if not surname and forenames:
        surname, forenames = forenames[-1:], forenames[:-1]
    compact = "".join(c for c in fold(surname_part) if c.isalnum())
    return Name(written=written, surname=surname, forenames=forenames, surname_compact=compact,
                birth=qualifiers.get("birth"), death=qualifiers.get("death"), floruit=qualifiers.get("floruit"),
                saint=bool(qualifiers.get("saint")), family=bool(qualifiers.get("family")),
                titles=tuple(qualifiers["titles"]), alias=qualifiers.get("alias"))


@lru_cache(maxsize=1 << 16)
def heading(written: str, convention: str = "natural") -> str:
    """The name as a heading writes it, ``Nom, Prénom``, in the source's spelling and without qualifiers:
    ``VIOLLET-LE-DUC Eugène`` → ``Viollet-Le-Duc, Eugène``; ``Robert de Luzarches`` → ``Luzarches, Robert de``."""
    text = strip_qualifiers(written)
    surname, forenames = _split_order(text, convention)
    words_ = surname.split()
    particles = []
    while len(words_) > 1 and words_[0].islower() and fold(words_[0]).strip("'’") in PARTICLES:
        particles.append(words_.pop(0))
    surname = " ".join(_uncapitalise(w, i == 0) if w.isupper() else w for i, w in enumerate(words_))
    rest = " ".join([forenames, *particles]).strip()
    return f"{surname}, {rest}" if rest else surname


def _uncapitalise(word: str, first: bool) -> str:
    """``VIOLLET-LE-DUC`` → ``Viollet-le-Duc``, ``Y`` → ``y``: POP's capitals as a heading writes the name."""
    parts = re.split(r"([-'’])", word)
    return "".join(p.lower() if fold(p) in PARTICLES and not (first and i == 0) else p.capitalize()
                   for i, p in enumerate(parts))


@lru_cache(maxsize=1 << 18)
def near(a: str, b: str) -> bool:
    """One edit apart (two for words of 8 letters or more); short words must be equal."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if min(la, lb) < 5 or abs(la - lb) > 2:
        return False
    limit = 2 if min(la, lb) >= 8 else 1
    return _distance(a, b, limit) <= limit


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopped early once over ``limit``."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        best = i
        for j, cb in enumerate(b, 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            current.append(value)
            best = min(best, value)
        if best > limit:
            return best
        previous = current
    return previous[-1]


def _forenames_agree(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[bool, bool]:
    """(compatible, identical): each forename of the shorter list matches one of the longer, in any
    order; an initial matches a forename beginning with it."""
    if a == b or sorted(a) == sorted(b):
        return True, True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    free = list(long_)
    for w in short:
        hit = next((x for x in free if x == w or (len(w) > 1 and len(x) > 1 and near(w, x))
                    or (len(w) == 1 and x.startswith(w)) or (len(x) == 1 and w.startswith(x))), None)
        if hit is None:
            return False, False
        free.remove(hit)
    return True, False


@lru_cache(maxsize=1 << 18)
def compare_names(a: Name, b: Name) -> str:
    """How two names agree: ``exact``, ``variant``, ``surname`` or ``none`` (see the module's text)."""
    if a.saint != b.saint or a.family != b.family:
        return "none"
    if a.key == b.key:
        return "exact"
    surname_same = (a.surname == b.surname or (a.surname_compact and a.surname_compact == b.surname_compact)
                    or (len(a.surname) == len(b.surname) and all(near(x, y) for x, y in zip(a.surname, b.surname)))
                    or _compound_prefix(a.surname, b.surname))
    if not surname_same:
        # the source's order may have been misread: try the words in any order
        return _unordered(a.tokens, b.tokens)
    if not a.forenames or not b.forenames:
        return "surname" if (a.forenames or b.forenames) else "variant"
    compatible, _ = _forenames_agree(a.forenames, b.forenames)
    return "variant" if compatible else "none"


def _compound_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One surname is the first part of the other's compound: ``Goya`` / ``Goya y Lucientes``."""
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return 0 < len(short) < len(long_) and len(short[0]) >= 4 and long_[:len(short)] == short


def _unordered(a: tuple[str, ...], b: tuple[str, ...]) -> str:
    if len(a) != len(b) or len(a) < 2:
        return "none"
    free = list(b)
    for w in a:
        hit = next((x for x in free if near(w, x) and len(w) > 1), None)
        if hit is None:
            return "none"
        free.remove(hit)
    return "variant"


@lru_cache(maxsize=1 << 18)
def blocking_keys(name: Name, alone: frozenset[str] = frozenset()) -> frozenset[str]:
    """Keys two names that may be the same person share: the same words in any order, or a surname
    (or its beginning, for spelling variants) with the first letter of a forename. A surname written
    alone (``Tiercelin``) has the key ``s:{surname}|_``, which the full names of that surname get too
    when it is in ``alone`` (the surnames written alone somewhere), and only then: common surnames
    would otherwise make blocks of thousands."""
    keys = {"k:" + name.key}
    heads = {h[:5] for h in (*name.surname, name.surname_compact) if len(h) >= 2}
    for head in heads:
        if not name.forenames or head in alone:
            keys.add(f"s:{head}|_")
        for initial in {f[0] for f in name.forenames}:
            keys.add(f"s:{head}|{initial}")
    return frozenset(keys)


def surname_heads(name: Name) -> set[str]:
    """The beginnings of a surname written without forenames (see :func:`blocking_keys`)."""
    if name.forenames:
        return set()
    return {h[:5] for h in (*name.surname, name.surname_compact) if len(h) >= 2}
