"""Fixtures for the domain core's unit tests (plain Python, no CKAN)."""
from __future__ import annotations

from pathlib import Path

import pytest

from ._paths import DATA_DIR, NO_DATA


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.skip(NO_DATA)
    return DATA_DIR
