"""Mapping helpers every loader shares: region filter, places, periods, actors with roles.

A loader's ``map(record, ctx)`` calls these and the CIDOC-CRM blocks of
``ctx.b`` (a :class:`graph.crm.Builder`); nothing here knows a source format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import authorities, dimensions, materials, names
from .crm import Builder
from .geo import Geography, is_insee_code
from .places import Place, PlaceContext, PlaceResolver
from .institutions import Institution, Institutions
from .iri import Minter
from .languages import languages
from .namespaces import CRM, RDF, RDFS, SKOS
from .periods import Period, campaigns, combine, parse_iso, parse_period
from .records import RecordError, Skipped

HAUTS_DE_FRANCE = "32"

_ROLE = re.compile(r"^(?P<name>.*?)\s*\((?P<role>[^()]*)\)\s*$")
_ANONYMOUS = re.compile(r"^(anonyme|auteur inconnu|inconnu|anonymous|unknown)\b", re.I)
_COORDS = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*[,; ]\s*(-?\d+(?:[.,]\d+)?)\s*$")


@dataclass(frozen=True, slots=True)
class Unread:
    """A value kept as text because it could not be read (a period, a place), with the record that holds it."""

    kind: str  # "period", "place"
    value: str
    record: str  # the record's IRI, N-Triples form (``<.../pop/PA00116046>``)


UNREAD_KEPT = 100_000
UNKNOWN_COMMUNE = "commune non référencée"  # place type of a well-formed INSEE code the geography does not know  # entries listed per load; the counts stay exact beyond


def _geonames(identifier: str | None) -> tuple[str, ...]:
    found = authorities.entity("geonames", identifier) if identifier else None
    return (found.iri,) if found is not None else ()


class MappingContext:
    """What a mapper needs besides its record: the builder, the dataset, the region filter, geography."""

    def __init__(self, minter: Minter, dataset: str, region: str | None = HAUTS_DE_FRANCE,
                 geo: Geography | None = None, declared: set[str] | None = None) -> None:
        self.m = minter
        self.b = Builder(minter, declared, scope=dataset)
        self.dataset_name = dataset
        self.dataset = minter.dataset(dataset)
        self.region = region
        self.geo = geo or Geography.default()
        self.institutions = Institutions.default()
        self.periods_unread = 0
        self.places_unread = 0
        self.unread: list[Unread] = []  # for the rejection/quality reports
        self.dimensions_unread = 0
        self._places: PlaceResolver | None = None

    # -- region filter -----------------------------------------------------
    def record_region(self, insee: Iterable[str] = (), departments: Iterable[str] = (),
                      region_labels: Iterable[str] = (), communes: Iterable[str] = ()) -> str | None:
        """The region code a record belongs to, from the most precise clue it gives."""
        geo = self.geo
        for code in insee:
            if (r := geo.region_of_insee(code)) is not None:
                return r
        for code in departments:
            if (d := geo.department(code)) is not None:
                return d.region
        for label in region_labels:
            if (r := geo.region_of_label(label)) is not None:
                return r
        for name in communes:
            place = self.places.resolve(name, PlaceContext(region=self.region))
            if place is not None and place.kind == "commune":
                c = geo.commune(place.key)
                if c is not None:
                    return c.region
        return None

    def require_region(self, keep_unknown: bool = False, **clues: Iterable[str]) -> None:
        """Raise :class:`Skipped` when the region filter is on and the record is outside it.

        A record whose clues name no known place is skipped too, unless
        ``keep_unknown`` (sources that are regional by nature, such as one
        archive service's finding aid, keep records that say nothing of place).
        """
        if self.region is None:
            return
        found = self.record_region(**clues)
        if found is None:
            if keep_unknown:
                return
            raise Skipped(f"no location to check against region {self.region}")
        if found != self.region:
            raise Skipped(f"outside region {self.region} (region {found})")

    def place_region(self, name: str) -> str | None:
        """The region of France a place name designates (a commune, département or région), or None."""
        found = self.places.resolve(name, self._load_context())
        if found is None:
            return None
        if found.kind == "commune":
            c = self.geo.commune(found.key)
            return c.region if c else None
        if found.kind == "department":
            d = self.geo.department(found.key)
            return d.region if d else None
        return found.key if found.kind == "region" else None

    def require_places_in_region(self, names: Iterable[str]) -> None:
        """Skip a record whose places are all known and outside the region; keep it when any is inside or none says."""
        if self.region is None:
            return
        regions = [r for name in names if (r := self.place_region(name)) is not None]
        if regions and self.region not in regions:
            raise Skipped(f"outside region {self.region} (region {regions[0]})")

    # -- places --------------------------------------------------------------
    @property
    def places(self) -> PlaceResolver:
        """The place resolver of this load (graph/places.py), made on first use."""
        if self._places is None:
            self._places = PlaceResolver(self.geo)
        return self._places

    def place_context(self, departments: Iterable[str | None] = (), commune: str | None = None,
                      country: str | None = None) -> PlaceContext:
        """What a record says of where its places are: départements (codes or names), the INSEE code of
        the commune of its institution, a country (ISO alpha-2); the load's region is always added."""
        codes: list[str] = []
        for d in departments:
            if d and (dep := self.geo.department_named(d)) is not None:
                codes.append(dep.code)
        if commune and (c := self.geo.commune(commune)) is not None:
            codes.append(c.department)
        return PlaceContext(tuple(dict.fromkeys(codes)), self.region, country)

    def place(self, name: str | None, department: str | None = None, commune: str | None = None,
              context: PlaceContext | None = None, subject: str | None = None) -> str | None:
        """The place a mention designates, declared once: a commune (by INSEE or postal code or by name in its
        context), département, région, country or place abroad; else a place known by its label within its
        context, never a guessed commune (listed as unread with the record ``subject``, by default the
        record being mapped). None when ``name`` names no place (empty, ``[S.l.]``).
        """
        if not name or not name.strip():
            return None
        if context is None:
            context = self.place_context([department], commune) if (department or commune) else self._load_context()
        found = self.places.resolve(name, context)
        if found is None:
            return None
        if not found.resolved:
            self.places_unread += 1
            record = subject or (self.b.entities[-1] if self.b.entities else None)
            if record is not None:
                self.note_unread("place", found.label, record)
        return self.declare_place(found)

    def resolved_place(self, name: str | None, context: PlaceContext | None = None,
                       kinds: tuple[str, ...] = ("commune", "department", "region", "country", "city")) -> str | None:
        """Like :meth:`place`, but only a place the reference data knows, of one of ``kinds`` (else None)."""
        found = self.places.resolve(name or "", context or self._load_context())
        return self.declare_place(found) if found is not None and found.kind in kinds else None

    def _load_context(self) -> PlaceContext:
        ctx: PlaceContext | None = getattr(self, "_load_ctx", None)
        if ctx is None:
            ctx = self._load_ctx = PlaceContext(region=self.region)
        return ctx

    def declare_place(self, place: Place) -> str:
        """The IRI of a resolved (or unknown) place, declared once with its label, kind and container."""
        kind, b, m = place.kind, self.b, self.m
        if kind == "commune":
            return self.commune(place.key)
        if kind == "department":
            return self.department(place.key)
        if kind == "region":
            region = self.geo.region(place.key)
            return b.place(m.region(place.key), region[1] if region else place.label, "region",
                           identifier=("insee-region", place.key))
        if kind == "country":
            return b.place(m.country(place.key), self.places.world.country_name(place.key), "country",
                           identifier=("iso3166-1", place.key))
        within = self.declare_place(place.within) if place.within is not None else None
        if kind == "city":
            city = self.places.world.cities[place.key]
            return b.place(m.geonames(city.geonames), city.name, "city", within,
                           identifier=("geonames", city.geonames), point=(city.lat, city.lon),
                           same_as=_geonames(city.geonames))
        label = f"{place.label} ({place.context})" if place.context else place.label
        return b.place(m.place_by_name(label), place.label, "lieu", within)

    def commune(self, insee: str, name: str | None = None) -> str:
        """The commune of an INSEE code, within its department and region, with its coordinates and GeoNames id.

        A former code resolves to the current commune; an unknown but
        well-formed code keeps its own IRI, named as the source names it.
        """
        code = insee.strip().upper()
        if not is_insee_code(code):
            raise RecordError(f"malformed INSEE code {insee!r}")
        b, geo = self.b, self.geo
        known = geo.commune(code)
        if known is not None:
            term = self.m.commune(known.code)
            if term in b.declared:
                return term
            return b.place(term, known.name, "commune", self.department(known.department),
                           identifier=("insee", known.code), point=geo.coordinates(known.code),
                           same_as=_geonames(geo.geonames(known.code)))
        dep_code = code[:3] if code.startswith("97") else code[:2]
        department = self.department(dep_code) if geo.department(dep_code) else None
        # not a commune of the official geographic code: typed so (shapes/places.ttl reports the records)
        return b.place(self.m.commune(code), name, UNKNOWN_COMMUNE, department, identifier=("insee", code))

    def department(self, code: str) -> str:
        dep = self.geo.department(code)
        if dep is None:
            raise RecordError(f"unknown department {code!r}")
        region = self.geo.region(dep.region)
        region_term = self.b.place(self.m.region(dep.region), region[1] if region else None, "region",
                                   identifier=("insee-region", dep.region))
        return self.b.place(self.m.department(dep.code), dep.name, "department", region_term,
                            identifier=("insee-department", dep.code))

    def place_named(self, name: str, department: str | None = None) -> str:
        """The place a name designates (:meth:`place`); a name of no place (``s.l.``) is a place known by its name."""
        return self.place(name, department) or self.b.place(self.m.place_by_name(name), name, "lieu")

    @staticmethod
    def coordinates(text: str) -> tuple[float, float] | None:
        """``"49.8943, 2.3022"`` (lat, lon) → floats, or None when unreadable or outside the globe."""
        m = _COORDS.match(text)
        if not m:
            return None
        lat, lon = (float(g.replace(",", ".")) for g in m.groups())
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            return None
        return lat, lon

    # -- institutions ------------------------------------------------------------
    def institution(self, name: str | None = None, ids: Iterable[tuple[str, str]] = (),
                    commune: str | None = None, department: str | None = None,
                    label: str | None = None) -> str | None:
        """The one ``E74_Group`` of an institution named or identified (``ids``: (scheme, value) pairs).

        Resolved through the reference tables (:mod:`graph.institutions`): any Muséofile id,
        archives service code, RCR/ISIL, IdRef or Wikidata id or name of a known institution
        gives its one IRI, declared with its reference name (else the name given, in the
        builder's language), identifiers, ``owl:sameAs`` authorities and kind. None when
        neither a usable name nor id is given. ``label`` names it when the tables do not know
        it, and is never used to find it (a record's name for its museum beside its id).
        """
        found = self.institutions.resolve(name, list(ids), commune, department)
        if found is None:
            return None
        return self.declare_institution(found, name or label)

    def institution_term(self, found: Institution) -> str:
        """The IRI of a resolved institution: ``org/{scheme}/{id}``, or ``org/name/{slug}``."""
        return self.m.org_by_name(found.id) if found.scheme == "name" else self.m.org(found.scheme, found.id)

    def declare_institution(self, found: Institution, name: str | None = None) -> str:
        """Declare a resolved institution (once per load, in the shared graph); its IRI.

        One with a Muséofile id is a museum (Linked Art's group type), whichever record names it first.
        """
        term = self.institution_term(found)
        b = self.b
        group_type = "museum" if any(scheme == "museofile" for scheme, _ in found.ids) else None
        if found.known:
            with b.speaking(found.lang):
                return b.group(term, found.name, names=found.names, identifiers=found.identifiers(),
                               same_as=found.same_as(), kind=found.kind, group_type=group_type)
        return b.group(term, (name or "").strip() or found.name, identifiers=found.identifiers(),
                       same_as=found.same_as(), kind=found.kind, group_type=group_type)

    def take_unread(self) -> list[Unread]:
        """The values kept as text since the last call (the pipeline reports them with their record's file and line)."""
        unread, self.unread = self.unread, []
        return unread

    def note_unread(self, kind: str, value: str, node: str) -> None:
        """List a value kept as text; ``node`` is the record or one of its parts (``<...#production>``)."""
        if len(self.unread) < UNREAD_KEPT:
            record = node.split("#", 1)[0] + ">" if "#" in node else node
            self.unread.append(Unread(kind, value, record))

    # -- periods ---------------------------------------------------------------
    def dated(self, event: str, values: Iterable[str]) -> str | None:
        """A time-span for ``event`` from period expressions; unreadable ones kept as text and counted.

        The event's time-span covers every value. Several building campaigns of a production
        (``4e quart 16e siècle ; 20e siècle``) are also each a part of it (``P9_consists_of`` an
        ``E12_Production``) with a time-span of its own, so that the gap between them is not lost.
        """
        values = [v.strip() for v in values if v and v.strip()]
        if not values:
            return None
        parts = [part for v in values for part in campaigns(v)]
        for text, period in parts:
            if period is None:
                self.periods_unread += 1
                self.note_unread("period", text, event)
        periods = [period for _, period in parts if period is not None]
        span = combine(periods) if len(periods) == len(parts) else None
        node = self.b.timespan(event, " ; ".join(values), span)
        if len(parts) > 1 and event.endswith("production>"):
            for n, (text, period) in enumerate(parts, 1):
                campaign = Minter.part(event, f"campaign-{n}")
                self.b.out.add(event, CRM("P9_consists_of"), campaign)
                self.b.out.add(campaign, RDF.type, CRM("E12_Production"))
                self.b.classify(campaign, "production-part", "campagne")
                self.b.timespan(campaign, text, period)
        return node

    # -- actors ----------------------------------------------------------------
    @staticmethod
    def name_and_role(text: str) -> tuple[str, str | None]:
        """``"Viollet-le-Duc Eugène (architecte)"`` → ``("Viollet-le-Duc Eugène", "architecte")``."""
        m = _ROLE.match(text.strip())
        if m and m.group("name"):
            return m.group("name").strip(" ,"), (m.group("role").strip() or None)
        return text.strip(), None

    @staticmethod
    def is_anonymous(name: str) -> bool:
        return bool(_ANONYMOUS.match(name.strip()))

    def actor(self, written: str, term: str | None = None) -> str:
        """The person, family or institution a name designates, with the life dates the name gives.

        ``Egmont (famille d')`` and ``Maison de Lalaing`` are families, ``Abbaye de Saint-Bertin``
        an institution (``E74_Group``); ``Jean Ier de Bourgogne (1371-1419 ; dit Jean Sans Peur)``
        a person born in 1371 and dead in 1419. ``term`` is the person's IRI when an authority
        gives it.
        """
        name, dates = names.split_dates(written)
        kind = names.actor_kind(name)
        if kind == "family":
            return self.family(name, term)
        if kind is not None:
            return self.institution(name) or self.b.group(term or self.m.org_by_name(name), name, group_type=kind)
        person = self.b.person(name, term)
        if dates:
            self.life_dates(person, dates)
        return person

    def family(self, name: str, term: str | None = None) -> str:
        """A family (``E74_Group`` of Linked Art type family): ``Egmont (famille d')``, ``Maison de Lalaing``."""
        return self.b.group(term or self.m.org_by_name(name), name, group_type="family")

    def life_dates(self, person: str, text: str) -> bool:
        """Birth and death years from ``1850-1929`` (``1984-....``: a birth only); False when unreadable."""
        birth, death = names.life_dates(text)
        for kind, year in (("birth", birth), ("death", death)):
            if year:
                self.life_event(person, kind, names.LifeEvent(None, year))
        return bool(birth or death)

    def life_event(self, person: str, kind: str, event: names.LifeEvent | None) -> None:
        """A birth or death with its place (a commune when the name resolves to one) and date."""
        if event is None:
            return
        place = self.place_named(event.place) if event.place else None
        period = parse_period(event.date) if event.date else None
        if event.date and period is None:
            self.periods_unread += 1
            self.note_unread("period", event.date, person)
        self.b.life_event(person, kind, place, event.date, period)

    # -- objects: measurements, materials, owners, languages ------------------------
    def measurements(self, subject: str, texts: Iterable[str], default_kind: str = "unknown-dimension") -> None:
        """Dimensions (``E54``: type, number, unit) from the texts; what cannot be read is kept
        as a dimensions statement and counted."""
        found: list[dimensions.Measurement] = []
        unread: list[str] = []
        for text in texts:
            read, rest = dimensions.parse(text, default_kind)
            found += read
            unread += rest
        self.measured(subject, found, unread)

    def measured(self, subject: str, found: list[dimensions.Measurement], unread: list[str]) -> None:
        """Write measurements already read, and keep (and count) the texts that could not be."""
        for n, m in enumerate(found, 1):
            self.b.dimension(subject, n, m.kind, m.value, m.unit, m.text)
        self.dimensions_unread += len(unread)
        for n, text in enumerate(unread, 1):
            self.b.text_note(subject, text, "mesures", n)
            self.note_unread("dimension", text, subject)

    def materials(self, obj: str, values: list[str], production: str | None = None) -> None:
        """Materials (``P45``) and techniques (``P32`` of the production) from a mixed field; the
        field as written is kept as a materials statement."""
        if not values:
            return
        reading = materials.read(values)
        b = self.b
        for label in reading.materials:
            term = b.material(obj, label)
            if match := materials.aat_match(label):
                b.match(term, SKOS.exactMatch, match)
        if reading.techniques:
            event = production or b.production(obj)
            for label in reading.techniques:
                b.technique(event, label)
        b.text_note(obj, " ; ".join(values), "matériaux et techniques")

    def owner(self, obj: str, statuses: list[str], commune: str | None = None,
              commune_name: str | None = None) -> str | None:
        """``P52_has_current_owner`` from a legal status that names an owner (POP ``STAT``).

        The State, a commune (the one the status names, else the record's), a department or a
        region are groups of the graph; an unnamed owner (``propriété d'une association``,
        ``propriété privée``) is the record's own actor, known by its kind.
        """
        found = names.owner(statuses)
        if found is None:
            return None
        b, m = self.b, self.m
        owner_type = (("owner-type", found.kind),)
        if found.group == "state":
            return b.owner(obj, b.group(m.org("state", "FR"), "État français", group_type="organization",
                                        types=owner_type))
        if found.group == "commune":
            code = self._named_commune(found.named) or _insee_of(commune)
            if code is None:
                return None
            known = self.geo.commune(code)
            place = self.commune(code, commune_name)
            name = known.name if known else found.named or commune_name or code
            elided = "d'" if name[:1].upper() in "AEIOUYÀÂÉÈÊÎÔÛH" else "de "
            return b.owner(obj, b.group(m.org("commune", code), f"commune {elided}{name}", group_type="organization",
                                        types=owner_type, residence=place))
        actor = b.part(obj, "owner")  # the source names no one: this record's owner, of a known kind
        b.link(actor, RDF.type, CRM("E39_Actor" if found.group == "private" else "E74_Group"))
        b.out.text(actor, RDFS.label, f"propriétaire : {found.kind}", b.lang)
        b.classify(actor, "owner-type", found.kind)
        return b.owner(obj, actor)

    def _named_commune(self, name: str | None) -> str | None:
        if not name:
            return None
        found = self.places.resolve(name, self._load_context())
        return found.key if found is not None and found.kind == "commune" else None

    def written_in(self, record: str, texts: Iterable[str | None], physical: bool) -> list[str]:
        """``P72_has_language``: the languages codes or texts name (``fre``, ``fr``, ``français``).

        CIDOC-CRM gives languages to linguistic objects only: a physical record's content
        (``P128_carries``) is that linguistic object; a conceptual record (a document) is one
        itself (typed ``E33_Linguistic_Object`` too). Returns the languages' IRIs.
        """
        found = list(dict.fromkeys(lang for text in texts for lang in languages(text)))
        if not found:
            return []
        b = self.b
        if physical:
            subject = b.content(record, "E33_Linguistic_Object")
        else:
            subject = record
            b.link(record, RDF.type, CRM("E33_Linguistic_Object"))
        for lang in found:
            b.language(subject, lang.iri, lang.label)
        return [lang.iri for lang in found]

    # -- ISO 8601 dates and archival index places (EAD, FranceArchives CSV) -------

    @staticmethod
    def iso_period(normal: str) -> Period | None:
        """An ISO 8601 date or interval (EAD's ``normal``: ``"1921/1922"``), or None; see :func:`parse_iso`."""
        return parse_iso(normal)

    def dated_normal(self, event: str, dates: Iterable[tuple[str | None, str | None]]) -> str | None:
        """A time-span for ``event`` from (text, ISO 8601 normal form) pairs.

        As EAD writes them (``<unitdate normal="1921/1922">[1921-1922]</unitdate>``): the
        normal form gives the bounds when it can be read, else the text is read as a period
        expression (without the square brackets archivists put around a date they supplied);
        the texts are the label. Unreadable dates are kept as text and counted.
        """
        texts: list[str] = []
        periods: list[Period] = []
        for text, normal in dates:
            text, normal = (text or "").strip(), (normal or "").strip()
            if not text and not normal:
                continue
            texts.append(text or normal)
            period = (self.iso_period(normal) if normal else None) or (parse_period(text.strip("[] ")) if text else None)
            if period is None:
                self.periods_unread += 1
                self.note_unread("period", text or normal, event)
            else:
                periods.append(period)
        if not texts:
            return None
        return self.b.timespan(event, " ; ".join(texts), combine(periods) if len(periods) == len(texts) else None)

    def index_place(self, label: str) -> str:
        """The place of an archival index entry written ``Name (Département, Pays) -- detail``.

        ``Saint-Omer (Pas-de-Calais, France)`` is the commune (:meth:`place`); with ``-- Basilique
        Notre-Dame`` it is a place of that name within the commune; what cannot be resolved is a
        place known by its label within its context.
        """
        label = " ".join(label.split())
        name, _, detail = label.partition(" -- ")
        if not detail:
            return self.place(label) or self.b.place(self.m.place_by_name(label), label, "lieu")
        within = self.resolved_place(name)
        return self.b.place(self.m.place_by_name(label), label, "lieu", within)

    def department_named(self, text: str) -> str | None:
        """The code of the department called (or numbered) ``text``: ``Pas-de-Calais`` → ``62``."""
        dep = self.geo.department_named(text)
        return dep.code if dep is not None else None

    # -- rights statements (LIDO rightsResource, EDM edm:rights) ------------------
    _RIGHTS = re.compile(
        r"^https?://(?:www\.)?("
        r"creativecommons\.org/licenses/(?:by|by-sa|by-nd|by-nc|by-nc-sa|by-nc-nd|by-nd-nc)/(?:1\.0|2\.0|2\.1|2\.5|3\.0|4\.0)"
        r"(?:/[a-z]{2,8})?"
        r"|creativecommons\.org/publicdomain/(?:zero|mark)/1\.0"
        r"|rightsstatements\.org/(?:vocab|page)/(?:NoC-NC|NoC-OKLR|InC|InC-EDU|InC-OW-EU|CNE)/1\.0"
        r")/?(?:(?:deed|legalcode)(?:\.[A-Za-z-]+)?/?)?(?:\?.*)?$"
    )

    @classmethod
    def rights_statement(cls, uri: str) -> str | None:
        """The canonical IRI of a rights statement Europeana accepts as ``edm:rights``, or None.

        Creative Commons licences and public-domain tools, and the RightsStatements.org
        statements of Europeana's list, written as Europeana wants them (``http``, trailing
        ``/``): ``https://creativecommons.org/licenses/by-sa/4.0/deed.fr`` →
        ``http://creativecommons.org/licenses/by-sa/4.0/``. Jurisdiction ports of the older
        CC licences are accepted without checking each one.
        """
        m = cls._RIGHTS.match(uri.strip())
        if m is None:
            return None
        return "http://" + m[1].replace("rightsstatements.org/page/", "rightsstatements.org/vocab/") + "/"


def _insee_of(commune: str | None) -> str | None:
    """The INSEE code at the end of a commune's IRI (``<…/place/commune/80021>``)."""
    if commune and "/place/commune/" in commune:
        return commune.rsplit("/", 1)[-1].rstrip(">")
    return None
