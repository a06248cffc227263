"""Read the published DataStore tables of an election.

Rollups are precomputed at publication (see ``datastore.rollup``), so one
indexed query per level is enough: this is what keeps a canton-level answer
fast while a newsroom's widgets poll it. This module only reads rows; what
the API makes of them (shares, outcomes, comparisons) is ``answers``'.
"""
from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from typing import Any

from ckanext.datastore.backend.postgres import get_read_engine, identifier

from ckanext.elections.model import ElectionResults
from ckanext.elections.results import PARENT_LEVELS, QUERY_LEVELS, STORED_COUNTS, Level

__all__ = ["AreaRow", "CandidateRow", "LevelNotPublished", "Vote", "areas", "candidates", "expected_inscrits",
           "published_levels", "turnout_rows"]


class LevelNotPublished(Exception):
    """The election's results exist, but not at this level: ``levels`` are
    those it has."""

    def __init__(self, levels: list[str]) -> None:
        self.levels = levels
        super().__init__(", ".join(levels))


@dataclass(frozen=True, slots=True)
class CandidateRow:
    key: str  # unique in the election
    id: str  # panel number or slug, as the file or the form gives it
    name: str
    nuance: str | None
    area: str | None  # where the candidate stands, when areas have their own candidates


@dataclass(frozen=True, slots=True)
class Vote:
    voix: int
    seats: int | None  # what the file said, at its own level
    elected: bool | None


@dataclass(slots=True)
class AreaRow:
    code: str
    name: str | None
    counts: dict[str, int | None]
    counted: bool
    counted_at: datetime.datetime | None
    areas_counted: int
    areas_total: int
    parents: dict[str, str | None]
    votes: dict[str, Vote] = field(default_factory=dict)


def _cursor_rows(sql: str, params: Any) -> list[tuple[Any, ...]]:
    with get_read_engine().connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute(sql, params)
        return cursor.fetchall()


@functools.lru_cache(maxsize=1024)
def _has_column(table: str, column: str) -> bool:
    """Whether a table made by an earlier version has this column yet (the
    next publication adds it); only a yes is remembered for good."""
    return bool(_cursor_rows(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s", (table, column)))


def candidates(state: ElectionResults) -> dict[str, CandidateRow]:
    table = state.candidates_resource_id
    area = "area" if _has_column(table, "area") else "NULL"
    if area == "NULL":
        _has_column.cache_clear()
    rows = _cursor_rows(f"SELECT candidate, id, name, nuance, {area} FROM {identifier(table)}", ())
    return {key: CandidateRow(key, cid, name or key, nuance, area) for key, cid, name, nuance, area in rows}


def areas(state: ElectionResults, level: str, code: str | None = None) -> list[AreaRow]:
    """The areas of ``level`` (or the one ``code``), with their votes.

    Raises ``LevelNotPublished`` when the results have no area at ``level``.
    """
    parents = [p.value for p in PARENT_LEVELS]
    rows = _cursor_rows(
        f"""SELECT a.code, a.name, {', '.join('a.' + c for c in STORED_COUNTS)},
                   a.counted, a.counted_at, a.areas_counted, a.areas_total,
                   {', '.join('a.' + p for p in parents)}, v.candidate, v.voix, v.seats, v.elected
            FROM {identifier(state.areas_resource_id)} a
            LEFT JOIN {identifier(state.votes_resource_id)} v ON v.level = a.level AND v.area = a.code
            WHERE a.level = %s {"AND a.code = %s" if code else ""}
            ORDER BY a.code""",
        (level, code) if code else (level,))
    if not rows and code is None:
        raise LevelNotPublished(published_levels(state))
    found: list[AreaRow] = []
    n = len(STORED_COUNTS)
    for row in rows:
        if not found or found[-1].code != row[0]:
            counted_at = row[3 + n]
            found.append(AreaRow(
                code=row[0], name=row[1], counts=dict(zip(STORED_COUNTS, row[2:2 + n], strict=True)),
                counted=bool(row[2 + n]), counted_at=counted_at, areas_counted=row[4 + n] or 0,
                areas_total=row[5 + n] or 0,
                parents=dict(zip(parents, row[6 + n:6 + n + len(parents)], strict=True))))
        candidate, voix, seats, elected = row[-4:]
        if candidate is not None:
            found[-1].votes[candidate] = Vote(voix, seats, elected)
    return found


def level_sizes(state: ElectionResults) -> dict[str, int]:
    """How many areas each published level has."""
    return dict(_cursor_rows(
        f"SELECT level, count(*) FROM {identifier(state.areas_resource_id)} GROUP BY level", ()))


def published_levels(state: ElectionResults) -> list[str]:
    """The levels of an election's areas, the territory first, finest last."""
    found = {row[0] for row in _cursor_rows(
        f"SELECT DISTINCT level FROM {identifier(state.areas_resource_id)}", ())}
    return [level.value for level in QUERY_LEVELS if level.value in found]


def expected_inscrits(state: ElectionResults, level: str) -> dict[str, int]:
    """The inscrits each area of ``level`` will have once counted, where every
    one of its base areas knows its own (counted, or from the turnout file)."""
    turnout = ""
    if state.turnout_resource_id:
        turnout = (f"LEFT JOIN (SELECT code, max(inscrits) AS inscrits FROM "
                   f"{identifier(state.turnout_resource_id)} GROUP BY code) t ON t.code = b.code")
    known = "coalesce(b.inscrits, t.inscrits)" if turnout else "b.inscrits"
    if level == Level.TERRITORY:
        parent = "'all'"
    elif level == state.base_level:
        parent = "b.code"
    elif level in {p.value for p in PARENT_LEVELS}:
        parent = f"b.{level}"
    else:
        return {}
    rows = _cursor_rows(
        f"""SELECT {parent}, sum({known}), count(*) = count({known})
            FROM {identifier(state.areas_resource_id)} b {turnout}
            WHERE b.level = %s AND {parent} IS NOT NULL GROUP BY 1""", (state.base_level,))
    return {code: int(total) for code, total, complete in rows if complete and total is not None}


def turnout_rows(state: ElectionResults, level: str, code: str | None,
                 territory_name: str | None) -> list[tuple[Any, ...]]:
    """Per area and hour: code, name, hour, areas, votants, inscrits, areas with inscrits."""
    join_parent = ""
    if level == Level.TERRITORY:
        parent, name = "'all'", "%(territory)s"
    elif level == state.base_level:
        parent, name = "a.code", "max(a.name)"
    elif level in {p.value for p in PARENT_LEVELS}:
        parent, name = f"a.{level}", "max(p.name)"
        join_parent = (f"LEFT JOIN {identifier(state.areas_resource_id)} p "
                       f"ON p.level = %(level)s AND p.code = {parent}")
    else:
        return []
    where = f"{parent} IS NOT NULL" + (f" AND {parent} = %(code)s" if code else "")
    group = "t.hour" if level == Level.TERRITORY else f"{parent}, t.hour"
    return _cursor_rows(f"""
        SELECT {parent}, {name}, t.hour, count(*), sum(t.votants),
               sum(coalesce(t.inscrits, a.inscrits)), count(coalesce(t.inscrits, a.inscrits))
        FROM {identifier(state.turnout_resource_id)} t
        JOIN {identifier(state.areas_resource_id)} a ON a.level = t.level AND a.code = t.code
        {join_parent}
        WHERE {where}
        GROUP BY {group}
        ORDER BY 1, 3""", {"level": level, "code": code, "territory": territory_name})
