"""What the endpoint refuses: calls to outside hosts (SERVICE, LOAD), writes without the token, too many requests.

Oxigraph would call any host a query names in ``SERVICE`` or an update in
``LOAD``; the endpoint reads the text with a tokenizer (strings, comments, IRIs
and prefixed names that merely contain the word do not count; prefixed names and
relative IRIs are resolved as the parser would) and refuses any target whose
host is not allow-listed, and any target it cannot resolve (``SERVICE ?var``).
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import time
from dataclasses import dataclass

from graph.sparqltext import Analysis


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
