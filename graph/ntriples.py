"""Writing N-Triples terms as text, fast and correctly escaped."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import pyoxigraph as ox

from .namespaces import XSD
from .records import RecordError

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_NEEDS_ESCAPE = re.compile(r'[\\"\n\r\t]')
# Characters that N-Triples forbids in an IRI, plus those we never want from source data.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
# scheme://authority, left as it is by a repair (an IPv6 host is written in brackets)
_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# what a repaired path, query or fragment keeps as it is: the delimiters and sub-delimiters but brackets
_KEPT = "!$&'()*+,;=:@/?#%"
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
# Control characters (other than tab/newline) are not allowed in RDF literals' XML serialisations; half a
# surrogate pair (a file name that is not UTF-8, as Python reads it) cannot be written at all: U+FFFD.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_STATEMENT_END = re.compile(rb"[ \t]*\.[ \t]*\r?\n")

XSD_STRING = XSD.iri("string")


def iri(value: str) -> str:
    """An IRI term from a source's value; characters N-Triples forbids are percent-encoded.

    A value that is not an IRI the store accepts (RFC 3987: ``[1]`` in a path, a second ``#``, a ``%``
    not followed by two hex digits, a character no IRI may hold) is repaired by percent-encoding its
    path, query and fragment; one that is still not an IRI (no scheme, a port that is not a number...)
    is the record's error (:class:`RecordError`), never the load's.
    """
    if _IRI_FORBIDDEN.search(value):
        value = _IRI_FORBIDDEN.sub(lambda m: "%{:02X}".format(ord(m.group())), value)
    if not _is_iri(value):
        value = _repaired(value)
        if not _is_iri(value):
            raise RecordError(f"not an absolute IRI: {value[:200]}")
    return f"<{value}>"


def iri_or_none(value: str) -> str | None:
    """:func:`iri`, or None when no repair makes ``value`` an IRI (for a link, whose record goes on without it)."""
    try:
        return iri(value)
    except RecordError:
        return None


def link_or_text(value: str, is_link: bool) -> str:
    """``value`` as an IRI term when it is a link (:func:`iri`), else, or when it cannot be one, as its text:
    a rights statement written as a broken URL keeps its words."""
    return (iri_or_none(value) if is_link else None) or literal(value)


def _is_iri(value: str) -> bool:
    try:
        ox.NamedNode(value)  # the store's own parser: what it accepts, a load accepts
    except ValueError:
        return False
    return True


def _repaired(value: str) -> str:
    m = _AUTHORITY.match(value)
    head, rest = (m.group(), value[m.end():]) if m else ("", value)
    rest = _BAD_PERCENT.sub("%25", rest)
    if (fragment := rest.find("#")) >= 0:
        rest = rest[:fragment + 1] + rest[fragment + 1:].replace("#", "%23")
    return head + quote(rest.encode("utf-8", "surrogatepass"), safe=_KEPT)


def literal(text: str, lang: str | None = None) -> str:
    """A plain or language-tagged literal."""
    if _NEEDS_ESCAPE.search(text):
        text = text.translate(_ESCAPES)
    if _CONTROL.search(text):
        text = _CONTROL.sub(_unwritable, text)
    if lang:
        return f'"{text}"@{lang}'
    return f'"{text}"'


def _unwritable(m: re.Match[str]) -> str:
    return "\ufffd" if m.group() >= "\ud800" else ""


def typed(value: str, datatype: str) -> str:
    """A typed literal; ``datatype`` is an N-Triples IRI term such as ``XSD.dateTime``."""
    if _NEEDS_ESCAPE.search(value):
        value = value.translate(_ESCAPES)
    return f'"{value}"^^{datatype}'


@lru_cache(maxsize=4096)  # a source speaks a few languages
def valid_lang(tag: str) -> bool:
    """A BCP 47 language tag the store accepts: its own check (``fr-1`` or ``a`` look like tags, are none)."""
    if not _LANG.match(tag):
        return False
    try:
        ox.Literal("", language=tag)
    except ValueError:
        return False
    return True


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
