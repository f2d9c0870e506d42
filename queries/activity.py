"""Organisation measures for members: consultations, new cases, outreach, referrals, directory.

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

Fiscal years (年度) run April–March: FY2024 = 2024-04 .. 2025-03.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from data import codebook
from queries import small_counts
from queries.linked_counts import LinkedCounts
from queries.runner import remembered, run, run_numpy

MEASURES = ("consultations", "new_cases", "outreach")
BREAKDOWNS = ("field", "district", "org_type", "org")
_CODE_DIMS = {"field": "field", "district": "district", "org_type": "org_type"}
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
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
        super().__init__(f"{self.count:,} organisations is more than the {self.limit:,} a table by "
                         "organisation may have: narrow the filters or use the organisation type")


def max_org_groups() -> int:
    """The most organisations a table by organisation (or org-level referral matrix) may have."""
    return int(codebook.estimation()["max_org_groups"])


def _check_org_count(count: int) -> None:
    limit = max_org_groups()
    if int(count) > limit:
        raise TooManyGroups(count, limit)


# ---- filters ---------------------------------------------------------------------------------

def _month_start(value) -> dt.date:
    """First day of the month of a "YYYY-MM" text or a date."""
    if isinstance(value, (dt.date, pd.Timestamp)):
        return dt.date(value.year, value.month, 1)
    if isinstance(value, str):
        m = _MONTH_RE.match(value.strip())
        if m and 1 <= int(m.group(2)) <= 12:
            return dt.date(int(m.group(1)), int(m.group(2)), 1)
    raise ValueError(f"a month must be written YYYY-MM (e.g. 2024-04), not {value!r}")


def fiscal_year_of(month: dt.date) -> int:
    """The fiscal year (年度) of a month: April–March, named by the year it starts in."""
    return month.year if month.month >= 4 else month.year - 1


def _codes_tuple(name: str, value_set: str, values) -> tuple[int, ...]:
    if values is None:
        return ()
    if isinstance(values, (int, np.integer)):
        values = (values,)
    out = []
    known = codebook.codes(value_set)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or int(v) not in known:
            raise ValueError(f"{name}: {v!r} is not a code of {value_set} ({', '.join(map(str, known))})")
        if int(v) not in out:
            out.append(int(v))
    return tuple(sorted(out, key=known.index))


@dataclass(frozen=True)
class ActivityFilters:
    """Which activity to count. Empty tuples and None mean no restriction.

    start / end: first and last month included ("YYYY-MM" or a date); fiscal_years: 年度 codes
    (2024 = 2024-04..2025-03); districts (where people live), fields, org_types: codebook codes.

    Only predefined groupings may be asked for (the averaging attack, see queries.filters): a period
    is one month (start = end), whole fiscal years (start in April, end in March; either may be
    open) or one fiscal year; districts one code or a named group; fields and org_types one code.
    """

    start: str | dt.date | None = None
    end: str | dt.date | None = None
    fiscal_years: tuple[int, ...] = ()
    districts: tuple[int, ...] = ()
    fields: tuple[int, ...] = ()
    org_types: tuple[int, ...] = ()

    def __post_init__(self):
        start = None if self.start is None else _month_start(self.start)
        end = None if self.end is None else _month_start(self.end)
        if start and end and start > end:
            raise ValueError(f"start {start:%Y-%m} is after end {end:%Y-%m}")
        fys = self.fiscal_years
        if isinstance(fys, (int, np.integer)):
            fys = (fys,)
        fys = tuple(fys or ())
        for fy in fys:
            if isinstance(fy, bool) or not isinstance(fy, (int, np.integer)) or not 2000 <= int(fy) <= 2100:
                raise ValueError(f"fiscal_years: {fy!r} is not a fiscal year such as 2024")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "fiscal_years", tuple(sorted({int(f) for f in fys})))
        object.__setattr__(self, "districts", _codes_tuple("districts", "district", self.districts))
        object.__setattr__(self, "fields", _codes_tuple("fields", "field", self.fields))
        object.__setattr__(self, "org_types", _codes_tuple("org_types", "org_type", self.org_types))
        _check_groupings(self)

    def to_params(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "fiscal_years": list(self.fiscal_years),
            "districts": list(self.districts),
            "fields": list(self.fields),
            "org_types": list(self.org_types),
        }

    def to_query_params(self) -> dict[str, str]:
        """URL query parameters; defaults are left out."""
        out: dict[str, str] = {}
        if self.start:
            out["start"] = f"{self.start:%Y-%m}"
        if self.end:
            out["end"] = f"{self.end:%Y-%m}"
        for key in ("fiscal_years", "districts", "fields", "org_types"):
            if getattr(self, key):
                out[key] = ",".join(map(str, getattr(self, key)))
        return out

    @classmethod
    def from_query_params(cls, qp: Mapping[str, str | list[str]]) -> "ActivityFilters":
        """Tolerant reading of URL query parameters: values that do not parse are dropped."""
        def text(key):
            v = qp.get(key)
            return ",".join(v) if isinstance(v, list) else (v or "")

        def ints(key, ok):
            out = []
            for part in text(key)[:64].split(","):
                part = part.strip()
                if 0 < len(part) <= 4 and part.isascii() and part.isdecimal() and ok(int(part)):
                    out.append(int(part))
            return tuple(out)

        def month(key):
            try:
                return _month_start(text(key)) if text(key) else None
            except ValueError:
                return None

        start, end = month("start"), month("end")
        if start and end and start > end:
            start = end = None
        if not _period_allowed(start, end):
            start = end = None
        fys = ints("fiscal_years", lambda v: 2000 <= v <= 2100)
        districts = ints("districts", lambda v: v in codebook.codes("district"))
        groups = [tuple(c) for c in _district_choices()]
        fields = ints("fields", lambda v: v in codebook.codes("field"))
        org_types = ints("org_types", lambda v: v in codebook.codes("org_type"))
        return cls(
            start=start,
            end=end,
            fiscal_years=fys if len(fys) <= 1 else (),
            districts=districts if tuple(sorted(districts)) in groups else (),
            fields=fields if len(fields) <= 1 else (),
            org_types=org_types if len(org_types) <= 1 else (),
        )

    def months_in(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Every month from first to last that these filters keep."""
        lo = max(first, self.start) if self.start else first
        hi = min(last, self.end) if self.end else last
        out = []
        y, m = lo.year, lo.month
        while (y, m) <= (hi.year, hi.month):
            d = dt.date(y, m, 1)
            if not self.fiscal_years or fiscal_year_of(d) in self.fiscal_years:
                out.append(d)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def _district_choices() -> list[tuple[int, ...]]:
    from queries.filters import filter_choices

    return [tuple(sorted(c)) for c in filter_choices("district")]


