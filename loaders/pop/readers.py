"""Readers for the POP databases (Mérimée, Palissy, Joconde, Museo): file → :class:`SourceRecord`.

:func:`read_pop` recognises the shape of a file from its content:

- **POP API JSON**: one ``_source``-like object with ``REF``, a list of them,
  an Elasticsearch answer ``{"hits": {"hits": [{"_source": ...}]}}`` or an
  msearch answer ``{"responses": [{"hits": ...}]}``; also JSON Lines (one such
  object per line) and the open-data API shapes (``{"results": [...]}``,
  ``{"records": [{"fields": ...}]}``) whose keys are labels, not codes;
- **CSV whose header is field codes** (legacy data.gouv.fr exports ``;``, POP
  import files ``|``, Joconde CSV ``;`` with ``"`` quotes);
- **CSV whose header is open-data labels** (``Reference``,
  ``Titre_editorial_de_la_notice``...; see ``opendata_headers`` in
  ``fields.json``), matched case-insensitively, accents/spaces/underscores
  normalised;
- **Joconde tagged text**: a ``TAG`` line, value line(s) where a trailing
  ``-`` continues the value on the next line, ``//`` ends a record.

CSV delimiters (``;``, ``|``, ``,``, tab) are sniffed from the header line;
encodings are detected by :func:`graph.textfile.detect_encoding` unless given.

Each record's ``fields`` maps a field code to its values: multi-valued fields
(``Array`` in the base's dictionary, ``REFIM``, or any non-prose field whose
value contains `` ; ``) are split on ``;`` and stripped; empty values are
dropped; ``#`` inside Joconde values is kept. JSON nested objects become
``POP_COORDONNEES.lat``/``.lon`` (not for 0/0, POP's "unknown"), ``MEMOIRE``
(image URLs) with ``MEMOIRE.name`` (their captions, aligned with the URLs),
``KEY.sub`` for other objects; POP's bookkeeping keys are skipped.

Files are streamed line by line, except JSON documents that are not JSON
Lines, which are parsed whole.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any, TextIO

from graph.records import InputError, SourceRecord, content_digest
from graph import jsonstream
from graph.csvrows import rows as csv_rows
from graph.textfile import MAX_LINE_CHARS, LongLine, numbered_lines, open_text

FIELDS_PATH = Path(__file__).with_name("fields.json")
BASES = ("merimee", "palissy", "joconde", "museo", "memoire")
MERIMEE_PREFIXES = frozenset({"PA", "IA", "EA", "AA"})
PALISSY_PREFIXES = frozenset({"PM", "IM", "EM", "AM"})
MUSEO_REF = re.compile(r"M\d{4}")
# JSON keys that are POP's bookkeeping, not record content.
SKIP_KEYS = frozenset({"HISTORIQUE", "POP_IMPORT", "__v", "_id", "POP_FLAGS", "POP_COMMENTAIRES"})
DELIMITERS = (";", "|", "\t", ",")
TAG = re.compile(r"[A-Z][A-Z0-9_]*")
SNIFF_JSON_KEY = re.compile(r'"([^"\\\n]{1,100})"\s*:')
SNIFF_REF = re.compile(r'"REF"\s*:\s*"([^"\\]{1,100})"')  # the REF at the start of a JSON line too long to read
WGS84 = "WGS84"
# A JSON document that is not a list of records (an API answer) is read whole, up to this size.
MAX_JSON_DOCUMENT_CHARS = 64 << 20
NESTED_TOO_DEEP = "arrays or objects nested too deep"


# ---------------------------------------------------------------------------
# Field dictionary (fields.json)


def to_header(label: str) -> str:
    """``Dénomination de l'édifice`` → ``Denomination_de_l_edifice`` (no accents, ``_`` between words)."""
    text = label.replace("\ufeff", "").replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def header_key(name: str) -> str:
    """The form in which open-data column names are compared: ``denomination_de_l_edifice``."""
    return to_header(name).lower()


