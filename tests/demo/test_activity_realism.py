"""Activity and referrals: months, small counts in small districts, season, plausible flows."""

from __future__ import annotations

import pandas as pd


def _activity(data) -> pd.DataFrame:
    return data.activity.astype(
        {"district": int, "field": int, "consultations": int, "new_cases": int, "outreach": int}
    )


def test_two_full_fiscal_years(default):
    months = sorted(set(default.activity["month"]))
    assert months == [str(p) for p in pd.period_range("2023-04", "2025-03", freq="M")]
    assert sorted(set(default.referrals["month"])) == months


def test_each_org_reports_only_its_own_districts_and_fields(default):
    orgs = default.organisations.set_index("org_id")
    for org_id, rows in _activity(default).groupby("org_id"):
        districts = orgs.at[org_id, "districts"]
        allowed_d = set(range(1, 7)) if districts == "all" else {int(d) for d in districts.split(";")}
        allowed_f = {int(f) for f in orgs.at[org_id, "fields"].split(";")}
        assert set(rows["district"]) == allowed_d
        assert set(rows["field"]) == allowed_f


def test_small_counts_in_every_outer_district_and_volume_follows_population(default):
    act = _activity(default)
    small = act[act["consultations"].between(1, 4)]
    assert set(small["district"]) == set(range(1, 7))
    assert len(small) / len(act) > 0.2
    totals = act.groupby("district")["consultations"].sum()
    pop = default.population.astype({"district": int, "population": int}).groupby("district")["population"].sum()
    assert totals.idxmax() == 1 and pop.idxmax() == 1
    assert totals[5] < totals[1] / 5
    assert (act["new_cases"] <= act["consultations"]).all()
    assert act["consultations"].max() >= 10


def test_winter_busier_than_summer_and_growth_after_the_platform(default):
    act = _activity(default)
    by_month = act.groupby(act["month"].str[5:])["consultations"].sum()
    assert by_month["01"] + by_month["02"] > by_month["07"] + by_month["08"]
    fy = act["month"].str[:4].astype(int) - (act["month"].str[5:].astype(int) < 4)
    per_year = act.groupby(fy)["consultations"].sum()
    assert per_year[2024] > per_year[2023]


def test_referrals_are_plausible(default):
    ref = default.referrals.astype({"count": int})
    types = default.organisations.set_index("org_id")["org_type"].astype(int)
    pairs = set(zip(ref["from_org"].map(types), ref["to_org"].map(types)))
    assert (3, 2) in pairs  # 地域包括 → 社協
    assert (1, 4) in pairs  # 市役所 → NPO
    assert (ref["count"] >= 1).all() and (ref["from_org"] != ref["to_org"]).all()
    per_pair = ref.groupby(["from_org", "to_org"])["count"].sum()
    assert per_pair.idxmax()[0] in set(types[types == 3].index)
