"""End to end, as a user runs it: `patrimoine load` then `patrimoine serve`, queried over real HTTP."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from server import start_server

from conftest import SAMPLES

HDF = sorted((SAMPLES / "pop").glob("constructed-hdf-*-opendata.csv"))


def test_load_serve_and_query_over_http(tmp_path: Path):
    store = tmp_path / "store"
    patrimoine = str(Path(sys.executable).parent / "patrimoine")
    r = subprocess.run([patrimoine, "--store", str(store), "load", *map(str, HDF)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with start_server(store, "--rate-limit", "0") as server:
        query = """PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/>
            PREFIX pkg: <https://w3id.org/patrimoine-kg/ontology#>
            SELECT ?object (YEAR(?begin) AS ?year) WHERE {
              ?object pkg:housedIn ?building .
              ?building crm:P1_is_identified_by/crm:P190_has_symbolic_content "PA00116046" ;
                        crm:P108i_was_produced_by/crm:P4_has_time-span/crm:P82a_begin_of_the_begin ?begin }"""
        get = requests.get(server.sparql, params={"query": query},
                           headers={"Accept": "application/sparql-results+json"}, timeout=30)
        post = requests.post(server.sparql, data=query.encode(),
                             headers={"Content-Type": "application/sparql-query",
                                      "Accept": "application/sparql-results+json"}, timeout=30)
        for response in (get, post):
            assert response.status_code == 200
            bindings = response.json()["results"]["bindings"]
            assert bindings and {b["year"]["value"] for b in bindings} == {"1220"}
        bad = requests.get(server.sparql, params={"query": "SELECT * WHERE {"}, timeout=30)
        assert bad.status_code == 400 and "syntax" in bad.text.lower()
