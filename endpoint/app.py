"""The FastAPI application: the SPARQL protocols, health and metrics, and the publication routers if present.

``create_app(kg, settings)`` wires the query worker pool (started with the
application, stopped with it), the protocol handlers of :mod:`endpoint.sparql`,
``/health``, ``/metrics``, CORS, and the routers of ``endpoint.pages``,
``endpoint.discovery`` and ``endpoint.ui`` when those modules exist (each has
``router(kg, settings) -> APIRouter``).
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request

from graph import __version__
from graph.store import KnowledgeGraph

from .heap import give_back
from .pool import QueryPool
from .metrics import Metrics
from .querylog import QueryLog
from .settings import EndpointSettings
from .security import (Networks, RateLimiter, apply_forwarded, client_address, retry_after, script_hash, secured,
                       with_security_headers)
from .sparql import (OPENAPI_PATHS, OPENAPI_SECURITY_SCHEMES, PROTOCOL_PATHS, ROWS_HEADER, TRUNCATED_HEADER, Protocol,
                     text_response)

OPTIONAL_ROUTERS = ("quality", "reconcile", "pages", "discovery", "ui")  # reconcile before pages' catch-all
FOLLOW_SECONDS = 1.0  # how often the server looks for a generation another process published
GIVE_BACK_AFTER = 5.0  # seconds after a switch: requests that started on the old generation are done by then
DESCRIPTION = """The knowledge graph of the cultural heritage of Hauts-de-France (CIDOC-CRM and EDM), as
linked open data.

* **SPARQL 1.1 Protocol** on `/sparql`: GET or POST; results as SPARQL JSON, XML, CSV or TSV, graphs as Turtle,
  N-Triples, RDF/XML, JSON-LD, TriG or N-Quads (Accept, or `format=`). The default graph is the union of all
  datasets. A GET without a query returns the SPARQL Service Description.
* Limits: time limit per query (the work is stopped), most rows per answer (`X-Patrimoine-Truncated`), query size,
  concurrent queries, requests per client. `SERVICE` to outside hosts is refused.
* Writes (SPARQL Update on `/update`, Graph Store Protocol on `/store`) need the bearer token the server was
  started with; without one the endpoint is read-only.
