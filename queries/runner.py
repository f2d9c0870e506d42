"""Runs the query files of queries/sql with DuckDB named parameters.

Each file starts with a header of `-- key: value` lines (name, returns, params), Datasette-style
metadata kept beside the SQL. User values only ever travel as parameters, never as SQL text.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pandas as pd

from data.paths import db_path

if TYPE_CHECKING:
    import pyarrow as pa

SQL_DIR = Path(__file__).with_name("sql")
_HEADER = re.compile(r"^--\s*(\w+)\s*:\s*(.*)$")
T = TypeVar("T")


@dataclass(frozen=True)
class QueryFile:
    name: str
    sql: str
    meta: dict[str, str]

    @property
    def params(self) -> list[str]:
        raw = self.meta.get("params", "").strip()
        return [p.strip().split(" ")[0] for p in raw.split(",") if p.strip()]

    @cached_property
    def statement(self) -> duckdb.Statement | str:
        """The SQL parsed once (DuckDB parses a query text at every execute: a quarter of a small
        query's time); the text itself if the file holds more than one statement."""
        with _PARSER_LOCK:
            statements = _parser().extract_statements(self.sql)
        return statements[0] if len(statements) == 1 else self.sql


_PARSER_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _parser() -> duckdb.DuckDBPyConnection:
    """An empty in-memory connection that only parses query files (a parsed statement holds no
    data and is bound to a database only when it is executed)."""
    return duckdb.connect(":memory:")


@cache
def load(name: str) -> QueryFile:
    """The query file queries/sql/NAME.sql with its header metadata."""
    path = SQL_DIR / f"{name}.sql"
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    for line in text.splitlines():
        m = _HEADER.match(line)
        if not m:
            break
        meta[m.group(1)] = m.group(2)
    return QueryFile(name=name, sql=text, meta=meta)


def available() -> list[str]:
    return sorted(p.stem for p in SQL_DIR.glob("*.sql"))


def connect(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the dashboard database."""
    return duckdb.connect(str(path or db_path()), read_only=True)


def _checked(name: str, params: dict[str, Any]) -> QueryFile:
    q = load(name)
    expected = set(q.params)
    given = set(params)
    if expected != given:
        raise TypeError(f"query {name} takes parameters {sorted(expected)}, got {sorted(given)}")
    return q


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Run queries/sql/NAME.sql on a fresh cursor with exactly the parameters it declares."""
    q = _checked(name, params)
    cur = con.cursor()
    try:
        return cur.execute(q.statement, params).df()
    finally:
        cur.close()


def run_numpy(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> dict[str, Any]:
    """As run, but the columns as numpy arrays (no DataFrame): for results that are only summed."""
    q = _checked(name, params)
    cur = con.cursor()
    try:
        return cur.execute(q.statement, params).fetchnumpy()
    finally:
        cur.close()


def run_arrow(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pa.Table:
    """As run, but an Arrow table: a LIST column's values then come as one contiguous buffer
    (ListArray.values), where fetchnumpy makes one small numpy array per row."""
    q = _checked(name, params)
    cur = con.cursor()
    try:
        return cur.sql(q.statement, params=params).to_arrow_table()
    finally:
        cur.close()


_REMEMBERED: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, dict[str, Any]] = weakref.WeakKeyDictionary()


def read_only(con: duckdb.DuckDBPyConnection) -> bool:
    cur = con.cursor()
    try:
        return cur.execute("SELECT current_setting('access_mode')").fetchone()[0] == "read_only"
    except duckdb.Error:
        return False
    finally:
        cur.close()


def remembered(con: duckdb.DuckDBPyConnection, key: str, compute: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """compute(con), kept under KEY for as long as the read-only connection CON lives: its database
    cannot change under it (a rebuild writes a new file, which the dashboard opens anew). On a
    writable connection it is computed at every call. Callers must not change what it returns."""
    known = _REMEMBERED.get(con)
    if known is not None and key in known:
        return known[key]
    value = compute(con)
    if read_only(con):
        _REMEMBERED.setdefault(con, {})[key] = value
    return value
