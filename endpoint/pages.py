"""Linked data: every IRI the graph mints under its base IRI dereferences on this server.

A request for the path ``/pop/PA00078014`` is about the IRI ``{base}pop/PA00078014``
(``{base}`` is the graph's base IRI, so the same paths answer whatever the base:
``http://127.0.0.1:8000/`` in a demo, ``https://w3id.org/patrimoine-kg/`` once
that redirects here; a base with a path, such as ``/patrimoine-kg/``, is also
accepted in front of the path).

Why 303 See Other rather than direct answers: these are hash-less slash IRIs
of non-information resources — a monument, a painter, a commune — not of web
pages. Following the W3C TAG's httpRange-14 resolution and "Cool URIs for the
Semantic Web" (§4.3), the IRI of the thing answers ``303 See Other`` to a
document about it, chosen by content negotiation: ``{iri}.html`` for browsers,
``{iri}.ttl``, ``{iri}.jsonld``, ``{iri}.nt`` or ``{iri}.rdf`` for RDF clients
(the redirect carries ``Vary: Accept``). Each document then has its own stable
URL that can be linked, cached, bookmarked and cited without confusing the
building with its description; the cost is one more round trip. Documents
answer directly, without negotiation, and list the other formats in a
``Link: rel="alternate"`` header.

A document holds the resource's triples, those of its ``#fragment`` parts (its
titles, production, protections...), which the HTML page shows on the
resource's page, and up to ``INCOMING_IN_RDF`` links to the resource from
other resources (all of them are a SPARQL query away). An IRI the graph does
not know answers 404 with a page that says what IRIs look like and how to
search.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlencode, urlsplit

import pyoxigraph as ox
from fastapi import APIRouter, Request
from .pool import read_own_store
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from graph.iri import Minter
from graph.namespaces import CRM, DCTERMS, EDM, FOAF, LA, PKG, PREFIXES, RDF, VOID
from graph.output import Count, number
from graph.store import Dataset, KnowledgeGraph

from . import formats, placemap
from .description import Description, Reader, label_in, without_repeated_parts
from .html import Markup, escape, join, link, page, render, safe_url, tag, word
from .language import language, remember, switch_url
from .linked import Linked
from .vocabulary import Vocabulary, prefixed, publication

# First path segments that belong to the endpoint's other routes, never to minted IRIs.
RESERVED = ("sparql", "store", "update", "health", "metrics", "docs", "redoc", "openapi.json", "void", "dcat",
            "dumps", "ui", "static", "quality", ".well-known", "favicon.ico", "robots.txt")
# First path segments of graph/iri.py's scheme, routed explicitly; any other source (sudoc/, lido/...)
# goes through the fallback route.
MINTED = ("pop", "org", "person", "place", "concept", "dataset", "graph")
INCOMING_IN_HTML = 200
INCOMING_IN_RDF = 1000
LABEL_LOOKUPS = 1000
IMAGES_SHOWN = 12

IMAGE_PROPERTIES = {EDM.iri("isShownBy"), EDM.iri("object"), EDM.iri("hasView")}
# Linked Art: an image (visual item) is digitally shown by a digital object, a web page is a digital
# object about the record; either is reached at its access point (the URL).
SHOWN_BY, ACCESS_POINT = LA.iri("digitally_shown_by"), LA.iri("access_point")
SUBJECT_OF = CRM.iri("P129i_is_subject_of")
TYPE = RDF.iri("type")
IN_DATASET = VOID.iri("inDataset")
PRIMARY_TOPIC = ox.NamedNode(FOAF.iri("primaryTopic"))
# SHA-256 digests (one, or a list as pkg:sourceSha256 gives them) are shown by their first characters, whole
# in the title (a tooltip), so that a row of them does not widen the table.
DIGESTS = re.compile(r"[0-9a-f]{64}(?:, [0-9a-f]{64})*")
DIGEST_SHOWN = 12
# Namespace order of the property table: the CRM description first, the EDM view last.
NAMESPACE_ORDER = ("crm", "pkg", "rdfs", "skos", "owl", "foaf", "void", "dcat", "prov", "dc", "dcterms", "edm", "ore")


class MintedPath(Convertor):
    """A path whose first segment is not one of the endpoint's own routes (:data:`RESERVED`)."""

    regex = r"(?!(?:" + "|".join(re.escape(r) for r in RESERVED) + r")(?:/|$))[^/].*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("patrimoine_minted", MintedPath())


