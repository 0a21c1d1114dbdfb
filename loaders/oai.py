"""OAI-PMH 2.0 responses: a saved response file (format ``oai-pmh``) and the pages the harvester fetches.

A response is read into :class:`OaiRecord` objects (header + payload element);
:func:`parse_page` reads a whole page for patrimoine/harvest.py, :func:`read_file`
streams a saved file for the load pipeline. Each record's payload goes to the
mapping of its metadata format:

- ``oai_dc``: one record, mapped by loaders/dc.py; its IRI is
  ``oai/{repository}/{OAI identifier}``, ``{repository}`` being the slug of the
  host of the repository's base URL (the ``<request>`` of a saved response, the
  URL a harvest asks), so a harvested record and the same record loaded from a
  saved response are one node;
- ``ead``, ``lido``: handed to those loaders (their reader, then their
  mapper), one record per unit they read (an EAD fonds and each component...);
  each entity they write is tagged ``pkg:oaiRecord <oai/{repository}/{id}>``
  so that a harvest can replace or delete everything one OAI record gave.

A ``deleted`` header is skipped by a load (counted) and deletes the record in a
harvest. An error response is an :class:`OaiError`; ``noRecordsMatch`` is not an
error to a harvest (zero records).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from graph.iri import Minter, slug
from graph.mapping import MappingContext
from graph.namespaces import PKG, VOID
from graph.records import InputError, RecordError, Skipped, SourceRecord
from graph.xml import iter_elements, localname, parse_bytes, text

from .dc import map_dc, read_dc

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
# Some repositories write the protocol's namespace with https (the Service historique de la Défense...):
# the same protocol, read the same way.
OAI_NAMESPACES = (OAI_NS, "https://www.openarchives.org/OAI/2.0/")
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
VERBS = ("ListRecords", "GetRecord", "ListIdentifiers", "ListSets", "ListMetadataFormats", "Identify")
# Payload root namespace → metadata format; formats other loaders map (format name = loader name).
PAYLOAD_NAMESPACES = {
    OAI_DC_NS: "oai_dc",
    "urn:isbn:1-931666-22-9": "ead",
    "http://www.lido-schema.org": "lido",
}
PAYLOAD_ROOTS = {"dc": "oai_dc", "ead": "ead", "lido": "lido", "lidoWrap": "lido"}
DELEGATED = ("ead", "lido")
_IN_DATASET = f" {VOID.inDataset} "


def q(local: str, ns: str = OAI_NS) -> str:
    return f"{{{ns}}}{local}"


def namespace_of(element: etree._Element) -> str:
    """The OAI-PMH namespace an element of a response is written in (``OAI_NS`` when it is none of them)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    ns = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
    return ns if ns in OAI_NAMESPACES else OAI_NS


class OaiError(InputError):
    """The repository answered an OAI-PMH error (``badResumptionToken``, ``cannotDisseminateFormat``...)."""

    def __init__(self, code: str, message: str | None, where: str) -> None:
        self.code = code
        self.detail = message
        super().__init__(f"{where}: OAI-PMH error {code}" + (f": {message}" if message else ""))


@dataclass(slots=True)
class OaiRecord:
    identifier: str | None
    datestamp: str | None
    deleted: bool
    sets: list[str]
    payload: etree._Element | None  # the root element inside <metadata>
    line: int | None = None


@dataclass(slots=True)
class Page:
    """One OAI-PMH response."""

    verb: str | None
    request_url: str | None
    response_date: str | None
    records: list[OaiRecord] = field(default_factory=list)
    token: str | None = None  # the next page's resumptionToken; None when the list is complete
    complete_size: int | None = None
    cursor: int | None = None
    errors: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass(slots=True)
class Harvested:
    """What the mapper gets for one record: the OAI record, its repository, and a payload unit if delegated."""

    oai: OaiRecord
    repository: str | None
    unit: SourceRecord | None = None


# ---------------------------------------------------------------------------
# Reading


def repository_slug(url: str | None) -> str | None:
    """``http://archives.meuse.fr/oaipmh/repository/`` → ``archives-meuse-fr`` (the host, port left out)."""
    if not url:
        return None
    host = urlsplit(url.strip()).hostname
    return slug(host) if host else None


