"""The Getty AAT terms the graph classifies with, the Linked Art way (data: graph/data/linked-art.json).

Linked Art classifies names, identifiers, statements, dimensions and digital objects with
agreed AAT terms, and gives some of those terms a "meta-type" (a statement type is itself
classified as "brief text"; a denomination as "type of work"), so that a client can tell a
description from a note or a painting from a style without knowing every term.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "linked-art.json"
AAT = "http://vocab.getty.edu/aat/"


@dataclass(frozen=True, slots=True)
class Term:
    key: str
    iri: str  # N-Triples form
    label_en: str
    label_fr: str
    meta: str | None  # key of the term that classifies this one


@dataclass(frozen=True, slots=True)
class Vocabulary:
    terms: dict[str, Term]
    identifier_kinds: dict[str, str]
    text_kinds: dict[str, str]
    type_of_work_schemes: frozenset[str]
    units: frozenset[str]

    def __getitem__(self, key: str) -> Term:
        return self.terms[key]


@cache
def vocabulary() -> Vocabulary:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    terms = {key: Term(key, f"<{AAT}{aat}>", en, fr, meta) for key, (aat, en, fr, meta) in data["terms"].items()}
    for term in terms.values():
        if term.meta is not None and term.meta not in terms:
            raise ValueError(f"{DATA.name}: meta-type {term.meta!r} of {term.key!r} is not a term")

    def table(name: str) -> dict[str, str]:
        out = {k: v for k, v in data[name].items() if not k.startswith("_")}
        if unknown := sorted(set(out.values()) - set(terms)):
            raise ValueError(f"{DATA.name}: {name} names unknown terms {unknown}")
        return out

    return Vocabulary(terms, table("identifier_kinds"), table("text_kinds"),
                      frozenset(data["type_of_work_schemes"]["schemes"]), frozenset(data["units"]))
