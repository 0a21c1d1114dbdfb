"""Several server processes on one listening socket, so that HTTP work and in-process queries use every CPU.

Python runs one thread at a time, so one process spends a core at most on
parsing requests, writing answers and the resource lookups it answers itself.
``serve_processes`` forks one child per listening socket (all bound to the same
port with SO_REUSEPORT, so the kernel spreads connections over them), after
the sockets are bound and before anything opens the store or starts an event
loop; each child builds its own application (its store handle, its share of the
query workers). The parent only supervises: it passes SIGINT/SIGTERM on,
replaces a child that dies on its own (on the same socket: connections wait in
its queue meanwhile), and returns when all are gone.

Children write their metrics to a directory shared by all (see
:mod:`endpoint.metrics`), so ``/metrics`` adds up the whole server whichever
child answers it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RESPAWN_PAUSE = 1.0  # seconds between replacements of a child that keeps dying
QUICK_DEATH = 10.0  # a child that ends sooner than this after its start did not start at all
QUICK_DEATHS = 3  # that many in a row: give up (the store cannot be opened, say) rather than loop
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets bound to one address (SO_REUSEPORT when more than one); raises OSError.

    One socket per process rather than one shared queue: the kernel then spreads
    new connections over the processes (a shared queue hands most of them to
    whichever process happens to wait first, and keep-alive connections stay).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    out: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # proto: asyncio sets TCP_NODELAY
            out.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if count > 1:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]  # port 0: the others take the port the first one got
            if count > 1:
                sock.listen(2048)
    except OSError:
        for sock in out:
            sock.close()
        raise
    return out


def serve_processes(socks: list[socket.socket], run_child: Callable[[socket.socket, Path], None]) -> int:
    """Run ``run_child(socket, metrics_dir)`` in one forked process per socket until stopped.

    The exit status: 0 once stopped by SIGINT/SIGTERM (processes that died on their way were
    replaced and said so), 2 when they kept failing at start.
    """
    count = len(socks)
    metrics_dir = Path(tempfile.mkdtemp(prefix="patrimoine-serve-"))
    children: dict[int, tuple[int, float]] = {}  # pid -> (slot, start time)
    quick_deaths = 0
    stopping = False
    gave_up = False

    def spawn(slot: int) -> None:
        # Signals wait until the child has dropped the supervisor's handlers (else it would stop its siblings).
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        pid = os.fork()
        if pid == 0:  # the child: never returns into the supervisor's code
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
                _die_with_parent(signal.SIGTERM)
                run_child(socks[slot], metrics_dir)
                code = 0
            except KeyboardInterrupt:
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 1
            except BaseException as e:  # noqa: BLE001 - one line, as every error of the CLI
                print(f"Error: server process {os.getpid()} failed: {e}", file=sys.stderr, flush=True)
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        children[pid] = (slot, time.monotonic())
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        for slot in range(count):
            spawn(slot)
        last_respawn = 0.0
        while children:
            try:
                pid, wait_status = os.wait()
            except ChildProcessError:
                break
            child = children.pop(pid, None)
            if child is None:
                continue
            slot, started = child
            code = os.waitstatus_to_exitcode(wait_status)
            if stopping:
                continue
            quick_deaths = quick_deaths + 1 if time.monotonic() - started < QUICK_DEATH else 0
            if quick_deaths >= QUICK_DEATHS:
                print("patrimoine-kg: server processes keep failing at start; stopping", file=sys.stderr, flush=True)
                gave_up = True
                stop(signal.SIGTERM, None)
                continue
            print(f"patrimoine-kg: server process {pid} ended ({_how(code)}); starting another",
                  file=sys.stderr, flush=True)
            pause = RESPAWN_PAUSE - (time.monotonic() - last_respawn)
            if pause > 0:
                time.sleep(pause)
            last_respawn = time.monotonic()
            if not stopping:
                spawn(slot)
        return 2 if gave_up else 0
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _how(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-code).name}"
    return f"exit status {code}"


def _die_with_parent(sig: int) -> None:
    """Linux: get ``sig`` when the supervisor dies, so no server process outlives it."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, sig)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
