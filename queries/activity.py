"""Organisation measures for members: consultations, new cases, outreach, referrals.

Every count that leaves this module is released by queries.small_counts: perturbed by the
cell-key method (queries.cellkey), with released counts 1–4 shown as "<5". The same figure in any
two tables (the monthly, fiscal-year and per-district tables, another filter's) is the same rows,
hence the same cell key and the same noise; a difference of two released figures carries the noise
of both and does not give back a hidden count.
Count tables come back *long*: one row per cell, margins included (is_total), with

    value    Int64, the released (perturbed) count; <NA> where "<5" (for charts)
    display  text as members see it: "1,234" or "<5"
    mark     "" | "small_count"

plus a code column and a `<dim>_label` column for each axis. `as_wide(df)` lays such a frame out
as the table the masking was decided for (rows × columns with 全体 / All margins).

Fiscal years (年度) run April–March: FY2024 = 2024-04 .. 2025-03. Which activity to count is an
ActivityFilters (queries.filters). The survey beside the activity (district_need) is
queries.need's; the directory and the members' counts are queries.directory's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from data import codebook
from queries import small_counts
from queries.filters import ACTIVITY_FILTERS, ActivityFilters, fiscal_year_of
from queries.linked_counts import LinkedCounts
from queries.runner import remembered, run, run_numpy

MEASURES = ("consultations", "new_cases", "outreach")
BREAKDOWNS = ("field", "district", "org_type", "org")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NOT_AVAILABLE = "—"


TableTooLarge = small_counts.TableTooLarge  # what a caller catches: TooManyGroups


class TooManyGroups(TableTooLarge):
    """A table by organisation asked for more organisations than the codebook's max_org_groups.

    Raised after one COUNT query, before the table is built: a table thousands of organisations
    wide is unreadable and costs seconds and gigabytes to draw. count: organisations the filters
    keep; limit: the codebook's max_org_groups. Narrow the filters (district, field, organisation
    type, period) or show the table by organisation type.
    """

    def __init__(self, count: int, limit: int):
        self.count, self.limit = int(count), int(limit)
        super().__init__(
            f"{self.count:,} organisations is more than the {self.limit:,} a table by "
            "organisation may have: narrow the filters or use the organisation type"
        )


def max_org_groups() -> int:
    """The most organisations a table by organisation (or org-level referral matrix) may have."""
    return int(codebook.estimation()["max_org_groups"])


def _check_org_count(count: int) -> None:
    limit = max_org_groups()
    if int(count) > limit:
        raise TooManyGroups(count, limit)


# ---- the limit on tables by organisation (max_org_groups) -----------------------------------


def org_count(con: duckdb.DuckDBPyConnection, filters: ActivityFilters = ActivityFilters()) -> int:
    """Organisations with activity under the filters: the columns of a table by organisation."""
    return int(run(con, "activity_org_count", **filters.to_params())["n"].iloc[0])


def referral_org_count(con: duckdb.DuckDBPyConnection, filters: ActivityFilters = ActivityFilters()) -> int:
    """Organisations in a referral of the filtered period: the axes of the org-level matrix."""
    p = filters.to_params()
    return int(
        run(con, "referrals_org_count", start=p["start"], end=p["end"], fiscal_years=p["fiscal_years"])["n"].iloc[0]
    )


# ---- labels ----------------------------------------------------------------------------------


def month_label(month: dt.date, lang: str = "ja") -> str:
    return f"{month.year}年{month.month}月" if lang == "ja" else f"{_EN_MONTHS[month.month - 1]} {month.year}"


def fiscal_year_label(fy: int, lang: str = "ja") -> str:
    return f"{fy}年度" if lang == "ja" else f"FY{fy}"


def measure_label(measure: str, lang: str = "ja") -> str:
    return codebook.column_label("activity", measure, lang)


def _check_measure(measure: str) -> str:
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}")
    return measure


# ---- available periods -------------------------------------------------------------------------


def months(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """Months present in the activity data (first days), oldest first."""
    df = run(con, "activity_months")
    return [pd.Timestamp(m).date() for m in df["month"]]


def fiscal_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Fiscal years (年度) with any activity data, oldest first."""
    df = run(con, "activity_months")
    return sorted({int(f) for f in df["fiscal_year"]})


