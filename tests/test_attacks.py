"""The endpoint's attacks of issue 12, each against a real server, so that a reviewer runs them all with one
command: ``make test-attacks`` (this file, tests/test_attacks_loaders.py for the loaders, and
tests/test_endpoint_safety.py, the attacks the endpoint held from the start: runaway queries, SERVICE/LOAD to
outside hosts, writes without the token...).

Here: a lookup-shaped query whose join blows up, SIGTERM in the middle of a query, stored script IRIs in pages
and security headers, slow and numerous connections, rate-limit gaps and forged X-Forwarded-For, deeply nested
queries, long GET queries (and a long query on the command line).
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import signal
import socket
import subprocess
import threading
import time
from html.parser import HTMLParser

import pytest
import requests

from graph.sparqltext import MAX_NESTING, nesting
from server import PATRIMOINE, copy_store, live_server, sample_store, start_server, wait_for  # noqa: F401  (fixtures)

ONE_PROCESS = ("--http-workers", "1")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # (triples)^3 rows to count


def metric(server, name: str) -> float:
    for line in requests.get(server.url + "/metrics", timeout=10).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise KeyError(name)


def widest_resource(server) -> str:
    """The subject with the most triples in the store."""
    r = requests.get(server.sparql, params={"query": "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s "
                                                      "ORDER BY DESC(?n) LIMIT 1"}, timeout=30)
    return r.json()["results"]["bindings"][0]["s"]["value"]


def in_background(call) -> tuple[threading.Thread, dict]:
    """Run ``call()`` in a thread; the dict gets its "result" (or "error") and "seconds"."""
    out: dict = {}

    def run() -> None:
        started = time.monotonic()
        try:
            out["result"] = call()
        except Exception as e:  # noqa: BLE001 - reported to the test
            out["error"] = e
        out["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


# -- 1. a lookup-shaped query whose join blows up; SIGTERM mid-query -----------------------------

def blow_up(iri: str, patterns: int = 8) -> str:
    """A resource's triples joined with themselves: (out-degree)^8 rows, DISTINCT keeps a handful."""
    return "SELECT DISTINCT ?p1 WHERE { " + " . ".join(f"<{iri}> ?p{i} ?o{i}" for i in range(patterns)) + " }"


def test_a_lookup_shaped_join_blow_up_is_stopped_at_the_time_limit(sample_store):
    with start_server(sample_store, *ONE_PROCESS, "--query-timeout", "2", "--rate-limit", "0") as server:
        attack = blow_up(widest_resource(server))
        thread, out = in_background(lambda: requests.get(server.sparql, params={"query": attack}, timeout=30))
        time.sleep(0.3)
        for _ in range(5):  # the server process is free: its health answers at once, again and again
            started = time.monotonic()
            assert requests.get(server.url + "/health", timeout=2).status_code == 200
            assert time.monotonic() - started < 1.0
            time.sleep(0.1)
        thread.join(15)
        r = out["result"]
        assert r.status_code == 503 and "limit of 2 s" in r.text, r.text
        assert out["seconds"] < 5
        assert metric(server, "patrimoine_query_timeouts_total") == 1, "it ran in a worker, killed at the limit"


def test_sigterm_stops_the_server_at_once_even_mid_query(sample_store):
    with start_server(sample_store, *ONE_PROCESS, "--query-timeout", "60", "--rate-limit", "0") as server:
        thread, out = in_background(lambda: requests.get(server.sparql, params={"query": RUNAWAY}, timeout=30))
        assert wait_for(lambda: metric(server, "patrimoine_query_workers_busy") == 1)
        started = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(5)
        assert time.monotonic() - started < 2.0, "stopped at once, not after the query or a grace period"
        thread.join(5)
        assert out["result"].status_code == 503 and "stopping" in out["result"].text


# -- 4. whatever the store holds, pages link to safe schemes only; security headers on every answer ---------

RECORD = "https://w3id.org/patrimoine-kg/pop/PA00116046"
EDM, DC, LA = "http://www.europeana.eu/schemas/edm/", "http://purl.org/dc/elements/1.1/", "https://linked.art/ns/terms/"
SCRIPT_IRIS = ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "vbscript:msgbox(1)",
               "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="]


