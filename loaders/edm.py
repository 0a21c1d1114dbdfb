"""EDM RDF/XML as Europeana's providers send it (EDM external), and Europeana's internal form.

A file is checked for entity declarations and parsed safely (:mod:`graph.xml`), its
IRIs tidied the way Europeana's own normalisation does (surrounding spaces trimmed;
the provider's relative identifiers such as ``CMC_HA/936`` made absolute under
``{base}edm/``), then read as RDF by pyoxigraph. Each ``edm:ProvidedCHO`` is one record:
the CHO with its ``ore:Aggregation``, web resources and contextual entities.

A record that breaks one of Europeana's mandatory rules (``edm_profile.json``;
Europeana would refuse it too) is rejected with the rules it breaks: no title nor
description, no ``edm:type`` or an unknown one, no aggregation, no ``edm:rights``
Europeana accepts, an ``edm:intendedUsage`` outside Europeana's list... An
``ore:Aggregation`` whose CHO is not in the file is rejected as a record of its own.

What is brought in, for a record that passes:

* the provider's own EDM statements, unchanged (EDM-native data stays first class):
  the CHO keeps its IRI, its Dublin Core description and ``edm:type``; web resources,
  services, places, time-spans, agents and concepts keep theirs. In Europeana's
  internal form the provider proxy's description is put back on the CHO, and
  Europeana's own proxy and ``edm:EuropeanaAggregation`` are left out;
* a CIDOC-CRM view of the CHO (``E22_Human-Made_Object``, ``E31_Document`` for
  TEXT), from which the shared alignment derives the EDM view as for every other
  source. The provider's ``ore:Aggregation`` becomes the derived one
  (``{cho}#{dataset}/aggregation``), so the CHO has exactly one aggregation per dataset: its data
  provider, rights, landing page and images are carried by the CRM view (keeper,
  ``dcterms:rights``, ``foaf:page``, representations) and derived again; its other
  statements are kept, its ``edm:provider`` as ``edm:intermediateProvider``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from lxml import etree

from graph.iri import Minter, segment, slug
from graph.links import is_safe
from graph.mapping import MappingContext
from graph.namespaces import CRM, DCTERMS, EDM, OWL, PREFIXES, RDF, SKOS, WGS84
from graph.ntriples import iri, iri_or_none, valid_lang
from graph.records import InputError, RecordError, SourceRecord
from graph.xml import parse_file, root_tag

PROFILE_PATH = Path(__file__).with_name("edm_profile.json")
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ABOUT = f"{{{RDF_NS}}}about"
RESOURCE = f"{{{RDF_NS}}}resource"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Stands for the provider's relative IRIs until the mapper knows the graph's base IRI.
LOCAL = "http://local.invalid/"
_LOCAL_TERM = f"<{LOCAL}"
_LOCAL_FRAGMENT = f"<{LOCAL}#"  # a fragment-only identifier, relative to the file
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_NAMESPACES = {**PREFIXES, "svcs": "http://rdfs.org/sioc/services#", "schema": "https://schema.org/"}


def expand(name: str) -> str:
    """``dc:title`` → ``http://purl.org/dc/elements/1.1/title``."""
    prefix, _, local = name.partition(":")
    return _NAMESPACES[prefix] + local


def _p(name: str) -> str:
    return f"<{expand(name)}>"


TYPE = RDF.type
PROVIDED_CHO = EDM.ProvidedCHO
AGGREGATION = _p("ore:Aggregation")
PROXY = _p("ore:Proxy")
AGGREGATED_CHO = EDM.aggregatedCHO
PROXY_FOR = _p("ore:proxyFor")
EUROPEANA_PROXY = EDM.europeanaProxy


@dataclass(frozen=True)
class Profile:
    edm_types: frozenset[str]
    crm_class: dict[str, str]
    class_properties: dict[str, dict[str, str | None]]
    required_one_of: tuple[str, ...]
    language_required_for: frozenset[str]
    usage_area: str
    usage_areas: frozenset[str]
    digital_source_type: str
    derived_aggregation_properties: frozenset[str]
    proxy_properties: frozenset[str]
    europeana_side_classes: frozenset[str]


