"""Deterministic IRIs, minted from the sources' own identifiers under a configurable base.

The same record always gets the same IRI, whatever the load order or the host:
IRIs are built from the base IRI and source identifiers only. Terms come back
as N-Triples IRIs (``<...>``), the form the load pipeline writes.

Scheme (``{base}`` defaults to :data:`DEFAULT_BASE_IRI`):

===============================  ==========================================
``{base}pop/{REF}``              a POP record (Mérimée, Palissy, Joconde)
``{base}{source}/{id}``          a record of another source (``sudoc/...``)
``{base}org/{scheme}/{id}``      an institution (``org/museofile/M0017``)
``{base}person/{slug}``          a canonical person, minted by linking (graph/persons.py)
``{record}#person-{slug}``       a person as one record names it (a *mention*; linking clusters them)
``{base}place/commune/{insee}``  a commune, by its current INSEE code
``{base}place/department/{n}``   a department; ``place/region/{n}`` a region
``{base}place/country/{iso}``    a country (ISO 3166-1 alpha-2, lower case)
``{base}place/geonames/{id}``    a place abroad, by its GeoNames id
``{base}place/name/{slug}``      a place known by its label (and context) only
``{base}concept/{scheme}/{slug}`` a term of a vocabulary (denomination...)
``{base}maker-role/{slug}-{hash}`` a maker's name in a role (the query shortcut ``pkg:maker``)
``{base}dataset/{name}``         a dataset; its named graph ``graph/{name}``
``{iri}#{part}``                 a part of a record (title, production...)
===============================  ==========================================
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

from .records import PatrimoineError

DEFAULT_BASE_IRI = "https://w3id.org/patrimoine-kg/"

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DATASET_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


@lru_cache(maxsize=1 << 16)  # the same names and terms come back on record after record
def slug(text: str) -> str:
    """``"Viollet-le-Duc Eugène"`` → ``"viollet-le-duc-eugene"``; stable across runs and hosts."""
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _NON_ALNUM.sub("-", text).strip("-") or "_"


def segment(identifier: str) -> str:
    """One path segment made from a source identifier, percent-encoded, never empty."""
    identifier = identifier.strip()
    if not identifier:
        raise ValueError("empty identifier")
    return quote(identifier, safe="-._~", errors="surrogatepass")  # half a surrogate pair: its UTF-8 bytes


def check_base_iri(base: str) -> str:
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+[/#]$", base):
        raise PatrimoineError(f"base IRI must be an http(s) IRI ending with '/' or '#': {base!r}")
    return base


# Names the graph or the endpoint use for themselves (catalogue graph, whole-graph dump, links graph).
RESERVED_DATASET_NAMES = frozenset({"catalogue", "shared", "all", "links"})


def check_dataset_name(name: str) -> str:
    if not _DATASET_NAME.match(name):
        raise PatrimoineError(
            f"dataset name {name!r} must be lowercase letters, digits, '.', '_' or '-' (at most 100)"
        )
    if name in RESERVED_DATASET_NAMES:
        raise PatrimoineError(f"dataset name {name!r} is reserved; choose another with --dataset")
    return name


def dataset_name_for(path_stem: str) -> str:
    """A dataset name derived from a file name: ``Merimee MH.csv`` → ``merimee-mh``."""
    return slug(path_stem)[:100]


class Minter:
    """Mints every IRI of the graph under one base IRI."""

    __slots__ = ("base", "_pop")

    def __init__(self, base: str = DEFAULT_BASE_IRI) -> None:
        self.base = check_base_iri(base)
        self._pop = f"{self.base}pop/"

    def _term(self, path: str) -> str:
        return f"<{self.base}{path}>"

    def pop(self, ref: str) -> str:
        return f"<{self._pop}{segment(ref)}>"

    def record(self, source: str, *ids: str) -> str:
        return self._term("/".join([source, *(segment(i) for i in ids)]))

    def org(self, scheme: str, identifier: str) -> str:
        return self._term(f"org/{scheme}/{segment(identifier)}")

    def org_by_name(self, name: str) -> str:
        return self._term(f"org/name/{slug(name)}")

    def person(self, name: str) -> str:
        return self._term(f"person/{slug(name)}")

    @staticmethod
    def mention(record: str, name: str, scope: str | None = None) -> str:
        """A person as ``record`` names it: ``<…/pop/PA1#person-viollet-le-duc-eugene>``, and as the
        dataset ``scope`` describes the record: ``<…/pop/PA1#merimee/person-viollet-le-duc-eugene>``.

        Never shared between records: two records naming "Martin Jean" may name
        two people; linking (``patrimoine link``) decides, on evidence.
        """
        return Minter.part(record, f"{scope + '/' if scope else ''}person-{slug(name)[:80].rstrip('-')}")

    def person_by_id(self, scheme: str, identifier: str) -> str:
        return self._term(f"person/{scheme}/{segment(identifier)}")

    def commune(self, insee: str) -> str:
        return self._term(f"place/commune/{segment(insee)}")

    def department(self, code: str) -> str:
        return self._term(f"place/department/{segment(code)}")

    def region(self, code: str) -> str:
        return self._term(f"place/region/{segment(code)}")

    def country(self, alpha2: str) -> str:
        return self._term(f"place/country/{segment(alpha2.lower())}")

    def geonames(self, identifier: str) -> str:
        """A place abroad known to GeoNames, by its GeoNames id."""
        return self._term(f"place/geonames/{segment(identifier)}")

    def place_by_name(self, name: str) -> str:
        return self._term(f"place/name/{slug(name)}")

    def concept(self, scheme: str, label: str) -> str:
        return self._term(f"concept/{scheme}/{slug(label)}")

    def maker_in_role(self, name: str, role: str) -> str:
        """The shared node of a maker's name in a role (``pkg:MakerInRole``): ``name`` is the N-Triples literal
        of the actor's label as written (its language too), ``role`` the role concept's IRI; the digest keeps
        two names that read alike (``Martin Jean``, ``MARTIN Jean``) apart."""
        digest = hashlib.sha1(f"{name} {role}".encode()).hexdigest()[:12]
        text = name[1:name.rindex('"')]
        return self._term(f"maker-role/{slug(text)[:60].rstrip('-')}-{digest}")

    def dataset(self, name: str) -> str:
        return self._term(f"dataset/{check_dataset_name(name)}")

    def graph(self, name: str) -> str:
        return self._term(f"graph/{check_dataset_name(name)}")

    @staticmethod
    def part(term: str, fragment: str) -> str:
        """``<…/pop/PA1>`` + ``production`` → ``<…/pop/PA1#production>``; a part of a part
        extends its fragment: ``<…/pop/PA1#person-x>`` + ``birth`` → ``<…/pop/PA1#person-x-birth>``."""
        return f"{term[:-1]}{'-' if '#' in term else '#'}{fragment}>"

    @staticmethod
    def plain(term: str) -> str:
        """The IRI inside an N-Triples term."""
        return term[1:-1]
