"""The query UI: its example queries work on the bundled data, and it runs a query in a real headless Chromium.

The browser is Debian's chromium (scripts/ensure_chromium.sh installs it),
driven over the DevTools protocol with a small WebSocket client from the
standard library: no Playwright, no browser download. The browser tests skip,
saying why, only when chromium is not installed.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import requests

from endpoint.ui import example_queries
from pubserver import MAX_ROWS, PublicationServer, publication_server
from server import stop_process

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (run scripts/ensure_chromium.sh as root to install it)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1000", "--remote-debugging-port=0"]


@pytest.fixture(scope="module")
def srv() -> PublicationServer:
    return publication_server()


# -- the examples ----------------------------------------------------------------


def _sparql(srv: PublicationServer, query: str) -> requests.Response:
    return requests.post(srv.url + "sparql", data={"query": query},
                         headers={"Accept": "application/sparql-results+json, application/n-triples;q=0.9"},
                         timeout=30)


def test_every_example_query_answers_on_the_bundled_data(srv: PublicationServer) -> None:
    examples = example_queries(srv.url)
    assert {e["audience"] for e in examples} == {"researchers", "librarians", "developers"}
    for e in examples:
        r = _sparql(srv, e["query"])
        assert r.status_code == 200, (e["id"], r.text)
        if r.headers["content-type"].startswith("application/sparql-results+json"):
            rows = r.json()["results"]["bindings"]
        else:
            rows = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
        assert rows, f"example {e['id']!r} finds nothing in the bundled samples"


def test_examples_declare_the_usual_prefixes_and_the_base(srv: PublicationServer) -> None:
    for e in example_queries(srv.url):
        for prefix in ("crm", "edm", "skos", "dc", "dcterms", "owl", "rdfs", "pkg"):
            assert f"PREFIX {prefix}: <" in e["query"], (e["id"], prefix)
    catalogue = next(e for e in example_queries(srv.url) if e["id"] == "catalogue-datasets")
    assert catalogue["query"].startswith(f"BASE <{srv.url}>\n")
    names = {row["name"]["value"] for row in _sparql(srv, catalogue["query"]).json()["results"]["bindings"]}
    assert names == {d.name for d in srv.kg.datasets()}


def test_examples_about_housed_objects_match_the_graph(srv: PublicationServer) -> None:
    example = next(e for e in example_queries(srv.url) if e["id"] == "objects-in-buildings")
    pairs = {(row["object"].value, row["building"].value) for row in srv.kg.query(example["query"])}
    direct = {(row["o"].value, row["b"].value) for row in srv.kg.query(
        "SELECT ?o ?b WHERE { ?o <https://w3id.org/patrimoine-kg/ontology#housedIn> ?b ; "
        f"<http://www.cidoc-crm.org/cidoc-crm/P2_has_type> <{srv.url}concept/pop-base/palissy-patrimoine-mobilier> }}")}
    assert pairs == direct and pairs


def test_the_ui_is_served_from_the_installation(srv: PublicationServer) -> None:
    page = requests.get(srv.url, headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200
    html = page.text
    for asset in ("/ui/yasgui/yasgui.min.js", "/ui/yasgui/yasgui.min.css", "/ui/patrimoine.js", "/ui/patrimoine.css"):
        assert f'"{asset}"' in html
        r = requests.get(srv.url + asset.lstrip("/"), timeout=10)
        assert r.status_code == 200 and len(r.content) > 1000, asset
    assert "cdn" not in html.lower() and 'src="http' not in html and 'href="http' not in html.split("<main")[0]
    for e in example_queries(srv.url):
        assert f'data-example="{e["id"]}"' in html


# -- the browser -----------------------------------------------------------------


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, masked from the client."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        u = urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            head += chunk
        status, _, self.buffer = head.partition(b"\r\n\r\n")
        if b" 101 " not in status.split(b"\r\n")[0]:
            raise ConnectionError(status.decode(errors="replace"))

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def send(self, text: str) -> None:
        payload = text.encode()
        n = len(payload)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else
                                bytes([0x80 | 127]) + struct.pack(">Q", n))
        mask = os.urandom(4)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def receive(self) -> str:
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("the browser closed the WebSocket")
            if opcode in (0x9, 0xA):  # ping/pong: the browser does not ping its clients; ignore
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()

    def close(self) -> None:
        self.sock.close()


class Browser:
    """A headless Chromium and one page of it, driven over the DevTools protocol."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="patrimoine-chromium-")
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.quit()
                raise RuntimeError("chromium did not start its DevTools server")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params: object) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> object:
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout:.0f} s for {expression}")
            time.sleep(0.1)

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def quit(self) -> None:
        if getattr(self, "ws", None) is not None:
            self.ws.close()
        stop_process(self.proc, 10)
        shutil.rmtree(self.profile, ignore_errors=True)


