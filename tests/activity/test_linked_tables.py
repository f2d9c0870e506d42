"""The tables the 支援団体の活動 page shows together, checked as one release.

For one setting of the page (measure, breakdown, fiscal years, districts) the page shows the
monthly table by the breakdown with its margins, the fiscal-year table by the breakdown, and the
consultations per district (rates per 1,000 and the district-need table). Many figures are the same
sums in several tables (a district's total over the period, a fiscal year's total, the grand total),
and a fiscal year's cells are sums of its months. Every entry of every table is written here as a
sum of *atoms* — the counts per month × group × district, computed with pandas from the raw rows —
and a reader who sees all the shown numbers of all the tables is modelled as the linear system of
those sums. A masked entry is recovered exactly when its row lies in the span of the shown rows.
"""
from __future__ import annotations

import datetime as dt
import sys
import types

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from data import codebook
from queries import activity as A

MONTHS = [d.date() for d in pd.date_range("2024-01", "2024-08", freq="MS")]   # FY2023 and FY2024
COUNTS = [0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 13, 40]
PAGE_BREAKDOWNS = [None, "field", "district", "org_type"]


# ---- the survey estimate behind district_need is not under test here: a stand-in -----------------

def _indicator_table(con, indicator, by=(), filters=None):
    rows = [{"district": d, "is_total": d is pd.NA, "n": 100, "n_eff": 100.0, "estimate_pct": 20.0,
             "ci_low_pct": 15.0, "ci_high_pct": 25.0, "reliability": "ok", "suppressed": False,
             "difference": pd.NA, "open_web": False}
            for d in [pd.NA] + codebook.codes("district")]
    df = pd.DataFrame(rows)
    df["district"] = df["district"].astype("Int64")
    return df


@pytest.fixture(autouse=True)
def stand_in_indicators():
    module = types.ModuleType("queries.indicators")
    module.indicator_table = _indicator_table
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "queries.indicators", module)
        yield


# ---- what a reader of the page sees, as sums of atoms ------------------------------------------

class Release:
    """Every entry of the page's tables: which atoms it sums, its true value and what is shown."""

    def __init__(self, rows: pd.DataFrame, orgs: pd.DataFrame, by: str | None, f: A.ActivityFilters):
        df = rows.merge(orgs[["org_id", "org_type"]], on="org_id")
        df["month"] = pd.to_datetime(df["month"])
        self.df = df
        self.by = by
        self.f = f
        self.atoms: dict[tuple, int] = {}       # (measure, month, group, district) -> column
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

    def true_values(self):
        """Value of each atom from the raw rows (pandas only); atoms without rows are 0."""
        df = self.df
        if self.f.districts:
            df = df[df["district"].isin(self.f.districts)]
        x = np.zeros(len(self.atoms))
        for measure in {k[0] for k in self.atoms}:
            keys = ["month", "district"] + ([{"org": "org_id"}.get(self.by, self.by)] if self.by else [])
            sums = df.groupby(keys)[measure].sum()
            for key, v in sums.items():
                month, district = pd.Timestamp(key[0]), int(key[1])
                group = _group_key(key[2]) if self.by else None
                col = self.atoms.get((measure, month, group, district))
                if col is not None:
                    x[col] = v
        return x


def _group_key(value):
    """A code (int) or an org_id (text)."""
    return str(value) if isinstance(value, str) else int(value)


def page_release(con, rows, orgs, measure, by, f) -> Release:
    rel = Release(rows, orgs, by, f)
    monthly = A.activity_by_month(con, measure, by, f)
    yearly = A.activity_by_fiscal_year(con, measure, by, f)
    rates = A.rates_per_1000(con, "consultations", f)
    need = A.district_need(con, object(), f)

    period = [pd.Timestamp(m) for m in monthly["month"].dropna().unique()]
    rel.groups = {by: [_group_key(g) for g in monthly[by].dropna().unique()]} if by else {}
    fy_months = {}
    for m in period:
        fy_months.setdefault(A.fiscal_year_of(m.date()), []).append(m)

    def group_of(rec):
        return None if by is None or pd.isna(rec[by]) else _group_key(rec[by])

    for rec in monthly.to_dict("records"):
        months = period if pd.isna(rec["month"]) else [pd.Timestamp(rec["month"])]
        rel.add("monthly", rel.vector(measure, months, group_of(rec), None, by),
                rec["value"], rec["display"], rec["mark"])
    for rec in yearly.to_dict("records"):
        months = period if pd.isna(rec["fiscal_year"]) else fy_months.get(int(rec["fiscal_year"]), [])
        rel.add("fiscal_year", rel.vector(measure, months, group_of(rec), None, by),
                rec["value"], rec["display"], rec["mark"])
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
    a = np.zeros((len(release.entries), len(release.atoms)))
    for i, e in enumerate(release.entries):
        a[i, list(e["vec"])] = 1.0
    return a, release.entries