@cache
def profile() -> Profile:
    d = json.loads(PROFILE_PATH.read_text(encoding="utf-8"))
    return Profile(
        edm_types=frozenset(d["edm_types"]),
        crm_class=d["crm_class"],
        class_properties=d["class_properties"],
        required_one_of=tuple(_p(n) for n in d["required_one_of"]),
        language_required_for=frozenset(d["language_required_for"]),
        usage_area=d["usage_area"],
        usage_areas=frozenset(d["usage_areas"]),
        digital_source_type=d["digital_source_type"],
        derived_aggregation_properties=frozenset(_p(n) for n in d["derived_aggregation_properties"]),
        proxy_properties=frozenset(_p(n) for n in d["proxy_properties"]),
        europeana_side_classes=frozenset(_p(n) for n in d["europeana_side_classes"]),
    )


# ---------------------------------------------------------------------------
# Reading: one file → an indexed graph → one record per edm:ProvidedCHO

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class FileGraph:
    """The statements of one EDM file, indexed both ways (terms in N-Triples form).

    The whole file is held in memory: EDM is exchanged as one record or one set per
    file, and a record's parts (aggregation, web resources, contextual entities) may
    stand anywhere in it.
    """

    statements: dict[str, list[tuple[str, Term]]] = field(default_factory=dict)  # subject → (predicate, object)
    inverse: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # object → (subject, predicate)
    problems: dict[str, list[str]] = field(default_factory=dict)  # subject → what Europeana forbids in it
    notes: dict[str, list[str]] = field(default_factory=dict)  # subject → values dropped from it (unsafe links...)
    lines: dict[str, int] = field(default_factory=dict)
    seen: set[tuple[str, str, str]] = field(default_factory=set)

    def add(self, s: str, p: str, o: Term) -> None:
        key = (s, p, str(o))
        if key in self.seen:  # a node described twice in the file (a shared place repeated per record...)
            return
        self.seen.add(key)
        self.statements.setdefault(s, []).append((p, o))
        if not isinstance(o, ox.Literal):
            self.inverse.setdefault(str(o), []).append((s, p))

    def values(self, s: str, p: str) -> list[Term]:
        return [o for pred, o in self.statements.get(s, ()) if pred == p]

    def types(self, s: str) -> set[str]:
        return {str(o) for o in self.values(s, TYPE)}

    def subjects(self, p: str, o: str) -> list[str]:
        return [s for s, pred in self.inverse.get(o, ()) if pred == p]

    def of_type(self, cls: str) -> list[str]:
        """The subjects typed ``cls``, in document order."""
        return [s for s, pred in self.inverse.get(cls, ()) if pred == TYPE]


@dataclass
class EdmRecord:
    cho: str
    graph: FileGraph


class EdmLoader:
    name = "edm"
    description = "EDM RDF/XML (Europeana Data Model, as providers send it; internal form read too)"
    data_provider = "the Europeana data provider named in each record"

    def sniff(self, path: Path, head: bytes) -> bool:
        return root_tag(head) == f"{{{RDF_NS}}}RDF" and EDM.uri.encode() in head

    def records(self, path: Path, encoding: str | None) -> Iterator[SourceRecord]:
        return read_edm(path)

    def map(self, record: SourceRecord, ctx: MappingContext) -> None:
        map_record(record, ctx)


