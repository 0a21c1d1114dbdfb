"""The store layer: named graph per dataset, union default graph, atomic replacement, failures leave no trace."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from patrimoine.pipeline import LoadOptions, load
from graph.records import InputError
from graph.store import STAGING_SUFFIX, KnowledgeGraph

from conftest import SAMPLES

PALISSY = SAMPLES / "pop" / "pop-api-palissy-search-response.json"
MERIMEE = SAMPLES / "pop" / "pop-api-merimee-item.json"
ALL = LoadOptions(region=None, progress=False)


def quads(kg: KnowledgeGraph) -> set[str]:
    return {str(q) for q in kg.store}


def count(kg: KnowledgeGraph, sparql: str) -> int:
    return int(next(iter(kg.query(sparql, prefixes=True)))["n"].value)


def test_each_dataset_is_a_named_graph_and_queries_see_their_union(disk_kg: KnowledgeGraph):
    load(disk_kg, [PALISSY], LoadOptions(dataset="palissy", region=None, progress=False))
    load(disk_kg, [MERIMEE], LoadOptions(dataset="merimee", region=None, progress=False))
    graphs = {g.value for g in disk_kg.store.named_graphs()}
    base = disk_kg.minter.base
    assert {f"{base}graph/palissy", f"{base}graph/merimee", f"{base}graph/catalogue"} <= graphs
    union = count(disk_kg, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a crm:E22_Human-Made_Object }")
    assert union == 11  # 10 Palissy objects + 1 Mérimée building
    in_palissy = count(disk_kg, f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ GRAPH <{base}graph/palissy> "
                                "{ ?o a crm:E22_Human-Made_Object } }")
    assert in_palissy == 10


def test_reload_replaces_the_dataset(disk_kg: KnowledgeGraph, tmp_path: Path):
    first = load(disk_kg, [PALISSY], LoadOptions(dataset="objects", region=None, progress=False))[0]
    before = quads(disk_kg)
    again = load(disk_kg, [PALISSY], LoadOptions(dataset="objects", region=None, progress=False))[0]
    assert again.triples == first.triples
    after = {q for q in quads(disk_kg) if "catalogue" not in q}
    assert after == {q for q in before if "catalogue" not in q}
    # Replacing with other content: the old records are gone, the new ones are there.
    load(disk_kg, [MERIMEE], LoadOptions(dataset="objects", region=None, progress=False))
    assert count(disk_kg, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a crm:E22_Human-Made_Object }") == 1
    assert not any(g.value.endswith(STAGING_SUFFIX) for g in disk_kg.store.named_graphs())
    [ds] = disk_kg.datasets()
    assert (ds.records_loaded, ds.source) == (1, MERIMEE.name)


def test_a_failed_load_leaves_the_store_exactly_as_it_was(disk_kg: KnowledgeGraph, tmp_path: Path):
    load(disk_kg, [PALISSY], LoadOptions(dataset="objects", region=None, progress=False))
    before = quads(disk_kg)
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(PALISSY.read_bytes()[:30000])
    with pytest.raises(InputError):
        load(disk_kg, [truncated], LoadOptions(dataset="objects", format="pop", region=None, progress=False))
    with pytest.raises(InputError):
        load(disk_kg, [truncated], LoadOptions(dataset="new-one", format="pop", region=None, progress=False))
    assert quads(disk_kg) == before
    assert [d.name for d in disk_kg.datasets()] == ["objects"]


def test_graphs_being_loaded_or_staged_are_hidden_from_queries(kg: KnowledgeGraph):
    load(kg, [MERIMEE], LoadOptions(dataset="merimee", region=None, progress=False))
    base = kg.minter.base
    staged = ox.NamedNode(f"{base}graph/merimee{STAGING_SUFFIX}")
    kg.store.add(ox.Quad(ox.NamedNode(f"{base}pop/PA_STAGED"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                         ox.NamedNode("http://www.cidoc-crm.org/cidoc-crm/E22_Human-Made_Object"), staged))
    kg._hidden = None
    assert count(kg, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a crm:E22_Human-Made_Object }") == 1
    assert count(kg, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?o a crm:E22_Human-Made_Object } }") == 1
    # A first load interrupted after its 'loading' mark is hidden too, and the next load cleans it.
    kg.store.update(f'DELETE DATA {{ GRAPH <{base}graph/catalogue> {{ <{base}dataset/merimee> '
                    f'<https://w3id.org/patrimoine-kg/ontology#status> "loaded" }} }} ;'
                    f'INSERT DATA {{ GRAPH <{base}graph/catalogue> {{ <{base}dataset/merimee> '
                    f'<https://w3id.org/patrimoine-kg/ontology#status> "loading" }} }}')
    kg._hidden = None
    assert count(kg, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a crm:E22_Human-Made_Object }") == 0
    load(kg, [MERIMEE], LoadOptions(dataset="merimee", region=None, progress=False))
    assert count(kg, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a crm:E22_Human-Made_Object }") == 1


def test_provenance_record(kg: KnowledgeGraph):
    [r] = load(kg, [PALISSY, MERIMEE], LoadOptions(dataset="pop-api", region=None, progress=False))
    [ds] = kg.datasets()
    assert ds.status == "loaded"
    assert ds.records_read == r.counts.records_read == 11
    assert ds.records_read == ds.records_loaded + ds.records_rejected + ds.records_skipped
    assert ds.triples == r.triples == kg.count(kg.minter.graph("pop-api"))
    assert ds.source == f"{PALISSY.name}, {MERIMEE.name}"
    import hashlib
    assert ds.sha256.split(", ")[0] == hashlib.sha256(PALISSY.read_bytes()).hexdigest()
    assert ds.format == "pop" and ds.region == "all" and ds.loaded_at.endswith("Z")


def test_iris_do_not_depend_on_load_order(tmp_path: Path):
    a, b = KnowledgeGraph(None), KnowledgeGraph(None)
    load(a, [PALISSY, MERIMEE], LoadOptions(dataset="x", region=None, progress=False))
    load(b, [MERIMEE, PALISSY], LoadOptions(dataset="x", region=None, progress=False))
    def content(kg):
        return {str(q) for q in kg.store if "catalogue" not in str(q.graph_name)}
    assert content(a) == content(b)


def test_reload_with_one_record_changed_swaps_only_the_difference(disk_kg: KnowledgeGraph, tmp_path: Path):
    source = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"
    load(disk_kg, [source], LoadOptions(dataset="monuments", progress=False))
    graph = ox.NamedNode(disk_kg.minter.plain(disk_kg.minter.graph("monuments")))

    def content() -> set[str]:
        return {str(q) for q in disk_kg.store.quads_for_pattern(None, None, None, graph)}

    before = content()
    edited = tmp_path / "monuments.csv"
    edited.write_bytes(source.read_bytes().replace("Vieille Bourse".encode(), "Vieille Bourse de Lille".encode()))
    load(disk_kg, [edited], LoadOptions(dataset="monuments", progress=False))
    after = content()
    removed, added = before - after, after - before
    assert removed and added and len(removed) == len(added)
    assert all("Vieille Bourse" in q for q in removed | added)
    assert not any(g.value.endswith(STAGING_SUFFIX) for g in disk_kg.store.named_graphs())
    [ds] = disk_kg.datasets()
    assert ds.source == "monuments.csv" and ds.triples == len(after)


def test_the_stores_own_default_graph_stays_visible_while_a_graph_is_hidden(kg: KnowledgeGraph):
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    kg.store.add(ox.Quad(s, p, ox.Literal("written to the default graph")))
    kg.store.add(ox.Quad(s, p, ox.Literal("staged"), ox.NamedNode(f"{kg.minter.base}graph/x{STAGING_SUFFIX}")))
    kg._hidden = None
    assert [r["o"].value for r in kg.query("SELECT ?o WHERE { ?s ?p ?o }")] == ["written to the default graph"]
