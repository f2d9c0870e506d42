"""Survey weights: vendor weights kept, random sample raked to the population, open web 1."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from data.build import run_build

SURVEY = "survey_responses_2023.csv"


def _build(kit, tmp_path, frames) -> tuple[pd.DataFrame, pd.DataFrame]:
    src = kit.write_extracts(tmp_path / "x", frames)
    db = tmp_path / "t.duckdb"
    assert run_build(str(src), False, str(db)) == 0
    con = duckdb.connect(str(db), read_only=True)
    responses = con.execute("SELECT * FROM responses").df()
    population = con.execute("SELECT * FROM population").df()
    con.close()
    return responses, population


def _latest(population: pd.DataFrame) -> pd.DataFrame:
    return population[population["as_of"] == population["as_of"].max()]


def _margins(df: pd.DataFrame, weight: str) -> dict[str, pd.Series]:
    return {"age_sex": df.groupby(["age_band", "sex"])[weight].sum(), "district": df.groupby("district")[weight].sum()}


def _within(got: pd.Series, want: pd.Series, tol: float = 0.001) -> bool:
    got, want = got.astype(float).align(want.astype(float), fill_value=0.0)
    return bool(np.all(np.abs(got.to_numpy() - want.to_numpy()) <= tol * want.to_numpy()))


def test_raked_margins_match_the_latest_population(tmp_path, kit):
    frames = kit.with_changes(survey_responses_2023=kit.survey_frame(n_random=900, incomplete=False))
    responses, population = _build(kit, tmp_path, frames)
    raked = responses[responses["channel"] == 1]
    assert set(raked["weight_source"]) == {"raked"}
    pop = _latest(population)
    assert pop["as_of"].nunique() == 1 and population["as_of"].nunique() == 2
    got, want = _margins(raked, "weight"), _margins(pop, "population")
    for margin in ("age_sex", "district"):
        assert _within(got[margin], want[margin]), margin
    # not trivially true: the unweighted sample is far from the population
    assert not _within(raked.groupby("district").size() * len(pop) / len(raked), want["district"], 0.05)


def test_respondents_outside_the_margins(tmp_path, kit):
    """Blank or 9 attributes and sex 3: mean weight of the raked respondents sharing their known
    attributes, then one scale so the total is the population; the shares of the fully known
    respondents still equal the population's."""
    responses, population = _build(kit, tmp_path, kit.valid_frames())
    sample = responses[responses["channel"] == 1].copy()
    pop = _latest(population)
    complete = sample["age_band"].notna() & sample["sex"].isin([1, 2]) & sample["district"].notna()
    assert (~complete).sum() == 7
    assert sample["weight"].sum() == pytest.approx(pop["population"].sum(), rel=1e-9)
    known = sample[complete]
    for margin, got in _margins(known, "weight").items():
        want = _margins(pop, "population")[margin]
        assert _within(got / got.sum(), want / want.sum()), margin
    for _, r in sample[~complete].iterrows():
        same = known
        for col in ("age_band", "sex", "district"):
            value = r[col]
            if pd.notna(value) and not (col == "sex" and value == 3):
                same = same[same[col] == value]
        assert r["weight"] == pytest.approx(same["weight"].mean(), rel=1e-9), r["response_id"]


def test_vendor_weights_are_kept(tmp_path, kit):
    survey = kit.survey_frame()
    rng = np.random.default_rng(5)
    survey["weight"] = [f"{x:.4f}" for x in rng.uniform(0.2, 3.0, len(survey))]
    frames = kit.with_changes(survey_responses_2023=survey)
    del frames["population"]  # not needed when the vendor weights every row
    responses, _ = _build(kit, tmp_path, frames)
    merged = survey.merge(responses, on="response_id", suffixes=("_file", ""))
    assert np.allclose(merged["weight_file"].astype(float), merged["weight"])
    assert set(responses["weight_source"]) == {"vendor"}


def test_open_web_weight_one_beside_vendor_random_sample(tmp_path, kit):
    survey = kit.survey_frame()
    survey["weight"] = np.where(survey["channel"] == "1", "2.5", "")
    responses, _ = _build(kit, tmp_path, kit.with_changes(survey_responses_2023=survey))
    web = responses[responses["channel"] == 2]
    assert len(web) == 40 and (web["weight"] == 1.0).all() and set(web["weight_source"]) == {"unit"}
    assert set(responses.loc[responses["channel"] == 1, "weight_source"]) == {"vendor"}


def test_open_web_weight_one_when_raked(tmp_path, kit):
    responses, _ = _build(kit, tmp_path, kit.valid_frames())
    web = responses[responses["channel"] == 2]
    assert (web["weight"] == 1.0).all() and set(web["weight_source"]) == {"unit"}


def test_mixed_vendor_and_blank_weights_in_a_wave(tmp_path, kit):
    survey = kit.survey_frame()
    survey["weight"] = np.where(survey["channel"] == "1", "1.5", "")
    survey.loc[3, "weight"] = ""  # a random-sample row without weight: spreadsheet row 5
    problems = kit.problems_of(kit.write_extracts(tmp_path / "x", kit.with_changes(survey_responses_2023=survey)))
    [p] = problems
    assert (p.file, p.row, p.column, p.value) == (SURVEY, 5, "weight", "")


def test_wave_without_weights_or_population(tmp_path, kit):
    frames = kit.valid_frames()
    del frames["population"]
    [p] = kit.problems_of(kit.write_extracts(tmp_path / "x", frames))
    assert (p.file, p.column) == (SURVEY, "weight")
    assert "population" in p.expected_en and "2023" in p.expected_en


def test_wave_that_cannot_be_raked(tmp_path, kit):
    survey = kit.survey_frame(incomplete=False)
    survey = survey[~((survey["age_band"] == "8") & (survey["sex"] == "2"))]
    [p] = kit.problems_of(kit.write_extracts(tmp_path / "x", kit.with_changes(survey_responses_2023=survey)))
    assert p.file == SURVEY and p.value == "age_band=8, sex=2"


def test_bad_vendor_weight(tmp_path, kit):
    survey = kit.survey_frame()
    survey["weight"] = "1"
    survey.loc[0, "weight"] = "0"
    survey.loc[1, "weight"] = "-2"
    survey.loc[2, "weight"] = "heavy"
    problems = kit.problems_of(kit.write_extracts(tmp_path / "x", kit.with_changes(survey_responses_2023=survey)))
    assert {(p.row, p.column, p.value) for p in problems} == {
        (2, "weight", "0"),
        (3, "weight", "-2"),
        (4, "weight", "heavy"),
    }


@pytest.mark.parametrize("bad", ["1e308", "0.000001", "1501"])
def test_vendor_weight_beyond_1000_times_the_median(tmp_path, kit, bad):
    survey = kit.survey_frame()
    survey["weight"] = "1.5"
    survey.loc[3, "weight"] = bad
    problems = kit.problems_of(kit.write_extracts(tmp_path / "x", kit.with_changes(survey_responses_2023=survey)))
    assert [(p.row, p.column, p.value) for p in problems] == [(5, "weight", f"{float(bad):.6g}")]
    assert "1,000×" in problems[0].expected_en


def test_vendor_weight_inf_or_nan(tmp_path, kit):
    survey = kit.survey_frame()
    survey["weight"] = "1"
    survey.loc[0, "weight"] = "inf"
    survey.loc[1, "weight"] = "nan"
    problems = kit.problems_of(kit.write_extracts(tmp_path / "x", kit.with_changes(survey_responses_2023=survey)))
    assert {(p.row, p.value) for p in problems} == {(2, "inf"), (3, "nan")}
