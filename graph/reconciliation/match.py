"""Reconciliation queries: read and check them, find and rank candidates, say when a candidate is a match.

Candidates of a query come from the name index (the name's key, the same words in another order,
the name's words), from identifiers the query gives (``properties``), and, for places, from the
reference data (:mod:`.reference`). Each is scored from 0 to 100:

- the name: 1 for the same key (case, accents, punctuation, ``St``/``Saint``, a leading article,
  qualifiers in brackets do not count), 0.98 for the same words in another order (``Nom, Prénom``
  and ``Prénom Nom``), else 0.95 × the best of the words in common and the three-letter pieces of
  words in common (both as Dice coefficients: a typo or a missing word costs a little); a person's
  surname alone (``Vauban`` for ``Vauban, Sébastien Le Prestre de``) is 0.8, never exact; a group's
  name followed by its commune (``Musée des Beaux-Arts d'Arras`` for the *Musée des Beaux-Arts* in
  Arras) is compared without the commune;
- each property the query gives agrees, disagrees or is unknown for the candidate; the score is
  ``100 × name × (1 − 0.4 × disagreeing/given − 0.1 × unknown/given)``, 100 for an identifier that
  agrees;
- ``type_strict: "should"`` (what OpenRefine sends when a type is chosen) halves the score of a
  candidate of none of the query's types: it comes after those of the type, never a match.

``match`` is true for one candidate only, and only when it is unambiguous: the one candidate an
identifier of the query designates, or else the one candidate of the query's types whose name is
exact and none of whose properties disagrees (an institution of the reference tables that the graph
does not name yet is never matched by its name alone).
"""

from __future__ import annotations

import heapq
import re
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from graph import authorities
from graph.geo import is_insee_code
from graph.institution_links import _without_commune

from .index import EntityIndex, id_key
from .keys import Key, key, person_key
from .reference import ReferencePlaces, Thing
from .schema import Property, Schema

MAX_QUERIES = 50  # queries in one batch
MAX_LIMIT = 100  # candidates per query
DEFAULT_LIMIT = 10
MAX_TEXT = 500  # characters of a query's text or of a property value
MAX_PROPERTIES = 20  # properties of one query, values of one property
MAX_TYPES = 10
MAX_SCORED = 50  # candidates scored per query besides those of the exact name: the most words in common
MAX_POSTINGS = 1000  # entities a word adds; a commoner word only counts for the entities rarer words found
EXACT = 0.98
SURNAME = 0.8  # a person's surname alone
OTHER_TYPE = 0.5  # the share of its score a candidate of none of the query's types keeps (type_strict "should")
STRICTNESS = ("any", "should", "all")
_YEAR = re.compile(r"-?\d{1,4}")


class QueryError(ValueError):
    """A query the service cannot read (400), with what is wrong in plain words."""


@dataclass
class Query:
    text: str = ""
    types: list[str] = field(default_factory=list)
    type_strict: str = "any"
    limit: int = DEFAULT_LIMIT
    properties: list[tuple[Property, list[object]]] = field(default_factory=list)


@dataclass
class Candidate:
    thing: Thing
    score: float
    match: bool
    features: list[dict]
    name_score: float
    agree: int = 0
    disagree: int = 0
    id_agree: bool = False
    id_disagree: bool = False
    typed: bool = True  # of one of the query's types (or the query gives none)


# -- reading queries ---------------------------------------------------------------


def read_batch(batch: object, schema: Schema) -> dict[str, Query]:
    """A query batch (``{"q0": {...}, ...}``) checked and read; QueryError says what is wrong."""
    if not isinstance(batch, dict):
        raise QueryError("a query batch must be a JSON object of queries: {\"q0\": {\"query\": \"...\"}}")
    if len(batch) > MAX_QUERIES:
        raise QueryError(f"{len(batch)} queries in one batch: at most {MAX_QUERIES}")
    out = {}
    for name, query in batch.items():
        if len(name) > 100:
            raise QueryError("a query's key is longer than 100 characters")
        try:
            out[name] = read_query(query, schema)
        except QueryError as e:
            raise QueryError(f"query {name[:40]!r}: {e}") from None
    return out