@dataclass(frozen=True)
class Schema:
    multi: dict[str, frozenset[str]]  # base → its multi-valued codes
    multi_any: frozenset[str]  # multi-valued in some base (for records of unknown base)
    codes: dict[str, str]  # upper-cased code → code, every base
    free_text: frozenset[str]
    always_split: frozenset[str]
    base_names: dict[str, str]  # header_key(BASE value) → base
    headers: dict[str, dict[str, str]]  # base → header_key(column) → code


@cache
def schema() -> Schema:
    """``fields.json``, indexed for the readers (loaded once)."""
    try:
        data = json.loads(FIELDS_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"{FIELDS_PATH}: cannot be read ({e}); rerun scripts/pop_fields.py") from None
    bases = {b: data[b] for b in BASES if b in data}
    multi = {b: frozenset(c for c, info in fields.items() if info["multi"]) for b, fields in bases.items()}
    return Schema(
        multi=multi,
        multi_any=frozenset().union(*multi.values()),
        codes={c.upper(): c for fields in bases.values() for c in fields},
        free_text=frozenset(data.get("free_text", ())),
        always_split=frozenset(data.get("always_split", ())),
        base_names={header_key(name): b for name, b in data.get("base_names", {}).items()},
        headers={b: {header_key(n): c for n, c in m.items()} for b, m in data.get("opendata_headers", {}).items()},
    )


# ---------------------------------------------------------------------------
# Values and records


def split_values(code: str, values: Iterable[str], base: str | None) -> list[str]:
    """The values of one field, multi-valued ones split on ``;``; stripped, empty ones dropped."""
    rule = _split_rules(base).get(code, _MAYBE)
    out: list[str] = []
    for value in values:
        if rule is _ALWAYS or (rule is _MAYBE and " ; " in value):
            out.extend(p for part in value.split(";") if (p := part.strip()))
        elif p := value.strip():
            out.append(p)
    return out


_ALWAYS, _NEVER, _MAYBE = "always", "never", "maybe"  # split a field's value on ';': always, never, if " ; "


@cache
def _split_rules(base: str | None) -> dict[str, str]:
    """Code → whether its values are split (see :func:`split_values`); a code not listed: ``_MAYBE``."""
    s = schema()
    rules = {code: _NEVER for code in s.free_text}
    for code in (s.multi.get(base, frozenset()) if base else s.multi_any) | s.always_split:
        rules[code] = _ALWAYS
    return rules


def record_kind(raw: dict[str, list[str]]) -> str | None:
    """The POP base of a record: from ``BASE``, else from the ``REF`` prefix, else Joconde if it has a MUSEO."""
    for value in raw.get("BASE", ()):
        base = _base_from_name(value)
        if base:
            return base
    ref = next((v.strip() for v in raw.get("REF", ()) if v.strip()), "")
    if ref[:2].upper() in MERIMEE_PREFIXES:
        return "merimee"
    if ref[:2].upper() in PALISSY_PREFIXES:
        return "palissy"
    if MUSEO_REF.fullmatch(ref):
        return "museo"
    if any(v.strip() for v in raw.get("MUSEO", ())):
        return "joconde"
    return None


def _base_from_name(value: str) -> str | None:
    key = header_key(value)
    if not key:
        return None
    known = schema().base_names.get(key)
    if known:
        return known
    for base, word in (("merimee", "merimee"), ("palissy", "palissy"), ("joconde", "joconde"),
                       ("museo", "museofile"), ("memoire", "memoire")):
        if word in key:
            return base
    return None


def make_record(index: int, line: int | None, raw: dict[str, list[str]], base_hint: str | None = None,
                final: dict[str, list[str]] | None = None) -> SourceRecord:
    """A record from raw field values (split here) and ``final`` ones (kept as they are)."""
    kind = record_kind(raw)
    base = kind or base_hint
    fields = {code: values for code, vals in raw.items() if (values := split_values(code, vals, base))}
    fields.update(final or {})
    ref = fields.get("REF")
    return SourceRecord(index=index, line=line, source_id=ref[0] if ref else None, fields=fields, kind=kind,
                        digest=content_digest(base_hint, raw, final))


