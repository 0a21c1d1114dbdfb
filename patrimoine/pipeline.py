"""The load pipeline: read → map to CIDOC-CRM → derive EDM → write a dataset, nothing lost.

Records stream through in batches; each batch's triples are written as
N-Triples text to a temporary file inside the store, so a whole-input failure
(unreadable or truncated file, wrong encoding) happens before the store is
touched. Then one unit of writes (:meth:`graph.store.KnowledgeGraph.writing`)
makes the dataset, its shared entities, its catalogue record and its record
index visible together. Every record that is not loaded goes to the rejection
report with its file, line, record number, source id and reason.

Reloads cost in proportion to what changed. The record index of the last load
(:mod:`patrimoine.recordindex`) says, for each source identifier, the digest of
the record as read and what became of it. A record read again unchanged is not
mapped: its outcome is taken from the index (counted, reported again if it was
not loaded). A changed, new or removed record is *changed*. Then:

* nothing changed: only the catalogue record is renewed;
* few records changed (at most :data:`REWRITE_SHARE` of them): the triples of
  the changed and removed records are deleted (the record and its parts) and
  the new ones added;
* many changed, or no index usable (first load, new software or reference
  data, other options): the dataset is written anew at bulk speed. A first
  load streams its triples into the bulk loader as they are mapped; a reload
  does so from the moment more than :data:`REWRITE_SHARE` of the records read
  changed (what was mapped before goes first), the records read unchanged
  before then being mapped at the end (a second reading of the files).

Several datasets written anew from the start (no usable index) that are most of the store together
are emptied by one rebuild of the store and published together (:func:`load`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from graph.alignment import Alignment, context as rules_context
from graph import declarations
from graph.crm import Builder
from graph.generations import writing_error
from graph.iri import check_dataset_name, dataset_name_for
from graph.links import drop_unsafe
from graph.mapping import MappingContext
from graph.ntriples import copy_into_graph
from graph.provenance import Counts, Origin, Provenance, record_location, sha256_of
from graph.records import InputError, RecordError, Skipped, SourceRecord
from graph.settings import Settings
from graph.store import KnowledgeGraph

from . import loadtext
from .recordindex import Entry, IndexWriter, RecordIndex, Unread, digest_of, mapping_key, write_index

if TYPE_CHECKING:
    from graph.statistics import Counts as StatisticsCounts
    from loaders import Loader

    from .loadcheck import LoadCheck

BATCH_RECORDS = 2000
# A reload deletes and adds the triples of the records that changed, up to this share of the records;
# beyond it, writing the whole dataset at bulk speed costs less than deleting that many triples one by one.
REWRITE_SHARE = 0.25


def default_provider() -> str:
    """The organisation named as ``edm:provider`` unless a load says otherwise (``PATRIMOINE_PROVIDER``)."""
    return Settings.from_env().provider


@dataclass
class LoadOptions:
    format: str | None = None
    dataset: str | None = None
    region: str | None = "32"  # None: no filter
    encoding: str | None = None
    rejects: Path | None = None
    progress: bool = True
    origins: dict[str, Origin] = field(default_factory=dict)  # file name → URL it was fetched from (catalogue)
    validate: bool = False  # check the loaded records against the shapes (patrimoine/loadcheck.py)
    quarantine: bool = False  # and keep those with violations out of the public graph
    shapes: Path | None = None  # default: the project's shapes/
    lang: str = "en"  # of the rejection report's messages
    provider: str = field(default_factory=default_provider)  # edm:provider of the EDM view
    jobs: int = 1  # processes mapping the records of a file, each a part of it (patrimoine/partitions.py)


@dataclass
class LoadReport:
    dataset: str
    format: str
    counts: Counts
    triples: int
    seconds: float
    rejects_path: Path | None
    rejections: list[dict] = field(default_factory=list)  # the first ones, for display and tests
    check: "LoadCheck | None" = None  # with --validate
    unread: list[dict] = field(default_factory=list)  # the first values kept as text, with their record
    unread_path: Path | None = None
    write: str = "new"  # how the store was written: new (whole dataset), changes, unchanged
    changed: int = 0  # records changed, new or removed since the last load
    compared: bool = False  # whether the records were compared with the last load's (its record index)

    @property
    def records_per_second(self) -> float:
        return self.counts.records_read / self.seconds if self.seconds else 0.0


class RejectionReport:
    """The JSON Lines report of records not loaded; keeps the first entries in memory too."""

    KEEP = 1000
    lang = "en"

    def __init__(self, path: Path | None, dataset: str, lang: str = "en") -> None:
        self.path = path
        self.dataset = dataset
        self.lang = lang
        self.kept: list[dict] = []
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "w", encoding="utf-8")

    def add(self, status: str, file: Path, record: SourceRecord, reason: str, message: str | None = None) -> None:
        """One entry; ``reason`` in English (stable, for programs), ``message`` in the report's language
        (default: the reason translated)."""
        colon = " : " if self.lang == "fr" else ": "
        entry = {
            "dataset": self.dataset, "status": status, "file": file.name, "line": record.line,
            "record": record.index, "source_id": record.source_id, "reason": reason,
            "message": loadtext.status(status, self.lang) + colon + (message or loadtext.reason(reason, self.lang)),
        }
        if self._file is not None:
            self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        if len(self.kept) < self.KEEP:
            self.kept.append(entry)

    def append(self, path: Path) -> None:
        """Add the entries another report wrote to ``path`` (a part of the same load)."""
        with open(path, encoding="utf-8") as f:
            for line in f:
                if self._file is not None:
                    self._file.write(line)
                if len(self.kept) < self.KEEP:
                    self.kept.append(json.loads(line))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def plan(paths: Sequence[Path], options: LoadOptions) -> list[tuple[str, list[Path]]]:
    """Which files go into which dataset: all into ``--dataset``, else one dataset per file."""
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file")
        if p.is_dir():
            raise InputError(f"{p}: is a directory, not a file")
    if options.dataset:
        return [(check_dataset_name(options.dataset), list(paths))]
    groups: dict[str, list[Path]] = {}
    for p in paths:
        groups.setdefault(dataset_name_for(p.stem), []).append(p)
    return list(groups.items())


def load(kg: KnowledgeGraph, paths: Sequence[Path], options: LoadOptions) -> list[LoadReport]:
    """Load each dataset of :func:`plan` in turn, each published when it is written; when those written
    anew (every record mapped again: new software or reference data) are most of the store, the store
    is rebuilt once without them and the datasets are published together."""
    from loaders import detect, get_loader

    datasets = plan(paths, options)
    anew = [name for name, files in datasets
            if not _compares(kg, name, [get_loader(options.format) if options.format else detect(f) for f in files],
                             options)] if len(datasets) > 1 else []
    if len(anew) < 2 or not kg.rewrites_most(anew):
        return [load_dataset(kg, name, files, options) for name, files in datasets]
    if options.progress and sys.stderr.isatty():
        print(f"{', '.join(anew)}: every record is mapped again; the store is first rebuilt without them",
              file=sys.stderr)
    with kg.writing():
        kg.clear_datasets(anew)
        return [load_dataset(kg, name, files, options) for name, files in datasets]


def load_dataset(kg: KnowledgeGraph, name: str, files: Sequence[Path], options: LoadOptions) -> LoadReport:
    from loaders import detect, get_loader

    started = time.perf_counter()
    loaders = [get_loader(options.format) if options.format else detect(f) for f in files]
    rejects_path = options.rejects
    if rejects_path is None and kg.rejects_dir() is not None:
        rejects_path = kg.rejects_dir() / f"{name}.jsonl"
    report = RejectionReport(rejects_path, name, options.lang)
    # values kept as text (periods, places), with their record's file and line: next to the rejects
    unread = RejectionReport(rejects_path.with_name(rejects_path.stem + ".unread.jsonl") if rejects_path else None,
                             name, options.lang)
    run = _Load(kg, name, files, loaders, options, report, unread)
    check = None
    try:
        if options.validate:
            run.read()
            check = run.check()
            with kg.writing():
                triples = run.write()
        else:
            with kg.writing():  # a reading that fails half-way leaves the store as it was
                run.read()
                triples = run.write()
    except OSError as e:  # the temporary files: the disk is full...
        raise writing_error(kg.path or kg.tmp_dir(), e) from e
    finally:
        report.close()
        unread.close()
        run.cleanup()
    return LoadReport(name, run.prov.format, run.prov.counts, triples, time.perf_counter() - started,
                      rejects_path, report.kept, check, unread.kept, unread.path, run.mode, run.changed, run.compared)


class _Load:
    """One dataset's load: what was read, what changed, and how the store is written."""

    def __init__(self, kg: KnowledgeGraph, name: str, files: Sequence[Path], loaders: list["Loader"],
                 options: LoadOptions, report: RejectionReport, unread: RejectionReport,
                 tmp: Path | None = None) -> None:
        self.kg, self.name, self.files, self.loaders, self.options, self.report, self.unread = (
            kg, name, list(files), loaders, options, report, unread)
        self.prov = Provenance(name=name, format=",".join(sorted({ld.name for ld in loaders})),
                               region=options.region or "all", origins=options.origins)
        self.ctx = MappingContext(kg.minter, name, options.region)
        self.alignment = Alignment()
        self.mapping = _mapping(kg, name, loaders, options, self.alignment)
        self.index_path = _index_path(kg, name)
        self.previous = (RecordIndex.read(self.index_path, self.mapping, kg.minter.base)
                         if _follows(self.index_path, self.mapping, options) else None)
        self.compared = self.previous is not None
        tmp = tmp or kg.tmp_dir()
        tmp.mkdir(parents=True, exist_ok=True)
        stem = f"{name}-{os.getpid()}-{time.monotonic_ns()}"
        self.paths = {kind: tmp / f"{stem}.{kind}"
                      for kind in ("nt", "same.nt", "shared.nt", "index.jsonl", "quarantine.nt")}
        # No index to compare with (a first load...): the dataset's triples go to the store as they are
        # mapped (graph/bulkstream.py) rather than to a file loaded after the reading
        self.streaming = self.previous is None and not options.validate and kg.streams
        self.files_out: dict[str, IO] = {kind: open(path, "wb") for kind, path in self.paths.items()
                                         if kind not in ("index.jsonl", "quarantine.nt")
                                         and not (kind == "nt" and self.streaming)}
        self.quarantined = False
        self.index_out = open(self.paths["index.jsonl"], "w", encoding="utf-8")
        self.index = IndexWriter(self.index_out, self.mapping, kg.minter.base)
        self.unchanged: set[str] = set()  # keys of the records read unchanged and not mapped
        self.same: set[str] = set()  # keys of the records mapped to the same triples as last time
        self.gone: list[str] = []  # main nodes of the records whose triples go
        self.changed = 0
        self.mode = "new"
        self._stack: ExitStack | None = None  # holds the bulk load of a streamed dataset while it is read
        self._behind: _Behind | None = None  # derives and writes the batch before while one is mapped

    # -- reading -------------------------------------------------------------
    def read(self) -> None:
        """Read, compare and map every record. Streamed (a first load, or once most records turn out
        changed), their triples go to the store as they come, inside the caller's unit of writes."""
        with ExitStack() as self._stack:
            if self.streaming:
                self._stream_from_here()
            seen: set[str] = set()
            for file, loader in zip(self.files, self.loaders):
                self.prov.sources.append((file.name, sha256_of(file)))
                where: list[str] = []
                if self.options.jobs > 1:
                    from .partitions import read_in_parts

                    read_in_parts(self, file, loader, where, seen)
                else:
                    self._read_file(file, loader, where, seen)
                self.prov.record_lines.append("\n".join(where))
            counts = self.prov.counts
            counts.periods_unread += self.ctx.periods_unread
            counts.places_unread += self.ctx.places_unread
            counts.dimensions_unread += self.ctx.dimensions_unread
            if self.previous is not None:
                for key, entry in self.previous.entries.items():
                    if key not in seen:
                        self.changed += 1
                        if entry.status == "loaded":
                            self.gone.extend(entry.entities)
            if counts.records_read == 0:
                raise InputError(f"{', '.join(f.name for f in self.files)}: no records found")
            if self.streaming:
                self._map_keys(self.unchanged, "nt")  # records read unchanged before the stream began
                self.files_out["shared.nt"].flush()
                # the shared entities in the same bulk load: one more would add files for RocksDB to compact
                copy_into_graph(self.paths["shared.nt"], self.kg.shared, self.files_out["nt"])
            for f in (*self.files_out.values(), self.index_out):
                f.flush()

    def stream_if_mostly_changed(self) -> None:
        """Once more than :data:`REWRITE_SHARE` of the records changed, the dataset will be written anew:
        from then on it is, streamed as a first load is, rather than mapped to files loaded after."""
        if (not self.streaming and self.previous is not None and self.kg.streams and not self.options.validate
                and self._many_changed()):
            self._stream_from_here()

    def _many_changed(self) -> bool:
        """Whether more than :data:`REWRITE_SHARE` of the records loaded last time changed (so far)."""
        return self.changed > REWRITE_SHARE * max(1, self.previous.loaded_count)

    def _stream_from_here(self) -> None:
        """The dataset's graph emptied and its triples bulk-loaded as they are written: those mapped so
        far first; records read unchanged are mapped from now on (those before, at the end of the reading)."""
        if self._behind is not None:
            self._behind.wait()  # the batch being written goes to the file it was meant for
        known = {d.name: d for d in self.kg.datasets()}.get(self.name)
        if known is not None:
            self.kg.clear_dataset(self.name, known.triples)
        out = self._stack.enter_context(self.kg.bulk_stream(self.name))
        for kind in ("nt", "same.nt"):
            mapped = self.files_out.pop(kind, None)
            if mapped is not None:
                mapped.close()
                with open(self.paths[kind], "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
            self.files_out[kind] = out
        self.streaming = True

    def _read_file(self, file: Path, loader: "Loader", where: list[str], seen: set[str],
                   part: tuple[int, int] | None = None) -> None:
        """Read, compare and map the records of ``file``; with ``part`` (first, end), only its records
        from the first-th to before the end-th (the others are read for their identifiers only).

        Records go in batches of :data:`BATCH_RECORDS` counted from the file's first record, so that
        the parts of a file, cut at batch boundaries, make the same batches as the whole file."""
        ctx, b, counts = self.ctx, self.ctx.b, self.prov.counts
        ids: dict[str, int | None] = {}
        with _progress(file, self.options.progress) as bar, _Behind() as self._behind:
            batch = _Batch(self, file, loader, self.report, counts, self._behind)
            for ordinal, record in enumerate(loader.records(file, self.options.encoding), 1):
                if part is not None and ordinal >= part[1]:
                    break
                key = _key(record, ids, seen)
                if part is not None and ordinal < part[0]:
                    continue
                previous = self.previous.get(key) if self.previous is not None else None
                if (previous is not None and record.digest is not None and previous.digest == record.digest
                        and not self.streaming):
                    self._unchanged(record, key, previous, file, where)
                else:
                    before = _unread_counts(ctx)
                    outcome = _map_record(record, lambda r: loader.map(r, ctx), b, counts, self.report, file)
                    entities = tuple(b.take_entities())
                    unread = Unread(tuple(a - b for a, b in zip(_unread_counts(ctx), before)),
                                    tuple((u.kind, u.value) for u in ctx.take_unread()))
                    if outcome is None:
                        where.extend(record_location(ctx.m, t, record.line, record.source_id) for t in entities)
                        self._report_unread(file, record, unread.values)
                        self._loaded(batch, record, key, previous, b.take(), entities, unread)
                    else:
                        self._not_loaded(record, key, previous, outcome, unread)
                    self.stream_if_mostly_changed()  # the batch's lines go where the dataset's go when flushed
                if ordinal % BATCH_RECORDS == 0:
                    batch.flush()
                    bar.update(counts.records_read - bar.n)
            batch.flush()
            bar.update(counts.records_read - bar.n)

    def _unchanged(self, record: SourceRecord, key: str, entry: Entry, file: Path, where: list[str]) -> None:
        """A record read as it was at the last load: its outcome again, without mapping it."""
        counts, report = self.prov.counts, self.report
        counts.records_read += 1
        self.unchanged.add(key)
        counts.periods_unread, counts.places_unread, counts.dimensions_unread = (
            a + b for a, b in zip((counts.periods_unread, counts.places_unread, counts.dimensions_unread),
                                  entry.unread.counts))
        if entry.status == "loaded":
            counts.records_loaded += 1
            self._report_unread(file, record, entry.unread.values)
            where.extend(record_location(self.ctx.m, t, record.line, record.source_id) for t in entry.entities)
            for note in entry.notes:
                counts.values_dropped += 1
                report.add("value dropped", file, record, note)
        else:
            field_name = f"records_{entry.status}"
            setattr(counts, field_name, getattr(counts, field_name) + 1)
            report.add(entry.status, file, record, entry.reason or "")
        self.index.add(key, entry)

    def _loaded(self, batch: _Batch, record: SourceRecord, key: str | None, previous: Entry | None,
                lines: list[str], entities: tuple[str, ...], unread: Unread) -> None:
        """A record mapped and loaded; the same triples as last time (told by their digest, for
        readers that give no digest of the record itself) are not a change. Only the triples of the
        record's own nodes count: a node it shares with others (a place name...) is described by the
        first record that names it in a run, so by another one in a run that starts elsewhere."""
        own = tuple(x for term in entities for x in (f"{term} ", f"{term[:-1]}#"))
        output = digest_of(line for line in lines if line.startswith(own)) if record.digest is None else None
        was_loaded = previous is not None and previous.status == "loaded"
        same = was_loaded and (previous.output == output if output is not None else previous.digest == record.digest)
        if same:
            batch.same.extend(lines)
            batch.same_roots.update(term[1:-1].split("#", 1)[0].encode() for term in entities)
            self.same.add(key)
        else:
            self.changed += 1
            batch.lines.extend(lines)
            if was_loaded:
                self.gone.extend(previous.entities)
        self.index.add(key, Entry(record.digest, output, "loaded", None, entities, unread, tuple(record.notes)))

    def _report_unread(self, file: Path, record: SourceRecord, values: tuple[tuple[str, str], ...]) -> None:
        for kind, value in values:
            self.unread.add("unread", file, record, f"{kind} kept as text: {value}")

    def _not_loaded(self, record: SourceRecord, key: str | None, previous: Entry | None, outcome: tuple[str, str],
                    unread: Unread) -> None:
        status, reason = outcome
        # a record without an identifier cannot be followed: reported at every load, nothing in the graph
        if key is not None and (previous is None or previous.status != status or previous.reason != reason
                                or previous.digest != record.digest):  # read again changed, not loaded either
            self.changed += 1
        if previous is not None and previous.status == "loaded":
            self.gone.extend(previous.entities)
        self.index.add(key, Entry(record.digest, None, status, reason, unread=unread))

    def check(self) -> "LoadCheck":
        """--validate: records with violations go to the report (and, with --quarantine, out of the dataset).

        The whole dataset is in the ``nt`` file then (no record index is used with --validate)."""
        from .loadcheck import check_load

        prov, options = self.prov, self.options
        quarantine = self.paths["quarantine.nt"] if options.quarantine else None
        check = check_load(self.kg.minter, self.name, self.paths["nt"], self.paths["shared.nt"],
                           list(zip((n for n, _ in prov.sources), prov.record_lines)), options.shapes, quarantine)
        status = "quarantined" if quarantine is not None else "violation"
        for f in check.flagged:
            where = SourceRecord(index=0, line=f.line, source_id=f.source_id)
            self.report.add(status, Path(f.file or "-"), where, " ".join(f.messages.get("en", [])),
                            " ".join(f.messages.get(options.lang, [])))
        prov.counts.records_quarantined = check.quarantined
        prov.counts.records_loaded -= check.quarantined
        self.quarantined = bool(check.quarantined)
        return check

    # -- writing -------------------------------------------------------------
    def write(self) -> int:
        """Write the store (inside the caller's unit); the dataset's triple count."""
        kg, name = self.kg, self.name
        known = {d.name: d for d in kg.datasets()}.get(name)
        change = None  # of the statistics, when known from the records that changed
        counted = None  # the statistics, when counted with the triples (a dataset written whole)
        if self.streaming:
            self.mode = "new"
            triples, counted = kg.census(name)
        elif self.previous is not None and known is not None and not self.changed:
            self.mode, triples = "unchanged", known.triples
        elif self.previous is not None and known is not None and not self._many_changed():
            removal = kg.remove_records(name, self.gone, incoming=True, arriving=self.paths["nt"])
            touched = self._touched(removal.others)
            if touched & self.same:
                # records mapped with their batch whose triples went with a changed one's: mapped again
                # alone, what they derive from their batch (an EAD unit's genre from its fonds) would differ
                triples, counted = self._write_anew(None)
            else:
                self.mode = "changes"
                # the touched records' triples are those they had, less the links into the records that
                # went: on subjects the removal counted (removal.subjects)
                self._map_keys(touched, "nt")
                new = removal.new if not touched and removal.new is not None else kg.count_new(name, self.paths["nt"])
                triples = known.triples - removal.triples + new
                kg.bulk_load(name, self.paths["nt"])
                if removal.counted and not removal.blank:
                    change = kg.statistics_of(name, removal.subjects, removal.records)
                    change.subtract(removal.before)
        else:
            triples, counted = self._write_anew(known.triples if known is not None else None)
        if not self.streaming:
            kg.bulk_load(None, self.paths["shared.nt"], graph=kg.shared)
        kg.renew_shared(name, declarations.lines_of(self.paths["shared.nt"]), whole=self.mode == "new")
        kg.replace_quarantine(name, self.paths["quarantine.nt"] if self.quarantined else None)
        self.prov.content_sha256 = self._content_digest()
        kg.set_provenance(name, self.prov.lines(kg.minter, "loaded", triples),
                          "keep" if self.mode == "unchanged" else "adjust" if change is not None else "renew",
                          change, counted)
        if self.index_path is not None:
            self.index_out.close()
            write_index(self.index_path, self.index.header(), self.paths["index.jsonl"])
        return triples

    def _content_digest(self) -> str:
        """What the dataset's content follows from: the mapping (software, rules, reference data, options)
        and the source files; the catalogue keeps it so that other steps (patrimoine link) see it changed."""
        h = hashlib.sha256(f"{self.mapping}\n".encode())
        for file_name, sha256 in self.prov.sources:
            h.update(f"{file_name} {sha256}\n".encode())
        return h.hexdigest()

    def _write_anew(self, known_triples: int | None) -> tuple[int, "StatisticsCounts"]:
        """The dataset written whole: the changed records, then the others (mapped now if they were not);
        its triples and statistics."""
        kg, name = self.kg, self.name
        self.mode = "new"
        if self.unchanged:
            self._map_keys(self.unchanged, "same.nt")
        kg.clear_dataset(name, known_triples)
        kg.bulk_load(name, self.paths["nt"])
        kg.bulk_load(name, self.paths["same.nt"])
        return kg.census(name)

    def _touched(self, others: set[str]) -> set[str]:
        """The records not written again that own one of ``others`` (a record's node, or one of its parts)."""
        if not others or self.previous is None:
            return set()
        roots = {iri.split("#", 1)[0] for iri in others}
        return {key for key in self.unchanged | self.same
                if any(term[1:-1] in roots for term in self.previous.entries[key].entities)}

    def _map_keys(self, keys: set[str], out: str) -> None:
        """Map again the records of ``keys`` (read unchanged, so not mapped the first time), their
        triples to the ``out`` file: for a dataset written anew, or records whose triples went
        with those of a record that changed."""
        if not keys:
            return
        ctx, b = self.ctx, self.ctx.b
        quiet, counts = RejectionReport(None, self.name), Counts()
        seen: set[str] = set()
        for file, loader in zip(self.files, self.loaders):
            ids: dict[str, int | None] = {}
            with _Behind() as behind:
                batch = _Batch(self, file, loader, quiet, counts, behind)
                for record in loader.records(file, self.options.encoding):
                    if _key(record, ids, seen) not in keys:
                        continue
                    if _map_record(record, lambda r: loader.map(r, ctx), b, counts, quiet, file) is None:
                        b.take_entities()
                        ctx.take_unread()
                        (batch.lines if out == "nt" else batch.same).extend(b.take())
                    if counts.records_read % BATCH_RECORDS == 0:
                        batch.flush()
                batch.flush()
        for f in self.files_out.values():
            f.flush()

    def cleanup(self) -> None:
        for f in (*self.files_out.values(), self.index_out):
            f.close()
        for path in self.paths.values():
            path.unlink(missing_ok=True)


def _mapping(kg: KnowledgeGraph, name: str, loaders: Sequence["Loader"], options: LoadOptions,
             alignment: Alignment) -> str:
    """What mapping a dataset's records depends on (:func:`patrimoine.recordindex.mapping_key`)."""
    checked = f"validate={options.validate} quarantine={options.quarantine} shapes={options.shapes}"
    return mapping_key(kg.minter.base, name, options.region or "all", *(ld.name for ld in loaders),
                       alignment.fingerprint(), options.provider, checked)


def _index_path(kg: KnowledgeGraph, name: str) -> Path | None:
    records_dir = kg.records_dir()
    return records_dir / f"{name}.jsonl" if records_dir is not None else None


def _compares(kg: KnowledgeGraph, name: str, loaders: Sequence["Loader"], options: LoadOptions) -> bool:
    """Whether a load of dataset ``name`` can compare its records with the last one's (else it maps
    them all and writes the dataset anew)."""
    return _follows(_index_path(kg, name), _mapping(kg, name, loaders, options, Alignment()), options)


def _follows(index: Path | None, mapping: str, options: LoadOptions) -> bool:
    """Whether the record index at ``index`` can be compared with: written under ``mapping``, following
    every record, and no shapes to check on the whole dataset (``--validate`` writes it anew)."""
    return not options.validate and RecordIndex.follows(index, mapping)


def _unread_counts(ctx: MappingContext) -> tuple[int, int, int]:
    return ctx.periods_unread, ctx.places_unread, ctx.dimensions_unread


def _key(record: SourceRecord, ids: dict[str, int | None], seen: set[str]) -> str | None:
    """The record's key in the index: its source id (None when it has none or cannot be read).

    A source id met twice in a file makes the second record a duplicate, rejected; met again in
    another file of the dataset, it is a record of its own, keyed with its rank.
    """
    sid = record.source_id
    if record.error is not None or not sid:
        return None
    if sid in ids:
        first = ids[sid]
        record.error = f"duplicate identifier {sid}" + (f" (first at line {first})" if first else "")
        return None
    ids[sid] = record.line or record.index
    key, n = sid, 1
    while key in seen:
        n += 1
        key = f"{sid}\t{n}"
    seen.add(key)
    return key


class _Batch:
    """Records mapped since the last flush: their CRM lines, then the EDM derived from them, to the files.

    ``lines`` are those of records that changed, ``same`` those of records whose triples did not.
    """

    def __init__(self, load: _Load, file: Path, loader: "Loader", report: RejectionReport, counts: Counts,
                 behind: _Behind) -> None:
        self.load, self.file, self.report, self.counts, self.behind = load, file, report, counts, behind
        self.context = rules_context(load.ctx.dataset, loader.data_provider, load.options.provider)
        self.lines: list[str] = []
        self.same: list[str] = []
        self.same_roots: set[bytes] = set()  # the IRIs of the records of ``same`` (their parts are IRI#part)

    def flush(self) -> None:
        load = self.load
        shared = take_shared(load.ctx.b, self.report, self.file, self.counts)
        lines, same, roots = self.lines, self.same, self.same_roots
        self.lines, self.same, self.same_roots = [], [], set()
        self.behind.submit(lambda: self._write(lines, same, roots, shared))

    def _write(self, lines: list[str], same_lines: list[str], roots: set[bytes], shared: list[str]) -> None:
        load = self.load
        if lines and same_lines:
            # EDM derived from the whole batch, as a first load derives it (a unit's type from its fonds)
            records, common = derive_batch(load.alignment, lines + same_lines, shared, self.context)
            records, same = _split_by_subject(records, roots)
        else:
            records, common = derive_batch(load.alignment, lines or same_lines, shared, self.context)
            if not lines:
                records, same = b"", records
            else:
                same = b""
        load.files_out["nt"].write(records)
        load.files_out["same.nt"].write(same)
        load.files_out["shared.nt"].write(common)


class _Behind:
    """Derives and writes a batch in a thread of its own while the next one is mapped: pyoxigraph lets go
    of the GIL while it derives, and a write to the bulk loader's pipe waits for the loader. One batch at
    a time, in order; its error is raised by the next :meth:`submit` or by :meth:`wait`."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="derive")
        self._pending: Future | None = None

    def submit(self, work: Callable[[], None]) -> None:
        self.wait()
        self._pending = self._pool.submit(work)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> "_Behind":
        return self

    def __exit__(self, kind, error, tb) -> None:
        try:
            if kind is None:
                self.wait()
            elif self._pending is not None:
                self._pending.exception()  # the batch being written ends before the error goes on
        finally:
            self._pool.shutdown()


def _split_by_subject(ntriples: bytes, roots: set[bytes]) -> tuple[bytes, bytes]:
    """(the lines whose subject is none of ``roots`` nor one of their #parts, those whose subject is)."""
    other: list[bytes] = []
    own: list[bytes] = []
    for line in ntriples.splitlines(keepends=True):
        subject = line[1:line.find(b">")] if line.startswith(b"<") else b""
        (own if subject.split(b"#", 1)[0] in roots else other).append(line)
    return b"".join(other), b"".join(own)


def map_one(record: SourceRecord, mapper: Callable[[SourceRecord], None], b: Builder, counts: Counts,
            report: RejectionReport, where: Path) -> bool:
    """Map one record and count it; a record not loaded goes to the report and its triples are dropped.

    True when the record is loaded: its triples then wait in ``b`` for the caller to take. IRIs of
    unsafe schemes (:mod:`graph.links`) are dropped from them and reported, with the reader's notes
    about values it dropped; a record whose own IRI is unsafe is rejected.
    """
    return _map_record(record, mapper, b, counts, report, where) is None


def _map_record(record: SourceRecord, mapper: Callable[[SourceRecord], None], b: Builder, counts: Counts,
                report: RejectionReport, where: Path) -> tuple[str, str] | None:
    """:func:`map_one`, saying why a record is not loaded: (status, reason), or None when it is."""
    counts.records_read += 1
    reason = record.error
    if reason is None:
        try:
            mapper(record)
        except Skipped as e:
            b.take()  # the record's own triples; shared declarations stay (they are marked declared)
            counts.records_skipped += 1
            report.add("skipped", where, record, str(e))
            return "skipped", str(e)
        except RecordError as e:
            reason = str(e)
    if reason is None:
        record.notes.extend(f"link that is not an IRI, dropped: {url[:200]}" for url in b.dropped)
        reason = _drop_unsafe_links(record, b)
    if reason is not None:
        b.take()
        counts.records_rejected += 1
        report.add("rejected", where, record, reason)
        return "rejected", reason
    counts.records_loaded += 1
    for note in record.notes:
        counts.values_dropped += 1
        report.add("value dropped", where, record, note)
    return None


def _drop_unsafe_links(record: SourceRecord, b: Builder) -> str | None:
    """Drop the record's triples that hold an unsafe IRI, noting each; the rejection reason when
    the record's own IRI is one of them."""
    kept, unsafe = drop_unsafe(b.out.lines)
    if not unsafe:
        return None
    own = [e for e in b.entities if e[1:-1] in unsafe]
    if own:
        return f"the record's IRI {own[0]} has a scheme that is not allowed"
    b.out.lines = kept
    record.notes.extend(f"link with a scheme that is not allowed, dropped: {value[:200]}" for value in unsafe)
    return None


def take_shared(b: Builder, report: RejectionReport, where: Path, counts: Counts) -> list[str]:
    """The shared declarations written since the last call, without unsafe IRIs (reported)."""
    lines, unsafe = drop_unsafe(b.take_shared())
    for value in unsafe:
        counts.values_dropped += 1
        report.add("value dropped", where, SourceRecord(index=0),
                   f"link with a scheme that is not allowed, dropped: {value[:200]}")
    return lines


def derive_batch(alignment: Alignment, records: list[str], shared: list[str], context: bytes) -> tuple[bytes, bytes]:
    """CRM plus derived EDM N-Triples of a batch, split into the dataset's own and the shared entities'."""
    crm = "".join(records).encode()
    shared_crm = "".join(shared).encode()
    if not crm and not shared_crm:
        return b"", b""
    edm = alignment.derive(crm + shared_crm, context)
    if not shared:
        return crm + edm, b""
    subjects = {line.split(" ", 1)[0].encode() for line in shared}
    own: list[bytes] = [crm]
    common: list[bytes] = [shared_crm]
    for line in edm.splitlines(keepends=True):
        (common if line[:line.find(b" ")] in subjects else own).append(line)
    return b"".join(own), b"".join(common)


class _progress:
    """A tqdm bar on stderr (only on a terminal), counting records."""

    def __init__(self, file: Path, enabled: bool) -> None:
        from tqdm import tqdm

        self.bar = tqdm(desc=file.name, unit=" records", disable=None if enabled else True, leave=False)

    def __enter__(self):
        return self.bar

    def __exit__(self, *exc) -> None:
        self.bar.close()

