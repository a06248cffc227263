"""Stream the first sheet of an XLSX workbook, within limits.

A workbook is a zip of XML parts. Its central directory declares each part's
size, so parts are checked there before anything is inflated; then each part
is inflated here, counting bytes as they come out, so a part whose header
lies about its size is caught too. The sheet is parsed as a stream (expat,
a few rows at a time); shared strings, which a sheet may use anywhere, are
held whole but compactly (UTF-8 bytes and offsets), within
``Limits.max_xlsx_part``. XML with a document type (the door to entity
expansion) is refused.

Cells read as a CSV export of the sheet would show them: numbers that are
whole read ``12``, not ``12.0`` (spreadsheets store every number as a
float, and counts must read as whole numbers); booleans read ``TRUE`` or
``FALSE``. Dates stored as numbers stay numbers: no results column holds
dates.
"""
from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import IO
from xml.parsers import expat

from .limits import LimitExceeded, Limits, part_too_large
from .messages import ImportRejected, Problem

Row = tuple[int, list[str]]

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_CHUNK = 1 << 16
_MAX_COLUMN = 16_384  # XFD, the last column of a sheet
_REL = "/relationships/"


def xlsx_rows(raw: IO[bytes], limits: Limits) -> Iterator[Row]:
    """Rows ``(line, cells)`` of the first worksheet of the workbook in ``raw``."""
    try:
        archive = zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _unreadable(exc) from exc
    parts = {info.filename: info for info in archive.infolist()}
    workbook = _target(_relations(archive, parts, "_rels/.rels", limits), "officeDocument", "") or "xl/workbook.xml"
    if workbook not in parts:
        raise ImportRejected([Problem("not_xlsx", None, None, {"error": "the archive holds no workbook"})])
    folder, name = posixpath.split(workbook)
    relations = _relations(archive, parts, posixpath.join(folder, "_rels", name + ".rels"), limits)
    sheet = next((_resolve(folder, relations[rid][1]) for rid in _sheet_ids(archive, parts[workbook], limits)
                  if rid in relations and relations[rid][0].endswith(_REL + "worksheet")), None)
    if sheet is None or sheet not in parts:
        raise ImportRejected([Problem("not_xlsx", None, None, {"error": "the workbook has no worksheet"})])
    if parts[sheet].file_size > limits.max_sheet_bytes:
        raise part_too_large(sheet, limits.max_sheet_bytes)
    shared = _target(relations, "sharedStrings", folder)
    strings = _shared_strings(archive, parts[shared], limits) if shared in parts else _no_strings
    return _sheet_rows(archive, parts[sheet], strings, limits)


# --------------------------------------------------------------------------
# Parts: inflated here, counted, checked against their declared size and CRC.


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    """The part's bytes, inflated a chunk at a time, checked against its declared size and CRC."""
    if info.file_size > limit:
        raise part_too_large(info.filename, limit)
    if info.flag_bits & 0x1:
        raise ImportRejected([Problem("not_xlsx", None, None, {"error": "the workbook is encrypted"})])
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise zipfile.BadZipFile(f"{info.filename}: compression method {info.compress_type} is not supported")
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    produced, crc = 0, 0
    for data in _compressed(archive, info):
        while True:
            # At most one chunk out per call, however much the input expands.
            out = inflater.decompress(data, _CHUNK) if inflater is not None else data
            produced += len(out)
            if produced > info.file_size:  # the header lied
                raise LimitExceeded("xlsx_size_mismatch", None, part=info.filename, declared=info.file_size)
            crc = zlib.crc32(out, crc)
            if out:
                yield out
            data = inflater.unconsumed_tail if inflater is not None else b""
            if not data and (inflater is None or inflater.eof or not out):
                break
    if produced != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"{info.filename}: bad size or CRC")


