"""Recognise the layout of a results table and turn its rows into areas.

Three layouts are known:

``ministere``
    The Ministère de l'Intérieur's wide layout: fixed columns (codes, labels,
    inscrits, abstentions, votants, blancs, nuls, exprimés, percentages), then
    one block of columns per candidate or list. Blocks come in three header
    styles: the same names repeated (2017-2022, where often only the first
    block is named and data rows simply run on), names numbered by a suffix
    (``Voix0``, ``Voix1`` in 2015 files) and names numbered with a space
    (``Numéro de panneau 1``, ``Voix 1`` from 2024). Trailing empty blocks
    (an area with fewer candidates) are skipped.
``large``
    Fixed columns, then one column per candidate, as re-published by open
    data portals. Nuls are not given but follow from votants − blancs −
    exprimés when ``blancs`` exists.
``long``
    One row per area and candidate (``code``, counts, ``candidate``, ``voix``);
    the counts are repeated on each row of an area and must agree.

Header spellings and cell parsing live in ``fields``; ``detect`` picks the
layout of a header.
"""
from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from . import codes
from .fields import (
    REQUIRED_COUNTS,
    FixedColumns,
    cell,
    derived_counts,
    parse_count,
    parse_seats,
)
from .messages import ProblemCollector
from .model import COUNT_FIELDS, AreaResult, Candidate, Level


class Layout(ABC):
    """A recognised layout, able to turn the rows of its file into areas."""

    name: str = ""
    level: Level
    # Counts the file does not give and the importer computes.
    derived: frozenset[str] = frozenset()

    @abstractmethod
    def label(self, name: str) -> str:
        """The header, as written in the file, of a field (for problems)."""

    @property
    def code_label(self) -> str:
        """The header of the column that identifies an area."""
        return self.label(self.level.value)

    @abstractmethod
    def areas(
        self, rows: Iterable[tuple[int, list[str]]], problems: ProblemCollector
    ) -> Iterator[tuple[AreaResult, bool]]:
        """Yield each area with ``True`` when all its cells parsed cleanly.

        Arithmetic checks on an area with an unreadable cell would only echo
        that problem, so the importer skips them for incomplete areas.
        """


class LargeLayout(Layout):
    """Fixed columns then one column per candidate."""

    name = "large"

    def __init__(self, fixed: FixedColumns, candidate_columns: list[int]) -> None:
        self.fixed = fixed
        self.level = fixed.level
        header = fixed.header
        self.columns = candidate_columns
        self.candidates = tuple(
            Candidate(codes.slugify(header[i]) or header[i], header[i]) for i in candidate_columns
        )
        self.derived = derived_counts(fixed.index)

    def label(self, name: str) -> str:
        return self.fixed.label(name)

    def areas(
        self, rows: Iterable[tuple[int, list[str]]], problems: ProblemCollector
    ) -> Iterator[tuple[AreaResult, bool]]:
        header = self.fixed.header
        every = self.candidates
        columns = list(zip(self.columns, every))
        for line, row in rows:
            before = problems.total
            area = self.fixed.area(row, line, problems)
            if area is None:
                continue
            voix: list[int] = []
            present: list[Candidate] = []
            width = len(row)
            for i, candidate in columns:
                text = row[i] if i < width else ""
                if text.isdigit() and text.isascii():
                    voix.append(int(text))
                    present.append(candidate)
                elif text.strip():
                    value = parse_count(text, line, header[i], problems, required=True)
                    if value is not None:
                        voix.append(value)
                        present.append(candidate)
                # An empty cell: this candidate did not stand in this area.
            area.candidates = every if len(present) == len(every) else tuple(present)
            area.voix = tuple(voix)
            yield area, problems.total == before


@dataclass(frozen=True, slots=True)
class Block:
    """Column index and header label of each field of one candidate block."""

    fields: dict[str, tuple[int, str]]


