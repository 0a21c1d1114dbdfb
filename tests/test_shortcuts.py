"""The query shortcuts written at load (pkg:productionBeginYear, pkg:productionEndYear, pkg:department, pkg:maker)
say exactly what the CIDOC-CRM paths they repeat say, on every bundled sample, and follow reloads and drops; the
README's example queries that use them give the rows of the queries the README wrote before them through the CRM
paths alone (bench/queries/); and the records bench/popgen.py generates for bench/scale.py and bench/soak.py load
without a rejection and give those rows too.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import SAMPLES
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load
from samples import all_samples

ROOT = Path(__file__).resolve().parent.parent
MAKERS = """SELECT DISTINCT ?work ?name ?role WHERE { ?work pkg:maker ?k . ?k pkg:makerName ?name ; pkg:makerRole ?role }"""
MAKERS_CRM = """SELECT DISTINCT ?work ?name ?role WHERE { ?work crm:P108i_was_produced_by/crm:P9_consists_of ?part .
    ?part crm:P14_carried_out_by/rdfs:label ?name ; crm:P2_has_type ?role }"""
sys.path.append(str(ROOT / "bench"))  # last: its endpoint.py must not hide the package

from popgen import generate, national_counts  # noqa: E402
from scale import QUERIES_DIR, every_row, readme_queries  # noqa: E402


def rows(kg: KnowledgeGraph, query: str) -> Counter:
    return Counter(tuple(str(t) for t in row) for row in kg.query(query, prefixes=True))


def test_production_years_are_the_years_of_the_production_time_span():
    kg, _ = all_samples()
    shortcut = rows(kg, """SELECT ?o ?from ?to WHERE {
        ?o pkg:productionBeginYear ?from . OPTIONAL { ?o pkg:productionEndYear ?to } }""")
    through_crm = rows(kg, """SELECT ?o ?from ?to WHERE {
        ?o crm:P108i_was_produced_by|crm:P94i_was_created_by ?event . ?event crm:P4_has_time-span ?ts .
        ?ts crm:P82a_begin_of_the_begin ?b BIND(YEAR(?b) AS ?from)
        OPTIONAL { ?ts crm:P82b_end_of_the_end ?e BIND(YEAR(?e) AS ?to) } }""")
    assert len(shortcut) > 100
    # a record two datasets describe has the years of each description
    for column in (1, 2):
        assert {(r[0], r[column]) for r in shortcut} == {(r[0], r[column]) for r in through_crm}
    only_end = rows(kg, """SELECT ?o WHERE { ?o pkg:productionEndYear ?to FILTER NOT EXISTS { ?o pkg:productionBeginYear ?f } }""")
    open_begin = rows(kg, """SELECT ?o WHERE { ?o crm:P108i_was_produced_by|crm:P94i_was_created_by ?e .
        ?e crm:P4_has_time-span ?ts . ?ts crm:P82b_end_of_the_end ?x FILTER NOT EXISTS { ?ts crm:P82a_begin_of_the_begin ?b } }""")
    assert set(only_end) == set(open_begin)  # 'avant 1789': an end year only


def test_department_is_the_end_of_the_falls_within_path():
    kg, _ = all_samples()
    places = rows(kg, "SELECT ?p ?d WHERE { ?p a crm:E53_Place ; pkg:department ?d }")
    through_crm = rows(kg, """SELECT ?p ?d WHERE { ?p a crm:E53_Place ; crm:P89_falls_within* ?d .
        ?d crm:P2_has_type/skos:prefLabel "department"@fr }""")
    assert len(places) > 100
    assert set(places) == set(through_crm)
    things = rows(kg, "SELECT ?o ?d WHERE { ?o crm:P55_has_current_location ?l ; pkg:department ?d }")
    located = rows(kg, """SELECT ?o ?d WHERE { ?o crm:P55_has_current_location/crm:P89_falls_within* ?d .
        ?d crm:P2_has_type/skos:prefLabel "department"@fr }""")
    assert len(things) > 20
    assert {o for o, _ in things} <= {o for o, _ in located}
    assert set(things) == {(o, d) for o, d in located if o in {x for x, _ in things}}


def test_maker_is_the_name_and_role_of_each_maker_of_the_production():
    kg, _ = all_samples()
    shortcut = set(rows(kg, MAKERS))
    assert len(shortcut) > 40
    assert shortcut == set(rows(kg, MAKERS_CRM))
    # one node per name and role: the same name as written in the same role is one node, whatever the record
    keys = rows(kg, "SELECT ?k ?name ?role WHERE { ?k a pkg:MakerInRole ; pkg:makerName ?name ; pkg:makerRole ?role }")
    assert len({(name, role) for _, name, role in keys}) == len({k for k, _, _ in keys}) == len(keys)


def readme_makers(kg: KnowledgeGraph) -> tuple[list, list]:
    """README query 4 and its CRM path: their rows (person, role, works), in the README's order."""
    [before] = QUERIES_DIR.glob("before-4-*.rq")
    now = [tuple(str(t) for t in row) for row in kg.query(readme_queries()["readme-4"], prefixes=True)]
    return now, [tuple(str(t) for t in row) for row in kg.query(before.read_text(encoding="utf-8"), prefixes=True)]


