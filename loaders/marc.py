"""MARC bibliographic records, UNIMARC and MARC 21, as ISO 2709 or MARCXML → CIDOC-CRM.

Two loaders share this module: ``unimarc`` (French libraries: Sudoc, BnF) and
``marc21``. Each one's ``sniff`` claims only files of its own dialect.

Reading
-------
* **ISO 2709** files are split on the record terminator (0x1D), so one broken
  record (wrong length in its leader, broken directory) is rejected with its
  index and byte offset, and the records after it are still read. Each
  record's structure is checked (leader, base address, every directory entry
  ending on a field terminator) before pymarc decodes it. A file whose first
  bytes are not a MARC leader is refused as a whole (:class:`InputError`).
* **Character sets** (ISO 2709): UTF-8 when MARC 21 leader/09 is ``a``, when
  UNIMARC 100$a/26-27 is ``50``, or when a record's bytes are valid UTF-8
  although the leader says MARC-8 (a frequent export slip; MARC-8 text with
  diacritics is never valid UTF-8); MARC-8 otherwise, converted by pymarc
  (``to_unicode=True``). UTF-8 records are cut into fields straight from their
  checked directory (twice as fast as a second parse by pymarc). UNIMARC in ISO
  5426/6937 is rejected with a message saying how to convert it. ``--encoding``
  overrides: ``utf-8``, ``marc-8`` or any Python codec name. Values are NFC,
  without UNIMARC's non-sorting marks.
* **MARCXML** (namespace ``http://www.loc.gov/MARC21/slim``, none as the
  Sudoc serves it, or MarcXchange) is streamed through :mod:`graph.xml`: no
  entities, no DTD, no network; a truncated document is an :class:`InputError`.

Dialect
-------
UNIMARC and MARC 21 share the container, not the tags: UNIMARC titles are in
200 (MARC 21 defines no 200), MARC 21 titles in 245 (UNIMARC defines no 245);
210/214/215/101/801 and a blank leader/23 (``450 ``) are UNIMARC hints,
260/264/300/040 and ``4500`` MARC 21 ones. See :func:`dialect_of`.

Mapping (table: marc_profile.json)
----------------------------------
A record is an ``E31_Document``: ``sudoc/{PPN}``, ``bnf/{ark name}`` or
``marc/[{003}/]{001}``; its identifiers, titles (tagged with the language of
the text), responsibility statement and notes (in the cataloguing language),
extent, type of record; authorship is an ``E65_Creation`` carried out by
persons and groups with their roles (relator codes as French labels), persons
minted from their authority ids (IdRef, BnF, ISNI...) with ``owl:sameAs`` and
birth/death when their dates are readable; publication (210/214, 260/264) is
an ``E7_Activity`` the document was used for (Linked Art's publishing
pattern) with its place, publisher and time-span; subjects are
``P129_is_about`` concepts and places; 856 links are pages or images; the
holding library (930 RCR, 852, 801 ISIL) is the keeper.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any
from unicodedata import normalize

import pymarc

from graph import authorities, xml as safexml
from graph.crm import A
from graph.iri import slug
from graph.mapping import MappingContext
from graph.names import split_dates
from graph.namespaces import CRM, OWL
from graph.records import InputError, RecordError, SourceRecord

PROFILE_PATH = Path(__file__).with_name("marc_profile.json")
LABELS = {"unimarc": "UNIMARC", "marc21": "MARC 21", "intermarc": "INTERMARC"}
MARCXML_NAMESPACES = frozenset({
    "http://www.loc.gov/MARC21/slim", "info:lc/xmlns/marcxchange-v1", "info:lc/xmlns/marcxchange-v2",
})
# Answers that wrap MARCXML records: SRU searchRetrieve (the BnF's and the Sudoc's catalogues)
RECORD_CONTAINERS = frozenset({"searchRetrieveResponse"})
INTERMARC_UNREAD = ("INTERMARC, the BnF's own MARC format, is not read: take the records in UNIMARC "
                    "(the BnF catalogue exports them, its SRU gives them with recordSchema=unimarcxchange)")
HEAD_BYTES = 64 * 1024
READ_CHUNK = 1 << 20
MAX_RECORD = 99_999  # five digits of record length
RECORD_END, FIELD_END, SUBFIELD = b"\x1d", 0x1E, b"\x1f"
UTF8_BOM = codecs.BOM_UTF8

# leader: record length, 5 free positions, indicator and subfield code counts, base address, 3 free, "45"
_LEADER = re.compile(rb"\d{5}[\x20-\x7e]{5}\d\d\d{5}[\x20-\x7e]{3}45")
_TAG = re.compile(r"^[0-9A-Za-z]{3}$")
# UNIMARC and Sudoc mark the non-sorting part of a title with C1 control characters.
_NONSORT = re.compile("[\x88\x89\x98\x9c]")
_ISBD = " \t\r\n/:;=,"  # punctuation (and spaces) around the values of a field
_FINAL_DOT = re.compile(r"(?:[^\W\d_]{4,}|\d+|[)\]])\.$")
_YEARS = re.compile(r"(\d{4})(\s*\?)?(?:\s*-\s*(\d{4}))?")
_SUDOC = re.compile(r"sudoc\.(?:fr|abes\.fr)/(\d{8}[\dXx])\b")
_BNF_ARK = re.compile(r"ark:/12148/(c[a-z]\d{8}[0-9a-z])")
_ARK = re.compile(r"ark:/\d{5}/[^\s?#]+")
_ORG_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,15}$")
_ISBN = re.compile(r"[0-9][0-9Xx-]{8,16}[0-9Xx]")
_ISSN = re.compile(r"\d{4}-?\d{3}[\dXx]")
_SYSTEM_NUMBER = re.compile(r"^\((?P<org>[^)]+)\)\s*(?P<id>\S.*)$")
_XML_PROLOG = re.compile(rb"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*", re.S)
_XML_START = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)([^>]*)>", re.S)
_XML_TAGS = re.compile(rb"<(?:[\w.-]+:)?(?:datafield|controlfield)\b[^>]*?\btag\s*=\s*[\"'](\w{3})[\"']")
_XML_FORMAT = re.compile(rb"<(?:[\w.-]+:)?record\b[^>]*?\bformat\s*=\s*[\"']([^\"']+)[\"']")
_XML_LEADER = re.compile(rb"<(?:[\w.-]+:)?leader\b[^>]*>([^<]{0,40})<")

P3 = CRM("P3_has_note")
P129 = CRM("P129_is_about")


@cache
def profile() -> dict[str, Any]:
    return json.loads(PROFILE_PATH.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# A decoded record


def _clean(value: str | None) -> str:
    """A subfield value in NFC, without non-sorting marks or surrounding spaces."""
    if not value:
        return ""
    return value.strip() if value.isascii() else normalize("NFC", _NONSORT.sub("", value)).strip()


class DataField:
    """One data field: indicators and (code, value) subfields, values in NFC without non-sorting marks."""

    __slots__ = ("ind1", "ind2", "subfields")

    def __init__(self, ind1: str, ind2: str, subfields: list[tuple[str, str]]) -> None:
        self.ind1, self.ind2, self.subfields = ind1, ind2, subfields

    def get(self, code: str) -> str | None:
        return next((v for c, v in self.subfields if c == code and v), None)

    def all(self, code: str) -> list[str]:
        return [v for c, v in self.subfields if c == code and v]


class Marc:
    """One MARC record: its leader, control fields and data fields by tag, in order."""

    __slots__ = ("leader", "control", "data")

    def __init__(self, leader: str) -> None:
        self.leader = leader.ljust(24)[:24]
        self.control: dict[str, str] = {}
        self.data: dict[str, list[DataField]] = {}

    def add_control(self, tag: str, value: str) -> None:
        self.control.setdefault(tag, value if value.isascii() else normalize("NFC", _NONSORT.sub("", value)))

    def add_data(self, tag: str, ind1: str, ind2: str, subfields: Iterable[tuple[str, str]]) -> None:
        values = [(c, _clean(v)) for c, v in subfields]
        self.data.setdefault(tag, []).append(DataField(ind1 or " ", ind2 or " ", values))

    def fields(self, tag: str) -> list[DataField]:
        return self.data.get(tag, [])

    def values(self, tag: str, code: str) -> list[str]:
        return [v for f in self.fields(tag) for v in f.all(code)]

    def first(self, tag: str, code: str) -> str | None:
        return next(iter(self.values(tag, code)), None)

    def tags(self) -> set[str]:
        return set(self.control) | set(self.data)

    def to_pymarc(self) -> pymarc.Record:
        """The record as pymarc writes it (ISO 2709 in UTF-8 with ``as_marc()``), for tests and benchmarks."""
        record = pymarc.Record(leader=self.leader, force_utf8=True)
        for tag, value in self.control.items():
            record.add_field(pymarc.Field(tag=tag, data=value))
        for tag, fields in self.data.items():
            for f in fields:
                record.add_field(pymarc.Field(tag=tag, indicators=pymarc.Indicators(f.ind1, f.ind2),
                                              subfields=[pymarc.Subfield(c, v) for c, v in f.subfields]))
        return record

    @classmethod
    def from_pymarc(cls, record: pymarc.Record) -> Marc:
        marc = cls(str(record.leader))
        for f in record.fields:
            if f.is_control_field():
                marc.add_control(f.tag, f.data or "")
            else:
                marc.add_data(f.tag, f.indicator1, f.indicator2, ((s.code, s.value) for s in f.subfields))
        return marc


# ---------------------------------------------------------------------------
# Dialect

_UNIMARC_EVIDENCE = {"200": 10, "210": 2, "214": 2, "215": 2, "225": 2, "101": 2, "102": 1, "105": 1, "606": 1,
                     "607": 1, "701": 1, "702": 1, "801": 1}
_MARC21_EVIDENCE = {"245": 10, "260": 2, "264": 2, "300": 2, "040": 2, "490": 1, "650": 1, "651": 1, "050": 1,
                    "082": 1}


def dialect_of(tags: Iterable[str], leader: str = "", hint: str | None = None) -> str | None:
    """``unimarc``, ``marc21`` or None (no evidence either way) from a record's tags and leader.

    ``hint`` is what the file says, when it does (MarcXchange ``format``).
    """
    if hint:
        h = hint.lower().replace(" ", "")
        if "intermarc" in h:
            return "intermarc"
        if "unimarc" in h:
            return "unimarc"
        if "marc21" in h or "usmarc" in h:
            return "marc21"
    if len(leader) >= 24 and leader[20:22] == "45" and "a" <= leader[22] <= "z":
        return "intermarc"  # MARC 21 writes 4500 there, UNIMARC "450 "; INTERMARC a letter (its record status)
    tags = set(tags)
    unimarc = sum(w for t, w in _UNIMARC_EVIDENCE.items() if t in tags)
    marc21 = sum(w for t, w in _MARC21_EVIDENCE.items() if t in tags)
    if len(leader) >= 24:
        if leader[20:24] == "450 ":
            unimarc += 1
        elif leader[20:24] == "4500":
            marc21 += 1
    if unimarc == marc21:
        return None
    return "unimarc" if unimarc > marc21 else "marc21"


def sniff_dialect(head: bytes) -> str | None:
    """The dialect of a MARC file from its first bytes; None when it is not MARC."""
    body = head[3:] if head.startswith(UTF8_BOM) else head
    body = body.lstrip()
    if body.startswith(b"<"):
        root = xml_root(body)
        if root is None:
            return None
        if root[0] in RECORD_CONTAINERS:
            if not any(ns.encode() in body for ns in MARCXML_NAMESPACES):
                return None
        elif root[0] not in ("record", "collection") or (root[1] and root[1] not in MARCXML_NAMESPACES):
            return None
        tags = {m.group(1).decode() for m in _XML_TAGS.finditer(body)}
        if not tags:
            return None
        leader = _XML_LEADER.search(body)
        hint = _XML_FORMAT.search(body)
        return dialect_of(tags, leader.group(1).decode("utf-8", "replace") if leader else "",
                          hint.group(1).decode("ascii", "replace") if hint else None)
    try:
        entries, _ = directory(body, partial=True)
    except BrokenRecord:
        return None
    return dialect_of({e[0] for e in entries}, body[:24].decode("ascii", "replace"))


def xml_root(head: bytes) -> tuple[str, str | None] | None:
    """(local name, namespace) of the document element, read from the first bytes."""
    body = head[3:] if head.startswith(UTF8_BOM) else head
    start = _XML_START.match(body, _XML_PROLOG.match(body).end())
    if start is None:
        return None
    prefix, local, attrs = start.groups()
    decl = b"xmlns:" + prefix if prefix else b"xmlns"
    ns = re.search(rb"\s" + re.escape(decl) + rb"\s*=\s*([\"'])(.*?)\1", attrs)
    return local.decode("ascii", "replace"), ns.group(2).decode("utf-8", "replace") if ns else None


# ---------------------------------------------------------------------------
# ISO 2709


class BrokenRecord(Exception):
    """A record whose structure or bytes cannot be read; the message says why."""


def directory(chunk: bytes, partial: bool = False) -> tuple[list[tuple[str, int, int]], int]:
    """The (tag, length, offset) directory entries and the base address of one ISO 2709 record.

    ``partial``: ``chunk`` is the start of a file (sniffing): lengths and
    offsets are not checked against the data.
    """
    if len(chunk) < 25 or not _LEADER.match(chunk):
        raise BrokenRecord("no valid leader (24 characters starting with the record length)")
    length, base = int(chunk[:5]), int(chunk[12:17])
    if not partial and length != len(chunk):
        raise BrokenRecord(f"the leader gives a record length of {length} bytes, the record has {len(chunk)}")
    if partial and base > len(chunk):
        raw = chunk[24:24 + (len(chunk) - 24) // 12 * 12]
    else:
        if base < 25 or base > len(chunk) or chunk[base - 1] != FIELD_END:
            raise BrokenRecord(f"broken directory: no field terminator before the base address {base}")
        raw = chunk[24:base - 1]
        if len(raw) % 12:
            raise BrokenRecord(f"broken directory: {len(raw)} bytes, not a multiple of 12")
    entries: list[tuple[str, int, int]] = []
    data_end = len(chunk) - 1
    for n, i in enumerate(range(0, len(raw), 12), 1):
        entry = raw[i:i + 12]
        if not entry[3:].isdigit() or not entry[:3].isalnum():
            raise BrokenRecord(f"broken directory: entry {n} is not a tag, length and offset ({entry!r})")
        tag, size, offset = entry[:3].decode("ascii"), int(entry[3:7]), int(entry[7:])
        if not partial:
            end = base + offset + size
            if size == 0 or end > data_end or chunk[end - 1] != FIELD_END:
                raise BrokenRecord(f"broken directory: entry {n} (field {tag}) does not point to a whole field")
        entries.append((tag, size, offset))
    if not entries:
        raise BrokenRecord("empty directory")
    return entries, base


def split_records(f: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(byte offset, record) for each record of an ISO 2709 stream, split on the record terminator."""
    buf, base = b"", 0
    while data := f.read(READ_CHUNK):
        buf += data
        start = 0
        while (end := buf.find(RECORD_END, start)) != -1:
            yield from _piece(buf, start, end + 1, base)
            start = end + 1
        if len(buf) - start > MAX_RECORD:  # no terminator where one must be: give the bytes up as one record
            yield from _piece(buf, start, len(buf), base)
            start = len(buf)
        base += start
        buf = buf[start:]
    yield from _piece(buf, 0, len(buf), base)


