"""Materials or techniques? POP ``MATR``/``TECH``, LIDO and Dublin Core mix both in one field.

``toile``, ``chêne``, ``huile`` are materials the object consists of (``P45_consists_of``);
``peinture à l'huile``, ``taillé``, ``sculpté`` say how it was made (``P32_used_general_technique``
of its production). Read forms (data: graph/data/materials.json):

- ``peinture à l'huile`` → a technique; ``toile`` → a material;
- ``huile sur toile`` → materials ``huile`` and ``toile``, and the technique they imply;
- Palissy's ``chêne : taillé, sculpté`` → material ``chêne``, techniques ``taille``, ``sculpture``;
- Joconde's ``silex (taillé)``, ``céramique, sigillée`` → the words inside brackets or after a
  comma are read the same way.

A word that is neither a known technique nor a participle is a material. The source text is
always kept too (a materials statement), so nothing read here is lost.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "materials.json"
AAT = "http://vocab.getty.edu/aat/"


@dataclass(slots=True)
class Reading:
    materials: list[str] = field(default_factory=list)
    techniques: list[str] = field(default_factory=list)

    def add_material(self, label: str) -> None:
        if label and label not in self.materials:
            self.materials.append(label)

    def add_technique(self, label: str) -> None:
        if label and label not in self.techniques:
            self.techniques.append(label)


@dataclass(frozen=True)
class _Table:
    techniques: frozenset[str]
    participles: dict[str, str]
    implies: dict[str, str]
    aat: dict[str, str]


@cache
def _table() -> _Table:
    data = json.loads(DATA.read_text(encoding="utf-8"))

    def plain(d: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in d.items() if not k.startswith("_")}

    return _Table(frozenset(data["techniques"]), plain(data["participles"]), plain(data["implies"]), plain(data["aat"]))


def key(text: str) -> str:
    """Lower case, no accents, single spaces: how the table's words are compared."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).lower().split())


def aat_match(material: str) -> str | None:
    """The AAT IRI of a material (``toile`` → canvas), when the table knows it."""
    found = _table().aat.get(key(material))
    return AAT + found if found else None


def read(values: list[str]) -> Reading:
    """The materials and techniques named in a field's values."""
    out = Reading()
    for value in values:
        for item in re.split(r"\s*[;#]\s*", value):
            _item(item.strip(" .,"), out)
    return out


def _item(item: str, out: Reading) -> None:
    if not item:
        return
    head, sep, rest = item.partition(":")
    if sep:  # Palissy: "chêne : taillé, sculpté"
        _words(head, out)
        for word in rest.split(","):
            _word(word, out, default_technique=True)
        return
    if m := re.match(r"^(?P<head>[^()]+?)\s*\((?P<inner>[^()]*)\)$", item):  # Joconde "silex (taillé)"
        _words(m["head"], out)
        for word in m["inner"].split(","):
            if _technique(word) is not None:
                _word(word, out)
        return
    _words(item, out)


def _words(text: str, out: Reading) -> None:
    """``huile sur toile``, ``céramique, sigillée``, ``bois``."""
    text = text.strip()
    if _technique(text) is not None or "," not in text and " sur " not in text:
        _word(text, out)
        return
    for part in re.split(r"\s*,\s*|\s+sur\s+", text):
        _word(part, out)


def _word(word: str, out: Reading, default_technique: bool = False) -> None:
    word = word.strip(" .")
    if not word:
        return
    technique = _technique(word)
    head, _, last = word.rpartition(" ")
    if technique is None and head and (worked := _technique(last)) is not None:  # "bois doré"
        _word(head, out)
        out.add_technique(worked)
    elif technique is not None:
        out.add_technique(technique)
    elif default_technique:
        out.add_technique(word)
    else:
        out.add_material(word)
        if implied := _table().implies.get(key(word)):
            out.add_technique(implied)


def _technique(word: str) -> str | None:
    """The technique a word names (``peinture à l'huile``, ``taillé`` → ``taille``), or None for a material."""
    t, k = _table(), key(word.strip(" ."))
    for form in (k, k.rstrip("s"), re.sub(r"es?$", "", k)):
        if form in t.participles:
            return t.participles[form]
    if k in t.techniques:
        return word.strip(" .")
    return None
