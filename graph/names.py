"""What names say: families and institutions, life dates, places and dates of birth and death, owners.

Data: graph/data/names.json.

- ``Egmont (famille d')``, ``Maison de Lalaing``, ``Seigneurs de Boubers`` are families (E74_Group,
  Linked Art type ``family``); ``Abbaye de Saint-Bertin`` an institution;
- ``Jean Ier de Bourgogne (1371-1419 ; dit Jean Sans Peur)``, ``Tournier, Paul (1850-1929)``,
  ``1899-1985`` give life dates (:func:`life_dates`);
- POP Joconde ``PAUT`` (précision auteur) gives where and when an artist was born and died:
  ``Grasse, 1732 ; Paris, 1806``, ``né à Douai vers 1470 ; mort à Douai en 1535`` (:func:`birth_and_death`);
- POP ``STAT`` (legal status) names an owner: ``propriété de la commune ; Lille ; palais des
  Beaux-Arts``, ``propriété de l'Etat``, ``propriété d'une association`` (:func:`owner`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "names.json"

_DATES_IN_NAME = re.compile(r"^(?P<name>.*?\S)\s*\((?P<dates>[^()]*\d[^()]*)\)\s*$")
_LIFE = re.compile(r"^\s*(?:ca\.?\s*|vers\s+)?(?P<birth>\d[\d.?]{1,3}\??)?\s*(?:\?\s*)?[-–]\s*(?:ca\.?\s*|vers\s+)?"
                   r"(?P<death>\d[\d.?]{1,3}\??)?")
_BORN_DIED = re.compile(r"^\s*(?:(?:n[ée]e?|mort|morte|d[ée]c[ée]d[ée]e?)\s+)?(?:(?:à|a|au|en)\s+)?(?P<rest>.*)$", re.I)
_DATE_START = re.compile(r"^(?:vers|ca\.?|avant|après|apres|entre|en|le|\[|\(|\d)", re.I)


@dataclass(frozen=True, slots=True)
class LifeEvent:
    place: str | None
    date: str | None


@dataclass(frozen=True, slots=True)
class Owner:
    kind: str  # as a French label: "commune", "État", "association"...
    group: str  # state, commune, department, region, organization, private
    named: str | None  # the commune (or other place) the status names, if any


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).lower().split())


@cache
def _data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


@cache
def _words(kind: str) -> re.Pattern[str]:
    data = _data()
    words = data["families"] if kind == "family" else data["institutions"][kind]
    return re.compile(r"(?:^|[\s(,'])(?:" + "|".join(re.escape(w) for w in words) + r")(?=$|[\s),'])")


def actor_kind(name: str) -> str | None:
    """``family``, ``museum`` or ``organization`` when a name says it names a group; None for a person."""
    k = _key(name)
    for kind in ("family", "museum", "organization"):
        if _words(kind).search(k):
            return kind
    return None


def split_dates(name: str) -> tuple[str, str | None]:
    """``"Jean Ier de Bourgogne (1371-1419 ; dit Jean Sans Peur)"`` → (``"Jean Ier de Bourgogne"``, ``"1371-1419"``)."""
    m = _DATES_IN_NAME.match(name.strip())
    if m is None:
        return name.strip(), None
    dates = m["dates"].split(";")[0].strip()
    return (m["name"].rstrip(" ,"), dates) if _LIFE.match(dates) else (name.strip(), None)


def life_dates(text: str) -> tuple[str | None, str | None]:
    """(birth, death) years as written in ``1850-1929``, ``1984-....``, ``12..-1530``, ``ca 1470-1535``."""
    m = _LIFE.match(text)
    if m is None:
        return None, None
    birth, death = (v if v and any(c.isdigit() for c in v) and not set(v) <= set(".?") else None
                    for v in (m["birth"], m["death"]))
    return birth, death


def birth_and_death(text: str) -> tuple[LifeEvent | None, LifeEvent | None]:
    """Where and when a person was born and died, from a POP ``PAUT`` text.

    ``Grasse, 1732 ; Paris, 1806`` → (Grasse, 1732), (Paris, 1806); ``Amiens, 1750`` → a birth
    only; ``né à Douai vers 1470`` → (Douai, vers 1470). Anything else → (None, None).
    """
    parts = [p.strip() for p in re.split(r"\s*;\s*|\s+[-–]\s+", text.strip()) if p.strip()]
    if not parts or len(parts) > 2:
        return None, None
    events = [_event(p) for p in parts]
    if any(e is None for e in events):
        return None, None
    return events[0], (events[1] if len(events) > 1 else None)


def _event(text: str) -> LifeEvent | None:
    rest = _BORN_DIED.match(text)["rest"].strip()
    if " en " in f" {rest} " and "," not in rest:  # "Douai en 1535"
        place, _, date = rest.partition(" en ")
    elif "," in rest:
        place, _, date = rest.rpartition(",")
    elif m := re.match(r"^(?P<place>\D+?)\s+(?P<date>(?:vers|ca\.?|avant|après)?\s*\d.*)$", rest, re.I):
        place, date = m["place"], m["date"]
    elif _DATE_START.match(rest):
        place, date = "", rest
    else:
        return None
    place, date = place.strip(" ,"), date.strip(" ,")
    if date and not any(c.isdigit() for c in date):
        return None
    if place and (any(c.isdigit() for c in place) or len(place) > 80):
        return None
    return LifeEvent(place or None, date or None) if (place or date) else None


def owner(statuses: list[str]) -> Owner | None:
    """The owner a POP legal status names (its values as split on ``;``), or None."""
    if not statuses:
        return None
    first = _key(statuses[0])
    for rule in _data()["owners"]["patterns"]:
        if re.search(rule["pattern"], first):
            named = next((s.strip() for s in statuses[1:] if not _is_acquisition(s)), None)
            return Owner(rule["kind"], rule["group"], named)
    return None


def _is_acquisition(text: str) -> bool:
    """``don``, ``achat``, ``dépôt``... (how the owner acquired it), not the name of a place."""
    return _key(text) in {"don", "achat", "legs", "dation", "depot", "affectation", "saisie", "transfert",
                          "echange", "preemption", "attribution", "commande", "acquisition", "fouille",
                          "recolement", "mise en depot", "depot de l'etat", "transfert de propriete"}
