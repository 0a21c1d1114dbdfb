"""Discovery and reuse: VoID and DCAT descriptions of the datasets, and their downloadable dumps.

* ``/void`` (and ``/.well-known/void``, VoID §7.2): the knowledge graph as a
  ``void:Dataset`` with one subset per dataset — triple and entity counts,
  class partitions, licence, SPARQL endpoint, dumps, vocabularies.
* ``/dcat``: a ``dcat:Catalog`` of the same datasets with their distributions
  and the SPARQL endpoint as a ``dcat:DataService``.
* ``/dumps/``: the list; ``/dumps/{dataset}.nt.gz`` and ``/dumps/{dataset}.ttl``
  one dataset's named graph, ``/dumps/all.nt.gz`` and ``/dumps/all.ttl`` every
  visible graph (the catalogue included), streamed (endpoint/dumps.py).
  In ``all``, a triple stated by several datasets (a shared concept) appears
  once per dataset: the same RDF graph, read with set semantics.

Counts come from the catalogue (``kg.datasets()``): what each load recorded.
Licences come from endpoint/publication.json by source format (POP data is
under the Licence Ouverte / Open Licence Etalab 2.0); a source whose licence
we do not know gets no licence statement rather than a guessed one. The
descriptions are served as Turtle, N-Triples, JSON-LD or RDF/XML by content
negotiation, and as an HTML page showing the Turtle to a browser.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse

from graph.iri import Minter
from graph.namespaces import CRM, DC, DCAT, DCTERMS, DIG, EDM, FOAF, LA, ORE, PKG, PREFIXES, RDF, RDFS, SKOS, VOID, XSD
from graph.store import Dataset, KnowledgeGraph

from . import dumps, formats
from .pool import gated, read_own_store
from .html import Markup, page, render, word
from .language import language, remember, switch_url
from .pages import dataset_fields, licence_of, recorded_licences
from .vocabulary import publication

ALL = "all"
OFFERED = (formats.TURTLE, formats.JSON_LD, formats.N_TRIPLES, formats.RDF_XML, formats.HTML)
DUMP_FORMATS = {"nt.gz": (ox.RdfFormat.N_TRIPLES, True, "application/gzip"),
                "ttl": (ox.RdfFormat.TURTLE, False, "text/turtle; charset=utf-8")}
MEDIA_TYPE_IRI = "https://www.iana.org/assignments/media-types/"
VOCABULARIES = (CRM.uri, LA.uri, DIG.uri, EDM.uri, ORE.uri, DC.uri, DCTERMS.uri, SKOS.uri, RDFS.uri, FOAF.uri, PKG.uri)
NT_FEATURE = "http://www.w3.org/ns/formats/N-Triples"
TTL_FEATURE = "http://www.w3.org/ns/formats/Turtle"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_n(XSD.iri("integer")))


def _text(value: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def _datetime(value: str) -> ox.Literal | None:
    return ox.Literal(value, datatype=_n(XSD.iri("dateTime"))) if value else None


class Triples(list):
    def add(self, s: ox.NamedNode | ox.BlankNode, p: str, o: object) -> None:
        if o is not None:
            self.append(ox.Triple(s, _n(p), o))

    def grouped(self) -> list[ox.Triple]:
        """The triples with each subject's together (in order of first mention), for readable Turtle."""
        by_subject: dict[object, list[ox.Triple]] = {}
        for t in self:
            by_subject.setdefault(t.subject, []).append(t)
        return [t for triples in by_subject.values() for t in triples]


