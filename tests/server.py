"""Real endpoint servers for tests: `patrimoine serve` in a subprocess on 127.0.0.1, over the bundled samples.

Use from a test module (pytest finds fixtures imported there)::

    from server import live_server, sample_store  # noqa: F401  (fixtures)

    def test_something(live_server):
        r = requests.get(live_server.url + "/sparql", params={"query": "ASK {}"})

* ``sample_store`` (session): a store directory loaded with every file of
  samples/pop/ by ``patrimoine load --region all``; read it, never write it.
* ``live_server`` (module): a read-only server over it, default settings except
  ``--rate-limit 0`` (tests send many requests from one address).
* ``start_server(store, *options, env=None)``: a server with other options (a
  context manager; ``copy_store`` first if the test writes).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "pop"
PATRIMOINE = str(Path(sys.executable).parent / "patrimoine")
BANNER = re.compile(r"serving .* on (http://127\.0\.0\.1:(\d+))/sparql \([^,]*, (\d+) server process")


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix in (".csv", ".txt", ".json"))


def load_store(store: Path, files: list[Path] | None = None) -> Path:
    """Load ``files`` (default: every POP sample) into ``store`` with the real CLI."""
    subprocess.run([PATRIMOINE, "--store", str(store), "load", "--region", "all",
                    *map(str, files or sample_files())], check=True, capture_output=True)
    return store


def copy_store(store: Path, target: Path) -> Path:
    shutil.copytree(store, target)
    return target


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:PORT
    port: int
    store: Path
    proc: subprocess.Popen
    log: Path  # the server's standard error: its banner and the query log

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def child_pids(self) -> list[int]:
        """Every process under the server: its server processes (with --http-workers > 1) and query workers."""
        pids, out = [self.proc.pid], []
        for pid in pids:
            try:
                children = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
            except OSError:
                continue
            pids.extend(children)
            out.extend(children)
        return out

    def server_pids(self) -> list[int]:
        """The processes answering HTTP: the server itself, or the processes it forked to share the port."""
        forked = [pid for pid in self.child_pids() if not _is_query_worker(pid)
                  and _parent(pid) == self.proc.pid]
        return forked or [self.proc.pid]

    def worker_pids(self) -> list[int]:
        """Process ids of the query workers that have the store open.

        (The server also keeps one spare process started, its store not yet open.)
        """
        store = str(self.store.resolve())
        out = []
        for pid in self.child_pids():
            if not _is_query_worker(pid):
                continue
            try:
                fds = list(Path(f"/proc/{pid}/fd").iterdir())
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(fd).startswith(store + "/"):
                        out.append(pid)
                        break
                except OSError:
                    continue
        return out

    def stop(self) -> None:
        stop_process(self.proc, 15)


def stop_process(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM, then SIGKILL if ``proc`` has not ended within ``grace`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(condition, seconds: float = 5.0) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass; its last value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _is_query_worker(pid: int) -> bool:
    try:
        return b"endpoint.worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _environment(env: dict[str, str] | None) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PATRIMOINE_")}
    return {**base, **(env or {})}


@contextlib.contextmanager
def start_server(store: Path | str, *options: str, env: dict[str, str] | None = None,
                 timeout: float = 60.0, log_dir: Path | None = None) -> Iterator[LiveServer]:
    """A `patrimoine serve` over ``store`` (a directory, or a SPARQL server's URL with ``log_dir``) on a free
    port, ready (``/health`` answers) when this yields.

    ``env`` adds environment variables (e.g. ``PATRIMOINE_TOKEN``); the test's own
    PATRIMOINE_* variables are not passed on.
    """
    log = (log_dir or Path(store).parent) / f"serve-{Path(store).name}-{time.monotonic_ns()}.log"
    proc = subprocess.Popen([PATRIMOINE, "--store", str(store), "serve", "--port", "0", *options],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(log, "wb"),
                            env=_environment(env))
    server = None
    try:
        deadline = time.monotonic() + timeout
        while server is None:
            if proc.poll() is not None:
                raise RuntimeError(f"patrimoine serve exited ({proc.returncode}): {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"patrimoine serve did not start in {timeout:.0f} s: {log.read_text()[-2000:]}")
            m = BANNER.search(log.read_text(errors="replace"))
            if m:
                server = LiveServer(m.group(1), int(m.group(2)), store, proc, log)
                processes = int(m.group(3))
            else:
                time.sleep(0.05)
        while True:
            try:
                r = requests.get(server.url + "/health", timeout=5)
                if r.status_code == 200 and r.json().get("processes", 1) >= processes:
                    break  # every server process is up
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"patrimoine serve is not healthy: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        yield server
    finally:
        if server is not None:
            server.stop()
        elif proc.poll() is None:
            proc.kill()
            proc.wait()


_shared: dict[str, Path] = {}


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store loaded with every POP sample (shared: do not write it)."""
    # Each test module importing this fixture gets its own copy of its definition: load once all the same.
    if "store" not in _shared:
        _shared["store"] = load_store(tmp_path_factory.mktemp("samples") / "store")
    return _shared["store"]


@pytest.fixture(scope="module")
def live_server(sample_store: Path) -> Iterator[LiveServer]:
    """A read-only server over the sample store (default settings, no rate limit)."""
    with start_server(sample_store, "--rate-limit", "0") as server:
        yield server
