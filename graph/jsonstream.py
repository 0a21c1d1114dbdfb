"""Reading JSON from source files with bounded memory and depth.

* :func:`loads`: :func:`json.loads` whose too-deep nesting is a :class:`ValueError`
  (the standard parser raises :class:`RecursionError`, which is no input error).
  Code that walks a parsed document recursively catches :class:`RecursionError` at
  the record it reads, so a deep record costs that record only.
* Both hand out whole characters: a ``\\u`` escape of half a surrogate pair (``"\\ud800"``), which
  JSON allows and no text can be written with, reads as U+FFFD, as undecodable bytes do elsewhere.
* :func:`array_items`: the items of a top-level JSON array, one at a time, each with
  the line it starts on: a big export (a list of records) is streamed, never held
  whole. An item that cannot be read (malformed, too deep, longer than the bound)
  is handed out as a :class:`BadItem` and reading goes on with the next item.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

MAX_ITEM_CHARS = 16 << 20  # one record of a JSON array
CHUNK = 1 << 20

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
# What matters for nesting outside strings: brackets, and where strings start.
_STRUCTURE = re.compile(r'["\[\]{}]')
_STRING_END = re.compile(r'(?:[^"\\]|\\.)*"', re.S)
_STRING_PART = re.compile(r'(?:[^"\\]|\\.)*', re.S)  # stops before a backslash whose escaped character is unread
_SCALAR = re.compile(r"[^,\]\} \t\r\n]*")
_HALF_PAIR_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_HALF_PAIR_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
_HALF_PAIR = re.compile("[\ud800-\udfff]")


class JsonError(ValueError):
    """A JSON text that cannot be read; ``line`` and ``column`` (1-based) say where, when known."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.msg, self.line, self.column = message, line, column


@dataclass(slots=True)
class BadItem:
    """An item of a JSON array (or a JSON line) that could not be read, why, and its identifier if seen."""

    reason: str
    source_id: str | None = None


def loads(text: str | bytes) -> Any:
    """:func:`json.loads`; nesting too deep for Python is a :class:`JsonError`, not a :class:`RecursionError`."""
    try:
        value = json.loads(text)
        escapes = (_HALF_PAIR_ESCAPE_BYTES if isinstance(text, bytes) else _HALF_PAIR_ESCAPE).search(text)
        return _whole_characters(value) if escapes else value
    except RecursionError:
        raise JsonError("arrays or objects nested too deep") from None


def _whole_characters(value: Any) -> Any:
    """``value`` with U+FFFD for each half of a surrogate pair alone in its strings."""
    if isinstance(value, str):
        return _HALF_PAIR.sub("\ufffd", value)
    if isinstance(value, list):
        return [_whole_characters(v) for v in value]
    if isinstance(value, dict):
        return {_whole_characters(k): _whole_characters(v) for k, v in value.items()}
    return value


def array_items(stream: TextIO, head: str, line: int = 1, limit: int = MAX_ITEM_CHARS
                ) -> Iterator[tuple[int, Any]]:
    """``(line, item)`` for each item of the JSON array that starts ``head`` and goes on in ``stream``.

    ``line`` is the line ``head`` starts on. An unreadable item is a :class:`BadItem`; the
    array's own structure (the brackets and commas between items) must be sound, else
    :class:`JsonError`.
    """
    reader = _Buffer(stream, head, line)
    pos = reader.skip_space(0)
    if reader.char(pos) != "[":
        raise reader.error("expected a JSON array", pos)
    pos = reader.skip_space(pos + 1)
    if reader.char(pos) == "]":
        _expect_end(reader, pos + 1)
        return
    while True:
        pos = reader.skip_space(pos)
        pos = reader.mark(pos)
        line_here = reader.line
        item, pos = _item(reader, pos, limit)
        yield line_here, item
        pos = reader.skip_space(pos)
        ch = reader.char(pos)
        if ch == ",":
            pos += 1
        elif ch == "]":
            _expect_end(reader, pos + 1)
            return
        elif ch == "":
            raise reader.error("the array is not closed (truncated file?)", pos)
        else:
            raise reader.error(f"expected ',' or ']' after an item, found {ch!r}", pos)


