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
        runner.remembered(second, "count", compute)  # another connection: asked again
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


def test_a_parsed_query_file_returns_what_its_text_returns(survey_con):
    q = runner.load("indicator_rows")
    assert isinstance(q.statement, duckdb.Statement)
    for params in (
        {
            "indicators": ["lonely_any"],
            "wave": None,
            "channels": [1, 2],
            "age_band": [],
            "sex": [],
            "district": [],
            "household": [],
        },
        {
            "indicators": ["no_confidant", "ucla_high"],
            "wave": 2023,
            "channels": [1],
            "age_band": [3, 9],
            "sex": [2],
            "district": [1, 4],
            "household": [],
        },
    ):
        by_text = survey_con.execute(q.sql, params).df()
        by_statement = runner.run(survey_con, "indicator_rows", **params)
        assert len(by_statement) > 0
        assert by_statement.equals(by_text)


def test_the_parsed_statement_serves_many_threads_at_once(survey_db_file):
    from concurrent.futures import ThreadPoolExecutor

    con = runner.connect(survey_db_file)
    try:
        expected = runner.run(con, "survey_waves")
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda _: runner.run(con, "survey_waves"), range(40)))
        assert all(r.equals(expected) for r in results)
    finally:
        con.close()


def test_a_file_of_several_statements_runs_as_text(tmp_path, monkeypatch):
    (tmp_path / "two.sql").write_text("-- name: two\nSELECT 1 AS x;\nSELECT 2 AS x;\n", encoding="utf-8")
    monkeypatch.setattr(runner, "SQL_DIR", tmp_path)
    runner.load.cache_clear()
    try:
        q = runner.load("two")
        assert q.statement == q.sql
        assert runner.run(duckdb.connect(), "two")["x"].tolist() == [2]
    finally:
        runner.load.cache_clear()
