"""Where the database lives: the file the build writes and the dashboard, the CLI and the
presenter read.

TSUNAGARI_DB names it (default `data/tsunagari.duckdb` at the project's root, git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "TSUNAGARI_DB"
DATA_DIR = Path(__file__).resolve().parent
DEFAULT_DB = DATA_DIR / "tsunagari.duckdb"


def db_path() -> Path:
    """The database file: $TSUNAGARI_DB, or data/tsunagari.duckdb."""
    return Path(os.environ.get(ENV, DEFAULT_DB))