def read_edm(path: Path) -> Iterator[SourceRecord]:
    """The records of an EDM RDF/XML file, in document order; a file that is not RDF/XML is an InputError."""
    root = parse_file(path).getroot()
    if root.tag != f"{{{RDF_NS}}}RDF":
        raise InputError(f"{path.name}: not EDM RDF/XML (the root element is <{etree.QName(root).localname}>, "
                         "not <rdf:RDF>)")
    graph = FileGraph()
    _normalise(root, graph)
    try:
        for triple in ox.parse(etree.tostring(root), format=ox.RdfFormat.RDF_XML, base_iri=LOCAL):
            graph.add(str(triple.subject), str(triple.predicate), triple.object)
    except SyntaxError as e:
        raise InputError(f"{path.name}: not valid RDF/XML ({str(e).splitlines()[0]})") from None
    chos = list(dict.fromkeys(graph.of_type(PROVIDED_CHO)))
    for index, cho in enumerate(chos, 1):
        record = EdmRecord(cho, graph)
        notes = [n for part in _parts(view_of(record)) for n in graph.notes.get(part, ())] if graph.notes else []
        yield SourceRecord(index=index, line=graph.lines.get(cho), source_id=_as_written(cho), data=record,
                           notes=notes)
    index, known = len(chos), set(chos)
    for agg in dict.fromkeys(graph.of_type(AGGREGATION)):
        targets = [str(o) for o in graph.values(agg, AGGREGATED_CHO)]
        if not any(t in known for t in targets):
            index += 1
            what = (f"aggregates {', '.join(_as_written(t) for t in targets)}, which is not an edm:ProvidedCHO "
                    "of the file") if targets \
                else "has no edm:aggregatedCHO"
            yield SourceRecord(index=index, line=graph.lines.get(agg), source_id=_as_written(agg),
                               error=f"ore:Aggregation {_as_written(agg)} {what}")


_EQUIVALENCES = frozenset({OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch})


def _as_written(term: str) -> str:
    """A subject as the provider wrote it: ``<http://local.invalid/CMC_HA/936>`` → ``CMC_HA/936``."""
    value = term[1:-1] if term.startswith("<") else term
    return value.removeprefix(LOCAL)


def _fix_iri(value: str) -> str | None:
    """``value`` trimmed, made absolute and repaired (:func:`graph.ntriples.iri`); None when no repair
    makes it an IRI."""
    value = value.strip()
    if not _SCHEME.match(value):
        value = LOCAL + value.lstrip("/")
    term = iri_or_none(value)
    return term[1:-1] if term is not None else None


def _node_iri(value: str) -> tuple[str, bool]:
    """The IRI a node is written with, and whether the source's is one: if not, its text encoded under
    :data:`LOCAL`, so that the file still parses and the node is told apart (and rejected)."""
    fixed = _fix_iri(value)  # an empty value is LOCAL itself: what is left to encode is never empty
    return (fixed, True) if fixed is not None else (LOCAL + segment(value), False)