class Discovery:
    def __init__(self, kg: KnowledgeGraph, settings: object = None) -> None:
        self.kg = kg
        self.base = kg.minter.base
        self.sparql_path = getattr(settings, "sparql_path", "/sparql")
        self._class_partitions: dict[tuple[str, str], list[tuple[str, int]]] = {}

    # -- what there is --------------------------------------------------------
    def datasets(self) -> list[Dataset]:
        return [d for d in self.kg.datasets() if d.status == "loaded"]

    def dataset_iri(self, d: Dataset) -> ox.NamedNode:
        return _n(Minter.plain(self.kg.minter.dataset(d.name)))

    def whole(self) -> ox.NamedNode:
        return _n(f"{self.base}void#patrimoine-kg")

    def catalogue_triples(self) -> int:
        return self.kg.count(self.kg.catalogue)

    def class_partitions(self, d: Dataset) -> list[tuple[str, int]]:
        """(class, instances) in a dataset's graph; computed once per load of the dataset."""
        key = (d.graph, d.loaded_at)
        if key not in self._class_partitions:
            q = (f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{d.graph}> {{ ?s a ?c }} }}"
                 " GROUP BY ?c ORDER BY DESC(?n) ?c")
            self._class_partitions[key] = [(row["c"].value, int(row["n"].value))
                                           for row in self.kg.store.query(q) if isinstance(row["c"], ox.NamedNode)]
        return self._class_partitions[key]

    def example_resources(self, n: int = 3) -> list[str]:
        q = f"SELECT DISTINCT ?s WHERE {{ ?s <{VOID.iri('inDataset')}> ?d }} ORDER BY ?s LIMIT {n}"
        return [row["s"].value for row in self.kg.query(q)]

    # -- VoID ---------------------------------------------------------------
    def void(self, public: str) -> Triples:
        site = publication()
        t = Triples()
        doc, kg_ds = _n(public + "void"), self.whole()
        datasets = self.datasets()
        t.add(doc, RDF.iri("type"), _n(VOID.iri("DatasetDescription")))
        t.add(doc, DCTERMS.iri("title"), _text(f"VoID description of {site['title']}", "en"))
        t.add(doc, FOAF.iri("primaryTopic"), kg_ds)
        t.add(kg_ds, RDF.iri("type"), _n(VOID.iri("Dataset")))
        t.add(kg_ds, DCTERMS.iri("title"), _text(site["title"]))
        t.add(kg_ds, DCTERMS.iri("description"), _text(site["description"], "en"))
        t.add(kg_ds, FOAF.iri("homepage"), _n(public))
        t.add(kg_ds, VOID.iri("sparqlEndpoint"), _n(public.rstrip("/") + self.sparql_path))
        t.add(kg_ds, VOID.iri("uriSpace"), _text(self.base))
        for ext in DUMP_FORMATS:
            t.add(kg_ds, VOID.iri("dataDump"), _n(f"{public}dumps/{ALL}.{ext}"))
        t.add(kg_ds, VOID.iri("feature"), _n(NT_FEATURE))
        t.add(kg_ds, VOID.iri("feature"), _n(TTL_FEATURE))
        for vocabulary in VOCABULARIES:
            t.add(kg_ds, VOID.iri("vocabulary"), _n(vocabulary))
        for example in self.example_resources():
            t.add(kg_ds, VOID.iri("exampleResource"), _n(example))
        t.add(kg_ds, VOID.iri("triples"), _int(sum(d.triples for d in datasets) + self.catalogue_triples()))
        t.add(kg_ds, VOID.iri("entities"), _int(sum(d.records_loaded for d in datasets)))
        if datasets:
            t.add(kg_ds, DCTERMS.iri("modified"), _datetime(max(d.loaded_at for d in datasets)))
        recorded = recorded_licences(self.kg)
        licences = {licence_of(d, recorded)["iri"] if licence_of(d, recorded) else None for d in datasets}
        if len(licences) == 1 and None not in licences:
            t.add(kg_ds, DCTERMS.iri("license"), _n(licences.pop()))
        for d in datasets:
            ds = self.dataset_iri(d)
            t.add(kg_ds, VOID.iri("subset"), ds)
            self._void_dataset(t, d, ds, public, recorded)
        return t

    def _void_dataset(self, t: Triples, d: Dataset, ds: ox.NamedNode, public: str, recorded: dict[str, dict]
                      ) -> None:
        t.add(ds, RDF.iri("type"), _n(VOID.iri("Dataset")))
        t.add(ds, DCTERMS.iri("title"), _text(d.name))
        t.add(ds, DCTERMS.iri("identifier"), _text(d.name))
        t.add(ds, VOID.iri("triples"), _int(d.triples))
        t.add(ds, VOID.iri("entities"), _int(d.records_loaded))
        t.add(ds, VOID.iri("sparqlEndpoint"), _n(public.rstrip("/") + self.sparql_path))
        t.add(ds, DCTERMS.iri("modified"), _datetime(d.loaded_at))
        t.add(ds, PKG.iri("graph"), _n(d.graph))
        for ext in DUMP_FORMATS:
            t.add(ds, VOID.iri("dataDump"), _n(f"{public}dumps/{d.name}.{ext}"))
        if lic := licence_of(d, recorded):
            t.add(ds, DCTERMS.iri("license"), _n(lic["iri"]))
            if lic["publisher"]:
                t.add(ds, PKG.iri("dataProvider"), _text(lic["publisher"]))
        for cls, n in self.class_partitions(d):
            part = ox.BlankNode()
            t.add(ds, VOID.iri("classPartition"), part)
            t.add(part, VOID.iri("class"), _n(cls))
            t.add(part, VOID.iri("entities"), _int(n))

    # -- DCAT ---------------------------------------------------------------
    def dcat(self, public: str) -> Triples:
        site = publication()
        t = Triples()
        cat, service = _n(f"{self.base}dcat#catalogue"), _n(f"{self.base}dcat#sparql")
        t.add(cat, RDF.iri("type"), _n(DCAT.iri("Catalog")))
        t.add(cat, DCTERMS.iri("title"), _text(site["title"]))
        t.add(cat, DCTERMS.iri("description"), _text(site["description"], "en"))
        t.add(cat, FOAF.iri("homepage"), _n(public))
        t.add(cat, DCTERMS.iri("language"), _n("http://id.loc.gov/vocabulary/iso639-1/" + site["language"]))
        t.add(cat, DCAT.iri("service"), service)
        t.add(service, RDF.iri("type"), _n(DCAT.iri("DataService")))
        t.add(service, DCTERMS.iri("title"), _text(f"{site['title']} SPARQL endpoint", "en"))
        t.add(service, DCAT.iri("endpointURL"), _n(public.rstrip("/") + self.sparql_path))
        t.add(service, DCAT.iri("endpointDescription"), _n(public + "void"))
        t.add(service, DCTERMS.iri("conformsTo"), _n(SPARQL_PROTOCOL))
        datasets = self.datasets()
        recorded = recorded_licences(self.kg)
        whole = self.whole()
        entries = [(whole, ALL, f"{site['title']}: every dataset", None)] + \
                  [(self.dataset_iri(d), d.name, d.name, d) for d in datasets]
        for ds, name, title, d in entries:
            t.add(cat, DCAT.iri("dataset"), ds)
            t.add(service, DCAT.iri("servesDataset"), ds)
            t.add(ds, RDF.iri("type"), _n(DCAT.iri("Dataset")))
            t.add(ds, DCTERMS.iri("title"), _text(title))
            t.add(ds, DCTERMS.iri("identifier"), _text(name))
            t.add(ds, DCAT.iri("accessService"), service)
            lic = licence_of(d, recorded) if d else None
            if d is None:
                t.add(ds, DCTERMS.iri("description"), _text(site["description"], "en"))
                t.add(ds, VOID.iri("triples"), _int(sum(x.triples for x in datasets) + self.catalogue_triples()))
                lics = {licence_of(x, recorded)["iri"] if licence_of(x, recorded) else None for x in datasets}
                lic_iri = lics.pop() if len(lics) == 1 and None not in lics else None
            else:
                t.add(ds, DCTERMS.iri("description"), _text(
                    f"{d.records_loaded} records loaded from {d.source} ({d.format}); {d.records_rejected} rejected"
                    + (f", {d.records_skipped} outside region {d.region}." if d.region != "all" else "."), "en"))
                t.add(ds, DCTERMS.iri("modified"), _datetime(d.loaded_at))
                t.add(ds, VOID.iri("triples"), _int(d.triples))
                t.add(ds, VOID.iri("entities"), _int(d.records_loaded))
                lic_iri = lic["iri"] if lic else None
                if lic and lic["publisher"]:
                    t.add(ds, PKG.iri("dataProvider"), _text(lic["publisher"]))
            if lic_iri:
                t.add(ds, DCTERMS.iri("license"), _n(lic_iri))
            for ext, (fmt, gz, _media) in DUMP_FORMATS.items():
                dist = _n(f"{self.base}dcat#{name}-{ext.replace('.', '-')}")
                url = _n(f"{public}dumps/{name}.{ext}")
                t.add(ds, DCAT.iri("distribution"), dist)
                t.add(dist, RDF.iri("type"), _n(DCAT.iri("Distribution")))
                t.add(dist, DCTERMS.iri("title"), _text(f"{name} as {'N-Triples (gzip)' if gz else 'Turtle'}", "en"))
                t.add(dist, DCAT.iri("downloadURL"), url)
                t.add(dist, DCAT.iri("accessURL"), url)
                t.add(dist, DCAT.iri("mediaType"), _n(MEDIA_TYPE_IRI + fmt.media_type))
                if gz:
                    t.add(dist, DCAT.iri("compressFormat"), _n(MEDIA_TYPE_IRI + "application/gzip"))
                if lic_iri:
                    t.add(dist, DCTERMS.iri("license"), _n(lic_iri))
        return t

    # -- dumps --------------------------------------------------------------
    def dump_graphs(self, name: str) -> tuple[list[ox.NamedNode], str] | None:
        """The graphs of a dump and a validator for its ETag; ``None`` for an unknown dataset."""
        datasets = self.datasets()
        if name == ALL:
            graphs = [g for g in self.kg.visible_graphs()]
            graphs.sort(key=lambda g: g.value)
            state = "|".join(f"{d.name}@{d.loaded_at}:{d.triples}" for d in datasets)
            return graphs, state
        for d in datasets:
            if d.name == name:
                return [_n(d.graph)], f"{d.name}@{d.loaded_at}:{d.triples}"
        return None


