"""Place resolution: what place a mention in a record designates, from its text and the record's context.

Sources name places in many ways: an INSEE code (POP ``INSEE``), a commune with its
département (``Saint-Omer (Pas-de-Calais, France)``, EAD index terms), a postal code
(``59000 Lille``), a publication place (``Cambridge, Mass.``, ``[Paris]``), a place abroad in
any language (``Rome (Italie)``, ``Roma``), an article at the end (``Quesnoy (Le)``), an
abbreviation (``St-Omer``, ``Boulogne s/ Mer``), a former name (``Branges (Aisne)``: merged
into Arcy-Sainte-Restitue in 1973). :meth:`PlaceResolver.resolve` turns a mention into a
:class:`Place`, in this order:

1. an INSEE code (current, former, delegated: the current commune), then a postal code
   (with the name when several communes share it);
2. the qualifiers the mention carries: a département, a région, France, a country, a US
   state or another first-level subdivision abroad;
3. in France: a commune name (current names, then delegated/associated, then former ones)
   within the départements the mention or the record gives, then within the région of the
   load, then in all of France; a département, région or country name;
4. abroad: a populated place of GeoNames in the country (and subdivision) the mention gives;
   without any qualifier, a name no French commune has that designates one place by far the
   most populated of its name (``Rome``, ``Londres``).

A mention that stays ambiguous (``Saint-Omer`` alone: Pas-de-Calais or Calvados; ``Cambridge``
alone) or unknown is a :class:`Place` of kind ``unknown``: a place known by its label within
its context, never a guessed commune. Every answer says by which ``rule`` it was found, as
evidence.

Reference data (``graph/data/``, provenance in ``geo.json``): the communes of
:mod:`graph.geo`, ``countries.json`` (ISO 3166-1), ``world.tsv.gz`` (GeoNames populated places
abroad and first-level subdivisions), ``place-qualifiers.json`` (catalogue abbreviations).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from .geo import Commune, Geography, is_insee_code, name_key

__all__ = ["Place", "PlaceContext", "PlaceResolver", "World", "City"]

DATA_DIR = Path(__file__).resolve().parent / "data"
COUNTRIES_FILE = DATA_DIR / "countries.json"
WORLD_FILE = DATA_DIR / "world.tsv.gz"
QUALIFIERS_FILE = DATA_DIR / "place-qualifiers.json"

# A name no French commune has designates a place abroad when that place has at least
# ABROAD_POPULATION inhabitants and DOMINANT_RATIO times as many as any other place of the
# same name (Tournai, Rome, Londres; not Cambridge: England or Massachusetts).
ABROAD_POPULATION = 15_000
DOMINANT_RATIO = 5
# A commune named alone, out of the record's context, is not taken when a place abroad of the same
# name has at least RIVAL_POPULATION inhabitants and more than the commune (Bruges: Gironde or
# Flanders?). The place abroad is taken instead when it is dominant, has DOMINANT_POPULATION
# inhabitants and ten times the commune's (Venise, Doubs).
RIVAL_POPULATION = 20_000
DOMINANT_POPULATION = 100_000

_PLACEHOLDERS = re.compile(
    r"^(?:s\.?\s?l\.?|sans lieu|lieu (?:inconnu|non identifie|indetermine)|inconnu|unknown|n\.?\s?p\.?|\?+|-+)$", re.I)
_QUALIFIED = re.compile(r"^(?P<name>[^()\[\]]+?)\s*[(\[](?P<q>[^()\[\]]*)[)\]](?P<rest>.*)$")
_POSTCODE = re.compile(r"(?<!\d)((?:\d{2}|2[AB])\d{3})(?!\d)")
_ARTICLES = {"le": "Le", "la": "La", "les": "Les", "l'": "L'", "l": "L'"}
_ROLE = re.compile(r"^lieu\b|^place of\b", re.I)  # Joconde's '(lieu de création)', '(lieu d'exécution)'
_ARTICLE_AT_END = re.compile(r"^(?P<name>.+?),\s*(?P<article>le|la|les|l')$", re.I)


@dataclass(frozen=True, slots=True)
class City:
    geonames: str
    name: str
    country: str
    admin1: str
    population: int
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Place:
    """What a mention designates.

    ``kind``: ``commune`` (``key`` = current INSEE code), ``department``, ``region``,
    ``country`` (ISO 3166-1 alpha-2), ``city`` (a place abroad, ``key`` = GeoNames id) or
    ``unknown`` (``key`` = the mention, ``within`` = the place its context names, if any).
    ``rule`` says how it was found.
    """

    kind: str
    key: str
    label: str
    rule: str
    within: Place | None = None
    context: str = ""  # for unknown places named without qualifiers: the record's départements or région

    @property
    def resolved(self) -> bool:
        return self.kind != "unknown"


@dataclass(frozen=True, slots=True)
class PlaceContext:
    """What the record says of where its places are: départements (codes), the load's région, a country."""

    departments: tuple[str, ...] = ()
    region: str | None = None
    country: str | None = None  # ISO alpha-2 when the record says its places are in one country
    foreign_first: bool = False  # the record is about a place abroad: names alone may be cities abroad


