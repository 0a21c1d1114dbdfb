"""The SPARQL 1.1 Protocol on ``/sparql`` (and ``/update``) and the Graph Store HTTP Protocol on ``/store``.

Queries: GET ``query=``, POST form-encoded, POST ``application/sparql-query``;
``default-graph-uri``/``named-graph-uri``; results negotiated from Accept (or
``format=``). A GET without a query answers the SPARQL Service Description.
Updates (POST ``update=`` or ``application/sparql-update``) and Graph Store
writes need the bearer token; without a configured token they are refused.

Handlers are plain Starlette endpoints (no FastAPI parameter machinery on the
hot path); the OpenAPI description of these routes is written out in
:data:`OPENAPI_PATHS`. Every query goes through :class:`endpoint.pool.QueryPool`.
"""

from __future__ import annotations

import email.policy
import time
import uuid
from collections.abc import Awaitable, Callable
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from graph.namespaces import PREFIXES
from graph.sparqltext import MAX_NESTING, Analysis, Lookup, add_using, analyse, resource_lookup
from graph.store import KnowledgeGraph

from .metrics import Metrics
from .negotiation import FORMAT_NAMES, GRAPH_FORMATS, RESULT_FORMATS, Format, UnknownFormat, choose, negotiate
from .pool import ClientGone, MemoryLimit, Overloaded, QueryPool, QueryTimeout, WorkerFailed
from .querylog import QueryLog
from .security import RateLimiter, check_token, client_address, refused_remote, retry_after
from .settings import EndpointSettings
from .wire import Result

PROTOCOL_PATHS = ("/sparql", "/update", "/store")  # the routes of Protocol: each applies the rate limit itself
TRUNCATED_HEADER = "X-Patrimoine-Truncated"
ROWS_HEADER = "X-Patrimoine-Rows"
FORM = "application/x-www-form-urlencoded"
# Graph Store: triple formats only (a graph is a set of triples).
STORE_FORMATS = tuple(f for f in GRAPH_FORMATS if f.name in ("turtle", "ntriples", "rdfxml", "jsonld"))
UPLOAD_FORMATS = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "ntriples",
                  "text/plain": "ntriples", "application/rdf+xml": "rdfxml", "application/ld+json": "jsonld"}
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
SD_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                     "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads")


