"""POP, the French Ministry of Culture's heritage platform: Mérimée, Palissy, Joconde, Museo.

Reads every shape POP records reach users in (API JSON, open-data CSV with
label or code headers, import files, Joconde tagged text; see readers.py) and
maps them to CIDOC-CRM (mapper.py, profile.json).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from graph.mapping import MappingContext
from graph.records import SourceRecord

from . import readers
from .mapper import map_record


class PopLoader:
    name = "pop"
    description = "POP (Mérimée, Palissy, Joconde, Museo): API JSON, open-data CSV, import files"
    data_provider = "Ministère de la Culture, Plateforme ouverte du patrimoine (POP)"

    def sniff(self, path: Path, head: bytes) -> bool:
        return readers.sniff(head)

    def records(self, path: Path, encoding: str | None) -> Iterator[SourceRecord]:
        return readers.read_pop(path, encoding)

    def map(self, record: SourceRecord, ctx: MappingContext) -> None:
        map_record(record, ctx)


LOADER = PopLoader()
