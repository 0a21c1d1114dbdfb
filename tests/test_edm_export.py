"""`patrimoine edm`: a dataset's records as the ZIP of EDM RDF/XML Europeana ingests, with a report."""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import SAMPLES
from graph import edmxml

PATRIMOINE = str(Path(sys.executable).parent / "patrimoine")
EDM = "http://www.europeana.eu/schemas/edm/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def run(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PATRIMOINE, "--store", str(store), *args], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(store.parent)})


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """LIDO records (all publishable) and a finding aid whose units mostly have no landing page."""
    store = tmp_path_factory.mktemp("edm") / "store"
    for args in (["--region", "all", "--dataset", "lido", *map(str, sorted((SAMPLES / "lido").glob("*.xml")))],
                 ["--dataset", "gates", str(SAMPLES / "ead" / "FRAD062_ir_9fi_02_permaliens.xml")],
                 ["--region", "all", "--dataset", "both", str(SAMPLES / "lido" / sorted(p.name for p in
                                                                   (SAMPLES / "lido").glob("*.xml"))[0])]):
        r = run(store, "load", *args)
        assert r.returncode == 0, r.stderr
    return store


def chos(store: Path, dataset: str) -> set[str]:
    r = run(store, "query", "--format", "tsv",
            f"SELECT ?o WHERE {{ GRAPH <https://w3id.org/patrimoine-kg/graph/{dataset}> {{ ?o a <{EDM}ProvidedCHO> }} }}")
    assert r.returncode == 0, r.stderr
    return {line.strip("<>") for line in r.stdout.splitlines()[1:] if line}


def report(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_record_is_in_the_zip_valid_or_in_the_report_with_its_reasons(store: Path, tmp_path: Path):
    out = tmp_path / "gates.zip"
    r = run(store, "edm", "gates", "--output", str(out))
    assert r.returncode == 1, r.stderr  # some units have no landing page: they fail, so exit 1
    lines = report(tmp_path / "gates.csv")
    expected = chos(store, "gates")
    assert {line["notice"] for line in lines} == expected and len(lines) == len(expected)
    written = [line for line in lines if line["statut"] == "écrite"]
    left = [line for line in lines if line["statut"] == "écartée"]
    assert written and left and len(written) + len(left) == len(lines)
    assert all(line["raisons"] and not line["fichier"] for line in left)
    assert all("isShownAt" in line["raisons"] for line in left)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(line["fichier"] for line in written)
        for line in written:
            xml = archive.read(line["fichier"])
            assert edmxml.schema_errors(xml) == [] and edmxml.problems(xml) == []
            abouts = etree.fromstring(xml).xpath("//edm:ProvidedCHO/@rdf:about", namespaces={"edm": EDM, "rdf": RDF})
            assert abouts == [line["notice"]]
    assert f"{len(lines)} notices, {len(left)} en échec" in r.stderr and f"{len(written)} écrites" in r.stderr


def test_include_invalid_writes_every_record_and_marks_the_failing_ones(store: Path, tmp_path: Path):
    out = tmp_path / "all.zip"
    r = run(store, "edm", "gates", "--output", str(out), "--include-invalid", "--lang", "en",
            "--report", str(tmp_path / "r.csv"))
    assert r.returncode == 1, r.stderr
    lines = report(tmp_path / "r.csv")
    with zipfile.ZipFile(out) as archive:
        assert len(archive.namelist()) == len(lines) == len(set(archive.namelist()))
    assert {line["status"] for line in lines} == {"written", "written despite errors"}


def test_a_dataset_of_publishable_records_exits_0_and_each_file_is_one_record(store: Path, tmp_path: Path):
    out = tmp_path / "lido.zip"
    r = run(store, "edm", "lido", "--output", str(out), "--lang", "en")
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert len(names) == len(chos(store, "lido")) and all(n.endswith(".xml") and "/" not in n for n in names)


def test_a_record_in_two_datasets_is_exported_with_the_aggregation_of_the_one_asked(store: Path, tmp_path: Path):
    out = tmp_path / "both.zip"
    assert run(store, "edm", "both", "--output", str(out)).returncode == 0
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            root = etree.fromstring(archive.read(name))
            aggs = root.xpath("//ore:Aggregation/@rdf:about", namespaces={"ore": "http://www.openarchives.org/ore/terms/",
                                                                          "rdf": RDF})
            assert len(aggs) == 1 and aggs[0].endswith("#both/aggregation")


@pytest.mark.parametrize("args, message", [
    (["nope", "--output", "x.zip"], "no dataset named 'nope'"),
    (["lido", "--output", "/no/such/dir/x.zip"], "is not a directory"),
    (["lido"], "Missing option '--output'"),
])
def test_usage_errors_exit_2_in_one_line(store: Path, tmp_path: Path, args: list[str], message: str):
    r = run(store, "edm", *[str(tmp_path / a) if a == "x.zip" else a for a in args])
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
