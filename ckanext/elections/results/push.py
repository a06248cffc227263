"""Check the areas an editor pushes during the count, as strictly as a file.

A push is a list of areas, each ``{"code", "inscrits", "votants", "blancs",
"nuls", "exprimes", "candidates": {candidate key: voix}}`` (``abstentions``
optional): the whole sheet of a polling station, never a part of it, so a
published count can never become unknown. Counts are whole numbers that fit
the storage (0 to 2,147,483,647), given as JSON integers or digit strings.
The arithmetic checks of file imports apply. Problems carry the item's
position (1 for the first area) as their ``line`` and are capped like a
file's; the whole push is rejected on any problem.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .checks import check_area
from .fields import MAX_COUNT
from .messages import N_, TEMPLATES, ProblemCollector
from .model import STORED_COUNTS, AreaResult, Candidate, Level

__all__ = ["MAX_COUNT", "PushedArea", "check_push"]

MAX_CODE = 200

TEMPLATES.update({
    "push_not_a_list": N_("The areas must be a list of objects, not {kind}."),
    "push_empty": N_("The push holds no area."),
    "push_not_an_object": N_("Item {line}: an area must be an object, not {kind}."),
    "push_bad_code": N_("Item {line}: {column} must be a short text without control characters."),
    "push_missing_count": N_("Item {line}: area {area} lacks {column}; a push brings every count."),
    "push_not_integer": N_('Item {line}: {column} of area {area} must be a whole number, got {value}.'),
    "push_out_of_range": N_("Item {line}: {column} of area {area} must be between 0 and {maximum}, got {value}."),
    "push_no_candidates": N_("Item {line}: area {area} needs its candidates' votes, as an object "
                             "{{candidate key: votes}}."),
})


@dataclass(frozen=True, slots=True)
class PushedArea:
    """One checked area of a push: every stored count, and the votes."""

    code: str
    counts: dict[str, int]
    candidates: dict[str, int]
    line: int


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a text", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _count(value: Any) -> int | None:
    """A whole number from JSON: an integer, an integral float, or digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and (text.isdigit() or (text[:1] == "-" and text[1:].isdigit())):
            return int(text)
    return None


def _checked_count(value: Any, line: int, field: str, area: str, problems: ProblemCollector) -> int | None:
    count = _count(value)
    if count is None:
        problems.add("push_not_integer", line, field, area=area, value=repr(value)[:40])
    elif not 0 <= count <= MAX_COUNT:
        problems.add("push_out_of_range", line, field, area=area, value=count, maximum=MAX_COUNT)
        return None
    return count


def _code(item: Mapping[str, Any], line: int, problems: ProblemCollector) -> str | None:
    code = item.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE or any(
            ord(c) < 32 or ord(c) == 127 for c in code):
        problems.add("push_bad_code", line, "code")
        return None
    return code.strip()


def _counts(item: Mapping[str, Any], line: int, code: str, problems: ProblemCollector) -> dict[str, int]:
    counts: dict[str, int] = {}
    for field in STORED_COUNTS:
        if item.get(field) in (None, ""):
            problems.add("push_missing_count", line, field, area=code)
            continue
        count = _checked_count(item[field], line, field, code, problems)
        if count is not None:
            counts[field] = count
    return counts


def _votes(votes: Any, line: int, code: str, problems: ProblemCollector) -> dict[str, int]:
    if not isinstance(votes, Mapping) or not votes:
        problems.add("push_no_candidates", line, "candidates", area=code)
        return {}
    candidates: dict[str, int] = {}
    for key, value in votes.items():
        count = _checked_count(value, line, f"candidates.{key}", code, problems)
        if count is not None:
            candidates[str(key)] = count
    return candidates


def _area(item: Any, line: int, problems: ProblemCollector) -> PushedArea | None:
    if not isinstance(item, Mapping):
        problems.add("push_not_an_object", line, None, kind=_kind(item))
        return None
    before = problems.total
    code = _code(item, line, problems)
    if code is None:
        return None
    counts = _counts(item, line, code, problems)
    abstentions = None
    if item.get("abstentions") not in (None, ""):
        abstentions = _checked_count(item["abstentions"], line, "abstentions", code, problems)
    candidates = _votes(item.get("candidates"), line, code, problems)
    if problems.total > before:
        return None
    area = AreaResult(level=Level.BUREAU, code=code, line=line, abstentions=abstentions, **counts,
                      candidates=tuple(Candidate(k, k) for k in candidates), voix=tuple(candidates.values()))
    problems.extend(check_area(area))
    return PushedArea(code, counts, candidates, line) if problems.total == before else None


def check_push(items: Any, *, max_problems: int = 1000) -> list[PushedArea]:
    """The checked areas of a push, or ``ImportRejected`` with every problem
    (at most ``max_problems``, the others counted)."""
    problems = ProblemCollector(max_problems)
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list):
        problems.add("push_not_a_list", None, "areas", kind=_kind(items))
        problems.raise_if_any()
    if not items:
        problems.add("push_empty", None, "areas")
    areas: list[PushedArea] = []
    first_line: dict[str, int] = {}
    for line, item in enumerate(items, start=1):
        area = _area(item, line, problems)
        if area is None:
            continue
        first = first_line.setdefault(area.code, line)
        if first != line:
            problems.add("duplicate_area", line, "code", area=area.code, first_line=first)
            continue
        areas.append(area)
    problems.raise_if_any()
    return areas
