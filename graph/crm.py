"""CIDOC-CRM building blocks shared by every loader.

A loader maps one source record by calling these blocks on a :class:`Builder`;
the blocks write N-Triples text into the record's :class:`Triples`. Each block
follows one pattern of ../ontology/profile.ttl (the Linked Art way of using
CIDOC-CRM): an object is identified by :meth:`Builder.identifier`, titled by
:meth:`Builder.title`, typed by :meth:`Builder.classify`, produced by
:meth:`Builder.production`, and so on. The EDM view is *not* written here: it is
derived from these patterns by the shared alignment (ontology/edm/*.rq).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .authorities import entity_iri
from .iri import Minter, slug
from .namespaces import CRM, FOAF, GEO, OWL, PKG, RDF, RDFS, SKOS, VOID, XSD
from .ntriples import iri, literal, typed
from .periods import Period

E22 = CRM("E22_Human-Made_Object")
P1 = CRM("P1_is_identified_by")
P2 = CRM("P2_has_type")
P190 = CRM("P190_has_symbolic_content")
A = RDF.type
LABEL = RDFS.label
DATETIME = XSD.dateTime


class Triples:
    """The N-Triples lines written for one record (or one batch of records)."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} .\n")

    def text(self, s: str, p: str, value: str | None, lang: str | None = None) -> None:
        if value:
            self.lines.append(f"{s} {p} {literal(value, lang)} .\n")

    def __len__(self) -> int:
        return len(self.lines)


@dataclass(frozen=True, slots=True)
class Role:
    """An actor's part in an event, as written by the source (``architecte``)."""

    label: str