# ---- protected long tables ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Axis:
    name: str  # code column; the label column is name + "_label"
    keys: list
    labels: list[str]
    dtype: str  # pandas dtype of the code column
    total_label: str = ""


def _long_frame(
    table: small_counts.ProtectedTable, rows: _Axis, cols: _Axis | None, lang: str, extra: dict | None = None
) -> pd.DataFrame:
    """One row per cell then margins: each row's cells and its total, then the column totals and
    the grand total."""
    ncols = len(cols.keys) if cols is not None else 1
    nrows = len(rows.keys)
    values = np.asarray(table.cells, dtype=np.int64).reshape(nrows, ncols)
    states = np.asarray(table.cell_state, dtype=np.int8).reshape(nrows, ncols)
    col_pos = np.arange(ncols)
    if table.row_totals is not None:  # each row's total right after its cells
        values = np.column_stack([values, np.asarray(table.row_totals, dtype=np.int64)])
        states = np.column_stack([states, np.asarray(table.row_state, dtype=np.int8)])
        col_pos = np.r_[col_pos, -1]
    row_of = np.repeat(np.arange(nrows), len(col_pos))
    col_of = np.tile(col_pos, nrows)
    values, states = values.ravel(), states.ravel()
    if table.col_totals is not None:
        values = np.r_[values, np.asarray(table.col_totals, dtype=np.int64)]
        states = np.r_[states, np.asarray(table.col_state, dtype=np.int8)]
        row_of, col_of = np.r_[row_of, np.full(ncols, -1)], np.r_[col_of, np.arange(ncols)]
    if table.grand is not None:
        values, states = np.r_[values, table.grand], np.r_[states, table.grand_state]
        row_of, col_of = np.r_[row_of, -1], np.r_[col_of, -1]

    def axis_columns(axis: _Axis, pos: np.ndarray) -> dict:
        keys = [None if k < 0 else axis.keys[k] for k in pos.tolist()]
        labels = [axis.total_label if k < 0 else axis.labels[k] for k in pos.tolist()]
        return {axis.name: pd.array(keys, dtype=axis.dtype), axis.name + "_label": labels}

    shown = states == small_counts.SHOWN
    marks = {s: small_counts.mark_text(key, lang) for s, key in small_counts.MARK_KEYS.items() if key}
    df = pd.DataFrame(
        {
            **axis_columns(rows, row_of),
            **(axis_columns(cols, col_of) if cols is not None else {}),
            "value": pd.arrays.IntegerArray(np.where(shown, values, 0), ~shown),
            "display": [
                f"{v:,}" if s == small_counts.SHOWN else marks[s] for v, s in zip(values.tolist(), states.tolist())
            ],
            "mark": [small_counts.MARK_KEYS[s] for s in states.tolist()],
            "is_total": (row_of < 0) | (col_of < 0) if cols is not None else row_of < 0,
        }
    )
    for key, val in (extra or {}).items():
        df[key] = val
    df.attrs.update(rows=rows.name, cols=cols.name if cols is not None else None)
    return df


def as_wide(df: pd.DataFrame, lang: str = "ja") -> pd.DataFrame:
    """The member-facing table of a long frame from this module: row labels × column labels of
    the `display` texts, margins last, in the order of the long frame."""
    rows, cols = df.attrs.get("rows"), df.attrs.get("cols")
    if rows is None:
        raise ValueError("as_wide needs a frame returned by queries.activity (attrs 'rows'/'cols')")
    r_lab = rows + "_label"
    row_order = list(dict.fromkeys(df[r_lab]))
    if cols is None:
        header = measure_label(df["measure"].iloc[0], lang) if "measure" in df and len(df) else "value"
        wide = df[[r_lab, "display"]].rename(columns={"display": header})
        return wide.reset_index(drop=True)
    c_lab = cols + "_label"
    col_order = list(dict.fromkeys(df[c_lab]))
    wide = df.pivot(index=r_lab, columns=c_lab, values="display")
    wide = wide.reindex(index=row_order, columns=col_order)
    wide.columns.name = None
    return wide.reset_index()


