"""Marts: tables derived from the loaded extracts at build time (dbt's staging → marts).

The shared macros of data/macros.sql (fiscal_year, kept, in_period) are created first; then every
file data/marts/NN_name.sql is run in file-name order against the freshly loaded database,
inside the build, before it is swapped in. Each file creates the tables it names
(20_activity_monthly.sql: activity_monthly and the activity_cube built from it). A file holding
`{{ name }}` placeholders is a template whose placeholders are filled with codebook-derived SQL by
data.indicator_rules.render. The replicate mart's tables (40_indicator_replicates.sql) are made
empty by their file and filled afterwards by data.replicates (the bootstrap and its raking are
numpy and ipfn, not SQL).

Each table's header states its grain, the columns that identify one of its rows, in a line
`-- grain: col, col, ...` before its CREATE TABLE (read by grains(); the tests check on the demo
database that no two rows share it, as dbt's `unique` test).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from data.indicator_rules import render

DATA_DIR = Path(__file__).resolve().parent
MARTS_DIR = DATA_DIR / "marts"
MACROS = DATA_DIR / "macros.sql"
SCHEMA = DATA_DIR / "schema.sql"
_CREATE = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|MACRO)\s+(\w+)", re.IGNORECASE)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?TABLE\s+(\w+)", re.IGNORECASE)
_GRAIN = re.compile(r"^--\s*grain\s*:\s*(.*)$")
_COLUMN = re.compile(r"[a-z_][a-z0-9_]*")


def mart_files() -> list[Path]:
    return sorted(MARTS_DIR.glob("*.sql"))


def mart_sql(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if "{{" in text:
        text = render(text)
    return text


def build_marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MACROS.read_text(encoding="utf-8"))
    for path in mart_files():
        con.execute(mart_sql(path))
    # the replicates' tables are made by their mart file and filled here: the bootstrap and the
    # raking of each replicate are numpy and ipfn, not SQL (data/replicates.py; imported here, so
    # that the dashboard, which reads this module's expected_objects, does not load the raking)
    from data import replicates

    replicates.build_replicates(con)


def grains() -> dict[str, tuple[str, ...]]:
    """Each mart table's grain: the columns of the `-- grain:` line before its CREATE TABLE, in
    file order. A table without one, or a grain line not followed by a table, is an error."""
    out: dict[str, tuple[str, ...]] = {}
    for path in mart_files():
        pending: tuple[str, ...] | None = None
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            m = _GRAIN.match(line)
            if m:
                if pending is not None:
                    raise ValueError(f"{path.name}:{number}: a second grain line before the table")
                pending = tuple(c.strip() for c in m.group(1).split(","))
                if not all(_COLUMN.fullmatch(c) for c in pending):
                    raise ValueError(f"{path.name}:{number}: a grain is column names separated by commas")
                continue
            m = _CREATE_TABLE.match(line)
            if m:
                if pending is None:
                    raise ValueError(f"{path.name}:{number}: table {m.group(1)} states no grain (-- grain: ...)")
                out[m.group(1).lower()] = pending
                pending = None
        if pending is not None:
            raise ValueError(f"{path.name}: a grain line with no table after it")
    return out


def expected_objects() -> set[str]:
    """The tables and macros a database built by this code has: data/schema.sql's, the macros and
    the marts'."""
    texts = [p.read_text(encoding="utf-8") for p in (SCHEMA, MACROS, *mart_files())]
    return {name.lower() for text in texts for name in _CREATE.findall(text)}


def missing_objects(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables and macros this code needs that the database lacks: it was built by an older version."""
    cur = con.cursor()
    try:
        present = {
            r[0].lower()
            for r in cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                "UNION ALL SELECT function_name FROM duckdb_functions() "
                "WHERE function_type = 'macro' AND NOT internal"
            ).fetchall()
        }
    finally:
        cur.close()
    return sorted(expected_objects() - present)
