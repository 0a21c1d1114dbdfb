"""Readiness for Europeana: metadata and content tiers and problem patterns, per record and per dataset.

Read from the EDM view of the graph (``edm:ProvidedCHO``, ``ore:Aggregation``,
``edm:WebResource`` and the contextual classes), following the Europeana
Publishing Framework as Metis computes it (europeana.json holds the lists):

- metadata tier, the lowest of three criteria: *language* (share of the
  relevant properties present that have a language-qualified value: a literal
  with a language, or a link to a place, concept or time-span with a
  language-tagged ``skos:prefLabel``; A ≥ 25 %, B ≥ 50 %, C ≥ 75 %),
  *enabling elements* (A: one; B: three from two groups; C: four from two
  groups) and *contextual classes* linked and complete enough (B: one kind;
  C: two kinds);
- content tier as far as the data tells: no media file is tier 0; pixel sizes
  are rarely in the data, so a media file of unknown size counts for tier 1,
  an IIIF service or a known size of at least 0.42 MP for tier 2, a known
  size of at least 0.95 MP for tiers 3 and 4; the rights statement caps the
  tier (closed 2, restricted 3, open 4); each record says what limited it;
- problem patterns of Metis Sandbox: P1 duplicate titles (within a dataset),
  P2 title equals description, P3 near-identical, P5 unrecognisable title,
  P6 title of 2 characters or less, P7 no description, P9 description of
  50 characters or less, P12 title over 70 characters.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from ..store import KnowledgeGraph
from .engine import Query, store_query

HERE = Path(__file__).resolve().parent
EDM = "http://www.europeana.eu/schemas/edm/"
METADATA_TIERS = ("0", "A", "B", "C")
CONTENT_TIERS = (0, 1, 2, 3, 4)
PROBLEMS = ("P1", "P2", "P3", "P5", "P6", "P7", "P9", "P12")


@cache
def profile() -> dict:
    return json.loads((HERE / "europeana.json").read_text(encoding="utf-8"))


@dataclass(slots=True)
class RecordReadiness:
    iri: str
    dataset: str
    type: str = ""
    title: str = ""
    language_share: float = 0.0
    language: str = "0"
    enabling: str = "0"
    contextual: str = "A"
    metadata: str = "0"
    content: int = 0
    content_limit: str = ""  # what keeps the content tier from going higher
    problems: list[str] = field(default_factory=list)

    def priority(self) -> tuple:
        """Records to improve first: lowest metadata tier, lowest content tier, most problems."""
        return (METADATA_TIERS.index(self.metadata), self.content, -len(self.problems), self.iri)


@dataclass
class Readiness:
    records: list[RecordReadiness]

    def datasets(self) -> dict[str, dict[str, object]]:
        """Per dataset: the distributions of tiers and problems."""
        out: dict[str, dict[str, object]] = {}
        by: dict[str, list[RecordReadiness]] = defaultdict(list)
        for r in self.records:
            by[r.dataset].append(r)
        for name in sorted(by):
            rs = by[name]
            out[name] = {
                "records": len(rs),
                "metadata": _distribution((r.metadata for r in rs), METADATA_TIERS),
                "language": _distribution((r.language for r in rs), METADATA_TIERS),
                "enabling": _distribution((r.enabling for r in rs), METADATA_TIERS),
                "contextual": _distribution((r.contextual for r in rs), METADATA_TIERS),
                "content": _distribution((r.content for r in rs), CONTENT_TIERS),
                "problems": _distribution((p for r in rs for p in r.problems), PROBLEMS),
            }
        return out

    def improve_first(self, n: int = 20) -> list[RecordReadiness]:
        return sorted(self.records, key=RecordReadiness.priority)[:n]

    def as_json(self) -> dict[str, object]:
        return {"datasets": self.datasets(), "records": [asdict(r) for r in self.records]}


def _distribution(values, keys) -> dict[str, int]:
    c = Counter(values)
    return {str(k): c.get(k, 0) for k in keys}


def readiness(source: KnowledgeGraph | ox.Store, dataset: str | None = None) -> Readiness:
    """The readiness of every ProvidedCHO of the source (or of one dataset's graph)."""
    query = store_query(source)
    graphs = f"{source.minter.base}graph/" if isinstance(source, KnowledgeGraph) else ""
    graph = source.minter.graph(dataset) if dataset is not None and isinstance(source, KnowledgeGraph) else "?g"
    p = profile()
    records: dict[str, RecordReadiness] = {}
    for row in query(f"SELECT ?cho ?g (SAMPLE(?t) AS ?type) WHERE {{ GRAPH {graph} {{ ?cho a <{EDM}ProvidedCHO> }} "
                     f"OPTIONAL {{ ?cho <{EDM}type> ?t }} {'BIND(' + graph + ' AS ?g)' if graph != '?g' else ''} }} "
                     f"GROUP BY ?cho ?g"):
        iri = row["cho"].value
        if iri in records or not isinstance(row["cho"], ox.NamedNode):
            continue
        g = row["g"].value if row["g"] is not None else ""
        records[iri] = RecordReadiness(iri, g[len(graphs):] if graphs and g.startswith(graphs) else g,
                                       row["type"].value if row["type"] is not None else "")
    if not records:
        return Readiness([])
    _metadata(query, records, p)
    _content(query, records, p)
    _problems(query, records, p)
    return Readiness(sorted(records.values(), key=lambda r: (r.dataset, r.iri)))


# -- metadata tiers --------------------------------------------------------------------------------------

def _metadata(query: Query, records: dict[str, RecordReadiness], p: dict) -> None:
    language_props = set(p["language_properties"])
    enabling = p["enabling_elements"]  # property -> {group: class or null}
    props = sorted(language_props | set(enabling))
    values = " ".join(f"<{x}>" for x in props)
    # Per record and property: "L" for a literal with a language, "" for one without, the IRI of a linked node.
    rows = query(f"""SELECT DISTINCT ?cho ?p ?x WHERE {{ ?cho a <{EDM}ProvidedCHO> ; ?p ?o . VALUES ?p {{ {values} }}
        BIND(IF(isLiteral(?o), IF(LANG(?o) != "", "L", ""), STR(?o)) AS ?x) }}""")
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        found[row["cho"].value].append((row["p"].value, row["x"].value))
    kinds = _kinds(query)
    tagged = _tagged(query)
    complete = _complete(query, p)
    for iri, r in records.items():
        present: set[str] = set()
        qualified: set[str] = set()
        elements: dict[str, set[str]] = defaultdict(set)  # group -> elements
        classes: set[str] = set()
        for prop, x in found.get(iri, ()):
            if prop in language_props:
                present.add(prop)
                if x == "L" or x in tagged:
                    qualified.add(prop)
            for group, cls in enabling.get(prop, {}).items():
                if cls is None or cls in kinds.get(x, ()):
                    elements[group].add(prop if cls is None else f"{prop}→{cls}")
            if x in complete:
                classes.add(complete[x])
        r.language_share = len(qualified) / len(present) if present else 0.0
        r.language = _threshold(r.language_share, p["language_thresholds"])
        distinct = {e for es in elements.values() for e in es}
        groups = sum(1 for es in elements.values() if es)
        r.enabling = ("C" if len(distinct) >= 4 and groups >= 2 else "B" if len(distinct) >= 3 and groups >= 2
                      else "A" if distinct else "0")
        r.contextual = "C" if len(classes) >= 2 else "B" if classes else "A"
        r.metadata = min((r.language, r.enabling, r.contextual), key=METADATA_TIERS.index)


def _threshold(share: float, thresholds: dict[str, float]) -> str:
    for tier in ("C", "B", "A"):
        if share >= thresholds[tier]:
            return tier
    return "0"


def _kinds(query: Query) -> dict[str, set[str]]:
    """The contextual class(es) of every node typed with one."""
    out: dict[str, set[str]] = defaultdict(set)
    classes = " ".join(f"<{c}>" for c in profile()["contextual_classes"])
    for row in query(f"SELECT DISTINCT ?e ?c WHERE {{ ?e a ?c . VALUES ?c {{ {classes} }} }}"):
        out[row["e"].value].add(row["c"].value)
    return out


def _tagged(query: Query) -> set[str]:
    """Places, concepts and time-spans with a language-tagged preferred label."""
    classes = " ".join(f"<{c}>" for c in profile()["language_linked_classes"])
    q = (f"SELECT DISTINCT ?e WHERE {{ ?e a ?c ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?l . "
         f"VALUES ?c {{ {classes} }} FILTER(LANG(?l) != \"\") }}")
    return {row["e"].value for row in query(q)}


def _complete(query: Query, p: dict) -> dict[str, str]:
    """Contextual entities complete enough to count for the metadata tier: IRI -> class."""
    out: dict[str, str] = {}
    for cls, rule in p["complete_contextual"].items():
        required = " ".join(f"?e <{prop}> ?r{i} ." for i, prop in enumerate(rule["all"]))
        any_of = rule.get("any")
        extra = f"FILTER EXISTS {{ ?e {'|'.join(f'<{a}>' for a in any_of)} ?x }}" if any_of else ""
        for row in query(f"SELECT DISTINCT ?e WHERE {{ ?e a <{cls}> . {required} {extra} }}"):
            out[row["e"].value] = cls
    return out


# -- content tiers ------------------------------------------------------------------------------------------

def _content(query: Query, records: dict[str, RecordReadiness], p: dict) -> None:
    media: dict[str, set[str]] = defaultdict(set)
    rights: dict[str, str] = {}
    for row in query(f"""SELECT ?cho ?rights ?media WHERE {{ ?agg <{EDM}aggregatedCHO> ?cho .
        OPTIONAL {{ ?agg <{EDM}rights> ?rights }} OPTIONAL {{ ?agg <{EDM}isShownBy>|<{EDM}hasView> ?media }} }}"""):
        cho = row["cho"].value
        if row["rights"] is not None:
            rights.setdefault(cho, row["rights"].value)
        if row["media"] is not None:
            media[cho].add(row["media"].value)
    resources = _web_resources(query)
    open_, restricted = p["rights"]["open"], p["rights"]["restricted"]

    def openness(uri: str) -> int:
        if any(re.match(x, uri) for x in open_):
            return 4
        if any(re.match(x, uri) for x in restricted):
            return 3
        return 2

    for iri, r in records.items():
        files = media.get(iri, set())
        if not files:
            r.content, r.content_limit = 0, "no-media"
            continue
        best, limit = -1, ""
        for f in files:
            info = resources.get(f, {})
            pixels = info.get("pixels")
            if pixels is not None and pixels < 100_000:
                tier, why = 0, "too-small"
            elif pixels is not None and pixels >= 950_000:
                tier, why = 4, ""
            elif (pixels is not None and pixels >= 420_000) or info.get("iiif") or (
                    r.type == "TEXT" and info.get("pdf")):
                tier, why = 2, "size-unknown" if pixels is None else "below-0.95MP"
            else:
                tier, why = 1, "size-unknown" if pixels is None else "below-0.42MP"
            cap = openness(info.get("rights") or rights.get(iri, ""))
            if r.type == "TEXT" and tier >= 2:
                tier = 4  # a PDF, IIIF or a large image: tiers 3 and 4 then depend on the licence only
            if cap < tier:
                tier, why = cap, "rights-closed" if cap == 2 else "rights-restricted"
            if tier > best or (tier == best and limit == "size-unknown" and why != "size-unknown"):
                best, limit = tier, why
        r.content, r.content_limit = best, limit


def _web_resources(query: Query) -> dict[str, dict[str, object]]:
    ebucore = "http://www.ebu.ch/metadata/ontologies/ebucore/ebucore#"
    out: dict[str, dict[str, object]] = {}
    q = f"""SELECT ?wr ?w ?h ?mime ?service ?rights WHERE {{ ?wr a <{EDM}WebResource> .
        OPTIONAL {{ ?wr <{ebucore}width> ?w ; <{ebucore}height> ?h }} OPTIONAL {{ ?wr <{ebucore}hasMimeType> ?mime }}
        OPTIONAL {{ ?wr <http://rdfs.org/sioc/services#has_service> ?service }} OPTIONAL {{ ?wr <{EDM}rights> ?rights }} }}"""
    for row in query(q):
        info = out.setdefault(row["wr"].value, {})
        try:
            if row["w"] is not None and row["h"] is not None:
                info["pixels"] = int(float(row["w"].value)) * int(float(row["h"].value))
        except ValueError:
            pass
        if row["mime"] is not None and row["mime"].value == "application/pdf":
            info["pdf"] = True
        if row["service"] is not None:
            info["iiif"] = True
        if row["rights"] is not None:
            info["rights"] = row["rights"].value
    return out


# -- problem patterns ------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\w]+")
_UNRECOGNISABLE = re.compile(r"^[\W\d_]+$|\.(?:jpe?g|tiff?|png|gif|pdf|xml)$|^[A-Z]{0,4}[0-9][0-9_./-]{3,}$", re.I)


def normalised(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return _WORD.sub(" ", "".join(c for c in text if not unicodedata.combining(c))).strip()


def _problems(query: Query, records: dict[str, RecordReadiness], p: dict) -> None:
    titles: dict[str, list[str]] = defaultdict(list)
    descriptions: dict[str, list[str]] = defaultdict(list)
    dc = "http://purl.org/dc/elements/1.1/"
    for row in query(f"SELECT ?cho ?p ?v WHERE {{ ?cho a <{EDM}ProvidedCHO> ; ?p ?v . "
                     f"VALUES ?p {{ <{dc}title> <{dc}description> }} FILTER(isLiteral(?v)) }}"):
        (titles if row["p"].value.endswith("title") else descriptions)[row["cho"].value].append(row["v"].value)
    same_title: Counter[tuple[str, str]] = Counter()
    for iri, r in records.items():
        for t in set(normalised(t) for t in titles.get(iri, ())):
            if t:
                same_title[(r.dataset, t)] += 1
    limits = p["problem_limits"]
    for iri, r in records.items():
        ts = [t.strip() for t in titles.get(iri, ()) if t.strip()]
        ds = [d.strip() for d in descriptions.get(iri, ()) if d.strip()]
        r.title = ts[0] if ts else ""
        found: list[str] = []
        if any(same_title[(r.dataset, normalised(t))] > 1 for t in ts):
            found.append("P1")
        if any(t == d for t in ts for d in ds):
            found.append("P2")
        elif any(_near(t, d) for t in ts for d in ds):
            found.append("P3")
        if any(_UNRECOGNISABLE.search(t) for t in ts):
            found.append("P5")
        if any(len(t) <= limits["short_title"] for t in ts):
            found.append("P6")
        if not ds:
            found.append("P7")
        elif all(len(d) <= limits["short_description"] for d in ds):
            found.append("P9")
        if any(len(t) > limits["long_title"] for t in ts):
            found.append("P12")
        r.problems = found


def _near(a: str, b: str) -> bool:
    """Near-identical: the same words once case, accents and punctuation are left out, or one of
    the two texts is the other plus at most a tenth more."""
    na, nb = normalised(a), normalised(b)
    if not na or not nb:
        return False
    if na == nb:
        return True
    short, long_ = sorted((na, nb), key=len)
    return long_.startswith(short) and len(short) >= 0.9 * len(long_)
