"""The reconciliation service (/reconcile) against a real server over the POP samples, as OpenRefine uses it.

Every answer is validated against the W3C Reconciliation API 0.2 JSON Schemas (tests/data/reconciliation/,
copied with their provenance) with jsonschema.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import requests
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from graph.reconciliation.match import MAX_QUERIES, MAX_TEXT
from pubserver import publication_server
from server import copy_store, live_server, sample_store, start_server  # noqa: F401  (fixtures)

SCHEMAS = Path(__file__).resolve().parent / "data" / "reconciliation"
TOKEN = "recon-test-token"


@cache
def validator(name: str) -> Draft7Validator:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource(contents, specification=DRAFT7)))
    registry = Registry().with_resources(resources)
    return Draft7Validator(json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8")), registry=registry)


def valid(name: str, body: object) -> object:
    errors = sorted(validator(name).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return body


def reconcile(server, queries: dict) -> dict:
    """A batch as OpenRefine sends it: a form field ``queries`` holding the JSON."""
    valid("reconciliation-query-batch", queries)
    r = requests.post(server.url + "/reconcile", data={"queries": json.dumps(queries)}, timeout=60)
    assert r.status_code == 200, r.text
    return valid("reconciliation-result-batch", r.json())


def one(server, query: dict) -> list[dict]:
    return reconcile(server, {"q0": query})["q0"]["result"]


# -- OpenRefine's sequence ---------------------------------------------------------------------------


def test_openrefine_sequence_manifest_reconcile_suggest_preview_extend(live_server):
    url = live_server.url
    manifest = valid("manifest", requests.get(url + "/reconcile", timeout=30).json())
    assert manifest["versions"] == ["0.2"] and manifest["identifierSpace"] == "https://w3id.org/patrimoine-kg/"
    assert {t["id"] for t in manifest["defaultTypes"]} == {"person", "group", "place", "object", "concept"}
    assert manifest["view"]["url"] == url + "/{{id}}"

    batch = reconcile(live_server, {"q0": {"query": "Amiens", "type": "commune", "type_strict": "should"},
                                    "q1": {"query": "Musée de Picardie", "type": "group", "limit": 3}})
    amiens = batch["q0"]["result"][0]
    assert amiens["id"] == "place/commune/80021" and amiens["match"] is True and amiens["score"] == 100

    suggest = manifest["suggest"]
    entities = requests.get(suggest["entity"]["service_url"] + suggest["entity"]["service_path"],
                            params={"prefix": "musée de pic"}, timeout=30).json()
    assert valid("suggest-entities-response", entities)["result"][0]["id"] == "org/museofile/M9801"
    types = requests.get(suggest["type"]["service_url"] + suggest["type"]["service_path"],
                         params={"prefix": "comm"}, timeout=30).json()
    assert [t["id"] for t in valid("suggest-types-response", types)["result"]] == ["commune"]
    props = requests.get(suggest["property"]["service_url"] + suggest["property"]["service_path"],
                         params={"prefix": "dép", "type": "commune"}, timeout=30).json()
    assert [p["id"] for p in valid("suggest-properties-response", props)["result"]] == ["department"]

    preview = requests.get(manifest["preview"]["url"].replace("{{id}}", amiens["id"]), timeout=30)
    assert preview.status_code == 200 and preview.headers["content-type"].startswith("text/html")
    assert "Amiens" in preview.text and "Somme (80)" in preview.text

    propose = manifest["extend"]["propose_properties"]
    proposed = requests.get(propose["service_url"] + propose["service_path"], params={"type": "commune"},
                            timeout=30).json()
    assert {"insee", "department"} <= {p["id"] for p in valid("data-extension-property-proposal", proposed)["properties"]}
    query = {"ids": [amiens["id"], batch["q1"]["result"][0]["id"]],
             "properties": [{"id": "insee"}, {"id": "department"}, {"id": "museofile"}, {"id": "iri"}]}
    valid("data-extension-query", query)
    r = requests.post(url + "/reconcile", data={"extend": json.dumps(query)}, timeout=30)
    extended = valid("data-extension-response", r.json())
    assert extended["rows"]["place/commune/80021"]["insee"] == [{"str": "80021"}]
    assert extended["rows"]["place/commune/80021"]["department"] == [{"id": "place/department/80", "name": "Somme"}]
    assert extended["rows"]["org/museofile/M9801"]["museofile"] == [{"str": "M9801"}]
    assert extended["rows"]["org/museofile/M9801"]["department"][0]["id"] == "place/department/80"
    assert extended["rows"]["org/museofile/M9801"]["iri"] == [{"str": "https://w3id.org/patrimoine-kg/org/museofile/M9801"}]
    assert {m["id"]: m.get("type", {}).get("id") for m in extended["meta"]}["department"] == "department"


def test_get_and_json_bodies_answer_like_the_form(live_server):
    queries = {"q0": {"query": "Amiens", "type": "commune"}}
    form = reconcile(live_server, queries)
    got = requests.get(live_server.url + "/reconcile", params={"queries": json.dumps(queries)}, timeout=30).json()
    body = requests.post(live_server.url + "/reconcile", json=queries, timeout=30).json()
    wrapped = requests.post(live_server.url + "/reconcile", json={"queries": queries}, timeout=30).json()
    assert form == valid("reconciliation-result-batch", got) == body == wrapped


def test_the_view_url_opens_the_entity_page():
    srv = publication_server()
    manifest = requests.get(srv.url + "reconcile", timeout=30).json()
    found = one(srv.live, {"query": "Château de Pierrefonds", "type": "monument"})
    assert found[0]["match"] and manifest["identifierSpace"] + found[0]["id"] == srv.iri("pop/PA99000108")
    page = requests.get(manifest["view"]["url"].replace("{{id}}", found[0]["id"]),
                        headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "Pierrefonds" in page.text


# -- quality on the samples ------------------------------------------------------------------------


def test_a_commune_by_name_and_type_is_a_match(live_server):
    found = one(live_server, {"query": "amiens", "type": "commune"})
    assert [c["id"] for c in found] == ["place/commune/80021"] and found[0]["match"]
    assert one(live_server, {"query": "80021"})[0]["id"] == "place/commune/80021"  # an INSEE code


def test_a_museum_by_name_is_its_museofile_iri(live_server):
    found = one(live_server, {"query": "Musee de Picardie"})
    assert found[0]["id"] == "org/museofile/M9801" and found[0]["match"]
    assert {"id": "museum", "name": "musée"} in found[0]["type"]
    assert not any(c["match"] for c in found[1:])


def test_a_person_in_heading_order_is_the_person(live_server):
    """Two Mérimée records name Viollet-le-Duc: without `patrimoine link`, two mentions, equally good, no match
    (tests/test_reconcile_index.py: with the links graph, the one person, a match)."""
    for text in ("Viollet-le-Duc, Eugène", "Eugène Viollet-le-Duc", "VIOLLET-LE-DUC Eugène"):
        found = one(live_server, {"query": text, "type": "person"})
        assert [c["id"].split("#")[0] for c in found[:2]] == ["pop/PA00086250", "pop/PA99000108"], text
        assert all("person-viollet-le-duc-eugene" in c["id"] and c["score"] >= 98 for c in found[:2])
        assert not any(c["match"] for c in found)


def test_an_ambiguous_name_gives_several_candidates_and_no_match(live_server):
    found = one(live_server, {"query": "Saint-Omer", "type": "place"})
    ids = [c["id"] for c in found]
    assert {"place/commune/62765", "place/commune/14635"} <= set(ids[:2])
    assert not any(c["match"] for c in found)
    by_department = one(live_server, {"query": "St Omer", "type": "commune",
                                      "properties": [{"pid": "department", "v": "Pas-de-Calais"}]})
    assert by_department[0]["id"] == "place/commune/62765" and by_department[0]["match"]
    assert by_department[1]["id"] == "place/commune/14635" and not by_department[1]["match"]
    assert {"id": "property:department", "value": False} in by_department[1]["features"]
    qualified = one(live_server, {"query": "Saint-Omer (Calvados)", "type": "commune"})
    assert qualified[0]["id"] == "place/commune/14635" and qualified[0]["match"]


def test_properties_agree_or_disagree(live_server):
    born = one(live_server, {"query": "Eugène Delacroix", "type": "person",
                             "properties": [{"pid": "birth-year", "v": "1798"}]})
    assert born[0]["match"] and {"id": "property:birth-year", "value": True} in born[0]["features"]
    wrong = one(live_server, {"query": "Eugène Delacroix", "type": "person",
                              "properties": [{"pid": "birth-year", "v": 1850}]})
    assert not wrong[0]["match"] and wrong[0]["score"] < born[0]["score"]
    by_id = one(live_server, {"query": "Musée d'Amiens", "properties": [{"pid": "museofile", "v": "m9801"}]})
    assert by_id[0]["id"] == "org/museofile/M9801" and by_id[0]["match"] and by_id[0]["score"] == 100
    no_text = one(live_server, {"properties": [{"pid": "pop-ref", "v": "PA99000108"}]})
    assert no_text[0]["id"] == "pop/PA99000108" and no_text[0]["match"]
    in_commune = one(live_server, {"query": "Château de Pierrefonds",
                                   "properties": [{"pid": "commune", "v": {"id": "place/commune/60491"}}]})
    assert in_commune[0]["id"] == "pop/PA99000108" and in_commune[0]["match"]


def test_types_filter_candidates(live_server):
    anything = one(live_server, {"query": "Amiens", "limit": 20})
    assert {"place/commune/80021", "org/commune/80021"} <= {c["id"] for c in anything}
    groups = one(live_server, {"query": "Amiens", "type": "group", "limit": 20})
    assert all(any(t["id"] == "group" for t in c["type"]) for c in groups)
    both = one(live_server, {"query": "Amiens", "type": ["commune", "museum"], "type_strict": "all"})
    assert both == []


def test_names_with_typos_and_partial_names_still_find_the_entity(live_server):
    found = one(live_server, {"query": "chateau pierrefond"})
    assert found[0]["id"] == "pop/PA99000108" and not found[0]["match"] and 70 < found[0]["score"] < 100


# -- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, why", [
    ({"queries": "{not json"}, "not valid JSON"),
    ({"queries": json.dumps({f"q{i}": {"query": "x"} for i in range(MAX_QUERIES + 1)})}, "at most"),
    ({"queries": json.dumps({"q0": {"query": "x" * (MAX_TEXT + 1)}})}, "characters long"),
    ({"queries": json.dumps({"q0": {"query": "x", "type": "unicorn"}})}, "unknown type"),
    ({"queries": json.dumps({"q0": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}})}, "unknown property"),
    ({"queries": json.dumps({"q0": {"query": "x", "limit": -1}})}, "limit"),
    ({"queries": json.dumps(["x"])}, "JSON object"),
    ({"queries": json.dumps({"q0": {}})}, "needs"),
    ({"queries": json.dumps({"q0": {"query": "x", "colour": 1}})}, "unknown field"),
    ({"queries": "[" * 100_000}, "not valid JSON"),
    ({"extend": json.dumps({"ids": ["<script>"], "properties": [{"id": "insee"}]})}, "not an IRI"),
    ({"extend": json.dumps({"ids": ["place/commune/80021"], "properties": [{"id": "colour"}]})}, "unknown property"),
    ({"extend": json.dumps({"ids": list(map(str, range(101))), "properties": []})}, "at most"),
    ({"other": "x"}, "nothing to do"),
])
def test_bad_input_is_400_with_a_clear_json_error(live_server, data, why):
    r = requests.post(live_server.url + "/reconcile", data=data, timeout=30)
    assert r.status_code == 400 and r.json()["status"] == 400 and why in r.json()["error"], r.text


def test_jsonp_is_refused_and_a_huge_body_is_413(live_server):
    r = requests.get(live_server.url + "/reconcile", params={"callback": "alert"}, timeout=30)
    assert r.status_code == 400 and "JSONP" in r.json()["error"] and "alert" not in r.text
    big = requests.post(live_server.url + "/reconcile", data={"queries": "x" * (2 * 1024 * 1024)}, timeout=30)
    assert big.status_code == 413 and big.json()["status"] == 413
    for path in ("/reconcile/suggest/entity", "/reconcile/preview", "/reconcile/suggest/type"):
        r = requests.get(live_server.url + path, params={"prefix": "x" * 600, "id": "x" * 600}, timeout=30)
        assert r.status_code == 400 and "at most 500" in r.json()["error"], path


def test_openrefine_in_a_browser_may_call_the_service_from_its_origin(live_server):
    """The endpoint's CORS setting (any origin by default) covers /reconcile: OpenRefine's page on
    127.0.0.1:3333 reads the manifest and suggestions itself."""
    origin = {"Origin": "http://127.0.0.1:3333"}
    r = requests.options(live_server.url + "/reconcile", headers={**origin, "Access-Control-Request-Method": "POST"},
                         timeout=30)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    r = requests.get(live_server.url + "/reconcile/suggest/entity", params={"prefix": "ami"}, headers=origin, timeout=30)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"


# -- preview safety and index freshness (a writable server) ---------------------------------------------


@pytest.fixture(scope="module")
def writable(sample_store, tmp_path_factory):
    store = copy_store(sample_store, tmp_path_factory.mktemp("recon-writable") / "store")
    with start_server(store, "--rate-limit", "0", env={"PATRIMOINE_TOKEN": TOKEN}) as server:
        yield server


def test_the_index_follows_writes_and_the_preview_escapes_what_the_store_holds(writable):
    name = '<script>alert("x")</script> Zyxwv & Cie'
    assert one(writable, {"query": "Zyxwv"}) == []
    base = "https://w3id.org/patrimoine-kg/"
    update = (f'INSERT DATA {{ GRAPH <{base}graph/recon-test> {{ <{base}pop/RT0001> a '
              f'<http://www.cidoc-crm.org/cidoc-crm/E22_Human-Made_Object> ; '
              f'<http://www.w3.org/2000/01/rdf-schema#label> {json.dumps(name)} }} }}')
    r = requests.post(writable.url + "/update", data=update.encode(), timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"})
    assert r.status_code == 204, r.text
    found = one(writable, {"query": name, "type": "object"})
    assert found[0]["id"] == "pop/RT0001" and found[0]["name"] == name and found[0]["match"]
    preview = requests.get(writable.url + "/reconcile/preview", params={"id": "pop/RT0001"}, timeout=30)
    assert "<script>" not in preview.text and "&lt;script&gt;" in preview.text
    policy = preview.headers["content-security-policy"]
    assert "frame-ancestors *" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    unknown = requests.get(writable.url + "/reconcile/preview", params={"id": "pop/<b>nothing</b>"}, timeout=30)
    assert unknown.status_code == 404 and "<b>" not in unknown.text
    # framed by OpenRefine: no X-Frame-Options contradicting the policy; every other page keeps DENY
    for answer in (preview, unknown):
        assert "x-frame-options" not in answer.headers and "frame-ancestors *" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
    for path in ("/", "/dumps/", "/pop/RT0001"):
        page = requests.get(writable.url + path, headers={"Accept": "text/html"}, timeout=30)
        assert page.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"], path
