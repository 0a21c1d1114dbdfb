"""`patrimoine link` on a real store: the links graph, its evidence, its catalogue record, runs again and again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import SAMPLES
from graph.store import KnowledgeGraph
from link_gold import GOLD
from patrimoine import link
from patrimoine.pipeline import LoadOptions, load

PATRIMOINE = str(Path(sys.executable).parent / "patrimoine")
MERIMEE = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"
VIOLLET = ("pop/PA99000108", "Viollet-le-Duc Eugène")
PALISSY = SAMPLES / "pop" / "constructed-hdf-palissy-opendata.csv"
AD80 = GOLD / "constructed-gold-ead-frad080.xml"
AD60 = GOLD / "constructed-gold-ead-frad060.xml"
MARC = GOLD / "constructed-gold-unimarc.xml"
LUZARCHES = ("pop/PA00116046", "Robert de Luzarches")


def cli(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PATRIMOINE, "--store", str(store), *args], capture_output=True, text=True,
                          cwd=store.parent, env={"PATH": "/usr/bin:/bin", "HOME": str(store.parent)})


def rows(kg: KnowledgeGraph, query: str) -> list[tuple]:
    return [tuple(t.value if t is not None else None for t in row) for row in kg.query(query, prefixes=True)]


@pytest.fixture
def kg() -> KnowledgeGraph:
    kg = KnowledgeGraph(None)
    for path in (MERIMEE, PALISSY, AD80, AD60, MARC):
        load(kg, [path], LoadOptions(region=None, progress=False))
    return kg


def links_graph(kg: KnowledgeGraph) -> set[str]:
    return set(kg.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(kg.links[1:-1])).decode().splitlines())


def mention(kg: KnowledgeGraph, record: str, name: str) -> str:
    """The IRI of the person ``record`` (relative to the base) names ``name`` (the label, without dates)."""
    found = {m for (m,) in rows(kg, f"""SELECT ?m WHERE {{ ?m a crm:E21_Person ; rdfs:label "{name}"
        FILTER(STRSTARTS(STR(?m), "{kg.minter.base}{record}#")) }}""")}
    assert len(found) == 1, (record, name, found)
    return found.pop()


def person_of(kg: KnowledgeGraph, record: str, name: str) -> str:
    [(person,)] = rows(kg, f"SELECT ?p WHERE {{ ?p pkg:hasMention <{mention(kg, record, name)}> }}")
    return person


def test_links_join_sources_in_their_own_graph_with_the_evidence(kg: KnowledgeGraph) -> None:
    report = link.run(kg, None)
    assert report.mentions > 40 and report.persons < report.mentions and report.merges["name-evidence"] >= 3
    luzarches = person_of(kg, *LUZARCHES)
    mentions = {m for (m,) in rows(kg, f"SELECT ?m WHERE {{ GRAPH <{kg.minter.base}graph/links> {{ <{luzarches}> pkg:hasMention ?m }} }}")}
    assert mentions == {mention(kg, *LUZARCHES), mention(kg, "archives/FRAD080/frad080_gold_01/c1", "Luzarches, Robert de")}
    # why: the decision, its rule, score and evidence, readable with SPARQL
    [(rule, label, score)] = rows(kg, f"""SELECT ?rule ?label ?score WHERE {{
        ?e a crm:E13_Attribute_Assignment ; crm:P141_assigned <{luzarches}> ; pkg:rule ?rule ;
           crm:P2_has_type/skos:prefLabel ?label ; pkg:score ?score FILTER(LANG(?label) = "fr") }}""")
    assert (rule, label) == ("name-evidence", "même nom et indices concordants")
    assert float(score) >= 0.75
    evidence = {e for (e,) in rows(kg, f"SELECT ?e WHERE {{ ?x crm:P141_assigned <{luzarches}> ; pkg:evidence ?e }}")}
    assert any(e.startswith("nom : identique") for e in evidence)
    assert any(e.startswith("lieu : ") and e.endswith("place/commune/80021") for e in evidence)
    assert any(e.startswith("nommé avec : ") for e in evidence)  # the Cormont brothers are named with him in both
    # a name alone does not merge: Martin Chambiges of Beauvais and of the archives, yes (place); the two Jean Martin, no
    assert person_of(kg, "pop/PA99000101", "Chambiges Martin") == person_of(
        kg, "archives/FRAD060/frad060_gold_01/c2", "Chambiges, Martin")
    assert person_of(kg, "marc/GOLD000010", "Martin, Jean") != person_of(
        kg, "archives/FRAD080/frad080_gold_01/c6", "Martin, Jean")


def test_persons_have_labels_and_authorities(kg: KnowledgeGraph) -> None:
    link.run(kg, None)
    viollet = person_of(kg, *VIOLLET)
    assert viollet == person_of(kg, "archives/FRAD060/frad060_gold_01/c3", "Viollet-le-Duc, Eugène")
    assert rows(kg, f"SELECT ?l WHERE {{ <{viollet}> rdfs:label ?l }}") == [("Viollet-le-Duc, Eugène (1814-1879)",)]
    klein = person_of(kg, "marc/GOLD000011", "Klein, Jean")
    assert klein == f"{kg.minter.base}person/idref/026950650"  # named after its authority record
    assert rows(kg, f"SELECT ?s WHERE {{ <{klein}> owl:sameAs ?s }}") == [("http://www.idref.fr/026950650/id",)]


def test_a_second_run_changes_nothing_and_the_catalogue_says_what_was_done(kg: KnowledgeGraph) -> None:
    first = link.run(kg, None)
    assert first.added > 0 and first.removed == 0
    again = link.run(kg, None)
    assert again.unchanged
    before = links_graph(kg)
    forced = link.run(kg, None, full=True)  # everything linked and written again: the same graph
    assert links_graph(kg) == before and forced.persons == first.persons
    [(mentions, persons, sha)] = rows(kg, f"""SELECT ?m ?p ?h WHERE {{ GRAPH <{kg.minter.base}graph/catalogue> {{
        <{kg.minter.base}links> a void:Linkset ; pkg:mentions ?m ; pkg:persons ?p ; pkg:inputSha256 ?h ;
            prov:wasGeneratedBy/prov:endedAtTime ?t }} }}""")
    assert (int(mentions), int(persons)) == (first.mentions, first.persons) and len(sha) == 64
    by_rule = dict(rows(kg, f"""SELECT ?r ?n WHERE {{ <{kg.minter.base}links> pkg:linksByRule [ pkg:rule ?r ; pkg:links ?n ] }}"""))
    assert {r: int(n) for r, n in by_rule.items()} == dict(first.merges)


def test_reloading_or_dropping_a_dataset_keeps_the_links_of_the_others(kg: KnowledgeGraph, tmp_path: Path) -> None:
    link.run(kg, None)
    viollet = person_of(kg, *VIOLLET)
    luzarches = person_of(kg, *LUZARCHES)
    kg.drop_dataset("constructed-gold-ead-frad060")
    assert person_of(kg, *LUZARCHES) == luzarches  # the links graph is not the dataset's
    report = link.run(kg, None)
    assert report.removed > 0 and not report.unchanged
    assert person_of(kg, *LUZARCHES) == luzarches and person_of(kg, *VIOLLET) == viollet
    assert rows(kg, f"""SELECT ?m WHERE {{ ?p pkg:hasMention ?m FILTER(CONTAINS(STR(?m), "FRAD060")) }}""") == []
    load(kg, [AD60], LoadOptions(region=None, progress=False))
    link.run(kg, None)
    assert person_of(kg, "archives/FRAD060/frad060_gold_01/c3", "Viollet-le-Duc, Eugène") == viollet


def test_on_disk_a_new_dataset_writes_only_the_links_that_changed(tmp_path: Path) -> None:
    kg = KnowledgeGraph(tmp_path / "store")
    for path in (MERIMEE, PALISSY, AD80):
        load(kg, [path], LoadOptions(region=None, progress=False))
    first = link.run(kg, None)
    total = len(links_graph(kg))
    assert first.added == total and (kg.records_dir() / "links.nt").is_file()  # the first run writes the graph whole
    load(kg, [AD60], LoadOptions(region=None, progress=False))
    second = link.run(kg, None)
    assert 0 < second.added < total / 2 and second.removed < total / 4  # then only the difference
    assert person_of(kg, *VIOLLET) == person_of(kg, "archives/FRAD060/frad060_gold_01/c3", "Viollet-le-Duc, Eugène")
    assert len(links_graph(kg)) == len((kg.records_dir() / "links.nt").read_text().splitlines())  # the file says the graph
    kg.close()


def test_overrides_survive_every_run(kg: KnowledgeGraph, tmp_path: Path) -> None:
    overrides = tmp_path / "overrides.csv"
    luzarches_ad80 = ("archives/FRAD080/frad080_gold_01/c1", "Luzarches, Robert de")
    ricquier, matisse = ("pop/PA99000113", "Ricquier Emile"), ("marc/GOLD000001", "Matisse, Henri")
    base = kg.minter.base
    overrides.write_text("# a librarian's decisions\nmention,other,decision,note\n"
                         f"{mention(kg, *LUZARCHES)[len(base):]},{mention(kg, *luzarches_ad80)},not same,test\n"
                         f"{mention(kg, *ricquier)},{mention(kg, *matisse)},same,\n", encoding="utf-8")
    for _ in range(2):
        link.run(kg, overrides, full=True)
        assert person_of(kg, *LUZARCHES) != person_of(kg, *luzarches_ad80)
        assert person_of(kg, *ricquier) == person_of(kg, *matisse)
    assert rows(kg, """SELECT ?rule WHERE { ?e pkg:decision "not same" ; pkg:rule ?rule ;
        crm:P2_has_type/skos:prefLabel "personnes différentes (décision d'un bibliothécaire)"@fr }""") == [("override-not-same",)]


def test_the_command_links_reports_and_refuses_bad_overrides(tmp_path: Path) -> None:
    store = tmp_path / "store"
    r = cli(store, "load", "--region", "all", "--link", str(MERIMEE), str(AD80))
    assert r.returncode == 0, r.stderr
    assert "person mentions" in r.stdout and "name-evidence" in r.stdout
    r = cli(store, "link")
    assert r.returncode == 0 and "nothing changed" in r.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("mention,other,decision\na,b,peut-être\n", encoding="utf-8")
    r = cli(store, "link", "--overrides", str(bad))
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "neither 'same' nor 'not same'" in r.stderr
    r = cli(store, "link", "--overrides", str(tmp_path / "missing.csv"))
    assert r.returncode == 2 and "no such overrides file" in r.stderr
    assert cli(store, "link", "--help").returncode == 0
    r = cli(store, "load", "--dataset", "links", str(MERIMEE))
    assert r.returncode == 2 and "reserved" in r.stderr
