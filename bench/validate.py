"""Validation benchmark: our SPARQL engine against pySHACL, from the on-disk store to the report.

    python bench/validate.py [--triples 1000000] [--keep]

Generates Mérimée records in the open-data export shape (bench/load.py), loads
them with the real pipeline into an on-disk store until the graph holds about
``--triples`` triples (and a quarter of that, to show how both grow), breaks a
few records on purpose (missing titles, time-spans ending before they begin,
empty identifiers, a second dataset) so that every kind of check has results,
then validates the store with the project's shapes (shapes/) twice, each run in
its own process so its peak memory (max RSS) is its own:

- the baseline: pySHACL over the whole graph, read out of the store
  (CONSTRUCT → N-Triples → rdflib) and validated, the report serialised;
- pySHACL helped: the same, with each SPARQL query parsed once (pySHACL has rdflib
  parse an ``sh:sparql`` constraint's text again for every focus node, most of its
  time on the project's shapes): faster than the baseline, same results, so the
  ratio against it is a lower bound that finishes at any size;
- ours: ``patrimoine validate``'s engine (each constraint a SPARQL query on the
  store) and the same standard report in Turtle.

The baseline is stopped after ``--budget`` seconds (it would take hours on a
million triples): its time is then printed as "> budget" and the ratio as a
lower bound. Prints times, peaks, ratios, and whether the runs give the same
results. Figures are printed, not asserted: compare the ratios.
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

TRIPLES_PER_RECORD = 87  # of a generated Mérimée record, CRM and EDM (measured; only sizes the input)
BASE = "https://w3id.org/patrimoine-kg/"
# Records broken on purpose, chosen by the end of their reference (every 50th, 70th... record).
FAULTS = f"""
PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dc: <http://purl.org/dc/elements/1.1/>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
DELETE {{ GRAPH ?g {{ ?o rdfs:label ?l }} }} WHERE {{ GRAPH ?g {{ ?o a crm:E22_Human-Made_Object ; rdfs:label ?l }}
  FILTER(REGEX(STR(?o), "[05]0$")) }} ;
