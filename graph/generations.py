"""The store on disk: numbered generations of one Oxigraph store, each published whole and never changed.

::

    <store>/
      current              the number of the generation readers open (written whole, then renamed into place)
      generations/<N>/     generation N: db/ (an Oxigraph store, a RocksDB checkpoint), records/ (the record
                           indexes of the datasets, see patrimoine/pipeline.py) and readers.lock
      work/<pid>/          the writer's working copy, db/ and records/: the current generation plus its writes
      tmp/                 temporary files of loads
      rejects/             the reports of records not loaded, one per dataset
      downloads/           `patrimoine fetch`'s interrupted downloads, kept for the next run to resume
      write.lock           held by the one process that writes

Why: pyoxigraph's bulk loader is fast but not transactional, its transactions
are atomic but slow and memory-hungry, and a read-only RocksDB instance may not
be open while another process writes the same files. Here a writer never writes
a directory anyone reads: it works on a checkpoint of the current generation
(hard links, so it costs little whatever the size), in bulk when that is
faster, and publishes the result as the next generation: a checkpoint of its
copy, then ``current`` renamed into place. So

* readers see one generation, the old or the new, never a write in progress;
  a long-running server opens the new one when ``current`` changes;
* a write killed at any moment (SIGKILL, disk full) leaves ``current`` and the
  generation it names untouched; the next writer removes what it left
  (``work/``, ``tmp/``, a generation never named by ``current``);
* a generation is deleted once it is neither current nor open: every reader
  holds a shared lock on its ``readers.lock``, the writer deletes a
  generation only when it can lock it exclusively.

A store made before generations (the RocksDB files right in ``<store>/``) is
read as it is, and moved into generation 1 by the first writer.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from .records import PatrimoineError

READERS_LOCK = "readers.lock"
LEGACY_MARK = "CURRENT"  # RocksDB's own file: a store made before generations
_OPEN_ATTEMPTS = 50
RETIRE_SECONDS = 300.0  # a generation a reader moved on from stays whole this long for reads still on it


class StoreError(PatrimoineError):
    """The store cannot be opened or written."""


def first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def is_store(root: Path) -> bool:
    """Whether ``root`` holds a store (of generations, or made before them)."""
    return (root / "current").is_file() or (root / LEGACY_MARK).is_file()


def current_generation(root: Path) -> int | None:
    try:
        return int((root / "current").read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        return None


def generation_dir(root: Path, n: int) -> Path:
    return root / "generations" / str(n)


def _opening_error(root: Path, e: BaseException) -> StoreError:
    return StoreError(f"cannot open the store at {root}: {first_line(e)}")


class Reader:
    """The current generation opened read-only, and held: no writer deletes it while it is open."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.generation: int | None = None
        self._lock: int | None = None
        self._retired: list[tuple[float, int]] = []  # (when, lock) of generations open before
        self.store = self._open()

    def _open(self) -> ox.Store:
        root = self.root
        for _ in range(_OPEN_ATTEMPTS):
            n = current_generation(root)
            if n is None:
                if (root / LEGACY_MARK).is_file():
                    try:
                        return ox.Store.read_only(str(root))
                    except (OSError, RuntimeError) as e:
                        raise _opening_error(root, e) from e
                if not root.exists():
                    raise StoreError(f"no store at {root}: load data first with `patrimoine load`")
                raise StoreError(f"{root} is not a store (no generation is current)")
            gen = generation_dir(root, n)
            try:
                fd = os.open(gen / READERS_LOCK, os.O_RDONLY)
            except FileNotFoundError:  # deleted meanwhile by a writer: read `current` again
                continue
            fcntl.flock(fd, fcntl.LOCK_SH)
            if not (gen / "db" / LEGACY_MARK).is_file():
                os.close(fd)
                continue
            try:
                store = ox.Store.read_only(str(gen / "db"))
            except (OSError, RuntimeError) as e:
                os.close(fd)
                raise _opening_error(root, e) from e
            self._release()
            self.generation, self._lock = n, fd
            return store
        raise StoreError(f"cannot open the store at {root}: its generations keep changing")

    def changed(self) -> bool:
        """Whether another generation than the one open is current."""
        return self.generation is not None and current_generation(self.root) != self.generation

    def reopen(self) -> None:
        """Open the current generation; the one open before is released after :data:`RETIRE_SECONDS`
        (a read that started on it, in another thread, finishes on it: no writer deletes it meanwhile)."""
        now = time.monotonic()
        held = self._lock
        self._lock = None  # kept, not released, by _open
        try:
            self.store = self._open()
        except BaseException:
            self._lock = held
            raise
        if held is not None:
            self._retired.append((now, held))
        self.expire()

    def expire(self) -> None:
        """Release the generations moved on from more than :data:`RETIRE_SECONDS` ago."""
        now = time.monotonic()
        while self._retired and now - self._retired[0][0] > RETIRE_SECONDS:
            os.close(self._retired.pop(0)[1])

    def records_dir(self) -> Path | None:
        return generation_dir(self.root, self.generation) / "records" if self.generation is not None else None

    def backup(self, target: Path) -> None:
        """Copy the generation open to ``target`` (a new directory): Oxigraph's online backup of its store
        (hard links on the same file system), its record indexes, and ``backup.json`` saying what it is."""
        if target.exists() and any(target.iterdir()):
            raise StoreError(f"{target} already exists and is not empty: give a new directory")
        target.mkdir(parents=True, exist_ok=True)
        try:
            self.store.backup(str(target / "db"))
            (target / "records").mkdir()
            records = self.records_dir()
            if records is not None and records.is_dir():
                for f in records.iterdir():
                    shutil.copy2(f, target / "records" / f.name)
            _fsync_tree(target)
        except (OSError, RuntimeError) as e:
            shutil.rmtree(target, ignore_errors=True)
            raise _writing_error(target, e) from e

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def close(self) -> None:
        self.store = None
        gc.collect()
        self._release()
        for _, fd in self._retired:
            os.close(fd)
        self._retired.clear()


