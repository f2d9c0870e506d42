"""data.marts: a database built by an older version is recognised by what it lacks; every mart
states its grain, and no two rows of a mart share it (dbt's `unique` test)."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from data import marts


def _connect(path):
    return duckdb.connect(str(path), read_only=True)


def test_a_freshly_built_database_lacks_nothing(demo_db):
    con = _connect(demo_db)
    try:
        assert marts.missing_objects(con) == []
        assert {"activity_cube", "referral_types", "fiscal_year"} <= marts.expected_objects()
    finally:
        con.close()


@pytest.mark.parametrize(
    "drop, name", [("DROP TABLE activity_cube", "activity_cube"), ("DROP MACRO fiscal_year", "fiscal_year")]
)
def test_what_an_older_database_lacks_is_named(demo_db, tmp_path, drop, name):
    old = tmp_path / "old.duckdb"
    shutil.copy(demo_db, old)
    with duckdb.connect(str(old)) as con:
        con.execute(drop)
    con = _connect(old)
    try:
        assert marts.missing_objects(con) == [name]
    finally:
        con.close()


def test_the_marts_keep_the_record_key_sums_of_their_rows(demo_db):
    con = _connect(demo_db)
    try:
        for table in ("responses", "activity", "referrals"):
            lo, hi, n = con.execute(
                f"SELECT min(record_key), max(record_key), count(DISTINCT record_key) FROM {table}"
            ).fetchone()
            assert 0 <= lo and hi <= 255 and n > 200, table  # keys spread over 0..255
        cube = con.execute("""
            SELECT c.month, c.district, c.field, c.org_type, c.key_sum, r.key_sum
            FROM activity_cube AS c FULL JOIN (
                SELECT a.month, a.district, a.field, o.org_type, sum(a.record_key) AS key_sum
                FROM activity AS a JOIN organisations AS o USING (org_id) GROUP BY ALL) AS r
              USING (month, district, field, org_type)""").fetchall()
        assert cube and all(row[4] == row[5] for row in cube)
        referral = con.execute("""
            SELECT t.key_sum, r.key_sum FROM referral_types AS t FULL JOIN (
                SELECT r.month, f.org_type AS from_type, o.org_type AS to_type, sum(r.record_key) AS key_sum
                FROM referrals AS r JOIN organisations AS f ON f.org_id = r.from_org
                JOIN organisations AS o ON o.org_id = r.to_org GROUP BY ALL) AS r
              USING (month, from_type, to_type)""").fetchall()
        assert referral and all(a == b for a, b in referral)
    finally:
        con.close()


# ---- grains ------------------------------------------------------------------------------------


def test_every_mart_table_states_its_grain():
    create = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?TABLE\s+(\w+)", re.I)
    created = {m.lower() for path in marts.mart_files() for m in create.findall(path.read_text(encoding="utf-8"))}
    assert created >= {"indicator_cells", "activity_monthly", "activity_cube", "referral_types"}
    assert set(marts.grains()) == created


@pytest.mark.parametrize("table", sorted(marts.grains()))
def test_the_grain_of_each_mart_is_unique(demo_db, table):
    """As dbt's `unique` test: no value of the grain on more than one row (and the grain's columns
    are the table's)."""
    grain = marts.grains()[table]
    con = _connect(demo_db)
    try:
        columns = {r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()}
        assert set(grain) <= columns, f"{table}: grain {grain} names columns it lacks"
        rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        cols = ", ".join(f'"{c}"' for c in grain)
        repeated = con.execute(
            f'SELECT {cols}, count(*) FROM "{table}" GROUP BY {cols} HAVING count(*) > 1 LIMIT 5'
        ).fetchall()
    finally:
        con.close()
    assert rows > 0, f"{table} is empty on the demo database: the test would prove nothing"
    assert repeated == [], f"{table}: rows repeating the grain {grain}: {repeated}"


def test_a_grain_that_does_not_hold_is_found(demo_db):
    """The check above fails where it should: activity_cube without org_type repeats its grain."""
    con = _connect(demo_db)
    try:
        repeated = con.execute(
            "SELECT month, district, field, count(*) FROM activity_cube "
            "GROUP BY month, district, field HAVING count(*) > 1 LIMIT 1"
        ).fetchall()
    finally:
        con.close()
    assert repeated


@pytest.mark.parametrize(
    "text, problem",
    [
        ("CREATE OR REPLACE TABLE t AS SELECT 1 AS a;\n", "states no grain"),
        ("-- grain: a\n-- grain: b\nCREATE TABLE t AS SELECT 1 AS a;\n", "second grain line"),
        ("-- grain: a b\nCREATE TABLE t AS SELECT 1 AS a;\n", "column names"),
        ("-- grain: a\n", "no table after it"),
    ],
)
def test_a_mart_without_a_clear_grain_is_refused(tmp_path, monkeypatch, text, problem):
    (tmp_path / "10_t.sql").write_text(text, encoding="utf-8")
    monkeypatch.setattr(marts, "MARTS_DIR", tmp_path)
    with pytest.raises(ValueError, match=problem):
        marts.grains()
