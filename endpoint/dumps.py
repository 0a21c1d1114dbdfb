"""Streaming RDF dumps of named graphs: N-Triples (gzip on the fly) or Turtle, never the whole graph in memory.

pyoxigraph's ``Store.dump`` writes into a file object; here that object is
the producer end of a bounded queue, filled by a worker thread and emptied by
the HTTP response as the client reads. Memory stays at a few chunks whatever
the graph's size; a client that goes away stops the dump.
"""

from __future__ import annotations

import gzip
import io
import queue
import threading
from collections.abc import AsyncIterator, Sequence

import anyio
import pyoxigraph as ox

from graph.namespaces import PREFIXES

CHUNK = 1 << 16
QUEUE_CHUNKS = 16


class _Closed(Exception):
    """The reader went away: stop dumping."""


class _QueueWriter(io.RawIOBase):
    def __init__(self, q: queue.Queue, closed: threading.Event) -> None:
        self.q = q
        self.closed_by_reader = closed

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        chunk = bytes(data)
        while True:
            if self.closed_by_reader.is_set():
                raise _Closed()
            try:
                self.q.put(chunk, timeout=0.5)
                return len(chunk)
            except queue.Full:
                continue


def _produce(store: ox.Store, graphs: Sequence[ox.NamedNode], fmt: ox.RdfFormat, gz: bool,
             q: queue.Queue, closed: threading.Event) -> None:
    raw = _QueueWriter(q, closed)
    try:
        buffered = io.BufferedWriter(raw, buffer_size=CHUNK)
        out = gzip.GzipFile(fileobj=buffered, mode="wb", compresslevel=6, mtime=0) if gz else buffered
        for g in graphs:
            # Turtle documents may follow one another: prefixes can be declared again.
            kwargs = {"prefixes": PREFIXES} if fmt == ox.RdfFormat.TURTLE else {}
            store.dump(out, fmt, from_graph=g, **kwargs)
        out.close()
        if gz:
            buffered.close()
    except _Closed:
        return
    except BaseException as e:  # reported to the reader, who ends the response early
        _put(q, e, closed)
        return
    _put(q, None, closed)


def _put(q: queue.Queue, item: object, closed: threading.Event) -> None:
    while not closed.is_set():
        try:
            q.put(item, timeout=0.5)
            return
        except queue.Full:
            continue


async def stream(store: ox.Store, graphs: Sequence[ox.NamedNode], fmt: ox.RdfFormat,
                 gz: bool = False) -> AsyncIterator[bytes]:
    """The dump of ``graphs`` one after the other, as chunks of bytes."""
    q: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
    closed = threading.Event()
    worker = threading.Thread(target=_produce, args=(store, list(graphs), fmt, gz, q, closed),
                              name="patrimoine-dump", daemon=True)
    worker.start()
    try:
        while True:
            item = await anyio.to_thread.run_sync(q.get)
            if item is None:
                return
            if isinstance(item, BaseException):
                raise RuntimeError(f"dump failed: {item}") from item
            yield item
    finally:
        closed.set()
