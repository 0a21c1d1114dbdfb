"""IIIF Presentation 2.1 and 3.0 manifests (format ``iiif``): one manifest, one object and its images.

:func:`read_manifest` turns either version into one :class:`Manifest`
(language maps resolved, French first; HTML in values reduced to text);
:func:`map_manifest` writes it with the shared building blocks:

- the object shown is an ``E22_Human-Made_Object``. Its IRI is the record the
  manifest points to when a ``seeAlso``/``homepage``/``related`` link or an
  identifier in the metadata matches a record IRI pattern (an IRI of this graph,
  a POP notice, an OAI-PMH ``GetRecord`` URL: the record a harvest of that
  repository gives); otherwise ``iiif/{manifest id}`` (the manifest as a
  standalone item; ``iiif/file/{file name}`` when the manifest has no URL id,
  as in templates);
- label → title; summary/description → text note; each metadata pair → a text
  note typed with the pair's label, and the pairs whose label says so
  (``date_labels``, ``subject_labels``, ``type_labels`` of the profile) also give
  the production's time-span, subjects of the content and types;
  ``requiredStatement``/``attribution`` → a text note ``attribution``;
  ``rights``/``license`` → ``dcterms:rights``;
- every painted image of every canvas, and the thumbnail (its digital object
  typed ``vignette``), is a representation the Linked Art way: an
  ``E36_Visual_Item`` shown by a ``D1_Digital_Object`` whose access point is the
  image URL (EDM ``edm:WebResource``), part of the manifest and available through
  its Image API service (a ``la:DigitalService`` that ``dcterms:conformsTo
  <http://iiif.io/api/image>`` and ``doap:implements`` its compliance level); the
  EDM view derives ``svcs:has_service`` and ``dcterms:isReferencedBy`` from them,
  as the EDM guidelines for IIIF say.

Fetching a manifest by URL is the composition layer's work (``patrimoine iiif``,
:mod:`patrimoine.http`); this module only reads files.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from graph import jsonstream
from graph.iri import Minter, slug
from graph.mapping import MappingContext
from graph.namespaces import CRM, DCTERMS, DIG, LA, RDF, Namespace
from graph.ntriples import iri, link_or_text
from graph.records import InputError, RecordError, SourceRecord

from .oai import record_iri, repository_slug

DOAP = Namespace("http://usefulinc.com/ns/doap#")
_TAG = re.compile(r"<[^>]*>")
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.I)


@cache
def profile() -> dict:
    return json.loads(Path(__file__).with_name("iiif_profile.json").read_text(encoding="utf-8"))


@dataclass(slots=True)
class Image:
    url: str
    service: str | None = None
    level: str | None = None  # the Image API compliance level's IRI


@dataclass(slots=True)
class Canvas:
    label: str | None
    images: list[Image] = field(default_factory=list)
    metadata: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Manifest:
    version: int
    id: str | None  # the manifest's URL; None when its id is not one
    label: str | None
    summary: list[str] = field(default_factory=list)
    metadata: list[tuple[str, str]] = field(default_factory=list)
    rights: list[str] = field(default_factory=list)
    required: list[tuple[str, str]] = field(default_factory=list)
    thumbnails: list[Image] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # where the object's record may be: seeAlso, homepage...
    canvases: list[Canvas] = field(default_factory=list)


# ---------------------------------------------------------------------------
# JSON-LD values of either version


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _id(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        found = value.get("id") or value.get("@id")
        return found.strip() if isinstance(found, str) and found.strip() else None
    return None


def _clean(value: str) -> str:
    """Text of a IIIF value: the little HTML the specification allows is reduced to its text."""
    if "<" in value or "&" in value:
        value = html.unescape(_TAG.sub(" ", value))
    return " ".join(value.split())


def texts(value: Any) -> list[str]:
    """The strings of a v2 value (string, ``@value`` objects, lists) or a v3 language map, in the preferred language."""
    prefs = profile()["languages"]
    if isinstance(value, str):
        return [t] if (t := _clean(value)) else []
    if isinstance(value, list):
        tagged = [v for v in value if isinstance(v, dict) and "@language" in v]
        if tagged:
            lang = next((p for p in prefs if any(v["@language"] == p for v in tagged)), tagged[0]["@language"])
            value = [v for v in value if not (isinstance(v, dict) and v.get("@language") not in (None, lang))]
        return [t for v in value for t in texts(v)]
    if isinstance(value, dict):
        if "@value" in value:
            return texts(value["@value"])
        if not value:
            return []
        lang = next((p for p in prefs if p in value), next(iter(value)))
        return texts(value[lang])
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    return []


def _text(value: Any) -> str | None:
    found = texts(value)
    return " ; ".join(found) if found else None


def _pairs(value: Any) -> list[tuple[str, str]]:
    pairs = []
    for entry in _items(value):
        if isinstance(entry, dict):
            label, text = _text(entry.get("label")), _text(entry.get("value"))
            if text:
                pairs.append((label or "metadata", text))
    return pairs


# ---------------------------------------------------------------------------
# Reading


def version_of(doc: dict) -> int | None:
    contexts = [c for c in _items(doc.get("@context")) if isinstance(c, str)]
    if any("presentation/3" in c for c in contexts):
        return 3
    if any("presentation/2" in c for c in contexts):
        return 2
    kind = doc.get("type") or doc.get("@type")
    return 3 if kind in ("Manifest", "Collection") else 2 if kind in ("sc:Manifest", "sc:Collection") else None


def read_manifest(doc: dict, name: str) -> Manifest:
    """A manifest of either version; :class:`InputError` when ``doc`` is not one."""
    version = version_of(doc)
    kind = doc.get("type") or doc.get("@type")
    if kind in ("Collection", "sc:Collection"):
        listed = len(_items(doc.get("items") or doc.get("manifests") or doc.get("members")))
        raise InputError(f"{name}: a IIIF collection (of {listed} manifests), not a manifest: load its manifests")
    if version is None or kind not in ("Manifest", "sc:Manifest"):
        raise InputError(f"{name}: not a IIIF Presentation 2.1 or 3.0 manifest")
    raw_id = _id(doc)
    m = Manifest(version=version, id=raw_id if raw_id and _URL.match(raw_id) else None, label=_text(doc.get("label")))
    m.metadata = _pairs(doc.get("metadata"))
    m.thumbnails = [img for t in _items(doc.get("thumbnail")) if (img := _image(t, version)) is not None]
    links = [_id(v) for key in ("seeAlso", "homepage", "related") for v in _items(doc.get(key))]
    if version == 3:
        m.summary = texts(doc.get("summary"))
        m.rights = [r for r in _items(doc.get("rights")) if isinstance(r, str)]
        m.required = _pairs(doc.get("requiredStatement"))
        m.pages = [u for v in _items(doc.get("homepage")) if (u := _id(v))]
        m.canvases = [_canvas3(c) for c in _items(doc.get("items")) if isinstance(c, dict)]
    else:
        m.summary = texts(doc.get("description"))
        m.rights = [r for v in _items(doc.get("license")) if (r := _id(v))]
        m.required = [("attribution", t) for t in texts(doc.get("attribution"))]
        m.pages = [u for v in _items(doc.get("related")) if (u := _id(v))]
        m.pages += [u for v in _items(doc.get("rendering")) if isinstance(v, dict)
                    and v.get("format") in profile()["page_formats"] and (u := _id(v))]
        m.canvases = [_canvas2(c) for s in _items(doc.get("sequences"))[:1] if isinstance(s, dict)
                      for c in _items(s.get("canvases")) if isinstance(c, dict)]
    m.pages = [u for u in dict.fromkeys(m.pages) if _URL.match(u)]
    m.links = [u for u in dict.fromkeys(links + m.pages) if u and _URL.match(u)]
    return m


def _canvas2(canvas: dict) -> Canvas:
    c = Canvas(_text(canvas.get("label")), metadata=_pairs(canvas.get("metadata")))
    for annotation in _items(canvas.get("images")):
        if isinstance(annotation, dict):
            resource = annotation.get("resource")
            if isinstance(resource, dict) and resource.get("@type") == "oa:Choice":
                resource = resource.get("default")
            if (img := _image(resource, 2)) is not None:
                c.images.append(img)
    return c


def _canvas3(canvas: dict) -> Canvas:
    c = Canvas(_text(canvas.get("label")), metadata=_pairs(canvas.get("metadata")))
    for page in _items(canvas.get("items")):
        for annotation in _items(page.get("items") if isinstance(page, dict) else None):
            if not isinstance(annotation, dict) or annotation.get("motivation") not in (None, "painting"):
                continue
            for body in _items(annotation.get("body")):
                if isinstance(body, dict) and body.get("type") == "Choice":
                    body = next(iter(_items(body.get("items"))), None)
                if (img := _image(body, 3)) is not None:
                    c.images.append(img)
    return c


def _image(resource: Any, version: int) -> Image | None:
    """An image resource with its Image API service; its URL built from the service when it gives none."""
    url = _id(resource)
    service = level = None
    services = _items(resource.get("service")) if isinstance(resource, dict) else []
    for s in services:
        if isinstance(s, dict) and _is_image_service(s) and (sid := _id(s)):
            service, level = sid, _level(s, version)
            break
    if service and (url is None or url.rstrip("/") == service.rstrip("/")):
        size = "full" if "/image/2/" in (level or "") or (level is None and version == 2) else "max"
        url = f"{service.rstrip('/')}/full/{size}/0/default.jpg"
    return Image(url, service, level) if url and _URL.match(url) else None


def _is_image_service(service: dict) -> bool:
    api = profile()["image_api"]
    hints = [service.get("@context"), service.get("profile"), service.get("protocol")]
    kind = service.get("type") or service.get("@type") or ""
    return str(kind).startswith("ImageService") or any(api in str(h) for h in hints if h)


def _level(service: dict, version: int) -> str | None:
    for p in _items(service.get("profile")):
        if isinstance(p, str) and p.startswith("http"):
            return p
        if isinstance(p, str) and p.startswith("level"):
            kind = service.get("type") or service.get("@type") or ("ImageService3" if version == 3 else "ImageService2")
            template = profile()["image_api_levels"].get(kind)
            return template.format(level=p) if template else None
    return None


def read_file(path: Path) -> SourceRecord:
    limit = profile()["max_manifest_bytes"]
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"{path.name}: {size:,} bytes, more than a manifest may be ({limit:,})")
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path.name}: cannot be read ({e.strerror or e})") from None
    try:
        doc = jsonstream.loads(data)
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not UTF-8 JSON") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path.name}: not valid JSON at line {e.lineno}: {e.msg}") from None
    except jsonstream.JsonError as e:
        raise InputError(f"{path.name}: not valid JSON: {e.msg}") from None
    if not isinstance(doc, dict):
        raise InputError(f"{path.name}: not a IIIF Presentation 2.1 or 3.0 manifest")
    try:
        manifest = read_manifest(doc, path.name)
    except RecursionError:
        raise InputError(f"{path.name}: not a readable manifest: values nested too deep") from None
    return SourceRecord(index=1, line=1, source_id=manifest.id, data=(manifest, path.stem),
                        kind=f"iiif-v{manifest.version}")


# ---------------------------------------------------------------------------
# Mapping


def object_iri(manifest: Manifest, m: Minter, file_stem: str) -> str:
    """The record the manifest shows, when one of its links or identifiers names it; else its own IRI."""
    p = profile()
    pop_notice, pop_ref = re.compile(p["pop_notice"]), re.compile(p["pop_ref"])
    identifiers = [v for label, v in manifest.metadata if slug(label).replace("-", " ") in p["identifier_labels"]]
    for url in manifest.links + [v for v in identifiers if _URL.match(v)]:
        if url.startswith(m.base):
            return iri(url)
        if found := pop_notice.match(url):
            return m.pop(found["ref"])
        query = parse_qs(urlsplit(url).query)
        if query.get("verb") == ["GetRecord"] and query.get("identifier") and (repo := repository_slug(url)):
            return record_iri(m, repo, query["identifier"][0])
    for value in identifiers:
        if pop_ref.match(value):
            return m.pop(value)
    if manifest.id:
        return m.record("iiif", manifest.id)
    return m.record("iiif", "file", file_stem)


def _described(manifest: Manifest, obj: str, ctx: MappingContext) -> None:
    """What the metadata pairs say of when the object was made, what it is about and what it is."""
    p, b = profile(), ctx.b
    named = {key: [v for label, v in manifest.metadata if slug(label).replace("-", " ") in p[f"{key}_labels"]]
             for key in ("date", "subject", "type")}
    if named["date"]:
        ctx.dated(b.production(obj), named["date"])
    for value in named["subject"]:
        b.link(b.content(obj), CRM("P129_is_about"), b.concept("subject", value))
    for value in named["type"]:
        b.classify(obj, "type", value)


class _Notes:
    """Text notes numbered per kind; kinds are lower-cased, so "Description" and "description" are one kind."""

    def __init__(self, obj: str, ctx: MappingContext) -> None:
        self.obj, self.b, self.n = obj, ctx.b, Counter[str]()

    def add(self, text: str, kind: str) -> None:
        kind = kind.lower()
        if slug(kind) in profile()["reserved_kinds"]:  # a note's node is {object}#{kind}-{n}: not another part's
            kind = f"{kind} (métadonnée)"
        self.n[slug(kind)] += 1
        self.b.text_note(self.obj, text, kind, self.n[slug(kind)])


def map_manifest(manifest: Manifest, file_stem: str, ctx: MappingContext) -> str:
    p, b = profile(), ctx.b
    places = [v for label, v in manifest.metadata if slug(label).replace("-", " ") in p["place_labels"]]
    ctx.require_region(keep_unknown=True, communes=places)
    canvas_images = [img for c in manifest.canvases for img in c.images]
    if not (manifest.label or canvas_images or manifest.metadata):
        raise RecordError("the manifest has no label, no metadata and no image")
    obj = object_iri(manifest, ctx.m, file_stem)
    b.entity(obj, "E22_Human-Made_Object", manifest.label or manifest.id or file_stem, ctx.dataset)
    if manifest.label:
        b.title(obj, manifest.label)
    if manifest.id:
        b.identifier(obj, manifest.id, "iiif-manifest", "manifeste IIIF")
    for url in manifest.pages:
        b.page(obj, url)
    notes = _Notes(obj, ctx)
    for text in manifest.summary:
        notes.add(text, p["kinds"]["summary"])
    for label, value in manifest.metadata:
        notes.add(value, label)
    _described(manifest, obj, ctx)
    for label, value in manifest.required:
        notes.add(value if slug(label) in ("attribution", "metadata") else f"{label} : {value}", p["kinds"]["attribution"])
    for right in manifest.rights:
        b.link(obj, DCTERMS.rights, link_or_text(right, bool(_URL.match(right))))
    for thumbnail in manifest.thumbnails:
        term = _web_resource(thumbnail, obj, manifest, f"{manifest.label or ''} ({p['kinds']['thumbnail']})".strip(), ctx)
        if term is not None:
            b.classify(term, "image-role", p["kinds"]["thumbnail"])
    for canvas in manifest.canvases:
        for image in canvas.images:
            _web_resource(image, obj, manifest, canvas.label, ctx)
        for label, value in canvas.metadata:
            notes.add(f"{canvas.label} : {value}" if canvas.label else value, label)
    return obj


def _web_resource(image: Image, obj: str, manifest: Manifest, caption: str | None, ctx: MappingContext) -> str | None:
    """An image of the object (Linked Art: a visual item shown by a digital object at the image URL).

    The digital object is part of the manifest (``P106i_forms_part_of``, a digital object too) and
    available through its IIIF Image API service (``la:digitally_available_via`` a
    ``la:DigitalService`` that ``dcterms:conformsTo`` the Image API and ``doap:implements`` its
    compliance level); the EDM view makes them ``dcterms:isReferencedBy`` and ``svcs:has_service``.
    """
    b = ctx.b
    digital = b.representation(obj, image.url, caption)
    if digital is None:  # an image URL that is no IRI: dropped, noted (Builder.web)
        return None
    if manifest.id:
        b.link(digital, CRM("P106i_forms_part_of"), iri(manifest.id))
        b.link(iri(manifest.id), RDF.type, DIG("D1_Digital_Object"))
    if image.service and (service := b.web(image.service)) is not None:
        b.link(digital, LA.digitally_available_via, service)
        b.link(service, RDF.type, LA.DigitalService)
        b.link(service, DCTERMS.conformsTo, iri(profile()["image_api"]))
        if image.level and (level := b.web(image.level)) is not None:
            b.link(service, DOAP.implements, level)
    return digital


class IiifLoader:
    name = "iiif"
    description = "IIIF Presentation 2.1 and 3.0 manifests: the object, its metadata, rights and images"
    data_provider = "Fournisseur du manifeste IIIF"

    def sniff(self, path: Path, head: bytes) -> bool:
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            return False
        return b"iiif.io/api/presentation" in head or b'"sc:Manifest"' in head

    def records(self, path: Path, encoding: str | None) -> Iterator[SourceRecord]:
        yield read_file(path)

    def map(self, record: SourceRecord, ctx: MappingContext) -> None:
        manifest, stem = record.data
        map_manifest(manifest, stem, ctx)


LOADER = IiifLoader()
