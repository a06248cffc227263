"""Results in the DataStore: three tables per election, replaced atomically.

Each election dataset gets three DataStore-only resources, created once with
``datastore_create`` (so they carry a data dictionary and CKAN's own
``datastore_search`` serves them): ``areas`` (one row per area and level,
rollups included), ``votes`` (one row per area and candidate) and
``candidates``. Publishing a file then happens in one PostgreSQL transaction
on the DataStore's write engine: TRUNCATE, COPY, then the rollups in SQL.
Readers see the old results or the new ones, never a mix, and a rejected file
never reaches this module, so what was published stays published.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.datastore.backend.postgres import get_write_engine, identifier

from ckanext.elections.model import ElectionResults, utcnow
from ckanext.elections.results import AREA_COLUMNS, CANDIDATE_COLUMNS, VOTE_COLUMNS, Column
from ckanext.elections.results import Reference, ResultFile, to_tables

log = logging.getLogger(__name__)

# Columns only the storage has: when an area was counted, and how many of
# the base-level areas below it are counted (1/1 or 0/1 for a bureau).
STORAGE_AREA_COLUMNS: tuple[Column, ...] = (
    Column("counted_at", "timestamp", "When the area's results came in (UTC)"),
    Column("areas_counted", "int", "Base-level areas counted in this area"),
    Column("areas_total", "int", "Base-level areas in this area"),
)
TABLE_COLUMNS = {
    "areas": AREA_COLUMNS + STORAGE_AREA_COLUMNS,
    "votes": VOTE_COLUMNS,
    "candidates": CANDIDATE_COLUMNS,
}
TABLE_KEYS = {
    "areas": ["level", "code"],
    "votes": ["level", "area", "candidate"],
    "candidates": ["candidate"],
}
TABLE_TITLES = {
    # Resource names, in the portal's first language.
    "areas": "Résultats par zone (normalisés)",
    "votes": "Voix par zone et candidat (normalisées)",
    "candidates": "Candidats et listes (normalisés)",
}
# Parent levels rolled up from the base level, with the column naming the
# parent of a base-level row and the column naming the parent itself.
PARENT_LEVELS: tuple[tuple[str, str, str | None], ...] = (
    ("commune", "commune", "commune_name"),
    ("canton", "canton", "canton_name"),
    ("circonscription", "circonscription", None),
    ("departement", "departement", None),
)
TERRITORY = "territory"
COUNT_COLUMNS = ("inscrits", "votants", "blancs", "nuls", "exprimes")


# DataStore tables carry a ``_full_text`` tsvector that a trigger computes
# from every column, row by row, unless the row brings its own: ours do (a
# few words each), which makes a national import several times faster.
FULL_TEXT = Column("_full_text", "tsvector", "")
_WORD = re.compile(r"\w[\w-]*")


def _tsvector(*parts: Any) -> str:
    """A tsvector literal of the words of ``parts`` (empty, not NULL, if none)."""
    words = sorted({w for part in parts if part for w in _WORD.findall(str(part).lower())})
    return " ".join("'" + w.replace("'", "''") + "'" for w in words)


@dataclass(frozen=True)
class Published:
    state: ElectionResults
    areas: int


def publish(
    package_id: str,
    result: ResultFile,
    reference: Reference | None = None,
    *,
    territory_name: str | None = None,
) -> Published:
    """Replace the published results of ``package_id`` with ``result``."""
    state = _ensure_tables(package_id, result.level.value)
    tables = to_tables(result, reference)
    now = utcnow()
    counted_at = now.isoformat()
    areas = 0

    area_columns = [c.name for c in AREA_COLUMNS]
    code_at, name_at = area_columns.index("code"), area_columns.index("name")

    def area_rows():
        nonlocal areas
        for row in tables.areas:
            areas += 1
            counted = row[-1]
            yield (*row, counted_at if counted else None, 1 if counted else 0, 1,
                   _tsvector(row[code_at], row[name_at]))

    def vote_rows():
        for row in tables.votes:
            yield (*row, _tsvector(row[1], row[2]))

    def candidate_rows():
        for row in tables.candidates:
            yield (*row, _tsvector(*row[:4]))

    engine = get_write_engine()
    with engine.begin() as connection:
        cursor = connection.connection.cursor()
        names = {name: identifier(_resource_id(state, name)) for name in TABLE_COLUMNS}
        cursor.execute("TRUNCATE {areas}, {votes}, {candidates}".format(**names))
        _copy(cursor, names["areas"], (*TABLE_COLUMNS["areas"], FULL_TEXT), area_rows())
        _copy(cursor, names["votes"], (*TABLE_COLUMNS["votes"], FULL_TEXT), vote_rows())
        _copy(cursor, names["candidates"], (*TABLE_COLUMNS["candidates"], FULL_TEXT), candidate_rows())
        _rollup(cursor, names, result.level.value, territory_name=territory_name)
    state.layout = result.layout
    state.base_level = result.level.value
    state.bump()
    model.Session.commit()
    log.info("Published %s areas for %s (version %s)", areas, package_id, state.version)
    return Published(state, areas)


def push(package_id: str, areas: Sequence[dict[str, Any]], *, territory_name: str | None = None) -> int:
    """Write the results of some base-level areas and roll them up.

    Each area is a dict with ``code``, the counts and ``candidates`` (a
    mapping candidate key -> voix). Returns how many areas changed: an area
    whose figures are already those published is left alone, so pushing the
    same payload twice is one update.
    """
    state = ElectionResults.get(package_id)
    if state is None:
        raise tk.ObjectNotFound(tk._("This election has no results table yet: import a file or a reference table first"))
    base = state.base_level
    names = {name: identifier(_resource_id(state, name)) for name in TABLE_COLUMNS}
    engine = get_write_engine()
    changed: list[dict[str, Any]] = []
    with engine.begin() as connection:
        cursor = connection.connection.cursor()
        codes = [a["code"] for a in areas]
        cursor.execute(
            f"SELECT code, inscrits, votants, blancs, nuls, exprimes, counted FROM {names['areas']} "
            "WHERE level = %s AND code = ANY(%s) FOR UPDATE",
            (base, codes),
        )
        current = {row[0]: row[1:] for row in cursor.fetchall()}
        unknown = [c for c in codes if c not in current]
        if unknown:
            raise tk.ValidationError({"areas": [tk._("Unknown areas: {codes}").format(codes=", ".join(unknown[:20]))]})
        cursor.execute(f"SELECT candidate FROM {names['candidates']}")
        known = {row[0] for row in cursor.fetchall()}
        strangers = sorted({c for a in areas for c in a["candidates"]} - known)
        if strangers:
            raise tk.ValidationError({"areas": [tk._("Unknown candidates: {ids} (expected one of {known})").format(
                ids=", ".join(strangers), known=", ".join(sorted(known)))]})
        cursor.execute(
            f"SELECT area, candidate, voix FROM {names['votes']} WHERE level = %s AND area = ANY(%s)",
            (base, codes),
        )
        votes: dict[str, dict[str, int]] = {}
        for area, candidate, voix in cursor.fetchall():
            votes.setdefault(area, {})[candidate] = voix
        for area in areas:
            counts = tuple(area.get(c) for c in COUNT_COLUMNS)
            if current[area["code"]] == (*counts, True) and votes.get(area["code"], {}) == area["candidates"]:
                continue
            changed.append(area)
        if not changed:
            return 0
        now = utcnow()
        for area in changed:
            cursor.execute(
                f"UPDATE {names['areas']} SET inscrits = %s, votants = %s, blancs = %s, nuls = %s, "
                "exprimes = %s, counted = true, counted_at = %s, areas_counted = 1 "
                "WHERE level = %s AND code = %s",
                (*(area.get(c) for c in COUNT_COLUMNS), now, base, area["code"]),
            )
            cursor.execute(f"DELETE FROM {names['votes']} WHERE level = %s AND area = %s", (base, area["code"]))
            _copy(
                cursor, names["votes"], (Column("level", "text", ""), Column("area", "text", ""),
                                         Column("candidate", "text", ""), Column("voix", "int", ""), FULL_TEXT),
                ((base, area["code"], candidate, voix, _tsvector(area["code"], candidate))
                 for candidate, voix in area["candidates"].items()),
            )
        _rollup(cursor, names, base, territory_name=territory_name, only_codes=[a["code"] for a in changed])
    state.bump()
    model.Session.commit()
    return len(changed)


TURNOUT_COLUMNS: tuple[Column, ...] = (
    Column("level", "text", "Geographic level of the area (the base level of the election)"),
    Column("code", "text", "Area code (areas.code)"),
    Column("hour", "text", "Time of day (HH:MM), or closing"),
    Column("votants", "int", "Voters by that time"),
    Column("inscrits", "int", "Registered voters, when the turnout file gives them"),
)


def publish_turnout(package_id: str, rows: Iterable[Any]) -> int:
    """Replace the turnout of an election (rows of ``read_turnout``)."""
    state = ElectionResults.get(package_id)
    if state is None:
        raise tk.ValidationError({"turnout": [tk._(
            "Publish the results or the reference table of the election before its turnout")]})
    if not _resource_exists(state.turnout_resource_id):
        created = tk.get_action("datastore_create")({"ignore_auth": True, "user": _site_user()}, {
            "resource": {"package_id": package_id, "name": "Participation par zone et par heure (normalisée)",
                         "description": "Une ligne par zone et par heure : votants."},
            "fields": _data_dictionary(TURNOUT_COLUMNS),
            "primary_key": ["level", "code", "hour"],
            "force": True,
        })
        state.turnout_resource_id = created["resource_id"]
    table = identifier(state.turnout_resource_id)
    count = 0

    def tuples():
        nonlocal count
        for row in rows:
            count += 1
            yield state.base_level, row.code, row.hour, row.votants, row.inscrits

    with get_write_engine().begin() as connection:
        cursor = connection.connection.cursor()
        cursor.execute(f"TRUNCATE {table}")
        _copy(cursor, table, TURNOUT_COLUMNS, tuples())
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


def _ensure_tables(package_id: str, base_level: str) -> ElectionResults:
    """The state row of the election, creating its DataStore tables if needed."""
    state = ElectionResults.get(package_id)
    if state is not None and all(_resource_exists(_resource_id(state, n)) for n in TABLE_COLUMNS):
        return state
    context = {"ignore_auth": True, "user": _site_user()}
    ids = {}
    for name, columns in TABLE_COLUMNS.items():
        created = tk.get_action("datastore_create")(
            dict(context),
            {
                "resource": {
                    "package_id": package_id,
                    "name": TABLE_TITLES[name],
                    "description": _table_description(name),
                },
                "fields": _data_dictionary(columns),
                "primary_key": TABLE_KEYS[name],
                "indexes": _table_indexes(name),
                "force": True,
            },
        )
        ids[name] = created["resource_id"]
        _drop_text_search_indexes(created["resource_id"], keep_full_text=name != "votes")
    if state is None:
        state = ElectionResults(package_id=package_id, base_level=base_level, version=0)
        model.Session.add(state)
    state.areas_resource_id = ids["areas"]
    state.votes_resource_id = ids["votes"]
    state.candidates_resource_id = ids["candidates"]
    state.updated = utcnow()
    model.Session.commit()
    return state


def _drop_text_search_indexes(resource_id: str, *, keep_full_text: bool) -> None:
    """Drop the GiST indexes the DataStore adds on every text column.

    They serve ``datastore_search(q=...)`` on one column, which nobody needs
    on codes and numbers, and they make a national import ten times slower.
    The ``_full_text`` index stays where words are worth searching (names).
    """
    with get_write_engine().begin() as connection:
        cursor = connection.connection.cursor()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            (resource_id, "%USING gist%"))
        for index, definition in cursor.fetchall():
            if keep_full_text and "(_full_text)" in definition:
                continue
            cursor.execute(f"DROP INDEX {identifier(index)}")


def _data_dictionary(columns: Sequence[Column]) -> list[dict[str, Any]]:
    """DataStore fields with their description in CKAN's data dictionary."""
    return [{"id": c.name, "type": c.type, "info": {"label": c.name, "notes": c.description}}
            for c in columns]


