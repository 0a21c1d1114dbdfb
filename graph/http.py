"""Reading HTTP answers with a size bound, for the commands that fetch from the network on request."""

from __future__ import annotations


def read_capped(response, limit: int) -> bytes | None:
    """The body of a streamed ``requests`` response, or None as soon as it exceeds ``limit`` bytes."""
    chunks, size = [], 0
    for chunk in response.iter_content(1 << 16):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
