"""LIDO load benchmark: records/s and peak memory on generated ``lido:lidoWrap`` files.

    python bench/formats_lido.py [--records 50000] [--keep]

The files are made of the real records of samples/lido/ (the three of
LIDO-Extended-Example, example1, the Mona Lisa), repeated with their own
``lidoRecID`` and inventory number, so every record is distinct. Each run is a
process of its own, so its peak memory (max RSS) is its own:

* end to end: the real pipeline (stream, map, derive EDM, bulk load) into an
  on-disk store;
* reading and mapping only: the loader's ``records`` and ``map`` with the
  triples thrown away, to tell the loader's own cost from the alignment's and
  the store's.

Both run at the given size and at a quarter of it: with streaming, peak memory
should barely grow with the input. Figures are printed, not asserted.
bench/formats.py gathers every format through :func:`bench_lido`.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "samples" / "lido"
TEMPLATES = ("LIDO-Extended-Example.xml", "example1.xml", "mona_lisa.lido-mc.xml")
_REC_ID = re.compile(r"(<lido:lidoRecID\b[^>]*>)\s*([^<]*?)\s*(</lido:lidoRecID>)")
_WORK_ID = re.compile(r"(<lido:workID\b[^>]*>)([^<]*)(</lido:workID>)")


def templates() -> list[str]:
    """The sample records as standalone ``lido:lido`` elements (namespaces declared on each)."""
    from lxml import etree

    from graph.xml import iter_elements

    out = []
    for name in TEMPLATES:
        for element in iter_elements(SAMPLES / name, "{http://www.lido-schema.org}lido"):
            out.append(etree.tostring(element, encoding="unicode", with_tail=False))
    return out


def generate(path: Path, n: int) -> None:
    records = templates()
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<lido:lidoWrap xmlns:lido="http://www.lido-schema.org">\n')
        for i in range(n):
            text = _REC_ID.sub(lambda m: f"{m[1]}{m[2]}-{i}{m[3]}", records[i % len(records)], count=1)
            f.write(_WORK_ID.sub(lambda m: f"{m[1]}{m[2]}-{i}{m[3]}", text))
            f.write("\n")
        f.write("</lido:lidoWrap>\n")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_pipeline(lido: str, store: str) -> dict:
    from patrimoine.pipeline import LoadOptions, load
    from graph.store import KnowledgeGraph

    kg = KnowledgeGraph(store)
    started = time.perf_counter()
    [report] = load(kg, [Path(lido)], LoadOptions(format="lido", dataset="bench-lido", region=None, progress=False))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": report.counts.records_loaded, "triples": report.triples,
            "reconciles": report.counts.reconciles(), "peak_mb": _peak_mb()}


def phase_mapping(lido: str) -> dict:
    from graph.iri import Minter
    from graph.mapping import MappingContext
    from loaders import get_loader

    loader = get_loader("lido")
    ctx = MappingContext(Minter(), "bench-lido", region=None)
    started, n, lines = time.perf_counter(), 0, 0
    for record in loader.records(Path(lido), None):
        loader.map(record, ctx)
        lines += len(ctx.b.take())
        n += 1
    return {"seconds": time.perf_counter() - started, "records": n, "triples": lines, "peak_mb": _peak_mb()}


def _run(phase: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, *args], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_lido(n_records: int, work: Path | None = None) -> dict:
    """Load ``n_records`` generated LIDO records end to end, and read+map them alone; figures as a dict."""
    own = work is None
    work = work or Path(tempfile.mkdtemp(prefix="patrimoine-bench-lido-"))
    try:
        lido = work / f"lido-{n_records}.xml"
        generate(lido, n_records)
        e2e = _run("pipeline", str(lido), str(work / f"store-{n_records}"))
        mapping = _run("mapping", str(lido))
        return {
            "format": "lido",
            "records": n_records,
            "file_mb": lido.stat().st_size / 1e6,
            "records_per_second": e2e["records"] / e2e["seconds"],
            "triples_per_second": e2e["triples"] / e2e["seconds"],
            "triples": e2e["triples"],
            "seconds": e2e["seconds"],
            "peak_mb": e2e["peak_mb"],
            "reconciles": e2e["reconciles"] and e2e["records"] == n_records,
            "map_records_per_second": mapping["records"] / mapping["seconds"],
            "map_peak_mb": mapping["peak_mb"],
        }
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        print(json.dumps({"pipeline": phase_pipeline, "mapping": phase_mapping}[a.phase](*a.args)))
        return
    work = Path(tempfile.mkdtemp(prefix="patrimoine-bench-lido-"))
    try:
        results = [bench_lido(n, work) for n in (a.records // 4, a.records)]
        for r in results:
            print(f"LIDO {r['records']:>7,} records ({r['file_mb']:.0f} MB lidoWrap): "
                  f"end to end {r['records_per_second']:>7,.0f} records/s ({r['triples_per_second']:,.0f} triples/s, "
                  f"{r['triples']:,} triples in {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB, "
                  f"counts reconcile: {r['reconciles']}); read+map only {r['map_records_per_second']:,.0f} records/s, "
                  f"peak {r['map_peak_mb']:.0f} MB")
        small, big = results
        print(f"peak memory x{big['peak_mb'] / small['peak_mb']:.2f} end to end, "
              f"x{big['map_peak_mb'] / small['map_peak_mb']:.2f} read+map, for x{big['records'] // small['records']} input")
    finally:
        if a.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
