"""Benchmark of ckanext-usagestats (issue 5), run on demand, never by pytest.

Generates N rows of ``tracking_raw`` (default 10 million) over a year in the
database of the given ini, straight in SQL (the benchmark is of the rollup
and the reads, not of the recorder), then measures:

* the full rollup, its peak RSS (memory must stay flat: it works day by day);
* the incremental rollup of one new day;
* dashboard actions over HTTP (a real gunicorn, tests/live.py), median
  latency, against the same figures computed by a direct query on
  ``tracking_raw`` (the baseline), as ratios.

Usage (the database is emptied of usage rows first: use a test database)::

    .venv/bin/python bench/usagestats_rollup.py --ini test-usage.ini [--rows 10000000]

Generating 10 M rows takes about 1-2 minutes on the 2-core machine; the
whole run a few minutes.
"""
from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import resource
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ini", default=str(ROOT / "test-usage.ini"))
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--calls", type=int, default=15)
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

    from ckanext.usagestats import rollup

    engine = model.meta.engine
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    with app._wsgi_app.test_request_context():
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
        ctx = {"user": site_user["name"], "ignore_auth": True}
        org = model.Group.get("bench-org") or None
        if org is None:
            tk.get_action("organization_create")(dict(ctx), {"name": "bench-org"})
        have = model.Session.execute(sa.text("SELECT count(*) FROM package WHERE name LIKE 'bench-%'")).scalar()
        org_id = model.Group.get("bench-org").id
        with engine.begin() as c:
            # Packages straight in SQL: 500 package_create calls would index into Solr.
            c.execute(sa.text("""
                INSERT INTO package (id, name, title, type, state, owner_org, private, metadata_created,
                                     metadata_modified)
                SELECT 'bench-' || i, 'bench-' || i, 'Bench ' || i, 'dataset', 'active', :org, false,
                       now() - (i || ' days')::interval, now()
                FROM generate_series(:have, :n - 1) i"""), {"org": org_id, "have": have, "n": args.datasets})
        print(f"generating {args.rows:,} tracking_raw rows over a year ...", flush=True)
        started = time.monotonic()
        with engine.begin() as c:
            for table in ("tracking_raw", "usagestats_event", "usagestats_day", "usagestats_hour",
                          "usagestats_minute", "usagestats_url", "usagestats_state"):
                c.execute(sa.text(f"TRUNCATE {table}"))
            # Zipf-like popularity: dataset floor(n * r^3); visitors from a pool of 20 000 per day.
            c.execute(sa.text("""
                INSERT INTO tracking_raw (user_key, url, tracking_type, access_timestamp)
                SELECT md5((floor(random() * 20000))::text || (i / 30000)::text),
                       '/dataset/bench-' || floor(:n * power(random(), 3))::int,
                       CASE WHEN random() < 0.9 THEN 'page' ELSE 'resource' END,
                       :end - (i * (365.0 * 86400 / :rows) || ' seconds')::interval
                FROM generate_series(1, :rows) i
                ON CONFLICT DO NOTHING"""),
                {"n": args.datasets, "rows": args.rows, "end": now - datetime.timedelta(days=1)})
            c.execute(sa.text("ANALYZE tracking_raw"))
        print(f"  {time.monotonic() - started:.0f} s", flush=True)

        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.monotonic()
        rollup.run(now=now - datetime.timedelta(days=1) + datetime.timedelta(minutes=10), full=True)
        full = time.monotonic() - started
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        # One new day of traffic (same daily volume), then the incremental rollup.
        with engine.begin() as c:
            c.execute(sa.text("""
                INSERT INTO tracking_raw (user_key, url, tracking_type, access_timestamp)
                SELECT md5((floor(random() * 20000))::text || 'new'), '/dataset/bench-' ||
                       floor(:n * power(random(), 3))::int, 'page',
                       :start + (i * (86400.0 / :k) || ' seconds')::interval
                FROM generate_series(0, :k - 1) i ON CONFLICT DO NOTHING"""),
                {"n": args.datasets, "k": args.rows // 365,
                 "start": now.replace(hour=0, minute=0, second=0, microsecond=0)})
        started = time.monotonic()
        rollup.run(now=now)
        incremental = time.monotonic() - started
        rss2 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        token = tk.get_action("api_token_create")(dict(ctx), {"user": site_user["name"], "name": "bench"})["token"]

    import importlib.util

    import requests

    spec = importlib.util.spec_from_file_location("usagestats_live", ROOT / "tests" / "live.py")
    live = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(live)
    derived_ini, live_ckan = live.derived_ini, live.live_ckan

    end = now.date()
    start = end - datetime.timedelta(days=29)
    calls = {
        "usagestats_traffic": ({"start": start.isoformat(), "end": end.isoformat()}, """
            SELECT date_trunc('day', access_timestamp)::date, count(*), count(DISTINCT user_key)
            FROM tracking_raw WHERE tracking_type = 'page' AND access_timestamp >= :start
              AND access_timestamp < :end GROUP BY 1"""),
        "usagestats_datasets": ({"start": start.isoformat(), "end": end.isoformat()}, """
            SELECT p.id, count(t.url) AS views FROM package p LEFT JOIN tracking_raw t
              ON t.url = '/dataset/' || p.name AND t.tracking_type = 'page'
             AND t.access_timestamp >= :start AND t.access_timestamp < :end
            WHERE p.state = 'active' GROUP BY p.id ORDER BY views DESC LIMIT 10"""),
        "usagestats_heatmap": ({"start": start.isoformat(), "end": end.isoformat()}, """
            SELECT extract(isodow FROM access_timestamp), extract(hour FROM access_timestamp), count(*)
            FROM tracking_raw WHERE tracking_type = 'page' AND access_timestamp >= :start
              AND access_timestamp < :end GROUP BY 1, 2"""),
        "usagestats_traffic (a year, per month)": ({"start": (end - datetime.timedelta(days=364)).isoformat(),
                                                   "end": end.isoformat(), "granularity": "month"}, """
            SELECT date_trunc('month', access_timestamp)::date, count(*), count(DISTINCT user_key)
            FROM tracking_raw WHERE tracking_type = 'page' AND access_timestamp >= :start
              AND access_timestamp < :end GROUP BY 1"""),
    }
    print(f"\nfull rollup of {args.rows:,} rows: {full:.1f} s; incremental rollup of one new day: "
          f"{incremental:.2f} s (target < 10 s)")
    print(f"peak RSS: {rss0:.0f} MB before, {rss1:.0f} MB after the full rollup, {rss2:.0f} MB after the "
          f"incremental one")
    with derived_ini(**{"ckanext.usagestats.rollup_interval": "0"}) as ini, live_ckan(ini) as url:
        session = requests.Session()
        session.headers["Authorization"] = token
        print(f"\n{'call':42} {'median ms':>10} {'baseline ms':>12} {'ratio':>8}")
        for name, (params, baseline_sql) in calls.items():
            action = name.split()[0]
            times = []
            for _ in range(args.calls):
                t = time.perf_counter()
                session.get(f"{url}/api/3/action/{action}", params=params).raise_for_status()
                times.append((time.perf_counter() - t) * 1000)
            base = []
            bparams = {"start": datetime.datetime.fromisoformat(params["start"]),
                       "end": datetime.datetime.fromisoformat(params["end"]) + datetime.timedelta(days=1)}
            for _ in range(max(3, args.calls // 5)):
                t = time.perf_counter()
                with engine.connect() as c:
                    c.execute(sa.text(baseline_sql), bparams).all()
                base.append((time.perf_counter() - t) * 1000)
            median, baseline = statistics.median(times), statistics.median(base)
            print(f"{name:42} {median:10.1f} {baseline:12.1f} {baseline / median:7.1f}x", flush=True)


if __name__ == "__main__":
    main()