def _piece(buf: bytes, start: int, end: int, base: int) -> Iterator[tuple[int, bytes]]:
    chunk = buf[start:end]
    stripped = chunk.lstrip(b" \t\r\n\x1a\x00")
    if stripped.strip(b" \t\r\n\x1a\x00"):
        yield base + start + len(chunk) - len(stripped), stripped


def _field_bytes(chunk: bytes, entries: list[tuple[str, int, int]], base: int, tag: str) -> bytes:
    for t, size, offset in entries:
        if t == tag:
            return chunk[base + offset: base + offset + size - 1]
    return b""


def _subfield(data: bytes, code: bytes) -> bytes:
    for part in data.split(SUBFIELD)[1:]:
        if part[:1] == code:
            return part[1:]
    return b""


def _utf8(chunk: bytes, entries: list[tuple[str, int, int]], base: int, dialect: str | None) -> bool:
    """Whether a record's bytes are UTF-8 (True) or MARC-8 (False); see the module docstring."""
    if chunk[9:10] == b"a" or chunk.isascii():
        return True
    charset = b""
    if dialect == "unimarc":
        charset = _subfield(_field_bytes(chunk, entries, base, "100"), b"a")[26:28]
        if charset == b"50":
            return True
    try:
        chunk.decode("utf-8")
        return True
    except UnicodeDecodeError:
        pass
    if dialect == "unimarc":
        raise BrokenRecord(f"UNIMARC character set {charset.decode('ascii', 'replace')!r} (100$a/26-27) is not "
                           "supported: convert the file to UTF-8 first (yaz-marcdump -f ISO5426 -t UTF-8 -o marc)")
    return False


