"""Load benchmark: end-to-end POP load and reloads versus pyoxigraph's raw bulk load of the same triples.

    python bench/load.py [--records 200000] [--keep]

Generates Mérimée records in the open-data export shape (label headers, ';'),
loads them with the real pipeline into an on-disk store, then bulk-loads the
very quads that load produced (the dataset, its shared entities and its
catalogue record, dumped as N-Quads) into a fresh store with pyoxigraph alone. Then the same store is reloaded three times: with the same
input, with 1 % of the records changed (their history text), and with every
record changed (other coordinates). Each phase runs in its own process so its
peak memory (max RSS) is its own; the first load also runs at a quarter of the
size to show whether memory stays flat as input grows. Figures are printed
against the goals of issue 11 (item 2) and 7 (store size), not asserted:
machines are noisy, compare the ratios.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = [
    "Reference", "Titre_editorial_de_la_notice", "Denomination_de_l_edifice", "Region",
    "Departement_format_numerique", "Commune_forme_index", "COG_Insee_lors_de_la_protection",
    "Typologie_de_la_protection", "Date_et_typologie_de_la_protection",
    "Siecle_de_la_campagne_principale_de_construction", "Statut_juridique_de_l_edifice", "Historique",
    "coordonnees_au_format_WGS84",
]
DENOMINATIONS = ["église", "chapelle", "château", "beffroi", "maison", "hôtel de ville", "abbaye", "moulin", "ferme", "croix"]
PERIODS = ["13e siècle", "2e quart 17e siècle", "milieu 18e siècle", "limite 15e siècle 16e siècle", "vers 1620",
           "1887", "1850 ; 1870", "19e siècle (?)", "2e moitié 19e siècle", "4e quart 19e siècle ; 1er quart 20e siècle"]
STATUS = ["propriété de la commune", "propriété privée", "propriété de l'Etat", "propriété d'une association"]


def generate(path: Path, n: int, seed: int = 32, revised_every: int = 0) -> None:
    """``n`` records; ``seed`` draws the coordinates, ``revised_every`` (>0) changes the history of every k-th record."""
    from graph.geo import Geography

    rng = random.Random(seed)
    communes = [c for c in Geography.default().communes() if c.region == "32"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n")
        w.writerow(HEADER)
        for i in range(n):
            c = communes[i % len(communes)]
            deno = DENOMINATIONS[i % len(DENOMINATIONS)]
            year = 1840 + i % 180
            history = f"{deno.capitalize()} construit au {PERIODS[i % len(PERIODS)]}, remanié en {year}. Notice {i}."
            if revised_every and i % revised_every == 0:
                history += " Notice révisée."
            w.writerow([
                f"PA{80000000 + i:08d}", f"{deno.capitalize()} de {c.name}", deno, "Hauts-de-France",
                c.department, c.name, c.code, "inscrit MH" if i % 3 else "classé MH",
                f"{year}/0{1 + i % 9}/1{i % 10} : {'inscrit' if i % 3 else 'classé'} MH",
                PERIODS[i % len(PERIODS)], STATUS[i % len(STATUS)], history,
                f"{49.0 + rng.random():.5f}, {2.0 + rng.random():.5f}",
            ])


def size_mb(path: Path) -> float:
    """Bytes on disk under ``path`` (hard-linked files once), in MB."""
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]) / 1e6


def run_phase(phase: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, *args], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def phase_pipeline(csv_path: str, store: str, dump: str, jobs: str = "1") -> dict:
    from patrimoine.pipeline import LoadOptions, load
    from graph.generations import current_generation, generation_dir
    from graph.store import KnowledgeGraph

    kg = KnowledgeGraph(store)
    spent = Spent.watch()
    t, cpu = time.perf_counter(), cpu_seconds()
    [report] = load(kg, [Path(csv_path)], LoadOptions(dataset="bench", progress=False, jobs=int(jobs)))
    seconds, cpu = time.perf_counter() - t, cpu_seconds() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    kg.close()  # merges what a bulk load left to RocksDB, published again (readers saw the data from the commit)
    merge = time.perf_counter() - t
    db = generation_dir(Path(store), current_generation(Path(store)))
    if dump:
        dump_quads(db / "db", dump)
    size = size_mb(db)
    return {"seconds": seconds, "cpu": cpu, "spent": spent.top(), "records": report.counts.records_loaded,
            "triples": report.triples, "peak_mb": peak,
            "reconciles": report.counts.reconciles(), "write": report.write,
            "changed": report.changed, "size_mb": size, "merge_seconds": merge}


def dump_quads(db: Path, dump: str) -> None:
    """Every quad of the store at ``db`` (the dataset, its shared entities, the catalogue) as N-Quads, read
    from a compacted copy of it (hard links, the store itself unchanged): a store just bulk-loaded reads
    each term's text slowly, and the dump reads them all (more than 25 minutes at 200,000 records)."""
    import pyoxigraph as ox

    copy = Path(dump).with_suffix(".copy")
    ox.Store.read_only(str(db)).backup(str(copy))
    s = ox.Store(str(copy))
    s.optimize()
    s.dump(output=dump, format=ox.RdfFormat.N_QUADS)
    del s
    shutil.rmtree(copy, ignore_errors=True)