class World:
    """Countries, first-level subdivisions and populated places abroad, read on first use."""

    def __init__(self, countries: list[dict], world_rows: list[list[str]], qualifiers: dict) -> None:
        self.countries: dict[str, dict] = {c["alpha2"]: c for c in countries}
        self._country_names: dict[str, str] = {}
        for c in countries:
            for names in c["names"].values():
                for n in names:
                    self._country_names.setdefault(name_key(n), c["alpha2"])
        for n, code in qualifiers["countries"].items():
            self._country_names[name_key(n)] = code
        self._admin1: dict[str, str] = {}  # "US.MA" -> name
        self._admin1_names: dict[str, list[str]] = {}  # key -> ["US.MA", ...]
        self.cities: dict[str, City] = {}
        self._city_names: dict[str, list[City]] = {}
        for row in world_rows:
            if row[0] == "admin1":
                self._admin1[row[1]] = row[2]
                self._admin1_names.setdefault(name_key(row[2]), []).append(row[1])
                continue
            city = City(row[0], row[1], row[2], row[3], int(row[4] or 0), float(row[5]), float(row[6]))
            self.cities[city.geonames] = city
            keys = {name_key(city.name)} | {name_key(n) for n in row[7].split("|") if n}
            for key in keys:
                if key:
                    self._city_names.setdefault(key, []).append(city)
        for n, code in qualifiers["admin1"].items():
            self._admin1_names[name_key(n)] = [code]
            # US postal codes ('MA') are GeoNames' admin1 codes: 'Cambridge, MA'
        for code in list(self._admin1):
            if code.startswith("US."):
                self._admin1_names.setdefault(name_key(code[3:]), []).append(code)

    @classmethod
    def from_files(cls) -> World:
        countries = json.loads(COUNTRIES_FILE.read_text(encoding="utf-8"))["countries"]
        with gzip.open(WORLD_FILE, "rt", encoding="utf-8") as fh:
            next(fh)
            rows = [line.rstrip("\n").split("\t") for line in fh]
        qualifiers = json.loads(QUALIFIERS_FILE.read_text(encoding="utf-8"))
        return cls(countries, rows, qualifiers)

    @classmethod
    def default(cls) -> World:
        return _default_world()

    def country(self, text: str) -> str | None:
        """ISO alpha-2 of a country name in French, English, German, Italian, Spanish, Dutch or Portuguese."""
        return self._country_names.get(name_key(text))

    def country_name(self, alpha2: str, lang: str = "fr") -> str:
        c = self.countries.get(alpha2)
        if c is None:
            return alpha2
        names = c["names"].get(lang) or c["names"].get("en") or [alpha2]
        return names[-1] if alpha2 in ("US", "GB", "NL") and lang == "fr" and len(names) > 1 else names[0]

    def admin1(self, text: str) -> list[str]:
        """First-level subdivisions (``US.MA``) a qualifier names: ``Massachusetts``, ``Mass.``, ``MA``."""
        return list(self._admin1_names.get(name_key(text), ()))

    def cities_named(self, name: str, country: str | None = None, admin1: str | None = None) -> list[City]:
        """Places abroad called ``name`` (in ``country``, ``admin1``): those whose main name it is, if any,
        else those that have it among their other names (``Londres``, ``Neapel``)."""
        key = name_key(name)
        found = self._city_names.get(key, [])
        if country is not None:
            found = [c for c in found if c.country == country]
        if admin1 is not None:
            found = [c for c in found if f"{c.country}.{c.admin1}" == admin1]
        main = [c for c in found if name_key(c.name) == key]
        return main or found

    def dominant(self, cities: list[City], minimum: int = 0) -> City | None:
        """The one city that has ``DOMINANT_RATIO`` times the inhabitants of any other, if any."""
        if not cities:
            return None
        ranked = sorted(cities, key=lambda c: -c.population)
        first = ranked[0]
        if first.population < minimum:
            return None
        if len(ranked) > 1 and first.population < DOMINANT_RATIO * ranked[1].population:
            return None
        return first