def _compressed(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's stored bytes, read after its local header, then empty chunks to flush."""
    fp = archive.fp
    assert fp is not None
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{info.filename}: bad local header")
    *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    position = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    left = info.compress_size
    while left > 0:
        fp.seek(position)  # the sheet is read while nothing else moves the file, but be sure
        data = fp.read(min(_CHUNK, left))
        if not data:
            raise zipfile.BadZipFile(f"{info.filename}: truncated")
        position += len(data)
        left -= len(data)
        yield data
    yield b""  # what the inflater still holds


def _parse(chunks: Iterator[bytes], parser: expat.XMLParserType, gap: int, after: Callable[[], None]) -> None:
    """Feed ``chunks`` to ``parser``; no single token may span more than ``gap`` bytes."""
    fed = 0
    for chunk in chunks:
        parser.Parse(chunk, False)
        fed += len(chunk)
        after()
        if fed - max(parser.CurrentByteIndex, 0) > gap:
            raise LimitExceeded("line_too_long", None, limit=gap)
    parser.Parse(b"", True)
    after()


def _parser(start: Callable, end: Callable | None = None, text: Callable | None = None) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.EntityDeclHandler = _no_doctype
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _no_doctype(*_: object) -> None:
    raise ValueError("XML with a document type is refused")


def _small_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, start: Callable) -> None:
    try:
        _parse(_inflate(archive, info, limits.max_xlsx_part), _parser(start), limits.max_line, lambda: None)
    except (expat.ExpatError, zipfile.BadZipFile, ValueError, zlib.error) as exc:
        raise _unreadable(exc) from exc


def _relations(
    archive: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo], path: str, limits: Limits
) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target) of a ``.rels`` part ({} if absent)."""
    found: dict[str, tuple[str, str]] = {}
    if path in parts:

        def start(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "Relationship" and "Id" in attrs:
                found[attrs["Id"]] = (attrs.get("Type", ""), attrs.get("Target", ""))

        _small_part(archive, parts[path], limits, start)
    return found


def _target(relations: dict[str, tuple[str, str]], kind: str, folder: str) -> str | None:
    for rel_type, target in relations.values():
        if rel_type.endswith(_REL + kind):
            return _resolve(folder, target)
    return None


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _sheet_ids(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> list[str]:
    ids: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            ids.extend(v for k, v in attrs.items() if k.endswith(":id"))

    _small_part(archive, info, limits, start)
    return ids


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _unreadable(exc: BaseException, line: int | None = None) -> ImportRejected:
    return ImportRejected([Problem("unreadable_file", line, None, {"error": str(exc) or type(exc).__name__})])


# --------------------------------------------------------------------------
# Shared strings: every distinct text of the workbook, held as UTF-8 bytes.


def _no_strings(index: int) -> str:
    raise IndexError(f"shared string {index} does not exist")


def _shared_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> Callable[[int], str]:
    reader = _StringsReader(limits.max_line)
    try:
        _parse(_inflate(archive, info, limits.max_xlsx_part), _parser(reader.start, reader.end, reader.text),
               limits.max_line, lambda: None)
    except (expat.ExpatError, zipfile.BadZipFile, ValueError, zlib.error) as exc:
        raise _unreadable(exc) from exc
    data, ends = reader.data, reader.ends

    # Names, nuances and labels repeat on every row: keep the recent ones decoded.
    @lru_cache(maxsize=1 << 16)
    def lookup(index: int) -> str:
        begin = ends[index - 1] if index else 0
        return data[begin : ends[index]].decode("utf-8", "surrogatepass")

    return lookup


class _StringsReader:
    """Expat handlers that pack each ``<si>``'s text into one buffer, with end offsets."""

    def __init__(self, max_length: int) -> None:
        self.data = bytearray()
        self.ends = array("Q")
        self.pieces: list[str] = []
        self.size = 0
        self.in_text = False
        self.phonetic = 0  # inside a phonetic reading (<rPh>), not part of the text
        self.max_length = max_length

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "t" and not self.phonetic:
            self.in_text = True
        elif local == "rPh":
            self.phonetic += 1

    def end(self, name: str) -> None:
        local = _local(name)
        if local == "t":
            self.in_text = False
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "si":
            self.data.extend("".join(self.pieces).encode("utf-8", "surrogatepass"))
            self.ends.append(len(self.data))
            self.pieces.clear()
            self.size = 0

    def text(self, chunk: str) -> None:
        if self.in_text:
            self.pieces.append(chunk)
            self.size += len(chunk)
            if self.size > self.max_length:
                raise LimitExceeded("line_too_long", None, limit=self.max_length)


