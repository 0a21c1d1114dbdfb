"""VoID and DCAT descriptions, and the dumps, on a real server over the bundled samples."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time

import pyoxigraph as ox
import pytest
import requests

from endpoint import dumps
from pubserver import PublicationServer, publication_server

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ETALAB = ox.NamedNode("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")


@pytest.fixture(scope="module")
def srv() -> PublicationServer:
    return publication_server()


def fetch_rdf(url: str, accept: str = "text/turtle") -> tuple[ox.Store, requests.Response]:
    r = requests.get(url, headers={"Accept": accept}, timeout=10)
    assert r.status_code == 200, r.text
    store = ox.Store()
    store.load(r.content, format=ox.RdfFormat.from_media_type(r.headers["content-type"].split(";")[0]))
    return store, r


def objects(store: ox.Store, s: ox.NamedNode | ox.BlankNode, p: str) -> list:
    return [q.object for q in store.quads_for_pattern(s, ox.NamedNode(p), None, None)]


def value(store: ox.Store, s: ox.NamedNode | ox.BlankNode, p: str) -> str:
    found = objects(store, s, p)
    assert len(found) == 1, (s, p, found)
    return found[0].value


def graph_triples(srv: PublicationServer, graph: str) -> set[ox.Triple]:
    return {q.triple for q in srv.kg.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}


# -- VoID ------------------------------------------------------------------------


def test_void_describes_every_dataset_with_the_catalogue_counts(srv: PublicationServer) -> None:
    void, _ = fetch_rdf(srv.url + "void")
    whole = ox.NamedNode(srv.url + "void#patrimoine-kg")
    assert value(void, whole, VOID + "sparqlEndpoint") == srv.url + "sparql"
    assert value(void, whole, VOID + "uriSpace") == srv.url
    subsets = {o.value for o in objects(void, whole, VOID + "subset")}
    datasets = srv.kg.datasets()
    assert subsets == {f"{srv.url}dataset/{d.name}" for d in datasets}
    for d in datasets:
        ds = ox.NamedNode(f"{srv.url}dataset/{d.name}")
        triples = int(value(void, ds, VOID + "triples"))
        assert triples == d.triples == srv.kg.count(f"<{d.graph}>")  # the catalogue tells the truth
        assert int(value(void, ds, VOID + "entities")) == d.records_loaded
        assert objects(void, ds, DCTERMS + "license") == [ETALAB]  # POP: Licence Ouverte
        dump_urls = {o.value for o in objects(void, ds, VOID + "dataDump")}
        assert dump_urls == {f"{srv.url}dumps/{d.name}.nt.gz", f"{srv.url}dumps/{d.name}.ttl"}
        partitions = {value(void, p, VOID + "class"): int(value(void, p, VOID + "entities"))
                      for p in objects(void, ds, VOID + "classPartition")}
        e22 = "http://www.cidoc-crm.org/cidoc-crm/E22_Human-Made_Object"
        expected = next(iter(srv.kg.query(
            f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{d.graph}> {{ ?s a <{e22}> }} }}")))["n"].value
        assert partitions.get(e22, 0) == int(expected)
    total = sum(d.triples for d in datasets) + srv.kg.count(srv.kg.catalogue)
    assert int(value(void, whole, VOID + "triples")) == total
    assert objects(void, whole, DCTERMS + "license") == [ETALAB]
    for example in objects(void, whole, VOID + "exampleResource"):
        r = requests.get(example.value, headers={"Accept": "text/turtle"}, allow_redirects=False, timeout=10)
        assert r.status_code == 303


@pytest.mark.parametrize("accept", ["application/n-triples", "application/ld+json", "application/rdf+xml"])
def test_void_in_other_formats_says_the_same(srv: PublicationServer, accept: str) -> None:
    def named(store: ox.Store) -> set[ox.Triple]:  # class partitions are blank nodes, new in every answer
        return {q.triple for q in store if not isinstance(q.subject, ox.BlankNode)
                and not isinstance(q.object, ox.BlankNode)}
    turtle, _ = fetch_rdf(srv.url + "void")
    other, r = fetch_rdf(srv.url + "void", accept)
    assert r.headers["content-type"].startswith(accept)
    assert named(other) == named(turtle) and len(other) == len(turtle)


def test_void_for_a_browser_and_at_the_well_known_address(srv: PublicationServer) -> None:
    r = requests.get(srv.url + "void", headers={"Accept": "text/html,*/*;q=0.8"}, timeout=10)
    assert r.headers["content-type"].startswith("text/html") and "void:sparqlEndpoint" in r.text
    r = requests.get(srv.url + ".well-known/void", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"] == "/void"
    assert requests.get(srv.url + "void", headers={"Accept": "image/png"}, timeout=10).status_code == 406


# -- DCAT ------------------------------------------------------------------------


def test_dcat_catalogue_lists_the_datasets_their_distributions_and_the_endpoint(srv: PublicationServer) -> None:
    dcat, _ = fetch_rdf(srv.url + "dcat")
    catalogues = [q.subject for q in dcat.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(DCAT + "Catalog"), None)]
    assert len(catalogues) == 1
    listed = {o.value for o in objects(dcat, catalogues[0], DCAT + "dataset")}
    assert listed == {f"{srv.url}dataset/{d.name}" for d in srv.kg.datasets()} | {srv.url + "void#patrimoine-kg"}
    service = objects(dcat, catalogues[0], DCAT + "service")[0]
    assert value(dcat, service, DCAT + "endpointURL") == srv.url + "sparql"
    for d in srv.kg.datasets():
        ds = ox.NamedNode(f"{srv.url}dataset/{d.name}")
        assert objects(dcat, ds, DCTERMS + "license") == [ETALAB]
        media = {}
        for dist in objects(dcat, ds, DCAT + "distribution"):
            url = value(dcat, dist, DCAT + "downloadURL")
            media[url] = value(dcat, dist, DCAT + "mediaType")
            head = requests.head(url, timeout=10)
            assert head.status_code == 200, url
        assert media == {
            f"{srv.url}dumps/{d.name}.nt.gz": "https://www.iana.org/assignments/media-types/application/n-triples",
            f"{srv.url}dumps/{d.name}.ttl": "https://www.iana.org/assignments/media-types/text/turtle",
        }


# -- dumps -----------------------------------------------------------------------


def test_dataset_dumps_hold_exactly_the_dataset_graph(srv: PublicationServer) -> None:
    for d in srv.kg.datasets():
        expected = graph_triples(srv, d.graph)
        r = requests.get(f"{srv.url}dumps/{d.name}.nt.gz", timeout=30)
        assert r.status_code == 200 and r.headers["content-type"] == "application/gzip"
        nt = gzip.decompress(r.content)
        assert {q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)} == expected
        assert nt.count(b"\n") == len(expected) == d.triples
        r = requests.get(f"{srv.url}dumps/{d.name}.ttl", timeout=30)
        assert r.headers["content-type"].startswith("text/turtle")
        assert {q.triple for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)} == expected


def test_the_whole_graph_dump_holds_every_visible_graph(srv: PublicationServer) -> None:
    expected = set()
    for g in srv.kg.visible_graphs():
        expected |= graph_triples(srv, g.value)
    assert any(g.value == srv.kg.minter.base + "graph/catalogue" for g in srv.kg.visible_graphs())
    nt = gzip.decompress(requests.get(srv.url + "dumps/all.nt.gz", timeout=30).content)
    assert {q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)} == expected
    ttl = requests.get(srv.url + "dumps/all.ttl", timeout=30).content
    assert {q.triple for q in ox.parse(ttl, format=ox.RdfFormat.TURTLE)} == expected


def test_dumps_are_cacheable_and_unknown_ones_404(srv: PublicationServer) -> None:
    first = requests.get(srv.url + "dumps/all.nt.gz", timeout=30)
    etag = first.headers["etag"]
    again = requests.get(srv.url + "dumps/all.nt.gz", headers={"If-None-Match": etag}, timeout=30)
    assert again.status_code == 304 and again.content == b""
    head = requests.head(srv.url + "dumps/all.ttl", timeout=10)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] != etag
    assert requests.get(srv.url + "dumps/no-such-dataset.ttl", timeout=10).status_code == 404
    assert requests.get(srv.url + "dumps/all.xml", timeout=10).status_code == 404


def test_the_dumps_page_lists_every_dataset(srv: PublicationServer) -> None:
    r = requests.get(srv.url + "dumps/", timeout=10)
    assert r.status_code == 200
    for d in srv.kg.datasets():
        assert f'href="/dumps/{d.name}.nt.gz"' in r.text and f"{d.triples:,}" in r.text
    assert requests.get(srv.url + "dumps", allow_redirects=False, timeout=10).headers["location"] == "/dumps/"


def test_a_dump_streams_in_bounded_memory_and_stops_when_the_reader_leaves() -> None:
    store = ox.Store()
    g = ox.NamedNode("http://example.org/g")
    lines = "".join(f'<http://example.org/s{i}> <http://example.org/p> "value number {i} of a long enough '
                    f'literal to make the dump several megabytes" .\n' for i in range(60_000))
    store.load(lines.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=g)

    async def read_a_little() -> int:
        stream = dumps.stream(store, [g], ox.RdfFormat.N_TRIPLES)
        size = 0
        async for chunk in stream:
            size += len(chunk)
            if size > 200_000:
                break
        await stream.aclose()
        return size

    def dump_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "patrimoine-dump"]

    assert asyncio.run(read_a_little()) < len(lines)
    deadline = time.monotonic() + 5
    while dump_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert dump_threads() == []  # the producer stopped instead of writing the rest nowhere

    async def read_all() -> bytes:
        return b"".join([chunk async for chunk in dumps.stream(store, [g], ox.RdfFormat.N_TRIPLES, gz=True)])

    assert gzip.decompress(asyncio.run(read_all())).count(b"\n") == 60_000
