"""The query log: one JSON line per SPARQL request (time, duration, rows, status, client, query hash and size).

The query text itself is not logged, only its SHA-256 prefix and size, and
never a request header: the Authorization header and the token stay out.

To standard error each line is written at once. To a file, requests only
note their figures; the lines are formatted and written together about once
a second (and when the server stops): formatting them one by one between
requests cost a busy server several percent of its throughput.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import time
from typing import IO, Any

FLUSH_EVERY = 1.0  # seconds: how late a line may reach a log file
MOST_PENDING = 10_000  # lines noted before they are written whatever the time


class QueryLog:
    def __init__(self, target: str) -> None:
        """``target``: '-' standard error (each line at once), '' nowhere, else a file appended to in blocks."""
        self._owned = False
        self._pending: list[tuple] = []
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
        entry = (time.time(), endpoint, status, seconds, client, text, rows, extra)
        if not self._owned:
            self._emit([entry])
            return
        self._pending.append(entry)
        if len(self._pending) == 1:
            try:
                asyncio.get_running_loop().call_later(FLUSH_EVERY, self.flush)
            except RuntimeError:  # no event loop (a script, a test): at once
                self.flush()
        elif len(self._pending) >= MOST_PENDING:
            self.flush()

    def flush(self) -> None:
        """Write the lines noted so far."""
        pending, self._pending = self._pending, []
        if pending:
            self._emit(pending)

    def _emit(self, entries: list[tuple]) -> None:
        try:
            self._out.write("".join(self._line(*entry) for entry in entries))
            self._out.flush()
        except (OSError, ValueError, AttributeError):
            pass  # a full disk or closed stream must not fail a request

    def _line(self, now: float, endpoint: str, status: int, seconds: float, client: str, text: str | None,
              rows: int | None, extra: dict[str, Any]) -> str:
        if int(now) != self._second:
            self._second = int(now)
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        line = (f'{{"time":"{self._stamp}","endpoint":{_string(endpoint)},"status":{int(status)},'
                f'"duration_ms":{round(seconds * 1000, 2)!r},"client":{_string(client)},'
                f'"rows":{"null" if rows is None else int(rows)}')
        if text is not None:
            data = text.encode("utf-8", "replace")
            line += f',"query_sha256":"{hashlib.sha256(data).hexdigest()[:16]}","query_bytes":{len(data)}'
        for key, value in extra.items():
            if value is not None:
                line += f",{_string(key)}:{_value(value)}"
        return line + "}\n"

    def close(self) -> None:
        self.flush()
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
