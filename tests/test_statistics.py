"""The statistics each load writes in the catalogue (graph/statistics.py: VoID class partitions, département
partitions) are the counts of the dataset's graph, follow reloads and drops, are counted only when the graph
changed or when the catalogue has none (a store loaded before they existed), and the query UI's counting
examples that read them give the counts of the graph.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from endpoint.ui import example_queries
from graph import statistics
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load

from conftest import SAMPLES
from samples import all_samples
from test_reload import variant

MERIMEE = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"
CATALOGUE = "<https://w3id.org/patrimoine-kg/graph/catalogue>"


def written(kg: KnowledgeGraph, name: str) -> tuple[dict, dict, dict]:
    """What the catalogue says of dataset ``name``: instances per class, records per département, records per
    département and thing assigned to them."""
    ds = kg.minter.dataset(name)
    classes = {r["c"].value: int(r["n"].value) for r in kg.query(
        f"SELECT ?c ?n WHERE {{ GRAPH {CATALOGUE} {{ {ds} void:classPartition ?p . ?p void:class ?c ; void:entities ?n }} }}",
        prefixes=True)}
    departments = {r["d"].value: int(r["n"].value) for r in kg.query(
        f"SELECT ?d ?n WHERE {{ GRAPH {CATALOGUE} {{ {ds} pkg:departmentPartition ?p . ?p pkg:department ?d ; void:entities ?n }} }}",
        prefixes=True)}
    assigned = {(r["d"].value, r["a"].value): int(r["n"].value) for r in kg.query(
        f"SELECT ?d ?a ?n WHERE {{ GRAPH {CATALOGUE} {{ {ds} pkg:assignedPartition ?p . ?p pkg:department ?d ;"
        " pkg:assigned ?a ; void:entities ?n } }", prefixes=True)}
    return classes, departments, assigned


def counted(kg: KnowledgeGraph, name: str) -> tuple[dict, dict, dict]:
    """The same counts, read from the dataset's graph now."""
    g, ds = kg.minter.graph(name), kg.minter.dataset(name)
    classes = {r["c"].value: int(r["n"].value) for r in kg.query(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH {g} {{ ?s a ?c }} }} GROUP BY ?c")}
    departments = {r["d"].value: int(r["n"].value) for r in kg.query(
        f"SELECT ?d (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH {g} {{ ?r void:inDataset {ds} ; pkg:department ?d }} }}"
        " GROUP BY ?d", prefixes=True)}
    assigned = {(r["d"].value, r["a"].value): int(r["n"].value) for r in kg.query(
        f"""SELECT ?d ?a (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH {g} {{
          ?act crm:P141_assigned ?a ; crm:P140_assigned_attribute_to ?r . ?r void:inDataset {ds} ; pkg:department ?d }}
        }} GROUP BY ?d ?a""", prefixes=True)}
    return classes, departments, assigned


def test_the_statistics_of_every_sample_are_the_counts_of_its_graph():
    kg, _ = all_samples()
    names = [d.name for d in kg.datasets()]
    assert len(names) > 20
    for name in names:
        assert written(kg, name) == counted(kg, name), name
    located = sum(len(written(kg, name)[1]) for name in names)
    assert located > 20  # POP, museums, EAD records located in départements
    assigned = {a for name in names for _, a in written(kg, name)[2]}
    assert {"https://w3id.org/patrimoine-kg/concept/protection/classe-mh",
            "https://w3id.org/patrimoine-kg/concept/protection/inscrit-mh"} <= assigned


