"""Two faults of pyoxigraph's serializers, corrected at no cost for the answers they do not touch.

* CSV results write an IRI as it is, so an IRI holding a comma (legal:
  ``http://example.org/a,b``) splits its field in two. IRIs cannot hold quotes,
  spaces or line breaks, and literals are quoted correctly: a comma inside an
  IRI is the only case. :func:`tsv_to_csv` writes CSV from the TSV the worker
  reads anyway; pyoxigraph writes every run of rows without such an IRI, and
  Python only the rows with one (found by one regular-expression scan).
* SPARQL XML results and RDF/XML write a carriage return in a literal raw, and
  an XML reader turns it into a line feed: the value changes. pyoxigraph never
  writes a carriage return of its own in these formats (its line breaks are
  line feeds), so every one is in a value and becomes ``&#13;`` (:func:`xml_fix`,
  a bytes replacement).

Both are in the README's known issues, with a reproduction for upstream.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

# A TSV line with an IRI term holding a comma (a literal holding "<...,...>" matches too: it is only rewritten).
_COMMA_IRI = re.compile(rb"<[^<>\t\n]*,[^<>\t\n]*>")


def xml_fix(data: bytes) -> bytes:
    """SPARQL XML or RDF/XML as pyoxigraph wrote it, with each carriage return a character reference."""
    return data.replace(b"\r", b"&#13;") if b"\r" in data else data


def tsv_to_csv(tsv: bytes, ox: Any) -> bytes:
    """SPARQL CSV results from SPARQL TSV results (a header line, then one line per row)."""
    header, _, body = tsv.partition(b"\n")
    out = [_csv_header(header)]
    start = 0  # the first row not written yet, as an offset in body
    for m in _COMMA_IRI.finditer(body):
        line_start = body.rfind(b"\n", 0, m.start()) + 1
        if line_start < start:
            continue  # a second match on a line already written
        line_end = body.find(b"\n", m.end())
        line_end = len(body) if line_end < 0 else line_end + 1
        out.append(_rows_by_oxigraph(header, body[start:line_start], ox))
        out.append(_rows_by_python(header, body[line_start:line_end], ox))
        start = line_end
    out.append(_rows_by_oxigraph(header, body[start:], ox))
    return b"".join(out)


def _csv_header(header: bytes) -> bytes:
    return b",".join(v[1:] for v in header.split(b"\t")) + b"\r\n" if header else b"\r\n"


def _rows_by_oxigraph(header: bytes, rows: bytes, ox: Any) -> bytes:
    if not rows:
        return b""
    written = ox.parse_query_results(header + b"\n" + rows, ox.QueryResultsFormat.TSV).serialize(
        format=ox.QueryResultsFormat.CSV)
    return written.split(b"\r\n", 1)[1]  # without its header line


def _rows_by_python(header: bytes, rows: bytes, ox: Any) -> bytes:
    solutions = ox.parse_query_results(header + b"\n" + rows, ox.QueryResultsFormat.TSV)
    variables = solutions.variables
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for solution in solutions:
        writer.writerow([_csv_field(solution[v]) for v in variables])
    return text.getvalue().encode("utf-8")


def _csv_field(term: Any) -> str:
    if term is None:
        return ""
    kind = type(term).__name__
    if kind == "BlankNode":
        return "_:" + term.value
    if kind == "Triple":
        return str(term)
    return term.value


class CsvFromTsv:
    """A binary output for pyoxigraph's TSV that writes CSV to ``out`` (the streamed answers)."""

    def __init__(self, out: Any, ox: Any) -> None:
        self.out = out
        self.ox = ox
        self.header: bytes | None = None
        self.pending = b""

    def write(self, b: bytes) -> int:
        data = self.pending + bytes(b)
        if self.header is None:
            if b"\n" not in data:
                self.pending = data
                return len(b)
            header, _, data = data.partition(b"\n")
            self.header = header
            self.out.write(_csv_header(header))
        cut = data.rfind(b"\n") + 1
        self.pending = data[cut:]
        if cut:
            self.out.write(tsv_to_csv(self.header + b"\n" + data[:cut], self.ox).split(b"\r\n", 1)[1])
        return len(b)

    def flush(self) -> None:
        if self.header is None and self.pending:  # a header only, no line feed after it
            self.out.write(_csv_header(self.pending))
            self.pending = b""


class XmlFixed:
    """A binary output that passes XML on to ``out`` with carriage returns as character references."""

    def __init__(self, out: Any) -> None:
        self.out = out

    def write(self, b: bytes) -> int:
        self.out.write(xml_fix(bytes(b)))
        return len(b)

    def flush(self) -> None:
        pass
