"""The long layout: one row per area and candidate, rows grouped by area.

Tidy files and many re-publications give one row per candidate, with the
area's codes and counts repeated on each row. An area is named either by a
``code`` column (used verbatim, the level then coming from a ``level``
column, the caller, or the code itself), or, like the wide layouts, by code
columns (``Code du département``, ``Code de la circonscription``...) at the
finest level present. A candidate is named by a ``candidate`` column or by
one block of the Ministère's candidate columns (``N°Panneau``, ``Nom``,
``Voix``...). The counts repeated on the rows of an area must agree: a
second row of an area adds a candidate, it is not a second area.

Rows of an area need not be next to each other, so every area is held until
the end of the file, compactly (votes in arrays): ``Limits.max_areas`` and
``Limits.max_votes`` bound what that costs. A national file has millions of
rows, so the cells read on every row are fetched by ``itemgetter`` and what
they spell (an area, a candidate) is looked up rather than parsed again.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from . import codes
from .fields import (
    CONSTITUENCY_COLUMNS,
    MAX_CODE_LENGTH,
    MAX_NAME_LENGTH,
    FixedColumns,
    cell,
    derived_counts,
    parse_count,
    parse_seats,
    shown,
)
from .layouts import Blocks, Layout, Rows, level_note
from .limits import DEFAULT_LIMITS, LimitExceeded, Limits
from .messages import Note, ProblemCollector
from .model import COUNT_FIELDS, AreaResult, Candidate, Level

_LEVELS = {lvl.value: lvl for lvl in Level if lvl is not Level.TERRITORY}
# Parent codes an area's own code may equal, finest first.
_PARENTS = (
    ("commune", Level.COMMUNE), ("canton", Level.CANTON), ("circonscription", Level.CIRCONSCRIPTION),
    ("departement", Level.DEPARTEMENT),
)
_IDENTITY = ("panel", "nom", "prenom", "nuance", "binome", "liste_short", "liste", "tete")
Seats = tuple[int | None, bool | None]


def _getter(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """Cells at ``indexes``, always as a tuple (``itemgetter`` of one index is not)."""
    if len(indexes) == 1:
        (i,) = indexes
        return lambda row: (row[i],)
    return itemgetter(*indexes)  # type: ignore[return-value]


class LongLayout(Layout):
    """One row per area and candidate; counts repeated on each row."""

    name = "long"

    def __init__(
        self,
        fixed: FixedColumns,
        blocks: Blocks,
        *,
        code: int | None = None,
        level_column: int | None = None,
        name_column: int | None = None,
        level: Level | None = None,
    ) -> None:
        self.fixed, self.blocks = fixed, blocks
        self.code, self.level_column, self.name_column = code, level_column, name_column
        self.derived = derived_counts(fixed.index)
        self.has_seats = blocks.has_seats
        header = fixed.header
        # A commune-level file of an election by canton or circonscription gives a row per part of
        # a split commune: this column tells the parts apart.
        self._split = next((n for n in CONSTITUENCY_COLUMNS if n in fixed.index), None) if (
            code is None and fixed.level is Level.COMMUNE) else None
        block = blocks.blocks[0].fields
        # Long files with a candidate column name it in duplicate problems.
        self.candidate_label = block["panel"][1] if blocks.id_names and "panel" in block else block["voix"][1]
        self._infer = False
        if code is None:
            self.level, self.level_note = fixed.level, level_note(fixed)
        elif level_column is not None:
            self.level = level or Level.BUREAU
            self.level_note = Note("level_column", {"columns": header[level_column], "level": self.level.value})
        else:
            self.level = level or Level.BUREAU
            self.level_note = Note("level_assumed", {"level": self.level.value})
            self._infer = level is None
        # What every row is read for, fetched at once.
        keys = [code] if code is not None else [fixed.index[n] for n in ("departement", "commune", "bureau", "canton",
                                                                          "circonscription") if n in fixed.index]
        self._key = _getter(keys)
        self._counts = [(n, fixed.index[n], header[fixed.index[n]], n in ("inscrits", "votants", "exprimes"))
                        for n in COUNT_FIELDS if n in fixed.index]
        self._counts_cells = _getter([i for _, i, _, _ in self._counts])
        self._identity = [(f, block[f][0]) for f in _IDENTITY if f in block]
        self._identity_cells = _getter([i for _, i in self._identity])
        self._voix = block["voix"]
        self._seats = block["seats"][0] if "seats" in block else None
        self._width = max(i for i, _ in block.values()) + 1

    def label(self, name: str) -> str:
        if name == "code" and self.code is not None:
            return self.fixed.header[self.code]
        if name == "level" and self.level_column is not None:
            return self.fixed.header[self.level_column]
        return self.fixed.label(name)

    @property
    def code_label(self) -> str:
        if self.code is not None:
            return self.fixed.header[self.code]
        return " + ".join(self.fixed.code_labels)

    def areas(
        self, rows: Rows, problems: ProblemCollector, limits: Limits = DEFAULT_LIMITS
    ) -> Iterator[tuple[AreaResult, bool]]:
        state = _Reading(limits)
        width, header_width = max(self._width, len(self.fixed.header)), len(self.fixed.header)
        for line, row in rows:
            if len(row) < width:
                row = row + [""] * (width - len(row))
            before = problems.total
            entry = self._entry(row, line, problems, state)
            if entry is None:
                continue
            if len(row) > header_width and any(c.strip() for c in row[header_width:]):
                self._add_blocks(entry, row, line, problems, state)  # a row that runs on, Ministère-style
            else:
                self._add_vote(entry, row, line, problems, state)
            if problems.total != before:
                entry.complete = False
        areas, state.by_cells = state.areas, {}
        self._name_parts(areas)
        shared: dict[tuple[Candidate, ...], tuple[Candidate, ...]] = {}
        for group in list(areas):
            entry = areas.pop(group)  # let it go as soon as its area is out
            yield entry.finish(self.has_seats, shared, problems, self.candidate_label), entry.complete

    # Areas --------------------------------------------------------------

    def _entry(self, row: list[str], line: int, problems: ProblemCollector, state: _Reading) -> _LongArea | None:
        spelled = self._key(row)
        counts = self._counts_cells(row)
        entry = state.by_cells.get(spelled)
        if entry is None:
            entry = self._new_area(row, line, spelled, problems, state)
        elif entry is not state.last or counts != state.last_counts:
            # Rows of an area usually follow each other: only a change needs a check.
            self._agree(entry.area, self._parse_counts(row, line, problems), line, problems)
        state.last, state.last_counts = entry, counts
        return entry

    def _new_area(
        self, row: list[str], line: int, spelled: tuple[str, ...], problems: ProblemCollector, state: _Reading
    ) -> _LongArea | None:
        """The area of a row whose codes were not met yet (maybe spelled otherwise)."""
        code = spelled[0].strip() if self.code is not None else None
        if self.code is not None and not code:
            problems.add("missing_value", line, self.label("code"))
            return None
        if code is not None and len(code) > MAX_CODE_LENGTH:
            problems.add("value_too_long", line, self.label("code"), limit=MAX_CODE_LENGTH)
            return None
        area = self.fixed.area(row, line, problems, code=code)
        if area is None:
            return None
        if code is not None:
            self._set_level(area, row, line, problems, first=not state.areas)
            if self.name_column is not None:
                area.name = cell(row, self.name_column) or None
                if area.name is not None and len(area.name) > MAX_NAME_LENGTH:
                    problems.add("value_too_long", line, self.fixed.header[self.name_column], limit=MAX_NAME_LENGTH)
                    area.name = None
        group = self._group(area)
        entry = state.areas.get(group)
        if entry is not None:  # "1" and "01": one area
            self._agree(entry.area, {n: getattr(area, n) for n, *_ in self._counts}, line, problems)
        else:
            if len(state.areas) >= state.limits.max_areas:
                raise LimitExceeded("too_many_areas", line, limit=state.limits.max_areas)
            entry = state.areas[group] = _LongArea(area)
        if len(state.by_cells) < 2 * state.limits.max_areas:
            state.by_cells[spelled] = entry
        return entry

    def _parse_counts(self, row: list[str], line: int, problems: ProblemCollector) -> dict[str, int | None]:
        return {name: parse_count(row[i], line, header, problems, required=required)
                for name, i, header, required in self._counts}

    def _agree(self, area: AreaResult, counts: dict[str, int | None], line: int, problems: ProblemCollector) -> None:
        """The counts repeated on another row of ``area`` must be the same."""
        for name, value in counts.items():
            expected = getattr(area, name)
            if value is not None and expected is not None and value != expected:
                problems.add(
                    "inconsistent_area_totals", line, self.label(name),
                    area=area.code, value=value, expected=expected, first_line=area.line,
                )

    def _group(self, area: AreaResult) -> str:
        """The key of an area's rows: a commune's parts in each constituency apart."""
        if self._split is None:
            return area.code
        return f"{area.code}\0{getattr(area, self._split) or ''}"

    def _name_parts(self, areas: dict[str, _LongArea]) -> None:
        """Communes split between constituencies: one area per part (``codes.commune_part_code``)."""
        if self._split is None:
            return
        parts: dict[str, int] = {}
        for entry in areas.values():
            parts[entry.area.code] = parts.get(entry.area.code, 0) + 1
        for entry in areas.values():
            area = entry.area
            if parts[area.code] > 1:
                area.code = codes.commune_part_code(area.code, getattr(area, self._split) or "")

    def _set_level(
        self, area: AreaResult, row: list[str], line: int, problems: ProblemCollector, *, first: bool
    ) -> None:
        if self.level_column is not None:
            self._read_level(area, row, line, problems, first=first)
        elif self._infer and first:
            for name, parent in _PARENTS:
                if getattr(area, name) == area.code:
                    self.level = parent
                    self.level_note = Note("level_code_is_parent", {"columns": self.fixed.label(name),
                                                                    "level": parent.value})
                    break
        area.level = self.level

    def _read_level(self, area: AreaResult, row: list[str], line: int, problems: ProblemCollector, *,
                    first: bool) -> None:
        text = cell(row, self.level_column or 0).lower()
        if text and text not in _LEVELS:
            problems.add("unknown_level", line, self.label("level"), value=shown(text),
                         expected=", ".join(sorted(_LEVELS)))
        elif text and first:  # the first area sets the level of the file
            self.level = _LEVELS[text]
            self.level_note = Note("level_column", {"columns": self.label("level"), "level": self.level.value})
        elif text and _LEVELS[text] is not self.level:
            problems.add("mixed_levels", line, self.label("level"), area=area.code, value=text,
                         expected=self.level.value)

    # Candidates ---------------------------------------------------------

    def _add_vote(self, entry: _LongArea, row: list[str], line: int, problems: ProblemCollector,
                  state: _Reading) -> None:
        identity = self._identity_cells(row)
        voix_index, voix_label = self._voix
        text = row[voix_index]
        candidate = state.candidates.get(identity)
        if candidate is None:
            if not any(c.strip() for c in identity) and not text.strip():
                return  # an empty block: no candidate on this row
            cells = {f: row[i].strip() for f, i in self._identity}
            long = next((i for f, i in self._identity if len(cells[f]) > MAX_NAME_LENGTH), None)
            if long is not None:
                problems.add("value_too_long", line, self.fixed.header[long], limit=MAX_NAME_LENGTH)
                return
            candidate = self.blocks.candidate(cells, line, state.limits.max_candidates)
            if candidate is None:
                problems.add("missing_candidate", line, voix_label)
                return
            if len(state.candidates) < 2 * state.limits.max_candidates:
                state.candidates[identity] = candidate
        if text.isdigit() and text.isascii():
            voix = int(text)
        else:
            voix = parse_count(text, line, voix_label, problems, required=True)
        seats = state.seats(row[self._seats]) if self._seats is not None else None
        state.count(line)
        entry.add(candidate, -1 if voix is None else voix, line, seats)

    def _add_blocks(self, entry: _LongArea, row: list[str], line: int, problems: ProblemCollector,
                    state: _Reading) -> None:
        for candidate, voix, _, seats in self.blocks.votes(row, line, problems, state.limits):
            state.count(line)
            entry.add(candidate, voix, line, seats if self.has_seats else None)


@dataclass(slots=True)
class _Reading:
    """What a long layout holds while reading a file."""

    limits: Limits
    areas: dict[str, _LongArea] = field(default_factory=dict)
    by_cells: dict[tuple[str, ...], _LongArea] = field(default_factory=dict)  # areas as their cells spell them
    candidates: dict[tuple[str, ...], Candidate] = field(default_factory=dict)  # likewise
    last: _LongArea | None = None
    last_counts: tuple[str, ...] = ()
    votes: int = 0
    _seats: dict[str, Seats] = field(default_factory=dict)

    def count(self, line: int) -> None:
        self.votes += 1
        if self.votes > self.limits.max_votes:
            raise LimitExceeded("too_many_votes", line, limit=self.limits.max_votes)

    def seats(self, text: str) -> Seats:
        found = self._seats.get(text)
        if found is None:
            found = parse_seats(text)
            if len(self._seats) < 1024:
                self._seats[text] = found
        return found


@dataclass(slots=True)
class _LongArea:
    """An area of a long file while its rows are being collected."""

    area: AreaResult
    candidates: list[Candidate] = field(default_factory=list)
    voix: array = field(default_factory=lambda: array("q"))  # -1: unreadable, already reported
    lines: array = field(default_factory=lambda: array("Q"))
    seats: list[Seats] | None = None
    complete: bool = True

    def add(self, candidate: Candidate, voix: int, line: int, seats: Seats | None) -> None:
        self.candidates.append(candidate)
        self.voix.append(voix)
        self.lines.append(line)
        if seats is not None:
            if self.seats is None:
                self.seats = []
            self.seats.append(seats)

    def finish(
        self, has_seats: bool, shared: dict[tuple[Candidate, ...], tuple[Candidate, ...]],
        problems: ProblemCollector, column: str,
    ) -> AreaResult:
        """The area, its candidates once each; what was collected is let go."""
        keep = self._first_of_each(problems, column)
        keep = [i for i in keep if self.voix[i] >= 0]
        area = self.area
        candidates = tuple(self.candidates[i] for i in keep)
        area.candidates = shared.setdefault(candidates, candidates)  # areas with the same candidates share
        area.voix = tuple(self.voix[i] for i in keep)
        if has_seats:
            seats = self.seats or [(None, None)] * len(self.candidates)
            area.seats = tuple(seats[i][0] for i in keep)
            area.elected = tuple(seats[i][1] for i in keep)
        return area

    def _first_of_each(self, problems: ProblemCollector, column: str) -> list[int]:
        ids = [c.id for c in self.candidates]
        if len(set(ids)) == len(ids):
            return list(range(len(ids)))
        first: dict[str, int] = {}
        for i, cid in enumerate(ids):
            if cid in first:
                problems.add("duplicate_candidate", self.lines[i], column, candidate=cid, area=self.area.code,
                             first_line=self.lines[first[cid]])
                self.complete = False
            else:
                first[cid] = i
        return list(first.values())