def _decode(chunk: bytes, entries: list[tuple[str, int, int]], base: int, dialect: str | None,
            encoding: str | None) -> Marc:
    """The record's fields as text: UTF-8 read directly from the checked directory, anything else by pymarc."""
    utf8 = _utf8(chunk, entries, base, dialect) if encoding is None else encoding == "utf-8"
    if utf8:
        return _decode_utf8(chunk, entries, base)
    options: dict[str, Any] = {"file_encoding": encoding} if encoding not in (None, "marc-8") else {}
    try:  # MARC-8 (leader/09 blank) is converted to Unicode by pymarc
        record = pymarc.Record(chunk, to_unicode=True, force_utf8=False, hide_utf8_warnings=True, **options)
    except UnicodeDecodeError as e:
        raise BrokenRecord(f"not valid {e.encoding} text ({e.reason})") from None
    except Exception as e:  # pymarc raises its own exceptions and plain ValueError/IndexError on bad bytes
        raise BrokenRecord(str(e) or type(e).__name__) from None
    return Marc.from_pymarc(record)


def _decode_utf8(chunk: bytes, entries: list[tuple[str, int, int]], base: int) -> Marc:
    """A UTF-8 record, field by field from its directory (already checked by :func:`directory`).

    pymarc would parse the record again into objects that :meth:`Marc.from_pymarc` then
    copies; reading the fields once is half the cost of the whole read.
    """
    marc = Marc(chunk[:24].decode("ascii"))
    try:
        for tag, size, offset in entries:
            text = chunk[base + offset: base + offset + size - 1].decode("utf-8")
            if tag < "010" and tag.isdigit():
                marc.add_control(tag, text)
                continue
            indicators, *subfields = text.split("\x1f")
            marc.add_data(tag, indicators[:1], indicators[1:2], ((sf[:1], sf[1:]) for sf in subfields if sf))
    except UnicodeDecodeError as e:
        raise BrokenRecord(f"not valid UTF-8 text ({e.reason})") from None
    return marc


