"""``/reconcile``: the W3C Reconciliation Service API 0.2, as OpenRefine speaks it, over the graph's entities.

- ``GET /reconcile``: the manifest; ``?queries=`` or ``?extend=`` (JSON) for small requests;
- ``POST /reconcile``: ``queries=`` or ``extend=`` as a form (what OpenRefine sends), or a JSON body
  (the batch itself, or ``{"queries": ...}`` / ``{"extend": ...}``);
- ``/reconcile/suggest/entity|type|property?prefix=``, ``/reconcile/preview?id=``,
  ``/reconcile/extend/propose?type=``.

Candidates are ranked from an in-memory index of the store (:mod:`graph.reconciliation`), one per
server process, built on first use and again when the catalogue changes (a dataset loaded, reloaded
or dropped, the links rewritten); a request waits for it at most the query time limit, then gets
503 with Retry-After while the build goes on. A batch is bounded (queries, candidates, text
lengths, body size) and stopped at the time limit; data extension runs its one SPARQL query in a
query worker, killed at the time limit like any query. Every error is a JSON object
``{"error": ..., "status": ...}`` with status 400 (413 for a body over 1 MiB), never 500.

OpenRefine's browser side asks for the manifest, suggestions and previews from its own origin:
the endpoint's CORS setting (``--cors-origins``, any origin by default) lets it. JSONP
(``callback=``) is refused: it would run our answer as a script in the caller's page, the callback
name would have to be policed against injection, and OpenRefine 3.x tries CORS first.

The preview is a small HTML card (every value escaped by Jinja2) under the pages' policy, except
that any site may frame it (``frame-ancestors *``): OpenRefine shows it in an iframe, and the card
holds no form, no script and no action to trick a user into.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from graph import __version__
from graph.geo import name_key
from graph.namespaces import PKG, sparql_prefixes
from graph.reconciliation import extension
from graph.reconciliation.describe import describe
from graph.reconciliation.index import EntityIndex
from graph.reconciliation.match import MAX_LIMIT, QueryError, Reconciler, read_batch, read_types
from graph.reconciliation.reference import ReferencePlaces, Thing
from graph.reconciliation.schema import Schema, schema as load_schema
from graph.store import KnowledgeGraph

from .html import render
from .pool import ClientGone, MemoryLimit, Overloaded, QueryTimeout, WorkerFailed, read_own_store
from .quality import style_policy

MAX_BODY = 1024 * 1024
PREVIEW_WIDTH, PREVIEW_HEIGHT = 420, 150
PREVIEW_STYLE = ("body{margin:0;font:14px/1.35 system-ui,sans-serif;color:#1b1b1b;background:#fff}"
                 ".card{padding:8px 12px}.name{font-size:16px;font-weight:600;margin:0 0 2px}"
                 ".name a{color:#0b4f9c;text-decoration:none}.type{margin:0;color:#555;font-size:12px}"
                 ".description{margin:4px 0 0}"
                 ".id{margin:4px 0 0;color:#777;font-size:11px;word-break:break-all}")


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)


def answer(body: dict) -> JSONResponse:
    return JSONResponse(body)


def refusals(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A route whose refusals (a query it cannot read, a limit) are JSON errors with their status."""

    @functools.wraps(handler)
    async def route(request: Request) -> Response:
        try:
            return await handler(request)
        except QueryError as e:
            return error(400, str(e))
        except Refused as e:
            return error(e.status, str(e), e.headers)

    return route


