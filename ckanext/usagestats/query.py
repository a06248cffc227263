"""What the dashboards show, read from the rollups (never from raw rows).

Each function answers for a *scope*: the whole site (``org=None``) or one
organisation's datasets (``org=<id>``), and returns plain rows; the actions
(:mod:`ckanext.usagestats.logic.action`) add labels and check who asks.

In the rollups a ``*`` column was aggregated away (see ``model``): the site
row of a measure has ``owner_org = '*'``, an organisation's has its id, and
``package_id = resource_id = detail = '*'``.
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa
from ckan import model

from ckanext.usagestats import privacy
from ckanext.usagestats.model import ALL

__all__ = [
    "buckets", "traffic", "totals", "api_calls", "datasets", "resources", "catalogue", "growth",
    "details", "dropped", "heatmap", "latest_minute", "live", "MEASURES",
]

# measure -> (kinds, hits or visitors)
MEASURES: dict[str, tuple[tuple[str, ...], str]] = {
    "views": (("view",), "hits"),
    "visitors": (("view",), "visitors"),
    "downloads": (("download",), "hits"),
    "api_calls": (("api",), "hits"),
    "embeds": (("embed",), "hits"),
    "searches": (("search", "search0"), "hits"),
    "bots": (("bot",), "hits"),
}


def period_figures(packages: str, start: datetime.date, end: datetime.date) -> str:
    """SQL of the figures over ``[:start, :end]`` of the datasets of
    ``packages`` (a table or CTE with ``id``), from ``usagestats_dataset_day``.

    A short period sums its rows (one narrow row per dataset and day); a long
    one takes the running totals of its last day less those of the day before
    it, two index probes per dataset whatever its length. The same figures
    either way: the cheaper plan (below about two months of days, the sum).
    """
    if (end - start).days < _SUMMED_DAYS:
        sums = ", ".join(f"sum({f}) AS {f}" for f in _FIGURES)
        columns = ", ".join(f"coalesce(d.{f}, 0) AS {f}" for f in _FIGURES)
        return f"""
        SELECT pk.id AS package_id, {columns}
        FROM {packages} pk
        LEFT JOIN (SELECT package_id, {sums} FROM usagestats_dataset_day
                   WHERE day BETWEEN :start AND :end GROUP BY package_id) d ON d.package_id = pk.id"""
    columns = ", ".join(f"coalesce(e.{f}_total, 0) - coalesce(b.{f}_total, 0) AS {f}" for f in _FIGURES)
    totals = ", ".join(f"{f}_total" for f in _FIGURES)
    return f"""
        SELECT pk.id AS package_id, {columns}
        FROM {packages} pk
        LEFT JOIN LATERAL (SELECT {totals} FROM usagestats_dataset_day
                           WHERE package_id = pk.id AND day <= :end ORDER BY day DESC LIMIT 1) e ON true
        LEFT JOIN LATERAL (SELECT {totals} FROM usagestats_dataset_day
                           WHERE package_id = pk.id AND day < :start ORDER BY day DESC LIMIT 1) b ON true"""


_SUMMED_DAYS = 62
_FIGURES = ("views", "visitors", "downloads", "api_calls")


def _rows(sql: str, **params: Any) -> list[sa.engine.Row]:
    return list(model.Session.execute(sa.text(sql), params))


def _scope(org: str | None) -> str:
    return org or ALL


def bucket_start(day: datetime.date, granularity: str) -> datetime.date:
    if granularity == "week":
        return day - datetime.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def buckets(start: datetime.date, end: datetime.date, granularity: str) -> list[datetime.date]:
    out: list[datetime.date] = []
    day = start
    while day <= end:
        first = bucket_start(day, granularity)
        if not out or out[-1] != first:
            out.append(first)
        day += datetime.timedelta(days=1)
    return out


def traffic(org: str | None, start: datetime.date, end: datetime.date, granularity: str) -> list[dict[str, Any]]:
    """One row per bucket (day, week starting Monday, month): every measure."""
    found = _rows(f"""
        SELECT date_trunc(:granularity, day)::date AS bucket, kind, sum(hits) AS hits, sum(visitors) AS visitors
        FROM usagestats_day
        WHERE owner_org = :org AND package_id = '{ALL}' AND resource_id = '{ALL}' AND detail = '{ALL}'
          AND day BETWEEN :start AND :end
        GROUP BY 1, 2""", granularity=granularity, org=_scope(org), start=start, end=end)
    by_bucket: dict[datetime.date, dict[str, int]] = {
        b: dict.fromkeys(MEASURES, 0) for b in buckets(start, end, granularity)}
    for row in found:
        values = by_bucket.setdefault(row.bucket, dict.fromkeys(MEASURES, 0))
        for measure, (kinds, column) in MEASURES.items():
            if row.kind in kinds:
                values[measure] += int(getattr(row, column))
    return [{"period": bucket, **values} for bucket, values in sorted(by_bucket.items())]


def totals(org: str | None, start: datetime.date, end: datetime.date) -> dict[str, int]:
    found = _rows(f"""
        SELECT kind, sum(hits) AS hits, sum(visitors) AS visitors FROM usagestats_day
        WHERE owner_org = :org AND package_id = '{ALL}' AND resource_id = '{ALL}' AND detail = '{ALL}'
          AND day BETWEEN :start AND :end
        GROUP BY kind""", org=_scope(org), start=start, end=end)
    values = dict.fromkeys(MEASURES, 0)
    for row in found:
        for measure, (kinds, column) in MEASURES.items():
            if row.kind in kinds:
                values[measure] += int(getattr(row, column))
    return values


def api_calls(org: str | None, start: datetime.date, end: datetime.date, limit: int) -> list[dict[str, Any]]:
    found = _rows(f"""
        SELECT split_part(detail, '|', 1) AS action, sum(hits) AS calls,
               coalesce(sum(hits) FILTER (WHERE split_part(detail, '|', 2) = 'anon'), 0) AS anonymous,
               coalesce(sum(hits) FILTER (WHERE split_part(detail, '|', 2) = 'auth'), 0) AS authenticated,
               coalesce(sum(hits) FILTER (WHERE split_part(detail, '|', 3) ~ '^[45]'), 0) AS errors
        FROM usagestats_day
        WHERE kind = 'api' AND owner_org = :org AND package_id = '{ALL}' AND resource_id = '{ALL}'
          AND detail <> '{ALL}' AND day BETWEEN :start AND :end
        GROUP BY 1 ORDER BY calls DESC, action LIMIT :limit""",
        org=_scope(org), start=start, end=end, limit=limit)
    return [dict(row._mapping) for row in found]


def datasets(org: str | None, start: datetime.date, end: datetime.date, limit: int,
             least: bool = False) -> list[dict[str, Any]]:
    """An organisation's (or the site's) datasets by views over the period,
    most or least viewed first, never-viewed ones included."""
    order = "ASC" if least else "DESC"
    found = _rows(f"""
        WITH pk AS (SELECT id, name, title, type FROM package
                    WHERE state = 'active' AND (CAST(:org AS text) IS NULL OR owner_org = :org)),
             use AS ({period_figures("pk", start, end)})
        SELECT pk.id, pk.name, pk.title, pk.type, u.views, u.visitors, u.downloads, u.api_calls
        FROM pk JOIN use u ON u.package_id = pk.id
        ORDER BY u.views {order}, u.downloads {order}, pk.name LIMIT :limit""",
        org=org, start=start, end=end, limit=limit)
    return [dict(row._mapping) for row in found]


def resources(org: str | None, start: datetime.date, end: datetime.date, limit: int) -> list[dict[str, Any]]:
    found = _rows(f"""
        SELECT r.id, coalesce(nullif(r.name, ''), r.id) AS name, upper(coalesce(r.format, '')) AS format,
               p.name AS dataset, p.title AS dataset_title, use.views, use.downloads, use.embeds
        FROM (SELECT resource_id,
                     coalesce(sum(hits) FILTER (WHERE kind = 'view'), 0) AS views,
                     coalesce(sum(hits) FILTER (WHERE kind = 'download'), 0) AS downloads,
                     coalesce(sum(hits) FILTER (WHERE kind = 'embed'), 0) AS embeds
              FROM usagestats_day  -- the rows of the partial index usagestats_day_resources
              WHERE resource_id NOT IN ('', '{ALL}') AND package_id <> '{ALL}'
                AND kind IN ('view', 'download', 'embed') AND day BETWEEN :start AND :end
                AND (CAST(:org AS text) IS NULL OR owner_org = :org)
              GROUP BY resource_id) use
        JOIN resource r ON r.id = use.resource_id
        JOIN package p ON p.id = r.package_id AND p.state = 'active'
        WHERE (:org IS NULL OR p.owner_org = :org)
        ORDER BY use.views + use.downloads + use.embeds DESC, r.id LIMIT :limit""",
        org=org, start=start, end=end, limit=limit)
    return [dict(row._mapping) for row in found]


_DIMENSIONS = {
    "organization": ("JOIN \"group\" g ON g.id = pk.owner_org AND g.state = 'active'",
                     "coalesce(nullif(g.title, ''), g.name)"),
    "group": ("JOIN member m ON m.table_id = pk.id AND m.table_name = 'package' AND m.state = 'active' "
              "JOIN \"group\" g ON g.id = m.group_id AND g.state = 'active' AND NOT g.is_organization",
              "coalesce(nullif(g.title, ''), g.name)"),
    "tag": ("JOIN package_tag pt ON pt.package_id = pk.id AND pt.state = 'active' "
            "JOIN tag t ON t.id = pt.tag_id", "t.name"),
    "format": ("JOIN resource r ON r.package_id = pk.id AND r.state = 'active'",
               "coalesce(nullif(upper(r.format), ''), '')"),
    "license": ("", "coalesce(pk.license_id, '')"),
}


def catalogue(org: str | None, by: str, start: datetime.date, end: datetime.date,
              limit: int) -> list[dict[str, Any]]:
    """Datasets and their use, classified by one dimension (from the database, not Solr).

    An organisation's datasets are those it owns now, with their whole use
    over the period (as in :func:`datasets`)."""
    join, label = _DIMENSIONS[by]
    found = _rows(f"""
        WITH pk AS (SELECT id, owner_org, license_id FROM package
                    WHERE state = 'active' AND (:org IS NULL OR owner_org = :org)),
             use AS ({period_figures("pk", start, end)}),
             classified AS (SELECT DISTINCT {label} AS value, pk.id FROM pk {join})
        SELECT c.value, count(*) AS datasets, coalesce(sum(u.views), 0) AS views,
               coalesce(sum(u.downloads), 0) AS downloads
        FROM classified c LEFT JOIN use u ON u.package_id = c.id
        GROUP BY c.value ORDER BY datasets DESC, views DESC, c.value LIMIT :limit""",
        org=org, start=start, end=end, limit=limit)
    return [dict(row._mapping) for row in found]


def growth(org: str | None) -> list[dict[str, Any]]:
    """Datasets created per month and the catalogue's size at the end of each month."""
    found = _rows("""
        SELECT date_trunc('month', metadata_created)::date AS month, count(*) AS created
        FROM package WHERE state = 'active' AND (:org IS NULL OR owner_org = :org)
        GROUP BY 1 ORDER BY 1""", org=org)
    total, out = 0, []
    for row in found:
        total += int(row.created)
        out.append({"month": row.month, "created": int(row.created), "total": total})
    return out


