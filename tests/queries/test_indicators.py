"""indicator_table / headline against the independent computation of reference.py.

The oracle compares the TRUE statistics (queries.indicators._table(..., protect=False), which no
public function passes) with reference.py exactly; the protected tables every public function
returns are checked separately: their n is the true n released by its cell key (within D of it),
suppression is decided on that protected n, with equal weights the count with the trait implied
by estimate × n is the released n_y (within D), and a zero stays zero.
"""

from __future__ import annotations

import inspect
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from data import codebook
from queries import disclosure, estimate, indicators
from queries.filters import Filters, filter_choices

from . import reference as ref
from .conftest import make_db, random_rows, with_keys

DIMS = ["age_band", "sex", "district", "household", "channel", "wave"]
NUMBERS = ["n_eff", "estimate_pct", "ci_low_pct", "ci_high_pct"]
ALLOWED = [*codebook.dimensions(), *indicators.EXTRA_BREAKDOWNS]
D_SURVEY = int(codebook.disclosure()["ptables"]["survey"]["max_noise"])
D_OPEN = int(codebook.disclosure()["ptables"]["survey_open"]["max_noise"])  # open-web counts
MIN_FILTER_N = int(codebook.disclosure()["min_filter_n"])


def true_table(con, indicator, by=(), filters: Filters = Filters()) -> pd.DataFrame:
    """The unprotected statistics: for the oracle only."""
    return indicators._table(con, indicator, by, filters, ALLOWED, protect=False)


def missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def assert_matches(actual: pd.DataFrame, expected: list[dict], by) -> None:
    assert list(actual.columns) == [*by, *indicators.STAT_COLUMNS]
    assert len(actual) == len(expected)
    for i, exp in enumerate(expected):
        got = actual.iloc[i]
        for d in by:
            assert (missing(got[d]) and exp[d] is None) or got[d] == exp[d], (i, d)
        assert bool(got["is_total"]) == exp["is_total"]
        assert bool(got["suppressed"]) == exp["suppressed"], (i, exp)
        assert got["reliability"] == exp["reliability"], (i, exp, got)
        assert bool(got["open_web"]) == exp["open_web"]
        if exp["n"] is None:
            assert missing(got["n"])
        else:
            assert int(got["n"]) == exp["n"]
        for col in NUMBERS:
            if exp[col] is None:
                assert missing(got[col]), (i, col)
            else:
                assert float(got[col]) == pytest.approx(exp[col], rel=1e-9, abs=1e-9), (i, col)
        if exp["difference"] is None:
            assert missing(got["difference"]), (i, got["difference"])
            assert missing(got["p_adjusted"]), (i, got["p_adjusted"])
        else:
            assert got["difference"] == exp["difference"], (i, exp)
            # Holm by statsmodels (queries) against Holm by hand (reference.holm)
            assert float(got["p_adjusted"]) == pytest.approx(exp["p_adjusted"], rel=1e-9, abs=1e-12), (i, exp)


def filters_and_kwargs(wave, channel, attrs):
    return Filters(wave=wave, channel=channel, **attrs), {"wave": wave, "channel": channel, "attrs": attrs}


# a filter is one code or one of the codebook's named groups (queries.filters)
attr_filter = st.fixed_dictionaries(
    {}, optional={dim: st.sampled_from(filter_choices(dim)) for dim in ("age_band", "sex", "district", "household")}
)
by_dims = st.lists(st.sampled_from(DIMS), max_size=2, unique=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(0, 900),
    p_missing=st.sampled_from([0.0, 0.05, 0.3]),
    equal_weights=st.booleans(),
    indicator=st.sampled_from(ref.INDICATORS),
    by=by_dims,
    wave=st.sampled_from([None, 2022, 2023, 2030]),
    channel=st.sampled_from(["random", "open"]),
    attrs=attr_filter,
)
def test_random_tables_match_the_independent_computation(
    seed, n, p_missing, equal_weights, indicator, by, wave, channel, attrs
):
    rows = random_rows(seed, n, p_missing=p_missing, equal_weights=equal_weights)
    attrs = {k: tuple(v) for k, v in attrs.items()}
    con = make_db(rows)
    try:
        filters, kw = filters_and_kwargs(wave, channel, attrs)
        actual = true_table(con, indicator, by, filters)
    finally:
        con.close()
    assert_matches(actual, ref.table(rows, indicator, tuple(by), **kw), by)


