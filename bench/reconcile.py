"""Reconciliation (/reconcile): the in-memory index's build time and memory, and the cost of a query.

    python bench/reconcile.py                      # the bundled samples and 100,000 generated Mérimée records
    python bench/reconcile.py --records 20000      # a smaller generated store
    python bench/reconcile.py --store var/store    # an existing store instead of the generated one

For each store, in a fresh process: the index's build time and the growth of the process's
resident memory it causes (each server process holds its own index), then the time of one
reconciliation query (names as a spreadsheet has them: exact, another case, a typo, a word
missing) against a baseline measured in the same run: pyoxigraph's exact-label lookup
(``?s rdfs:label "…"``, answered from its indexes). Then over HTTP, a real ``patrimoine serve``
(two server processes): the first request (which builds the index), then batches of 10 queries as
OpenRefine sends them, from 4 clients, in rows per second.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
SAMPLES = ["samples/pop/constructed-hdf-merimee-opendata.csv", "samples/pop/constructed-hdf-palissy-opendata.csv",
           "samples/pop/constructed-hdf-joconde-opendata.csv", "samples/pop/constructed-hdf-museo-opendata.csv",
           "samples/ead/FRAD062_ir_9fi_02_permaliens.xml", "samples/marc/sudoc-24276858X.marcxml.xml"]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def variants(names: list[str], rng: random.Random) -> list[str]:
    """Names as spreadsheets write them: as is, in capitals, with a typo, with a word left out."""
    out = []
    for i, name in enumerate(names):
        kind = i % 4
        if kind == 1:
            name = name.upper()
        elif kind == 2 and len(name) > 5:
            j = rng.randrange(1, len(name) - 1)
            name = name[:j] + name[j + 1:]
        elif kind == 3 and len(name.split()) > 2:
            words = name.split()
            del words[rng.randrange(len(words))]
            name = " ".join(words)
        out.append(name)
    return out


def in_process(store: str, queries: int) -> dict:
    """Run in a fresh process: build the index, time queries against the exact-label baseline."""
    import pyoxigraph as ox

    from graph.reconciliation.index import EntityIndex
    from graph.reconciliation.match import Reconciler, read_query
    from graph.reconciliation.reference import ReferencePlaces
    from graph.reconciliation.schema import schema
    from graph.store import KnowledgeGraph

    kg = KnowledgeGraph(store, read_only=True)
    sc = schema(kg.minter.base)
    reference = ReferencePlaces(kg.minter)
    reference.warm()  # the reference places are read by the loaders too: not the index's memory
    before = rss_mb()
    started = time.perf_counter()
    index = EntityIndex.build(kg, sc, reference.geo)
    build = time.perf_counter() - started
    grown = rss_mb() - before  # the index, and what reading the store leaves in the process (RocksDB's caches)
    del index
    gc.collect()
    tracemalloc.start()
    index = EntityIndex.build(kg, sc, reference.geo)  # again, counting the Python objects the index keeps
    gc.collect()
    heap = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    rng = random.Random(32)
    picked = [index.names[rng.randrange(len(index))] for _ in range(queries)]
    texts = variants(picked, rng)
    reconciler = Reconciler(index, reference)
    parsed = [read_query({"query": t[:500], "limit": 10}, sc) for t in texts]
    started = time.perf_counter()
    top1 = 0
    for name, q in zip(picked, parsed):
        found = reconciler.reconcile(q)
        top1 += bool(found) and found[0].thing.name == name
    per_query = (time.perf_counter() - started) / len(parsed)
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    started = time.perf_counter()
    for name in picked:
        list(kg.store.quads_for_pattern(None, label, ox.Literal(name), None))
    baseline = (time.perf_counter() - started) / len(picked)
    return {"entities": len(index), "labels": index.stats.labels, "words": index.stats.tokens,
            "by_type": index.stats.by_type, "build_s": build, "rss_mb": grown, "heap_mb": heap, "query_ms": per_query * 1000,
            "baseline_ms": baseline * 1000, "top1": top1 / len(parsed), "texts": texts[:200]}


def http(store: str, texts: list[str], seconds: float = 10.0) -> dict:
    from tests.server import start_server  # the tests' real server harness

    with start_server(Path(store), "--rate-limit", "0", "--http-workers", "2") as server:
        def post(batch: list[str]) -> float:
            """Seconds until the batch is answered (after 503s while the index is being built, as a client retries)."""
            queries = {f"q{i}": {"query": t} for i, t in enumerate(batch)}
            data = urllib.parse.urlencode({"queries": json.dumps(queries)}).encode()
            started = time.perf_counter()
            while True:
                try:
                    with urllib.request.urlopen(server.url + "/reconcile", data=data, timeout=120) as r:
                        json.loads(r.read())
                    return time.perf_counter() - started
                except urllib.error.HTTPError as e:
                    if e.code != 503:
                        raise
                    time.sleep(float(e.headers.get("Retry-After", "1")))

        first = [post(texts[:10]) for _ in range(2)]  # each server process builds its index once
        batches = [texts[i:i + 10] for i in range(0, len(texts) - 9, 10)]
        done, started = 0, time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            while time.perf_counter() - started < seconds:
                done += sum(1 for _ in pool.map(post, batches[:40]))
        elapsed = time.perf_counter() - started
        rss = []
        for pid in server.server_pids():
            with open(f"/proc/{pid}/status") as f:
                rss += [int(line.split()[1]) / 1000 for line in f if line.startswith("VmRSS")]
    return {"first_s": max(first), "rows_per_s": done * 10 / elapsed, "server_rss_mb": rss}


def load(store: Path, files: list[str]) -> None:
    subprocess.run([str(BIN / "patrimoine"), "--store", str(store), "load", "--region", "all", *files],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000, help="generated Mérimée records (default 100,000)")
    parser.add_argument("--store", help="an existing store to measure instead of the generated one")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.phase:
        print(json.dumps(in_process(a.phase, a.queries)))
        return
    work = Path(tempfile.mkdtemp(prefix="bench-reconcile-"))
    stores = {"bundled samples": work / "samples"}
    load(stores["bundled samples"], SAMPLES)
    if a.store:
        stores["given store"] = Path(a.store)
    else:
        from bench.load import generate

        generate(work / "merimee.csv", a.records)
        started = time.perf_counter()
        load(work / "generated", [str(work / "merimee.csv")])
        print(f"generated store: {a.records:,} records loaded in {time.perf_counter() - started:.0f} s")
        stores[f"{a.records:,} generated records"] = work / "generated"
    for name, store in stores.items():
        out = subprocess.run([sys.executable, __file__, "--phase", str(store), "--queries", str(a.queries)],
                             check=True, capture_output=True, text=True, cwd=ROOT)
        r = json.loads(out.stdout)
        h = http(str(store), r["texts"])
        print(f"\n{name}: {r['entities']:,} entities ({', '.join(f'{k} {v:,}' for k, v in r['by_type'].items())}), "
              f"{r['labels']:,} names, {r['words']:,} words")
        print(f"  index build            {r['build_s']:.2f} s; the index holds {r['heap_mb']:.0f} MB of Python objects, "
              f"the process grows by {r['rss_mb']:.0f} MB (with the store's caches); once per server process")
        print(f"  one query              {r['query_ms']:.3f} ms = {r['query_ms'] / r['baseline_ms']:.1f}x an exact-label "
              f"lookup in pyoxigraph ({r['baseline_ms']:.3f} ms); right entity first for {r['top1']:.0%}")
        print(f"  HTTP, 2 processes      first request {h['first_s']:.2f} s (builds the index); "
              f"{h['rows_per_s']:,.0f} rows/s in batches of 10 from 4 clients; "
              f"server processes {', '.join(f'{x:.0f}' for x in h['server_rss_mb'])} MB resident")


if __name__ == "__main__":
    main()