def router(kg: KnowledgeGraph, settings: object = None) -> APIRouter:
    """Routes for the IRIs of :data:`MINTED` and, last, a fallback for any other non-reserved path."""
    pages = LinkedDataPages(kg, settings)
    r = APIRouter()
    for kind in MINTED:
        r.add_api_route(f"/{kind}/{{rest:path}}", pages.dereference, methods=["GET"],
                        summary=f"Dereference a {kind}/… IRI (303 to a document by content negotiation)",
                        tags=["linked data"], operation_id=f"dereference_{kind}")
        r.add_api_route(f"/{kind}/{{rest:path}}", pages.dereference, methods=["HEAD"], include_in_schema=False)
    r.add_api_route("/{path:patrimoine_minted}", pages.dereference, methods=["GET", "HEAD"],
                    include_in_schema=False)
    return r


_LANGUAGE: ContextVar[str] = ContextVar("page_language", default="en")


class LinkedDataPages:
    def __init__(self, kg: KnowledgeGraph, settings: object = None) -> None:
        self.kg = kg
        self.base = kg.minter.base
        self.base_path = urlsplit(self.base).path or "/"
        self.reader = Reader(kg)
        Vocabulary.default()  # read once, before the first request
        self.linked = Linked(kg, self.local)

    @property
    def vocabulary(self) -> Vocabulary:
        """The vocabulary's labels in the language of the page being made (set per request)."""
        return Vocabulary.default(_LANGUAGE.get())

    # -- routing -------------------------------------------------------------
    def relative_path(self, request: Request) -> str:
        """The request's path relative to the base IRI, still percent-encoded as the IRIs are."""
        raw = request.scope.get("raw_path") or request.url.path.encode()
        path = raw.decode("ascii", errors="replace").split("?", 1)[0]
        if self.base_path != "/" and path.startswith(self.base_path):
            return path[len(self.base_path):]
        return path.lstrip("/")

    async def dereference(self, request: Request) -> Response:
        rel = self.relative_path(request)
        return await read_own_store(request, self._answer, request, rel)

    def _answer(self, request: Request, rel: str) -> Response:
        response = self._negotiated(request, rel)
        if response.media_type is not None and response.media_type.startswith("text/html"):
            remember(response, request)
        return response

    def _negotiated(self, request: Request, rel: str) -> Response:
        accept = request.headers.get("accept")
        lang, switch = language(request), switch_url(request, language(request))
        _LANGUAGE.set(lang)
        iri = self.base + rel
        try:
            ox.NamedNode(iri)
        except ValueError:  # characters no IRI may hold: nothing minted can have them
            return self._not_found(iri, rel, accept, lang, switch)
        if self.reader.exists(iri):
            fmt = formats.negotiate(accept)
            if fmt is None:
                return self._not_acceptable(rel)
            location = "/" + rel + "." + fmt.ext
            return RedirectResponse(location, status_code=303, headers={"Vary": "Accept"})
        stem, dot, ext = rel.rpartition(".")
        if dot and ext in formats.BY_EXT and stem:
            fmt = formats.BY_EXT[ext]
            limit = INCOMING_IN_HTML if fmt is formats.HTML else INCOMING_IN_RDF
            desc = self.reader.describe(self.base + stem, limit)
            if desc:
                return self._document(desc, stem, fmt, lang, switch)
        return self._not_found(iri, rel, accept, lang, switch)

    def _alternates(self, stem: str) -> str:
        return ", ".join(f'</{stem}.{f.ext}>; rel="alternate"; type="{f.media_type}"' for f in formats.ALL)

    def _document(self, desc: Description, stem: str, fmt: formats.DocFormat, lang: str = "en",
                  switch: str | None = None) -> Response:
        headers = {"Link": self._alternates(stem) + f', <{desc.iri}>; rel="describes"'}
        if fmt is formats.HTML:
            return HTMLResponse(self.html(desc, stem, lang, switch), headers=headers)
        doc = ox.NamedNode(f"{desc.iri}.{fmt.ext}")
        triples = [*desc.triples, *desc.incoming, ox.Triple(doc, PRIMARY_TOPIC, ox.NamedNode(desc.iri))]
        try:
            body = formats.serialize(triples, fmt, PREFIXES)
        except ValueError as e:  # RDF/XML cannot write every predicate IRI
            return PlainTextResponse(f"this description cannot be written as {fmt.media_type}: {e}\n",
                                     status_code=406)
        return Response(body, media_type=fmt.content_type, headers=headers)

    def _not_acceptable(self, rel: str) -> Response:
        offered = ", ".join(f.media_type for f in formats.ALL)
        return PlainTextResponse(f"406 Not Acceptable: this resource is available as {offered}"
                                 f" (or ask /{rel}.ttl, .jsonld, .nt, .rdf, .html)\n",
                                 status_code=406, headers={"Vary": "Accept"})

    def _not_found(self, iri: str, rel: str, accept: str | None, lang: str = "en", switch: str | None = None) -> Response:
        if formats.negotiate(accept) is not formats.HTML:
            return PlainTextResponse(f"404 Not Found: the graph has nothing about <{iri}>\n", status_code=404)
        needle = unquote(rel.rsplit("/", 1)[-1]).rsplit(".", 1)[0][:80]
        examples = [{"href": "/" + e[len(self.base):], "iri": e} for e in self.example_iris()]
        body = Markup(render("not_found.html", lang, iri=iri, base=self.base, needle=needle, root="/",
                             examples=examples, search=search_link(needle)))
        return HTMLResponse(page(word("not_found_title", lang), body, lang=lang, switch=switch), status_code=404)

    def example_iris(self, n: int = 3) -> list[str]:
        q = f"SELECT DISTINCT ?s WHERE {{ ?s <{IN_DATASET}> ?d }} LIMIT {n}"
        return [row["s"].value for row in self.kg.query(q) if isinstance(row["s"], ox.NamedNode)]

    # -- the HTML page ---------------------------------------------------------
    def local(self, iri: str) -> str:
        """Where a page links to show ``iri``: on this server when it is ours, else the IRI itself."""
        if iri.startswith(self.base):
            rest = iri[len(self.base):]
            return "/" + quote(rest, safe="/%#:@!$&'()*+,;=-._~")
        return iri

    def html(self, desc: Description, stem: str, lang: str = "en", switch: str | None = None) -> str:
        labels = self._labels(desc)
        title = labels.get(desc.iri) or unquote(stem.rsplit("/", 1)[-1])
        shown = without_repeated_parts(desc)
        own = [t for t in shown.triples if _subject(t) == desc.iri]
        types = [t.object.value for t in own if t.predicate.value == TYPE and isinstance(t.object, ox.NamedNode)]
        names = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML"}
        points = placemap.points(desc.triples)
        body = Markup(render(
            "resource.html", lang, title=title, iri=desc.iri, chips=[self._type_chip(c) for c in types],
            data_formats=[{"href": f"/{stem}.{f.ext}", "type": f.media_type, "name": names[f.ext]}
                          for f in formats.RDF_ONLY],
            map=placemap.section(points, labels, word("location", lang)),
            **self._images(desc, labels), **self._datasets(desc, own), graph=self._graph(desc.iri),
            properties=self._properties(shown, own, labels, skip_types=True),
            linked=self.linked.sections(desc.iri, lang, points),  # a commune's, a person's, an institution's links
            parts=[self._part(shown, p, labels) for p in shown.parts], incoming=self._incoming(desc, labels)))
        head = Markup("".join(f'<link rel="alternate" type="{f.media_type}" href="/{escape(stem)}.{f.ext}">'
                              for f in formats.RDF_ONLY))
        return page(title, body, head=head, lang=lang, switch=switch)

    def _labels(self, desc: Description) -> dict[str, str]:
        labels: dict[str, str] = {}
        own_nodes = {desc.iri, *desc.parts}
        for node in own_nodes:
            if found := label_in(desc.triples, node):
                labels[node] = found
        wanted: list[str] = []
        for t in [*desc.triples, *desc.incoming]:
            for term in (t.subject, t.object):
                if isinstance(term, ox.NamedNode) and term.value not in own_nodes and term.value.startswith(self.base):
                    wanted.append(term.value)
        for iri in list(dict.fromkeys(wanted))[:LABEL_LOOKUPS]:
            if found := self.reader.label(iri):
                labels[iri] = found
        for visual, url in _reached(desc.triples, SHOWN_BY):  # image captions
            if caption := labels.get(visual) or self.reader.label(visual):
                labels[url] = caption
        return labels

    def _type_chip(self, cls: str) -> Markup:
        term = self.vocabulary.term(cls)
        return link(cls, term.label, class_="chip", title=term.prefixed)

    def value(self, term: object, labels: dict[str, str], own: set[str]) -> Markup:
        if isinstance(term, ox.NamedNode):
            iri = term.value
            if iri in own:
                fragment = iri.split("#", 1)[1] if "#" in iri else ""
                return link(f"#{fragment}", labels.get(iri) or f"#{fragment}", title=iri)
            if iri.startswith(self.base):
                return link(self.local(iri), labels.get(iri) or prefixed(iri), title=iri)
            if iri in labels:
                return link(iri, labels[iri], title=iri, rel="nofollow", class_="external")
            term = self.vocabulary.term(iri)
            shown = link(iri, term.label, title=iri, rel="nofollow", class_="external")
            return shown + tag("span", term.prefixed, class_="datatype") if term.label != term.prefixed else shown
        if isinstance(term, ox.Literal):
            if DIGESTS.fullmatch(term.value):
                return join((tag("span", d[:DIGEST_SHOWN] + "…", class_="literal digest", title=d)
                             for d in term.value.split(", ")), ", ")
            text = escape(term.value)
            extra = ""
            if term.language:
                extra = tag("span", term.language, class_="lang")
            elif term.datatype.value not in ("http://www.w3.org/2001/XMLSchema#string",):
                extra = tag("span", prefixed(term.datatype.value), class_="datatype")
            cls = "literal long" if len(term.value) > 160 else "literal"
            return Markup(tag("span", text, class_=cls) + " " + extra)
        return escape(str(term))

    def _property_rows(self, triples: Iterable[ox.Triple], labels: dict[str, str], own: set[str],
                       skip_types: bool = False) -> list[Markup]:
        by_predicate: dict[str, list[object]] = {}
        for t in triples:
            if skip_types and t.predicate.value == TYPE:
                continue
            by_predicate.setdefault(t.predicate.value, []).append(t.object)
        rows = []
        for predicate in sorted(by_predicate, key=self._predicate_order):
            term = self.vocabulary.term(predicate)
            head = Markup(link(predicate, term.label, title=predicate, class_="property")
                          + tag("span", term.prefixed, class_="prefixed"))
            values = [tag("li", self.value(o, labels, own)) for o in by_predicate[predicate]]
            rows.append(tag("tr", Markup(tag("th", head, scope="row") + tag("td", tag("ul", join(values))))))
        return rows

    def _predicate_order(self, predicate: str) -> tuple[int, str]:
        short = prefixed(predicate)
        prefix = short.split(":", 1)[0] if ":" in short and not short.startswith("http") else ""
        rank = NAMESPACE_ORDER.index(prefix) if prefix in NAMESPACE_ORDER else len(NAMESPACE_ORDER)
        if predicate == TYPE:
            rank = -1
        return rank, self.vocabulary.label(predicate).lower()

    def _properties(self, desc: Description, triples: list[ox.Triple], labels: dict[str, str],
                    skip_types: bool = False) -> Markup:
        own = {desc.iri, *desc.parts}
        rows = self._property_rows(triples, labels, own, skip_types)
        return tag("table", join(rows, "\n"), class_="properties") if rows else Markup("")

    def _part(self, desc: Description, part: str, labels: dict[str, str]) -> Markup:
        fragment = part.split("#", 1)[1]
        triples = [t for t in desc.triples if _subject(t) == part]
        label = labels.get(part)
        heading = tag("h3", Markup(escape(label) + " " + tag("span", f"#{fragment}", class_="fragment"))
                      if label else f"#{fragment}")
        return tag("section", Markup(heading + self._properties(desc, triples, labels)), id=fragment, class_="part")

    def _images(self, desc: Description, labels: dict[str, str]) -> dict[str, object]:
        urls = [t.object.value for t in desc.triples
                if t.predicate.value in IMAGE_PROPERTIES and isinstance(t.object, ox.NamedNode)]
        urls += [url for _, url in _reached(desc.triples, SHOWN_BY)]
        urls = list(dict.fromkeys(u for u in urls if u.startswith(("http://", "https://"))))
        images = [{"url": url, "thumbnail": thumbnail(url), "caption": labels.get(url, "")} for url in urls[:IMAGES_SHOWN]]
        return {"images": images, "more_images": Count(max(0, len(urls) - IMAGES_SHOWN), _LANGUAGE.get())}

    def _datasets(self, desc: Description, own: list[ox.Triple]) -> dict[str, object]:
        """The record's source: the catalogue's description of the dataset it was loaded from."""
        wanted = {t.object.value for t in own if t.predicate.value == IN_DATASET and isinstance(t.object, ox.NamedNode)}
        wanted.add(desc.iri)  # a dataset's own page
        datasets = [dataset_fields(d, self.kg, _LANGUAGE.get()) for d in self.kg.datasets()
                    if Minter.plain(self.kg.minter.dataset(d.name)) in wanted]
        pages = list(dict.fromkeys(url for node, url in _reached(desc.triples, SUBJECT_OF) if node == desc.iri))
        return {"datasets": datasets, "source_pages": [p for p in pages if safe_url(p)]}

    def _graph(self, iri: str) -> dict[str, object] | None:
        if not self.reader.is_graph(iri):
            return None
        dataset = next((d for d in self.kg.datasets() if d.graph == iri), None)
        if dataset is not None:  # its size is in the catalogue; counting a large graph would take a while
            return {"triples": Count(dataset.triples, _LANGUAGE.get()), "name": dataset.name}
        return {"triples": Count(self.kg.count(f"<{iri}>"), _LANGUAGE.get()), "name": None}

    def _incoming(self, desc: Description, labels: dict[str, str]) -> dict[str, object] | None:
        if not desc.incoming:
            return None
        rows = []
        for t in desc.incoming:
            term = self.vocabulary.term(t.predicate.value)
            rows.append((self.value(t.subject, labels, set()), link(t.predicate.value, term.label, title=term.prefixed)))
        total = number(desc.incoming_total, _LANGUAGE.get()) + ("" if desc.incoming_complete else "+")
        query = None
        if desc.incoming_total > len(desc.incoming):
            query = "/?" + urlencode({"query": f"SELECT ?s ?p WHERE {{ ?s ?p <{desc.iri}> }}"})
        return {"rows": rows, "total": total, "shown": len(desc.incoming), "query": query}