class Service:
    """The index of one server process, kept with the state of the catalogue it was built from."""

    def __init__(self, kg: KnowledgeGraph, timeout: float) -> None:
        self.kg = kg
        self.timeout = timeout
        self.schema: Schema = load_schema(kg.minter.base)
        self._reference: ReferencePlaces | None = None
        self._built: tuple[tuple, Reconciler] | None = None
        self._building: dict[tuple, asyncio.Future] = {}

    @property
    def reference(self) -> ReferencePlaces:
        """The reference places, read on first use (in the index's build): a server starts without them."""
        if self._reference is None:
            self._reference = ReferencePlaces(self.kg.minter)
        return self._reference

    def state(self) -> tuple:
        """What the index depends on: the store opened (a new one after a write) and the catalogue's records."""
        q = (f"SELECT ?s ?status ?modified WHERE {{ GRAPH {self.kg.catalogue} {{ ?s {PKG.status} ?status ."
             " OPTIONAL { ?s <http://purl.org/dc/terms/modified> ?modified } } }")
        rows = sorted((r[0].value, r[1].value, r[2].value if r[2] is not None else "") for r in self.kg.store.query(q))
        return (id(self.kg.store), tuple(rows))

    def build(self, state: tuple) -> tuple[tuple, Reconciler]:
        index = EntityIndex.build(self.kg, self.schema, self.reference.geo)
        self.reference.warm()
        return state, Reconciler(index, self.reference)

    async def reconciler(self, request: Request) -> Reconciler:
        state = await read_own_store(request, self.state)
        if self._built is not None and self._built[0] == state:
            return self._built[1]
        task = self._building.get(state)
        if task is None:
            task = asyncio.ensure_future(read_own_store(request, self.build, state))
            self._building[state] = task
            task.add_done_callback(lambda t: self._done(state, t))
        try:
            return (await asyncio.wait_for(asyncio.shield(task), self.timeout))[1]
        except asyncio.TimeoutError:
            raise Refused(503, "the reconciliation index is being built; try again in a moment",
                          {"Retry-After": "10"}) from None

    def _done(self, state: tuple, task: asyncio.Future) -> None:
        self._building.pop(state, None)
        if not task.cancelled() and task.exception() is None:
            self._built = task.result()


