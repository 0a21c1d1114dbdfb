"""Content negotiation: which serialization to answer with, from ``Accept`` (q-values, wildcards) or ``format=``.

Formats are named (``json``, ``turtle``...) between the HTTP layer and the
query workers; each name maps to a pyoxigraph format in the worker.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Format:
    name: str  # the worker's name for the serialization
    media_type: str  # what the response's Content-Type says

    @property
    def content_type(self) -> str:
        return self.media_type + ("; charset=utf-8" if self.media_type.startswith("text/") else "")


# Offers in the server's order of preference (the first one answers Accept: */* or no Accept).
RESULT_FORMATS = (
    Format("json", "application/sparql-results+json"),
    Format("xml", "application/sparql-results+xml"),
    Format("csv", "text/csv"),
    Format("tsv", "text/tab-separated-values"),
    Format("json", "application/json"),
    Format("xml", "application/xml"),
    Format("xml", "text/xml"),
)
GRAPH_FORMATS = (
    Format("turtle", "text/turtle"),
    Format("ntriples", "application/n-triples"),
    Format("rdfxml", "application/rdf+xml"),
    Format("jsonld", "application/ld+json"),
    Format("trig", "application/trig"),
    Format("nquads", "application/n-quads"),
    Format("turtle", "application/x-turtle"),
    Format("ntriples", "text/plain"),
    Format("jsonld", "application/json"),
    Format("rdfxml", "application/xml"),
)

# format= names (besides full media types); "json" and "xml" depend on the kind of result.
_RESULT_ALIASES = {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv"}
_GRAPH_ALIASES = {
    "turtle": "turtle", "ttl": "turtle", "n3": "turtle",  # Turtle is N3
    "ntriples": "ntriples", "n-triples": "ntriples", "nt": "ntriples",
    "rdfxml": "rdfxml", "rdf+xml": "rdfxml", "rdf/xml": "rdfxml", "rdf": "rdfxml", "xml": "rdfxml", "jsonld": "jsonld",
    "json-ld": "jsonld", "json": "jsonld", "trig": "trig", "nquads": "nquads", "n-quads": "nquads", "nq": "nquads",
}
FORMAT_NAMES = sorted(set(_RESULT_ALIASES) | set(_GRAPH_ALIASES))


class UnknownFormat(ValueError):
    """A ``format=`` value that names no serialization at all (400, unlike an unsuitable one: 406)."""


@dataclass(frozen=True, slots=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """How precisely this range matches ``media_type``: 3 exact, 2 ``type/*``, 1 ``*/*``, 0 not at all."""
        t, _, s = media_type.partition("/")
        if self.type == "*":
            return 1
        if self.type != t:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == s else 0


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed entries are ignored."""
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype, _, subtype = fields[0].lower().partition("/")
        if not mtype or not subtype or (mtype == "*" and subtype != "*"):
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(mtype, subtype, q))
    return ranges


# (Accept, id of the offers) -> (the offers, the choice); holding the offers keeps their id from being reused
_CHOSEN: dict[tuple[str, int], tuple[tuple[Format, ...], Format | None]] = {}
_CHOSEN_MAX = 512  # clients send few distinct Accept headers; a flood of odd ones just stops the memo


def choose(accept: str | None, offers: tuple[Format, ...]) -> Format | None:
    """The offer the client prefers most (server order breaks ties); None when it accepts none (406)."""
    if not accept or not accept.strip():
        return offers[0]
    key = (accept, id(offers))
    known = _CHOSEN.get(key)
    if known is not None and known[0] is offers:
        return known[1]
    best = _choose(accept, offers)
    if len(_CHOSEN) < _CHOSEN_MAX:
        _CHOSEN[key] = (offers, best)
    return best


def _choose(accept: str, offers: tuple[Format, ...]) -> Format | None:
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0]
    best, best_q = None, 0.0
    for offer in offers:
        q, spec = 0.0, 0
        for r in ranges:
            s = r.specificity(offer.media_type)
            if s > spec:
                q, spec = r.q, s
        if q > best_q:
            best, best_q = offer, q
    return best


def negotiate(accept: str | None, format_param: str | list[str] | None, graph: bool) -> Format | None:
    """The format for a result (``graph``: CONSTRUCT/DESCRIBE, else SELECT/ASK); ``format=`` wins over Accept.

    ``format_param``: the values of ``format=`` (and of ``output=`` and
    ``results=``, which some clients send too), each a name (``json``,
    ``turtle``, ``n3``...) or media types (``application/ld+json,
    application/x-json+ld``). The first value that names a format this kind
    of result has wins; when none does (SPARQLWrapper sends its return format
    whatever the query, ``format=json-ld`` for a SELECT), Accept decides.
    Raises :class:`UnknownFormat` for a value that is no format at all, when
    no other value can be used.
    """
    offers = GRAPH_FORMATS if graph else RESULT_FORMATS
    values = [format_param] if isinstance(format_param, str) else list(format_param or ())
    unknown = None
    for value in values:
        value = value.strip().lower()
        if not value:
            continue
        if "/" in value:  # media types, as in Accept
            ranges = parse_accept(value)
            if not any(r.specificity(f.media_type) for r in ranges for f in RESULT_FORMATS + GRAPH_FORMATS):
                unknown = unknown or value
                continue
            fmt = _choose(value, offers)
        else:
            if value not in _RESULT_ALIASES and value not in _GRAPH_ALIASES:
                unknown = unknown or value
                continue
            name = (_GRAPH_ALIASES if graph else _RESULT_ALIASES).get(value)
            fmt = next((f for f in offers if f.name == name), None)
        if fmt is not None:
            return fmt
    if unknown is not None:
        raise UnknownFormat(unknown)
    return choose(accept, offers)
