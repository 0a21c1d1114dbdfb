"""EAD benchmark: a generated finding aid of N components, nested five levels, read and loaded.

    python bench/formats_ead.py            # 50,000 then 12,500 components

The finding aid has the shape of a departmental archives export (DTD, no
namespace, ISO-8859-1): series > subseries > files > items > pieces, each
component with cote, title, ``unitdate normal``, index terms and, for items,
a ``dao`` permalink. Two phases, each in its own process so its peak memory
(max RSS) is its own:

- ``read``: the streaming reader alone (records/s, peak RSS over the
  interpreter's baseline): this is what must stay flat as the file grows;
- ``map``: reader and CIDOC-CRM mapper, the loader's own cost;
- ``load``: the whole pipeline (map, EDM alignment, on-disk store).

Figures are printed, not asserted. :func:`bench_ead` returns them as a dict
(for bench/formats.py).
"""

from __future__ import annotations

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

FAN_OUT = (4, 5, 8, 10, 3)  # children per component, level by level: series, subseries, files, items, pieces
LEVELS = ("series", "subseries", "file", "item", "item")
PLACES = ("Arras (Pas-de-Calais, France)", "Saint-Omer (Pas-de-Calais, France)", "Amiens (Somme, France)",
          "Lille (Nord, France)", "Beauvais (Oise, France)", "Laon (Aisne, France)", "Béthune (Pas-de-Calais, France)")
SUBJECTS = ("Cathédrale", "Église", "Mairie", "École", "Beffroi", "Usine", "Mine de charbon", "Guerre 1914-1918")
PEOPLE = ("Gates, James (1850-1929)", "Dusautoir, Augustin (abbé)", "Brejon, Vincent", "Ponche, Michel (chanoine)")


class _Writer:
    def __init__(self, out, total: int) -> None:
        self.out, self.total, self.count = out, total, 0

    def components(self, depth: int, cote: str) -> None:
        for i in range(1, FAN_OUT[depth] + 1):
            if self.count >= self.total:
                return
            self.count += 1
            n, tag, here = self.count, f"c{depth + 1:02d}", f"{cote}/{i}"
            year = 1790 + n % 200
            dao = (f'<dao href="https://archives.example.org/ark:/64297/{n:012x}" role="image"/>'
                   if LEVELS[depth] == "item" else "")
            self.out.write(
                f'<{tag} level="{LEVELS[depth]}" id="c{n}"><did><unitid countrycode="FR" repositorycode="AD062">'
                f"{here}</unitid><unittitle>{SUBJECTS[n % len(SUBJECTS)]} de {PLACES[n % len(PLACES)].split(' (')[0]}, "
                f"pièce {n}</unittitle><unitdate normal=\"{year}/{year + 2}\">{year}-{year + 2}</unitdate>{dao}</did>"
                f"<scopecontent><p>Composant {n} : description sommaire, réparations, correspondance.</p></scopecontent>"
                f"<controlaccess><geogname>{PLACES[n % len(PLACES)]}</geogname><persname>{PEOPLE[n % len(PEOPLE)]}"
                f"</persname><subject>{SUBJECTS[(n * 7) % len(SUBJECTS)]}</subject></controlaccess>\n")
            if depth + 1 < len(FAN_OUT):
                self.components(depth + 1, here)
            self.out.write(f"</{tag}>\n")


def generate(path: Path, n_components: int) -> None:
    with open(path, "w", encoding="iso-8859-1") as out:
        out.write('<?xml version="1.0" encoding="iso-8859-1"?>\n'
                  '<!DOCTYPE ead PUBLIC "+//ISBN 1-931666-00-8//DTD ead.dtd (Encoded Archival Description (EAD) '
                  'Version 2002)//EN" "ead2002/ead.dtd">\n<ead><eadheader><eadid countrycode="FR" '
                  'mainagencycode="FRAD062">frad062_bench</eadid><filedesc><titlestmt><titleproper>Banc d\'essai'
                  '</titleproper></titlestmt></filedesc></eadheader>\n<archdesc level="fonds"><did>'
                  "<repository>Archives départementales du Pas-de-Calais</repository><unitid>1 BENCH</unitid>"
                  "<unittitle>Fonds d'essai</unittitle><unitdate normal=\"1790/2000\">1790-2000</unitdate></did><dsc>\n")
        writer = _Writer(out, n_components)
        while writer.count < n_components:
            writer.components(0, f"{writer.count + 1} BENCH")
        out.write("</dsc></archdesc></ead>\n")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def phase_read(path: str) -> dict:
    from loaders.ead import read_ead

    base = _rss_mb()
    peak = base
    t = time.perf_counter()
    n = 0
    for n, _ in enumerate(read_ead(Path(path)), 1):
        if n % 1000 == 0:
            peak = max(peak, _rss_mb())
    seconds = time.perf_counter() - t
    return {"records": n, "seconds": seconds, "peak_growth_mb": max(peak, _rss_mb()) - base}


