"""What flows between a reader, a mapper and the load pipeline.

A reader turns one source file into :class:`SourceRecord` objects and raises
:class:`InputError` when the file as a whole cannot be read. A mapper turns one
record into triples and raises :class:`RecordError` (the record goes to the
rejection report) or :class:`Skipped` (the record is outside the requested
region).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


class PatrimoineError(Exception):
    """Base of every error this project raises on purpose; its text is for the user, on one line."""

    def __str__(self) -> str:  # a parser's message may hold line breaks (lxml's): never on the user's screen
        return " ".join(super().__str__().split())


class InputError(PatrimoineError):
    """A whole input cannot be loaded (unreadable, truncated, wrong format or encoding)."""


class RecordError(PatrimoineError):
    """One record cannot be mapped; the load goes on and the record is reported."""


class Skipped(PatrimoineError):
    """One record is left out on purpose (region filter); counted, not rejected."""


@dataclass(slots=True)
class SourceRecord:
    """One record as read from a source file.

    ``index`` is the 1-based position of the record in its file, ``line`` the
    1-based line where it starts (None when the format has no lines), and
    ``source_id`` the identifier the institution gave it, when known.
    ``fields`` maps a field code (POP: ``REF``, ``TICO``...) to its values, each
    multi-valued field already split. ``data`` carries a format-specific
    payload (an XML element, a pymarc record...) for non-tabular formats.
    ``error`` is set by a reader that could read the record's position but not
    its content (a CSV row with the wrong number of columns...): the pipeline
    rejects such a record without calling the mapper. ``notes`` say what a
    reader or the pipeline dropped from a record that is loaded all the same (an
    unsafe link...): they go to the rejection report, the record to the graph.
    ``digest`` is a digest of the record's content as read (not of its position),
    given by readers that can compute one cheaply: a reload skips mapping a
    record whose digest did not change (patrimoine/recordindex.py).
    """

    index: int
    line: int | None = None
    source_id: str | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    data: Any = None
    error: str | None = None
    kind: str | None = None
    notes: list[str] = field(default_factory=list)
    digest: str | None = None

    def first(self, code: str) -> str | None:
        values = self.fields.get(code)
        return values[0] if values else None

    def all(self, code: str) -> list[str]:
        return self.fields.get(code, [])


def content_digest(*parts: object) -> str:
    """A digest of a record's content as read (its values, in order): what tells a reload it changed."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
