"""What the links gather on the page of a commune, a person and an institution.

Everything linked to the resource across sources, grouped by source (the dataset) and by kind
(monuments, objects, archival records, books, other records), with a map of the places that have
coordinates; on a person's page, each mention with the decision that linked it (rule, score,
evidence) and the decisions that kept close namesakes apart (``patrimoine link``). Read with a few
bounded SPARQL queries; shown after the resource's own description, in the page's language
(``templates/linked.html``, the words ``linked_*`` of ``words.json``). The evidence is shown as
``patrimoine link`` recorded it (in French, the librarians' language); the rules by their label in
the page's language.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.namespaces import sparql_prefixes
from graph.store import KnowledgeGraph

from . import placemap
from .html import Markup, join, link, render, word

LIMIT = 300  # records shown per section
NEAR = 0.01  # degrees: points closer than this are one dot on the map
KINDS = ("monuments", "objects", "archives", "books", "other")  # words linked_kind_*


@dataclass
class Record:
    iri: str
    label: str
    dataset: str
    kind: str
    how: set[str] = field(default_factory=set)  # how it is linked: "place", "mention"...


class Linked:
    """The sections for one resource, or nothing when it is neither a commune, a person nor an institution."""

    def __init__(self, kg: KnowledgeGraph, local: Callable[[str], str]) -> None:
        self.kg = kg
        self.base = kg.minter.base
        self.local = local

    def sections(self, iri: str, lang: str = "en", shown: Sequence[placemap.Point] = ()) -> Markup:
        """The sections; ``shown``: the points the page's own map already shows (not drawn again)."""
        rest = iri[len(self.base):] if iri.startswith(self.base) else ""
        if rest.startswith("place/commune/"):
            values = self._commune(iri)
        elif rest.startswith("person/") and self._rows(f"ASK {{ <{iri}> pkg:hasMention ?m }}"):
            values = self._person(iri, lang)
        elif rest.startswith("org/"):
            values = self._institution(iri)
        else:
            return Markup("")
        points = values.pop("points")
        heading = word("linked_map" if shown else "location", lang)
        return Markup(render("linked.html", lang, **values, map=self._map(points, heading, shown)))

    # -- reading ------------------------------------------------------------------
    def _rows(self, query: str):
        result = self.kg.query(sparql_prefixes() + query)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        return [tuple(t.value if t is not None else None for t in row) for row in result]

    def _records(self, query: str, how: str, found: dict[str, Record]) -> None:
        """Add the records ``query`` selects (``?r``, with ``?how`` optional) with their label, dataset, kind."""
        records = [r[0] for r in self._rows(query + f" LIMIT {LIMIT}")]
        if not records:
            return
        values = " ".join(f"<{r}>" for r in dict.fromkeys(records))
        rows = self._rows(f"""SELECT ?r ?label ?dataset ?cls ?base ?format WHERE {{ VALUES ?r {{ {values} }}
            OPTIONAL {{ ?r rdfs:label ?label }}
            OPTIONAL {{ ?r void:inDataset ?dataset OPTIONAL {{ GRAPH <{self.base}graph/catalogue> {{
                ?dataset pkg:sourceFormat ?format }} }} }}
            OPTIONAL {{ ?r a ?cls FILTER(STRSTARTS(STR(?cls), STR(crm:))) }}
            OPTIONAL {{ ?r crm:P2_has_type ?base . ?base skos:inScheme <{self.base}concept/scheme/pop-base> }} }}""")
        for r, label, dataset, cls, base, fmt in rows:
            record = found.setdefault(r, Record(r, label or r.rsplit("/", 1)[-1], "", "other"))
            if label and record.label == r.rsplit("/", 1)[-1]:
                record.label = label
            if dataset:
                record.dataset = dataset.rsplit("/", 1)[-1]
            kind = _kind(cls, base, fmt)
            if KINDS.index(kind) < KINDS.index(record.kind):
                record.kind = kind
            record.how.add(how)

    def _points(self, places: list[str], own_only: bool = False) -> list[placemap.Point]:
        """The points of ``places``: their own, else (unless ``own_only``) the one of the place they fall within."""
        if not places:
            return []
        values = " ".join(f"<{p}>" for p in dict.fromkeys(places))
        within = "" if own_only else f"""UNION {{ ?p crm:P89_falls_within ?c . ?c crm:P168_place_is_defined_by ?wkt
                FILTER NOT EXISTS {{ ?p crm:P168_place_is_defined_by ?own }} }}"""
        out = []
        for place, wkt in self._rows(f"""SELECT ?p ?wkt WHERE {{ VALUES ?p {{ {values} }}
                {{ ?p crm:P168_place_is_defined_by ?wkt }} {within} }} LIMIT {LIMIT}"""):
            if (xy := placemap.wkt_point(wkt)) is not None:
                out.append(placemap.Point(xy[0], xy[1], place))
        return out

    # -- the sections: the values of templates/linked.html ----------------------------
    def _commune(self, commune: str) -> dict:
        found: dict[str, Record] = {}
        c = f"<{commune}>"
        located = (f"{{ ?r crm:P55_has_current_location|crm:P67_refers_to|crm:P129_is_about {c} }} UNION "
                   f"{{ ?r crm:P55_has_current_location/crm:P89_falls_within {c} }} UNION "
                   f"{{ ?r crm:P108i_was_produced_by/crm:P7_took_place_at {c} }} UNION "
                   f"{{ ?r crm:P128_carries/crm:P67_refers_to {c} }}")
        self._records(f"SELECT DISTINCT ?r WHERE {{ {located} ?r void:inDataset ?d }}", "place", found)
        rows = self._rows(f"""SELECT DISTINCT ?p ?label ?how WHERE {{
            {{ ?m crm:P98i_was_born/crm:P7_took_place_at {c} BIND("born" AS ?how) }}
            UNION {{ ?m crm:P100i_died_in/crm:P7_took_place_at {c} BIND("died" AS ?how) }}
            UNION {{ {located} ?r ?link ?m . ?m a crm:E21_Person BIND("active" AS ?how) }}
            ?p pkg:hasMention ?m ; rdfs:label ?label }} ORDER BY ?label LIMIT {LIMIT}""")
        how: dict[str, set[str]] = defaultdict(set)
        names = {}
        for p, label, h in rows:
            how[p].add(h)
            names[p] = label
        persons = [{"local": self.local(p), "label": names[p], "how": [h for h in ("born", "died", "active") if h in how[p]]}
                   for p in sorted(how, key=lambda p: names[p])]
        places = [r[0] for r in self._rows(f"""SELECT DISTINCT ?p WHERE {{ VALUES ?r {{ {' '.join(f'<{r}>' for r in found)} }}
            ?r crm:P55_has_current_location ?p }} LIMIT {LIMIT}""")] if found else []
        return {"groups": [self._grouped("linked_at_place", found)], "persons": persons,
                "points": self._points([commune, *places], own_only=True)}

    def _person(self, person: str, lang: str) -> dict:
        p = f"<{person}>"
        mentions = self._rows(f"""SELECT ?m ?name ?g WHERE {{ GRAPH <{self.base}graph/links> {{ {p} pkg:hasMention ?m }}
            GRAPH ?g {{ ?m rdfs:label ?name }} }} ORDER BY ?g ?m""")
        decision = f"""crm:P140_assigned_attribute_to ?m ; pkg:score ?score ; pkg:comparedWith ?other ;
               crm:P2_has_type/skos:prefLabel ?label FILTER(LANG(?label) = "{'fr' if lang == 'fr' else 'en'}")
            OPTIONAL {{ ?d pkg:evidence ?evidence }} }} ORDER BY ?d ?evidence"""
        why = _decisions(self._rows(f"SELECT ?m ?d ?other ?label ?score ?evidence WHERE {{ ?d crm:P141_assigned {p} ; {decision}"))
        apart = _decisions(self._rows(f"""SELECT ?m ?d ?other ?label ?score ?evidence WHERE {{
            {p} pkg:hasMention ?m . ?d pkg:decision "not same" ; {decision} LIMIT 200"""))
        table = [{"local": self.local(m.split("#", 1)[0]), "name": name, "dataset": g.rsplit("/", 1)[-1],
                  "decisions": [self._decision(d) for d in why.get(m, ())]} for m, name, g in mentions]
        kept_apart = [{"this": self.local(m.split("#", 1)[0]), "that": self.local(d["other"].split("#", 1)[0]),
                       "decision": self._decision(d)} for m, ds in apart.items() for d in ds]
        found: dict[str, Record] = {}
        values = " ".join(f"<{m}>" for m, _, _ in mentions)
        if values:
            self._records(f"""SELECT DISTINCT ?r WHERE {{ VALUES ?m {{ {values} }}
                BIND(IRI(STRBEFORE(CONCAT(STR(?m), "#"), "#")) AS ?r) ?r void:inDataset ?d }}""", "mention", found)
        places = [r[0] for r in self._rows(f"""SELECT DISTINCT ?place WHERE {{ {p} pkg:hasMention ?m .
            {{ ?m crm:P98i_was_born/crm:P7_took_place_at ?place }} UNION {{ ?m crm:P100i_died_in/crm:P7_took_place_at ?place }} }}""")]
        same = [r[0] for r in self._rows(f"SELECT ?s WHERE {{ {p} owl:sameAs ?s }} ORDER BY ?s")]
        return {"mentions": table, "same_as": same, "apart": kept_apart,
                "groups": [self._grouped("linked_works", found)], "points": self._points(places)}

    def _institution(self, org: str) -> dict:
        o = f"<{org}>"
        groups = [org, *(r[0] for r in self._rows(f"""SELECT DISTINCT ?g WHERE {{ {{ ?g owl:sameAs {o} }}
            UNION {{ {o} owl:sameAs ?g FILTER(isIRI(?g) && STRSTARTS(STR(?g), "{self.base}")) }} }} ORDER BY ?g"""))]
        values = " ".join(f"<{g}>" for g in groups)
        found: dict[str, Record] = {}
        self._records(f"SELECT DISTINCT ?r WHERE {{ VALUES ?g {{ {values} }} ?r crm:P50_has_current_keeper ?g }}",
                      "keeper", found)
        self._records(f"""SELECT DISTINCT ?r WHERE {{ VALUES ?g {{ {values} }}
            {{ ?e crm:P14_carried_out_by ?g }} UNION {{ ?e crm:P9_consists_of/crm:P14_carried_out_by ?g }}
            {{ ?r crm:P16i_was_used_for ?e }} UNION {{ ?r crm:P108i_was_produced_by|crm:P94i_was_created_by ?e }} }}""",
                      "producer", found)
        residences = [r[0] for r in self._rows(f"""SELECT DISTINCT ?p WHERE {{ VALUES ?g {{ {values} }}
            ?g crm:P74_has_current_or_former_residence ?p }}""")]
        buildings = self._rows(f"""SELECT DISTINCT ?b ?label ?place WHERE {{ VALUES ?g {{ {values} }} ?g pkg:housedIn ?b
            OPTIONAL {{ ?b rdfs:label ?label }} OPTIONAL {{ ?b crm:P55_has_current_location ?place }} }} ORDER BY ?label""")
        housed = {b: {"local": self.local(b), "label": label or b} for b, label, _ in buildings}
        return {"also_named": [{"local": self.local(g), "label": self._label(g) or g} for g in groups if g != org],
                "housed_in": list(housed.values()), "groups": [self._grouped("linked_holdings", found)],
                "points": self._points([*(place for _, _, place in buildings if place), *residences])}

    def _decision(self, d: dict) -> dict:
        """A decision: its rule, its score and each piece of evidence, IRIs shown as links with labels."""
        return {"label": d["label"], "score": d["score"], "evidence": [self._evidence(e) for e in d["evidence"]]}

    def _evidence(self, text: str) -> Markup:
        field, _, said = text.partition(" : ")
        if said.startswith(("http://", "https://")):
            return Markup(f"{field} : " + link(self.local(said), self._label(said) or said))
        return Markup(join([field, " : ", said]))

    def _map(self, pts: list[placemap.Point], heading: str, shown: Sequence[placemap.Point] = ()) -> Markup:
        """The map of ``pts``, each point named by its place's label; a point within about a kilometre of one
        already drawn (on this map or the page's own, ``shown``) is one dot on a map of the region: left out."""
        kept: list[placemap.Point] = []
        for pt in pts:
            if not any(abs(pt.lat - o.lat) < NEAR and abs(pt.lon - o.lon) < NEAR for o in (*shown, *kept)):
                kept.append(pt)
        if not kept:
            return Markup("")
        values = " ".join(f"<{place}>" for place in dict.fromkeys(pt.place for pt in kept))
        labels = dict(self._rows(f"SELECT ?p (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?p {{ {values} }} ?p rdfs:label ?l }} GROUP BY ?p"))
        return placemap.section(kept, labels, heading)

    def _label(self, iri: str) -> str | None:
        rows = self._rows(f"SELECT ?l WHERE {{ <{iri}> rdfs:label ?l }} LIMIT 1")
        return rows[0][0] if rows else None

    def _grouped(self, title: str, found: dict[str, Record]) -> dict:
        """Records by dataset, then kind: ``title`` is a word's key."""
        by_dataset: dict[str, dict[str, list[Record]]] = defaultdict(lambda: defaultdict(list))
        for r in found.values():
            by_dataset[r.dataset][r.kind].append(r)
        datasets = [{"name": d, "local": self.local(f"{self.base}dataset/{d}") if d else None,
                     "kinds": [{"kind": k, "records": [{"local": self.local(r.iri), "label": r.label}
                                                       for r in sorted(by_dataset[d][k], key=lambda r: r.label)]}
                               for k in KINDS if k in by_dataset[d]]}
                    for d in sorted(by_dataset)]
        return {"title": title, "total": len(found), "more": len(found) >= LIMIT, "datasets": datasets}


def _kind(cls: str | None, base: str | None, fmt: str | None) -> str:
    if base and base.endswith("merimee-patrimoine-architectural"):
        return "monuments"
    fmt = (fmt or "").split(",")[0]
    if fmt in ("ead", "francearchives-csv") or (cls or "").endswith("E78_Curated_Holding"):
        return "archives"
    if fmt in ("unimarc", "marc21"):
        return "books"
    if (cls or "").endswith("E22_Human-Made_Object"):
        return "objects"
    return "other"


def _decisions(rows: list[tuple]) -> dict[str, list[dict]]:
    """(mention, decision, other, rule label, score, evidence) rows → each mention's decisions."""
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    for m, d, other, label, score, evidence in rows:
        entry = out[m].setdefault(d, {"other": other, "label": label, "score": score, "evidence": []})
        if evidence and evidence not in entry["evidence"]:
            entry["evidence"].append(evidence)
    return {m: list(ds.values()) for m, ds in out.items()}
