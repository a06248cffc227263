"""Rollups of raw hits into per-day, per-hour and per-minute tables.

Every rollup is SQL run by PostgreSQL over one bucket of raw rows at a time
(a local day; the recent minutes), so memory stays flat however large
``tracking_raw`` grows. Each bucket is rebuilt whole in its own
transaction, ``DELETE`` then ``INSERT ... SELECT``, which makes a rollup:

* idempotent: running it twice gives the same rows;
* resumable: ``usagestats_state`` records the first day that is not
  closed yet (ended more than ``GRACE`` ago); a crash loses at most the
  bucket in progress, and the next run starts again from the watermark;
* incremental: a run redoes only the days from the watermark on (usually
  today) and the minutes since the last run.

Unique visitors are ``count(DISTINCT visitor)`` per bucket and grouping set;
the cube's grouping sets give visitors per item, dataset, organisation and
site in one pass (see :mod:`ckanext.usagestats.model`).
"""
from __future__ import annotations

import datetime
import logging
import re
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
import redis
import sqlalchemy as sa
from ckan import model

from ckanext.elections.utils import utcnow
from ckanext.usagestats import buffer, ingest, popularity, privacy, redisio
from ckanext.usagestats.model import ALL, BOT_PREFIX

__all__ = ["day_range", "locked", "purge", "resolve_urls", "roll_days", "roll_minutes", "run"]

log = logging.getLogger(__name__)

GRACE = datetime.timedelta(minutes=5)
_LOCK = 0x75736167  # "usag": the advisory lock of the rollup
_CLOSED = "day"
_MINUTE = "minute"
_PURGED = "purge"

# The raw hits of [start, end), attributed to a dataset, resource and
# organisation. Clicks on download links CKAN serves itself are left out:
# the server-side download event already counts them. Bots are counted
# apart, whichever table holds them.
_CHUNK = f"""
CREATE TEMP TABLE usagestats_chunk ON COMMIT DROP AS
SELECT r.ts, r.kind, r.visitor, r.package_id, r.resource_id, r.detail,
       coalesce(p.owner_org, '') AS owner_org
FROM (
    SELECT tr.access_timestamp AS ts,
           CASE WHEN tr.user_key LIKE '{BOT_PREFIX}%' THEN 'bot'
                WHEN tr.tracking_type = 'page' THEN 'view' ELSE 'download' END AS kind,
           tr.user_key AS visitor,
           CASE WHEN tr.user_key LIKE '{BOT_PREFIX}%' THEN '' ELSE coalesce(u.package_id, '') END AS package_id,
           CASE WHEN tr.user_key LIKE '{BOT_PREFIX}%' THEN '' ELSE coalesce(u.resource_id, '') END AS resource_id,
           CASE WHEN tr.user_key LIKE '{BOT_PREFIX}%' THEN tr.tracking_type ELSE '' END AS detail
    FROM tracking_raw tr LEFT JOIN usagestats_url u ON u.url = tr.url
    WHERE tr.access_timestamp >= :start AND tr.access_timestamp < :end
      AND (tr.tracking_type = 'page'
           OR (tr.tracking_type = 'resource' AND NOT coalesce(u.served, false)))
    UNION ALL
    SELECT e.ts,
           CASE WHEN e.bot THEN 'bot' ELSE e.kind END,
           e.visitor,
           CASE WHEN e.bot THEN '' ELSE coalesce(e.package_id, '') END,
           CASE WHEN e.bot THEN '' ELSE coalesce(e.resource_id, '') END,
           CASE WHEN e.bot THEN e.kind ELSE coalesce(e.detail, '') END
    FROM usagestats_event e
    WHERE e.ts >= :start AND e.ts < :end
) r LEFT JOIN package p ON p.id = nullif(r.package_id, '')
"""

def _all(column: str) -> str:
    return f"CASE WHEN GROUPING({column}) = 1 THEN '*' ELSE {column} END"


