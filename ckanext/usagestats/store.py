"""Writing raw hits to the database, in batches.

Used by the drain of the Redis buffer, the ingestion of nginx's log, the
demo and the tests: rows go in with one ``COPY`` per batch, and the
datasets and resources hits name (by id or name, as URLs and API calls do)
are looked up once per batch, not once per hit.
"""
from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from ckan import model
from ckanext.tracking.model import TrackingRaw
from sqlalchemy.dialects import postgresql

from ckanext.usagestats.model import BOT_PREFIX

__all__ = ["EVENT_COLUMNS", "add_dropped", "copy_rows", "event_rows", "resolve", "store"]

EVENT_COLUMNS = ("ts", "kind", "visitor", "bot", "package_id", "resource_id", "detail", "results", "cached")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    kind = value.__class__
    if kind is str:
        return value.replace("\x00", "").translate(_ESCAPES) if value else value
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is datetime.datetime:
        return value.isoformat(" ")
    return str(value).replace("\x00", "").translate(_ESCAPES)


def copy_rows(connection: sa.engine.Connection, table: str, columns: Iterable[str],
              rows: Iterable[Iterable[Any]]) -> int:
    """``COPY`` rows into a table, in the connection's transaction."""
    out = io.StringIO()
    count = 0
    write = out.write
    for row in rows:
        write("\t".join(map(_copy_value, row)))
        write("\n")
        count += 1
    if count:
        out.seek(0)
        cursor = connection.connection.cursor()
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", out)
    return count


def resolve(connection: sa.engine.Connection, packages: set[str],
            resources: set[str]) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Datasets by id or name, and resources by id: ``{ref: id}``, ``{ref: (package_id, id)}``."""
    found_packages: dict[str, str] = {}
    found_resources: dict[str, tuple[str, str]] = {}
    if packages:
        refs = sorted(packages)
        for row in connection.execute(sa.text(
                "SELECT id, name FROM package WHERE id = ANY(:refs) OR name = ANY(:refs)"), {"refs": refs}):
            found_packages[row.id] = row.id
            found_packages[row.name] = row.id
    if resources:
        for row in connection.execute(sa.text(
                "SELECT id, package_id FROM resource WHERE id = ANY(:refs)"), {"refs": sorted(resources)}):
            found_resources[row.id] = (row.package_id, row.id)
    return found_packages, found_resources


def event_rows(connection: sa.engine.Connection, hits: list[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows of ``usagestats_event`` for hits naming their dataset (``p``) or
    resource (``r``) by reference; unknown references are left empty."""
    packages, resources = resolve(connection, {h["p"] for h in hits if h.get("p")},
                                  {h["r"] for h in hits if h.get("r")})
    rows = []
    for h in hits:
        package_id = resource_id = None
        if h.get("r") and h["r"] in resources:
            package_id, resource_id = resources[h["r"]]
        elif h.get("p"):
            package_id = packages.get(h["p"])
        rows.append((h["ts"], h["kind"], h["visitor"], bool(h.get("bot")), package_id, resource_id,
                     h.get("detail"), h.get("results"), bool(h.get("cached"))))
    return rows


def add_dropped(connection: sa.engine.Connection, counts: Mapping[tuple[datetime.date, str], int]) -> None:
    rows = [{"day": day, "reason": reason, "hits": hits} for (day, reason), hits in counts.items() if hits]
    if rows:
        connection.execute(sa.text(
            "INSERT INTO usagestats_dropped (day, reason, hits) VALUES (:day, :reason, :hits) "
            "ON CONFLICT (day, reason) DO UPDATE SET hits = usagestats_dropped.hits + excluded.hits"), rows)


def store(page_hits: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    """Write hits in one transaction, straight to the tables (the demo, tests).

    ``page_hits``: ``{"url", "kind" (page or resource), "visitor", "ts",
    "bot"}``, as the beacon records them; ``events``: rows of
    ``usagestats_event`` (``package_id``, ``resource_id`` as ids).
    """
    people = [{"user_key": (BOT_PREFIX if h.get("bot") else "") + h["visitor"], "url": h["url"],
               "tracking_type": h["kind"], "access_timestamp": h["ts"]} for h in page_hits]
    rows = [(e["ts"], e["kind"], e["visitor"], bool(e.get("bot")), e.get("package_id"), e.get("resource_id"),
             e.get("detail"), e.get("results"), bool(e.get("cached"))) for e in events]
    with model.meta.engine.begin() as connection:
        if people:
            # Two identical hits in the same microsecond would break tracking_raw's key.
            connection.execute(postgresql.insert(TrackingRaw.__table__).on_conflict_do_nothing(), people)
        copy_rows(connection, "usagestats_event", EVENT_COLUMNS, rows)
