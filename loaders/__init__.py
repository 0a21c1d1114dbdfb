"""Source formats: one module per format, each exposing a ``LOADER`` (see :class:`Loader`).

A loader reads records from a file and maps each one into CIDOC-CRM with the
shared building blocks of :mod:`graph`; it knows nothing of HTTP or of the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Protocol

from graph.mapping import MappingContext
from graph.records import InputError, SourceRecord

# Format name → module holding its LOADER, in the order auto-detection tries them.
FORMATS: dict[str, str] = {
    "museums": "loaders.museums:LOADER",  # before pop, whose open-data headers would read it as Museo
    "pop": "loaders.pop",
    "oai-pmh": "loaders.oai:LOADER",
    "iiif": "loaders.iiif:LOADER",
    "unimarc": "loaders.marc:UNIMARC",
    "marc21": "loaders.marc:MARC21",
    "ead": "loaders.ead:LOADER",
    "lido": "loaders.lido:LOADER",
    "edm": "loaders.edm:LOADER",
    "francearchives-csv": "loaders.francearchives_csv:LOADER",
}

SNIFF_BYTES = 64 * 1024


class Loader(Protocol):
    name: str
    description: str
    data_provider: str  # who provides the records when a record does not say (EDM dataProvider)

    def sniff(self, path: Path, head: bytes) -> bool: ...

    def records(self, path: Path, encoding: str | None) -> Iterator[SourceRecord]: ...

    def map(self, record: SourceRecord, ctx: MappingContext) -> None: ...


def get_loader(name: str) -> Loader:
    try:
        module = FORMATS[name]
    except KeyError:
        raise InputError(f"unknown format {name!r}; known formats: {', '.join(FORMATS)}") from None
    module, _, attr = module.partition(":")  # "module" or "module:ATTR"
    return getattr(import_module(module), attr or "LOADER")


def detect(path: Path) -> Loader:
    """The loader whose ``sniff`` recognises the file's content."""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
    if not head.strip():
        raise InputError(f"{path}: the file is empty")
    for name in FORMATS:
        loader = get_loader(name)
        if loader.sniff(path, head):
            return loader
    raise InputError(f"{path}: format not recognised; give it with --format ({', '.join(FORMATS)})")
