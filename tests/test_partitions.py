"""`patrimoine load --jobs N` (issue 11, item 8): a file mapped in parts by several processes gives the graph,
the record index and the reports a single process gives — real samples of each family of formats, batches
made small so that every sample is cut into several parts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from graph.store import KnowledgeGraph
from patrimoine import pipeline
from patrimoine.pipeline import LoadOptions, load

from conftest import SAMPLES

PATRIMOINE = str(Path(sys.executable).parent / "patrimoine")
SOURCES = {  # family: the files of one dataset, and records per batch (each has a file of 3 batches or more)
    "pop": ([SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv",
             SAMPLES / "pop" / "constructed-hdf-palissy-opendata.csv"], 3),
    "ead": ([SAMPLES / "ead" / "FRAD062_ir_9fi_02_permaliens.xml"], 20),
    "marc": ([SAMPLES / "marc" / "test.iso2709", SAMPLES / "marc" / "bnf-sru-unimarc-hugo.extract.xml"], 2),
    "lido": ([SAMPLES / "lido" / "LIDO-Extended-Example.xml", SAMPLES / "lido" / "example1.xml"], 1),
    "oai-pmh": ([SAMPLES / "oai-dc" / "francearchives-oai_dc_meuse_sample.xml"], 4),
    "museums": ([SAMPLES / "museums" / "liste-et-localisation-des-musees-de-france.csv"], 100),
}


def state(store: Path) -> tuple[set[str], list[str]]:
    """Every quad readers see (the catalogue's dates left out) and every file the load kept beside the store."""
    kg = KnowledgeGraph(store, read_only=True)
    try:
        quads = {str(q) for q in kg.store if "/dc/terms/modified>" not in str(q) and "AtTime>" not in str(q)
                 and "/prov#" not in str(q)}
        kept = [f"{p.relative_to(store)}: {p.read_text(encoding='utf-8')}"
                for folder in (kg.records_dir(), store / "rejects") for p in sorted(folder.glob("*.jsonl"))]
    finally:
        kg.close()
    return quads, kept


def run(store: Path, files: list[Path], jobs: int, **kw) -> list:
    kg = KnowledgeGraph(store)
    try:
        return load(kg, files, LoadOptions(dataset="d", region=None, progress=False, jobs=jobs, **kw))
    finally:
        kg.close()


@pytest.mark.parametrize("family", sorted(SOURCES))
def test_a_file_mapped_in_parts_gives_what_one_process_gives(tmp_path: Path, monkeypatch, family: str):
    files, batch = SOURCES[family]
    monkeypatch.setattr(pipeline, "BATCH_RECORDS", batch)
    [one] = run(tmp_path / "one", files, 1)
    [parts] = run(tmp_path / "parts", files, 3)
    assert one.counts.records_read >= 3 * batch
    assert parts.counts == one.counts and parts.triples == one.triples and parts.counts.reconciles()
    assert state(tmp_path / "parts") == state(tmp_path / "one")


def test_a_reload_in_parts_writes_the_changes_a_reload_in_one_process_writes(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_RECORDS", 4)
    source = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    changed = tmp_path / "merimee.csv"  # one record's text changed, one record gone, one duplicated
    changed.write_text("".join([lines[0], lines[1].replace(";", "; révisé;", 1), *lines[3:], lines[5]]),
                       encoding="utf-8")
    reports = []
    for store, jobs in ((tmp_path / "one", 1), (tmp_path / "parts", 3)):
        run(store, [source], jobs)
        [report] = run(store, [changed], jobs)
        reports.append(report)
    assert reports[0].write == reports[1].write == "changes"
    assert reports[0].changed == reports[1].changed > 0
    assert reports[1].counts == reports[0].counts and reports[1].counts.reconciles()
    assert state(tmp_path / "parts") == state(tmp_path / "one")


def test_a_reload_where_most_records_changed_is_streamed_alike_in_parts_and_in_one_process(tmp_path: Path,
                                                                                        monkeypatch):
    """Past the share of changed records where a reload writes the dataset anew, it goes on streamed
    (what was mapped first), records read unchanged before then mapped at the end: the same in parts."""
    monkeypatch.setattr(pipeline, "BATCH_RECORDS", 3)
    source = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    changed = tmp_path / "merimee.csv"  # the first two records as they were, every other one changed
    changed.write_text("".join([*lines[:3], *(line.replace(";", ";Révisé : ", 1) for line in lines[3:])]),
                       encoding="utf-8")  # the title
    reports = []
    for store, jobs in ((tmp_path / "one", 1), (tmp_path / "parts", 3)):
        run(store, [source], jobs)
        kg = KnowledgeGraph(store)
        streamed: list[str] = []
        kg.bulk_stream = lambda name, _stream=kg.bulk_stream: streamed.append(name) or _stream(name)
        try:
            [report] = load(kg, [changed], LoadOptions(dataset="d", region=None, progress=False, jobs=jobs))
        finally:
            kg.close()
        assert streamed == ["d"] and report.write == "new"
        reports.append(report)
    assert reports[0].changed == reports[1].changed == len(lines) - 3
    assert reports[1].counts == reports[0].counts and reports[1].counts.reconciles()
    assert state(tmp_path / "parts") == state(tmp_path / "one")
    run(tmp_path / "fresh", [changed], 1)  # and what a first load of the new version gives
    (quads, kept), (fresh_quads, fresh_kept) = state(tmp_path / "one"), state(tmp_path / "fresh")
    assert quads == fresh_quads
    assert [k.split(": ", 1)[1] for k in kept] == [k.split(": ", 1)[1] for k in fresh_kept]


def test_jobs_on_the_command_line(tmp_path: Path):
    source = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"
    r = subprocess.run([PATRIMOINE, "--store", str(tmp_path / "s"), "load", "--jobs", "2", str(source)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([PATRIMOINE, "--store", str(tmp_path / "s"), "load", "--jobs", "0", str(source)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "--jobs" in r.stderr
