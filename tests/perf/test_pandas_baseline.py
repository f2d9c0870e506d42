"""The benchmark's pandas baseline (tests/perf/pandas_baseline.py) computes the query layer's tables
before their protection (queries.indicators._table(..., protect=False)): the same rows, n, n_eff
with the replicate design effect, interval, reliability, suppression, difference and Holm-adjusted
p-values, on the demo database. Without this the benchmark's pandas / query-layer ratio would time
two different computations (bench.py reports the mismatches but does not fail on them).
"""

from __future__ import annotations

import numpy as np
import pytest

from queries import indicators, runner
from queries.filters import Filters
from tests.perf_scripts import load_script

_pb = load_script("pandas_baseline.py")
PandasIndicators, holm, same_table = _pb.PandasIndicators, _pb.holm, _pb.same_table

CASES = {
    "total": ("lonely_often", (), Filters()),
    "by one dimension": ("lonely_often", ("age_band",), Filters()),
    "by channel": ("no_confidant", ("channel",), Filters()),
    "open web (Kish)": ("ucla_high", ("district",), Filters(channel="open")),
    "by wave and sex": ("rare_contact", ("wave", "sex"), Filters(age_band=(1, 2, 3))),
    "参考値 groups": ("lonely_any", ("age_band",), Filters(district=(1,))),
    "two dimensions, one wave": ("unreached", ("district", "household"), Filters(wave=2024)),
}


@pytest.fixture(scope="module")
def baseline(demo_db):
    con = runner.connect(demo_db)
    try:
        yield PandasIndicators(con)
    finally:
        con.close()


def query_layer(con, indicator, by, filters):
    return indicators._table(con, indicator, by, filters, indicators.codebook.dimensions(), protect=False)


@pytest.mark.parametrize("case", CASES)
def test_the_baseline_returns_the_query_layers_table(con, baseline, case):
    indicator, by, filters = CASES[case]
    true, got = query_layer(con, indicator, by, filters), baseline.table(indicator, by, filters)
    assert same_table(true, got) is None, same_table(true, got)

    shown = ~got["suppressed"].to_numpy(bool)
    low = (got["reliability"] == "low").to_numpy(bool)
    tested = got["p_adjusted"].notna().to_numpy(bool)
    # the family of Holm's correction: shown, reliable groups only; they and only they are marked
    assert not (tested & (low | ~shown)).any()
    assert (got["difference"].notna().to_numpy(bool) == tested).all()
    if case == "参考値 groups":
        assert (low & shown).any(), "the case no longer has a 参考値 group that is shown"
        assert got["difference"].isin(["higher", "lower"]).any(), "the case no longer has a difference"
    if case == "open web (Kish)":
        assert got["open_web"].all()


def test_the_replicates_change_the_tables_the_cases_check(con, baseline):
    """The random sample's rows take their n_eff from the replicates (a baseline without them
    returns other tables), the open web's from Kish (the same tables without them)."""
    kish_only = PandasIndicators(con)
    kish_only.replicates = {}
    for case in ("total", "by one dimension", "by wave and sex"):
        indicator, by, filters = CASES[case]
        assert same_table(baseline.table(indicator, by, filters), kish_only.table(indicator, by, filters)) is not None
    indicator, by, filters = CASES["open web (Kish)"]
    assert same_table(baseline.table(indicator, by, filters), kish_only.table(indicator, by, filters)) is None


def test_same_table_still_tells_a_slip_in_n_eff_or_a_mark(con, baseline):
    """The float32 tolerance of n_eff (REPLICATE_RTOL) is below the slips it must catch: n_eff off by
    1/R (the replicate variance divided by R − 1 instead of R), a p-value off by 1e-3, a mark."""
    indicator, by, filters = CASES["参考値 groups"]
    true, got = query_layer(con, indicator, by, filters), baseline.table(indicator, by, filters)
    assert same_table(true, got) is None
    row = int(np.flatnonzero(got["p_adjusted"].notna().to_numpy(bool))[0])
    for col, change in (("n_eff", lambda v: v * (1 + 1 / 199)), ("p_adjusted", lambda v: v + 1e-3)):
        slipped = got.copy()
        slipped.loc[row, col] = change(float(slipped.loc[row, col]))
        assert same_table(true, slipped) is not None, col
    slipped = got.copy()
    slipped.loc[row, "difference"] = "higher" if got.loc[row, "difference"] != "higher" else "none"
    assert same_table(true, slipped) is not None


def test_holm_is_statsmodels_holm():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(3)
    for m in (1, 2, 5, 40):
        for _ in range(50):
            p = rng.uniform(0, 0.2, m)
            ties = rng.random(m) < 0.3  # tied p-values and p-values on a step's boundary (0.05 / k)
            p[ties] = rng.choice([0.01, 0.0125, 0.05 / 4, 0.05], size=int(ties.sum()))
            reject, adjusted = holm(p, 0.05)
            want_reject, want_adjusted, _, _ = multipletests(p, alpha=0.05, method="holm")
            assert (reject == want_reject).all(), p
            assert np.array_equal(adjusted, want_adjusted), p
