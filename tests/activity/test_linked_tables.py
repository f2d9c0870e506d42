"""The tables the 支援団体の活動 page shows together, checked as one release.

For one setting of the page (measure, breakdown, period, districts) the page shows the monthly
table by the breakdown with its margins, the fiscal-year table by the breakdown, and the
consultations per district (rates per 1,000 and the district-need table). Many figures are the same
sums in several tables (a district's total over the period, a fiscal year's total, the grand total),
and a fiscal year's cells are sums of its months. Every entry of every table is written here as a
sum of *atoms* — the counts and record-key sums per month × group × district, computed with pandas
from the raw rows. Each entry must be its true sum released by its cell key (oracle.py), and the
same sum must show the same way in every table that shows it: the same rows make the same cell key,
hence the same noise.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from data import codebook
from queries import activity as A, need as N
from queries.filters import ActivityFilters, fiscal_year_of

from . import oracle

MONTHS = [d.date() for d in pd.date_range("2024-01", "2024-08", freq="MS")]  # FY2023 and FY2024
COUNTS = [0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 13, 40]
PAGE_BREAKDOWNS = [None, "field", "district", "org_type"]


# ---- the survey estimate behind district_need is not under test here: a stand-in -----------------


def _indicator_table(con, indicator, by=(), filters=None):
    rows = [
        {
            "district": d,
            "is_total": d is pd.NA,
            "n": 100,
            "n_eff": 100.0,
            "estimate_pct": 20.0,
            "ci_low_pct": 15.0,
            "ci_high_pct": 25.0,
            "reliability": "ok",
            "suppressed": False,
            "difference": pd.NA,
            "open_web": False,
        }
        for d in [pd.NA] + codebook.codes("district")
    ]
    df = pd.DataFrame(rows)
    df["district"] = df["district"].astype("Int64")
    return df


@pytest.fixture(autouse=True)
def stand_in_indicators(monkeypatch):
    monkeypatch.setattr(N, "indicator_table", _indicator_table)


# ---- what a reader of the page sees, as sums of atoms ------------------------------------------


class Release:
    """Every entry of the page's tables: which atoms it sums, its true value and what is shown."""

    def __init__(self, rows: pd.DataFrame, orgs: pd.DataFrame, by: str | None, f: ActivityFilters):
        df = rows.merge(orgs[["org_id", "org_type"]], on="org_id")
        df["month"] = pd.to_datetime(df["month"])
        self.df = df
        self.by = by
        self.f = f
        self.atoms: dict[tuple, int] = {}  # (measure, month, group, district) -> column
        self.entries: list[dict] = []

    def vector(self, measure, months, group, district, by):
        """Atoms of the sum over months × (group of `by`, None = all) × (district, None = all)."""
        districts = [district] if district is not None else list(self.f.districts or codebook.codes("district"))
        keys = []
        for m in months:
            for d in districts:
                if by is None:
                    keys.append((measure, m, None, d))
                elif by == "district":
                    if group is None or group == d:
                        keys.append((measure, m, d, d))
                else:
                    groups = [group] if group is not None else self.groups[by]
                    keys += [(measure, m, g, d) for g in groups]
        return tuple(sorted(self.atoms.setdefault(k, len(self.atoms)) for k in keys))

    def add(self, table, vec, value, display, mark):
        self.entries.append({"table": table, "vec": vec, "value": value, "display": display, "mark": mark})

    def true_values(self) -> tuple[np.ndarray, np.ndarray]:
        """(count, record-key sum) of each atom from the raw rows (pandas only); atoms without
        rows are 0."""
        df = self.df
        if self.f.districts:
            df = df[df["district"].isin(self.f.districts)]
        x = np.zeros(len(self.atoms), dtype=np.int64)
        k = np.zeros(len(self.atoms), dtype=np.int64)
        for measure in {key[0] for key in self.atoms}:
            keys = ["month", "district"] + ([{"org": "org_id"}.get(self.by, self.by)] if self.by else [])
            sums = df.groupby(keys)[[measure, "record_key"]].sum()
            for key, (v, key_sum) in zip(sums.index, sums.to_numpy()):
                month, district = pd.Timestamp(key[0]), int(key[1])
                group = _group_key(key[2]) if self.by else None
                col = self.atoms.get((measure, month, group, district))
                if col is not None:
                    x[col], k[col] = v, key_sum
        return x, k