def details(org: str | None, kinds: tuple[str, ...], start: datetime.date, end: datetime.date,
            limit: int) -> list[dict[str, Any]]:
    """Hits per detail (embedding host, search terms) and kind."""
    found = _rows(f"""
        SELECT detail, kind, sum(hits) AS hits FROM usagestats_day
        WHERE kind = ANY(:kinds) AND owner_org = :org AND package_id = '{ALL}' AND resource_id = '{ALL}'
          AND detail <> '{ALL}' AND day BETWEEN :start AND :end
        GROUP BY detail, kind""", kinds=list(kinds), org=_scope(org), start=start, end=end)
    merged: dict[str, dict[str, int]] = {}
    for row in found:
        merged.setdefault(row.detail, dict.fromkeys(kinds, 0))[row.kind] = int(row.hits)
    ranked = sorted(merged.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return [{"detail": detail, **counts} for detail, counts in ranked[:limit]]


def heatmap(org: str | None, start: datetime.date, end: datetime.date, kind: str = "view") -> list[list[int]]:
    """Hits by ISO weekday (rows, Monday first) and local hour (columns)."""
    found = _rows("""
        SELECT extract(isodow FROM hour)::int AS weekday, extract(hour FROM hour)::int AS h, sum(hits) AS hits
        FROM usagestats_hour
        WHERE kind = :kind AND owner_org = :org AND hour >= :start AND hour < :end
        GROUP BY 1, 2""", kind=kind, org=_scope(org), start=start, end=end + datetime.timedelta(days=1))
    grid = [[0] * 24 for _ in range(7)]
    for row in found:
        grid[row.weekday - 1][row.h] = int(row.hits)
    return grid


def live(org: str | None, dataset_type: str, since: datetime.datetime,
         until: datetime.datetime) -> list[dict[str, Any]]:
    """Per-minute hits on datasets of one type (election nights), local time."""
    found = _rows(f"""
        SELECT m.minute, m.kind, sum(m.hits) AS hits, sum(m.visitors) AS visitors
        FROM usagestats_minute m JOIN package p ON p.id = m.package_id
        WHERE p.type = :type AND m.owner_org <> '{ALL}' AND m.kind IN ('view', 'download', 'api', 'embed')
          AND (:org IS NULL OR m.owner_org = :org) AND m.minute >= :since AND m.minute < :until
        GROUP BY m.minute, m.kind""", type=dataset_type, org=org, since=since, until=until)
    tz = privacy.timezone()
    series: dict[datetime.datetime, dict[str, int]] = {}
    minute = since.replace(second=0, microsecond=0)
    while minute < until:
        series[minute] = {"views": 0, "downloads": 0, "api_calls": 0, "embeds": 0}
        minute += datetime.timedelta(minutes=1)
    names = {"view": "views", "download": "downloads", "api": "api_calls", "embed": "embeds"}
    for row in found:
        series.setdefault(row.minute, {"views": 0, "downloads": 0, "api_calls": 0, "embeds": 0})[
            names[row.kind]] += int(row.hits)
    return [
        {"minute": m.replace(tzinfo=datetime.UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M"), **values}
        for m, values in sorted(series.items())
    ]


def dropped(start: datetime.date, end: datetime.date) -> list[tuple[str, int]]:
    """Hits that could not be recorded, by reason (site-wide, UTC days)."""
    return [(row.reason, int(row.hits)) for row in _rows("""
        SELECT reason, sum(hits) AS hits FROM usagestats_dropped WHERE day BETWEEN :start AND :end
        GROUP BY reason ORDER BY hits DESC, reason""", start=start, end=end)]


def latest_minute(org: str | None, dataset_type: str) -> datetime.datetime | None:
    """The last minute with hits on datasets of the type, in the per-minute window (UTC)."""
    return model.Session.execute(sa.text(f"""
        SELECT max(m.minute) FROM usagestats_minute m JOIN package p ON p.id = m.package_id
        WHERE p.type = :type AND m.owner_org <> '{ALL}' AND (:org IS NULL OR m.owner_org = :org)"""),
        {"type": dataset_type, "org": org}).scalar()
