"""Opening source text files: encoding detection and decoding errors as :class:`InputError`.

Shared by every loader that reads text (CSV, tagged text, JSON...).

Encoding detection (:func:`detect_encoding`) reads the whole file in binary
chunks through incremental decoders (flat memory, C speed) and answers:

1. ``utf-8-sig`` when the file starts with a UTF-8 byte order mark;
2. ``utf-8`` when every byte sequence is valid UTF-8 (plain ASCII included);
3. ``cp1252`` (Windows-1252) when the bytes are valid Windows-1252;
4. ``latin-1`` (ISO-8859-1) otherwise: every byte is valid ISO-8859-1.

Why Windows-1252 before ISO-8859-1: the two agree on every byte except
0x80–0x9F, which ISO-8859-1 maps to C1 control characters that never occur in
real text, while Windows-1252 maps most of them to typographic characters
French files do use (``’`` 0x92, ``œ`` 0x9C, ``…`` 0x85, ``€`` 0x80). So for a
legacy French export "ISO-8859-1" and "Windows-1252" both read as
Windows-1252 without loss; ISO-8859-1 is only the answer for files holding one
of the five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D).

:func:`open_text` opens with ``newline=''`` (the csv module then sees CRLF
line ends and quoted line breaks correctly) and wraps the stream so that a
decoding error found while reading surfaces as ``InputError("<file>: not
valid <enc> text at line N; try --encoding ...")``, never as
``UnicodeDecodeError``.

:func:`numbered_lines` reads a stream line by line with a bound on the length
of a line (:data:`MAX_LINE_CHARS`, one million characters): a longer line is
skipped in pieces and handed out as a :class:`LongLine` (its start only), so the reader rejects that one
record and memory stays bounded whatever the file holds (a 100 MB line, a
2 GB file of zero bytes without a line break...).
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .records import InputError

CHUNK = 1 << 18  # 256 KiB
# The longest line (and, for CSV, the longest record) a reader accepts, in characters: far above any
# real field (a long POP "Historique" is tens of kilobytes), low enough to keep memory bounded.
MAX_LINE_CHARS = 1 << 20
UTF8_BOM = codecs.BOM_UTF8
# The five bytes Windows-1252 leaves undefined.
_CP1252_UNDEFINED = re.compile(b"[\x81\x8d\x8f\x90\x9d]")


def detect_encoding(path: Path) -> str:
    """``utf-8-sig``, ``utf-8``, ``cp1252`` or ``latin-1``: see the module docstring."""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    cp1252_ok = True
    with _open_binary(path) as f:
        first = True
        while chunk := f.read(CHUNK):
            if first and chunk.startswith(UTF8_BOM):
                return "utf-8-sig"
            first = False
            if utf8_ok and not (chunk.isascii() and not utf8.getstate()[0]):
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            if cp1252_ok and _CP1252_UNDEFINED.search(chunk):
                cp1252_ok = False
            if not utf8_ok and not cp1252_ok:
                return "latin-1"
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)  # a file cut inside a multi-byte character
            return "utf-8"
        except UnicodeDecodeError:
            pass
    return "cp1252" if cp1252_ok else "latin-1"


def open_text(path: Path, encoding: str | None = None) -> TextIO:
    """The file as text, decoded with ``encoding`` (detected when None), ``newline=''``.

    Raises :class:`InputError` when the file does not exist, is a directory,
    is empty, cannot be read or when ``encoding`` is unknown. Decoding errors
    met while reading are raised as :class:`InputError` too.
    """
    path = Path(path)
    _check_file(path)
    if encoding is None:
        encoding = detect_encoding(path)
    else:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r} (try utf-8, cp1252 or latin-1)") from None
    try:
        raw = open(path, encoding=encoding, newline="")
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
    return CheckedText(raw, path)


@dataclass(frozen=True, slots=True)
class LongLine:
    """Stands for a line longer than the bound: only its start is kept (where an identifier may be read)."""

    head: str

    HEAD = 256


def numbered_lines(stream: TextIO, limit: int = MAX_LINE_CHARS, start: int = 1
                   ) -> Iterator[tuple[int, str | LongLine]]:
    """``(line number, text)`` for each line of ``stream``; a :class:`LongLine` for a line longer than ``limit``.

    A too-long line is read and dropped in pieces of at most ``limit`` characters.
    """
    readline = stream.readline
    lineno = start - 1
    while True:
        line = readline(limit)
        if not line:
            return
        lineno += 1
        if len(line) < limit or line.endswith(("\n", "\r")):
            yield lineno, line
            continue
        rest = readline(limit)
        if not rest:  # exactly ``limit`` characters, then the end of the file
            yield lineno, line
            return
        if rest in ("\n", "\r\n") or (rest == "\r" and not line.endswith("\r")):
            yield lineno, line + rest
            continue
        while rest and not rest.endswith(("\n", "\r")):
            rest = readline(limit)
        yield lineno, LongLine(line[:LongLine.HEAD])


def decode_error_line(path: Path, encoding: str) -> int:
    """The 1-based line holding the first byte sequence ``encoding`` cannot decode (0: none)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lineno = 0
    with _open_binary(path) as f:
        for lineno, line in enumerate(f, 1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                return lineno
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return max(lineno, 1)
    return 0


def decode_error_message(path: Path, encoding: str) -> str:
    """The one-line message for a file that ``encoding`` cannot decode."""
    line = decode_error_line(path, encoding)
    where = f" at line {line}" if line else ""
    suggestion = detect_encoding(path)
    if codecs.lookup(suggestion).name == codecs.lookup(encoding).name:
        suggestion = "latin-1"
    return f"{path}: not valid {encoding} text{where}; try --encoding {suggestion}"


class CheckedText(io.TextIOBase):
    """A text stream whose decoding errors are raised as :class:`InputError`."""

    def __init__(self, raw: io.TextIOWrapper, path: Path) -> None:
        super().__init__()
        self._raw = raw
        self.path = path

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._raw.encoding

    @property
    def name(self) -> str:
        return str(self.path)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        try:
            return self._raw.read(size)
        except UnicodeDecodeError:
            raise InputError(decode_error_message(self.path, self._raw.encoding)) from None

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        try:
            return self._raw.readline(size if size is not None else -1)
        except UnicodeDecodeError:
            raise InputError(decode_error_message(self.path, self._raw.encoding)) from None

    def __next__(self) -> str:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def close(self) -> None:
        self._raw.close()
        super().close()


def _check_file(path: Path) -> None:
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a file")
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
    if size == 0:
        raise InputError(f"{path}: the file is empty")


def _open_binary(path: Path) -> io.BufferedReader:
    try:
        return open(path, "rb")
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
