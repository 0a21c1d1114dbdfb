"""POP records (Mérimée, Palissy, Joconde, Museo) → CIDOC-CRM, with the shared building blocks.

Which field goes to which block is data: loaders/pop/profile.json.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from graph import names
from graph.mapping import MappingContext
from graph.namespaces import CRM, FOAF, PKG, SKOS
from graph.periods import parse_period
from graph.records import RecordError, SourceRecord

from .coordinates import Coordinates
from .coordinates import read as read_lambert

_NONE = re.compile(r"[\s0.,;+-]*")  # '0, 0' or nothing: POP's way of saying no point

_REF = re.compile(r"^[A-Za-z0-9_]{4,40}$")
# "1862 : classé MH", "1926/05/21 : inscrit MH", "classé MH : 1862"
_PROTECTION = re.compile(r"^\s*(?P<date>[0-9][0-9/.\- ]*[0-9])\s*:\s*(?P<text>.+?)\s*$")
# Joconde's "#" between a title and its other forms: "Le Temps#dit aussi Les Vieilles"
_OTHER_TITLE = re.compile(r"^(?:dit aussi|dit|aussi appelée?|ou|autre titre)\s*:?\s+", re.I)


@cache
def profile() -> dict:
    return json.loads((Path(__file__).parent / "profile.json").read_text(encoding="utf-8"))


def protection_kind(text: str) -> str:
    """The kind of a protection act from its wording: ``classé MH``, ``inscrit MH``, ``radié MH``..."""
    t = text.lower()
    for key, kind in (("radi", "radié MH"), ("partiellement class", "classé MH partiellement"),
                      ("partiellement inscri", "inscrit MH partiellement"), ("class", "classé MH"),
                      ("inscri", "inscrit MH")):
        if key in t:
            return kind
    return text.strip()


def map_record(record: SourceRecord, ctx: MappingContext) -> None:
    ref = (record.source_id or "").strip()
    if not ref:
        raise RecordError("missing REF (the record's POP reference)")
    if not _REF.match(ref):
        raise RecordError(f"malformed REF {ref!r}")
    f = record.fields
    ctx.require_region(
        insee=f.get("INSEE", []),
        departments=f.get("DPT", []),
        region_labels=f.get("REG", []) + f.get("REGION", []),
        communes=f.get("COM", []) + f.get("WCOM", []) + f.get("VILLE_M", []),
    )
    if record.kind == "museo":
        _museum(record, ref, ctx)
    elif record.kind in ("merimee", "palissy", "joconde"):
        _heritage_object(record, ref, ctx)
    else:
        raise RecordError("cannot tell which POP base (Mérimée, Palissy, Joconde, Museo) the record belongs to")


def titles(values: list[str]) -> list[str]:
    """A record's titles, Joconde's ``#`` alternatives split: ``Le Temps#dit aussi Les Vieilles``."""
    out: list[str] = []
    for value in values:
        for part in value.split("#"):
            title = _OTHER_TITLE.sub("", part.strip()).strip()
            if title and title not in out:
                out.append(title)
    return out


