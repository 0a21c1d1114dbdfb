"""Reloads cost what changed (issue 11, item 2), and give the very graph a first load of the same input gives.

Each test loads a version of a real sample, reloads another version, and compares the dataset's graph
with a fresh store where only the second version was loaded: same triples, same counts, same report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.records import InputError
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load

from conftest import SAMPLES

MERIMEE = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"
EAD = SAMPLES / "ead" / "FRAD062_ir_9fi_02_permaliens.xml"
MUSEUMS = SAMPLES / "museums" / "liste-et-localisation-des-musees-de-france.csv"


def options(**kw) -> LoadOptions:
    kw.setdefault("dataset", "d")
    return LoadOptions(progress=False, **kw)


def graph(kg: KnowledgeGraph, name: str = "d") -> set[str]:
    g = ox.NamedNode(kg.minter.plain(kg.minter.graph(name)))
    return {str(q) for q in kg.store.quads_for_pattern(None, None, None, g)}


def report_entries(report) -> list[tuple]:
    return sorted((e["status"], e["line"], e["source_id"], e["reason"])
                  for e in (json.loads(x) for x in report.rejects_path.read_text(encoding="utf-8").splitlines()))


def fresh(tmp_path: Path, source: Path, **kw):
    kg = KnowledgeGraph(tmp_path / "fresh")
    [report] = load(kg, [source], options(rejects=tmp_path / "fresh.jsonl", **kw))
    return kg, report


def variant(tmp_path: Path, name: str, source: Path, *edits: tuple[str, str], drop: str | None = None,
            encoding: str = "utf-8") -> Path:
    data = source.read_bytes()
    for old, new in edits:
        assert old.encode(encoding) in data
        data = data.replace(old.encode(encoding), new.encode(encoding))
    if drop is not None:
        data = b"\n".join(line for line in data.split(b"\n") if drop.encode() not in line)
    path = tmp_path / name / source.name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def assert_same_as_fresh(kg: KnowledgeGraph, report, tmp_path: Path, source: Path, **kw) -> None:
    other, expected = fresh(tmp_path, source, **kw)
    assert graph(kg) == graph(other)
    assert report.counts == expected.counts and report.counts.reconciles()
    assert report.triples == expected.triples == kg.count(kg.minter.graph("d"))
    assert report_entries(report) == report_entries(expected)
    [ds] = kg.datasets()
    assert (ds.triples, ds.records_read, ds.records_loaded) == (report.triples, report.counts.records_read,
                                                              report.counts.records_loaded)


def count_readings(monkeypatch) -> list[str]:
    """The names of the files the POP reader reads from now on, once per reading."""
    from loaders.pop import PopLoader

    readings: list[str] = []
    records = PopLoader.records
    monkeypatch.setattr(PopLoader, "records", lambda self, path, encoding: readings.append(path.name)
                        or records(self, path, encoding))
    return readings


def test_an_unchanged_reload_writes_nothing_but_the_catalogue(tmp_path: Path, monkeypatch):
    kg = KnowledgeGraph(tmp_path / "store")
    [first] = load(kg, [MERIMEE], options())
    before = graph(kg)
    readings = count_readings(monkeypatch)
    [again] = load(kg, [MERIMEE], options())
    assert readings == [MERIMEE.name]  # the input read once: nothing read ahead to tell what changed
    assert (first.write, again.write, again.changed) == ("new", "unchanged", 0)
    assert graph(kg) == before
    assert again.counts == first.counts and again.triples == first.triples
    assert report_entries(again) == report_entries(first)  # the skipped records are reported again


@pytest.mark.parametrize("case", ["one changed", "one removed", "one added", "one rejected", "one skipped"])
def test_a_reload_with_few_changes_writes_them_and_gives_the_graph_of_a_first_load(tmp_path: Path, case: str):
    berny = "PA99000112;Hôtel de Berny;hôtel;Hauts-de-France;80;Somme;Amiens;Amiens;80021;"
    v2 = {
        "one changed": lambda: variant(tmp_path, "v2", MERIMEE, ("Vieille Bourse", "Vieille Bourse de Lille")),
        "one removed": lambda: variant(tmp_path, "v2", MERIMEE, drop="PA99000112"),
        "one added": lambda: variant(tmp_path, "v2", MERIMEE, (berny, "PA99999999;Chapelle neuve;chapelle;"
                                                               "Hauts-de-France;80;Somme;Amiens;Amiens;80021;;;;;;;;;;\r\n"
                                                               + berny)),
        "one rejected": lambda: variant(tmp_path, "v2", MERIMEE, (berny, berny.replace("PA99000112", "PA9900011X"))),
        "one skipped": lambda: variant(tmp_path, "v2", MERIMEE, (berny, "PA99000112;Hôtel de Berny;hôtel;"
                                                                 "Île-de-France;75;Paris;Paris;Paris;75056;")),
    }[case]()
    kg = KnowledgeGraph(tmp_path / "store")
    load(kg, [MERIMEE], options())
    [report] = load(kg, [v2], options())
    assert report.write == "changes" and 1 <= report.changed <= 2
    assert_same_as_fresh(kg, report, tmp_path, v2)
    # and back: the first version again
    [back] = load(kg, [MERIMEE], options())
    assert back.write == "changes"
    (tmp_path / "back").mkdir()
    assert_same_as_fresh(kg, back, tmp_path / "back", MERIMEE)


def by_subject(kg: KnowledgeGraph, name: str = "d") -> dict[str, set[str]]:
    g = ox.NamedNode(kg.minter.plain(kg.minter.graph(name)))
    out: dict[str, set[str]] = {}
    for q in kg.store.quads_for_pattern(None, None, None, g):
        out.setdefault(str(q.subject), set()).add(str(q))
    return out


@pytest.mark.parametrize("source, edit, encoding", [
    (MERIMEE, ("Vieille Bourse", "Vieille Bourse de Lille"), "utf-8"),  # a title: on the record, its title node
    (MERIMEE, ("60057;Saint-Pierre (rue);classé MH;1840 : classé MH",  # a protection: its act, the concept named
               "60057;Saint-Pierre (rue);inscrit MH;1840 : inscrit MH"), "utf-8"),
    (MUSEUMS, ("M0812;Amiens;musée de Picardie;48 rue de La République", "M0812;Amiens;musée de Picardie;"
               "2 rue Puvis de Chavannes"), "utf-8"),  # a museum's address: its place, its site
])
def test_a_reload_of_a_few_records_deletes_only_the_triples_of_the_nodes_that_change(tmp_path: Path, monkeypatch,
                                                                                     source: Path, edit, encoding):
    """The nodes of a changed record whose triples all arrive again are left as they are (neither read
    nor deleted): only those with triples that do not arrive again lose theirs, and the statistics are
    counted over the nodes whose triples change; the graph is that of a first load."""
    kg = KnowledgeGraph(tmp_path / "store")
    load(kg, [source], options())
    old = by_subject(kg)
    v2 = variant(tmp_path, "v2", source, edit, encoding=encoding)
    removals = []
    remove = KnowledgeGraph.remove_records
    monkeypatch.setattr(KnowledgeGraph, "remove_records",
                        lambda self, *a, **kw: removals.append(remove(self, *a, **kw)) or removals[-1])
    [report] = load(kg, [v2], options())
    assert report.write == "changes" and report.changed == 1
    assert_same_as_fresh(kg, report, tmp_path, v2)
    new = by_subject(kg)
    [removal] = removals
    stale = {s for s in old if old[s] - new.get(s, set())}
    changed = stale | {s for s in new if new[s] - old.get(s, set())}
    assert stale and removal.subjects == {s[1:-1] for s in changed}
    assert removal.triples == sum(len(old[s]) for s in stale)
    assert removal.counted and removal.new == sum(len(new[s] - old[s]) for s in changed if s in new) + sum(
        len(new[s] & old[s]) for s in stale if s in new)


def test_a_reload_where_most_records_changed_writes_the_dataset_anew(tmp_path: Path, monkeypatch):
    v2 = variant(tmp_path, "v2", MERIMEE, ("classé MH", "classé monument historique"),
                 ("inscrit MH", "inscrit monument historique"))
    kg = KnowledgeGraph(tmp_path / "store")
    [first] = load(kg, [MERIMEE], options())
    streamed = []
    kg.bulk_stream = lambda name, _stream=kg.bulk_stream: streamed.append(name) or _stream(name)
    readings = count_readings(monkeypatch)
    [report] = load(kg, [v2], options())
    assert report.write == "new" and streamed == ["d"]  # told by the records' digests: written anew, streamed
    # the sample's first records changed: streamed before any record was read unchanged, the input read once
    # (records read unchanged before the stream begins are mapped at the end: tests/test_partitions.py)
    assert readings == [v2.name]
    changed = sum(1 for line in MERIMEE.read_text(encoding="utf-8").splitlines()[1:]
                  if "classé MH" in line or "inscrit MH" in line)
    assert report.changed == changed and 5 < changed < first.counts.records_read + 1
    assert_same_as_fresh(kg, report, tmp_path, v2)


def test_another_region_filter_maps_every_record_again(tmp_path: Path):
    kg = KnowledgeGraph(tmp_path / "store")
    load(kg, [MERIMEE], options())
    [report] = load(kg, [MERIMEE], options(region=None))
    assert report.write == "new"
    assert_same_as_fresh(kg, report, tmp_path, MERIMEE, region=None)


def test_records_a_reader_gives_no_digest_of_are_mapped_and_compared_by_their_triples(tmp_path: Path):
    kg = KnowledgeGraph(tmp_path / "store")
    [first] = load(kg, [EAD], options())
    [again] = load(kg, [EAD], options())
    assert again.write == "unchanged" and graph(kg) == graph(kg)
    text = EAD.read_text(encoding="latin-1")
    title = text[text.index("<unittitle>") + 11:text.index("</unittitle>")]
    v2 = variant(tmp_path, "v2", EAD, (f"<unittitle>{title}</unittitle>", f"<unittitle>{title} (revu)</unittitle>"),
                 encoding="latin-1")
    [changed] = load(kg, [v2], options())
    # one record changed; its units derive their EDM type from it in their batch: the dataset is written anew
    assert changed.write == "new" and changed.changed == 1
    assert_same_as_fresh(kg, changed, tmp_path, v2)


def test_readers_see_the_old_dataset_or_the_new_one(tmp_path: Path):
    store = tmp_path / "store"
    writer = KnowledgeGraph(store)
    load(writer, [MERIMEE], options())
    old = graph(writer)
    reader = KnowledgeGraph(store, read_only=True)
    v2 = variant(tmp_path, "v2", MERIMEE, ("Vieille Bourse", "Vieille Bourse de Lille"))
    load(writer, [v2], options())
    assert graph(reader) == old  # a reader keeps the generation it opened
    assert reader.refresh() and graph(reader) == graph(writer) != old
    assert not reader.refresh()


def test_a_first_load_streams_into_the_store_and_an_input_failing_half_way_changes_nothing(tmp_path: Path):
    """A load without a record index to compare with (first load, new software...) sends the triples to
    the store as it maps them (graph/bulkstream.py): an input that fails after thousands of records,
    once some triples are in the store's working copy, leaves the store as it was."""
    rows = [f"PA{80200000 + i:08d};Eglise {i};église;80;Amiens;80021;13e siècle;Notice {i}.\n" for i in range(5000)]
    good = tmp_path / "good.csv"
    good.write_text("REF;TICO;DENO;DPT;COM;INSEE;SCLE;HIST\n" + "".join(rows), encoding="utf-8")
    broken = tmp_path / "broken.csv"  # valid UTF-8 for 4,500 records, then bytes that are not
    broken.write_bytes(good.read_bytes()[:-60 * 500] + b"PA80299999;\xff\xfe\xfa;\xc3;80\n")
    store = tmp_path / "store"
    kg = KnowledgeGraph(store)
    [first] = load(kg, [good], options())
    assert first.write == "new" and first.counts.records_loaded == 5000
    before = graph(kg)
    (kg.records_dir() / "d.jsonl").unlink()  # no index: the next load of "d" streams too
    kg.close()  # publishes the merged copy of the first load (the same data)
    kg = KnowledgeGraph(store)
    generation = kg.generation
    with pytest.raises(InputError) as failure:
        load(kg, [broken], options(encoding="utf-8"))
    assert "broken.csv" in str(failure.value)
    assert kg.generation == generation
    kg.close()
    kg = KnowledgeGraph(store, read_only=True)
    assert graph(kg) == before and [d.triples for d in kg.datasets()] == [first.triples]
    kg.close()