DELETE {{ GRAPH ?g {{ ?ts crm:P82a_begin_of_the_begin ?b }} }}
INSERT {{ GRAPH ?g {{ ?ts crm:P82a_begin_of_the_begin "2100-01-01T00:00:00"^^xsd:dateTime }} }}
WHERE {{ GRAPH ?g {{ ?ts a crm:E52_Time-Span ; crm:P82a_begin_of_the_begin ?b }} FILTER(REGEX(STR(?ts), "[27]0#")) }} ;
DELETE {{ GRAPH ?g {{ ?id crm:P190_has_symbolic_content ?v }} }} INSERT {{ GRAPH ?g {{ ?id crm:P190_has_symbolic_content "" }} }}
WHERE {{ GRAPH ?g {{ ?id a crm:E42_Identifier ; crm:P190_has_symbolic_content ?v }} FILTER(REGEX(STR(?id), "[39]0#")) }} ;
DELETE {{ GRAPH ?g {{ ?o dc:title ?t . ?o dc:description ?d }} }}
WHERE {{ GRAPH ?g {{ ?o dc:title ?t OPTIONAL {{ ?o dc:description ?d }} }} FILTER(REGEX(STR(?o), "[1]10$")) }} ;
INSERT {{ GRAPH ?g {{ ?o void:inDataset <{BASE}dataset/other> }} }}
WHERE {{ GRAPH ?g {{ ?o a crm:E22_Human-Made_Object }} FILTER(REGEX(STR(?o), "130$")) }}
"""


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_phase(phase: str, *args: str, budget: float | None = None) -> dict | None:
    """A phase in its own process; None when it did not finish within ``budget`` seconds."""
    try:
        out = subprocess.run([sys.executable, __file__, "--phase", phase, *args], check=True,
                             capture_output=True, text=True, timeout=budget)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def phase_build(store: str, records: str, work: str) -> dict:
    """The store: generated records loaded by the real pipeline, then a few broken on purpose."""
    from load import generate

    from graph.store import KnowledgeGraph
    from patrimoine.pipeline import LoadOptions, load

    csv_path = Path(work) / f"merimee-{records}.csv"
    generate(csv_path, int(records))
    kg = KnowledgeGraph(store)
    load(kg, [csv_path], LoadOptions(dataset="bench", progress=False))
    with kg.writing():
        kg.store.update(FAULTS)
    return {"triples": len(kg.store)}


def phase_pyshacl(store: str, shapes_dir: str, report_path: str, parsed_once: str = "") -> dict:
    """The baseline: the whole graph out of the store into rdflib, validated by pySHACL, report written;
    with ``parsed_once``, rdflib parses each SPARQL query once."""
    import contextlib
    import warnings

    import pyoxigraph as ox
    import pyshacl
    import rdflib

    from graph.store import KnowledgeGraph
    from graph.validation.compare import queries_parsed_once, report_keys

    warnings.simplefilter("ignore")
    started = time.perf_counter()
    kg = KnowledgeGraph(store, read_only=True)
    data = kg.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").serialize(format=ox.RdfFormat.N_TRIPLES)
    read = time.perf_counter()
    g = rdflib.Graph().parse(data=data, format="nt")
    del data
    parsed = time.perf_counter()
    shapes = rdflib.Graph()
    for f in sorted(Path(shapes_dir).glob("*.ttl")):
        shapes.parse(f, format="turtle")
    with queries_parsed_once() if parsed_once else contextlib.nullcontext():
        conforms, report, _ = pyshacl.validate(g, shacl_graph=shapes, allow_warnings=True)
    validated = time.perf_counter()
    report.serialize(destination=report_path, format="turtle")
    seconds = time.perf_counter() - started
    keys = report_keys(report)
    return {"seconds": seconds, "read": read - started, "parse": parsed - read, "validate": validated - parsed,
            "peak_mb": peak_mb(), "results": sum(keys.values()),
            "keys": sorted([list(map(_plain, k)), n] for k, n in keys.items())}


def phase_ours(store: str, shapes_dir: str, report_path: str) -> dict:
    """Ours: each constraint a SPARQL query on the store, the same standard report written."""
    from graph.store import KnowledgeGraph
    from graph.validation import read_shapes, validate
    from graph.validation.compare import ours
    from graph.validation.report import Report

    started = time.perf_counter()
    kg = KnowledgeGraph(store, read_only=True)
    validation = validate(kg, read_shapes([Path(shapes_dir)]))
    validated = time.perf_counter()
    report = Report.build(validation, kg)
    with open(report_path, "w", encoding="utf-8") as out:
        report.write_turtle(out)
    seconds = time.perf_counter() - started
    keys = ours(validation.results)
    return {"seconds": seconds, "validate": validated - started, "checks": validation.checks,
            "fallback": validation.fallback, "peak_mb": peak_mb(), "results": sum(keys.values()),
            "keys": sorted([list(map(_plain, k)), n] for k, n in keys.items())}


def _plain(x: object) -> object:
    return sorted(x) if isinstance(x, frozenset) else x


def same_results(a: dict, b: dict) -> tuple[bool, str]:
    from collections import Counter

    from graph.validation.compare import differences

    def counter(d: dict) -> Counter:
        return Counter({tuple(k[:5]) + (frozenset(k[5]),): n for k, n in d["keys"]})
    diff = differences(counter(b), counter(a))
    return not diff, "; ".join(diff[:3])


def print_run(name: str, run: dict | None, budget: float, mine: dict) -> None:
    """One pySHACL run and how ours compares (goal: at least 10 times faster, same results)."""
    if run is None:
        print(f"  {name:29}: > {budget:5.0f} s  (stopped at the budget)"
              f"  -> ours at least {budget / mine['seconds']:.0f}x faster (goal >= 10x)")
        return
    same, diff = same_results(run, mine)
    print(f"  {name:29}: {run['seconds']:7.1f} s  peak {run['peak_mb']:6.0f} MB"
          f"  (read {run['read']:.1f} s, parse {run['parse']:.1f} s, validate {run['validate']:.1f} s)"
          f"  {run['results']:,} results  -> ours {run['seconds'] / mine['seconds']:.1f}x faster (goal >= 10x),"
          f" {run['peak_mb'] / mine['peak_mb']:.1f}x less memory; same results: {'yes' if same else 'NO: ' + diff}",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--triples", type=int, default=1_000_000, help="size of the larger graph (the smaller is a quarter)")
    ap.add_argument("--shapes", default=str(ROOT / "shapes"), help="directory of the shapes (default: the project's)")
    ap.add_argument("--budget", type=float, default=900, help="seconds the baseline may run at each size (default 900)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        sys.path.insert(0, str(ROOT / "bench"))
        fn = {"build": phase_build, "pyshacl": phase_pyshacl, "ours": phase_ours}[a.phase]
        print(json.dumps(fn(*a.args)))
        return
    work = Path(tempfile.mkdtemp(prefix="patrimoine-bench-validate-"))
    try:
        shapes = sorted(p.name for p in Path(a.shapes).glob("*.ttl"))
        print(f"shapes: {', '.join(shapes)} ({a.shapes})")
        for triples in (a.triples // 4, a.triples):
            records = max(1, triples // TRIPLES_PER_RECORD)
            store = work / f"store-{records}"
            built = run_phase("build", str(store), str(records), str(work))
            mine = run_phase("ours", str(store), a.shapes, str(work / "our-report.ttl"))
            helped = run_phase("pyshacl", str(store), a.shapes, str(work / "pyshacl-report.ttl"), "parsed-once")
            base = run_phase("pyshacl", str(store), a.shapes, str(work / "pyshacl-report.ttl"), budget=a.budget)
            print(f"\n{built['triples']:,} triples ({records:,} generated Mérimée records, some broken on purpose)")
            print_run("pySHACL (baseline)", base, a.budget, mine)
            print_run("pySHACL, queries parsed once", helped, a.budget, mine)
            print(f"  {'ours (SPARQL)':29}: {mine['seconds']:7.1f} s  peak {mine['peak_mb']:6.0f} MB"
                  f"  ({mine['checks']} queries, validate {mine['validate']:.1f} s)  {mine['results']:,} results"
                  + (f"  run by pySHACL: {', '.join(mine['fallback'])}" if mine["fallback"] else ""), flush=True)
            shutil.rmtree(store, ignore_errors=True)
    finally:
        if a.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
