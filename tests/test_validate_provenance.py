"""Every loaded record can be traced back to its file and line: the catalogue's pkg:recordLines."""

from __future__ import annotations

import csv

from graph.provenance import read_record_lines
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load

from conftest import SAMPLES


def locations(kg: KnowledgeGraph) -> dict[str, tuple[str, int | None, str]]:
    q = f"""SELECT ?file ?lines WHERE {{ GRAPH {kg.catalogue} {{
        ?d <http://purl.org/dc/terms/source> ?s . ?s <http://purl.org/dc/terms/title> ?file ;
        <https://w3id.org/patrimoine-kg/ontology#recordLines> ?lines }} }}"""
    out = {}
    for row in kg.query(q):
        for iri, line, sid in read_record_lines(kg.minter, row["lines"].value):
            out[iri] = (row["file"].value, line, sid)
    return out


def test_each_loaded_record_has_its_file_line_and_source_id():
    kg = KnowledgeGraph(None)
    path = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"
    [report] = load(kg, [path], LoadOptions(progress=False))
    where = locations(kg)
    assert len(where) == report.counts.records_loaded == 14
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    for iri, (file, line, sid) in where.items():
        assert file == path.name and iri == f"{kg.minter.base}pop/{sid}"
        assert rows[line - 1][0] == sid  # the line holds the record (one line per record in this file)
    skipped = {r["source_id"] for r in report.rejections}
    assert skipped and not skipped & {sid for _, _, sid in where.values()}


def test_records_of_a_format_without_lines_keep_their_source_id_and_a_reload_renews_them():
    kg = KnowledgeGraph(None)
    path = SAMPLES / "pop" / "pop-api-palissy-search-response.json"
    load(kg, [path], LoadOptions(region=None, progress=False, dataset="palissy"))
    first = locations(kg)
    assert first and all(line is None and sid for _, line, sid in first.values())
    load(kg, [path], LoadOptions(region=None, progress=False, dataset="palissy"))
    assert locations(kg) == first