class Attributes(HTMLParser):
    """Every URL-valued attribute of a page (href, src...), as the browser reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("href", "src", "action", "formaction", "poster", "data")]


def browser_scheme(url: str) -> str | None:
    """The scheme a browser would see: it drops leading spaces and controls, and tabs and newlines anywhere."""
    cleaned = "".join(c for c in url.lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 \t\n\r\x0b\x0c")
                      if c not in "\t\n\r")
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    return m.group(1).lower() if m else None


@pytest.fixture(scope="module")
def hostile(sample_store, tmp_path_factory):
    """A server over a store whose record holds script IRIs where pages make links and images."""
    import pyoxigraph as ox

    from graph.store import KnowledgeGraph

    store = copy_store(sample_store, tmp_path_factory.mktemp("hostile") / "store")
    kg = KnowledgeGraph(store)
    db = kg.store
    s, g = ox.NamedNode(RECORD), ox.NamedNode("https://w3id.org/patrimoine-kg/graph/hostile")
    for i, iri in enumerate(SCRIPT_IRIS):
        bad = ox.NamedNode(iri)
        for predicate in (EDM + "isShownAt", EDM + "isShownBy", EDM + "object", DC + "creator",
                          "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                          "http://www.cidoc-crm.org/cidoc-crm/P129i_is_subject_of"):
            db.add(ox.Quad(s, ox.NamedNode(predicate), bad, g))
        db.add(ox.Quad(s, bad, ox.Literal(f"value {i}"), g))  # as a property
    visual = ox.NamedNode(RECORD + "#visual")
    db.add(ox.Quad(s, ox.NamedNode(LA + "digitally_shown_by"), visual, g))
    db.add(ox.Quad(visual, ox.NamedNode(LA + "access_point"), ox.NamedNode(SCRIPT_IRIS[0]), g))
    kg.commit()
    kg.close()
    del db
    with start_server(store, *ONE_PROCESS, "--rate-limit", "0") as server:
        yield server


def test_script_iris_in_the_store_become_text_never_links(hostile):
    r = requests.get(hostile.url + "/pop/PA00116046.html", timeout=10)
    assert r.status_code == 200
    parser = Attributes()
    parser.feed(r.text)
    assert parser.urls, "the page has links"
    schemes = {browser_scheme(u) for u in parser.urls} - {None}
    assert schemes <= {"http", "https", "mailto"}, schemes
    for iri in SCRIPT_IRIS:  # nothing is hidden: each shows as text
        assert html.escape(iri, quote=True) in r.text


def test_every_answer_is_nosniff_and_every_page_has_a_strict_policy(hostile):
    pages = ["/", "/dumps/", "/pop/PA00116046.html", "/pop/NOTHING-HERE.html", "/docs"]
    for path in pages:
        r = requests.get(hostile.url + path, headers={"Accept": "text/html"}, timeout=10)
        assert r.headers["content-type"].startswith("text/html"), path
        policy = r.headers["content-security-policy"]
        scripts = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy and "*" not in scripts, path
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, path
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"], path
    others = [requests.get(hostile.sparql, params={"query": "ASK {}"}, timeout=10),
              requests.get(hostile.url + "/pop/PA00116046.ttl", timeout=10),
              requests.get(hostile.url + "/void", timeout=10),
              requests.get(hostile.url + "/health", timeout=10),
              requests.get(hostile.url + "/dumps/all.nt.gz", timeout=30),
              requests.get(hostile.sparql, params={"query": "SELECT"}, timeout=10),  # 400
              requests.get(hostile.sparql, params={"query": "#" + "x" * 400_000}, timeout=10)]  # 413, HTTP layer
    for r in others:
        assert r.headers["x-content-type-options"] == "nosniff", (r.url[:80], r.status_code)
        assert not r.headers.get("content-type", "").startswith("text/html")


# -- 8. slow and numerous connections ----------------------------------------------------------

def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` (an answer before the close, such as 408, is read and dropped)."""
    sock.settimeout(0.01)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (TimeoutError, BlockingIOError):
        return False
    except OSError:
        return True