def _encoding(encoding: str | None) -> str | None:
    if encoding is None:
        return None
    key = encoding.lower().replace("_", "-")
    if key in ("marc8", "marc-8"):
        return "marc-8"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r} (try utf-8 or marc-8)") from None
    return "utf-8" if name == "utf-8" else name


def _iso2709(path: Path, dialect: str, encoding: str | None) -> Iterator[SourceRecord]:
    enc = _encoding(encoding)
    try:
        f = open(path, "rb")
    except OSError as e:
        raise InputError(f"{path.name}: cannot be read ({e.strerror or e})") from None
    with f:
        try:
            for index, (offset, chunk) in enumerate(split_records(f), 1):
                try:
                    entries, base = directory(chunk)
                except BrokenRecord as e:
                    if index == 1 and not _LEADER.match(chunk):
                        raise InputError(f"{path.name}: not an ISO 2709 MARC file "
                                         "(it does not start with a record leader)") from None
                    yield SourceRecord(index, error=f"record at byte {offset}: {e}")
                    continue
                found = dialect_of((e[0] for e in entries), chunk[:24].decode("ascii", "replace"))
                try:
                    marc = _decode(chunk, entries, base, found or dialect, enc)
                except BrokenRecord as e:
                    yield SourceRecord(index, error=f"record at byte {offset}: {e}")
                    continue
                yield _source_record(index, None, marc, found or dialect)
        except OSError as e:
            raise InputError(f"{path.name}: cannot be read ({e.strerror or e})") from None


# ---------------------------------------------------------------------------
# MARCXML


def _marcxml(path: Path, dialect: str, head: bytes) -> Iterator[SourceRecord]:
    root = xml_root(head)
    if root is not None and root[0] in RECORD_CONTAINERS:
        tag: str | tuple[str, ...] = tuple(f"{{{ns}}}record" for ns in sorted(MARCXML_NAMESPACES))
    elif root is None or root[0] not in ("record", "collection"):
        name = f"<{root[0]}>" if root else "no element"
        raise InputError(f"{path.name}: not MARCXML (the document element is {name}, not <collection> or <record>)")
    elif (ns := root[1]) and ns not in MARCXML_NAMESPACES:
        raise InputError(f"{path.name}: not MARCXML (namespace {ns})")
    else:
        tag = f"{{{ns}}}record" if ns else "record"
    for index, element in enumerate(safexml.iter_elements(path, tag), 1):
        line = element.sourceline
        try:
            marc = _xml_marc(element)
        except BrokenRecord as e:
            yield SourceRecord(index, line=line, error=str(e))
            continue
        found = dialect_of(marc.tags(), marc.leader, element.get("format"))
        yield _source_record(index, line, marc, found or dialect)


def _xml_marc(element: Any) -> Marc:
    leader = ""
    fields: list[tuple[str, Any]] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        name = safexml.localname(child)
        if name == "leader":
            leader = child.text or ""
        elif name in ("controlfield", "datafield"):
            tag = child.get("tag") or ""
            if not _TAG.match(tag):
                raise BrokenRecord(f"{name} at line {child.sourceline} has no valid tag ({tag!r})")
            fields.append((name, child))
    marc = Marc(leader)
    for name, child in fields:
        if name == "controlfield":
            marc.add_control(child.get("tag"), child.text or "")
        else:
            subfields = ((sf.get("code") or "", sf.text) for sf in child
                         if isinstance(sf.tag, str) and safexml.localname(sf) == "subfield")
            marc.add_data(child.get("tag"), (child.get("ind1") or " ")[:1], (child.get("ind2") or " ")[:1], subfields)
    if not marc.control and not marc.data:
        raise BrokenRecord("empty record (no control or data field)")
    return marc