row_strategy = st.fixed_dictionaries(
    {
        "wave": st.sampled_from([2022, 2023]),
        "channel": st.sampled_from([1, 2]),
        **{
            c: st.one_of(st.none(), st.integers(1, hi))
            for c, hi in {
                "age_band": 8,
                "sex": 3,
                "district": 6,
                "household": 5,
                "lonely_direct": 5,
                "ucla_1": 4,
                "ucla_2": 4,
                "ucla_3": 4,
                "meet_freq": 7,
                "participation": 2,
                "confidant": 2,
                "support_received": 2,
            }.items()
        },
        "weight": st.floats(0.01, 50, allow_nan=False, allow_infinity=False),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(row_strategy, max_size=80),
    copies=st.integers(1, 12),
    indicator=st.sampled_from(ref.INDICATORS),
    by=by_dims,
    channel=st.sampled_from(["random", "open"]),
)
def test_drawn_rows_match_the_independent_computation(rows, copies, indicator, by, channel):
    # Copies of each drawn row make groups large enough to be shown as well as suppressed.
    full = [dict(r, response_id=f"r{i}_{k}", weight_source="vendor") for i, r in enumerate(rows) for k in range(copies)]
    con = make_db(full)
    try:
        actual = true_table(con, indicator, by, Filters(channel=channel))
    finally:
        con.close()
    assert_matches(actual, ref.table(full, indicator, tuple(by), channel=channel), by)


# ---- the protected tables stay within the ptable's bounds of the truth ---------------------------


def check_protected(actual: pd.DataFrame, expected: list[dict], by, equal_weights: bool) -> None:
    """ACTUAL: a protected table; EXPECTED: reference.table rows (true values and key sums). The
    counts of open-web rows are released with the survey_open ptable (bounds its D), the others with
    the survey one."""
    assert len(actual) == len(expected)
    for i, exp in enumerate(expected):
        got = actual.iloc[i]
        for d in by:
            assert (missing(got[d]) and exp[d] is None) or got[d] == exp[d], (i, d)
        assert bool(got["open_web"]) == exp["open_web"], i
        table = ref.survey_table(exp["open_web"])
        d_max = D_OPEN if exp["open_web"] else D_SURVEY
        n_true = exp["true_n"]
        n_p = ref.released(n_true, exp["key_n"], table)
        assert abs(n_p - n_true) <= d_max
        assert bool(got["suppressed"]) == (n_p < disclosure.min_n()), (i, n_true, n_p)
        if n_true == 0:
            assert n_p == 0 and bool(got["suppressed"])
        if got["suppressed"]:
            assert missing(got["n"]) and missing(got["estimate_pct"]) and missing(got["ci_low_pct"])
            assert missing(got["difference"]) and got["reliability"] == "low"
            continue
        assert int(got["n"]) == n_p, (i, n_true)
        p = float(got["estimate_pct"]) / 100
        assert float(got["ci_low_pct"]) <= 100 * p + 1e-9 <= float(got["ci_high_pct"]) + 2e-9
        if exp["n_y"] == 0:
            assert p == 0.0  # nobody with the trait stays nobody
        if equal_weights:
            # estimate × n gives back the released count with the trait, never the true one
            count_y = p * n_p
            assert count_y == pytest.approx(round(count_y), abs=1e-6)
            count_y = round(count_y)
            assert count_y == min(ref.released(exp["n_y"], exp["key_y"], table), n_p)
            assert abs(count_y - exp["n_y"]) <= d_max
            lo, hi = ref.wilson_textbook(count_y, n_p)  # the interval of the protected counts
            assert float(got["ci_low_pct"]) == pytest.approx(100 * lo, abs=1e-9)
            assert float(got["ci_high_pct"]) == pytest.approx(100 * hi, abs=1e-9)
            assert float(got["n_eff"]) == pytest.approx(n_p)
        elif exp["n_y"] > 0 and exp["estimate_pct"] is not None:
            # p' = p · (n_y'/n_y) / (n'/n): the implied released n_y is within D of the true one
            implied = p / (exp["estimate_pct"] / 100) * (n_p / n_true) * exp["n_y"]
            assert abs(implied - exp["n_y"]) <= d_max + 1e-6
            assert float(got["n_eff"]) / n_p == pytest.approx(exp["n_eff"] / n_true, rel=1e-9)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    n=st.one_of(st.integers(0, 900), st.integers(900, 4000)),
    p_missing=st.sampled_from([0.0, 0.05, 0.3]),
    equal_weights=st.booleans(),
    open_share=st.sampled_from([0.0, 0.2, 1.0]),
    indicator=st.sampled_from(ref.INDICATORS),
    by=by_dims,
    wave=st.sampled_from([None, 2022, 2023]),
    channel=st.sampled_from(["random", "open"]),
    attrs=attr_filter,
)
def test_protected_tables_stay_within_the_ptable_bounds_of_the_truth(
    seed, n, p_missing, equal_weights, open_share, indicator, by, wave, channel, attrs
):
    rows = with_keys(random_rows(seed, n, p_missing=p_missing, equal_weights=equal_weights, open_share=open_share))
    attrs = {k: tuple(v) for k, v in attrs.items()}
    filters, kw = filters_and_kwargs(wave, channel, attrs)
    whole = ref.population(rows, indicator, tuple(by), **kw)
    table = ref.population_table(tuple(by), channel)
    d_max = D_OPEN if table == "survey_open" else D_SURVEY
    con = make_db(rows)
    try:
        if ref.released(whole.n, whole.key_n, table) < MIN_FILTER_N:
            with pytest.raises(disclosure.FilterTooNarrow):
                indicators.indicator_table(con, indicator, by, filters)
            assert whole.n < MIN_FILTER_N + d_max
            return
        assert whole.n >= MIN_FILTER_N - d_max
        actual = indicators.indicator_table(con, indicator, by, filters)
    finally:
        con.close()
    check_protected(actual, ref.table(rows, indicator, tuple(by), **kw), by, equal_weights)


