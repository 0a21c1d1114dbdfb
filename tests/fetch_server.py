"""A local Opendatasoft-like portal for the fetch tests: real HTTP on 127.0.0.1, recorded exports, faults on demand.

It answers ``/api/explore/v2.1/catalog/datasets/{dataset}/exports/csv`` as
data.culture.gouv.fr does, from files in the published shapes (the real list
of Musées de France, the constructed Mérimée open-data export of samples/):

- ``refine=field:"value"`` keeps the rows whose column ``field`` (compared as
  the loaders compare headers) has that value, re-written as the portal writes
  its CSV (``;``, CRLF, quotes where needed);
- ``ETag`` (a digest of the answer) and ``Last-Modified`` (the dataset's
  version date) on every answer; ``If-None-Match``/``If-Modified-Since`` that
  match → ``304``; ``Range: bytes=N-`` → ``206`` with ``Content-Range`` unless
  an ``If-Range`` no longer matches (then the whole file, ``200``); a range
  past the end → ``416`` with ``Content-Range: bytes */LENGTH``;
- faults queued per dataset, each used by one request: ``cut`` (announces the
  whole length, sends half, closes), ``404``, ``500`` (a JSON error body),
  ``html`` (``200`` with an HTML page), ``slow`` (answers after ``slow``
  seconds), ``huge`` (announces 50 GB), ``drip`` (sends the body a few bytes at
  a time, slowly), ``chunked-cut`` (chunked, closes half-way without the last chunk);
- with ``chunked`` set, whole answers come in chunks without a length, as the
  portal sends its exports.

Every request's path, query and headers are recorded.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections import defaultdict
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from local_http import LocalServer, answering

from loaders.pop.readers import header_key

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "/api/explore/v2.1/catalog/datasets/"
EXPORTS = {
    "liste-des-immeubles-proteges-au-titre-des-monuments-historiques":
        ROOT / "samples" / "pop" / "constructed-hdf-merimee-opendata.csv",
    "liste-et-localisation-des-musees-de-france":
        ROOT / "samples" / "museums" / "liste-et-localisation-des-musees-de-france.csv",
}


def refined(body: bytes, refine: list[str]) -> bytes:
    """The rows of a ``;`` CSV export whose columns have the refined values, written as the portal writes them."""
    bom = body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    header, data = rows[0], rows[1:]
    keys = [header_key(h) for h in header]
    for condition in refine:
        field, _, value = condition.partition(":")
        column = keys.index(header_key(field))  # an unknown field: ValueError, answered 400
        data = [r for r in data if len(r) > column and r[column] == value.strip('"')]
    out = io.StringIO(newline="")
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    w.writerows(data)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


class ExportServer(LocalServer):
    def __init__(self, exports: dict[str, Path] | None = None) -> None:
        self.exports = {name: path.read_bytes() for name, path in (exports or EXPORTS).items()}
        self.versions: dict[str, int] = defaultdict(lambda: 1)
        self.validators = True  # send ETag and Last-Modified
        self.chunked = False  # send 200 answers in chunks without Content-Length, as the portal's exports come
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.requests: list[dict] = []
        self.slow = 2.0
        super().__init__(answering(self._answer, "HTTP/1.1"), "")

    def export_url(self, dataset: str) -> str:
        return f"{self.url}{PREFIX}{dataset}/exports/csv?delimiter=%3B"

    def publish(self, dataset: str, body: bytes) -> None:
        """A new version of an export (a new ETag and Last-Modified)."""
        self.exports[dataset] = body
        self.versions[dataset] += 1

    def body(self, dataset: str, query: dict[str, list[str]]) -> bytes:
        body = self.exports[dataset]
        return refined(body, query["refine"]) if "refine" in query else body

    # -- answers -------------------------------------------------------------------
    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query)
        self.requests.append({"path": parts.path, "query": query, "headers": dict(h.headers)})
        dataset = parts.path.removeprefix(PREFIX).removesuffix("/exports/csv")
        if not parts.path.startswith(PREFIX) or dataset not in self.exports:
            return self._send(h, 404, b'{"error_code": "DatasetNotFound", "message": "Unknown dataset"}',
                              "application/json")
        if self.faults[dataset]:
            return self._fault(h, dataset, self.faults[dataset].pop(0), query)
        try:
            body = self.body(dataset, query)
        except ValueError:
            return self._send(h, 400, b'{"error_code": "ODSQLError", "message": "Unknown field"}', "application/json")
        etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
        modified = formatdate(1_700_000_000 + 86_400 * self.versions[dataset], usegmt=True)
        validators = {"ETag": etag, "Last-Modified": modified} if self.validators else {}
        if self.validators and (h.headers.get("If-None-Match") == etag or (
                h.headers.get("If-Modified-Since") == modified and "If-None-Match" not in h.headers)):
            return self._send(h, 304, b"", headers=validators)
        wanted = h.headers.get("Range", "")
        if wanted.startswith("bytes=") and h.headers.get("If-Range") in (etag, modified):
            start = int(wanted[6:].split("-")[0])
            if start >= len(body):
                return self._send(h, 416, b"", headers={"Content-Range": f"bytes */{len(body)}"})
            return self._send(h, 206, body[start:], headers={
                **validators, "Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"})
        self._send(h, 200, body, headers=validators)

    def _fault(self, h: BaseHTTPRequestHandler, dataset: str, fault: str, query: dict) -> None:
        body = self.body(dataset, query)
        etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
        if fault == "404":
            return self._send(h, 404, b'{"error_code": "DatasetNotFound", "message": "Unknown dataset"}',
                              "application/json")
        if fault == "500":
            return self._send(h, 500, b'{"error_code": "InternalError", "message": "export temporarily unavailable"}',
                              "application/json")
        if fault == "html":
            return self._send(h, 200, b"<!DOCTYPE html><html><head><title>Maintenance</title></head>"
                                      b"<body>Le portail est en maintenance.</body></html>", "text/html")
        if fault == "slow":
            time.sleep(self.slow)
            return self._send(h, 200, body, headers={"ETag": etag})
        if fault == "huge":
            h.send_response(200)
            h.send_header("Content-Type", "text/csv")
            h.send_header("Content-Length", str(50 * 10**9))
            h.end_headers()
            h.wfile.write(body[:1000])
            h.close_connection = True
            return
        if fault in ("cut", "chunked-cut"):
            h.send_response(200)
            h.send_header("Content-Type", "text/csv; charset=utf-8")
            h.send_header("ETag", etag)
            if fault == "cut":
                h.send_header("Content-Length", str(len(body)))
                h.end_headers()
                h.wfile.write(body[: len(body) // 2])
            else:
                h.send_header("Transfer-Encoding", "chunked")
                h.end_headers()
                self._chunks(h, body[: len(body) // 2], last=False)
            h.wfile.flush()
            h.close_connection = True
            return
        if fault == "drip":
            h.send_response(200)
            h.send_header("Content-Type", "text/csv; charset=utf-8")
            h.send_header("ETag", etag)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            for i in range(0, len(body), 64):
                h.wfile.write(body[i:i + 64])
                h.wfile.flush()
                time.sleep(0.05)
            return
        raise ValueError(f"unknown fault {fault!r}")

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = "text/csv; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        chunked = self.chunked and status == 200
        h.send_header(*(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(len(body)))))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        if chunked:
            self._chunks(h, body)
        elif status != 304:
            h.wfile.write(body)

    @staticmethod
    def _chunks(h: BaseHTTPRequestHandler, body: bytes, last: bool = True) -> None:
        for i in range(0, len(body), 8192):
            piece = body[i:i + 8192]
            h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        if last:
            h.wfile.write(b"0\r\n\r\n")


def sources_file(tmp_path: Path, portal: "ExportServer", extra: str = "") -> Path:
    """A sources file (as patrimoine/sources.toml) whose musees-de-france and merimee are ``portal``'s."""
    path = tmp_path / "sources.toml"
    path.write_text(f'''
[musees-de-france]
title = "Liste et localisation des Musées de France"
publisher = "Ministère de la Culture"
licence_url = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
format = "museums"
url = "{portal.export_url("liste-et-localisation-des-musees-de-france")}"
[musees-de-france.region]
refine = 'region_administrative:"{{region_name}}"'

[merimee]
title = "Immeubles protégés au titre des monuments historiques"
publisher = "Ministère de la Culture"
format = "pop"
url = "{portal.export_url("liste-des-immeubles-proteges-au-titre-des-monuments-historiques")}"
[merimee.region]
refine = 'region:"{{region_name}}"'
''' + extra, encoding="utf-8")
    return path
