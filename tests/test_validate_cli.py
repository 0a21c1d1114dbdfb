"""`patrimoine validate` as institutions call it in their pipelines: formats, exit status, messages."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import rdflib

from conftest import DATA, SAMPLES
from test_cli import run

SHAPES = DATA / "validation" / "cli-shapes.ttl"
MERIMEE = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"
JOCONDE = SAMPLES / "pop" / "constructed-hdf-joconde-opendata.csv"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("validate") / "store"
    assert run(store, "load", str(MERIMEE), str(JOCONDE)).returncode == 0
    return store


def test_json_names_each_record_its_file_line_and_identifier(store: Path):
    r = run(store, "validate", "--shapes", str(SHAPES), "--format", "json")
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["conforms"] is False and doc["counts"]["violation"] == 14  # the Mérimée records have no keeper
    lines = MERIMEE.read_text(encoding="utf-8").splitlines()
    keeperless = [x for x in doc["results"] if x["severity"] == "violation"]
    for x in keeperless:
        assert x["dataset"] == "constructed-hdf-merimee-opendata" and x["file"] == MERIMEE.name
        assert lines[x["line"] - 1].startswith(x["source_id"] + ";")  # the line of the record in its file
        assert x["record"].endswith("/pop/" + x["source_id"]) and x["message"] == "L'objet n'a pas de détenteur."
    long_titles = [x for x in doc["results"] if x["severity"] == "warning"]
    assert long_titles and all(len(x["value"]) > 25 and x["property"] == "rdfs:label" for x in long_titles)
    assert {d["dataset"] for d in doc["datasets"]} == {"constructed-hdf-merimee-opendata", "constructed-hdf-joconde-opendata"}
    assert "14 violations" in r.stderr
    europeana = doc["europeana"]["datasets"]["constructed-hdf-merimee-opendata"]
    assert europeana["records"] == 14 == sum(europeana["metadata"].values())


def test_csv_has_one_line_per_result_in_english(store: Path):
    r = run(store, "validate", "--shapes", str(SHAPES), "--format", "csv", "--lang", "en")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    doc = json.loads(run(store, "validate", "--shapes", str(SHAPES), "--format", "json").stdout)
    assert len(rows) == len(doc["results"]) and rows[0]["message"] in {"The object has no keeper.",
                                                                         "Title longer than 25 characters."}
    assert {"severity", "dataset", "institution", "record", "source_id", "file", "line"} <= set(rows[0])


def test_turtle_is_the_standard_shacl_report(store: Path):
    r = run(store, "validate", "--shapes", str(SHAPES), "--format", "ttl")
    g = rdflib.Graph().parse(data=r.stdout, format="turtle")
    [report] = g.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert g.value(report, SH.conforms).toPython() is False
    results = list(g.objects(report, SH.result))
    assert len(results) == len(json.loads(run(store, "validate", "--shapes", str(SHAPES), "--format", "json").stdout)["results"])
    for res in results:
        assert g.value(res, SH.focusNode) is not None and g.value(res, SH.sourceConstraintComponent) is not None
        assert {m.language for m in g.objects(res, SH.resultMessage)} == {"fr", "en"}
        shape = g.value(res, SH.sourceShape)
        assert g.value(shape, SH.path) is not None and g.value(None, SH.property, shape) == rdflib.URIRef(
            "http://example.org/test-shapes#Kept")


def test_only_warnings_exit_0_and_a_dataset_restricts_the_report(store: Path, tmp_path: Path):
    r = run(store, "validate", "--shapes", str(DATA / "validation" / "warnings-only.ttl"), "--format", "json",
            "--dataset", "constructed-hdf-joconde-opendata")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["counts"]["violation"] == 0 and doc["dataset"] == "constructed-hdf-joconde-opendata"
    assert {x["dataset"] for x in doc["results"]} <= {"constructed-hdf-joconde-opendata"}


def test_html_report_written_to_a_file(store: Path, tmp_path: Path):
    out = tmp_path / "rapport.html"
    r = run(store, "validate", "--shapes", str(SHAPES), "--output", str(out))
    assert r.returncode == 1 and r.stdout == "" and str(out) in r.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and '<html lang="fr">' in page and "Qualité des données" in page
    assert "PA00116046" in page and "constructed-hdf-merimee-opendata.csv:2" in page
    assert "<script" not in page and "http://" not in page.split("<main>")[0].replace("http://www.w3.org", "")


@pytest.mark.parametrize("args, message", [
    (["--dataset", "nope"], "no dataset named 'nope'"),
    (["--format", "xml"], "Invalid value for '--format'"),
    (["--lang", "de"], "Invalid value for '--lang'"),
    (["--shapes", "/nonexistent"], "does not exist"),
    (["--output", "/nonexistent/dir/r.html"], "is not a directory"),
])
def test_usage_errors_exit_2_with_one_line(store: Path, args: list[str], message: str):
    r = run(store, "validate", *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_unreadable_shapes_and_missing_store_exit_2(store: Path, tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    r = run(store, "validate", "--shapes", str(bad))
    assert r.returncode == 2 and "bad.ttl" in r.stderr and "Traceback" not in r.stderr
    r = run(tmp_path / "none", "validate")
    assert r.returncode == 2 and "no store" in r.stderr


def test_validate_has_help(store: Path):
    r = run(store, "validate", "--help")
    assert r.returncode == 0 and "--format [html|csv|json|ttl]" in r.stdout and "Exit status" in r.stdout


def test_an_internal_error_is_not_taken_for_violations(store: Path, monkeypatch: pytest.MonkeyPatch):
    """A pipeline reads 1 as "records to fix": a bug of ours exits 3, in one line."""
    from click.testing import CliRunner

    import patrimoine.validate
    from patrimoine.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("unexpected")
    monkeypatch.setattr(patrimoine.validate, "run", broken)
    r = CliRunner().invoke(main, ["--store", str(store), "validate"])
    assert r.exit_code == 3 and "Internal error: RuntimeError: unexpected" in r.output
