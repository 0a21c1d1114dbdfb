"""A real ``patrimoine serve`` on 127.0.0.1 whose base IRI is its own address, for the publication tests.

The samples (every file of samples/pop/, as tests/server.py loads them) are
loaded and linked (``patrimoine link``) by the ``patrimoine`` command with ``--base-iri http://127.0.0.1:PORT/``
and served on that PORT, so the server answers for the IRIs it minted. One
server per test session, shared by test_pages, test_discovery and
test_ui_browser; it is started by tests/server.py's ``start_server`` and runs
with ``--max-rows 25`` so that the UI's truncation note can be seen on a small
graph (the examples those tests run return fewer rows).
"""

from __future__ import annotations

import atexit
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from server import PATRIMOINE, ROOT, LiveServer, sample_files, start_server

from graph.store import KnowledgeGraph

MAX_ROWS = 25


@dataclass
class PublicationServer:
    url: str  # http://127.0.0.1:PORT/ — also the base IRI of the loaded graph
    kg: KnowledgeGraph  # the same store, read-only, for the tests' own SPARQL
    live: LiveServer

    def iri(self, path: str) -> str:
        return self.url + path.lstrip("/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_samples(store: Path, base: str) -> None:
    done = subprocess.run([PATRIMOINE, "--store", str(store), "--base-iri", base, "load", "--region", "all",
                           *map(str, sample_files())], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"loading the samples failed: {done.stderr.strip()}")
    done = subprocess.run([PATRIMOINE, "--store", str(store), "--base-iri", base, "link"],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"linking the samples failed: {done.stderr.strip()}")


@cache
def publication_server() -> PublicationServer:
    """The session's server, started on first use and stopped when the test run ends."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    store = Path(tempfile.mkdtemp(prefix="patrimoine-pub-")) / "store"
    load_samples(store, base)
    running = start_server(store, "--port", str(port), "--rate-limit", "0", "--max-rows", str(MAX_ROWS),
                           "--query-log", "", env={"PATRIMOINE_BASE_IRI": base})
    live = running.__enter__()
    atexit.register(running.__exit__, None, None, None)
    return PublicationServer(base, KnowledgeGraph(store, base, read_only=True), live)