# ---------------------------------------------------------------------------
# Records


def _source_record(index: int, line: int | None, marc: Marc, dialect: str) -> SourceRecord:
    key = record_key(marc)
    return SourceRecord(index, line=line, source_id="/".join(key[1]) if key else None, data=marc, kind=dialect)


def read_marc(path: Path, dialect: str, encoding: str | None = None) -> Iterator[SourceRecord]:
    """The records of an ISO 2709 or MARCXML file; a file of the other dialect is an :class:`InputError`."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError as e:
        raise InputError(f"{path.name}: cannot be read ({e.strerror or e})") from None
    body = head[3:] if head.startswith(UTF8_BOM) else head
    if not body.strip():
        raise InputError(f"{path.name}: the file is empty")
    records = _marcxml(path, dialect, head) if body.lstrip().startswith(b"<") else _iso2709(path, dialect, encoding)
    checked = False
    for record in records:
        if not checked and record.error is None:
            checked = True
            if record.kind == "intermarc":
                raise InputError(f"{path.name}: {INTERMARC_UNREAD}")
            if record.kind != dialect:
                raise InputError(f"{path.name}: holds {LABELS[record.kind]} records, not {LABELS[dialect]}; "
                                 f"load it with --format {record.kind}")
        yield record


def record_key(r: Marc) -> tuple[str, tuple[str, ...]] | None:
    """(source, ids) of a record's IRI: ``sudoc`` (PPN), ``bnf`` (ark name) or ``marc`` ([003,] 001 or 035)."""
    c001 = (r.control.get("001") or "").strip()
    c003 = (r.control.get("003") or "").strip()
    if m := _SUDOC.search(c003):
        return "sudoc", (m.group(1).upper(),)
    if re.match(profile()["authorities"]["ppn"], c001) and "abes" in (v.lower() for v in r.values("801", "b")):
        return "sudoc", (c001.upper(),)
    if m := _BNF_ARK.search(c003):
        return "bnf", (m.group(1),)
    if c001:
        return ("marc", (c003, c001)) if _ORG_CODE.match(c003) else ("marc", (c001,))
    for value in r.values("035", "a"):
        return "marc", (value,)
    return None


# ---------------------------------------------------------------------------
# Mapping helpers


def trim(text: str) -> str:
    """A value without its ISBD punctuation: ``"Tournier, Paul."`` → ``"Tournier, Paul"``."""
    t = text.strip(_ISBD)
    if t.endswith(".") and not t.endswith("..") and _FINAL_DOT.search(t, max(0, len(t) - 40)):
        t = t[:-1]
    return t


def compose(f: DataField, parts: dict[str, Any]) -> str:
    """The field's subfields named in ``parts``, trimmed and joined (see marc_profile.json)."""
    out: list[str] = []
    for code, value in f.subfields:
        sep = parts.get(code)
        if sep is None or not (v := trim(value)):
            continue
        if isinstance(sep, list):
            out.append((sep[0] if out else "") + v + sep[1])
        else:
            out.append((sep if out else "") + v)
    return "".join(out).strip()


def clean_date(text: str) -> str:
    """The years of a publication date: ``"c1962."`` → ``"1962"``, ``"[1957?]"`` → ``"1957?"``."""
    m = _YEARS.search(text)
    if not m:
        return trim(text.strip("[] "))
    return m.group(1) + ("?" if m.group(2) else "") + (f"-{m.group(3)}" if m.group(3) else "")


@dataclass(frozen=True, slots=True)
class Authority:
    scheme: str
    id: str
    uri: str | None  # the entity IRI (graph/authorities.py), None when the file publishes none


@cache
def _authority_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p["pattern"], re.I), p["scheme"]) for p in profile()["authorities"]["patterns"])


def authority(value: str, kind: str, source: str) -> Authority | None:
    """An authority id of a name or subject field: ``078084431`` (IdRef PPN), ``ISNI0000…``, ``(DLC)n 79021164``."""
    v = value.strip()
    if (found := authorities.parse(v)) is not None:
        return Authority(found.scheme, found.id, found.iri)
    for pattern, scheme in _authority_patterns():  # MARC notations the authority table does not know
        if m := pattern.search(v):
            ident = re.sub(r"\s+", "", m.group(1))
            found = authorities.entity(scheme, f"{kind}/{ident}" if scheme == "lc" else ident)
            return Authority(scheme, ident, found.iri if found else None)
    auth = profile()["authorities"]
    if source != "bnf" and re.match(auth["ppn"], v):
        found = authorities.entity("idref", v)
        return Authority("idref", v.upper(), found.iri if found else None)
    if source == "bnf" and re.match(auth["bnf_number"], v):
        found = authorities.entity("bnf", bnf_ark_name(v))
        return Authority("bnf", v, found.iri if found else None)
    return None


_NOID_DIGITS = "0123456789bcdfghjkmnpqrstvwxz"


def bnf_ark_name(number: str) -> str:
    """The ark name of a BnF record number (``$3`` of the BnF's own records): ``11907966`` → ``cb11907966z``.

    BnF arks end with a NOID check character: the sum of each character's position (from 1) times
    its value in the NOID alphabet (0 for the letters outside it), modulo 29.
    """
    name = "cb" + number
    total = sum(i * max(_NOID_DIGITS.find(c), 0) for i, c in enumerate(name, 1))
    return name + _NOID_DIGITS[total % len(_NOID_DIGITS)]


# ---------------------------------------------------------------------------
# Mapping


