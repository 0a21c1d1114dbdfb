"""The catalogue record of a dataset: where it came from and what its load produced (PROV-O, DCAT, VoID)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .iri import Minter
from .namespaces import DCAT, DCTERMS, FOAF, PKG, PROV, RDF, RDFS, VOID, XSD
from .ntriples import iri, literal, typed

SOFTWARE = "<https://w3id.org/patrimoine-kg/software>"


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Counts:
    records_read: int = 0
    records_loaded: int = 0
    records_rejected: int = 0
    records_skipped: int = 0
    periods_unread: int = 0
    places_unread: int = 0
    dimensions_unread: int = 0
    values_dropped: int = 0  # of loaded records: unsafe links... (each in the rejection report)
    records_quarantined: int = 0  # loaded, but kept out of the public graph for violations (load --quarantine)

    def reconciles(self) -> bool:
        return self.records_read == (self.records_loaded + self.records_rejected + self.records_skipped
                                     + self.records_quarantined)


@dataclass
class Origin:
    """Where a source file was fetched from: what the catalogue keeps so the next fetch can be conditional."""

    url: str
    etag: str | None = None  # HTTP validators of the answer
    last_modified: str | None = None
    sha256: str | None = None
    retrieved: str | None = None  # when it was downloaded (xsd:dateTime)
    publisher: str = ""
    licence: str = ""  # a licence URL, or its name
    page: str = ""  # the source's page at its publisher
    title: str = ""

    def lines(self, src: str) -> list[str]:
        """The triples of a dataset's source node ``src`` that say where it came from (DCAT, PROV)."""
        t = [(RDF.type, DCAT.Distribution), (DCAT.downloadURL, iri(self.url))]
        if self.etag:
            t.append((PKG.httpETag, literal(self.etag)))
        if self.last_modified:
            t.append((PKG.httpLastModified, literal(self.last_modified)))
        if self.retrieved:
            t += [(PROV.generatedAtTime, typed(self.retrieved, XSD.dateTime)),
                  (PKG.lastChecked, typed(self.retrieved, XSD.dateTime))]
        if self.publisher:
            t.append((DCTERMS.publisher, literal(self.publisher)))
        if self.licence:
            t.append((DCTERMS.license, iri(self.licence) if self.licence.startswith(("http://", "https://"))
                      else literal(self.licence)))
        if self.page:
            t.append((FOAF.page, iri(self.page)))
        if self.title:
            t.append((DCTERMS.description, literal(self.title)))
        return [f"{src} {p} {o} .\n" for p, o in t]


@dataclass
class Provenance:
    """Everything the catalogue keeps about one load of one dataset."""

    name: str
    format: str
    region: str
    sources: list[tuple[str, str]] = field(default_factory=list)  # (file name, sha256)
    # per source, where each loaded record was read (record_location lines joined by newlines)
    record_lines: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    started: str = field(default_factory=now)
    content_sha256: str = ""  # of the N-Triples the load produced: an unchanged reload is a no-op
    origins: dict[str, Origin] = field(default_factory=dict)  # source file name → where it was fetched from

    def lines(self, minter: Minter, status: str, triples: int) -> list[str]:
        ds = minter.dataset(self.name)
        act = Minter.part(ds, "load")
        t: list[str] = []

        def add(s: str, p: str, o: str) -> None:
            t.append(f"{s} {p} {o} .\n")

        def integer(n: int) -> str:
            return typed(str(n), XSD.integer)

        for cls in (DCAT.Dataset, VOID.Dataset, PROV.Entity):
            add(ds, RDF.type, cls)
        add(ds, PKG.datasetName, literal(self.name))
        add(ds, DCTERMS.identifier, literal(self.name))
        add(ds, RDFS.label, literal(f"dataset {self.name}"))
        add(ds, PKG.graph, minter.graph(self.name))
        add(ds, PKG.status, literal(status))
        add(ds, PKG.sourceFormat, literal(self.format))
        add(ds, PKG.regionFilter, literal(self.region))
        add(ds, PKG.sourceNames, literal(", ".join(n for n, _ in self.sources)))
        add(ds, PKG.sourceSha256, literal(", ".join(h for _, h in self.sources)))
        for i, (name, digest) in enumerate(self.sources, 1):
            src = Minter.part(ds, f"source-{i}")
            add(ds, DCTERMS.source, src)
            add(src, RDF.type, PROV.Entity)
            add(src, DCTERMS.title, literal(name))
            add(src, PKG.sha256, literal(digest))
            if i <= len(self.record_lines) and self.record_lines[i - 1]:
                add(src, PKG.recordLines, literal(self.record_lines[i - 1]))
            if name in self.origins:
                t.extend(self.origins[name].lines(src))
        c = self.counts
        add(ds, PKG.recordsRead, integer(c.records_read))
        add(ds, PKG.recordsLoaded, integer(c.records_loaded))
        add(ds, PKG.recordsRejected, integer(c.records_rejected))
        add(ds, PKG.recordsSkipped, integer(c.records_skipped))
        if c.records_quarantined:
            add(ds, PKG.recordsQuarantined, integer(c.records_quarantined))
        add(ds, PKG.periodsUnread, integer(c.periods_unread))
        add(ds, PKG.placesUnread, integer(c.places_unread))
        add(ds, PKG.dimensionsUnread, integer(c.dimensions_unread))
        add(ds, PKG.valuesDropped, integer(c.values_dropped))
        add(ds, VOID.triples, integer(triples))
        if self.content_sha256:
            add(ds, PKG.contentSha256, literal(self.content_sha256))
        ended = now()
        add(ds, DCTERMS.modified, typed(ended, XSD.dateTime))
        add(ds, PROV.wasGeneratedBy, act)
        add(act, RDF.type, PROV.Activity)
        add(act, PROV.startedAtTime, typed(self.started, XSD.dateTime))
        add(act, PROV.endedAtTime, typed(ended, XSD.dateTime))
        add(act, PROV.wasAssociatedWith, SOFTWARE)
        add(act, PKG.softwareVersion, literal(__version__))
        return t


def record_location(minter: Minter, term: str, line: int | None, source_id: str | None) -> str:
    """One entry of ``pkg:recordLines``: ``line TAB source id TAB record IRI`` (the IRI after the base).

    One literal per source file holds them all, so the catalogue stays a handful of triples
    per dataset whatever its size, and a report finds the file and line of any record.
    """
    path = term[1 + len(minter.base):-1] if term.startswith(f"<{minter.base}") else term[1:-1]
    sid = (source_id or "").replace("\t", " ").replace("\n", " ")
    return f"{line or ''}\t{sid}\t{path}"


def read_record_lines(minter: Minter, text: str) -> Iterator[tuple[str, int | None, str]]:
    """The entries of a ``pkg:recordLines`` literal: (record IRI, line or None, source id)."""
    base = minter.base
    for entry in text.split("\n"):
        line, sid, path = entry.split("\t", 2)
        yield (path if "://" in path else base + path), (int(line) if line else None), sid