def shared_labels(kg: KnowledgeGraph, concept: str) -> set[str]:
    q = (f"SELECT ?l WHERE {{ GRAPH {kg.shared} {{ <{kg.minter.base}concept/denomination/{concept}> "
         f"<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }} }}")
    return {row["l"].value for row in kg.store.query(q)}


def shared_graph(kg: KnowledgeGraph) -> set[str]:
    return {str(q) for q in kg.store.quads_for_pattern(None, None, None, ox.NamedNode(kg.shared[1:-1]))}


def test_a_shared_entity_no_dataset_declares_any_more_leaves_the_shared_graph(tmp_path: Path):
    """The one monument called a "cirque" becomes a "cirque d'hiver" in a new version of the export where
    most records changed (written anew): the concept "cirque" leaves the shared graph, once the other
    dataset that still declares it is dropped; entities still declared stay."""
    v2 = variant(tmp_path, "v2", MERIMEE, (";cirque;", ";cirque d'hiver;"),
                 ("classé MH", "classé monument historique"), ("inscrit MH", "inscrit monument historique"))
    kg = KnowledgeGraph(tmp_path / "store")
    load(kg, [MERIMEE], options(dataset="export"))
    load(kg, [MERIMEE], options(dataset="copy"))
    [report] = load(kg, [v2], options(dataset="export"))
    assert report.write == "new"
    assert shared_labels(kg, "cirque") == {"cirque"}  # "copy" declares it still
    assert shared_labels(kg, "cirque-d-hiver") == {"cirque d'hiver"}
    assert kg.drop_dataset("copy")
    assert shared_labels(kg, "cirque") == set()
    assert shared_labels(kg, "beffroi") == {"beffroi"}
    kg.close()
    fresh = KnowledgeGraph(tmp_path / "fresh")
    load(fresh, [v2], options(dataset="export"))
    reader = KnowledgeGraph(tmp_path / "store", read_only=True)  # published with the generation
    try:  # the shared graph a first load of the new version makes, no more, no less
        assert shared_graph(reader) == shared_graph(fresh)
    finally:
        reader.close()
        fresh.close()


