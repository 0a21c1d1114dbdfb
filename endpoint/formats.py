"""The document formats the publication side serves, and HTTP content negotiation between them.

One table says which extension, media types and pyoxigraph format each
format has; :func:`negotiate` picks one from an ``Accept`` header the way
RFC 9110 §12.5.1 says (quality values, then specificity, then our order).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from . import jsonld
from .escaping import xml_fix
from .negotiation import MediaRange, parse_accept


@dataclass(frozen=True, slots=True)
class DocFormat:
    ext: str
    media_type: str  # what we answer with
    accepted: tuple[str, ...]  # media types a client may ask for it with
    rdf: ox.RdfFormat | None  # None for HTML

    @property
    def content_type(self) -> str:
        charset = "; charset=utf-8" if self.media_type.startswith("text/") else ""
        return self.media_type + charset


HTML = DocFormat("html", "text/html", ("text/html", "application/xhtml+xml"), None)
TURTLE = DocFormat("ttl", "text/turtle", ("text/turtle", "application/x-turtle"), ox.RdfFormat.TURTLE)
JSON_LD = DocFormat("jsonld", "application/ld+json", ("application/ld+json", "application/json"),
                    ox.RdfFormat.JSON_LD)
N_TRIPLES = DocFormat("nt", "application/n-triples", ("application/n-triples", "text/plain"),
                      ox.RdfFormat.N_TRIPLES)
RDF_XML = DocFormat("rdf", "application/rdf+xml", ("application/rdf+xml",), ox.RdfFormat.RDF_XML)

# In order of preference when the client accepts several equally (``*/*``: a browser or curl).
ALL: tuple[DocFormat, ...] = (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
RDF_ONLY: tuple[DocFormat, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
BY_EXT: dict[str, DocFormat] = {f.ext: f for f in ALL}


def _quality(fmt: DocFormat, ranges: list[MediaRange]) -> tuple[float, int]:
    """The quality the client gives ``fmt``, and how specific the range that gave it was (3 > 2 > 1; -1 none)."""
    best_spec, best_q = 0, 0.0
    for r in ranges:
        for mine in fmt.accepted:
            spec = r.specificity(mine)
            if spec > best_spec:
                best_spec, best_q = spec, r.q
    return (best_q, best_spec) if best_spec else (0.0, -1)


def negotiate(accept: str | None, offered: tuple[DocFormat, ...] = ALL) -> DocFormat | None:
    """The format to answer with; ``None`` when the client accepts none of ``offered`` (406)."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    scored = [(_quality(f, ranges), -i, f) for i, f in enumerate(offered)]
    (q, _spec), _, fmt = max(scored, key=lambda t: (t[0][0], t[0][1], t[1]))
    return fmt if q > 0 else None


def serialize(triples: list[ox.Triple], fmt: DocFormat, prefixes: dict[str, str]) -> bytes:
    if fmt.rdf == ox.RdfFormat.JSON_LD:
        body = jsonld.compact(triples, prefixes)
        if body is not None:
            return body
    if fmt.rdf == ox.RdfFormat.RDF_XML:
        return xml_fix(ox.serialize(triples, format=fmt.rdf, prefixes=prefixes))
    if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.JSON_LD):
        return ox.serialize(triples, format=fmt.rdf, prefixes=prefixes)
    return ox.serialize(triples, format=fmt.rdf)
