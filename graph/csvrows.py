"""CSV records read one by one with recovery: a bad quote, a too-long line or a wrong column count
costs that record only, with its own line, never its neighbours.

:func:`rows` turns numbered lines (:func:`graph.textfile.numbered_lines`) into
:class:`Row` objects. A line without ``"`` is split on the delimiter (most
lines: fast). A line with quotes goes through the :mod:`csv` module, which may
continue a quoted field on the next lines (a text with line breaks). Such a
multi-line record is trusted only when it has the header's number of columns
and none of its later lines reads as a whole record by itself; otherwise its
first line is taken for a record with an unbalanced quote (rejected, with the
cells that could be read from that line alone, so its identifier is known) and
the following lines are read again as records of their own. A record may not
grow beyond ``limit`` characters, so a quote that never closes costs one
record, not the rest of the file, and memory stays bounded.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .records import InputError
from .textfile import MAX_LINE_CHARS, LongLine

# Our own bound (``limit``) applies before the csv module's; its default (131,072) must not apply first.
csv.field_size_limit(max(csv.field_size_limit(), 4 * MAX_LINE_CHARS))

Line = tuple[int, "str | LongLine"]
UNCLOSED = 'a quote (") opened in the line is not closed on it'


@dataclass(slots=True)
class Row:
    """One CSV record: the line it starts on, its cells (what could be read) and why it is bad, if it is."""

    line: int
    cells: list[str]
    error: str | None = None


class _TooLong(Exception):
    pass


class _Lines:
    """Numbered lines with push-back, so lines taken by a record that turns out bad are read again."""

    def __init__(self, lines: Iterable[Line]) -> None:
        self._lines = iter(lines)
        self._back: deque[Line] = deque()

    def __iter__(self) -> Iterator[Line]:
        return self

    def __next__(self) -> Line:
        return self._back.popleft() if self._back else next(self._lines)

    def push_back(self, lines: list[Line]) -> None:
        self._back.extendleft(reversed(lines))


def header(lines: Iterator[Line], name: str, what: str) -> tuple[int, str]:
    """The first line that is not blank (a CSV file's header) and its number; :class:`InputError` when
    the file has none, or when it is over the bound (then it is not ``what``, whatever it is)."""
    for lineno, text in lines:
        if isinstance(text, LongLine):
            raise InputError(f"{name}: line {lineno} is longer than {MAX_LINE_CHARS:,} characters: not {what}")
        if text.strip():
            return lineno, text
    raise InputError(f"{name}: the file is empty")


def rows(lines: Iterable[Line], delimiter: str, columns: int, limit: int = MAX_LINE_CHARS) -> Iterator[Row]:
    """The records of CSV ``lines`` (the header already read); blank lines are skipped.

    Every row whose cell count differs from ``columns`` carries an ``error``.
    """
    source = _Lines(lines)
    for lineno, text in source:
        if isinstance(text, LongLine):  # its cells are those of its start: the identifier, if it comes first
            yield Row(lineno, _cells_of(text.head, delimiter)[:-1], f"line longer than {limit:,} characters")
            continue
        if '"' not in text:
            if text.strip():
                yield _checked(lineno, _split(text, delimiter), columns)
            continue
        yield _quoted(lineno, text, source, delimiter, columns, limit)


def _split(text: str, delimiter: str) -> list[str]:
    return text.rstrip("\r\n").split(delimiter)


def _checked(lineno: int, cells: list[str], columns: int, note: str = "") -> Row:
    if len(cells) == columns:
        return Row(lineno, cells)
    return Row(lineno, cells, f"row has {len(cells)} columns, header has {columns}{note}")


def _quoted(lineno: int, text: str, source: _Lines, delimiter: str, columns: int, limit: int) -> Row:
    taken: list[Line] = []
    size = len(text)
    ended = False  # the csv module asked for more after the last line: a quote still open at the end

    def feed() -> Iterator[str]:
        nonlocal size, ended
        yield _ended(text)
        for line in source:
            more = line[1]
            if isinstance(more, LongLine) or size + len(more) > limit:
                source.push_back([line])
                raise _TooLong
            size += len(more)
            taken.append(line)
            yield _ended(more)
        ended = True

    reader = csv.reader(feed(), delimiter=delimiter)
    try:
        cells = next(reader, [])
    except _TooLong:
        return _unbalanced(lineno, text, source, taken, delimiter, columns,
                           f"a quoted field is not closed within {limit:,} characters")
    except csv.Error as e:
        return _unbalanced(lineno, text, source, taken, delimiter, columns, f"unreadable CSV: {e}")
    if ended:
        return _unbalanced(lineno, text, source, taken, delimiter, columns, UNCLOSED)
    if not taken:
        return _checked(lineno, cells, columns)
    if len(cells) == columns and not any(_whole_record(t, delimiter, columns) for _, t in taken):
        return Row(lineno, cells)
    return _unbalanced(lineno, text, source, taken, delimiter, columns, UNCLOSED)


def _ended(text: str) -> str:
    """The line with a line end (the last line of a file may have none): the csv module then
    asks for a next line only when a quote is still open."""
    return text if text.endswith(("\n", "\r")) else text + "\n"


def _whole_record(text: str | LongLine, delimiter: str, columns: int) -> bool:
    """A line that reads as a complete record by itself: it cannot be the middle of a quoted text."""
    return isinstance(text, str) and '"' not in text and text.count(delimiter) == columns - 1


def _unbalanced(lineno: int, text: str, source: _Lines, taken: list[Line], delimiter: str, columns: int,
                reason: str) -> Row:
    """The first line alone as a rejected record; the lines it had taken are read again."""
    source.push_back(taken)
    return Row(lineno, _cells_of(text, delimiter), reason)


def _cells_of(text: str, delimiter: str) -> list[str]:
    """The cells of one line read alone, whatever its quotes."""
    try:
        return next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error:
        return _split(text, delimiter)