def test_the_open_web_is_protected_like_the_random_sample(survey_rows):
    # open-web answers have weight 1: estimate × n would give the count with the trait exactly
    open_rows = [dict(r, weight=1.0) if r["channel"] == 2 else r for r in survey_rows]
    con = make_db(open_rows)
    try:
        for ind in ("lonely_often", "no_confidant"):
            for by in (("age_band",), ("district",), ("sex", "household")):
                actual = indicators.indicator_table(con, ind, by, Filters(channel="open"))
                expected = ref.table(open_rows, ind, by, channel="open")
                check_protected(actual, expected, by, equal_weights=True)
                shown = actual[~actual["suppressed"]]
                assert shown["open_web"].all() and len(shown) > 0
                moved = [int(g) != e["true_n"] for g, e, h in zip(actual["n"], expected, actual["suppressed"]) if not h]
                assert any(moved)  # the noise is there, also on the open web
    finally:
        con.close()


def test_default_wave_is_the_latest_and_headline_matches(survey_con, survey_rows):
    assert indicators.waves(survey_con) == [2021, 2022, 2023]
    assert indicators.latest_wave(survey_con) == 2023
    for filters, attrs in (
        (Filters(district=(2,)), {"district": (2,)}),
        (Filters(age_band=(6, 7, 8)), {"age_band": (6, 7, 8)}),
    ):
        head = indicators.headline(survey_con, filters)
        assert list(head["indicator"]) == ref.INDICATORS
        for i, ind in enumerate(ref.INDICATORS):
            exp = ref.table(survey_rows, ind, (), attrs=attrs)
            row = head.drop(columns="indicator").iloc[[i]].reset_index(drop=True)
            check_protected(row, exp, (), equal_weights=False)
            true_row = true_table(survey_con, ind, (), filters)
            assert_matches(true_row, exp, ())


def test_mart_keeps_the_cell_key_sums_of_the_denominator_rows(survey_con, survey_rows):
    got = {
        r[0]: r[1:]
        for r in survey_con.execute(
            "SELECT indicator, sum(n_y), sum(key_n), sum(key_y) FROM indicator_cells GROUP BY 1"
        ).fetchall()
    }
    keys = {(r["wave"], r["response_id"]): r["record_key"] for r in survey_rows}
    stored = dict(
        ((w, i), k) for w, i, k in survey_con.execute("SELECT wave, response_id, record_key FROM responses").fetchall()
    )
    assert stored == keys
    for ind in ref.INDICATORS:
        ys = [(r["record_key"], ref.indicator_value(ind, r)) for r in survey_rows]
        ys = [(k, y) for k, y in ys if y is not None]
        assert got[ind] == (sum(y for _, y in ys), sum(k for k, _ in ys), sum(k for k, y in ys if y))