def record_iri(m: Minter, repository: str, identifier: str) -> str:
    return m.record("oai", repository, identifier)


def payload_format(payload: etree._Element) -> str:
    tag = payload.tag if isinstance(payload.tag, str) else ""
    ns = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
    return PAYLOAD_NAMESPACES.get(ns) or PAYLOAD_ROOTS.get(localname(payload)) or (ns or localname(payload))


def parse_record(element: etree._Element) -> OaiRecord:
    ns = namespace_of(element)
    header = element.find(q("header", ns))
    identifier = datestamp = None
    sets: list[str] = []
    deleted = False
    if header is not None:
        identifier = text(header.find(q("identifier", ns)))
        datestamp = text(header.find(q("datestamp", ns)))
        sets = [s for e in header.findall(q("setSpec", ns)) if (s := text(e))]
        deleted = header.get("status") == "deleted"
    metadata = element.find(q("metadata", ns))
    payload = None
    if metadata is not None:
        payload = next((c for c in metadata if isinstance(c.tag, str)), None)
    return OaiRecord(identifier, datestamp, deleted, sets, payload, element.sourceline)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def parse_page(data: bytes, where: str) -> Page:
    """One whole OAI-PMH response; :class:`InputError` when it is not one."""
    root = parse_bytes(data, where)
    ns = namespace_of(root)
    if root.tag != q("OAI-PMH", ns):
        raise InputError(f"{where}: not an OAI-PMH response (root element <{localname(root)}>)")
    request = root.find(q("request", ns))
    page = Page(verb=request.get("verb") if request is not None else None,
                request_url=text(request), response_date=text(root.find(q("responseDate", ns))))
    page.errors = [(e.get("code") or "unknown", text(e)) for e in root.findall(q("error", ns))]
    for verb in VERBS:
        body = root.find(q(verb, ns))
        if body is None:
            continue
        page.verb = verb
        page.records = [parse_record(r) for r in body.findall(q("record", ns))]
        token = body.find(q("resumptionToken", ns))
        if token is not None:
            page.token = text(token)
            page.complete_size = _int(token.get("completeListSize"))
            page.cursor = _int(token.get("cursor"))
        break
    return page


def read_file(path: Path) -> Iterator[tuple[OaiRecord, str | None]]:
    """The records of a saved response, streamed, with the repository slug its ``<request>`` names."""
    repository: str | None = None
    tags = tuple(q(name, ns) for ns in OAI_NAMESPACES
                 for name in ("request", "error", "record", *(v for v in VERBS if v not in ("ListRecords", "GetRecord"))))
    for element in iter_elements(path, tags):
        name = localname(element)
        if name == "request":
            repository = repository_slug(text(element))
        elif name == "error":
            code = element.get("code") or "unknown"
            if code == "noRecordsMatch":
                raise InputError(f"{path.name}: the response says noRecordsMatch: it holds no records")
            raise OaiError(code, text(element), path.name)
        elif name == "record":
            yield parse_record(element), repository
        else:
            raise InputError(f"{path.name}: a {name} response holds no records; "
                             "save a ListRecords or GetRecord response (or harvest the repository)")


def source_records(oai: OaiRecord, repository: str | None, index: int, workdir: str | None = None
                   ) -> Iterator[SourceRecord]:
    """The pipeline's records for one OAI record: itself, or each unit its EAD/LIDO payload holds."""
    fmt = payload_format(oai.payload) if oai.payload is not None and not oai.deleted else None
    harvested = Harvested(oai, repository)
    if fmt not in DELEGATED or not oai.identifier:
        yield SourceRecord(index=index, line=oai.line, source_id=oai.identifier, data=harvested,
                           kind="deleted" if oai.deleted else fmt)
        return
    error: str | None = None
    units = 0
    try:
        # Each unit is yielded while the payload's reader is suspended: streaming readers free an
        # element once the next one is read, so a unit is mapped before the reader goes on.
        for unit in _payload_units(fmt, oai.payload, workdir):
            units += 1
            unit_id = f"{oai.identifier} {unit.source_id}" if unit.source_id else None
            yield SourceRecord(index=index, line=oai.line, source_id=unit_id, fields=unit.fields,
                               data=Harvested(oai, repository, unit), kind=fmt)
    except (InputError, RecordError) as e:
        error = str(e) if not units else f"{e} (after {units} records of the payload)"
    else:
        error = None if units else f"the {fmt} payload holds no records"
    if error is not None:
        yield SourceRecord(index=index, line=oai.line, source_id=oai.identifier, data=harvested,
                           kind=fmt, error=error)


