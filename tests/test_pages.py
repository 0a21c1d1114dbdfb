"""Linked data: the IRIs the graph mints dereference on a real server (303 to HTML or RDF documents)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from fastapi import FastAPI
from fastapi.testclient import TestClient

from endpoint import pages
from graph.store import KnowledgeGraph
from pubserver import PublicationServer, publication_server
from server import LiveServer, live_server, sample_store  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
CRM = "http://www.cidoc-crm.org/cidoc-crm/"
LA = "https://linked.art/ns/terms/"
ETALAB = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


@pytest.fixture(scope="module")
def srv() -> PublicationServer:
    return publication_server()


def get(srv: PublicationServer, path: str, accept: str | None = None, **kw) -> requests.Response:
    headers = {"Accept": accept} if accept else {}
    return requests.get(srv.url + path.lstrip("/"), headers=headers, allow_redirects=False, timeout=10, **kw)


def one(srv: PublicationServer, query: str) -> dict:
    rows = list(srv.kg.query(query, prefixes=True))
    assert rows, f"the bundled samples have nothing for: {query}"
    return rows[0]


def path_of(srv: PublicationServer, iri: str) -> str:
    assert iri.startswith(srv.url)
    return iri[len(srv.url):]


@pytest.fixture(scope="module")
def monument(srv: PublicationServer) -> str:
    """A Mérimée record with coordinates, a protection and a production time-span."""
    return one(srv, f"""SELECT ?m WHERE {{
        ?m crm:P2_has_type <{srv.url}concept/pop-base/merimee-patrimoine-architectural> ;
           crm:P55_has_current_location/crm:P168_place_is_defined_by ?wkt ;
           crm:P108i_was_produced_by/crm:P4_has_time-span ?ts .
        ?act crm:P140_assigned_attribute_to ?m .
        ?object pkg:housedIn ?m .
    }} ORDER BY ?m LIMIT 1""")["m"].value


def record_triples(srv: PublicationServer, iri: str) -> set[ox.Triple]:
    """What the store says about ``iri`` and its #parts (read with SPARQL, not by the code under test)."""
    q = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o
        FILTER(?s = <{iri}> || STRSTARTS(STR(?s), "{iri}#")) }}"""
    return set(srv.kg.query(q))


@pytest.mark.parametrize("accept,ext", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),  # a browser
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    ("text/turtle;q=0.5, application/ld+json", "jsonld"),
    ("*/*", "html"),
    (None, "html"),
])
def test_a_minted_iri_answers_303_to_the_negotiated_document(srv: PublicationServer, monument: str,
                                                             accept: str | None, ext: str) -> None:
    r = get(srv, path_of(srv, monument), accept)
    assert r.status_code == 303
    assert r.headers["location"] == "/" + path_of(srv, monument) + "." + ext
    assert "accept" in r.headers["vary"].lower()
    assert r.content == b""


def test_unacceptable_media_types_get_406(srv: PublicationServer, monument: str) -> None:
    r = get(srv, path_of(srv, monument), "image/png")
    assert r.status_code == 406 and "text/turtle" in r.text


@pytest.mark.parametrize("ext,fmt", [("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES),
                                     ("jsonld", ox.RdfFormat.JSON_LD), ("rdf", ox.RdfFormat.RDF_XML)])
def test_rdf_documents_hold_the_record_and_its_parts(srv: PublicationServer, monument: str, ext: str,
                                                     fmt: ox.RdfFormat) -> None:
    r = get(srv, path_of(srv, monument) + "." + ext)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == fmt.media_type
    got = {q.triple for q in ox.parse(r.content, format=fmt)}
    expected = record_triples(srv, monument)
    assert expected and expected <= got
    assert ox.Triple(ox.NamedNode(f"{monument}.{ext}"), ox.NamedNode("http://xmlns.com/foaf/0.1/primaryTopic"),
                     ox.NamedNode(monument)) in got
    # the links to it from other records come along: the objects housed in this building
    housed = {row["o"].value for row in srv.kg.query(
        f"SELECT ?o WHERE {{ ?o <https://w3id.org/patrimoine-kg/ontology#housedIn> <{monument}> }}")}
    assert housed and housed <= {t.subject.value for t in got if t.object == ox.NamedNode(monument)}
    assert 'rel="alternate"' in r.headers["link"]


def test_the_html_page_shows_the_record_readably(srv: PublicationServer, monument: str) -> None:
    r = get(srv, path_of(srv, monument) + ".html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    label = one(srv, f"SELECT ?l WHERE {{ <{monument}> rdfs:label ?l }}")["l"].value
    assert re.search(r"<h1>\s*" + re.escape(escape(label)) + r"\s*</h1>", html)
    # property labels from the CIDOC-CRM file in ontology/vocabularies/, not IRIs
    vocab = ox.Store()
    vocab.load(path=str(ROOT / "ontology/vocabularies/CIDOC_CRM_v7.1.3.rdf"), format=ox.RdfFormat.RDF_XML)
    produced = next(q.object.value for q in vocab.quads_for_pattern(
        ox.NamedNode(CRM + "P108i_was_produced_by"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None)
        if q.object.language == "en")
    assert f">{escape(produced)}</a>" in html
    # its parts are on its page, each with an anchor named after its fragment
    parts = one(srv, f"""SELECT ?production ?location WHERE {{
        <{monument}> crm:P108i_was_produced_by ?production ; crm:P55_has_current_location ?location }}""")
    for part in (parts["production"].value, parts["location"].value):
        assert part.startswith(monument + "#") and f'id="{part.split("#", 1)[1]}"' in html
    protection = one(srv, f"SELECT ?a WHERE {{ ?a crm:P140_assigned_attribute_to <{monument}> }}")["a"].value
    assert f'id="{protection.split("#")[1]}"' in html
    # the time-span's text, the protection's kind
    span = one(srv, f"SELECT ?t WHERE {{ <{monument}> crm:P108i_was_produced_by/crm:P4_has_time-span/rdfs:label ?t }}")
    assert escape(span["t"].value) in html


def test_the_html_page_gives_the_source_and_its_dataset(srv: PublicationServer, monument: str) -> None:
    html = get(srv, path_of(srv, monument) + ".html").text
    dataset = one(srv, f"SELECT ?d WHERE {{ <{monument}> void:inDataset ?d }}")["d"].value
    name = dataset.rsplit("/", 1)[1]
    record = next(d for d in srv.kg.datasets() if d.name == name)
    assert f'href="/{path_of(srv, dataset)}"' in html
    assert escape(record.source) in html and f"{record.triples:,}" in html
    assert ETALAB in html  # POP data: Licence Ouverte
    assert f'href="/dumps/{name}.nt.gz"' in html
    notice = one(srv, f"SELECT ?p WHERE {{ <{monument}> crm:P129i_is_subject_of/la:access_point ?p }}")["p"].value
    assert escape(notice) in html


def test_the_html_page_maps_a_place_with_coordinates(srv: PublicationServer, monument: str) -> None:
    wkt = one(srv, f"SELECT ?w WHERE {{ <{monument}> crm:P55_has_current_location/crm:P168_place_is_defined_by ?w }}")
    lon, lat = (float(v) for v in re.search(r"POINT\(([-0-9.]+) ([-0-9.]+)\)", wkt["w"].value).groups())
    html = get(srv, path_of(srv, monument) + ".html").text
    assert "<svg" in html and 'class="map-point"' in html
    assert f"{lat:.5f}, {lon:.5f}" in html
    assert f"mlat={lat:.6f}&amp;mlon={lon:.6f}" in html
    assert "tile" not in html.lower()  # no map tiles from anywhere


def test_the_html_page_lists_links_to_the_resource(srv: PublicationServer, monument: str) -> None:
    html = get(srv, path_of(srv, monument) + ".html").text
    section = html.split("Links to this resource", 1)[1]
    for row in srv.kg.query(f"SELECT ?o ?l WHERE {{ ?o <https://w3id.org/patrimoine-kg/ontology#housedIn> <{monument}> ;"
                            " <http://www.w3.org/2000/01/rdf-schema#label> ?l }"):
        assert f'href="/{path_of(srv, row["o"].value)}"' in section
        assert escape(row["l"].value) in section


def test_the_html_page_shows_the_images(srv: PublicationServer) -> None:
    row = one(srv, "SELECT ?r ?img WHERE { ?r crm:P138i_has_representation/la:digitally_shown_by/la:access_point ?img }"
                   " ORDER BY ?r ?img LIMIT 1")
    html = get(srv, path_of(srv, row["r"].value) + ".html").text
    assert f'<img src="{escape(row["img"].value)}"' in html


@pytest.mark.parametrize("kind", ["place/commune", "concept/denomination", "person", "org/museofile", "dataset", "graph"])
def test_every_kind_of_minted_iri_dereferences(srv: PublicationServer, kind: str) -> None:
    iri = one(srv, f"""SELECT ?s WHERE {{ {{ ?s ?p ?o }} UNION {{ ?x ?p ?s }}
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{srv.url}{kind}/") && !CONTAINS(STR(?s), "#")) }}
        ORDER BY ?s LIMIT 1""")["s"].value
    r = get(srv, path_of(srv, iri), "text/html")
    assert r.status_code == 303
    page = get(srv, r.headers["location"])
    assert page.status_code == 200 and escape(iri) in page.text


def test_a_dataset_page_describes_it_from_the_catalogue(srv: PublicationServer) -> None:
    d = srv.kg.datasets()[0]
    html = get(srv, f"dataset/{d.name}.html").text
    assert escape(d.source) in html and f"{d.records_loaded:,} loaded" in html
    # its SHA-256 by its first characters, whole in the tooltip: the table stays readable
    assert f'<span class="literal digest" title="{d.sha256}">{d.sha256[:12]}…</span>' in html
    graph = get(srv, f"graph/{d.name}.html").text
    assert f"{srv.kg.count('<' + d.graph + '>'):,} triples" in graph


def test_a_museum_shows_its_identifier_once_though_two_datasets_state_it(srv: PublicationServer) -> None:
    museum = srv.iri("org/museofile/M9801")
    # the store holds two identifier nodes saying M9801 alike: the shared institution's and the Muséofile record's
    nodes = {r["id"].value for r in srv.kg.query(f"""SELECT ?id WHERE {{ <{museum}> crm:P1_is_identified_by ?id .
        ?id crm:P190_has_symbolic_content "M9801" }}""", prefixes=True)}
    assert len(nodes) == 2 and any("#constructed-hdf-museo-opendata/" in n for n in nodes)
    html = get(srv, "org/museofile/M9801.html").text
    assert len(re.findall(r"<h3>M9801 <span", html)) == 1  # one part, not two
    row = re.search(r'P1_is_identified_by.*?</tr>', html, re.S).group(0)
    assert row.count(">M9801</a>") == 1


def test_parts_are_shown_once_only_when_they_say_exactly_the_same() -> None:
    kg = KnowledgeGraph(None)
    base = kg.minter.base
    record = f"{base}pop/PA00000001"

    def identifier(fragment: str, value: str, kind: str) -> str:
        node = f"{record}#{fragment}"
        return (f"<{record}> <{CRM}P1_is_identified_by> <{node}> .\n"
                f"<{node}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{CRM}E42_Identifier> .\n"
                f'<{node}> <{CRM}P190_has_symbolic_content> "{value}" .\n'
                f"<{node}> <{CRM}P2_has_type> <{base}concept/identifier-type/{kind}> .\n")

    nt = (f'<{record}> <http://www.w3.org/2000/01/rdf-schema#label> "Beffroi" .\n'
          + identifier("a/id-ref", "PA00000001", "reference-pop") + identifier("b/id-ref", "PA00000001", "reference-pop")
          + identifier("a/id-inv", "INV 12", "inventaire") + identifier("b/id-inv", "INV 12 bis", "inventaire")
          + identifier("b/id-other", "PA00000001", "autre"))
    kg.store.load(nt.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(base + "graph/test"))
    app = FastAPI()
    app.include_router(pages.router(kg, None))
    html = TestClient(app).get("/pop/PA00000001.html").text
    sections = re.findall(r'<section id="([^"]+)" class="part">', html)
    # the same value and type from two datasets: once; another value, or the same value of another type: both
    [kept] = [s for s in sections if s.endswith("/id-ref")]
    assert sorted(sections) == sorted(["a/id-inv", "b/id-inv", "b/id-other", kept])
    row = re.search(r'P1_is_identified_by.*?</tr>', html, re.S).group(0)
    assert sorted(re.findall(r'href="#([^"]+)"', row)) == sorted(sections)


def test_an_unknown_iri_gets_a_helpful_404(srv: PublicationServer) -> None:
    r = get(srv, "pop/PA00000000", "text/html")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert escape(f"{srv.url}pop/PA00000000") in r.text
    assert "search the labels" in r.text and "/?query=" in r.text
    example = one(srv, "SELECT ?s WHERE { ?s void:inDataset ?d } LIMIT 1")["s"].value
    assert "They look like" in r.text and srv.url in r.text
    assert example.startswith(srv.url)
    rdf = get(srv, "pop/PA00000000", "text/turtle")
    assert rdf.status_code == 404 and rdf.headers["content-type"].startswith("text/plain")
    assert get(srv, "pop/PA00000000.ttl").status_code == 404
    assert get(srv, "sudoc/123456789", "text/html").status_code == 404  # the fallback route: other sources


def test_the_endpoint_routes_are_not_shadowed(srv: PublicationServer) -> None:
    assert get(srv, "health").json()["status"]
    assert get(srv, "sparql", "text/turtle").status_code == 200  # service description
    assert get(srv, "openapi.json").json()["paths"]


def test_with_another_base_the_same_paths_answer(live_server: LiveServer) -> None:
    """A server over a graph minted under the default base (https://w3id.org/patrimoine-kg/)."""
    base = "https://w3id.org/patrimoine-kg/"
    ref = requests.post(live_server.sparql, data={"query": f"""SELECT ?r WHERE {{ ?r <{CRM}P2_has_type>
        <{base}concept/pop-base/merimee-patrimoine-architectural> }} ORDER BY ?r LIMIT 1"""},
                        headers={"Accept": "application/sparql-results+json"}, timeout=10)
    iri = ref.json()["results"]["bindings"][0]["r"]["value"]
    path = iri[len(base):]
    for request_path in (f"/{path}", f"/patrimoine-kg/{path}"):  # the base's own path is accepted in front
        r = requests.get(live_server.url + request_path, headers={"Accept": "text/turtle"}, allow_redirects=False,
                         timeout=10)
        assert r.status_code == 303 and r.headers["location"] == f"/{path}.ttl"
    doc = requests.get(f"{live_server.url}/{path}.ttl", timeout=10)
    subjects = {q.subject for q in ox.parse(doc.content, format=ox.RdfFormat.TURTLE)}
    assert ox.NamedNode(iri) in subjects


# -- unit level: escaping, and another base IRI ---------------------------------------


def test_text_from_the_data_cannot_inject_markup() -> None:
    kg = KnowledgeGraph(None)  # default base: https://w3id.org/patrimoine-kg/
    base = kg.minter.base
    evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    nt = (f'<{base}pop/EVIL1> <http://www.w3.org/2000/01/rdf-schema#label> "{evil.replace(chr(34), chr(92) + chr(34))}" .\n'
          f'<{base}pop/EVIL1> <{CRM}P3_has_note> "{evil.replace(chr(34), chr(92) + chr(34))}"@fr .\n'
          f"<{base}pop/EVIL1> <{CRM}P138i_has_representation> <{base}pop/EVIL1#image> .\n"
          f"<{base}pop/EVIL1#image> <{LA}digitally_shown_by> <{base}pop/EVIL1#image-file> .\n"
          f"<{base}pop/EVIL1#image-file> <{LA}access_point> <https://img.example/a.jpg?a=1&b='x'> .\n")
    kg.store.load(nt.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(base + "graph/test"))
    app = FastAPI()
    app.include_router(pages.router(kg, None))
    client = TestClient(app)
    r = client.get("/pop/EVIL1", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303  # a path answers for base + path whatever the base
    html = client.get(r.headers["location"]).text
    assert "<script>" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img" in html  # MarkupSafe's entities
    assert 'src="https://img.example/a.jpg?a=1&amp;b=&#39;x&#39;"' in html


def escape(text: str) -> str:
    import html
    return html.escape(text, quote=True)


@pytest.mark.parametrize("path", ['pop/a"b', "pop/a{b}", "pop/a%zz", "pop/%3Cscript%3E", "place/commune/"])
def test_malformed_paths_get_404_not_an_error(srv: PublicationServer, path: str) -> None:
    r = get(srv, path, "text/html")
    assert r.status_code == 404
    assert "<script>" not in r.text


def test_json_ld_documents_are_compact_and_read_back_the_same(srv: PublicationServer, monument: str) -> None:
    import json

    import rdflib
    from rdflib.compare import isomorphic

    r = get(srv, path_of(srv, monument) + ".jsonld")
    doc = json.loads(r.content)
    assert doc["@context"]["crm"] == "http://www.cidoc-crm.org/cidoc-crm/"
    record = next(node for node in doc["@graph"] if node["@id"] == monument)
    assert "crm:E22_Human-Made_Object" in record["@type"] and "crm:P1_is_identified_by" in record
    turtle = get(srv, path_of(srv, monument) + ".ttl")
    from_jsonld = rdflib.Graph().parse(data=r.content, format="json-ld")  # another processor than ours
    from_turtle = rdflib.Graph().parse(data=turtle.content, format="turtle")
    doc_iri = rdflib.URIRef(f"{monument}.jsonld")
    for triple in list(from_jsonld.triples((doc_iri, None, None))):  # each document names itself
        from_jsonld.remove(triple)
    for triple in list(from_turtle.triples((rdflib.URIRef(f"{monument}.ttl"), None, None))):
        from_turtle.remove(triple)
    assert len(from_jsonld) > 10 and isomorphic(from_jsonld, from_turtle)


def test_json_ld_compaction_keeps_every_term_exact() -> None:
    import json

    from endpoint.jsonld import compact

    ex, crm = "http://example.org/", "http://www.cidoc-crm.org/cidoc-crm/"
    a, b = ox.NamedNode(ex + "a"), ox.BlankNode("b1")
    triples = [
        ox.Triple(a, ox.NamedNode(crm + "P3_has_note"), ox.Literal("note", language="fr")),
        ox.Triple(a, ox.NamedNode(crm + "P90_has_value"),
                  ox.Literal("12", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
        ox.Triple(a, ox.NamedNode(crm), ox.NamedNode(crm + "//odd")),  # the namespace itself; "crm://..."
        ox.Triple(a, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(crm + "E1_CRM_Entity")),
        ox.Triple(b, ox.NamedNode(crm + "P2_has_type"), a),
    ]
    body = compact(triples, {"crm": crm, "unused": "http://unused.example/"})
    doc = json.loads(body)
    assert doc["@context"] == {"crm": crm}
    node = doc["@graph"][0]
    assert node[crm] == [{"@id": crm + "//odd"}] and node["@type"] == ["crm:E1_CRM_Entity"]
    assert node["crm:P90_has_value"] == [{"@value": "12", "@type": "http://www.w3.org/2001/XMLSchema#integer"}]
    back = {q.triple for q in ox.parse(body, format=ox.RdfFormat.JSON_LD)}
    assert {t for t in back if not isinstance(t.subject, ox.BlankNode)} == set(triples[:-1])
    [blank] = [t for t in back if isinstance(t.subject, ox.BlankNode)]  # blank nodes may be renamed
    assert (blank.predicate, blank.object) == (triples[-1].predicate, a)


@pytest.mark.parametrize("url, safe", [
    ("https://example.org/x", True), ("HTTP://example.org/", True), ("mailto:someone@example.org", True),
    ("/pop/PA00116046.ttl", True), ("#production", True), ("page.html", True), ("//example.org/x", True),
    ("javascript:alert(1)", False), ("JavaScript:alert(1)", False), (" javascript:alert(1)", False),
    ("java\tscript:alert(1)", False), ("\x01javascript:alert(1)", False), ("data:text/html,x", False),
    ("vbscript:x", False), ("urn:isbn:2-07-036024-8", False), ("file:///etc/passwd", False),
])
def test_only_safe_urls_become_links_or_sources(url: str, safe: bool) -> None:
    from endpoint.html import link, safe_url, tag

    assert safe_url(url) is safe
    a = link(url, "text")
    assert ('href="' in a) is safe and "text" in a
    assert ('src="' in tag("img", src=url)) is safe
