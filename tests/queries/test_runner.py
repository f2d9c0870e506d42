"""queries.runner: parameters checked against each file's header, and what is kept per connection."""
from __future__ import annotations

import duckdb
import pytest

from queries import runner


def test_a_query_takes_exactly_the_parameters_its_file_declares(survey_con):
    with pytest.raises(TypeError, match="takes parameters"):
        runner.run(survey_con, "survey_waves", wave=2023)
    with pytest.raises(TypeError, match="takes parameters"):
        runner.run(survey_con, "organisations_selected", fields=[], districts=[])


def test_remembered_computes_once_per_read_only_connection(survey_db_file):
    calls = []

    def compute(con):
        calls.append(con)
        return con.execute("SELECT count(*) FROM responses").fetchone()[0]

    first, second = runner.connect(survey_db_file), runner.connect(survey_db_file)
    try:
        assert runner.remembered(first, "count", compute) == runner.remembered(first, "count", compute)
        assert len(calls) == 1
        runner.remembered(second, "count", compute)   # another connection: asked again
        assert len(calls) == 2
    finally:
        first.close()
        second.close()


def test_remembered_asks_a_writable_connection_every_time():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    count = lambda c: c.execute("SELECT count(*) FROM t").fetchone()[0]
    assert runner.remembered(con, "rows", count) == 1
    con.execute("INSERT INTO t VALUES (2)")
    assert runner.remembered(con, "rows", count) == 2
