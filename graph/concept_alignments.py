"""Alignment tables: our vocabulary's terms → published vocabularies (Getty AAT, RiC-O, the ministry's thesauri).

Each table in ``ontology/alignments/*.csv`` has the columns ``scheme,label,match,target,target_label,source``:
the concept our loaders mint for ``label`` in ``scheme`` (``concept/{scheme}/{slug(label)}``: a POP
denomination, a technique, a role, an archival level, an archival subject...) is ``skos:exactMatch`` or
``skos:closeMatch`` the ``target`` concept, named ``target_label`` by its vocabulary; ``source`` names the
data the row was taken from (``ontology/alignments/PROVENANCE.md``). ``patrimoine link`` writes the rows
whose concept is in the graph into the links graph.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .iri import Minter
from .namespaces import RDFS, SKOS
from .ntriples import literal

TABLES = Path(__file__).resolve().parent.parent / "ontology" / "alignments"
MATCHES = {"exactMatch": SKOS.exactMatch, "closeMatch": SKOS.closeMatch, "broadMatch": SKOS.broadMatch,
           "narrowMatch": SKOS.narrowMatch, "relatedMatch": SKOS.relatedMatch}


@dataclass(frozen=True, slots=True)
class Row:
    scheme: str
    label: str
    match: str
    target: str
    target_label: str
    source: str


@cache
def rows(directory: Path = TABLES) -> tuple[Row, ...]:
    """Every row of every table, checked: a known match property and an http(s) target."""
    out: list[Row] = []
    for path in sorted(directory.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            for n, r in enumerate(csv.DictReader(f), 2):
                row = Row(r["scheme"], r["label"], r["match"], r["target"], r["target_label"], r["source"])
                if row.match not in MATCHES or not row.target.startswith(("http://", "https://")):
                    raise ValueError(f"{path.name}, line {n}: {row.match!r} to {row.target!r} is not an alignment")
                out.append(row)
    return tuple(out)


def fingerprint(directory: Path = TABLES) -> bytes:
    """A digest of the tables: what the alignments written depend on besides the graph."""
    h = hashlib.sha256()
    for path in sorted(directory.glob("*.csv")):
        h.update(path.read_bytes())
    return h.digest()


def schemes() -> set[str]:
    return {row.scheme for row in rows()}


def triples(minter: Minter, present: Iterable[str]) -> list[str]:
    """N-Triples lines aligning the concepts of ``present`` (their IRIs, without brackets) that the tables
    name: the match, and the target's label as its vocabulary gives it."""
    present = set(present)
    out: list[str] = []
    labelled: set[str] = set()
    for row in rows():
        concept = minter.concept(row.scheme, row.label)
        if concept[1:-1] not in present:
            continue
        target = f"<{row.target}>"
        out.append(f"{concept} {MATCHES[row.match]} {target} .\n")
        if row.target_label and row.target not in labelled:
            labelled.add(row.target)
            lang = "en" if "vocab.getty.edu" in row.target else "fr"
            out.append(f"{target} {RDFS.label} {literal(row.target_label, lang)} .\n")
    return out
