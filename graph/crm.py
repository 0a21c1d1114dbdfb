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
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

import hashlib

from .authorities import entity_iri
from .iri import Minter, slug
from .linkedart import vocabulary
from .namespaces import CRM, DIG, GEO, LA, OWL, PKG, RDF, RDFS, SKOS, VOID, XSD
from .ntriples import iri, iri_or_none, literal, typed
from .periods import Period

E22 = CRM("E22_Human-Made_Object")
D1 = DIG("D1_Digital_Object")
P1 = CRM("P1_is_identified_by")
P2 = CRM("P2_has_type")
P190 = CRM("P190_has_symbolic_content")
A = RDF.type
LABEL = RDFS.label
DATETIME = XSD.dateTime
INTEGER = XSD.integer


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


_DECLARED = nullcontext(False)
_FIRST = nullcontext(True)


class _Sharing:
    """While a shared node is first declared, the builder writes to its shared triples."""

    __slots__ = ("builder", "out")

    def __init__(self, builder: Builder) -> None:
        self.builder = builder

    def __enter__(self) -> bool:
        b = self.builder
        self.out, b.out = b.out, b.shared
        b._sharing += 1
        return True

    def __exit__(self, *exc: object) -> None:
        b = self.builder
        b.out = self.out
        b._sharing -= 1


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

    def __init__(self, minter: Minter, declared: set[str] | None = None, lang: str = "fr",
                 scope: str | None = None) -> None:
        self.m = minter
        self.lang = lang
        self.out = Triples()
        self.shared = Triples()
        self.declared: set[str] = declared if declared is not None else set()
        self.entities: list[str] = []  # the records' main nodes since the last take()
        self.record: str | None = None  # the record being mapped: persons it names are its own mentions
        self.scope = scope
        self._sharing = 0  # > 0 while a shared node is declared (its parts are not the dataset's)
        # the département each place lies in (pkg:department): shared places for the load, the record's parts
        # until the record is taken
        self._department: dict[str, str] = {}
        self._part_department: dict[str, str] = {}
        self._made: dict[str, str] = {}  # the record's production or creation → the record
        self._produced: dict[str, str] = {}  # the record's production → the record (pkg:maker)
        # the rdfs:label written for each actor (N-Triples), for pkg:maker: shared actors for the load (as long as
        # they are remembered declared), the record's own mentions until the record is taken
        self._names: dict[str, str] = {}
        self._part_names: dict[str, str] = {}
        self.dropped: list[str] = []  # the record's links no encoding makes an IRI (:meth:`web`), until taken

    # -- bookkeeping -------------------------------------------------------
    def take(self) -> list[str]:
        """The lines written since the last call, each once (the record nodes noted meanwhile are forgotten;
        a record is done). A source may state one fact twice (two subject headings naming France)."""
        lines, self.out.lines = list(dict.fromkeys(self.out.lines)), []
        self.entities.clear()
        self.dropped.clear()
        self.record = None
        self._part_department.clear()
        self._made.clear()
        self._produced.clear()
        self._part_names.clear()
        return lines

    def take_entities(self) -> list[str]:
        """The records' main nodes (:meth:`entity`) written since the last call; call it before :meth:`take`."""
        entities, self.entities = self.entities, []
        return entities

    def web(self, url: str) -> str | None:
        """A link's IRI term (mended when it can be: :func:`graph.ntriples.iri`), or None when it cannot
        be one (no scheme, a port that is no number...): the link is then dropped and noted in
        :attr:`dropped`, not its record."""
        term = iri_or_none(url)
        if term is None:
            self.dropped.append(url)
        return term

    def take_shared(self) -> list[str]:
        """The declarations of shared nodes written since the last call."""
        lines, self.shared.lines = self.shared.lines, []
        return lines

    def _declaring(self, term: str) -> AbstractContextManager[bool]:
        """True the first time ``term`` is declared; meanwhile ``self.out`` writes to ``shared``.

        Parts of a record (``...#location``) are the record's own, never shared.
        """
        if not self._first_time(term):
            return _DECLARED  # the usual case: a plain object, not a generator, on every mention
        if "#" in term:
            return _FIRST
        return _Sharing(self)

    def part(self, term: str, fragment: str) -> str:
        """A part of ``term``: ``{term}#{dataset}/{fragment}``, or ``{part}-{fragment}`` for a part's part.

        The parts of a record are minted under the dataset that describes it (``scope``), so that
        two datasets describing the same record (the same POP REF in two exports) never write
        into the same part: each description stays whole and consistent. Parts of shared
        entities (a commune's INSEE identifier, a person's name) are the same whoever declares
        them and are not scoped.
        """
        if self.scope and not self._sharing and "#" not in term:
            fragment = f"{self.scope}/{fragment}"
        return Minter.part(term, fragment)

    def aat(self, key: str) -> str:
        """A Linked Art term (graph/data/linked-art.json), declared once with its meta-type."""
        term = vocabulary()[key]
        with self._declaring(term.iri) as first:
            if first:
                out = self.out
                cls = "E58_Measurement_Unit" if key in vocabulary().units else "E55_Type"
                out.add(term.iri, A, CRM(cls))
                out.add(term.iri, A, SKOS.Concept)
                for prop in (SKOS.prefLabel, LABEL):
                    out.text(term.iri, prop, term.label_fr, "fr")
                    out.text(term.iri, prop, term.label_en, "en")
                if term.meta:
                    out.add(term.iri, P2, self.aat(term.meta))
        return term.iri

    def _first_time(self, term: str) -> bool:
        if term in self.declared:
            return False
        if len(self.declared) > 500_000:  # bounded memory on huge loads; re-declaring is harmless
            self.declared.clear()
            self._names.clear()  # names are remembered when declared: forgotten with the declarations
        self.declared.add(term)
        return True

    # -- the record itself ---------------------------------------------------
    def entity(self, term: str, cls: str, label: str | None = None, dataset: str | None = None) -> str:
        """A record's main node: its CRM class, its label and the dataset it comes from.

        The persons named after this call are this record's mentions (:meth:`person`).
        """
        out = self.out
        out.add(term, A, CRM(cls))
        out.text(term, LABEL, label, self.lang)
        if dataset:
            return self.own(term, dataset)
        self.record = term
        return term

    def own(self, term: str, dataset: str) -> str:
        """A record's main node described in ``dataset``: one it makes (:meth:`entity`), or a shared node
        it describes (a museum the institutions reference knows, declared in the shared graph). Its
        triples in the dataset go with the record when the record changes or goes."""
        self.record = term
        self.out.add(term, VOID.inDataset, dataset)
        self.entities.append(term)
        return term

    def page(self, term: str, url: str) -> str | None:
        """A web page about the record (Linked Art ``subject_of``; EDM ``edm:isShownAt``).

        The page is a ``D1_Digital_Object`` that ``P129_is_about`` the record, classified as a
        web page, with the URL as its ``la:access_point``. None when the URL is no IRI (:meth:`web`).
        """
        target = self.web(url)
        if target is None:
            return None
        node = self.part(term, f"page-{_digest(url)}")
        out = self.out
        out.add(term, CRM("P129i_is_subject_of"), node)
        out.add(node, A, D1)
        out.add(node, P2, self.aat("web-page"))
        out.add(node, LA.access_point, target)
        out.add(target, A, D1)
        return node

    def identifier(self, subject: str, value: str, kind: str, label: str | None = None) -> str:
        """``P1_is_identified_by`` an ``E42_Identifier`` of a known kind (``pop-ref``, ``insee``...).

        Typed with our own concept of the kind and, when Linked Art has one, its AAT identifier
        type (accession number, system number, call number...).
        """
        node = self.part(subject, f"id-{slug(kind)}-{slug(value)}")
        out = self.out
        out.add(subject, P1, node)
        out.add(node, A, CRM("E42_Identifier"))
        out.text(node, P190, value)
        out.add(node, P2, self.concept("identifier-type", label or kind))
        if known := vocabulary().identifier_kinds.get(kind):
            out.add(node, P2, self.aat(known))
        return node

    def title(self, subject: str, text: str, n: int = 1) -> str:
        """The ``n``-th title: the first is the primary name, the others alternate names (Linked Art)."""
        node = self.part(subject, f"title-{n}")
        out = self.out
        out.add(subject, CRM("P102_has_title"), node)
        out.add(node, A, CRM("E35_Title"))
        out.text(node, P190, text, self.lang)
        out.add(node, P2, self.aat("primary-name" if n == 1 else "alternate-name"))
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
                if scheme in vocabulary().type_of_work_schemes:
                    out.add(term, P2, self.aat("type-of-work"))
        return term

    def external(self, uri: str, cls: str = "E55_Type") -> str:
        """A term of an outside vocabulary the source names by its IRI, typed once (so that every
        CIDOC-CRM statement about it has a typed object)."""
        term = iri(uri)
        with self._declaring(term) as first:
            if first:
                self.out.add(term, A, CRM(cls))
        return term

    def classify(self, subject: str, scheme: str, label: str) -> str:
        """``P2_has_type`` a concept of ``scheme`` (denomination, category, domain...)."""
        term = self.concept(scheme, label)
        self.out.add(subject, P2, term)
        return term

    def text_note(self, subject: str, text: str, kind: str, n: int = 1) -> str:
        """A text about the subject (description, history...): an ``E33_Linguistic_Object``.

        Typed with our concept of the kind and, when Linked Art has one, its statement type.
        """
        node = self.part(subject, f"{slug(kind)}-{n}")
        out = self.out
        out.add(subject, CRM("P67i_is_referred_to_by"), node)
        out.add(node, A, CRM("E33_Linguistic_Object"))
        out.text(node, P190, text, self.lang)
        out.add(node, P2, self.concept("text-type", kind))
        if known := vocabulary().text_kinds.get(kind.lower()):
            out.add(node, P2, self.aat(known))
        return node

    def inscription(self, subject: str, text: str, n: int = 1) -> str:
        node = self.part(subject, f"inscription-{n}")
        out = self.out
        out.add(subject, CRM("P128_carries"), node)
        out.add(node, A, CRM("E34_Inscription"))
        out.text(node, P190, text, self.lang)
        return node

    def material(self, subject: str, label: str) -> str:
        term = self.concept("material", label, cls="E57_Material")
        self.out.add(subject, CRM("P45_consists_of"), term)
        return term

    def technique(self, event: str, label: str) -> str:
        term = self.concept("technique", label)
        self.out.add(event, CRM("P32_used_general_technique"), term)
        return term

    def dimension(self, subject: str, n: int, kind: str, value: str, unit: str, text: str | None = None) -> str:
        """A measurement (Linked Art): ``E54_Dimension`` with its type, number and unit (AAT keys).

        ``value`` is a decimal number as text (``12.5``); ``text`` is the measurement as the
        source wrote it (``h = 60``), kept as a note.
        """
        node = self.part(subject, f"dimension-{n}")
        out = self.out
        out.add(subject, CRM("P43_has_dimension"), node)
        out.add(node, A, CRM("E54_Dimension"))
        out.add(node, P2, self.aat(kind))
        out.add(node, CRM("P90_has_value"), typed(value, XSD.decimal))
        out.add(node, CRM("P91_has_unit"), self.aat(unit))
        out.text(node, CRM("P3_has_note"), text, self.lang)
        return node

    def representation(self, subject: str, url: str, caption: str | None = None) -> str | None:
        """An image of the subject, the Linked Art way; returns the digital object.

        The subject ``P138i_has_representation`` an ``E36_Visual_Item`` (the image's content,
        labelled with the caption) that is ``la:digitally_shown_by`` a ``D1_Digital_Object``
        (a digital image) whose ``la:access_point`` is the image URL (EDM: ``edm:WebResource``).
        None when the URL is no IRI (:meth:`web`).
        """
        target = self.web(url)
        if target is None:
            return None
        visual = self.part(subject, f"image-{_digest(url)}")
        digital = f"{visual[:-1]}-file>"
        out = self.out
        out.add(subject, CRM("P138i_has_representation"), visual)
        out.add(visual, A, CRM("E36_Visual_Item"))
        out.text(visual, LABEL, caption, self.lang)
        out.add(visual, LA.digitally_shown_by, digital)
        out.add(digital, A, D1)
        out.add(digital, P2, self.aat("digital-image"))
        out.add(digital, LA.access_point, target)
        out.add(target, A, D1)
        return digital

    def content(self, subject: str, cls: str = "E73_Information_Object") -> str:
        """The information a physical thing carries (``P128_carries``; an ``E36`` image ``P65_shows_visual_item``).

        What a physical object is about (``P129_is_about``), refers to (``P67``) or is written in
        (``P72``) belongs to this content, not to the object: CIDOC-CRM gives those properties to
        propositional and linguistic objects only.
        """
        node = self.part(subject, "content")
        if self._first_time(node):
            prop = "P65_shows_visual_item" if cls == "E36_Visual_Item" else "P128_carries"
            self.out.add(subject, CRM(prop), node)
        if self._first_time(f"{node} {cls}"):  # asked for as E73, then as E33 (it has a language): both
            self.out.add(node, A, CRM(cls))
        return node

    # -- events ------------------------------------------------------------
    def production(self, subject: str) -> str:
        node = self.part(subject, "production")
        self._made[node] = subject
        self._produced[node] = subject
        if self._first_time(node):
            self.out.add(subject, CRM("P108i_was_produced_by"), node)
            self.out.add(node, A, CRM("E12_Production"))
        return node

    def timespan(self, event: str, text: str, period: Period | None) -> str:
        """``P4_has_time-span``: the original text always, begin/end bounds when it could be read."""
        node = self.part(event, "timespan")
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
            if (made := self._made.get(event)) is not None:
                # shortcuts for queries (ontology/profile.ttl): on the thing made, the years its production's outer
                # bounds begin and end, as YEAR() reads them, integers that compare without reading strings
                if period.start is not None:
                    out.add(made, PKG.productionBeginYear, typed(str(period.start[0]), INTEGER))
                if period.stop is not None:
                    out.add(made, PKG.productionEndYear, typed(str(period.stop[0]), INTEGER))
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
        out.add(part, A, CRM("E12_Production") if event.endswith(("#production>", "/production>")) else CRM("E7_Activity"))
        out.add(part, CRM("P14_carried_out_by"), actor)
        out.add(part, P2, concept := self.concept("role", role))
        if (made := self._produced.get(event)) is not None:
            self._maker(made, actor, concept)
        return part

    def _maker(self, made: str, actor: str, role: str) -> None:
        """The shortcut ``pkg:maker`` (ontology/profile.ttl): from the thing made to the name its maker is given
        (the actor's ``rdfs:label`` as written) in that role, one shared node for each pair, so that counting
        the works of each name and role reads one index and never the strings (README, query 4)."""
        name = self._part_names.get(actor) or self._names.get(actor)
        if name is None:  # an actor without a label (an authority's IRI alone): no name to count under
            return
        key = self.m.maker_in_role(name, role)
        self.out.add(made, PKG.maker, key)
        with self._declaring(key) as first:
            if first:
                self.out.add(key, A, PKG.MakerInRole)
                self.out.add(key, PKG.makerName, name)
                self.out.add(key, PKG.makerRole, role)

    def _label(self, term: str, name: str | None, lang: str | None) -> None:
        """The actor ``term``'s ``rdfs:label``, remembered for :meth:`_maker`."""
        if name:
            text = literal(name, lang)
            self.out.add(term, LABEL, text)
            (self._part_names if "#" in term else self._names)[term] = text

    def attribute_assignment(
        self, subject: str, n: int, kind_scheme: str, kind: str, text: str | None
    ) -> str:
        """An ``E13_Attribute_Assignment`` that gave the subject a status (protection MH...)."""
        node = self.part(subject, f"{kind_scheme}-{n}")
        out = self.out
        out.add(node, A, CRM("E13_Attribute_Assignment"))
        out.add(node, CRM("P140_assigned_attribute_to"), subject)
        out.add(node, CRM("P141_assigned"), self.concept(kind_scheme, kind))
        out.add(node, P2, self.concept(kind_scheme, kind))
        out.text(node, LABEL, text, self.lang)
        return node

    # -- actors and places -------------------------------------------------
    def person(self, name: str, term: str | None = None) -> str:
        """A person as the current record names it: ``{record}#{dataset}/person-{name}`` (see :meth:`Minter.mention`).

        ``term`` is for a person that has its own IRI in the source (an EDM provider's agent).
        Persons are never merged here by their names: ``patrimoine link`` does it, on evidence.
        """
        if term is None:
            if self.record is None:
                raise ValueError(f"person {name!r} named outside a record: call entity() first")
            term = Minter.mention(self.record, name, None if self._sharing else self.scope)
        with self._declaring(term) as first:
            if first:
                out = self.out
                out.add(term, A, CRM("E21_Person"))
                self._label(term, name, None)
                node = self.part(term, "name")
                out.add(term, P1, node)
                out.add(node, A, CRM("E41_Appellation"))
                out.text(node, P190, name)
                out.add(node, P2, self.aat("primary-name"))
        return term

    def life_event(self, person: str, kind: str, place: str | None = None, date: str | None = None,
                   period: Period | None = None) -> str | None:
        """The birth (``E67_Birth``) or death (``E69_Death``) of a person: where and when.

        Written once per load and person; ``date`` is the source's text (the time-span's
        label), ``period`` its reading when it could be read.
        """
        if not (place or date):
            return None
        cls, prop = {"birth": ("E67_Birth", "P98i_was_born"), "death": ("E69_Death", "P100i_died_in")}[kind]
        node = self.part(person, kind)
        if not self._first_time(node):
            return node
        out = self.out
        out.add(person, CRM(prop), node)
        out.add(node, A, CRM(cls))
        if place:
            out.add(node, CRM("P7_took_place_at"), place)
        if date:
            self.timespan(node, date, period)
        return node

    def group(self, term: str, name: str | None, identifier: tuple[str, str] | None = None, *,
              names: Iterable[str] = (), identifiers: Iterable[tuple[str, str, str]] = (),
              same_as: Iterable[str] = (), kind: str | None = None, group_type: str | None = None,
              types: Iterable[tuple[str, str]] = (), residence: str | None = None) -> str:
        """An institution or other group (``E74_Group``), with its identifier (``museofile``, ``M0017``).

        Reference data adds other names (``skos:altLabel``), more identifiers (type, value,
        label), ``owl:sameAs`` authority entities and the kind of institution; ``group_type`` is
        the Linked Art group type (``family``, ``museum``, ``organization``: an AAT term),
        ``types`` more (scheme, label) concepts it has, ``residence`` the place it is seated at.
        All are stated once, with the group's declaration, however many records name it.
        """
        with self._declaring(term) as first:
            if first:
                out = self.out
                out.add(term, A, CRM("E74_Group"))
                self._label(term, name, self.lang)
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
                if group_type:
                    out.add(term, P2, self.aat(group_type))
                for scheme, label in types:
                    self.classify(term, scheme, label)
                if residence:
                    self.link(term, CRM("P74_has_current_or_former_residence"), residence)
        return term

    def place(self, term: str, name: str | None, kind: str, within: str | None = None,
              identifier: tuple[str, str] | None = None, point: tuple[float, float] | None = None,
              same_as: Iterable[str] = ()) -> str:
        """An ``E53_Place`` of a kind (commune, department, region, address), declared once.

        ``point`` is its (lat, lon), ``same_as`` the entity IRIs of the authorities that know it (GeoNames).
        A place within a département (at any depth), and a département itself, get the shortcut
        ``pkg:department`` to it.
        """
        department = term if kind == "department" else self._department_of(within)
        if department is not None:
            (self._part_department if "#" in term else self._department)[term] = department
        with self._declaring(term) as first:
            if first:
                out = self.out
                out.add(term, A, CRM("E53_Place"))
                out.text(term, LABEL, name, self.lang)
                out.add(term, P2, self.concept("place-type", kind))
                if within:
                    out.add(term, CRM("P89_falls_within"), within)
                if department is not None:
                    out.add(term, PKG.department, department)
                if identifier:
                    self.identifier(term, identifier[1], identifier[0])
                if point is not None:
                    self.point(term, *point)
                for uri in same_as:
                    if (authority := self.web(uri)) is not None:
                        out.add(term, OWL.sameAs, authority)
        return term

    def _department_of(self, place: str | None) -> str | None:
        if place is None:
            return None
        return self._part_department.get(place) or self._department.get(place)

    def point(self, place: str, lat: float, lon: float) -> None:
        """WGS84 coordinates as a WKT point (``P168_place_is_defined_by``)."""
        self.out.add(place, CRM("P168_place_is_defined_by"), typed(f"POINT({lon:.6f} {lat:.6f})", GEO.wktLiteral))

    def keeper(self, subject: str, group: str) -> None:
        """``P50_has_current_keeper``: for physical things only (see :meth:`copy`)."""
        self.out.add(subject, CRM("P50_has_current_keeper"), group)

    def owner(self, subject: str, actor: str) -> str:
        """``P52_has_current_owner``: for physical things only; the actor."""
        self.out.add(subject, CRM("P52_has_current_owner"), actor)
        return actor

    def copy(self, work: str, key: str) -> str:
        """A physical copy (``E22``) that ``P128_carries`` a conceptual record (a book's text, a document).

        Keepers and locations apply to physical things; a library or an archive keeps a copy.
        """
        node = self.part(work, f"copy-{slug(key)}")
        if self._first_time(node):
            out = self.out
            out.add(node, A, E22)
            out.add(node, CRM("P128_carries"), work)
            out.add(node, P2, self.concept("object-type", "exemplaire"))
        return node

    def language(self, subject: str, term: str, label: str | None) -> None:
        """``P72_has_language``: ``subject`` (a linguistic object) is in the language ``term`` (ISO 639 IRI)."""
        with self._declaring(term) as first:
            if first:
                self.out.add(term, A, CRM("E56_Language"))
                self.out.text(term, LABEL, label, "fr")
        self.out.add(subject, CRM("P72_has_language"), term)

    def location(self, subject: str, place: str) -> None:
        """``P55_has_current_location``; with the shortcut ``pkg:department`` to the place's département."""
        self.out.add(subject, CRM("P55_has_current_location"), place)
        if (department := self._department_of(place)) is not None:
            self.out.add(subject, PKG.department, department)

    def link(self, subject: str, prop: str, target: str) -> None:
        self.out.add(subject, prop, target)

    def creation(self, subject: str) -> str:
        """``P94i_was_created_by`` an ``E65_Creation``: the production of a conceptual object (E31_Document...)."""
        node = self.part(subject, "creation")
        self._made[node] = subject
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
        target = self.web(entity_iri(uri))
        if target is not None and self._first_time(f"{term} {prop} {target}"):
            self.out.add(term, prop, target)


def _digest(text: str) -> str:
    """A short stable key for a part named after a URL (an image, a page)."""
    return hashlib.sha1(text.encode()).hexdigest()[:12]
