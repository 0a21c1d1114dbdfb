"""Readable names of classes and properties, read once from the bundled vocabularies.

CIDOC-CRM, EDM and our application profile come from ontology/; the few other
terms (RDF, SKOS, Dublin Core, VoID...) from endpoint/publication.json. A term
known nowhere is shown as a prefixed name (``dcat:distribution``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from graph.namespaces import PREFIXES, RDFS

ROOT = Path(__file__).resolve().parent.parent
PUBLICATION = Path(__file__).resolve().parent / "publication.json"
VOCABULARY_FILES = (
    (ROOT / "ontology" / "vocabularies" / "CIDOC_CRM_v7.1.3.rdf", ox.RdfFormat.RDF_XML),
    (ROOT / "ontology" / "vocabularies" / "edm.ttl", ox.RdfFormat.TURTLE),
    (ROOT / "ontology" / "profile.ttl", ox.RdfFormat.TURTLE),
)
# the labels shown in each language of the pages, in order of preference (a label in another language beats none)
LANGUAGES = {"en": ("en", "", "fr"), "fr": ("fr", "", "en")}


@cache
def publication() -> dict:
    """Site settings kept as data: title, licences by source format, extra labels, map frame."""
    return json.loads(PUBLICATION.read_text(encoding="utf-8"))


def prefixed(iri: str) -> str:
    """``http://www.cidoc-crm.org/cidoc-crm/P2_has_type`` → ``crm:P2_has_type``; the IRI if no prefix fits."""
    best = ""
    for prefix, uri in PREFIXES.items():
        if iri.startswith(uri) and len(uri) > len(best):
            best, name = uri, f"{prefix}:{iri[len(uri):]}"
    return name if best else iri


@dataclass(frozen=True, slots=True)
class Term:
    iri: str
    label: str
    prefixed: str


class Vocabulary:
    def __init__(self, labels: dict[str, str]) -> None:
        self._labels = labels

    @classmethod
    @cache
    def default(cls, lang: str = "en") -> "Vocabulary":
        store = ox.Store()
        for path, fmt in VOCABULARY_FILES:
            if path.exists():
                store.bulk_load(path=str(path), format=fmt)
        found: dict[str, dict[str, str]] = {}
        for quad in store.quads_for_pattern(None, ox.NamedNode(RDFS.iri("label")), None, None):
            if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
                found.setdefault(quad.subject.value, {}).setdefault(quad.object.language or "", quad.object.value)
        order = LANGUAGES[lang]
        labels = {iri: next((by_lang[tag] for tag in order if tag in by_lang), next(iter(by_lang.values())))
                  for iri, by_lang in found.items()}
        if lang == "en":  # the site's own labels (publication.json) are English
            labels.update(publication()["labels"])
        return cls(labels)

    def term(self, iri: str) -> Term:
        short = prefixed(iri)
        return Term(iri, self._labels.get(iri, short), short)

    def label(self, iri: str) -> str:
        return self.term(iri).label
