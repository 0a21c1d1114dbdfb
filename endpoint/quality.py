"""``/quality`` and ``/quality/{dataset}``: the data-quality report, as ``patrimoine validate`` writes it.

The HTML page speaks French or English (:mod:`endpoint.language`), with links
to the CSV, JSON and Turtle forms (``?format=``) and to each record's page on
this server. A report is computed once and kept until the data changes (a
dataset loaded, reloaded or dropped: the catalogue says so); computing it
reads the server's own store under the read gate. A request waits for it at
most the query time limit, then gets 503 with Retry-After while the work goes
on and fills the cache.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from graph.records import PatrimoineError
from graph.store import KnowledgeGraph
from graph.validation.report import Report
from graph.validation.run import quality_report

from .language import language, remember, switch_url
from .pool import read_own_store
from .security import CONTENT_SECURITY_POLICY

FORMATS = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8",
           "json": "application/json", "ttl": "text/turtle; charset=utf-8"}
FORMAT_NAMES = {"csv": "CSV", "json": "JSON", "ttl": "Turtle (SHACL)"}
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def style_policy(page: str) -> str:
    """The server's policy, allowing the page's own inline style block (the report is self-contained)."""
    hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
                      for m in _STYLE.findall(page))
    return CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' {hashes}", 1)


class QualityReports:
    """The reports of one server process, each kept with the state of the catalogue it was computed for."""

    def __init__(self, kg: KnowledgeGraph, timeout: float) -> None:
        self.kg = kg
        self.timeout = timeout
        self._cache: dict[str | None, tuple[tuple, Report]] = {}
        self._running: dict[tuple, asyncio.Future] = {}

    def state(self) -> tuple:
        return tuple((d.name, d.status, d.loaded_at, d.sha256, d.triples) for d in self.kg.datasets())

    def compute(self, dataset: str | None) -> tuple[tuple, Report]:
        state = self.state()
        return state, quality_report(self.kg, dataset=dataset)

    async def get(self, request: Request, dataset: str | None) -> Report | None:
        """The report, or None when it is still being computed after the time limit."""
        state = await read_own_store(request, self.state)
        cached = self._cache.get(dataset)
        if cached is not None and cached[0] == state:
            return cached[1]
        key = (dataset, state)
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(read_own_store(request, self.compute, dataset))
            self._running[key] = task
            task.add_done_callback(lambda t: self._done(key, t))
        try:
            return (await asyncio.wait_for(asyncio.shield(task), self.timeout))[1]
        except asyncio.TimeoutError:
            return None

    def _done(self, key: tuple, task: asyncio.Future) -> None:
        self._running.pop(key, None)
        if not task.cancelled() and task.exception() is None:
            state, report = task.result()
            self._cache[key[0]] = (state, report)


def router(kg: KnowledgeGraph, settings: object = None) -> APIRouter:
    reports = QualityReports(kg, getattr(settings, "query_timeout", 30.0))
    base = kg.minter.base
    r = APIRouter()

    def page_of(iri: str) -> str:
        """A record's page on this server (its IRI when it is not one the graph mints)."""
        return "/" + iri[len(base):] if iri.startswith(base) else iri

    async def answer(request: Request, dataset: str | None) -> Response:
        fmt = request.query_params.get("format", "html")
        if fmt not in FORMATS:
            return PlainTextResponse(f"format {fmt!r}: choose one of {', '.join(FORMATS)}\n", status_code=400)
        lang = language(request)
        try:
            report = await reports.get(request, dataset)
        except PatrimoineError as e:
            return PlainTextResponse(f"{e}\n", status_code=404)
        if report is None:
            wait = "Le rapport est en préparation ; réessayez dans un moment." if lang == "fr" else \
                "The report is being prepared; try again in a moment."
            return PlainTextResponse(wait + "\n", status_code=503, headers={"Retry-After": "10"})
        if fmt != "html":
            name = f"quality-{dataset or 'all'}.{fmt}"
            response = Response(report.render(fmt, lang), media_type=FORMATS[fmt],
                                headers={"Content-Disposition": f'inline; filename="{name}"'})
        else:
            path = request.url.path
            formats = {FORMAT_NAMES[f]: f"{path}?format={f}&lang={lang}" for f in FORMAT_NAMES}
            page = report.render_html(lang, link=page_of, switch=switch_url(request, lang), formats=formats,
                                      dataset_link=lambda name: f"/quality/{quote(name, safe='')}?lang={lang}")
            response = HTMLResponse(page, headers={"Content-Security-Policy": style_policy(page)})
        remember(response, request)
        return response

    @r.get("/quality", tags=["quality"], summary="Data-quality report of every dataset (HTML, CSV, JSON, Turtle)")
    async def quality(request: Request) -> Response:
        return await answer(request, None)

    @r.get("/quality/{dataset}", tags=["quality"], summary="Data-quality report of one dataset")
    async def quality_of(request: Request, dataset: str) -> Response:
        return await answer(request, quote(dataset, safe="-._"))

    return r
