"""Shared fixtures: the repository's sample files and graphs loaded from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.store import KnowledgeGraph

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def kg() -> KnowledgeGraph:
    """An empty in-memory knowledge graph."""
    return KnowledgeGraph(None)


@pytest.fixture
def disk_kg(tmp_path: Path) -> KnowledgeGraph:
    """An empty knowledge graph on disk."""
    return KnowledgeGraph(tmp_path / "store")
