"""The dashboard's database connection and its cache keys.

One read-only DuckDB connection per database file version (path + mtime), shared by all sessions
through st.cache_resource; queries.runner.run opens a cursor per query on it. A rebuilt database
gets a new mtime, hence a new connection and fresh cached aggregates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import streamlit as st

from data.paths import db_path as default_db_path
from queries import runner


@dataclass(frozen=True)
class DbVersion:
    """Identifies one build of the database file: the cache key of everything derived from it."""

    path: str
    mtime_ns: int


def db_version(path: str | Path | None = None) -> DbVersion | None:
    """The current version of the database file, or None when it does not exist."""
    p = Path(path) if path is not None else default_db_path()
    try:
        stat = os.stat(p)
    except FileNotFoundError:
        return None
    return DbVersion(path=str(p.resolve()), mtime_ns=stat.st_mtime_ns)


@st.cache_resource(show_spinner=False, max_entries=4)
def _connection(version: DbVersion) -> duckdb.DuckDBPyConnection:
    return runner.connect(version.path)


def connection(version: DbVersion) -> duckdb.DuckDBPyConnection:
    """The shared read-only connection of this database version."""
    return _connection(version)
