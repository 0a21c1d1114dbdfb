"""One record's EDM view as the RDF/XML Europeana ingests (EDM external), and Europeana's checks on it.

A record is its ``edm:ProvidedCHO``, its ``ore:Aggregation``, the web resources the
aggregation shows (with their IIIF services) and the contextual entities (agents,
places, time-spans, concepts) the record links to, followed through the places'
and concepts' hierarchies. :func:`record_query` gathers them from the store,
:func:`write` writes them in the element order and shape of Europeana's XML Schema
(``ontology/edm/schema/EDM.xsd``), class by class as ``ontology/edm/rdfxml.json``
lays them out. :func:`schema_errors` validates a document against that schema and
:func:`problems` checks Europeana's mandatory rules (the Schematron embedded in the
schema and the Publishing Framework, ``ontology/edm/mandatory.json``), which an XML
Schema cannot express.

The same record node carries its CIDOC-CRM statements (the graph's two views share
their IRIs): :func:`write` writes only what EDM defines for each class; the
statements in EDM's vocabularies that a class does not allow are returned in
:attr:`EdmXml.omitted`, so that tests see what the derivation put where EDM does
not take it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from lxml import etree

EDM_DIR = Path(__file__).resolve().parent.parent / "ontology" / "edm"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ABOUT = f"{{{RDF_NS}}}about"
RESOURCE = f"{{{RDF_NS}}}resource"
DATATYPE = f"{{{RDF_NS}}}datatype"
RDF_TYPE = RDF_NS + "type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class Property:
    iri: str
    tag: str  # Clark notation: {namespace}local
    kind: str  # literal, either, resource, text, or the IRI of a required datatype


@dataclass(frozen=True)
class ClassLayout:
    iri: str
    tag: str
    properties: tuple[Property, ...]
    allowed: frozenset[str]


@dataclass(frozen=True)
class Layout:
    namespaces: dict[str, str]
    classes: tuple[ClassLayout, ...]
    context_links: tuple[str, ...]

    def expand(self, name: str) -> str:
        prefix, _, local = name.partition(":")
        return self.namespaces[prefix] + local

    def tag(self, name: str) -> str:
        prefix, _, local = name.partition(":")
        return f"{{{self.namespaces[prefix]}}}{local}"


@cache
def layout() -> Layout:
    d = json.loads((EDM_DIR / "rdfxml.json").read_text(encoding="utf-8"))
    ns = d["namespaces"]
    base = Layout(ns, (), ())
    kinds = {"literal", "either", "resource", "text"}
    classes = []
    for c in d["classes"]:
        props = tuple(Property(base.expand(name), base.tag(name), kind if kind in kinds else base.expand(kind))
                      for name, kind in c["properties"])
        classes.append(ClassLayout(base.expand(c["class"]), base.tag(c["class"]), props,
                                   frozenset(p.iri for p in props)))
    return Layout(ns, tuple(classes), tuple(base.expand(n) for n in d["context_links"]))


# ---------------------------------------------------------------------------
# Gathering a record


def record_query(cho: str, graphs: Iterable[str] = ()) -> str:
    """The SPARQL CONSTRUCT that gathers the statements :func:`write` needs for the record ``cho`` (an IRI).

    ``graphs`` (IRIs) restrict it to those named graphs (``FROM``): a dataset's graph and the
    shared entities' give the record as that dataset publishes it. Contextual entities are followed
    three steps from the record at most (a commune, its department, its region: a fixed depth, which
    Oxigraph evaluates much faster than ``*``). It may gather a little more (contextual entities the
    CIDOC-CRM view links to): :func:`write` keeps only the nodes the record's EDM elements reach.
    """
    lay = layout()
    edm, ore = lay.namespaces["edm"], lay.namespaces["ore"]
    shown = "|".join(f"<{edm}{p}>" for p in ("isShownBy", "hasView", "object", "isShownAt"))
    links = "|".join(f"<{p}>" for p in lay.context_links)
    contextual = " ".join(f"<{c.iri}>" for c in lay.classes
                          if c.iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1] in ("Agent", "Place", "TimeSpan", "Concept"))
    c = f"<{cho}>"
    sources = "".join(f"FROM <{g}>\n" for g in graphs)
    return f"""CONSTRUCT {{ ?s ?p ?o }}
{sources}WHERE {{
  {{ BIND({c} AS ?s) ?s ?p ?o }}
  UNION {{ ?s <{edm}aggregatedCHO> {c} ; a <{ore}Aggregation> ; ?p ?o }}
  UNION {{ ?agg <{edm}aggregatedCHO> {c} ; {shown} ?s . ?s a <{edm}WebResource> ; ?p ?o }}
  UNION {{ ?agg <{edm}aggregatedCHO> {c} ; {shown} ?wr . ?wr <{lay.namespaces['svcs']}has_service> ?s . ?s ?p ?o }}
  UNION {{ ?agg <{edm}aggregatedCHO> {c} ; <{edm}rights> ?s . ?s a <{lay.namespaces['cc']}License> ; ?p ?o }}
  UNION {{ {c} ?link ?e . ?e a ?first . VALUES ?first {{ {contextual} }}
           ?e ({links})? ?x1 . ?x1 ({links})? ?x2 . ?x2 ({links})? ?s . ?s a ?class . VALUES ?class {{ {contextual} }}
           ?s ?p ?o }}
}}"""


@dataclass(frozen=True)
class EdmXml:
    """A record written as EDM RDF/XML."""

    xml: bytes
    omitted: tuple[tuple[str, str, str], ...]  # (subject, class, property) statements EDM does not allow there


def export(store, cho: str, graphs: Iterable[str] = ()) -> EdmXml:
    """The record ``cho`` of ``store`` (anything with a pyoxigraph-like ``query``) as EDM RDF/XML."""
    return write(cho, store.query(record_query(cho, graphs)))


def write(cho: str, triples: Iterable) -> EdmXml:
    """The EDM RDF/XML of the record ``cho`` from its statements (pyoxigraph triples or quads)."""
    lay = layout()
    described: dict[str, list[tuple[str, object]]] = {}
    types: dict[str, set[str]] = {}
    seen: set[tuple[str, str, str]] = set()
    for t in triples:
        s = t.subject
        if not isinstance(s, ox.NamedNode):
            continue
        key = (s.value, t.predicate.value, str(t.object))
        if key in seen:  # the same statement in several graphs
            continue
        seen.add(key)
        if t.predicate.value == RDF_TYPE:
            types.setdefault(s.value, set()).add(str(t.object.value))
        else:
            described.setdefault(s.value, []).append((t.predicate.value, t.object))

    def class_of(subject: str) -> ClassLayout | None:
        found = types.get(subject, set())
        return next((c for c in lay.classes if c.iri in found), None)

    # The record's nodes: from the CHO, whatever its elements reach (breadth first).
    chosen: dict[str, ClassLayout] = {}
    cho_class = class_of(cho)
    if cho_class is None or cho_class.tag != lay.tag("edm:ProvidedCHO"):
        raise KeyError(f"{cho} is not an edm:ProvidedCHO")
    queue = [cho]
    queue += [s for s, props in described.items() if class_of(s) is not None
              and class_of(s).iri == lay.expand("ore:Aggregation")
              and any(p == lay.expand("edm:aggregatedCHO") and getattr(o, "value", None) == cho for p, o in props)]
    while queue:
        subject = queue.pop(0)
        if subject in chosen or (cls := class_of(subject)) is None:
            continue
        if cls.iri == lay.expand("edm:ProvidedCHO") and subject != cho:
            continue  # another record (a whole it is part of, a related object)
        chosen[subject] = cls
        queue += [o.value for p, o in described.get(subject, ()) if p in cls.allowed and isinstance(o, ox.NamedNode)]

    nsmap = {p: u for p, u in lay.namespaces.items() if p != "xsd"}
    root = etree.Element(f"{{{RDF_NS}}}RDF", nsmap=nsmap)
    omitted: list[tuple[str, str, str]] = []
    vocabularies = tuple(u for p, u in lay.namespaces.items() if p not in ("rdf", "rdfs", "xsd"))
    order = {c.iri: n for n, c in enumerate(lay.classes)}
    for subject, cls in sorted(chosen.items(), key=lambda kv: (order[kv[1].iri], kv[0] != cho, kv[0])):
        node = etree.SubElement(root, cls.tag)
        node.set(ABOUT, subject)
        values: dict[str, list[object]] = {}
        for p, o in described.get(subject, ()):
            if p in cls.allowed:
                values.setdefault(p, []).append(o)
            elif p.startswith(vocabularies):
                omitted.append((subject, cls.iri, p))
        for prop in cls.properties:
            for value in sorted(values.get(prop.iri, ()), key=_sort_key):
                _element(node, prop, value)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return EdmXml(xml, tuple(omitted))


def _sort_key(term) -> tuple[str, str]:
    return (getattr(term, "language", None) or "", term.value)


def _element(parent: etree._Element, prop: Property, value) -> None:
    el = etree.SubElement(parent, prop.tag)
    if isinstance(value, ox.NamedNode):
        if prop.kind in ("resource", "either"):
            el.set(RESOURCE, value.value)
        else:  # written as text so that the schema says it is not a resource
            el.text = value.value
        return
    if isinstance(value, ox.BlankNode):
        el.text = ""  # an empty value: the checks report it
        return
    el.text = _xml_text(value.value)
    if prop.kind in ("literal", "either") and value.language:
        el.set(XML_LANG, value.language)
    elif prop.kind == "literal" and value.datatype.value not in (XSD_STRING, RDF_NS + "langString"):
        el.set(DATATYPE, value.datatype.value)
    elif prop.kind not in ("literal", "either", "resource", "text"):
        el.set(DATATYPE, prop.kind)


_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _XML_FORBIDDEN.sub("", text)


# ---------------------------------------------------------------------------
# Europeana's checks


@cache
def schema() -> etree.XMLSchema:
    """Europeana's EDM external XML Schema (read from the repository's copy, no network)."""
    return etree.XMLSchema(etree.parse(str(EDM_DIR / "schema" / "EDM.xsd")))


def _document(xml: bytes | etree._Element | etree._ElementTree) -> etree._Element:
    if isinstance(xml, bytes):
        return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    return xml.getroot() if isinstance(xml, etree._ElementTree) else xml


def schema_errors(xml: bytes | etree._Element | etree._ElementTree) -> list[str]:
    """What EDM.xsd says is wrong with the document (empty when valid)."""
    s = schema()
    if s.validate(_document(xml)):
        return []
    return [f"line {e.line}: {e.message}" for e in s.error_log]


@dataclass(frozen=True)
class Rules:
    edm_types: frozenset[str]
    title_or_description: tuple[str, ...]
    required_one_of: tuple[str, ...]
    language_required_for: frozenset[str]
    rights: tuple[re.Pattern[str], ...]
    controlled: dict[str, tuple[str, frozenset[str] | None]]
    not_literal: dict[str, tuple[str, ...]]


@cache
def rules() -> Rules:
    d = json.loads((EDM_DIR / "mandatory.json").read_text(encoding="utf-8"))
    lay = layout()
    return Rules(
        edm_types=frozenset(d["edm_types"]),
        title_or_description=tuple(lay.tag(n) for n in d["title_or_description"]),
        required_one_of=tuple(lay.tag(n) for n in d["required_one_of"]),
        language_required_for=frozenset(d["language_required_for"]),
        rights=tuple(re.compile(p) for p in d["rights_patterns"]),
        controlled={lay.tag(n): (c["prefix"], frozenset(c["values"]) if "values" in c else None)
                    for n, c in d["controlled"].items()},
        not_literal={lay.tag(c): tuple(lay.tag(n) for n in names) for c, names in d["not_literal"].items()},
    )


def accepted_rights(uri: str) -> bool:
    """Whether Europeana accepts ``uri`` as ``edm:rights`` exactly as written."""
    return any(p.match(uri) for p in rules().rights)


def _name(el: etree._Element) -> str:
    q = etree.QName(el)
    prefix = next((p for p, u in layout().namespaces.items() if u == q.namespace), q.namespace)
    return f"{prefix}:{q.localname}"


def _filled(el: etree._Element) -> bool:
    return bool((el.get(RESOURCE) or "").strip() or (el.text or "").strip())


def problems(xml: bytes | etree._Element | etree._ElementTree) -> list[str]:
    """Europeana's mandatory rules the record breaks (empty when it would be accepted).

    One record per document: exactly one ``edm:ProvidedCHO`` and one ``ore:Aggregation``
    that aggregates it; title or description; subject, type, spatial or temporal;
    ``edm:type`` once; ``dc:language`` for TEXT; provider, data provider, an accepted
    ``edm:rights``, a landing page or a shown-by resource; no empty values, no
    element with both a resource and a text, no empty ``xml:lang``; controlled values
    on web resources.
    """
    root, r, lay = _document(xml), rules(), layout()
    found: list[str] = []
    chos = root.findall(lay.tag("edm:ProvidedCHO"))
    aggs = root.findall(lay.tag("ore:Aggregation"))
    if len(chos) != 1:
        found.append(f"{len(chos)} edm:ProvidedCHO (exactly one expected)")
    if len(aggs) != 1:
        found.append(f"{len(aggs)} ore:Aggregation (exactly one expected)")
    for cho in chos:
        found += _cho_problems(cho, r)
    cho_iris = {c.get(ABOUT) for c in chos}
    for agg in aggs:
        found += _aggregation_problems(agg, cho_iris)
    for node in root:
        for el in node:
            name = f"{_name(node)}/{_name(el)}"
            if el.get(RESOURCE) is not None and not el.get(RESOURCE).strip():
                found.append(f"{name}: empty rdf:resource")
            elif el.get(RESOURCE) is not None and (el.text or "").strip():
                found.append(f"{name}: both an rdf:resource and a text")
            elif not _filled(el):
                found.append(f"{name}: empty value")
            if el.get(XML_LANG) == "":
                found.append(f"{name}: empty xml:lang")
            if el.tag in r.controlled and el.get(RESOURCE) is not None:
                prefix, values = r.controlled[el.tag]
                value = el.get(RESOURCE).strip()
                if not value.startswith(prefix) or (values is not None and value[len(prefix):] not in values):
                    found.append(f"{name}: {value} is not a value of {prefix}")
            if el.tag in r.not_literal.get(node.tag, ()) and el.get(RESOURCE) is None:
                found.append(f"{name}: a literal where a resource is required")
        if not (node.get(ABOUT) or "").strip():
            found.append(f"{_name(node)}: empty rdf:about")
    return found


def _cho_problems(cho: etree._Element, r: Rules) -> list[str]:
    found = []
    about = cho.get(ABOUT)
    if not any(_filled(el) for tag in r.title_or_description for el in cho.findall(tag)):
        found.append(f"edm:ProvidedCHO {about}: neither dc:title nor dc:description")
    if not any(_filled(el) for tag in r.required_one_of for el in cho.findall(tag)):
        found.append(f"edm:ProvidedCHO {about}: none of dc:subject, dc:type, dcterms:temporal, dcterms:spatial")
    types = [(el.text or "").strip() for el in cho.findall(layout().tag("edm:type"))]
    if len(types) != 1 or types[0] not in r.edm_types:
        found.append(f"edm:ProvidedCHO {about}: edm:type must be given once, one of {', '.join(sorted(r.edm_types))}"
                     f" (found: {', '.join(types) or 'none'})")
    elif types[0] in r.language_required_for and not any(_filled(el) for el in cho.findall(layout().tag("dc:language"))):
        found.append(f"edm:ProvidedCHO {about}: a {types[0]} record needs dc:language")
    return found


def _aggregation_problems(agg: etree._Element, chos: set[str | None]) -> list[str]:
    lay, found = layout(), []
    about = agg.get(ABOUT)

    def values(name: str) -> list[etree._Element]:
        return agg.findall(lay.tag(name))

    targets = [el.get(RESOURCE) for el in values("edm:aggregatedCHO")]
    if not any(t in chos for t in targets):
        found.append(f"ore:Aggregation {about}: edm:aggregatedCHO is not the record's edm:ProvidedCHO")
    for name in ("edm:provider", "edm:dataProvider"):
        if not any(_filled(el) for el in values(name)):
            found.append(f"ore:Aggregation {about}: no {name}")
    rights = values("edm:rights")
    if len(rights) != 1:
        found.append(f"ore:Aggregation {about}: {len(rights)} edm:rights (exactly one expected)")
    for el in rights:
        uri = (el.get(RESOURCE) or "").strip()
        if not accepted_rights(uri):
            found.append(f"ore:Aggregation {about}: edm:rights {uri or '(no resource)'} is not a rights statement "
                         "Europeana accepts")
    if not any((el.get(RESOURCE) or "").strip() for name in ("edm:isShownAt", "edm:isShownBy") for el in values(name)):
        found.append(f"ore:Aggregation {about}: neither edm:isShownAt nor edm:isShownBy")
    return found