class Builder:
    """Writes CIDOC-CRM patterns for one record into ``out``.

    Shared nodes (concepts, persons, places, institutions) are declared once
    per load: ``declared`` remembers them across records, so their labels are
    not written again for every record that mentions them. Their declarations
    go to ``shared``, not ``out``: the pipeline stores them in the graph of
    shared entities, so that two datasets naming the same commune do not state
    its label twice (Oxigraph's union default graph would return it twice) and
    reloading one dataset never removes an entity another one uses.
    """

    def __init__(self, minter: Minter, declared: set[str] | None = None, lang: str = "fr") -> None:
        self.m = minter
        self.lang = lang
        self.out = Triples()
        self.shared = Triples()
        self.declared: set[str] = declared if declared is not None else set()
        self.entities: list[str] = []  # the records' main nodes since the last take()
        self.record: str | None = None  # the record being mapped: persons it names are its own mentions

    # -- bookkeeping -------------------------------------------------------
    def take(self) -> list[str]:
        """The lines written since the last call (the record nodes noted meanwhile are forgotten; a record is done)."""
        lines, self.out.lines = self.out.lines, []
        self.entities.clear()
        self.record = None
        return lines

    def take_entities(self) -> list[str]:
        """The records' main nodes (:meth:`entity`) written since the last call; call it before :meth:`take`."""
        entities, self.entities = self.entities, []
        return entities

    def take_shared(self) -> list[str]:
        """The declarations of shared nodes written since the last call."""
        lines, self.shared.lines = self.shared.lines, []
        return lines

    @contextmanager
    def _declaring(self, term: str) -> Iterator[bool]:
        """True the first time ``term`` is declared; meanwhile ``self.out`` writes to ``shared``.

        Parts of a record (``...#location``) are the record's own, never shared.
        """
        first = self._first_time(term)
        if not first or "#" in term:
            yield first
            return
        out, self.out = self.out, self.shared
        try:
            yield True
        finally:
            self.out = out

    def _first_time(self, term: str) -> bool:
        if term in self.declared:
            return False
        if len(self.declared) > 500_000:  # bounded memory on huge loads; re-declaring is harmless
            self.declared.clear()
        self.declared.add(term)
        return True

    # -- the record itself ---------------------------------------------------
    def entity(self, term: str, cls: str, label: str | None = None, dataset: str | None = None) -> str:
        """A record's main node: its CRM class, its label and the dataset it comes from.

        The persons named after this call are this record's mentions (:meth:`person`).
        """
        self.record = term
        out = self.out
        out.add(term, A, CRM(cls))
        out.text(term, LABEL, label, self.lang)
        if dataset:
            out.add(term, VOID.inDataset, dataset)
            self.entities.append(term)
        return term

    def page(self, term: str, url: str) -> None:
        """The record's page at the source institution (EDM: ``edm:isShownAt``)."""
        self.out.add(term, FOAF.page, iri(url))

    def identifier(self, subject: str, value: str, kind: str, label: str | None = None) -> str:
        """``P1_is_identified_by`` an ``E42_Identifier`` of a known kind (``pop-ref``, ``insee``...)."""
        node = Minter.part(subject, f"id-{slug(kind)}-{slug(value)}")
        out = self.out
        out.add(subject, P1, node)
        out.add(node, A, CRM("E42_Identifier"))
        out.text(node, P190, value)
        out.add(node, P2, self.concept("identifier-type", label or kind))
        return node

    def title(self, subject: str, text: str, n: int = 1) -> str:
        node = Minter.part(subject, f"title-{n}")
        out = self.out
        out.add(subject, CRM("P102_has_title"), node)
        out.add(node, A, CRM("E35_Title"))
        out.text(node, P190, text, self.lang)
        return node

    def concept(self, scheme: str, label: str, cls: str = "E55_Type") -> str:
        """A term of a vocabulary (``E55_Type`` and ``skos:Concept``), declared once."""
        term = self.m.concept(scheme, label)
        with self._declaring(term) as first:
            if first:
                out = self.out
                out.add(term, A, CRM(cls))
                out.add(term, A, SKOS.Concept)
                out.text(term, SKOS.prefLabel, label, self.lang)
                out.text(term, LABEL, label, self.lang)
                out.add(term, SKOS.inScheme, self.m.concept("scheme", scheme))
        return term

    def classify(self, subject: str, scheme: str, label: str) -> str:
        """``P2_has_type`` a concept of ``scheme`` (denomination, category, domain...)."""
        term = self.concept(scheme, label)
        self.out.add(subject, P2, term)
        return term

    def text_note(self, subject: str, text: str, kind: str, n: int = 1) -> str:
        """A text about the subject (description, history...): an ``E33_Linguistic_Object``."""
        node = Minter.part(subject, f"{slug(kind)}-{n}")
        out = self.out
        out.add(subject, CRM("P67i_is_referred_to_by"), node)
        out.add(node, A, CRM("E33_Linguistic_Object"))
        out.text(node, P190, text, self.lang)
        out.add(node, P2, self.concept("text-type", kind))
        return node

    def inscription(self, subject: str, text: str, n: int = 1) -> str:
        node = Minter.part(subject, f"inscription-{n}")
        out = self.out
        out.add(subject, CRM("P128_carries"), node)
        out.add(node, A, CRM("E34_Inscription"))
        out.text(node, P190, text, self.lang)
        return node

    def material(self, subject: str, label: str) -> str:
        term = self.concept("material", label, cls="E57_Material")
        self.out.add(subject, CRM("P45_consists_of"), term)
        return term

    def dimension(self, subject: str, text: str, n: int = 1) -> str:
        """Dimensions as the source wrote them (``h = 400 ; la = 200``), not parsed into numbers."""
        node = Minter.part(subject, f"dimension-{n}")
        out = self.out
        out.add(subject, CRM("P43_has_dimension"), node)
        out.add(node, A, CRM("E54_Dimension"))
        out.text(node, CRM("P3_has_note"), text, self.lang)
        return node

    def representation(self, subject: str, url: str, caption: str | None = None) -> str:
        """An image of the subject: the image's own URL is the ``E36_Visual_Item``."""
        term = iri(url)
        out = self.out
        out.add(subject, CRM("P138i_has_representation"), term)
        out.add(term, A, CRM("E36_Visual_Item"))
        out.text(term, LABEL, caption, self.lang)
        return term

    # -- events ------------------------------------------------------------
    def production(self, subject: str) -> str:
        node = Minter.part(subject, "production")
        if self._first_time(node):
            self.out.add(subject, CRM("P108i_was_produced_by"), node)
            self.out.add(node, A, CRM("E12_Production"))
        return node

    def timespan(self, event: str, text: str, period: Period | None) -> str:
        """``P4_has_time-span``: the original text always, begin/end bounds when it could be read."""
        node = Minter.part(event, "timespan")
        out = self.out
        out.add(event, CRM("P4_has_time-span"), node)
        out.add(node, A, CRM("E52_Time-Span"))
        out.text(node, LABEL, text, self.lang)
        if period is not None:
            # Outer bounds in P82a/P82b, the most probable reading in P81a/P81b (graph/periods.py);
            # an open bound ('avant 1789') is left out.
            for prop, value in (("P82a_begin_of_the_begin", period.begin_datetime()),
                                ("P82b_end_of_the_end", period.end_datetime()),
                                ("P81a_end_of_the_begin", period.inner_begin_datetime()),
                                ("P81b_begin_of_the_end", period.inner_end_datetime())):
                if value is not None:
                    out.add(node, CRM(prop), typed(value, DATETIME))
            if period.uncertain:
                out.add(node, PKG.uncertain, '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>')
        return node

    def carried_out_by(self, event: str, actor: str, role: str | None, n: int) -> str:
        """The actor took part in the event; with a role, through a typed part of the event."""
        if not role:
            self.out.add(event, CRM("P14_carried_out_by"), actor)
            return event
        part = f"{event[:-1]}-{n}>"
        out = self.out
        out.add(event, CRM("P9_consists_of"), part)
        out.add(part, A, CRM("E12_Production") if event.endswith("#production>") else CRM("E7_Activity"))
        out.add(part, CRM("P14_carried_out_by"), actor)
        out.add(part, P2, self.concept("role", role))
        return part

    def attribute_assignment(
        self, subject: str, n: int, kind_scheme: str, kind: str, text: str | None
    ) -> str:
        """An ``E13_Attribute_Assignment`` that gave the subject a status (protection MH...)."""
        node = Minter.part(subject, f"{kind_scheme}-{n}")
        out = self.out
        out.add(node, A, CRM("E13_Attribute_Assignment"))
        out.add(node, CRM("P140_assigned_attribute_to"), subject)
        out.add(node, CRM("P141_assigned"), self.concept(kind_scheme, kind))
        out.add(node, P2, self.concept(kind_scheme, kind))
        out.text(node, LABEL, text, self.lang)
        return node

    # -- actors and places -------------------------------------------------
    def person(self, name: str, term: str | None = None) -> str:
        """A person as the current record names it: ``{record}#person-{name}`` (see :meth:`Minter.mention`).

        ``term`` is for a person that has its own IRI in the source (an EDM provider's agent).
        Persons are never merged here by their names: ``patrimoine link`` does it, on evidence.
        """
        if term is None:
            if self.record is None:
                raise ValueError(f"person {name!r} named outside a record: call entity() first")
            term = Minter.mention(self.record, name)
        with self._declaring(term) as first:
            if first:
                out = self.out
                out.add(term, A, CRM("E21_Person"))
                out.text(term, LABEL, name)
                node = Minter.part(term, "name")
                out.add(term, P1, node)
                out.add(node, A, CRM("E41_Appellation"))
                out.text(node, P190, name)
        return term

    def group(self, term: str, name: str | None, identifier: tuple[str, str] | None = None, *,
              names: Iterable[str] = (), identifiers: Iterable[tuple[str, str, str]] = (),
              same_as: Iterable[str] = (), kind: str | None = None) -> str:
        """An institution or other group (``E74_Group``), with its identifier (``museofile``, ``M0017``).

        Reference data adds other names (``skos:altLabel``), more identifiers (type, value,
        label), ``owl:sameAs`` authority entities and the kind of institution.
        """
        with self._declaring(term) as first:
            if first:
                out = self.out
                out.add(term, A, CRM("E74_Group"))
                out.text(term, LABEL, name, self.lang)
                for other in names:
                    out.text(term, SKOS.altLabel, other, self.lang)
                if identifier:
                    self.identifier(term, identifier[1], identifier[0])
                for kind_, value, label in identifiers:
                    self.identifier(term, value, kind_, label)
                if kind:
                    self.classify(term, "institution-type", kind)
                for uri in same_as:
                    self.match(term, OWL.sameAs, uri)
        return term

    def place(self, term: str, name: str | None, kind: str, within: str | None = None,
              identifier: tuple[str, str] | None = None) -> str:
        """An ``E53_Place`` of a kind (commune, department, region, address), declared once."""
        with self._declaring(term) as first:
            if first:
                out = self.out
                out.add(term, A, CRM("E53_Place"))
                out.text(term, LABEL, name, self.lang)
                out.add(term, P2, self.concept("place-type", kind))
                if within:
                    out.add(term, CRM("P89_falls_within"), within)
                if identifier:
                    self.identifier(term, identifier[1], identifier[0])
        return term

    def point(self, place: str, lat: float, lon: float) -> None:
        """WGS84 coordinates as a WKT point (``P168_place_is_defined_by``)."""
        self.out.add(place, CRM("P168_place_is_defined_by"), typed(f"POINT({lon:.6f} {lat:.6f})", GEO.wktLiteral))

    def keeper(self, subject: str, group: str) -> None:
        self.out.add(subject, CRM("P50_has_current_keeper"), group)

    def location(self, subject: str, place: str) -> None:
        self.out.add(subject, CRM("P55_has_current_location"), place)

    def link(self, subject: str, prop: str, target: str) -> None:
        self.out.add(subject, prop, target)

    def creation(self, subject: str) -> str:
        """``P94i_was_created_by`` an ``E65_Creation``: the production of a conceptual object (E31_Document...)."""
        node = Minter.part(subject, "creation")
        if self._first_time(node):
            self.out.add(subject, CRM("P94i_was_created_by"), node)
            self.out.add(node, A, CRM("E65_Creation"))
        return node

    @contextmanager
    def speaking(self, lang: str | None) -> Iterator[None]:
        """Blocks called inside ``with b.speaking("de"):`` tag their texts with that language.

        For sources that say which language each part is in (LIDO ``xml:lang``, EDM literals);
        ``None`` keeps the current language, ``""`` writes plain literals (the source gives none).
        """
        saved = self.lang
        if lang is not None:
            self.lang = lang
        try:
            yield
        finally:
            self.lang = saved

    def match(self, term: str, prop: str, uri: str) -> None:
        """An equivalence to an authority record (``owl:sameAs``, ``skos:exactMatch``), written once per load.

        A known authority's URL in any form becomes the IRI of its entity (graph/authorities.py).
        """
        target = iri(entity_iri(uri))
        if self._first_time(f"{term} {prop} {target}"):
            self.out.add(term, prop, target)