class MinistereLayout(Layout):
    """Fixed columns then one repeated block of columns per candidate."""

    name = "ministere"

    def __init__(self, fixed: FixedColumns, blocks: list[Block], last_start: int) -> None:
        self.fixed = fixed
        self.level = fixed.level
        self.blocks = blocks
        self.derived = derived_counts(fixed.index)
        # Rows longer than the header carry more blocks shaped like the last one.
        self._width = len(fixed.header) - last_start
        self._by_length: dict[int, list[Block]] = {}
        self._registry: dict[tuple[str, str, str | None], Candidate] = {}
        self.has_seats = any("seats" in b.fields for b in blocks)

    def label(self, name: str) -> str:
        return self.fixed.label(name)

    def _blocks_for(self, length: int) -> list[Block]:
        blocks = self._by_length.get(length)
        if blocks is None:
            blocks = list(self.blocks)
            extra = 0
            header_length = len(self.fixed.header)
            last = self.blocks[-1]
            while self._width > 0 and header_length + extra * self._width < length:
                extra += 1
                shift = extra * self._width
                number = len(self.blocks) + extra
                blocks.append(
                    Block({f: (i + shift, f"{label} #{number}") for f, (i, label) in last.fields.items()})
                )
            self._by_length[length] = blocks
        return blocks

    def _candidate(self, cells: dict[str, str]) -> Candidate | None:
        panel = cells.get("panel", "")
        nom, prenom = cells.get("nom", ""), cells.get("prenom", "")
        person = f"{prenom} {nom}" if prenom and nom else nom or prenom
        label = cells.get("liste_short") or cells.get("liste") or cells.get("binome") or person
        label = label or cells.get("tete", "")
        nuance = cells.get("nuance") or None
        if panel:
            cid = codes.panel_id(panel)
        elif label or nuance:
            cid = codes.slugify(label or nuance or "")
        else:
            return None
        name = label or nuance or cid
        key = (cid, name, nuance)
        candidate = self._registry.get(key)
        if candidate is None:
            candidate = self._registry[key] = Candidate(
                sys.intern(cid), sys.intern(name), sys.intern(nuance) if nuance else None
            )
        return candidate

    def areas(
        self, rows: Iterable[tuple[int, list[str]]], problems: ProblemCollector
    ) -> Iterator[tuple[AreaResult, bool]]:
        has_seats = self.has_seats
        for line, row in rows:
            before = problems.total
            area = self.fixed.area(row, line, problems)
            if area is None:
                continue
            candidates: list[Candidate] = []
            voix: list[int] = []
            seats: list[int | None] = []
            elected: list[bool | None] = []
            for block in self._blocks_for(len(row)):
                cells = {f: cell(row, i) for f, (i, _) in block.fields.items()}
                if not any(cells.values()):
                    continue
                voix_label = block.fields["voix"][1]
                count = parse_count(cells["voix"], line, voix_label, problems, required=True)
                candidate = self._candidate(cells)
                if candidate is None:
                    problems.add("missing_candidate", line, voix_label)
                    continue
                if any(c.id == candidate.id for c in candidates):
                    problems.add(
                        "duplicate_candidate", line, voix_label,
                        candidate=candidate.id, area=area.code, first_line=line,
                    )
                    continue
                if count is None:
                    continue
                candidates.append(candidate)
                voix.append(count)
                if has_seats:
                    s, e = parse_seats(cells.get("seats", ""))
                    seats.append(s)
                    elected.append(e)
            area.candidates = tuple(candidates)
            area.voix = tuple(voix)
            if has_seats:
                area.seats, area.elected = tuple(seats), tuple(elected)
            yield area, problems.total == before


