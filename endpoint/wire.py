"""The frames a query worker and the server exchange over their Unix socket, and the answer they carry.

The server sends a job as a length-prefixed JSON frame (and, for uploads, a
second frame with the payload). The worker answers with the fixed binary
:data:`ANSWER` header, the body and the error message; a streamed body follows
as length-prefixed chunks ended by :data:`END` (or :data:`ABORT` and a JSON
error frame).
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

FRAME = struct.Struct(">I")
# A job's answer: status, flags, rows (-1: unknown), body length, error message length.
ANSWER = struct.Struct(">HBiII")
STREAM, TRUNCATED, RESULTS, GRAPH = 1, 2, 4, 8
KINDS = {"results": RESULTS, "graph": GRAPH}
END = 0  # zero-length chunk: the body is complete
ABORT = 0xFFFFFFFF  # the stream broke; a JSON error frame follows


@dataclass
class Result:
    status: int
    kind: str | None = None  # "results" or "graph"
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None
    truncated: bool = False
    rows: int | None = None
    error: str | None = None
    release: Callable[[], None] = lambda: None  # call once a streamed answer is sent or abandoned
