"""Query execution that can really be stopped: a warm pool of worker processes, killed when a query overruns.

pyoxigraph has no timeout and no cancellation, and a thread cannot be killed,
so every query runs in a worker *process* (:mod:`endpoint.worker`) that opened
the on-disk store read-only (RocksDB lets several processes do that at once).
The server talks to each worker over a Unix socket pair with length-prefixed
frames (:mod:`endpoint.wire`), read by asyncio, so the event loop never waits
for a query. A worker that overruns the time limit, or whose client went away,
gets SIGKILL and a fresh worker takes its place; the others keep serving.
Workers run at a lower CPU priority than the server processes (``nice``), so
that a machine busy with queries still answers /health, lookups and pages at
once; a worker that keeps much memory after a large query is replaced by a
fresh one (allocators seldom give back what they took).

Resource lookups (:func:`graph.sparqltext.resource_lookup`: every triple
pattern starts from a given IRI) whose work the store shows to be small
(:func:`lookup_cost`, within :data:`INLINE_BUDGET`) run in the server process
itself, on its own read-only store (:func:`endpoint.worker.run_inline`, the same
code as a worker's), sparing the round trip, which costs more than such a
query. Nothing can stop a query there, so nothing else runs there.

Writes (SPARQL Update, Graph Store Protocol) stop the world: new queries wait,
running ones finish, the readers exit, one writer process opens the store
read-write, applies the change (one transaction, or nothing on a kill), exits,
and fresh readers open the new state. A store open read-only must not be read
while another process writes it (RocksDB may delete files under it), and this
also means no process holds the store writable between writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.sparqltext import Lookup

from .wire import ABORT, ANSWER, END, FRAME, GRAPH, RESULTS, STREAM, TRUNCATED, Result
from .worker import Formats, run_inline, thread_worker

STARTUP_TIMEOUT = 30.0
# Most work (triples joined, see lookup_cost) of a query the server process runs itself, where nothing can stop
# it: a few milliseconds at worst, so that the process always comes back to its other requests and signals.
INLINE_BUDGET = 10_000
WATCH_AFTER = 0.25  # seconds before a running query starts watching for its client's disconnection
# A worker that died in a query is replaced after a pause that doubles with each death in the last minute
# (0, 0.25, 0.5, 1... up to 10 s): a flood of queries that crash their worker is no storm of process starts.
RESPAWN_FIRST, RESPAWN_MAX, CRASH_MEMORY = 0.25, 10.0, 60.0
ROOT = Path(__file__).resolve().parent.parent


class Overloaded(Exception):
    """Too many queries at once, or no worker became free in time (503 + Retry-After)."""


class Stopping(Overloaded):
    """The server is stopping (SIGTERM): running queries were stopped, new ones are refused (503)."""


class QueryTimeout(Exception):
    """The query reached the time limit; its worker was killed (503 + Retry-After)."""


class ClientGone(Exception):
    """The client disconnected before the answer; its worker was killed."""


class WorkerFailed(Exception):
    """The worker died or broke the protocol (500)."""


class MemoryLimit(WorkerFailed):
    """The worker ran out of its memory limit and aborted (503)."""


def lookup_cost(store: Any, lookup: Lookup, budget: int) -> int:
    """An upper bound of the work of a resource lookup, or a figure over ``budget`` once it is over.

    A lookup that streams (one pattern, each match a row) costs the rows it
    returns, which the row limit bounds. Otherwise its patterns all start from
    a given subject, so each matches at most the triples of that subject (with
    that predicate, if given); joined, they make at most the product of those
    counts (patterns that share no variable make that cross product, and a
    pattern matching nothing may be joined last, so it counts as 1). Each count
    stops as soon as the product is over ``budget``: the estimate costs at most
    about ``budget`` triples read, in Rust.
    """
    if lookup.streams:
        return 1
    cost = 1
    counted: dict[tuple[str, str | None], int] = {}
    try:
        for subject, predicate in lookup.patterns:
            n = counted.get((subject, predicate))
            if n is None:
                p = f"<{predicate}>" if predicate else "?p"
                count = (f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT * WHERE {{ <{subject}> {p} ?o }} "
                         f"LIMIT {budget // cost + 1} }}")
                row = next(iter(store.query(count, use_default_graph_as_union=True)))
                n = counted[subject, predicate] = int(row[0].value)
            cost *= max(n, 1)
            if cost > budget:
                break
    except (SyntaxError, ValueError, OSError):  # the parser will say what is wrong, in a worker
        return budget + 1
    return cost


class _Worker:
    """One worker process (or, for an in-memory store, thread) and its socket."""

    def __init__(self, proc: subprocess.Popen | None, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, thread_sock: socket.socket | None = None) -> None:
        self.proc = proc
        self.reader = reader
        self.writer = writer
        self.thread_sock = thread_sock
        self.pid = proc.pid if proc is not None else None

    async def send(self, job: dict, payload: bytes | None = None) -> None:
        data = json.dumps({**job, "payload": payload is not None}).encode()
        self.writer.write(FRAME.pack(len(data)) + data)
        if payload is not None:
            self.writer.write(FRAME.pack(len(payload)))
            self.writer.write(payload)
            await self.writer.drain()

    async def frame(self) -> bytes:
        (n,) = FRAME.unpack(await self.reader.readexactly(4))
        return await self.reader.readexactly(n)

    async def header(self) -> dict:
        return json.loads(await self.frame())

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        with contextlib.suppress(Exception):
            self.writer.close()

    async def stop(self, grace: float = 2.0) -> None:
        """Ask the worker to exit (close its socket), kill it if it does not."""
        with contextlib.suppress(Exception):
            self.writer.close()
        if self.proc is None:
            return
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(loop.run_in_executor(None, self.proc.wait), grace)
        except asyncio.TimeoutError:
            self.kill()
            await loop.run_in_executor(None, self.proc.wait)

    async def reap(self) -> None:
        if self.proc is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.proc.wait)


@dataclass
class PoolStats:
    queries: int = 0
    timeouts: int = 0
    disconnects: int = 0
    crashes: int = 0
    rejections: int = 0
    spawned: int = 0
    writes: int = 0
    memory_aborts: int = 0
    inline: int = 0
    recycled: int = 0
    spawn_seconds: float = 0.0


class QueryPool:
    """Warm worker processes over the on-disk store (or threads over an in-memory one, for tests)."""

    def __init__(self, store_path: Path | None, base_iri: str, *, size: int, timeout: float,
                 max_concurrent: int, memory_mb: int = 0, recycle_mb: int = 0, nice: int = 0, kg: Any = None,
                 reader: Any = None, on_write: Callable[[], None] | None = None) -> None:
        self.store_path = store_path
        self.memory_mb = memory_mb
        self.recycle_mb = recycle_mb
        self.nice = nice
        self.base_iri = base_iri
        self.size = max(1, size)
        self.timeout = timeout
        self.max_concurrent = max_concurrent
        self.kg = kg  # only used for an in-memory store (threads)
        self.reader = reader  # the server's own store, for bounded queries run inline
        self._formats: Formats | None = None
        self.on_write = on_write
        self.stats = PoolStats()
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._workers: set[_Worker] = set()
        self._admitted = 0
        self._reading = 0
        self._readers_done = asyncio.Condition()
        self._open = asyncio.Event()
        self._write_lock = asyncio.Lock()
        self._closed = False
        self._tasks: set[asyncio.Task] = set()
        self._spare: asyncio.Future[_Worker] | None = None  # a started process waiting to open the store
        self._starting: asyncio.Future | None = None
        self._leases: set[_Lease] = set()  # reads running on a worker
        self._stopping = False
        self._crashes: list[float] = []  # when workers died in a query, in the last CRASH_MEMORY seconds
        self._started = False
        self._failing = False  # the last worker started to replace another could not open the store

    # -- life cycle --------------------------------------------------------
    @property
    def in_process(self) -> bool:
        return self.store_path is None

    async def start(self) -> None:
        """Start the workers (the application's start-up does it; the first query otherwise)."""
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start_workers())
        await asyncio.shield(self._starting)

    async def _start_workers(self) -> None:
        await asyncio.gather(*(self._add_worker() for _ in range(self.size)))
        self._started = True
        self._open.set()

    def ready(self) -> bool:
        """Whether the pool serves queries: started, with workers alive or being replaced.

        A worker being replaced (after a kill, a crash, or a write) is no reason
        to report the server out of service; a pool none of whose workers is
        alive because the last one could not be started is.
        """
        return self._started and not self._closed and (bool(self._workers) or not self._failing)

    def stop_queries(self) -> None:
        """The server is stopping: kill the workers running queries (their clients get 503), refuse new ones."""
        self._stopping = True
        for lease in list(self._leases):
            lease.stop(Stopping)

    async def close(self) -> None:
        self._closed = True
        workers = list(self._workers)
        self._workers.clear()
        if self._spare is not None:
            spare, self._spare = self._spare, None
            with contextlib.suppress(BaseException):
                workers.append(await spare)
        await asyncio.gather(*(w.stop() for w in workers), return_exceptions=True)
        for t in list(self._tasks):
            t.cancel()

    def busy(self) -> int:
        return len(self._workers) - self._idle.qsize()

    def alive(self) -> int:
        return len(self._workers)

    def pids(self) -> list[int]:
        return [w.pid for w in self._workers if w.pid is not None]

    @property
    def admitted(self) -> int:
        return self._admitted

    async def _spawn(self, write: bool = False) -> _Worker:
        """A worker with the store open: the warm spare process if there is one, and a new spare behind it."""
        started = time.perf_counter()
        spare, self._spare = self._spare, None
        worker = None
        if spare is not None:
            with contextlib.suppress(Exception):
                worker = await spare
        if worker is None:
            worker = await self._start()
        if self._spare is None and not self._closed and not self.in_process:
            self._spare = asyncio.ensure_future(self._start())
            self._spare.add_done_callback(lambda t: t.cancelled() or t.exception())
        try:
            await worker.send({"op": "open", "store": str(self.store_path), "base_iri": self.base_iri,
                               "write": write, "memory_mb": self.memory_mb})
            ready = await asyncio.wait_for(worker.header(), STARTUP_TIMEOUT)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError) as e:
            worker.kill()
            await worker.reap()
            raise WorkerFailed(f"a query worker could not open the store ({type(e).__name__})") from None
        if not ready.get("ready"):
            worker.kill()
            await worker.reap()
            raise WorkerFailed(f"a query worker could not open the store: {ready.get('error', 'unknown error')}")
        worker.pid = ready.get("pid", worker.pid) if worker.proc is not None else None
        self.stats.spawned += 1
        self.stats.spawn_seconds += time.perf_counter() - started
        return worker

    async def _start(self) -> _Worker:
        """A new worker process (or thread), its imports done, the store not yet open."""
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        proc = None
        thread_sock = None
        try:
            if self.in_process:
                thread_sock = child
                threading.Thread(target=thread_worker, args=(child, self.kg), daemon=True,
                                 name="patrimoine-query-thread").start()
            else:
                env = {k: v for k, v in os.environ.items() if k != "PATRIMOINE_TOKEN"}
                env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
                proc = subprocess.Popen([sys.executable, "-m", "endpoint.worker", "--fd", str(child.fileno()),
                                         "--nice", str(self.nice)],
                                        pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, env=env,
                                        close_fds=True)
                child.close()
            reader, writer = await asyncio.open_unix_connection(sock=parent)
        except BaseException:
            parent.close()
            if proc is not None:
                proc.kill()
            raise
        worker = _Worker(proc, reader, writer, thread_sock)
        try:
            warm = await asyncio.wait_for(worker.header(), STARTUP_TIMEOUT)
        except BaseException as e:
            worker.kill()
            await worker.reap()
            if isinstance(e, (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError)):
                raise WorkerFailed(f"a query worker did not start ({type(e).__name__})") from None
            raise
        if not warm.get("warm"):
            worker.kill()
            await worker.reap()
            raise WorkerFailed("a query worker did not start")
        return worker

    async def _add_worker(self, pause: float = 0.0) -> None:
        if pause:
            await asyncio.sleep(pause)
            if self._closed:
                return
        try:
            worker = await self._spawn()
        except WorkerFailed:
            self._failing = True
            raise
        self._failing = False
        if self._closed:
            await worker.stop()
            return
        self._workers.add(worker)
        self._idle.put_nowait(worker)

    def _replace(self, worker: _Worker, crashed: bool = False) -> None:
        """Kill ``worker`` and start another in the background (after :meth:`respawn_pause` if it crashed)."""
        worker.kill()
        self._workers.discard(worker)
        self._background(worker.reap())
        if not self._closed and not self._stopping:
            self._background(self._add_worker(self.respawn_pause(time.monotonic()) if crashed else 0.0))

    def over_memory(self, worker: _Worker) -> bool:
        """Whether ``worker`` keeps more memory of its own than :attr:`recycle_mb` (read in /proc: Linux)."""
        if not self.recycle_mb or worker.pid is None or worker.proc is None:
            return False
        mb = own_memory_mb(worker.pid)
        return mb is not None and mb > self.recycle_mb

    def respawn_pause(self, now: float) -> float:
        """Note a worker's death in a query at ``now``; the seconds to wait before replacing it."""
        self._crashes = [t for t in self._crashes if now - t < CRASH_MEMORY] + [now]
        deaths = len(self._crashes)
        return 0.0 if deaths <= 1 else min(RESPAWN_FIRST * 2 ** (deaths - 2), RESPAWN_MAX)

    def _background(self, coro: Awaitable) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- reading -----------------------------------------------------------
    async def run(self, job: dict, watch: Callable[[], Awaitable[None]] | None = None,
                  inline: Lookup | None = None) -> Result:
        """Run a read job (query, graph dump) on a worker within the time limit.

        ``watch``, if given, returns when the client disconnects; it is started
        only for a query still running after :data:`WATCH_AFTER` seconds (most
        answer before), and the worker is then killed.
        ``inline``: the job's query read as a resource lookup
        (:func:`graph.sparqltext.resource_lookup`); when the store shows its work
        within :data:`INLINE_BUDGET` (:func:`lookup_cost`), it runs right here,
        on the server's own store, sparing the round trip to a worker, unless a
        write is going on; otherwise it goes to a worker like any query.
        Raises Overloaded (Stopping), QueryTimeout, ClientGone or WorkerFailed.
        """
        if self._stopping:
            raise Stopping("the server is stopping")
        if self._admitted >= self.max_concurrent:
            self.stats.rejections += 1
            raise Overloaded(f"{self._admitted} queries are already running or waiting")
        if inline and self.reader is not None and self._open.is_set() and job.get("max_rows") \
                and lookup_cost(self.reader.store, inline, INLINE_BUDGET) <= INLINE_BUDGET:
            # No await until it is done: a write cannot start under it.
            if self._formats is None:
                import pyoxigraph as ox

                from graph.namespaces import PREFIXES

                self._formats = Formats(ox, PREFIXES)
            self.stats.queries += 1
            self.stats.inline += 1
            return run_inline(self.reader, job, self._formats)
        self._admitted += 1
        self.stats.queries += 1
        lease: _Lease | None = None
        try:
            if self._starting is None:
                await self.start()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.timeout
            worker = await self._acquire(deadline)
            lease = _Lease(self, worker, deadline, watch)
            if self._stopping:
                lease.stop(Stopping)
                raise Stopping("the server is stopping")
            try:
                result = await self._exchange(worker, job)
            except (asyncio.IncompleteReadError, ConnectionError, json.JSONDecodeError, struct.error,
                    KeyError) as e:
                await lease.fail(e)
            if result.stream is not None:
                result.stream = lease.guard(result.stream)
                result.release = lease.release
            else:
                lease.finished = True
                lease.release()
            return result
        except BaseException:
            if lease is not None:
                lease.release()
            else:
                self._admitted -= 1
            raise

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """Hold off writes while the server process reads its own store (pages, descriptions, dumps).

        A write waits until such reads end, and they wait for a write to end: a
        read-only store must not be read while another process writes it.
        """
        if self._starting is None:
            await self.start()
        while not self._open.is_set():
            await self._open.wait()
        self._reading += 1  # no await since the check: a write cannot have started
        try:
            yield
        finally:
            self._read_done()

    async def _acquire(self, deadline: float) -> _Worker:
        """An idle worker, once no write is going on (counted as reading before any other await)."""
        while True:
            if not self._open.is_set():
                await self._until(self._open.wait(), deadline)
            if self._idle.empty():
                worker = await self._until(self._idle.get(), deadline)
            else:
                worker = self._idle.get_nowait()
            if self._open.is_set():
                self._reading += 1
                return worker
            self._idle.put_nowait(worker)

    async def _until(self, aw: Awaitable, deadline: float):
        """Await ``aw`` (waiting for a worker) until the deadline: Overloaded if it is not there by then."""
        try:
            return await asyncio.wait_for(aw, max(deadline - asyncio.get_running_loop().time(), 0))
        except asyncio.TimeoutError:
            self.stats.rejections += 1
            raise Overloaded("no query worker became free in time") from None

    async def _exchange(self, worker: _Worker, job: dict, payload: bytes | None = None) -> Result:
        await worker.send(job, payload)
        reader = worker.reader
        status, flags, rows, length, error_length = ANSWER.unpack(await reader.readexactly(ANSWER.size))
        result = Result(status=status, kind="results" if flags & RESULTS else "graph" if flags & GRAPH else None,
                        truncated=bool(flags & TRUNCATED), rows=None if rows < 0 else rows)
        if length:
            result.body = await reader.readexactly(length)
        if error_length:
            result.error = (await reader.readexactly(error_length)).decode("utf-8", "replace")
        if flags & STREAM:
            result.stream = _chunks(worker)
        return result

    def _read_done(self) -> None:
        self._reading -= 1
        if self._reading == 0 and not self._open.is_set():
            self._background(self._notify_readers_done())

    async def _notify_readers_done(self) -> None:
        async with self._readers_done:
            self._readers_done.notify_all()

    # -- writing -----------------------------------------------------------
    async def write(self, job: dict, payload: bytes | None = None) -> Result:
        """Apply a write job alone: readers drained and stopped, one writer, fresh readers after."""
        if self._starting is None:
            await self.start()
        async with self._write_lock:
            self._open.clear()
            try:
                async with self._readers_done:
                    await self._readers_done.wait_for(lambda: self._reading == 0)
                # replacement workers still starting must be in the pool before it stops
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
                self.stats.writes += 1
                if self.in_process:
                    worker = await self._spawn()
                else:
                    await self._stop_readers()
                    worker = await self._spawn(write=True)
                try:
                    try:
                        result = await asyncio.wait_for(self._exchange(worker, job, payload), self.timeout)
                    except asyncio.TimeoutError:
                        self.stats.timeouts += 1
                        worker.kill()  # the transaction is not committed: nothing is written
                        raise QueryTimeout() from None
                    except (asyncio.IncompleteReadError, ConnectionError) as e:
                        self.stats.crashes += 1
                        raise WorkerFailed(f"the writer failed ({type(e).__name__})") from None
                finally:
                    await worker.stop(grace=10.0)
                return result
            finally:
                if not self.in_process and not self._closed:
                    if self.on_write is not None:
                        self.on_write()
                    await asyncio.gather(*(self._add_worker() for _ in range(self.size - len(self._workers))))
                self._open.set()

    async def _stop_readers(self) -> None:
        workers = []
        while not self._idle.empty():
            workers.append(self._idle.get_nowait())
        self._workers.difference_update(workers)
        await asyncio.gather(*(w.stop() for w in workers))


