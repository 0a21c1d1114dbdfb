"""One validation run on a store, from the shapes to the report (the CLI and the server share it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..records import PatrimoineError
from ..store import KnowledgeGraph
from .engine import validate
from .europeana import readiness
from .report import Report
from .shapes import read_shapes

# The project's shapes, beside the packages (shapes/ at the root of the repository).
DEFAULT_SHAPES = Path(__file__).resolve().parents[2] / "shapes"


def quality_report(kg: KnowledgeGraph, shapes: Path | None = None, dataset: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Report:
    """Validate the store (or one dataset) with the shapes of ``shapes`` and describe the results."""
    if dataset is not None and dataset not in {d.name for d in kg.datasets()}:
        raise PatrimoineError(f"no dataset named {dataset!r} (see `patrimoine datasets`)")
    validation = validate(kg, read_shapes([shapes or DEFAULT_SHAPES]), dataset, progress)
    return Report.build(validation, kg, readiness(kg, dataset))
