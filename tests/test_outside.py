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


def test_a_bnf_sru_answer_in_unimarc_is_read_with_its_authorities_and_call_numbers():
    # The BnF catalogue's SRU (recordSchema=unimarcxchange): MarcXchange records inside searchRetrieveResponse
    path = OUTSIDE / "bnf-sru-unimarc-hugo.extract.xml"
    assert detect(path).name == "unimarc"
    kg, report = load_file(path, fmt=None)
    assert (report.counts.records_read, report.counts.records_loaded) == (4, 4)
    # 700 $3 is a BnF authority number, $o an ISNI written without a space: both are entities
    hugo = rows(kg, """SELECT DISTINCT ?same WHERE { ?p a crm:E21_Person ; rdfs:label ?l ; owl:sameAs ?same
        FILTER(STR(?l) = "Hugo, Victor") }""")
    assert hugo == {("http://data.bnf.fr/ark:/12148/cb11907966z#about",), ("http://isni.org/isni/0000000121200982",)}
    # 930: the copy's site ($5 FR-751041001) keeps it under its call number ($a); $b 759999999 is the BnF's placeholder
    copies = rows(kg, f"""SELECT ?k ?cote WHERE {{ ?c crm:P128_carries <{kg.minter.base}bnf/cb39508046q> ;
        crm:P50_has_current_keeper ?k ; crm:P1_is_identified_by/crm:P190_has_symbolic_content ?cote }}""")
    assert (f"{kg.minter.base}org/rcr/751041001", "4-ICO PER-13005") in copies


def test_intermarc_is_refused_in_one_line_not_read_as_marc_21():
    from graph.records import InputError
    import pytest

    for name in ("bnf-intermarc-utf8.extract.iso2709", "bnf-sru-intermarc-hugo.extract.xml"):
        path = OUTSIDE / "invalid" / name
        assert detect(path).name == "unimarc"  # claimed, so that the reader says why it is not read
        for fmt in (None, "unimarc", "marc21"):
            with pytest.raises(InputError, match="INTERMARC, the BnF's own MARC format, is not read"):
                load_file(path, fmt=fmt)
