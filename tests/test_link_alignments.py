"""Alignment tables (ontology/alignments/): real targets, applied by `patrimoine link` to the concepts the graph has."""

from __future__ import annotations

import csv
import re

from conftest import ROOT, SAMPLES
from graph import concept_alignments
from graph.store import KnowledgeGraph
from link_gold import GOLD
from patrimoine import link
from patrimoine.pipeline import LoadOptions, load

TABLES = ROOT / "ontology" / "alignments"
AAT = re.compile(r"^http://vocab\.getty\.edu/aat/3\d{8}$")


def test_every_row_names_a_source_the_provenance_describes() -> None:
    provenance = (TABLES / "PROVENANCE.md").read_text(encoding="utf-8")
    rows = concept_alignments.rows()
    assert len(rows) > 3000
    for row in rows:
        assert f"`{row.source}`" in provenance, row
        assert row.target_label, row
        if "vocab.getty.edu" in row.target:
            assert AAT.match(row.target), row


def test_aat_ids_are_those_of_the_sources_they_name() -> None:
    """The ids taken from the bundled LIDO sample are the sample's own: checked against the file."""
    sample = (SAMPLES / "lido" / "mona_lisa.lido-mc.xml").read_text(encoding="utf-8")
    with open(TABLES / "terms-aat.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["source"] == "mona-lisa":
                assert row["target"] in sample or row["target"].replace("http://", "https://") in sample, row


def test_the_link_run_aligns_the_concepts_the_graph_has() -> None:
    kg = KnowledgeGraph(None)
    for path in (SAMPLES / "ead" / "FRAD062_ir_9fi_02_permaliens.xml", SAMPLES / "pop" / "constructed-hdf-joconde-opendata.csv",
                 GOLD / "constructed-gold-joconde.csv", SAMPLES / "lido" / "mona_lisa.lido-mc.xml"):
        load(kg, [path], LoadOptions(region=None, progress=False))
    link.run(kg, None)
    base = kg.minter.base
    rows = {(r[0].value, r[1].value, r[2].value) for r in kg.query(f"""SELECT ?c ?m ?t WHERE {{
        GRAPH <{base}graph/links> {{ ?c ?m ?t FILTER(?m IN (skos:exactMatch, skos:closeMatch)) }} }}""", prefixes=True)}
    exact = "http://www.w3.org/2004/02/skos/core#exactMatch"
    assert (f"{base}concept/denomination/tableau", exact, "http://vocab.getty.edu/aat/300033618") in rows
    assert (f"{base}concept/role/peintre", exact, "http://vocab.getty.edu/aat/300025136") in rows
    assert (f"{base}concept/archival-level/dossier", exact,
            "https://www.ica.org/standards/RiC/vocabularies/recordSetTypes#File") in rows
    # an archival subject of the finding aid, its thesaurus-matières concept and the RAMEAU one behind it
    subjects = {t for c, m, t in rows if c.startswith(f"{base}concept/archives-subject/")}
    assert any(t.startswith("http://data.culture.fr/thesaurus/resource/ark:/67717/T1-") for t in subjects)
    assert any(t.startswith("http://data.bnf.fr/ark:/12148/") for t in subjects)
    # the targets' labels come with them; concepts the graph does not have are not aligned
    assert bool(kg.query("ASK { <http://vocab.getty.edu/aat/300033618> rdfs:label \"paintings (visual works)\"@en }",
                         prefixes=True))
    assert not any(c.endswith("/concept/denomination/gisant") for c, _, _ in rows)
