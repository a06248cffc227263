"""The one CSV writer of both plugins' exports, safe to open in a spreadsheet.

Exports hold text that anyone could have typed: area and candidate names
from results files, search terms and embedding sites from anonymous
visitors. A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is a formula to a spreadsheet (OWASP's "CSV injection"), so
such text cells get a leading apostrophe, which spreadsheets show as text.
Numbers are written as numbers: a negative count stays a number.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

__all__ = ["csv_text", "safe_cell"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet will read it: never as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """A CSV document (header, then rows), every text cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
