"""Writing N-Triples terms as text, fast and correctly escaped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from .namespaces import XSD

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_NEEDS_ESCAPE = re.compile(r'[\\"\n\r\t]')
# Characters that N-Triples forbids in an IRI, plus those we never want from source data.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
# Control characters (other than tab/newline) are not allowed in RDF literals' XML serialisations.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_STATEMENT_END = re.compile(rb"[ \t]*\.[ \t]*\r?\n")

XSD_STRING = XSD.iri("string")


def iri(value: str) -> str:
    """An IRI term; characters N-Triples forbids are percent-encoded."""
    if _IRI_FORBIDDEN.search(value):
        value = _IRI_FORBIDDEN.sub(lambda m: "%{:02X}".format(ord(m.group())), value)
    return f"<{value}>"


def literal(text: str, lang: str | None = None) -> str:
    """A plain or language-tagged literal."""
    if _NEEDS_ESCAPE.search(text):
        text = text.translate(_ESCAPES)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if lang:
        return f'"{text}"@{lang}'
    return f'"{text}"'


def typed(value: str, datatype: str) -> str:
    """A typed literal; ``datatype`` is an N-Triples IRI term such as ``XSD.dateTime``."""
    if _NEEDS_ESCAPE.search(value):
        value = value.translate(_ESCAPES)
    return f'"{value}"^^{datatype}'


def valid_lang(tag: str) -> bool:
    return bool(_LANG.match(tag))


def copy_into_graph(ntriples: Path, graph: str, out: BinaryIO, chunk: int = 1 << 22) -> None:
    """Write the N-Triples file ``ntriples`` to ``out`` as N-Quads in ``graph`` (an IRI term).

    A line break only ends a statement (a literal's is escaped), so the graph goes in before the final
    dot of each line, a chunk of whole lines at a time.
    """
    in_graph = f" {graph} .\n".encode()
    rest = b""
    with open(ntriples, "rb") as f:
        while block := f.read(chunk):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            out.write(_STATEMENT_END.sub(in_graph, block[:cut]))
            rest = block[cut:]
    if rest.strip():
        out.write(_STATEMENT_END.sub(in_graph, rest + b"\n"))
