"""Real HTTP servers on 127.0.0.1 for the harvester and IIIF tests (``http.server`` in a thread, free port).

:class:`OaiServer` is an OAI-PMH repository whose pages are built from the real
samples: the records of a saved ``ListRecords`` response split into pages
linked by resumption tokens (``full:2``...), another list served to requests
with ``from`` (incremental), or saved responses served as they are, their own
resumption tokens naming the next file (the sickle chain). Faults are queued
per request key (``Identify``, ``first`` for a ``ListRecords`` without token,
or the token): ``timeout`` (answers after the client gave up), ``503``,
``json500`` (HTTP 500 with a JSON body), ``garbage`` (HTTP 200, not XML), or an
OAI-PMH error sample (``badResumptionToken``, ``cannotDisseminateFormat``),
each consumed by one request. Every request's parameters are recorded.
"""

from __future__ import annotations

import json
from html import escape
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from local_http import LocalServer, answering

ROOT = Path(__file__).resolve().parent.parent
OAI_DC = ROOT / "samples" / "oai-dc"
ERRORS = OAI_DC / "errors"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
DC_NS = "http://purl.org/dc/elements/1.1/"
IDENTIFY = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>{date}</responseDate>
<request verb="Identify">{base}</request><Identify><repositoryName>test repository</repositoryName>
<baseURL>{base}</baseURL><protocolVersion>2.0</protocolVersion><adminEmail>nobody@127.0.0.1</adminEmail>
<earliestDatestamp>1990-01-01T00:00:00Z</earliestDatestamp><deletedRecord>persistent</deletedRecord>
<granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify></OAI-PMH>"""


def sample_records(path: Path) -> list[etree._Element]:
    """The ``<record>`` elements of a saved OAI-PMH response."""
    return etree.parse(str(path)).getroot().findall(f".//{{{OAI_NS}}}record")


def deleted(record: etree._Element, datestamp: str) -> etree._Element:
    """The same record as a repository serves it once deleted: the header only, status="deleted"."""
    header = etree.fromstring(etree.tostring(record.find(f"{{{OAI_NS}}}header")))
    header.set("status", "deleted")
    header.find(f"{{{OAI_NS}}}datestamp").text = datestamp
    out = etree.Element(f"{{{OAI_NS}}}record", nsmap={None: OAI_NS})
    out.append(header)
    return out


def wrapped(payload: etree._Element, identifier: str, datestamp: str = "2024-01-15T00:00:00Z") -> etree._Element:
    """An OAI-PMH record carrying ``payload`` (a LIDO record of a sample file...) as its metadata."""
    record = etree.Element(f"{{{OAI_NS}}}record", nsmap={None: OAI_NS})
    header = etree.SubElement(record, f"{{{OAI_NS}}}header")
    etree.SubElement(header, f"{{{OAI_NS}}}identifier").text = identifier
    etree.SubElement(header, f"{{{OAI_NS}}}datestamp").text = datestamp
    etree.SubElement(record, f"{{{OAI_NS}}}metadata").append(etree.fromstring(etree.tostring(payload)))
    return record


def retitled(record: etree._Element, title: str) -> etree._Element:
    """The same record with another ``dc:title`` (an update at the source)."""
    copy = etree.fromstring(etree.tostring(record))
    copy.find(f".//{{{DC_NS}}}title").text = title
    return copy


class OaiServer(LocalServer):
    def __init__(self, pages: list[list[etree._Element]] | None = None,
                 files: list[Path] | None = None) -> None:
        self.lists: dict[str, list[list[etree._Element]]] = {"full": pages or [], "incremental": []}
        self.files = {p.name: p for p in files or []}
        self.first_file = files[0].name if files else None
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.requests: list[dict[str, str]] = []
        self.response_date = "2024-05-01T10:00:00Z"
        self.slow = 1.0  # seconds a "timeout" fault waits before answering
        self.prefixes = ("oai_dc",)
        super().__init__(answering(self._answer), "/oai")

    def list_requests(self) -> list[dict[str, str]]:
        return [r for r in self.requests if r.get("verb") == "ListRecords"]

    # -- answers ---------------------------------------------------------------
    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        params = {k: v[0] for k, v in parse_qs(urlsplit(h.path).query).items()}
        self.requests.append(params)
        verb = params.get("verb")
        key = "Identify" if verb == "Identify" else params.get("resumptionToken") or "first"
        if self.faults.get(key):
            return self._fault(h, self.faults[key].pop(0))
        if verb == "Identify":
            return self._send(h, 200, IDENTIFY.format(date=self.response_date, base=self.url).encode())
        if verb != "ListRecords":
            return self._send(h, 200, (ERRORS / "sickle-badResumptionToken.xml").read_bytes().replace(
                b"badResumptionToken", b"badVerb"))
        token = params.get("resumptionToken")
        if self.files:
            # The saved pages' tokens name the next file as it was first called ("ListRecords2.xml").
            name = next(n for n in self.files if n.endswith(token)) if token else self.first_file
            return self._send(h, 200, self.files[name].read_bytes())
        if token is None and params.get("metadataPrefix") not in self.prefixes:
            return self._send(h, 200, (ERRORS / "sickle-cannotDisseminateFormat.xml").read_bytes())
        name, n = token.split(":") if token else ("incremental" if "from" in params else "full", "1")
        pages = self.lists[name]
        if not pages:
            return self._send(h, 200, (ERRORS / "sickle-noRecordsMatch.xml").read_bytes())
        self._send(h, 200, self._page(name, pages, int(n), params))

    def _page(self, name: str, pages: list[list[etree._Element]], n: int, params: dict[str, str]) -> bytes:
        records = "".join(etree.tostring(r, encoding="unicode") for r in pages[n - 1])
        total = sum(len(p) for p in pages)
        cursor = sum(len(p) for p in pages[: n - 1])
        token = (f'<resumptionToken completeListSize="{total}" cursor="{cursor}">'
                 f'{name + ":" + str(n + 1) if n < len(pages) else ""}</resumptionToken>')
        attrs = " ".join(f'{k}="{escape(v)}"' for k, v in params.items())
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="{OAI_NS}">'
                f"<responseDate>{self.response_date}</responseDate><request {attrs}>{self.url}</request>"
                f"<ListRecords>{records}{token}</ListRecords></OAI-PMH>").encode()

    def _fault(self, h: BaseHTTPRequestHandler, fault: str) -> None:
        if fault == "timeout":
            time.sleep(self.slow)
            return self._send(h, 200, b"")
        if fault == "503":
            return self._send(h, 503, b"<html><body>Service Unavailable</body></html>", "text/html")
        if fault == "json500":
            body = {"error": {"code": 500, "message": "Internal Server Error: the search index is unavailable"}}
            return self._send(h, 500, json.dumps(body).encode(), "application/json")
        if fault == "garbage":
            return self._send(h, 200, b"\x00\x17 OK: 3 rows \xff\xfe", "text/plain")
        self._send(h, 200, (ERRORS / f"sickle-{fault}.xml").read_bytes())

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = "text/xml; charset=utf-8"
              ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


class StaticServer(LocalServer):
    """Files of a directory over HTTP on 127.0.0.1 (IIIF manifests fetched by URL); ``slow`` delays every answer."""

    def __init__(self, directory: Path, slow: float = 0.0) -> None:
        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, directory=str(directory), **kwargs)

            def do_GET(self) -> None:  # noqa: N802
                if slow:
                    time.sleep(slow)
                try:
                    super().do_GET()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        super().__init__(Handler)