def _group_axis(con, by: str, present_keys: Sequence[str], filters: ActivityFilters, lang: str) -> _Axis:
    """Columns of a breakdown: every codebook group kept by the filters, or the organisations present."""
    total = codebook.total_label(lang)
    if by in ACTIVITY_FILTERS:
        chosen = getattr(filters, ACTIVITY_FILTERS[by])
        keys = list(chosen or codebook.codes(by))
        labels = [codebook.code_label(by, k, lang) for k in keys]
        return _Axis(by, keys, labels, "Int64", total)
    orgs = run(con, "activity_organisations")
    orgs = orgs[orgs["org_id"].isin(set(present_keys))]
    return _Axis("org", list(orgs["org_id"]), list(orgs["name"]), "string", total)


def _period_months(con, filters: ActivityFilters) -> list[dt.date]:
    available = months(con)
    return filters.months_in(available[0], available[-1]) if available else []


# The breakdowns the 支援団体の活動 page offers; "org" joins them only when asked for (see below).
_PAGE_BREAKDOWNS = ("field", "district", "org_type")


def _linked_counts(
    con, measure: str, filters: ActivityFilters, with_org: bool = False
) -> tuple[LinkedCounts, list[dt.date]]:
    """Every count of one measure over the filtered period, with its record-key sum, by month and
    by month × group of each breakdown: the tables of a page are read out of these sums, so a
    figure shown in two of them (a district over the period, a fiscal year, the grand total) is
    the same released value in both.

    with_org adds the breakdown by organisation (read from activity_monthly; the page's own tables
    come from the smaller activity_cube)."""
    params = filters.to_params()
    raw = run_numpy(con, "activity_by_month", measure=measure, **params)
    if len(raw["month"]):
        first, last = (pd.Timestamp(raw[c][0]).date() for c in ("first_month", "last_month"))
        month_keys = filters.months_in(first, last)
    else:
        month_keys = _period_months(con, filters)
    n = len(month_keys)
    month_days = np.array(month_keys, dtype="datetime64[D]")

    def rows_of(months: np.ndarray) -> np.ndarray:
        days = months.astype("datetime64[D]")
        pos = np.searchsorted(month_days, days)
        if len(days) and ((pos >= n).any() or (month_days[np.minimum(pos, n - 1)] != days).any()):
            raise ValueError("activity in a month outside the period")
        return pos

    def matrix_of(rows: np.ndarray, groups: np.ndarray, keys: list, values: np.ndarray) -> np.ndarray:
        col = pd.Index(keys).get_indexer(groups)
        if (col < 0).any():
            raise ValueError("activity in a group outside the breakdown")
        flat = np.bincount(rows * len(keys) + col, weights=values, minlength=n * len(keys))
        return np.rint(flat).astype(np.int64).reshape(n, len(keys))

    rows = rows_of(raw["month"])
    values = raw["value"].astype(np.float64)
    key_sums = raw["key_sum"].astype(np.float64)
    one = np.zeros(len(rows), dtype=np.int64)
    totals = matrix_of(rows, one, [0], values).reshape(n)
    total_keys = matrix_of(rows, one, [0], key_sums).reshape(n)
    by_group = {}
    for by in _PAGE_BREAKDOWNS:
        keys = [int(k) for k in _group_axis(con, by, [], filters, "ja").keys]
        groups = raw[by].astype(np.int64)
        by_group[by] = (
            [str(k) for k in keys],
            matrix_of(rows, groups, keys, values),
            matrix_of(rows, groups, keys, key_sums),
        )
    if with_org:
        org = run_numpy(con, "activity_by_month_org", measure=measure, **params)
        present = org["org_id"].astype(object)
        keys = [str(k) for k in _group_axis(con, "org", list(present), filters, "ja").keys]
        org_rows = rows_of(org["month"])
        by_group["org"] = (
            keys,
            matrix_of(org_rows, present, keys, org["value"].astype(np.float64)),
            matrix_of(org_rows, present, keys, org["key_sum"].astype(np.float64)),
        )
    return LinkedCounts(totals, total_keys, by_group, [fiscal_year_of(m) for m in month_keys]), month_keys


