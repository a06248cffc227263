"""Turnout during the day (12h, 17h, closing), per area, and its rollups.

Participation at fixed hours is published separately from results, as rows
``code, heure, votants`` (optionally ``inscrits``). The same rules apply as
for results: the whole file is checked and rejected on any problem. Hours
are normalised to ``HH:MM``, and ``closing`` for the final figure.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from . import codes
from .aggregate import TERRITORY_CODE, percent
from .fields import FIXED_ALIASES, MAX_CODE_LENGTH, parse_count, shown
from .limits import DEFAULT_LIMITS, LimitExceeded, Limits
from .messages import ImportRejected, Problem, ProblemCollector
from .readers import Source, open_table
from .reference import Reference

CLOSING = "closing"
_CLOSING_WORDS = {"closing", "close", "cloture", "fermeture", "final", "fin", "end"}
_HOUR = re.compile(r"^(\d{1,2})\s*(?:h|:)?\s*(\d{2})?\s*(?:min)?$")
_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "areacode", "codearea"),
    "bureau": FIXED_ALIASES["bureau"],
    "commune": FIXED_ALIASES["commune"],
    "departement": FIXED_ALIASES["departement"],
    "hour": ("heure", "hour", "time", "horaire"),
    "votants": ("votants", "voters", "nbvotants"),
    "inscrits": ("inscrits", "registered", "nbinscrits"),
}
_INDEX = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}


@dataclass(frozen=True, slots=True)
class TurnoutRow:
    """Votants of one area at one hour."""

    code: str
    hour: str
    votants: int
    inscrits: int | None
    line: int


@dataclass(frozen=True, slots=True)
class TurnoutSummary:
    """Votants of a group of areas at one hour, and participation if known."""

    code: str
    hour: str
    areas: int
    votants: int
    inscrits: int | None
    participation: float | None


def parse_hour(text: str) -> str | None:
    """``12h``, ``12:00``, ``17H00``, ``12`` -> ``HH:MM``; closing words -> ``closing``."""
    key = codes.slugify(text).replace("-", "")
    if key in _CLOSING_WORDS:
        return CLOSING
    match = _HOUR.match(text.strip().lower())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return sys.intern(f"{hour:02d}:{minute:02d}")


def hour_order(hour: str) -> tuple[int, str]:
    """Sort key putting ``closing`` after every clock time."""
    return (1, hour) if hour == CLOSING else (0, hour)


def read_turnout(
    source: Source, *, reference: Reference | None = None, max_problems: int = 1000,
    limits: Limits = DEFAULT_LIMITS,
) -> list[TurnoutRow]:
    """Read and check a turnout file; raise ``ImportRejected`` on any problem.

    An area's code is the ``code`` column, or ``bureau`` combined with
    ``commune`` as in result files. Besides cell problems, votants must not
    exceed inscrits nor decrease as the day goes on, and each (area, hour)
    appears once. ``limits`` bounds the file read and the rows kept: at most
    ``max_areas`` areas, and ``max_votes // 4`` rows (a row costs about four
    times a candidate's result; the default allows 70,000 bureaux at 10 hours).
    """
    problems = ProblemCollector(max_problems)
    rows: list[TurnoutRow] = []
    most_rows = limits.max_votes // 4
    areas: set[str] = set()
    with open_table(source, limits=limits) as table:
        columns = _Columns(table.header, table.header_line)
        for line, row in table.rows:
            found = columns.read(row, line, problems, reference)
            if found is None:
                continue
            if found.code not in areas:
                if len(areas) >= limits.max_areas:
                    raise LimitExceeded("too_many_areas", line, limit=limits.max_areas)
                areas.add(found.code)
            if len(rows) >= most_rows:
                raise LimitExceeded("too_many_rows", line, limit=most_rows)
            rows.append(found)
    _check_sequences(rows, columns.label("votants"), problems)
    problems.raise_if_any()
    return rows


class _Columns:
    """Where a turnout file keeps each field, and how one row reads."""

    def __init__(self, header: list[str], line: int) -> None:
        self.header = header
        self.index: dict[str, int] = {}
        for i, title in enumerate(header):
            name = _INDEX.get(codes.header_key(title))
            if name is not None and name not in self.index:
                self.index[name] = i
        missing = [n for n in ("hour", "votants") if n not in self.index]
        if "code" not in self.index and "bureau" not in self.index:
            missing.insert(0, "code")
        if missing:
            raise ImportRejected([Problem("no_layout", line, None, {"missing": ", ".join(missing)})])
        self.code_column = header[self.index["code"] if "code" in self.index else self.index["bureau"]]

    def label(self, name: str) -> str:
        return self.header[self.index[name]]

    def cell(self, row: list[str], name: str) -> str:
        i = self.index.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    def code(self, row: list[str]) -> str:
        code = self.cell(row, "code")
        if not code and self.cell(row, "bureau"):
            dep, commune = self.cell(row, "departement") or None, self.cell(row, "commune") or None
            commune = codes.commune_code(dep, commune) if commune else None
            code = codes.bureau_code(commune, self.cell(row, "bureau"))
        return code

    def read(
        self, row: list[str], line: int, problems: ProblemCollector, reference: Reference | None
    ) -> TurnoutRow | None:
        """The row's figures, or None (and problems) when they cannot be kept."""
        code = self.code(row)
        if not code:
            problems.add("missing_value", line, self.code_column)
            return None
        if len(code) > MAX_CODE_LENGTH:
            problems.add("value_too_long", line, self.code_column, limit=MAX_CODE_LENGTH)
            return None
        hour_text = self.cell(row, "hour")
        hour = parse_hour(hour_text)
        if hour is None:
            problems.add("unknown_hour", line, self.label("hour"), value=shown(hour_text))
        votants = parse_count(self.cell(row, "votants"), line, self.label("votants"), problems, required=True)
        inscrits = None
        if "inscrits" in self.index:
            inscrits = parse_count(self.cell(row, "inscrits"), line, self.label("inscrits"), problems, required=False)
        if reference is not None and code not in reference:
            problems.add("unknown_area", line, self.code_column, area=code)
        if hour is None or votants is None:
            return None
        if inscrits is not None and votants > inscrits:
            problems.add("votants_above_inscrits", line, self.label("votants"), area=code, votants=votants,
                         inscrits=inscrits)
        return TurnoutRow(sys.intern(code), hour, votants, inscrits, line)


