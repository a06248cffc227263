"""Pick the layout of a results file from its header.

Detection only looks at the header: a ``candidate`` column means the long
layout, candidate block fields (``Voix``, numbered or not) the Ministère
layout, and otherwise the columns after the fixed ones are candidates (large
layout). When nothing fits, the error names what the closest layout lacks.
"""
from __future__ import annotations

import re
from collections.abc import Callable

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
from .layouts import Block, LargeLayout, Layout, LongLayout, MinistereLayout
from .messages import ImportRejected, Problem
from .model import Level

_NUMBERED = re.compile(r"^(.*?)(\d+)$")
_CANDIDATE_COLUMNS = "candidate columns"


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


def detect_layout(header: list[str], *, level: Level | None = None, line: int = 1) -> Layout:
    """The layout of a file with this header, or ``ImportRejected``.

    When nothing fits, the single problem (``no_layout``, on the header's
    ``line``) names the columns missing for the closest layout, which is what
    a person needs to fix. ``level`` is the default level of long files
    without a level column.
    """
    keys = [codes.header_key(h) for h in header]
    long_names = {LONG[k] for k in keys if k in LONG}
    block_names = {BLOCK.get(_split_numbered(k)[0]) for k, h in zip(keys, header) if "%" not in h}
    candidates: list[tuple[list[str], Callable[[], Layout]]] = []

    if "candidate" in long_names:
        missing = [n for n in ("code", *REQUIRED_COUNTS, "candidate", "voix") if n not in long_names]
        candidates.append((missing, lambda: _long_layout(header, keys, level)))
    if "voix" in block_names:
        start = next(
            i for i, k in enumerate(keys) if BLOCK.get(_split_numbered(k)[0]) and "%" not in header[i]
        )
        fixed = fixed_columns(header, keys, start)
        present = set(fixed.index) if fixed else {FIXED[k] for k in keys[:start] if k in FIXED}
        missing = missing_fixed(present)
        candidates.append((missing, lambda: _ministere_layout(header, keys, start, fixed)))
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


def _long_layout(header: list[str], keys: list[str], level: Level | None) -> LongLayout:
    index: dict[str, int] = {}
    for i, k in enumerate(keys):
        name = LONG.get(k)
        if name is not None and name not in index and "%" not in header[i]:
            index[name] = i
    return LongLayout(header, index, level or Level.BUREAU)


def _ministere_layout(
    header: list[str], keys: list[str], start: int, fixed: FixedColumns | None
) -> MinistereLayout:
    assert fixed is not None  # guaranteed when nothing is missing
    blocks, last_start = _ministere_blocks(header, keys, start)
    return MinistereLayout(fixed, blocks, last_start)


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