def recoverable(shown: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """For each hidden row h: is rank([shown; h]) == rank(shown), i.e. h a combination of shown rows?

    All at once: h adds nothing to the rank exactly when it equals its projection onto the row
    space of `shown`. An orthonormal basis of that space comes from the eigenvectors of the small
    Gram matrix shown·shownᵀ (an SVD of the wide matrix is needlessly slow on a busy machine);
    test_recoverable_is_the_rank_test checks this against numpy.linalg.matrix_rank.
    """
    if hidden.size == 0:
        return np.zeros(0, dtype=bool)
    if shown.size == 0:
        return np.zeros(len(hidden), dtype=bool)
    w, u = np.linalg.eigh(shown @ shown.T)
    keep = w > 1e-9 * max(1.0, w.max())
    basis = (u[:, keep].T @ shown) / np.sqrt(w[keep])[:, None]
    residual = hidden - (hidden @ basis.T) @ basis
    return np.linalg.norm(residual, axis=1) < 1e-6


def test_recoverable_is_the_rank_test():
    rng = np.random.default_rng(5)
    for _ in range(200):
        r, n = rng.integers(1, 12), rng.integers(1, 14)
        shown = (rng.random((r, n)) < 0.4).astype(float)
        hidden = (rng.random((6, n)) < 0.4).astype(float)
        hidden[0] = shown[0] + shown[-1]           # always a combination
        base = np.linalg.matrix_rank(shown)
        expected = [np.linalg.matrix_rank(np.vstack([shown, h])) == base for h in hidden]
        assert list(recoverable(shown, hidden)) == expected


def check_release(release: Release):
    a, entries = rows_of(release)
    truth = a @ release.true_values()
    small_max = int(codebook.estimation()["activity_small_count_max"])
    suppressed = codebook.mark_label("suppressed", "ja")
    # (a) every count of 1-4 shows as "<5"; shown numbers are the true sums; nothing masked leaks a number.
    for e, v in zip(entries, truth):
        where = (e["table"], e["vec"][:6])
        if 1 <= v <= small_max:
            assert e["display"] == "<5" and e["mark"] == "small_count", where
        if e["mark"] == "":
            assert e["value"] == v and e["display"] == f"{int(v):,}", where
        else:
            assert pd.isna(e["value"]) and e["display"] in ("<5", suppressed), where
    # (c) the same sum shows the same way in every table that shows it.
    seen: dict[tuple, tuple] = {}
    for e in entries:
        first = seen.setdefault(e["vec"], (e["table"], e["display"]))
        assert first[1] == e["display"], (first, e["table"], e["display"], e["vec"][:6])
    # (b) no masked entry follows from all the shown numbers of all the tables together.
    shown = np.array([e["mark"] == "" for e in entries])
    fixed = recoverable(a[shown], a[~shown])
    masked = [e for e, s in zip(entries, shown) if not s]
    leaks = [(e["table"], e["mark"], int(v)) for e, v, k in zip(masked, truth[~shown], fixed) if k]
    assert not leaks, leaks


# ---- random monthly data -----------------------------------------------------------------------

@st.composite
def activity_data(draw, orgs):
    n = draw(st.integers(1, 30))
    rows = []
    org_ids = list(orgs["org_id"])
    for _ in range(n):
        rows.append((
            draw(st.sampled_from(org_ids)),
            draw(st.sampled_from(MONTHS)),
            draw(st.sampled_from(codebook.codes("district"))),
            draw(st.sampled_from(codebook.codes("field")[:4])),
            draw(st.sampled_from(COUNTS)),
            draw(st.sampled_from(COUNTS[:8])),
            draw(st.sampled_from(COUNTS[:8])),
        ))
    df = pd.DataFrame(rows, columns=["org_id", "month", "district", "field", "consultations",
                                     "new_cases", "outreach"])
    # one row per organisation, month, district and field, as the extract has it
    return df.groupby(["org_id", "month", "district", "field"], as_index=False).sum()


SETTINGS = st.tuples(
    st.sampled_from(["consultations", "consultations", "new_cases"]),
    st.sampled_from(PAGE_BREAKDOWNS),
    st.sampled_from([A.ActivityFilters(), A.ActivityFilters(fiscal_years=(2024,)),
                     A.ActivityFilters(fiscal_years=(2023, 2024)), A.ActivityFilters(districts=(2, 3, 5)),
                     A.ActivityFilters(fiscal_years=(2024,), districts=(1, 4))]),
)


def test_the_page_tables_mask_together_in_a_hand_made_case(kit):
    # 藤島 (2) has 3 consultations over the period. Protected one by one, the monthly table showed
    # 羽黒 (3) = 6 and hid 温海 (6) = 25, while the fiscal-year and rates tables hid 羽黒 and showed
    # 温海: side by side, 藤島 = 174 - 90 - 6 - 30 - 20 - 25 = 3.
    D = dt.date
    rows = pd.DataFrame([
        ("A01", D(2024, 4, 1), 1, 1, 50, 0, 0), ("A01", D(2024, 5, 1), 1, 1, 40, 0, 0),
        ("A01", D(2024, 4, 1), 2, 1, 3, 0, 0),
        ("A01", D(2024, 4, 1), 3, 1, 3, 0, 0), ("A01", D(2024, 5, 1), 3, 1, 3, 0, 0),
        ("A01", D(2024, 5, 1), 4, 1, 30, 0, 0), ("A01", D(2024, 4, 1), 5, 1, 20, 0, 0),
        ("A01", D(2024, 5, 1), 6, 1, 25, 0, 0),
    ], columns=["org_id", "month", "district", "field", "consultations", "new_cases", "outreach"])
    con = kit.build_db(rows, None, kit.population_frame())
    check_release(page_release(con, rows, kit.ORGS, "consultations", "district", A.ActivityFilters()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_no_masked_count_can_be_recovered_from_the_tables_shown_together(kit, data):
    rows = data.draw(activity_data(kit.ORGS))
    measure, by, f = data.draw(SETTINGS)
    con = kit.build_db(rows, None, kit.population_frame())
    try:
        check_release(page_release(con, rows, kit.ORGS, measure, by, f))
    finally:
        con.close()