def _masked_activity(
    con, period: str, measure: str, by: str | None, filters: ActivityFilters, lang: str
) -> pd.DataFrame:
    codebook.check_lang(lang)
    _check_measure(measure)
    if by is not None and by not in BREAKDOWNS:
        raise ValueError(f"by must be None or one of {BREAKDOWNS}, not {by!r}")
    if by == "org":
        _check_org_count(org_count(con, filters))
    linked, month_keys = _linked_counts(con, measure, filters, with_org=by == "org")
    if period == "month":
        keys = [pd.Timestamp(m) for m in month_keys]
        rows = _Axis(
            "month", keys, [month_label(m, lang) for m in month_keys], "datetime64[us]", codebook.total_label(lang)
        )
        table = linked.by_month(by)
    else:
        fys = linked.fiscal_years
        rows = _Axis("fiscal_year", fys, [fiscal_year_label(f, lang) for f in fys], "Int64", codebook.total_label(lang))
        table = linked.by_fiscal_year(by)
    cols = None if by is None else _group_axis(con, by, linked.groups[by], filters, lang)
    return _long_frame(table, rows, cols, lang, extra={"measure": measure})


def activity_by_month(
    con: duckdb.DuckDBPyConnection,
    measure: str = "consultations",
    by: str | None = None,
    filters: ActivityFilters = ActivityFilters(),
    lang: str = "ja",
) -> pd.DataFrame:
    """Monthly counts of one measure (consultations | new_cases | outreach), each released perturbed.

    by: None (one series), "field", "district" (where people live), "org_type" or "org". Rows are
    every month of the data kept by the filters (0 where nothing was reported), columns every group
    kept by the filters (for "org": the organisations with activity), with 全体 / All margins.
    Columns: month (Timestamp; NaT on the total over months), month_label, [by, by_label],
    value, display, mark, is_total, measure.
    by="org" with more organisations than the codebook's max_org_groups raises TooManyGroups
    (before anything is protected).
    """
    return _masked_activity(con, "month", measure, by, filters, lang)


def activity_by_fiscal_year(
    con: duckdb.DuckDBPyConnection,
    measure: str = "consultations",
    by: str | None = None,
    filters: ActivityFilters = ActivityFilters(),
    lang: str = "ja",
) -> pd.DataFrame:
    """Counts of one measure by fiscal year (年度, April–March), released perturbed; as activity_by_month with
    fiscal_year (Int64) and fiscal_year_label (「2024年度」 / "FY2024") for the rows. A year cut by
    start/end counts only the months kept."""
    return _masked_activity(con, "fiscal_year", measure, by, filters, lang)


# ---- per district ------------------------------------------------------------------------------


def _district_counts(con, measure: str, filters: ActivityFilters, lang: str) -> pd.DataFrame:
    """Masked counts per district with the city total (district <NA>), districts as kept by filters:
    the period's district totals of the same protection as the monthly and fiscal-year tables."""
    linked, _ = _linked_counts(con, measure, filters)
    table = linked.over_period("district")
    keys = [int(k) for k in linked.groups["district"]]
    rows = _Axis(
        "district", keys, [codebook.code_label("district", k, lang) for k in keys], "Int64", codebook.total_label(lang)
    )
    return _long_frame(table, rows, None, lang, extra={"measure": measure})


def population_16plus(con) -> pd.DataFrame:
    """Residents aged 16+ per district (latest as_of), remembered per read-only connection: only
    read here and by queries.need, never handed out (callers must not change it)."""
    return remembered(con, "activity_population", _read_population)


def _read_population(con) -> pd.DataFrame:
    pop = run(con, "activity_population")
    pop["district"] = pop["district"].astype("Int64")
    return pop


def _rate_display(rate, lang: str) -> str:
    return NOT_AVAILABLE if pd.isna(rate) else f"{rate:,.1f}"


def rates_per_1000(
    con: duckdb.DuckDBPyConnection,
    measure: str = "consultations",
    filters: ActivityFilters = ActivityFilters(),
    lang: str = "ja",
) -> pd.DataFrame:
    """Counts per 1,000 residents aged 16+ by district (and the city, district <NA>), over the
    months the filters keep (pick one fiscal year for an annual rate).

    Population: the latest as_of of the population extract. A count shown as "<5" has no rate.
    Columns: district, district_label, value, display, mark, is_total, measure, population,
    population_as_of, rate_per_1000 (float, 1 decimal, <NA> where "<5" or no population),
    rate_display.
    """
    codebook.check_lang(lang)
    _check_measure(measure)
    return rates_over(con, measure, filters, lang, population_16plus(con))


