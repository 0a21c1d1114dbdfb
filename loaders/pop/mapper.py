"""POP records (Mérimée, Palissy, Joconde, Museo) → CIDOC-CRM, with the shared building blocks.

Which field goes to which block is data: loaders/pop/profile.json.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from graph.iri import Minter
from graph.mapping import MappingContext
from graph.namespaces import CRM, FOAF, PKG, SKOS
from graph.ntriples import iri
from graph.periods import parse_period
from graph.records import RecordError, SourceRecord

_REF = re.compile(r"^[A-Za-z0-9_]{4,40}$")
# "1862 : classé MH", "1926/05/21 : inscrit MH", "classé MH : 1862"
_PROTECTION = re.compile(r"^\s*(?P<date>[0-9][0-9/.\- ]*[0-9])\s*:\s*(?P<text>.+?)\s*$")


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


def _heritage_object(record: SourceRecord, ref: str, ctx: MappingContext) -> None:
    p, b, f = profile(), ctx.b, record.fields
    obj = ctx.m.pop(ref)
    titles = [t for code in p["titles"] for t in f.get(code, [])]
    label = titles[0] if titles else " ; ".join(f.get("DENO", [])) or ref
    b.entity(obj, "E22_Human-Made_Object", label, ctx.dataset)
    b.identifier(obj, ref, "pop-ref", "référence POP")
    for inv in f.get("INV", []):
        b.identifier(obj, inv, "inventory-number", "numéro d'inventaire")
    base = p["bases"][record.kind]
    b.classify(obj, "pop-base", base["label"])
    b.page(obj, base["notice"] + ref)
    for n, title in enumerate(titles, 1):
        b.title(obj, title, n)
    for code, scheme in p["classify"].items():
        for value in f.get(code, []):
            b.classify(obj, scheme, value)
    for code, kind in p["texts"].items():
        for n, text in enumerate(f.get(code, []), 1):
            b.text_note(obj, text, kind, n)
    inscriptions = next((f[c] for c in p["inscriptions"] if f.get(c)), [])
    for n, text in enumerate(inscriptions, 1):
        b.inscription(obj, text, n)
    for code in p["materials"]:
        for value in f.get(code, []):
            b.material(obj, value)
    for code in p["dimensions"]:
        for n, text in enumerate(f.get(code, []), 1):
            b.dimension(obj, text, n)
    _production(record, obj, ctx)
    _location(record, obj, ctx)
    _protection(record, obj, ctx)
    _images(record, obj, ctx)
    _links(record, obj, ctx)
    if museo := record.first("MUSEO"):
        b.keeper(obj, ctx.institution(ids=[("museofile", museo)]))


def _production(record: SourceRecord, obj: str, ctx: MappingContext) -> None:
    p, b, f = profile(), ctx.b, record.fields
    authors = [a for code in p["authors"] for a in f.get(code, [])]
    workshops = [w for code in p["workshops"] for w in f.get(code, [])]
    precise = [d for code in p["precise_dates"] for d in f.get(code, [])]
    periods = [d for code in p["periods"] for d in f.get(code, [])]
    techniques = [t for code in p["techniques"] for t in f.get(code, [])]
    if not (authors or workshops or precise or periods or techniques):
        return
    production = b.production(obj)
    n = 0
    for text in authors:
        name, role = ctx.name_and_role(text)
        if not name or ctx.is_anonymous(name):
            continue
        n += 1
        b.carried_out_by(production, b.person(name), role, n)
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
    for technique in techniques:
        b.out.add(production, CRM("P32_used_general_technique"),
                  b.concept("technique", technique))
    for place in record.all("LIEUX"):
        b.out.add(production, CRM("P7_took_place_at"),
                  b.place(ctx.m.place_by_name(place), place, "lieu"))


def _commune(record: SourceRecord, ctx: MappingContext) -> str | None:
    f = record.fields
    codes = [c for c in f.get("INSEE", []) if c.strip()]
    if codes:
        return ctx.commune(codes[0], (f.get("COM") or f.get("WCOM") or [None])[0])
    department = (f.get("DPT") or [None])[0]
    for name in f.get("COM", []) + f.get("WCOM", []) + f.get("VILLE_M", []):
        found = ctx.geo.find_commune(name, department)
        if found is not None:
            return ctx.commune(found.code)
    return None


def _coordinates(record: SourceRecord) -> tuple[float, float] | None:
    lat, lon = record.first("POP_COORDONNEES.lat"), record.first("POP_COORDONNEES.lon")
    if lat and lon:
        return MappingContext.coordinates(f"{lat}, {lon}")
    text = record.first("WGS84")
    return MappingContext.coordinates(text) if text else None


def _location(record: SourceRecord, obj: str, ctx: MappingContext) -> None:
    b = ctx.b
    commune = _commune(record, ctx)
    point = _coordinates(record)
    address = record.first("ADRS") or record.first("LIEU") or record.first("EDIF") or record.first("EMPL")
    if point is None and address is None:
        if commune:
            b.location(obj, commune)
        return
    site = Minter.part(obj, "location")
    b.place(site, address or record.first("TICO") or record.first("TITR"), "site", commune)
    if point is not None:
        b.point(site, *point)
    b.location(obj, site)


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
    names = [n for code in p["names"] for n in f.get(code, [])]
    b.entity(org, "E74_Group", names[0] if names else ref, ctx.dataset)
    b.declared.add(org)  # objects of the same load may name it as their keeper
    b.identifier(org, ref, "museofile", "identifiant Muséofile")
    b.classify(org, "pop-base", profile()["bases"]["museo"]["label"])
    b.page(org, profile()["bases"]["museo"]["notice"] + ref)
    for name in names[1:]:
        b.out.text(org, SKOS.altLabel, name, b.lang)
    for code, kind in p["texts"].items():
        for n, text in enumerate(f.get(code, []), 1):
            b.text_note(org, text, kind, n)
    commune = _commune(record, ctx)
    address = next((a for code in p["address"] for a in f.get(code, [])), None)
    point = _coordinates(record)
    if address or point:
        site = Minter.part(org, "location")
        b.place(site, address, "adresse", commune)
        if point is not None:
            b.point(site, *point)
        b.out.add(org, CRM("P74_has_current_or_former_residence"), site)
    elif commune:
        b.out.add(org, CRM("P74_has_current_or_former_residence"), commune)
    for url in f.get("URL_M", []):
        if url.startswith(("http://", "https://")):
            b.out.add(org, FOAF.homepage, iri(url))