# What the page's Content-Security-Policy blocks, as the browser reports it (DevTools scripts are not subject to it).
RECORD_VIOLATIONS = """window.cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(
  [e.violatedDirective, e.blockedURI, e.sourceFile + ':' + e.lineNumber].join(' ')));"""


@pytest.fixture(scope="module")
def ui(srv: PublicationServer) -> Iterator[Browser]:
    browser = Browser()
    try:
        browser.call("Network.enable")
        browser.call("Page.enable")
        browser.call("Page.addScriptToEvaluateOnNewDocument", source=RECORD_VIOLATIONS)
        browser.call("Page.navigate", url=srv.url)
        browser.wait_for("document.readyState === 'complete' && !!window.patrimoineYasgui")
        yield browser
    finally:
        browser.quit()


VISIBLE_ROWS = """(() => {
  const yasr = [...document.querySelectorAll('.yasr')].find(e => e.offsetParent !== null);
  if (!yasr) return null;
  const rows = [...yasr.querySelectorAll('table tbody tr')].filter(r => !r.querySelector('.dataTables_empty'));
  return rows.map(r => [...r.querySelectorAll('td')].map(td => td.innerText.trim()));
})()"""


def run_example(ui: Browser, example_id: str) -> list[list[str]]:
    ui.evaluate(f"document.querySelector('button[data-example=\"{example_id}\"]').click()")
    ui.wait_for("(() => { const t = window.patrimoineYasgui.getTab(); return t && t.getQuery().includes('SELECT'); })()")
    ui.evaluate("[...document.querySelectorAll('.yasqe_queryButton')].find(b => b.offsetParent !== null).click()")
    return ui.wait_for(f"(() => {{ const r = {VISIBLE_ROWS}; return r && r.length ? r : null; }})()")


@needs_chromium
def test_the_ui_runs_an_example_and_shows_rows_of_the_bundled_data(ui: Browser, srv: PublicationServer) -> None:
    rows = run_example(ui, "objects-in-buildings")
    example = next(e for e in example_queries(srv.url) if e["id"] == "objects-in-buildings")
    expected = {row["objectName"].value for row in srv.kg.query(example["query"])}
    cells = [cell for row in rows for cell in row]  # YASR writes literals as in SPARQL: "Calice"@fr
    assert expected and all(any(f'"{name}"' in cell for cell in cells) for name in expected)
    assert len(rows) == len(list(srv.kg.query(example["query"])))
    assert not ui.evaluate("document.getElementById('truncated-note').classList.contains('shown')")


@needs_chromium
def test_the_ui_says_when_the_server_truncated_the_results(ui: Browser, srv: PublicationServer) -> None:
    example = next(e for e in example_queries(srv.url) if e["id"] == "records-identifiers")
    assert len(list(srv.kg.query(example["query"]))) > MAX_ROWS  # the server cuts this one
    rows = run_example(ui, "records-identifiers")
    assert len(rows) == MAX_ROWS
    note = ui.wait_for("(() => { const n = document.getElementById('truncated-note');"
                       " return n.classList.contains('shown') && n.offsetParent !== null ? n.innerText : null; })()")
    assert "truncated" in note and str(MAX_ROWS) in note
    run_example(ui, "objects-in-buildings")  # a complete answer hides the note again
    assert not ui.evaluate("document.getElementById('truncated-note').classList.contains('shown')")


@needs_chromium
def test_the_ui_asks_nothing_of_any_other_server(ui: Browser, srv: PublicationServer) -> None:
    run_example(ui, "catalogue-datasets")
    urls = ui.requested_urls()
    assert any(u.startswith(srv.url + "sparql") for u in urls)
    assert any(u.endswith("/ui/yasgui/yasgui.min.js") for u in urls)
    outside = [u for u in urls if not u.startswith(srv.url) and not u.startswith(("data:", "blob:", "about:"))]
    assert outside == []


@needs_chromium
def test_the_ui_works_under_the_content_security_policy(ui: Browser, srv: PublicationServer) -> None:
    policy = requests.get(srv.url, headers={"Accept": "text/html"}, timeout=10).headers["content-security-policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy
    rows = run_example(ui, "objects-in-buildings")  # the editor, a query, the results table
    assert rows
    ui.evaluate("[...document.querySelectorAll('.select_response')].find(b => b.offsetParent !== null).click()")
    ui.wait_for("[...document.querySelectorAll('.CodeMirror')].some(e => e.offsetParent !== null"
                " && e.innerText.includes('bindings'))")
    assert ui.evaluate("window.cspViolations") == []
