"""Places of the reference data (graph/geo.py, graph/places.py) as reconciliation candidates.

Every commune, département and région of France and the places abroad GeoNames lists have the IRI
the graph mints for them (``place/commune/{INSEE}``...), whether or not a loaded record names them
yet: a spreadsheet of communes reconciles against all of France, and a name several communes bear
(``Saint-Omer``: Pas-de-Calais and Calvados) shows every one of them. What the place resolution of
the loaders decides (``Saint-Omer (Pas-de-Calais)``, ``Lille, Nord``, ``Quesnoy (Le)``, an INSEE
code, a former name) is taken as an exact answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.geo import Geography, is_insee_code
from graph.iri import Minter
from graph.places import Place, PlaceContext, PlaceResolver, _parse as parse_mention

from .keys import key

MOST_CITIES = 5  # places abroad of one name, the most populated first


@dataclass
class Thing:
    """A candidate: an entity of the index, or a place of the reference data."""

    iri: str
    name: str
    types: tuple[str, ...]
    labels: tuple[str, ...]  # name keys
    ids: tuple[tuple[str, str], ...] = ()
    places: tuple[str, ...] = ()
    years: dict[str, tuple[int, int]] = field(default_factory=dict)
    canonical: bool = False
    in_graph: bool = True
    resolved: bool = False  # the place resolution designates it: an exact answer
    namesake: bool = False  # a former name of it, or a namesake of the place the resolution chose


class ReferencePlaces:
    def __init__(self, minter: Minter, geo: Geography | None = None) -> None:
        self.minter = minter
        self.geo = geo or Geography.default()
        self.resolver = PlaceResolver(self.geo)

    def warm(self) -> None:
        """Read the reference data now (communes' names, places abroad): the first query does not wait for it."""
        self.geo.communes_named("Amiens")
        self.resolver.world.country("France")

    def candidates(self, text: str, departments: tuple[str, ...] = ()) -> list[Thing]:
        """The reference places ``text`` may name; the one the place resolution designates marked ``resolved``."""
        text = " ".join(text.split())
        if not text:
            return []
        out: dict[str, Thing] = {}
        resolved = self.resolver.resolve(text, PlaceContext(departments=departments))
        if resolved is not None and resolved.resolved:
            thing = self.place(resolved)
            if thing is not None:
                thing.resolved = True
                out[thing.iri] = thing
        name = parse_mention(text).name if not is_insee_code(text.upper()) else ""
        if name:
            qkey = key(name).text
            for m in self.geo.communes_named(name):
                thing = self.commune(m.commune.code)
                if thing.iri not in out:
                    if m.kind != "c":
                        thing.namesake = True
                        thing.labels += (qkey,)
                    out[thing.iri] = thing
            department = self.geo.department_named(name)
            if department is not None and not name.strip().isdigit():
                thing = self.department(department.code)
                out.setdefault(thing.iri, thing)
            region = self.geo.region_of_label(name)
            if region is not None:
                thing = self.region(region)
                out.setdefault(thing.iri, thing)
            world = self.resolver.world
            country = world.country(name)
            if country is not None:
                thing = self.country(country)
                out.setdefault(thing.iri, thing)
            for city in sorted(world.cities_named(name), key=lambda c: -c.population)[:MOST_CITIES]:
                thing = self.city(city.geonames)
                out.setdefault(thing.iri, thing)
        return list(out.values())

    def place(self, place: Place) -> Thing | None:
        return {"commune": self.commune, "department": self.department, "region": self.region,
                "country": self.country, "city": self.city}.get(place.kind, lambda _: None)(place.key)

    def of_iri(self, iri: str) -> Thing | None:
        """The reference place of a graph IRI (``…/place/commune/80021``), or None."""
        base = self.minter.base + "place/"
        if not iri.startswith(base):
            return None
        kind, _, code = iri[len(base):].partition("/")
        make = {"commune": self.commune, "department": self.department, "region": self.region,
                "country": self.country, "geonames": self.city}.get(kind)
        try:
            return make(code) if make is not None and code else None
        except (KeyError, ValueError):
            return None

    # -- one Thing per kind of place -------------------------------------------------

    def commune(self, code: str) -> Thing:
        c = self.geo.commune(code)
        if c is None:
            raise KeyError(code)
        ids = [("insee", c.code), ("*", c.code)]
        if (g := self.geo.geonames(c.code)) is not None:
            ids += [("geonames", g), ("*", g)]
        return Thing(Minter.plain(self.minter.commune(c.code)), c.name, ("commune", "place"), (key(c.name).text,),
                     tuple(ids), (f"c:{c.code}", f"d:{c.department}", f"r:{c.region}"), in_graph=False)

    def department(self, code: str) -> Thing:
        d = self.geo.department(code)
        if d is None:
            raise KeyError(code)
        return Thing(Minter.plain(self.minter.department(d.code)), d.name, ("department", "place"),
                     (key(d.name).text,), (("insee", d.code), ("*", d.code)), (f"d:{d.code}", f"r:{d.region}"),
                     in_graph=False)

    def region(self, code: str) -> Thing:
        r = self.geo.region(code)
        if r is None:
            raise KeyError(code)
        return Thing(Minter.plain(self.minter.region(r[0])), r[1], ("region", "place"), (key(r[1]).text,),
                     (("insee", r[0]), ("*", r[0])), (f"r:{r[0]}",), in_graph=False)

    def country(self, alpha2: str) -> Thing:
        world = self.resolver.world
        code = alpha2.upper()
        if code not in world.countries:
            raise KeyError(alpha2)
        name = world.country_name(code)
        return Thing(Minter.plain(self.minter.country(code)), name, ("country", "place"), (key(name).text,),
                     (("*", code),), (f"k:{code.lower()}",), in_graph=False)

    def city(self, geonames: str) -> Thing:
        city = self.resolver.world.cities.get(geonames)
        if city is None:
            raise KeyError(geonames)
        return Thing(Minter.plain(self.minter.geonames(city.geonames)), city.name, ("place-abroad", "place"),
                     (key(city.name).text,), (("geonames", city.geonames), ("*", city.geonames)),
                     (f"k:{city.country.lower()}",), in_graph=False)