def router(kg: KnowledgeGraph, settings: object = None) -> APIRouter:
    timeout = float(getattr(settings, "query_timeout", 30.0))
    service = Service(kg, timeout)
    schema, base = service.schema, kg.minter.base
    r = APIRouter()

    def root(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def manifest(request: Request) -> dict:
        url = root(request)
        return {
            "versions": ["0.2"],
            "name": "patrimoine-kg : patrimoine des Hauts-de-France",
            "identifierSpace": base,
            "schemaSpace": PKG.uri,
            "documentation": url + "/docs",
            "serviceVersion": __version__,
            "defaultTypes": [schema.types[t].as_json() for t in schema.default_types],
            "view": {"url": url + "/{{id}}"},
            "preview": {"url": url + "/reconcile/preview?id={{id}}", "width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
            "suggest": {k: {"service_url": url, "service_path": f"/reconcile/suggest/{k}"}
                        for k in ("entity", "type", "property")},
            "extend": {"propose_properties": {"service_url": url, "service_path": "/reconcile/extend/propose"},
                       "property_settings": []},
        }

    async def handle(request: Request, fields: dict[str, str], body: object = None) -> Response:
        if "callback" in fields:
            raise Refused(400, "JSONP (callback=) is not supported: this service answers with CORS "
                               "(Access-Control-Allow-Origin), which OpenRefine 3.x uses")
        if body is None and "queries" in fields:
            body = {"queries": _json(fields["queries"], "queries")}
        elif body is None and "extend" in fields:
            body = {"extend": _json(fields["extend"], "extend")}
        if body is None:
            return answer(manifest(request))
        if isinstance(body, dict) and set(body) == {"queries"}:
            return await reconcile(request, _unwrap(body["queries"], "queries"))
        if isinstance(body, dict) and set(body) == {"extend"}:
            return await extend(request, _unwrap(body["extend"], "extend"))
        if isinstance(body, dict) and "ids" in body and "properties" in body:
            return await extend(request, body)
        return await reconcile(request, body)

    async def reconcile(request: Request, batch: object) -> Response:
        queries = read_batch(batch, schema)
        reconciler = await service.reconciler(request)
        deadline = time.monotonic() + timeout

        def run() -> dict:
            out = {}
            for name, q in queries.items():
                out[name] = {"result": [candidate_json(c) for c in reconciler.reconcile(q, deadline)]}
            return out

        try:
            return answer(await run_in_threadpool(run))
        except TimeoutError:
            raise Refused(503, f"the batch ran longer than the limit of {timeout:g} s; send fewer queries at once",
                          {"Retry-After": "5"}) from None

    def candidate_json(c) -> dict:
        t = c.thing
        out = {"id": short(t.iri), "name": t.name, "description": describe(t, schema, service.reference.geo),
               "type": [_ref(schema.types[x]) for x in t.types if x in schema.types],
               "score": c.score, "match": c.match, "features": c.features}
        return out

    def short(iri: str) -> str:
        return iri[len(base):] if iri.startswith(base) else iri

    async def extend(request: Request, query: object) -> Response:
        iris, props = extension.read_extend(query, schema)
        ids = list(dict.fromkeys(query["ids"]))  # type: ignore[index]
        iris = list(dict.fromkeys(iris))
        text = extension.sparql(iris, props)
        results = None
        if text is not None:
            results = await run_query(request, sparql_prefixes() + text)
        return answer(extension.rows(iris, ids, props, results, base))

    async def run_query(request: Request, text: str) -> dict:
        pool = request.app.state.pool
        job = {"op": "query", "query": text, "default_graph": None, "named_graphs": None, "own_dataset": False,
               "results_format": "json", "graph_format": None,
               "max_rows": getattr(settings, "max_rows", 10000) or 10000}
        try:
            result = await pool.run(job)
        except Overloaded as e:
            raise Refused(503, f"the endpoint is busy ({e}); try again shortly", {"Retry-After": "1"}) from None
        except QueryTimeout:
            raise Refused(503, f"the data extension ran longer than the limit of {timeout:g} s; ask for fewer ids",
                          {"Retry-After": "5"}) from None
        except (MemoryLimit, ClientGone, WorkerFailed) as e:
            raise Refused(503, f"the data extension could not run: {e}") from None
        if result.status != 200 or not result.body:
            raise Refused(503, f"the data extension could not run: {result.error or result.status}")
        return json.loads(result.body)

    @r.get("/reconcile", tags=["reconciliation"], summary="Reconciliation service (W3C Reconciliation API 0.2): "
           "the manifest, or ?queries= / ?extend=")
    @refusals
    async def get(request: Request) -> Response:
        return await handle(request, dict(request.query_params))

    @r.post("/reconcile", tags=["reconciliation"], summary="Reconcile a batch of queries (form queries=, extend=, "
            "or a JSON body)")
    @refusals
    async def post(request: Request) -> Response:
        raw = await _body(request)
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        fields = dict(request.query_params)
        if kind == "application/json":
            return await handle(request, fields, _json(raw.decode("utf-8", "replace"), "body"))
        try:
            form = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=10, strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            raise Refused(400, "the body must be a form (queries=... or extend=..., UTF-8) or a JSON object") from None
        fields.update(form)
        if not ({"queries", "extend"} & set(fields)):
            raise Refused(400, "nothing to do: send queries=... or extend=... (a form field holding JSON), "
                               "or a JSON body")
        return await handle(request, fields)

    @r.get("/reconcile/suggest/entity", tags=["reconciliation"], summary="Entities whose name starts with ?prefix=")
    @refusals
    async def suggest_entity(request: Request) -> Response:
        params = request.query_params
        prefix = _param(params.get("prefix", ""))
        types = read_types(params.getlist("type") or None, schema) if params.get("type") else []
        start, limit = _int(params.get("cursor"), 0, 0, 10_000), _int(params.get("limit"), 10, 1, MAX_LIMIT)
        reconciler = await service.reconciler(request)
        found = await run_in_threadpool(reconciler.suggest, prefix, types, start, limit)
        return answer({"result": [{"id": short(t.iri), "name": t.name,
                                   "description": describe(t, schema, service.reference.geo),
                                   "notable": [_ref(schema.types[x]) for x in t.types]} for t in found]})

    @r.get("/reconcile/suggest/type", tags=["reconciliation"], summary="Types whose name starts with ?prefix=")
    @refusals
    async def suggest_type(request: Request) -> Response:
        prefix = _param(request.query_params.get("prefix", ""))
        result = []
        for t in schema.types.values():
            if _starts(prefix, t.id, t.name):
                item = t.as_json()
                if t.broader:
                    item["broader"] = [schema.types[t.broader].as_json()]
                result.append(item)
        return answer({"result": result})

    @r.get("/reconcile/suggest/property", tags=["reconciliation"],
           summary="Properties a query may give, whose name starts with ?prefix=")
    @refusals
    async def suggest_property(request: Request) -> Response:
        prefix = _param(request.query_params.get("prefix", ""))
        types = read_types(request.query_params.get("type") or None, schema)
        props = schema.properties_for(types[0] if types else None)
        return answer({"result": [p.as_json() for p in props if _starts(prefix, p.id, p.name)]})

    @r.get("/reconcile/extend/propose", tags=["reconciliation"], summary="Properties a data extension can fetch")
    @refusals
    async def propose(request: Request) -> Response:
        types = read_types(request.query_params.get("type") or None, schema)
        limit = _int(request.query_params.get("limit"), 50, 1, 500)
        props = schema.extensions_for(types[0] if types else None)[:limit]
        out: dict = {"properties": [{"id": p.id, "name": p.name} for p in props], "limit": limit}
        if types:
            out["type"] = types[0]
        return answer(out)

    @r.get("/reconcile/preview", tags=["reconciliation"], summary="A small HTML card about an entity (?id=)")
    @refusals
    async def preview(request: Request) -> Response:
        identifier = _param(request.query_params.get("id", ""))
        if not identifier:
            raise QueryError("give the entity with ?id=")
        reconciler = await service.reconciler(request)
        n = reconciler.index.find(identifier)
        thing: Thing | None = reconciler.thing(n) if n is not None else None
        if thing is None:
            thing = service.reference.of_iri(identifier if "://" in identifier else base + identifier.lstrip("/"))
        if thing is None:
            return card(request, None, identifier, 404)
        return card(request, thing, identifier, 200)

    def card(request: Request, thing: Thing | None, identifier: str, status: int) -> HTMLResponse:
        if thing is None:
            values = {"label": "Inconnu", "types": "", "description": "Le graphe ne connaît pas cette entité.",
                      "identifier": identifier, "page": None}
        else:
            values = {"label": thing.name, "types": " · ".join(schema.types[t].name for t in thing.types),
                      "description": describe(thing, schema, service.reference.geo), "identifier": thing.iri,
                      "page": root(request) + "/" + short(thing.iri) if thing.in_graph else None}
        html = render("reconcile_preview.html", "fr", style=PREVIEW_STYLE, **values)
        policy = style_policy(html).replace("frame-ancestors 'none'", "frame-ancestors *")
        return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": policy})

    return r


async def _body(request: Request) -> bytes:
    """The request's body, refused (413) beyond :data:`MAX_BODY` without reading the rest."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise Refused(413, f"the body is {int(length)} bytes: at most {MAX_BODY} (send fewer queries at once)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, f"the body is over {MAX_BODY} bytes (send fewer queries at once)")
        chunks.append(chunk)
    return b"".join(chunks)


def _json(text: str, what: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise QueryError(f"{what} is not valid JSON ({str(e).splitlines()[0][:120]})") from None


def _ref(t) -> dict:
    return {"id": t.id, "name": t.name}


def _unwrap(value: object, what: str) -> object:
    """A batch given as a JSON text inside JSON (``{"queries": "{...}"}``) is read too."""
    return _json(value, what) if isinstance(value, str) else value


def _param(value: str) -> str:
    if len(value) > 500:
        raise QueryError(f"a parameter is {len(value)} characters long: at most 500")
    return value


def _int(value: str | None, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        return max(low, min(high, int(value)))
    except ValueError:
        raise QueryError(f"{value[:40]!r} is not a whole number") from None


def _starts(prefix: str, *names: str) -> bool:
    """Whether a name, or one of its words, starts with ``prefix`` (case and accents aside)."""
    key = name_key(prefix)
    return not key or any(name_key(x).startswith(key) for n in names for x in (n, *n.split()))
