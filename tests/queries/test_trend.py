"""Trends (queries.trend, issue 16 items 1 and 6): the change between waves, its interval, its test
and Holm's correction against an independent computation; the protected path; the demo's change;
seeded simulations of false alarms and power.

The oracle recomputes, with pandas over the respondents' rows and plain math (no queries/ code,
no statsmodels): each wave's weighted proportion, Kish's n_eff, the Wilson interval with n_eff,
参考値 (n_eff < 30 or an interval wider than 20 points), the change and its Newcombe interval
from the two Wilson intervals, the pooled z-test with both waves' n_eff, and Holm's step-down
adjustment written out by hand over the groups of one comparison and wave.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from queries import disclosure, trend
from queries.filters import Filters

from .conftest import make_db, random_rows
from .test_multiple_comparisons import wave_rows

Z = 1.959964
ALPHA = 0.05
WAVES = (2021, 2022, 2023)


# ---- the independent computation --------------------------------------------------------------


def wilson(p: float, n: float) -> tuple[float, float]:
    if n <= 0:
        return math.nan, math.nan
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z / denom * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def pooled_p_value(p1: float, n1: float, p2: float, n2: float) -> float:
    pooled = (n1 * p1 + n2 * p2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    return min(1.0, math.erfc(abs((p2 - p1) / se) / math.sqrt(2)))


def holm_by_hand(p_values: dict) -> dict:
    """Holm's step-down adjusted p-values: sorted ascending, (m − i)·p, running maximum, capped at 1."""
    order = sorted(p_values, key=lambda k: p_values[k])
    m = len(order)
    out, running = {}, 0.0
    for i, key in enumerate(order):
        running = max(running, min(1.0, (m - i) * p_values[key]))
        out[key] = running
    return out


def oracle(rows: list[dict], indicator_of, by: str | None) -> pd.DataFrame:
    """Per group (None = All) and wave: p, n_eff, interval, reliable; then the changes from the
    previous wave with their Newcombe interval, pooled p and Holm-adjusted p (groups together, the
    All row alone)."""
    df = pd.DataFrame(rows)
    df = df[df["channel"] == 1].copy()
    df["y"] = [indicator_of(r) for r in df.to_dict("records")]
    df = df[df["y"].notna()]
    groups: list = [None]
    if by:
        df["g"] = df[by].fillna(9).astype(int)
        groups += sorted(df["g"].unique().tolist())
    cells = {}
    for g in groups:
        for w in WAVES:
            part = df[df["wave"] == w] if g is None else df[(df["wave"] == w) & (df["g"] == g)]
            sw, sw2 = part["weight"].sum(), (part["weight"] ** 2).sum()
            p = (part["weight"] * part["y"]).sum() / sw if sw > 0 else math.nan
            n_eff = sw * sw / sw2 if sw2 > 0 else 0.0
            low, high = wilson(p, n_eff)
            n_ok = len(part) >= 10
            reliable = n_ok and n_eff >= 30 and round(100 * (high - low), 9) <= 20
            cells[(g, w)] = {"p": p, "n_eff": n_eff, "low": low, "high": high, "shown": n_ok, "reliable": reliable}
    out = []
    for k, w in enumerate(WAVES):
        raw = {}
        for g in groups:
            c = cells[(g, w)]
            row = {"group": g, "wave": w, **c, "d": math.nan, "d_low": math.nan, "d_high": math.nan, "p_adj": math.nan}
            if k > 0:
                a = cells[(g, WAVES[k - 1])]
                if a["shown"] and c["shown"]:
                    row["d"] = c["p"] - a["p"]
                    row["d_low"] = row["d"] - math.sqrt((c["p"] - c["low"]) ** 2 + (a["high"] - a["p"]) ** 2)
                    row["d_high"] = row["d"] + math.sqrt((c["high"] - c["p"]) ** 2 + (a["p"] - a["low"]) ** 2)
                    if a["reliable"] and c["reliable"]:
                        raw[g] = pooled_p_value(a["p"], a["n_eff"], c["p"], c["n_eff"])
            out.append(row)
        adjusted = holm_by_hand({g: p for g, p in raw.items() if g is not None})
        if None in raw:
            adjusted[None] = raw[None]  # the All row is a family of its own
        for row in out[-len(groups) :]:
            row["p_adj"] = adjusted.get(row["group"], math.nan)
    return pd.DataFrame(out)


def lonely_sometimes_plus(r: dict):
    v = r["lonely_direct"]
    return None if v is None or pd.isna(v) else float(v >= 4)


# ---- against the oracle -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_waves():
    rows = random_rows(seed=16, n=6000, waves=WAVES, p_missing=0.03)
    # a real change: in district 2, answers of 2023 move up (lonelier), so some change is significant
    for r in rows:
        if r["wave"] == 2023 and r["district"] == 2 and r["lonely_direct"] is not None:
            r["lonely_direct"] = min(5, r["lonely_direct"] + 2)
    con = make_db(rows)
    yield rows, con
    con.close()