class RecordMapping:
    """Maps one decoded record with the blocks of its dialect's profile section."""

    def __init__(self, marc: Marc, ctx: MappingContext, dialect: str) -> None:
        self.r, self.ctx, self.b, self.m = marc, ctx, ctx.b, ctx.m
        self.p = profile()[dialect]
        key = record_key(marc)
        if key is None:
            raise RecordError("no record identifier (001, 003 or 035)")
        self.source, self.ids = key
        self.term = self.m.record(self.source, *self.ids)
        languages = profile()["languages"]
        self.text_lang = languages.get(self._coded(self.p["language"]) or "")
        self.note_lang = languages.get(self._coded(self.p["cataloguing_language"]) or "")

    def languages(self) -> list[str]:
        """The codes of the languages of the text (UNIMARC 101 $a, MARC 21 008/35-37 and 041 $a)."""
        codes: list[str] = []
        for spec in self.p["languages"]:
            if "control" in spec:
                codes.append(self._coded(spec) or "")
            else:
                codes += self.r.values(spec["tag"], spec["code"])
        return [c.strip() for c in codes if c and c.strip()]

    def _coded(self, spec: dict[str, Any]) -> str | None:
        """A coded value: a control field's positions or a subfield (positions of it)."""
        if "control" in spec:
            text = self.r.control.get(spec["control"], "")
        else:
            text = self.r.first(spec["tag"], spec["code"]) or ""
        if "start" in spec:
            text = text[spec["start"]:spec["end"]]
        return text.strip().lower() or spec.get("default")

    def not_a_document(self) -> str | None:
        """Why the record is an authority (or holdings...) record, by its leader or its 003; None for a document."""
        spec = self.p["authorities"]
        if (kind := self.r.leader[6]) != " " and kind in spec["types"]:
            return f"leader/06 {kind!r}"
        uri = self.r.control.get("003", "")
        if spec.get("record_uri") and re.match(spec["record_uri"], uri):
            return f"003 {uri}"
        return None

    def run(self) -> None:
        if why := self.not_a_document():
            raise RecordError(f"an authority record ({why}), not the description of a document: "
                              "authorities are linked by their IRIs, not loaded as records")
        titles = [t for f in self.r.fields(self.p["title"]["tag"]) if (t := compose(f, self.p["title"]["parts"]))]
        if not titles:
            raise RecordError(f"no title ({self.p['title']['tag']} ${next(iter(self.p['title']['parts']))})")
        self.region()
        b, term = self.b, self.term
        with b.speaking(self.text_lang or ""):
            b.entity(term, "E31_Document", titles[0], self.ctx.dataset)
            for n, title in enumerate(titles, 1):
                b.title(term, title, n)
        self.other_titles(len(titles))
        self.identifiers()
        self.types()
        self.texts()
        self.creation()
        self.publication()
        self.subjects()
        self.locations()
        self.keepers()
        self.ctx.written_in(term, self.languages(), physical=False)

    # -- region filter ----------------------------------------------------------
    def _place_names(self) -> list[str]:
        """The places the record names, as written: subject places first, then publication and other places."""
        p, r = self.p, self.r
        codes = p["subject_codes"]
        names = []
        for spec in p["subjects"]:
            places = set(codes["places"]) | ({codes["main"]} if spec["type"] == "place" else set())
            names += [trim(v) for f in r.fields(spec["tag"]) for c, v in f.subfields if c in places and v]
        names += [c for spec in p["publication"] for v in r.values(spec["tag"], spec["place"])
                  if (c := self._clean_place(v))]
        return names + [v for spec in p["region_clues"] for v in r.values(spec["tag"], spec["code"])]

    def region(self) -> None:
        """Keep the record when any place it names is in the region, or when none says where it is."""
        ctx = self.ctx
        if ctx.region is None:
            return
        ctx.require_places_in_region(self._place_names())

    # -- identification -----------------------------------------------------------
    def _identifier(self, subject: str, value: str, kind: str) -> None:
        self.b.identifier(subject, value, kind, profile()["identifier_labels"].get(kind))

    def identifiers(self) -> None:
        r, term = self.r, self.term
        if self.source == "sudoc":
            self._identifier(term, self.ids[0], "ppn")
        elif self.source == "bnf":
            self._identifier(term, f"ark:/12148/{self.ids[0]}", "ark")
        c001 = (r.control.get("001") or "").strip()
        if c001 and not (self.source == "sudoc" and c001.upper() == self.ids[0]):
            self._identifier(term, c001, "marc-001")
        c003 = (r.control.get("003") or "").strip()
        if c003.startswith(("http://", "https://")):
            self.b.page(term, c003)
        for spec in self.p["identifiers"]:
            for value in r.values(spec["tag"], spec["code"]):
                kind, value = self._normalised(spec["kind"], value)
                if value:
                    self._identifier(term, value, kind)

    @staticmethod
    def _normalised(kind: str, value: str) -> tuple[str, str | None]:
        if kind == "isbn":
            m = _ISBN.search(value)
            return kind, m.group().upper() if m else None
        if kind == "issn":
            m = _ISSN.search(value)
            return kind, m.group().upper() if m else None
        if kind == "ark":
            m = _ARK.search(value)
            return kind, m.group() if m else None
        if kind == "system-number" and (m := _SYSTEM_NUMBER.match(value)):
            if m.group("org").lower() == "ocolc":
                return "oclc", re.sub(r"^[a-z]+", "", m.group("id").strip())
        return kind, value.strip()

    def types(self) -> None:
        leader, b = self.r.leader, self.b
        if label := self.p["record_types"].get(leader[6]):
            b.classify(self.term, "document-type", label)
        if label := self.p["levels"].get(leader[7]):
            b.classify(self.term, "bibliographic-level", label)

    # -- texts ------------------------------------------------------------------
    def _note(self, text: str, kind: str, n: int, lang: str | None) -> None:
        b = self.b
        b.concept("text-type", kind)  # declared in the builder's language before switching
        with b.speaking(lang or ""):
            b.text_note(self.term, text, kind, n)

    def other_titles(self, n: int) -> None:
        languages = profile()["languages"]
        for spec in self.p["other_titles"]:
            for f in self.r.fields(spec["tag"]):
                if text := compose(f, spec["parts"]):
                    n += 1
                    code = f.get(spec["lang"]) if "lang" in spec else None
                    with self.b.speaking(languages.get((code or "").lower(), "")):
                        self.b.title(self.term, text, n)

    def texts(self) -> None:
        r, p = self.r, self.p
        spec = p["responsibility"]
        statements = [trim(v) for f in r.fields(spec["tag"]) for c, v in f.subfields if c in spec["codes"] and v]
        if statements:
            self._note(" ; ".join(statements), "mention de responsabilité", 1, self.text_lang)
        counts: dict[str, int] = {}
        for spec in p["texts"]:
            for f in r.fields(spec["tag"]):
                if text := compose(f, spec.get("parts", {"a": ""})):
                    counts[spec["kind"]] = n = counts.get(spec["kind"], 0) + 1
                    self._note(text, spec["kind"], n, self.note_lang)
        n = 0
        for spec in p["extent"]:
            for f in r.fields(spec["tag"]):
                if text := compose(f, spec["parts"]):
                    n += 1
                    self._note(text, "importance matérielle", n, self.note_lang)
        # a book's "24 cm" is its height (ISBD); other forms ("30 x 42 cm") say which is which
        sizes = [trim(v) for spec in p["dimensions"] for v in r.values(spec["tag"], spec["code"])]
        kind = "height" if r.leader[6] in p["book_types"] else "unknown-dimension"
        self.ctx.measurements(self.term, [s for s in sizes if s], default_kind=kind)

    # -- authorship -----------------------------------------------------------------
    def creation(self) -> None:
        actors = [a for spec in self.p["names"] for f in self.r.fields(spec["tag"]) if (a := self.actor(f, spec))]
        if not actors:
            return
        b = self.b
        creation = b.creation(self.term)
        n = 0
        for actor, roles in actors:
            for role in roles or [None]:
                n += 1
                b.carried_out_by(creation, actor, role, n)

    def actor(self, f: DataField, spec: dict[str, Any]) -> tuple[str, list[str]] | None:
        """A person or group of a name field, declared with its authority links; and its roles."""
        kind = spec["kind"]
        name = compose(f, self.p["name_parts"][kind])
        if not name:
            return None
        codes = self.p["name_codes"]
        auths = [a for code in codes["authorities"] for v in f.all(code) if (a := authority(v, "names", self.source))]
        b = self.b
        if kind == "person":  # a mention of this record; linking merges the mentions of one authority id
            name, in_name = split_dates(name)  # "Tournier, Paul (1850-1929)"
            term = b.person(name)
            if (dates := f.get(codes["dates"]) or in_name) and f"{term} life" not in b.declared:
                b.declared.add(f"{term} life")  # once per load, as b.match does
                self.life(term, dates)
        else:
            term = self.ctx.institution(name, [(a.scheme, a.id) for a in auths])
        for a in auths:
            if a.uri:
                b.match(term, OWL.sameAs, a.uri)
        relators = profile()["relators"]
        roles = [relators.get(c.strip().lower()) or f"fonction {c.strip()}" for c in f.all(codes["relator_codes"])]
        if codes["relator_terms"]:
            roles += [t for v in f.all(codes["relator_terms"]) if (t := trim(v))]
        if not roles and spec.get("role"):
            roles = [spec["role"]]
        return term, list(dict.fromkeys(roles))

    def life(self, person: str, text: str) -> None:
        """Birth and death with their years when ``text`` reads as ``1899-1985``, ``1984-....``; else a note."""
        if not self.ctx.life_dates(person, text):
            self.b.out.text(person, P3, f"dates : {text}", self.b.lang)

    # -- publication ---------------------------------------------------------------------
    def _clean_place(self, text: str) -> str | None:
        t = trim(text.strip().strip("[]"))
        if not t or re.match(profile()["unknown_values"], text.strip(), re.I):
            return None
        return t

    def place(self, name: str) -> str | None:
        """The place a name designates (graph/places.py), None for a name of no place."""
        return self.ctx.place(name, subject=self.term)

    def publication(self) -> None:
        b, unknown = self.b, profile()["unknown_values"]
        events: list[str] = []
        dated = False
        for spec in self.p["publication"]:
            for f in self.r.fields(spec["tag"]):
                places = [p for v in f.all(spec["place"]) if (p := self._clean_place(v))]
                agents = [a for v in f.all(spec["agent"])
                          if (a := trim(v.strip("[] "))) and not re.match(unknown, v.strip(), re.I)]
                dates = [clean_date(v) for v in f.all(spec["date"])]
                if not (places or agents or dates):
                    continue
                event = b.part(self.term, "publication" if not events else f"publication-{len(events) + 1}")
                events.append(event)
                function = spec.get("function") or spec["functions"].get(f.ind2, "publication")
                b.link(self.term, CRM("P16i_was_used_for"), event)
                b.link(event, A, CRM("E7_Activity"))
                b.classify(event, "activity-type", function)
                for place in places:
                    if (node := self.place(place)) is not None:
                        b.link(event, CRM("P7_took_place_at"), node)
                for n, agent in enumerate(agents, 1):
                    b.carried_out_by(event, self.ctx.institution(agent), None, n)
                if dates:
                    self.ctx.dated(event, dates)
                    dated = True
        year = self._coded(self.p["coded_date"]) or ""
        if not dated and year.isdigit() and len(year) == 4:
            if not events:
                events.append(b.part(self.term, "publication"))
                b.link(self.term, CRM("P16i_was_used_for"), events[0])
                b.link(events[0], A, CRM("E7_Activity"))
                b.classify(events[0], "activity-type", "publication")
            self.ctx.dated(events[0], [year])

    # -- subjects -----------------------------------------------------------------------
    def subjects(self) -> None:
        codes, schemes = self.p["subject_codes"], self.p["subject_schemes"]
        for spec in self.p["subjects"]:
            for f in self.r.fields(spec["tag"]):
                named = f.get(codes["scheme"])
                scheme = slug(named) if named else schemes.get(f.ind2, schemes["default"])
                for kind, value, auth in self.heading(f, spec["type"]):
                    if kind == "genre":
                        self.b.classify(self.term, scheme, value)
                    elif kind == "place":
                        if (node := self.place(value)) is not None:
                            self.b.link(self.term, P129, node)
                    else:
                        self.b.link(self.term, P129, self.concept(scheme, value, auth))

    def heading(self, f: DataField, main_kind: str) -> list[tuple[str, str, str | None]]:
        """(kind, label, authority id) of each element of a subject heading.

        An authority subfield applies to the element after it (Sudoc puts a $3
        before each element); one left at the end applies to the main element.
        """
        codes = self.p["subject_codes"]
        items: list[list[Any]] = []
        pending: str | None = None
        for code, value in f.subfields:
            if code == codes["authority"]:
                pending = value
                continue
            if code == codes["main"]:
                kind = main_kind
            elif code in codes["concepts"]:
                kind = "concept" if main_kind != "genre" else ""
            elif code in codes["places"]:
                kind = "place" if main_kind != "genre" else ""
            else:
                continue
            if kind and (label := trim(value)):
                items.append([kind, label, pending])
            pending = None
        if pending and items and items[0][2] is None:
            items[0][2] = pending
        return [(k, v, a) for k, v, a in items]

    def concept(self, scheme: str, label: str, auth: str | None) -> str:
        term = self.b.concept(scheme, label)
        if auth and (a := authority(auth, "subjects", self.source)) and a.uri:
            self.b.match(term, OWL.sameAs, a.uri)
        return term

    # -- links and holdings -----------------------------------------------------------
    def locations(self) -> None:
        spec = self.p["locations"]
        images = tuple(profile()["image_extensions"])
        for f in self.r.fields(spec["tag"]):
            mime = (f.get(spec["mime"]) or "").lower()
            caption = next((c for code in spec["captions"] if (c := f.get(code))), None)
            for url in f.all(spec["url"]):
                if not url.startswith(("http://", "https://")):
                    continue
                if mime.startswith("image/") or url.lower().split("?")[0].endswith(images):
                    self.b.representation(self.term, url, caption)
                else:
                    self.b.page(self.term, url)

    def keepers(self) -> None:
        """The copies and the libraries that hold them (930: the RCR of the copy's ``$5``, else ``$b``; 801
        ISIL), each copy with its call number."""
        seen: set[str] = set()
        for spec in self.p["keepers"]:
            pattern, item = spec.get("pattern"), spec.get("item_code")
            for f in self.r.fields(spec["tag"]):
                # the copy's own code ($5 "FR-751041001:…", the library site) before the record's ($b)
                m = re.match(item["pattern"], f.get(item["code"]) or "") if item else None
                value = m.group(1) if m else f.get(spec["code"])
                if value is None or (pattern and not re.match(pattern, value)):
                    continue
                if (group := self.ctx.institution(ids=[(spec["scheme"], value)])) is None:
                    continue
                copy = self.b.copy(self.term, f"{spec['scheme']}-{value}")  # one per library
                if value not in seen:
                    seen.add(value)
                    self.b.keeper(copy, group)
                for mark in f.all(spec["call_number"]) if spec.get("call_number") else ():
                    self.b.identifier(copy, mark, "cote")


