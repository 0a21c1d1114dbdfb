"""A bulk load fed while it runs: N-Quads written to a named pipe that pyoxigraph's bulk loader reads.

A first load maps records (Python, one core) and bulk-loads their triples
(Rust, its own threads): one after the other they cost the sum of both, fed
through a pipe they overlap. The loader reads the pipe by its path outside
the GIL, as it reads a file; the writer blocks when the loader lags behind, so
memory stays bounded. Not atomic by itself: use it inside
:meth:`graph.store.KnowledgeGraph.writing`, which publishes the working copy
whole or forgets it.

A big stream is loaded in parts. The bulk loader hands RocksDB its files (one
per column family for every million quads) when its load ends, all in level 0;
from about twenty of them on, RocksDB holds any later write, the flush before
publishing included, until it has merged them, with one core while the other
waits. Ending a load every :data:`PART_LINES` lines, at a point the writer
says is whole (:meth:`BulkStream.boundary`), lets RocksDB merge a part while
the next one is mapped, and keeps level 0 below that threshold.
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
PART_LINES = 8_000_000  # 8 of the loader's batches of a million quads: RocksDB slows writes at 20 files in level 0


class BulkStream:
    """The writing end of a bulk load: bytes of N-Quads, loaded in parts of about ``part_lines`` lines."""

    def __init__(self, store: ox.Store, graph: ox.NamedNode, fifo: Path, part_lines: int | None = None) -> None:
        self.store, self.graph, self.fifo = store, graph, fifo
        self.part_lines = part_lines or PART_LINES
        self.parts = 0  # loads finished
        self._lines = 0  # written to the part being loaded
        self._failure: list[BaseException] = []
        self._loader: threading.Thread | None = None
        self._out: BinaryIO | None = None

    def write(self, data: bytes) -> int:
        out = self._part()
        self._lines += data.count(b"\n")
        return out.write(data)

    def flush(self) -> None:
        if self._out is not None:
            self._out.flush()

    def close(self) -> None:
        """Abort what is being loaded, and let go of the store (a store discarded on failure must close)."""
        self.abort()
        self.store = None

    def boundary(self) -> None:
        """What was written so far ends with a whole record: if the part is big enough, its load ends here."""
        if self._out is not None and self._lines >= self.part_lines:
            self.finish()

    def finish(self) -> None:
        """End the part being loaded: the loader reads to its end and stores it; its error is raised."""
        if self._out is None:
            return
        out, self._out = self._out, None
        try:
            out.close()
        except BrokenPipeError:  # the loader stopped reading: its error is told below
            pass
        self._end_loader()
        self.parts += 1

    def abort(self) -> None:
        """Stop the part being loaded without waiting for its end (the writer failed)."""
        out, self._out = self._out, None
        if out is not None:
            try:
                out.close()
            except BrokenPipeError:
                pass
        if self._loader is not None:
            _unblock(self.fifo, self._loader)
            self._loader.join()
            self._loader = None
        self.fifo.unlink(missing_ok=True)

    def _part(self) -> BinaryIO:
        if self._out is None:
            self._start()
        return self._out

    def _start(self) -> None:
        self.fifo.unlink(missing_ok=True)
        os.mkfifo(self.fifo, 0o600)
        self._lines = 0

        def load() -> None:
            try:
                self.store.bulk_load(path=str(self.fifo), format=ox.RdfFormat.N_QUADS, to_graph=self.graph)
            except BaseException as e:  # noqa: BLE001 (handed to the writer's thread)
                self._failure.append(e)

        self._loader = threading.Thread(target=load, name="bulk-stream", daemon=True)
        self._loader.start()
        self._out = _open_writing(self.fifo, self._loader)
        if self._out is None:  # the loader stopped before it read anything
            self._end_loader()
            raise OSError(errno.EPIPE, "the bulk loader stopped")

    def _end_loader(self) -> None:
        self._loader.join()
        self._loader = None
        self.fifo.unlink(missing_ok=True)
        if self._failure:
            raise self._failure.pop()


@contextmanager
def bulk_stream(store: ox.Store, graph: ox.NamedNode, fifo: Path, part_lines: int | None = None) -> Iterator[BulkStream]:
    """A binary file: what is written to it is bulk-loaded into ``store``: N-Quads, a triple without a
    graph going to ``graph``; in parts of about ``part_lines`` lines (:data:`PART_LINES`).

    On leaving, the pipe is closed and the load finished; the loader's error, if any, is raised
    then (or, if the writer stopped on an error of its own, that one goes on).
    """
    stream = BulkStream(store, graph, fifo, part_lines)
    try:
        try:
            yield stream
        except BrokenPipeError:  # the loader stopped reading: its error is the one to tell
            try:
                stream.finish()
            except BaseException as e:  # noqa: BLE001
                raise e from None
            raise
        stream.finish()
    finally:
        stream.close()


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
