"""Recognise the layout of a results table and turn its rows into areas.

Three layouts are known, each at any level (bureau, commune, canton,
circonscription, département: see ``fields.LEVEL_COLUMNS``):

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
    One row per area and candidate, the area's counts repeated on each row
    (they must agree). The area is a ``code`` column, or the code columns of
    the wide layouts; the candidate a ``candidate`` column, or one block of
    the Ministère's candidate columns. See ``long_layout``.

Header spellings and cell parsing live in ``fields``; ``detect`` picks the
layout of a header.
"""
from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from . import codes
from .fields import MAX_NAME_LENGTH, FixedColumns, cell, derived_counts, parse_count, parse_seats
from .limits import DEFAULT_LIMITS, LimitExceeded, Limits
from .messages import Note, ProblemCollector
from .model import AreaResult, Candidate, Level

Rows = Iterable[tuple[int, list[str]]]


class Layout(ABC):
    """A recognised layout, able to turn the rows of its file into areas."""

    name: str = ""
    level: Level
    # Why the areas are at ``level`` (a ``NOTES`` code and its parameters).
    level_note: Note = Note("level_assumed")
    # Counts the file does not give and the importer computes.
    derived: frozenset[str] = frozenset()

    @abstractmethod
    def label(self, name: str) -> str:
        """The header, as written in the file, of a field (for problems)."""

    @property
    def code_label(self) -> str:
        """The header of the column that identifies an area."""
        return self.label(self.level.value)

    def describe(self) -> tuple[Note, ...]:
        """How the file is read: its layout, and the level of its areas and why."""
        return Note(f"layout_{self.name}"), self.level_note

    @abstractmethod
    def areas(
        self, rows: Rows, problems: ProblemCollector, limits: Limits = DEFAULT_LIMITS
    ) -> Iterator[tuple[AreaResult, bool]]:
        """Yield each area with ``True`` when all its cells parsed cleanly.

        Arithmetic checks on an area with an unreadable cell would only echo
        that problem, so the importer skips them for incomplete areas.
        ``limits`` bounds what a layout holds while reading (candidates, and
        for the long layout, areas and votes).
        """


def level_note(fixed: FixedColumns) -> Note:
    """Why a file with these fixed columns is read at ``fixed.level``."""
    params = {"level": fixed.level.value, "columns": ", ".join(fixed.code_labels)}
    split = fixed.level is Level.COMMUNE and any(n in fixed.index for n in ("canton", "circonscription"))
    return Note("level_commune_parts" if split else "level_finest", params)


class LargeLayout(Layout):
    """Fixed columns then one column per candidate."""

    name = "large"

    def __init__(self, fixed: FixedColumns, candidate_columns: list[int]) -> None:
        self.fixed = fixed
        self.level = fixed.level
        self.level_note = level_note(fixed)
        header = fixed.header
        self.columns = candidate_columns
        self.candidates = tuple(
            Candidate(codes.slugify(header[i]) or header[i], header[i]) for i in candidate_columns
        )
        self.derived = derived_counts(fixed.index)

    def label(self, name: str) -> str:
        return self.fixed.label(name)

    def areas(
        self, rows: Rows, problems: ProblemCollector, limits: Limits = DEFAULT_LIMITS
    ) -> Iterator[tuple[AreaResult, bool]]:
        header = self.fixed.header
        every = self.candidates
        columns = list(zip(self.columns, every, strict=True))
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


