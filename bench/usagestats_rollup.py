"""Benchmark of ckanext-usagestats' rollups and dashboards, run on demand, never by pytest.

Generates N rows of ``tracking_raw`` (page views and resource clicks) and N
rows of ``usagestats_event`` (API calls, embeds, downloads, searches, seven
in ten of them answered by nginx's cache and ingested from its log) over a
year, in the database of the given ini, straight in SQL (the benchmark is of
the rollups and the reads, not of the recording), then measures:

* the full rollup, and its peak RSS (memory must stay flat: it works day by day);
* the incremental rollup of one new day;
* every panel of the dashboard over HTTP (a real gunicorn, tests/live.py),
  median latency, against the same figures computed by a direct query on
  the raw tables (the baseline, measured in the same run), as ratios:
  ``baseline / call``, so 20x means the call is twenty times faster.

Usage (the database is emptied of usage rows first: use a database of its own)::

    ELECTIONS_TEST_LIVE_PORT=5025 .venv/bin/python bench/usagestats_rollup.py --ini bench.ini [--rows 10000000]

Generating 2 x 10 M rows takes a few minutes on the 2-core machine; the
whole run about ten.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import pathlib
import resource
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TABLES = ("tracking_raw", "usagestats_event", "usagestats_day", "usagestats_dataset_day", "usagestats_hour",
          "usagestats_minute", "usagestats_url", "usagestats_state", "usagestats_dropped", "usagestats_ingest")

_PACKAGES = """
INSERT INTO package (id, name, title, type, state, owner_org, private, license_id, metadata_created,
                     metadata_modified)
SELECT 'bench-' || i, 'bench-' || i, 'Bench ' || i, CASE WHEN i % 50 = 0 THEN 'election' ELSE 'dataset' END,
       'active', :org, false, (ARRAY['cc-by', 'odc-odbl', 'cc-zero'])[1 + i % 3], now() - (i || ' days')::interval,
       now()
FROM generate_series(:have, :n - 1) i;
INSERT INTO resource (id, package_id, url, name, format, state, position)
SELECT 'bench-r-' || i, 'bench-' || i, 'https://files.example.org/' || i || '.csv', 'File ' || i,
       (ARRAY['CSV', 'JSON', 'GeoJSON'])[1 + i % 3], 'active', 0
FROM generate_series(:have, :n - 1) i;
"""

# Zipf-like popularity: dataset floor(n * r^3); visitors from a pool of 20 000 per day.
_RAW = """
INSERT INTO tracking_raw (user_key, url, tracking_type, access_timestamp)
SELECT md5((floor(random() * 20000))::text || (i / 30000)::text),
       CASE WHEN page THEN '/dataset/bench-' || p ELSE 'https://files.example.org/' || p || '.csv' END,
       CASE WHEN page THEN 'page' ELSE 'resource' END,
       :end - (i * (365.0 * 86400 / :rows) || ' seconds')::interval
FROM (SELECT i, floor(:n * power(random(), 3))::int AS p, random() < 0.9 AS page
      FROM generate_series(1, :rows) i) g
ON CONFLICT DO NOTHING
"""

_EVENTS = """
INSERT INTO usagestats_event (ts, kind, visitor, bot, package_id, resource_id, detail, results, cached)
SELECT ts, kind, visitor, random() < 0.03, 'bench-' || p,
       CASE WHEN kind IN ('embed', 'download') THEN 'bench-r-' || p END,
       CASE kind WHEN 'api' THEN (ARRAY['elections_results_show', 'package_show', 'datastore_search',
                                        'package_search'])[1 + i % 4] || '|anon|200'
                 WHEN 'embed' THEN 'site' || (i % 40) || '.example.org'
                 WHEN 'search' THEN 'terms ' || (i % 500)
                 WHEN 'search0' THEN 'nothing ' || (i % 100) END,
       CASE WHEN kind = 'search' THEN 3 WHEN kind = 'search0' THEN 0 END,
       random() < 0.7
FROM (SELECT i, :end - (i * (365.0 * 86400 / :rows) || ' seconds')::interval AS ts,
             (ARRAY['api', 'api', 'api', 'api', 'api', 'api', 'embed', 'download', 'search', 'search0'])[1 + i % 10]
             AS kind, md5((floor(random() * 20000))::text || (i / 30000)::text) AS visitor,
             floor(:n * power(random(), 3))::int AS p
      FROM generate_series(1, :rows) i) g