def rates_over(con, measure: str, filters: ActivityFilters, lang: str, pop: pd.DataFrame) -> pd.DataFrame:
    """rates_per_1000 over the population frame `pop` (population_16plus), read once by the caller
    (queries.need reads the same frame for its residents)."""
    df = _district_counts(con, measure, filters, lang)
    pops = dict(zip(pop["district"], pop["population"]))
    as_of = pop["as_of"].max() if len(pop) else pd.NaT
    keys = list(filters.districts or codebook.codes("district"))
    city = sum(int(pops.get(k, 0)) for k in keys) if all(k in pops for k in keys) else None
    df["population"] = pd.array([city if pd.isna(d) else pops.get(int(d)) for d in df["district"]], dtype="Int64")
    df["population_as_of"] = pd.Timestamp(as_of) if pd.notna(as_of) else pd.NaT
    rate = []
    for v, p in zip(df["value"], df["population"]):
        rate.append(pd.NA if pd.isna(v) or pd.isna(p) or p == 0 else round(1000 * int(v) / int(p), 1))
    df["rate_per_1000"] = pd.array(rate, dtype="Float64")
    df["rate_display"] = [
        small_counts.mark_text(m, lang) if m else _rate_display(r, lang)
        for m, r in zip(df["mark"], df["rate_per_1000"])
    ]
    return df


# ---- referrals -------------------------------------------------------------------------------


def referral_matrix(
    con: duckdb.DuckDBPyConnection, level: str = "org", filters: ActivityFilters = ActivityFilters(), lang: str = "ja"
) -> pd.DataFrame:
    """People referred (つなぎ件数) from one organisation (or type) to another, each count released perturbed.

    level: "org" (codes are org_id, labels the names) or "org_type" (codebook codes and labels).
    Only the period of `filters` applies (start, end, fiscal_years). Both axes list the same groups:
    at level org every organisation in a referral of the period (ordered by type, then name), at
    level org_type every type. Margins: referred out (row totals), referred in (column totals), all.
    Columns: from, from_label, to, to_label, value, display, mark, is_total. At level org, more
    organisations than the codebook's max_org_groups raise TooManyGroups (before the matrix is built).
    """
    codebook.check_lang(lang)
    if level not in ("org", "org_type"):
        raise ValueError(f"level must be 'org' or 'org_type', not {level!r}")
    if level == "org":
        _check_org_count(referral_org_count(con, filters))
    p = filters.to_params()
    raw = run(
        con,
        "referrals_matrix_org" if level == "org" else "referrals_matrix_type",
        start=p["start"],
        end=p["end"],
        fiscal_years=p["fiscal_years"],
    )
    total = codebook.total_label(lang)
    if level == "org_type":
        keys = codebook.codes("org_type")
        labels = [codebook.code_label("org_type", k, lang) for k in keys]
        dtype = "Int64"
    else:
        orgs = run(con, "activity_organisations")
        present = set(raw["from_key"]) | set(raw["to_key"])
        orgs = orgs[orgs["org_id"].isin(present)]
        keys, labels, dtype = list(orgs["org_id"]), list(orgs["name"]), "string"
    index = {str(k): i for i, k in enumerate(keys)}
    matrix = np.zeros((len(keys), len(keys)), dtype=np.int64)
    key_sums = np.zeros((len(keys), len(keys)), dtype=np.int64)
    for f, t, c, k in zip(raw["from_key"], raw["to_key"], raw["count"], raw["key_sum"]):
        matrix[index[str(f)], index[str(t)]] += int(c)
        key_sums[index[str(f)], index[str(t)]] += int(k)
    table = small_counts.protect(matrix, key_sums, row_totals=True, col_totals=True)
    return _long_frame(table, _Axis("from", keys, labels, dtype, total), _Axis("to", keys, labels, dtype, total), lang)