class Blocks:
    """The candidate blocks of a header, and the registry of their candidates.

    Rows longer than the header carry more blocks shaped like the last one.
    Candidates are values shared between areas: one object per distinct
    (id, name, nuance), at most ``Limits.max_candidates`` of them.
    """

    def __init__(self, header_length: int, blocks: list[Block], last_start: int, *, id_names: bool = False) -> None:
        self.blocks = blocks
        self.header_length = header_length
        self._width = header_length - last_start
        self._by_length: dict[int, list[Block]] = {}
        self._registry: dict[tuple[str, str, str | None], Candidate] = {}
        self.has_seats = any("seats" in b.fields for b in blocks)
        # Long files name a candidate by an id of their own: it is the name when none is given.
        self.id_names = id_names

    def for_length(self, length: int) -> list[Block]:
        blocks = self._by_length.get(length)
        if blocks is None:
            blocks = list(self.blocks)
            extra = 0
            last = self.blocks[-1]
            while self._width > 0 and self.header_length + extra * self._width < length:
                extra += 1
                shift = extra * self._width
                number = len(self.blocks) + extra
                blocks.append(
                    Block({f: (i + shift, f"{label} #{number}") for f, (i, label) in last.fields.items()})
                )
            if len(self._by_length) < 1024:  # lengths vary little, unless a file is hostile
                self._by_length[length] = blocks
        return blocks

    def candidate(self, cells: dict[str, str], line: int, limit: int) -> Candidate | None:
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
        name = label or (cid if self.id_names else nuance) or cid
        key = (cid, name, nuance)
        candidate = self._registry.get(key)
        if candidate is None:
            if len(self._registry) >= limit:
                raise LimitExceeded("too_many_candidates", line, limit=limit)
            candidate = self._registry[key] = Candidate(
                sys.intern(cid), sys.intern(name), sys.intern(nuance) if nuance else None
            )
        return candidate

    def votes(
        self, row: list[str], line: int, problems: ProblemCollector, limits: Limits
    ) -> Iterator[tuple[Candidate, int, str, tuple[int | None, bool | None]]]:
        """Each block of ``row`` with votes: (candidate, voix, Voix label, (seats, elected))."""
        has_seats = self.has_seats
        for block in self.for_length(len(row)):
            cells = {f: cell(row, i) for f, (i, _) in block.fields.items()}
            if not any(cells.values()):
                continue
            voix_label = block.fields["voix"][1]
            long = next((f for f, text in cells.items() if len(text) > MAX_NAME_LENGTH), None)
            if long is not None:
                problems.add("value_too_long", line, block.fields[long][1], limit=MAX_NAME_LENGTH)
                continue
            count = parse_count(cells["voix"], line, voix_label, problems, required=True)
            candidate = self.candidate(cells, line, limits.max_candidates)
            if candidate is None:
                problems.add("missing_candidate", line, voix_label)
                continue
            seats = parse_seats(cells.get("seats", "")) if has_seats else (None, None)
            if count is not None:
                yield candidate, count, voix_label, seats
            else:
                # Still a candidate of the area, for duplicate checks: no votes to keep.
                yield candidate, -1, voix_label, seats


class MinistereLayout(Layout):
    """Fixed columns then one repeated block of columns per candidate."""

    name = "ministere"

    def __init__(self, fixed: FixedColumns, blocks: list[Block], last_start: int) -> None:
        self.fixed = fixed
        self.level = fixed.level
        self.level_note = level_note(fixed)
        self.blocks = Blocks(len(fixed.header), blocks, last_start)
        self.derived = derived_counts(fixed.index)
        self.has_seats = self.blocks.has_seats

    def label(self, name: str) -> str:
        return self.fixed.label(name)

    def areas(
        self, rows: Rows, problems: ProblemCollector, limits: Limits = DEFAULT_LIMITS
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
            for candidate, count, voix_label, (s, e) in self.blocks.votes(row, line, problems, limits):
                if any(c.id == candidate.id for c in candidates):
                    problems.add(
                        "duplicate_candidate", line, voix_label,
                        candidate=candidate.id, area=area.code, first_line=line,
                    )
                    continue
                if count < 0:
                    continue
                candidates.append(candidate)
                voix.append(count)
                if has_seats:
                    seats.append(s)
                    elected.append(e)
            area.candidates = tuple(candidates)
            area.voix = tuple(voix)
            if has_seats:
                area.seats, area.elected = tuple(seats), tuple(elected)
            yield area, problems.total == before