def _table_description(name: str) -> str:
    return {
        "areas": "Une ligne par zone (bureau, canton, commune, territoire) : inscrits, votants, "
                 "blancs, nuls, exprimés, état du dépouillement. Filtrer sur `level`.",
        "votes": "Une ligne par zone et par candidat ou liste : voix. Joindre à la table des zones "
                 "sur (`level`, `area`).",
        "candidates": "Les candidats ou listes du scrutin.",
    }[name]


def _table_indexes(name: str) -> list[str]:
    return {"areas": ["level", "canton", "commune"], "votes": ["level"], "candidates": []}[name]


def _resource_id(state: ElectionResults, name: str) -> str:
    return getattr(state, f"{name}_resource_id")


def _resource_exists(resource_id: str | None) -> bool:
    if not resource_id:
        return False
    resource = model.Resource.get(resource_id)
    return resource is not None and resource.state == "active"


def _site_user() -> str:
    return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


def _copy(cursor, table: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> None:
    """Stream ``rows`` into ``table`` with COPY (CSV), without holding them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    column_list = ", ".join(identifier(c.name) for c in columns)
    sql = f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    batch = 0
    for row in rows:
        writer.writerow(["\\N" if v is None else v for v in row])
        batch += 1
        if batch == 20000:
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
            buffer.seek(0)
            buffer.truncate()
            batch = 0
    if batch:
        buffer.seek(0)
        cursor.copy_expert(sql, buffer)


def _rollup(cursor, names: dict[str, str], base: str, *, territory_name: str | None,
            only_codes: Sequence[str] | None = None) -> None:
    """(Re)compute the parent areas of the base-level areas, in SQL.

    With ``only_codes``, only the parents of those base-level areas are
    recomputed (a push); otherwise all of them (an import, after TRUNCATE).
    Parents sum their counted children only, so a canton half counted shows
    the results so far, with ``areas_counted`` / ``areas_total`` as progress.
    """
    areas, votes = names["areas"], names["votes"]
    levels = [(lvl, col, name_col) for lvl, col, name_col in PARENT_LEVELS if lvl != base]
    for level, column, name_column in [*levels, (TERRITORY, None, None)]:
        parent = f"b.{column}" if column else "'all'"
        scope = "b.level = %(base)s" + (f" AND b.{column} IS NOT NULL" if column else "")
        if only_codes is not None:
            scope += (f" AND {parent} IN (SELECT {parent} FROM {areas} b "
                      "WHERE b.level = %(base)s AND b.code = ANY(%(codes)s))")
        params = {"base": base, "codes": list(only_codes or []), "level": level,
                  "territory": territory_name}
        for table, key in ((votes, "area"), (areas, "code")):
            cursor.execute(
                f"DELETE FROM {table} WHERE level = %(level)s AND {key} IN "
                f"(SELECT DISTINCT {parent} FROM {areas} b WHERE {scope})", params)
        values = {
            "level": "%(level)s",
            "code": parent,
            "name": f"max(b.{name_column})" if name_column else ("NULL" if column else "%(territory)s"),
            "departement": "min(b.departement)" if column else "NULL",
            **{col: (parent if col == column else "NULL") for _, col, _ in PARENT_LEVELS if col != "departement"},
            **{name_col: (f"max(b.{name_col})" if col == column else "NULL")
               for _, col, name_col in PARENT_LEVELS if name_col},
            **{c: f"sum(b.{c}) FILTER (WHERE b.counted)" for c in COUNT_COLUMNS},
            "counted": "bool_and(b.counted)",
            "counted_at": "max(b.counted_at)",
            "areas_counted": "count(*) FILTER (WHERE b.counted)",
            "areas_total": "count(*)",
            "_full_text": f"array_to_tsvector(ARRAY[lower({parent})])",
        }
        if level == "departement":
            values["departement"] = parent
        group = f"GROUP BY {parent}" if column else ""  # the territory is one group
        cursor.execute(
            f"INSERT INTO {areas} ({', '.join(values)}) "
            f"SELECT {', '.join(values.values())} FROM {areas} b WHERE {scope} {group}",
            params)
        cursor.execute(
            f"""INSERT INTO {votes} (level, area, candidate, voix, _full_text)
                SELECT %(level)s, {parent}, v.candidate, sum(v.voix),
                       array_to_tsvector(ARRAY[lower({parent}), lower(v.candidate)])
                FROM {areas} b JOIN {votes} v ON v.level = b.level AND v.area = b.code
                WHERE {scope} AND b.counted
                GROUP BY {"b." + column + ", " if column else ""}v.candidate""", params)