def _period_allowed(start: dt.date | None, end: dt.date | None) -> bool:
    """One month, or whole fiscal years (start in April, end in March; either may be open)."""
    if start is not None and end is not None and start == end:
        return True
    return (start is None or start.month == 4) and (end is None or end.month == 3)


def _check_groupings(f: "ActivityFilters") -> None:
    """Refuse what is not a predefined grouping (see ActivityFilters)."""
    if not _period_allowed(f.start, f.end):
        raise ValueError("a period is one month (from = to) or whole fiscal years (from an April, to a "
                         f"March), not {f'{f.start:%Y-%m}' if f.start else '…'} to {f'{f.end:%Y-%m}' if f.end else '…'}")
    if len(f.fiscal_years) > 1:
        raise ValueError(f"one fiscal year at a time, not {', '.join(map(str, f.fiscal_years))}")
    if f.districts and tuple(sorted(f.districts)) not in _district_choices():
        raise ValueError(f"districts: one code or a named group, not {', '.join(map(str, f.districts))}")
    for name in ("fields", "org_types"):
        if len(getattr(f, name)) > 1:
            raise ValueError(f"{name}: one code at a time, not {', '.join(map(str, getattr(f, name)))}")


# ---- the limit on tables by organisation (max_org_groups) -----------------------------------

def org_count(con: duckdb.DuckDBPyConnection, filters: ActivityFilters = ActivityFilters()) -> int:
    """Organisations with activity under the filters: the columns of a table by organisation."""
    return int(run(con, "activity_org_count", **filters.to_params())["n"].iloc[0])