"""


def create_app(kg: KnowledgeGraph, settings: EndpointSettings | None = None, *, processes: int = 1,
               metrics_dir: Path | None = None) -> FastAPI:
    """The application of one server process; ``processes`` > 1 when it is one of several
    (:mod:`endpoint.processes`): it then takes its share of the query workers and publishes
    its metrics in ``metrics_dir``."""
    settings = (settings if settings is not None else EndpointSettings.from_env()).process_share(processes)
    metrics = Metrics()
    log = QueryLog(settings.query_log)
    pool = QueryPool(kg.path, kg.minter.base, size=settings.worker_count, timeout=settings.query_timeout,
                     max_concurrent=settings.max_concurrent_queries, memory_mb=settings.worker_memory,
                     recycle_mb=settings.worker_recycle_memory, nice=settings.worker_nice,
                     kg=kg if kg.path is None else None, reader=kg,
                     on_write=lambda: _reopen(kg))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await pool.start()
        publisher = asyncio.ensure_future(_publish(metrics, metrics_dir)) if metrics_dir is not None else None
        follower = asyncio.ensure_future(_follow(kg, protocol)) if kg.path is not None else None
        try:
            yield
        finally:
            if follower is not None:
                follower.cancel()
            if publisher is not None:
                publisher.cancel()
                metrics.publish(metrics_dir)
            await pool.close()
            log.close()

    app = EndpointApp(title="patrimoine-kg SPARQL endpoint", version=__version__, description=DESCRIPTION,
                      lifespan=lifespan, docs_url=None, redoc_url=None)  # /docs: _add_openapi
    app.state.settings = settings
    app.state.pool = pool
    app.state.metrics = metrics
    if settings.trust_forwarded:
        app.proxies = settings.proxy_networks
    limiter = RateLimiter(settings.rate_limit, settings.rate_burst)  # one bucket per client for every route
    optional = _optional_routers()
    protocol = Protocol(kg, settings, pool, metrics, log, limiter, html_home="ui" in optional)
    app.router.routes.extend(protocol.routes())
    app.fast_sparql, app.metrics = protocol, metrics
    _add_metrics(app, metrics, pool, metrics_dir)
    _add_health(app, pool, metrics, settings, metrics_dir)
    for name, module in optional.items():
        app.include_router(module.router(kg, settings))
    _add_openapi(app)
    if limiter.enabled:
        app.add_middleware(_RateLimit, limiter=limiter, metrics=metrics)
    if settings.cors_origin_list:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origin_list,
                           allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
                           allow_headers=["Accept", "Content-Type", "Authorization"],
                           expose_headers=[TRUNCATED_HEADER, ROWS_HEADER, "X-Patrimoine-Max-Rows", "Retry-After"],
                           max_age=3600)
    app.add_middleware(_RequestMetrics, metrics=metrics)
    return app


class EndpointApp(FastAPI):
    """FastAPI, except that a query on ``/sparql`` with no CORS to do skips the middleware stack.

    Every answer gets the security headers (:func:`endpoint.security.with_security_headers`),
    and, behind trusted proxies, the client and scheme they forward.

    Queries are the hot path: going straight to the handler saves some 45 µs
    of the about 400 µs the server spends on a small query, and a plain
    ``GET /sparql?query=<resource lookup>`` skips the general parsing of the
    request too (:meth:`Protocol.plain_lookup`). The checks, the answer, the
    log and the metrics are the same either way; requests with an Origin header
    take the usual route through the CORS middleware.
    """

    fast_sparql: Protocol | None = None
    metrics: Metrics | None = None
    proxies: Networks | None = None  # with --trust-forwarded: the trusted proxies

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        if self.proxies is not None:
            apply_forwarded(scope, self.proxies)
        if (self.fast_sparql is not None and scope["path"] == "/sparql" and scope["method"] in ("GET", "HEAD", "POST")
                and not any(name == b"origin" for name, _ in scope["headers"])):
            started = time.perf_counter()
            plan = self.fast_sparql.plain_lookup(scope)
            request = Request(scope, receive)
            response = await (self.fast_sparql.sparql(request) if plan is None
                              else self.fast_sparql.lookup(request, plan))
            self.metrics.request("sparql", response.status_code, time.perf_counter() - started)
            response.raw_headers = secured(response.raw_headers)
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, with_security_headers(send))


def _optional_routers() -> dict[str, object]:
    found = {}
    for name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(f"endpoint.{name}")
        except ImportError as e:
            if e.name != f"endpoint.{name}":
                raise  # the module exists but is broken: say so rather than serve without it
            continue
        if hasattr(module, "router"):
            found[name] = module
    return found


def _reopen(kg: KnowledgeGraph) -> None:
    """Open the generation a write published: a read-only store does not see later writes."""
    kg.refresh()


async def _follow(kg: KnowledgeGraph, protocol: Protocol) -> None:
    """Live updates: open each generation another process publishes (``patrimoine load``, ``link``,
    ``drop``...) within :data:`FOLLOW_SECONDS`; requests under way finish on the one they started on.
    The query workers look before each query (:func:`endpoint.worker.serve`).

    The old generation's handle closes with the last request using it; :data:`GIVE_BACK_AFTER` seconds
    after the switch, what it held goes back to the system (:mod:`endpoint.heap`), in a thread: else
    each switch would leave the process larger by a warm handle."""
    give_back_at: float | None = None
    while True:
        await asyncio.sleep(FOLLOW_SECONDS)
        try:
            if kg.refresh():
                protocol.invalidate()
                give_back_at = time.monotonic() + GIVE_BACK_AFTER
        except Exception as e:  # the store went away or is damaged: keep serving what is open, say why
            print(f"patrimoine serve: cannot open the store's new generation: {e}", file=sys.stderr)
        if give_back_at is not None and time.monotonic() >= give_back_at:
            give_back_at = None
            await asyncio.to_thread(give_back)


def _add_health(app: FastAPI, pool: QueryPool, metrics: Metrics, settings: EndpointSettings,
                metrics_dir: Path | None) -> None:
    @app.get("/health", tags=["Service"], summary="Liveness and readiness")
    async def health() -> JSONResponse:
        """200 while the server answers queries, workers being replaced or not; 503 when its query workers
        cannot be started. Answered from figures in memory (and the other processes' last published ones):
        no worker, no store."""
        ready = pool.ready()
        # the whole server: this process and the others sharing the port (their last published figures)
        totals = metrics.totals(Metrics.peers(metrics_dir))
        gauges = totals["gauges"]
        return JSONResponse({
            "status": "ok" if ready else "unavailable", "processes": totals["processes"],
            "workers": int(gauges["patrimoine_query_workers"]), "busy": int(gauges["patrimoine_query_workers_busy"]),
            "queries_in_flight": int(gauges["patrimoine_queries_in_flight"]),
            "writes_enabled": settings.writes_enabled, "query_timeout": settings.query_timeout,
            "max_rows": settings.max_rows,
        }, status_code=200 if ready else 503)


async def _publish(metrics: Metrics, directory: Path, every: float = 1.0) -> None:
    while True:
        metrics.publish(directory)
        await asyncio.sleep(every)


def _add_metrics(app: FastAPI, metrics: Metrics, pool: QueryPool, metrics_dir: Path | None) -> None:
    s = pool.stats
    metrics.gauge("patrimoine_query_workers", "Query worker processes alive.", pool.alive)
    metrics.gauge("patrimoine_query_workers_busy", "Query workers running a query.", pool.busy)
    metrics.gauge("patrimoine_queries_in_flight", "Queries running or waiting for a worker.", lambda: pool.admitted)
    metrics.counter("patrimoine_queries_total",
                    "Queries run, by a worker or (resource lookups) by the server process itself.", lambda: s.queries)
    metrics.counter("patrimoine_query_timeouts_total", "Queries and updates stopped at the time limit.",
                    lambda: s.timeouts)
    metrics.counter("patrimoine_query_disconnects_total", "Queries stopped because the client went away.",
                    lambda: s.disconnects)
    metrics.counter("patrimoine_worker_crashes_total", "Workers that died during a query.", lambda: s.crashes)
    metrics.counter("patrimoine_workers_started_total", "Worker processes started.", lambda: s.spawned)
    metrics.counter("patrimoine_worker_start_seconds_total", "Time spent starting workers.",
                    lambda: s.spawn_seconds)
    metrics.counter("patrimoine_queries_inline_total",
                    "Resource lookups run in the server process (bounded work, no worker round trip).",
                    lambda: s.inline)
    metrics.counter("patrimoine_workers_recycled_total",
                    "Workers replaced after a query because they kept more memory than --worker-recycle-memory.",
                    lambda: s.recycled)
    metrics.counter("patrimoine_writes_total", "Writes applied (updates, Graph Store changes).", lambda: s.writes)
    metrics.counter("patrimoine_query_memory_aborts_total", "Queries stopped at the worker memory limit.",
                    lambda: s.memory_aborts)

    @app.get("/metrics", tags=["Service"], summary="Metrics in the Prometheus text format",
             response_class=PlainTextResponse)
    async def prometheus() -> PlainTextResponse:
        return PlainTextResponse(metrics.render(Metrics.peers(metrics_dir)),
                                 media_type="text/plain; version=0.0.4; charset=utf-8")


SWAGGER_CDN = "https://cdn.jsdelivr.net"


def _add_openapi(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema["paths"] = {**OPENAPI_PATHS, **schema.get("paths", {})}
            schema.setdefault("components", {}).setdefault("securitySchemes", {}).update(OPENAPI_SECURITY_SCHEMES)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """Swagger UI, from its CDN (FastAPI's page), under a policy allowing that and its one inline script."""
        page = get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} - API")
        policy = (f"default-src 'none'; script-src {SWAGGER_CDN} {script_hash(page.body.decode())}; "
                  f"style-src {SWAGGER_CDN}; img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
                  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'")
        page.headers["Content-Security-Policy"] = policy
        return page


class _RateLimit:
    """Pure ASGI middleware: the per-client rate limit on every route that does work.

    The SPARQL protocol routes apply it themselves (their refusals go to the
    query log); /health and /metrics are for monitoring, and exempt.
    """

    EXEMPT = frozenset({"/health", "/metrics", *PROTOCOL_PATHS})

    def __init__(self, app, limiter: RateLimiter, metrics: Metrics) -> None:
        self.app = app
        self.limiter = limiter
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] not in self.EXEMPT:
            wait = self.limiter.check(client_address(scope))
            if wait:
                self.metrics.reject("rate_limited")
                response = text_response(429, "too many requests from this address; slow down",
                                         {"Retry-After": retry_after(wait)})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _RequestMetrics:
    """Pure ASGI middleware: counts answers by endpoint (first path segment) and status, with their duration."""

    def __init__(self, app, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope.get("path", "/")
        status = 500

        async def sending(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                segment = path.strip("/").split("/", 1)[0] or "/"
                endpoint = segment if status != 404 else "other"
                self.metrics.request(endpoint, status, time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, sending)
