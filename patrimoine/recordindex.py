"""The record index of a dataset: what became of each record at its last load, so that a reload maps
and writes only the records that changed.

One JSON Lines file per dataset, kept with the store's generation (``records/NAME.jsonl``, published
with the data it describes): a header, then one line per record that has a source identifier::

    {"index": 1, "mapping": "<digest>", "untracked": 0}
    {"k": "PA00116046", "d": "<digest of the record as read>", "s": "loaded", "e": ["pop/PA00116046"], ...}

``mapping`` is a digest of everything the mapping of a record depends on besides the record: the
software version, the alignment rules, the reference data and profiles, the base IRI, the dataset,
the region filter and the formats. An index written under another mapping is not used (every record
is mapped again). ``untracked`` counts loaded records without a source identifier, which the index
cannot follow: with any, a reload rewrites the whole dataset.

Per record: ``d`` the digest its reader gives (the record as read; None when the reader gives none),
``o`` the digest of its N-Triples (when ``d`` is None), ``s`` its status (loaded, rejected, skipped),
``r`` the reason it was not loaded, ``e`` its main nodes (IRIs, the base left out), ``u`` how many
period, place and measurement expressions it left unread and ``v`` which, ``n`` the notes about values
dropped from it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

from graph import __version__

INDEX_VERSION = 1
ROOT = Path(__file__).resolve().parent.parent
# What a mapping reads besides the record: reference data, profiles, alignment rules.
REFERENCE_DATA = ("graph/data", "loaders", "ontology/edm")


@dataclass(frozen=True, slots=True)
class Unread:
    """What a record left unread: how many period, place and measurement expressions, and which values."""

    counts: tuple[int, int, int] = (0, 0, 0)
    values: tuple[tuple[str, str], ...] = ()  # (kind, value) as listed in DATASET.unread.jsonl


@dataclass(frozen=True, slots=True)
class Entry:
    """What became of one record at a load."""

    digest: str | None
    output: str | None
    status: str
    reason: str | None = None
    entities: tuple[str, ...] = ()
    unread: Unread = Unread()
    notes: tuple[str, ...] = ()

    def as_json(self, key: str, base: str) -> str:
        doc: dict[str, object] = {"k": key, "s": self.status}
        if self.digest is not None:
            doc["d"] = self.digest
        if self.output is not None:
            doc["o"] = self.output
        if self.reason is not None:
            doc["r"] = self.reason
        if self.entities:
            doc["e"] = [_short(t, base) for t in self.entities]
        if any(self.unread.counts):
            doc["u"] = list(self.unread.counts)
        if self.unread.values:
            doc["v"] = [list(v) for v in self.unread.values]
        if self.notes:
            doc["n"] = list(self.notes)
        return json.dumps(doc, ensure_ascii=False) + "\n"


def _short(term: str, base: str) -> str:
    return term[1 + len(base):-1] if term.startswith(f"<{base}") else term


def _term(short: str, base: str) -> str:
    return short if short.startswith("<") else f"<{base}{short}>"


@cache
def reference_fingerprint() -> str:
    """A digest of the reference data, profiles and rules the mappings read."""
    h = hashlib.sha256()
    for folder in REFERENCE_DATA:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".json", ".rq", ".tsv", ".csv") and path.is_file():
                h.update(path.relative_to(ROOT).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def mapping_key(*parts: str) -> str:
    """The digest of what a record's mapping depends on: the software, the reference data and ``parts``."""
    h = hashlib.sha256(f"{__version__}\n{reference_fingerprint()}\n".encode())
    for part in parts:
        h.update(f"{part}\n".encode())
    return h.hexdigest()


class RecordIndex:
    """The index of a dataset's last load, read for lookups."""

    def __init__(self, entries: dict[str, Entry], untracked: int = 0) -> None:
        self.entries = entries
        self.untracked = untracked

    @classmethod
    def read(cls, path: Path | None, mapping: str, base: str) -> RecordIndex | None:
        """The index at ``path`` if it exists and was written under ``mapping``; else None."""
        if _header(path, mapping) is None:
            return None
        with open(path, encoding="utf-8") as f:
            header = json.loads(f.readline())
            entries = {}
            for line in f:
                doc = json.loads(line)
                entries[doc["k"]] = Entry(
                    doc.get("d"), doc.get("o"), doc["s"], doc.get("r"),
                    tuple(_term(t, base) for t in doc.get("e", ())),
                    Unread(tuple(doc.get("u", (0, 0, 0))), tuple(tuple(v) for v in doc.get("v", ()))),
                    tuple(doc.get("n", ())))
        return cls(entries, int(header.get("untracked", 0)))

    @staticmethod
    def follows(path: Path | None, mapping: str) -> bool:
        """Whether a reload can compare its records with the index at ``path`` (its header only): written
        under ``mapping``, following every record."""
        header = _header(path, mapping)
        return header is not None and not int(header.get("untracked", 0))

    def get(self, key: str | None) -> Entry | None:
        return self.entries.get(key) if key is not None else None

    @functools.cached_property
    def loaded_count(self) -> int:
        """How many of its records were loaded."""
        return sum(1 for e in self.entries.values() if e.status == "loaded")


def _header(path: Path | None, mapping: str) -> dict | None:
    """The header of the index at ``path`` if it exists and was written under ``mapping``."""
    if path is None or not path.is_file():
        return None
    with open(path, encoding="utf-8") as f:
        try:
            header = json.loads(f.readline() or "{}")
        except ValueError:
            return None
    return header if header.get("index") == INDEX_VERSION and header.get("mapping") == mapping else None


class IndexWriter:
    """Writes a dataset's new index as its records are read."""

    def __init__(self, out: IO[str], mapping: str, base: str) -> None:
        self.out, self.mapping, self.base = out, mapping, base
        self.untracked = 0

    def add(self, key: str | None, entry: Entry) -> None:
        if key is None:
            if entry.status == "loaded":
                self.untracked += 1
            return
        self.out.write(entry.as_json(key, self.base))

    def header(self) -> str:
        return json.dumps({"index": INDEX_VERSION, "mapping": self.mapping, "untracked": self.untracked}) + "\n"


def write_index(target: Path, header: str, body: Path) -> None:
    """The index file at ``target``: ``header`` then the entries written to ``body``."""
    tmp = target.with_name(f".{target.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as out, open(body, encoding="utf-8") as entries:
        out.write(header)
        while chunk := entries.read(1 << 20):
            out.write(chunk)
    tmp.replace(target)


def digest_of(parts: Iterable[str]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode())
    return h.hexdigest()
