"""Fixtures of the usagestats tests."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from ckan import model

from ckanext.usagestats import buffer, popularity, privacy, redisio

TABLES = ("tracking_raw", "usagestats_event", "usagestats_day", "usagestats_dataset_day", "usagestats_hour",
          "usagestats_minute", "usagestats_url", "usagestats_state", "usagestats_dropped", "usagestats_ingest")

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


def forget_process_state() -> None:
    """What a process keeps between requests: breaker, salts, counts, dropped hits."""
    redisio.reset()
    privacy.forget_salts()
    popularity.forget()
    with buffer._dropped_lock:
        buffer._dropped.clear()


@pytest.fixture(autouse=True)
def usage_redis():
    """Each test starts with none of this site's usagestats keys in Redis but
    the day's salt, which a live CKAN of the tests may hold already."""
    forget_process_state()
    client = redisio.client(5000)
    keys = [k for k in client.scan_iter(redisio.key("*"), count=1000) if b":salt:" not in k]
    if keys:
        client.delete(*keys)
    yield client
    forget_process_state()


@pytest.fixture
def quiet_config(ckan_config, monkeypatch):
    for key, value in QUIET.items():
        monkeypatch.setitem(ckan_config, key, value)