@pytest.mark.parametrize("by", [None, "district", "household"])
def test_changes_match_the_independent_computation(three_waves, by):
    rows, con = three_waves
    actual = trend.trend_table(con, "lonely_sometimes_plus", by, Filters(), protect=False)
    expected = oracle(rows, lonely_sometimes_plus, by)
    key = actual[by].astype("Int64").astype(object).where(actual[by].notna(), None) if by else [None] * len(actual)
    actual = actual.assign(group=list(key))
    merged = expected.merge(actual, on=["group", "wave"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][["group", "wave"]]
    num = lambda s: s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)  # noqa: E731
    np.testing.assert_allclose(num(merged["estimate_pct"]), 100 * merged["p"], atol=1e-9)
    np.testing.assert_allclose(num(merged["n_eff_y"]), merged["n_eff_x"], rtol=1e-9)
    np.testing.assert_allclose(num(merged["ci_low_pct"]), 100 * merged["low"], atol=1e-9)
    np.testing.assert_allclose(num(merged["change_prev_pct"]), 100 * merged["d"], atol=1e-9)
    np.testing.assert_allclose(num(merged["change_prev_low_pct"]), 100 * merged["d_low"], atol=1e-9)
    np.testing.assert_allclose(num(merged["change_prev_high_pct"]), 100 * merged["d_high"], atol=1e-9)
    np.testing.assert_allclose(num(merged["change_prev_p_adjusted"]), merged["p_adj"], atol=1e-9)
    sig = merged["change_prev_significant"].astype("boolean")
    tested = merged["p_adj"].notna()
    assert (sig.isna() == ~tested).all()  # tested exactly where both waves are reliable
    assert (sig[tested].astype(bool) == (merged.loc[tested, "p_adj"] <= ALPHA)).all()
    if by == "district":
        assert sig[tested].astype(bool).any(), "the real change in district 2 is found"
        assert not sig[tested].astype(bool).all()


def test_the_change_from_the_first_wave_uses_the_first_wave(three_waves):
    _, con = three_waves
    t = trend.trend_table(con, "lonely_any", "sex", Filters(), protect=False)
    for _, g in t.groupby(t["sex"].astype("Int64").fillna(-1)):
        g = g.sort_values("wave")
        first = g.iloc[0]
        for _, r in g.iloc[1:].iterrows():
            if pd.notna(r["change_first_pct"]):
                assert r["change_first_pct"] == pytest.approx(r["estimate_pct"] - first["estimate_pct"], abs=1e-9)
        assert pd.isna(first["change_prev_pct"]) and pd.isna(first["change_first_pct"])
        second = g.iloc[1]
        if pd.notna(second["change_prev_pct"]):  # at the second wave the previous wave is the first
            assert second["change_prev_pct"] == pytest.approx(second["change_first_pct"], abs=1e-12)


def test_holm_is_statsmodels_and_agrees_with_the_hand_written_one():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(3)
    for _ in range(50):
        p = rng.uniform(0, 0.2, size=rng.integers(1, 9))
        by_hand = holm_by_hand(dict(enumerate(p)))
        np.testing.assert_allclose(multipletests(p, method="holm")[1], [by_hand[i] for i in range(len(p))])


# ---- the protected path ------------------------------------------------------------------------


def test_protected_trends_are_the_tables_figures_and_never_test_reference_or_hidden_cells(con):
    from queries import indicators

    t = trend.trend_table(con, "lonely_sometimes_plus", "district")
    assert sorted(t["wave"].unique().tolist()) == [2023, 2024, 2025]
    for wave in (2023, 2025):
        one = indicators.indicator_table(con, "lonely_sometimes_plus", ["district"], Filters(wave=wave))
        mine = t[t["wave"] == wave].reset_index(drop=True)
        # the same cells as that wave's own table (the same function and protection, the same noise)
        for col in ("n", "reliability", "suppressed"):
            assert mine[col].tolist() == one[col].tolist(), col
        for col in ("estimate_pct", "ci_low_pct", "ci_high_pct"):  # sums added in another order
            a, b = (x[col].astype("Float64").to_numpy(dtype=float, na_value=np.nan) for x in (mine, one))
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-5, err_msg=col)
    untested = (t["reliability"] != "ok") | t["suppressed"]
    for col in ("change_prev_significant", "change_first_significant"):
        assert t.loc[untested, col].isna().all()


