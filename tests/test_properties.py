"""Hostile input, property-based (issue 11, item 5): every reader, fed damaged versions of real samples.

For each format, hypothesis takes a real sample and damages it: random bytes, a truncation, bytes
flipped, inserted or deleted, another encoding, a giant field, deep nesting. Loading the result through
the real pipeline must end in one of two ways: a clear error (one of ours, one line), or a load whose
counts reconcile (every record read is loaded, rejected or skipped), within a time bound. A crash (any
other exception) or a hang fails. The number of examples is bounded so the suite stays fast; raise it
with ``PATRIMOINE_HYPOTHESIS_EXAMPLES``.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.records import PatrimoineError
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load

from conftest import SAMPLES

EXAMPLES = int(os.environ.get("PATRIMOINE_HYPOTHESIS_EXAMPLES", "12"))
SECONDS = 60  # a load of one damaged sample taking longer has hung (on a busy machine, traced by hypothesis)


def head(path: Path, lines: int) -> bytes:
    """The first lines of a sample (keeps the examples small)."""
    return b"".join(path.read_bytes().splitlines(keepends=True)[:lines])


SEEDS = {
    "pop-csv": ("pop", "x.csv", head(SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv", 8)),
    "pop-tagged": ("pop", "x.txt", head(SAMPLES / "pop" / "joconde-valid-UTF-8.txt", 70)),
    "pop-json": ("pop", "x.json", (SAMPLES / "pop" / "pop-api-merimee-item.json").read_bytes()),
    "francearchives-csv": ("francearchives-csv", "FRAM059017_x.csv",
                           head(SAMPLES / "ead" / "FRAM059017_data_archives_anciennes.csv", 8)),
    "museums": ("museums", "x.csv", head(SAMPLES / "museums" / "liste-et-localisation-des-musees-de-france.csv", 8)),
    "ead": ("ead", "FRAD062_x.xml", (SAMPLES / "ead" / "FRAD062_ir_9fi_02_permaliens.xml").read_bytes()),
    "lido": ("lido", "x.xml", (SAMPLES / "lido" / "example1.xml").read_bytes()),
    "edm": ("edm", "x.xml", (SAMPLES / "edm" / "rdf_with_iiif_sample.xml").read_bytes()),
    "marc21-xml": ("marc21", "x.xml", (SAMPLES / "marc" / "sudoc-088884074.marcxml.xml").read_bytes()),
    "marc21-iso2709": ("marc21", "x.mrc", (SAMPLES / "marc" / "test.iso2709").read_bytes()),
    "unimarc": ("unimarc", "x.mrc", (SAMPLES / "marc" / "testunimarc.iso2709").read_bytes()),
    "oai-pmh": ("oai-pmh", "x.xml", (SAMPLES / "oai-dc" / "sickle-ListRecords.xml").read_bytes()),
    "iiif": ("iiif", "x.json", (SAMPLES / "iiif" / "v3" / "0009-book-1.manifest.json").read_bytes()),
}
NESTS = (b"[" * 5000, b'{"a": ' * 5000, b"<x>" * 5000, b'"' * 5000)


@st.composite
def damaged(draw, seed: bytes) -> bytes:
    """``seed`` damaged one way or another."""
    how = draw(st.sampled_from(["random", "truncate", "flip", "insert", "delete", "encoding", "giant", "nest"]))
    at = draw(st.integers(0, len(seed)))
    if how == "random":
        return draw(st.binary(min_size=1, max_size=2000))
    if how == "truncate":
        return seed[:at] or seed[:1]
    if how == "flip":
        data = bytearray(seed)
        for _ in range(draw(st.integers(1, 20))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if how == "insert":
        return seed[:at] + draw(st.binary(min_size=1, max_size=200)) + seed[at:]
    if how == "delete":
        return seed[:at] + seed[at + draw(st.integers(1, 500)):]
    if how == "encoding":
        encoding = draw(st.sampled_from(["utf-16", "utf-32", "cp1252", "latin-1", "cp037"]))
        return seed.decode("utf-8", errors="replace").encode(encoding, errors="replace")
    if how == "giant":
        return seed[:at] + draw(st.sampled_from([b"x", b"\"", b";", b"\n", b"\x00"])) * 1_200_000 + seed[at:]
    return seed[:at] + draw(st.sampled_from(NESTS)) + seed[at:]


class Hung(Exception):
    pass


def load_bounded(path: Path, fmt: str):
    """Load ``path`` into a store in memory; a load running longer than :data:`SECONDS` has hung."""

    def alarm(signum, frame):
        raise Hung(f"loading a damaged {fmt} file took more than {SECONDS} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(SECONDS)
    try:
        return load(KnowledgeGraph(None), [path], LoadOptions(format=fmt, dataset="x", region=None, progress=False,
                                                              rejects=path.with_suffix(".rejects.jsonl")))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_damaged_files_give_a_clear_error_or_a_load_whose_counts_reconcile(name: str, tmp_path_factory):
    fmt, filename, seed = SEEDS[name]
    folder = tmp_path_factory.mktemp(name)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(damaged(seed))
    def check(data: bytes) -> None:
        path = folder / filename
        path.write_bytes(data)
        try:
            [report] = load_bounded(path, fmt)
        except PatrimoineError as e:
            message = str(e)
            assert message and "\n" not in message and "Traceback" not in message
            return
        c = report.counts
        assert c.reconciles(), c
        assert c.records_read == c.records_loaded + c.records_rejected + c.records_skipped

    check()


@pytest.mark.parametrize("name", ["pop-csv", "ead", "iiif"])
def test_the_samples_themselves_load(name: str, tmp_path: Path):
    """The seeds are good files: the damage is what the property test adds."""
    fmt, filename, seed = SEEDS[name]
    path = tmp_path / filename
    path.write_bytes(seed)
    [report] = load_bounded(path, fmt)
    assert report.counts.records_loaded > 0 and report.counts.reconciles()