def _normalise(root: etree._Element, graph: FileGraph) -> None:
    """Tidy IRIs before RDF parsing and note, per top-level node, what Europeana's rules forbid.

    Spaces around ``rdf:about``/``rdf:resource`` are trimmed and relative identifiers made
    absolute (under :data:`LOCAL`); an empty ``rdf:resource`` is dropped (it would mean the
    document itself), text beside an ``rdf:resource`` is dropped (RDF/XML cannot say both);
    both, and an empty or invalid ``xml:lang``, are recorded as problems of the node. An ``rdf:resource``
    of a scheme that is not safe as a link (``javascript:``...; :mod:`graph.links`) is
    dropped and noted: the record keeps the rest.
    """
    for node in root:
        if not isinstance(node.tag, str):
            continue
        about = node.get(ABOUT)
        key = ""
        if about is not None:
            fixed, valid = _node_iri(about)
            node.set(ABOUT, fixed)
            key = f"<{fixed}>"
            graph.lines.setdefault(key, node.sourceline)
            if not about.strip():
                graph.problems.setdefault(key, []).append(f"empty rdf:about at line {node.sourceline}")
            elif not valid:
                graph.problems.setdefault(key, []).append(
                    f"rdf:about {about.strip()[:200]} at line {node.sourceline} is not an absolute IRI")
            elif not is_safe(node.get(ABOUT)):
                graph.problems.setdefault(key, []).append(
                    f"rdf:about {about.strip()[:200]} at line {node.sourceline} has a scheme that is not allowed")
        dropped: list[etree._Element] = []
        for el in node.iter():
            if not isinstance(el.tag, str):
                continue
            name = etree.QName(el).localname
            if el is not node and el.get(ABOUT) is not None:  # a node described inside a property
                inner, valid = _node_iri(el.get(ABOUT) or "")
                el.set(ABOUT, inner)
                if not valid:
                    graph.problems.setdefault(key, []).append(
                        f"rdf:about in {name} at line {el.sourceline} is not an absolute IRI")
            resource = el.get(RESOURCE)
            fixed = _fix_iri(resource) if resource is not None and resource.strip() else None
            if resource is not None and not resource.strip():
                graph.problems.setdefault(key, []).append(f"empty rdf:resource in {name} at line {el.sourceline}")
                dropped.append(el)
            elif resource is not None and (fixed is None or not is_safe(fixed)):
                why = "link with a scheme that is not allowed" if fixed is not None else "link that is not an IRI"
                graph.notes.setdefault(key, []).append(
                    f"{el.prefix + ':' if el.prefix else ''}{name} at line {el.sourceline}: {why}, dropped: "
                    f"{resource.strip()[:200]}")
                dropped.append(el)
            elif fixed is not None:
                el.set(RESOURCE, fixed)
                if (el.text or "").strip():  # not RDF/XML: the resource is kept, the text noted as dropped
                    graph.notes.setdefault(key, []).append(
                        f"{el.prefix + ':' if el.prefix else ''}{name} at line {el.sourceline} has both an "
                        f"rdf:resource and a text; the text is dropped: {' '.join(el.text.split())[:200]}")
                    el.text = None
            lang = el.get(XML_LANG)
            if lang is not None and not valid_lang(lang):  # the parser would refuse the whole file
                graph.problems.setdefault(key, []).append(
                    f"empty xml:lang in {name} at line {el.sourceline}" if lang == "" else
                    f"xml:lang {lang[:50]!r} in {name} at line {el.sourceline} is not a language tag")
                del el.attrib[XML_LANG]
        for el in dropped:
            el.getparent().remove(el)


# ---------------------------------------------------------------------------
# One record


@dataclass
class View:
    """What the mapper reads of one record: the CHO's description, its aggregation, its parts."""

    cho: str
    description: list[tuple[str, Term]]  # the CHO's statements (with the provider proxy's, internal EDM)
    aggregations: list[str]
    proxies: list[str]
    graph: FileGraph

    def values(self, name: str) -> list[Term]:
        p = _p(name)
        return [o for pred, o in self.description if pred == p]

    def agg(self, name: str) -> list[Term]:
        return self.graph.values(self.aggregations[0], _p(name)) if self.aggregations else []


def view_of(record: EdmRecord) -> View:
    g, cho = record.graph, record.cho
    proxies = [s for s in g.subjects(PROXY_FOR, cho)
               if PROXY in g.types(s) and not any(_literal(o) == "true" for o in g.values(s, EUROPEANA_PROXY))]
    skip = profile().proxy_properties
    description = list(g.statements.get(cho, ()))
    for proxy in proxies:
        description += [(p, o) for p, o in g.statements[proxy] if p not in skip and p != TYPE]
    side = profile().europeana_side_classes
    aggregations = [s for s in g.subjects(AGGREGATED_CHO, cho)
                    if AGGREGATION in g.types(s) and not g.types(s) & side]
    return View(cho, description, aggregations, proxies, g)


def _literal(term: Term) -> str | None:
    """A literal's text, whitespace-normalised; None for a resource or an empty text."""
    return (" ".join(term.value.split()) or None) if isinstance(term, ox.Literal) else None


def _lang(term: Term) -> str | None:
    """A literal's language, ``""`` for a plain literal (written plain in the CRM view too)."""
    return (term.language or "") if isinstance(term, ox.Literal) else None


def _texts(terms: Iterable[Term]) -> list[ox.Literal]:
    return [t for t in terms if isinstance(t, ox.Literal) and t.value.strip()]