class LongLayout(Layout):
    """One row per area and candidate; counts repeated on each row."""

    name = "long"

    def __init__(self, header: list[str], index: dict[str, int], level: Level) -> None:
        self.header = header
        self.index = index
        self.level = level
        self.derived = derived_counts(index)
        self.has_seats = "seats" in index

    def label(self, name: str) -> str:
        return self.header[self.index[name]] if name in self.index else name

    @property
    def code_label(self) -> str:
        return self.label("code")

    def areas(
        self, rows: Iterable[tuple[int, list[str]]], problems: ProblemCollector
    ) -> Iterator[tuple[AreaResult, bool]]:
        index, label = self.index, self.label
        areas: dict[str, _LongArea] = {}
        registry: dict[tuple[str, str, str | None], Candidate] = {}
        levels = {lvl.value for lvl in Level if lvl is not Level.TERRITORY}

        def text(row: list[str], name: str) -> str | None:
            return (cell(row, index[name]) or None) if name in index else None

        for line, row in rows:
            before = problems.total
            code = text(row, "code")
            if code is None:
                problems.add("missing_value", line, label("code"))
                continue
            counts = {
                name: parse_count(
                    row[index[name]] if index[name] < len(row) else "", line, label(name), problems,
                    required=name in REQUIRED_COUNTS,
                )
                for name in COUNT_FIELDS
                if name in index
            }
            entry = areas.get(code)
            if entry is None:
                level_text = text(row, "level")
                level = self.level
                if level_text is not None and level_text.lower() not in levels:
                    problems.add(
                        "unknown_level", line, label("level"),
                        value=level_text, expected=", ".join(sorted(levels)),
                    )
                elif level_text is not None:
                    level = Level(level_text.lower())
                    if not areas:  # the first area sets the level of the file
                        self.level = level
                    elif level is not self.level:
                        problems.add(
                            "mixed_levels", line, label("level"),
                            area=code, value=level.value, expected=self.level.value,
                        )
                area = AreaResult(
                    level=level, code=code, line=line, name=text(row, "name"),
                    departement=text(row, "departement"), commune=text(row, "commune"),
                    commune_name=text(row, "commune_name"), canton=text(row, "canton"),
                    circonscription=text(row, "circonscription"),
                )
                for name, value in counts.items():
                    setattr(area, name, value)
                entry = areas[code] = _LongArea(area, {})
            else:
                for name, value in counts.items():
                    expected = getattr(entry.area, name)
                    if value is not None and expected is not None and value != expected:
                        problems.add(
                            "inconsistent_area_totals", line, label(name),
                            area=code, value=value, expected=expected, first_line=entry.area.line,
                        )
            cid = text(row, "candidate")
            if cid is None:
                problems.add("missing_value", line, label("candidate"))
                entry.complete = False
                continue
            voix = parse_count(
                row[index["voix"]] if index["voix"] < len(row) else "", line, label("voix"), problems,
                required=True,
            )
            if cid in entry.lines:
                problems.add(
                    "duplicate_candidate", line, label("candidate"),
                    candidate=cid, area=code, first_line=entry.lines[cid],
                )
            else:
                entry.lines[cid] = line
            entry.complete = entry.complete and problems.total == before
            if voix is None or entry.lines[cid] != line:
                continue
            name = text(row, "candidate_name") or cid
            nuance = text(row, "nuance")
            key = (cid, name, nuance)
            candidate = registry.get(key) or registry.setdefault(key, Candidate(cid, name, nuance))
            seats = parse_seats(text(row, "seats") or "") if self.has_seats else None
            entry.add(candidate, voix, seats)
        for entry in areas.values():
            yield entry.finish(self.has_seats), entry.complete


@dataclass(slots=True)
class _LongArea:
    """An area of a long file while its rows are being collected."""

    area: AreaResult
    lines: dict[str, int]  # candidate id -> line, to report duplicates
    candidates: list[Candidate] = field(default_factory=list)
    voix: list[int] = field(default_factory=list)
    seats: list[tuple[int | None, bool | None]] = field(default_factory=list)
    complete: bool = True

    def add(self, candidate: Candidate, voix: int, seats: tuple[int | None, bool | None] | None) -> None:
        self.candidates.append(candidate)
        self.voix.append(voix)
        if seats is not None:
            self.seats.append(seats)

    def finish(self, has_seats: bool) -> AreaResult:
        self.area.candidates = tuple(self.candidates)
        self.area.voix = tuple(self.voix)
        if has_seats:
            self.area.seats = tuple(s for s, _ in self.seats)
            self.area.elected = tuple(e for _, e in self.seats)
        return self.area
