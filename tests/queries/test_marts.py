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


def test_the_marts_keep_the_record_key_sums_of_their_rows(demo_db):
    con = runner.connect(demo_db)
    try:
        for table in ("responses", "activity", "referrals"):
            lo, hi, n = con.execute(f"SELECT min(record_key), max(record_key), count(DISTINCT record_key) FROM {table}").fetchone()
            assert 0 <= lo and hi <= 255 and n > 200, table     # keys spread over 0..255
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
