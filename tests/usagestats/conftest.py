"""Fixtures of the usagestats tests."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from ckan import model

TABLES = ("tracking_raw", "usagestats_event", "usagestats_day", "usagestats_hour", "usagestats_minute",
          "usagestats_url", "usagestats_state")

# Every test of this folder: no automatic rollup jobs in Redis, no Solr reindexing.
QUIET = {
    "ckanext.usagestats.rollup_interval": 0,
    "ckanext.usagestats.reindex": False,
}


def empty_usage_tables() -> None:
    # End the session's transaction first: it may hold locks on these tables.
    model.Session.rollback()
    with model.meta.engine.begin() as connection:
        for table in TABLES:
            connection.execute(sa.text(f"DELETE FROM {table}"))


@pytest.fixture
def quiet_config(ckan_config, monkeypatch):
    for key, value in QUIET.items():
        monkeypatch.setitem(ckan_config, key, value)
