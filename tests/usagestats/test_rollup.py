"""Rollups equal counts computed directly from the raw rows."""
from __future__ import annotations

import collections
import datetime
import zoneinfo

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ckanext.usagestats import rollup, store

from .conftest import empty_usage_tables

NOW = datetime.datetime(2026, 3, 30, 12, 0)  # UTC; Paris changed to summer time on the 29th
TZ = zoneinfo.ZoneInfo("Europe/Paris")

hit = st.fixed_dictionaries({
    "offset": st.integers(min_value=0, max_value=4 * 24 * 3600 - 1),  # seconds before NOW
    "kind": st.sampled_from(["page", "resource", "api", "download", "embed", "search", "bot"]),
    "dataset": st.integers(min_value=0, max_value=3),  # 3 = no dataset
    "visitor": st.integers(min_value=0, max_value=5),
})


def _store(hits, datasets):
    pages, events, expected = [], [], []
    for h in hits:
        ts = NOW - datetime.timedelta(seconds=h["offset"], microseconds=h["offset"] % 997)
        dataset = datasets[h["dataset"]] if h["dataset"] < len(datasets) else None
        visitor = f"v{h['visitor']}"
        package_id, org = (dataset["id"], dataset["owner_org"]) if dataset else ("", "")
        if h["kind"] in ("page", "resource"):
            url = f"/dataset/{dataset['name']}" if dataset else "/about"
            if h["kind"] == "resource":
                url = dataset["resources"][0]["url"] if dataset else "https://elsewhere.example.org/x.csv"
            pages.append({"url": url, "kind": h["kind"], "visitor": visitor, "ts": ts})
            kind = "view" if h["kind"] == "page" else "download"
        elif h["kind"] == "bot":
            pages.append({"url": "/", "kind": "page", "visitor": visitor, "ts": ts, "bot": True})
            kind, package_id, org = "bot", "", ""
        else:
            events.append({"ts": ts, "kind": h["kind"], "visitor": visitor,
                           "package_id": package_id or None, "detail": "x"})
            kind = h["kind"]
        expected.append((ts, kind, org, package_id, visitor))
    store.store(pages, events)
    return expected


@pytest.fixture
def datasets(clean_db):
    orgs = [factories.Organization(), factories.Organization()]
    return [
        factories.Dataset(owner_org=orgs[i % 2]["id"],
                          resources=[{"url": f"https://files.example.org/{i}.csv"}])
        for i in range(3)
    ]


def _day_rows(where: str) -> dict:
    rows = model.Session.execute(sa.text(
        f"SELECT day, kind, owner_org, package_id, hits, visitors FROM usagestats_day WHERE {where}"))
    return {(r.day, r.kind, r.owner_org, r.package_id): (r.hits, r.visitors) for r in rows}


def _direct(expected, key):
    hits, visitors = collections.Counter(), collections.defaultdict(set)
    for ts, kind, org, package_id, visitor in expected:
        day = ts.replace(tzinfo=datetime.UTC).astimezone(TZ).date()
        for k in key(day, kind, org, package_id):
            hits[k] += 1
            visitors[k].add(visitor)
    return {k: (hits[k], len(visitors[k])) for k in hits}


