"""The bulk load fed through a named pipe (graph/bulkstream.py): what is written arrives, every failure
reaches the writer as an error, none leaves a thread or a pipe behind."""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.bulkstream import bulk_stream

G = ox.NamedNode("https://example.org/graph/g")


def lines(n: int, start: int = 0) -> bytes:
    return "".join(f"<https://example.org/r/{i}> <https://example.org/p> \"valeur {i} é\" .\n"
                   for i in range(start, start + n)).encode()


def test_what_is_written_is_loaded_into_the_graph_even_far_beyond_the_pipe_buffer(tmp_path: Path):
    store = ox.Store(str(tmp_path / "db"))
    with bulk_stream(store, G, tmp_path / "pipe.nt") as out:
        for k in range(20):  # ~2 MB, far beyond a pipe's 64 KiB: the writer waits for the loader
            out.write(lines(1000, k * 1000))
    assert len(store) == 20_000
    assert ox.Quad(ox.NamedNode("https://example.org/r/19999"), ox.NamedNode("https://example.org/p"),
                   ox.Literal("valeur 19999 é"), G) in store
    assert not (tmp_path / "pipe.nt").exists()
    assert not any(t.name == "bulk-stream" for t in threading.enumerate())


def test_a_line_the_loader_cannot_read_is_the_writers_error(tmp_path: Path):
    store = ox.Store(str(tmp_path / "db"))
    with pytest.raises(SyntaxError):
        with bulk_stream(store, G, tmp_path / "pipe.nt") as out:
            out.write(lines(10))
            out.write(b"<not an IRI at all .\n")
            for k in range(50):  # goes on writing: the pipe breaks or the error comes at the end
                out.write(lines(1000, k * 1000))
    assert not (tmp_path / "pipe.nt").exists()
    assert not any(t.name == "bulk-stream" for t in threading.enumerate())


def test_the_writers_own_error_goes_on_and_the_loader_stops(tmp_path: Path):
    store = ox.Store(str(tmp_path / "db"))
    with pytest.raises(ValueError, match="truncated input"):
        with bulk_stream(store, G, tmp_path / "pipe.nt") as out:
            out.write(lines(100))
            raise ValueError("truncated input")
    assert not (tmp_path / "pipe.nt").exists()
    assert not any(t.name == "bulk-stream" for t in threading.enumerate())


def test_a_store_that_cannot_be_written_is_an_error_not_a_hang(tmp_path: Path):
    ox.Store(str(tmp_path / "db")).flush()
    store = ox.Store.read_only(str(tmp_path / "db"))
    with pytest.raises(RuntimeError, match="read-write"):
        with bulk_stream(store, G, tmp_path / "pipe.nt") as out:
            for k in range(50):
                out.write(lines(1000, k * 1000))
    assert not (tmp_path / "pipe.nt").exists()
    assert not any(t.name == "bulk-stream" for t in threading.enumerate())


def test_triples_copied_into_another_graph_arrive_there_whole(tmp_path: Path):
    """The shared entities of a streamed load go in the same bulk load, as quads of their own graph:
    literals holding dots, escaped line breaks and tabs, lines cut across the copy's chunks, no final
    line break."""
    from graph.ntriples import copy_into_graph

    shared = ox.NamedNode("https://example.org/graph/shared")
    nt = tmp_path / "shared.nt"
    text = ('<https://example.org/a> <https://example.org/p> "fin de phrase .\\n suite ." .\n'
            '<https://example.org/a> <https://example.org/q> "3."^^<http://www.w3.org/2001/XMLSchema#decimal> .\n'
            '<https://example.org/b> <https://example.org/p> <https://example.org/c.>\t.\r\n'
            + lines(300).decode() +
            '<https://example.org/z> <https://example.org/p> "dernière"@fr .')
    nt.write_bytes(text.encode())
    store = ox.Store(str(tmp_path / "db"))
    with bulk_stream(store, G, tmp_path / "pipe.nt") as out:
        out.write(lines(5, 1000))
        copy_into_graph(nt, f"<{shared.value}>", out, chunk=64)
    expected = ox.Store()
    expected.bulk_load(text.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=shared)
    assert set(store.quads_for_pattern(None, None, None, shared)) == set(expected)
    assert len(list(store.quads_for_pattern(None, None, None, G))) == 5


def test_a_line_the_store_refuses_is_the_units_error_and_the_store_stays_writable(tmp_path: Path):
    """The loader's error leaves no reference to the store behind it: the unit forgets its writes by
    reopening the store, which RocksDB's lock would refuse while the error still held it."""
    from graph.store import KnowledgeGraph

    kg = KnowledgeGraph(tmp_path / "store")
    try:
        with pytest.raises(SyntaxError, match="percent encoding"):
            with kg.writing():
                with kg.bulk_stream("d") as out:
                    out.write(lines(10))
                    out.write(b"<https://example.org/a> <https://example.org/p> <https://example.org/100%zz> .\n")
        assert kg.count(kg.minter.graph("d")) == 0
        with kg.writing():
            with kg.bulk_stream("d") as out:
                out.write(lines(10))
        assert kg.count(kg.minter.graph("d")) == 10
    finally:
        kg.close()