def public_url(request: Request) -> str:
    """Where clients reach this server (``http://127.0.0.1:8000/``), for endpoint and download URLs."""
    return str(request.base_url)


def _description_response(request: Request, triples: list[ox.Triple], title: str) -> Response:
    fmt = formats.negotiate(request.headers.get("accept"), OFFERED)
    if fmt is None:
        offered = ", ".join(f.media_type for f in OFFERED)
        return PlainTextResponse(f"406 Not Acceptable: offered {offered}\n", status_code=406, headers={"Vary": "Accept"})
    if fmt is formats.HTML:
        lang = language(request)
        turtle = formats.serialize(triples, formats.TURTLE, PREFIXES).decode("utf-8")
        path = urlsplit(str(request.url)).path
        title = word(title, lang)
        body = Markup(render("description.html", lang, title=title, turtle=turtle,
                             data_formats=[{"href": f"{path}?format={f.ext}", "type": f.media_type}
                                           for f in formats.RDF_ONLY]))
        response = HTMLResponse(page(title, body, lang=lang, switch=switch_url(request, lang)),
                                headers={"Vary": "Accept"})
        remember(response, request)
        return response
    return Response(formats.serialize(triples, fmt, PREFIXES), media_type=fmt.content_type, headers={"Vary": "Accept"})


