"""Namespaces of the vocabularies the graph uses, and N-Triples term helpers for them.

A :class:`Namespace` returns terms already written as N-Triples IRIs
(``<http://...>``), because the load pipeline writes N-Triples text directly:
building pyoxigraph or rdflib term objects per triple would cost several times
more in the hot loop.
"""

from __future__ import annotations

from functools import lru_cache


class Namespace:
    """A vocabulary namespace; ``ns("P1_is_identified_by")`` or ``ns.label`` gives ``<iri>``."""

    __slots__ = ("uri", "_cache")

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self._cache: dict[str, str] = {}

    def __call__(self, local: str) -> str:
        term = self._cache.get(local)
        if term is None:
            term = self._cache[local] = f"<{self.uri}{local}>"
        return term

    def __getattr__(self, local: str) -> str:
        if local.startswith("__"):
            raise AttributeError(local)
        return self(local)

    def iri(self, local: str) -> str:
        """The plain IRI (without angle brackets)."""
        return self.uri + local


CRM = Namespace("http://www.cidoc-crm.org/cidoc-crm/")
EDM = Namespace("http://www.europeana.eu/schemas/edm/")
ORE = Namespace("http://www.openarchives.org/ore/terms/")
DC = Namespace("http://purl.org/dc/elements/1.1/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
WGS84 = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
# Linked Art's extension terms (digital objects, access points) and CRMdig's D1_Digital_Object.
LA = Namespace("https://linked.art/ns/terms/")
DIG = Namespace("http://www.ics.forth.gr/isl/CRMdig/")
# Our application profile: terms CIDOC-CRM and EDM do not have (ontology/profile.ttl).
PKG = Namespace("https://w3id.org/patrimoine-kg/ontology#")

PREFIXES: dict[str, str] = {
    "crm": CRM.uri,
    "edm": EDM.uri,
    "ore": ORE.uri,
    "dc": DC.uri,
    "dcterms": DCTERMS.uri,
    "rdf": RDF.uri,
    "rdfs": RDFS.uri,
    "owl": OWL.uri,
    "skos": SKOS.uri,
    "xsd": XSD.uri,
    "wgs84_pos": WGS84.uri,
    "geo": GEO.uri,
    "prov": PROV.uri,
    "dcat": DCAT.uri,
    "void": VOID.uri,
    "foaf": FOAF.uri,
    "la": LA.uri,
    "aat": "http://vocab.getty.edu/aat/",
    "dig": DIG.uri,
    "pkg": PKG.uri,
}


@lru_cache(maxsize=1)
def sparql_prefixes() -> str:
    """The PREFIX lines for every namespace above, for queries written in code or shown to users."""
    return "".join(f"PREFIX {p}: <{u}>\n" for p, u in PREFIXES.items())