class Refusal(Exception):
    """A request answered with an error status before (or instead of) running."""

    def __init__(self, status: int, message: str, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason
        self.headers = headers or {}


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(message.rstrip("\n") + "\n", status_code=status, media_type="text/plain; charset=utf-8",
                    headers=headers)


class BodyResponse(Response):
    """A whole body and a few headers: Starlette's Response, with its headers written out directly (hot path)."""

    def __init__(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        # no super().__init__: it renders and re-checks every header; ours are known to be plain ASCII
        self.status_code = status
        self.background = None
        self.body = body
        self.raw_headers = [(b"content-type", content_type.encode()), (b"content-length", b"%d" % len(body)),
                            *((k.lower().encode(), v.encode()) for k, v in headers.items())]


class StreamedResponse(Response):
    """A body streamed from a query worker; the worker is given back (or replaced) whatever happens."""

    def __init__(self, result: Result, media_type: str, headers: dict[str, str]) -> None:
        # no super().__init__: it would announce Content-Length: 0 for the empty initial body
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.init_headers(headers)
        self.result = result

    async def __call__(self, scope, receive, send) -> None:
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            async for chunk in self.result.stream:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except (QueryTimeout, WorkerFailed, Overloaded, ClientGone, OSError):
            return  # headers are gone: the unfinished body (the connection closes) tells the client
        finally:
            self.result.release()


class Protocol:
    """The handlers, sharing the settings, the worker pool, the metrics and the query log."""

    def __init__(self, kg: KnowledgeGraph, settings: EndpointSettings, pool: QueryPool, metrics: Metrics,
                 log: QueryLog, limiter: RateLimiter, html_home: bool = False) -> None:
        self.kg = kg
        self.settings = settings
        self.pool = pool
        self.metrics = metrics
        self.log = log
        self.html_home = html_home
        self.limiter = limiter
        self.allowed_hosts = settings.service_hosts
        self._descriptions: dict[tuple[str, str], bytes] = {}
        self._bases: dict[str, str | None] = {}

    def routes(self) -> list[Route]:
        return [
            Route("/sparql", self.sparql, methods=["GET", "POST"], include_in_schema=False),
            Route("/update", self.update, methods=["POST"], include_in_schema=False),
            Route("/store", self.store, methods=["GET", "PUT", "POST", "DELETE"], include_in_schema=False),
        ]

    def invalidate(self) -> None:
        """Forget cached descriptions (after a write)."""
        self._descriptions.clear()

    # -- /sparql -------------------------------------------------------------
    async def sparql(self, request: Request) -> Response:
        return await self._handle(request, "sparql", self._sparql)

    def plain_lookup(self, scope: dict) -> tuple[str, Lookup, Format] | None:
        """The hot case, read straight from the raw request: ``GET /sparql?query=`` with a resource lookup
        and nothing else, in a format the client accepts. Anything else is None and takes the general
        way (which also says what is wrong with a request)."""
        raw = scope["query_string"]
        if scope["method"] != "GET" or not raw.startswith(b"query=") or b"&" in raw:
            return None
        text = unquote_plus(raw[6:].decode("latin-1"))  # as parse_qsl decodes it
        if len(text.encode("utf-8")) > self.settings.max_query_bytes:
            return None
        lookup = resource_lookup(text)
        if lookup is None:
            return None
        accept = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"accept"), None)
        fmt = negotiate(accept, None, lookup.form == "CONSTRUCT")
        return None if fmt is None else (text, lookup, fmt)

    async def lookup(self, request: Request, plan: tuple[str, Lookup, Format]) -> Response:
        """Answer a :meth:`plain_lookup`: the same checks, job, answer and log as the general way."""
        text, lookup, fmt = plan

        async def answer(request: Request, ctx: dict) -> Response:
            ctx["text"] = text
            graph = lookup.form == "CONSTRUCT"
            job = self._job(text, None if graph else fmt, fmt if graph else None, [], [], False, lookup)
            return self._answer(await self._run(request, job, inline=lookup), fmt, ctx)

        return await self._handle(request, "sparql", answer)

    async def _sparql(self, request: Request, ctx: dict) -> Response:
        if request.method == "POST":
            ctype = _media_type(request)
            if ctype == FORM:
                params = await self._form(request, self._body_limit(request))
                if "update" in params:
                    return await self._update(request, ctx, params, None)
                return await self._query(request, ctx, params)
            if ctype == "application/sparql-query":
                params = _query_params(request)
                params.setdefault("query", []).append(
                    _utf8(await self._body(request, self.settings.max_query_bytes)))
                return await self._query(request, ctx, params)
            if ctype == "application/sparql-update":
                params = _query_params(request)
                self._authorize(request)
                return await self._update(request, ctx, params,
                                          _utf8(await self._body(request, self.settings.max_upload_bytes)))
            raise Refusal(415, "send a query as application/x-www-form-urlencoded (query=...) or "
                               "application/sparql-query, an update as update=... or application/sparql-update",
                          "media_type")
        params = _query_params(request)
        if "update" in params:
            raise Refusal(400, "updates must be sent with POST", "bad_request")
        if "query" not in params:
            return self._service_description(request, params)
        return await self._query(request, ctx, params)

    async def _query(self, request: Request, ctx: dict, params: dict[str, list[str]]) -> Response:
        queries = params.get("query", [])
        if len(queries) != 1:
            raise Refusal(400, "give exactly one 'query' parameter", "bad_request")
        text = ctx["text"] = queries[0]
        if len(text.encode("utf-8")) > self.settings.max_query_bytes:
            raise Refusal(413, f"the query is larger than {self.settings.max_query_bytes} bytes", "too_large")
        # A resource lookup (the most common query) names its resources and nothing else: no update,
        # SERVICE or FROM, so the general reading of the text is not needed.
        lookup = resource_lookup(text)
        if lookup is not None:
            form, has_dataset_clause = lookup.form, False
        else:
            analysis = await _analyse(text)
            if analysis.is_update:
                raise Refusal(400, "this is a SPARQL update: POST it as update=... or application/sparql-update",
                              "bad_request")
            why = refused_remote(analysis, self.allowed_hosts)
            if why:
                raise Refusal(403, why, "service")
            form, has_dataset_clause = analysis.form, analysis.has_dataset_clause
        accept = request.headers.get("accept")
        format_param = _format_values(params)
        try:
            if form is None:  # unreadable: the parser will say why; negotiate both kinds
                results_format = negotiate(accept, format_param, False)
                graph_format = negotiate(accept, format_param, True)
            elif form in ("CONSTRUCT", "DESCRIBE"):
                results_format, graph_format = None, self._acceptable(accept, format_param, True)
            else:
                results_format, graph_format = self._acceptable(accept, format_param, False), None
        except UnknownFormat as e:
            raise Refusal(400, f"unknown format {e}; known: {', '.join(FORMAT_NAMES)}", "bad_request") from None
        default_graphs = params.get("default-graph-uri", [])
        named_graphs = params.get("named-graph-uri", [])
        for iri in default_graphs + named_graphs:
            _check_iri(iri)
        job = self._job(text, results_format, graph_format, default_graphs, named_graphs, has_dataset_clause, lookup)
        if lookup is None:
            job["base_iri"] = self._base(request.scope)  # a lookup names absolute IRIs only
        # a lookup whose work the store shows small is answered here, unless the protocol names graphs
        inline = lookup if not (default_graphs or named_graphs) else None
        result = await self._run(request, job, inline=inline)
        fmt = results_format if result.kind == "results" else graph_format
        return self._answer(result, fmt, ctx)

    def _job(self, text: str, results_format: Format | None, graph_format: Format | None,
             default_graphs: list[str], named_graphs: list[str], has_dataset_clause: bool,
             lookup: Lookup | None) -> dict:
        job = {
            "op": "query", "query": text,
            "default_graph": default_graphs or None, "named_graphs": named_graphs or None,
            "own_dataset": has_dataset_clause and not (default_graphs or named_graphs),
            "results_format": results_format.name if results_format else None,
            "graph_format": graph_format.name if graph_format else None,
            "max_rows": self.settings.max_rows,
        }
        if lookup is not None:
            job["bound"] = lookup.bound  # lets the rows of its answer be counted from its terms
        return job

    def _base(self, scope: dict) -> str | None:
        """The base IRI of a request's relative IRIs: the URL it was sent to (SPARQL 1.1 Protocol); None if that
        URL is no IRI (a strange Host header)."""
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
        if host is None:
            server = scope.get("server")
            host = f"{server[0]}:{server[1]}" if server else "localhost"
        url = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"
        if url not in self._bases:
            if len(self._bases) > 64:  # a few names a server answers to; many are clients playing with Host
                self._bases.clear()
            try:
                ox.NamedNode(url)
                self._bases[url] = url
            except ValueError:
                self._bases[url] = None
        return self._bases[url]

    def _acceptable(self, accept: str | None, format_param: list[str], graph: bool) -> Format:
        fmt = negotiate(accept, format_param, graph)
        if fmt is None:
            offers = GRAPH_FORMATS if graph else RESULT_FORMATS
            raise Refusal(406, "none of the accepted media types can hold this result; available: "
                          + ", ".join(dict.fromkeys(f.media_type for f in offers)), "not_acceptable")
        return fmt

    async def _run(self, request: Request, job: dict, write: bool = False, payload: bytes | None = None,
                   inline: Lookup | None = None) -> Result:
        try:
            if write:
                return await self.pool.write(job, payload)
            return await self.pool.run(job, lambda: _disconnected(request), inline=inline)
        except Overloaded as e:
            raise Refusal(503, f"the endpoint is busy ({e}); try again shortly", "overloaded",
                          {"Retry-After": "1"}) from None
        except QueryTimeout:
            raise Refusal(503, f"the request ran longer than the limit of {self.settings.query_timeout:g} s "
                               "and was stopped; make it more selective (LIMIT, more specific patterns)",
                          "timeout", {"Retry-After": retry_after(min(self.settings.query_timeout, 60))}) from None
        except MemoryLimit as e:
            raise Refusal(503, f"{e}; the query was stopped: make it more selective", "memory") from None
        except ClientGone:
            raise Refusal(499, "the client went away; the query was stopped", "client_gone") from None
        except WorkerFailed as e:
            raise Refusal(500, f"the query could not run: {e}", "worker_failed") from None

    def _answer(self, result: Result, fmt: Format | None, ctx: dict) -> Response:
        ctx["rows"] = result.rows
        if result.status == 406 or (result.status == 200 and fmt is None):
            raise Refusal(406, "none of the accepted media types can hold this result", "not_acceptable")
        if result.status >= 400:
            raise Refusal(result.status, result.error or "error", "query_error")
        headers = {"Vary": "Accept"}
        if result.rows is not None:
            headers[ROWS_HEADER] = str(result.rows)
        if result.truncated:
            ctx["truncated"] = True
            self.metrics.truncated += 1
            headers[TRUNCATED_HEADER] = "true"
            headers["X-Patrimoine-Max-Rows"] = str(self.settings.max_rows)
        if result.stream is not None:
            return StreamedResponse(result, fmt.content_type, headers)
        return BodyResponse(result.status, result.body, fmt.content_type, headers)

    # -- updates -------------------------------------------------------------
    async def update(self, request: Request) -> Response:
        return await self._handle(request, "update", self._update_endpoint)

    async def _update_endpoint(self, request: Request, ctx: dict) -> Response:
        ctype = _media_type(request)
        if ctype == FORM:
            params = await self._form(request, self._body_limit(request))
            return await self._update(request, ctx, params, None)
        if ctype == "application/sparql-update":
            params = _query_params(request)
            self._authorize(request)
            return await self._update(request, ctx, params,
                                      _utf8(await self._body(request, self.settings.max_upload_bytes)))
        raise Refusal(415, "send an update as application/x-www-form-urlencoded (update=...) or "
                           "application/sparql-update", "media_type")

    async def _update(self, request: Request, ctx: dict, params: dict[str, list[str]], body: str | None) -> Response:
        ctx["endpoint"] = "update"
        self._authorize(request)
        updates = params.get("update", []) + ([body] if body is not None else [])
        if len(updates) != 1 or "query" in params:
            raise Refusal(400, "give exactly one 'update' (and no 'query')", "bad_request")
        text = ctx["text"] = updates[0]
        if len(text.encode("utf-8")) > self.settings.max_upload_bytes:
            raise Refusal(413, f"the update is larger than {self.settings.max_upload_bytes} bytes", "too_large")
        analysis = await _analyse(text)
        if analysis.form is not None:
            raise Refusal(400, "this is a SPARQL query, not an update: send it as query=...", "bad_request")
        why = refused_remote(analysis, self.allowed_hosts)
        if why:
            raise Refusal(403, why, "service")
        using = params.get("using-graph-uri", [])
        using_named = params.get("using-named-graph-uri", [])
        for iri in using + using_named:
            _check_iri(iri)
        if using or using_named:
            if analysis.has_using:
                raise Refusal(400, "using-graph-uri/using-named-graph-uri cannot be combined with USING or WITH "
                                   "in the update", "bad_request")
            text = add_using(text, using, using_named)
        result = await self._run(request, {"op": "update", "update": text, "base_iri": self._base(request.scope)},
                                 write=True)
        self.invalidate()
        if result.status >= 400:
            raise Refusal(result.status, result.error or "error", "update_error")
        return Response(status_code=204)

    def _authorize(self, request: Request) -> None:
        denied = check_token(request.headers.get("authorization"), self.settings.token)
        if denied is not None:
            headers = {"WWW-Authenticate": 'Bearer realm="patrimoine-kg"'} if denied.status == 401 else None
            raise Refusal(denied.status, denied.message, "unauthorized", headers)

    # -- /store: Graph Store HTTP Protocol -----------------------------------
    async def store(self, request: Request) -> Response:
        return await self._handle(request, "store", self._store)

    async def _store(self, request: Request, ctx: dict) -> Response:
        params = _query_params(request)
        graphs = params.get("graph", [])
        create = request.method == "POST" and not graphs and "default" not in params  # POST to the store itself
        if not create and (("default" in params) == bool(graphs) or len(graphs) > 1):
            raise Refusal(400, "name one graph: ?graph=IRI, or ?default for the default graph", "bad_request")
        graph = f"urn:uuid:{uuid.uuid4()}" if create else graphs[0] if graphs else None
        if graph is not None:
            _check_iri(graph)
        ctx["text"] = f"{request.method} {graph or 'default'}"
        if request.method in ("GET", "HEAD"):
            fmt = choose(request.headers.get("accept"), STORE_FORMATS)
            if _one(params, "format"):
                try:
                    fmt = negotiate(None, _one(params, "format"), True)
                except UnknownFormat as e:
                    raise Refusal(400, f"unknown format {e}", "bad_request") from None
                fmt = fmt if fmt in STORE_FORMATS else None
            if fmt is None:
                raise Refusal(406, "available: " + ", ".join(f.media_type for f in STORE_FORMATS), "not_acceptable")
            result = await self._run(request, {"op": "graph_get", "graph": graph, "format": fmt.name})
            return self._answer(result, fmt, ctx)
        self._authorize(request)
        job: dict[str, Any] = {"op": "graph_write", "method": request.method, "graph": graph}
        payload = None
        if request.method in ("PUT", "POST"):
            body = await self._body(request, self.settings.max_upload_bytes)
            job["parts"], payload = await self._documents(request, body)
        result = await self._run(request, job, write=True, payload=payload)
        self.invalidate()
        if result.status >= 400:
            raise Refusal(result.status, result.error or "error", "update_error")
        if create:  # the new graph's IRI, and where to GET it
            location = str(request.url.replace(query=urlencode({"graph": graph})))
            return Response(status_code=201, headers={"Location": location})
        return Response(status_code=result.status)

    async def _documents(self, request: Request, body: bytes) -> tuple[list[tuple[str, int]], bytes]:
        """The RDF documents of an upload: (format, size) of each, and their bytes one after the other.

        One document, or several as the parts of ``multipart/form-data`` (Graph
        Store Protocol §5.5: they are merged into the graph), each with its
        media type.
        """
        ctype = _media_type(request)
        if ctype != "multipart/form-data":
            name = UPLOAD_FORMATS.get(ctype)
            if name is None:
                raise Refusal(415, "send RDF as one of: " + ", ".join(UPLOAD_FORMATS)
                              + " (or several as multipart/form-data)", "media_type")
            return [(name, len(body))], body
        documents = await run_in_threadpool(_multipart, request.headers["content-type"], body)
        if not documents:
            raise Refusal(400, "the multipart/form-data body has no part", "bad_request")
        parts = []
        for i, (media_type, data) in enumerate(documents, 1):
            name = UPLOAD_FORMATS.get(media_type)
            if name is None:
                raise Refusal(415, f"part {i} is {media_type or 'of no media type'}; send RDF as one of: "
                              + ", ".join(UPLOAD_FORMATS), "media_type")
            parts.append((name, len(data)))
        return parts, b"".join(data for _, data in documents)

    # -- common --------------------------------------------------------------
    async def _handle(self, request: Request, endpoint: str,
                      handler: Callable[[Request, dict], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        client = client_address(request.scope)
        ctx: dict[str, Any] = {"endpoint": endpoint}
        try:
            wait = self.limiter.check(client)
            if wait:
                raise Refusal(429, "too many requests from this address; slow down", "rate_limited",
                              {"Retry-After": retry_after(wait)})
            response = await handler(request, ctx)
        except Refusal as e:
            self.metrics.reject(e.reason)
            response = text_response(e.status, e.message, e.headers)
            ctx["error"] = e.message
        if self.log.enabled and ("text" in ctx or response.status_code >= 400):
            self.log.write(endpoint=ctx["endpoint"], status=response.status_code,
                           seconds=time.perf_counter() - started, client=client, text=ctx.get("text"),
                           rows=ctx.get("rows"), truncated=ctx.get("truncated"), method=request.method,
                           error=ctx.get("error"))
        return response

    def _body_limit(self, request: Request) -> int:
        limit = self.settings.max_query_bytes
        if self.settings.writes_enabled and request.headers.get("authorization"):
            limit = max(limit, self.settings.max_upload_bytes)
        return limit * 3 + 1024  # form encoding can triple the size of a query

    async def _body(self, request: Request, limit: int) -> bytes:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise Refusal(413, f"the request body is larger than {limit} bytes", "too_large")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Refusal(413, f"the request body is larger than {limit} bytes", "too_large")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _form(self, request: Request, limit: int) -> dict[str, list[str]]:
        body = _utf8(await self._body(request, limit))
        params: dict[str, list[str]] = {}
        try:
            for k, v in parse_qsl(body, keep_blank_values=True, strict_parsing=False, errors="strict"):
                params.setdefault(k, []).append(v)
        except UnicodeDecodeError:
            raise Refusal(400, "the form is not UTF-8", "bad_request") from None
        return params

    # -- service description -------------------------------------------------
    def _service_description(self, request: Request, params: dict[str, list[str]]) -> Response:
        accept = request.headers.get("accept") or ""
        if self.html_home and not _format_values(params) and "text/html" in accept.lower():
            return RedirectResponse("/", status_code=303)
        try:
            fmt = self._acceptable(accept, _format_values(params), True)
        except UnknownFormat as e:
            raise Refusal(400, f"unknown format {e}", "bad_request") from None
        endpoint = str(request.url.replace(query="", fragment=""))
        key = (endpoint, fmt.name)
        body = self._descriptions.get(key)
        if body is None:
            body = self._descriptions[key] = self._describe(endpoint, fmt.name)
        return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})

    def _describe(self, endpoint: str, fmt: str) -> bytes:
        lines = [f"<{endpoint}> a <{SD}Service> ;",
                 f"  <{SD}endpoint> <{endpoint}> ;",
                 f"  <{SD}supportedLanguage> <{SD}SPARQL11Query>"
                 + (f", <{SD}SPARQL11Update>" if self.settings.writes_enabled else "") + " ;",
                 f"  <{SD}feature> <{SD}UnionDefaultGraph>"
                 + (f", <{SD}BasicFederatedQuery>" if self.allowed_hosts else "") + " ;",
                 f"  <{SD}defaultEntailmentRegime> <http://www.w3.org/ns/entailment/Simple> ;",
                 "  <{sd}resultFormat> {formats} ;".format(
                     sd=SD, formats=", ".join(f"<{FORMATS_NS}{f}>" for f in SD_RESULT_FORMATS)),
                 f"  <{SD}defaultDataset> _:dataset .",
                 f"_:dataset a <{SD}Dataset> ; <{SD}defaultGraph> _:union .",
                 f"_:union a <{SD}Graph> .", ""]
        for i, d in enumerate(ds for ds in self.kg.datasets() if ds.status == "loaded"):
            lines.append(f"_:dataset <{SD}namedGraph> _:g{i} . _:g{i} a <{SD}NamedGraph> ; <{SD}name> <{d.graph}> ;"
                         f" <{SD}graph> [ a <{SD}Graph> ; <http://rdfs.org/ns/void#triples> {d.triples} ] .")
        turtle = "\n".join(lines)
        graph = ox.parse(turtle.encode(), ox.RdfFormat.TURTLE)
        target = {f.name: f for f in GRAPH_FORMATS}[fmt]
        rdf_format = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                      "rdfxml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD, "trig": ox.RdfFormat.TRIG,
                      "nquads": ox.RdfFormat.N_QUADS}[target.name]
        prefixes = {"sd": SD, "formats": FORMATS_NS, "void": PREFIXES["void"]} if fmt in ("turtle", "trig") else None
        return ox.serialize(graph, format=rdf_format, prefixes=prefixes)


