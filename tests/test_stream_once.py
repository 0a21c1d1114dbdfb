"""A first load streams each quad once: the bulk loader cuts its input in batches of a million quads, each
one more file for RocksDB to merge, and the commit waits for that merge once there are twenty."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

import graph.store
from graph.bulkstream import bulk_stream
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load

from samples import sample_files


class _Tee:
    def __init__(self, out, seen: list[bytes]) -> None:
        self.out, self.seen = out, seen

    def write(self, data: bytes) -> int:
        self.seen.append(bytes(data))
        return self.out.write(data)

    def __getattr__(self, name: str):
        return getattr(self.out, name)


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_a_first_load_streams_no_quad_twice(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    written: list[bytes] = []

    @contextmanager
    def teeing(store, graph, fifo):
        with bulk_stream(store, graph, fifo) as out:
            yield _Tee(out, written)

    monkeypatch.setattr(graph.store, "bulk_stream", teeing)
    kg = KnowledgeGraph(tmp_path / "store")
    try:
        try:
            [report] = load(kg, [path], LoadOptions(region=None, progress=False, dataset="sample"))
        except Exception as e:  # samples that are not loadable on purpose say so in their own tests
            if "not recognised" in str(e) or "no records" in str(e):
                pytest.skip(str(e))
            raise
        lines = b"".join(written).splitlines()
        twice = [line.decode() for line, n in Counter(lines).items() if n > 1]
        assert report.counts.records_loaded == 0 or lines
        assert not twice, f"{len(twice)} quads streamed more than once, first: {twice[:3]}"
    finally:
        kg.close()
