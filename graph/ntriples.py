"""Writing N-Triples terms as text, fast and correctly escaped."""

from __future__ import annotations

import re

from .namespaces import XSD

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_NEEDS_ESCAPE = re.compile(r'[\\"\n\r\t]')
# Characters that N-Triples forbids in an IRI, plus those we never want from source data.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
# Control characters (other than tab/newline) are not allowed in RDF literals' XML serialisations.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

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
