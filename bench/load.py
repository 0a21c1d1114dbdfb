"""Load benchmark: end-to-end POP load versus pyoxigraph's raw bulk load of the same triples.

    python bench/load.py [--records 200000] [--changed-reload] [--keep]

Generates Mérimée records in the open-data export shape (label headers, ';'),
loads them with the real pipeline into an on-disk store, then bulk-loads the
very triples that load produced (dumped as N-Triples) into a fresh store with
pyoxigraph alone. Each phase runs in its own process so its peak memory
(max RSS) is its own; the end-to-end load also runs at a quarter of the size
to show whether memory stays flat as input grows. Figures are printed, not
asserted: machines are noisy, compare the ratios.
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


def generate(path: Path, n: int, seed: int = 32) -> None:
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
            w.writerow([
                f"PA{80000000 + i:08d}", f"{deno.capitalize()} de {c.name}", deno, "Hauts-de-France",
                c.department, c.name, c.code, "inscrit MH" if i % 3 else "classé MH",
                f"{year}/0{1 + i % 9}/1{i % 10} : {'inscrit' if i % 3 else 'classé'} MH",
                PERIODS[i % len(PERIODS)], STATUS[i % len(STATUS)],
                f"{deno.capitalize()} construit au {PERIODS[i % len(PERIODS)]}, remanié en {year}. Notice {i}.",
                f"{49.0 + rng.random():.5f}, {2.0 + rng.random():.5f}",
            ])


def run_phase(phase: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, *args], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def phase_pipeline(csv_path: str, store: str, dump: str) -> dict:
    from patrimoine.pipeline import LoadOptions, load
    from graph.store import KnowledgeGraph
    import pyoxigraph as ox

    kg = KnowledgeGraph(store)
    mapping_peak = {}
    write = kg.replace_dataset

    def replace_dataset(*args, **kwargs):  # the peak of reading + mapping, before the store write
        mapping_peak["mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return write(*args, **kwargs)

    kg.replace_dataset = replace_dataset
    t = time.perf_counter()
    [report] = load(kg, [Path(csv_path)], LoadOptions(dataset="bench", progress=False))
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if dump:
        kg.store.dump(output=dump, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(kg.minter.plain(kg.minter.graph("bench"))))
    return {"seconds": seconds, "records": report.counts.records_loaded, "triples": report.triples, "peak_mb": peak,
            "mapping_peak_mb": mapping_peak["mb"],
            "reconciles": report.counts.reconciles()}


def phase_raw(dump: str, store: str) -> dict:
    import pyoxigraph as ox

    s = ox.Store(store)
    t = time.perf_counter()
    s.bulk_load(path=dump, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("http://example.org/bench"))
    s.flush()
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "triples": len(s), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--changed-reload", action="store_true",
                    help="also reload a version where every record changed (the slow, atomic diff path)")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        fn = {"pipeline": phase_pipeline, "raw": phase_raw}[a.phase]
        print(json.dumps(fn(*a.args)))
        return
    work = Path(tempfile.mkdtemp(prefix="patrimoine-bench-"))
    try:
        small, big = work / "small.csv", work / "big.csv"
        generate(small, a.records // 4)
        generate(big, a.records)
        print(f"{a.records:,} generated Mérimée records in the open-data export shape ({big.stat().st_size / 1e6:.0f} MB)")
        s = run_phase("pipeline", str(small), str(work / "store-small"), "")
        e = run_phase("pipeline", str(big), str(work / "store-big"), str(work / "dump.nt"))
        r = run_phase("raw", str(work / "dump.nt"), str(work / "store-raw"))
        print(f"end to end     : {e['records'] / e['seconds']:>10,.0f} records/s {e['triples'] / e['seconds']:>10,.0f} triples/s"
              f"  ({e['triples']:,} triples in {e['seconds']:.1f} s, counts reconcile: {e['reconciles']})")
        print(f"raw bulk_load  : {'':>18} {r['triples'] / r['seconds']:>10,.0f} triples/s  ({r['seconds']:.1f} s)")
        print(f"ratio end-to-end / raw bulk load: {(e['triples'] / e['seconds']) / (r['triples'] / r['seconds']):.2f}  (goal >= 0.33)")
        print(f"peak memory    : {s['peak_mb']:.0f} MB at {a.records // 4:,} records, {e['peak_mb']:.0f} MB at {a.records:,}"
              f" (x{e['peak_mb'] / s['peak_mb']:.2f} for x4 input); raw bulk_load {r['peak_mb']:.0f} MB")
        print(f"  of which reading + mapping + EDM: {s['mapping_peak_mb']:.0f} MB and {e['mapping_peak_mb']:.0f} MB", flush=True)
        rl = run_phase("pipeline", str(big), str(work / "store-big"), "")
        print(f"reload, same input   : {rl['seconds']:.1f} s (content unchanged: catalogue renewed only)", flush=True)
        if a.changed_reload:  # slow on big inputs (see graph/store.py): opt-in
            changed = work / "changed.csv"
            generate(changed, a.records, seed=62)  # other coordinates: every record changes
            rc = run_phase("pipeline", str(changed), str(work / "store-big"), "")
            print(f"reload, every record changed (atomic diff swap): {rc['triples'] / rc['seconds']:,.0f} triples/s"
                  f" ({rc['seconds']:.1f} s)")
    finally:
        if a.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
