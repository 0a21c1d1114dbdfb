"""The keys names are compared by, for reconciliation.

Built on the project's normalisers: :func:`graph.geo.name_key` (case, accents, punctuation and
hyphens do not count, ``St``/``Ste`` are ``saint``/``sainte``) and :func:`graph.names.life_dates`
(life dates in brackets). On top of it:

- qualifiers in brackets are not part of the name (``Omer (saint ; 0600-0670)`` is ``omer``), except
  an article, which moves to the front (``Quesnoy (Le)``, ``Quesnoy, Le`` are ``Le Quesnoy``);
- a leading article does not count (``La Piscine``, ``Piscine``);
- the order of the words does not count for :attr:`Key.sorted` (``Viollet-le-Duc, Eugène`` and
  ``Eugène Viollet-le-Duc``: ``Nom, Prénom`` and ``Prénom Nom``);
- persons' names are also compared as :mod:`graph.persons` reads them (:func:`person_key`): without
  particles, one form per forename across languages (``Vinci, Léonard de``, ``Leonardo da Vinci``),
  and by their surname alone (:func:`surname_key`: a column of surnames, ``Vauban``, ``Goya``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.geo import name_key
from graph.names import life_dates
from graph.persons import parse_name

ARTICLES = frozenset({"le", "la", "les", "l"})
_BRACKETED = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_ARTICLE_AFTER = re.compile(r"^(?P<name>[^(),]+?)\s*(?:\(\s*(?P<a>le|la|les|l')\s*\)|,\s*(?P<b>le|la|les|l'))\s*$", re.I)


@dataclass(frozen=True, slots=True)
class Key:
    text: str  # the name's words, in their order
    sorted: str  # the same words, sorted
    tokens: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.text)


def bare(name: str) -> str:
    """The name without its bracketed qualifiers, an article written after it moved to the front."""
    text = " ".join(name.split())
    m = _ARTICLE_AFTER.match(text)
    if m is not None:
        article = (m["a"] or m["b"]).strip()
        text = f"{article}{'' if article.endswith(chr(39)) else ' '}{m['name']}"
    return _BRACKETED.sub(" ", text).strip(" ,;")


def key(name: str) -> Key:
    words = name_key(bare(name)).split()
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return Key(" ".join(words), " ".join(sorted(words)), tuple(words))


def person_key(name: str) -> str:
    """The key :mod:`graph.persons` compares persons' names by (``Nom, Prénom`` as headings write it, else in
    natural order), prefixed ``p:`` so that it never meets another key."""
    k = parse_name(name, "inverted" if "," in name else "natural").key
    return "p:" + k if k.strip(":sf ") else ""


def surname_key(name: str) -> str:
    """The surname of a heading written ``Nom, Prénom`` (``Vauban, Sébastien Le Prestre de`` → ``n:vauban``),
    prefixed ``n:``; "" for a name written otherwise."""
    if "," not in name:
        return ""
    k = key(name.split(",", 1)[0])
    return "n:" + k.text if k and len(k.text) > 2 else ""


def years_in(name: str) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """Birth and death years a name gives in brackets (``Gates, James (1850-1929)``, ``(saint ; ....-0742)``):
    each as (earliest, latest), or None."""
    for group in _BRACKETED.findall(name):
        for piece in group.split(";"):
            if "-" in piece and any(c.isdigit() for c in piece):
                birth, death = life_dates(piece.strip().lstrip("."))
                if birth or death:
                    return _span(birth), _span(death)
    return None, None


def _span(text: str | None) -> tuple[int, int] | None:
    """``1850`` → (1850, 1850); ``12..`` → (1200, 1299); ``1850?`` → (1850, 1850)."""
    if not text:
        return None
    digits = text.strip("?")
    if digits.isdigit():
        return int(digits), int(digits)
    known = digits.rstrip(".")
    if known.isdigit() and len(digits) == 4:
        unit = 10 ** (4 - len(known))
        return int(known) * unit, int(known) * unit + unit - 1
    return None