_INSERT_DAY = f"""
INSERT INTO usagestats_day (day, kind, owner_org, package_id, resource_id, detail, hits, visitors)
SELECT :day, kind, {_all("owner_org")}, {_all("package_id")}, {_all("resource_id")}, {_all("detail")},
       count(*), count(DISTINCT visitor)
FROM usagestats_chunk
GROUP BY GROUPING SETS (
    (kind, owner_org, package_id, resource_id, detail),
    (kind, owner_org, package_id),
    (kind, owner_org, detail),
    (kind, detail),
    (kind, owner_org),
    (kind))
"""

# The day's figures of each dataset, pivoted, and the running totals: the
# last totals before the day plus the day's (days are rolled up in order).
_INSERT_DATASET_DAY = f"""
INSERT INTO usagestats_dataset_day (day, package_id, owner_org, views, visitors, downloads, api_calls,
                                    views_total, visitors_total, downloads_total, api_calls_total)
SELECT d.day, d.package_id, d.owner_org, d.views, d.visitors, d.downloads, d.api_calls,
       d.views + coalesce(b.views_total, 0), d.visitors + coalesce(b.visitors_total, 0),
       d.downloads + coalesce(b.downloads_total, 0), d.api_calls + coalesce(b.api_calls_total, 0)
FROM (SELECT day, package_id, min(owner_org) AS owner_org,
             coalesce(sum(hits) FILTER (WHERE kind = 'view'), 0) AS views,
             coalesce(sum(visitors) FILTER (WHERE kind = 'view'), 0) AS visitors,
             coalesce(sum(hits) FILTER (WHERE kind = 'download'), 0) AS downloads,
             coalesce(sum(hits) FILTER (WHERE kind = 'api'), 0) AS api_calls
      FROM usagestats_day
      WHERE day = :day AND resource_id = '{ALL}' AND detail = '{ALL}' AND owner_org <> '{ALL}'
        AND package_id NOT IN ('', '{ALL}') AND kind IN ('view', 'download', 'api')
      GROUP BY day, package_id) d
LEFT JOIN LATERAL (
    SELECT views_total, visitors_total, downloads_total, api_calls_total FROM usagestats_dataset_day x
    WHERE x.package_id = d.package_id AND x.day < d.day ORDER BY x.day DESC LIMIT 1) b ON true
"""

_INSERT_HOUR = f"""
INSERT INTO usagestats_hour (hour, kind, owner_org, hits)
SELECT hour, kind, {_all("owner_org")}, count(*)
FROM (SELECT date_trunc('hour', (ts AT TIME ZONE 'UTC') AT TIME ZONE :tz) AS hour, kind, owner_org
      FROM usagestats_chunk) c
GROUP BY GROUPING SETS ((hour, kind, owner_org), (hour, kind))
"""

_INSERT_MINUTE = f"""
INSERT INTO usagestats_minute (minute, kind, owner_org, package_id, hits, visitors)
SELECT minute, kind, {_all("owner_org")}, {_all("package_id")}, count(*), count(DISTINCT visitor)
FROM (SELECT date_trunc('minute', ts) AS minute, kind, owner_org, package_id, visitor
      FROM usagestats_chunk) c
GROUP BY GROUPING SETS ((minute, kind, owner_org, package_id), (minute, kind, owner_org), (minute, kind))
"""


def day_range(day: datetime.date, tz: zoneinfo.ZoneInfo) -> tuple[datetime.datetime, datetime.datetime]:
    """The UTC instants [start, end) of a local day."""
    def utc(d: datetime.date) -> datetime.datetime:
        local = datetime.datetime.combine(d, datetime.time(0), tzinfo=tz)
        return local.astimezone(datetime.UTC).replace(tzinfo=None)
    return utc(day), utc(day + datetime.timedelta(days=1))


def local_date(ts: datetime.datetime, tz: zoneinfo.ZoneInfo) -> datetime.date:
    return ts.replace(tzinfo=datetime.UTC).astimezone(tz).date()


# --------------------------------------------------------------------------
# State


