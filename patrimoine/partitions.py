"""Mapping one file's records in several processes (``patrimoine load --jobs N``), with the same result.

The file is cut into parts of whole batches (:data:`patrimoine.pipeline.BATCH_RECORDS` records, counted
from its first record); each part is read, compared with the record index and mapped by a process of
its own, which reads the records before its part for their identifiers only (a duplicate identifier is
found whichever part holds the first one). The parts' outputs are then joined in the file's order:
triples, shared entities, record index, rejection and unread reports, record locations, counts. Records
mint their IRIs from their own identifiers and every batch is the batch a single process makes, so the
graph, the index and the reports are those of a single run (tests/test_partitions.py compares them).

Processes are started afresh (``spawn``), not forked: the parent holds a store whose threads a fork
would not carry over.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

from graph.provenance import Counts
from graph.store import KnowledgeGraph

if TYPE_CHECKING:
    from loaders import Loader

    from .pipeline import LoadOptions, _Load


@dataclass
class _Part:
    """What a process needs to map one part of a file (sent to it: plain values only)."""

    name: str
    base: str
    file: Path
    loader: str
    options: "LoadOptions"
    mapping: str
    index_path: Path | None  # the record index of the last load, when the load compares with it
    batch: int
    first: int
    end: int
    seen: set[str]
    out: Path


@dataclass
class _PartResult:
    counts: Counts
    unread_counts: tuple[int, int, int]
    where: list[str]
    seen: set[str]
    unchanged: set[str]
    same: set[str]
    gone: list[str]
    changed: int
    untracked: int
    files: dict[str, Path] = field(default_factory=dict)


def read_in_parts(load: "_Load", file: Path, loader: "Loader", where: list[str], seen: set[str]) -> None:
    """:meth:`_Load._read_file` of ``file`` with ``load.options.jobs`` processes (one when the file
    holds a batch or less)."""
    from . import pipeline

    options = load.options
    total = sum(1 for _ in loader.records(file, options.encoding))  # a first reading, to cut the file
    batches = -(-total // pipeline.BATCH_RECORDS)
    per_part = -(-batches // options.jobs) * pipeline.BATCH_RECORDS
    bounds = [(first, min(first + per_part, total + 1)) for first in range(1, total + 1, per_part)]
    if len(bounds) < 2:
        load._read_file(file, loader, where, seen)
        return
    work = Path(tempfile.mkdtemp(prefix=f".parts-{load.name}-", dir=load.paths["nt"].parent))
    child = dataclasses.replace(options, jobs=1, progress=False, rejects=None, origins={})
    parts = [_Part(load.name, load.kg.minter.base, file, loader.name, child, load.mapping,
                   load.index_path if load.previous is not None else None, pipeline.BATCH_RECORDS,
                   first, end, seen, work / str(n)) for n, (first, end) in enumerate(bounds)]
    try:
        with ProcessPoolExecutor(max_workers=min(options.jobs, len(parts)), mp_context=get_context("spawn")) as pool:
            results = [pool.submit(map_part, part) for part in parts]
            with pipeline._progress(file, options.progress) as bar:
                for result in results:
                    _join(load, result.result(), where, seen)
                    load.stream_if_mostly_changed()
                    bar.update(load.prov.counts.records_read - bar.n)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def map_part(part: _Part) -> _PartResult:
    """In a process of its own: read, compare and map one part of a file; its outputs in ``part.out``."""
    from loaders import get_loader

    from . import pipeline
    from .recordindex import RecordIndex

    pipeline.BATCH_RECORDS = part.batch
    part.out.mkdir(parents=True)
    kg = KnowledgeGraph(None, part.base)  # for the IRI minter: this process writes no store
    loader = get_loader(part.loader)
    report = pipeline.RejectionReport(part.out / "rejects.jsonl", part.name, part.options.lang)
    unread = pipeline.RejectionReport(part.out / "unread.jsonl", part.name, part.options.lang)
    run = pipeline._Load(kg, part.name, [part.file], [loader], part.options, report, unread, tmp=part.out)
    run.mapping = part.mapping
    run.previous = RecordIndex.read(part.index_path, part.mapping, part.base) if part.index_path else None
    where: list[str] = []
    try:
        run._read_file(part.file, loader, where, part.seen, (part.first, part.end))
    finally:
        for f in (*run.files_out.values(), run.index_out):
            f.close()
        report.close()
        unread.close()
    files = {kind: run.paths[kind] for kind in ("nt", "same.nt", "shared.nt", "index.jsonl")}
    files.update(rejects=report.path, unread=unread.path)
    return _PartResult(run.prov.counts, pipeline._unread_counts(run.ctx), where,
                       part.seen, run.unchanged, run.same, run.gone, run.changed, run.index.untracked, files)


def _join(load: "_Load", result: _PartResult, where: list[str], seen: set[str]) -> None:
    """Add one part's outputs to the load's, after those of the parts before it."""
    counts = load.prov.counts
    for f in dataclasses.fields(Counts):
        setattr(counts, f.name, getattr(counts, f.name) + getattr(result.counts, f.name))
    ctx = load.ctx
    ctx.periods_unread += result.unread_counts[0]
    ctx.places_unread += result.unread_counts[1]
    ctx.dimensions_unread += result.unread_counts[2]
    where.extend(result.where)
    seen.update(result.seen)
    load.unchanged |= result.unchanged
    load.same |= result.same
    load.gone.extend(result.gone)
    load.changed += result.changed
    load.index.untracked += result.untracked
    for kind in ("nt", "same.nt", "shared.nt"):
        _copy(result.files[kind], load.files_out[kind])
    with open(result.files["index.jsonl"], encoding="utf-8") as f:
        shutil.copyfileobj(f, load.index_out, 1 << 20)
    load.report.append(result.files["rejects"])
    load.unread.append(result.files["unread"])


def _copy(path: Path, out) -> None:
    with open(path, "rb") as f:
        shutil.copyfileobj(f, out, 1 << 20)
