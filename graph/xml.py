"""Safe XML parsing for every XML loader: no external entities, no DTD or network access, no bombs.

lxml is told never to resolve entities, load a DTD or touch the network, and
documents that declare entities in their DTD are refused outright (that is how
"billion laughs" and external-entity attacks start; real heritage exports do
not need it). Large documents are read with :func:`iter_elements`, which
streams and frees what it has handed out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from .records import InputError

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_HEAD_BYTES = 1 << 16


def parser(**options: object) -> etree.XMLParser:
    """An lxml parser that resolves nothing and loads nothing."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False, **options)


def check_prolog(head: bytes, name: str) -> None:
    """Refuse a document whose prolog declares entities (internal or external)."""
    doctype = head.find(b"<!DOCTYPE")
    if doctype != -1:
        end = head.find(b"]>", doctype)
        subset = head[doctype: end if end != -1 else len(head)]
        if _ENTITY_DECL.search(subset):
            raise InputError(f"{name}: the document declares XML entities; refused for safety "
                             "(external entities and entity expansion are not allowed)")


def parse_file(path: Path) -> etree._ElementTree:
    """Parse a whole (small) XML file safely; errors become :class:`InputError` with the line."""
    with open(path, "rb") as f:
        check_prolog(f.read(_HEAD_BYTES), path.name)
    try:
        return etree.parse(str(path), parser())
    except etree.XMLSyntaxError as e:
        raise InputError(f"{path.name}: not well-formed XML at line {e.lineno}: {e.msg}") from None
    except OSError as e:
        raise InputError(f"{path.name}: cannot be read ({e})") from None


def parse_bytes(data: bytes, name: str) -> etree._Element:
    check_prolog(data[:_HEAD_BYTES], name)
    try:
        return etree.fromstring(data, parser())
    except etree.XMLSyntaxError as e:
        raise InputError(f"{name}: not well-formed XML at line {e.lineno}: {e.msg}") from None


def iter_elements(source: Path | IO[bytes], tags: str | tuple[str, ...], name: str | None = None
                  ) -> Iterator[etree._Element]:
    """Stream the elements with the given tag(s) (Clark notation ``{ns}local`` or plain local names).

    Each element is yielded once complete; after the caller is done with it,
    it and its already-processed preceding siblings are freed, so memory stays
    flat on files of any size.
    """
    label = name or (source.name if isinstance(source, Path) else "input")
    if isinstance(source, Path):
        with open(source, "rb") as f:
            check_prolog(f.read(_HEAD_BYTES), label)
    else:
        pos = source.tell()
        check_prolog(source.read(_HEAD_BYTES), label)
        source.seek(pos)
    ctx = etree.iterparse(source if not isinstance(source, Path) else str(source), events=("end",), tag=tags,
                          resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        for _, element in ctx:
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as e:
        raise InputError(f"{label}: not well-formed XML at line {e.lineno}: {e.msg}") from None
    except OSError as e:
        raise InputError(f"{label}: cannot be read ({e})") from None


def text(element: etree._Element | None) -> str | None:
    """All the text inside an element, whitespace-normalised; None when empty."""
    if element is None:
        return None
    value = " ".join("".join(element.itertext()).split())
    return value or None


def localname(element: etree._Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def root_tag(head: bytes) -> str | None:
    """The first element's tag in Clark notation (``{ns}local``), read from a document's first bytes.

    For format sniffing (namespaces resolved, prolog skipped, nothing loaded); None when
    the bytes do not start an XML document or end before the first start tag does.
    """
    pull = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True, load_dtd=False,
                               huge_tree=False)
    try:
        pull.feed(head)
    except etree.XMLSyntaxError:
        pass  # a cut-off head is expected; the events read so far still count
    try:
        for _, element in pull.read_events():
            return element.tag if isinstance(element.tag, str) else None
    except etree.XMLSyntaxError:
        return None
    return None