def map_record(record: SourceRecord, ctx: MappingContext, dialect: str) -> None:
    if record.kind == "intermarc":
        raise RecordError(INTERMARC_UNREAD)
    if record.kind != dialect:
        raise RecordError(f"a {LABELS.get(record.kind or '', 'non-MARC')} record, not {LABELS[dialect]}; "
                          f"load it with --format {record.kind}")
    RecordMapping(record.data, ctx, dialect).run()


# ---------------------------------------------------------------------------
# Loaders


class MarcLoader:
    """One MARC dialect's loader; ``sniff`` claims only files of that dialect."""

    def __init__(self, name: str, description: str, data_provider: str) -> None:
        self.name = name
        self.description = description
        self.data_provider = data_provider

    def sniff(self, path: Path, head: bytes) -> bool:
        dialect = sniff_dialect(head)
        # an INTERMARC file is claimed by the UNIMARC loader, whose reader says why it is not read
        return dialect == self.name or (dialect == "intermarc" and self.name == "unimarc")

    def records(self, path: Path, encoding: str | None) -> Iterator[SourceRecord]:
        return read_marc(path, self.name, encoding)

    def map(self, record: SourceRecord, ctx: MappingContext) -> None:
        map_record(record, ctx, self.name)


UNIMARC = MarcLoader(
    "unimarc", "UNIMARC bibliographic records (Sudoc, BnF...): ISO 2709 or MARCXML",
    "Catalogue de bibliothèque (notices UNIMARC)",
)
MARC21 = MarcLoader(
    "marc21", "MARC 21 bibliographic records: ISO 2709 (UTF-8 or MARC-8) or MARCXML",
    "Library catalogue (MARC 21 records)",
)
