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
    path = SAMPLES / "marc" / "bnf-sru-unimarc-hugo.extract.xml"
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
        path = SAMPLES / "marc" / "invalid" / name
        assert detect(path).name == "unimarc"  # claimed, so that the reader says why it is not read
        for fmt in (None, "unimarc", "marc21"):
            with pytest.raises(InputError, match="INTERMARC, the BnF's own MARC format, is not read"):
                load_file(path, fmt=fmt)


def test_an_untitled_section_of_a_bnf_finding_aid_still_holds_its_items():
    # BnF archives et manuscrits: <c level="otherlevel" otherlevel="section"> with an empty <unittitle/>
    kg, report = load_file(OUTSIDE / "FRBNF_EAD000096744.extract.xml", fmt=None)
    assert (report.counts.records_read, report.counts.records_loaded, report.counts.records_rejected) == (5, 5, 0)
    base = f"{kg.minter.base}archives/FRBNF/FRBNFEAD000096744"
    assert rows(kg, f"""SELECT ?l ?item WHERE {{ <{base}/a59868314846092> rdfs:label ?l ;
        crm:P46_is_composed_of ?item ; crm:P46i_forms_part_of <{base}/a59868314846089> }}""") == {
        ("section (sans intitulé)", f"{base}/d0e109945"), ("section (sans intitulé)", f"{base}/d0e109363")}
    assert values(kg, f"SELECT ?t WHERE {{ <{base}/a59868314846092> crm:P102_has_title ?t }}") == set()


def test_a_finding_aid_with_an_empty_eadid_is_named_after_its_fonds():
    # <eadid/> empty and no archdesc @id: the fonds' <unitid> (a versement number) names the finding aid
    kg, report = load_file(OUTSIDE / "tnah-ciup-20090013-empty-eadid.xml", fmt=None)
    assert (report.counts.records_read, report.counts.records_loaded) == (32, 32)
    assert "Répertoire" in values(kg, f"""SELECT ?t WHERE {{ <{kg.minter.base}archives/unknown/20090013>
        crm:P102_has_title/crm:P190_has_symbolic_content ?t }}""")


def test_an_ead3_finding_aid_is_read_with_its_record_id_structured_dates_and_authorities():
    kg, report = load_file(OUTSIDE / "ead3_multi_level_optimum.xml", fmt=None)
    assert (report.counts.records_read, report.counts.records_loaded) == (6, 6)
    fonds = f"<{kg.minter.base}archives/NPKMC/1.1>"
    assert rows(kg, f"""SELECT ?b ?e WHERE {{ {fonds} crm:P108i_was_produced_by/crm:P4_has_time-span ?ts .
        ?ts crm:P82a_begin_of_the_begin ?b ; crm:P82b_end_of_the_end ?e }}""") == {
        ("1789-01-01T00:00:00", "1996-12-31T23:59:59")}
    assert "http://id.loc.gov/authorities/subjects/sh85070753" in values(
        kg, f"SELECT ?s WHERE {{ {fonds} crm:P128_carries/crm:P129_is_about/skos:exactMatch ?s }}")


def test_a_lido_period_name_is_the_period_the_production_falls_within():
    # Koninklijk Museum voor Schone Kunsten Antwerpen (Flemish Arthub LIDO): <lido:periodName> 17de eeuw
    kg, report = load_file(OUTSIDE / "kmska_lido.xml", fmt=None)
    assert report.counts.records_loaded == 1
    assert rows(kg, """SELECT ?l ?c WHERE { ?o crm:P108i_was_produced_by/crm:P10_falls_within ?p .
        ?p a ?c ; skos:prefLabel ?l FILTER(?c = crm:E4_Period) }""") == {
        ("17de eeuw", "http://www.cidoc-crm.org/cidoc-crm/E4_Period")}


def test_a_lido_culture_classifies_the_object():
    # Institutul Național al Patrimoniului (CIMEC) export: <lido:culture> in English and Romanian
    kg, report = load_file(OUTSIDE / "inp-clasate-cimec.extract.lido.xml", fmt=None)
    assert (report.counts.records_read, report.counts.records_loaded) == (2, 2)
    cultures = values(kg, f"""SELECT ?l WHERE {{ ?o a crm:E22_Human-Made_Object ; crm:P2_has_type ?c .
        ?c skos:inScheme <{kg.minter.base}concept/scheme/culture> ; skos:prefLabel ?l }}""")
    assert "workshop: Necunoscut" in cultures


