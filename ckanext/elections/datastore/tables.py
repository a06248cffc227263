"""The DataStore tables of an election: their columns, names and creation.

Each election dataset gets DataStore-only resources created once with
``datastore_create``, so that they carry a data dictionary and CKAN's own
``datastore_search`` serves them: ``areas`` (one row per area and level,
rollups included), ``votes`` (one row per area and candidate),
``candidates``, and ``turnout`` once a turnout file is published. Their
names and descriptions are written in the portal's default language.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.datastore.backend.postgres import get_write_engine, identifier

from ckanext.elections.model import ElectionResults
from ckanext.elections.results import AREA_COLUMNS, CANDIDATE_COLUMNS, N_, VOTE_COLUMNS, Column
from ckanext.elections.utils import site_context, site_gettext, utcnow

# Columns only the storage has: when an area was counted, and how many of
# the base-level areas below it are counted (1/1 or 0/1 for a bureau).
STORAGE_AREA_COLUMNS: tuple[Column, ...] = (
    Column("counted_at", "timestamp", "When the area's results came in (UTC)"),
    Column("areas_counted", "int", "Base-level areas counted in this area"),
    Column("areas_total", "int", "Base-level areas in this area"),
)
TURNOUT_COLUMNS: tuple[Column, ...] = (
    Column("level", "text", "Geographic level of the area (the base level of the election)"),
    Column("code", "text", "Area code (areas.code)"),
    Column("hour", "text", "Time of day (HH:MM), or closing"),
    Column("votants", "int", "Voters by that time"),
    Column("inscrits", "int", "Registered voters, when the turnout file gives them"),
)
RESULT_TABLES = ("areas", "votes", "candidates")
COLUMNS: dict[str, tuple[Column, ...]] = {
    "areas": AREA_COLUMNS + STORAGE_AREA_COLUMNS,
    "votes": VOTE_COLUMNS,
    "candidates": CANDIDATE_COLUMNS,
    "turnout": TURNOUT_COLUMNS,
}
KEYS = {
    "areas": ["level", "code"],
    "votes": ["level", "area", "candidate"],
    "candidates": ["candidate"],
    "turnout": ["level", "code", "hour"],
}
INDEXES: dict[str, list[str]] = {"areas": ["level", "canton", "commune"], "votes": ["level"]}
TITLES = {
    "areas": N_("Results by area (normalised)"),
    "votes": N_("Votes by area and candidate (normalised)"),
    "candidates": N_("Candidates and lists (normalised)"),
    "turnout": N_("Turnout by area and hour (normalised)"),
}
DESCRIPTIONS = {
    "areas": N_("One row per area (polling station, canton, commune, whole territory): registered voters, "
                "voters, blank and void ballots, valid votes, counting progress. Filter on `level`."),
    "votes": N_("One row per area and candidate or list: votes. Join to the areas table on "
                "(`level`, `area`)."),
    "candidates": N_("The candidates or lists of the election."),
    "turnout": N_("One row per area and hour: voters so far."),
}
# Marks the resources this module creates (resource fields ``generated_by``
# and ``elections_table``, kept by scheming among the resource's extras and
# shown by package_show), so that a copy of the dataset (ckanapi dump / load)
# can tell them from files people uploaded: see ``drop_copied_tables``.
GENERATED_BY = "ckanext-elections"

# DataStore tables carry a ``_full_text`` tsvector that a trigger computes
# from every column, row by row, unless the row brings its own: ours do (a
# few words each), which makes a national import several times faster.
FULL_TEXT = Column("_full_text", "tsvector", "")
_WORD = re.compile(r"\w[\w-]*")
_COPY_BATCH = 20000


def tsvector(*parts: Any) -> str:
    """A tsvector literal of the words of ``parts`` (empty, not NULL, if none)."""
    words = sorted({w for part in parts if part for w in _WORD.findall(str(part).lower())})
    return " ".join("'" + w.replace("'", "''") + "'" for w in words)


def resource_id(state: ElectionResults, name: str) -> str | None:
    return getattr(state, f"{name}_resource_id")


def table_names(state: ElectionResults, names: Iterable[str] = RESULT_TABLES) -> dict[str, str]:
    """Quoted SQL names of the election's tables."""
    return {name: identifier(resource_id(state, name)) for name in names}


def resource_exists(resource_id: str | None) -> bool:
    if not resource_id:
        return False
    resource = model.Resource.get(resource_id)
    return resource is not None and resource.state == "active"


