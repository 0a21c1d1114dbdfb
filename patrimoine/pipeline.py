"""The load pipeline: read → map to CIDOC-CRM → derive EDM → write a dataset, nothing lost.

Records stream through in batches; each batch's triples are written as
N-Triples text to a temporary file, so a whole-input failure (unreadable or
truncated file, wrong encoding) happens before the store is touched. Only then
does :meth:`graph.store.KnowledgeGraph.replace_dataset` make the file the
dataset's content. Every record that is not loaded goes to the rejection
report with its file, line, record number, source id and reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from graph import __version__
from graph.alignment import Alignment, context as rules_context
from graph.crm import Builder
from graph.iri import check_dataset_name, dataset_name_for
from graph.links import drop_unsafe
from graph.mapping import MappingContext
from graph.provenance import Counts, Origin, Provenance, record_location, sha256_of
from graph.records import InputError, RecordError, Skipped, SourceRecord
from graph.settings import Settings
from graph.store import KnowledgeGraph

from . import loadtext

if TYPE_CHECKING:
    from loaders import Loader

    from .loadcheck import LoadCheck

BATCH_RECORDS = 2000


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
    return [load_dataset(kg, name, files, options) for name, files in plan(paths, options)]


def load_dataset(kg: KnowledgeGraph, name: str, files: Sequence[Path], options: LoadOptions) -> LoadReport:
    from loaders import detect, get_loader

    started = time.perf_counter()
    loaders = [get_loader(options.format) if options.format else detect(f) for f in files]
    formats = sorted({ld.name for ld in loaders})
    prov = Provenance(name=name, format=",".join(formats), region=options.region or "all", origins=options.origins)
    rejects_path = options.rejects
    if rejects_path is None and kg.path is not None:
        rejects_path = kg.path.parent / "rejects" / f"{name}.jsonl"
    report = RejectionReport(rejects_path, name, options.lang)
    # values kept as text (periods, places), with their record's file and line: next to the rejects
    unread = RejectionReport(rejects_path.with_name(rejects_path.stem + ".unread.jsonl") if rejects_path else None,
                             name, options.lang)
    ctx = MappingContext(kg.minter, name, options.region)
    alignment = Alignment()
    tmpdir = kg.path.parent if kg.path is not None else None
    fd, tmpname = tempfile.mkstemp(prefix=f".{name}-", suffix=".nt", dir=tmpdir)
    tmp = Path(tmpname)
    shared_tmp = tmp.with_suffix(".shared.nt")
    # The content digest reads the CRM triples in record order, the rules that derive EDM from them and
    # the software version and the provider it names: EDM output order varies between runs, its content does not.
    digest = hashlib.sha256(f"{__version__}\n{alignment.fingerprint()}\n{options.provider}\n".encode())
    try:
        with os.fdopen(fd, "wb") as out, open(shared_tmp, "wb") as shared_out:
            for file, loader in zip(files, loaders):
                prov.sources.append((file.name, sha256_of(file)))
                where: list[str] = []
                _map_file(file, loader, ctx, alignment, out, shared_out, digest, prov.counts, report, options, where,
                          unread)
                prov.record_lines.append("\n".join(where))
        prov.counts.periods_unread = ctx.periods_unread
        prov.counts.places_unread = ctx.places_unread
        prov.counts.dimensions_unread = ctx.dimensions_unread
        if prov.counts.records_read == 0:
            raise InputError(f"{', '.join(f.name for f in files)}: no records found")
        quarantine = tmp.with_suffix(".quarantine.nt") if options.quarantine else None
        check = _check(kg, name, tmp, shared_tmp, prov, report, options, quarantine) if options.validate else None
        if check is not None and check.quarantined:  # the dataset's content is what the quarantine left
            digest.update("".join(f"quarantined {f.iri}\n" for f in check.flagged).encode())
        kg.add_shared(shared_tmp)
        prov.content_sha256 = digest.hexdigest()
        triples = kg.replace_dataset(name, tmp, lambda status, n: prov.lines(kg.minter, status, n),
                                     content_sha256=prov.content_sha256)
        kg.replace_quarantine(name, quarantine if quarantine is not None and quarantine.exists() else None)
    finally:
        report.close()
        unread.close()
        tmp.unlink(missing_ok=True)
        shared_tmp.unlink(missing_ok=True)
        if options.quarantine:
            tmp.with_suffix(".quarantine.nt").unlink(missing_ok=True)
    return LoadReport(name, prov.format, prov.counts, triples, time.perf_counter() - started,
                      rejects_path, report.kept, check, unread.kept, unread.path)


def _check(kg: KnowledgeGraph, name: str, tmp: Path, shared_tmp: Path, prov: Provenance, report: RejectionReport,
           options: LoadOptions, quarantine: Path | None) -> "LoadCheck":
    """--validate: records with violations go to the report (and, with --quarantine, out of the dataset)."""
    from .loadcheck import check_load

    check = check_load(kg.minter, name, tmp, shared_tmp, list(zip((n for n, _ in prov.sources), prov.record_lines)),
                       options.shapes, quarantine)
    status = "quarantined" if quarantine is not None else "violation"
    for f in check.flagged:
        where = SourceRecord(index=0, line=f.line, source_id=f.source_id)
        report.add(status, Path(f.file or "-"), where, " ".join(f.messages.get("en", [])),
                   " ".join(f.messages.get(options.lang, [])))
    prov.counts.records_quarantined = check.quarantined
    prov.counts.records_loaded -= check.quarantined
    return check


def _map_file(file: Path, loader: "Loader", ctx: MappingContext, alignment: Alignment, out: IO[bytes],
              shared_out: IO[bytes], digest: "hashlib._Hash", counts: Counts, report: RejectionReport,
              options: LoadOptions, where: list[str], unread: RejectionReport) -> None:
    """Map one file's records into ``out``/``shared_out``; ``where`` gets each loaded record's location."""
    context = rules_context(ctx.dataset, loader.data_provider, options.provider)
    seen: dict[str, int | None] = {}
    b = ctx.b
    batch: list[str] = []
    in_batch = 0

    def flush() -> None:
        shared_lines = take_shared(b, report, file, counts)
        for lines in (batch, shared_lines):  # the CRM, in record order: what the content digest reads
            for line in lines:
                digest.update(line.encode())
        records, shared = derive_batch(alignment, batch, shared_lines, context)
        out.write(records)
        shared_out.write(shared)

    with _progress(file, options.progress) as bar:
        for record in loader.records(file, options.encoding):
            if record.error is None and record.source_id:
                if record.source_id in seen:
                    first = seen[record.source_id]
                    record.error = (f"duplicate identifier {record.source_id}"
                                    + (f" (first at line {first})" if first else ""))
                else:
                    seen[record.source_id] = record.line or record.index
            loaded = map_one(record, lambda r: loader.map(r, ctx), b, counts, report, file)
            entities = b.take_entities()
            kept_as_text = ctx.take_unread()
            if not loaded:
                continue
            for u in kept_as_text:
                unread.add("unread", file, record, f"{u.kind} kept as text: {u.value}")
            where.extend(record_location(ctx.m, term, record.line, record.source_id) for term in entities)
            batch.extend(b.take())
            in_batch += 1
            if in_batch >= BATCH_RECORDS:
                flush()
                bar.update(counts.records_read - bar.n)
                batch, in_batch = [], 0
        flush()
        bar.update(counts.records_read - bar.n)


def map_one(record: SourceRecord, mapper: Callable[[SourceRecord], None], b: Builder, counts: Counts,
            report: RejectionReport, where: Path) -> bool:
    """Map one record and count it; a record not loaded goes to the report and its triples are dropped.

    True when the record is loaded: its triples then wait in ``b`` for the caller to take. IRIs of
    unsafe schemes (:mod:`graph.links`) are dropped from them and reported, with the reader's notes
    about values it dropped; a record whose own IRI is unsafe is rejected.
    """
    counts.records_read += 1
    reason = record.error
    if reason is None:
        try:
            mapper(record)
        except Skipped as e:
            b.take()  # the record's own triples; shared declarations stay (they are marked declared)
            counts.records_skipped += 1
            report.add("skipped", where, record, str(e))
            return False
        except RecordError as e:
            reason = str(e)
    if reason is None:
        reason = _drop_unsafe_links(record, b)
    if reason is not None:
        b.take()
        counts.records_rejected += 1
        report.add("rejected", where, record, reason)
        return False
    counts.records_loaded += 1
    for note in record.notes:
        counts.values_dropped += 1
        report.add("value dropped", where, record, note)
    return True


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

