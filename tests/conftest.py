"""Fixtures shared by every integration test."""
from __future__ import annotations

import ckan.plugins.toolkit as toolkit
import pytest

OWN_MIGRATIONS = ("elections", "usagestats")


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN's clean_db, plus the tables of our plugins' migrations."""
    reset_db()
    enabled = toolkit.config.get("ckan.plugins")
    for plugin in OWN_MIGRATIONS:
        if plugin in enabled:
            migrate_db_for(plugin)