def _add(raw: dict[str, list[str]], code: str, value: str) -> None:
    raw.setdefault(code, []).append(value)


# ---------------------------------------------------------------------------
# Entry points


def read_pop(path: Path, encoding: str | None = None) -> Iterator[SourceRecord]:
    """The records of a POP file of any shape; :class:`InputError` when the file cannot be read."""
    path = Path(path)
    with open_text(path, encoding) as stream:
        lineno, text = _first_content_line(path, stream)
        shape = _shape(text)
        whole = len(text) < MAX_LINE_CHARS or text.endswith(("\n", "\r"))
        lines = numbered_lines(stream, start=lineno + 1)
        if shape == "json":
            yield from _read_json(path, lineno, text, whole, lines, stream)
            return
        if not whole:
            raise InputError(f"{path}, line {lineno}: longer than {MAX_LINE_CHARS:,} characters: "
                             "not a POP export header")
        if shape == "tagged":
            yield from _read_tagged(path, chain([(lineno, text)], lines))
        else:
            yield from _read_csv(path, lineno, text, lines)


def sniff(head: bytes) -> bool:
    """True when the first bytes of a file (up to 64 KiB, maybe cut mid-character) look like POP data."""
    text = _decode_head(head)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        return False
    shape = _shape(first)
    if shape == "json":
        return _sniff_json(text)
    if shape == "tagged":
        return "REF" in {line.strip() for line in lines[:2000]}
    columns = _header_columns(_header_cells(first, _delimiter(first)))
    return columns is not None and "REF" in columns[0]