def _subject(t: ox.Triple) -> str | None:
    return t.subject.value if isinstance(t.subject, ox.NamedNode) else None


_IIIF_IMAGE = re.compile(r"^(?P<base>https?://.+?)/(?P<region>full|square|\d+,\d+,\d+,\d+|pct:[^/]+)/"
                         r"(?P<size>[^/]+)/(?P<rotation>!?\d+(?:\.\d+)?)/(?P<quality>[a-z]+)\.(?P<fmt>[a-z0-9]+)$")


def thumbnail(url: str) -> str:
    """A small version of an image: IIIF Image API URLs get a 400-pixel size, others are used as they are."""
    if url.endswith("/info.json"):
        return url[: -len("/info.json")] + "/full/!400,400/0/default.jpg"
    m = _IIIF_IMAGE.match(url)
    if m:
        return f"{m.group('base')}/{m.group('region')}/!400,400/{m.group('rotation')}/{m.group('quality')}.{m.group('fmt')}"
    return url


def licence_of(dataset: Dataset, recorded: dict[str, dict] | None = None) -> dict | None:
    """The licence of a dataset's data: by its source format (endpoint/publication.json), else the one the
    catalogue records for its sources (``recorded``, from :func:`recorded_licences`: a fetched export's)."""
    known = publication()["licences"]
    found = [known.get(f) for f in dataset.format.split(",")]
    # several formats in one dataset: a licence only if they all share it
    if found[0] is not None and all(f == found[0] for f in found):
        return found[0]
    return (recorded or {}).get(dataset.name)


