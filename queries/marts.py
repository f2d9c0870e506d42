"""Marts: tables derived from the loaded extracts at build time (dbt's staging → marts).

Every file queries/marts/NN_name.sql is run in file-name order against the freshly loaded
database, inside the build, before it is swapped in. Each file creates the tables it names
(20_activity_monthly.sql: activity_monthly and the activity_cube built from it). A file holding `{{ name }}` placeholders is a template whose
placeholders are filled with codebook-derived SQL by queries.indicator_rules.render.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

MARTS_DIR = Path(__file__).with_name("marts")
SCHEMA = Path(__file__).resolve().parent.parent / "data" / "schema.sql"
_CREATE_TABLE = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?TABLE\s+(\w+)", re.IGNORECASE)


def mart_files() -> list[Path]:
    return sorted(MARTS_DIR.glob("*.sql"))


def mart_sql(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if "{{" in text:
        from queries.indicator_rules import render

        text = render(text)
    return text


def build_marts(con: duckdb.DuckDBPyConnection) -> None:
    for path in mart_files():
        con.execute(mart_sql(path))


def expected_tables() -> set[str]:
    """The tables a database built by this code has: data/schema.sql's and the marts'."""
    texts = [SCHEMA.read_text(encoding="utf-8"), *(p.read_text(encoding="utf-8") for p in mart_files())]
    return {name.lower() for text in texts for name in _CREATE_TABLE.findall(text)}


def missing_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables this code needs that the database lacks: it was built by an older version."""
    present = {r[0].lower() for r in con.cursor().execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    return sorted(expected_tables() - present)
