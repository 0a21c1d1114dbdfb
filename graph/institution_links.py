"""Institutions named differently across records → the one institution of the reference tables.

Loaders resolve an institution by its ids, or by its name alone (:mod:`graph.institutions`); a name that
is written another way (``Musée Sandelin`` for the *musée de l'hôtel Sandelin*), or that many
institutions bear (``Musée des beaux-arts``: eleven towns), stays a group of its own
(``org/name/...``). Linking looks again with what the records around it say:

1. **name in its commune**: the name, read in the commune where the records place the group (a
   publisher's town, a residence), names one reference institution; ``Musée des Beaux-Arts de Lille``
   is read as ``musée des beaux-arts`` in Lille;
2. **distinctive words**: the words of the name that are not generic (``musée``, ``beaux-arts``,
   ``archives``...) are all in the name of one reference institution, of the commune or department
   when the records give one (``Musée Sandelin`` → *musée de l'hôtel Sandelin*, Saint-Omer).

Anything else (no commune to tell two namesakes apart, no distinctive word, several candidates) stays
apart: a wrong institution would move every record that names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .geo import Geography, _normalise
from .institutions import Institution, Institutions, name_key

# Words that say what kind of institution a name is, not which one.
GENERIC = frozenset({
    "musee", "musees", "museum", "beaux", "arts", "art", "archives", "archive", "departementales", "departementale",
    "municipales", "municipale", "communales", "nationales", "nationale", "national", "bibliotheque", "bibliotheques",
    "mediatheque", "universite", "universitaire", "ville", "commune", "palais", "maison", "hotel", "centre",
    "service", "services", "fonds", "collection", "collections", "de", "des", "du", "la", "le", "les", "l", "d",
    "et", "en", "sur", "au", "aux", "a", "municipal", "departemental", "regional", "regionale", "france",
})


@dataclass(frozen=True, slots=True)
class Match:
    institution: Institution
    rule: str  # institution-name, institution-words
    evidence: tuple[str, ...]


class InstitutionLinker:
    def __init__(self, institutions: Institutions | None = None, geo: Geography | None = None) -> None:
        self.institutions = institutions or Institutions.default()
        self.geo = geo or self.institutions.geo
        self.words = [(i, _words(i.name or "") | {w for n in i.names for w in _words(n)})
                      for i in self.institutions.known()]

    def match(self, name: str, communes: list[str]) -> Match | None:
        """The one reference institution ``name`` designates where the records place it (INSEE codes).

        One group named by records of several towns (a name such as ``Musée des beaux-arts`` is minted
        once) may be several institutions: it is one only when every town designates the same.
        """
        towns = list(dict.fromkeys(communes))
        if len(towns) > 1:
            each = [self._match(name, [c]) for c in towns]
            if any(m is None for m in each) or len({id(m.institution) for m in each if m}) > 1:
                return None
            return each[0]
        return self._match(name, towns)

    def _match(self, name: str, communes: list[str]) -> Match | None:
        places = [(c, self.geo.commune(c)) for c in dict.fromkeys(communes)]
        places = [(c, known) for c, known in places if known is not None]
        for code, commune in places:
            bare = _without_commune(name, commune.name)
            found = self.institutions.by_name(bare, code)
            if found is not None and found.known and found.commune == code:
                return Match(found, "institution-name",
                             (f"nom : {name} = {found.name}", f"commune : {commune.name}"))
        found = self.institutions.by_name(name)
        if found is not None and found.known:
            return Match(found, "institution-name", (f"nom : {name} = {found.name}",))
        distinctive = _words(name) - {w for _, c in places for w in _words(c.name)}
        if not distinctive:
            return None
        candidates = [i for i, words in self.words if distinctive <= words]
        if places:
            codes = {c for c, _ in places}
            departments = {known.department for _, known in places}
            candidates = ([i for i in candidates if i.commune in codes]
                          or [i for i in candidates if i.commune is None and i.department in departments])
        candidates = list({id(i): i for i in candidates}.values())
        if len(candidates) != 1:
            return None
        found = candidates[0]
        evidence = [f"mots : {' '.join(sorted(distinctive))} dans « {found.name} »"]
        evidence += [f"commune : {c.name}" for _, c in places if c.code == found.commune][:1]
        return Match(found, "institution-words", tuple(evidence))


def _words(name: str) -> set[str]:
    return {w for w in _normalise(name).split() if w not in GENERIC and len(w) > 1 and not w.isdigit()}


def _without_commune(name: str, commune: str) -> str:
    """``Musée des Beaux-Arts de Lille`` → ``Musée des Beaux-Arts`` when the group is in Lille."""
    key, town = name_key(name), name_key(commune)
    for link in (" de ", " d ", " du ", " des ", " a ", " "):
        if key.endswith(link + town):
            return key[: -len(link + town)]
    return re.sub(r"\s+", " ", name)