def read_query(query: object, schema: Schema) -> Query:
    if isinstance(query, str):  # the 0.1 form: a bare name
        query = {"query": query}
    if not isinstance(query, dict):
        raise QueryError("a query must be an object with \"query\" and optional \"type\", \"limit\", \"properties\"")
    unknown = set(query) - {"query", "type", "limit", "properties", "type_strict"}
    if unknown:
        raise QueryError(f"unknown field {sorted(unknown)[0]!r} (known: query, type, limit, properties, type_strict)")
    q = Query()
    text = query.get("query", "")
    if not isinstance(text, str):
        raise QueryError("\"query\" must be a string")
    q.text = _short(text, "\"query\"").strip()
    q.types = read_types(query.get("type"), schema)
    strict = query.get("type_strict", "any")
    if strict not in STRICTNESS:
        raise QueryError(f"\"type_strict\" must be one of {', '.join(STRICTNESS)}")
    q.type_strict = strict
    limit = query.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit < 1:
        raise QueryError("\"limit\" must be a positive number")
    q.limit = min(int(limit), MAX_LIMIT)
    q.properties = read_properties(query.get("properties", []), schema)
    if not q.text and not q.properties:
        raise QueryError("a query needs a \"query\" text or \"properties\"")
    return q


def read_types(given: object, schema: Schema) -> list[str]:
    if given is None or given == "" or given == []:
        return []
    values = [given] if isinstance(given, str) else given
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise QueryError("\"type\" must be a type id or a list of type ids")
    if len(values) > MAX_TYPES:
        raise QueryError(f"at most {MAX_TYPES} types")
    out = []
    for v in values:
        t = schema.type(_short(v, "a type"))
        if t is None:
            raise QueryError(f"unknown type {v[:60]!r} (known: {', '.join(schema.types)})")
        out.append(t.id)
    return out


def read_properties(given: object, schema: Schema) -> list[tuple[Property, list[object]]]:
    if not isinstance(given, list):
        raise QueryError("\"properties\" must be a list of {\"pid\": ..., \"v\": ...}")
    if len(given) > MAX_PROPERTIES:
        raise QueryError(f"at most {MAX_PROPERTIES} properties in a query")
    out = []
    for p in given:
        if not isinstance(p, dict) or not isinstance(p.get("pid"), str) or "v" not in p:
            raise QueryError("each property must be {\"pid\": \"...\", \"v\": ...}")
        prop = schema.properties.get(p["pid"])
        if prop is None:
            raise QueryError(f"unknown property {p['pid'][:60]!r} (known: {', '.join(schema.properties)})")
        values = p["v"] if isinstance(p["v"], list) else [p["v"]]
        if len(values) > MAX_PROPERTIES:
            raise QueryError(f"at most {MAX_PROPERTIES} values of property {prop.id!r}")
        kept = []
        for v in values:
            if isinstance(v, dict):
                if not isinstance(v.get("id"), str):
                    raise QueryError(f"a value of property {prop.id!r} that is an object needs an \"id\"")
                v = {"id": _short(v["id"], "a value's id")}
            elif isinstance(v, str):
                v = _short(v, f"a value of property {prop.id!r}").strip()
            elif isinstance(v, bool) or not isinstance(v, (int, float)):
                raise QueryError(f"a value of property {prop.id!r} must be a string, a number or {{\"id\": ...}}")
            if v != "":
                kept.append(v)
        if kept:
            out.append((prop, kept))
    return out


def _short(text: str, what: str) -> str:
    if len(text) > MAX_TEXT:
        raise QueryError(f"{what} is {len(text)} characters long: at most {MAX_TEXT}")
    return text


# -- answering ---------------------------------------------------------------------


