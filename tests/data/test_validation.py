"""Every broken rule of the extract contract is reported with file, row, column and value."""

from __future__ import annotations

import pandas as pd
import pytest

SURVEY = "survey_responses_2023.csv"


def _set(df: pd.DataFrame, row: int, column: str, value: str) -> pd.DataFrame:
    """A copy with the cell at spreadsheet row `row` (header = 1) set to value."""
    out = df.copy()
    out.loc[row - 2, column] = value
    return out


def _one(kit, tmp_path, **frames):
    src = kit.write_extracts(tmp_path / "x", kit.with_changes(**frames))
    return kit.problems_of(src)


def test_the_valid_set_builds(tmp_path, kit):
    assert kit.problems_of(kit.write_extracts(tmp_path / "x")) == []


def test_unknown_code(tmp_path, kit):
    survey = _set(kit.survey_frame(), 5, "sex", "4")
    [p] = _one(kit, tmp_path, survey_responses_2023=survey)
    assert (p.file, p.row, p.column, p.value) == (SURVEY, 5, "sex", "4")
    assert "男性" in p.expected_ja and "Male" in p.expected_en


def test_code_only_restricts_population_sex(tmp_path, kit):
    pop = _set(kit.population_frame(), 2, "sex", "3")
    problems = _one(kit, tmp_path, population=pop)
    assert kit.find(problems, "population.csv", 2, "sex", "3")


def test_nine_and_blank_are_no_answer_in_survey_but_nine_is_a_code_elsewhere(tmp_path, kit):
    survey = _set(_set(kit.survey_frame(), 3, "lonely_direct", "9"), 4, "lonely_direct", "")
    assert _one(kit, tmp_path, survey_responses_2023=survey) == []
    activity = _set(kit.ACTIVITY, 2, "field", "9")  # field 9 = その他, a real code
    assert _one(kit, tmp_path, activity=activity) == []


def test_text_in_a_number_column(tmp_path, kit):
    activity = _set(kit.ACTIVITY, 3, "consultations", "many")
    [p] = _one(kit, tmp_path, activity=activity)
    assert (p.file, p.row, p.column, p.value) == ("activity.csv", 3, "consultations", "many")


def test_negative_count(tmp_path, kit):
    activity = _set(_set(kit.ACTIVITY, 2, "outreach", "-1"), 4, "new_cases", "-3")
    problems = _one(kit, tmp_path, activity=activity)
    assert kit.find(problems, "activity.csv", 2, "outreach", "-1")
    assert kit.find(problems, "activity.csv", 4, "new_cases", "-3")
    assert len(problems) == 2


def test_referral_count_must_be_at_least_one(tmp_path, kit):
    referrals = _set(kit.REFERRALS, 2, "count", "0")
    [p] = _one(kit, tmp_path, referrals=referrals)
    assert (p.file, p.row, p.column, p.value) == ("referrals.csv", 2, "count", "0")


def test_full_width_digits_and_whole_decimals_are_numbers(tmp_path, kit):
    activity = _set(_set(kit.ACTIVITY, 2, "consultations", "１２"), 3, "district", "1.0")
    assert _one(kit, tmp_path, activity=activity) == []


@pytest.mark.parametrize("month", ["2024/04", "2024-13", "202404", "April 2024", "2024-4"])
def test_month_not_yyyy_mm(tmp_path, kit, month):
    activity = _set(kit.ACTIVITY, 4, "month", month)
    [p] = _one(kit, tmp_path, activity=activity)
    assert (p.file, p.row, p.column, p.value) == ("activity.csv", 4, "month", month)
    assert "YYYY-MM" in p.expected_en


def test_date_not_yyyy_mm_dd(tmp_path, kit):
    pop = _set(kit.population_frame(), 2, "as_of", "2024-02-30")
    problems = _one(kit, tmp_path, population=pop)
    assert kit.find(problems, "population.csv", 2, "as_of", "2024-02-30")


@pytest.mark.parametrize("month", ["0000-01", "1999-12", "9999-12", "2999-01"])
def test_month_before_2000_or_after_the_build_date(tmp_path, kit, month):
    activity = _set(kit.ACTIVITY, 4, "month", month)
    [p] = _one(kit, tmp_path, activity=activity)
    assert (p.file, p.row, p.column, p.value) == ("activity.csv", 4, "month", month)
    assert "from 2000-01" in p.expected_en


