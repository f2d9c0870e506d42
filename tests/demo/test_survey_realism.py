"""Sizes and national-survey-like patterns, computed from the generated survey files.

The default data set (1,500 random-sample responses) carries the checks with large contrasts;
the 20,000-response set the finer ones, so sampling noise cannot decide them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

COLUMNS = [
    "age_band",
    "sex",
    "district",
    "household",
    "lonely_direct",
    "ucla_1",
    "ucla_2",
    "ucla_3",
    "meet_freq",
    "participation",
    "confidant",
    "support_received",
]


def _decoded(data, helpers) -> pd.DataFrame:
    out = pd.DataFrame({c: helpers.answer_codes(data.survey, c) for c in COLUMNS})
    out["channel"] = data.survey["channel"].astype(int)
    out["ucla"] = out["ucla_1"] + out["ucla_2"] + out["ucla_3"]
    return out


@pytest.fixture
def small(default, helpers):
    return _decoded(default, helpers)


@pytest.fixture
def large(scaled, helpers):
    return _decoded(scaled, helpers)


def _pct(mask: pd.Series, among: pd.Series) -> float:
    return 100 * mask[among].mean()


def _often(frame: pd.DataFrame) -> pd.Series:
    return frame["lonely_direct"].dropna().eq(5)


def test_sizes_of_the_default_waves(default):
    survey = default.survey
    assert sorted(set(survey["wave"])) == ["2023", "2024", "2025"]
    for _, part in survey.groupby("wave"):
        assert (part["channel"] == "1").sum() == 1500
        assert (part["channel"] == "2").sum() == 400


def test_the_platform_effect_lowers_loneliness_in_fujishima_from_2024(default, helpers):
    """demo_survey.PLATFORM_EFFECT: 藤島 (2) lonelier in 2023 than in 2025 by a clear margin among the
    random sample; 鶴岡 (1), with no effect, about the same (its wave-to-wave drift is small)."""
    survey = default.survey
    frame = pd.DataFrame(
        {
            "wave": survey["wave"],
            "channel": survey["channel"],
            "district": helpers.answer_codes(survey, "district"),
            "lonely": helpers.answer_codes(survey, "lonely_direct"),
        }
    )
    frame = frame[(frame["channel"] == "1") & frame["lonely"].notna()]
    share = (frame["lonely"] >= 4).groupby([frame["district"], frame["wave"]]).mean() * 100
    assert share[(2.0, "2023")] - share[(2.0, "2025")] > 8
    assert abs(share[(1.0, "2023")] - share[(1.0, "2025")]) < 5


@pytest.mark.parametrize("which", ["small", "large"])
def test_headline_levels_resemble_the_national_survey(which, request):
    r = request.getfixturevalue(which)
    r = r[r["channel"] == 1]
    direct = r["lonely_direct"].dropna()
    assert 3.0 <= 100 * (direct == 5).mean() <= 7.0
    assert 32 <= 100 * (direct >= 3).mean() <= 45
    ucla = r["ucla"].dropna()
    assert 4.0 <= 100 * (ucla >= 10).mean() <= 9.5
    meet = r["meet_freq"].dropna()
    assert 7.0 <= 100 * (meet == 7).mean() <= 13.0
    assert 44 <= 100 * (r["participation"].dropna() == 2).mean() <= 58
    assert 100 * (r["support_received"].dropna() == 2).mean() > 85


# Ratios required: (living alone vs others, 20s/30s vs 70s). 1,500 answers allow only the direction
# for living alone (about 200 single households, mostly older and so less lonely) and a weaker
# age contrast; 20,000 answers must show the national-like contrasts.
@pytest.mark.parametrize("which, single_ratio, age_ratio", [("small", 1.0, 1.5), ("large", 1.8, 2.0)])
def test_loneliness_is_higher_alone_young_and_without_a_confidant(which, single_ratio, age_ratio, request):
    r = request.getfixturevalue(which)
    r = r[(r["channel"] == 1) & r["lonely_direct"].notna()]
    often = r["lonely_direct"] == 5
    single = _pct(often, r["household"] == 1)
    others = _pct(often, r["household"].isin([2, 3, 4, 5]))
    assert single > single_ratio * others
    young = _pct(often, r["age_band"].isin([2, 3]))
    seventies = _pct(often, r["age_band"] == 7)
    assert young > age_ratio * seventies
    no_one = _pct(often, r["confidant"] == 2)
    someone = _pct(often, r["confidant"] == 1)
    assert no_one > 12 and someone < 4.5 and no_one > 4 * someone


def test_ucla_items_agree_with_the_direct_question(large):
    both = large.dropna(subset=["lonely_direct", "ucla"])
    assert np.corrcoef(both["lonely_direct"], both["ucla"])[0, 1] > 0.6
    means = both.groupby("lonely_direct")["ucla"].mean().sort_index()
    assert means.is_monotonic_increasing and list(means.index) == [1, 2, 3, 4, 5]
    for a, b in (("ucla_1", "ucla_2"), ("ucla_2", "ucla_3")):
        pair = large.dropna(subset=[a, b])
        assert np.corrcoef(pair[a], pair[b])[0, 1] > 0.5
    ucla_high = both["ucla"] >= 10
    no_conf = large.loc[both.index, "confidant"]
    assert _pct(ucla_high, no_conf == 2) > 3 * _pct(ucla_high, no_conf == 1)


def test_older_people_answer_the_random_sample_more_and_the_open_web_is_younger(small, default):
    pop = default.population.astype({"age_band": int, "population": int})
    pop_share_70plus = pop.loc[pop["age_band"] >= 7, "population"].sum() / pop["population"].sum()
    pop_share_under40 = pop.loc[pop["age_band"] <= 3, "population"].sum() / pop["population"].sum()
    random = small.loc[small["channel"] == 1, "age_band"].dropna()
    web = small.loc[small["channel"] == 2, "age_band"].dropna()
    assert (random >= 7).mean() > pop_share_70plus + 0.03
    assert (random <= 3).mean() < pop_share_under40 - 0.03
    assert (web <= 4).mean() > (random <= 4).mean() + 0.2
    assert web.median() < random.median()


def test_household_depends_on_age_and_district(large):
    r = large.dropna(subset=["household", "age_band", "district"])
    old, middle = r[r["age_band"] >= 7], r[r["age_band"] == 4]
    assert old["household"].isin([1, 2]).mean() > middle["household"].isin([1, 2]).mean() + 0.25
    rural, town = r[r["district"] >= 2], r[r["district"] == 1]
    assert (rural["household"] == 4).mean() > 1.4 * (town["household"] == 4).mean()