def test_slow_connections_are_dropped_and_a_normal_client_is_still_served(sample_store):
    with start_server(sample_store, *ONE_PROCESS, "--max-connections", "40", "--header-timeout", "1.5",
                      "--rate-limit", "0") as server:
        slow = []
        for _ in range(120):  # three times the connections the server takes, each sending its headers slowly
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow.append(sock)
        started = time.monotonic()
        for sock in slow:
            with contextlib.suppress(OSError):  # the server may have closed it already
                sock.sendall(b"X-Slow: 1\r\n")
        # a normal client, while they hold on
        r = requests.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=5)
        assert r.status_code == 200 and r.json()["boolean"] is True
        assert time.monotonic() - started < 1.5
        assert sum(closed_by_server(s) for s in slow) >= 120 - 40, "the server keeps at most 40 connections"
        assert wait_for(lambda: all(closed_by_server(s) for s in slow), 3), "and drops each at the header timeout"
        for sock in slow:
            sock.close()
        assert requests.get(server.url + "/health", timeout=5).status_code == 200


def test_a_slow_body_and_an_idle_keep_alive_connection_are_closed(sample_store):
    with start_server(sample_store, *ONE_PROCESS, "--body-timeout", "1", "--keep-alive-timeout", "1",
                      "--rate-limit", "0") as server:
        body = socket.create_connection(("127.0.0.1", server.port))
        body.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 100\r\n\r\nASK")
        idle = socket.create_connection(("127.0.0.1", server.port))
        idle.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert idle.recv(65536).startswith(b"HTTP/1.1 200")
        time.sleep(0.5)
        assert not closed_by_server(idle) and not closed_by_server(body)
        assert wait_for(lambda: closed_by_server(idle) and closed_by_server(body), 3)


# -- 9. rate limits on every route that does work; forged X-Forwarded-For ------------------------

ROUTES = ["/", "/void", "/dcat", "/dumps/", "/pop/PA00116046.html", "/docs", "/sparql?query=ASK%7B%7D",
          "/ui/yasgui/yasgui.min.js", "/dumps/all.nt.gz", "/reconcile"]


def statuses(url: str, n: int, forwarded: list[str] | None = None) -> list[int]:
    out = []
    for i in range(n):
        headers = {"X-Forwarded-For": forwarded[i]} if forwarded else {}
        out.append(requests.get(url, headers=headers, timeout=10, allow_redirects=False).status_code)
    return out


@pytest.fixture(scope="module")
def limited(sample_store):
    """Behind a proxy on loopback (the default trusted proxies), three requests at once per client."""
    with start_server(sample_store, *ONE_PROCESS, "--rate-limit", "6", "--rate-burst", "3",
                      "--trust-forwarded") as server:
        yield server


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_that_does_work_is_rate_limited(limited, route):
    client = f"203.0.113.{ROUTES.index(route) + 1}"  # the address the proxy appended: a client of its own
    codes = statuses(limited.url + route, 5, [client] * 5)
    assert codes[3:] == [429, 429] and 429 not in codes[:3], codes


def test_health_and_metrics_are_not_rate_limited(limited):
    assert set(statuses(limited.url + "/health", 8, ["203.0.113.50"] * 8)) == {200}
    assert set(statuses(limited.url + "/metrics", 8, ["203.0.113.50"] * 8)) == {200}


def test_forged_forwarded_addresses_do_not_escape_the_limit(limited):
    url = limited.sparql + "?query=ASK%7B%7D"
    # what the client wrote stands left of what the proxy appended: the client is the right-most untrusted address
    codes = statuses(url, 6, [f"198.51.100.{i}, 203.0.113.100" for i in range(6)])
    assert codes[3:] == [429, 429, 429], codes
    # the case: a forged entry, then a trusted proxy: no address is believed beyond the proxy
    codes = statuses(url, 6, [f"spoof-{i}, 127.0.0.1" for i in range(6)])
    assert codes[3:] == [429, 429, 429], codes


def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(sample_store):
    with start_server(sample_store, *ONE_PROCESS, "--rate-limit", "6", "--rate-burst", "3", "--trust-forwarded",
                      "--trusted-proxies", "10.0.0.1") as server:
        codes = statuses(server.sparql + "?query=ASK%7B%7D", 5, [f"198.51.100.{i}" for i in range(5)])
        assert codes[3:] == [429, 429], codes


# -- 10. deeply nested queries -------------------------------------------------------------------

NEAR_THE_LIMIT = [  # each measures just under 1,000 (graph.sparqltext.nesting), and runs
    "SELECT ?x WHERE { BIND(" + "CONCAT(" * 497 + '"a"' + ")" * 497 + " AS ?x) }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(" + " + ".join(["1"] * 990) + " > 0) }",
    "ASK { " + "FILTER NOT EXISTS { " * 199 + "}" * 199 + " }",
]


