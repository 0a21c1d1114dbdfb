"""National scale on one machine: generated POP graphs of 1M, 10M and 50M triples, loaded, linked, validated
and queried, with time, peak memory and store size per step, and how each grows with size.

    python bench/scale.py [--sizes 1M,10M,50M] [--work DIR] [--keep] [--no-raw] [--no-validate]
                          [--link-timeout SECONDS] [--queries PREFIXES] [--reload]

For each size, Mérimée, Palissy and Joconde records of all France are generated in their open-data
export shapes (bench/popgen.py) in the national bases' proportions, as many as the target number of
triples takes (triples per record measured by a small calibration load through the same pipeline).
Then, each step in its own process (its peak memory is its own, read from the kernel when it ends):

* load: ``patrimoine load --region all`` of the three exports (three datasets);
* reload (``--reload``): the same exports loaded again with another ``--provider``, so that every record
  is mapped again and every dataset written anew, as after an upgrade of the software or of the
  reference data; its time against the first load's;
* link: ``patrimoine link`` (when the installed ``patrimoine`` has it), stopped after ``--link-timeout``;
* settle: the store opened once more and compacted (``Store.optimize``): sizes compare compacted
  stores (the raw one's size just after its bulk load is printed too);
* validate: ``patrimoine validate --format json``;
* queries: the README's example queries, as written (materialised shortcuts) and through the CRM
  paths alone, each run to its last row, twice (cold and warm), in a read-only store;
* raw: every quad of the store dumped as N-Quads and bulk-loaded by pyoxigraph alone into a fresh
  store, its size just after the bulk load and settled: the baseline of the store's size.

Figures are printed, not asserted. Generated files and stores live in the work directory (default:
bench/out/scale, ignored by git) and are removed as soon as they are no longer needed unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # ahead of bench/, whose endpoint.py is not the package
sys.path.append(str(ROOT / "bench"))

PATRIMOINE = str(Path(sys.executable).parent / "patrimoine")
SIZES = {"1M": 1_000_000, "10M": 10_000_000, "50M": 50_000_000}
QUERIES_DIR = ROOT / "bench" / "queries"  # the README's examples through the CRM paths alone
README_SECTION = "## Five queries on the bundled data"
CALIBRATION_RECORDS = 6000
QUERY_TIMEOUT = 600.0
ONE_DEPARTMENT = re.compile(r"^\s*\?\w+ pkg:department <[^>]+> \.", re.M)  # a README list query's département


# -- steps, each a process whose time and peak memory are measured ---------------------------------

def run_step(args: list[str], timeout: float | None = None, ok: tuple[int, ...] = (0,)) -> dict:
    """Run ``args``: its wall time, peak resident memory (MB, the kernel's figure for that process alone)
    and what it printed last as a JSON line."""
    import tempfile
    import threading

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, text=True)
        timer = threading.Timer(timeout, proc.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        result = {"seconds": seconds, "peak_mb": round(usage.ru_maxrss / 1024), "returncode": proc.returncode}
        lines = [line for line in out.read().splitlines() if line.startswith("{")]
        if lines:
            result.update(json.loads(lines[-1]))
        if proc.returncode not in ok:
            reason = (err.read().strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            result["error"] = f"killed after {timeout:.0f} s" if proc.returncode == -9 and timeout else reason
    return result


def store_bytes(path: Path) -> int:
    """Bytes of the Oxigraph files of the store at ``path`` (its current generation's when it has them)."""
    return sum(f.stat().st_size for f in oxigraph_dir(path).rglob("*") if f.is_file())


def oxigraph_dir(store: str | Path) -> Path:
    """The directory of the Oxigraph store readers open: the current generation's ``db/`` in a store of
    generations (graph/generations.py), the store itself in one made before them."""
    store = Path(store)
    try:
        return store / "generations" / (store / "current").read_text(encoding="ascii").strip() / "db"
    except FileNotFoundError:
        return store


# -- phases run in their own process ---------------------------------------------------------------

def phase_settle(store: str) -> dict:
    import pyoxigraph as ox

    # compaction rewrites the files, never the quads: done in place even in a published generation
    s = ox.Store(str(oxigraph_dir(store)))
    started = time.perf_counter()
    s.optimize()
    s.flush()
    return {"optimize_seconds": time.perf_counter() - started, "quads": len(s)}


def readme_queries(heading: str = README_SECTION, prefix: str = "readme") -> dict[str, str]:
    """The example queries of one section of the README, as written there: readme-1...readme-5 for the
    *Five queries*."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(heading):]
    if (end := section.find("\n## ", 1)) > 0:
        section = section[:end]
    blocks = section.split("```sparql\n")[1:]
    return {f"{prefix}-{n}": block[:block.index("```")] for n, block in enumerate(blocks, 1)}


def ui_queries(base: str) -> dict[str, str]:
    """The query UI's examples (endpoint/static/queries.json) as the UI runs them (BASE and PREFIX lines)."""
    from endpoint.ui import example_queries

    return {f"ui-{q['id']}": q["query"] for q in example_queries(base)}


def every_row(query: str) -> str:
    """An example query of one département without the line that says which (README, *Five queries*):
    every row of the graph."""
    return "".join(line for line in query.splitlines(keepends=True) if not ONE_DEPARTMENT.search(line))


def benchmark_queries() -> dict[str, str]:
    """Every example query of the README (the *Five queries*, then those of the other sections, named after
    them; one that lists a département's rows also without that line, ``readme-N-every-row``), and the
    first four through the CIDOC-CRM paths alone (bench/queries/)."""
    queries = readme_queries()
    before = {p.stem.split("-")[1] for p in QUERIES_DIR.glob("before-*.rq")}
    for name, text in list(queries.items()):
        if name.split("-")[1] in before and ONE_DEPARTMENT.search(text):
            queries[f"{name}-every-row"] = every_row(text)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("## ") and line != README_SECTION:
            slug = "".join(c if c.isalnum() else "-" for c in line[3:].split("(")[0].strip().lower()).strip("-")
            queries.update(readme_queries(line, slug[:24]))
    queries.update({p.stem: p.read_text(encoding="utf-8") for p in sorted(QUERIES_DIR.glob("*.rq"))})
    return queries


def phase_queries(store: str, only: str = "") -> dict:
    """Each query run to its last row twice (cold, then warm): wall and CPU seconds, rows, a digest of the rows.

    ``only``: comma-separated name prefixes of the queries to run (all when empty); the phase can be run
    by hand on a kept store: ``python bench/scale.py --phase queries STORE readme-1,ui-``."""
    import hashlib

    from graph.store import KnowledgeGraph

    kg = KnowledgeGraph(store, read_only=True)
    out = {}
    queries = {name: (text, True) for name, text in benchmark_queries().items()}
    queries.update({name: (text, False) for name, text in ui_queries(kg.minter.base).items()})
    for name, (text, prefixes) in queries.items():
        if only and not any(name.startswith(o) for o in only.split(",")):
            continue
        runs = []
        for _ in range(2):
            started, cpu = time.perf_counter(), time.process_time()
            rows = [" ".join(str(term) for term in row) for row in kg.query(text, prefixes=prefixes)]
            runs.append((time.perf_counter() - started, time.process_time() - cpu))
        # the set of rows, the order and repeats aside (the README sorts on computed keys, adds DISTINCT)
        digest = hashlib.sha256("\n".join(sorted(set(rows))).encode()).hexdigest()[:16]
        out[name] = {"cold": runs[0][0], "warm": runs[1][0], "cpu": runs[1][1], "rows": len(rows), "digest": digest}
    return {"queries": out}


def phase_raw(store: str, work: str, keep: str = "keep") -> dict:
    """Dump every quad as N-Quads, bulk-load them into a fresh store: its size just after, and settled.

    Unless ``keep`` is "keep", the store is removed once dumped (the disk holds one store at a time)."""
    import pyoxigraph as ox

    dump = Path(work) / "all.nq"
    raw = Path(work) / "raw-store"
    shutil.rmtree(raw, ignore_errors=True)
    s = ox.Store.read_only(str(oxigraph_dir(store)))
    s.dump(str(dump), format=ox.RdfFormat.N_QUADS)
    del s
    if keep != "keep":
        shutil.rmtree(store, ignore_errors=True)
    r = ox.Store(str(raw))
    started = time.perf_counter()
    r.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    r.flush()
    seconds = time.perf_counter() - started
    just_after = store_bytes(raw)
    quads = len(r)
    dump_bytes = dump.stat().st_size
    dump.unlink()
    started = time.perf_counter()
    r.optimize()
    settle = time.perf_counter() - started
    settled = store_bytes(raw)
    del r
    shutil.rmtree(raw, ignore_errors=True)
    return {"seconds": seconds, "quads": quads, "bytes_after_load": just_after, "bytes": settled,
            "settle_seconds": settle, "dump_bytes": dump_bytes}


def phase_calibrate(work: str) -> dict:
    """Triples per record of each base, from a small load through the real pipeline."""
    from popgen import generate, national_counts

    directory = Path(work) / "calibration"
    shutil.rmtree(directory, ignore_errors=True)
    counts = national_counts(CALIBRATION_RECORDS)
    paths = generate(directory, counts, seed=99)
    subprocess.run([PATRIMOINE, "--store", str(directory / "store"), "load", "--region", "all",
                    *map(str, paths.values())], check=True, capture_output=True)
    from graph.store import KnowledgeGraph

    kg = KnowledgeGraph(directory / "store", read_only=True)
    total = sum(len(list(kg.store.quads_for_pattern(None, None, None, g))) for g in kg.visible_graphs())
    records = sum(counts.values())
    del kg
    shutil.rmtree(directory, ignore_errors=True)
    return {"quads_per_record": total / records}


def phase(name: str, *args: str) -> dict:
    return run_step([sys.executable, __file__, "--phase", name, *args])


# -- one size -------------------------------------------------------------------------------------

def run_size(label: str, triples: int, per_record: float, work: Path, a: argparse.Namespace) -> dict:
    from popgen import generate, national_counts

    here = work / label
    shutil.rmtree(here, ignore_errors=True)
    here.mkdir(parents=True)
    store = here / "store"
    counts = national_counts(round(triples / per_record))
    result: dict = {"label": label, "target": triples, "records": sum(counts.values()), "counts": counts}
    started = time.perf_counter()
    paths = generate(here / "input", counts, seed=triples)
    result["generate"] = {"seconds": time.perf_counter() - started,
                          "input_bytes": sum(p.stat().st_size for p in paths.values())}
    say(f"[{label}] {result['records']:,} records generated ({_mb(result['generate']['input_bytes'])})")

    step = run_step([PATRIMOINE, "--store", str(store), "load", "--region", "all", *map(str, paths.values())])
    step["bytes"] = store_bytes(store)
    result["load"] = step
    say(f"[{label}] load: {_step(step)}")
    if a.reload:
        step = run_step([PATRIMOINE, "--store", str(store), "load", "--region", "all",
                         "--provider", "Reload of bench/scale.py", *map(str, paths.values())])
        step["bytes"] = store_bytes(store)
        result["reload"] = step
        say(f"[{label}] reload, every record mapped again: {_step(step)}"
            f" = {step['seconds'] / result['load']['seconds']:.2f} x the first load" if "error" not in step
            else f"[{label}] reload: {_step(step)}")
    if not a.keep:
        shutil.rmtree(here / "input", ignore_errors=True)

    if subprocess.run([PATRIMOINE, "link", "--help"], capture_output=True).returncode == 0:
        step = run_step([PATRIMOINE, "--store", str(store), "link"], timeout=a.link_timeout)
        step["bytes"] = store_bytes(store)
        result["link"] = step
        say(f"[{label}] link: {_step(step)}")
    else:
        result["link"] = {"error": "`patrimoine link` is not in this installation"}
        say(f"[{label}] link: not available (`patrimoine link` is not in this installation)")

    step = phase("settle", str(store))
    step["bytes"] = store_bytes(store)
    result["settle"] = step
    result["quads"] = step.get("quads", 0)
    say(f"[{label}] settle: {_step(step)}, {result['quads']:,} quads")

    if not a.no_validate:
        report = here / "quality.json"
        step = run_step([PATRIMOINE, "--store", str(store), "validate", "--format", "json", "--output", str(report)],
                        ok=(0, 1))
        result["validate"] = step
        say(f"[{label}] validate: {_step(step)}")
        report.unlink(missing_ok=True)

    step = run_step([sys.executable, __file__, "--phase", "queries", str(store), a.queries], timeout=QUERY_TIMEOUT * 8)
    result["queries"] = step
    for name, q in step.get("queries", {}).items():
        say(f"[{label}] query {name:<38} {q['warm']:7.2f} s warm ({q['cpu']:.2f} s CPU), {q['cold']:7.2f} s cold,"
            f" {q['rows']:>8,} rows")

    if not a.no_raw:
        step = phase("raw", str(store), str(here), "keep" if a.keep else "remove")
        result["raw"] = step
        say(f"[{label}] raw bulk load: {_step(step)}; {_mb(step.get('bytes_after_load', 0))} just after the load")
    if not a.keep:
        shutil.rmtree(here, ignore_errors=True)
    return result


# -- printing ------------------------------------------------------------------------------------

def say(text: str) -> None:
    print(text, flush=True)


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB" if n < 1e9 else f"{n / 1e9:,.2f} GB"


def _step(step: dict) -> str:
    if "error" in step:
        return f"FAILED ({step['error']})"
    parts = [f"{step['seconds']:,.1f} s"]
    if step.get("peak_mb"):
        parts.append(f"peak {step['peak_mb']:,} MB")
    if step.get("bytes"):
        parts.append(f"store {_mb(step['bytes'])}")
    return ", ".join(parts)


def summary(results: list[dict]) -> None:
    say("\n== summary (time, peak memory, store size per step; growth against the previous size) ==")
    previous = None
    for r in results:
        say(f"{r['label']}: {r['records']:,} records, {r['quads']:,} quads")
        for name in ("load", "reload", "link", "settle", "validate"):
            step = r.get(name, {})
            if "seconds" not in step or "error" in step:
                say(f"  {name:<9} {step.get('error', 'not run')}")
                continue
            growth = ""
            if previous and "seconds" in previous.get(name, {}) and "error" not in previous[name]:
                p = previous[name]
                growth = f"   x{step['seconds'] / p['seconds']:.1f} time"
                if step.get("peak_mb") and p.get("peak_mb"):
                    growth += f", x{step['peak_mb'] / p['peak_mb']:.2f} memory"
                growth += f" for x{r['quads'] / previous['quads']:.1f} quads"
            rate = f", {r['quads'] / step['seconds']:,.0f} quads/s" if name == "load" else ""
            if name == "reload":
                rate = f" = {step['seconds'] / r['load']['seconds']:.2f} x the first load"
            say(f"  {name:<9} {_step(step)}{rate}{growth}")
        raw = r.get("raw", {})
        if "bytes" in raw:
            store = r["settle"]["bytes"]
            say(f"  store     {_mb(store)} settled = {store / raw['bytes']:.2f} x the raw bulk load of the same quads"
                f" ({_mb(raw['bytes'])} settled, {_mb(raw['bytes_after_load'])} just after its bulk load;"
                f" raw load {raw['seconds']:,.1f} s = {raw['quads'] / raw['seconds']:,.0f} quads/s)")
        queries = r.get("queries", {}).get("queries", {})
        for name, q in queries.items():
            mark = "" if q["warm"] < 2 else "   (over 2 s)"
            same = ""
            if name.startswith("before-"):
                n = name.split("-")[1]
                now = queries.get(f"readme-{n}-every-row", queries.get(f"readme-{n}"))
                if now is not None:
                    same = "   same rows as the README's" if now["digest"] == q["digest"] else "   other rows"
            say(f"  query {name:<38} {q['warm']:7.2f} s wall, {q['cpu']:5.2f} s CPU, {q['rows']:>8,} rows{mark}{same}")
        previous = r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1M,10M,50M", help="comma-separated: 1M, 10M, 50M or a number of triples")
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "scale")
    ap.add_argument("--keep", action="store_true", help="keep generated inputs and stores")
    ap.add_argument("--no-raw", action="store_true", help="skip the raw bulk-load baseline")
    ap.add_argument("--no-validate", action="store_true", help="skip patrimoine validate")
    ap.add_argument("--reload", action="store_true",
                    help="after the load, load the exports again with every record mapped again (another --provider)")
    ap.add_argument("--link-timeout", type=float, default=3600,
                    help="seconds patrimoine link may take per size before it is stopped (default 3600)")
    ap.add_argument("--queries", default="",
                    help="comma-separated name prefixes of the queries to run (readme-, before-, ui-...; default all)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        fn = {"settle": phase_settle, "queries": phase_queries, "raw": phase_raw, "calibrate": phase_calibrate}[a.phase]
        print(json.dumps(fn(*a.args)))
        return
    a.work.mkdir(parents=True, exist_ok=True)
    sizes = [(s, SIZES.get(s) or int(s)) for s in a.sizes.split(",")]
    say(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the start")
    per_record = phase("calibrate", str(a.work))["quads_per_record"]
    say(f"calibration: {per_record:.1f} quads per record (national mix of Mérimée, Palissy, Joconde)")
    results = []
    for label, triples in sizes:
        results.append(run_size(label, triples, per_record, a.work, a))
        if a.json:
            a.json.write_text(json.dumps(results, indent=1))
    summary(results)
    say(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