def problems(view: View) -> list[str]:
    """Europeana's mandatory rules the record breaks (empty when it can be loaded)."""
    p, g = profile(), view.graph
    found: list[str] = []
    if not (_texts(view.values("dc:title")) or _texts(view.values("dc:description"))
            or any(isinstance(o, ox.NamedNode) for o in view.values("dc:description"))):
        found.append("edm:ProvidedCHO has neither dc:title nor dc:description")
    if not any(pred in p.required_one_of for pred, _ in view.description):
        found.append("edm:ProvidedCHO has none of dc:subject, dc:type, dcterms:temporal, dcterms:spatial")
    types = [_literal(t) for t in view.values("edm:type")]
    if len(types) != 1 or types[0] not in p.edm_types:
        found.append(f"edm:type must be given once, one of {', '.join(sorted(p.edm_types))} "
                     f"(found: {', '.join(str(t) for t in types) or 'none'})")
    elif types[0] in p.language_required_for and not view.values("dc:language"):
        found.append(f"a {types[0]} edm:ProvidedCHO needs dc:language")
    if not view.aggregations:
        found.append("no ore:Aggregation has this edm:ProvidedCHO as its edm:aggregatedCHO")
    elif len(view.aggregations) > 1:
        found.append(f"{len(view.aggregations)} ore:Aggregation aggregate this edm:ProvidedCHO (one allowed)")
    else:
        found += _aggregation_problems(view)
    for subject in _parts(view):
        found += g.problems.get(subject, [])
        if _p("edm:WebResource") in g.types(subject):
            found += _web_resource_problems(view.graph, subject)
    return found


def _aggregation_problems(view: View) -> list[str]:
    found = []
    if not view.agg("edm:provider"):
        found.append("ore:Aggregation has no edm:provider")
    if not any(_literal(v) or isinstance(v, ox.NamedNode) for v in view.agg("edm:dataProvider")):
        found.append("ore:Aggregation has no edm:dataProvider")
    rights = view.agg("edm:rights")
    if len(rights) != 1:
        found.append(f"ore:Aggregation needs exactly one edm:rights (found {len(rights)})")
    elif not isinstance(rights[0], ox.NamedNode) or MappingContext.rights_statement(rights[0].value) is None:
        found.append(f"edm:rights {rights[0]} is not a rights statement Europeana accepts "
                     "(Creative Commons or RightsStatements.org)")
    if not (view.agg("edm:isShownAt") or view.agg("edm:isShownBy")):
        found.append("ore:Aggregation has neither edm:isShownAt nor edm:isShownBy")
    return found


def _web_resource_problems(g: FileGraph, resource: str) -> list[str]:
    p, found = profile(), []
    for usage in g.values(resource, _p("edm:intendedUsage")):
        value = usage.value if isinstance(usage, ox.NamedNode) else ""
        if not (value.startswith(p.usage_area) and value.removeprefix(p.usage_area) in p.usage_areas):
            found.append(f"edm:WebResource {_as_written(resource)}: edm:intendedUsage {usage} is not one of "
                         f"Europeana's usage areas ({p.usage_area}…)")
    for source in g.values(resource, _p("schema:digitalSourceType")):
        if not (isinstance(source, ox.NamedNode) and source.value.startswith(p.digital_source_type)):
            found.append(f"edm:WebResource {_as_written(resource)}: schema:digitalSourceType {source} is not an "
                         f"IPTC digital source type ({p.digital_source_type}…)")
    if any(isinstance(o, ox.Literal) for o in g.values(resource, _p("dcterms:isPartOf"))):
        found.append(f"edm:WebResource {_as_written(resource)}: dcterms:isPartOf must be a resource, not a text")
    return found


def _parts(view: View) -> list[str]:
    """The subjects described with the record: its CHO, proxies, aggregation and what they lead to."""
    g = view.graph
    stop = profile().europeana_side_classes | {PROVIDED_CHO, PROXY, AGGREGATION}  # other records' parts
    parts = [view.cho, *view.proxies, *view.aggregations]
    seen = set(parts)
    for subject in parts:  # grows while read: breadth first
        for _, o in g.statements.get(subject, ()):
            key = str(o)
            if isinstance(o, ox.Literal) or key in seen or key not in g.statements or g.types(key) & stop:
                continue
            seen.add(key)
            parts.append(key)
    return parts