def test_mart_keeps_exactly_the_denominator_rows(survey_con, survey_rows):
    got = {
        r[0]: r[1:]
        for r in survey_con.execute("SELECT indicator, sum(n), sum(sum_wy) FROM indicator_cells GROUP BY 1").fetchall()
    }
    for ind in ref.INDICATORS:
        ys = [(r["weight"], ref.indicator_value(ind, r)) for r in survey_rows]
        ys = [(w, y) for w, y in ys if y is not None]
        assert got[ind][0] == len(ys)
        assert got[ind][1] == pytest.approx(math.fsum(w * y for w, y in ys), rel=1e-12)


def test_row_order_one_and_two_dimensions(survey_con):
    t = indicators.indicator_table(survey_con, "lonely_often", ["district"])
    assert t["district"].isna().tolist() == [True] + [False] * 7
    assert t["district"].dropna().tolist() == [1, 2, 3, 4, 5, 6, 9]
    assert t["is_total"].tolist() == [True] + [False] * 7
    t2 = indicators.indicator_table(survey_con, "no_confidant", ["sex", "household"])
    expected = [(s, h) for s in [1, 2, 3, 9] for h in [1, 2, 3, 4, 5, 9]]
    assert list(zip(t2["sex"], t2["household"])) == expected
    assert not t2["is_total"].any()
    tw = indicators.indicator_table(survey_con, "no_confidant", ["wave"], Filters(wave=2021))
    assert tw["wave"].tolist()[1:] == [2021, 2022, 2023]


def test_no_answer_row_only_when_someone_has_it():
    rows = random_rows(5, 400, p_missing=0.0)
    con = make_db(rows)
    t = indicators.indicator_table(con, "lonely_any", ["age_band"], Filters(channel="random"))
    assert 9 not in t["age_band"].dropna().tolist()
    assert len(t) == 9  # All + 8 age bands
    con.close()


def test_empty_groups_are_listed_and_suppressed():
    rows = [r for r in random_rows(8, 1500) if r["district"] != 4]
    con = make_db(rows)
    t = indicators.indicator_table(con, "lonely_any", ["district"], Filters(channel="random"))
    row = t[t["district"] == 4].iloc[0]
    assert bool(row["suppressed"]) and missing(row["n"]) and missing(row["estimate_pct"])
    con.close()


def block(n: int, district: int, lonely: list[int], weight=1.0) -> list[dict]:
    rows = []
    for i in range(n):
        r = {
            c: 1
            for c in [
                "age_band",
                "sex",
                "household",
                "ucla_1",
                "ucla_2",
                "ucla_3",
                "meet_freq",
                "participation",
                "confidant",
                "support_received",
            ]
        }
        r.update(
            wave=2023,
            channel=1,
            district=district,
            lonely_direct=lonely[i % len(lonely)],
            weight=weight(i) if callable(weight) else weight,
            weight_source="vendor",
            response_id=f"d{district}_{i}",
        )
        rows.append(r)
    return rows


def test_suppression_below_ten_and_shown_from_ten():
    rows = block(9, 1, [5, 1]) + block(10, 2, [5, 1]) + block(200, 3, [1, 2, 3, 4, 5])
    con = make_db(rows)
    t = true_table(con, "lonely_often", ["district"]).set_index("district")
    assert bool(t.loc[1, "suppressed"])
    for col in ["n", "n_eff", "estimate_pct", "ci_low_pct", "ci_high_pct", "difference", "p_adjusted"]:
        assert missing(t.loc[1, col]), col
    assert not bool(t.loc[2, "suppressed"]) and int(t.loc[2, "n"]) == 10
    assert float(t.loc[2, "estimate_pct"]) == pytest.approx(50.0)
    con.close()


def test_suppression_is_decided_on_the_protected_n():
    # 48 district × age cells of 8 to 12 respondents each
    rows = []
    for d in range(1, 7):
        for age in range(1, 9):
            n = 8 + (age + d) % 5
            rows += [dict(r, age_band=age, response_id=f"{d}_{age}_{i}") for i, r in enumerate(block(n, d, [5, 1, 1]))]
    rows = with_keys(rows)
    con = make_db(rows)
    try:
        t = indicators.indicator_table(con, "lonely_often", ["district", "age_band"])
    finally:
        con.close()
    expected = ref.table(rows, "lonely_often", ("district", "age_band"))
    check_protected(t, expected, ("district", "age_band"), equal_weights=True)
    assert (t.loc[~t["suppressed"], "n"] >= 10).all()
    flipped = [(e["true_n"] >= 10) != (not s) for e, s in zip(expected, t["suppressed"])]
    assert any(flipped)  # around 10 the protected n, not the true one, decides


