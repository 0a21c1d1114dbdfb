"""The query log: one JSON line per SPARQL request (time, duration, rows, status, client, query hash and size).

The query text itself is not logged, only its SHA-256 prefix and size, and
never a request header: the Authorization header and the token stay out.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from typing import IO, Any


class QueryLog:
    def __init__(self, target: str) -> None:
        """``target``: '-' standard error, '' nowhere, else a file appended to."""
        self._owned = False
        self._out: IO[str] | None
        if target == "-":
            self._out = sys.stderr
        elif target:
            self._out = open(target, "a", encoding="utf-8", buffering=1)
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
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
            "endpoint": endpoint, "status": status, "duration_ms": round(seconds * 1000, 2),
            "client": client, "rows": rows,
        }
        if text is not None:
            data = text.encode("utf-8", "replace")
            entry["query_sha256"] = hashlib.sha256(data).hexdigest()[:16]
            entry["query_bytes"] = len(data)
        entry.update({k: v for k, v in extra.items() if v is not None})
        try:
            self._out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            if not self._owned:
                self._out.flush()
        except (OSError, ValueError):
            pass  # a full disk or closed stream must not fail the request

    def close(self) -> None:
        if self._owned and self._out is not None:
            self._out.close()
        self._out = None