@pytest.mark.ckan_config("ckanext.usagestats.timezone", "Europe/Paris")
@pytest.mark.ckan_config("ckanext.usagestats.rollup_interval", 0)
@pytest.mark.ckan_config("ckanext.usagestats.reindex", False)
@pytest.mark.usefixtures("with_plugins")
class TestRollupEqualsRawCounts:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(hits=st.lists(hit, max_size=60))
    def test_day_rollup_matches_direct_counts(self, datasets, hits):
        empty_usage_tables()
        expected = _store(hits, datasets)

        rollup.run(now=NOW)

        site = _direct(expected, lambda d, k, o, p: [(d, k, "*", "*")])
        orgs = _direct(expected, lambda d, k, o, p: [(d, k, o, "*")])
        packages = _direct(expected, lambda d, k, o, p: [(d, k, o, p)] if p else [])
        assert _day_rows("owner_org = '*' AND package_id = '*' AND detail = '*'") == site
        assert _day_rows("owner_org <> '*' AND package_id = '*' AND detail = '*'") == orgs
        assert _day_rows("package_id NOT IN ('', '*') AND resource_id = '*'") == packages
        pivoted = {}
        for (day, kind, _org, package_id), (hits, visitors) in packages.items():
            row = pivoted.setdefault((day, package_id), [0, 0, 0, 0])
            if kind in ("view", "download", "api"):
                row[("view", "download", "api").index(kind) + (kind != "view")] = hits
            if kind == "view":
                row[1] = visitors
        assert {(r.day, r.package_id): [r.views, r.visitors, r.downloads, r.api_calls]
                for r in model.Session.execute(sa.text("SELECT * FROM usagestats_dataset_day"))} == {
            key: row for key, row in pivoted.items() if any(row)}

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(hits=st.lists(hit, max_size=60), split=st.integers(min_value=1, max_value=4 * 24 * 60))
    def test_incremental_runs_equal_one_run(self, datasets, hits, split):
        """A rollup interrupted half-way and resumed gives the rows of a single run."""
        empty_usage_tables()
        _store(hits, datasets)
        rollup.run(now=NOW - datetime.timedelta(minutes=split))
        rollup.run(now=NOW)
        rollup.run(now=NOW)  # idempotent
        incremental = _day_rows("true")

        rollup.run(now=NOW, full=True)

        assert _day_rows("true") == incremental

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(hits=st.lists(hit, max_size=60))
    def test_minutes_and_days_agree(self, datasets, hits):
        empty_usage_tables()
        _store(hits, datasets)

        rollup.run(now=NOW + datetime.timedelta(minutes=1))

        by_minute = collections.Counter()
        for r in model.Session.execute(sa.text(
                "SELECT minute, kind, owner_org, package_id, hits FROM usagestats_minute")):
            day = r.minute.replace(tzinfo=datetime.UTC).astimezone(TZ).date()
            by_minute[(day, r.kind, r.owner_org, r.package_id)] += r.hits
        by_day = _day_rows("resource_id = '*' AND detail = '*'")
        assert by_minute == {k: hits for k, (hits, _visitors) in by_day.items()}

    def test_hour_rows_add_up_to_days(self, datasets):
        empty_usage_tables()
        _store([{"offset": s * 977, "kind": "page", "dataset": s % 4, "visitor": s % 5} for s in range(300)],
               datasets)
        rollup.run(now=NOW)

        hours = model.Session.execute(sa.text(
            "SELECT hour::date AS day, sum(hits) FROM usagestats_hour WHERE owner_org = '*' GROUP BY 1")).all()
        days = model.Session.execute(sa.text(
            "SELECT day, hits FROM usagestats_day WHERE owner_org = '*' AND package_id = '*' "
            "AND detail = '*'")).all()
        assert dict(hours) == dict(days)


@pytest.mark.ckan_config("ckanext.usagestats.timezone", "Europe/Paris")
@pytest.mark.ckan_config("ckanext.usagestats.rollup_interval", 0)
@pytest.mark.ckan_config("ckanext.usagestats.reindex", False)
@pytest.mark.usefixtures("with_plugins")
class TestDatasetFigures:
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(hits=st.lists(hit, max_size=60), first=st.integers(min_value=0, max_value=4),
           length=st.integers(min_value=0, max_value=4))
    def test_summed_and_running_totals_agree_with_raw_counts(self, datasets, hits, first, length, monkeypatch):
        """Both plans of query.period_figures give the counts of the raw rows."""
        from ckanext.usagestats import query

        empty_usage_tables()
        expected = _store(hits, datasets)
        rollup.run(now=NOW)
        start = (NOW - datetime.timedelta(days=first)).date()
        end = start + datetime.timedelta(days=length)

        counts = collections.Counter()
        for ts, kind, _org, package_id, _visitor in expected:
            if package_id and kind in ("view", "download", "api") and start <= ts.replace(
                    tzinfo=datetime.UTC).astimezone(TZ).date() <= end:
                counts[(package_id, kind)] += 1
        direct = {d["id"]: (counts[(d["id"], "view")], counts[(d["id"], "download")], counts[(d["id"], "api")])
                  for d in datasets}
        for summed_days in (0, 10_000):  # running totals, then sums
            monkeypatch.setattr(query, "_SUMMED_DAYS", summed_days)
            rows = query.datasets(None, start, end, 100)
            model.Session.rollback()
            assert {r["id"]: (r["views"], r["downloads"], r["api_calls"]) for r in rows} == direct, summed_days