def _group_key(value):
    """A code (int) or an org_id (text)."""
    return str(value) if isinstance(value, str) else int(value)


def page_release(con, rows, orgs, measure, by, f) -> Release:
    """ROWS: the raw activity rows with their record keys."""
    rel = Release(rows, orgs, by, f)
    monthly = A.activity_by_month(con, measure, by, f)
    yearly = A.activity_by_fiscal_year(con, measure, by, f)
    rates = A.rates_per_1000(con, "consultations", f)
    need = N.district_need(con, object(), f)

    period = [pd.Timestamp(m) for m in monthly["month"].dropna().unique()]
    rel.period = period
    rel.groups = {by: [_group_key(g) for g in monthly[by].dropna().unique()]} if by else {}
    fy_months = {}
    for m in period:
        fy_months.setdefault(fiscal_year_of(m.date()), []).append(m)

    def group_of(rec):
        return None if by is None or pd.isna(rec[by]) else _group_key(rec[by])

    for rec in monthly.to_dict("records"):
        months = period if pd.isna(rec["month"]) else [pd.Timestamp(rec["month"])]
        rel.add(
            "monthly", rel.vector(measure, months, group_of(rec), None, by), rec["value"], rec["display"], rec["mark"]
        )
    for rec in yearly.to_dict("records"):
        months = period if pd.isna(rec["fiscal_year"]) else fy_months.get(int(rec["fiscal_year"]), [])
        rel.add(
            "fiscal_year",
            rel.vector(measure, months, group_of(rec), None, by),
            rec["value"],
            rec["display"],
            rec["mark"],
        )
    # Per district the breakdown does not matter: the same atoms summed over every group.
    for rec in rates.to_dict("records"):
        d = None if pd.isna(rec["district"]) else int(rec["district"])
        vec = rel.vector("consultations", period, None, d, by)
        rel.add("rates", vec, rec["value"], rec["display"], rec["mark"])
        assert pd.isna(rec["rate_per_1000"]) or rec["mark"] == "", "a rate gives its count away"
    for rec in need.to_dict("records"):
        if rec["consultations_display"] == A.NOT_AVAILABLE:
            continue
        d = None if pd.isna(rec["district"]) else int(rec["district"])
        vec = rel.vector("consultations", period, None, d, by)
        rel.add("need", vec, rec["consultations"], rec["consultations_display"], rec["consultations_mark"])
        assert pd.isna(rec["rate_per_1000"]) or rec["consultations_mark"] == ""
    return rel


def rows_of(release: Release) -> tuple[np.ndarray, list[dict]]:
    a = np.zeros((len(release.entries), len(release.atoms)), dtype=np.int64)
    for i, e in enumerate(release.entries):
        a[i, list(e["vec"])] = 1
    return a, release.entries


def check_release(release: Release) -> None:
    a, entries = rows_of(release)
    counts, keys = release.true_values()
    truth, key_sums = a @ counts, a @ keys
    d = oracle.max_noise("activity")
    # (a) every entry is its true sum released by its cell key: "<5" for 1..4, else the number;
    #     within D of the truth; a zero stays zero.
    for e, v, k in zip(entries, truth, key_sums):
        where = (e["table"], e["vec"][:6], int(v))
        released = oracle.released(v, k)
        assert abs(released - v) <= d, where
        if 1 <= released <= oracle.small_max():
            assert e["display"] == "<5" and e["mark"] == "small_count" and pd.isna(e["value"]), where
        else:
            assert e["mark"] == "" and e["value"] == released and e["display"] == f"{released:,}", where
        if v == 0:
            assert e["display"] == "0", where
    # (b) the same sum shows the same way in every table that shows it.
    seen: dict[tuple, tuple] = {}
    for e in entries:
        first = seen.setdefault(e["vec"], (e["table"], e["display"]))
        assert first[1] == e["display"], (first, e["table"], e["display"], e["vec"][:6])


