"""The `patrimoine` command as users and other tools call it: names, options, exit codes, messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, SAMPLES

PATRIMOINE = str(Path(sys.executable).parent / "patrimoine")
BAD = DATA / "pop-bad"
HDF_MERIMEE = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"


def run(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PATRIMOINE, "--store", str(store), *args], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(store.parent)})


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.mark.parametrize("command", [[], ["load"], ["query"], ["datasets"], ["serve"], ["drop"], ["harvest"]])
def test_every_command_has_help(store: Path, command: list[str]):
    r = run(store, *command, "--help")
    assert r.returncode == 0 and "Usage:" in r.stdout


def test_load_prints_a_summary_that_reconciles(store: Path):
    r = run(store, "load", str(HDF_MERIMEE))
    assert r.returncode == 0, r.stderr
    assert "16 records read, 14 loaded, 0 rejected, 2 skipped by the region filter" in r.stdout
    assert "records/s" in r.stdout and "triples" in r.stdout
    rejects = store / "rejects" / "constructed-hdf-merimee-opendata.jsonl"
    entries = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(e["status"], e["source_id"], e["line"]) for e in entries] == [
        ("skipped", "PA00086250", 16), ("skipped", "PA99000114", 17)]


def test_counts_of_one_are_singular_in_english_and_french(store: Path, tmp_path: Path):
    lines = HDF_MERIMEE.read_text(encoding="utf-8").splitlines(keepends=True)
    one = tmp_path / "one.csv"
    one.write_text(lines[0] + lines[1], encoding="utf-8")  # the header and one record
    r = run(store, "load", "--lang", "en", "--region", "all", "--dataset", "one", str(one))
    assert r.returncode == 0, r.stderr
    assert "one: 1 record read, 1 loaded, 0 rejected, 0 skipped by the region filter; " in r.stdout
    assert "since the last load" not in r.stdout  # a first load: nothing to compare with
    r = run(store, "load", "--lang", "fr", "--region", "all", "--dataset", "one", str(one))
    assert "one : 1 notice lue, 1 chargée, 0 rejetée, 0 écartée par le filtre régional ; " in r.stdout
    assert "0 notice modifiée depuis le dernier chargement" in r.stdout  # French: the singular for 0 too
    r = run(store, "query", "SELECT ?name WHERE { ?d pkg:datasetName ?name }")
    assert r.stdout.endswith("(1 row)\n")
    r = run(store, "load", "--lang", "en", "--region", "all", "--dataset", "two", str(HDF_MERIMEE))
    assert "two: 16 records read, 16 loaded" in r.stdout


def test_datasets_json_lists_provenance_and_counts(store: Path):
    run(store, "load", "--dataset", "monuments", str(HDF_MERIMEE))
    r = run(store, "datasets", "--format", "json")
    [ds] = json.loads(r.stdout)
    assert {k: ds[k] for k in ("name", "records_read", "records_loaded", "records_rejected", "records_skipped")} == {
        "name": "monuments", "records_read": 16, "records_loaded": 14, "records_rejected": 0, "records_skipped": 2}
    assert ds["source"] == HDF_MERIMEE.name and len(ds["sha256"]) == 64 and ds["triples"] > 0 and ds["loaded_at"]
    table = run(store, "datasets").stdout
    assert "monuments" in table and "records_loaded" in table


def test_region_all_keeps_every_record(store: Path):
    r = run(store, "load", "--region", "all", str(HDF_MERIMEE))
    assert "16 loaded" in r.stdout


def test_query_formats(store: Path, tmp_path: Path):
    run(store, "load", str(HDF_MERIMEE))
    q = 'SELECT ?label WHERE { ?o crm:P1_is_identified_by/crm:P190_has_symbolic_content "PA00116046" ; rdfs:label ?label }'
    assert "Cathédrale Notre-Dame" in run(store, "query", q).stdout
    assert json.loads(run(store, "query", q, "--format", "json").stdout)["results"]["bindings"][0]["label"]["value"] == \
        "Cathédrale Notre-Dame"
    assert run(store, "query", q, "--format", "csv").stdout.splitlines() == ["label", "Cathédrale Notre-Dame"]
    assert run(store, "query", q, "--format", "tsv").stdout.splitlines()[1] == '"Cathédrale Notre-Dame"@fr'
    file = tmp_path / "q.rq"
    file.write_text(q)
    assert "Cathédrale Notre-Dame" in run(store, "query", str(file)).stdout
    construct = run(store, "query", "CONSTRUCT { ?o a edm:ProvidedCHO } WHERE { ?o a edm:ProvidedCHO } LIMIT 1")
    assert construct.returncode == 0 and "edm:ProvidedCHO" in construct.stdout
    assert run(store, "query", "ASK { ?s a crm:E22_Human-Made_Object }").stdout.strip() == "true"


@pytest.mark.parametrize("args, message", [
    (["load", "--format", "nope", str(HDF_MERIMEE)], "unknown format 'nope'"),
    (["load", "/nonexistent/file.csv"], "no such file"),
    (["load", str(BAD / "empty.csv")], "the file is empty"),
    (["load", "--format", "pop", str(BAD / "no-ref-column.csv")], "no REF column"),
    (["load", "--format", "pop", str(BAD / "truncated.json")], "not valid JSON"),
    (["load", "--encoding", "utf-8", str(BAD / "invalid-utf8.csv")], "not valid utf-8 text at line 4"),
    (["load", "--encoding", "klingon", str(HDF_MERIMEE)], "unknown encoding"),
    (["load", "--region", "Picardie", str(HDF_MERIMEE)], "not an INSEE region code"),
    (["load", "--dataset", "Bad Name!", str(HDF_MERIMEE)], "dataset name"),
    (["load", "--dataset", "catalogue", str(HDF_MERIMEE)], "reserved"),
    (["query", "SELECT ?x WHERE { ?x"], "SPARQL syntax error"),
    (["--base-iri", "not an iri", "datasets"], "base IRI"),
    (["drop", "nothing-here"], "no dataset named"),
])
def test_bad_input_is_one_line_and_exit_status_2(store: Path, args: list[str], message: str):
    run(store, "load", str(HDF_MERIMEE))  # a store to keep intact
    before = run(store, "datasets", "--format", "json").stdout
    r = run(store, *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert run(store, "datasets", "--format", "json").stdout == before


def test_record_level_problems_go_to_the_rejection_report(store: Path, tmp_path: Path):
    report = tmp_path / "rejects.jsonl"
    r = run(store, "load", "--region", "all", "--dataset", "bad", "--rejects", str(report),
            str(BAD / "duplicate-ref.csv"), str(BAD / "missing-ref.csv"), str(BAD / "bad-insee.csv"),
            str(BAD / "wrong-column-count.csv"))
    assert r.returncode == 0, r.stderr
    entries = [json.loads(line) for line in report.read_text().splitlines()]
    reasons = {(e["file"], e["line"]): e["reason"] for e in entries if e["status"] == "rejected"}
    assert reasons[("duplicate-ref.csv", 4)].startswith("duplicate identifier PA99000401 (first at line 2)")
    assert "missing REF" in reasons[("missing-ref.csv", 3)]
    assert "malformed INSEE code '8OO21'" in reasons[("bad-insee.csv", 3)]
    assert reasons[("wrong-column-count.csv", 4)] == "row has 6 columns, header has 5"
    [ds] = json.loads(run(store, "datasets", "--format", "json").stdout)
    assert ds["records_read"] == ds["records_loaded"] + ds["records_rejected"] + ds["records_skipped"]
    assert ds["records_rejected"] == len(reasons)
