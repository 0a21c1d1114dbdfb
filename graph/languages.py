"""Languages as the sources name them → ISO 639-2 IRIs of the Library of Congress (data: graph/data/languages.json).

``fre``, ``fra``, ``fr``, ``fr-FR``, ``français``, ``French`` all name
``http://id.loc.gov/vocabulary/iso639-2/fre``: the IRI every ``P72_has_language`` of the graph
points to (ontology/profile.ttl says why), and whose last segment is the code the EDM view
writes as ``dc:language``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "languages.json"


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # ISO 639-2 bibliographic
    iri: str  # N-Triples form
    label: str  # French name


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower().strip(" .")


@cache
def _index() -> tuple[dict[str, Language], dict[str, Language], frozenset[str]]:
    """(codes and names → language, names only → language, codes naming no language)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    index: dict[str, Language] = {}
    names: dict[str, Language] = {}
    for b, t, one, fr, en in data["languages"]:
        language = Language(b, f"<{data['base']}{b}>", fr)
        for name in filter(None, (b, t, one, fr, en)):
            index.setdefault(_key(name), language)
        for name in (fr, en):
            names.setdefault(_key(name), language)
    return index, names, frozenset(data["skip"])


def language(text: str | None) -> Language | None:
    """The language a code or a name designates (``fre``, ``fr-FR``, ``Français``), or None."""
    if not text:
        return None
    index, _, skip = _index()
    k = _key(text)
    if k in skip:
        return None
    return index.get(k) or index.get(re.split(r"[-_]", k)[0])


def languages(text: str | None) -> list[Language]:
    """Every language named in a text that may list several (``fre ; lat``, ``français, latin``).

    A sentence (EAD ``langmaterial``: ``Documents en français et en latin``) is read for the
    languages' names, not their two-letter codes (``en`` is a French word).
    """
    found: list[Language] = []
    parts = re.split(r"\s*[;,/|]\s*", text or "")
    for part in parts:
        if (lang := language(part)) is not None and lang not in found:
            found.append(lang)
    if not found:
        names = _index()[1]
        for word in re.findall(r"[^\W\d_]{3,}", _key(text or "")):
            if (lang := names.get(word)) is not None and lang not in found:
                found.append(lang)
    return found