def test_maker_follows_reloads_and_drops(tmp_path):
    """Two datasets describe one statue (POP PM99000002, 'Blasset Nicolas (sculpteur)'); one of them is
    reloaded with another role, then the other is dropped: README query 4 counts what the graph says at
    each step, as the CRM path does."""
    opendata, legacy = SAMPLES / "pop" / "constructed-hdf-palissy-opendata.csv", SAMPLES / "pop" / "constructed-hdf-palissy-import.csv"
    kg = KnowledgeGraph(tmp_path / "store")

    def loaded(path: Path, name: str) -> None:
        load(kg, [path], LoadOptions(region=None, progress=False, dataset=name, rejects=tmp_path / f"{name}.jsonl"))

    def counts() -> dict[tuple[str, str], int]:
        now, before = readme_makers(kg)
        assert sorted(now) == sorted(before)
        return {(p, r): int(n.split('"')[1]) for p, r, n in now}

    loaded(opendata, "opendata")
    loaded(legacy, "legacy")
    blasset = '"Blasset Nicolas"'
    assert counts()[blasset, '"sculpteur"@fr'] == 1  # one statue, two descriptions of it
    changed = tmp_path / "v2" / opendata.name
    changed.parent.mkdir()
    text = opendata.read_text(encoding="utf-8")
    assert "Blasset Nicolas (sculpteur)" in text
    changed.write_text(text.replace("Blasset Nicolas (sculpteur)", "Blasset Nicolas (peintre)"), encoding="utf-8")
    loaded(changed, "opendata")
    after = counts()
    assert after[blasset, '"peintre"@fr'] == 1 and after[blasset, '"sculpteur"@fr'] == 1  # the legacy export says so
    assert kg.drop_dataset("legacy")
    after = counts()
    assert after[blasset, '"peintre"@fr'] == 1 and (blasset, '"sculpteur"@fr') not in after
    assert kg.drop_dataset("opendata")
    assert counts() == {}


@pytest.mark.parametrize("n", [1, 2, 4])
def test_readme_queries_give_the_rows_of_the_crm_paths(n):
    kg, _ = all_samples()
    now = every_row(readme_queries()[f"readme-{n}"])  # a paged one without its LIMIT
    [before] = QUERIES_DIR.glob(f"before-{n}-*.rq")
    expected = rows(kg, before.read_text(encoding="utf-8"))
    assert expected, f"{before.name} finds nothing in the samples: the comparison would prove nothing"
    assert set(rows(kg, now)) == set(expected)  # the order aside (a computed sort key)


def test_readme_query_3_sums_the_counts_of_each_dataset_s_graph():
    """Query 3 reads the statistics of the catalogue: each dataset's classified records per département, summed
    (a record two datasets describe counts in each; the samples have such records, the CRM path counts them once)."""
    kg, _ = all_samples()
    per_graph = rows(kg, """SELECT ?department ?kind (SUM(?k) AS ?protected) WHERE {
      { SELECT ?g ?department ?kind (COUNT(DISTINCT ?o) AS ?k) WHERE {
          GRAPH ?g { ?act crm:P141_assigned ?status ; crm:P140_assigned_attribute_to ?o . ?o pkg:department ?d }
          ?status skos:prefLabel ?kind FILTER(?kind IN ("classé MH"@fr, "classé MH partiellement"@fr))
          ?d rdfs:label ?department } GROUP BY ?g ?department ?kind } } GROUP BY ?department ?kind""")
    assert len(per_graph) > 4
    assert rows(kg, readme_queries()["readme-3"]) == per_graph


@pytest.mark.parametrize("n, thing", [(1, "monument"), (2, "b")])
def test_a_readme_list_of_one_department_gives_the_rows_of_every_row_located_there(n, thing):
    kg, _ = all_samples()
    query = readme_queries()[f"readme-{n}"]
    department = "<https://w3id.org/patrimoine-kg/place/department/62>"
    assert f"?{thing} pkg:department {department} ." in query
    shown = rows(kg, query)
    every = rows(kg, every_row(query).replace("} ORDER BY", f"OPTIONAL {{ ?{thing} pkg:department ?where }} }} ORDER BY")
                 .replace("SELECT DISTINCT", "SELECT DISTINCT ?where"))
    there = Counter(r[1:] for r in every if r[0] == department)
    assert len(shown) >= 2 and sum(Counter(r[1:] for r in every).values()) > len(shown)
    assert shown == there


def test_generated_national_records_load_without_rejection(tmp_path):
    counts = national_counts(400)
    paths = generate(tmp_path / "input", counts, seed=3)
    kg = KnowledgeGraph(None)
    reports = load(kg, list(paths.values()), LoadOptions(region=None, progress=False, rejects=tmp_path / "r.jsonl"))
    assert {r.dataset: r.counts.records_loaded for r in reports} == counts
    assert all(r.counts.records_rejected == 0 and r.counts.reconciles() for r in reports)
    kinds = rows(kg, "SELECT ?base (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o crm:P2_has_type ?t . ?t skos:prefLabel ?base "
                     "FILTER(REGEX(STR(?base), '^(Mérimée|Palissy|Joconde) [(]')) } GROUP BY ?base")
    assert sorted(int(n.split('"')[1]) for _, n in kinds) == sorted(counts.values())
    housed = rows(kg, "SELECT ?o WHERE { ?o pkg:housedIn ?b . ?b pkg:department ?d }")
    assert housed, "Palissy objects are housed in generated Mérimée buildings"
    now, before = readme_makers(kg)
    assert len(now) > 20 and sorted(now) == sorted(before)
    [protected] = QUERIES_DIR.glob("before-3-*.rq")  # one dataset a record: the sum is the CRM path's count
    expected = rows(kg, protected.read_text(encoding="utf-8"))
    assert len(expected) > 10 and rows(kg, readme_queries()["readme-3"]) == expected