def _payload_units(fmt: str, payload: etree._Element, workdir: str | None) -> Iterator[SourceRecord]:
    """Read a delegated payload with its own loader's reader (which reads files: the payload is written to one)."""
    loader = _delegate(fmt)
    fd, name = tempfile.mkstemp(prefix=".oai-payload-", suffix=".xml", dir=workdir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(etree.tostring(payload, encoding="UTF-8", xml_declaration=True))
        yield from loader.records(Path(name), None)
    finally:
        os.unlink(name)


def _delegate(fmt: str):
    from . import FORMATS, get_loader

    if fmt not in FORMATS:
        raise RecordError(f"payload format {fmt} not supported yet")
    return get_loader(fmt)


# ---------------------------------------------------------------------------
# Mapping


def map_record(record: SourceRecord, ctx: MappingContext, repository: str | None = None) -> str | None:
    """Map one record; returns the OAI record's IRI. ``repository`` overrides the one the response names."""
    h: Harvested = record.data
    oai = h.oai
    if not oai.identifier:
        raise RecordError("OAI-PMH header without an identifier")
    if oai.deleted:
        raise Skipped(f"deleted at source (OAI-PMH header status=\"deleted\", {oai.datestamp or 'no date'})")
    repo = repository or h.repository or _namespace_of(oai.identifier)
    if repo is None:
        raise RecordError("cannot tell which repository the record comes from (no <request> URL)")
    obj = record_iri(ctx.m, repo, oai.identifier)
    if oai.payload is None:
        raise RecordError("OAI-PMH record without metadata")
    if h.unit is not None:
        _map_delegated(h.unit, record.kind or "", obj, ctx)
        return obj
    fmt = payload_format(oai.payload)
    if fmt != "oai_dc":
        raise RecordError(f"payload format {fmt} not supported yet")
    map_dc(read_dc(oai.payload), obj, ctx, fallback_label=oai.identifier, context_texts=oai.sets,
           related=lambda v: record_iri(ctx.m, repo, v) if v.startswith("oai:") else None)
    return obj


def _map_delegated(unit: SourceRecord, fmt: str, obj: str, ctx: MappingContext) -> None:
    _delegate(fmt).map(unit, ctx)
    out = ctx.b.out
    roots = {line.split(" ", 1)[0] for line in out.lines if _IN_DATASET in line}
    for root in sorted(roots):
        out.add(root, PKG.oaiRecord, obj)


def _namespace_of(identifier: str) -> str | None:
    """``oai:archives.meuse.fr:a01…`` → ``archives-meuse-fr`` (the OAI identifier scheme's namespace)."""
    parts = identifier.split(":", 2)
    return slug(parts[1]) if len(parts) == 3 and parts[0] == "oai" and parts[1] else None


class OaiPmhLoader:
    name = "oai-pmh"
    description = "OAI-PMH 2.0 response saved to a file (ListRecords, GetRecord): oai_dc, ead and lido payloads"
    data_provider = "Entrepôt OAI-PMH"

    def sniff(self, path: Path, head: bytes) -> bool:
        return b"<OAI-PMH" in head and any(ns.encode() in head for ns in OAI_NAMESPACES)

    def records(self, path: Path, encoding: str | None) -> Iterator[SourceRecord]:
        for index, (oai, repository) in enumerate(read_file(path), 1):
            yield from source_records(oai, repository, index)

    def map(self, record: SourceRecord, ctx: MappingContext) -> None:
        map_record(record, ctx)


LOADER = OaiPmhLoader()
