"""The store's generations: a write is published whole or not at all, whatever stops it (issue 12, items 5,
6, 11; issue 11, item 4). Real stores on disk, real `patrimoine` processes killed with SIGKILL."""

from __future__ import annotations

import errno
import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.generations import StoreError, current_generation
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load

from conftest import SAMPLES
from oai_server import OaiServer, sample_records

PATRIMOINE = str(Path(sys.executable).parent / "patrimoine")
MERIMEE = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"
PALISSY = SAMPLES / "pop" / "constructed-hdf-palissy-opendata.csv"
HEADER = "REF;TICO;DENO;DPT;COM;INSEE;SCLE;HIST\n"


def merimee(path: Path, n: int, title: str = "Eglise") -> Path:
    """``n`` Mérimée records of Amiens in the legacy code-header shape."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER)
        for i in range(n):
            f.write(f"PA{80100000 + i:08d};{title} {i};église;80;Amiens;80021;13e siècle;Notice {i}.\n")
    return path


def everything(store: Path) -> set[str]:
    """Every quad a reader of the store sees, the catalogue's dates left out."""
    kg = KnowledgeGraph(store, read_only=True)
    try:
        return {str(q) for q in kg.store if "/dc/terms/modified>" not in str(q) and "AtTime>" not in str(q)}
    finally:
        kg.close()


