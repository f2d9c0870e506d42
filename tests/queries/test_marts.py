"""queries.marts: a database built by an older version is recognised by what it lacks."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from queries import marts, runner


def test_a_freshly_built_database_lacks_nothing(demo_db):
    con = runner.connect(demo_db)
    try:
        assert marts.missing_objects(con) == []
        assert {"activity_cube", "referral_types", "fiscal_year"} <= marts.expected_objects()
    finally:
        con.close()


@pytest.mark.parametrize("drop, name", [("DROP TABLE activity_cube", "activity_cube"),
                                        ("DROP MACRO fiscal_year", "fiscal_year")])
def test_what_an_older_database_lacks_is_named(demo_db, tmp_path, drop, name):
    old = tmp_path / "old.duckdb"
    shutil.copy(demo_db, old)
    with duckdb.connect(str(old)) as con:
        con.execute(drop)
    con = runner.connect(old)
    try:
        assert marts.missing_objects(con) == [name]
    finally:
        con.close()