class Reconciler:
    """Answers queries from an :class:`EntityIndex` and the reference places."""

    def __init__(self, index: EntityIndex, reference: ReferencePlaces) -> None:
        self.index = index
        self.reference = reference
        self.schema = index.schema

    def reconcile(self, query: Query, deadline: float | None = None) -> list[Candidate]:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError("the batch ran longer than the time limit")
        qkey = key(query.text) if query.text else Key("", "", ())
        pkey = person_key(query.text) if query.text and self._wants("person", query) else ""
        things: dict[str, Thing] = {}
        named = self.index.by_sorted.get(pkey, ())[:MAX_POSTINGS] if pkey else ()
        surnamed = self.index.by_sorted.get("n:" + qkey.text, ())[:MAX_POSTINGS] if pkey else ()
        for n in self._entities(query, qkey).union(named, surnamed):
            thing = self.thing(n)
            things[thing.iri] = thing
        if query.text and self._wants("place", query):
            departments = tuple(sorted(self._departments(query)))
            for ref in self.reference.candidates(query.text, departments):
                found = things.get(ref.iri)
                if found is None:
                    n = self.index.number.get(ref.iri)
                    found = self.thing(n) if n is not None else ref
                    if n is not None:
                        found.labels += tuple(x for x in ref.labels if x not in found.labels)
                    things[ref.iri] = found
                found.resolved |= ref.resolved
                found.namesake |= ref.namesake and not ref.resolved
        if any(t.resolved for t in things.values()):  # the place the resolution designates; namesakes are not it
            for t in things.values():
                if not t.resolved and "place" in t.types:
                    t.namesake = True
        candidates = []
        for thing in things.values():
            if not self._typed(thing, query):
                continue
            candidates.append(self._score(thing, query, qkey, pkey))
        candidates = [c for c in candidates if c.score >= 30 or c.id_agree]
        candidates.sort(key=lambda c: (-c.score, -c.thing.canonical, not c.thing.in_graph, c.thing.name, c.thing.iri))
        _decide(candidates)
        return candidates[:query.limit]

    def thing(self, n: int) -> Thing:
        index = self.index
        years = {pid: spans[n] for pid, spans in index.years.items() if n in spans}
        return Thing(index.iris[n], index.names[n], index.types[n], index.labels[n], index.ids.get(n, ()),
                     index.places.get(n, ()), years, bool(index.canonical[n]), bool(index.in_graph[n]))

    # -- candidates

    def _entities(self, query: Query, qkey: Key) -> set[int]:
        index = self.index
        found: set[int] = set()
        for prop, values in query.properties:
            if prop.kind in ("identifier", "any-identifier"):
                pid = prop.id if prop.kind == "identifier" else "*"
                for v in values:
                    for value in self._id_values(prop, v):
                        found.update(index.by_id.get(id_key(pid, value), ()))
        if not qkey:
            return found
        for table, k in ((index.by_key, qkey.text), (index.by_sorted, qkey.sorted), (index.by_key, qkey.sorted)):
            found.update(table.get(k, ()))
        counts: dict[int, int] = {}
        for word in sorted(set(qkey.tokens), key=lambda w: len(index.by_token.get(w, ()))):  # rarest first
            postings = index.by_token.get(word)
            if postings is None:
                if len(word) < 4:
                    continue
                # a typo or another ending: the words that start alike
                postings = [n for w in index.words_starting(word[:4], 10) for n in index.by_token[w][:MAX_POSTINGS]]
            if len(postings) <= MAX_POSTINGS or not counts:
                for n in postings[:MAX_POSTINGS]:
                    counts[n] = counts.get(n, 0) + 1
            else:  # a common word ("de", "église"): it only adds to the entities the rarer words found
                for n in counts:
                    i = bisect_left(postings, n)
                    if i < len(postings) and postings[i] == n:
                        counts[n] += 1
        found.update(heapq.nlargest(MAX_SCORED, counts, key=counts.__getitem__))
        return found

    def _wants(self, top: str, query: Query) -> bool:
        """Whether candidates of type ``top`` (person, place...) may answer the query."""
        return not query.types or query.type_strict == "should" or any(
            top in self.schema.lineage(t) for t in query.types)

    def _typed(self, thing: Thing, query: Query) -> bool:
        if not query.types or query.type_strict == "should":
            return True
        has = [t in thing.types for t in query.types]
        return all(has) if query.type_strict == "all" else any(has)

    # -- scores

    def _score(self, thing: Thing, query: Query, qkey: Key, pkey: str = "") -> Candidate:
        features: list[dict] = []
        name = _name_score(qkey, thing) if qkey else 0.0
        if pkey and name < EXACT and pkey in thing.labels:  # the same person's name as graph/persons.py reads it
            name = EXACT
        elif pkey and name < SURNAME and "n:" + qkey.text in thing.labels:
            name = SURNAME
        if name < EXACT and "group" in thing.types and (town := self._name_in_commune(qkey, thing)):
            name = EXACT
            features.append({"id": "name_in_commune", "value": town})
        if thing.resolved:
            name = 1.0
        elif thing.namesake and name >= EXACT:
            name = 0.95
        given = agree = disagree = 0
        id_agree = id_disagree = False
        for prop, values in query.properties:
            verdict = self._agrees(thing, prop, values)
            given += 1
            if verdict is not None:
                features.append({"id": f"property:{prop.id}", "value": verdict})
            if verdict is True:
                agree += 1
                id_agree |= prop.kind in ("identifier", "any-identifier")
            elif verdict is False:
                disagree += 1
                id_disagree |= prop.kind in ("identifier", "any-identifier")
        unknown = given - agree - disagree
        if id_agree and not id_disagree:
            score = 100.0
        elif qkey:
            factor = 1 - (0.4 * disagree + 0.1 * unknown) / given if given else 1.0
            score = 100 * name * factor
        else:
            score = 0.0
        typed = not query.types or any(t in thing.types for t in query.types)
        if not typed:
            score *= OTHER_TYPE
            features.append({"id": "type_match", "value": False})
        if qkey:
            features.insert(0, {"id": "name", "value": round(name, 3)})
            features.insert(1, {"id": "name_exact", "value": name >= EXACT})
        features.append({"id": "in_graph", "value": thing.in_graph})
        return Candidate(thing, round(score, 1), False, features, name, agree, disagree, id_agree, id_disagree, typed)

    def _name_in_commune(self, qkey: Key, thing: Thing) -> str:
        """The commune of a group whose name the query gives followed by that commune's name, or ""."""
        for code in thing.places:
            commune = self.reference.geo.commune(code[2:]) if code.startswith("c:") else None
            if commune is None:
                continue
            rest = _without_commune(qkey.text, commune.name)
            if rest != qkey.text and _name_score(key(rest), thing) >= EXACT:
                return commune.name
        return ""

    def _agrees(self, thing: Thing, prop: Property, values: list[object]) -> bool | None:
        """True when a value of the query agrees with the candidate, False when the candidate's values
        say otherwise, None when the candidate has no value to compare (or the property is not its own)."""
        if not any(t in thing.types for t in prop.types) and prop.kind != "any-identifier":
            return None
        if prop.kind in ("identifier", "any-identifier"):
            pid = prop.id if prop.kind == "identifier" else "*"
            have = {id_key(pid, v) for p, v in thing.ids if p == pid}
            if not have:
                return None
            wanted = {id_key(pid, x) for v in values for x in self._id_values(prop, v)}
            return bool(have & wanted)
        if prop.kind == "year":
            span = thing.years.get(prop.id)
            years = [y for v in values if (y := _year(v)) is not None]
            if span is None or not years:
                return None
            return any(span[0] <= y <= span[1] for y in years)
        if prop.kind in ("department", "commune"):
            scheme = "d:" if prop.kind == "department" else "c:"
            have = {c for c in thing.places if c.startswith(scheme)}
            if not have:
                return None
            wanted = {scheme + code for v in values for code in self._place_codes(prop.kind, v)}
            return bool(have & wanted)
        return None

    def _id_values(self, prop: Property, value: object) -> list[str]:
        """The identifier a query's value gives: the value itself, the id of an authority URL, the code of an IRI."""
        text = value.get("id", "") if isinstance(value, dict) else str(value)
        if isinstance(value, dict):
            text = text.rstrip("/").rsplit("/", 1)[-1]
        if prop.authority:
            found = authorities.parse(text, prop.authority)
            return [found.id] if found is not None else [text]
        if prop.kind == "any-identifier":
            found = authorities.parse(text)
            return [text] + ([found.id] if found is not None else [])
        return [text]

    def _departments(self, query: Query) -> set[str]:
        return {code for prop, values in query.properties if prop.kind == "department"
                for v in values for code in self._place_codes("department", v)}

    def _place_codes(self, kind: str, value: object) -> list[str]:
        geo = self.reference.geo
        if isinstance(value, dict):
            thing = self.reference.of_iri(self._iri(value["id"]))
            return [c[2:] for c in thing.places if c.startswith(kind[0] + ":")] if thing is not None else []
        text = str(value).strip()
        if kind == "department":
            d = geo.department_named(text)
            return [d.code] if d is not None else []
        if is_insee_code(text.upper()):
            c = geo.commune(text)
            return [c.code] if c is not None else []
        return [m.commune.code for m in geo.communes_named(text)]

    def _iri(self, identifier: str) -> str:
        return identifier if "://" in identifier else self.index.base + identifier.lstrip("/")

    # -- suggest

    def suggest(self, prefix: str, types: list[str], start: int, limit: int) -> list[Thing]:
        """Entities whose name starts with ``prefix`` (or one of whose words does), best first: those the graph
        names before the institutions of the reference tables it does not name yet."""
        k = key(prefix)
        if not k:
            return []
        index = self.index
        *full, last = k.tokens
        pools = [index.by_token.get(w, ()) for w in full]
        words = index.words_starting(last, 50)
        partial: set[int] = set()
        for w in words:
            partial.update(index.by_token[w][:MAX_POSTINGS])
            if len(partial) > 10 * MAX_POSTINGS:
                break
        for p in pools:
            partial.intersection_update(p)
        ranked = []
        for n in partial:
            things_types = index.types[n]
            if types and not any(t in things_types for t in types):
                continue
            labels = index.labels[n]
            starts = any(label.startswith(k.text) for label in labels)
            ranked.append((not index.in_graph[n], not starts, not index.canonical[n], len(labels[0]) if labels else 0,
                           index.names[n], n))
        ranked.sort()
        return [self.thing(r[-1]) for r in ranked[start:start + limit]]


