"""MARC load benchmark: records/s and peak memory of the ``unimarc`` and ``marc21`` loaders.

    python bench/formats_marc.py [--records 50000] [--keep]

Generates copies of the real sample records (the three Sudoc records and the
ICCU UNIMARC record of samples/marc/, or the ten Library of Congress MARC 21
records), each copy varied (identifier, title, author and authority id, dates,
publication place among the Hauts-de-France communes) and written with pymarc,
as ISO 2709 (UTF-8) or MARCXML. Each load runs the real pipeline into an
on-disk store in its own process, so the peak memory (max RSS) is the load's
own. Figures are printed, not asserted; a load at a quarter of the size shows
whether memory stays flat as input grows. ``bench_marc(n)`` returns the
figures as a dict for bench/formats.py.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "samples" / "marc"
BASES = {
    "unimarc": ["sudoc-24276858X.marcxml.xml", "sudoc-252383524.marcxml.xml", "sudoc-088884074.marcxml.xml",
                "testunimarc.iso2709"],
    "marc21": ["test.iso2709"],
}
SURNAMES = ["Lefebvre", "Dubois", "Lemaire", "Deprez", "Vasseur", "Caron", "Delattre", "Dupont", "Leroy", "Fournier"]
FORENAMES = ["Marie", "Jean", "Claire", "Louis", "Anne", "Pierre", "Sophie", "Paul", "Julie", "Henri"]


def base_records(dialect: str) -> list:
    from loaders.marc import read_marc

    return [r.data for name in BASES[dialect] for r in read_marc(SAMPLES / name, dialect)]


def variant(base, i: int, place: str, dialect: str):
    """A copy of ``base`` with its own identifier, title, first author, dates and place."""
    from loaders.marc import DataField, Marc

    marc = Marc(base.leader)
    marc.control = dict(base.control)
    marc.data = {tag: [DataField(f.ind1, f.ind2, list(f.subfields)) for f in fields]
                 for tag, fields in base.data.items()}
    year = str(1950 + i % 70)
    surname, forename = SURNAMES[i % len(SURNAMES)], FORENAMES[i // len(SURNAMES) % len(FORENAMES)]
    if dialect == "unimarc":
        ppn = f"{i:09d}"
        marc.control["001"] = ppn
        marc.control["003"] = f"http://www.sudoc.fr/{ppn}"
        title, names, dated, placed = ("200", "a"), ("700", {"a": surname, "b": forename, "3": f"{i % 5000:08d}X"}), \
            {"210": "d", "214": "d"}, {"210": "a", "214": "a"}
    else:
        marc.control["001"] = f"bench{i:08d}"
        title, names, dated, placed = ("245", "a"), ("100", {"a": f"{surname}, {forename},"}), {"260": "c"}, {"260": "a"}
    _set(marc, *title, lambda v: f"{v.rstrip(' /:;')} : volume {i % 40 + 1}")
    for code, value in names[1].items():
        _set(marc, names[0], code, lambda v, value=value: value)
    for tag, code in dated.items():
        _set(marc, tag, code, lambda v: year)
    for tag, code in placed.items():
        _set(marc, tag, code, lambda v: place)
    return marc


def _set(marc, tag: str, code: str, change) -> None:
    for f in marc.fields(tag)[:1]:
        f.subfields = [(c, change(v) if c == code else v) for c, v in f.subfields]


def generate(path: Path, n: int, dialect: str, container: str) -> None:
    import pymarc

    from graph.geo import Geography

    places = [c.name for c in Geography.default().communes() if c.region == "32"]
    bases = base_records(dialect)
    if container == "marcxml":
        writer = pymarc.XMLWriter(open(path, "wb"))
    else:
        writer = pymarc.MARCWriter(open(path, "wb"))
    try:
        for i in range(n):
            writer.write(variant(bases[i % len(bases)], i, places[i % len(places)], dialect).to_pymarc())
    finally:
        writer.close()


def phase_load(path: str, store: str, dialect: str) -> dict:
    from patrimoine.pipeline import LoadOptions, load
    from graph.store import KnowledgeGraph

    kg = KnowledgeGraph(store)
    t = time.perf_counter()
    [report] = load(kg, [Path(path)], LoadOptions(format=dialect, dataset="bench-marc", progress=False))
    seconds = time.perf_counter() - t
    c = report.counts
    return {"seconds": seconds, "records_read": c.records_read, "records_loaded": c.records_loaded,
            "records_rejected": c.records_rejected, "records_skipped": c.records_skipped, "triples": report.triples,
            "reconciles": c.reconciles(), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def bench_marc(n_records: int, dialect: str = "unimarc", container: str = "iso2709") -> dict:
    """Generate ``n_records`` records, load them in a fresh process, return the figures."""
    work = Path(tempfile.mkdtemp(prefix="patrimoine-bench-marc-"))
    try:
        data = work / f"records.{'xml' if container == 'marcxml' else 'mrc'}"
        generate(data, n_records, dialect, container)
        out = subprocess.run([sys.executable, __file__, "--phase", str(data), str(work / "store"), dialect],
                             check=True, capture_output=True, text=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        figures.update(format=dialect, container=container, records=n_records, bytes=data.stat().st_size,
                       records_per_s=figures["records_read"] / figures["seconds"],
                       triples_per_s=figures["triples"] / figures["seconds"])
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--phase", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        print(json.dumps(phase_load(*a.phase)))
        return
    runs = [(a.records // 4, "unimarc", "iso2709"), (a.records, "unimarc", "iso2709"),
            (a.records, "unimarc", "marcxml"), (a.records, "marc21", "iso2709")]
    results = []
    for n, dialect, container in runs:
        r = bench_marc(n, dialect, container)
        results.append(r)
        print(f"{dialect:8} {container:8} {n:>7,} records ({r['bytes'] / 1e6:5.1f} MB): "
              f"{r['records_per_s']:>7,.0f} records/s {r['triples_per_s']:>8,.0f} triples/s "
              f"({r['triples']:,} triples in {r['seconds']:.1f} s), peak {r['peak_mb']:.0f} MB, "
              f"loaded {r['records_loaded']:,}, counts reconcile: {r['reconciles']}")
    small, big = results[0], results[1]
    print(f"peak memory x{big['peak_mb'] / small['peak_mb']:.2f} for x4 input (unimarc ISO 2709)")


if __name__ == "__main__":
    main()