class _Lease:
    """A worker lent to one read: a timer kills it at the deadline, a late-started watch if the client goes.

    Killing the worker closes its socket, so whatever awaits it fails at once;
    :meth:`fail` then tells why. A timer rather than ``asyncio.wait_for``: no
    extra task per query, and the same deadline covers a streamed body.
    """

    def __init__(self, pool: QueryPool, worker: _Worker, deadline: float,
                 watch: Callable[[], Awaitable[None]] | None) -> None:
        self.pool = pool
        self.worker = worker
        self.finished = False
        self.done = False
        self.why: type[Exception] | None = None
        self.crashed = False
        pool._leases.add(self)
        self._deadline = deadline
        self._watch = watch
        self._watcher: asyncio.Task | None = None
        # One timer per query: the watch starts after WATCH_AFTER, then the timer is set for the deadline.
        loop = asyncio.get_running_loop()
        if watch is not None and loop.time() + WATCH_AFTER < deadline:
            self._timer = loop.call_later(WATCH_AFTER, self._start_watch)
        else:
            self._timer = loop.call_at(deadline, self.stop, QueryTimeout)

    def _start_watch(self) -> None:
        self._watcher = asyncio.ensure_future(self._watch_client())
        self._timer = asyncio.get_running_loop().call_at(self._deadline, self.stop, QueryTimeout)

    async def _watch_client(self) -> None:
        await self._watch()
        self.stop(ClientGone)

    def stop(self, why: type[Exception]) -> None:
        """Kill the worker: the time limit (QueryTimeout), the client gone (ClientGone), the server stopping."""
        if self.done or self.why is not None:
            return
        self.why = why
        if why is QueryTimeout:
            self.pool.stats.timeouts += 1
        elif why is ClientGone:
            self.pool.stats.disconnects += 1
        self.worker.kill()

    async def fail(self, error: BaseException) -> None:
        """Raise what a broken exchange means: the time limit, the client gone, the memory limit, a crash."""
        if self.why is QueryTimeout:
            raise QueryTimeout() from None
        if self.why is ClientGone:
            raise ClientGone() from None
        if self.why is Stopping:
            raise Stopping("the server is stopping") from None
        self.pool.stats.crashes += 1
        self.crashed = True
        proc = self.worker.proc
        if proc is not None:  # a worker over its memory limit aborts (Rust's allocation failure)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, proc.wait), 2)
            if proc.returncode == -signal.SIGABRT and self.pool.memory_mb:
                self.pool.stats.memory_aborts += 1
                raise MemoryLimit(f"the query needed more than the memory limit of {self.pool.memory_mb} MiB") \
                    from None
        raise WorkerFailed(f"the query worker failed ({type(error).__name__})") from None

    async def guard(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        try:
            try:
                async for chunk in chunks:
                    yield chunk
            except (asyncio.IncompleteReadError, ConnectionError, struct.error) as e:
                await self.fail(e)
            self.finished = True
        finally:
            self.release()

    def release(self) -> None:
        """Give the worker back (or replace it if its answer was not read to the end); idempotent."""
        if self.done:
            return
        self.done = True
        self._timer.cancel()
        if self._watcher is not None:
            self._watcher.cancel()
        self.pool._admitted -= 1
        self.pool._leases.discard(self)
        self.pool._read_done()
        if self.finished and self.why is None and self.pool.over_memory(self.worker):
            self.pool.stats.recycled += 1
            self.pool._replace(self.worker)
        elif self.finished and self.why is None:
            self.pool._idle.put_nowait(self.worker)
        else:
            self.pool._replace(self.worker, crashed=self.crashed)


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def own_memory_mb(pid: int) -> float | None:
    """The resident memory of process ``pid`` that is its own (heap, anonymous mappings: resident minus
    file-backed and shared pages, from /proc/PID/statm), in MiB; None if it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            fields = f.read().split()
        return (int(fields[1]) - int(fields[2])) * PAGE_SIZE / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return None


def _read_gate(request: Any) -> contextlib.AbstractAsyncContextManager:
    pool = getattr(request.app.state, "pool", None)
    return pool.reading() if pool is not None else contextlib.nullcontext()


async def read_own_store(request: Any, read: Callable[..., Any], *args: Any) -> Any:
    """``read(*args)`` in a thread, under the pool's read gate (:meth:`QueryPool.reading`) if the app has one."""
    from starlette.concurrency import run_in_threadpool

    async with _read_gate(request):
        return await run_in_threadpool(read, *args)


async def gated(request: Any, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """``chunks`` (a stream read from the server's own store) under the pool's read gate, to their end."""
    async with _read_gate(request):
        async for chunk in chunks:
            yield chunk


async def _chunks(worker: _Worker) -> AsyncIterator[bytes]:
    while True:
        (n,) = FRAME.unpack(await worker.reader.readexactly(4))
        if n == END:
            return
        if n == ABORT:
            error = json.loads(await worker.frame())
            raise WorkerFailed(error.get("error", "the result stream broke"))
        yield await worker.reader.readexactly(n)