class Writer:
    """The one writer of a store: a working copy of the current generation, published by :meth:`commit`."""

    def __init__(self, root: Path, wait: float = 0.0, on_wait: Callable[[str], None] | None = None) -> None:
        self.root = root
        self.work = root / "work" / str(os.getpid())
        root.mkdir(parents=True, exist_ok=True)
        self._lock = _lock_exclusive(root / "write.lock", wait, on_wait)
        self.store: ox.Store | None = None
        try:
            self._migrate_legacy()
            self._clean()
            if current_generation(root) is None:
                self._create_first()
            self.generation = current_generation(root)
            self._open_work()
        except BaseException:
            self.close()
            raise

    # -- the working copy ---------------------------------------------------
    def _open_work(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        (self.work / "records").mkdir(parents=True)
        source = generation_dir(self.root, self.generation)
        try:
            ox.Store.read_only(str(source / "db")).backup(str(self.work / "db"))
            gc.collect()  # the read-only instance goes: its threads with it
            _link_files(source / "records", self.work / "records")
            self.store = ox.Store(str(self.work / "db"))
        except (OSError, RuntimeError) as e:
            raise _writing_error(self.root, e) from e

    @property
    def records_dir(self) -> Path:
        return self.work / "records"

    def commit(self) -> int:
        """Publish the working copy as the next generation; its number."""
        n = self.generation + 1
        target = generation_dir(self.root, n)
        try:
            shutil.rmtree(target, ignore_errors=True)  # left by a writer killed while publishing
            target.mkdir(parents=True)
            # No flush first: the checkpoint flushes what it needs, and a flush of its own would add a
            # level-0 file: RocksDB holds any flush while 20 would be there, until it has merged them all
            # (a full rewrite), and a bulk load of 19 million quads leaves 18.
            self.store.backup(str(target / "db"))
            (target / "records").mkdir()
            _link_files(self.records_dir, target / "records")
            (target / READERS_LOCK).touch()
            _fsync_tree(target)
            _write_atomically(self.root / "current", f"{n}\n")
        except (OSError, RuntimeError) as e:
            shutil.rmtree(target, ignore_errors=True)
            raise _writing_error(self.root, e) from e
        self.generation = n
        self.collect()
        return n

    def settle(self) -> int:
        """Merge what bulk loads left for RocksDB to merge and publish the merged copy as the next
        generation (the same data; readers move to it); its number.

        A bulk load leaves one file per million quads that RocksDB merges in a full rewrite of every
        index; readers see the data from the commit on, and a writer that ends without merging leaves
        the rewrite to the next write, which then waits for it.
        """
        try:
            self.store.optimize()
        except (OSError, RuntimeError) as e:
            raise _writing_error(self.root, e) from e
        return self.commit()

    def replace_store(self, fill: Callable[[ox.Store], None]) -> None:
        """Swap the working copy's store for a new one that ``fill`` writes (a rebuild); the records stay."""
        fresh_dir = self.work / "db-rebuilt"
        shutil.rmtree(fresh_dir, ignore_errors=True)
        fresh = ox.Store(str(fresh_dir))
        fill(fresh)
        fresh.flush()
        del fresh
        self._close_store()
        shutil.rmtree(self.work / "db")
        os.rename(fresh_dir, self.work / "db")
        self.store = ox.Store(str(self.work / "db"))

    def restore(self, source: Path) -> None:
        """Make the working copy a copy of a backup (:meth:`Reader.backup`); :meth:`commit` publishes it."""
        self._close_store()
        shutil.rmtree(self.work, ignore_errors=True)
        (self.work / "records").mkdir(parents=True)
        try:
            ox.Store.read_only(str(source / "db")).backup(str(self.work / "db"))
            gc.collect()
            for f in (source / "records").iterdir():
                shutil.copy2(f, self.work / "records" / f.name)
            self.store = ox.Store(str(self.work / "db"))
        except (OSError, RuntimeError) as e:
            raise _opening_error(source, e) from e

    def discard(self) -> None:
        """Forget the working copy's writes since the last commit (after a failure)."""
        self._close_store()
        self._open_work()

    # -- housekeeping --------------------------------------------------------
    def collect(self) -> list[int]:
        """Delete the generations that are neither current nor open; their numbers."""
        gone = []
        current = current_generation(self.root)
        for gen in _generations(self.root):
            n = int(gen.name)
            if n == current:
                continue
            if n > (current or 0) or _try_delete_generation(gen):
                if gen.exists():
                    shutil.rmtree(gen, ignore_errors=True)
                gone.append(n)
        return gone

    def _clean(self) -> None:
        """Remove what writers killed before left: working copies, temporary files, unpublished generations."""
        for leftover in (self.root / "work", self.root / "tmp"):
            shutil.rmtree(leftover, ignore_errors=True)
        (self.root / "tmp").mkdir(exist_ok=True)
        self.collect()

    def _create_first(self) -> None:
        gen = generation_dir(self.root, 1)
        shutil.rmtree(gen, ignore_errors=True)
        (gen / "records").mkdir(parents=True)
        try:
            store = ox.Store(str(gen / "db"))
            store.flush()
            del store
            gc.collect()
            (gen / READERS_LOCK).touch()
            _fsync_tree(gen)
            _write_atomically(self.root / "current", "1\n")
        except (OSError, RuntimeError) as e:
            raise _writing_error(self.root, e) from e

    def _migrate_legacy(self) -> None:
        """Move a store made before generations into generation 1 (a checkpoint, then its files go)."""
        root = self.root
        if not (root / LEGACY_MARK).is_file() or current_generation(root) is not None:
            return
        gen = generation_dir(root, 1)
        shutil.rmtree(gen, ignore_errors=True)
        (gen / "records").mkdir(parents=True)
        try:
            legacy = ox.Store(str(root))
            legacy.backup(str(gen / "db"))
            del legacy
            gc.collect()
        except (OSError, RuntimeError) as e:
            shutil.rmtree(gen, ignore_errors=True)
            raise _opening_error(root, e) from e
        (gen / READERS_LOCK).touch()
        _fsync_tree(gen)
        _write_atomically(root / "current", "1\n")
        keep = {"current", "generations", "work", "tmp", "rejects", "write.lock"}
        for entry in root.iterdir():
            if entry.name not in keep and entry.is_file():
                entry.unlink()

    def _close_store(self) -> None:
        self.store = None
        gc.collect()  # pyoxigraph closes RocksDB when the last reference goes

    def __del__(self) -> None:
        if getattr(self, "_lock", None) is not None:
            self.close()

    def close(self) -> None:
        """Stop writing: the working copy goes (what was not committed with it), the lock is released."""
        self._close_store()
        shutil.rmtree(self.work, ignore_errors=True)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def _lock_exclusive(path: Path, wait: float, on_wait: Callable[[str], None] | None) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise StoreError(f"another `patrimoine` process is writing to the store at {path.parent}; "
                                 "try again when it is done") from None
            if on_wait is not None and not told:
                on_wait(f"waiting for another `patrimoine` process writing to {path.parent}...")
                told = True
            time.sleep(0.2)


def _try_delete_generation(gen: Path) -> bool:
    """Lock a generation exclusively (no reader has it open) and move it out of sight; False if in use."""
    try:
        fd = os.open(gen / READERS_LOCK, os.O_RDONLY)
    except FileNotFoundError:
        return True  # never published whole
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    trash = gen.parent / f".deleting-{gen.name}-{os.getpid()}"
    try:
        os.rename(gen, trash)
    finally:
        os.close(fd)
    shutil.rmtree(trash, ignore_errors=True)
    return True


def _generations(root: Path) -> list[Path]:
    base = root / "generations"
    if not base.is_dir():
        return []
    for stale in base.glob(".deleting-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return sorted((p for p in base.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))


def _link_files(source: Path, target: Path) -> None:
    """Hard-link the files of ``source`` into ``target``: they are written whole and never changed in place."""
    if not source.is_dir():
        return
    for f in source.iterdir():
        if f.is_file():
            os.link(f, target / f.name)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with open(tmp, "w", encoding="ascii") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_tree(root: Path) -> None:
    for directory, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(directory))
    _fsync_dir(root.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _writing_error(root: Path, e: BaseException) -> StoreError:
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StoreError(f"the disk holding the store at {root} is full ({e.strerror}); the store is unchanged")
    text = first_line(e)
    if "No space left" in text or "File too large" in text:
        return StoreError(f"the disk holding the store at {root} is full; the store is unchanged")
    return StoreError(f"writing the store at {root} failed: {text}; the store is unchanged")


def writing_error(root: Path, e: BaseException) -> StoreError:
    """The one-line error for a write that failed (disk full...): the store is as it was."""
    return _writing_error(root, e)


__all__ = ["Reader", "StoreError", "Writer", "current_generation", "generation_dir", "is_store", "writing_error"]

if sys.platform == "win32":  # pragma: no cover
    raise ImportError("patrimoine-kg's store needs POSIX file locks")