def test_a_reload_of_a_few_records_keeps_every_shared_entity_other_records_may_use(tmp_path: Path):
    """Written as changes, a reload maps only the changed records: the shared entities it does not
    declare again may be those of records read unchanged, and stay."""
    v2 = variant(tmp_path, "v2", MERIMEE, (";cirque;", ";cirque d'hiver;"))
    kg = KnowledgeGraph(tmp_path / "store")
    load(kg, [MERIMEE], options())
    before = shared_graph(kg)
    [report] = load(kg, [v2], options())
    assert report.write == "changes" and report.changed == 1
    assert before <= shared_graph(kg) and shared_labels(kg, "cirque-d-hiver") == {"cirque d'hiver"}
    load(kg, [v2], options(region=None))  # then written anew (another region filter): "cirque" goes
    assert shared_labels(kg, "cirque") == set() and shared_labels(kg, "cirque-d-hiver") == {"cirque d'hiver"}
    kg.close()


def test_records_without_an_identifier_do_not_make_an_unchanged_reload_a_change(tmp_path: Path):
    """The list of Musées de France has rows without a Muséofile id (rejected, reported at every load):
    read again as they were, they change nothing."""
    kg = KnowledgeGraph(tmp_path / "store")
    [first] = load(kg, [MUSEUMS], options())
    [again] = load(kg, [MUSEUMS], options())
    assert first.counts.records_rejected >= 1
    assert (again.write, again.changed) == ("unchanged", 0)
    assert report_entries(again) == report_entries(first) and again.counts == first.counts
    kg.close()


