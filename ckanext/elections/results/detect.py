"""Pick the layout of a results file from its header and first rows.

A ``candidate`` column means the long layout. Candidate block fields
(``Voix``, numbered or not) mean the Ministère layout, or the long one: a
header with a single block whose rows are never longer than the header
gives one candidate per row, so rows are grouped by area (2017-2022
Ministère files name only their first block too, but their rows run on
with the other blocks). Otherwise the columns after the fixed ones are
candidates (large layout). When nothing fits, the error names what the
closest layout lacks.

Every layout works at every level: the area code is built from the code
columns of the finest level present (``fields.LEVEL_COLUMNS``), or read
from a ``code`` column. ``Layout.describe()`` says which level was chosen,
and why.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from . import codes
from .fields import (
    BLOCK,
    FIXED,
    LONG,
    REQUIRED_COUNTS,
    FixedColumns,
    fixed_columns,
    missing_fixed,
)
from .layouts import Block, Blocks, LargeLayout, Layout, MinistereLayout
from .long_layout import LongLayout
from .messages import ImportRejected, Problem
from .model import Level

_NUMBERED = re.compile(r"^(.*?)(\d+)$")
_CANDIDATE_COLUMNS = "candidate columns"
# Rows looked at to tell a long file from a wide one (see ``detect_layout``).
SAMPLE_ROWS = 50


def _split_numbered(key: str) -> tuple[str, int | None]:
    match = _NUMBERED.match(key)
    if match and match.group(1) in BLOCK:
        return match.group(1), int(match.group(2))
    return key, None


def _ministere_blocks(header: list[str], keys: list[str], start: int) -> tuple[list[Block], int]:
    """Group the columns from ``start`` on into candidate blocks.

    Numbered headers are grouped by number; plain repeated headers start a
    new block whenever a field already seen in the current block comes back.
    Percentage and unknown columns belong to the block they sit in, which
    matters for the width used to read unnamed trailing blocks.
    """
    blocks: list[dict[str, tuple[int, str]]] = []
    numbers: dict[int, int] = {}
    starts: list[int] = []
    counts: dict[str, int] = {}
    for h in header:
        counts[h] = counts.get(h, 0) + 1
    for i in range(start, len(header)):
        base, number = _split_numbered(keys[i])
        name = BLOCK.get(base) if "%" not in header[i] else None
        if number is not None:
            if number not in numbers:
                numbers[number] = len(blocks)
                blocks.append({})
                starts.append(i)
            current = blocks[numbers[number]]
        else:
            if not blocks or (name is not None and name in blocks[-1]):
                blocks.append({})
                starts.append(i)
            current = blocks[-1]
        if name is not None and name not in current:
            label = header[i] if counts[header[i]] == 1 else f"{header[i]} #{len(blocks)}"
            current[name] = (i, label)
    return [Block(b) for b in blocks if "voix" in b], starts[-1] if starts else start


def detect_layout(
    header: list[str],
    *,
    level: Level | None = None,
    line: int = 1,
    sample: Sequence[tuple[int, list[str]]] = (),
) -> Layout:
    """The layout of a file with this header, or ``ImportRejected``.

    ``sample`` holds the first rows of the file (``SAMPLE_ROWS`` are enough)
    and tells a long file from a wide one when the header alone cannot.
    When nothing fits, the single problem (``no_layout``, on the header's
    ``line``) names the columns missing for the closest layout, which is what
    a person needs to fix. ``level`` is the level of long files whose areas
    have a ``code`` column but nothing that names their level.
    """
    keys = [codes.header_key(h) for h in header]
    long_index = _long_index(header, keys)
    block_names = {BLOCK.get(_split_numbered(k)[0]) for k, h in zip(keys, header, strict=True) if "%" not in h}
    candidates: list[tuple[list[str], Callable[[], Layout]]] = []

    if "candidate" in long_index:
        fixed = _area_columns(header, keys, len(header), level)
        missing = [n for n in (*REQUIRED_COUNTS, "candidate", "voix") if n not in long_index]
        if fixed is None and "code" not in long_index:
            missing.insert(0, "code")
        candidates.append((missing, lambda: _candidate_layout(header, keys, long_index, level)))
    if "voix" in block_names:
        start = next(
            i for i, k in enumerate(keys) if BLOCK.get(_split_numbered(k)[0]) and "%" not in header[i]
        )
        fixed = _area_columns(header, keys, start, level)
        present = set(fixed.index) if fixed else {FIXED[k] for k in keys[:start] if k in FIXED}
        missing = missing_fixed(present | ({"bureau"} if "code" in long_index else set()))
        candidates.append((missing, lambda: _block_layout(header, keys, start, level, sample)))
    fixed_all = fixed_columns(header, keys, len(header))
    present = set(fixed_all.index) if fixed_all else {FIXED[k] for k in keys if k in FIXED}
    missing = missing_fixed(present)
    recognised = [i for i, k in enumerate(keys) if k in FIXED]
    after = recognised[-1] + 1 if recognised else 0
    candidate_columns = [i for i in range(after, len(header)) if keys[i] not in FIXED and "%" not in header[i]]
    if not candidate_columns:
        missing.append(_CANDIDATE_COLUMNS)
    candidates.append((missing, lambda: _large_layout(fixed_all, candidate_columns, line)))

    missing, build = min(candidates, key=lambda c: len(c[0]))
    if missing:
        raise ImportRejected([Problem("no_layout", line, None, {"missing": ", ".join(missing)})])
    return build()


def _long_index(header: list[str], keys: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, k in enumerate(keys):
        name = LONG.get(k)
        if name is not None and name not in index and "%" not in header[i]:
            index[name] = i
    return index


def _area_columns(header: list[str], keys: list[str], stop: int, level: Level | None) -> FixedColumns | None:
    """Fixed columns of the first ``stop`` columns; with a ``code`` column, code columns are optional."""
    fixed = fixed_columns(header, keys, stop)
    if fixed is not None:
        return fixed
    if "code" not in _long_index(header[:stop], keys[:stop]):
        return None
    index = {}
    for i, key in enumerate(keys[:stop]):
        name = FIXED.get(key)
        if name is not None and name not in index and "%" not in header[i]:
            index[name] = i
    return FixedColumns(header, index, level or Level.BUREAU)


def _fits_header(sample: Sequence[tuple[int, list[str]]], width: int) -> bool:
    """No row carries cells beyond the header (trailing empty cells aside)."""
    for _, row in sample:
        if len(row) > width and any(c.strip() for c in row[width:]):
            return False
    return True


def _block_layout(
    header: list[str], keys: list[str], start: int, level: Level | None, sample: Sequence[tuple[int, list[str]]]
) -> Layout:
    fixed = _area_columns(header, keys, start, level)
    assert fixed is not None  # guaranteed when nothing is missing
    blocks, last_start = _ministere_blocks(header, keys, start)
    if len(blocks) == 1 and _fits_header(sample, len(header)):
        long_index = _long_index(header[:start], keys[:start])
        return LongLayout(
            fixed, Blocks(len(header), blocks, last_start), code=long_index.get("code"),
            level_column=long_index.get("level"), name_column=long_index.get("name"), level=level,
        )
    return MinistereLayout(fixed, blocks, last_start)


def _candidate_layout(header: list[str], keys: list[str], index: dict[str, int], level: Level | None) -> LongLayout:
    fixed = _area_columns(header, keys, len(header), level)
    if fixed is None:  # only a code column: counts alone
        fixed = FixedColumns(header, {n: i for n, i in index.items() if n in REQUIRED_COUNTS}, level or Level.BUREAU)
    fields = {"panel": "candidate", "nom": "candidate_name", "nuance": "nuance", "voix": "voix", "seats": "seats"}
    block = Block({f: (index[n], header[index[n]]) for f, n in fields.items() if n in index})
    return LongLayout(
        fixed, Blocks(len(header), [block], len(header), id_names=True), code=index.get("code"),
        level_column=index.get("level"), name_column=index.get("name"), level=level,
    )


def _large_layout(fixed: FixedColumns | None, candidate_columns: list[int], line: int) -> LargeLayout:
    assert fixed is not None  # guaranteed when nothing is missing
    layout = LargeLayout(fixed, candidate_columns)
    problems = []
    ids = [c.id for c in layout.candidates]
    for i, candidate in enumerate(layout.candidates):
        if candidate.id in ids[:i]:
            other = layout.candidates[ids.index(candidate.id)].name
            problems.append(Problem("duplicate_column", line, candidate.name, {"other": other}))
    if problems:
        raise ImportRejected(problems)
    return layout

