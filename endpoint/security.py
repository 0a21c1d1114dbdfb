"""What the endpoint refuses: calls to outside hosts (SERVICE, LOAD), writes without the token, too many requests.

Oxigraph would call any host a query names in ``SERVICE`` or an update in
``LOAD``; the endpoint reads the text with a tokenizer (strings, comments, IRIs
and prefixed names that merely contain the word do not count; prefixed names and
relative IRIs are resolved as the parser would) and refuses any target whose
host is not allow-listed, and any target it cannot resolve (``SERVICE ?var``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from graph.sparqltext import Analysis


# Every answer: browsers must not guess a type other than the one given (a Turtle dump read as HTML...).
NOSNIFF = ((b"x-content-type-options", b"nosniff"),)
# HTML answers besides: scripts and styles from this server only (no inline script: the UI's scripts are files,
# its configuration a JSON data block), images from anywhere on the web (the records' own pictures), no plugin,
# no framing by other sites, forms and <base> kept home, the full address sent to this site only.
# The two style hashes are the constant <style> blocks the query UI's column resizer (in yasgui.min.js) adds:
# its table layout, and the cursor while a column is dragged (tests/test_ui_browser.py sees no violation).
UI_STYLE_HASHES = ("'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
                   "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='")
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' " + " ".join(UI_STYLE_HASHES) + "; "
    "img-src 'self' https: http: data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'; object-src 'none'")
HTML_HEADERS = NOSNIFF + (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
)


def script_hash(html: str) -> str:
    """The CSP source allowing the one inline script of ``html`` (a page made by a library: the API docs)."""
    body = html.split("<script>", 1)[1].split("</script>", 1)[0]
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def secured(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """An answer's headers with :data:`NOSNIFF`, and :data:`HTML_HEADERS` for HTML (a policy of the page's own,
    as the API docs have, is kept; a page whose own policy lets other sites frame it, as the reconciliation
    previews OpenRefine shows in a frame, gets no ``X-Frame-Options: DENY`` contradicting it)."""
    headers = list(headers)
    html = any(name == b"content-type" and value.startswith(b"text/html") for name, value in headers)
    if not html:
        return headers + list(NOSNIFF)
    names = {name for name, _ in headers}
    framed = any(name == b"content-security-policy" and b"frame-ancestors" in value
                 and b"frame-ancestors 'none'" not in value for name, value in headers)
    return headers + [h for h in HTML_HEADERS if h[0] not in names and not (framed and h[0] == b"x-frame-options")]


def with_security_headers(send: Callable[[dict], Awaitable[None]]) -> Callable[[dict], Awaitable[None]]:
    """``send`` (ASGI), with :func:`secured` headers on every answer."""

    async def sending(message: dict) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = secured(message.get("headers") or ())
        await send(message)

    return sending


def refused_remote(analysis: Analysis, allowed: frozenset[str]) -> str | None:
    """Why the request may not run (the first remote call not allow-listed), or None."""
    for remote in analysis.remotes:
        host, netloc = remote.host(), remote.netloc()
        if host is not None and (host in allowed or netloc in allowed):
            continue
        target = remote.written or "(nothing)"
        if remote.iri is None:
            why = f"{remote.keyword} {target} is not allowed: its target must be an http(s) IRI of an allowed host"
        else:
            why = f"{remote.keyword} <{remote.iri}>: host {host or '(none)'} is not allowed"
        hosts = ", ".join(sorted(allowed)) or "none"
        return f"{why} (this endpoint calls no outside service; allowed hosts: {hosts})"
    return None


@dataclass(frozen=True)
class Denied:
    status: int  # 401 no credentials, 403 wrong ones or writes disabled
    message: str


def check_token(authorization: str | None, token: str) -> Denied | None:
    """None when ``Authorization: Bearer <token>`` matches the configured token (compared in constant time)."""
    if not authorization:
        return Denied(401, "writes need a bearer token (Authorization: Bearer ...)")
    scheme, _, given = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return Denied(401, "writes need a bearer token (Authorization: Bearer ...)")
    if not token:
        return Denied(403, "writes are disabled on this endpoint (no token is configured)")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return Denied(403, "the bearer token is not valid")
    return None


class RateLimiter:
    """Token buckets per client: ``rate`` requests per minute on average, ``burst`` at once."""

    MAX_CLIENTS = 100_000

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(burst, 1)
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last time)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, client: str, now: float | None = None) -> float:
        """0 when the request may go on, else the seconds to wait before the next one (429 Retry-After)."""
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate
        if len(self._buckets) >= self.MAX_CLIENTS and client not in self._buckets:
            self._forget_full(now)
        self._buckets[client] = (tokens - 1.0, now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        """Drop clients whose bucket has refilled: they are where a new client would start."""
        refill = self.burst / self.rate
        self._buckets = {c: v for c, v in self._buckets.items() if now - v[1] < refill}


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def client_address(scope: dict) -> str:
    """The client's IP address (after :func:`apply_forwarded`, when the server is behind a proxy)."""
    client = scope.get("client")
    return client[0] if client else "unknown"


def apply_forwarded(scope: dict, proxies: Networks) -> None:
    """For a request from a trusted proxy, put the client and scheme it forwards into ``scope``.

    Each proxy appends the address it got the request from to X-Forwarded-For,
    so only the right end of the list is known to be true: the client is the
    right-most address that is not a trusted proxy. Anything left of it, or an
    entry that is no address at all, may be what the client itself wrote; so
    the walk stops there and the last address it trusted stands.
    """
    client = scope.get("client")
    if not client or not _trusted(client[0], proxies):
        return
    forwarded, proto = [], None
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            forwarded.extend(value.decode("latin-1").split(","))
        elif name == b"x-forwarded-proto":
            proto = value.decode("latin-1").split(",")[0].strip().lower()
    address = client[0]
    for entry in reversed(forwarded):
        hop = _address(entry)
        if hop is None:
            break
        address = hop
        if not _trusted(hop, proxies):
            break
    scope["client"] = (address, 0)
    if proto in ("http", "https"):
        scope["scheme"] = proto


def _address(entry: str) -> str | None:
    """The IP address of one X-Forwarded-For entry (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``, ``::1``)."""
    text = entry.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _trusted(address: str, proxies: Networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # an IPv4 client of a dual-stack socket
    return any(ip in net for net in proxies)
