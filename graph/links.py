"""IRIs from source data become links (pages, images, web resources, authority records): safe schemes only.

A provider's ``edm:isShownAt <javascript:alert(1)>`` would be a link on the
record's page; a ``data:`` or ``file:`` IRI is no better. Two rules, applied to
every IRI a loader writes:

* no IRI anywhere may have a scheme that runs or reads something
  (:data:`DENIED_SCHEMES`: ``javascript:``, ``data:``, ``file:``...) or no
  scheme at all (a relative IRI, which N-Triples does not allow either); IRIs
  of other schemes are kept, because providers name entities with them
  (Europeana's ``iid:4387/SP.1``, ``urn:``, ``ark:``...);
* the object of a property whose value is a link to follow (a page, an image, a
  web resource, a service: :data:`WEB_LINKS`) must be a web IRI (``http``,
  ``https``); the object of an equivalence to an authority record
  (``owl:sameAs``, ``skos:exactMatch``...) a web IRI or an identifier that
  names rather than runs (:data:`ENTITY_SCHEMES`).

What breaks a rule is dropped, the value and never the record (but a record
whose own IRI is unsafe). :func:`is_safe` and :func:`is_web_link` are for
loaders that check a value before using it; :func:`drop_unsafe` is the net the
load pipeline casts over every record's N-Triples, whatever the loader.
"""

from __future__ import annotations

import re

from .namespaces import EDM, FOAF, LA, OWL, RDFS, SKOS

WEB_SCHEMES = ("http", "https")
ENTITY_SCHEMES = ("urn", "info", "tag", "ark", "doi")
DENIED_SCHEMES = ("javascript", "vbscript", "livescript", "data", "file", "blob", "filesystem", "about", "jar",
                  "view-source", "chrome", "resource", "ms-appx", "res")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_WEB = re.compile(r"https?://", re.I)
# Where an IRI is a link to follow: pages, images, web resources, services.
WEB_LINKS = frozenset({
    FOAF.page, FOAF.homepage, FOAF.depiction, LA.access_point, EDM.isShownAt, EDM.isShownBy, EDM.object,
    EDM.hasView, EDM.preview, EDM.landingPage, RDFS.seeAlso, "<http://rdfs.org/sioc/services#has_service>",
    "<https://schema.org/url>", "<http://schema.org/url>",
})
# Where an IRI names the same thing in an authority: a web IRI or an identifier.
EQUIVALENCES = frozenset({OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch,
                          SKOS.relatedMatch})
# A line that may break a rule: an IRI term that is not http(s) (literals may hold "<" too: checked closely).
_SUSPECT = re.compile(r"<(?!https?://)", re.I)


def is_safe(iri: str) -> bool:
    """True when ``iri`` (plain, no angle brackets) is absolute and of no denied scheme."""
    m = _SCHEME.match(iri)
    return m is not None and m[1].lower() not in DENIED_SCHEMES


def is_web_link(iri: str) -> bool:
    """True for an ``http``/``https`` IRI: what a page, image or web resource link must be."""
    return _WEB.match(iri) is not None


def is_entity_link(iri: str) -> bool:
    """True for a web IRI or an identifier that names an entity (``urn:``, ``ark:``, ``doi:``...)."""
    m = _SCHEME.match(iri)
    return m is not None and m[1].lower() in WEB_SCHEMES + ENTITY_SCHEMES


def drop_unsafe(lines: list[str]) -> tuple[list[str], list[str]]:
    """``lines`` (N-Triples) without those that break a rule of the module, and the IRIs that broke
    one (in order, once each)."""
    text = "".join(lines)
    if text.count("<") == text.count("<http://") + text.count("<https://") or not _SUSPECT.search(text):
        return lines, []  # the usual case: every IRI a web one, told by counting (faster than the regex)
    kept: list[str] = []
    found: dict[str, None] = {}
    for line in lines:
        bad = _breaks(line)
        if bad is None:
            kept.append(line)
        else:
            found[bad] = None
    return kept, list(found)


def _breaks(line: str) -> str | None:
    """The IRI of an N-Triples line that breaks a rule, if one does (our writers put one space
    between terms; IRIs hold no space)."""
    subject, _, rest = line.partition(" ")
    predicate, _, obj = rest.partition(" ")
    for term in (subject, predicate):
        if term.startswith("<") and not is_safe(term[1:-1]):
            return term[1:-1]
    if not obj.startswith("<"):
        return None
    value = obj[1:obj.index(">")]
    if not is_safe(value):
        return value
    if predicate in WEB_LINKS and not is_web_link(value):
        return value
    if predicate in EQUIVALENCES and not is_entity_link(value):
        return value
    return None
