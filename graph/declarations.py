"""Which triples of the shared graph each dataset declares, so that a reload can take back what it no
longer says (a museum renamed in the list of Musées de France loses its old name) and never what
another dataset still says.

Shared entities (places, concepts, persons, institutions...) live once in the store's shared graph,
whichever datasets name them. Beside each dataset's record index (in the generation's ``records/``)
``<dataset>.shared.nt`` holds the shared triples it declares, one N-Triples line each, sorted. A triple
leaves the shared graph when the last dataset declaring it stops doing so. A dataset whose declarations
are not known (loaded before this file existed, or harvested page by page from an empty start it did
not see) has none; then nothing is taken back, as before: a stale triple is better than a lost one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

SUFFIX = ".shared.nt"


def path(records: Path, dataset: str) -> Path:
    return records / f"{dataset}{SUFFIX}"


def read(records: Path, dataset: str) -> set[bytes] | None:
    """The shared triples ``dataset`` declares (None: not known)."""
    try:
        return set(path(records, dataset).read_bytes().splitlines())
    except FileNotFoundError:
        return None


def write(records: Path, dataset: str, lines: set[bytes] | None) -> None:
    """Record what ``dataset`` declares (None: not known, the record removed)."""
    target = path(records, dataset)
    if lines is None:
        target.unlink(missing_ok=True)
        return
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(b"".join(line + b"\n" for line in sorted(lines)))
    os.replace(tmp, target)


def lines_of(ntriples: Path) -> set[bytes]:
    """The distinct statements of an N-Triples file (blank lines and comments left out)."""
    with open(ntriples, "rb") as f:
        return {line.rstrip(b"\r\n") for line in f if line.strip() and not line.startswith(b"#")}


def subject(line: bytes) -> bytes:
    return line.split(b" ", 1)[0]


def after_partial_run(before: set[bytes], run: set[bytes]) -> set[bytes]:
    """What a dataset declares after a run that mapped some of its records only: each shared entity
    declared in the run, as the run declares it (a record declares an entity whole); the others as
    before."""
    declared = {subject(line) for line in run}
    return {line for line in before if subject(line) not in declared} | run


def stale(before: set[bytes] | None, now: set[bytes], records: Path, dataset: str,
          datasets: Iterable[str]) -> set[bytes]:
    """The triples ``dataset`` declared and declares no more that no other of ``datasets`` declares
    (none when what it or one of the others declares is not known)."""
    if before is None:
        return set()
    gone = before - now
    for other in datasets:
        if not gone:
            break
        if other == dataset:
            continue
        theirs = read(records, other)
        if theirs is None:
            return set()
        gone -= theirs
    return gone
