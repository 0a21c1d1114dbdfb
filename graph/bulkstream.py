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


class _Part:
    """One bulk load, in a thread of its own, reading the pipe ``fifo`` until its writing end closes."""

    def __init__(self, store: ox.Store, graph: ox.NamedNode, fifo: Path) -> None:
        self.fifo = fifo
        self.failure: list[BaseException] = []
        fifo.unlink(missing_ok=True)
        os.mkfifo(fifo, 0o600)

        def load() -> None:
            try:
                store.bulk_load(path=str(fifo), format=ox.RdfFormat.N_QUADS, to_graph=graph)
            except BaseException as e:  # noqa: BLE001 (handed to the writer's thread)
                self.failure.append(e)

        self.loader = threading.Thread(target=load, name="bulk-stream", daemon=True)
        self.loader.start()
        self.out = _open_writing(fifo, self.loader)
        if self.out is None:  # the loader stopped before it read anything
            self.join()
            raise OSError(errno.EPIPE, "the bulk loader stopped")

    def end_writing(self) -> None:
        """Close the pipe: the loader reads to its end, then stores what it read."""
        out, self.out = self.out, None
        if out is not None:
            try:
                out.close()
            except BrokenPipeError:  # the loader stopped reading: its error is told by join()
                pass

    def join(self) -> None:
        """Wait for the loader to end; its error, if any, is raised."""
        self.loader.join()
        self.fifo.unlink(missing_ok=True)
        if self.failure:
            raise self.failure[0]

    def abort(self) -> None:
        """Stop without waiting for the load to be stored (the writer failed)."""
        self.end_writing()
        _unblock(self.fifo, self.loader)
        self.loader.join()
        self.fifo.unlink(missing_ok=True)


class BulkStream:
    """The writing end of a bulk load: bytes of N-Quads, loaded in parts of about ``part_lines`` lines.

    A part ending at a boundary is stored in the background while the next one is written.
    """

    def __init__(self, store: ox.Store, graph: ox.NamedNode, fifo: Path, part_lines: int | None = None) -> None:
        self.store, self.graph, self.fifo = store, graph, fifo
        self.part_lines = part_lines or PART_LINES
        self.parts = 0  # parts whose writing ended
        self._lines = 0  # written to the part being written
        self._current: _Part | None = None
        self._ending: _Part | None = None  # the part before, being stored

    def write(self, data: bytes) -> int:
        if self._current is None:
            self._lines = 0
            self._current = _Part(self.store, self.graph, self.fifo.with_name(f"{self.fifo.name}.{self.parts}"))
        self._lines += data.count(b"\n")
        return self._current.out.write(data)

    def flush(self) -> None:
        if self._current is not None:
            self._current.out.flush()

    def boundary(self) -> None:
        """What was written so far ends with a whole record: if the part is big enough, its load ends here
        (and the part before, stored meanwhile, is waited for: its error is raised)."""
        if self._current is None or self._lines < self.part_lines:
            return
        self._end_part()

    def finish(self) -> None:
        """End the load: every part is stored; the first error of a loader is raised."""
        if self._current is not None:
            self._end_part()
        self._join_ending()

    def _end_part(self) -> None:
        part, self._current = self._current, None
        part.end_writing()
        self.parts += 1
        before, self._ending = self._ending, part
        if before is not None:
            before.join()

    def _join_ending(self) -> None:
        part, self._ending = self._ending, None
        if part is not None:
            part.join()

    def abort(self) -> None:
        """Stop what is being loaded without waiting for it to be stored (the writer failed)."""
        for part in (self._current, self._ending):
            if part is not None:
                part.abort()
        self._current = self._ending = None

    def close(self) -> None:
        """Abort what is being loaded, and let go of the store (a store discarded on failure must close)."""
        self.abort()
        self.store = None


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