ANALYSE_INLINE = 16384  # characters; a longer text is read in a thread, so that the event loop goes on meanwhile


async def _analyse(text: str) -> Analysis:
    """What the text says (:func:`graph.sparqltext.analyse`); a 400 Refusal if it nests too deep to be parsed."""
    analysis = analyse(text) if len(text) <= ANALYSE_INLINE else await run_in_threadpool(analyse, text)
    if analysis.nesting > MAX_NESTING:
        raise Refusal(400, f"the request nests {analysis.nesting} levels deep, more than the {MAX_NESTING} this "
                           "endpoint parses (brackets, and operators, UNION, OPTIONAL, BIND... in a row, each count "
                           "one level): use VALUES or IN for long lists of alternatives", "too_deep")
    return analysis


async def _disconnected(request: Request) -> None:
    """Returns when the client closes the connection (the request body must already be read)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _query_params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for k, v in parse_qsl(request.scope["query_string"].decode("latin-1"), keep_blank_values=True):
        params.setdefault(k, []).append(v)
    return params


def _multipart(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    """(media type, content) of each part of a ``multipart/form-data`` body (the standard library's MIME reader)."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise Refusal(400, "the multipart/form-data body cannot be read (no boundary?)", "bad_request")
    return [(part.get_content_type() if part.get("content-type") else "", part.get_payload(decode=True) or b"")
            for part in message.iter_parts()]


def _format_values(params: dict[str, list[str]]) -> list[str]:
    """What the request says of its result format besides Accept: ``format=``, and ``output=`` and ``results=``
    (SPARQLWrapper sends all three)."""
    return params.get("format", []) + params.get("output", []) + params.get("results", [])


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "the request body is not UTF-8", "bad_request") from None


