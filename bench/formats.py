"""Records/s and peak memory of every exchange-format loader, on generated inputs, at two sizes.

    python bench/formats.py [--records 50000]

MARC (UNIMARC ISO 2709 and MARCXML, MARC21), EAD (one finding aid of N nested
components) and LIDO (a lidoWrap of N records), each loaded end to end into an
on-disk store in its own process. Memory should stay flat as the input grows
(x4 input → peak close to x1). Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from formats_ead import bench_ead  # noqa: E402
from formats_lido import bench_lido  # noqa: E402
from formats_marc import bench_marc  # noqa: E402


def row(name: str, n: int, per_s: float, triples_per_s: float, peak_mb: float, reconciles: bool) -> str:
    return (f"{name:<26} {n:>8,} {per_s:>12,.0f} {triples_per_s:>12,.0f} {peak_mb:>9,.0f}"
            f"  {'yes' if reconciles else 'NO'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=50_000, help="size of the larger input (the smaller is a quarter)")
    n = ap.parse_args().records
    print(f"{'format':<26} {'records':>8} {'records/s':>12} {'triples/s':>12} {'peak MB':>9}  counts reconcile")
    peaks: dict[str, list[float]] = {}
    for size in (n // 4, n):
        for dialect, container in (("unimarc", "iso2709"), ("unimarc", "marcxml"), ("marc21", "iso2709")):
            r = bench_marc(size, dialect, container)
            peaks.setdefault(f"{dialect} {container}", []).append(r["peak_mb"])
            print(row(f"{dialect} {container}", size, r["records_per_s"], r["triples_per_s"], r["peak_mb"],
                      r["reconciles"]), flush=True)
        r = bench_ead(size)
        peaks.setdefault("ead", []).append(r["load_peak_mb"])
        print(row("ead (components)", size, r["load_components_per_s"], r["load_triples_per_s"], r["load_peak_mb"],
                  r["reconciles"]), flush=True)
        r = bench_lido(size)
        peaks.setdefault("lido", []).append(r["peak_mb"])
        print(row("lido", size, r["records_per_second"], r["triples_per_second"], r["peak_mb"], r["reconciles"]),
              flush=True)
    for name, (small, big) in peaks.items():
        print(f"peak memory, {name}: x{big / small:.2f} for x4 input")


if __name__ == "__main__":
    main()
