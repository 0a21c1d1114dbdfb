"""Attacks on the loaders (issue 12): hostile files loaded end to end, nothing lost, no internal error.

Each test builds the hostile input, loads it through the real pipeline into a real store and checks
that every record is loaded or in the rejection report with its own line and identifier, that the
counts reconcile, and that whatever cannot be loaded is one clear error leaving the store unchanged.
Run them all with ``pytest tests/test_attacks_loaders.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from graph.records import InputError
from graph.store import KnowledgeGraph
from loaders.pop.readers import read_pop
from patrimoine.pipeline import LoadOptions, load

ROOT = Path(__file__).resolve().parent.parent
PATRIMOINE = str(Path(sys.executable).parent / "patrimoine")
HEADER = "REF;TICO;DENO;DPT;COM;INSEE;SCLE;HIST\n"


def merimee_row(i: int, title: str | None = None, history: str = "") -> str:
    return (f"PA{80100000 + i:08d};{title or f'Eglise {i}'};église;80;Amiens;80021;"
            f"13e siècle;{history or f'Notice {i}.'}\n")


def merimee_csv(path: Path, n: int, **special: str) -> Path:
    """``n`` Mérimée records in the legacy code-header shape; ``special`` replaces rows: ``r17="..."``."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        for i in range(1, n + 1):
            f.write(special.get(f"r{i}", merimee_row(i)))
    return path