def _name_score(qkey: Key, thing: Thing) -> float:
    best = 0.0
    for label in thing.labels:
        if label[1:2] == ":":  # a person's key (p:) or surname (n:): compared apart
            continue
        if label == qkey.text:
            return 1.0
        words = label.split()
        if " ".join(sorted(words)) == qkey.sorted:
            best = max(best, EXACT)
            continue
        q, c = set(qkey.tokens), set(words)
        dice = 2 * len(q & c) / (len(q) + len(c)) if q and c else 0.0
        best = max(best, 0.95 * max(dice, _dice(trigrams(qkey.text), trigrams(label))))
    return best


@lru_cache(maxsize=1 << 16)
def trigrams(text: str) -> frozenset[str]:
    """The three-letter pieces of each word (``  amiens `` → `` am``, ``ami``...): letters in common despite a typo."""
    return frozenset(w[i:i + 3] for w in (f"  {x} " for x in text.split()) for i in range(len(w) - 2))


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _year(value: object) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    m = _YEAR.search(str(value.get("name", "")) if isinstance(value, dict) else str(value))
    return int(m.group()) if m else None


def _may_match(thing: Thing) -> bool:
    """An institution the graph does not name yet is never matched on its name alone: the reference tables name
    namesakes all over France (the musée Matisse of Nice for the one of Le Cateau-Cambrésis)."""
    return thing.in_graph or "group" not in thing.types


def _decide(candidates: list[Candidate]) -> None:
    """Mark the first candidate a match when it is the only one an identifier designates, or else the only one
    whose name is exact with no property against it."""
    by_id = [c for c in candidates if c.id_agree and not c.id_disagree]
    if by_id:
        chosen = by_id if len(by_id) == 1 else []
    else:
        chosen = [c for c in candidates if c.name_score >= EXACT and not c.disagree and c.typed and _may_match(c.thing)]
    if len(chosen) == 1:  # the unambiguous one first
        candidates.remove(chosen[0])
        candidates.insert(0, chosen[0])
        chosen[0].match = True
