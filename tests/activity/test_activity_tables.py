"""Activity counts by month and fiscal year: bucketing, sums against pandas, protection, filters.

Every figure is checked against its true count and record-key sum computed with pandas from the
raw rows: the released value is the ptable's (oracle.py), within D of the truth, "<5" where it is
1..4, and a zero stays zero.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data import codebook
from queries import activity as A
from queries.filters import ActivityFilters, fiscal_year_of

from . import oracle

D = dt.date
NOISE = oracle.max_noise("activity")


def one_org_rows(rows):
    return pd.DataFrame(
        [("A01", m, 1, 1, c, 0, 0) for m, c in rows],
        columns=["org_id", "month", "district", "field", "consultations", "new_cases", "outreach"],
    )


# ---- fiscal years ------------------------------------------------------------------------------


def test_fiscal_year_of_months_around_march_and_april():
    assert fiscal_year_of(D(2024, 3, 1)) == 2023
    assert fiscal_year_of(D(2024, 4, 1)) == 2024
    assert fiscal_year_of(D(2025, 3, 1)) == 2024
    assert fiscal_year_of(D(2025, 4, 1)) == 2025
    assert fiscal_year_of(D(2025, 1, 1)) == 2024
    assert A.fiscal_year_label(2024, "ja") == "2024年度" and A.fiscal_year_label(2024, "en") == "FY2024"


def released_of(kit, rows: pd.DataFrame, measure: str = "consultations") -> int:
    """The released count of the sum of ROWS (raw extract rows): its count and record-key sum."""
    keyed = kit.keyed("activity", rows)
    return oracle.released(int(keyed[measure].sum()), int(keyed["record_key"].sum()))


def test_fiscal_year_buckets_at_the_march_april_boundary(kit):
    rows = one_org_rows([(D(2024, 3, 1), 10), (D(2024, 4, 1), 20), (D(2025, 3, 1), 40), (D(2025, 4, 1), 80)])
    con = kit.build_db(rows)
    assert A.fiscal_years(con) == [2023, 2024, 2025]
    df = A.activity_by_fiscal_year(con)
    assert list(df["fiscal_year_label"]) == ["2023年度", "2024年度", "2025年度", "合計"]
    # each fiscal year is the sum of its months' rows: 10 | 20 + 40 | 80, and 150 over all
    assert list(df["value"]) == [
        released_of(kit, rows.iloc[[0]]),
        released_of(kit, rows.iloc[[1, 2]]),
        released_of(kit, rows.iloc[[3]]),
        released_of(kit, rows),
    ]
    assert [abs(v - t) <= NOISE for v, t in zip(df["value"], [10, 60, 80, 150])] == [True] * 4
    assert list(df["is_total"]) == [False, False, False, True]
    en = A.activity_by_fiscal_year(con, lang="en")
    assert list(en["fiscal_year_label"]) == ["FY2023", "FY2024", "FY2025", "Total"]


def test_months_of_one_fiscal_year_are_april_to_march_with_zeros_where_nothing_was_reported(kit):
    rows = one_org_rows([(D(2024, 3, 1), 10), (D(2024, 4, 1), 20), (D(2025, 3, 1), 40), (D(2025, 4, 1), 80)])
    con = kit.build_db(rows)
    df = A.activity_by_month(con, filters=ActivityFilters(fiscal_years=(2024,)))
    cells = df[~df["is_total"]]
    assert [m.date() for m in cells["month"]] == [d.date() for d in pd.date_range("2024-04", "2025-03", freq="MS")]
    assert cells["value"].tolist() == [released_of(kit, rows.iloc[[1]])] + [0] * 10 + [released_of(kit, rows.iloc[[2]])]
    assert cells["display"].iloc[1:11].tolist() == ["0"] * 10  # nothing reported: 0, never noise
    assert cells["month_label"].iloc[0] == "2024年4月" and cells["month_label"].iloc[-1] == "2025年3月"
    assert df[df["is_total"]]["value"].tolist() == [released_of(kit, rows.iloc[[1, 2]])]
    assert A.months(con) == [D(2024, 3, 1), D(2024, 4, 1), D(2025, 3, 1), D(2025, 4, 1)]


# ---- sums against an independent pandas computation ------------------------------------------


def truth(
    orgs: pd.DataFrame, rows: pd.DataFrame, period: str, by: str | None, measure: str, f: ActivityFilters
) -> dict:
    """{(period_key, group_key): (sum, record-key sum)} with margins under None, with pandas alone.
    ROWS carry their record keys (kit.keyed)."""
    df = rows.merge(orgs[["org_id", "org_type"]], on="org_id")
    df["month"] = pd.to_datetime(df["month"])
    df["fiscal_year"] = df["month"].dt.year - (df["month"].dt.month < 4).astype(int)
    keep = pd.Series(True, index=df.index)
    if f.start:
        keep &= df["month"] >= pd.Timestamp(f.start)
    if f.end:
        keep &= df["month"] <= pd.Timestamp(f.end)
    for col, codes in (
        ("fiscal_year", f.fiscal_years),
        ("district", f.districts),
        ("field", f.fields),
        ("org_type", f.org_types),
    ):
        if codes:
            keep &= df[col].isin(codes)
    df = df[keep].copy()
    df["group"] = "" if by is None else df[{"org": "org_id"}.get(by, by)]
    out: dict = {}

    def add(key, value, k):
        v0, k0 = out.get(key, (0, 0))
        out[key] = (v0 + int(value), k0 + int(k))

    for (p, g), part in df.groupby([period, "group"]):
        p = pd.Timestamp(p) if period == "month" else int(p)
        g = None if by is None else g
        value, k = part[measure].sum(), part["record_key"].sum()
        add((p, g), value, k)
        if by is not None:
            add((p, None), value, k)
            add((None, g), value, k)
        add((None, None), value, k)
    return out


def key_of(x):
    if x is None or x is pd.NaT or (not isinstance(x, str) and pd.isna(x)):
        return None
    return pd.Timestamp(x) if isinstance(x, pd.Timestamp) else (x if isinstance(x, str) else int(x))


def check_against_truth(df: pd.DataFrame, expected: dict, period: str, by: str | None) -> int:
    """Every row of DF (cells and margins) is its true count released: the ptable's value for its
    count and key sum, within D of the count, "<5" where 1..4, a zero kept. Returns the "<5" seen."""
    small = 0
    for rec in df.to_dict("records"):
        key = (key_of(rec[period]), key_of(rec[by]) if by else None)
        true, key_sum = expected.get(key, (0, 0))
        released = oracle.released(true, key_sum)
        assert abs(released - true) <= NOISE
        if 1 <= released <= oracle.small_max():
            small += 1
            assert pd.isna(rec["value"]), key  # no number leaves
            assert rec["display"] == "<5" and rec["mark"] == "small_count", key
        else:
            assert rec["value"] == released, (key, true, rec["value"])
            assert rec["display"] == f"{released:,}" and rec["mark"] == "", key
        if true == 0:
            assert rec["display"] == "0", key
    return small


FILTERS = [
    ActivityFilters(),
    ActivityFilters(fiscal_years=(2024,)),
    ActivityFilters(start="2023-11", end="2023-11", districts=(1,)),  # one month
    ActivityFilters(start="2023-04", end="2024-03", districts=(6,)),  # 温海, FY2023
    ActivityFilters(start="2024-04", fields=(3,), org_types=(4,)),
]


@pytest.mark.parametrize("by", [None, "field", "district", "org_type", "org"])
@pytest.mark.parametrize("period", ["month", "fiscal_year"])
@pytest.mark.parametrize("filter_no", range(len(FILTERS)))
def test_counts_are_the_true_sums_released_by_their_cell_keys(db, kit, activity_rows, by, period, filter_no):
    f = FILTERS[filter_no]
    fn = A.activity_by_month if period == "month" else A.activity_by_fiscal_year
    rows = kit.keyed("activity", activity_rows)
    for measure in A.MEASURES:
        df = fn(db, measure=measure, by=by, filters=f)
        check_against_truth(df, truth(kit.ORGS, rows, period, by, measure, f), period, by)
        assert (df["measure"] == measure).all()
        grand = df[df[period].isna() & (df[by].isna() if by else True)]
        assert len(grand) == 1
        assert df["mark"].isin(["", "small_count"]).all()


@pytest.mark.parametrize("by", [None, "field", "district", "org"])
def test_small_counts_are_met_and_totals_need_not_add_up(db, kit, activity_rows, by):
    rows = kit.keyed("activity", activity_rows)
    small = differ = 0
    for f in FILTERS:
        df = A.activity_by_month(db, by=by, filters=f)
        small += check_against_truth(df, truth(kit.ORGS, rows, "month", by, "consultations", f), "month", by)
        cells = df[~df["is_total"] & (df["mark"] == "")]
        shown_totals = df[df["is_total"] & (df["mark"] == "") & df["month"].notna()]
        for rec in shown_totals.to_dict("records"):
            same = cells[cells["month"] == rec["month"]]
            if len(same) == (df["month"] == rec["month"]).sum() - 1:  # every cell of the month shown
                differ += int(same["value"].sum() != rec["value"])
    assert small > 0  # the "<5" rule was exercised
    if by is not None:
        assert differ > 0  # 内訳の合計が全体と一致しないことがある


def test_a_single_series_releases_each_month_and_the_total_on_their_own(kit):
    rows = one_org_rows([(D(2024, 4, 1), 3), (D(2024, 5, 1), 30), (D(2024, 6, 1), 20), (D(2024, 7, 1), 0)])
    con = kit.build_db(rows)
    df = A.activity_by_month(con)
    expected = [
        oracle.display(*sums)
        for sums in [(r.consultations, r.record_key) for r in kit.keyed("activity", rows).itertuples()]
    ]
    keyed = kit.keyed("activity", rows)
    expected.append(oracle.display(int(keyed["consultations"].sum()), int(keyed["record_key"].sum())))
    assert list(df["display"]) == expected
    assert df["display"].iloc[3] == "0" and df["mark"].iloc[3] == ""
    assert list(df["mark"]) == ["small_count" if t == "<5" else "" for t in expected]
    assert df["value"].isna().tolist() == [t == "<5" for t in expected]


def test_columns_labels_and_wide_layout(db, kit):
    df = A.activity_by_fiscal_year(db, by="field", lang="en")
    assert list(df.columns) == [
        "fiscal_year",
        "fiscal_year_label",
        "field",
        "field_label",
        "value",
        "display",
        "mark",
        "is_total",
        "measure",
    ]
    assert str(df["fiscal_year"].dtype) == "Int64" and str(df["field"].dtype) == "Int64"
    assert list(dict.fromkeys(df["field_label"])) == [
        codebook.code_label("field", c, "en") for c in codebook.codes("field")
    ] + ["Total"]
    wide = A.as_wide(df, "en")
    assert list(wide.columns)[1:] == list(dict.fromkeys(df["field_label"]))
    assert wide.iloc[-1, 0] == "Total"
    assert len(wide) == df["fiscal_year"].nunique() + 1
    cell = df[(df["fiscal_year"] == 2024) & (df["field"] == 3)].iloc[0]
    row = wide[wide["fiscal_year_label"] == "FY2024"].iloc[0]
    assert row[cell["field_label"]] == cell["display"]
    by_org = A.activity_by_month(db, by="org")
    assert set(by_org["org"].dropna()) <= set(kit.ORGS["org_id"])
    assert set(by_org["org_label"]) - {"合計"} <= set(kit.ORGS["name"])
    single = A.as_wide(A.activity_by_fiscal_year(db, measure="outreach"), "ja")
    assert list(single.columns) == ["fiscal_year_label", "訪問・アウトリーチ"]


def test_filters_keep_only_chosen_groups_in_codebook_order(db):
    df = A.activity_by_month(db, by="district", filters=ActivityFilters(districts=(6,)))
    assert list(dict.fromkeys(df["district"].dropna())) == [6]
    df = A.activity_by_month(db, by="field", filters=ActivityFilters(districts=(6,)))
    assert list(dict.fromkeys(df["field"].dropna())) == codebook.codes("field")
    df = A.activity_by_month(db, by="district", filters=ActivityFilters(districts=(4,)))
    assert list(dict.fromkeys(df["district"].dropna())) == [4]


def test_empty_selection_gives_zeros_not_errors(kit):
    con = kit.build_db(kit.random_activity(3).iloc[0:0], None, kit.population_frame())
    df = A.activity_by_month(con, by="field")
    assert list(df["value"]) == [0] * 10 and df["is_total"].all()
    assert A.months(con) == [] and A.fiscal_years(con) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"measure": "visits"}, "measure"),
        ({"by": "age_band"}, "by must be"),
        ({"lang": "fr"}, "lang"),
    ],
)
def test_bad_arguments_raise_clear_errors(db, kwargs, message):
    with pytest.raises(ValueError, match=message):
        A.activity_by_month(db, **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"start": "2024-13"}, "YYYY-MM"),
        ({"start": "2024/04"}, "YYYY-MM"),
        ({"start": "2024-05", "end": "2024-04"}, "after"),
        ({"districts": (7,)}, "districts"),
        ({"fields": ("1",)}, "fields"),
        ({"org_types": (True,)}, "org_types"),
        ({"fiscal_years": (24,)}, "fiscal"),
    ],
)
def test_bad_filters_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ActivityFilters(**kwargs)


# ---- the groupings a filter may take (the averaging attack: no free subsets, no free periods) -----


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"start": "2024-05", "end": "2024-05"},
        {"start": "2023-04", "end": "2025-03"},
        {"start": "2024-04"},
        {"end": "2024-03"},
        {"fiscal_years": (2024,)},
        {"fiscal_years": 2023, "start": "2023-04", "end": "2024-03"},
        {"districts": (3,)},
        {"districts": [6]},
        {"districts": (6, 6)},
        {"fields": (9,)},
        {"org_types": (6,)},
    ],
)
def test_predefined_groupings_are_accepted(kwargs):
    ActivityFilters(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"start": "2023-11", "end": "2024-05"}, "one month"),
        ({"start": "2024-05"}, "one month"),
        ({"end": "2024-05"}, "one month"),
        ({"start": "2024-04", "end": "2024-06"}, "one month"),
        ({"fiscal_years": (2023, 2024)}, "one fiscal year"),
        ({"districts": (1, 3)}, "districts"),
        ({"districts": (1, 2, 3, 4, 5, 6)}, "districts"),
        ({"districts": (2, 3, 4, 5)}, "districts"),
        ({"districts": (2, 3, 4, 5, 6)}, "districts"),  # 旧町村部: no longer a group (鶴岡 = All − it)
        ({"districts": [6, 5, 4, 3, 2]}, "districts"),
        ({"fields": (1, 2)}, "fields"),
        ({"org_types": (1, 4)}, "org_types"),
    ],
)
def test_other_subsets_and_periods_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ActivityFilters(**kwargs)


def test_filters_round_trip_through_query_params_and_tolerate_junk():
    f = ActivityFilters(
        start="2024-04", end=D(2025, 3, 15), fiscal_years=2024, districts=[6], fields=[2], org_types=(4,)
    )
    assert f.start == D(2024, 4, 1) and f.end == D(2025, 3, 1) and f.districts == (6,)
    qp = f.to_query_params()
    assert qp == {
        "start": "2024-04",
        "end": "2025-03",
        "fiscal_years": "2024",
        "districts": "6",
        "fields": "2",
        "org_types": "4",
    }
    assert ActivityFilters.from_query_params(qp) == f
    junk = ActivityFilters.from_query_params(
        {"start": "x'; DROP TABLE activity;--", "districts": ["1,9,a", "3"], "fields": "-1", "fiscal_years": "99999"}
    )
    assert junk == ActivityFilters()
    assert ActivityFilters.from_query_params({"districts": ["x", "3"]}) == ActivityFilters(districts=(3,))
    assert ActivityFilters().to_query_params() == {}


def test_query_params_outside_the_groupings_are_dropped_not_fatal():
    f = ActivityFilters.from_query_params(
        {
            "start": "2023-11",
            "end": "2024-05",  # an arbitrary run of months
            "fiscal_years": "2023,2024",
            "districts": "1,3",
            "fields": "1,2",
            "org_types": ["1", "4"],
        }
    )
    assert f == ActivityFilters()
    assert ActivityFilters.from_query_params({"districts": "2,3,4,5,6", "fields": "7"}) == ActivityFilters(
        fields=(7,)
    )  # the former 旧町村部 is dropped, the rest kept
    kept = ActivityFilters.from_query_params(
        {
            "start": "2024-06",
            "end": "2024-06",
            "fiscal_years": "2024",
            "districts": "5",
            "fields": "7",
            "org_types": "3",
        }
    )
    assert kept == ActivityFilters(
        start="2024-06", end="2024-06", fiscal_years=(2024,), districts=(5,), fields=(7,), org_types=(3,)
    )
    assert ActivityFilters.from_query_params({"start": "2024-07", "end": "2024-05"}) == ActivityFilters()


def test_the_measures_are_columns_of_the_activity_extract():
    """activity.MEASURES is the one list of measures (the CLI, the page and the decks read it)."""
    from data import codebook

    assert set(A.MEASURES) <= set(codebook.columns("activity"))
    assert [A.measure_label(m, "ja") for m in A.MEASURES] == [
        codebook.column_label("activity", m, "ja") for m in A.MEASURES
    ]
