"""Normalised tables of an accepted file, ready for a database.

Three tables: ``areas`` (one row per area), ``votes`` (one row per area and
candidate) and ``candidates``. Each declares its columns with a type and a
description, so the storage layer can create a typed table with a data
dictionary and stream rows into it (tuples in column order, e.g. for COPY)
without knowing anything about election files. Rows are generated on each
iteration rather than held, so a national file is never copied in memory.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .model import Candidate, ResultFile
from .reference import Reference, ReferenceEntry


@dataclass(frozen=True, slots=True)
class Column:
    """A column: ``type`` is a DataStore type (``text``, ``int``, ``bool``)."""

    name: str
    type: str
    description: str


@dataclass(frozen=True, slots=True)
class TableData:
    """A named table: typed columns and re-iterable rows (tuples)."""

    name: str
    columns: tuple[Column, ...]
    _rows: Callable[[], Iterator[tuple[Any, ...]]]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return self._rows()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def dicts(self) -> Iterator[dict[str, Any]]:
        names = self.column_names
        return (dict(zip(names, row, strict=True)) for row in self)


AREA_COLUMNS: tuple[Column, ...] = (
    Column("level", "text", "Geographic level: bureau, commune, canton, circonscription, departement"),
    Column("code", "text", "Area code, unique in the election (e.g. 67482_0101 for a bureau)"),
    Column("name", "text", "Area name, when known"),
    Column("departement", "text", "Département code"),
    Column("commune", "text", "Commune code (INSEE code in metropolitan France)"),
    Column("commune_name", "text", "Commune name, when known"),
    Column("canton", "text", "Canton code (département + 3 digits)"),
    Column("canton_name", "text", "Canton name, when known"),
    Column("circonscription", "text", "Circonscription code (département + 2 digits)"),
    Column("bureau", "text", "Polling station number within its commune"),
    Column("inscrits", "int", "Registered voters"),
    Column("votants", "int", "Voters"),
    Column("blancs", "int", "Blank ballots"),
    Column("nuls", "int", "Void ballots"),
    Column("exprimes", "int", "Valid votes cast for a candidate"),
    Column("counted", "bool", "True once the area's results are in"),
)
VOTE_COLUMNS: tuple[Column, ...] = (
    Column("level", "text", "Level of the area (areas.level)"),
    Column("area", "text", "Area code (areas.code)"),
    Column("candidate", "text", "Candidate key (candidates.candidate)"),
    Column("voix", "int", "Votes for the candidate in the area"),
    Column("seats", "int", "Seats won in the area, when the file gives a number"),
    Column("elected", "bool", "Elected in the area, when the file says so"),
)
CANDIDATE_COLUMNS: tuple[Column, ...] = (
    Column("candidate", "text", "Key unique in the election"),
    Column("id", "text", "Panel number, or a slug of the name"),
    Column("name", "text", "Name of the candidate, binôme or list"),
    Column("nuance", "text", "Political nuance given by the Ministère"),
    Column("seats", "int", "Seats won in all areas, when the file gives numbers"),
    Column("elected", "bool", "Elected in at least one area, when the file says so"),
    Column("area", "text", "Code of the area where the candidate stands, when areas have candidates of their own "
                           "(a canton's binômes); empty when the candidate stands everywhere"),
)


@dataclass(frozen=True, slots=True)
class Tables:
    areas: TableData
    votes: TableData
    candidates: TableData


def to_tables(result: ResultFile, reference: Reference | None = None, *,
              standing: dict[Candidate, str | None] | None = None) -> Tables:
    """The storage tables of ``result``.

    With a ``reference``, areas it lists that the file lacks are added with
    ``counted`` false (so a map can show them as awaited), and missing
    parent codes and names (typically the canton of a bureau) are filled
    from it. ``counted`` is always the last area column. ``standing`` says
    where each candidate stands when the file cannot (an election prepared
    before any result); otherwise ``candidate_areas`` finds out.
    """

    level = result.level.value
    no_entry = ReferenceEntry("")

    def areas() -> Iterator[tuple[Any, ...]]:
        seen: set[str] = set()
        for a in result.areas:
            entry = (reference.get(a.code) if reference is not None else None) or no_entry
            seen.add(a.code)
            yield (
                level, a.code, a.name or entry.name, a.departement,
                a.commune or entry.commune, a.commune_name or entry.commune_name,
                a.canton or entry.canton, entry.canton_name,
                a.circonscription or entry.circonscription,
                a.bureau, a.inscrits, a.votants, a.blancs, a.nuls, a.exprimes, True,
            )
        for entry in reference or ():
            if entry.code not in seen:
                yield (
                    level, entry.code, entry.name, None, entry.commune, entry.commune_name,
                    entry.canton, entry.canton_name, entry.circonscription,
                    None, None, None, None, None, None, False,
                )

    def votes() -> Iterator[tuple[Any, ...]]:
        uid = result.uid
        for a in result.areas:
            for vote in a.votes:
                yield level, a.code, uid(vote.candidate), vote.voix, vote.seats, vote.elected

    return Tables(
        TableData("areas", AREA_COLUMNS, areas),
        TableData("votes", VOTE_COLUMNS, votes),
        TableData("candidates", CANDIDATE_COLUMNS, lambda: _candidate_rows(result, reference, standing)),
    )


# The parents by which a candidate's constituency is recognised, smallest first.
_STANDING_PARENTS = ("canton", "circonscription", "commune")


def candidate_areas(result: ResultFile, reference: Reference | None = None) -> dict[Candidate, str | None]:
    """Where each candidate stands, when areas have candidates of their own.

    A candidate whose votes all lie in one canton (or else one
    circonscription, or one commune; or in one area of the file) stands
    there, as a canton's binôme does. When every candidate stands in the
    same place, they all stand everywhere the results cover: ``None``.
    """
    where: dict[Candidate, dict[str, set[str]]] = {c: {} for c in result.candidates}
    for a in result.areas:
        entry = reference.get(a.code) if reference is not None else None
        parents = {
            "canton": a.canton or (entry.canton if entry else None),
            "circonscription": a.circonscription or (entry.circonscription if entry else None),
            "commune": a.commune or (entry.commune if entry else None),
            "area": a.code,
        }
        for candidate in a.candidates:
            seen = where[candidate]
            for name, code in parents.items():
                seen.setdefault(name, set()).add(code or "")
    found: dict[Candidate, str | None] = {}
    for candidate, seen in where.items():
        found[candidate] = next((next(iter(seen[name])) for name in (*_STANDING_PARENTS, "area")
                                 if len(seen.get(name, ())) == 1 and "" not in seen[name]), None)
    if len(set(found.values())) <= 1:
        return dict.fromkeys(found)
    return found


def _candidate_rows(result: ResultFile, reference: Reference | None,
                    standing: dict[Candidate, str | None] | None) -> Iterator[tuple[Any, ...]]:
    seats: dict[Candidate, int | None] = dict.fromkeys(result.candidates)
    elected: dict[Candidate, bool | None] = dict.fromkeys(result.candidates)
    for a in result.areas:
        if a.seats is None:
            continue
        for candidate, s, e in zip(a.candidates, a.seats, a.elected or (None,) * len(a.seats), strict=True):
            if s is not None:
                seats[candidate] = (seats[candidate] or 0) + s
            if e is not None:
                elected[candidate] = bool(elected[candidate]) or e
    areas = standing if standing is not None else candidate_areas(result, reference)
    for c in result.candidates:
        yield result.uid(c), c.id, c.name, c.nuance, seats[c], elected[c], areas[c]