def shared_figures(release: Release) -> int:
    """How many sums the release shows in more than one table (so that (b) is not vacuous)."""
    tables: dict[tuple, set] = {}
    for e in release.entries:
        tables.setdefault(e["vec"], set()).add(e["table"])
    return sum(len(t) > 1 for t in tables.values())


# ---- random monthly data -----------------------------------------------------------------------


@st.composite
def activity_data(draw, orgs):
    n = draw(st.integers(1, 30))
    rows = []
    org_ids = list(orgs["org_id"])
    for _ in range(n):
        rows.append(
            (
                draw(st.sampled_from(org_ids)),
                draw(st.sampled_from(MONTHS)),
                draw(st.sampled_from(codebook.codes("district"))),
                draw(st.sampled_from(codebook.codes("field")[:4])),
                draw(st.sampled_from(COUNTS)),
                draw(st.sampled_from(COUNTS[:8])),
                draw(st.sampled_from(COUNTS[:8])),
            )
        )
    df = pd.DataFrame(rows, columns=["org_id", "month", "district", "field", "consultations", "new_cases", "outreach"])
    # one row per organisation, month, district and field, as the extract has it
    return df.groupby(["org_id", "month", "district", "field"], as_index=False).sum()


SETTINGS = st.tuples(
    st.sampled_from(["consultations", "consultations", "new_cases"]),
    st.sampled_from(PAGE_BREAKDOWNS),
    st.sampled_from(
        [
            ActivityFilters(),
            ActivityFilters(fiscal_years=(2024,)),
            ActivityFilters(start="2023-04", end="2024-03"),
            ActivityFilters(start="2024-05", end="2024-05"),
            ActivityFilters(districts=(2,)),
            ActivityFilters(fiscal_years=(2024,), districts=(4,)),
        ]
    ),
)


def test_the_same_figure_is_the_same_released_value_in_every_table(kit):
    # 藤島 (2) has 3 consultations over the period, 羽黒 (3) 6, 温海 (6) 25: each district's total
    # over the period is one figure of the monthly table (its column total), the fiscal-year table
    # (FY2024 is the whole period), the rates and the district-need table, and it shows the same in
    # all four; so does the city total.
    D = dt.date
    rows = pd.DataFrame(
        [
            ("A01", D(2024, 4, 1), 1, 1, 50, 0, 0),
            ("A01", D(2024, 5, 1), 1, 1, 40, 0, 0),
            ("A01", D(2024, 4, 1), 2, 1, 3, 0, 0),
            ("A01", D(2024, 4, 1), 3, 1, 3, 0, 0),
            ("A01", D(2024, 5, 1), 3, 1, 3, 0, 0),
            ("A01", D(2024, 5, 1), 4, 1, 30, 0, 0),
            ("A01", D(2024, 4, 1), 5, 1, 20, 0, 0),
            ("A01", D(2024, 5, 1), 6, 1, 25, 0, 0),
        ],
        columns=["org_id", "month", "district", "field", "consultations", "new_cases", "outreach"],
    )
    con = kit.build_db(rows, None, kit.population_frame())
    release = page_release(con, kit.keyed("activity", rows), kit.ORGS, "consultations", "district", ActivityFilters())
    check_release(release)
    assert shared_figures(release) >= 7  # six districts and the city, in four tables each
    tables_of: dict[tuple, list] = {}
    for e in release.entries:
        tables_of.setdefault(e["vec"], []).append(e)
    keyed = kit.keyed("activity", rows)
    for district, part in keyed.groupby("district"):
        expected = oracle.display(int(part["consultations"].sum()), int(part["record_key"].sum()))
        vec = release.vector("consultations", release.period, district, None, "district")
        shown = [(e["table"], e["display"]) for e in tables_of[vec]]
        assert {t for t, _ in shown} == {"monthly", "fiscal_year", "rates", "need"}, (district, shown)
        assert {x for _, x in shown} == {expected}, (district, shown)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_every_table_releases_its_true_sums_and_shared_figures_agree(kit, data):
    rows = data.draw(activity_data(kit.ORGS))
    measure, by, f = data.draw(SETTINGS)
    con = kit.build_db(rows, None, kit.population_frame())
    try:
        check_release(page_release(con, kit.keyed("activity", rows), kit.ORGS, measure, by, f))
    finally:
        con.close()