@cache
def _default_world() -> World:
    return World.from_files()


@dataclass
class _Mention:
    name: str
    qualifiers: list[str] = field(default_factory=list)


def _parse(text: str, is_container: Callable[[str], bool] = lambda _: False) -> _Mention:
    """``Quesnoy (Le) (Nord)`` → name ``Le Quesnoy``, qualifiers ``[Nord]``; ``Cambridge, Mass.`` → ``Cambridge`` + ``[Mass.]``;
    ``France, Saône-et-Loire, Autun (lieu de création)`` (Joconde: largest first, a role) → ``Autun`` + the others."""
    text = " ".join(text.replace("\u2019", "'").split()).strip(" .;:/")
    qualifiers: list[str] = []
    while m := _QUALIFIED.match(text):
        qualifiers.extend(q.strip() for q in re.split(r"[,;]", m["q"]) if q.strip() and not _ROLE.match(q.strip()))
        text = (m["name"] + " " + m["rest"]).strip()
    if "," in text:
        parts = [p.strip() for p in text.split(",")]
        head, *tail = parts
        if m := _ARTICLE_AT_END.match(text):  # 'Quesnoy, Le'
            head, tail = m["name"], [m["article"]]
        elif len(parts) > 1 and is_container(parts[0]) and not is_container(parts[-1]):
            head, tail = parts[-1], [p for p in parts[:-1] if is_container(p)]  # 'France, Nord, Lille'
        qualifiers = [t for t in tail if t] + qualifiers
        text = head
    name = text.strip(" .")
    rest: list[str] = []
    for q in qualifiers:
        article = _ARTICLES.get(q.lower().rstrip("."))
        if article is not None and not rest and name:
            name = f"{article}{'' if article.endswith(chr(39)) else ' '}{name}"
        else:
            rest.append(q.strip(" ."))
    return _Mention(name, [q for q in rest if q])