def phase_map(path: str) -> dict:
    """Reader and mapper only (CIDOC-CRM N-Triples text, thrown away): the loader's own cost."""
    from graph.mapping import MappingContext
    from graph.store import KnowledgeGraph
    from loaders.ead import map_unit, read_ead

    ctx = MappingContext(KnowledgeGraph(None).minter, "bench", "32")
    base = _rss_mb()
    peak = base
    t = time.perf_counter()
    n = triples = 0
    for n, record in enumerate(read_ead(Path(path)), 1):
        map_unit(record, ctx)
        triples += len(ctx.b.take())
        if n % 1000 == 0:
            peak = max(peak, _rss_mb())
    seconds = time.perf_counter() - t
    return {"records": n, "seconds": seconds, "triples": triples, "peak_growth_mb": max(peak, _rss_mb()) - base}


def phase_load(path: str, store: str) -> dict:
    from patrimoine.pipeline import LoadOptions, load
    from graph.store import KnowledgeGraph

    kg = KnowledgeGraph(store)
    t = time.perf_counter()
    [report] = load(kg, [Path(path)], LoadOptions(format="ead", dataset="bench", region="32", progress=False))
    seconds = time.perf_counter() - t
    c = report.counts
    return {"records": c.records_loaded, "seconds": seconds, "triples": report.triples,
            "reconciles": c.records_read == c.records_loaded + c.records_rejected + c.records_skipped,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _run(phase: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, *args], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_ead(n_components: int) -> dict:
    """Generate a finding aid of ``n_components`` components, read it and load it; the figures."""
    work = Path(tempfile.mkdtemp(prefix="patrimoine-bench-ead-"))
    try:
        path = work / "frad062_bench.xml"
        generate(path, n_components)
        read = _run("read", str(path))
        mapped = _run("map", str(path))
        loaded = _run("load", str(path), str(work / "store"))
        return {
            "format": "ead", "components": n_components, "file_mb": path.stat().st_size / 1e6,
            "read_components_per_s": read["records"] / read["seconds"], "read_peak_growth_mb": read["peak_growth_mb"],
            "map_components_per_s": mapped["records"] / mapped["seconds"],
            "map_triples_per_s": mapped["triples"] / mapped["seconds"], "map_peak_growth_mb": mapped["peak_growth_mb"],
            "load_components_per_s": loaded["records"] / loaded["seconds"],
            "load_triples_per_s": loaded["triples"] / loaded["seconds"], "load_peak_mb": loaded["peak_mb"],
            "triples": loaded["triples"], "records": loaded["records"], "reconciles": loaded["reconciles"],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--phase":
        fn = {"read": phase_read, "map": phase_map, "load": phase_load}[sys.argv[2]]
        print(json.dumps(fn(*sys.argv[3:])))
        return
    for n in (50_000, 12_500):
        r = bench_ead(n)
        print(f"EAD {n:,} components ({r['file_mb']:.0f} MB, {r['records']:,} records incl. the fonds, "
              f"{r['triples']:,} triples, counts reconcile: {r['reconciles']})")
        print(f"  read only : {r['read_components_per_s']:>9,.0f} components/s, peak memory growth "
              f"{r['read_peak_growth_mb']:.1f} MB")
        print(f"  read + map: {r['map_components_per_s']:>9,.0f} components/s ({r['map_triples_per_s']:,.0f} CRM triples/s),"
              f" peak memory growth {r['map_peak_growth_mb']:.1f} MB")
        print(f"  full load : {r['load_components_per_s']:>9,.0f} components/s ({r['load_triples_per_s']:,.0f} triples/s),"
              f" peak memory {r['load_peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