def test_equal_weights_give_the_textbook_wilson_interval():
    # 0 of 10: the textbook Wilson 95% interval is 0 to 27.75%.
    rows = block(10, 1, [1], weight=2.5) + block(57, 2, [5, 5, 1], weight=0.7)
    con = make_db(rows)
    t = true_table(con, "lonely_often", ["district"]).set_index("district")
    assert float(t.loc[1, "ci_low_pct"]) == pytest.approx(0.0, abs=1e-12)
    assert float(t.loc[1, "ci_high_pct"]) == pytest.approx(27.75, abs=0.005)
    assert float(t.loc[1, "n_eff"]) == pytest.approx(10.0)
    lo, hi = ref.wilson_textbook(38, 57)
    assert float(t.loc[2, "ci_low_pct"]) == pytest.approx(100 * lo, rel=1e-12)
    assert float(t.loc[2, "ci_high_pct"]) == pytest.approx(100 * hi, rel=1e-12)
    # the textbook formula itself, against a published value (Newcombe 1998, 81/263: 0.2553–0.3662)
    lo, hi = ref.wilson_textbook(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)
    con.close()


def test_unequal_weights_use_kish_effective_size():
    rows = block(40, 1, [5, 1, 1, 1], weight=lambda i: 1.0 if i % 2 else 3.0) + block(40, 2, [1])
    con = make_db(rows)
    t = true_table(con, "lonely_often", ["district"]).set_index("district")
    sw, sw2 = 20 * 1.0 + 20 * 3.0, 20 * 1.0 + 20 * 9.0
    assert float(t.loc[1, "n_eff"]) == pytest.approx(sw * sw / sw2)
    assert int(t.loc[1, "n"]) == 40
    # protected: Σw and Σw² scale with n'/n, so the design effect n / n_eff is kept
    p = indicators.indicator_table(con, "lonely_often", ["district"]).set_index("district")
    assert abs(int(p.loc[1, "n"]) - 40) <= D_SURVEY
    assert float(p.loc[1, "n_eff"]) / int(p.loc[1, "n"]) == pytest.approx(sw * sw / sw2 / 40)
    con.close()


