"""Measurements as the sources write them → numbers, units and dimension types (Linked Art).

Read forms (data: graph/data/dimensions.json), parts separated by ``;``:

- POP Palissy normalised: ``h = 400 ; la = 200 ; pr = 60`` (``l =`` is the length);
- museum cataloguing: ``H. 12,5 ; l. 8`` (``l.`` the width, ``L.`` the length), ``Diam. 30``;
- POP Joconde: ``Hauteur en cm 181``, ``Diamètre extérieur en cm 5.6``, ``Poids en g 12``;
- sizes: ``24 cm`` (a book's height in MARC), ``30 x 42 cm`` (height by width), ``h. 2 m``.

Without a unit, centimetres (the unit of POP's normalised dimensions). What cannot be read
(``Epaisseur en cm`` without its number, ``3 pièces``) is given back as text, to be kept as a
dimensions statement and counted.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from .linkedart import vocabulary

DATA = Path(__file__).with_name("data") / "dimensions.json"

_NUMBER = r"(\d+(?:[.,]\d+)?)"
# "h = 400", "H. 12,5 cm", "la 200", "Diam. 30 mm"
_ABBREVIATED = re.compile(rf"^(?P<kind>[A-Za-zÀ-ÿ]+)\.?\s*(?P<eq>=)?\s*:?\s*{_NUMBER}\s*(?P<unit>[A-Za-zÀ-ÿ]+)?\.?$")
# "Hauteur en cm 181", "Diamètre extérieur en cm 5.6"
_JOCONDE = re.compile(rf"^(?P<kind>[A-Za-zÀ-ÿ]+)(?P<detail>(?:\s+[A-Za-zÀ-ÿ'’]+)*?)\s+en\s+(?P<unit>[A-Za-zÀ-ÿ]+)\s+{_NUMBER}$")
# "24 cm", "30 x 42 cm", "30 × 42 × 5 cm"
_SIZES = re.compile(rf"^{_NUMBER}(?:\s*[x×]\s*{_NUMBER})?(?:\s*[x×]\s*{_NUMBER})?\s*(?P<unit>[A-Za-z]+)?\.?$")


@dataclass(frozen=True, slots=True)
class Measurement:
    kind: str  # a dimension type of graph/data/linked-art.json (height, width...)
    value: str  # a decimal number (``12.5``)
    unit: str  # a unit of graph/data/linked-art.json (centimeters...)
    text: str  # the part of the source text it was read from


@dataclass(frozen=True)
class _Table:
    kinds: dict[str, str]
    units: dict[str, str]
    weights: frozenset[str]
    default_unit: str


@cache
def _table() -> _Table:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return _Table(data["kinds"], data["units"], frozenset(data["weights"]), data["default_unit"])


def _key(word: str) -> str:
    word = unicodedata.normalize("NFKD", word)
    return "".join(c for c in word if not unicodedata.combining(c)).lower().strip(". ")


def _number(text: str) -> str | None:
    """``"12,50"`` → ``"12.5"``, ``"030"`` → ``"30"``; None for zero or what is not a number."""
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not number > 0:
        return None
    written = format(number, "f")
    return written.rstrip("0").rstrip(".") if "." in written else written


def parse(text: str, default_kind: str = "unknown-dimension") -> tuple[list[Measurement], list[str]]:
    """The measurements read in ``text`` and the parts that could not be read (as written)."""
    found: list[Measurement] = []
    unread: list[str] = []
    for part in (p.strip() for p in re.split(r"\s*[;#]\s*", text)):
        if not part:
            continue
        read = _part(part, default_kind)
        if read:
            found.extend(read)
        else:
            unread.append(part)
    return found, unread


def _part(part: str, default_kind: str) -> list[Measurement]:
    t = _table()
    if m := _JOCONDE.match(part):
        kind, unit = t.kinds.get(_key(m["kind"])), t.units.get(_key(m["unit"]))
        value = _number(m[4])
        if kind and unit and value and _consistent(kind, unit):
            return [Measurement(kind, value, unit, part)]
        return []
    if m := _ABBREVIATED.match(part):
        word = m["kind"].rstrip(".")
        if word in ("l", "L"):  # Palissy "l = 60" and museum "L." are lengths; museum "l." is a width
            kind = "length" if (m["eq"] or word == "L") else "width"
        else:
            kind = t.kinds.get(_key(word))
        unit = t.units.get(_key(m["unit"])) if m["unit"] else t.default_unit
        value = _number(m[3])
        if kind and unit and value and _consistent(kind, unit):
            return [Measurement(kind, value, unit, part)]
        return []
    if m := _SIZES.match(part):
        unit = t.units.get(_key(m["unit"])) if m["unit"] else None
        values = [v for v in (m[1], m[2], m[3]) if v]
        if unit is None or unit in t.weights:
            return []
        numbers = [_number(v) for v in values]
        if not all(numbers):
            return []
        kinds = [default_kind] if len(values) == 1 else ["height", "width", "depth"][:len(values)]
        return [Measurement(k, n, unit, part) for k, n in zip(kinds, numbers) if n]
    return []


def measurement(kind: str, value: str, unit: str, kind_ids: tuple[str, ...] = (), text: str | None = None
                ) -> Measurement | None:
    """One structured measurement (LIDO ``measurementsSet``): its type by name (``Höhe``,
    ``hauteur``) or by AAT id, its unit by name (``cm``), its value (``101,1``); None if unreadable."""
    t = _table()
    by_id = {term.iri[1:-1]: key for key, term in vocabulary().terms.items()}
    found = next((by_id[i] for i in kind_ids if i in by_id), None) or t.kinds.get(_key(kind))
    unit_key = t.units.get(_key(unit)) if unit else t.default_unit
    number = _number(value.strip())
    if found and unit_key and number and _consistent(found, unit_key):
        return Measurement(found, number, unit_key, text or f"{kind} {value} {unit}".strip())
    return None


def _consistent(kind: str, unit: str) -> bool:
    """A weight in grams or kilograms, a length in a unit of length."""
    return (kind == "weight") == (unit in _table().weights)
