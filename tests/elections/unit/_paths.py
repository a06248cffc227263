"""Where the real election files are: beside the project, never inside it."""
from __future__ import annotations

import os
from pathlib import Path

DATA_DIR = Path(
    os.environ.get("ELECTIONS_DATA_DIR")
    or Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "elections"
)
NO_DATA = f"real election data not found at {DATA_DIR} (set ELECTIONS_DATA_DIR)"