def rejections(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def load_one(tmp_path: Path, source: Path, **options) -> tuple[KnowledgeGraph, object, list[dict]]:
    kg = KnowledgeGraph(None)
    rejects = tmp_path / "rejects.jsonl"
    opts = LoadOptions(dataset="attack", region=None, progress=False, rejects=rejects, **options)
    [report] = load(kg, [source], opts)
    return kg, report, rejections(rejects)


def refs_in_graph(kg: KnowledgeGraph) -> set[str]:
    q = "SELECT ?ref WHERE { ?o crm:P1_is_identified_by/crm:P190_has_symbolic_content ?ref FILTER(STRSTARTS(?ref, 'PA')) }"
    return {row["ref"].value for row in kg.query(q, prefixes=True)}


def assert_nothing_lost(kg: KnowledgeGraph, report, entries: list[dict], expected_refs: set[str]) -> None:
    c = report.counts
    assert c.reconciles()
    reported = {e["source_id"] for e in entries if e["status"] == "rejected"}
    loaded = refs_in_graph(kg)
    assert loaded | reported == expected_refs, "a record is neither loaded nor reported"
    assert not loaded & reported
    assert c.records_loaded == len(loaded) and c.records_rejected == len(reported)


# ---------------------------------------------------------------------------
# Issue 12, item 2: oversized fields and lines


def test_a_200_kb_field_is_read_and_a_field_over_the_bound_costs_its_record_only(tmp_path: Path):
    big = "x" * 200_000
    huge = "y" * 1_100_000
    source = merimee_csv(tmp_path / "m.csv", 60, r10=merimee_row(10, history=big),
                         r20=merimee_row(20, history=f'"{huge}"'), r30=merimee_row(30, history=huge))
    kg, report, entries = load_one(tmp_path, source)
    assert_nothing_lost(kg, report, entries, {f"PA{80100000 + i:08d}" for i in range(1, 61)})
    assert report.counts.records_read == 60
    bad = {e["source_id"]: e for e in entries}
    assert set(bad) == {"PA80100020", "PA80100030"}
    assert bad["PA80100020"]["line"] == 21 and "1,048,576 characters" in bad["PA80100020"]["reason"]
    assert bad["PA80100030"]["line"] == 31 and "line longer than 1,048,576" in bad["PA80100030"]["reason"]
    q = "SELECT (STRLEN(?n) AS ?len) WHERE { ?o crm:P67i_is_referred_to_by/crm:P190_has_symbolic_content ?n " \
        "FILTER(STRLEN(?n) > 1000) }"
    assert [int(r["len"].value) for r in kg.query(q, prefixes=True)] == [200_000]


def test_a_100_mb_line_is_read_with_bounded_memory(tmp_path: Path):
    path = tmp_path / "m.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER + merimee_row(1))
        f.write("PA80100002;" + "z" * 100_000_000 + "\n")
        f.write(merimee_row(3))
    tracemalloc.start()
    try:
        records = list(read_pop(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(r.line, r.source_id, r.error is None) for r in records] == [
        (2, "PA80100001", True), (3, "PA80100002", False), (4, "PA80100003", True)]
    assert peak < 20_000_000, f"{peak:,} bytes in memory to read a 100 MB line"


def test_a_big_sparse_file_is_refused_with_one_line_and_bounded_memory(tmp_path: Path):
    path = tmp_path / "sparse.csv"
    with open(path, "wb") as f:
        f.truncate(256 * 1024 * 1024)  # zero bytes without a line end, stored sparse
    store = tmp_path / "store"
    code = ("import resource, sys\n"
            "from patrimoine.cli import main\n"
            "try:\n main()\n"
            "finally:\n print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, file=sys.stderr)\n")
    r = subprocess.run([sys.executable, "-c", code, "--store", str(store), "load", "--format", "pop",
                        "--region", "all", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr
    assert lines[0].startswith("Error: ") and "longer than 1,048,576 characters" in lines[0]
    assert int(lines[-1].split()[1]) < 400, f"peak memory {lines[-1]}"


# ---------------------------------------------------------------------------
# Issue 12, item 3: an unbalanced quote


def test_an_unbalanced_quote_costs_its_own_record_and_no_other(tmp_path: Path):
    n = 2000
    source = merimee_csv(tmp_path / "m.csv", n,
                         r1001=merimee_row(1001, title='"Eglise Saint-Martin'),
                         r1007=merimee_row(1007, history='"Notice ; avec un point-virgule"'))
    kg, report, entries = load_one(tmp_path, source)
    assert report.counts.records_read == n
    assert_nothing_lost(kg, report, entries, {f"PA{80100000 + i:08d}" for i in range(1, n + 1)})
    [bad] = entries
    assert (bad["line"], bad["record"], bad["source_id"]) == (1002, 1001, "PA80101001")
    assert "quote" in bad["reason"]


def test_a_quote_never_closed_costs_one_record_not_the_rest_of_the_file(tmp_path: Path):
    source = merimee_csv(tmp_path / "m.csv", 50, r5=merimee_row(5, title='"Eglise', history="Notice sans fin"))
    kg, report, entries = load_one(tmp_path, source)
    assert report.counts.records_read == 50 and report.counts.records_loaded == 49
    assert [(e["line"], e["source_id"]) for e in entries] == [(6, "PA80100005")]


def test_a_quoted_text_with_line_breaks_is_still_one_record(tmp_path: Path):
    source = merimee_csv(tmp_path / "m.csv", 10, r4=merimee_row(4, history='"Première ligne ;\nseconde ligne"'))
    kg, report, entries = load_one(tmp_path, source)
    assert (report.counts.records_loaded, entries) == (10, [])
    records = list(read_pop(source))
    assert [r.line for r in records] == [2, 3, 4, 5, 7, 8, 9, 10, 11, 12]


def test_a_bad_line_in_joconde_tagged_text_costs_that_record(tmp_path: Path):
    text = ("REF\n000PE1\nTITR\nUn titre\n//\n"
            "une ligne sans code de champ\nREF\n000PE2\nTITR\nAutre\n//\n"
            f"REF\n000PE3\nDESC\n{'d' * 1_100_000}\n//\n"
            "REF\n000PE4\nTITR\nDernier\n//\n")
    path = tmp_path / "j.txt"
    path.write_text(text, encoding="utf-8")
    records = list(read_pop(path))
    assert [(r.index, r.line, r.source_id, r.error is None) for r in records] == [
        (1, 1, "000PE1", True), (2, 6, "000PE2", False), (3, 12, "000PE3", False), (4, 17, "000PE4", True)]
    assert "line 6: expected a field code" in records[1].error
    assert "longer than 1,048,576 characters" in records[2].error


def test_francearchives_csv_recovers_per_record(tmp_path: Path):
    head = ("identifiant_cote,identifiant_URI,titre,origine,date1,date2,description,type,format,index_matiere,"
            "index_lieu,index_personne,index_collectivite,conditions_utilisation,conditions_acces,langue,"
            "source_complementaire,source_image\n")
    rows = [f"1 Fi {i},,Carte postale {i},,1910,,,,,,,,,,,,,\n" for i in range(1, 8)]
    rows[2] = '1 Fi 3,,"Carte postale 3,,1910,,,,,,,,,,,,,\n'
    rows[4] = "1 Fi 5,,Carte postale 5\n"
    path = tmp_path / "FRAD080_cartes.csv"
    path.write_text(head + "".join(rows), encoding="utf-8")
    from loaders.francearchives_csv import read_francearchives_csv
    records = list(read_francearchives_csv(path))
    assert [(r.line, r.source_id, r.error is None) for r in records] == [
        (2, "1 Fi 1", True), (3, "1 Fi 2", True), (4, "1 Fi 3", False), (5, "1 Fi 4", True), (6, "1 Fi 5", False),
        (7, "1 Fi 6", True), (8, "1 Fi 7", True)]


# ---------------------------------------------------------------------------
# Issue 12, item 7: deep nesting in JSON


@pytest.mark.parametrize("shape", ["document", "array", "lines"])
def test_deeply_nested_pop_json_is_a_rejected_record_or_one_clear_error(tmp_path: Path, shape: str):
    deep = "[" * 100_000 + "]" * 100_000
    good = json.dumps({"REF": "PA80100001", "TICO": "Eglise", "INSEE": "80021"})
    bad = '{"REF": "PA80100002", "TICO": ' + deep + "}"
    path = tmp_path / "x.json"
    if shape == "document":
        path.write_text('{"hits": {"hits": [' + deep + "]}}")
        with pytest.raises(InputError, match="nested too deep"):
            list(read_pop(path))
        return
    path.write_text("[" + good + ",\n" + bad + "]" if shape == "array" else good + "\n" + bad + "\n")
    records = list(read_pop(path))
    assert [(r.index, r.line, r.error) for r in records] == [
        (1, 1, None), (2, 2, "not valid JSON: arrays or objects nested too deep")]


def test_a_big_json_array_is_streamed(tmp_path: Path):
    path = tmp_path / "x.json"
    with open(path, "w", encoding="utf-8") as f:
        f.write("[")
        f.write(",".join(json.dumps({"REF": f"PA{80100000 + i:08d}", "HIST": "h" * 2000}) for i in range(20_000)))
        f.write("]")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        n = sum(1 for r in read_pop(path) if r.error is None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 20_000
    assert peak < size / 4, f"peak {peak:,} bytes for a {size:,}-byte array: not streamed"


def run_cli(store: Path, *args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([PATRIMOINE, "--store", str(store), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, env=env, **kw)


@pytest.mark.parametrize("where", ["document", "label"])
def test_a_deeply_nested_iiif_manifest_is_one_line_exit_2(tmp_path: Path, where: str):
    deep = "[" * 50_000 + "]" * 50_000 if where == "document" else "[" * 900 + '"x"' + "]" * 900
    path = tmp_path / "manifest.json"
    path.write_text('{"@context": "http://iiif.io/api/presentation/3/context.json", "id": "https://e.org/m", '
                    f'"type": "Manifest", "label": {deep}, "items": []}}')
    r = run_cli(tmp_path / "store", "load", "--format", "iiif", "--region", "all", str(path))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("Error: manifest.json: ") and "nested too deep" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