def referral_org_count(con: duckdb.DuckDBPyConnection, filters: ActivityFilters = ActivityFilters()) -> int:
    """Organisations in a referral of the filtered period: the axes of the org-level matrix."""
    p = filters.to_params()
    return int(run(con, "referrals_org_count", start=p["start"], end=p["end"],
                   fiscal_years=p["fiscal_years"])["n"].iloc[0])


# ---- labels ----------------------------------------------------------------------------------

def month_label(month: dt.date, lang: str = "ja") -> str:
    return f"{month.year}年{month.month}月" if lang == "ja" else f"{_EN_MONTHS[month.month - 1]} {month.year}"


def fiscal_year_label(fy: int, lang: str = "ja") -> str:
    return f"{fy}年度" if lang == "ja" else f"FY{fy}"


def measure_label(measure: str, lang: str = "ja") -> str:
    return codebook.column_label("activity", measure, lang)


def _check_lang(lang: str) -> str:
    if lang not in codebook.LANGS:
        raise ValueError(f"lang must be one of {codebook.LANGS}, not {lang!r}")
    return lang


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


# ---- masked long tables ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Axis:
    name: str                      # code column; the label column is name + "_label"
    keys: list
    labels: list[str]
    dtype: str                     # pandas dtype of the code column
    total_label: str = ""


def _long_frame(table: small_counts.ProtectedTable, rows: _Axis, cols: _Axis | None,
                lang: str, extra: dict | None = None) -> pd.DataFrame:
    """One row per cell then margins: each row's cells and its total, then the column totals and
    the grand total."""
    ncols = len(cols.keys) if cols is not None else 1
    nrows = len(rows.keys)
    values = np.asarray(table.cells, dtype=np.int64).reshape(nrows, ncols)
    states = np.asarray(table.cell_state, dtype=np.int8).reshape(nrows, ncols)
    col_pos = np.arange(ncols)
    if table.row_totals is not None:   # each row's total right after its cells
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
    df = pd.DataFrame({
        **axis_columns(rows, row_of),
        **(axis_columns(cols, col_of) if cols is not None else {}),
        "value": pd.arrays.IntegerArray(np.where(shown, values, 0), ~shown),
        "display": [f"{v:,}" if s == small_counts.SHOWN else marks[s]
                    for v, s in zip(values.tolist(), states.tolist())],
        "mark": [small_counts.MARK_KEYS[s] for s in states.tolist()],
        "is_total": (row_of < 0) | (col_of < 0) if cols is not None else row_of < 0,
    })
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
    total = codebook.all_label(lang)
    if by in _CODE_DIMS:
        chosen = {"field": filters.fields, "district": filters.districts, "org_type": filters.org_types}[by]
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


def _linked_counts(con, measure: str, filters: ActivityFilters,
                   with_org: bool = False) -> tuple[LinkedCounts, list[dt.date]]:
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
        by_group[by] = ([str(k) for k in keys], matrix_of(rows, groups, keys, values),
                        matrix_of(rows, groups, keys, key_sums))
    if with_org:
        org = run_numpy(con, "activity_by_month_org", measure=measure, **params)
        present = org["org_id"].astype(object)
        keys = [str(k) for k in _group_axis(con, "org", list(present), filters, "ja").keys]
        org_rows = rows_of(org["month"])
        by_group["org"] = (keys, matrix_of(org_rows, present, keys, org["value"].astype(np.float64)),
                           matrix_of(org_rows, present, keys, org["key_sum"].astype(np.float64)))
    return LinkedCounts(totals, total_keys, by_group, [fiscal_year_of(m) for m in month_keys]), month_keys


def _masked_activity(con, period: str, measure: str, by: str | None,
                     filters: ActivityFilters, lang: str) -> pd.DataFrame:
    _check_lang(lang)
    _check_measure(measure)
    if by is not None and by not in BREAKDOWNS:
        raise ValueError(f"by must be None or one of {BREAKDOWNS}, not {by!r}")
    if by == "org":
        _check_org_count(org_count(con, filters))
    linked, month_keys = _linked_counts(con, measure, filters, with_org=by == "org")
    if period == "month":
        keys = [pd.Timestamp(m) for m in month_keys]
        rows = _Axis("month", keys, [month_label(m, lang) for m in month_keys], "datetime64[us]",
                     codebook.all_label(lang))
        table = linked.by_month(by)
    else:
        fys = linked.fiscal_years
        rows = _Axis("fiscal_year", fys, [fiscal_year_label(f, lang) for f in fys], "Int64",
                     codebook.all_label(lang))
        table = linked.by_fiscal_year(by)
    cols = None if by is None else _group_axis(con, by, linked.groups[by], filters, lang)
    return _long_frame(table, rows, cols, lang, extra={"measure": measure})


