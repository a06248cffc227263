"""Consistency checks run on every area before a file may be published.

Cell-level problems (empty, non-integer or negative counts) are found while
parsing, in ``layouts``; this module checks that the counts of an area agree
with each other, that areas are unique, and that they are known places.
Each check names the column a person should look at first.
"""
from __future__ import annotations

from collections.abc import Callable, Container

from . import codes
from .fields import CONSTITUENCY_COLUMNS
from .limits import LimitExceeded
from .messages import Problem, ProblemCollector
from .model import AreaResult, Level

Label = Callable[[str], str]


def _plain(name: str) -> str:
    return name


def check_area(area: AreaResult, label: Label = _plain) -> list[Problem]:
    """Arithmetic problems of one area; ``label`` maps a field to its header.

    Only counts the file gives are compared: a missing optional count is
    unknown, not zero.
    """
    problems: list[Problem] = []
    line, code = area.line, area.code
    inscrits, votants, abstentions = area.inscrits, area.votants, area.abstentions
    blancs, nuls, exprimes = area.blancs, area.nuls, area.exprimes

    if inscrits is not None and votants is not None:
        if votants > inscrits:
            problems.append(
                Problem("votants_above_inscrits", line, label("votants"),
                        {"area": code, "votants": votants, "inscrits": inscrits})
            )
        if abstentions is not None and abstentions != inscrits - votants:
            problems.append(
                Problem("abstentions_mismatch", line, label("abstentions"),
                        {"area": code, "abstentions": abstentions, "expected": inscrits - votants})
            )
    if votants is not None and exprimes is not None:
        if blancs is not None and nuls is not None:
            expected = blancs + nuls + exprimes
            if votants != expected:
                problems.append(
                    Problem("votants_mismatch", line, label("votants"),
                            {"area": code, "votants": votants, "expected": expected})
                )
        else:
            # Without all three parts, the parts given must still fit in votants.
            floor = exprimes + (blancs or 0) + (nuls or 0)
            if votants < floor:
                problems.append(
                    Problem("votants_too_low", line, label("votants"),
                            {"area": code, "votants": votants, "expected": floor})
                )
    if exprimes is not None:
        total = sum(area.voix)
        if total != exprimes:
            problems.append(
                Problem("sum_voix_mismatch", line, label("exprimes"),
                        {"area": code, "total": total, "exprimes": exprimes})
            )
    return problems


class DuplicateAreas:
    """Remembers each area to report repeats with both lines, and counts them.

    At the commune level, two rows of one commune in different cantons (or
    circonscriptions) are not a repeat but the parts of a split commune:
    both are renamed to their part's code (``codes.commune_part_code``).
    """

    def __init__(self, max_areas: int | None = None) -> None:
        self.first: dict[str, AreaResult] = {}
        self.split: dict[str, str] = {}  # split commune -> the column telling its parts apart
        self.max_areas = max_areas

    def check(self, area: AreaResult, column: str, problems: ProblemCollector) -> bool:
        """Record ``area``; add a problem and return False if seen before."""
        split = self.split.get(area.code) if area.level is Level.COMMUNE else None
        if split is not None:
            area.code = codes.commune_part_code(area.code, getattr(area, split) or "")
        first = self.first.setdefault(area.code, area)
        if first is not area and area.level is Level.COMMUNE and split is None:
            split = _constituency(first, area)
            if split is not None:
                self.split[area.code] = split
                del self.first[area.code]
                for part in (first, area):
                    part.code = codes.commune_part_code(part.code, getattr(part, split))
                self.first[first.code] = first
                first = self.first.setdefault(area.code, area)
        if first is not area:
            problems.add("duplicate_area", area.line, column, area=area.code, first_line=first.line)
            return False
        if self.max_areas is not None and len(self.first) > self.max_areas:
            raise LimitExceeded("too_many_areas", area.line, limit=self.max_areas)
        return True


def _constituency(first: AreaResult, other: AreaResult) -> str | None:
    """The column that tells two parts of a split commune apart, if any."""
    for name in CONSTITUENCY_COLUMNS:
        a, b = getattr(first, name), getattr(other, name)
        if a is not None and b is not None and a != b:
            return name
    return None


def check_known(area: AreaResult, known: Container[str], column: str) -> list[Problem]:
    """An ``unknown_area`` problem if the reference does not list this area."""
    if area.code in known:
        return []
    return [Problem("unknown_area", area.line, column, {"area": area.code})]