def _check_sequences(rows: list[TurnoutRow], column: str, problems: ProblemCollector) -> None:
    by_area: dict[str, dict[str, TurnoutRow]] = {}
    for row in rows:
        hours = by_area.setdefault(row.code, {})
        first = hours.setdefault(row.hour, row)
        if first is not row:
            problems.add("duplicate_turnout", row.line, column, area=row.code, hour=row.hour, first_line=first.line)
    for code, hours in by_area.items():
        ordered = sorted(hours.values(), key=lambda r: hour_order(r.hour))
        for before, after in pairwise(ordered):
            if after.votants < before.votants:
                problems.add(
                    "turnout_decreasing", after.line, column, area=code, votants=after.votants,
                    hour=after.hour, previous=before.votants, previous_hour=before.hour,
                )


def aggregate_turnout(
    rows: Iterable[TurnoutRow],
    group: Mapping[str, str] | Callable[[str], str | None] | None = None,
    *,
    inscrits: Mapping[str, int | None] | None = None,
) -> list[TurnoutSummary]:
    """Sum turnout per group and hour (one ``all`` group when ``group`` is None).

    Participation needs the inscrits of every member area, from the turnout
    file or from ``inscrits`` (e.g. ``{a.code: a.inscrits for a in result}``);
    otherwise it is ``None``. An area without a group raises ``ValueError``.
    """
    if group is None:
        find: Callable[[str], str | None] = lambda code: TERRITORY_CODE  # noqa: E731
    elif callable(group):
        find = group
    else:
        find = group.get
    sums: dict[tuple[str, str], list] = {}
    for row in rows:
        target = find(row.code)
        if target is None:
            raise ValueError(f"area {row.code} (line {row.line}) has no group")
        registered = row.inscrits if row.inscrits is not None else (inscrits or {}).get(row.code)
        entry = sums.setdefault((target, row.hour), [0, 0, 0])
        entry[0] += 1
        entry[1] += row.votants
        entry[2] = None if registered is None or entry[2] is None else entry[2] + registered
    ordered = sorted(sums.items(), key=lambda item: (item[0][0], hour_order(item[0][1])))
    return [
        TurnoutSummary(code, hour, n, votants, registered, percent(votants, registered))
        for (code, hour), (n, votants, registered) in ordered
    ]