"""

_PERIOD = """access_timestamp >= :start AND access_timestamp < :end"""
_EVENT_PERIOD = """ts >= :start AND ts < :end"""
_VIEWS_BY_PACKAGE = f"""
    SELECT p.id, p.owner_org, p.license_id, count(t.url) AS views FROM package p LEFT JOIN tracking_raw t
      ON t.url = '/dataset/' || p.name AND t.tracking_type = 'page' AND t.{_PERIOD}
    WHERE p.state = 'active' GROUP BY p.id"""

# panel: (action, parameters, the same figures straight from the raw tables)
PANELS: dict[str, tuple[str, dict[str, str], str]] = {
    "traffic": ("usagestats_traffic", {}, f"""
        SELECT date_trunc('day', access_timestamp)::date, count(*), count(DISTINCT user_key)
        FROM tracking_raw WHERE tracking_type = 'page' AND {_PERIOD} GROUP BY 1"""),
    "traffic (a year, per month)": ("usagestats_traffic", {"granularity": "month", "days": "365"}, f"""
        SELECT date_trunc('month', access_timestamp)::date, count(*), count(DISTINCT user_key)
        FROM tracking_raw WHERE tracking_type = 'page' AND {_PERIOD} GROUP BY 1"""),
    "api": ("usagestats_api_calls", {}, f"""
        SELECT split_part(detail, '|', 1), count(*) FROM usagestats_event WHERE kind = 'api' AND {_EVENT_PERIOD}
        GROUP BY 1 ORDER BY 2 DESC LIMIT 10"""),
    "top-datasets": ("usagestats_datasets", {}, f"{_VIEWS_BY_PACKAGE} ORDER BY views DESC LIMIT 10"),
    "least-datasets": ("usagestats_datasets", {"least": "true"}, f"{_VIEWS_BY_PACKAGE} ORDER BY views LIMIT 10"),
    "resources": ("usagestats_resources", {}, f"""
        SELECT resource_id, count(*) FROM usagestats_event WHERE resource_id IS NOT NULL AND {_EVENT_PERIOD}
        GROUP BY 1 ORDER BY 2 DESC LIMIT 10"""),
    "by-organization": ("usagestats_catalogue", {"by": "organization"},
                        f"SELECT owner_org, count(*), sum(views) FROM ({_VIEWS_BY_PACKAGE}) v GROUP BY 1"),
    "by-license": ("usagestats_catalogue", {"by": "license"},
                   f"SELECT license_id, count(*), sum(views) FROM ({_VIEWS_BY_PACKAGE}) v GROUP BY 1"),
    "by-format": ("usagestats_catalogue", {"by": "format"}, f"""
        SELECT upper(r.format), count(DISTINCT v.id), sum(v.views) FROM ({_VIEWS_BY_PACKAGE}) v
        JOIN resource r ON r.package_id = v.id GROUP BY 1"""),
    "growth": ("usagestats_growth", {}, """
        SELECT date_trunc('month', metadata_created), count(*) FROM package WHERE state = 'active'
          AND :start < :end GROUP BY 1"""),
    "embeds": ("usagestats_embeds", {}, f"""
        SELECT detail, count(*) FROM usagestats_event WHERE kind = 'embed' AND {_EVENT_PERIOD}
        GROUP BY 1 ORDER BY 2 DESC LIMIT 10"""),
    "searches": ("usagestats_searches", {}, f"""
        SELECT detail, count(*) FROM usagestats_event WHERE kind IN ('search', 'search0') AND {_EVENT_PERIOD}
        GROUP BY 1 ORDER BY 2 DESC LIMIT 10"""),
    "zero-searches": ("usagestats_searches", {"zero_results": "true"}, f"""
        SELECT detail, count(*) FROM usagestats_event WHERE kind = 'search0' AND {_EVENT_PERIOD}
        GROUP BY 1 ORDER BY 2 DESC LIMIT 10"""),
    "heatmap": ("usagestats_heatmap", {}, f"""
        SELECT extract(isodow FROM access_timestamp), extract(hour FROM access_timestamp), count(*)
        FROM tracking_raw WHERE tracking_type = 'page' AND {_PERIOD} GROUP BY 1, 2"""),
    "live": ("usagestats_live", {"hours": "6"}, """
        SELECT date_trunc('minute', e.ts), e.kind, count(*) FROM usagestats_event e
        JOIN package p ON p.id = e.package_id AND p.type = 'election'
        WHERE e.ts >= :end - interval '6 hours' AND e.ts < :end GROUP BY 1, 2"""),
}


def generate(engine, sa, args, now: datetime.datetime, org_id: str) -> None:
    with engine.begin() as c:
        for table in TABLES:
            c.execute(sa.text(f"TRUNCATE {table}"))
        have = c.execute(sa.text("SELECT count(*) FROM package WHERE name LIKE 'bench-%'")).scalar()
        # Packages straight in SQL: 500 package_create calls would index into Solr.
        c.execute(sa.text(_PACKAGES), {"org": org_id, "have": have, "n": args.datasets})
    for name, sql in (("tracking_raw", _RAW), ("usagestats_event", _EVENTS)):
        print(f"generating {args.rows:,} rows of {name} over a year ...", flush=True)
        started = time.monotonic()
        with engine.begin() as c:
            c.execute(sa.text(sql), {"n": args.datasets, "rows": args.rows, "end": now - datetime.timedelta(days=1)})
            c.execute(sa.text(f"ANALYZE {name}"))
        print(f"  {time.monotonic() - started:.0f} s", flush=True)


def rollups(engine, sa, rollup, args, now: datetime.datetime) -> None:
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.monotonic()
    rollup.run(now=now - datetime.timedelta(days=1) + datetime.timedelta(minutes=10), full=True)
    full = time.monotonic() - started
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # One new day of traffic (the same daily volume), then the incremental rollup.
    with engine.begin() as c:
        c.execute(sa.text("""
            INSERT INTO tracking_raw (user_key, url, tracking_type, access_timestamp)
            SELECT md5((floor(random() * 20000))::text || 'new'), '/dataset/bench-' ||
                   floor(:n * power(random(), 3))::int, 'page', :start + (i * (86400.0 / :k) || ' seconds')::interval
            FROM generate_series(0, :k - 1) i ON CONFLICT DO NOTHING"""),
            {"n": args.datasets, "k": args.rows // 365, "start": now.replace(hour=0, minute=0, second=0)})
        c.execute(sa.text("ANALYZE usagestats_day"))
    started = time.monotonic()
    rollup.run(now=now)
    incremental = time.monotonic() - started
    rss2 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nfull rollup of 2 x {args.rows:,} rows: {full:.1f} s; incremental rollup of one new day: "
          f"{incremental:.2f} s (target < 10 s)")
    print(f"peak RSS: {rss0:.0f} MB before, {rss1:.0f} MB after the full rollup, {rss2:.0f} MB after the "
          "incremental one")


def panels(engine, sa, token: str, args, now: datetime.datetime) -> None:
    import requests

    spec = importlib.util.spec_from_file_location("usagestats_live", ROOT / "tests" / "live.py")
    live = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(live)
    end = now.date()
    with live.derived_ini(**{"ckanext.usagestats.rollup_interval": "0"}) as ini, live.live_ckan(ini) as url:
        session = requests.Session()
        session.headers["Authorization"] = token
        print(f"\n{f'panel (2 x {args.rows:,} raw rows)':42} {'median ms':>10} {'baseline ms':>12} "
              f"{'ratio':>8}")
        for name, (action, extra, baseline_sql) in PANELS.items():
            params = dict(extra)
            days = int(params.pop("days", "30"))
            start = end - datetime.timedelta(days=days - 1)
            if action != "usagestats_live":
                params.update(start=start.isoformat(), end=end.isoformat())
            for _ in range(2):  # warm
                session.get(f"{url}/api/3/action/{action}", params=params).raise_for_status()
            times = []
            for _ in range(args.calls):
                t = time.perf_counter()
                session.get(f"{url}/api/3/action/{action}", params=params).raise_for_status()
                times.append((time.perf_counter() - t) * 1000)
            bparams = {"start": datetime.datetime.combine(start, datetime.time()),
                       "end": datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time())}
            if action == "usagestats_live":
                bparams["end"] = now
            base = []
            for _ in range(max(3, args.calls // 5)):
                t = time.perf_counter()
                with engine.connect() as c:
                    c.execute(sa.text(baseline_sql), bparams).all()
                base.append((time.perf_counter() - t) * 1000)
            median, baseline = statistics.median(times), statistics.median(base)
            print(f"{name:42} {median:10.1f} {baseline:12.1f} {baseline / median:7.1f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ini", default=str(ROOT / "test-usage.ini"))
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--calls", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="Reuse the rows and rollups of a previous run")
    args = parser.parse_args()
    os.environ["CKAN_INI"] = os.environ["CKAN_CONFIG"] = args.ini

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    config = load_config(args.ini)
    config["ckanext.usagestats.reindex"] = False
    config["ckanext.usagestats.raw_retention_days"] = 400
    app = make_app(config)
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa
    from ckan import model

    from ckanext.elections.utils import utcnow
    from ckanext.usagestats import rollup

    engine = model.meta.engine
    now = utcnow()
    with app._wsgi_app.test_request_context():
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
        ctx = {"user": site_user["name"], "ignore_auth": True}
        if model.Group.get("bench-org") is None:
            tk.get_action("organization_create")(dict(ctx), {"name": "bench-org"})
        if not args.keep:
            generate(engine, sa, args, now, model.Group.get("bench-org").id)
            rollups(engine, sa, rollup, args, now)
        token = tk.get_action("api_token_create")(dict(ctx), {"user": site_user["name"], "name": "bench"})["token"]
    panels(engine, sa, token, args, now)


if __name__ == "__main__":
    main()
