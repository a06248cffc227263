"""Write results into an election's DataStore tables, atomically.

Publishing a file happens in one PostgreSQL transaction on the DataStore's
write engine: TRUNCATE, COPY, then the rollups in SQL. Readers see the old
results or the new ones, never a mix, and a rejected file never reaches
this module, so what was published stays published. A push rewrites some
base-level areas and recomputes their parents, in one transaction too.

This layer raises ``StorageError`` subclasses (codes, parameters and an
English template); the actions translate them for the person who asked.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ckan import model
from ckanext.datastore.backend.postgres import get_write_engine, identifier

from ckanext.elections.datastore import tables
from ckanext.elections.datastore.rollup import rollup
from ckanext.elections.model import ElectionResults
from ckanext.elections.results import N_, STORED_COUNTS, Column, PushedArea, Reference, ResultFile, to_tables
from ckanext.elections.utils import utcnow

__all__ = ["NoResultsTable", "Published", "StorageError", "UnknownAreas", "UnknownCandidates",
           "base_codes", "publish", "publish_turnout", "push"]

log = logging.getLogger(__name__)

_VOTE_COLUMNS = (Column("level", "text", ""), Column("area", "text", ""), Column("candidate", "text", ""),
                 Column("voix", "int", ""), tables.FULL_TEXT)


class StorageError(Exception):
    """Why the storage refused a write: ``template`` (English, for gettext)
    formatted with ``params``, under the name of the ``field`` at fault, and
    for pushes the ``areas`` (code -> item position) it is about."""

    field = "id"
    template = ""

    def __init__(self, areas: dict[str, int] | None = None, **params: Any) -> None:
        self.params = params
        self.areas = areas or {}
        super().__init__(self.template.format(**params))


class NoResultsTable(StorageError):
    template = N_("This election has no results table yet: import a file or a reference table first")


class NoResultsForTurnout(StorageError):
    field = "turnout"
    template = N_("Publish the results or the reference table of the election before its turnout")


class UnknownAreas(StorageError):
    field = "areas"
    template = N_("Area {code} is not an area of this election at its base level ({level}).")


class UnknownCandidates(StorageError):
    field = "areas"
    template = N_("Area {code}: unknown candidates {ids} (expected some of {known}).")


@dataclass(frozen=True)
class Published:
    state: ElectionResults
    areas: int


def publish(package_id: str, result: ResultFile, reference: Reference | None = None, *,
            territory_name: str | None = None, standing: dict[Any, str | None] | None = None) -> Published:
    """Replace the published results of ``package_id`` with ``result``
    (``standing``: see ``results.to_tables``)."""
    state = tables.ensure_result_tables(package_id, result.level.value)
    rows = to_tables(result, reference, standing=standing)
    counted_at = utcnow().isoformat()
    areas = 0
    area_columns = [c.name for c in tables.COLUMNS["areas"]]
    code_at, name_at = area_columns.index("code"), area_columns.index("name")

    def area_rows() -> Iterable[tuple[Any, ...]]:
        nonlocal areas
        for row in rows.areas:
            areas += 1
            counted = row[-1]
            yield (*row, counted_at if counted else None, 1 if counted else 0, 1,
                   tables.tsvector(row[code_at], row[name_at]))

    with get_write_engine().begin() as connection:
        cursor = connection.connection.cursor()
        names = tables.table_names(state)
        cursor.execute("TRUNCATE {areas}, {votes}, {candidates}".format(**names))
        tables.copy_rows(cursor, names["areas"], (*tables.COLUMNS["areas"], tables.FULL_TEXT), area_rows())
        tables.copy_rows(cursor, names["votes"], (*tables.COLUMNS["votes"], tables.FULL_TEXT),
                         ((*row, tables.tsvector(row[1], row[2])) for row in rows.votes))
        tables.copy_rows(cursor, names["candidates"], (*tables.COLUMNS["candidates"], tables.FULL_TEXT),
                         ((*row, tables.tsvector(*row[:4])) for row in rows.candidates))
        rollup(cursor, names, result.level.value, territory_name=territory_name)
    state.layout = result.layout
    state.base_level = result.level.value
    state.bump()
    model.Session.commit()
    log.info("Published %s areas for %s (version %s)", areas, package_id, state.version)
    return Published(state, areas)


def push(package_id: str, areas: Sequence[PushedArea], *, territory_name: str | None = None) -> int:
    """Write the results of some base-level areas and roll them up.

    The areas were checked by ``results.check_push``; this checks that they
    and their candidates belong to the election. Returns how many areas
    changed: an area whose figures are already those published is left
    alone, so pushing the same payload twice is one update. Raises
    ``UnknownAreas`` / ``UnknownCandidates`` (nothing written).
    """
    state = ElectionResults.get(package_id)
    if state is None:
        raise NoResultsTable()
    base = state.base_level
    names = tables.table_names(state)
    with get_write_engine().begin() as connection:
        cursor = connection.connection.cursor()
        current, votes = _current(cursor, names, base, [a.code for a in areas])
        _check_known(cursor, names, base, areas, current)
        changed = [area for area in areas
                   if current[area.code] != (*(area.counts[c] for c in STORED_COUNTS), True)
                   or votes.get(area.code, {}) != area.candidates]
        if not changed:
            return 0
        _write(cursor, names, base, changed)
        rollup(cursor, names, base, territory_name=territory_name, only_codes=[a.code for a in changed])
    state.bump()
    model.Session.commit()
    return len(changed)


def _current(cursor: Any, names: dict[str, str], base: str, codes: list[str]) -> tuple[
        dict[str, tuple[Any, ...]], dict[str, dict[str, int]]]:
    """The published counts and votes of some base-level areas, locked."""
    cursor.execute(
        f"SELECT code, {', '.join(STORED_COUNTS)}, counted FROM {names['areas']} "
        "WHERE level = %s AND code = ANY(%s) FOR UPDATE", (base, codes))
    current = {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
    cursor.execute(f"SELECT area, candidate, voix FROM {names['votes']} WHERE level = %s AND area = ANY(%s)",
                   (base, codes))
    votes: dict[str, dict[str, int]] = {}
    for area, candidate, voix in cursor.fetchall():
        votes.setdefault(area, {})[candidate] = voix
    return current, votes


def _check_known(cursor: Any, names: dict[str, str], base: str, areas: Sequence[PushedArea],
                 current: dict[str, Any]) -> None:
    unknown = {a.code: a.line for a in areas if a.code not in current}
    if unknown:
        raise UnknownAreas(unknown, code=", ".join(unknown), level=base)
    cursor.execute(f"SELECT candidate FROM {names['candidates']}")
    known = {row[0] for row in cursor.fetchall()}
    strangers = {a.code: (a.line, sorted(set(a.candidates) - known)) for a in areas if set(a.candidates) - known}
    if strangers:
        raise UnknownCandidates(
            {code: line for code, (line, _ids) in strangers.items()},
            code=", ".join(strangers), ids=", ".join(sorted({i for _, ids in strangers.values() for i in ids})),
            known=", ".join(sorted(known)[:30]),
            by_area={code: {"ids": ", ".join(ids)} for code, (_line, ids) in strangers.items()})


def _write(cursor: Any, names: dict[str, str], base: str, changed: list[PushedArea]) -> None:
    now = utcnow()
    assignments = ", ".join(f"{c} = %s" for c in STORED_COUNTS)
    for area in changed:
        cursor.execute(
            f"UPDATE {names['areas']} SET {assignments}, counted = true, counted_at = %s, areas_counted = 1 "
            "WHERE level = %s AND code = %s",
            (*(area.counts[c] for c in STORED_COUNTS), now, base, area.code))
        cursor.execute(f"DELETE FROM {names['votes']} WHERE level = %s AND area = %s", (base, area.code))
        tables.copy_rows(cursor, names["votes"], _VOTE_COLUMNS,
                         ((base, area.code, candidate, voix, tables.tsvector(area.code, candidate))
                          for candidate, voix in area.candidates.items()))


def publish_turnout(package_id: str, rows: Iterable[Any]) -> int:
    """Replace the turnout of an election (rows of ``read_turnout``)."""
    state = ElectionResults.get(package_id)
    if state is None:
        raise NoResultsForTurnout()
    tables.ensure_turnout_table(state)
    table = identifier(state.turnout_resource_id)
    count = 0

    def tuples() -> Iterable[tuple[Any, ...]]:
        nonlocal count
        for row in rows:
            count += 1
            yield state.base_level, row.code, row.hour, row.votants, row.inscrits

    with get_write_engine().begin() as connection:
        cursor = connection.connection.cursor()
        cursor.execute(f"TRUNCATE {table}")
        tables.copy_rows(cursor, table, tables.TURNOUT_COLUMNS, tuples())
    state.bump()
    model.Session.commit()
    return count


def base_codes(state: ElectionResults) -> list[str]:
    """Codes of the base-level areas of an election (bureaux, usually)."""
    with get_write_engine().connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute(f"SELECT code FROM {identifier(state.areas_resource_id)} WHERE level = %s",
                       (state.base_level,))
        return [row[0] for row in cursor.fetchall()]
