"""The endpoint's settings: one object, each setting with its default, environment variable and help text.

``patrimoine serve`` turns every setting that has a command-line option into
one (``--query-timeout``...) with :func:`click_options`; the token is only ever
read from the environment (``PATRIMOINE_TOKEN``), so it shows in no process
list and no log. The routers of ``endpoint/`` receive this object.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

import click


def _setting(default: Any, env: str, help: str, option: str | None = None, metavar: str | None = None,
             repr: bool = True):
    return field(default=default, repr=repr,
                 metadata={"env": env, "help": help, "option": option, "metavar": metavar})


@dataclass(frozen=True)
class EndpointSettings:
    query_timeout: float = _setting(
        30.0, "PATRIMOINE_QUERY_TIMEOUT",
        "Time limit of one query or update, in seconds; the worker process running it is killed when it is "
        "reached (answer 503 with Retry-After). Resource lookups whose work the store shows to be small (a few "
        "thousand triples at most) are answered by the server process itself.", "--query-timeout", "SECONDS")
    max_rows: int = _setting(
        10000, "PATRIMOINE_MAX_ROWS",
        "Most result rows (or triples) one query returns; more are cut and the answer says so "
        "(header X-Patrimoine-Truncated, and \"truncated\" in SPARQL JSON). 0: no limit, results stream.",
        "--max-rows", "ROWS")
    max_query_bytes: int = _setting(
        100_000, "PATRIMOINE_MAX_QUERY_BYTES", "Largest query accepted, in bytes (larger: 413).",
        "--max-query-bytes", "BYTES")
    max_upload_bytes: int = _setting(
        64 * 1024 * 1024, "PATRIMOINE_MAX_UPLOAD_BYTES",
        "Largest SPARQL Update or Graph Store upload accepted, in bytes (larger: 413).",
        "--max-upload-bytes", "BYTES")
    workers: int = _setting(
        0, "PATRIMOINE_QUERY_WORKERS",
        "Query worker processes kept warm (each opens the store read-only), shared out among the server "
        "processes; 0: two per CPU, so that a few long queries leave workers free for short ones. Resource "
        "lookups (every triple pattern starts from a given IRI) need none: the server answers them itself.",
        "--workers", "N")
    http_workers: int = _setting(
        0, "PATRIMOINE_HTTP_WORKERS",
        "Server processes sharing the port (each parses requests, answers resource lookups itself and has its "
        "share of the query workers); 0: one per CPU, at most 8. Writes need a single process (a write stops "
        "every reader first), so with a token the default is 1.", "--http-workers", "N")
    worker_memory: int = _setting(
        4096, "PATRIMOINE_WORKER_MEMORY",
        "Memory limit of each query worker in MiB (heap; the store's file mappings do not count); a query that "
        "needs more stops its worker (answer 503). 0: no limit.", "--worker-memory", "MIB")
    worker_recycle_memory: int = _setting(
        1024, "PATRIMOINE_WORKER_RECYCLE_MEMORY",
        "A query worker whose own resident memory (heap, not the store's file mappings) is over this many MiB "
        "after a query is replaced by a fresh one: the memory a large query took is given back rather than kept "
        "by an idle worker. 0: never.", "--worker-recycle-memory", "MIB")
    worker_nice: int = _setting(
        10, "PATRIMOINE_WORKER_NICE",
        "Niceness added to the query worker processes (0 to 19): queries get the CPU time the server processes "
        "leave, so that /health, resource lookups and pages stay quick while long queries run. 0: same priority "
        "as the server.", "--worker-nice", "N")
    max_concurrent_queries: int = _setting(
        32, "PATRIMOINE_MAX_CONCURRENT_QUERIES",
        "Most queries running or waiting for a worker at once; more are refused with 503 and Retry-After.",
        "--max-concurrent-queries", "N")
    rate_limit: float = _setting(
        600.0, "PATRIMOINE_RATE_LIMIT",
        "Requests per minute one client (IP address) may send on average to any route that does work (queries, "
        "pages, dumps, descriptions, the UI; not /health nor /metrics); more get 429. 0: no limit. Counted by "
        "each server process (--http-workers): a reverse proxy in front can enforce an exact figure.",
        "--rate-limit", "PER_MINUTE")
    rate_burst: int = _setting(
        60, "PATRIMOINE_RATE_BURST", "Requests a client may send at once before the rate limit applies.",
        "--rate-burst", "N")
    max_connections: int = _setting(
        1000, "PATRIMOINE_MAX_CONNECTIONS",
        "Most open connections per server process. A new connection beyond takes the place of the one that has "
        "waited longest for its request (a slow or idle client); if every connection has a request in progress, "
        "it gets 503.", "--max-connections", "N")
    header_timeout: float = _setting(
        10.0, "PATRIMOINE_HEADER_TIMEOUT",
        "Seconds a client has to send a request's headers, from the connection or the previous answer; then the "
        "connection is closed (against clients that hold connections by sending slowly).",
        "--header-timeout", "SECONDS")
    body_timeout: float = _setting(
        60.0, "PATRIMOINE_BODY_TIMEOUT",
        "Seconds a client has to send a request's body (a POSTed query, an upload) after its headers; then the "
        "connection is closed.", "--body-timeout", "SECONDS")
    keep_alive_timeout: int = _setting(
        5, "PATRIMOINE_KEEP_ALIVE_TIMEOUT",
        "Seconds an idle keep-alive connection stays open waiting for the next request.",
        "--keep-alive-timeout", "SECONDS")
    cors_origins: str = _setting(
        "*", "PATRIMOINE_CORS_ORIGINS",
        "Origins whose browser pages may call the endpoint, comma-separated; '*' any, '' none.",
        "--cors-origins", "ORIGINS")
    allow_service: str = _setting(
        "", "PATRIMOINE_ALLOW_SERVICE",
        "Hosts (host or host:port, comma-separated) that SPARQL SERVICE and LOAD may call; by default none.",
        "--allow-service", "HOSTS")
    query_log: str = _setting(
        "-", "PATRIMOINE_QUERY_LOG",
        "Where the query log goes (JSON lines): '-' standard error, a file path, or '' for no log.",
        "--query-log", "PATH")
    trust_forwarded: bool = _setting(
        False, "PATRIMOINE_TRUST_FORWARDED",
        "Behind a reverse proxy: for a request coming from a trusted proxy (--trusted-proxies), the client is the "
        "right-most X-Forwarded-For address that is not a trusted proxy, and X-Forwarded-Proto gives the scheme.",
        "--trust-forwarded/--no-trust-forwarded")
    trusted_proxies: str = _setting(
        "127.0.0.1,::1", "PATRIMOINE_TRUSTED_PROXIES",
        "Addresses or networks (CIDR) of the reverse proxies whose X-Forwarded-For is believed, comma-separated "
        "(with --trust-forwarded).", "--trusted-proxies", "ADDRESSES")
    token: str = _setting(
        "", "PATRIMOINE_TOKEN",
        "Bearer token that enables writes (SPARQL Update, Graph Store PUT/POST/DELETE); without it the endpoint "
        "is read-only. Read from the environment only.", repr=False)

    @property
    def writes_enabled(self) -> bool:
        return bool(self.token)

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else 2 * max(os.cpu_count() or 1, 1)

    @property
    def http_process_count(self) -> int:
        if self.http_workers > 0:
            return self.http_workers
        return 1 if self.writes_enabled else min(max(os.cpu_count() or 1, 1), 8)

    @property
    def service_hosts(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.allow_service.split(",") if h.strip())

    @property
    def proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return parse_networks(self.trusted_proxies)

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    def process_share(self, count: int) -> "EndpointSettings":
        """The settings of one of ``count`` server processes: its share of the query workers and queries."""
        if count <= 1:
            return self
        return replace(self, workers=-(-self.worker_count // count),
                       max_concurrent_queries=-(-self.max_concurrent_queries // count))

    def check(self) -> "EndpointSettings":
        """Raise ValueError for a setting out of range."""
        if self.query_timeout <= 0:
            raise ValueError("query_timeout must be positive")
        if self.writes_enabled and self.http_workers > 1:
            raise ValueError("writes (PATRIMOINE_TOKEN) need a single server process: use --http-workers 1")
        for name in ("max_rows", "workers", "http_workers", "rate_burst", "worker_memory", "worker_recycle_memory"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more")
        for name in ("max_query_bytes", "max_upload_bytes", "max_concurrent_queries", "max_connections",
                     "keep_alive_timeout"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("header_timeout", "body_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if not 0 <= self.worker_nice <= 19:
            raise ValueError("worker_nice must be between 0 and 19")
        parse_networks(self.trusted_proxies)
        if self.rate_limit < 0:
            raise ValueError("rate_limit must be 0 or more")
        return self

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> "EndpointSettings":
        """Defaults, then the environment, then ``overrides`` (None values ignored)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is not None and (raw != "" or f.type == "str"):
                values[f.name] = _convert(f.default, raw, f.metadata["env"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values).check()

    @classmethod
    def describe(cls) -> list[tuple[str, str, object, str]]:
        """(name, environment variable, default, help) of every setting, for docs."""
        return [(f.name, f.metadata["env"], f.default, f.metadata["help"]) for f in fields(cls)]


def parse_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or CIDR networks; ValueError for a malformed one."""
    try:
        return tuple(ipaddress.ip_network(a.strip(), strict=False) for a in text.split(",") if a.strip())
    except ValueError as e:
        raise ValueError(f"trusted_proxies: {e}") from None


def _convert(default: Any, raw: str, env: str) -> Any:
    try:
        if isinstance(default, bool):
            if raw.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise ValueError(raw)
            return raw.strip().lower() in ("1", "true", "yes", "on")
        return type(default)(raw)
    except ValueError:
        raise ValueError(f"{env}={raw!r} is not a valid {type(default).__name__}") from None


def click_options(func):
    """Decorate a click command with one option per setting that has one (default from the environment)."""
    for f in reversed(fields(EndpointSettings)):
        meta = f.metadata
        if not meta["option"]:
            continue
        kwargs: dict[str, Any] = {"envvar": meta["env"], "default": f.default, "show_default": True,
                                  "help": meta["help"]}
        if not isinstance(f.default, bool):
            kwargs["type"] = type(f.default)
            kwargs["metavar"] = meta["metavar"]
        func = click.option(meta["option"], f.name, **kwargs)(func)
    return func


def from_click(values: dict[str, Any]) -> EndpointSettings:
    """The settings from a command's option values, the token from the environment."""
    names = {f.name for f in fields(EndpointSettings) if f.metadata["option"]}
    return EndpointSettings.from_env(**{k: v for k, v in values.items() if k in names})
