"""Open a results table whatever its container: CSV or XLSX, gzip or not.

Files come from many hands: the Ministère publishes ``;``-separated Latin-1
CSV, open-data portals re-publish UTF-8 (with or without BOM) with ``,``,
spreadsheets get saved as XLSX. Everything is detected from the bytes, never
from the file name, because uploads often lose or lie about their extension.

Rows are streamed as ``(line, cells)`` where ``line`` is the physical line of
the file where the row starts (1 is the header; in XLSX, the sheet row), so
problems can point at the exact line a person sees in an editor.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import os
import re
import shutil
import tempfile
import zlib
from collections.abc import Generator, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import IO, Any, cast

from .messages import ImportRejected, Problem
from .model import SourceInfo

Source = str | os.PathLike[str] | IO[bytes]
Row = tuple[int, list[str]]
Rows = Generator[Row, None, None]

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20
_DELIMITERS = (",", ";", "\t")
_QUOTED = re.compile(r'"[^"]*"')
# Spooled copies of unseekable uploads stay in memory up to this size.
_SPOOL_LIMIT = 16 << 20


@dataclass(slots=True)
class Table:
    """An opened table: its header, a one-shot row iterator, and how it was read."""

    header: list[str]
    header_line: int
    rows: Rows
    info: SourceInfo


@contextmanager
def open_table(source: Source) -> Iterator[Table]:
    """Open ``source`` (a path or a binary file object) as a ``Table``.

    Raises ``ImportRejected`` (``empty_file``, ``unreadable_file``) when there
    is no table to read. The file object passed in is not closed.
    """
    with ExitStack() as stack:
        raw: IO[bytes] = _binary_stream(source, stack)
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if compressed:
            raw = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
            stack.callback(raw.close)
        try:
            magic = raw.read(4)
            raw.seek(0)
        except (OSError, EOFError, zlib.error) as exc:
            raise _unreadable(exc, None) from exc
        if magic == _ZIP_MAGIC:
            rows, info = _xlsx_rows(raw, stack, compressed)
        else:
            rows, info = _csv_rows(raw, compressed)
        rows = _guard(rows)
        # Close the row generator before the streams it reads (LIFO order).
        stack.callback(rows.close)
        first = next(rows, None)
        if first is None:
            raise ImportRejected([Problem("empty_file", None)])
        header_line, header = first
        yield Table([h.strip() for h in header], header_line, rows, info)


def _binary_stream(source: Source, stack: ExitStack) -> IO[bytes]:
    if isinstance(source, (str, os.PathLike)):
        return stack.enter_context(open(source, "rb"))
    stream: Any = source
    if hasattr(stream, "seekable") and stream.seekable():
        stream.seek(0)
        return stream
    # Detection needs to look ahead and rewind: copy unseekable uploads.
    spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=_SPOOL_LIMIT))
    shutil.copyfileobj(stream, spool, _CHUNK)
    spool.seek(0)
    return spool


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


def _csv_rows(raw: IO[bytes], compressed: bool) -> tuple[Rows, SourceInfo]:
    try:
        encoding = detect_encoding(raw)
        head = raw.read(64 * 1024).decode(encoding, errors="ignore")
        raw.seek(0)
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(exc, None) from exc
    lines = head.lstrip().splitlines()
    delimiter = sniff_delimiter(lines[0] if lines else "")
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")  # type: ignore[type-var]
    info = SourceInfo("csv", "utf-8" if encoding == "utf-8-sig" else encoding, delimiter, compressed)
    return _iter_csv(text, delimiter), info


def _iter_csv(text: io.TextIOWrapper, delimiter: str) -> Rows:
    reader = csv.reader(text, delimiter=delimiter)
    try:
        previous_end = 0
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if any(cells):
                yield start, cells
    finally:
        # Let the caller's stream live on: the TextIOWrapper must not close it.
        text.detach()


def _xlsx_rows(raw: IO[bytes], stack: ExitStack, compressed: bool) -> tuple[Rows, SourceInfo]:
    import openpyxl  # only needed for spreadsheets

    try:
        workbook = openpyxl.load_workbook(raw, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken zip/xml
        raise _unreadable(exc, None) from exc
    stack.callback(workbook.close)
    sheet = workbook.worksheets[0]
    return _iter_sheet(sheet.iter_rows(min_row=1, values_only=True)), SourceInfo("xlsx", compressed=compressed)


def _iter_sheet(values: Iterable[tuple[Any, ...]]) -> Rows:
    for line, row in enumerate(values, start=1):
        cells = [_cell_text(v) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            yield line, cells


def _cell_text(value: Any) -> str:
    """Spreadsheet cells as the text a CSV export would hold.

    Integral floats become ``12``, not ``12.0``: spreadsheets store every
    number as a float, and counts must still read as whole numbers.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)