def test_low_reliability_rules():
    # n_eff below 30 with a narrow interval; n_eff 30+ with a wide interval; neither.
    assert estimate.low_reliability([29.9], [0.0], [0.05]).tolist() == [True]
    assert estimate.low_reliability([30.0], [0.40], [0.6001]).tolist() == [True]
    assert estimate.low_reliability([30.0], [0.40], [0.59]).tolist() == [False]
    # 30 equal weights summed in another order: n_eff 29.999999999999964 is 30, not below it;
    # likewise an interval 20 points wide up to rounding is not wider than 20.
    assert estimate.low_reliability([29.999999999999964, 29.99], [0.0, 0.0], [0.05, 0.05]).tolist() == [False, True]
    assert estimate.low_reliability([40.0], [0.1], [0.1 + 0.2]).tolist() == [False]
    rows = block(25, 1, [1]) + block(40, 2, [5, 1]) + block(400, 3, [5, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    con = make_db(rows)
    t = true_table(con, "lonely_often", ["district"]).set_index("district")
    assert t.loc[1, "reliability"] == "low"  # n_eff 25 < 30 (interval 0–13.3%)
    assert float(t.loc[1, "ci_high_pct"]) - float(t.loc[1, "ci_low_pct"]) < 20
    assert t.loc[2, "reliability"] == "low"  # n_eff 40 but interval wider than 20 points
    assert float(t.loc[2, "ci_high_pct"]) - float(t.loc[2, "ci_low_pct"]) > 20
    assert t.loc[3, "reliability"] == "ok"
    con.close()


def test_difference_against_the_rest():
    rows = block(300, 1, [5, 5, 1]) + block(300, 2, [5, 1, 1, 1, 1, 1]) + block(300, 3, [5, 5, 1, 1, 1])
    con = make_db(rows)
    for t in (
        true_table(con, "lonely_often", ["district"]),
        indicators.indicator_table(con, "lonely_often", ["district"]),
    ):  # clear differences survive
        t = t.set_index("district")
        assert t.loc[1, "difference"] == "higher" and t.loc[2, "difference"] == "lower"
        assert t.loc[3, "difference"] == "none"
        assert missing(t["difference"].iloc[0])  # the All row
    con.close()


def test_open_web_only_with_open(survey_con, survey_rows):
    for channel, flag in [("random", False), ("open", True)]:
        t = indicators.indicator_table(survey_con, "lonely_any", ["sex"], Filters(channel=channel))
        assert t["open_web"].tolist() == [flag] * len(t)
        expected = ref.table(survey_rows, "lonely_any", ("sex",), channel=channel)
        check_protected(t, expected, ["sex"], equal_weights=False)
        assert_matches(true_table(survey_con, "lonely_any", ["sex"], Filters(channel=channel)), expected, ["sex"])


def test_both_channels_together_are_never_a_filter_nor_a_row(survey_con, survey_rows):
    with pytest.raises(ValueError, match="channel"):
        Filters(channel="all")
    # a table by channel: the random and the open rows, each its own group, and no All row
    for filters in (Filters(), Filters(channel="open"), Filters(sex=(2,))):
        by_channel = indicators.indicator_table(survey_con, "lonely_any", ["channel"], filters)
        assert by_channel["channel"].tolist() == [1, 2] and not by_channel["is_total"].any()
        assert by_channel["open_web"].tolist() == [False, True]
        attrs = {"sex": filters.sex} if filters.sex else {}
        expected = ref.table(survey_rows, "lonely_any", ("channel",), attrs=attrs)
        assert len(expected) == 2
        check_protected(by_channel, expected, ["channel"], equal_weights=False)
    two = indicators.indicator_table(survey_con, "no_confidant", ["channel", "sex"])
    assert not two["is_total"].any() and two["channel"].isna().sum() == 0
    assert two["open_web"].tolist() == [c == 2 for c in two["channel"]]
    check_protected(two, ref.table(survey_rows, "no_confidant", ("channel", "sex")), ["channel", "sex"], False)
    # the filter that would ask for both through the back door is refused where the query starts
    with pytest.raises(ValueError, match="channel"):
        indicators.indicator_table(survey_con, "lonely_any", ["sex"], Filters(channel="by_channel"))


def test_min_n_is_a_server_setting_that_only_raises(monkeypatch, survey_con, survey_rows):
    assert disclosure.min_n() == 10
    monkeypatch.setenv("TSUNAGARI_MIN_N", "3")
    assert disclosure.min_n() == 10
    monkeypatch.setenv("TSUNAGARI_MIN_N", "-50")
    assert disclosure.min_n() == 10
    monkeypatch.setenv("TSUNAGARI_MIN_N", "120")
    assert disclosure.min_n() == 120
    t = true_table(survey_con, "lonely_any", ["age_band"])
    assert_matches(t, ref.table(survey_rows, "lonely_any", ("age_band",), min_n=120), ["age_band"])
    assert t["suppressed"].iloc[1:].all() and not t["suppressed"].iloc[0]  # groups of about 100
    protected = indicators.indicator_table(survey_con, "lonely_any", ["age_band"])
    check_protected(protected, ref.table(survey_rows, "lonely_any", ("age_band",)), ["age_band"], False)
    assert protected["suppressed"].iloc[1:].all() and not protected["suppressed"].iloc[0]
    monkeypatch.setenv("TSUNAGARI_MIN_N", "ten")
    with pytest.raises(ValueError, match="TSUNAGARI_MIN_N"):
        disclosure.min_n()


def test_no_public_function_takes_a_minimum_n():
    from queries import cli, export, national

    for module in (indicators, export, disclosure, estimate, national, cli):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__:
                continue
            for p in inspect.signature(fn).parameters:
                assert "min" not in p.lower() and "threshold" not in p.lower(), (module.__name__, name, p)
    for command in ("table", "activity"):
        options = [
            o
            for a in cli.build_parser()._subparsers._group_actions[0].choices[command]._actions
            for o in a.option_strings
        ]
        assert not [o for o in options if "min" in o or "thresh" in o or "noise" in o or "secret" in o]


@pytest.mark.parametrize("bad", ["1; DROP TABLE responses", "1' OR '1'='1", "１", "鶴岡", "9 --", "", "0", "10"])
def test_hostile_filter_values_are_dropped_or_refused(survey_con, bad):
    f = Filters.from_query_params({"district": bad, "wave": bad, "channel": bad, "sex": [bad, "2"]})
    assert f.district == () and f.wave is None and f.channel == "random" and f.sex == (2,)
    with pytest.raises(ValueError):
        Filters(district=(bad,))
    assert survey_con.execute("SELECT count(*) FROM responses").fetchone()[0] == 3000


def test_hostile_values_reaching_sql_are_bound_as_parameters(survey_db_file):
    import duckdb

    from queries.runner import run

    con = duckdb.connect(str(survey_db_file))  # writable: a DROP would succeed if it ran
    evil = "x'); DROP TABLE responses; --"
    out = run(
        con,
        "indicator_rows",
        indicators=[evil, 'none"; DROP'],
        wave=None,
        channels=[1],
        age_band=[],
        sex=[],
        district=[],
        household=[],
    )
    assert out.empty
    with pytest.raises(ValueError):
        indicators.indicator_table(con, evil)
    with pytest.raises(ValueError):
        indicators.indicator_table(con, "lonely_often", [evil])
    assert con.execute("SELECT count(*) FROM responses").fetchone()[0] == 3000
    con.close()


def test_bad_arguments_are_clear_errors(survey_con):
    with pytest.raises(ValueError, match="unknown indicator"):
        indicators.indicator_table(survey_con, "lonely")
    with pytest.raises(ValueError, match="unknown dimension"):
        indicators.indicator_table(survey_con, "lonely_often", ["confidant"])
    with pytest.raises(ValueError, match="at most two"):
        indicators.indicator_table(survey_con, "lonely_often", ["sex", "district", "wave"])
    with pytest.raises(ValueError, match="twice"):
        indicators.indicator_table(survey_con, "lonely_often", ["sex", "sex"])


def test_empty_database_is_refused_as_too_narrow():
    con = make_db([])
    assert indicators.waves(con) == [] and indicators.latest_wave(con) is None
    t = true_table(con, "lonely_often", ["sex"])
    assert t["suppressed"].all() and len(t) == 4
    with pytest.raises(disclosure.FilterTooNarrow):
        indicators.indicator_table(con, "lonely_often", ["sex"])
    with pytest.raises(disclosure.FilterTooNarrow):
        indicators.headline(con)
    con.close()


# ---- the minimum size of a filtered population ----------------------------------------------------


def narrow_rows() -> list[dict]:
    """District d has 40 + 2·d respondents (42 .. 52) in wave 2023; district 1 also 300 more."""
    rows = []
    for d in range(1, 7):
        rows += block(40 + 2 * d, d, [5, 1, 1])
    return with_keys(rows + [dict(r, response_id=f"big{i}") for i, r in enumerate(block(300, 1, [1, 4]))])


def test_a_table_of_a_too_narrow_filter_is_refused_on_its_protected_population():
    rows = narrow_rows()
    con = make_db(rows)
    try:
        refused = 0
        for d in range(2, 7):
            whole = ref.population(rows, "lonely_often", attrs={"district": (d,)})
            narrow = ref.released(whole.n, whole.key_n) < MIN_FILTER_N
            for call in (
                lambda d=d: indicators.indicator_table(con, "lonely_often", ["sex"], Filters(district=(d,))),
                lambda d=d: indicators.breakdown_table(con, "lonely_often", ["confidant"], Filters(district=(d,))),
                lambda d=d: indicators.headline(con, Filters(district=(d,))),
            ):
                if narrow:
                    with pytest.raises(disclosure.FilterTooNarrow) as info:
                        call()
                    assert info.value.limit == MIN_FILTER_N
                else:
                    call()
            refused += narrow
        assert 0 < refused < 5  # both sides of the limit were met
        assert MIN_FILTER_N - D_SURVEY <= 48 and 52 <= MIN_FILTER_N + D_SURVEY
        indicators.indicator_table(con, "lonely_often", ["sex"], Filters(district=(1,)))
        indicators.indicator_table(con, "lonely_often", ["district"])
    finally:
        con.close()


def test_filter_too_narrow_says_what_to_do_in_both_languages():
    exc = disclosure.FilterTooNarrow(disclosure.min_filter_n())
    assert isinstance(exc, ValueError)
    assert "条件を広げてください" in exc.text("ja") and str(MIN_FILTER_N) in exc.text("ja")
    assert "Widen the filters" in exc.text("en") and str(MIN_FILTER_N) in exc.text("en")
    assert disclosure.min_filter_n() == MIN_FILTER_N >= 50