def _heritage_object(record: SourceRecord, ref: str, ctx: MappingContext) -> None:
    p, b, f = profile(), ctx.b, record.fields
    obj = ctx.m.pop(ref)
    all_titles = titles([t for code in p["titles"] for t in f.get(code, [])])
    label = all_titles[0] if all_titles else " ; ".join(f.get("DENO", [])) or ref
    b.entity(obj, "E22_Human-Made_Object", label, ctx.dataset)
    b.identifier(obj, ref, "pop-ref", "référence POP")
    for inv in f.get("INV", []):
        b.identifier(obj, inv, "inventory-number", "numéro d'inventaire")
    base = p["bases"][record.kind]
    b.classify(obj, "pop-base", base["label"])
    b.page(obj, base["notice"] + ref)
    for url in (u.strip() for code in p["pages"] for u in f.get(code, [])):  # the Inventory dossier, HTML or PDF
        if url.startswith(("http://", "https://")):
            b.page(obj, url)
    for n, title in enumerate(all_titles, 1):
        b.title(obj, title, n)
    for code, scheme in p["classify"].items():
        for value in f.get(code, []):
            b.classify(obj, scheme, value)
    numbered: dict[str, int] = {}  # two fields of one kind (PETA, ETAT: "état") are notes 1, 2... of that kind
    for code, kind in p["texts"].items():
        for text in f.get(code, []):
            numbered[kind] = numbered.get(kind, 0) + 1
            b.text_note(obj, text, kind, numbered[kind])
    inscriptions = next((f[c] for c in p["inscriptions"] if f.get(c)), [])
    for n, text in enumerate(inscriptions, 1):
        b.inscription(obj, text, n)
    ctx.measurements(obj, [t for code in p["dimensions"] for t in f.get(code, [])])
    production = _production(record, obj, ctx)
    ctx.materials(obj, [v for code in p["materials"] for v in f.get(code, [])], production)
    commune = _location(record, obj, ctx)
    _legal_status(record, obj, commune, ctx)
    _protection(record, obj, ctx)
    _images(record, obj, ctx)
    _links(record, obj, ctx)
    if museo := record.first("MUSEO"):
        museum = ctx.institution(ids=[("museofile", museo)], label=record.first("NOMOFF"))
        if museum is not None:
            b.keeper(obj, museum)


def _legal_status(record: SourceRecord, obj: str, commune: str | None, ctx: MappingContext) -> None:
    """POP ``STAT``: the owner it names (``P52``), its status as a type, the whole text as a note.

    ``propriété de la commune ; Lille ; palais des Beaux-Arts`` is one status whose parts say
    which commune owns the object and which museum it is in; only the status itself
    (``propriété de la commune``) classifies the object.
    """
    statuses = record.all("STAT")
    if not statuses:
        return
    b = ctx.b
    commune_name = (record.all("COM") or record.all("WCOM") or record.all("VILLE_M") or [None])[0]
    if ctx.owner(obj, statuses, commune, commune_name) is not None or len(statuses) == 1:
        b.classify(obj, "legal-status", statuses[0])
    if len(statuses) > 1:
        b.text_note(obj, " ; ".join(statuses), "statut juridique")


def _production(record: SourceRecord, obj: str, ctx: MappingContext) -> str | None:
    p, b, f = profile(), ctx.b, record.fields
    authors = [a for code in p["authors"] for a in f.get(code, [])]
    workshops = [w for code in p["workshops"] for w in f.get(code, [])]
    precise = [d for code in p["precise_dates"] for d in f.get(code, [])]
    periods = [d for code in p["periods"] for d in f.get(code, [])]
    if not (authors or workshops or precise or periods):
        return None
    production = b.production(obj)
    n = 0
    people: list[tuple[str, str]] = []
    for text in authors:
        name, role = ctx.name_and_role(text)
        if not name or ctx.is_anonymous(name):
            continue
        n += 1
        actor = ctx.actor(name)
        people.append((name, actor))
        b.carried_out_by(production, actor, role, n)
    _lives(record, people, ctx)
    for text in workshops:
        name, role = ctx.name_and_role(text)
        n += 1
        b.carried_out_by(production, b.group(ctx.m.org_by_name(name), name), role or "atelier", n)
    if precise:
        ctx.dated(production, precise)
        if periods:
            b.out.text(production, CRM("P3_has_note"),
                       "siècle : " + " ; ".join(periods), ctx.b.lang)
    elif periods:
        ctx.dated(production, periods)
    for place in record.all("LIEUX"):
        if (where := ctx.place(place, subject=obj)) is not None:
            b.out.add(production, CRM("P7_took_place_at"), where)
    return production


def _lives(record: SourceRecord, people: list[tuple[str, str]], ctx: MappingContext) -> None:
    """Joconde ``PAUT``: where and when the author was born and died (``Grasse, 1732 ; Paris, 1806``).

    Read for a record with one named author, or one ``#``-separated part per author.
    """
    # readers split values on ";" (" ; " between a birth and a death): one text per field again
    texts = [" ; ".join(record.all(code)) for code in profile()["author_details"] if record.all(code)]
    parts = [p.strip() for t in texts for p in t.split("#") if p.strip()]
    if not people or len(parts) != len(people):
        return
    for (name, person), text in zip(people, parts):
        if names.actor_kind(name) is None:  # a person, not a family or an institution
            birth, death = names.birth_and_death(text)
            ctx.life_event(person, "birth", birth)
            ctx.life_event(person, "death", death)


