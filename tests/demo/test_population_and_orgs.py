"""The population approximates Tsuruoka as the module says; the organisations are plainly invented."""

from __future__ import annotations

import re

import numpy as np

from data import codebook

TOTAL_2024 = 117_828
CENSUS_2005 = np.array([98_127, 11_595, 9_323, 8_320, 5_378, 9_641])
DECLINE_2005_2010 = np.array([0.028, 0.047, 0.040, 0.053, 0.104, 0.101])
CENTRES = {
    1: (38.72722, 139.82667),
    2: (38.76583, 139.90461),
    3: (38.6709, 139.9445),
    4: (38.67889, 139.85008),
    5: (38.4878, 139.8415),
    6: (38.62089, 139.58697),
}


def _population(default):
    pop = default.population.astype({"district": int, "age_band": int, "sex": int, "population": int})
    return pop


def test_population_size_and_date(default):
    pop = _population(default)
    assert set(pop["as_of"]) == {"2024-01-01"}
    assert 102_000 <= pop["population"].sum() <= 104_000
    assert (pop["population"] > 0).all()


def test_district_shares_follow_the_census_shrunk_by_the_declines(default):
    pop = _population(default)
    shares = pop.groupby("district")["population"].sum().sort_index().to_numpy()
    shares = shares / shares.sum()
    # Independent expectation: 2005 counts × decline compounded over 19 years, as shares.
    expected = CENSUS_2005 * (1 - DECLINE_2005_2010) ** (19 / 5)
    expected = expected / expected.sum()
    # Only the under-16 share differs by district, so 16+ shares stay within half a point.
    assert np.abs(shares - expected).max() < 0.005
    assert shares[0] > 0.70 and shares[4] == shares.min()


def test_old_age_structure_and_older_outer_districts(default):
    pop = _population(default)
    by = pop.pivot_table(index="district", columns="age_band", values="population", aggfunc="sum")
    older = 0.5 * by[6] + by[7] + by[8]
    assert 0.36 <= older.sum() / TOTAL_2024 <= 0.38
    share = older / by.sum(axis=1)
    assert (share.loc[2:6] > share.loc[1]).all()
    assert share.loc[5] > share.loc[2] and share.loc[6] > share.loc[3]
    women = pop[pop["sex"] == 2].groupby("age_band")["population"].sum()
    men = pop[pop["sex"] == 1].groupby("age_band")["population"].sum()
    assert women[8] > 1.5 * men[8] and women[2] < men[2]


def test_organisations_are_invented_and_cover_every_type_and_field(default):
    orgs = default.organisations
    assert 18 <= len(orgs) <= 25
    assert orgs["name"].str.contains("架空").all()
    assert orgs["phone"].str.fullmatch(r"0235-00-\d{4}").all()
    assert orgs["address"].str.startswith("鶴岡市（架空）").all()
    assert orgs["url"].str.startswith("https://example.jp/").all()
    assert set(orgs["org_type"].astype(int)) == set(codebook.codes("org_type"))
    fields = {int(f) for cell in orgs["fields"] for f in cell.split(";")}
    assert fields == set(codebook.codes("field"))
    assert (orgs["member"] == "1").mean() > 0.7
    assert (orgs["districts"] == "all").any() and (orgs["districts"] != "all").any()


def test_organisations_sit_near_a_district_centre(default):
    for lat, lon in zip(default.organisations["lat"].astype(float), default.organisations["lon"].astype(float)):
        nearest = min(np.hypot(lat - c[0], lon - c[1]) for c in CENTRES.values())
        assert nearest < 0.02, (lat, lon)


def test_scaled_organisations_are_invented_sites_too(scaled):
    orgs = scaled.organisations
    assert len(orgs) > 22
    assert orgs["name"].str.contains("架空").all()
    copies = orgs[orgs["org_id"].str.contains("-")]
    assert copies["name"].str.contains(r"第\d+拠点").all()
    assert all(re.fullmatch(r"O\d{2}-\d{2}", i) for i in copies["org_id"])
