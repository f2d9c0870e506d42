"""Marts: tables derived from the loaded extracts at build time (dbt's staging → marts).

Every file queries/marts/NN_name.sql is run in file-name order against the freshly loaded
database, inside the build, before it is swapped in. Each file creates one table named like
the file without its number. A file holding `{{ name }}` placeholders is a template whose
placeholders are filled with codebook-derived SQL by queries.indicator_rules.render.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

MARTS_DIR = Path(__file__).with_name("marts")


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