def _check_iri(iri: str) -> None:
    try:
        ox.NamedNode(iri)
    except ValueError as e:
        raise Refusal(400, f"not an IRI: {iri!r} ({e})", "bad_request") from None


_QUERY_PARAMS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "The SPARQL query (without it, GET answers the SPARQL Service Description)."},
    {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "description": "IRIs of the graphs whose merge is the default graph (default: the union of all datasets)."},
    {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "description": "IRIs of the graphs GRAPH may match."},
    {"name": "format", "in": "query", "schema": {"type": "string"},
     "description": "Result format overriding Accept: json, xml, csv, tsv (SELECT/ASK); turtle, ntriples, "
                    "rdfxml, jsonld, trig, nquads (CONSTRUCT/DESCRIBE); or a media type."},
]
_QUERY_RESPONSES = {
    "200": {"description": "Results, in the negotiated format. X-Patrimoine-Truncated: true (and \"truncated\": "
                           "true in SPARQL JSON) when the row limit cut them.",
            "content": {f.media_type: {} for f in RESULT_FORMATS + GRAPH_FORMATS}},
    "400": {"description": "Syntax error (the parser's message) or bad parameters."},
    "403": {"description": "SERVICE to a host that is not allowed."},
    "406": {"description": "No acceptable format for this kind of result."},
    "413": {"description": "Query larger than the limit."},
    "429": {"description": "Too many requests from this client (Retry-After)."},
    "503": {"description": "Overloaded, or the query reached the time limit and was stopped (Retry-After); or it "
                           "needed more memory than a query worker may take (no Retry-After: make it more selective)."},
}
_WRITE_RESPONSES = {
    "204": {"description": "Done."},
    "400": {"description": "Syntax error or bad parameters."},
    "401": {"description": "No bearer token."},
    "403": {"description": "Wrong token, writes disabled, or LOAD from a host that is not allowed."},
    "413": {"description": "Larger than the upload limit."},
    "503": {"description": "Time limit reached (nothing was written)."},
}
_GRAPH_PARAMS = [
    {"name": "graph", "in": "query", "schema": {"type": "string"}, "description": "IRI of the named graph."},
    {"name": "default", "in": "query", "schema": {"type": "string"}, "allowEmptyValue": True,
     "description": "Present (no value): the store's default graph."},
]
_BEARER = [{"bearer": []}]