# --------------------------------------------------------------------------
# The sheet, streamed.


class _SheetReader:
    """Expat handlers that turn ``<row>``/``<c>`` elements into ``(line, cells)``."""

    def __init__(self, strings: Callable[[int], str], limits: Limits) -> None:
        self.strings, self.limits = strings, limits
        self.done: list[Row] = []
        self.line = 0
        self.cells: dict[int, str] = {}
        self.column = -1
        self.kind = "n"
        self.value: list[str] | None = None
        self.collect = False
        self.phonetic = 0
        self.size = 0
        self.columns: dict[str, int] = {}
        self.names: dict[str, str] = {}

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = self.names.get(name) or self.names.setdefault(name, _local(name))
        if local == "c":
            ref = attrs.get("r")
            self.column = self._column(ref) if ref else self.column + 1
            self.kind = attrs.get("t", "n")
            self.value = []
        elif local == "v" or (local == "t" and self.kind == "inlineStr" and not self.phonetic):
            self.collect = self.value is not None
        elif local == "row":
            r = attrs.get("r")
            self.line = int(r) if r else self.line + 1
            if self.line > self.limits.max_rows + 1:
                raise LimitExceeded("too_many_rows", None, limit=self.limits.max_rows)
            self.cells, self.column, self.size = {}, -1, 0
        elif local == "rPh":
            self.phonetic += 1

    def end(self, name: str) -> None:
        local = self.names.get(name) or self.names.setdefault(name, _local(name))
        if local in ("v", "t"):
            self.collect = False
        elif local == "c":
            if self.value:
                text = self._text("".join(self.value))
                if text:
                    self.cells[self.column] = text
            self.value = None
        elif local == "row":
            if self.cells:
                row = [""] * (max(self.cells) + 1)
                for column, text in self.cells.items():
                    row[column] = text
                self.done.append((self.line, row))
            self.cells = {}
        elif local == "rPh":
            self.phonetic -= 1

    def text(self, chunk: str) -> None:
        if self.collect and self.value is not None:
            self.value.append(chunk)
            self.size += len(chunk)
            if self.size > self.limits.max_line:
                raise LimitExceeded("line_too_long", self.line, limit=self.limits.max_line)

    def _column(self, ref: str) -> int:
        letters = ref.rstrip("0123456789")
        column = self.columns.get(letters)
        if column is None:
            column = 0
            for ch in letters.upper():
                if not "A" <= ch <= "Z":
                    raise ValueError(f"bad cell reference {ref!r}")
                column = column * 26 + ord(ch) - 64
            if not 1 <= column <= _MAX_COLUMN:
                raise ValueError(f"cell {ref!r} is beyond the last column of a sheet")
            column = self.columns[letters] = column - 1
        return column

    def _text(self, raw: str) -> str:
        kind = self.kind
        if kind == "s":
            return self.strings(int(raw))
        if kind == "b":
            return "TRUE" if raw.strip() == "1" else "FALSE"
        if kind == "n" and ("." in raw or "E" in raw or "e" in raw):
            number = float(raw)
            return str(int(number)) if number.is_integer() else str(number)
        return raw


def _sheet_rows(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, strings: Callable[[int], str], limits: Limits
) -> Iterator[Row]:
    reader = _SheetReader(strings, limits)
    parser = _parser(reader.start, reader.end, reader.text)
    fed = 0
    try:
        for chunk in _inflate(archive, info, limits.max_sheet_bytes):
            parser.Parse(chunk, False)
            fed += len(chunk)
            yield from reader.done
            reader.done.clear()
            if fed - max(parser.CurrentByteIndex, 0) > limits.max_line + 2 * _CHUNK:
                raise LimitExceeded("line_too_long", reader.line, limit=limits.max_line)
        parser.Parse(b"", True)
        yield from reader.done
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, IndexError) as exc:
        raise _unreadable(exc, reader.line or None) from exc