def test_statistics_follow_reloads_and_drops_and_are_counted_only_when_needed(tmp_path: Path, monkeypatch):
    kg = KnowledgeGraph(tmp_path / "store")
    load(kg, [MERIMEE], LoadOptions(progress=False, dataset="d"))
    first = written(kg, "d")
    assert first == counted(kg, "d")
    somme, nord = (f"https://w3id.org/patrimoine-kg/place/department/{n}" for n in ("80", "59"))
    assert first[1][somme] >= 2 and first[0]["http://www.cidoc-crm.org/cidoc-crm/E22_Human-Made_Object"] >= 10
    # the Hôtel de Berny moves to Lille: a reload of one record
    moved = variant(tmp_path, "v2", MERIMEE, ("PA99000112;Hôtel de Berny;hôtel;Hauts-de-France;80;Somme;Amiens;Amiens;80021;",
                                              "PA99000112;Hôtel de Berny;hôtel;Hauts-de-France;59;Nord;Lille;Lille;59350;"))
    [report] = load(kg, [moved], LoadOptions(progress=False, dataset="d"))
    assert report.write == "changes"
    now = written(kg, "d")
    assert now == counted(kg, "d")
    assert (now[1][somme], now[1][nord]) == (first[1][somme] - 1, first[1][nord] + 1)
    classed = "https://w3id.org/patrimoine-kg/concept/protection/classe-mh"
    assert sum(now[2].get((d, classed), 0) for d in (somme, nord)) == sum(first[2].get((d, classed), 0) for d in (somme, nord))

    def not_counted(*args):
        raise AssertionError("statistics counted again for an unchanged graph")

    with monkeypatch.context() as m:
        m.setattr(statistics, "lines", not_counted)
        [again] = load(kg, [moved], LoadOptions(progress=False, dataset="d"))
    assert again.write == "unchanged" and written(kg, "d") == now
    # a store loaded before statistics existed: an unchanged reload writes them
    kg.store.update(f"DELETE {{ GRAPH {CATALOGUE} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {CATALOGUE} {{ ?s ?p ?o "
                    f"FILTER({statistics.kept(kg.minter.dataset('d'))}) }} }}")
    assert written(kg, "d") == ({}, {}, {})
    [again] = load(kg, [moved], LoadOptions(progress=False, dataset="d"))
    assert again.write == "unchanged" and written(kg, "d") == now
    assert kg.drop_dataset("d")
    left = kg.query(f'ASK {{ GRAPH {CATALOGUE} {{ ?s ?p ?o FILTER(CONTAINS(STR(?s), "dataset/d")) }} }}')
    assert not bool(left)


def example(kg: KnowledgeGraph, name: str) -> str:
    return next(e["query"] for e in example_queries(kg.minter.base) if e["id"] == name)


def test_the_ui_s_records_by_department_are_the_records_of_each_dataset_located_there():
    kg, _ = all_samples()
    shown = Counter({(r["department"].value, r["dataset"].value): int(r["records"].value)
                     for r in kg.query(example(kg, "records-by-department"))})
    direct = Counter({(r["department"].value, r["dataset"].value): int(r["n"].value) for r in kg.query(
        f"""SELECT ?department ?dataset (COUNT(DISTINCT ?r) AS ?n) WHERE {{
          GRAPH {CATALOGUE} {{ ?d pkg:datasetName ?dataset ; pkg:graph ?g }}
          GRAPH ?g {{ ?r void:inDataset ?d ; pkg:department ?place }} ?place rdfs:label ?department
        }} GROUP BY ?department ?dataset""", prefixes=True)})
    assert len(shown) > 20 and shown == direct


def test_the_ui_s_classes_are_the_instances_each_graph_declares():
    kg, _ = all_samples()
    shown = {r["class"].value: int(r["instances"].value) for r in kg.query(example(kg, "classes"))}
    direct = {r["c"].value: int(r["n"].value) for r in kg.query(
        "SELECT ?c (SUM(?k) AS ?n) WHERE { { SELECT ?g ?c (COUNT(DISTINCT ?s) AS ?k) WHERE { GRAPH ?g { ?s a ?c } }"
        " GROUP BY ?g ?c } } GROUP BY ?c")}
    assert len(shown) > 30 and shown == direct