OPENAPI_PATHS: dict[str, Any] = {
    "/sparql": {
        "get": {"tags": ["SPARQL"], "summary": "SPARQL query (or the Service Description without a query)",
                "parameters": _QUERY_PARAMS, "responses": _QUERY_RESPONSES},
        "post": {"tags": ["SPARQL"], "summary": "SPARQL query or update in the request body",
                 "description": "application/sparql-query (the query), application/sparql-update (an update, "
                                "needs the token), or a form with query= or update= and the dataset parameters.",
                 "parameters": _QUERY_PARAMS[1:],
                 "requestBody": {"content": {
                     "application/sparql-query": {"schema": {"type": "string"}},
                     "application/sparql-update": {"schema": {"type": "string"}},
                     FORM: {"schema": {"type": "object", "properties": {
                         "query": {"type": "string"}, "update": {"type": "string"},
                         "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                         "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                         "using-graph-uri": {"type": "array", "items": {"type": "string"}},
                         "using-named-graph-uri": {"type": "array", "items": {"type": "string"}}}}}}},
                 "responses": {**_QUERY_RESPONSES, **_WRITE_RESPONSES}},
    },
    "/update": {
        "post": {"tags": ["SPARQL"], "summary": "SPARQL 1.1 Update (needs the bearer token)", "security": _BEARER,
                 "parameters": [{"name": n, "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
                                for n in ("using-graph-uri", "using-named-graph-uri")],
                 "requestBody": {"content": {"application/sparql-update": {"schema": {"type": "string"}},
                                             FORM: {"schema": {"type": "object",
                                                               "properties": {"update": {"type": "string"}}}}}},
                 "responses": _WRITE_RESPONSES},
    },
    "/store": {
        "get": {"tags": ["Graph Store"], "summary": "A graph's triples (Turtle, N-Triples, RDF/XML, JSON-LD)",
                "parameters": _GRAPH_PARAMS,
                "responses": {"200": {"description": "The graph."}, "404": {"description": "No such graph."}}},
        **{m: {"tags": ["Graph Store"], "summary": s, "security": _BEARER, "parameters": _GRAPH_PARAMS,
               "requestBody": {"content": {t: {"schema": {"type": "string"}} for t in UPLOAD_FORMATS}},
               "responses": {"201": {"description": "Graph created."}, **_WRITE_RESPONSES}}
           for m, s in (("put", "Replace a graph (needs the token)"), ("post", "Add triples to a graph (needs the token)"))},
        "delete": {"tags": ["Graph Store"], "summary": "Remove a graph (needs the token)", "security": _BEARER,
                   "parameters": _GRAPH_PARAMS,
                   "responses": {"404": {"description": "No such graph."}, **_WRITE_RESPONSES}},
    },
}
OPENAPI_SECURITY_SCHEMES = {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "The token set in PATRIMOINE_TOKEN on the server."}}