def phase_raw(dump: str, store: str) -> dict:
    import pyoxigraph as ox

    s = ox.Store(store)
    t, cpu = time.perf_counter(), cpu_seconds()
    s.bulk_load(path=dump, format=ox.RdfFormat.N_QUADS)
    s.flush()
    seconds, cpu = time.perf_counter() - t, cpu_seconds() - cpu
    size = size_mb(Path(store))
    # what the bulk load leaves RocksDB to do: the first load's commit waits for it (its catalogue writes are
    # flushed behind the compaction of the files the loader wrote), the raw load above does not
    t = time.perf_counter()
    s.optimize()
    compaction = time.perf_counter() - t
    triples = len(s)
    del s
    return {"seconds": seconds, "cpu": cpu, "triples": triples, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "size_mb": size, "compaction_seconds": compaction}


def phase_settled(db: str, copy: str) -> dict:
    """The size a store settles at once RocksDB has compacted it (as it does on its own as the store
    lives, written to again): a copy of it (hard links, the store itself unchanged) compacted whole."""
    import pyoxigraph as ox

    ox.Store.read_only(db).backup(copy)
    s = ox.Store(copy)
    s.optimize()
    s.flush()
    del s
    size = size_mb(Path(copy))
    shutil.rmtree(copy, ignore_errors=True)
    return {"size_mb": size}


def generation_db(store: Path) -> Path:
    from graph.generations import current_generation, generation_dir

    return generation_dir(store, current_generation(store)) / "db"


