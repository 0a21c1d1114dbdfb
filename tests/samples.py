"""Every bundled sample loaded once per test session, each file its own dataset, every region kept."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load

from conftest import SAMPLES


def sample_files() -> list[Path]:
    """Every loadable sample (not the POP field dictionaries, nor the invalid or error fixtures)."""
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix in (".csv", ".json", ".txt", ".xml", ".iso2709")
                  and "pop-schema" not in p.parts and "invalid" not in p.parts and "errors" not in p.parts)


def dataset_name(n: int, path: Path) -> str:
    return f"s{n}-{path.stem.lower()[:40]}".replace("_", "-")


@cache
def all_samples() -> tuple[KnowledgeGraph, int]:
    """An in-memory graph of every sample (``--region all``) and the number of records loaded.

    Shared by the tests that only read it: do not write to it.
    """
    kg = KnowledgeGraph(None)
    loaded = 0
    for n, path in enumerate(sample_files()):
        try:
            loaded += sum(r.counts.records_loaded for r in load(kg, [path], LoadOptions(
                region=None, progress=False, dataset=dataset_name(n, path))))
        except Exception as e:  # samples that are not loadable on purpose say so in their own tests
            if "not recognised" not in str(e) and "no records" not in str(e):
                raise
    return kg, loaded
