"""district_need: the survey estimate scaled by the population aged 16+, beside consultations.

The estimate itself belongs to queries.indicators; here indicator_table is replaced by a stand-in
with known numbers so the scaling, the suppression carry-over and the join can be checked exactly.
"""

from __future__ import annotations

import pandas as pd
import pytest

from data import codebook
from queries import activity as A, need as N
from queries.filters import ActivityFilters

from . import oracle

NA = pd.NA
# district, n, estimate, low, high, suppressed (the All row first, 無回答 last, as the contract says)
ESTIMATES = [
    (NA, 900, 20.0, 17.5, 22.7, False),
    (1, 500, 18.0, 14.8, 21.7, False),
    (2, 80, 25.0, 16.8, 35.5, False),
    (3, 60, 12.5, 6.2, 23.5, False),
    (4, 8, NA, NA, NA, True),
    (5, 40, 30.0, 18.1, 45.4, False),
    (6, 70, 22.2, 14.0, 33.4, False),
    (9, 30, 26.7, 14.2, 44.5, False),
]


class Calls(list):
    pass


@pytest.fixture
def fake_indicators(monkeypatch):
    calls = Calls()

    def indicator_table(con, indicator, by=(), filters=None):
        calls.append((indicator, list(by), filters))
        rows = []
        for d, n, est, lo, hi, sup in ESTIMATES:
            rows.append(
                {
                    "district": d,
                    "is_total": d is NA,
                    "n": NA if sup else n,
                    "n_eff": NA if sup else float(n),
                    "estimate_pct": est,
                    "ci_low_pct": lo,
                    "ci_high_pct": hi,
                    "reliability": "low" if (not sup and n < 100) else "ok",
                    "suppressed": sup,
                    "difference": NA,
                    "open_web": False,
                }
            )
        df = pd.DataFrame(rows)
        df["district"] = df["district"].astype("Int64")
        df["n"] = df["n"].astype("Int64")
        for c in ("n_eff", "estimate_pct", "ci_low_pct", "ci_high_pct"):
            df[c] = df[c].astype("Float64")
        return df

    monkeypatch.setattr(N, "indicator_table", indicator_table)
    return calls


def rounded_people(pct, pop):
    return float(round(pct * pop / 100 / 10) * 10)


def test_district_need_scales_estimate_and_interval_by_population(db, kit, fake_indicators):
    survey_filters = object()  # passed through untouched to the indicator engine
    act = ActivityFilters(fiscal_years=(2024,))
    df = N.district_need(db, survey_filters, act, "ja")
    assert fake_indicators == [("lonely_sometimes_plus", ["district"], survey_filters)]

    pop = kit.population_frame()
    pop = pop[pop["as_of"] == pop["as_of"].max()].groupby("district")["population"].sum()
    assert pd.isna(df["district"].iloc[0]) and list(df["district"].iloc[1:]) == [1, 2, 3, 4, 5, 6]
    assert df["district_label"].tolist() == ["全体"] + [codebook.code_label("district", d) for d in range(1, 7)]
    assert (df["population_as_of"] == pd.Timestamp("2024-01-01")).all()
    for rec, (d, _n, est, lo, hi, sup) in zip(df.to_dict("records"), ESTIMATES[:7]):
        p = int(pop.sum()) if d is NA else int(pop[d])
        assert rec["population"] == p
        assert rec["population_display"] == f"{p:,}"
        if sup:
            assert rec["suppressed"] and pd.isna(rec["residents_est"])
            assert pd.isna(rec["residents_low"]) and pd.isna(rec["residents_high"])
            assert rec["residents_display"] == codebook.mark_label("suppressed", "ja")
        else:
            assert rec["residents_est"] == rounded_people(est, p)
            assert rec["residents_low"] == rounded_people(lo, p)
            assert rec["residents_high"] == rounded_people(hi, p)
            assert rec["residents_low"] <= rec["residents_est"] <= rec["residents_high"]
            assert rec["residents_display"] == (
                f"{rounded_people(est, p):,.0f} ({rounded_people(lo, p):,.0f}〜{rounded_people(hi, p):,.0f})"
            )
            assert rec["estimate_pct"] == est and rec["reliability"] in ("ok", "low")


def test_district_need_puts_the_masked_consultations_beside_each_district(db, fake_indicators):
    act = ActivityFilters(fiscal_years=(2024,))
    need = N.district_need(db, object(), act, "en")
    rates = A.rates_per_1000(db, "consultations", act, "en")
    for rec in need.to_dict("records"):
        match = (
            rates[rates["district"].isna()] if pd.isna(rec["district"]) else rates[rates["district"] == rec["district"]]
        )
        r = match.iloc[0]
        assert rec["consultations_display"] == r["display"]
        assert rec["consultations_mark"] == r["mark"]
        assert (pd.isna(rec["consultations"]) and pd.isna(r["value"])) or rec["consultations"] == r["value"]
        assert rec["rate_display"] == r["rate_display"]
    assert need["district_label"].iloc[0] == "All"
    assert str(need["consultations"].dtype) == "Int64" and str(need["residents_est"].dtype) == "Float64"


def test_district_need_releases_each_district_by_its_cell_key(kit, fake_indicators):
    counts = {1: 200, 2: 2, 3: 30, 4: 9, 5: 50, 6: 60}
    rows = pd.DataFrame(
        [("A01", pd.Timestamp("2024-06-01").date(), d, 1, c, 0, 0) for d, c in counts.items()],
        columns=["org_id", "month", "district", "field", "consultations", "new_cases", "outreach"],
    )
    con = kit.build_db(rows, None, kit.population_frame())
    need = N.district_need(con, object(), ActivityFilters(), "ja")
    keys = dict(zip(kit.keyed("activity", rows)["district"], kit.keyed("activity", rows)["record_key"]))
    by_d = need.set_index("district")
    for d, c in counts.items():
        released = oracle.released(c, keys[d])
        rec = by_d.loc[d]
        assert abs(released - c) <= oracle.max_noise("activity")
        if 1 <= released <= 4:
            assert rec["consultations_display"] == "<5" and rec["consultations_mark"] == "small_count"
            assert pd.isna(rec["consultations"]) and pd.isna(rec["rate_per_1000"])
            assert rec["rate_display"] == "<5"
        else:
            assert rec["consultations"] == released and rec["consultations_display"] == f"{released:,}"
            assert rec["rate_per_1000"] == round(1000 * released / int(rec["population"]), 1)
    city = need[need["district"].isna()].iloc[0]
    assert city["consultations"] == oracle.released(sum(counts.values()), sum(keys.values()))


def test_district_need_with_a_district_filter_leaves_the_city_consultations_out(db, fake_indicators):
    for districts in ((1,), (5,)):
        need = N.district_need(db, object(), ActivityFilters(districts=districts), "ja")
        city = need[need["district"].isna()].iloc[0]
        assert pd.isna(city["consultations"]) and city["consultations_display"] == N.NOT_AVAILABLE
        for d in codebook.codes("district"):
            row = need[need["district"] == d].iloc[0]
            assert (row["consultations_display"] == N.NOT_AVAILABLE) == (d not in districts)
