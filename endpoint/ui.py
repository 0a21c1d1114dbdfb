"""The query UI at ``/``: YASGUI served from this installation, with example queries preloaded.

Nothing is fetched from elsewhere: YASGUI's build is in endpoint/static/yasgui/
(scripts/build_ui.py copies it from npm), its vocabulary autocompletion that
would call an external service is turned off, and it queries ``/sparql`` on
the same origin. The examples (endpoint/static/queries.json) get the PREFIX
lines of the prefixes they use and a ``BASE`` line set to the graph's base
IRI, so ``<graph/catalogue>`` or ``<concept/...>`` name the graph's own IRIs
whatever the base.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from .pool import read_own_store
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from graph.namespaces import PREFIXES
from graph.output import Count
from graph.store import KnowledgeGraph

from .html import Markup, page, render, word
from .language import language, remember, switch_url

STATIC = Path(__file__).resolve().parent / "static"
QUERIES = STATIC / "queries.json"
# Shown in every new query, whether used or not: the vocabularies people start from.
DEFAULT_PREFIXES = ("crm", "edm", "skos", "dc", "dcterms", "owl", "rdfs", "pkg")
_RELATIVE_IRI = re.compile(r"<(?![A-Za-z][A-Za-z0-9+.-]*:)[^<>\s]*>")


@cache
def _examples_source() -> dict:
    return json.loads(QUERIES.read_text(encoding="utf-8"))


def prefix_lines(query: str, always: tuple[str, ...] = ()) -> str:
    """The PREFIX declarations ``query`` needs (and those of ``always``), in graph/namespaces.py's order."""
    used = set(re.findall(r"(?<![\w?$:<])([A-Za-z][\w-]*):(?=[\w-]|\s)", query))
    return "".join(f"PREFIX {p}: <{uri}>\n" for p, uri in PREFIXES.items() if p in used or p in always)


def full_query(body: str, base: str) -> str:
    """An example as it is run: BASE (when it has relative IRIs), PREFIX lines (the usual ones and
    those it uses), then the query."""
    head = f"BASE <{base}>\n" if _RELATIVE_IRI.search(body) else ""
    return head + prefix_lines(body, DEFAULT_PREFIXES) + body


def example_queries(base: str, lang: str = "en") -> list[dict[str, str]]:
    """Every example with its full text and its title in ``lang``, as the UI shows and runs it."""
    source = _examples_source()
    return [{"id": q["id"], "audience": q["audience"], "title": q["title"][lang], "query": full_query(q["query"], base)}
            for q in source["queries"]]


def script_json(value: object) -> Markup:
    """JSON safe inside a ``<script>`` element (no ``</script>`` or ``<!--`` can appear)."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def router(kg: KnowledgeGraph, settings: object = None) -> APIRouter:
    base = kg.minter.base
    sparql_path = getattr(settings, "sparql_path", "/sparql")
    r = APIRouter()

    def groups(examples: list[dict[str, str]], lang: str) -> list[tuple[str, list[dict[str, str]]]]:
        return [(heading[lang], [e for e in examples if e["audience"] == audience])
                for audience, heading in _examples_source()["audiences"].items()
                if any(e["audience"] == audience for e in examples)]

    def counts() -> tuple[int, int]:
        datasets = [d for d in kg.datasets() if d.status == "loaded"]
        return len(datasets), sum(d.triples for d in datasets)

    @r.get("/", response_class=HTMLResponse, tags=["query UI"], summary="The SPARQL query UI (YASGUI)")
    async def query_ui(request: Request) -> HTMLResponse:
        lang = language(request)
        n_datasets, n_triples = await read_own_store(request, counts)
        endpoint = str(request.base_url).rstrip("/") + sparql_path
        examples = example_queries(base, lang)
        default = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in DEFAULT_PREFIXES) + \
            "\nSELECT * WHERE {\n  ?s ?p ?o\n}\nLIMIT 10\n"
        config = {"endpoint": sparql_path, "examples": examples, "defaultQuery": examples[0]["query"] if examples
                  else default, "emptyQuery": default, "prefixes": PREFIXES}
        body = Markup(render("ui.html", lang, endpoint=endpoint, triples=Count(n_triples, lang),
                             datasets=Count(n_datasets, lang),
                             base=base, groups=groups(examples, lang), config=script_json(config), root="/"))
        head = Markup('<link rel="stylesheet" href="/ui/yasgui/yasgui.min.css">')
        response = HTMLResponse(page(word("ui_title", lang), body, head=head, main_class="wide", lang=lang,
                                     switch=switch_url(request, lang)))
        remember(response, request)
        return response

    r.mount("/ui", StaticFiles(directory=STATIC), name="ui")
    return r