def recorded_licences(kg: KnowledgeGraph) -> dict[str, dict]:
    """Per dataset, the licence (an IRI) and publisher the catalogue records for its sources, when every
    source of the dataset gives the same (``patrimoine fetch`` records them from the sources file)."""
    q = f"""SELECT ?name ?source ?licence ?publisher WHERE {{ GRAPH {kg.catalogue} {{
        ?d {PKG.datasetName} ?name ; {DCTERMS.source} ?source .
        OPTIONAL {{ ?source {DCTERMS.license} ?licence FILTER(isIRI(?licence)) }}
        OPTIONAL {{ ?source {DCTERMS.publisher} ?publisher }} }} }}"""
    given: dict[str, set[tuple[str | None, str]]] = {}
    for row in kg.store.query(q):
        licence, publisher = row["licence"], row["publisher"]
        given.setdefault(row["name"].value, set()).add(
            (licence.value if licence is not None else None, publisher.value if publisher is not None else ""))
    labels = {lic["iri"]: lic["label"] for lic in publication()["licences"].values()}
    out = {}
    for name, licences in given.items():
        if len(licences) == 1 and (only := next(iter(licences)))[0] is not None:
            out[name] = {"iri": only[0], "label": labels.get(only[0], only[0]), "publisher": only[1]}
    return out


