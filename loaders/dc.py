"""Dublin Core → CIDOC-CRM, for every source that describes its records in Dublin Core.

:func:`read_dc` collects the ``dc:``/``dcterms:`` elements of a container
(``oai_dc:dc``, a ``qualifieddc`` record...) as ``{local name: [values]}``;
:func:`map_dc` writes one object from them with the shared building blocks.
Which element goes to which block is data: ``dc_profile.json``.

Modelling (ontology/profile.ttl says the same):

- the object is an ``E22_Human-Made_Object``, or an ``E31_Document`` when a
  ``dc:type`` says it is a text (``text``, ``article``, ``registre``...);
- creators and contributors carried out its production (``E12``, for an E22)
  or creation (``E65``, for an E31), a contributor through a part typed
  ``contributeur``; ``dc:date`` is that event's time-span;
- ``dc:subject`` values (split on ``;``) and place coverage are what the record
  is about (``P129_is_about``; for an object, what the information it carries,
  ``P128_carries``, is about): concepts, and communes when the name resolves
  to one commune (within the department the record names, if any), else places
  known by name; coverage that is a date is kept as a note;
- ``dc:language`` is the language (``P72_has_language``, an ISO 639-2 IRI) of
  the document, or of the content an object carries, and of its title and
  description;
- ``dc:identifier`` URLs are the record's pages (a web page about it), other values
  identifiers; ``dc:rights`` is ``dcterms:rights`` (an IRI when it is a URI);
  ``dc:relation`` links records of the same source (``pkg:relatedRecord``),
  images (representations) or pages.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path

from lxml import etree

from graph.geo import Geography
from graph.iri import slug
from graph.mapping import MappingContext
from graph.namespaces import CRM, DCTERMS, PKG
from graph.ntriples import link_or_text
from graph.xml import text

DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
_RDF_RESOURCE = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource"
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.I)
_DATE_LIKE = re.compile(r"^[\[(]?\s*-?\d{3,4}\b")
P129 = CRM("P129_is_about")
P72 = CRM("P72_has_language")

Fields = dict[str, list[str]]
# A relation value → the IRI of a record of the same source it names, or None.
RelatedRecord = Callable[[str], "str | None"]


@cache
def profile() -> dict:
    return json.loads((Path(__file__).with_name("dc_profile.json")).read_text(encoding="utf-8"))


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    clues = profile()["department_clues"]
    return re.compile(clues["service_code"]), re.compile(clues["service_name"], re.I)


def is_url(value: str) -> bool:
    return bool(_URL.match(value))


def read_dc(container: etree._Element) -> Fields:
    """The ``dc:``/``dcterms:`` children of ``container``: local name → distinct values, in order."""
    fields: Fields = {}
    for child in container:
        tag = child.tag
        if not isinstance(tag, str) or not tag.startswith("{"):
            continue
        ns, _, local = tag[1:].partition("}")
        if ns not in (DC_NS, DCTERMS_NS):
            continue
        value = text(child) or (child.get(_RDF_RESOURCE) or "").strip()
        if value:
            values = fields.setdefault(local, [])
            if value not in values:
                values.append(value)
    return fields


def values(fields: Fields, keys: Iterable[str]) -> list[str]:
    return [v for k in keys for v in fields.get(k, [])]


@cache
def _department_names(geo: Geography) -> dict[str, str]:
    return {slug(d.name): d.code for d in geo.departments()}


def department_named(geo: Geography, name: str) -> str | None:
    """The code of the department called ``name`` (``Pas-de-Calais``, ``MEUSE``), or None."""
    return _department_names(geo).get(slug(name))


def department_clues(geo: Geography, texts: Iterable[str]) -> list[str]:
    """Departments named by archives services: ``FRAD062`` → 62, ``Archives départementales de la Meuse`` → 55."""
    code_re, name_re = _patterns()
    found: list[str] = []
    for t in texts:
        for m in code_re.finditer(t):
            code = m.group(1)
            found.append(code[1:] if code.startswith("0") else code)
        m = name_re.search(t)
        if m and (code := department_named(geo, m["name"].strip())):
            found.append(code)
    return [c for c in dict.fromkeys(found) if geo.department(c) is not None]


class _Notes:
    """Text notes numbered per kind, so two sources of the same kind never share a node."""

    def __init__(self, obj: str, ctx: MappingContext) -> None:
        self.obj, self.b, self.n = obj, ctx.b, Counter[str]()

    def add(self, value: str, kind: str) -> str:
        self.n[slug(kind)] += 1
        return self.b.text_note(self.obj, value, kind, self.n[slug(kind)])


def map_dc(fields: Fields, obj: str, ctx: MappingContext, *, fallback_label: str,
           context_texts: Sequence[str] = (), related: RelatedRecord | None = None) -> str:
    """Write the object ``obj`` that ``fields`` describe; returns its CRM class.

    ``context_texts`` are other texts about the record (OAI set specs...) read
    for department clues only. Raises :class:`graph.records.Skipped` when the
    region filter is on and the record names a place outside the region.
    """
    p, b, geo = profile(), ctx.b, ctx.geo
    places = values(fields, p["places"])
    spatial = [v for v in places if not _DATE_LIKE.match(v)]
    clue_texts = [*context_texts, *values(fields, ("source", "publisher", "identifier", "relation", "rights"))]
    departments = department_clues(geo, clue_texts)
    departments += [d for v in spatial if (d := department_named(geo, v)) and d not in departments]
    ctx.require_region(keep_unknown=True, departments=departments, region_labels=spatial, communes=spatial)

    types = values(fields, p["types"])
    document_words = set(p["document_types"])
    document = any(w in document_words for t in types for w in slug(t).split("-"))
    cls = "E31_Document" if document else "E22_Human-Made_Object"
    titles = values(fields, p["titles"])
    b.entity(obj, cls, titles[0] if titles else fallback_label, ctx.dataset)
    described = [b.title(obj, t, n) for n, t in enumerate(titles, 1)]
    for value in values(fields, p["identifiers"]):
        if is_url(value):
            b.page(obj, value)
        else:
            b.identifier(obj, value, "dc-identifier", "identifiant")
    for value in types:
        b.classify(obj, "dc-type", value)
    notes = _Notes(obj, ctx)
    for key, kind in p["texts"].items():
        for value in fields.get(key, []):
            node = notes.add(value, kind)
            if kind == "description":
                described.append(node)
    spoken = values(fields, p["languages"])
    for iri_ in ctx.written_in(obj, spoken, physical=not document):
        for node in described:
            b.link(node, P72, iri_)
    _event(fields, obj, document, ctx)
    # what a document is about is the document's; what an object is about, the content it carries
    about = obj if document else b.content(obj)
    _subjects(fields, about, ctx)
    for value in places:
        if _DATE_LIKE.match(value):
            notes.add(value, p["temporal_coverage_kind"])
        else:
            if (place := ctx.place(value, departments[0] if departments else None, subject=about)) is not None:
                b.link(about, P129, place)
    for value in values(fields, p["rights"]):
        b.link(obj, DCTERMS.rights, link_or_text(value, is_url(value)))
    _relations(fields, obj, ctx, notes, related)
    return cls


def _event(fields: Fields, obj: str, document: bool, ctx: MappingContext) -> None:
    p, b = profile(), ctx.b
    actors = [(v, None) for v in values(fields, p["creators"])]
    actors += [(v, role) for key, role in p["contributors"].items() for v in fields.get(key, [])]
    dates = values(fields, p["dates"])
    if not (actors or dates):
        return
    event = b.creation(obj) if document else b.production(obj)
    n = 0
    for written, default_role in actors:
        name, role = ctx.name_and_role(written)
        if not name or ctx.is_anonymous(name):
            continue
        n += 1
        b.carried_out_by(event, ctx.actor(name), role or default_role, n)
    if dates:
        ctx.dated_normal(event, [(d, d) for d in dates])


def _subjects(fields: Fields, obj: str, ctx: MappingContext) -> None:
    p, b = profile(), ctx.b
    seen: set[str] = set()
    for value in values(fields, p["subjects"]):
        parts = [value] if is_url(value) else [s.strip() for s in value.split(p["subject_separator"])]
        for subject in parts:
            if subject and subject not in seen:
                seen.add(subject)
                b.link(obj, P129, b.external(subject) if is_url(subject) else b.concept("subject", subject))


def _relations(fields: Fields, obj: str, ctx: MappingContext, notes: _Notes,
               related: RelatedRecord | None) -> None:
    p, b = profile(), ctx.b
    images = tuple(p["image_extensions"])
    for value in values(fields, p["relations"]):
        target = related(value) if related else None
        if target is not None:
            b.link(obj, PKG.relatedRecord, target)
        elif is_url(value):
            if value.lower().split("?", 1)[0].endswith(images):
                b.representation(obj, value)
            else:
                b.page(obj, value)
        else:
            notes.add(value, p["relation_kind"])