def test_the_demo_shows_a_significant_and_a_non_significant_change(con):
    """The demo's invented platform effect: 藤島 (2) lonelier in 2023 than in 2025, found; 羽黒 (3),
    where nothing changed, not marked."""
    t = trend.trend_table(con, "lonely_sometimes_plus", "district")
    fujishima = t[(t["district"] == 2) & (t["wave"] == 2025)].iloc[0]
    assert fujishima["change_first_pct"] < -10 and bool(fujishima["change_first_significant"])
    haguro = t[(t["district"] == 3) & (t["wave"] == 2025)].iloc[0]
    # not marked: tested and found no change, or not tested at all when the cell-key noise of this
    # session's record keys (a new secret per test session) leaves an interval of 20 points or
    # more, 参考値 (measured over eight secrets: 19.0–20.0 points in 2025)
    assert haguro["change_first_significant"] is pd.NA or not bool(haguro["change_first_significant"])


def test_a_trend_is_refused_when_a_wave_is_too_narrow(con):
    with pytest.raises(disclosure.FilterTooNarrow):
        trend.trend_table(con, "lonely_any", None, Filters(district=(5,), age_band=(1, 2, 3), sex=(1,)))


def test_national_series_only_for_the_same_indicator_and_group():
    city = trend.national_series("lonely_often")
    assert city["is_total"].all() and city["year"].tolist() == sorted(city["year"].tolist())
    by_age = trend.national_series("lonely_often", "age_band")
    assert set(by_age.loc[~by_age["is_total"], "age_band"].dropna().astype(int)) <= set(range(1, 9))
    assert trend.national_series("lonely_often", "district")["is_total"].all()  # no district figures
    assert trend.national_series("unreached").empty


# ---- seeded simulations ----------------------------------------------------------------------

SIM_SEED = 20261129
SIM_WAVES = range(2000, 2100)  # 100 waves: 99 consecutive changes per table
SIM_DIMS = ("district", "household", "age_band")
MAX_FALSE_ALARM = 0.05


@pytest.fixture(scope="module")
def null_waves():
    rng = np.random.default_rng(SIM_SEED)
    rows = [r for w in SIM_WAVES for r in wave_rows(rng, w, alone_differs=False)]
    con = make_db(rows)
    yield con
    con.close()


def test_false_alarms_of_changes_stay_near_five_percent(null_waves):
    """Nothing changes between waves: the share of (table, wave) families with any 有意な変化 among
    the groups stays at 5% or below, allowing the simulation's own error (two binomial standard
    errors); the same p-values without the correction would mark far more."""
    families = flagged = flagged_raw = 0
    for dim in SIM_DIMS:
        t = trend.trend_table(null_waves, "lonely_sometimes_plus", dim)
        groups = t[~t["is_total"]]
        for _, part in groups.groupby("wave"):
            tested = part["change_prev_significant"].notna()
            if not tested.any():
                continue
            families += 1
            flagged += bool(part.loc[tested, "change_prev_significant"].astype(bool).any())
            # the uncorrected test on the same data: each group at 5% (smallest adjusted p ≥ raw p)
            m = int(tested.sum())
            smallest = float(part.loc[tested, "change_prev_p_adjusted"].min())
            flagged_raw += smallest / m <= ALPHA  # Holm's first step: adjusted = m × smallest raw p
    rate, raw_rate = flagged / families, flagged_raw / families
    print(f"\ntrend false alarms: {flagged}/{families} families = {rate:.1%} (uncorrected about {raw_rate:.1%})")
    assert families >= 290
    assert rate <= MAX_FALSE_ALARM + 2 * math.sqrt(MAX_FALSE_ALARM * (1 - MAX_FALSE_ALARM) / families)
    assert raw_rate > rate


MIN_POWER = 0.2  # measured about 0.3: a floor a correction that marks nothing (or a broken test) fails


def test_a_real_change_is_found_as_often_as_the_sample_allows():
    """Single-person households answering 「時々」 or more 30% in even waves and 20% in odd ones
    (everyone else 20% throughout; about 250 of 1,500 respondents a wave live alone): the change of
    that group between consecutive waves, with Holm's correction over the household groups. A
    change compares two samples of the group (not a group with everyone else), so a 10-point change
    in a group this size is found about 3 times in 10: the figure is printed and quoted in the
    README; the test fails only below MIN_POWER."""
    rng = np.random.default_rng(SIM_SEED + 1)
    rows = [r for w in range(2000, 2030) for r in wave_rows(rng, w, alone_differs=w % 2 == 0)]
    con = make_db(rows)
    try:
        t = trend.trend_table(con, "lonely_sometimes_plus", "household")
    finally:
        con.close()
    alone = t[(t["household"] == 1) & t["change_prev_significant"].notna()]
    power = float(alone["change_prev_significant"].astype(bool).mean())
    print(f"\ntrend power (single households, 20% ↔ 30%): {power:.0%} of {len(alone)} changes")
    assert len(alone) >= 25 and power >= MIN_POWER