# ---------------------------------------------------------------------------
# Mapping


def map_record(record: SourceRecord, ctx: MappingContext) -> None:
    view = view_of(record.data)
    found = problems(view)
    if found:
        raise RecordError("; ".join(found))
    places = [o for name in ("dcterms:spatial", "edm:currentLocation") for o in view.values(name)]
    ctx.require_region(keep_unknown=True, communes=[n for pl in places for n in _labels(view.graph, pl)])
    mapper = _Mapper(view, ctx)
    mapper.native()
    mapper.crm()


def _labels(g: FileGraph, value: Term) -> list[str]:
    """A literal's text, or the labels the file gives a resource (skos:prefLabel, foaf:name...)."""
    if isinstance(value, ox.Literal):
        return [t] if (t := _literal(value)) else []
    return [t for name in ("skos:prefLabel", "foaf:name", "rdfs:label", "skos:altLabel")
            for v in g.values(str(value), _p(name)) if (t := _literal(v))]


def _label(g: FileGraph, value: Term) -> tuple[str | None, str | None]:
    """The first label of a value, and its language."""
    if isinstance(value, ox.Literal):
        return _literal(value), _lang(value)
    for name in ("skos:prefLabel", "foaf:name", "rdfs:label", "skos:altLabel"):
        for v in g.values(str(value), _p(name)):
            if t := _literal(v):
                return t, _lang(v)
    return None, None