def _decode_head(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return head.decode("cp1252", errors="replace")


def _sniff_json(text: str) -> bool:
    keys = set(SNIFF_JSON_KEY.findall(text))
    if "REF" in keys:
        return True
    columns = _label_columns(sorted(keys))
    return columns is not None and "REF" in columns[0] and len(set(columns[0]) - {None}) >= 2


def _shape(line: str) -> str:
    s = line.replace("\ufeff", "").strip()
    if s.startswith(("{", "[")):
        return "json"
    if TAG.fullmatch(s):
        return "tagged"
    return "csv"


def _first_content_line(path: Path, stream: TextIO) -> tuple[int, str]:
    """The first line that is not blank (at most :data:`MAX_LINE_CHARS` of it) and its number."""
    lineno = 0
    while text := stream.readline(MAX_LINE_CHARS):
        lineno += 1
        if text.replace("\ufeff", "").strip():
            return lineno, text
    raise InputError(f"{path}: the file is empty (blank lines only)")


# ---------------------------------------------------------------------------
# CSV


def _read_csv(path: Path, header_line: int, header: str, lines: Iterator[tuple[int, str | LongLine]]
              ) -> Iterator[SourceRecord]:
    delimiter = _delimiter(header)
    cells = _header_cells(header, delimiter)
    columns = _header_columns(cells)
    if columns is None or "REF" not in columns[0]:
        raise InputError(f"{path}, line {header_line}: no REF column: is this a POP export? "
                         f"(header starts {', '.join(cells[:4])!r})")
    codes, base_hint = columns
    index = 0
    for row in csv_rows(lines, delimiter, len(codes)):
        if not any(cell.strip() for cell in row.cells) and row.error is None:
            continue
        index += 1
        if row.error is not None:
            yield _bad_row(index, row.line, row.cells, codes, row.error)
            continue
        raw: dict[str, list[str]] = {}
        for code, cell in zip(codes, row.cells):
            if code:
                _add(raw, code, cell)
        yield make_record(index, row.line, raw, base_hint)


def _bad_row(index: int, line: int, row: list[str], codes: list[str | None], error: str) -> SourceRecord:
    """A record for a row that could not be read: its position, its REF when it has one, no fields."""
    ref_col = codes.index("REF")
    ref = row[ref_col].strip() if ref_col < len(row) else ""
    return SourceRecord(index=index, line=line, source_id=ref[:200] or None, error=error)


def _delimiter(header: str) -> str:
    counts = {d: _count_outside_quotes(header, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties: the first in DELIMITERS
    return best if counts[best] else ";"


def _count_outside_quotes(line: str, char: str) -> int:
    return sum(part.count(char) for part in line.split('"')[::2])


def _header_cells(header: str, delimiter: str) -> list[str]:
    row = next(csv.reader([header.rstrip("\r\n")], delimiter=delimiter), [])
    return [cell.replace("\ufeff", "").strip() for cell in row]


def _header_columns(cells: list[str]) -> tuple[list[str | None], str | None] | None:
    """The field code of each column, and the base the labels belong to (None for code headers).

    Code headers (``REF;TICO``, any case) and label headers (``Reference;
    Titre_editorial_de_la_notice``) are told apart by which reading
    recognises more columns. Unknown label columns keep their own name.
    """
    s = schema()
    by_code = [s.codes.get(c.upper()) for c in cells]
    n_codes = sum(1 for c in by_code if c)
    labels = _label_columns(cells)
    n_labels = sum(1 for c in labels[0] if c) if labels else 0
    if n_codes and n_codes >= n_labels:
        return [(code or cell.upper()) if cell else None for code, cell in zip(by_code, cells)], None
    if labels:
        codes, base = labels
        return [(code or cell) if cell else None for code, cell in zip(codes, cells)], base
    return None


def _label_columns(names: list[str]) -> tuple[list[str | None], str] | None:
    """The codes of open-data column names, for the base whose export names match most of them."""
    keys = [header_key(n) for n in names]
    best: tuple[int, str] | None = None
    for base, mapping in schema().headers.items():
        hits = sum(1 for k in keys if k in mapping)
        if hits and (best is None or hits > best[0]):
            best = (hits, base)
    if best is None:
        return None
    mapping = schema().headers[best[1]]
    return [mapping.get(k) for k in keys], best[1]


# ---------------------------------------------------------------------------
# Joconde tagged text


def _read_tagged(path: Path, lines: Iterable[tuple[int, str | LongLine]]) -> Iterator[SourceRecord]:
    """TAG line, value line(s) (a trailing ``-`` continues the value), ``//`` ends the record.

    A record with a line that cannot be read (text where a field code is expected, a line or a
    record longer than the bound) is handed out with its error, its first line and its REF when
    read; the next record starts after its ``//``.
    """
    record = _TaggedRecord()
    index = 0
    for lineno, text in lines:
        if isinstance(text, LongLine):
            record.fail(lineno, f"line {lineno} is longer than {MAX_LINE_CHARS:,} characters")
            continue
        s = text.rstrip("\r\n").replace("\ufeff", "").strip()
        if record.tag is not None and not (s == "//" and not record.parts):
            record.value_line(s)
            continue
        if s == "//":
            record.end_value()
            if record.raw or record.error:
                index += 1
                yield record.source_record(index)
            record = _TaggedRecord()
        elif not s:
            continue
        elif TAG.fullmatch(s):
            record.start_tag(s, lineno)
        elif record.last is not None:  # a value line without the continuation dash
            record.append_to_last(s)
        else:
            record.fail(lineno, f"line {lineno}: expected a field code (Joconde tagged text), found {s[:40]!r}")
    record.end_value()
    if record.raw or record.error:
        yield record.source_record(index + 1)


class _TaggedRecord:
    """The record being read from Joconde tagged text."""

    def __init__(self) -> None:
        self.raw: dict[str, list[str]] = {}
        self.start: int | None = None  # line of the first TAG
        self.tag: str | None = None  # the field whose value is being read
        self.last: str | None = None  # the last field read
        self.parts: list[str] = []
        self.size = 0
        self.error: str | None = None

    def start_tag(self, tag: str, lineno: int) -> None:
        self.start = lineno if self.start is None else self.start
        self.tag, self.parts = tag, []

    def value_line(self, s: str) -> None:
        if self._too_big(s):  # a record that cannot be read: only its REF is kept, for the report
            if self.tag == "REF" and not self.raw.get("REF"):
                self.raw["REF"] = [s.rstrip("-").strip()[:200]]
            if not s.endswith("-"):
                self.tag, self.parts = None, []
            return
        if s.endswith("-"):  # continued on the next line: join without the dash, with a space
            self.parts.append(s[:-1].rstrip())
        else:
            self.parts.append(s)
            self.end_value()

    def end_value(self) -> None:
        if self.tag is not None:
            _add(self.raw, self.tag, " ".join(p for p in self.parts if p))
            self.last, self.tag, self.parts = self.tag, None, []

    def append_to_last(self, s: str) -> None:
        assert self.last is not None
        if not self._too_big(s):
            self.raw[self.last][-1] = f"{self.raw[self.last][-1]} {s}".strip()

    def fail(self, lineno: int, error: str) -> None:
        """The record cannot be read: keep its position and REF, not its values (memory stays bounded)."""
        self.start = lineno if self.start is None else self.start
        self.error = self.error or error
        ref = self.raw.get("REF", [""])[:1] or (self.parts[:1] if self.tag == "REF" else [])
        self.raw = {"REF": ref} if ref and ref[0] else {}
        self.tag, self.last, self.parts = None, None, []

    def _too_big(self, s: str) -> bool:
        self.size += len(s)
        if self.size > MAX_LINE_CHARS and self.error is None:
            self.end_value()
            self.fail(self.start or 0, f"record longer than {MAX_LINE_CHARS:,} characters")
        return self.error is not None

    def source_record(self, index: int) -> SourceRecord:
        if self.error is None:
            return make_record(index, self.start, self.raw, "joconde")
        ref = (self.raw.get("REF") or [""])[0].strip()
        return SourceRecord(index=index, line=self.start, source_id=ref[:200] or None, error=self.error)


# ---------------------------------------------------------------------------
# JSON


def _read_json(path: Path, lineno: int, first: str, whole: bool, lines: Iterator[tuple[int, str | LongLine]],
               stream: TextIO) -> Iterator[SourceRecord]:
    """JSON Lines (a first line that is a whole object), a streamed top-level array, or one document."""
    first = first.replace("\ufeff", "")
    try:
        obj = jsonstream.loads(first) if whole else None
    except ValueError:
        obj = None
    if isinstance(obj, dict):
        yield from _read_json_lines(chain([(lineno, first)], lines))
        return
    if first.lstrip().startswith("["):
        yield from _read_json_array(path, lineno, first, stream)
        return
    text = first + stream.read(MAX_JSON_DOCUMENT_CHARS)
    if stream.read(1):
        raise InputError(f"{path}: a JSON document larger than {MAX_JSON_DOCUMENT_CHARS:,} characters that is not "
                         "a list of records; give a JSON array or JSON Lines (one record per line), read as a stream")
    try:
        doc = jsonstream.loads(text)
        objects = list(_json_objects(doc))
    except RecursionError:
        raise InputError(f"{path}: not valid JSON: arrays or objects nested too deep") from None
    except ValueError as e:
        raise InputError(_json_error(path, e, lineno - 1)) from None
    if not objects and isinstance(doc, dict) and _json_wrapped(doc) is None:
        raise InputError(f"{path}: no REF key: is this a POP export? (JSON object without POP records)")
    for index, item in enumerate(objects, 1):
        yield _json_record(index, None, item)


def _read_json_array(path: Path, lineno: int, first: str, stream: TextIO) -> Iterator[SourceRecord]:
    """The records of a top-level JSON array, item by item: an unreadable item costs that record."""
    try:
        yield from _json_records(jsonstream.array_items(stream, first, lineno), in_list=True)
    except jsonstream.JsonError as e:
        raise InputError(f"{path}: not valid JSON at line {e.line}, column {e.column}: {e.msg}") from None


def _read_json_lines(lines: Iterable[tuple[int, str | LongLine]]) -> Iterator[SourceRecord]:
    return _json_records(_json_line_items(lines), in_list=False)


def _json_line_items(lines: Iterable[tuple[int, str | LongLine]]) -> Iterator[tuple[int, Any]]:
    for lineno, text in lines:
        if isinstance(text, LongLine):
            ref = SNIFF_REF.search(text.head)
            yield lineno, jsonstream.BadItem(f"line longer than {MAX_LINE_CHARS:,} characters", ref[1] if ref else None)
        elif text.strip():
            try:
                yield lineno, jsonstream.loads(text)
            except ValueError as e:
                yield lineno, jsonstream.BadItem(f"not valid JSON: {_json_reason(e)}")


def _json_records(items: Iterable[tuple[int, Any]], in_list: bool) -> Iterator[SourceRecord]:
    """The records of parsed JSON values (one per line, or per item of an array), numbered."""
    index = 0
    for line, item in items:
        if isinstance(item, jsonstream.BadItem):
            index += 1
            yield SourceRecord(index=index, line=line, source_id=item.source_id, error=item.reason)
            continue
        try:
            objects = list(_json_objects(item, in_list))
        except RecursionError:
            index += 1
            yield SourceRecord(index=index, line=line, error=NESTED_TOO_DEEP)
            continue
        if not objects and (not_record := _not_a_record(item)):  # an item or a line is a record: never skipped
            index += 1
            yield SourceRecord(index=index, line=line, error=f"not a POP record: {not_record}")
        for obj in objects:
            index += 1
            yield _json_record(index, line, obj)


def _json_error(path: Path, e: ValueError, line_offset: int) -> str:
    if isinstance(e, json.JSONDecodeError):
        where = f"line {e.lineno + line_offset}, column {e.colno}"
        at_end = e.pos >= len(e.doc.rstrip()) or e.msg.startswith("Unterminated string")
        truncated = " (truncated file?)" if at_end else ""
        return f"{path}: not valid JSON at {where}: {e.msg}{truncated}"
    return f"{path}: not valid JSON: {e}"


def _json_reason(e: ValueError) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"{e.msg} at column {e.colno}"
    return e.msg if isinstance(e, jsonstream.JsonError) else str(e)


def _json_record(index: int, line: int | None, obj: dict[str, Any]) -> SourceRecord:
    """One record object: a record whose values nest too deep to read is a record with an error."""
    try:
        return _record_of(index, line, obj)
    except RecursionError:
        return SourceRecord(index=index, line=line, source_id=_ref_of(obj), error=NESTED_TOO_DEEP)


def _not_a_record(item: Any) -> str | None:
    """What an array item or a JSON line holding no record is, None for an answer with no records in it."""
    if isinstance(item, dict):
        return None if _json_wrapped(item) is not None else "a JSON object without REF"
    if isinstance(item, list):
        return "a JSON array of values, not objects" if item else None
    kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}.get(type(item), "null")
    return f"{kind}, not a JSON object"


def _ref_of(obj: dict[str, Any]) -> str | None:
    ref = obj.get("REF")
    return ref.strip()[:200] or None if isinstance(ref, str) else None


def _json_objects(doc: Any, in_list: bool = False) -> Iterator[dict[str, Any]]:
    """The record objects of a POP API / open-data API answer, whatever its wrapping.

    Objects in a list are records even without ``REF`` (the pipeline rejects
    them); a lone object must have ``REF`` or open-data keys.
    """
    if isinstance(doc, list):
        for item in doc:
            yield from _json_objects(item, True)
    elif isinstance(doc, dict):
        wrapped = _json_wrapped(doc)
        if wrapped is not None:
            yield from _json_objects(wrapped)
        elif isinstance(doc.get("_source"), dict):
            yield doc["_source"]
        elif isinstance(doc.get("fields"), dict) and "REF" not in doc:
            yield doc["fields"]
        elif in_list or "REF" in doc or _label_columns(list(doc)) is not None:
            yield doc


def _json_wrapped(doc: dict[str, Any]) -> list[Any] | None:
    """The list inside an msearch (``responses``), search (``hits``) or open-data API answer."""
    if "REF" in doc:
        return None
    if isinstance(doc.get("responses"), list):
        return doc["responses"]
    if isinstance(doc.get("hits"), dict):
        return doc["hits"].get("hits") or []
    for key in ("results", "records"):
        if isinstance(doc.get(key), list):
            return doc[key]
    return None


def _record_of(index: int, line: int | None, obj: dict[str, Any]) -> SourceRecord:
    if "REF" in obj:
        return make_record(index, line, _json_raw(obj), final=_memoire(obj.get("MEMOIRE")))
    columns = _label_columns(list(obj))
    codes, base = columns if columns else ([None] * len(obj), None)
    renamed: dict[str, Any] = {}
    for (key, value), code in zip(obj.items(), codes):
        if code == WGS84:
            value = _lat_lon_text(value)
        renamed.setdefault(code or key, value)
    return make_record(index, line, _json_raw(renamed), base, _memoire(renamed.get("MEMOIRE")))


def _json_raw(obj: dict[str, Any]) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for key, value in obj.items():
        if key in SKIP_KEYS or (key == "MEMOIRE" and isinstance(value, list)):
            continue
        if key == "POP_COORDONNEES" and isinstance(value, dict):
            _coordinates(raw, value)
        elif isinstance(value, dict):
            _flatten(raw, key, value)
        else:
            raw.setdefault(key, []).extend(_scalars(value))
    return raw


def _flatten(raw: dict[str, list[str]], key: str, value: dict[str, Any]) -> None:
    """``{"KEY": {"sub": v}}`` → ``KEY.sub``; skipped when only its ``type`` is set (empty POP geometries)."""
    if not any(_scalars(v) for sub, v in value.items() if sub != "type"):
        return
    for sub, subvalue in value.items():
        raw.setdefault(f"{key}.{sub}", []).extend(_scalars(subvalue))


def _coordinates(raw: dict[str, list[str]], value: dict[str, Any]) -> None:
    lat, lon = value.get("lat"), value.get("lon")
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return
    raw["POP_COORDONNEES.lat"] = _scalars(lat)
    raw["POP_COORDONNEES.lon"] = _scalars(lon)


def _memoire(images: Any) -> dict[str, list[str]]:
    """``MEMOIRE``: the image URLs; ``MEMOIRE.name``: their captions, aligned (``""`` when none).

    Kept out of ``;``-splitting and empty-value dropping so the two lists stay aligned.
    """
    urls, names = [], []
    for image in images if isinstance(images, list) else ():
        if isinstance(image, dict) and str(image.get("url") or "").strip():
            urls.append(str(image["url"]).strip())
            names.append(" ".join(str(image.get("name") or "").split()))
    if not urls:
        return {}
    return {"MEMOIRE": urls, "MEMOIRE.name": names} if any(names) else {"MEMOIRE": urls}


def _scalars(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [s for item in value for s in _scalars(item) if not isinstance(item, (list, dict))]
    if isinstance(value, dict):
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(value)]


def _lat_lon_text(value: Any) -> Any:
    """An open-data API point (``{"lat": .., "lon": ..}`` or ``[lat, lon]``) as ``"lat, lon"``."""
    if isinstance(value, dict) and value.get("lat") is not None and value.get("lon") is not None:
        return f"{value['lat']}, {value['lon']}"
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
        return f"{value[0]}, {value[1]}"
    return value
