"""LIDO 1.0 and 1.1, the museum exchange format: single ``lido:lido`` records and ``lido:lidoWrap`` files.

Records are streamed (:func:`graph.xml.iter_elements` on ``{http://www.lido-schema.org}lido``,
memory flat whatever the file size), so a ``lido:lido`` inside another wrapper (an
OAI-PMH answer) is read too. LIDO 1.0 and 1.1 share their namespace; what 1.1 adds
(``skos:Concept`` inside terms, terminology URIs in ``lido:type``, concepts for
measurement types and units) is read beside the 1.0 forms.

Each record is one ``E22_Human-Made_Object`` whose IRI is minted from the
institution's identifier (repository ``legalBodyID``, else the record source's: an
ISIL, a Muséofile id...) and ``lidoRecID``. A record may describe its object
several times, once per language (``descriptiveMetadata xml:lang="de"``...): the
texts (titles, descriptions, inscriptions) are read from every version with
their language; the structured parts (classification, measurements, events,
repository, subjects, resources) from the first version that has them, since
the others repeat them in another language.

Which terms mean what (event types of a production, material or technique,
authorities of the ids) is data: ``lido_profile.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from graph import authorities, dimensions, materials, names
from graph.languages import language
from graph.mapping import MappingContext
from graph.namespaces import CRM, DCTERMS, OWL, RDF, SKOS
from graph.ntriples import iri, valid_lang
from graph.records import RecordError, SourceRecord
from graph.xml import iter_elements, root_tag, text

LIDO_NS = "http://www.lido-schema.org"
NS = {"lido": LIDO_NS, "skos": "http://www.w3.org/2004/02/skos/core#", "gml": "http://www.opengis.net/gml"}
L = "{" + LIDO_NS + "}"
LIDO_TYPE = L + "type"
LIDO_SOURCE = L + "source"
LIDO_PREF = L + "pref"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
PROFILE_PATH = Path(__file__).with_name("lido_profile.json")

E22 = "E22_Human-Made_Object"
P2 = CRM("P2_has_type")

# Paths inside one descriptiveMetadata / administrativeMetadata version.
TITLES = "lido:objectIdentificationWrap/lido:titleWrap/lido:titleSet/lido:appellationValue"
WORK_TYPES = "lido:objectClassificationWrap/lido:objectWorkTypeWrap/lido:objectWorkType"
CLASSIFICATIONS = "lido:objectClassificationWrap/lido:classificationWrap/lido:classification"
INSCRIPTIONS = "lido:objectIdentificationWrap/lido:inscriptionsWrap/lido:inscriptions"
DESCRIPTIONS = ("lido:objectIdentificationWrap/lido:objectDescriptionWrap/lido:objectDescriptionSet"
                "/lido:descriptiveNoteValue")
MEASUREMENTS = "lido:objectIdentificationWrap/lido:objectMeasurementsWrap/lido:objectMeasurementsSet"
REPOSITORIES = "lido:objectIdentificationWrap/lido:repositoryWrap/lido:repositorySet"
EVENTS = "lido:eventWrap/lido:eventSet/lido:event"
SUBJECTS = "lido:objectRelationWrap/lido:subjectWrap/lido:subjectSet/lido:subject"
RECORD_SOURCES = "lido:recordWrap/lido:recordSource"
RECORD_LINKS = "lido:recordWrap/lido:recordInfoSet/lido:recordInfoLink"
RESOURCES = "lido:resourceWrap/lido:resourceSet"


# ---------------------------------------------------------------------------
# Profile (lido_profile.json)


@dataclass(frozen=True)
class Authority:
    scheme: str
    id: str
    uri: str  # the canonical IRI, or the IRI as the source wrote it


@dataclass(frozen=True)
class Profile:
    schemes: dict[str, str]
    skip_classification_types: frozenset[str]
    production_ids: frozenset[str]
    production_terms: frozenset[str]
    material_types: frozenset[str]
    technique_types: frozenset[str]
    group_actor_types: frozenset[str]
    former_repository_types: frozenset[str]
    thumbnail_types: frozenset[str]
    person_schemes: tuple[str, ...]
    place_schemes: tuple[str, ...]
    org_schemes: tuple[str, ...]
    org_identifiers: frozenset[str]  # schemes written as the group's E42_Identifier
    authorities: tuple[str, ...]  # schemes, in the order ids are tried
    identifiers: dict[str, tuple[re.Pattern[str], re.Pattern[str]]]  # institutions' ids: (URL form, id form)

    def authority(self, value: str, hint: str = "", schemes: Iterable[str] | None = None) -> Authority | None:
        """The authority record an id designates, from its text and the ``lido:source``/``lido:type`` hint."""
        value = value.strip()
        known = authorities.parse(value)
        for scheme in schemes if schemes is not None else self.authorities:
            named = re.search(rf"\b{re.escape(scheme)}\b", hint, re.I) is not None
            if scheme in self.identifiers:
                uri_form, id_form = self.identifiers[scheme]
                if m := uri_form.match(value) or (id_form.match(value) if named else None):
                    return Authority(scheme, "".join(m[1].split()), value)
                continue
            found = known if known is not None and known.scheme == scheme else None
            if found is None and named:
                found = authorities.entity(scheme, value)
            if found is not None:
                return Authority(scheme, found.id, found.iri)
        return None


def _lower(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.lower() for v in values)


@cache
def profile() -> Profile:
    data = json.loads(PROFILE_PATH.read_text(encoding="utf-8"))
    identifiers = {scheme: (re.compile(a["uri"]), re.compile(a["id"])) for scheme, a in data["identifiers"].items()}
    return Profile(
        schemes=data["schemes"],
        skip_classification_types=_lower(data["skip_classification_types"]),
        production_ids=frozenset(data["production_events"]["ids"]),
        production_terms=_lower(data["production_events"]["terms"]),
        material_types=_lower(data["material_types"]),
        technique_types=_lower(data["technique_types"]),
        group_actor_types=_lower(data["group_actor_types"]),
        former_repository_types=_lower(data["former_repository_types"]),
        thumbnail_types=_lower(data["thumbnail_types"]),
        person_schemes=tuple(data["person_schemes"]),
        place_schemes=tuple(data["place_schemes"]),
        org_schemes=tuple(data["org_schemes"]),
        org_identifiers=frozenset(data["org_identifiers"]),
        authorities=tuple(data["authorities"]),
        identifiers=identifiers,
    )


# ---------------------------------------------------------------------------
# Reading


class LidoLoader:
    name = "lido"
    description = "LIDO 1.0 / 1.1 museum records (lido:lido, lido:lidoWrap)"
    data_provider = "the institution that exported the LIDO records"

    def sniff(self, path: Path, head: bytes) -> bool:
        return root_tag(head) in (L + "lido", L + "lidoWrap")

    def records(self, path: Path, encoding: str | None) -> Iterator[SourceRecord]:
        return read_lido(path)

    def map(self, record: SourceRecord, ctx: MappingContext) -> None:
        map_record(record, ctx)


def read_lido(path: Path) -> Iterator[SourceRecord]:
    """Every ``lido:lido`` of the file, streamed; the XML declaration gives the encoding."""
    for index, element in enumerate(iter_elements(path, L + "lido"), 1):
        yield SourceRecord(index=index, line=element.sourceline, source_id=text(element.find(L + "lidoRecID")),
                           data=element)


# ---------------------------------------------------------------------------
# Small readers of LIDO structures


@dataclass(frozen=True)
class Term:
    """A LIDO concept (``lido:term`` + ``lido:conceptID`` / ``skos:Concept``)."""

    label: str
    lang: str | None
    ids: tuple[tuple[str, str], ...]  # (id text, lido:source + lido:type hint)


def lang_of(element: etree._Element) -> str | None:
    """The ``xml:lang`` in force at ``element`` (its own or an ancestor's), None when absent or invalid."""
    node: etree._Element | None = element
    while node is not None:
        lang = node.get(XML_LANG)
        if lang is not None:
            return lang if lang and valid_lang(lang) else None
        node = node.getparent()
    return None


def _hint(element: etree._Element) -> str:
    return f"{element.get(LIDO_SOURCE, '')} {element.get(LIDO_TYPE, '')}"


def _preferred(values: list[etree._Element]) -> etree._Element | None:
    for v in values:
        if v.get(LIDO_PREF) == "preferred":
            return v
    return values[0] if values else None


def term(element: etree._Element | None) -> Term | None:
    """The concept an element holds: its preferred term (search-only terms left out), else its
    ``skos:prefLabel``, else its own text (LIDO 1.0 ``measurementType``...); None when empty."""
    if element is None:
        return None
    ids = [(t, _hint(c)) for c in element.findall("lido:conceptID", NS) if (t := text(c))]
    ids += [(about.strip(), "") for c in element.findall("skos:Concept", NS) if (about := c.get(RDF_ABOUT))]
    terms = [t for t in element.findall("lido:term", NS) if t.get(L + "addedSearchTerm") != "yes" and text(t)]
    chosen = _preferred(terms)
    if chosen is None:
        chosen = _preferred([p for p in element.findall("skos:Concept/skos:prefLabel", NS) if text(p)])
    if chosen is not None:
        return Term(text(chosen) or "", lang_of(chosen), tuple(ids))
    own = text(element) if len(element) == 0 else None
    if own:
        return Term(own, lang_of(element), tuple(ids))
    return None


def appellation(element: etree._Element | None, path: str) -> etree._Element | None:
    """The preferred ``lido:appellationValue`` under ``path``."""
    if element is None:
        return None
    return _preferred([v for v in element.findall(path + "/lido:appellationValue", NS) if text(v)])


def section(versions: list[etree._Element], path: str) -> list[etree._Element]:
    """The elements at ``path`` in the first language version that has any."""
    for version in versions:
        found = version.findall(path, NS)
        if found:
            return found
    return []


def every(versions: list[etree._Element], path: str) -> list[etree._Element]:
    """The elements at ``path`` in every language version."""
    return [e for version in versions for e in version.findall(path, NS)]


def _is_current(repository: etree._Element) -> bool:
    return (repository.get(LIDO_TYPE) or "").strip().lower() not in profile().former_repository_types


def _place_names(place: etree._Element) -> list[str]:
    """The names of a place and of the places it is part of, with the first part of ``"Paris, France"``."""
    names = [n for v in place.iter(L + "appellationValue") if (n := text(v))]
    return names + [n.split(",")[0].strip() for n in names if "," in n]


# ---------------------------------------------------------------------------
# Mapping


def map_record(record: SourceRecord, ctx: MappingContext) -> None:
    rec_id = record.source_id
    if not rec_id:
        raise RecordError("no lido:lidoRecID (the record's identifier)")
    element = record.data
    descs = element.findall("lido:descriptiveMetadata", NS)
    admins = element.findall("lido:administrativeMetadata", NS)
    if not descs:
        raise RecordError("no lido:descriptiveMetadata (LIDO requires it)")
    repositories = [r for r in section(descs, REPOSITORIES) if _is_current(r)]
    locations = [loc for r in repositories for loc in r.findall("lido:repositoryLocation", NS)]
    ctx.require_region(keep_unknown=True, communes=[n for loc in locations for n in _place_names(loc)])

    keeper = _institution(ctx, [r.find("lido:repositoryName", NS) for r in repositories])
    source = _institution(ctx, section(admins, RECORD_SOURCES), declare=False)
    institution = (keeper and keeper[1]) or (source and source[1])
    obj = ctx.m.record("lido", institution, rec_id) if institution else ctx.m.record("lido", rec_id)

    # Source texts are written in their xml:lang (b.speaking); the graph's own vocabulary
    # (identifier, text and place types) in the builder's language.
    b = ctx.b
    titles = [(t, lang_of(v)) for v in every(descs, TITLES) if (t := text(v))]
    with b.speaking(titles[0][1] if titles else None):
        b.entity(obj, E22, titles[0][0] if titles else rec_id, ctx.dataset)
    b.identifier(obj, rec_id, "lido-record-id", "identifiant de notice LIDO")
    for published in element.findall("lido:objectPublishedID", NS):
        if value := text(published):
            b.identifier(obj, value, "published-id", "identifiant publié")
    for n, (title, lang) in enumerate(titles, 1):
        with b.speaking(lang):
            _in_language(b.title(obj, title, n), lang, ctx)
    _classify(descs, obj, ctx)
    _texts(descs, obj, ctx)
    _measurements(descs, obj, ctx)
    _events(descs, obj, ctx)
    _subjects(descs, obj, ctx)
    _repository(repositories, keeper, obj, ctx)
    _resources(admins, obj, ctx)


def _institution(ctx: MappingContext, bodies: Iterable[etree._Element | None], declare: bool = True
                 ) -> tuple[str, str | None] | None:
    """(group term, its identifier) of the first legal body named or identified; declared as an E74_Group."""
    p, b = profile(), ctx.b
    for body in bodies:
        if body is None:
            continue
        name_el = appellation(body, "lido:legalBodyName")
        name = text(name_el)
        ids = [(t, _hint(e)) for e in body.findall("lido:legalBodyID", NS) if (t := text(e))]
        found = next((a for t, hint in ids if (a := p.authority(t, hint, p.org_schemes))), None)
        if found is None and not name:
            continue
        known = ctx.institutions.resolve(name, [(found.scheme, found.id)] if found else [])
        with b.speaking(lang_of(name_el) if name_el is not None else None):
            term = ctx.declare_institution(known, name) if declare else ctx.institution_term(known)
        return term, (found.id if found else None)
    return None


def _concept(ctx: MappingContext, scheme: str, t: Term, cls: str = "E55_Type") -> str:
    """The concept of a term, with ``skos:exactMatch`` to the vocabularies its ids point to."""
    b = ctx.b
    with b.speaking(t.lang):
        concept = b.concept(scheme, t.label, cls)
    p = profile()
    for value, hint in t.ids:
        found = p.authority(value, hint)
        uri = found.uri if found else value
        if uri.startswith(("http://", "https://")):
            b.match(concept, SKOS.exactMatch, uri)
    return concept


def _classify(descs: list[etree._Element], obj: str, ctx: MappingContext) -> None:
    p, out = profile(), ctx.b.out
    for element in section(descs, WORK_TYPES):
        if t := term(element):
            out.add(obj, P2, _concept(ctx, p.schemes["objectWorkType"], t))
    for element in section(descs, CLASSIFICATIONS):
        if (element.get(LIDO_TYPE) or "").lower() in p.skip_classification_types:
            continue
        if t := term(element):
            out.add(obj, P2, _concept(ctx, p.schemes["classification"], t))


def _texts(descs: list[etree._Element], obj: str, ctx: MappingContext) -> None:
    b = ctx.b
    b.concept("text-type", "description")
    for n, note in enumerate((e for e in every(descs, DESCRIPTIONS) if text(e)), 1):
        with b.speaking(lang_of(note)):
            _in_language(b.text_note(obj, text(note) or "", "description", n), lang_of(note), ctx)
    n = 0
    for inscription in every(descs, INSCRIPTIONS):
        found = (inscription.find("lido:inscriptionTranscription", NS),
                 inscription.find("lido:inscriptionDescription/lido:descriptiveNoteValue", NS))
        chosen = next((e for e in found if text(e)), None)
        if chosen is not None:
            n += 1
            with b.speaking(lang_of(chosen)):
                b.inscription(obj, text(chosen) or "", n)


def _in_language(text_node: str, lang: str | None, ctx: MappingContext) -> None:
    """``P72_has_language`` of a title or description from its ``xml:lang``."""
    if (found := language(lang)) is not None:
        ctx.b.language(text_node, found.iri, found.label)


def _measurements(descs: list[etree._Element], obj: str, ctx: MappingContext) -> None:
    """Dimensions: the structured ``measurementsSet`` (type, unit, value) when every one of a set
    can be read, else the set's ``displayObjectMeasurements`` text, parsed."""
    found: list[dimensions.Measurement] = []
    unread: list[str] = []
    for measured in section(descs, MEASUREMENTS):
        sets = measured.findall("lido:objectMeasurements/lido:measurementsSet", NS)
        read = [_measurement(m) for m in sets]
        display_el = measured.find("lido:displayObjectMeasurements", NS)
        display = text(display_el)
        if read and all(read):
            found += [m for m in read if m is not None]
        elif display:
            got, rest = dimensions.parse(display)
            found += got
            unread += rest
        else:
            unread += [_measurement_text(m) for m, r in zip(sets, read) if r is None]
    with ctx.b.speaking(None):
        ctx.measured(obj, found, [u for u in unread if u])


def _measurement(m: etree._Element) -> dimensions.Measurement | None:
    kind, unit = term(m.find("lido:measurementType", NS)), term(m.find("lido:measurementUnit", NS))
    amount = text(m.find("lido:measurementValue", NS))
    if kind is None or not amount:
        return None
    return dimensions.measurement(kind.label, amount, unit.label if unit else "", tuple(i for i, _ in kind.ids),
                                  _measurement_text(m))


def _measurement_text(m: etree._Element) -> str:
    kind, unit = term(m.find("lido:measurementType", NS)), term(m.find("lido:measurementUnit", NS))
    amount = text(m.find("lido:measurementValue", NS)) or ""
    return f"{kind.label + ' : ' if kind else ''}{amount}{' ' + unit.label if unit else ''}".strip(" :")


def _events(descs: list[etree._Element], obj: str, ctx: MappingContext) -> None:
    p, b = profile(), ctx.b
    parts: dict[str, int] = {}
    dated: set[str] = set()
    others = 0
    for event in section(descs, EVENTS):
        kind = term(event.find("lido:eventType", NS))
        if kind is None or _is_production(kind):
            node = b.production(obj)
        else:
            others += 1
            node = b.part(obj, f"event-{others}")
            b.out.add(node, RDF.type, CRM("E7_Activity"))
            b.out.add(node, CRM("P12_occurred_in_the_presence_of"), obj)
            b.out.add(node, P2, _concept(ctx, p.schemes["eventType"], kind))
        _actors(event, node, parts, ctx)
        if node not in dated and _date(event, node, ctx):
            dated.add(node)
        for place in event.findall("lido:eventPlace", NS):
            if (term_ := _event_place(place, ctx)) is not None:
                b.link(node, CRM("P7_took_place_at"), term_)
        for period in event.findall("lido:periodName", NS):  # "17de eeuw": the period the event falls within
            if t := term(period):
                b.link(node, CRM("P10_falls_within"), _concept(ctx, p.schemes["period"], t, "E4_Period"))
        for culture in event.findall("lido:culture", NS):  # "atelier: Roma": the culture the object is of
            if t := term(culture):
                b.link(obj, P2, _concept(ctx, p.schemes["culture"], t))
        if node.endswith("/production>") or node.endswith("#production>"):
            _materials(event, obj, node, ctx)


def _is_production(kind: Term) -> bool:
    p = profile()
    return kind.label.lower() in p.production_terms or any(value in p.production_ids for value, _ in kind.ids)


def _actors(event: etree._Element, node: str, parts: dict[str, int], ctx: MappingContext) -> None:
    b = ctx.b
    seen: set[tuple[str, str | None]] = set()
    for in_role in event.findall("lido:eventActor/lido:actorInRole", NS):
        actor = _actor(in_role.find("lido:actor", NS), ctx)
        if actor is None:
            continue
        roles = [t for r in in_role.findall("lido:roleActor", NS) if (t := term(r))]
        for role in roles or [None]:
            if (actor, role.label if role else None) in seen:
                continue
            seen.add((actor, role.label if role else None))
            if role is not None:
                _concept(ctx, "role", role)
                with b.speaking(role.lang):
                    parts[node] = parts.get(node, 0) + 1
                    b.carried_out_by(node, actor, role.label, parts[node])
            else:
                b.carried_out_by(node, actor, None, 0)


def _actor(actor: etree._Element | None, ctx: MappingContext) -> str | None:
    """The person (or group) an ``lido:actor`` names, known by its authority id when it has one."""
    if actor is None:
        return None
    p, b = profile(), ctx.b
    name_el = appellation(actor, "lido:nameActorSet")
    name = text(name_el)
    ids = [(t, _hint(e)) for e in actor.findall("lido:actorID", NS) if (t := text(e))]
    if (actor.get(LIDO_TYPE) or "").strip().lower() in p.group_actor_types:
        found = [a for t, hint in ids if (a := p.authority(t, hint, p.org_schemes))]
        if not (name or found):
            return None
        term_ = ctx.institution(name, [(a.scheme, a.id) for a in found])
    else:
        found = [a for t, hint in ids if (a := p.authority(t, hint, p.person_schemes))]
        found.sort(key=lambda a: p.person_schemes.index(a.scheme))
        if not found and (not name or ctx.is_anonymous(name)):
            return None
        term_ = b.person(name or found[0].uri)  # a mention of this record; linking merges by authority ids
        _vital_dates(actor, term_, ctx)
    for a in found:
        b.match(term_, OWL.sameAs, a.uri)
    return term_


def _vital_dates(actor: etree._Element, person: str, ctx: MappingContext) -> None:
    """``lido:vitalDatesActor``: ``earliestDate`` the birth, ``latestDate`` the death."""
    for path, kind in (("lido:vitalDatesActor/lido:earliestDate", "birth"),
                       ("lido:vitalDatesActor/lido:latestDate", "death")):
        if date := text(actor.find(path, NS)):
            ctx.life_event(person, kind, names.LifeEvent(None, date.split("T")[0]))


def _date(event: etree._Element, node: str, ctx: MappingContext) -> bool:
    """The event's time-span: ``displayDate`` as its label, ``earliestDate``/``latestDate`` as its bounds."""
    date = event.find("lido:eventDate", NS)
    if date is None:
        return False
    display_el = _preferred(date.findall("lido:displayDate", NS))
    display = text(display_el)
    bounds = [v.split("T")[0] for path in ("lido:date/lido:earliestDate", "lido:date/lido:latestDate")
              if (v := text(date.find(path, NS)))]
    normal = "/".join(dict.fromkeys(bounds))
    if not (display or normal):
        return False
    with ctx.b.speaking(lang_of(display_el) if display_el is not None else None):
        return ctx.dated_normal(node, [(display, normal)]) is not None


def _event_place(event_place: etree._Element, ctx: MappingContext) -> str | None:
    place = event_place.find("lido:place", NS)
    if place is not None:
        return _place(place, ctx)
    display_el = event_place.find("lido:displayPlace", NS)
    display = text(display_el)
    if not display:
        return None
    ctx.b.concept("place-type", "lieu")
    with ctx.b.speaking(lang_of(display_el)):
        return ctx.place(display)


def _place(place: etree._Element, ctx: MappingContext) -> str | None:
    """A LIDO place (``lido:place``, ``lido:repositoryLocation``) with the places it is part of.

    A name that is a commune of the region resolves to that commune, so LIDO records
    meet the other sources there; other places are known by their name, with
    ``owl:sameAs`` their GeoNames/TGN/Wikidata ids and their ``gml`` point.
    """
    p, b = profile(), ctx.b
    name_el = appellation(place, "lido:namePlaceSet")
    name = text(name_el)
    parent = place.find("lido:partOfPlace", NS)
    within = _place(parent, ctx) if parent is not None else None
    if not name:
        return within
    if (found := ctx.resolved_place(name, kinds=("commune",))) is not None:
        return found
    kind = place.get(L + "politicalEntity") or "lieu"
    ids = [a for e in place.findall("lido:placeID", NS) if (t := text(e)) and (a := p.authority(t, _hint(e), p.place_schemes))]
    # a GeoNames id gives the IRI place resolution gives the same place (graph/places.py): one Naples
    geonames = next((a.id for a in ids if a.scheme == "geonames"), None)
    term_ = ctx.m.geonames(geonames) if geonames else ctx.m.place_by_name(name)
    fresh = term_ not in b.declared
    b.concept("place-type", kind)
    with b.speaking(lang_of(name_el) if name_el is not None else None):
        b.place(term_, name, kind, within)
    for found in ids:
        b.match(term_, OWL.sameAs, found.uri)
    if fresh:
        point = text(place.find("lido:gml/gml:Point/gml:pos", NS))
        if point and (coords := ctx.coordinates(point)) is not None:
            b.point(term_, *coords)
    return term_


def _materials(event: etree._Element, obj: str, production: str, ctx: MappingContext) -> None:
    p, b = profile(), ctx.b
    found = False
    for element in event.findall("lido:eventMaterialsTech/lido:materialsTech/lido:termMaterialsTech", NS):
        t = term(element)
        if t is None:
            continue
        found = True
        kind = (element.get(LIDO_TYPE) or "").strip().lower()
        if kind not in p.technique_types and kind not in p.material_types:  # untyped: what the term says
            kind = "technique" if materials.read([t.label]).techniques and not materials.read([t.label]).materials \
                else "material"
        if kind in p.technique_types or kind == "technique":
            b.link(production, CRM("P32_used_general_technique"), _concept(ctx, "technique", t))
        else:
            b.link(obj, CRM("P45_consists_of"), _concept(ctx, "material", t, "E57_Material"))
    if not found:
        for display in event.findall("lido:eventMaterialsTech/lido:displayMaterialsTech", NS):
            if value := text(display):
                with b.speaking(lang_of(display)):
                    b.out.text(production, CRM("P3_has_note"), value, b.lang)


def _subjects(descs: list[etree._Element], obj: str, ctx: MappingContext) -> None:
    p, b = profile(), ctx.b
    for subject in section(descs, SUBJECTS):
        for concept in subject.findall("lido:subjectConcept", NS):
            if t := term(concept):
                b.link(obj, CRM("P62_depicts"), _concept(ctx, p.schemes["subject"], t))
        for actor in subject.findall("lido:subjectActor/lido:actor", NS):
            if (term_ := _actor(actor, ctx)) is not None:
                b.link(obj, CRM("P62_depicts"), term_)


def _repository(repositories: list[etree._Element], keeper: tuple[str, str | None] | None, obj: str,
                ctx: MappingContext) -> None:
    b = ctx.b
    if keeper is not None:
        b.keeper(obj, keeper[0])
    for repository in repositories:
        for work_id in repository.findall("lido:workID", NS):
            if value := text(work_id):
                b.identifier(obj, value, "inventory-number", "numéro d'inventaire")
        for location in repository.findall("lido:repositoryLocation", NS):
            if (place := _place(location, ctx)) is not None:
                b.location(obj, place)


def _resources(admins: list[etree._Element], obj: str, ctx: MappingContext) -> None:
    """Images (``linkResource``, the largest representation of each set) and the rights on them.

    The first ``rightsResource`` naming a Creative Commons or RightsStatements.org
    statement becomes the object's ``dcterms:rights`` (the EDM view's ``edm:rights``).
    """
    b = ctx.b
    rights: str | None = None
    for resource in section(admins, RESOURCES):
        url = _resource_url(resource)
        if url is not None:
            caption = resource.find("lido:resourceDescription", NS)
            with b.speaking(lang_of(caption) if caption is not None else None):
                b.representation(obj, url, text(caption))
        if rights is None:
            for kind in resource.findall("lido:rightsResource/lido:rightsType", NS):
                t = term(kind)
                rights = next((r for value, _ in (t.ids if t else ()) if (r := ctx.rights_statement(value))), None)
                if rights:
                    b.link(obj, DCTERMS.rights, iri(rights))
                    break
    link = next((u for e in section(admins, RECORD_LINKS) if (u := text(e)) and u.startswith(("http://", "https://"))),
                None)
    if link:
        b.page(obj, link)


def _resource_url(resource: etree._Element) -> str | None:
    thumbnails = profile().thumbnail_types
    candidates: list[tuple[bool, str]] = []
    for representation in resource.findall("lido:resourceRepresentation", NS):
        url = text(representation.find("lido:linkResource", NS))
        if url and url.startswith(("http://", "https://")):
            candidates.append(((representation.get(LIDO_TYPE) or "").lower() in thumbnails, url))
    candidates.sort(key=lambda c: c[0])  # stable: full-size representations first, in document order
    return candidates[0][1] if candidates else None


LOADER = LidoLoader()