def ensure_result_tables(package_id: str, base_level: str) -> ElectionResults:
    """The state row of the election, creating its result tables if needed."""
    state = ElectionResults.get(package_id)
    if state is not None and all(resource_exists(resource_id(state, n)) for n in RESULT_TABLES):
        for name in RESULT_TABLES:
            _add_missing_columns(resource_id(state, name), name)
        return state
    ids = {name: create_table(package_id, name) for name in RESULT_TABLES}
    if state is None:
        state = ElectionResults(package_id=package_id, base_level=base_level, version=0)
        model.Session.add(state)
    state.areas_resource_id = ids["areas"]
    state.votes_resource_id = ids["votes"]
    state.candidates_resource_id = ids["candidates"]
    state.updated = utcnow()
    model.Session.commit()
    return state


def ensure_turnout_table(state: ElectionResults) -> None:
    if not resource_exists(state.turnout_resource_id):
        state.turnout_resource_id = create_table(state.package_id, "turnout")


def create_table(package_id: str, name: str) -> str:
    """A new DataStore-only resource of the election holding table ``name``."""
    created = tk.get_action("datastore_create")(site_context(), {
        "resource": {
            "package_id": package_id,
            "name": site_gettext(TITLES[name]),
            "description": site_gettext(DESCRIPTIONS[name]),
            "elections_table": name,
            "generated_by": GENERATED_BY,
        },
        "fields": data_dictionary(COLUMNS[name]),
        "primary_key": KEYS[name],
        "indexes": INDEXES.get(name, []),
        "force": True,
    })
    if name in RESULT_TABLES:
        _drop_text_search_indexes(created["resource_id"], keep_full_text=name != "votes")
    return created["resource_id"]


def _add_missing_columns(resource_id: str, name: str) -> None:
    """Give a table made by an earlier version the columns added since
    (``datastore_create`` on an existing table adds the fields it lacks)."""
    with get_write_engine().connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (resource_id,))
        present = {row[0] for row in cursor.fetchall()}
    if {c.name for c in COLUMNS[name]} <= present:
        return
    tk.get_action("datastore_create")(site_context(), {
        "resource_id": resource_id, "fields": data_dictionary(COLUMNS[name]), "force": True})


def generated(resource: dict[str, Any]) -> bool:
    """Whether a resource (as a dict) is one of the tables this module creates."""
    return resource.get("generated_by") == GENERATED_BY and bool(resource.get("elections_table"))


def drop_copied_tables(dataset: dict[str, Any]) -> list[str]:
    """Delete the table resources of ``dataset`` that came without their table.

    ``ckanapi dump`` writes our tables' resources with the rest and ``ckanapi
    load`` creates them again, ``datastore_active`` and all, on a portal
    whose DataStore has no such table. They are rebuilt there by the import
    of the results file instead, under new ids: the copies go. A table
    resource that ``datastore_create`` is making is not active yet and stays.
    Called inside the action's transaction; returns the ids dropped, which
    are also taken out of ``dataset["resources"]``.
    """
    candidates = [r for r in dataset.get("resources") or [] if generated(r) and tk.asbool(r.get("datastore_active"))]
    if not candidates:
        return []
    state = ElectionResults.get(dataset["id"])
    own = {resource_id(state, name) for name in (*RESULT_TABLES, "turnout")} if state is not None else set()
    copies = [r for r in candidates if r["id"] not in own and not _table_exists(r["id"])]
    for copy in copies:
        resource = model.Resource.get(copy["id"])
        if resource is not None:
            resource.state = "deleted"
        dataset["resources"].remove(copy)
    # Written now: CKAN 2.12 indexes the dataset before the commit, from
    # plain SELECTs that do not flush the session (2.11 indexed on commit).
    model.Session.flush()
    return [copy["id"] for copy in copies]


def _table_exists(resource_id: str) -> bool:
    with get_write_engine().connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute('SELECT 1 FROM "_table_metadata" WHERE name = %s AND alias_of IS NULL', (resource_id,))
        return cursor.fetchone() is not None


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


def data_dictionary(columns: Sequence[Column]) -> list[dict[str, Any]]:
    """DataStore fields with their description in CKAN's data dictionary."""
    return [{"id": c.name, "type": c.type, "info": {"label": c.name, "notes": c.description}}
            for c in columns]


def copy_rows(cursor: Any, table: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> None:
    """Stream ``rows`` into ``table`` with COPY (CSV), a batch at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    column_list = ", ".join(identifier(c.name) for c in columns)
    sql = f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    batch = 0
    for row in rows:
        writer.writerow(["\\N" if v is None else v for v in row])
        batch += 1
        if batch == _COPY_BATCH:
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
            buffer.seek(0)
            buffer.truncate()
            batch = 0
    if batch:
        buffer.seek(0)
        cursor.copy_expert(sql, buffer)
