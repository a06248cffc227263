"""Purge keeps rollups; migrations go down and up cleanly."""
from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa
from ckan import model

from ckanext.usagestats import rollup, store

NOW = datetime.datetime(2026, 6, 1, 12, 0)


def _count(table: str) -> int:
    return model.Session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


@pytest.mark.ckan_config("ckanext.usagestats.rollup_interval", 0)
@pytest.mark.ckan_config("ckanext.usagestats.reindex", False)
@pytest.mark.ckan_config("ckanext.usagestats.raw_retention_days", 30)
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestPurge:
    def test_purge_deletes_old_raw_rows_and_keeps_rollups(self):
        old, recent = NOW - datetime.timedelta(days=45), NOW - datetime.timedelta(days=2)
        store.store(
            [{"url": "/about", "kind": "page", "visitor": f"v{i}", "ts": ts + datetime.timedelta(seconds=i)}
             for i in range(5) for ts in (old, recent)],
            [{"ts": old, "kind": "api", "visitor": "v", "detail": "status_show|anon|200"}])
        rollup.roll_days(NOW)
        before = model.Session.execute(sa.text(
            "SELECT day, kind, hits FROM usagestats_day WHERE owner_org = '*' AND detail = '*' ORDER BY 1, 2")).all()
        model.Session.rollback()

        deleted = rollup.purge(NOW)

        assert deleted == {"tracking_raw": 5, "usagestats_event": 1}
        assert _count("tracking_raw") == 5
        after = model.Session.execute(sa.text(
            "SELECT day, kind, hits FROM usagestats_day WHERE owner_org = '*' AND detail = '*' ORDER BY 1, 2")).all()
        assert after == before and len(before) == 3
        # A rollup after the purge leaves the purged days alone.
        model.Session.rollback()
        rollup.run(now=NOW, full=True)
        assert model.Session.execute(sa.text(
            "SELECT day, kind, hits FROM usagestats_day WHERE owner_org = '*' AND detail = '*' "
            "ORDER BY 1, 2")).all() == before

    def test_nothing_is_purged_before_it_is_rolled_up(self):
        store.store([{"url": "/", "kind": "page", "visitor": "v", "ts": NOW - datetime.timedelta(days=60)}], [])
        assert rollup.purge(NOW) == {"tracking_raw": 0, "usagestats_event": 0}


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestMigrations:
    def test_downgrade_and_upgrade(self, migrate_db_for):
        inspector = lambda: sa.inspect(model.meta.engine)  # noqa: E731
        tables = {"usagestats_event", "usagestats_day", "usagestats_dataset_day", "usagestats_hour",
                  "usagestats_minute", "usagestats_url", "usagestats_state", "usagestats_dropped", "usagestats_ingest"}
        model.Session.remove()
        assert tables <= set(inspector().get_table_names())

        migrate_db_for("usagestats", version="base", forward=False)
        assert not tables & set(inspector().get_table_names())
        assert "tracking_raw" in inspector().get_table_names()

        migrate_db_for("usagestats")
        assert tables <= set(inspector().get_table_names())