def test_an_edm_property_with_both_a_resource_and_a_text_keeps_the_record():
    # A Europeana record (University College Dublin) whose dc:rights has rdf:resource and a text
    kg, report = load_file(OUTSIDE / "europeana-ucd-rights-resource-and-text.edm.xml", fmt=None)
    assert (report.counts.records_loaded, report.counts.records_rejected, report.counts.values_dropped) == (1, 0, 1)
    assert "http://creativecommons.org/licenses/by-nc-sa/4.0/" in values(kg, "SELECT ?r WHERE { ?s dc:rights ?r }")


def test_an_idref_authority_record_is_refused_as_one_not_as_an_untitled_book():
    # IdRef serves authorities (here a RAMEAU subject) in UNIMARC/A, which the Sudoc's tools mix with records
    path = SAMPLES / "marc" / "idref-02731667X.unimarc.xml"
    assert detect(path).name == "unimarc"
    kg, report = load_file(path, fmt=None)
    assert (report.counts.records_read, report.counts.records_loaded, report.counts.records_rejected) == (1, 0, 1)
    [rejected] = report.rejections
    assert (rejected["source_id"], rejected["line"]) == ("02731667X", 1)
    assert rejected["reason"].startswith("an authority record (003 http://www.idref.fr/02731667X), not the description")


def test_a_gertrude_export_from_occitanie_is_placed_by_its_lambert_93_coordinates():
    from graph.geo import Geography
    from test_pop_coordinates import km, located, point

    kg, report = load_file(OUTSIDE / "GERTRUDE_xmlToMERIMEE_lexicovide.txt", fmt=None)
    assert (report.counts.records_read, report.counts.records_loaded, report.counts.records_rejected) == (13, 13, 0)
    geo = Geography.default()
    placed = checked = 0
    for ref, insee in rows(kg, """SELECT ?ref ?insee WHERE { ?o crm:P1_is_identified_by ?i .
            ?i crm:P190_has_symbolic_content ?ref ; crm:P2_has_type/skos:prefLabel "référence POP"@fr .
            ?o crm:P55_has_current_location/crm:P89_falls_within/crm:P1_is_identified_by/crm:P190_has_symbolic_content ?insee
            FILTER(REGEX(?insee, "^30[0-9]{3}$")) }"""):
        found = located(kg, ref)
        if found["written"] is None:
            continue  # IA30001137 gives no COOR
        assert found["written"].endswith("(ZONE Lambert93)")
        placed += 1
        if (centre := geo.coordinates(insee)) is not None:  # GeoNames' centre, else the town hall's
            assert km(point(found["wkt"]), centre) < 8.0, (ref, insee)  # within its commune
            checked += 1
    assert (placed, checked) == (12, 12)
    # the Inventory dossier (DOSURL) is a page about the building, besides its POP notice
    assert "https://ressourcespatrimoines.laregion.fr/ark:/46855/inventaire_IA30001143.locale=fr" in values(
        kg, f"SELECT ?u WHERE {{ <{kg.minter.base}pop/IA30001143> crm:P129i_is_subject_of/la:access_point ?u }}")


def test_fragment_identifiers_of_an_edm_file_are_parts_of_its_record():
    # Europeana's PersistentIdentifier nodes are written rdf:about="#pid_0": relative to the file, so another
    # file's #pid_0 is another node; they were all one node, {base}edm/#pid_0
    kg, _ = load_file(OUTSIDE / "europeana-ucd-rights-resource-and-text.edm.xml", fmt=None)
    found = rows(kg, """SELECT ?cho ?pid ?url WHERE { ?cho edm:pid ?pid . ?pid a edm:PersistentIdentifier ;
        edm:hasURL ?url }""")
    assert {url for _, _, url in found} == {"https://n2t.net/ark:/12148/bpt6k279983", "https://n2t.net/ark:/12148/bpt6k279984"}
    for cho, pid, _ in found:
        assert pid.startswith(cho + "#") and pid.rsplit("/", 1)[-1] in ("local-pid-0", "local-pid-1")
    assert values(kg, "SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?s), 'edm/#')) }") == set()
