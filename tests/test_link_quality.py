"""Person linking measured against the gold set (tests/data/gold/persons.csv): the issue's goals hold."""

from __future__ import annotations

import pytest

from graph.store import KnowledgeGraph
from link_gold import FILES, assignments, errors, institution_scores, load_files, read_gold, read_institutions, score
from patrimoine import link


@pytest.fixture(scope="module")
def linked():
    kg = KnowledgeGraph(None)
    load_files(kg)
    link.run(kg, None)
    gold = read_gold()
    return kg, gold, assignments(kg, gold)


def test_the_gold_set_is_large_and_varied() -> None:
    gold = read_gold()
    assert len(gold) >= 300 and len({g.person for g in gold}) >= 120
    assert all(path.exists() for path in FILES)
    constructed = [g for g in gold if g.dataset.startswith("constructed-gold-")]
    assert len(constructed) >= 100 and all("construite" in g.note for g in constructed)
    persons = {g.person for g in gold}
    assert {"martin-jean-menuisier", "martin-jean-peintre", "martin-jean-1850", "martin-jean-1921"} <= persons  # namesakes
    assert {"lalaing-famille", "duthoit-famille", "croy-famille"} <= persons  # families
    datasets_of = {p: {g.dataset for g in gold if g.person == p} for p in persons}
    assert sum(len(d) >= 3 for d in datasets_of.values()) >= 10  # persons named by three sources or more


def test_every_gold_mention_is_in_the_graph(linked) -> None:
    _, gold, assigned = linked
    assert [g for g in gold if assigned[g] is None] == []


def test_precision_and_recall_meet_the_goals(linked) -> None:
    _, _, assigned = linked
    overall = score(assigned)
    wrong, missed = errors(assigned)
    assert overall.precision >= 0.98, wrong
    assert overall.recall >= 0.90, missed[:10]
    across = score(assigned, across_only=True)
    assert across.precision >= 0.98, wrong  # across datasets, where a name alone would mislead
    assert across.pairs_gold >= 150


def test_namesakes_and_families_stay_apart(linked) -> None:
    _, gold, assigned = linked
    by_person: dict[str, set] = {}
    for g in gold:
        by_person.setdefault(g.person, set()).add(assigned[g])
    martins = [p for p in by_person if p.startswith("martin-jean-")]
    assert len({frozenset(by_person[p]) for p in martins}) == len(martins)
    assert not by_person["lalaing-famille"] & by_person["lalaing-antoine-de"]
    assert not by_person["klein-jean-1923"] & by_person["klein-jean-1940"]
    assert not by_person["breton-jules-louis"] & by_person["breton-jules"]


def test_institutions_named_differently_are_found_and_namesakes_are_not(linked) -> None:
    kg, _, _ = linked
    scores, missing = institution_scores(kg, read_institutions())
    assert missing == []
    assert scores.precision == 1.0 and scores.pairs_predicted >= 5  # "Musée Sandelin", "Archives du Nord"...
    base = kg.minter.base
    linked_to = {r[0].value for r in kg.query(f"""SELECT ?t WHERE {{ GRAPH <{base}graph/links> {{
        <{base}org/name/musee-des-beaux-arts> owl:sameAs ?t }} }}""", prefixes=True)}
    assert linked_to == set()  # one name, three towns' museums: none of them
