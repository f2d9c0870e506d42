"""The dashboard's database connection and its cache keys.

One read-only DuckDB connection per database version, shared by all sessions through
st.cache_resource; queries.runner.run opens a cursor per query on it. The database path is a link
to the current version's own file (data/versions.py): every page run resolves it, so a build or a
rollback reaches each session at its next run, with a new connection and fresh cached aggregates,
and no restart. The key is the version's real path (DuckDB keeps one instance per path per
process: a file replaced under the same name would be read through the old one) and its mtime
(a plain file rebuilt in place, as before versions).

Connections of older versions are closed when the cache lets them go: it holds the last three, and
a session only uses an older one until its current run ends (the next run resolves the link
again), so three switches within one page run would be needed to close one still in use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import streamlit as st

from data.paths import db_path as default_db_path
from queries import runner

# How often an open page asks whether a new version was published (dashboard/app.py): a stat of
# the database link per open browser, in a fragment that draws nothing.
FOLLOW_SECONDS = 10


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


def _close(connection: duckdb.DuckDBPyConnection) -> None:
    connection.close()


@st.cache_resource(show_spinner=False, max_entries=3, on_release=_close)
def _connection(version: DbVersion) -> duckdb.DuckDBPyConnection:
    return runner.connect(version.path)


def connection(version: DbVersion) -> duckdb.DuckDBPyConnection:
    """The shared read-only connection of this database version."""
    return _connection(version)
