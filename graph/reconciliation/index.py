"""The in-memory name index the reconciliation service ranks candidates with, built from the store.

One pass of a few SPARQL queries over the store reads every entity of the service's types (persons,
groups, places, heritage objects, concepts): its names, narrower types, identifiers, authority
entities, life years and the places it lies in. Queries are then answered from dictionaries, with
no work in the store: a name's key, its words, an identifier each lead straight to their entities.

Entities are the resources with an IRI of their own: the parts of a record (``{record}#…``) are not,
except the persons a record names (*mentions*), as long as no canonical person of the links graph
(``patrimoine link``: ``pkg:hasMention``) stands for them; when one does, the canonical person takes
the mentions' names, years and identifiers, and the mentions are left out. Groups the links graph
says are one institution (``owl:sameAs`` between two ``org/`` IRIs: ``Musée Sandelin`` is the *musée
de l'hôtel Sandelin*) are folded the same way into that institution. A folded IRI still finds the
entity it is folded into (:meth:`EntityIndex.find`). The institutions of the reference tables
(:mod:`graph.institutions`) are entities too, with the IRI the graph mints for them, whether or not
a record names them yet.

Memory is kept small: entities are numbers, postings are ``array('I')``, an entity's types a
shared tuple.
"""

from __future__ import annotations

import bisect
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from graph import authorities
from graph.geo import Geography
from graph.institutions import Institutions
from graph.iri import segment
from graph.namespaces import CRM, OWL, PKG, RDFS, SKOS

from .keys import key, person_key, surname_key, years_in
from .schema import Schema

Span = tuple[int, int]
# The place codes an entity lies in (or is): "c:80021" commune, "d:80" department, "r:32" region, "k:fr" country.
# The service's property of each identifier scheme of the reference tables of institutions (graph/institutions.py).
INSTITUTION_IDS = {"museofile": "museofile", "archives": "archives-code", "rcr": "rcr", "isil": "isil"}
PLACE_SCHEMES = {"place/commune/": "c", "place/department/": "d", "place/region/": "r", "place/country/": "k"}


@dataclass
class IndexStats:
    entities: int = 0
    labels: int = 0
    tokens: int = 0
    identifiers: int = 0
    seconds: float = 0.0
    by_type: dict[str, int] = field(default_factory=dict)


class EntityIndex:
    """Names, types and property values of every entity the service reconciles against."""

    def __init__(self, schema: Schema, geo: Geography | None = None) -> None:
        self.schema = schema
        self.base = schema.base
        self.geo = geo or Geography.default()
        self.iris: list[str] = []
        self.names: list[str] = []
        self.types: list[tuple[str, ...]] = []  # most specific first, broader types after
        self.canonical: array = array("B")  # 1 for an entity the links graph makes stand for others
        self.in_graph: array = array("B")  # 0 for an institution of the reference tables the graph does not name
        self.labels: list[tuple[str, ...]] = []  # the keys (Key.text) of each entity's names
        self.by_key: dict[str, array] = {}  # Key.text → entities
        self.by_sorted: dict[str, array] = {}  # Key.sorted → entities
        self.by_token: dict[str, array] = {}  # word → entities
        self.words: list[str] = []  # every word, sorted (prefix search)
        self.by_id: dict[str, array] = {}  # "pid\x1fvalue" → entities ("*" for any identifier)
        self.ids: dict[int, tuple[tuple[str, str], ...]] = {}  # entity → (pid, value)
        self.years: dict[str, dict[int, Span]] = {}  # pid → entity → (earliest, latest)
        self.places: dict[int, tuple[str, ...]] = {}  # entity → place codes (PLACE_SCHEMES)
        self.number: dict[str, int] = {}  # IRI → entity
        self.stats = IndexStats()

    # -- reading -----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.iris)

    def short_id(self, n: int) -> str:
        iri = self.iris[n]
        return iri[len(self.base):] if iri.startswith(self.base) else iri

    def find(self, identifier: str) -> int | None:
        """The entity of an IRI or of a short id (relative to the base IRI)."""
        n = self.number.get(identifier)
        if n is None and "://" not in identifier:
            n = self.number.get(self.base + identifier.lstrip("/"))
        return n

    def values(self, n: int, pid: str) -> list[str]:
        return [v for p, v in self.ids.get(n, ()) if p == pid]

    def words_starting(self, prefix: str, most: int) -> list[str]:
        i = bisect.bisect_left(self.words, prefix)
        out = []
        while i < len(self.words) and len(out) < most and self.words[i].startswith(prefix):
            out.append(self.words[i])
            i += 1
        return out

    # -- building ----------------------------------------------------------------

    @classmethod
    def build(cls, kg, schema: Schema, geo: Geography | None = None) -> EntityIndex:
        """Read the store of ``kg`` (a :class:`graph.store.KnowledgeGraph`) into a new index."""
        started = time.perf_counter()
        index = cls(schema, geo)
        _Builder(index, kg).run()
        index.stats.seconds = time.perf_counter() - started
        return index