def _commune(record: SourceRecord, ctx: MappingContext) -> str | None:
    f = record.fields
    codes = [c for c in f.get("INSEE", []) if c.strip()]
    if codes:
        return ctx.commune(codes[0], (f.get("COM") or f.get("WCOM") or [None])[0])
    written = (f.get("DPT") or [None])[0]  # a code (80) or, in open-data exports, a name (Somme)
    department = ctx.department_named(written) if written else None
    for name in f.get("COM", []) + f.get("WCOM", []) + f.get("VILLE_M", []):  # 'Quesnoy (Le)': graph/places.py
        if (found := ctx.resolved_place(name, ctx.place_context([department]), kinds=("commune",))) is not None:
            return found
    return None


def _coordinates(record: SourceRecord) -> tuple[tuple[float, float] | None, Coordinates | None, str | None]:
    """The record's point (lat, lon), its Lambert coordinates as written when it has some, and the
    WGS84 point as written when it could not be read (``nan, nan``, outside the globe).

    POP's own WGS84 point comes first (``POP_COORDONNEES``; ``0, 0`` means none), then the
    open-data column, then ``COOR``/``COORM`` read in ``ZONE`` (what POP computes its point from).
    """
    lambert = read_lambert(" ; ".join(record.all("COOR")), " ; ".join(record.all("COORM")),  # split on ";" as read
                           record.first("ZONE"), profile()["coordinates"])
    lat, lon = record.first("POP_COORDONNEES.lat"), record.first("POP_COORDONNEES.lon")
    point, unread = None, None
    for text in (f"{lat}, {lon}" if lat and lon else None, record.first("WGS84")):
        if point is None and text:
            point = MappingContext.coordinates(text)
            if point is None and not _NONE.fullmatch(text):
                unread = text
    return (point or (lambert.point if lambert else None)), lambert, (unread if point is None else None)


def _place_point(place: str, point: tuple[float, float] | None, lambert: Coordinates | None, unread: str | None,
                 ctx: MappingContext) -> None:
    """The place's point, its Lambert coordinates kept as written (reported when unread), and a WGS84
    point that could not be read kept as written, reported."""
    if point is not None:
        ctx.b.point(place, *point)
    if unread is not None:
        ctx.b.identifier(place, unread, "wgs84-coordinates", "coordonnées WGS84 telles qu'écrites")
        ctx.note_unread("coordinates", f"{unread} (not a WGS84 latitude and longitude)", place)
    if lambert is not None:
        ctx.b.identifier(place, lambert.written, "lambert-coordinates", "coordonnées Lambert (COOR, ZONE)")
        if lambert.problem and point is None:
            ctx.note_unread("coordinates", f"{lambert.written} ({lambert.problem})", place)


def _location(record: SourceRecord, obj: str, ctx: MappingContext) -> str | None:
    """Where the object is (``P55_has_current_location``); returns its commune.

    A building (Mérimée) is at its address; a movable object (Palissy) in its building
    (``EDIF``), at a place in it (``EMPL``); a museum object (Joconde) where ``LOCA`` says
    (``Amiens ; musée de Picardie``: the museum, in the commune). Each place lies within the
    commune (``P89_falls_within``); the coordinates are those of the record's own place.
    """
    b = ctx.b
    commune = _commune(record, ctx)
    point, lambert, unread = _coordinates(record)
    site = record.first("ADRS") or record.first("LIEU")
    building = record.first("EDIF")
    spot = record.first("EMPL")
    if record.kind == "joconde" and (loca := " ; ".join(record.all("LOCA"))):
        parts = [p.strip() for p in re.split(r"\s*[;#]\s*", loca) if p.strip()]
        if commune is None and parts:
            commune = ctx.resolved_place(parts[0], kinds=("commune",))
        site = parts[-1] if len(parts) > 1 or commune is None else None
    within = commune
    if building:
        within = b.place(b.part(obj, "building"), building, "édifice", commune)
    if spot:
        site = spot
    if site is None and point is None and lambert is None and unread is None:
        if within:
            b.location(obj, within)
        return commune
    place = b.part(obj, "location")
    label = site or building or record.first("TICO") or record.first("TITR")
    b.place(place, label, "emplacement" if spot else "site", within if site else commune)
    _place_point(place, point, lambert, unread, ctx)
    b.location(obj, place)
    return commune