def test_a_reload_of_a_few_records_adjusts_the_statistics_by_what_they_changed(tmp_path: Path, monkeypatch):
    """A reload written as changes does not count the whole graph again: the statistics change by what the
    records that went and came made of them (counted over their subjects before and after), and are then
    those of the graph: a record moved, one whose protection changed, one added; then that one removed."""
    kg = KnowledgeGraph(tmp_path / "store")
    load(kg, [MERIMEE], LoadOptions(progress=False, dataset="d"))
    first = written(kg, "d")
    v2 = variant(tmp_path, "v2", MERIMEE,
                 ("PA99000112;Hôtel de Berny;hôtel;Hauts-de-France;80;Somme;Amiens;Amiens;80021;",
                  "PA99000112;Hôtel de Berny;hôtel;Hauts-de-France;59;Nord;Lille;Lille;59350;"),
                 ("60057;Saint-Pierre (rue);classé MH;1840 : classé MH", "60057;Saint-Pierre (rue);inscrit MH;1840 : inscrit MH"))
    laon = next(line for line in MERIMEE.read_text(encoding="utf-8-sig").splitlines() if line.startswith("PA99000102"))
    with open(v2, "a", encoding="utf-8") as f:
        f.write(laon.replace("PA99000102", "PA99000199").replace(";02;Aisne;Laon;Laon;02408;",
                                                                         ";62;Pas-de-Calais;Arras;Arras;62041;") + "\n")

    def not_counted(*args):
        raise AssertionError("the whole graph counted again")

    monkeypatch.setattr(statistics, "lines", not_counted)
    [report] = load(kg, [v2], LoadOptions(progress=False, dataset="d"))
    assert report.write == "changes" and report.changed == 3
    now = written(kg, "d")
    assert now == counted(kg, "d") != first
    somme, nord, pas_de_calais = (f"https://w3id.org/patrimoine-kg/place/department/{n}" for n in ("80", "59", "62"))
    assert (now[1][somme], now[1][nord]) == (first[1][somme] - 1, first[1][nord] + 1)
    assert now[1].get(pas_de_calais, 0) == first[1].get(pas_de_calais, 0) + 1
    inscrit, oise = ("https://w3id.org/patrimoine-kg/concept/protection/inscrit-mh",
                     "https://w3id.org/patrimoine-kg/place/department/60")
    assert now[2].get((oise, inscrit), 0) == first[2].get((oise, inscrit), 0) + 1
    v3 = variant(tmp_path, "v3", v2, drop="PA99000199")
    [report] = load(kg, [v3], LoadOptions(progress=False, dataset="d"))
    assert report.write == "changes" and report.changed == 1
    assert written(kg, "d") == counted(kg, "d")
    assert written(kg, "d")[1].get(pas_de_calais, 0) == first[1].get(pas_de_calais, 0)


def test_a_reload_whose_arriving_triples_are_too_many_to_summarise_counts_the_statistics_again(tmp_path: Path,
                                                                                               monkeypatch):
    """Without the summary of the arriving triples (graph/arriving.py), a reload written as changes reads every
    node of the changed records and counts the statistics over the whole graph: they are still those of the graph."""
    from graph import arriving

    kg = KnowledgeGraph(tmp_path / "store")
    load(kg, [MERIMEE], LoadOptions(progress=False, dataset="d"))
    v2 = variant(tmp_path, "v2", MERIMEE,
                 ("PA99000112;Hôtel de Berny;hôtel;Hauts-de-France;80;Somme;Amiens;Amiens;80021;",
                  "PA99000112;Hôtel de Berny;hôtel;Hauts-de-France;59;Nord;Lille;Lille;59350;"))
    monkeypatch.setattr(arriving, "MOST_TRIPLES", 0)
    recounted = []
    lines = statistics.lines
    monkeypatch.setattr(statistics, "lines", lambda *a: recounted.append(a) or lines(*a))
    [report] = load(kg, [v2], LoadOptions(progress=False, dataset="d"))
    assert report.write == "changes" and report.changed == 1 and recounted
    assert written(kg, "d") == counted(kg, "d")
