"""A long-running server stays within bounds across new generations (issue 11, item 6): the store handle of
the generation it moved on from is closed, and what that handle held goes back to the system.

The figures over time are bench/soak.py's; here, the two mechanisms, on real stores on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from graph.store import KnowledgeGraph

ROOT = Path(__file__).resolve().parent.parent


def generation_files(generation: int) -> set[str]:
    """The files of generation ``generation``'s database this process has open."""
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if f"/generations/{generation}/db/" in target:
            out.add(target)
    return out


def triples(n: int, start: int = 0) -> bytes:
    return "".join(f"<https://example.org/s{i}> <https://example.org/p{i % 7}> \"value {i}, some words\" .\n"
                   for i in range(start, start + n)).encode()


def publish(store: Path, data: bytes, name: str) -> None:
    writer = KnowledgeGraph(store)
    with writer.writing():
        writer.bulk_load(name, data)
    writer.close()


def test_a_reader_moving_to_a_new_generation_closes_the_old_one(tmp_path: Path):
    store = tmp_path / "store"
    publish(store, triples(2000), "a")
    reader = KnowledgeGraph(store, read_only=True)
    first = reader.generation
    assert sum(1 for _ in reader.store) == 2000
    assert generation_files(first)  # the handle reads its files
    publish(store, triples(10, 5000), "b")
    assert reader.refresh()
    assert reader.generation != first
    assert sum(1 for _ in reader.store) == 2010
    assert generation_files(first) == set()  # no handle left on the old one (its readers.lock aside)
    reader.close()


WARM_THEN_SWITCH = """
import json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from graph.store import KnowledgeGraph
from endpoint.heap import give_back
import pyoxigraph as ox

def rss():
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024

give_back()
reader = KnowledgeGraph({store!r}, read_only=True)
opened = rss()
for i in range(0, {n}, 3):  # point lookups over the whole store: the handle's caches fill
    list(reader.store.quads_for_pattern(ox.NamedNode(f"https://example.org/s{{i}}"), None, None, None))
warm = rss()
Path({ready!r}).write_text("")
while not reader.refresh():  # the test publishes a new generation
    pass
closed = rss()  # the old handle is closed: its memory is free, but kept by the allocator
give_back()
print(json.dumps({{"opened": opened, "warm": warm, "closed": closed, "given_back": rss()}}))
"""


def test_what_the_old_generation_held_goes_back_to_the_system(tmp_path: Path):
    n = 80_000
    store = tmp_path / "store"
    publish(store, triples(n), "a")
    ready = tmp_path / "warm"
    script = WARM_THEN_SWITCH.format(root=str(ROOT), store=str(store), n=n, ready=str(ready))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            if ready.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        publish(store, triples(10, n), "b")
        out, _ = proc.communicate(timeout=120)
    finally:
        proc.kill()
    mb = json.loads(out)
    warmed = mb["warm"] - mb["opened"]
    assert warmed > 10, mb  # the lookups filled the handle's caches
    assert mb["closed"] > mb["warm"] - warmed / 2, mb  # closing it alone gives little back
    assert mb["given_back"] < mb["closed"] - warmed / 2, mb  # give_back returns most of it