class PlaceResolver:
    """Resolves place mentions against the reference data; results are cached per (mention, context)."""

    def __init__(self, geo: Geography | None = None, world: World | None = None) -> None:
        self.geo = geo or Geography.default()
        self._world = world

    @property
    def world(self) -> World:
        if self._world is None:
            self._world = World.default()
        return self._world

    def resolve(self, text: str, context: PlaceContext = PlaceContext()) -> Place | None:
        """The place ``text`` designates; None when it names no place (empty, ``[S.l.]``)."""
        if not isinstance(text, str):
            return None
        return self._resolve(" ".join(text.split()), context)

    @lru_cache(maxsize=65536)  # noqa: B019 (one resolver per load; mentions repeat)
    def _resolve(self, text: str, context: PlaceContext) -> Place | None:
        clean = text.strip(" []").strip()
        if not clean or _PLACEHOLDERS.match(clean.strip(" .[]")):
            return None
        code = clean.upper()
        if is_insee_code(code) and (c := self.geo.commune(code)) is not None:
            return self._commune(c, "insee")
        found = self._by_postcode(clean)
        if found is not None:
            return found
        mention = _parse(clean, self._is_container)
        if not mention.name:
            return None
        return self._qualified(clean, mention, context)

    def _is_container(self, text: str) -> bool:
        """A country, département, région or subdivision abroad: what a hierarchical form starts with."""
        return (name_key(text) == "france" or self.world.country(text) is not None
                or self.geo.department_named(text) is not None or self.geo.region_of_label(text) is not None)

    # -- the steps -----------------------------------------------------------

    def _commune(self, c: Commune, rule: str) -> Place:
        return Place("commune", c.code, c.name, rule)

    def _unknown(self, text: str, rule: str, within: Place | None = None, context: str = "") -> Place:
        return Place("unknown", text, text, rule, within, context)

    def _by_postcode(self, text: str) -> Place | None:
        m = _POSTCODE.search(text)
        if m is None or is_insee_code(text.upper()):
            return None
        communes = self.geo.communes_with_postcode(m[1])
        if not communes:
            return None
        name = (text[: m.start()] + " " + text[m.end():]).strip(" ,()-")
        if name:
            key = name_key(_parse(name).name)
            communes = [c for c in communes if name_key(c.name) == key]
        if len(communes) == 1:
            return self._commune(communes[0], "postcode")
        return None

    def _qualified(self, text: str, mention: _Mention, context: PlaceContext) -> Place:
        geo, name = self.geo, mention.name
        departments: list[str] = []
        regions: list[str] = []
        countries: list[str] = []
        admin1: list[str] = []
        unknown: list[str] = []
        for q in mention.qualifiers:
            if name_key(q) == "france":
                countries.append("FR")
            elif (d := geo.department_named(q)) is not None:
                departments.append(d.code)
            elif (r := geo.region_of_label(q)) is not None:
                regions.append(r)
            elif (a := self.world.admin1(q)):
                admin1.extend(a)
            elif (c := self.world.country(q)) is not None:
                countries.append(c)
            else:
                unknown.append(q)
        abroad = [c for c in countries if c != "FR"] or sorted({a.split(".")[0] for a in admin1})
        if unknown or len(set(abroad)) > 1 or (abroad and (departments or regions or "FR" in countries)):
            # qualifiers we cannot read, or that contradict each other: known by its label only
            within = self._container(departments, regions, countries)
            return self._unknown(text, "unread qualifier", within)
        if abroad:
            return self._abroad(text, name, abroad[0], admin1[0] if len(admin1) == 1 else None)
        return self._in_france(text, name, departments, regions, "FR" in countries, context)

    def _container(self, departments: list[str], regions: list[str], countries: list[str]) -> Place | None:
        if len(departments) == 1:
            d = self.geo.department(departments[0])
            assert d is not None
            return Place("department", d.code, d.name, "qualifier")
        if len(regions) == 1:
            r = self.geo.region(regions[0])
            return Place("region", regions[0], r[1] if r else regions[0], "qualifier")
        if len(countries) == 1:
            return Place("country", countries[0], self.world.country_name(countries[0]), "qualifier")
        return None

    def _abroad(self, text: str, name: str, country: str, admin1: str | None) -> Place:
        world = self.world
        country_place = Place("country", country, world.country_name(country), "qualifier")
        if world.country(name) == country:
            return Place("country", country, country_place.label, "country name")
        cities = world.cities_named(name, country, admin1)
        if len(cities) == 1:
            return Place("city", cities[0].geonames, cities[0].name, "name+country" if admin1 is None else "name+admin1",
                         country_place)
        city = world.dominant(cities)
        if city is not None:
            return Place("city", city.geonames, city.name, "name+country, most populated", country_place)
        return self._unknown(text, "ambiguous abroad" if cities else "unknown abroad", country_place)

    def _in_france(self, text: str, name: str, departments: list[str], regions: list[str], france: bool,
                   context: PlaceContext) -> Place:
        geo, world = self.geo, self.world
        qualified = bool(departments or regions or france)
        if len(set(departments)) > 1:
            return self._unknown(text, "two départements")
        # 1. the mention's own département or région
        if departments:
            matches = geo.communes_named(name, departments[0])
            if len(matches) == 1:
                return self._commune(matches[0].commune, "name+department")
            d = geo.department(departments[0])
            assert d is not None
            within = Place("department", d.code, d.name, "qualifier")
            if matches:
                return self._unknown(text, "ambiguous in department", within)
            if name_key(name) == name_key(d.name):
                return within
            return self._unknown(text, "unknown in department", within)
        matches = geo.communes_named(name)
        if regions:
            in_region = [m for m in matches if m.commune.region in regions]
            if len(in_region) == 1:
                return self._commune(in_region[0].commune, "name+region")
            r = geo.region(regions[0])
            within = Place("region", regions[0], r[1] if r else regions[0], "qualifier")
            if not in_region and geo.region_of_label(name) == regions[0]:
                return within
            return self._unknown(text, "ambiguous in region" if in_region else "unknown in region", within)
        # 2. a département, région or country named alone; a commune's former name does not hide them
        # (Allemagne: Allemagne-en-Provence until 1918), a small commune does not hide a région (Bretagne)
        named = [m for m in matches if m.kind == "c"]
        department = geo.department_named(name)
        if department is not None and not name_key(name).isdigit():
            same = [m for m in named if m.commune.department == department.code]
            if named and len(same) == len(named) == 1:  # Paris: the commune is the département
                return self._commune(same[0].commune, "name")
            if not named:
                return Place("department", department.code, department.name, "department name")
            return self._unknown(text, "commune or department")
        region = geo.region_of_label(name)
        if region is not None:
            r = geo.region(region)
            current = Place("region", region, r[1] if r else name, "region name")
            if r is not None and name_key(re.sub(r"(?i)^r[ée]gion\s+", "", name)) == name_key(r[1]):
                return current
            if not named:
                # a former region (Picardie) is not today's (Hauts-de-France): a place of its own within it
                return self._unknown(text, "former region", current)
        country = world.country(name)
        if country is not None and not named:
            return Place("country", country, world.country_name(country), "country name")
        # 3. communes, narrowed by the record's context
        if len(matches) > 1 and context.departments:
            near = [m for m in matches if m.commune.department in context.departments]
            if len(near) == 1:
                return self._commune(near[0].commune, "name+record department")
        if len(matches) > 1 and context.region:
            near = [m for m in matches if m.commune.region == context.region]
            if len(near) == 1:
                return self._commune(near[0].commune, "name+load region")
        context_key = ",".join(context.departments) or (context.region or "")
        if len(matches) > 1:
            return self._unknown(text, "ambiguous commune", None, context_key)
        abroad = [] if france else world.cities_named(name)
        if len(matches) == 1 and context.departments and matches[0].commune.department not in context.departments:
            # the record says which départements it is about (an archives service's own): not this one
            return self._unknown(text, "commune outside the record's départements", None, context_key)
        if len(matches) == 1:
            commune = matches[0].commune
            in_context = commune.department in context.departments or commune.region == context.region
            rival = max(abroad, key=lambda c: c.population, default=None)
            population = geo.population(commune.code) or 0
            if (qualified or in_context or rival is None
                    or rival.population < max(RIVAL_POPULATION, population)):
                return self._commune(commune, "name+france" if france else "name")
            big_abroad = world.dominant(abroad, DOMINANT_POPULATION)
            if big_abroad is not None and big_abroad.population >= 10 * population:  # Venise (Doubs, 200 inhabitants)
                return self._city(big_abroad, "name, most populated, not the small commune")
            return self._unknown(text, "commune or city abroad", None, context_key)
        big_abroad = world.dominant(abroad, ABROAD_POPULATION)
        # 4. abroad, by a name alone
        if big_abroad is not None:
            return self._city(big_abroad, "name, only or most populated abroad")
        return self._unknown(text, "unknown", None, context_key)

    def _city(self, city: City, rule: str) -> Place:
        country = Place("country", city.country, self.world.country_name(city.country), "city")
        return Place("city", city.geonames, city.name, rule, country)