def _get_state(connection: sa.engine.Connection, name: str) -> datetime.datetime | None:
    return connection.execute(sa.text("SELECT value FROM usagestats_state WHERE name = :name"),
                              {"name": name}).scalar()


def _set_state(connection: sa.engine.Connection, name: str, value: datetime.datetime) -> None:
    connection.execute(sa.text(
        "INSERT INTO usagestats_state (name, value) VALUES (:name, :value) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value"), {"name": name, "value": value})


def _first_raw(connection: sa.engine.Connection) -> datetime.datetime | None:
    return connection.execute(sa.text(
        "SELECT least((SELECT min(access_timestamp) FROM tracking_raw), (SELECT min(ts) FROM usagestats_event))"
    )).scalar()


@contextmanager
def locked() -> Iterator[bool]:
    """Whether this process holds the rollup's lock (held until the block ends)."""
    with model.meta.engine.connect() as connection:
        acquired = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": _LOCK}).scalar()
        try:
            yield bool(acquired)
        finally:
            if acquired:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK})


# --------------------------------------------------------------------------
# URLs of the beacon


_LOCALE = re.compile(r"^/([a-z]{2}(?:[_-][A-Za-z]{2,4})?)(?=/|$)")
_DATASET_PATH = re.compile(r"^/([\w-]+)/([\w.-]+)(?:/resource/([\w-]+)(/download\b)?)?")