def dataset_fields(d: Dataset, kg: KnowledgeGraph, lang: str = "en") -> dict[str, object]:
    """What templates/dataset.html shows of a dataset."""
    iri = Minter.plain(kg.minter.dataset(d.name))
    local = "/" + iri[len(kg.minter.base):] if iri.startswith(kg.minter.base) else iri
    lic = licence_of(d, recorded_licences(kg))
    return {"name": d.name, "local": local, "sources": d.source.split(", "), "format": d.format, "loaded_at": d.loaded_at,
            "loaded": Count(d.records_loaded, lang), "read": Count(d.records_read, lang),
            "rejected": Count(d.records_rejected, lang), "skipped": Count(d.records_skipped, lang), "region": d.region,
            "triples": Count(d.triples, lang),
            "licence": lic if lic and safe_url(lic["iri"]) else None}


def search_link(needle: str) -> str:
    """The query UI, opened on a label search for ``needle``."""
    text = needle.replace("\\", "\\\\").replace('"', '\\"').lower()
    q = (f"PREFIX rdfs: <{PREFIXES['rdfs']}>\n"
         f"SELECT ?resource ?label WHERE {{\n  ?resource rdfs:label ?label\n"
         f"  FILTER(CONTAINS(LCASE(STR(?label)), \"{text}\"))\n}} LIMIT 50")
    return "/?" + urlencode({"query": q})


def _reached(triples: list[ox.Triple], via: str) -> list[tuple[str, str]]:
    """(node, URL) for each node that reaches a digital object through ``via``, and it an access point."""
    points = {t.subject.value: t.object.value for t in triples
              if t.predicate.value == ACCESS_POINT and isinstance(t.object, ox.NamedNode)}
    return [(t.subject.value, points[t.object.value]) for t in triples
            if t.predicate.value == via and t.object.value in points]
