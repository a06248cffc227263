"""Fixtures shared by every integration test."""
from __future__ import annotations

import pytest

OWN_MIGRATIONS = ("elections",)


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN's clean_db, plus the tables of our plugins' migrations."""
    reset_db()
    for plugin in OWN_MIGRATIONS:
        migrate_db_for(plugin)