def router(kg: KnowledgeGraph, settings: object = None) -> APIRouter:
    disc = Discovery(kg, settings)
    r = APIRouter(tags=["discovery"])

    async def described(request: Request, build, title: str) -> Response:
        wanted = request.query_params.get("format")
        triples = (await read_own_store(request, build, public_url(request))).grouped()
        if wanted in formats.BY_EXT and formats.BY_EXT[wanted].rdf is not None:
            fmt = formats.BY_EXT[wanted]
            return Response(formats.serialize(triples, fmt, PREFIXES), media_type=fmt.content_type)
        return _description_response(request, triples, title)

    @r.get("/void", summary="VoID description of the datasets (Turtle, N-Triples, JSON-LD, RDF/XML by negotiation)")
    async def void(request: Request) -> Response:
        return await described(request, disc.void, "void_title")

    @r.get("/.well-known/void", include_in_schema=False)
    async def well_known_void() -> Response:
        return RedirectResponse("/void", status_code=303)

    @r.get("/dcat", summary="DCAT catalogue of the datasets and their distributions")
    async def dcat(request: Request) -> Response:
        return await described(request, disc.dcat, "dcat_title")

    @r.get("/dumps", include_in_schema=False)
    async def dumps_redirect() -> Response:
        return RedirectResponse("/dumps/", status_code=308)

    @r.get("/dumps/", response_class=HTMLResponse, summary="The datasets and their downloads")
    async def dump_list(request: Request) -> HTMLResponse:
        lang = language(request)
        datasets = await read_own_store(request, disc.datasets)
        body = Markup(render("dumps.html", lang, all=ALL, datasets=[dataset_fields(d, kg, lang) for d in datasets]))
        response = HTMLResponse(page(word("datasets_title", lang), body, lang=lang, switch=switch_url(request, lang)))
        remember(response, request)
        return response

    @r.head("/dumps/{filename}", include_in_schema=False)
    @r.get("/dumps/{filename}",
           summary="A dataset's dump ({name}.nt.gz, {name}.ttl), or every dataset's (all.nt.gz, all.ttl)")
    async def dump(request: Request, filename: str) -> Response:
        ext = next((e for e in DUMP_FORMATS if filename.endswith("." + e)), None)
        name = filename[: -len(ext) - 1] if ext else ""
        found = await read_own_store(request, disc.dump_graphs, name) if name else None
        if found is None:
            return PlainTextResponse(f"404 Not Found: no dump {filename!r}; the list is at /dumps/\n", status_code=404)
        graphs, state = found
        rdf_format, gz, media_type = DUMP_FORMATS[ext]
        etag = '"' + hashlib.sha256(f"{state}|{ext}".encode()).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=300",
                   "Content-Disposition": f'attachment; filename="{filename}"'}
        if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
        if request.method == "HEAD":
            return Response(media_type=media_type, headers=headers)
        return StreamingResponse(gated(request, dumps.stream(kg.store, graphs, rdf_format, gz)), media_type=media_type,
                                 headers=headers)

    return r
