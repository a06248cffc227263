"""Generate hostile and malformed files, at any size, without holding them.

Used by the limit tests (scaled down) and by ``bench/import_memory.py``
(full size). Each writer streams to a path and returns it; nothing here is
committed as a binary.
"""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

HEADER = "departement,commune,bureau,inscrits,votants,blancs,exprimes,A,B\n"
_CHUNK = 1 << 20


def gzip_zeros(path: Path, size: int, *, byte: bytes = b"\0") -> Path:
    """A gzip of ``size`` bytes of ``byte`` (NUL: ~1 MB per GiB), written in a second.

    Deflating a GiB takes a while, but after a full flush the compressor
    starts afresh, so every MiB of the same byte deflates to the same bytes:
    deflate one and repeat it.
    """
    chunk = byte * _CHUNK
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    with open(path, "wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03")  # gzip header, no name, no time
        for _ in range(size // _CHUNK):
            out.write(block)
            crc = zlib.crc32(chunk, crc)
        rest = byte * (size % _CHUNK)
        out.write(compressor.compress(rest) + compressor.flush())
        crc = zlib.crc32(rest, crc)
        out.write(crc.to_bytes(4, "little") + (size % (1 << 32)).to_bytes(4, "little"))
    return path


def valid_rows(count: int, start: int = 0) -> str:
    """Bureau rows that pass every check, with distinct codes."""
    return "".join(
        f"67,{(i // 1000) + 1},{i % 1000 + 1},100,80,0,80,50,30\n" for i in range(start, start + count)
    )


def large_csv(path: Path, size: int) -> Path:
    """A well-formed large-layout CSV of about ``size`` bytes (one bureau per row)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        written, i = 0, 0
        while written < size:
            block = valid_rows(10_000, i)
            out.write(block)
            written += len(block)
            i += 10_000
    return path


def _workbook_parts(sheet_rows: str, shared: list[str] | None) -> dict[str, str]:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = (f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>')
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                               'package/2006/content-types"/>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
                       f'2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
                       f'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}"><sheets>'
                           f'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                                      f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet {ns}><sheetData>{sheet_rows}'
                                    f'</sheetData></worksheet>',
    }
    if shared is not None:
        items = "".join(f"<si><t>{s}</t></si>" for s in shared)
        parts["xl/sharedStrings.xml"] = f'<?xml version="1.0"?><sst {ns}>{items}</sst>'
    return parts


def xlsx(path: Path, rows: list[list[object]], *, shared: bool = True) -> Path:
    """A minimal workbook: text cells as shared strings, numbers as numbers."""
    strings: list[str] = []
    xml = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}" if c < 26 else f"A{chr(65 + c - 26)}{r}"
            if isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif shared:
                strings.append(str(value))
                cells.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        xml.append(f'<row r="{r}">{"".join(cells)}</row>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _workbook_parts("".join(xml), strings if shared else None).items():
            archive.writestr(name, text)
    return path


def xlsx_shared_strings_bomb(path: Path, size: int, *, lie: bool = False) -> Path:
    """A small workbook whose shared strings inflate to ``size`` bytes.

    With ``lie``, its zip headers declare the part a few hundred bytes long.
    """
    parts = _workbook_parts('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', None)
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        with archive.open("xl/sharedStrings.xml", "w") as out:
            out.write(f'<?xml version="1.0"?><sst {ns}>'.encode())
            item = b"<si><t>" + b"x" * 1000 + b"</t></si>"
            block = item * (_CHUNK // len(item))
            for _ in range(size // len(block)):
                out.write(block)
            out.write(b"</sst>")
    if lie:
        _declare_size(path, "xl/sharedStrings.xml", 300)
    return path


def _declare_size(path: Path, name: str, size: int) -> None:
    """Rewrite the uncompressed size a zip declares for ``name`` (central directory and local header)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    encoded = name.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:  # central directory entries: name length at 28, name at 46, size at 24
        length = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + length] == encoded:
            data[at + 24:at + 28] = size.to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    data[local + 22:local + 26] = size.to_bytes(4, "little")  # the local header's size
    path.write_bytes(bytes(data))