def test_a_query_nested_too_deep_is_refused_before_it_reaches_a_worker(live_server):
    crashes, started = (metric(live_server, n) for n in ("patrimoine_worker_crashes_total",
                                                         "patrimoine_workers_started_total"))
    for deep in ("SELECT * WHERE " + "{" * 10_000 + "}" * 10_000,
                 "SELECT * WHERE { FILTER(" + " + ".join(["1"] * 10_000) + " > 0) }",
                 "ASK { " + "OPTIONAL { ?s ?p ?o } " * 3_000 + "}"):
        r = requests.post(live_server.sparql, data={"query": deep}, timeout=30)
        assert r.status_code == 400 and "nests" in r.text and "1000" in r.text, r.text[:200]
    r = requests.post(live_server.url + "/update", data={"update": "INSERT DATA { " + "[ <http://x/p> " * 5000
                                                         + "1" + " ]" * 5000 + " }"}, timeout=30)
    assert r.status_code in (401, 403, 400)  # read-only: refused before anything reads it
    for query in NEAR_THE_LIMIT:
        assert 990 < nesting(query) <= MAX_NESTING == 1000
        r = requests.post(live_server.sparql, data={"query": query}, timeout=30)
        assert r.status_code == 200, r.text[:300]
    assert metric(live_server, "patrimoine_worker_crashes_total") == crashes
    assert metric(live_server, "patrimoine_workers_started_total") == started


def test_workers_that_keep_dying_are_replaced_ever_more_slowly(sample_store):
    """What a flood of queries that crash their worker does: each death in the last minute doubles the pause."""
    with start_server(sample_store, *ONE_PROCESS, "--workers", "1", "--rate-limit", "0") as server:
        pauses = []
        for _ in range(4):
            assert wait_for(lambda: len(server.worker_pids()) == 1, 15)
            thread, out = in_background(lambda: requests.get(server.sparql, params={"query": RUNAWAY}, timeout=30))
            assert wait_for(lambda: metric(server, "patrimoine_query_workers_busy") == 1)
            [worker] = server.worker_pids()
            died = time.monotonic()  # before the kill: what is measured is never shorter than the pause
            os.kill(worker, signal.SIGSEGV)  # what a query that overflows the parser's stack does
            thread.join(10)
            assert out["result"].status_code == 500
            assert wait_for(lambda: len(server.worker_pids()) == 1, 15)
            pauses.append(time.monotonic() - died)
        # 0, 0.25, 0.5, then 1 s before the fourth replacement; a loaded machine only lengthens what is
        # measured, so only the lower bound is asserted (the exact sequence: test_endpoint_safety)
        assert pauses[3] >= 1.0, pauses
        assert metric(server, "patrimoine_worker_crashes_total") == 4


# -- 11. long GET queries ------------------------------------------------------------------------

def test_a_long_get_query_is_read_and_one_over_the_limit_gets_413(live_server):
    padding = "#" + "x" * 70_000 + "\n"  # past the 64 KiB httptools can parse in a request line
    r = requests.get(live_server.sparql, params={"query": padding + "ASK { ?s ?p ?o }"}, timeout=30)
    assert r.status_code == 200 and r.json()["boolean"] is True
    too_long = "#" + "x" * 120_000 + "\nASK {}"
    r = requests.get(live_server.sparql, params={"query": too_long}, timeout=30)
    assert r.status_code == 413 and "larger than 100000 bytes" in r.text
    encoded = "#" + "é" * 60_000 + "\nASK {}"  # 120 kB of UTF-8, 360 kB percent-encoded: past the request line limit
    r = requests.get(live_server.sparql, params={"query": encoded}, timeout=30)
    assert r.status_code == 413 and r.headers["x-content-type-options"] == "nosniff"
    huge_headers = {f"X-Filler-{i}": "y" * 8000 for i in range(10)}
    assert requests.get(live_server.url + "/health", headers=huge_headers, timeout=10).status_code == 431
    assert requests.get(live_server.url + "/health", timeout=10).status_code == 200


def test_the_cli_runs_a_query_longer_than_a_file_name(sample_store):
    query = "ASK { ?s ?p ?o } #" + "x" * 1000  # a query on one line, longer than a file name may be (255)
    r = subprocess.run([PATRIMOINE, "--store", str(sample_store), "query", query, "--format", "csv"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "true"