class _Mapper:
    """Writes one record: the provider's EDM statements, then the CIDOC-CRM view of its CHO.

    Terms are written with the graph's IRIs: the provider's relative IRIs under
    ``{base}edm/``, blank nodes as parts of the CHO (``{cho}#node-1``...), and so are
    fragment-only identifiers (``#pid_0``, relative to the file: two files' ``#pid_0`` are
    two nodes), ``{cho}#{dataset}/local-pid-0``; the aggregation as ``{cho}#{dataset}/aggregation``.
    """

    def __init__(self, view: View, ctx: MappingContext) -> None:
        self.view, self.g, self.ctx, self.b = view, view.graph, ctx, ctx.b
        self.local = f"<{ctx.m.base}edm/"
        self.blank: dict[str, str] = {}
        self.fragments: dict[str, str] = {}
        self.renamed: dict[str, str] = {}
        self.cho = self.term(view.cho)
        self.aggregation = self.b.part(self.cho, "aggregation")
        self.renamed = {a: self.aggregation for a in view.aggregations}

    def term(self, value: Term | str) -> str:
        text = str(value)
        if text in self.renamed:
            return self.renamed[text]
        if text.startswith(_LOCAL_FRAGMENT) and text != str(self.view.cho):
            if text not in self.fragments:
                self.fragments[text] = self.b.part(self.cho, "local-" + slug(text[len(_LOCAL_FRAGMENT):-1]))
            return self.fragments[text]
        if text.startswith(_LOCAL_TERM):
            return self.local + text[len(_LOCAL_TERM):]
        if text.startswith("_:"):
            if text not in self.blank:
                self.blank[text] = self.b.part(self.cho, f"node-{len(self.blank) + 1}")
            return self.blank[text]
        return text

    def once(self, key: str) -> bool:
        """True the first time ``key`` is met in this load (shared nodes are written once)."""
        declared = self.b.declared
        if key in declared:
            return False
        declared.add(key)
        return True

    # -- the provider's statements ---------------------------------------------
    def native(self) -> None:
        out, view, g = self.b.out, self.view, self.g
        derived = profile().derived_aggregation_properties
        for p, o in view.description:
            out.add(self.cho, p, self.term(o))
        for agg in view.aggregations:
            for p, o in g.statements[agg]:
                if p == _p("edm:provider"):
                    out.add(self.aggregation, _p("edm:intermediateProvider"), self.term(o))
                elif p not in derived:
                    out.add(self.aggregation, p, self.term(o))
        own = {view.cho, *view.proxies, *view.aggregations}
        for subject in _parts(view):
            s = self.term(subject)
            if subject not in own and (subject.startswith("_:") or self.once(f"edm {s}")):
                for p, o in g.statements[subject]:
                    if p in _EQUIVALENCES and isinstance(o, ox.NamedNode):  # an authority's entity, not its page
                        self.b.match(s, p, o.value)
                    else:
                        out.add(s, p, self.term(o))

    # -- the CIDOC-CRM view --------------------------------------------------------
    def crm(self) -> None:
        p, b, view, obj = profile(), self.b, self.view, self.cho
        edm_type = _literal(view.values("edm:type")[0]) or ""
        cls = p.crm_class.get(edm_type, p.crm_class["*"])
        props = p.class_properties[cls]
        titles = _texts(view.values("dc:title")) + _texts(view.values("dcterms:alternative"))
        descriptions = _texts(view.values("dc:description"))
        # Texts keep the provider's exact value and language, so that the EDM view derived
        # from them is the very statement the provider made.
        first = (titles + descriptions)[:1]  # empty when the only description is a resource
        with b.speaking(_lang(first[0]) if first else None):
            b.entity(obj, cls, first[0].value if first else _as_written(view.cho), self.ctx.dataset)
        for n, title in enumerate(titles, 1):
            with b.speaking(_lang(title)):
                b.title(obj, title.value, n)
        b.concept("text-type", "description")
        for n, text_ in enumerate(descriptions, 1):
            with b.speaking(_lang(text_)):
                b.text_note(obj, text_.value, "description", n)
        for value in _texts(view.values("dc:identifier")):
            b.identifier(obj, value.value, "identifier", "identifiant")
        for value in view.values("dc:type"):
            self.typed(CRM("P2_has_type"), "type", value)
        for value in view.values("dc:subject"):
            self.typed(CRM(props["subject"]), "subject", value)
        if props["medium"]:
            for value in view.values("dcterms:medium"):
                self.typed(CRM(props["medium"]), "material", value, "E57_Material")
        extents = _texts(view.values("dcterms:extent"))
        with b.speaking(_lang(extents[0]) if extents else None):
            self.ctx.measurements(obj, [extent.value for extent in extents])
        self.ctx.written_in(obj, [_literal(v) for v in view.values("dc:language")], cls != "E31_Document")
        for name, prop in (("dcterms:spatial", props["spatial"]), ("edm:currentLocation", props["currentLocation"])):
            for value in view.values(name):
                if (place := self.place(value)) is not None:
                    b.link(obj, CRM(prop), place)
        self.event(props["event"])
        self.aggregation_view(cls)

    def typed(self, prop: str, scheme: str, value: Term, cls: str = "E55_Type") -> None:
        """A type, subject or material: our concept for a text, the provider's (or authority's) IRI for a resource."""
        b = self.b
        if isinstance(value, ox.Literal):
            if label := _literal(value):
                with b.speaking(_lang(value)):
                    b.link(self.cho, prop, b.concept(scheme, label, cls))
            return
        term = self.term(value)
        if self.once(f"crm {cls} {term}"):
            b.out.add(term, RDF.type, CRM(cls))
            label, lang = _label(self.g, value)
            b.out.text(term, _p("rdfs:label"), label, lang)
        b.link(self.cho, prop, term)

    def place(self, value: Term) -> str | None:
        """A place: the provider's ``edm:Place`` (label, WGS84 point) or a place of ours for a name."""
        b, ctx = self.b, self.ctx
        label, lang = _label(self.g, value)
        if isinstance(value, ox.Literal):
            if not label:
                return None
            b.concept("place-type", "lieu")
            with b.speaking(lang):
                return ctx.place(label, subject=self.cho)
        term = self.term(value)
        if self.once(f"crm place {term}"):
            b.concept("place-type", "lieu")
            with b.speaking(lang):
                b.place(term, label, "lieu", ctx.resolved_place(label) if label else None)
            lat, lon = (_literal(v[0]) if (v := self.g.values(str(value), WGS84(name))) else None
                        for name in ("lat", "long"))
            if lat and lon and (point := ctx.coordinates(f"{lat}, {lon}")) is not None:
                b.point(term, *point)
        return term

    def event(self, kind: str) -> None:
        """Production (creation for a document): creators and contributors, and when it happened."""
        view, b = self.view, self.b
        actors = [(v, None) for v in view.values("dc:creator")] + [(v, "contributor") for v in view.values("dc:contributor")]
        dates = view.values("dcterms:created") + view.values("dc:date") + view.values("dcterms:issued")
        if not dates:  # providers without a creation date often give the object's period here
            dates = view.values("dcterms:temporal")
        if not (actors or dates):
            return
        node = b.production(self.cho) if kind == "production" else b.creation(self.cho)
        n = 0
        for value, role in actors:
            if (actor := self.actor(value)) is not None:
                n += 1
                b.carried_out_by(node, actor, role, n)
        spans = [self.span(v) for v in dates]
        bounded = [s for s in spans if s[1]] or [s for s in spans if s[0]]
        if bounded:
            with b.speaking(bounded[0][2]):
                self.ctx.dated_normal(node, [(text, normal) for text, normal, _ in bounded])

    def span(self, value: Term) -> tuple[str | None, str | None, str | None]:
        """(text, ISO 8601 bounds ``begin/end``, language) of a date: a text or an ``edm:TimeSpan``."""
        if isinstance(value, ox.Literal):
            return _literal(value), None, _lang(value)
        label, lang = _label(self.g, value)
        bounds = [t.split("T")[0] for name in ("begin", "end")
                  for v in self.g.values(str(value), EDM(name))[:1] if (t := _literal(v))]
        return label, "/".join(bounds) or None, lang

    def actor(self, value: Term) -> str | None:
        """A creator: the provider's agent (its own IRI), or a person of ours for a name or an authority."""
        b, ctx = self.b, self.ctx
        label, _ = _label(self.g, value)
        if isinstance(value, ox.Literal):
            return b.person(label) if label and not ctx.is_anonymous(label) else None
        term = self.term(value)
        if _p("foaf:Organization") in self.g.types(str(value)):
            return b.group(term, label)
        if term.startswith(self.local):  # the provider's agent, now in our namespace
            return b.person(label or _as_written(str(value)), term)
        if label:  # an authority record described in the file: our person, the same as it
            person = b.person(label)
            b.match(person, OWL.sameAs, term[1:-1])
            return person
        if self.once(f"crm actor {term}"):
            b.out.add(term, RDF.type, CRM("E39_Actor"))
        return term

    def aggregation_view(self, cls: str) -> None:
        """What the provider's aggregation says, in CRM: images, landing page, keeper, rights.

        The data provider keeps the object; for a text (a conceptual ``E31_Document``), the
        copy of it that it keeps.
        """
        view, b, ctx = self.view, self.b, self.ctx
        shown = view.agg("edm:isShownBy") + view.agg("edm:hasView")
        images = [v for v in shown or view.agg("edm:object") if isinstance(v, ox.NamedNode)]
        for image in dict.fromkeys(images):
            captions = _texts(self.g.values(str(image), _p("dc:description")))
            with b.speaking(_lang(captions[0]) if captions else None):
                b.representation(self.cho, self.term(image)[1:-1], captions[0].value if captions else None)
        for page in view.agg("edm:isShownAt")[:1]:
            if isinstance(page, ox.NamedNode):
                b.page(self.cho, self.term(page)[1:-1])
        for provider in view.agg("edm:dataProvider")[:1]:
            label, lang = _label(self.g, provider)
            with b.speaking(lang):
                group = ctx.institution(label) if isinstance(provider, ox.Literal) else b.group(self.term(provider), label)
                if group is not None:
                    held = self.cho if cls != "E31_Document" else b.copy(self.cho, "data-provider")
                    b.keeper(held, group)
        rights = ctx.rights_statement(view.agg("edm:rights")[0].value)  # checked by problems()
        if rights is not None:
            b.link(self.cho, DCTERMS.rights, iri(rights))


LOADER = EdmLoader()