def test_next_month_is_after_the_build_date(tmp_path, kit):
    import datetime as dt

    today = dt.datetime.now(dt.UTC).date()
    later = (today.replace(day=28) + dt.timedelta(days=5)).strftime("%Y-%m")
    [p] = _one(kit, tmp_path, activity=_set(kit.ACTIVITY, 4, "month", later))
    assert (p.row, p.column, p.value) == (4, "month", later)


@pytest.mark.parametrize("as_of", ["0001-01-01", "1989-12-31", "2999-01-01"])
def test_population_date_outside_1990_to_today(tmp_path, kit, as_of):
    pop = kit.population_frame()
    pop["as_of"] = as_of
    problems = _one(kit, tmp_path, population=pop)
    assert kit.find(problems, "population.csv", 2, "as_of", as_of)
    assert "from 1990-01-01" in problems[0].expected_en


@pytest.mark.parametrize("column", ["population", "consultations"])
def test_count_beyond_int32(tmp_path, kit, column):
    if column == "population":
        frames = {"population": _set(kit.population_frame(), 3, column, "2147483648")}
        file = "population.csv"
    else:
        frames = {"activity": _set(kit.ACTIVITY, 3, column, "99999999999999999999999")}
        file = "activity.csv"
    problems = _one(kit, tmp_path, **frames)
    assert kit.find(problems, file, 3, column)
    assert "2,147,483,647" in kit.find(problems, file, 3, column)[0].expected_en


@pytest.mark.parametrize(
    ("extract", "column", "file"),
    [
        ("survey_responses_2023", "response_id", SURVEY),
        ("organisations", "org_id", "organisations.csv"),
        ("referrals", "to_org", "referrals.csv"),
    ],
)
def test_control_characters_in_an_id(tmp_path, kit, extract, column, file):
    df = kit.valid_frames()[extract]
    df = _set(df, 3, column, df.loc[1, column][:2] + "\x00" + df.loc[1, column][2:])
    problems = _one(kit, tmp_path, **{extract: df})
    hits = kit.find(problems, file, 3, column)
    assert hits and "control characters" in hits[0].expected_en


def test_duplicate_response_id_within_a_wave(tmp_path, kit):
    survey = kit.survey_frame()
    survey.loc[9, "response_id"] = survey.loc[2, "response_id"]  # rows 11 and 4
    [p] = _one(kit, tmp_path, survey_responses_2023=survey)
    assert (p.file, p.row, p.column, p.value) == (SURVEY, 11, "response_id", survey.loc[2, "response_id"])
    assert "4" in p.expected_en and "wave=2023" in p.expected_en


def test_same_response_id_in_another_wave_is_fine(tmp_path, kit):
    frames = kit.valid_frames()
    frames["survey_responses_2024"] = kit.survey_frame(wave=2024, seed=2)  # same ids R00000...
    assert kit.problems_of(kit.write_extracts(tmp_path / "x", frames)) == []


def test_duplicate_across_files_of_one_wave(tmp_path, kit):
    frames = kit.valid_frames()
    frames["survey_responses_2023b"] = frames["survey_responses_2023"].iloc[[5]]
    problems = kit.problems_of(kit.write_extracts(tmp_path / "x", frames))
    [p] = problems
    assert (p.file, p.row, p.column) == ("survey_responses_2023b.csv", 2, "response_id")
    assert SURVEY in p.expected_en and "row 7" in p.expected_en


def test_unknown_org_id_in_activity_and_referrals(tmp_path, kit):
    activity = _set(kit.ACTIVITY, 3, "org_id", "Z99")
    referrals = _set(kit.REFERRALS, 4, "to_org", "Q01")
    problems = _one(kit, tmp_path, activity=activity, referrals=referrals)
    assert kit.find(problems, "activity.csv", 3, "org_id", "Z99")
    assert kit.find(problems, "referrals.csv", 4, "to_org", "Q01")
    assert len(problems) == 2


def test_referral_to_itself(tmp_path, kit):
    referrals = _set(kit.REFERRALS, 3, "to_org", "B02")  # from B02
    [p] = _one(kit, tmp_path, referrals=referrals)
    assert (p.file, p.row, p.column, p.value) == ("referrals.csv", 3, "to_org", "B02")


def test_new_cases_more_than_consultations(tmp_path, kit):
    activity = _set(kit.ACTIVITY, 2, "new_cases", "13")  # consultations 12
    [p] = _one(kit, tmp_path, activity=activity)
    assert (p.file, p.row, p.column, p.value) == ("activity.csv", 2, "new_cases", "13")


