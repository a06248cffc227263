"""Open a results table whatever its container: CSV or XLSX, gzip or not.

Files come from many hands: the Ministère publishes ``;``-separated Latin-1
CSV, open-data portals re-publish UTF-8 (with or without BOM) with ``,``,
spreadsheets get saved as XLSX, and some tools write UTF-16. Everything is
detected from the bytes, never from the file name, because uploads often
lose or lie about their extension.

Rows are streamed as ``(line, cells)`` where ``line`` is the physical line of
the file where the row starts (1 is the header; in XLSX, the sheet row), so
problems can point at the exact line a person sees in an editor. Reading is
bounded by ``Limits``: decompressed bytes are counted as they are read, and
lines are read with a maximum length, so memory stays flat whatever the file.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
import tempfile
import zlib
from collections.abc import Generator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import IO, Any, cast

from .limits import DEFAULT_LIMITS, LimitExceeded, Limits, too_large
from .messages import ImportRejected, Problem
from .model import SourceInfo

Source = str | os.PathLike[str] | IO[bytes]
Row = tuple[int, list[str]]
Rows = Generator[Row, None, None]

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20
_HEAD = 64 * 1024
_DELIMITERS = (",", ";", "\t")
_QUOTED = re.compile(r'"[^"]*"')
# Spooled copies of unseekable uploads stay in memory up to this size.
_SPOOL_LIMIT = 16 << 20
# Byte-order marks, longest first: a UTF-32 LE mark starts like a UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control bytes no text table holds (tab, line feed and carriage return aside).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 13))


@dataclass(slots=True)
class Table:
    """An opened table: its header, a one-shot row iterator, and how it was read."""

    header: list[str]
    header_line: int
    rows: Rows
    info: SourceInfo


@contextmanager
def open_table(source: Source, *, limits: Limits = DEFAULT_LIMITS) -> Iterator[Table]:
    """Open ``source`` (a path or a binary file object) as a ``Table``.

    Raises ``ImportRejected`` when there is no table to read (``empty_file``,
    ``unreadable_file``, ``not_a_table``, ``not_xlsx``) or when the file
    exceeds one of ``limits`` (``too_large``, ``line_too_long``...), before
    or while rows are read. The file object passed in is not closed.
    """
    with ExitStack() as stack:
        raw: IO[bytes] = _binary_stream(source, stack, limits)
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if compressed:
            raw = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
            stack.callback(raw.close)
        elif raw.seek(0, io.SEEK_END) > limits.max_bytes:
            raise too_large(limits.max_bytes)
        raw.seek(0)
        raw = cast(IO[bytes], io.BufferedReader(_Bounded(raw, limits.max_bytes), _CHUNK))
        try:
            magic = raw.read(4)
            raw.seek(0)
        except (OSError, EOFError, zlib.error) as exc:
            raise _unreadable(exc, None) from exc
        if magic == _ZIP_MAGIC:
            from .xlsx import xlsx_rows  # only needed for spreadsheets

            rows = xlsx_rows(_seekable(raw, compressed, stack), limits)
            info = SourceInfo("xlsx", compressed=compressed)
        else:
            rows, info = _csv_rows(raw, compressed, limits)
        rows = _guard(rows)
        # Close the row generator before the streams it reads (LIFO order).
        stack.callback(rows.close)
        first = next(rows, None)
        if first is None:
            raise ImportRejected([Problem("empty_file", None)])
        header_line, header = first
        yield Table([h.strip() for h in header], header_line, rows, info)


class _Bounded(io.RawIOBase):
    """Counts the bytes read (as a position, so rewinding is free) up to a limit."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self.inner, self.limit, self.position = inner, limit, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.position > self.limit:
            raise too_large(self.limit)
        # Read one byte past the limit, to tell a file of exactly the limit from a larger one.
        view = memoryview(buffer)[: self.limit + 1 - self.position]
        readinto = getattr(self.inner, "readinto", None)
        if readinto is not None:
            n = readinto(view) or 0
        else:  # a file-like object with read() only
            data = self.inner.read(len(view))
            n = len(data)
            view[:n] = data
        self.position += n
        if self.position > self.limit:
            raise too_large(self.limit)
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = self.inner.seek(offset, whence)
        return self.position

    def tell(self) -> int:
        return self.position


def _binary_stream(source: Source, stack: ExitStack, limits: Limits) -> IO[bytes]:
    if isinstance(source, (str, os.PathLike)):
        return stack.enter_context(open(source, "rb"))
    stream: Any = source
    if hasattr(stream, "seekable") and stream.seekable():
        stream.seek(0)
        return stream
    # Detection needs to look ahead and rewind: copy unseekable uploads. A
    # gzip never shrinks what it holds by much, so the limit bounds the copy.
    spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=_SPOOL_LIMIT))
    copied = 0
    while chunk := stream.read(_CHUNK):
        copied += len(chunk)
        if copied > limits.max_bytes + limits.max_bytes // 100 + 1024:
            raise too_large(limits.max_bytes)
        spool.write(chunk)
    spool.seek(0)
    return cast(IO[bytes], spool)