def patrimoine(store: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([PATRIMOINE, "--store", str(store), *args], capture_output=True, text=True, timeout=300, **kw)


def consistent(store: Path) -> dict[str, set[str]]:
    """Open the store as a reader does; check the catalogue agrees with the graphs; each dataset's triples."""
    kg = KnowledgeGraph(store, read_only=True)
    try:
        out = {}
        for ds in kg.datasets():
            assert ds.status == "loaded"
            assert ds.records_read == ds.records_loaded + ds.records_rejected + ds.records_skipped
            assert ds.triples == kg.count(kg.minter.graph(ds.name)), ds.name
            g = ox.NamedNode(kg.minter.plain(kg.minter.graph(ds.name)))
            out[ds.name] = {str(q) for q in kg.store.quads_for_pattern(None, None, None, g)}
        return out
    finally:
        kg.close()


# ---------------------------------------------------------------------------
# Issue 12, item 5: a load that fails in the store phase changes nothing readers see


def test_a_load_failing_while_the_store_is_written_leaves_it_as_it_was(tmp_path: Path, monkeypatch):
    store = tmp_path / "store"
    kg = KnowledgeGraph(store)
    load(kg, [MERIMEE], LoadOptions(progress=False))
    before, generation = everything(store), kg.generation

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(KnowledgeGraph, "set_provenance", disk_full)  # after the dataset and its shared entities
    with pytest.raises(StoreError, match="full.*unchanged"):
        load(kg, [PALISSY], LoadOptions(progress=False))
    assert everything(store) == before  # graph/shared did not grow, the catalogue names no new dataset
    assert current_generation(store) == generation
    monkeypatch.undo()
    [report] = load(kg, [PALISSY], LoadOptions(progress=False))  # the next run succeeds
    assert report.counts.records_loaded == 7 and report.counts.reconciles()
    kg.close()


def test_disk_full_in_a_real_process_is_one_line_exit_2_and_the_store_is_unchanged(tmp_path: Path):
    store = tmp_path / "store"
    assert patrimoine(store, "load", str(MERIMEE)).returncode == 0
    before = everything(store)
    big = merimee(tmp_path / "big.csv", 5000)

    def small_disk() -> None:  # files may not grow beyond 1 MB: the store's files cannot be written
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    r = patrimoine(store, "load", "--dataset", "big", str(big), preexec_fn=small_disk)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("Error: ") and "full" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert everything(store) == before
    assert patrimoine(store, "load", "--dataset", "big", str(big)).returncode == 0


# ---------------------------------------------------------------------------
# Issue 12, items 6 and 11: temporary files in one place, reports per store


def test_a_killed_load_leaves_its_files_inside_the_store_and_the_next_writer_removes_them(tmp_path: Path):
    store = tmp_path / "store"
    big = merimee(tmp_path / "big.csv", 3000)
    proc = subprocess.Popen([PATRIMOINE, "--store", str(store), "load", str(big)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any((store / "tmp").glob("*.nt")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list(tmp_path.glob(".*")) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "store"]
    assert any((store / "tmp").iterdir()) and any((store / "work").iterdir())
    assert patrimoine(store, "load", str(MERIMEE)).returncode == 0
    assert list((store / "tmp").iterdir()) == [] and list((store / "work").iterdir()) == []
    assert [p.name for p in (store / "generations").iterdir()] == [str(current_generation(store))]


def test_two_stores_in_one_folder_keep_their_own_reports(tmp_path: Path):
    for name in ("a", "b"):
        source = merimee(tmp_path / f"{name}.csv", 3, title=name)
        source.write_text(source.read_text() + f"PA801000{name};sans INSEE;église;;;;;\n")
        assert patrimoine(tmp_path / f"store-{name}", "load", "--dataset", "same", str(source)).returncode == 0
    for name in ("a", "b"):
        [entry] = [json.loads(x) for x in (tmp_path / f"store-{name}" / "rejects" / "same.jsonl").read_text().splitlines()]
        assert entry["file"] == f"{name}.csv"
    assert not (tmp_path / "rejects").exists()


# ---------------------------------------------------------------------------
# Issue 11, item 4: killed at any moment, the previous version stays whole


def test_loads_killed_at_random_moments_leave_the_old_version_or_the_new_one(tmp_path: Path):
    store = tmp_path / "store"
    v1 = merimee(tmp_path / "v1.csv", 400)
    v2 = merimee(tmp_path / "v2.csv", 400, title="Chapelle")  # every record changed
    assert patrimoine(store, "load", "--dataset", "m", str(v1)).returncode == 0
    old = consistent(store)["m"]
    started = time.monotonic()
    assert patrimoine(store, "load", "--dataset", "m", str(v2)).returncode == 0
    took = time.monotonic() - started
    new = consistent(store)["m"]
    assert patrimoine(store, "load", "--dataset", "m", str(v1)).returncode == 0
    rng = random.Random(32)
    for _ in range(4):
        proc = subprocess.Popen([PATRIMOINE, "--store", str(store), "load", "--dataset", "m", str(v2)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.0) * took)  # anywhere from the start of the work to its publication
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        content = consistent(store)["m"]
        assert content in (old, new), "a mix of the old and the new version"
        if content == new:
            assert patrimoine(store, "load", "--dataset", "m", str(v1)).returncode == 0
    assert patrimoine(store, "load", "--dataset", "m", str(v2)).returncode == 0  # the next run succeeds
    assert consistent(store)["m"] == new
    assert [p.name for p in (store / "work").iterdir()] == []


def test_readers_keep_their_generation_until_they_let_it_go(tmp_path: Path):
    store = tmp_path / "store"
    writer = KnowledgeGraph(store)
    load(writer, [MERIMEE], LoadOptions(progress=False, dataset="m"))
    reader = KnowledgeGraph(store, read_only=True)
    first = reader.generation
    load(writer, [PALISSY], LoadOptions(progress=False, dataset="p"))
    load(writer, [PALISSY], LoadOptions(progress=False, dataset="q"))
    kept = sorted(int(p.name) for p in (store / "generations").iterdir())
    assert kept == [first, writer.generation]  # the one a reader holds, the current one
    assert [d.name for d in reader.datasets()] == ["m"]
    reader.refresh()
    assert [d.name for d in reader.datasets()] == ["m", "p", "q"]
    reader.close()
    load(writer, [PALISSY], LoadOptions(progress=False, dataset="r"))
    assert sorted(int(p.name) for p in (store / "generations").iterdir()) == [writer.generation]
    writer.close()


def test_one_writer_at_a_time(tmp_path: Path):
    store = tmp_path / "store"
    first = KnowledgeGraph(store)
    with pytest.raises(StoreError, match="another `patrimoine` process is writing"):
        KnowledgeGraph(store)
    waiting = subprocess.Popen([PATRIMOINE, "--store", str(store), "drop", "nothing"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert "waiting for another `patrimoine` process" in waiting.stderr.readline()
    first.close()  # the command waiting goes on
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 2 and "no dataset named 'nothing'" in err


def test_a_store_made_before_generations_is_read_then_moved_by_the_first_writer(tmp_path: Path):
    store = tmp_path / "store"
    legacy = ox.Store(str(store))
    quad = ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"),
                   ox.NamedNode("https://w3id.org/patrimoine-kg/graph/old"))
    legacy.add(quad)
    legacy.flush()
    del legacy
    reader = KnowledgeGraph(store, read_only=True)
    assert quad in reader.store and reader.generation is None
    reader.close()
    writer = KnowledgeGraph(store)
    assert quad in writer.store and writer.generation == 1
    writer.close()
    assert not (store / "CURRENT").exists() and current_generation(store) == 1
    assert str(quad) in everything(store)


class SlowPages(OaiServer):
    """A repository that takes its time over each page, so a harvest can be killed between and during pages."""

    def _page(self, *args, **kwargs) -> bytes:
        time.sleep(0.3)
        return super()._page(*args, **kwargs)


def test_a_harvest_killed_at_random_moments_keeps_whole_pages_and_the_next_run_completes(tmp_path: Path):
    records = sample_records(SAMPLES / "oai-dc" / "francearchives-oai_dc_meuse_sample.xml")
    pages = [records[i:i + 4] for i in range(0, len(records), 4)]
    store, whole = tmp_path / "store", tmp_path / "whole"
    rng = random.Random(11)
    with SlowPages(pages) as server:
        args = ("harvest", server.url, "--region", "all", "--dataset", "h")
        assert patrimoine(whole, *args).returncode == 0
        expected = consistent(whole)["h"]
        for _ in range(2):
            proc = subprocess.Popen([PATRIMOINE, "--store", str(store), *args], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(1.0, 3.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if (store / "current").exists():
                content = consistent(store).get("h", set())
                assert content <= expected
                read = {d.name: d.records_read for d in KnowledgeGraph(store, read_only=True).datasets()}.get("h", 0)
                assert read % 4 == 0 or read == len(records)  # whole pages only, never part of one
        r = patrimoine(store, *args)
        assert r.returncode == 0, r.stderr
    assert consistent(store)["h"] == expected


# ---------------------------------------------------------------------------
# Issue 11, item 9: backup and restore


def test_backup_then_restore_gives_back_the_store_as_it_was(tmp_path: Path):
    store, saved = tmp_path / "store", tmp_path / "saved"
    assert patrimoine(store, "load", "--dataset", "m", str(MERIMEE)).returncode == 0
    assert patrimoine(store, "load", "--dataset", "p", str(PALISSY)).returncode == 0
    before = everything(store)
    r = patrimoine(store, "backup", str(saved))
    assert r.returncode == 0 and "2 datasets" in r.stdout, r.stderr
    manifest = json.loads((saved / "backup.json").read_text())
    assert set(manifest["datasets"]) == {"m", "p"}
    assert patrimoine(store, "backup", str(saved)).returncode == 2  # never over an existing backup
    # the store changes after the backup...
    assert patrimoine(store, "drop", "p").returncode == 0
    assert patrimoine(store, "load", "--dataset", "m", str(PALISSY)).returncode == 0
    assert everything(store) != before
    # ...and comes back as it was, record indexes included: reloading what was loaded writes nothing
    r = patrimoine(store, "restore", str(saved))
    assert r.returncode == 0 and "2 datasets" in r.stdout, r.stderr
    assert everything(store) == before
    kg = KnowledgeGraph(store)
    [report] = load(kg, [MERIMEE], LoadOptions(progress=False, dataset="m"))
    assert report.write == "unchanged"
    kg.close()
    # a restore into a new store, and a directory that is no backup
    assert patrimoine(tmp_path / "elsewhere", "restore", str(saved)).returncode == 0
    assert everything(tmp_path / "elsewhere") == before
    r = patrimoine(store, "restore", str(tmp_path))
    assert r.returncode == 2 and "not a backup" in r.stderr


def test_a_bulk_load_is_served_from_its_commit_and_published_again_merged_on_close(tmp_path: Path):
    """The commit publishes a streamed load at once (no wait for RocksDB's merge of the bulk loader's files);
    closing the writer merges them and publishes the same data as the next generation. A small reload leaves
    nothing to merge."""
    store = tmp_path / "store"
    kg = KnowledgeGraph(store)
    try:
        load(kg, [merimee(tmp_path / "m.csv", 300)], LoadOptions(dataset="m", progress=False))
        published = current_generation(store)
        assert kg.unsettled
        seen = everything(store)  # a reader, while the writer is still open: the data is there
        assert sum("/pop/PA801" in q for q in seen) > 300
    finally:
        kg.close()
    assert current_generation(store) == published + 1
    assert everything(store) == seen
    kg = KnowledgeGraph(store)
    try:
        [report] = load(kg, [merimee(tmp_path / "m.csv", 301)], LoadOptions(dataset="m", progress=False))
        assert report.write == "changes" and not kg.unsettled  # one record more: nothing to merge
        changed = current_generation(store)
    finally:
        kg.close()
    assert current_generation(store) == changed