def _protection(record: SourceRecord, obj: str, ctx: MappingContext) -> None:
    b = ctx.b
    acts = record.all("DPRO")
    n = 0
    for act in acts:
        m = _PROTECTION.match(act)
        date, text = (m.group("date"), m.group("text")) if m else (None, act)
        n += 1
        node = b.attribute_assignment(obj, n, "protection", protection_kind(text), act)
        if date:
            b.timespan(node, date.strip(), parse_period(date.strip().replace(".", "/")))
    if n == 0:
        for n, kind in enumerate(record.all("PROT"), 1):
            b.attribute_assignment(obj, n, "protection", protection_kind(kind), kind)


def _images(record: SourceRecord, obj: str, ctx: MappingContext) -> None:
    base = profile()["image_base"]
    urls = [u for u in record.all("IMG") if u.startswith(("http://", "https://"))]
    urls += [u if u.startswith(("http://", "https://")) else base + u.lstrip("/") for u in record.all("MEMOIRE")]
    captions = record.all("MEMOIRE.name")
    for i, url in enumerate(dict.fromkeys(urls)):
        ctx.b.representation(obj, url, captions[i] if i < len(captions) else None)


def _links(record: SourceRecord, obj: str, ctx: MappingContext) -> None:
    own = record.source_id
    for code, prop in profile()["links"].items():
        for ref in record.all(code):
            for token in re.split(r"[\s,;]+", ref):
                # open-data exports give links as notice URLs: .../notice/merimee/PA00116046
                token = token.rstrip("/").rsplit("/", 1)[-1]
                if token and token != own and _REF.match(token):
                    ctx.b.link(obj, PKG(prop), ctx.m.pop(token))


def _museum(record: SourceRecord, ref: str, ctx: MappingContext) -> None:
    p, b, f = profile()["museo"], ctx.b, record.fields
    org = ctx.m.org("museofile", ref)
    museum_names = [n for code in p["names"] for n in f.get(code, [])]
    b.entity(org, "E74_Group", museum_names[0] if museum_names else ref, ctx.dataset)
    b.link(org, CRM("P2_has_type"), b.aat("museum"))
    b.declared.add(org)  # objects of the same load may name it as their keeper
    b.identifier(org, ref, "museofile", "identifiant Muséofile")
    b.classify(org, "pop-base", profile()["bases"]["museo"]["label"])
    b.page(org, profile()["bases"]["museo"]["notice"] + ref)
    for name in museum_names[1:]:
        b.out.text(org, SKOS.altLabel, name, b.lang)
    for code, kind in p["texts"].items():
        for n, text in enumerate(f.get(code, []), 1):
            b.text_note(org, text, kind, n)
    commune = _commune(record, ctx)
    address = next((a for code in p["address"] for a in f.get(code, [])), None)
    point, lambert, unread = _coordinates(record)
    if address or point or lambert or unread:
        site = b.part(org, "location")
        b.place(site, address, "adresse", commune)
        _place_point(site, point, lambert, unread, ctx)
        b.out.add(org, CRM("P74_has_current_or_former_residence"), site)
    elif commune:
        b.out.add(org, CRM("P74_has_current_or_former_residence"), commune)
    for url in f.get("URL_M", []):
        if url.startswith(("http://", "https://")) and (home := b.web(url)) is not None:
            b.out.add(org, FOAF.homepage, home)
    for code in p["buildings"]:  # the Mérimée record of the building the museum is in
        for ref in record.all(code):
            if _REF.match(ref.strip()):
                b.link(org, PKG.housedIn, ctx.m.pop(ref.strip()))

