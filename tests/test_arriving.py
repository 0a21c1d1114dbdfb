"""The triples a reload is about to add, seen against the graph (graph/arriving.py): which of them the graph
holds already, per node, and what is left of them once some nodes' triples are deleted."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from graph import arriving
from graph.arriving import Arriving

G = "https://example.org/graph/d"
OLD = """\
<https://example.org/r1> <https://example.org/p> "old title" .
<https://example.org/r1> <https://example.org/part> <https://example.org/r1#a> .
<https://example.org/r1#a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/C> .
<https://example.org/r1#a> <https://example.org/q> _:b .
<https://example.org/r2> <https://example.org/p> "kept" .
"""
NEW = """\
<https://example.org/r1> <https://example.org/p> "new title" .
<https://example.org/r1> <https://example.org/part> <https://example.org/r1#a> .
<https://example.org/r1> <https://example.org/part> <https://example.org/r1#a> .
<https://example.org/r1#a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/C> .
<https://example.org/r1#a> <https://example.org/q> _:b .
<https://example.org/r1#b> <https://example.org/p> "a part it did not have" .
"""


def store() -> ox.Store:
    s = ox.Store()
    s.load(OLD.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(G))
    return s


def test_what_arrives_again_is_told_per_node(tmp_path: Path):
    path = tmp_path / "new.nt"
    path.write_text(NEW, encoding="utf-8")
    a = Arriving.read(store(), G, path)
    r1, part, new_part = "https://example.org/r1", "https://example.org/r1#a", "https://example.org/r1#b"
    assert a.distinct == 5  # the repeated line counted once
    assert (a.subject_of[r1], a.held_as_subject[r1]) == (2, 1)  # the title changed, the link did not
    # the part's triple naming a blank node is never counted held: the part is read, not trusted
    assert (a.subject_of[part], a.held_as_subject[part]) == (2, 1) and not a.keeps_all(part, 2)
    assert a.changes(r1, 2) and not a.keeps_all(r1, 2)
    assert a.keeps_all(new_part, 0) and a.changes(new_part, 0)  # nothing to delete, one triple to add
    assert a.links_from[r1] == [part] and a.links_from[part] == []  # rdf:type is not a link to walk
    assert a.links_to[part] == [(r1, "https://example.org/part")] and a.pointed_to_alike(part, 1)
    # r1 and its part deleted: the held triples of r1 deleted as data, the part's blank one left to be read;
    # of the arriving triples, none is held any more
    lines, still = a.after_removal({r1, part}, set())
    assert lines == [f"<{r1}> <https://example.org/part> <{part}> .\n",
                     f"<{part}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/C> .\n"]
    assert still == 0
    assert a.after_removal({r1}, set()) == (lines[:1], 1)  # the part's held triple stays


def test_too_many_arriving_triples_are_not_summarised(tmp_path: Path, monkeypatch):
    path = tmp_path / "new.nt"
    path.write_text(NEW, encoding="utf-8")
    monkeypatch.setattr(arriving, "MOST_TRIPLES", 3)
    assert Arriving.read(store(), G, path) is None


def test_the_nodes_attribute_assignments_name_are_told_unless_a_subject_is_blank(tmp_path: Path):
    p140 = "<http://www.cidoc-crm.org/cidoc-crm/P140_assigned_attribute_to>"
    act, r1, r2 = "https://example.org/r1#protection", "https://example.org/r1", "https://example.org/r2"
    path = tmp_path / "new.nt"
    path.write_text(NEW + f"<{act}> {p140} <{r1}> .\n<{act}> {p140} <{r2}> .\n<{act}> {p140} _:c .\n",
                    encoding="utf-8")
    a = Arriving.read(store(), G, path)
    assert dict(a.named) == {act: {r1, r2}} and not a.blank_subject  # a blank node named is not a record
    path.write_text(NEW + f"_:d {p140} <{r1}> .\n", encoding="utf-8")
    a = Arriving.read(store(), G, path)
    assert a.blank_subject  # the statistics are counted again
