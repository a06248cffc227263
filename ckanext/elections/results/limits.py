"""How much of a file the importer reads and holds, at most.

Uploads come from anyone who may publish results, and a few bytes can ask
for gigabytes: a gzip of zeros, a spreadsheet whose shared strings expand a
thousandfold, a table with one endless line. Every limit stops reading at
once and rejects the file with one problem that names the limit, so a
hostile file costs bounded time and memory (the default limits keep an
import under 300 MB) and leaves published results untouched.

The defaults let the largest real files through: a national file of
~70,000 polling stations, in the long layout too (a row per station and
candidate: 38 lists at the 2024 européennes make ~2.6 million rows). The
CKAN layer passes its configured ``max_bytes``; the other limits rarely
need changing.
"""
from __future__ import annotations

from dataclasses import dataclass

from .messages import ImportRejected, Problem

MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits of one import (file, turnout or reference table)."""

    # Bytes of the file once decompressed (a gzip's content; an XLSX file itself).
    max_bytes: int = 256 * MIB
    # Characters of one line (one row of an XLSX sheet): a row of a national
    # Ministère file is a few kB.
    max_line: int = 1 * MIB
    # Lines of a file (rows of a sheet), the header included.
    max_rows: int = 4_000_000
    # Distinct areas: France has ~35,000 communes and ~70,000 polling stations.
    max_areas: int = 100_000
    # Results held, one per candidate and area (or per area and hour in a
    # turnout file): what memory grows with, ~60 bytes each at most while a
    # long file is grouped. 70,000 stations x 38 lists fit.
    max_votes: int = 3_000_000
    # Distinct candidates (binômes, lists): ~9,000 binômes at the 2015
    # départementales, ~20,000 lists at the municipales.
    max_candidates: int = 200_000
    # Decompressed bytes of an XLSX part held in memory whole (shared
    # strings, workbook): its central directory is checked before inflating.
    max_xlsx_part: int = 64 * MIB
    # Decompressed bytes of the sheet, which is streamed: XML takes several
    # times the bytes of the same table as CSV.
    max_sheet_bytes: int = 1024 * MIB


DEFAULT_LIMITS = Limits()


class LimitExceeded(ImportRejected):
    """A limit was reached: the file is rejected with this one problem."""

    def __init__(self, code: str, line: int | None = None, **params: object) -> None:
        super().__init__([Problem(code, line, None, dict(params))])


def too_large(limit: int, line: int | None = None) -> LimitExceeded:
    return LimitExceeded("too_large", line, limit=limit, limit_mib=_mib(limit))


def part_too_large(part: str, limit: int) -> LimitExceeded:
    return LimitExceeded("xlsx_part_too_large", None, part=part, limit=limit, limit_mib=_mib(limit))


def _mib(size: int) -> str:
    return f"{size / MIB:g}"
