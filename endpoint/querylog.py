"""The query log: one JSON line per SPARQL request (time, duration, rows, status, client, query hash and size).

The query text itself is not logged, only its SHA-256 prefix and size, and
never a request header: the Authorization header and the token stay out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import sys
import time
from typing import IO, Any


FLUSH_EVERY = 1.0  # seconds: a log file is written in blocks, at most this late


class QueryLog:
    def __init__(self, target: str) -> None:
        """``target``: '-' standard error (each line at once), '' nowhere, else a file appended to in blocks."""
        self._owned = False
        self._flush_at = 0.0
        self._second = -1
        self._stamp = ""
        self._out: IO[str] | None
        if target == "-":
            self._out = sys.stderr
        elif target:
            self._out = open(target, "a", encoding="utf-8")
            self._owned = True
        else:
            self._out = None

    @property
    def enabled(self) -> bool:
        return self._out is not None

    def write(self, *, endpoint: str, status: int, seconds: float, client: str, text: str | None = None,
              rows: int | None = None, **extra: Any) -> None:
        if self._out is None:
            return
        now = time.time()
        if int(now) != self._second:
            self._second = int(now)
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        # Written out by hand rather than by json.dumps: this runs for every query, on the hot path.
        line = (f'{{"time":"{self._stamp}","endpoint":{_string(endpoint)},"status":{int(status)},'
                f'"duration_ms":{round(seconds * 1000, 2)!r},"client":{_string(client)},'
                f'"rows":{"null" if rows is None else int(rows)}')
        if text is not None:
            data = text.encode("utf-8", "replace")
            line += f',"query_sha256":"{hashlib.sha256(data).hexdigest()[:16]}","query_bytes":{len(data)}'
        for key, value in extra.items():
            if value is not None:
                line += f",{_string(key)}:{_value(value)}"
        try:
            self._out.write(line + "}\n")
            if not self._owned:
                self._out.flush()
            elif now >= self._flush_at:
                self._flush_at = now + FLUSH_EVERY
                self._out.flush()
                self._flush_later()
        except (OSError, ValueError):
            pass  # a full disk or closed stream must not fail the request

    def _flush_later(self) -> None:
        """Lines written after a flush are flushed a little later even if no request comes."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        loop.call_later(FLUSH_EVERY, self.flush)

    def flush(self) -> None:
        if self._out is not None:
            with contextlib.suppress(OSError, ValueError):
                self._out.flush()

    def close(self) -> None:
        if self._owned and self._out is not None:
            self._out.close()
        self._out = None


_string = json.encoder.encode_basestring  # a JSON string, in C


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return _string(str(value))
