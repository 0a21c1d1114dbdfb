"""Real records from elsewhere (samples/outside/, provenance in its PROVENANCE.md), loaded as a user would.

Each test reproduces what broke when the file was first tried, on the real file.
"""

from __future__ import annotations

from pathlib import Path

from loaders import detect
from test_lido import load_file, rows, values

from conftest import SAMPLES

OUTSIDE = SAMPLES / "outside"


def test_an_oai_pmh_response_in_the_https_namespace_is_read_like_any_other():
    # The Service historique de la Défense writes https://www.openarchives.org/OAI/2.0/
    path = OUTSIDE / "shd-oai_ead-https-namespace.xml"
    assert detect(path).name == "oai-pmh"
    kg, report = load_file(path, fmt=None)
    assert (report.counts.records_read, report.counts.records_loaded, report.counts.records_rejected) == (94, 94, 0)
    assert "Seconde République." in values(kg, "SELECT ?t WHERE { ?u crm:P102_has_title/crm:P190_has_symbolic_content ?t }")
    assert values(kg, "SELECT DISTINCT ?o WHERE { ?u pkg:oaiRecord ?o }") == {
        f"{kg.minter.base}oai/www-servicehistorique-sga-defense-gouv-fr/SHDGR_INV_1F_Seconde_R%C3%A9publique"}


def test_a_harvested_page_in_the_https_namespace_gives_its_records():
    from loaders.oai import parse_page

    page = parse_page((OUTSIDE / "shd-oai_ead-https-namespace.xml").read_bytes(), "shd")
    assert page.verb == "ListRecords" and page.errors == []
    [record] = page.records
    assert record.identifier == "SHDGR_INV_1F_Seconde_République" and record.payload is not None