def test_code_lists_and_coordinates(tmp_path, kit):
    orgs = kit.ORGANISATIONS.copy()
    orgs.loc[0, "fields"] = "1;10"
    orgs.loc[1, "districts"] = "everywhere"
    orgs.loc[2, "lat"] = "35.68"  # Tokyo
    orgs.loc[2, "member"] = "2"
    problems = _one(kit, tmp_path, organisations=orgs)
    assert kit.find(problems, "organisations.csv", 2, "fields", "1;10")
    assert kit.find(problems, "organisations.csv", 3, "districts", "everywhere")
    assert kit.find(problems, "organisations.csv", 4, "lat", "35.68")
    assert kit.find(problems, "organisations.csv", 4, "member", "2")
    assert len(problems) == 4


def test_missing_required_column(tmp_path, kit):
    survey = kit.survey_frame().drop(columns=["confidant"])
    [p] = _one(kit, tmp_path, survey_responses_2023=survey)
    assert (p.file, p.row, p.column) == (SURVEY, 1, "confidant")


def test_blank_in_a_required_cell(tmp_path, kit):
    orgs = kit.ORGANISATIONS.copy()
    orgs.loc[1, "name"] = "  "
    [p] = _one(kit, tmp_path, organisations=orgs)
    assert (p.file, p.row, p.column) == ("organisations.csv", 3, "name")
    assert "blank" in p.expected_en


def test_empty_files(tmp_path, kit):
    src = kit.write_extracts(tmp_path / "x", kit.with_changes(referrals=kit.REFERRALS.iloc[0:0]))
    (src / "activity.csv").write_bytes(b"")
    problems = kit.problems_of(src)
    assert kit.find(problems, "activity.csv", None, None)
    assert kit.find(problems, "referrals.csv", None, None)
    assert "0 bytes" in kit.find(problems, "activity.csv", None, None)[0].expected_en
    assert "no data rows" in kit.find(problems, "referrals.csv", None, None)[0].expected_en


def test_missing_required_files(tmp_path, kit):
    src = kit.write_extracts(tmp_path / "x")
    (src / "organisations.csv").unlink()
    (src / "referrals.csv").unlink()
    problems = kit.problems_of(src)
    assert {p.file for p in problems} == {"organisations.csv / organisations.xlsx", "referrals.csv / referrals.xlsx"}


def test_two_files_for_one_extract(tmp_path, kit):
    src = kit.write_extracts(tmp_path / "x")
    kit.ORGANISATIONS.to_excel(src / "organisations.xlsx", index=False)
    problems = kit.problems_of(src)
    assert {p.file for p in problems} == {"organisations.csv", "organisations.xlsx"}


def test_population_must_cover_every_group(tmp_path, kit):
    pop = kit.population_frame().iloc[1:]  # district 1, age 1, sex 1 missing
    [p] = _one(kit, tmp_path, population=pop)
    assert p.file == "population.csv" and "district=1, age_band=1, sex=1" in p.value


def test_many_problems_reported_at_once(tmp_path, kit):
    survey = _set(_set(kit.survey_frame(), 2, "channel", "3"), 7, "wave", "twenty")
    activity = _set(kit.ACTIVITY, 5, "month", "2024-4")
    referrals = _set(kit.REFERRALS, 2, "to_org", "A01")
    orgs = kit.ORGANISATIONS.drop(columns=["org_type"])
    problems = _one(
        kit, tmp_path, survey_responses_2023=survey, activity=activity, referrals=referrals, organisations=orgs
    )
    got = {(p.file, p.row, p.column, p.value) for p in problems}
    assert got == {
        (SURVEY, 2, "channel", "3"),
        (SURVEY, 7, "wave", "twenty"),
        ("activity.csv", 5, "month", "2024-4"),
        ("referrals.csv", 2, "to_org", "A01"),
        ("organisations.csv", 1, "org_type", None),
    }


def test_a_column_of_bad_cells_is_counted_not_dropped(tmp_path, kit):
    from data.validate import STORED_PER_RULE

    n = STORED_PER_RULE + 300
    survey = kit.survey_frame(n_random=n, n_open=0, incomplete=False)
    survey["meet_freq"] = "8"
    problems = _one(kit, tmp_path, survey_responses_2023=survey)
    rows = [p for p in problems if p.row is not None]
    assert len(rows) == STORED_PER_RULE and rows[0].row == 2
    [rest] = [p for p in problems if p.row is None]
    assert "300 more rows" in rest.expected_en