def _item(reader: _Buffer, pos: int, limit: int) -> tuple[Any, int]:
    try:  # most items: whole in the text already read, parsed at C speed
        item, end = _DECODER.raw_decode(reader.text, pos)
        if end - pos <= limit and (end < len(reader.text) or reader.eof):
            return (_whole_characters(item) if _HALF_PAIR_ESCAPE.search(reader.text, pos, end) else item), end
    except (ValueError, RecursionError):
        pass
    end = reader.item_end(pos, limit)
    if end is None:  # longer than the bound: skipped without keeping it
        return BadItem(f"item longer than {limit:,} characters"), reader.skip_item(pos)
    if end < 0:
        raise reader.error("the array ends inside an item (truncated file?)", pos)
    if end == pos:
        raise reader.error("expected an item", pos)
    if end - pos > limit:
        return BadItem(f"item longer than {limit:,} characters"), end
    text = reader.text[pos:end]
    try:
        return loads(text), end
    except ValueError as e:
        reason = e.msg if isinstance(e, (json.JSONDecodeError, JsonError)) else str(e)
        return BadItem(f"not valid JSON: {reason}"), end


def _expect_end(reader: _Buffer, pos: int) -> None:
    pos = reader.skip_space(pos)
    if reader.char(pos):
        raise reader.error("extra data after the JSON array", pos)


class _Buffer:
    """A window on the text of a stream: read on demand, forgotten once used."""

    def __init__(self, stream: TextIO, head: str, line: int) -> None:
        self.stream, self.text, self.line = stream, head, line
        self.eof = False
        self.counted = 0  # line ends counted up to here
        self.dropped_on_line = 0  # characters of the current line dropped from the text

    def mark(self, pos: int) -> int:
        """An item starts at ``pos``: count the lines before it, drop the text before it once it is big."""
        self.line += self.text.count("\n", self.counted, pos)
        self.counted = pos
        if pos > CHUNK:
            self.forget(pos)
            return 0
        return pos

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.text += chunk
        return True

    def char(self, pos: int) -> str:
        while pos >= len(self.text):
            if not self.more():
                return ""
        return self.text[pos]

    def skip_space(self, pos: int) -> int:
        while True:
            pos = _SPACE.match(self.text, pos).end()
            if pos < len(self.text) or not self.more():
                return pos

    def forget(self, pos: int) -> None:
        self.line += self.text.count("\n", self.counted, pos)
        newline = self.text.rfind("\n", 0, pos)
        self.dropped_on_line = self.dropped_on_line + pos if newline < 0 else pos - newline - 1
        self.text = self.text[pos:]
        self.counted = 0

    def error(self, message: str, pos: int) -> JsonError:
        line = self.line + self.text.count("\n", self.counted, pos)
        start = self.text.rfind("\n", 0, pos)
        column = pos - start if start >= 0 else self.dropped_on_line + pos + 1
        return JsonError(message, line, column)

    def item_end(self, pos: int, limit: int) -> int | None:
        """Where the item starting at ``pos`` ends: None beyond ``limit`` characters, -1 at the end of the file."""
        scan = _Scan()
        while True:
            end = scan.run(self.text, pos)
            if end is not None:
                return end
            if len(self.text) - pos > limit:
                return None
            if not self.more():
                return -1

    def skip_item(self, pos: int) -> int:
        """Skip an item too long to keep: read on, keeping only the part not yet scanned."""
        scan = _Scan()
        while True:
            end = scan.run(self.text, pos)
            if end is not None:
                return end
            self.forget(len(self.text))
            pos = 0
            scan.resume = 0
            if not self.more():
                raise self.error("the array ends inside an item (truncated file?)", 0)


class _Scan:
    """Finds the end of one JSON value by its brackets and strings, across reads."""

    def __init__(self) -> None:
        self.level = 0
        self.in_string = False
        self.started = False
        self.resume: int | None = None  # where the last run stopped, relative to the text it saw

    def run(self, text: str, pos: int) -> int | None:
        i = pos if self.resume is None else self.resume
        n = len(text)
        while i < n:
            if self.in_string:
                m = _STRING_END.match(text, i)
                if m is None:  # the string goes on in the next read
                    self.resume = _STRING_PART.match(text, i).end()
                    return None
                i = m.end()
                self.in_string = False
                if self.level == 0:
                    return i
                continue
            if not self.started:
                ch = text[i]
                self.started = True
                if ch == '"':
                    self.in_string = True
                    i += 1
                    continue
                if ch not in "[{":  # a number, true, false, null: ends at a comma, bracket or space
                    m = _SCALAR.match(text, i)
                    if m.end() < n:
                        return m.end()
                    self.started = False
                    self.resume = i
                    return None
            m = _STRUCTURE.search(text, i)
            if m is None:
                self.resume = n
                return None
            ch = m.group()
            i = m.end()
            if ch == '"':
                self.in_string = True
            elif ch in "[{":
                self.level += 1
            else:
                self.level -= 1
                if self.level <= 0:
                    return i
        self.resume = n
        return None
