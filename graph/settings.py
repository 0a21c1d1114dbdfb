"""Settings read by the CLI and the server, each with its default, environment variable and help."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .iri import DEFAULT_BASE_IRI


def _setting(default: object, env: str, help: str):
    return field(default=default, metadata={"env": env, "help": help})


@dataclass
class Settings:
    store: Path = _setting(Path("var/store"), "PATRIMOINE_STORE",
                           "directory of the on-disk Oxigraph store")
    base_iri: str = _setting(DEFAULT_BASE_IRI, "PATRIMOINE_BASE_IRI",
                             "base of every IRI the graph mints (changing it needs a reload)")
    region: str = _setting("32", "PATRIMOINE_REGION",
                           "INSEE region kept by `load` (32 = Hauts-de-France; 'all' keeps every record)")
    provider: str = _setting("Région Hauts-de-France", "PATRIMOINE_PROVIDER",
                             "the organisation that aggregates the records for Europeana (edm:provider of the "
                             "EDM view; changing it needs a reload)")

    @classmethod
    def from_env(cls) -> "Settings":
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f.metadata["env"])
            if raw:
                values[f.name] = Path(raw) if f.type in (Path, "Path") else raw
        return cls(**values)

    @classmethod
    def describe(cls) -> list[tuple[str, str, object, str]]:
        """(name, environment variable, default, help) of every setting, for docs and --help."""
        return [(f.name, f.metadata["env"], f.default, f.metadata["help"]) for f in fields(cls)]
