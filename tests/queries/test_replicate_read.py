"""queries.indicators reads a wave's replicates through Arrow, unsorted, and groups them itself:
the same numbers as a plain row-by-row read of the marts (the sums the intervals are built on)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from queries import indicators, runner

DIMS = ("age_band", "sex", "district", "household")


def _plain_read(con, wave: int, channel: int) -> dict[str, dict[tuple, tuple[float, np.ndarray]]]:
    """{indicator: {cell codes: (n, [factor × rep_n | factor × rep_ny])}}, one Python row at a time."""
    factors = {
        (a, s, d): np.asarray(f, dtype=np.float32)
        for a, s, d, f in con.execute(
            "SELECT age_band, sex, district, factor FROM replicate_factors WHERE wave = ? AND channel = ?",
            [wave, channel],
        ).fetchall()
    }
    out: dict = {}
    for ind, a, s, d, h, n, rep_n, rep_ny in con.execute(
        "SELECT indicator, age_band, sex, district, household, n, rep_n, rep_ny FROM indicator_replicates "
        "WHERE wave = ? AND channel = ? ORDER BY ALL",
        [wave, channel],
    ).fetchall():
        f = factors[(a, s, d)]
        sums = np.concatenate([f * np.asarray(rep_n, dtype=np.float32), f * np.asarray(rep_ny, dtype=np.float32)])
        out.setdefault(ind, {})[(a, s, d, h)] = (float(n), sums)
    return out


def test_a_waves_replicates_are_the_marts_rows_grouped_by_indicator(demo_db):
    con = runner.connect(demo_db)
    try:
        for wave in indicators.waves(con):
            got = indicators._load_replicates(con, wave, 1)
            expected = _plain_read(con, wave, 1)
            assert expected, f"the demo's wave {wave} has replicates"
            assert set(got) == set(expected)
            for ind, rep in got.items():
                cells = {tuple(int(rep.codes[d][i]) for d in DIMS): (rep.n[i], rep.sums[i]) for i in range(len(rep.n))}
                assert cells.keys() == expected[ind].keys()
                for key, (n, sums) in expected[ind].items():
                    assert cells[key][0] == n
                    np.testing.assert_array_equal(cells[key][1], sums.astype(np.float32))
    finally:
        con.close()


def test_lists_of_unequal_length_are_refused_not_reshaped():
    ragged = pa.chunked_array([pa.array([[1, 2, 3], [4, 5], [6, 7, 8, 9]], type=pa.list_(pa.int32()))])
    with pytest.raises(ValueError, match="unequal length"):
        indicators._list_matrix(ragged)
    even = pa.chunked_array([pa.array([[1, 2], [3, 4]]), pa.array([[5, 6]])], type=pa.list_(pa.int64()))
    np.testing.assert_array_equal(indicators._list_matrix(even), [[1, 2], [3, 4], [5, 6]])


def test_run_arrow_returns_the_rows_run_returns(demo_db):
    con = runner.connect(demo_db)
    try:
        wave = indicators.waves(con)[0]
        table = runner.run_arrow(con, "replicate_factors", wave=wave, channel=1)
        frame = runner.run(con, "replicate_factors", wave=wave, channel=1)
        assert table.num_rows == len(frame) > 0
        assert table.column_names == list(frame.columns)
    finally:
        con.close()