def _resolve(connection: sa.engine.Connection, url: str, own_hosts: set[str], root: str,
             locales: set[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"url": url, "package_id": None, "resource_id": None, "served": False}
    parts = urlsplit(url)
    if parts.netloc and (parts.hostname or "").lower() not in own_hosts:
        found = connection.execute(sa.text(
            "SELECT id, package_id FROM resource WHERE url = :url AND state = 'active' LIMIT 1"),
            {"url": url}).first()
        if found:
            row.update(resource_id=found.id, package_id=found.package_id)
        return row
    path = parts.path
    if root and path.startswith(root):
        path = path[len(root):] or "/"
    locale = _LOCALE.match(path)
    if locale and locale.group(1) in locales:
        path = path[locale.end():] or "/"
    match = _DATASET_PATH.match(path)
    if not match:
        return row
    kind, name, resource_id, download = match.groups()
    package = connection.execute(sa.text(
        "SELECT id, type FROM package WHERE (id = :name OR name = :name) AND state = 'active' LIMIT 1"),
        {"name": name}).first()
    if package is None or kind not in ("dataset", package.type):
        return row
    row["package_id"] = package.id
    if resource_id:
        found = connection.execute(sa.text(
            "SELECT id FROM resource WHERE id = :id AND package_id = :package"),
            {"id": resource_id, "package": package.id}).scalar()
        if found:
            row.update(resource_id=found, served=bool(download))
    return row


def resolve_urls(connection: sa.engine.Connection, start: datetime.datetime, end: datetime.datetime) -> int:
    """Attribute the new URLs of tracking_raw in [start, end) to datasets and resources."""
    urls = connection.execute(sa.text(
        "SELECT DISTINCT tr.url FROM tracking_raw tr "
        "WHERE tr.access_timestamp >= :start AND tr.access_timestamp < :end "
        "AND NOT EXISTS (SELECT 1 FROM usagestats_url u WHERE u.url = tr.url)"),
        {"start": start, "end": end}).scalars().all()
    if not urls:
        return 0
    config = tk.config
    own_hosts = {(urlsplit(config.get("ckan.site_url") or "").hostname or "").lower()}
    root = re.sub(r"/?\{\{LANG\}\}", "", config.get("ckan.root_path") or "").rstrip("/")
    locales = set(config.get("ckan.locales_offered") or []) | {config.get("ckan.locale_default") or "en"}
    rows = [_resolve(connection, url, own_hosts, root, locales) for url in urls]
    connection.execute(sa.text(
        "INSERT INTO usagestats_url (url, package_id, resource_id, served) "
        "VALUES (:url, :package_id, :resource_id, :served) ON CONFLICT (url) DO NOTHING"), rows)
    return len(rows)


# --------------------------------------------------------------------------
# Rollups


def _chunk(connection: sa.engine.Connection, start: datetime.datetime, end: datetime.datetime) -> None:
    resolve_urls(connection, start, end)
    connection.execute(sa.text(_CHUNK), {"start": start, "end": end})


def roll_day(day: datetime.date, tz: zoneinfo.ZoneInfo) -> None:
    """Rebuild one local day of usagestats_day and usagestats_hour."""
    start, end = day_range(day, tz)
    hour_start = datetime.datetime.combine(day, datetime.time(0))
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM usagestats_day WHERE day = :day"), {"day": day})
        connection.execute(sa.text("DELETE FROM usagestats_dataset_day WHERE day = :day"), {"day": day})
        connection.execute(sa.text(
            "DELETE FROM usagestats_hour WHERE hour >= :start AND hour < :end"),
            {"start": hour_start, "end": hour_start + datetime.timedelta(days=1)})
        _chunk(connection, start, end)
        connection.execute(sa.text(_INSERT_DAY), {"day": day})
        connection.execute(sa.text(_INSERT_DATASET_DAY), {"day": day})
        connection.execute(sa.text(_INSERT_HOUR), {"tz": tz.key})


def roll_days(now: datetime.datetime | None = None, full: bool = False,
              since: datetime.date | None = None) -> list[datetime.date]:
    """Roll up every day from the watermark (or the first raw hit) to today."""
    now = now or utcnow()
    tz = privacy.timezone()
    today = local_date(now, tz)
    with model.meta.engine.connect() as connection:
        mark = None if full else _get_state(connection, _CLOSED)
        first = _first_raw(connection)
    if since is not None:
        start = since
    elif mark is not None:
        start = mark.date()
    elif first is not None:
        start = local_date(first, tz)
    else:
        start = today
    if first is not None:
        # Days before the first raw row were purged: their rollups are all that is left.
        start = max(start, local_date(first, tz))
    done = []
    day = start
    while day <= today:
        roll_day(day, tz)
        done.append(day)
        if day_range(day, tz)[1] + GRACE <= now:
            with model.meta.engine.begin() as connection:
                _set_state(connection, _CLOSED, datetime.datetime.combine(day + datetime.timedelta(days=1),
                                                                          datetime.time(0)))
        day += datetime.timedelta(days=1)
    return done


def roll_minutes(now: datetime.datetime | None = None, full: bool = False,
                 since: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """Rebuild the per-minute rows since the last run (or ``since``, the
    earliest hit ingested late, if earlier), within the recent window."""
    now = now or utcnow()
    window = datetime.timedelta(days=tk.config.get("ckanext.usagestats.minute_retention_days"))
    this_minute = now.replace(second=0, microsecond=0)
    oldest = this_minute - window
    with model.meta.engine.begin() as connection:
        mark = None if full else _get_state(connection, _MINUTE)
        if mark is not None and since is not None:
            mark = min(mark, since.replace(second=0, microsecond=0))
        start = max(mark or oldest, oldest)
        end = this_minute + datetime.timedelta(minutes=1)
        connection.execute(sa.text("DELETE FROM usagestats_minute WHERE minute >= :start OR minute < :oldest"),
                           {"start": start, "oldest": oldest})
        _chunk(connection, start, end)
        connection.execute(sa.text(_INSERT_MINUTE))
        # Hits are stamped when they arrive and written a moment later: redo
        # the last minute next time.
        _set_state(connection, _MINUTE, this_minute - datetime.timedelta(minutes=1))
    return start, end


def purge(now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete raw rows older than the retention, in whole days, if rolled up."""
    now = now or utcnow()
    tz = privacy.timezone()
    days = tk.config.get("ckanext.usagestats.raw_retention_days")
    cutoff = day_range(local_date(now, tz) - datetime.timedelta(days=days), tz)[0]
    deleted = {"tracking_raw": 0, "usagestats_event": 0}
    with model.meta.engine.begin() as connection:
        mark = _get_state(connection, _CLOSED)
        first = _first_raw(connection)
    if mark is None or first is None:
        return deleted
    cutoff = min(cutoff, day_range(mark.date(), tz)[0])
    # One day per transaction: a year of raw rows is not deleted in one go.
    day = local_date(first, tz)
    while True:
        end = min(day_range(day, tz)[1], cutoff)
        if end <= day_range(day, tz)[0]:
            break
        with model.meta.engine.begin() as connection:
            deleted["tracking_raw"] += connection.execute(sa.text(
                "DELETE FROM tracking_raw WHERE access_timestamp < :end"), {"end": end}).rowcount
            deleted["usagestats_event"] += connection.execute(sa.text(
                "DELETE FROM usagestats_event WHERE ts < :end"), {"end": end}).rowcount
        day += datetime.timedelta(days=1)
    with model.meta.engine.begin() as connection:
        _set_state(connection, _PURGED, now)
    return deleted


def _reindex(days: list[datetime.date]) -> int:
    """Reindex the datasets whose recent views the closed days changed."""
    if not days or not tk.config.get("ckanext.usagestats.reindex"):
        return 0
    from ckan.lib.search import rebuild

    recent = tk.config.get("ckanext.usagestats.recent_days")
    with model.meta.engine.connect() as connection:
        ids = connection.execute(sa.text(
            "SELECT DISTINCT package_id FROM usagestats_dataset_day WHERE views > 0 "
            "AND day >= :start AND day <= :end"),
            {"start": min(days) - datetime.timedelta(days=recent + 1), "end": max(days)}).scalars().all()
    for package_id in ids:
        try:
            rebuild(package_id)
        except Exception:
            log.warning("usagestats: could not reindex %s", package_id, exc_info=True)
    return len(ids)


def _vacuum() -> None:
    """Mark the closed days' pages all-visible, so that the panels' reads
    stay index-only (autovacuum may come much later)."""
    with model.meta.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM (ANALYZE) usagestats_day, usagestats_dataset_day, usagestats_hour"))


def _ingest() -> dict[str, Any]:
    """What the buffer and nginx's log hold, before rolling up; what cannot be read waits."""
    report: dict[str, Any] = {}
    for name, step in (("drained", buffer.drain), ("spooled", ingest.ingest_spool), ("logged", ingest.ingest_logs)):
        try:
            report[name] = step()
        except (redis.RedisError, redisio.Unavailable, OSError) as error:
            log.warning("usagestats: %s skipped: %s", name, error)
            report[name] = None
    return report


def run(full: bool = False, since: datetime.date | None = None,
        now: datetime.datetime | None = None) -> dict[str, Any]:
    """Everything a scheduled rollup does; skipped if another one is running."""
    now = now or utcnow()
    with locked() as acquired:
        if not acquired:
            return {"skipped": "another rollup is running"}
        with model.meta.engine.connect() as connection:
            last_event = connection.execute(sa.text("SELECT coalesce(max(id), 0) FROM usagestats_event")).scalar()
        report: dict[str, Any] = _ingest()
        # Hits ingested now may be minutes old (nginx's files, the buffer):
        # their minutes are rebuilt too.
        with model.meta.engine.connect() as connection:
            earliest = connection.execute(sa.text("SELECT min(ts) FROM usagestats_event WHERE id > :id"),
                                          {"id": last_event}).scalar()
        with model.meta.engine.connect() as connection:
            before = _get_state(connection, _CLOSED)
            purged_at = _get_state(connection, _PURGED)
        days = roll_days(now, full=full, since=since)
        roll_minutes(now, full=full or since is not None, since=earliest)
        with model.meta.engine.connect() as connection:
            after = _get_state(connection, _CLOSED)
        closed = [d for d in days if after and d < after.date() and (before is None or d >= before.date())]
        report.update(days=len(days), closed=len(closed))
        if purged_at is None or now - purged_at > datetime.timedelta(days=1):
            report["purged"] = purge(now)
        report["reindexed"] = _reindex(closed)
        if closed:
            _vacuum()
        popularity.forget()
        return report