class _Builder:
    def __init__(self, index: EntityIndex, kg) -> None:
        self.index = index
        self.kg = kg
        self.schema = index.schema
        self.base = index.base
        self.folded: dict[str, str] = {}  # a person mention, a group → the entity the links graph makes stand for it
        self.standing: set[str] = set()  # the entities standing for others
        self.labels: list[list[str]] = []
        self.type_sets: list[set[str]] = []
        self.shared_types: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.ids: dict[int, set[tuple[str, str]]] = {}
        self.places: dict[int, set[str]] = {}

    def rows(self, query: str) -> Iterator[ox.QuerySolution]:
        return iter(self.kg.query(query, prefixes=True))

    def run(self) -> None:
        index = self.index
        self.folded = {r[1].value: r[0].value for r in self.rows(
            f"SELECT ?p ?m WHERE {{ ?p {PKG.hasMention} ?m }}") if isinstance(r[0], ox.NamedNode)}
        self.folded.update(self._same_institutions())
        self.standing = set(self.folded.values())
        tops = [t for t in self.schema.types.values() if t.cls is not None]
        for t in tops:
            self._entities(t.id, t.cls)
        self._institutions()
        self._narrower()
        self._identifiers()
        self._authorities()
        self._years()
        self._places()
        self._finish()
        for iri, target in self.folded.items():
            if (n := index.number.get(target)) is not None:
                index.number.setdefault(iri, n)
        index.stats.entities = len(index)
        index.stats.labels = sum(len(x) for x in index.labels)
        index.stats.tokens = len(index.by_token)
        index.stats.identifiers = sum(len(x) for x in index.ids.values())
        for types in index.types:
            index.stats.by_type[types[-1]] = index.stats.by_type.get(types[-1], 0) + 1

    def _same_institutions(self) -> dict[str, str]:
        """Group → the institution the links graph says it is (``owl:sameAs`` from ``patrimoine link``), chains followed."""
        org = self.base + "org/"
        same = {s.value: o.value for s, o in self.rows(f"SELECT ?s ?o WHERE {{ GRAPH {self.kg.links} {{ ?s {OWL.sameAs} ?o }} }}")
                if isinstance(o, ox.NamedNode) and s.value.startswith(org) and o.value.startswith(org)}
        out = {}
        for group in same:
            target, seen = same[group], {group}
            while target in same and target not in seen:
                seen.add(target)
                target = same[target]
            if target != group:
                out[group] = target
        return out

    def _entity(self, iri: str, type_id: str, canonical: bool = False) -> int:
        index = self.index
        n = index.number.get(iri)
        if n is None:
            n = index.number[iri] = len(index.iris)
            index.iris.append(iri)
            index.names.append("")
            index.canonical.append(1 if canonical else 0)
            index.in_graph.append(1)
            self.labels.append([])
            self.type_sets.append({type_id})
        return n

    def _accepts(self, iri: str, type_id: str) -> bool:
        """Entities have IRIs of their own, minted by the graph; a record's parts do not count, except the
        persons it names."""
        if not iri.startswith(self.base):
            return False
        if "#" not in iri:
            return True
        return type_id == "person" and "person-" in iri.rsplit("#", 1)[1]

    def _entities(self, type_id: str, cls: str) -> None:
        label_paths = f"{RDFS.label}|{SKOS.prefLabel}|{SKOS.altLabel}"
        if type_id == "object":
            label_paths += f"|{CRM.P102_has_title}/{CRM.P190_has_symbolic_content}"
        q = f"SELECT ?s ?l WHERE {{ ?s a <{cls}> ; {label_paths} ?l }}"
        for s, label in self.rows(q):
            if not isinstance(s, ox.NamedNode) or not isinstance(label, ox.Literal):
                continue
            iri = s.value
            if not self._accepts(iri, type_id):
                continue
            if type_id in ("person", "group"):
                target = self.folded.get(iri)
                if target is not None:  # a mention, a group the links graph folds: its names go to its entity
                    n = self._entity(target, type_id, canonical=True)
                    self.labels[n].append(label.value)
                    continue
                if iri in self.standing:
                    n = self._entity(iri, type_id, canonical=True)
                    self.index.canonical[n] = 1
                    self._name(n, label.value, first=True)
                    continue
            n = self._entity(iri, type_id)
            self._name(n, label.value)

    def _name(self, n: int, label: str, first: bool = False) -> None:
        labels = self.labels[n]
        if label in labels:
            return
        if first or not self.index.names[n]:
            self.index.names[n] = label
        labels.insert(0, label) if first else labels.append(label)

    def _narrower(self) -> None:
        """Narrower types: by IRI path, by crm:P2_has_type, by skos:inScheme."""
        index, types = self.index, self.schema.types
        by_path = [(t.id, self.base + p) for t in types.values() for p in t.iri]
        concepts: dict[str, list[str]] = {}
        schemes: dict[str, list[str]] = {}
        for t in types.values():
            for c in t.has_type:
                concepts.setdefault(c, []).append(t.id)
            for s in t.scheme:
                schemes.setdefault(s, []).append(t.id)
        for n, iri in enumerate(index.iris):
            for type_id, prefix in by_path:
                if iri.startswith(prefix) and types[type_id].broader in self.type_sets[n]:
                    self.type_sets[n].add(type_id)
        for predicate, table in ((CRM.P2_has_type, concepts), (SKOS.inScheme, schemes)):
            if not table:
                continue
            values = " ".join(f"<{c}>" for c in table)
            for s, c in self.rows(f"SELECT DISTINCT ?s ?c WHERE {{ VALUES ?c {{ {values} }} ?s {predicate} ?c }}"):
                n = index.number.get(s.value) if isinstance(s, ox.NamedNode) else None
                if n is None:
                    continue
                for type_id in table[c.value]:
                    if types[type_id].broader in self.type_sets[n]:
                        self.type_sets[n].add(type_id)

    def _subject(self, term) -> int | None:
        if not isinstance(term, ox.NamedNode):
            return None
        iri = self.folded.get(term.value, term.value)
        return self.index.number.get(iri)

    def _identifiers(self) -> None:
        pid_of: dict[str, str] = {t: p.id for p in self.schema.properties.values() for t in p.identifier_types}
        q = (f"SELECT ?s ?t ?v WHERE {{ ?s {CRM.P1_is_identified_by} ?i . ?i a {CRM.E42_Identifier} ;"
             f" {CRM.P190_has_symbolic_content} ?v ."
             f" OPTIONAL {{ ?i {CRM.P2_has_type} ?t }} }}")
        for s, t, v in self.rows(q):
            n = self._subject(s)
            if n is None or not isinstance(v, ox.Literal):
                continue
            found = self.ids.setdefault(n, set())
            found.add(("*", v.value))
            pid = pid_of.get(t.value) if t is not None else None
            if pid is not None:
                found.add((pid, v.value))

    def _authorities(self) -> None:
        pid_of = {p.authority: p.id for p in self.schema.properties.values() if p.authority}
        for s, o in self.rows(f"SELECT ?s ?o WHERE {{ ?s {OWL.sameAs} ?o }}"):
            n = self._subject(s)
            if n is None or not isinstance(o, ox.NamedNode):
                continue
            found = authorities.parse(o.value)
            if found is None:
                continue
            ids = self.ids.setdefault(n, set())
            ids.add(("*", found.id))
            if found.scheme in pid_of:
                ids.add((pid_of[found.scheme], found.id))

    def _years(self) -> None:
        index = self.index
        person = self.schema.types["person"].cls
        for p in self.schema.properties.values():
            if p.kind != "year" or not p.pattern:
                continue
            spans = index.years.setdefault(p.id, {})
            for s, v, w in self.rows(f"SELECT ?s ?v ?w WHERE {{ ?s a <{person}> . {p.pattern} }}"):
                n = self._subject(s)
                span = _span(v, w)
                if n is not None and span is not None:
                    spans[n] = _widest(spans.get(n), span)
        births, deaths = index.years.setdefault("birth-year", {}), index.years.setdefault("death-year", {})
        for n, labels in enumerate(self.labels):
            if "person" not in self.type_sets[n]:
                continue
            for label in labels:
                birth, death = years_in(label)
                if birth and n not in births:
                    births[n] = birth
                if death and n not in deaths:
                    deaths[n] = death

    def _places(self) -> None:
        """The communes, departments, regions and countries each place, object and group lies in: the place it
        falls within (crm:P89), or that its location or residence falls within; the reference data says the rest."""
        geo = self.geo_places
        located = f"{CRM.P55_has_current_location}|{CRM.P74_has_current_or_former_residence}"
        for t in ("place", "object", "group"):
            cls = self.schema.types[t].cls
            path = CRM.P89_falls_within if t == "place" else f"{located} ?l . ?l {CRM.P89_falls_within}"
            for s, c in self.rows(f"SELECT DISTINCT ?s ?c WHERE {{ ?s a <{cls}> ; {path} ?c }}"):
                n = self._subject(s)
                if n is not None and isinstance(c, ox.NamedNode):
                    self.places.setdefault(n, set()).update(geo(c.value))
        for n, iri in enumerate(self.index.iris):
            if iri.startswith(self.base + "place/"):
                codes = geo(iri)
                if codes:
                    self.places.setdefault(n, set()).update(codes)

    def _institutions(self) -> None:
        """The institutions of the reference tables (the Musées de France, archives services...), in the graph or
        not yet, with what the tables say of them: their names, where each is, their own ids."""
        index = self.index
        for inst in Institutions.default().known():
            iri = self.base + f"org/{inst.scheme}/{segment(inst.id)}"
            n = index.number.get(iri)
            if n is None:
                n = self._entity(iri, "group")
                index.in_graph[n] = 0
            for name in (inst.name, *inst.names):
                for part in (name, *name.split(" - ")) if name and " - " in name else (name,) if name else ():
                    self._name(n, part)  # "LaM - Lille Métropole Musée d'art moderne...": also "LaM"
            place = f"commune/{inst.commune}" if inst.commune else f"department/{inst.department}" if inst.department else ""
            if place:
                self.places.setdefault(n, set()).update(self.geo_places(self.base + "place/" + place))
            ids = self.ids.setdefault(n, set())
            for scheme, value in inst.ids:
                ids.add(("*", value))
                if scheme in INSTITUTION_IDS:
                    ids.add((INSTITUTION_IDS[scheme], value))

    def geo_places(self, iri: str) -> list[str]:
        """``place/commune/80021`` → ``c:80021``, ``d:80``, ``r:32``: a place and what the reference data puts it in."""
        for path, scheme in PLACE_SCHEMES.items():
            if iri.startswith(self.base + path):
                code = iri[len(self.base) + len(path):]
                out = [f"{scheme}:{code}"]
                if scheme == "c" and (c := self.index.geo.commune(code)) is not None:
                    out += [f"d:{c.department}", f"r:{c.region}"]
                elif scheme == "d" and (d := self.index.geo.department(code)) is not None:
                    out.append(f"r:{d.region}")
                return out
        return []

    def _finish(self) -> None:
        index = self.index
        by_key: dict[str, list[int]] = {}
        by_sorted: dict[str, list[int]] = {}
        by_token: dict[str, list[int]] = {}
        for n, labels in enumerate(self.labels):
            if not index.names[n]:
                index.names[n] = labels[0] if labels else index.iris[n]
            keys: list[str] = []
            words: set[str] = set()
            for label in labels:
                k = key(label)
                if not k or k.text in keys:
                    continue
                keys.append(k.text)
                _post(by_key, k.text, n)
                if k.sorted != k.text:
                    _post(by_sorted, k.sorted, n)
                words.update(k.tokens)
            if "person" in self.type_sets[n]:
                for label in labels:
                    for pk in (person_key(label), surname_key(label)):
                        if pk and pk not in keys:
                            keys.append(pk)
                            _post(by_sorted, pk, n)
            for w in words:
                _post(by_token, w, n)
            index.labels.append(tuple(keys))
            lineage = sorted(self.type_sets[n], key=lambda t: -len(self.schema.lineage(t)))
            shared = tuple(lineage)
            index.types.append(self.shared_types.setdefault(shared, shared))
        self.labels = []
        index.by_key = {k: array("I", v) for k, v in by_key.items()}
        index.by_sorted = {k: array("I", v) for k, v in by_sorted.items()}
        index.by_token = {k: array("I", v) for k, v in by_token.items()}
        index.words = sorted(index.by_token)
        by_id: dict[str, list[int]] = {}
        for n, ids in self.ids.items():
            index.ids[n] = tuple(sorted(ids))
            for pid, value in ids:
                _post(by_id, id_key(pid, value), n)
        index.by_id = {k: array("I", v) for k, v in by_id.items()}
        index.places = {n: tuple(sorted(codes)) for n, codes in self.places.items()}


def id_key(pid: str, value: str) -> str:
    """How identifiers are looked up: case and spaces do not count (``fr-800219901``, ``PA 00116046``)."""
    return f"{pid}\x1f{''.join(value.split()).upper()}"


def _post(table: dict[str, list[int]], k: str, n: int) -> None:
    entries = table.get(k)
    if entries is None:
        table[k] = [n]
    elif entries[-1] != n:
        entries.append(n)


def _year(term) -> int | None:
    if not isinstance(term, ox.Literal):
        return None
    text = term.value.lstrip("+")
    negative = text.startswith("-")
    digits = text.lstrip("-").split("-", 1)[0]
    if not digits.isdigit():
        return None
    return -int(digits) if negative else int(digits)


def _span(begin, end) -> Span | None:
    b, e = _year(begin), _year(end)
    if b is None and e is None:
        return None
    return (b if b is not None else e, e if e is not None else b)  # type: ignore[return-value]


def _widest(old: Span | None, new: Span) -> Span:
    return new if old is None else (min(old[0], new[0]), max(old[1], new[1]))
