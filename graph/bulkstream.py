"""A bulk load fed while it runs: N-Quads written to a named pipe that pyoxigraph's bulk loader reads.

A first load maps records (Python, one core) and bulk-loads their triples
(Rust, its own threads): one after the other they cost the sum of both, fed
through a pipe they overlap. The loader reads the pipe by its path outside
the GIL, as it reads a file; the writer blocks when the loader lags behind, so
memory stays bounded. Not atomic by itself: use it inside
:meth:`graph.store.KnowledgeGraph.writing`, which publishes the working copy
whole or forgets it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

_OPEN_POLL = 0.005  # seconds between attempts to open the pipe while the loader is not reading it yet


@contextmanager
def bulk_stream(store: ox.Store, graph: ox.NamedNode, fifo: Path) -> Iterator[BinaryIO]:
    """A binary file: what is written to it is bulk-loaded into ``store``: N-Quads, a triple without a
    graph going to ``graph``.

    On leaving, the pipe is closed and the load finished; the loader's error, if any, is raised
    then (or, if the writer stopped on an error of its own, that one goes on).
    """
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo, 0o600)
    failure: list[BaseException] = []
    loader = threading.Thread(target=_load, args=(store, graph, fifo, failure), name="bulk-stream", daemon=True)
    loader.start()
    # The error raised here carries this frame: holding the store, it would keep RocksDB's lock
    # past the failure, and the caller could not reopen the store to forget the failed writes.
    del store
    out: BinaryIO | None = None
    try:
        out = _open_writing(fifo, loader)
        if out is None:  # the loader stopped before it read anything
            raise failure[0] if failure else OSError(errno.EPIPE, "the bulk loader stopped")
        try:
            yield out
        except BrokenPipeError:  # the loader stopped reading: its error is the one to tell
            loader.join()  # the pipe breaks as the loader stops, before its error is handed over
            if failure:
                raise failure[0] from None
            raise
        finally:
            try:
                out.close()
            except BrokenPipeError:
                pass
        loader.join()
        if failure:
            raise failure[0]
    finally:
        if out is None or not out.closed:
            _unblock(fifo, loader)
        loader.join()
        fifo.unlink(missing_ok=True)


def _load(store: ox.Store, graph: ox.NamedNode, fifo: Path, failure: list[BaseException]) -> None:
    try:
        store.bulk_load(path=str(fifo), format=ox.RdfFormat.N_QUADS, to_graph=graph)
    except BaseException as e:  # noqa: BLE001 (handed to the writer's thread)
        failure.append(e.with_traceback(None))  # its frame holds the store (see bulk_stream)


def _open_writing(fifo: Path, loader: threading.Thread) -> BinaryIO | None:
    """The pipe's writing end, once the loader opened its reading end (None if the loader stopped first)."""
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO:  # ENXIO: nobody reads the pipe yet
                raise
            if not loader.is_alive():
                return None
            time.sleep(_OPEN_POLL)
            continue
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        return os.fdopen(fd, "wb", buffering=1 << 20)


def _unblock(fifo: Path, loader: threading.Thread) -> None:
    """Let a loader still waiting to open the pipe see its end (it then loads nothing more)."""
    while loader.is_alive():
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            loader.join(_OPEN_POLL)
            continue
        os.close(fd)
        loader.join(_OPEN_POLL)