def _seekable(raw: IO[bytes], compressed: bool, stack: ExitStack) -> IO[bytes]:
    """A zip reader seeks from the end: inflate a gzipped workbook to a spool first."""
    if not compressed:
        return raw
    spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=_SPOOL_LIMIT))
    try:
        while chunk := raw.read(_CHUNK):
            spool.write(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(exc, None) from exc
    spool.seek(0)
    return cast(IO[bytes], spool)


def _unreadable(exc: BaseException, line: int | None) -> ImportRejected:
    return ImportRejected([Problem("unreadable_file", line, None, {"error": str(exc) or type(exc).__name__})])


def _guard(rows: Rows) -> Rows:
    """Turn decoding failures in the middle of a stream into a file problem."""
    line = None
    try:
        for line, cells in rows:
            yield line, cells
    except (OSError, EOFError, zlib.error, csv.Error, ValueError) as exc:
        raise _unreadable(exc, line) from exc
    finally:
        rows.close()


def detect_encoding(raw: IO[bytes]) -> str:
    """UTF-8 if every byte decodes as UTF-8, else cp1252, else Latin-1.

    The whole stream is checked (and rewound), since a Latin-1 file can be
    pure ASCII for thousands of lines before its first accented name. This
    costs one extra pass over the bytes, which is cheap next to parsing.
    """
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := raw.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            raw.seek(0)
        return encoding
    return "latin-1"


def sniff_delimiter(first_line: str) -> str:
    """The most frequent of ``,``, ``;`` and tab in the header, outside quotes."""
    unquoted = _QUOTED.sub("", first_line)
    counts = {d: unquoted.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def wide_encoding(head: bytes) -> str | None:
    """UTF-16 or UTF-32, told by a byte-order mark or, without one, by NULs.

    Text in UTF-16 without a mark has a NUL in every other byte (every
    character of French text is under U+0100): on the odd bytes for
    little-endian, on the even ones for big-endian.
    """
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return None if encoding == "utf-8-sig" else encoding
    sample = head[:4096]
    sample = sample[: len(sample) // 2 * 2]
    if len(sample) < 16:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.9 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.9 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _looks_binary(head: bytes) -> bool:
    """More than 1 % control bytes: no CSV holds that (a stray NUL is told by line)."""
    controls = len(head) - len(head.translate(None, _CONTROL))
    return controls > 8 and controls * 100 > len(head)


def _csv_rows(raw: IO[bytes], compressed: bool, limits: Limits) -> tuple[Rows, SourceInfo]:
    try:
        head = raw.read(_HEAD)
        raw.seek(0)
        encoding = wide_encoding(head)
        if encoding is None:
            # A full pass, counted: a gzip bomb is told by its size, then garbage by its bytes.
            encoding = detect_encoding(raw)
            if _looks_binary(head):
                raise ImportRejected([Problem("not_a_table", None)])
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(exc, None) from exc
    text_head = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    lines = text_head.lstrip().splitlines()
    delimiter = sniff_delimiter(lines[0] if lines else "")
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")  # type: ignore[type-var]
    name = {"utf-8-sig": "utf-8", "utf-16": "utf-16", "utf-32": "utf-32"}.get(encoding, encoding)
    info = SourceInfo("csv", name, delimiter, compressed)
    return _iter_csv(text, delimiter, limits), info


def _lines(text: io.TextIOWrapper, limits: Limits) -> Iterator[str]:
    """Physical lines, each read with a maximum length so none is held whole."""
    readline, width, most = text.readline, limits.max_line, limits.max_rows + 1
    number = 0
    while line := readline(width + 1):
        number += 1
        if len(line) > width and line[-1] not in "\r\n":
            raise LimitExceeded("line_too_long", number, limit=width)
        if number > most:
            raise LimitExceeded("too_many_rows", None, limit=limits.max_rows)
        if "\x00" in line:
            raise ImportRejected([Problem("nul_byte", number)])
        yield line


def _iter_csv(text: io.TextIOWrapper, delimiter: str, limits: Limits) -> Rows:
    reader = csv.reader(_lines(text, limits), delimiter=delimiter)
    try:
        previous_end = 0
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if any(cells):
                yield start, cells
    finally:
        # Let the caller's stream live on: the TextIOWrapper must not close it.
        text.detach()
