"""Reading from the network, only on the user's explicit request (harvest, IIIF manifests by URL)."""

from __future__ import annotations

import re
from pathlib import Path

from graph.iri import slug
from graph.records import InputError

_URL = re.compile(r"^https?://[^\s<>\"]+$", re.I)


def error_reason(e: Exception) -> str:
    """``ConnectionError: [Errno 111] Connection refused``: an exception's type and its last line, short."""
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[-1][:160]}" if text else type(e).__name__


def read_capped(response, limit: int) -> bytes | None:
    """The body of a streamed ``requests`` response, or None as soon as it exceeds ``limit`` bytes."""
    chunks, size = [], 0
    for chunk in response.iter_content(1 << 16):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_manifest(url: str, directory: Path, timeout: float, max_bytes: int) -> Path:
    """Download the IIIF manifest at ``url`` into ``directory`` (named after the URL); :class:`InputError` on failure."""
    import requests

    if not _URL.match(url):
        raise InputError(f"{url}: not an http(s) URL")
    accept = ('application/ld+json;profile="http://iiif.io/api/presentation/3/context.json", '
              "application/ld+json;q=0.9, application/json;q=0.8")
    try:
        with requests.get(url, headers={"Accept": accept}, timeout=timeout, stream=True) as r:
            if r.status_code != 200:
                raise InputError(f"{url}: HTTP {r.status_code} {r.reason or ''}".rstrip())
            declared = r.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise InputError(f"{url}: {int(declared):,} bytes, more than the {max_bytes:,} allowed")
            body = read_capped(r, max_bytes)
            if body is None:
                raise InputError(f"{url}: more than the {max_bytes:,} bytes allowed")
    except requests.Timeout:
        raise InputError(f"{url}: no answer within {timeout:g} s") from None
    except requests.RequestException as e:
        raise InputError(f"{url}: cannot be fetched ({type(e).__name__})") from None
    path = directory / f"{slug(url)[:120]}.json"
    path.write_bytes(body)
    return path