def activity_by_month(con: duckdb.DuckDBPyConnection, measure: str = "consultations",
                      by: str | None = None, filters: ActivityFilters = ActivityFilters(),
                      lang: str = "ja") -> pd.DataFrame:
    """Monthly counts of one measure (consultations | new_cases | outreach), masked.

    by: None (one series), "field", "district" (where people live), "org_type" or "org". Rows are
    every month of the data kept by the filters (0 where nothing was reported), columns every group
    kept by the filters (for "org": the organisations with activity), with 全体 / All margins.
    Columns: month (Timestamp; NaT on the total over months), month_label, [by, by_label],
    value, display, mark, is_total, measure.
    by="org" with more organisations than the codebook's max_org_groups raises TooManyGroups
    (before anything is protected).
    """
    return _masked_activity(con, "month", measure, by, filters, lang)


def activity_by_fiscal_year(con: duckdb.DuckDBPyConnection, measure: str = "consultations",
                            by: str | None = None, filters: ActivityFilters = ActivityFilters(),
                            lang: str = "ja") -> pd.DataFrame:
    """Counts of one measure by fiscal year (年度, April–March), masked; as activity_by_month with
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
    rows = _Axis("district", keys, [codebook.code_label("district", k, lang) for k in keys], "Int64",
                 codebook.all_label(lang))
    return _long_frame(table, rows, None, lang, extra={"measure": measure})


def _population(con) -> pd.DataFrame:
    """Residents aged 16+ per district (latest as_of), remembered per read-only connection: only
    read here, never handed out."""
    return remembered(con, "activity_population", _read_population)


def _read_population(con) -> pd.DataFrame:
    pop = run(con, "activity_population")
    pop["district"] = pop["district"].astype("Int64")
    return pop


def _rate_display(rate, lang: str) -> str:
    return NOT_AVAILABLE if pd.isna(rate) else f"{rate:,.1f}"


def rates_per_1000(con: duckdb.DuckDBPyConnection, measure: str = "consultations",
                   filters: ActivityFilters = ActivityFilters(), lang: str = "ja") -> pd.DataFrame:
    """Counts per 1,000 residents aged 16+ by district (and the city, district <NA>), over the
    months the filters keep (pick one fiscal year for an annual rate).

    Population: the latest as_of of the population extract. A masked count has no rate.
    Columns: district, district_label, value, display, mark, is_total, measure, population,
    population_as_of, rate_per_1000 (float, 1 decimal, <NA> where masked or no population),
    rate_display.
    """
    _check_lang(lang)
    _check_measure(measure)
    return _rates(con, measure, filters, lang, _population(con))


def _rates(con, measure: str, filters: ActivityFilters, lang: str, pop: pd.DataFrame) -> pd.DataFrame:
    """rates_per_1000 over the population frame `pop` (_population), read once by the caller."""
    df = _district_counts(con, measure, filters, lang)
    pops = dict(zip(pop["district"], pop["population"]))
    as_of = pop["as_of"].max() if len(pop) else pd.NaT
    keys = list(filters.districts or codebook.codes("district"))
    city = sum(int(pops.get(k, 0)) for k in keys) if all(k in pops for k in keys) else None
    df["population"] = pd.array(
        [city if pd.isna(d) else pops.get(int(d)) for d in df["district"]], dtype="Int64")
    df["population_as_of"] = pd.Timestamp(as_of) if pd.notna(as_of) else pd.NaT
    rate = []
    for v, p in zip(df["value"], df["population"]):
        rate.append(pd.NA if pd.isna(v) or pd.isna(p) or p == 0 else round(1000 * int(v) / int(p), 1))
    df["rate_per_1000"] = pd.array(rate, dtype="Float64")
    df["rate_display"] = [small_counts.mark_text(m, lang) if m else _rate_display(r, lang)
                          for m, r in zip(df["mark"], df["rate_per_1000"])]
    return df


def district_need(con: duckdb.DuckDBPyConnection, filters=None,
                  activity: ActivityFilters = ActivityFilters(), lang: str = "ja") -> pd.DataFrame:
    """Per district, residents estimated to feel lonely some of the time or more beside the
    consultations there, to spot districts support may not reach.

    filters: queries.filters.Filters for the survey estimate (indicator lonely_sometimes_plus by
    district from queries.indicators.indicator_table); activity: which consultations to count.
    residents_est / residents_low / residents_high = estimate / 95% interval (percent) × residents
    aged 16+ (latest population as_of) / 100, rounded to the nearest 10; <NA> when the district's
    estimate is suppressed or it has no population. Row order: the city (district <NA>) first, then
    districts in code order. Columns: district, district_label, is_total, population,
    population_display, population_as_of, n, estimate_pct, ci_low_pct, ci_high_pct, reliability, suppressed, open_web,
    residents_est, residents_low, residents_high, residents_display, consultations (Int64, masked),
    consultations_display, consultations_mark, rate_per_1000, rate_display.
    """
    from queries.indicators import indicator_table

    _check_lang(lang)
    if filters is None:
        from queries.filters import Filters
        filters = Filters()
    est = indicator_table(con, "lonely_sometimes_plus", by=["district"], filters=filters)
    est = est[est["district"].isna() | (est["district"] != codebook.missing_code())].copy()
    est["district"] = est["district"].astype("Int64")

    pop = _population(con)
    rates = _rates(con, "consultations", activity, lang, pop)
    rates = rates.rename(columns={"value": "consultations", "display": "consultations_display",
                                  "mark": "consultations_mark"})
    pops = dict(zip(pop["district"], pop["population"]))
    as_of = pop["as_of"].max() if len(pop) else pd.NaT

    out = est[["district", "is_total", "n", "estimate_pct", "ci_low_pct", "ci_high_pct",
               "reliability", "suppressed", "open_web"]].reset_index(drop=True)
    out.insert(1, "district_label", [
        codebook.all_label(lang) if pd.isna(d) else codebook.code_label("district", int(d), lang)
        for d in out["district"]])
    city = sum(int(p) for p in pops.values()) if len(pops) == len(codebook.codes("district")) else None
    out.insert(3, "population", pd.array(
        [city if pd.isna(d) else pops.get(int(d)) for d in out["district"]], dtype="Int64"))
    out.insert(4, "population_display", [NOT_AVAILABLE if pd.isna(p) else f"{int(p):,}" for p in out["population"]])
    out.insert(5, "population_as_of", pd.Timestamp(as_of) if pd.notna(as_of) else pd.NaT)
    for col, src in (("residents_est", "estimate_pct"), ("residents_low", "ci_low_pct"),
                     ("residents_high", "ci_high_pct")):
        out[col] = pd.array([_residents(pct, pop_) for pct, pop_ in zip(out[src], out["population"])],
                            dtype="Float64")
    out["residents_display"] = [_residents_display(e, lo, hi, s, lang) for e, lo, hi, s in zip(
        out["residents_est"], out["residents_low"], out["residents_high"], out["suppressed"])]

    # The city row of the activity counts only matches the survey's All row without a district filter.
    cols = ("consultations", "consultations_display", "consultations_mark", "rate_per_1000", "rate_display")
    records = rates[["district", "is_total", *cols]].to_dict("records")    # a dozen rows: plain dicts
    by_district = {int(r["district"]): r for r in records if not r["is_total"]}
    city_row = next((r for r in records if r["is_total"]), None) if not activity.districts else None
    sources = [city_row if pd.isna(d) else by_district.get(int(d)) for d in out["district"]]
    for col in cols:
        missing = (pd.NA if col in ("consultations", "rate_per_1000")
                   else (NOT_AVAILABLE if col.endswith("display") else ""))
        out[col] = [src[col] if src is not None else missing for src in sources]
    out["consultations"] = out["consultations"].astype("Int64")
    out["rate_per_1000"] = out["rate_per_1000"].astype("Float64")
    return out


def _residents(pct, population):
    if pd.isna(pct) or pd.isna(population):
        return pd.NA
    return float(round(float(pct) * int(population) / 100 / 10) * 10)


def _residents_display(est, lo, hi, suppressed, lang: str) -> str:
    if bool(suppressed):
        return codebook.mark_label("suppressed", lang)
    if pd.isna(est):
        return NOT_AVAILABLE
    sep = "〜" if lang == "ja" else "–"
    return f"{est:,.0f} ({lo:,.0f}{sep}{hi:,.0f})"


# ---- referrals -------------------------------------------------------------------------------

def referral_matrix(con: duckdb.DuckDBPyConnection, level: str = "org",
                    filters: ActivityFilters = ActivityFilters(), lang: str = "ja") -> pd.DataFrame:
    """People referred (つなぎ件数) from one organisation (or type) to another, masked.

    level: "org" (codes are org_id, labels the names) or "org_type" (codebook codes and labels).
    Only the period of `filters` applies (start, end, fiscal_years). Both axes list the same groups:
    at level org every organisation in a referral of the period (ordered by type, then name), at
    level org_type every type. Margins: referred out (row totals), referred in (column totals), all.
    Columns: from, from_label, to, to_label, value, display, mark, is_total. At level org, more
    organisations than the codebook's max_org_groups raise TooManyGroups (before the matrix is built).
    """
    _check_lang(lang)
    if level not in ("org", "org_type"):
        raise ValueError(f"level must be 'org' or 'org_type', not {level!r}")
    if level == "org":
        _check_org_count(referral_org_count(con, filters))
    p = filters.to_params()
    raw = run(con, "referrals_matrix_org" if level == "org" else "referrals_matrix_type",
              start=p["start"], end=p["end"], fiscal_years=p["fiscal_years"])
    total = codebook.all_label(lang)
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
    return _long_frame(table, _Axis("from", keys, labels, dtype, total),
                       _Axis("to", keys, labels, dtype, total), lang)


# ---- directory and members ---------------------------------------------------------------------

def _normalise(text) -> str:
    return unicodedata.normalize("NFKC", str(text)).casefold() if text is not None else ""


def organisations_directory(con: duckdb.DuckDBPyConnection, fields: Sequence[int] = (),
                            districts: Sequence[int] = (), search: str = "", lang: str = "ja",
                            org_types: Sequence[int] = ()) -> pd.DataFrame:
    """The consultation directory (相談窓口一覧): organisations serving any of the fields and any of
    the districts given (empty = all), whose text matches every word of `search`.

    The search is plain text (no patterns), width- and case-insensitive (NFKC), over the name,
    type, field and district labels (in both languages), address and hours. Columns: org_id, name,
    org_type, org_type_label, fields (list of codes), fields_label, districts (list of codes),
    districts_label (全体 / All when every district), member, phone, hours, address, url, lat, lon.
    """
    _check_lang(lang)
    if not isinstance(search, str):
        raise TypeError(f"search must be text, not {type(search).__name__}")
    # any set of codes: the directory lists organisations (public), it releases no count, so the
    # grouping limits of ActivityFilters (against averaging noisy counts) do not apply here
    selected = run_numpy(con, "organisations_selected", fields=list(_codes_tuple("fields", "field", fields)),
                         districts=list(_codes_tuple("districts", "district", districts)),
                         org_types=list(_codes_tuple("org_types", "org_type", org_types)))["org_id"]
    base = remembered(con, "organisations_directory", _Directory.read)
    keep = np.zeros(len(base.rows), dtype=bool)
    keep[[base.position[org] for org in selected.tolist()]] = True
    words = [w for w in _normalise(search).split() if w]
    if words:   # only in the rows the filters kept
        texts = base.search_text
        found = [i for i in np.flatnonzero(keep).tolist() if all(w in texts[i] for w in words)]
        keep[:] = False
        keep[found] = True
    labels = {f"{c}_{lang}": c for c in ("org_type_label", "fields_label", "districts_label")}
    df = base.rows.loc[keep, [f"{c}_{lang}" if f"{c}_{lang}" in labels else c for c in _DIRECTORY_COLUMNS]]
    df = df.rename(columns=labels)
    # lists of their own: the remembered rows must not change through what a caller does with them
    df["fields"] = [list(v) for v in df["fields"].tolist()]
    df["districts"] = [list(v) for v in df["districts"].tolist()]
    return df.reset_index(drop=True)


# the directory's columns in order; a label column is read in the language asked for
_DIRECTORY_COLUMNS = ("org_id", "name", "org_type", "org_type_label", "fields", "fields_label", "districts",
                      "districts_label", "member", "phone", "hours", "address", "url", "lat", "lon")


@dataclass(frozen=True)
class _Directory:
    """Every organisation in display order with its labels in each language, its search text and
    its row position by org_id: worked out once per connection, not at every search."""
    rows: pd.DataFrame
    search_text: list[str]
    position: dict[str, int]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> "_Directory":
        df = run(con, "organisations_directory")
        # DuckDB hands list columns over as numpy arrays: tuples of Python ints (hashable, for the
        # remembered labels)
        df["fields"] = [tuple(v.tolist()) for v in df["fields"].tolist()]
        df["districts"] = [tuple(v.tolist()) for v in df["districts"].tolist()]
        df["org_type"] = df["org_type"].astype("Int64")
        df["member"] = df["member"].astype(bool)
        every = set(codebook.codes("district"))
        for lang in codebook.LANGS:
            df[f"org_type_label_{lang}"] = [_codes_label("org_type", (c,), lang) for c in df["org_type"].tolist()]
            df[f"fields_label_{lang}"] = [_codes_label("field", v, lang) for v in df["fields"]]
            df[f"districts_label_{lang}"] = [
                codebook.all_label(lang) if set(v) >= every else _codes_label("district", v, lang)
                for v in df["districts"]]
        text = [[x if isinstance(x, str) else None for x in df[col].tolist()] for col in ("name", "address", "hours")]
        search_text = list(map(_haystack, *text, df["org_type"].tolist(), df["fields"].tolist(),
                               df["districts"].tolist()))
        return cls(df, search_text, {org: i for i, org in enumerate(df["org_id"].tolist())})


# Labels and search texts are pure functions of the codebook and an organisation's own fields:
# remembered, so a directory of thousands of organisations is not relabelled and re-normalised
# (NFKC) at every search.
@functools.lru_cache(maxsize=4096)
def _codes_label(value_set: str, codes: tuple[int, ...], lang: str) -> str:
    return "・".join(codebook.code_label(value_set, c, lang) for c in codes)


@functools.lru_cache(maxsize=65536)
def _haystack(name, address, hours, org_type: int, fields: tuple[int, ...], districts: tuple[int, ...]) -> str:
    """What a directory search looks in: name, address, hours, and the type, field and district
    labels in both languages (so a search in either finds the row), width- and case-folded."""
    labels = [" ".join(codebook.code_label(value_set, c, lang) for c in codes for lang in codebook.LANGS)
              for value_set, codes in (("org_type", (org_type,)), ("field", fields), ("district", districts))]
    return _normalise(" ".join(str(x) for x in (name, address, hours, *labels) if x is not None))


def members_by_type_and_field(con: duckdb.DuckDBPyConnection, lang: str = "ja") -> pd.DataFrame:
    """Platform members counted by organisation type × field (for the 準備会 deck).

    An organisation counts once in each of its fields, so the margins (is_total) count distinct
    organisations and are not sums of the cells. These are counts of organisations, whose
    membership is public, not of people: no small-count masking. Every type and field appears
    (0 where none). Columns: org_type, org_type_label, field, field_label, members (Int64),
    display, is_total.
    """
    _check_lang(lang)
    raw = run(con, "organisations_members")
    counts = {(None if pd.isna(t) else int(t), None if pd.isna(f) else int(f)): int(n)
              for t, f, n in zip(raw["org_type"], raw["field"], raw["members"])}
    total = codebook.all_label(lang)
    types = codebook.codes("org_type") + [None]
    fields_ = codebook.codes("field") + [None]
    records = []
    for t in types:
        for f in fields_:
            n = counts.get((t, f), 0)
            records.append({
                "org_type": t, "org_type_label": total if t is None else codebook.code_label("org_type", t, lang),
                "field": f, "field_label": total if f is None else codebook.code_label("field", f, lang),
                "members": n, "display": f"{n:,}", "is_total": t is None or f is None,
            })
    df = pd.DataFrame.from_records(records)
    df["org_type"] = df["org_type"].astype("Int64")
    df["field"] = df["field"].astype("Int64")
    df["members"] = df["members"].astype("Int64")
    df.attrs.update(rows="org_type", cols="field")
    return df
