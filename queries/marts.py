"""Marts: tables derived from the loaded extracts at build time (dbt's staging → marts).

The shared macros of queries/macros.sql (fiscal_year, kept, in_period) are created first; then every
file queries/marts/NN_name.sql is run in file-name order against the freshly loaded database,
inside the build, before it is swapped in. Each file creates the tables it names
(20_activity_monthly.sql: activity_monthly and the activity_cube built from it). A file holding
`{{ name }}` placeholders is a template whose placeholders are filled with codebook-derived SQL by
queries.indicator_rules.render.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

MARTS_DIR = Path(__file__).with_name("marts")
MACROS = Path(__file__).with_name("macros.sql")
SCHEMA = Path(__file__).resolve().parent.parent / "data" / "schema.sql"
_CREATE = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|MACRO)\s+(\w+)", re.IGNORECASE)


def mart_files() -> list[Path]:
    return sorted(MARTS_DIR.glob("*.sql"))


def mart_sql(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if "{{" in text:
        from queries.indicator_rules import render

        text = render(text)
    return text


def build_marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MACROS.read_text(encoding="utf-8"))
    for path in mart_files():
        con.execute(mart_sql(path))


def expected_objects() -> set[str]:
    """The tables and macros a database built by this code has: data/schema.sql's, the macros and
    the marts'."""
    texts = [p.read_text(encoding="utf-8") for p in (SCHEMA, MACROS, *mart_files())]
    return {name.lower() for text in texts for name in _CREATE.findall(text)}


def missing_objects(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables and macros this code needs that the database lacks: it was built by an older version."""
    cur = con.cursor()
    try:
        present = {r[0].lower() for r in cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "UNION ALL SELECT function_name FROM duckdb_functions() "
            "WHERE function_type = 'macro' AND NOT internal").fetchall()}
    finally:
        cur.close()
    return sorted(expected_objects() - present)