def named_graphs(kg: KnowledgeGraph) -> dict[str, set[str]]:
    """Every graph of the store but the catalogue (it dates each load), quad by quad."""
    return {g.value: {str(q) for q in kg.store.quads_for_pattern(None, None, None, g)}
            for g in kg.store.named_graphs() if g.value != kg.catalogue[1:-1]}


def three_datasets(tmp_path: Path) -> list[Path]:
    """The Mérimée and EAD samples and the museums list, each a dataset named after its file."""
    paths = []
    for name, source in (("merimee", MERIMEE), ("archives", EAD), ("musees", MUSEUMS)):
        path = tmp_path / "in" / f"{name}{source.suffix}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(source.read_bytes())
        paths.append(path)
    return paths


def test_datasets_mapped_anew_that_are_most_of_the_store_are_emptied_by_one_rebuild(tmp_path: Path, monkeypatch):
    """New software, reference data or options map every record again: when the datasets one load writes
    anew are most of the store together, the store is rebuilt once without them (no deletions), and the
    graph is the one a first load with the new mapping gives."""
    import graph.store

    monkeypatch.setattr(graph.store, "REBUILD_MIN_QUADS", 0)
    paths = three_datasets(tmp_path)
    kg = KnowledgeGraph(tmp_path / "store")
    load(kg, paths, LoadOptions(progress=False, region=None))
    rebuilt, sliced = [], []
    rebuild, slices = kg._rebuild_without, kg._delete_in_slices
    kg._rebuild_without = lambda gone: rebuilt.append({g.value for g in gone}) or rebuild(gone)
    kg._delete_in_slices = lambda g: sliced.append(g.value) or slices(g)
    generation = kg.generation
    reports = load(kg, paths, LoadOptions(progress=False, region=None, provider="Un autre fournisseur"))
    assert rebuilt == [{kg.minter.plain(kg.minter.graph(n)) for n in ("merimee", "archives", "musees")}]
    assert sliced == [] and [r.write for r in reports] == ["new"] * 3
    assert kg.generation == generation + 1  # the three published together
    other = KnowledgeGraph(tmp_path / "fresh")
    expected = load(other, paths, LoadOptions(progress=False, region=None, provider="Un autre fournisseur"))
    assert named_graphs(kg) == named_graphs(other)
    for r, e in zip(reports, expected):
        assert r.counts == e.counts and r.counts.reconciles() and r.triples == e.triples
    assert {d.name: d.triples for d in kg.datasets()} == {d.name: d.triples for d in other.datasets()}


