"""Activity counts by month and fiscal year: bucketing, sums against pandas, masking, filters."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data import codebook
from queries import activity as A

D = dt.date


def one_org_rows(rows):
    return pd.DataFrame(
        [("A01", m, 1, 1, c, 0, 0) for m, c in rows],
        columns=["org_id", "month", "district", "field", "consultations", "new_cases", "outreach"])


# ---- fiscal years ------------------------------------------------------------------------------

def test_fiscal_year_of_months_around_march_and_april():
    assert A.fiscal_year_of(D(2024, 3, 1)) == 2023
    assert A.fiscal_year_of(D(2024, 4, 1)) == 2024
    assert A.fiscal_year_of(D(2025, 3, 1)) == 2024
    assert A.fiscal_year_of(D(2025, 4, 1)) == 2025
    assert A.fiscal_year_of(D(2025, 1, 1)) == 2024
    assert A.fiscal_year_label(2024, "ja") == "2024年度" and A.fiscal_year_label(2024, "en") == "FY2024"


def test_fiscal_year_buckets_at_the_march_april_boundary(kit):
    con = kit.build_db(one_org_rows([(D(2024, 3, 1), 10), (D(2024, 4, 1), 20), (D(2025, 3, 1), 40),
                                 (D(2025, 4, 1), 80)]))
    assert A.fiscal_years(con) == [2023, 2024, 2025]
    df = A.activity_by_fiscal_year(con)
    assert list(df["fiscal_year_label"]) == ["2023年度", "2024年度", "2025年度", "全体"]
    assert list(df["value"]) == [10, 60, 80, 150]
    assert list(df["is_total"]) == [False, False, False, True]
    en = A.activity_by_fiscal_year(con, lang="en")
    assert list(en["fiscal_year_label"]) == ["FY2023", "FY2024", "FY2025", "All"]


def test_months_of_one_fiscal_year_are_april_to_march_with_zeros_where_nothing_was_reported(kit):
    con = kit.build_db(one_org_rows([(D(2024, 3, 1), 10), (D(2024, 4, 1), 20), (D(2025, 3, 1), 40),
                                 (D(2025, 4, 1), 80)]))
    df = A.activity_by_month(con, filters=A.ActivityFilters(fiscal_years=(2024,)))
    cells = df[~df["is_total"]]
    assert [m.date() for m in cells["month"]] == [d.date() for d in pd.date_range("2024-04", "2025-03", freq="MS")]
    assert cells["value"].tolist() == [20] + [0] * 10 + [40]
    assert cells["month_label"].iloc[0] == "2024年4月" and cells["month_label"].iloc[-1] == "2025年3月"
    assert df[df["is_total"]]["value"].tolist() == [60]
    assert A.months(con) == [D(2024, 3, 1), D(2024, 4, 1), D(2025, 3, 1), D(2025, 4, 1)]


# ---- sums against an independent pandas computation ------------------------------------------

def truth(orgs: pd.DataFrame, rows: pd.DataFrame, period: str, by: str | None, measure: str, f: A.ActivityFilters) -> dict:
    """{(period_key, group_key): sum} with margins under None, computed with pandas alone."""
    df = rows.merge(orgs[["org_id", "org_type"]], on="org_id")
    df["month"] = pd.to_datetime(df["month"])
    df["fiscal_year"] = df["month"].dt.year - (df["month"].dt.month < 4).astype(int)
    keep = pd.Series(True, index=df.index)
    if f.start:
        keep &= df["month"] >= pd.Timestamp(f.start)
    if f.end:
        keep &= df["month"] <= pd.Timestamp(f.end)
    for col, codes in (("fiscal_year", f.fiscal_years), ("district", f.districts), ("field", f.fields),
                       ("org_type", f.org_types)):
        if codes:
            keep &= df[col].isin(codes)
    df = df[keep]
    df["group"] = None if by is None else df[{"org": "org_id"}.get(by, by)]
    out = {}
    for (p, g), v in df.groupby([period, "group"], dropna=False)[measure].sum().items():
        p = pd.Timestamp(p) if period == "month" else int(p)
        out[(p, None if pd.isna(g) else g)] = int(v)
    out_rows = {}
    for (p, g), v in out.items():
        if by is not None:
            out_rows[(p, None)] = out_rows.get((p, None), 0) + v
        out_rows[(None, g)] = out_rows.get((None, g), 0) + v
        if by is not None:
            out_rows[(None, None)] = out_rows.get((None, None), 0) + v
    out.update(out_rows)
    return out


def key_of(x):
    if x is None or x is pd.NaT or (not isinstance(x, str) and pd.isna(x)):
        return None
    return pd.Timestamp(x) if isinstance(x, pd.Timestamp) else (x if isinstance(x, str) else int(x))


def check_against_truth(df: pd.DataFrame, expected: dict, period: str, by: str | None):
    seen = 0
    for rec in df.to_dict("records"):
        key = (key_of(rec[period]), key_of(rec[by]) if by else None)
        true = expected.get(key, 0)
        if rec["mark"] == "":
            assert rec["value"] == true, key
            assert rec["display"] == f"{true:,}"
        else:
            assert pd.isna(rec["value"]), key                       # no raw number leaves
            assert not any(ch.isdigit() for ch in rec["display"].replace("<5", ""))
            if rec["mark"] == "small_count":
                assert 1 <= true <= 4 and rec["display"] == "<5"
            else:
                assert rec["mark"] == "suppressed" and true >= 5
                assert rec["display"] == codebook.mark_label("suppressed", "ja")
        if 1 <= true <= 4:
            assert rec["display"] == "<5", key
        if true == 0:
            assert rec["display"] == "0"
        seen += true
    return seen


FILTERS = [
    A.ActivityFilters(),
    A.ActivityFilters(fiscal_years=(2024,)),
    A.ActivityFilters(start="2023-11", end="2024-05", districts=(1, 3)),
    A.ActivityFilters(fields=(1, 3), org_types=(1, 4)),
]


@pytest.mark.parametrize("by", [None, "field", "district", "org_type", "org"])
@pytest.mark.parametrize("period", ["month", "fiscal_year"])
@pytest.mark.parametrize("filter_no", range(len(FILTERS)))
def test_counts_match_pandas_and_are_masked(db, kit, activity_rows, by, period, filter_no):
    f = FILTERS[filter_no]
    fn = A.activity_by_month if period == "month" else A.activity_by_fiscal_year
    for measure in A.MEASURES:
        df = fn(db, measure=measure, by=by, filters=f)
        expected = truth(kit.ORGS, activity_rows, period, by, measure, f)
        check_against_truth(df, expected, period, by)
        assert (df["measure"] == measure).all()
        grand = df[df[period].isna() & (df[by].isna() if by else True)]
        assert len(grand) == 1
        assert df["mark"].isin(["", "small_count", "suppressed"]).all()


def lines_of(df: pd.DataFrame, period: str, by: str | None):
    """(cells, total) rows of the table as shown: each period across groups, each group across periods."""
    cells = df[~df["is_total"]]
    out = []
    if by is not None:
        for p, grp in cells.groupby(period, dropna=False):
            total = df[(df[period] == p) & df[by].isna()]
            out.append((grp, total))
        for g, grp in cells.groupby(by):
            out.append((grp, df[df[period].isna() & (df[by] == g)]))
        row_totals = df[df["is_total"] & df[by].isna() & df[period].notna()]
        col_totals = df[df["is_total"] & df[period].isna() & df[by].notna()]
        grand = df[df[period].isna() & df[by].isna()]
        out += [(row_totals, grand), (col_totals, grand)]
    else:
        out.append((cells, df[df["is_total"]]))
    return out


@pytest.mark.parametrize("by", [None, "field", "district", "org"])
def test_no_shown_total_leaves_a_single_masked_cell(db, by):
    small_seen = 0
    for f in FILTERS + [A.ActivityFilters(fields=(9,), districts=(6,))]:
        df = A.activity_by_month(db, by=by, filters=f)
        small_seen += (df["mark"] == "small_count").sum()
        for cells, total in lines_of(df, "month", by):
            assert len(total) == 1
            masked = (cells["mark"] != "").sum()
            assert masked != 1 or total["mark"].iloc[0] != "", (cells, total)
    assert small_seen > 0


def test_a_single_series_hides_a_second_month_to_protect_a_small_one(kit):
    con = kit.build_db(one_org_rows([(D(2024, 4, 1), 3), (D(2024, 5, 1), 30), (D(2024, 6, 1), 20),
                                     (D(2024, 7, 1), 0)]))
    df = A.activity_by_month(con)
    assert list(df["display"]) == ["<5", "30", codebook.mark_label("suppressed", "ja"), "0", "53"]
    assert list(df["mark"]) == ["small_count", "", "suppressed", "", ""]
    assert df["value"].isna().tolist() == [True, False, True, False, False]


def test_columns_labels_and_wide_layout(db, kit):
    df = A.activity_by_fiscal_year(db, by="field", lang="en")
    assert list(df.columns) == ["fiscal_year", "fiscal_year_label", "field", "field_label", "value",
                                "display", "mark", "is_total", "measure"]
    assert str(df["fiscal_year"].dtype) == "Int64" and str(df["field"].dtype) == "Int64"
    assert list(dict.fromkeys(df["field_label"])) == [codebook.code_label("field", c, "en")
                                                     for c in codebook.codes("field")] + ["All"]
    wide = A.as_wide(df, "en")
    assert list(wide.columns)[1:] == list(dict.fromkeys(df["field_label"]))
    assert wide.iloc[-1, 0] == "All"
    assert len(wide) == df["fiscal_year"].nunique() + 1
    cell = df[(df["fiscal_year"] == 2024) & (df["field"] == 3)].iloc[0]
    row = wide[wide["fiscal_year_label"] == "FY2024"].iloc[0]
    assert row[cell["field_label"]] == cell["display"]
    by_org = A.activity_by_month(db, by="org")
    assert set(by_org["org"].dropna()) <= set(kit.ORGS["org_id"])
    assert set(by_org["org_label"]) - {"全体"} <= set(kit.ORGS["name"])
    single = A.as_wide(A.activity_by_fiscal_year(db, measure="outreach"), "ja")
    assert list(single.columns) == ["fiscal_year_label", "訪問・アウトリーチ"]


def test_filters_keep_only_chosen_groups_in_codebook_order(db):
    df = A.activity_by_month(db, by="district", filters=A.ActivityFilters(districts=(6, 2)))
    assert list(dict.fromkeys(df["district"].dropna())) == [2, 6]


def test_empty_selection_gives_zeros_not_errors(kit):
    con = kit.build_db(kit.random_activity(3).iloc[0:0], None, kit.population_frame())
    df = A.activity_by_month(con, by="field")
    assert list(df["value"]) == [0] * 10 and df["is_total"].all()
    assert A.months(con) == [] and A.fiscal_years(con) == []


@pytest.mark.parametrize("kwargs, message", [
    ({"measure": "visits"}, "measure"),
    ({"by": "age_band"}, "by must be"),
    ({"lang": "fr"}, "lang"),
])
def test_bad_arguments_raise_clear_errors(db, kwargs, message):
    with pytest.raises(ValueError, match=message):
        A.activity_by_month(db, **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"start": "2024-13"}, "YYYY-MM"),
    ({"start": "2024/04"}, "YYYY-MM"),
    ({"start": "2024-05", "end": "2024-04"}, "after"),
    ({"districts": (7,)}, "districts"),
    ({"fields": ("1",)}, "fields"),
    ({"org_types": (True,)}, "org_types"),
    ({"fiscal_years": (24,)}, "fiscal"),
])
def test_bad_filters_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        A.ActivityFilters(**kwargs)


def test_filters_round_trip_through_query_params_and_tolerate_junk():
    f = A.ActivityFilters(start="2024-04", end=D(2025, 3, 15), fiscal_years=2024, districts=(3, 1),
                          fields=[2], org_types=(4,))
    assert f.start == D(2024, 4, 1) and f.end == D(2025, 3, 1) and f.districts == (1, 3)
    qp = f.to_query_params()
    assert qp == {"start": "2024-04", "end": "2025-03", "fiscal_years": "2024", "districts": "1,3",
                  "fields": "2", "org_types": "4"}
    assert A.ActivityFilters.from_query_params(qp) == f
    junk = A.ActivityFilters.from_query_params({"start": "x'; DROP TABLE activity;--", "districts": ["1,9,a", "3"],
                                               "fields": "-1", "fiscal_years": "99999"})
    assert junk == A.ActivityFilters(districts=(1, 3))
    assert A.ActivityFilters().to_query_params() == {}