def cpu_seconds() -> float:
    """CPU time of this process, every thread (pyoxigraph's bulk loader works in several), and of the
    processes it started and waited for (those of --jobs)."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


class Spent:
    """Wall seconds spent in the main steps of a load, to tell where a slow phase went (``_Batch._write``,
    deriving and writing a batch, runs in a thread of its own beside the reading)."""

    STEPS = (("patrimoine.pipeline", "_Load", "read"), ("patrimoine.pipeline", "_Load", "write"),
             ("patrimoine.pipeline", "_Batch", "_write"), ("patrimoine.pipeline", "_Load", "_map_keys"),
             ("graph.store", "KnowledgeGraph", "remove_records"), ("graph.store", "KnowledgeGraph", "bulk_load"),
             ("graph.store", "KnowledgeGraph", "count"), ("graph.store", "KnowledgeGraph", "census"),
             ("graph.store", "KnowledgeGraph", "count_new"),
             ("graph.store", "KnowledgeGraph", "clear_dataset"), ("graph.generations", "Writer", "commit"),
             ("patrimoine.recordindex", "RecordIndex", "read"))

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @classmethod
    def watch(cls) -> "Spent":
        import functools
        import importlib

        spent = cls()
        for module, owner, name in cls.STEPS:
            holder = getattr(importlib.import_module(module), owner)
            step = getattr(holder, name)

            def timed(*args, _step=step, _label=f"{owner}.{name}", **kwargs):
                started = time.perf_counter()
                try:
                    return _step(*args, **kwargs)
                finally:
                    spent.seconds[_label] = spent.seconds.get(_label, 0.0) + time.perf_counter() - started

            setattr(holder, name, functools.wraps(step)(timed))
        return spent

    def top(self, n: int = 5) -> str:
        return ", ".join(f"{k} {v:.1f} s" for k, v in sorted(self.seconds.items(), key=lambda kv: -kv[1])[:n])


def verdict(value: float, goal: float, at_least: bool) -> str:
    met = value >= goal if at_least else value <= goal
    return f"(goal {'>=' if at_least else '<='} {goal:g}: {'met' if met else 'NOT met'})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--jobs", type=int, default=0,
                    help="also time a first load with `--jobs N` (several mapping processes) into a fresh store")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        fn = {"pipeline": phase_pipeline, "raw": phase_raw, "settled": phase_settled}[a.phase]
        print(json.dumps(fn(*a.args)))
        return
    work = Path(tempfile.mkdtemp(prefix="patrimoine-bench-"))
    try:
        small, big = work / "small.csv", work / "big.csv"
        revised, moved = work / "revised.csv", work / "moved.csv"
        generate(small, a.records // 4)
        generate(big, a.records)
        generate(revised, a.records, revised_every=100)  # 1 % of the records changed
        generate(moved, a.records, seed=62)  # other coordinates: every record changed
        print(f"{a.records:,} generated Mérimée records in the open-data export shape ({big.stat().st_size / 1e6:.0f} MB)")
        s = run_phase("pipeline", str(small), str(work / "store-small"), "")
        e = run_phase("pipeline", str(big), str(work / "store-big"), str(work / "dump.nq"))
        r = run_phase("raw", str(work / "dump.nq"), str(work / "store-raw"))
        ratio = (e["triples"] / e["seconds"]) / (r["triples"] / r["seconds"])
        cpu_ratio = (e["triples"] / e["cpu"]) / (r["triples"] / r["cpu"])
        print(f"first load     : {e['records'] / e['seconds']:>10,.0f} records/s {e['triples'] / e['seconds']:>10,.0f} triples/s"
              f"  ({e['triples']:,} triples in {e['seconds']:.1f} s, counts reconcile: {e['reconciles']})")
        print(f"raw bulk_load  : {'':>18} {r['triples'] / r['seconds']:>10,.0f} triples/s  ({r['triples']:,} quads"
              f" in {r['seconds']:.1f} s)")
        print(f"ratio first load / raw bulk load: {ratio:.2f}  {verdict(ratio, 0.5, True)}; in CPU time "
              f"{cpu_ratio:.2f} ({e['cpu']:.1f} s against {r['cpu']:.1f} s; CPU time depends less on what else "
              f"the machine runs)")
        print(f"  first load's time went to: {e['spent']}")
        compacted = (e["triples"] / (e["seconds"] + e["merge_seconds"])) / (
            r["triples"] / (r["seconds"] + r["compaction_seconds"]))
        print(f"  then, on closing the store, the merge of the bulk loader's files, published again (readers see the"
              f" data from the commit on): {e['merge_seconds']:.1f} s; the raw bulk load leaves the same to do"
              f" ({r['compaction_seconds']:.1f} s, a full compaction): both with it, {compacted:.2f}")
        print(f"peak memory    : {s['peak_mb']:.0f} MB at {a.records // 4:,} records, {e['peak_mb']:.0f} MB at {a.records:,}"
              f" (x{e['peak_mb'] / s['peak_mb']:.2f} for x4 input); raw bulk_load {r['peak_mb']:.0f} MB")
        size = e["size_mb"] / r["size_mb"]
        print(f"store size     : {e['size_mb']:,.0f} MB, raw bulk load {r['size_mb']:,.0f} MB: x{size:.2f}  "
              f"{verdict(size, 1.2, False)} just after both loads", flush=True)
        es = run_phase("settled", str(generation_db(work / "store-big")), str(work / "settled-big"))
        rs = run_phase("settled", str(work / "store-raw"), str(work / "settled-raw"))
        size = es["size_mb"] / rs["size_mb"]
        print(f"  settled      : {es['size_mb']:,.0f} MB, raw bulk load {rs['size_mb']:,.0f} MB: x{size:.2f}  "
              f"{verdict(size, 1.2, False)} once RocksDB has compacted both (a copy of each; just after a bulk"
              f" load, some files are not compacted yet, how many depends on timing)", flush=True)
        if a.jobs > 1:
            j = run_phase("pipeline", str(big), str(work / "store-jobs"), "", str(a.jobs))
            print(f"first load with --jobs {a.jobs}: {j['seconds']:.1f} s, x{j['seconds'] / e['seconds']:.2f} of one process"
                  f" (CPU time x{j['cpu'] / e['cpu']:.2f}, its processes included); {j['triples']:,} triples"
                  f" ({'the same count' if j['triples'] == e['triples'] else 'NOT the same count'}), peak {j['peak_mb']:.0f} MB",
                  flush=True)
            shutil.rmtree(work / "store-jobs", ignore_errors=True)
        for label, source, goal in (("reload, same input", big, 0.10), ("reload, 1 % of the records changed", revised, 0.15),
                                    ("reload, every record changed", moved, 1.5)):
            rl = run_phase("pipeline", str(source), str(work / "store-big"), "")
            share = rl["seconds"] / e["seconds"]
            print(f"{label}: {rl['seconds']:.1f} s, x{share:.3f} of the first load {verdict(share, goal, False)}"
                  f" (CPU time x{rl['cpu'] / e['cpu']:.3f}); written as {rl['write']}, {rl['changed']:,} records"
                  f" changed, peak {rl['peak_mb']:.0f} MB, counts reconcile: {rl['reconciles']},"
                  f" store {rl['size_mb']:,.0f} MB, then its merge on close {rl['merge_seconds']:.1f} s"
                  f"\n  time went to: {rl['spent']}", flush=True)
    finally:
        if a.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