def test_a_dataset_failing_after_the_rebuild_leaves_every_dataset_as_it_was(tmp_path: Path, monkeypatch):
    import graph.store

    monkeypatch.setattr(graph.store, "REBUILD_MIN_QUADS", 0)
    paths = three_datasets(tmp_path)
    store = tmp_path / "store"
    kg = KnowledgeGraph(store)
    load(kg, paths, LoadOptions(progress=False, region=None))
    before, datasets, generation = named_graphs(kg), kg.datasets(), kg.generation
    rebuilt = []
    rebuild = kg._rebuild_without
    kg._rebuild_without = lambda gone: rebuilt.append(len(gone)) or rebuild(gone)
    text = paths[1].read_bytes()  # the archives' finding aid cut half-way: read after the rebuild
    paths[1].write_bytes(text[:len(text) // 2])
    with pytest.raises(InputError) as failure:
        load(kg, paths, LoadOptions(progress=False, region=None, provider="Un autre fournisseur"))
    assert paths[1].name in str(failure.value)
    assert rebuilt == [3] and kg.generation == generation
    kg.close()
    kg = KnowledgeGraph(store, read_only=True)
    assert named_graphs(kg) == before and kg.datasets() == datasets
    kg.close()


@pytest.mark.parametrize("streamed", [True, False])
def test_a_batch_failing_while_it_is_derived_beside_the_mapping_fails_the_load_and_changes_nothing(
        tmp_path: Path, monkeypatch, streamed: bool):
    """Each batch is derived and written in a thread while the next is mapped (patrimoine/pipeline.py,
    _Behind): its error is the load's, whether the batches go to the bulk loader's pipe (a first load) or
    to files (--validate), and nothing is kept."""
    import threading

    from patrimoine import pipeline

    monkeypatch.setattr(pipeline, "BATCH_RECORDS", 5)
    kg = KnowledgeGraph(tmp_path / "store")
    load(kg, [MUSEUMS], options(dataset="m"))
    before, generation = graph(kg, "m"), kg.generation
    calls = []
    derive = pipeline.derive_batch

    def failing(*args):
        calls.append(threading.current_thread().name)
        if len(calls) == 3:
            raise ValueError("la dérivation a échoué")
        return derive(*args)

    monkeypatch.setattr(pipeline, "derive_batch", failing)
    with pytest.raises(ValueError, match="la dérivation a échoué"):
        load(kg, [MERIMEE], options(validate=not streamed))
    assert calls[0].startswith("derive") and len(calls) == 3  # the batches after the failing one: not derived
    assert kg.generation == generation and graph(kg, "m") == before and not graph(kg)
    assert [d.name for d in kg.datasets()] == ["m"]
    assert not any(t.name.startswith(("derive", "bulk-stream")) for t in threading.enumerate())
    monkeypatch.setattr(pipeline, "derive_batch", derive)
    [report] = load(kg, [MERIMEE], options(validate=not streamed))  # the next run succeeds
    assert report.counts.reconciles() and graph(kg) and graph(kg, "m") == before
