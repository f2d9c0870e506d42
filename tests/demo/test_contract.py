"""Every demo file against the codebook (data/codebook.py): columns, codes, types, keys, references.

The checks below read the codebook's column specs directly and re-implement each type's rule in a
few lines, independently of the loader's validator.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from data import codebook

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER = re.compile(r"^-?\d+$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _extract_frames(data) -> dict[str, list[pd.DataFrame]]:
    return {
        "survey_responses": list(data.surveys.values()),
        "population": [data.population],
        "organisations": [data.organisations],
        "activity": [data.activity],
        "referrals": [data.referrals],
    }


def _cell_problems(values: pd.Series, spec: dict, org_ids: set[str]) -> list[str]:
    """Values of one column that break its codebook spec (as text, for the assertion message)."""
    kind = spec["type"]
    bad = pd.Series(False, index=values.index)
    blank = values == ""
    if kind in ("text", "org_ref"):
        bad = blank if kind == "text" else ~values.isin(org_ids)
    elif kind == "optional_text":
        bad = values.str.strip().ne(values)
    elif kind == "integer":
        ok = values.str.match(INTEGER)
        nums = pd.to_numeric(values.where(ok), errors="coerce")
        bad = ~ok | (nums < spec.get("min", -(10**9))) | (nums > spec.get("max", 10**9))
    elif kind == "count":
        ok = values.str.match(INTEGER)
        bad = ~ok | (pd.to_numeric(values.where(ok), errors="coerce") < spec.get("min", 0))
    elif kind == "code":
        allowed = {str(c) for c in spec.get("only", codebook.codes(spec["codes"]))}
        if spec.get("blank"):
            allowed |= {"", str(codebook.missing_code())}
        bad = ~values.isin(allowed)
    elif kind == "code_list":
        allowed = {str(c) for c in codebook.codes(spec["codes"])}

        def list_ok(cell: str) -> bool:
            if spec.get("allow_all") and cell == "all":
                return True
            parts = cell.split(";")
            return cell != "" and all(p in allowed for p in parts) and len(set(parts)) == len(parts)

        bad = ~values.map(list_ok).astype(bool)
    elif kind == "month":
        bad = ~values.str.match(MONTH)
    elif kind == "date":
        bad = ~values.str.match(DATE) | pd.to_datetime(values, errors="coerce", format="%Y-%m-%d").isna()
    elif kind in ("latitude", "longitude"):
        ok = values.str.match(NUMBER)
        nums = pd.to_numeric(values.where(ok), errors="coerce")
        bad = ~blank & (~ok | (nums < spec["min"]) | (nums > spec["max"]))
    elif kind == "positive":
        nums = pd.to_numeric(values.where(~blank), errors="coerce")
        bad = ~blank & ~(nums > 0)
    else:
        raise AssertionError(f"test does not know the codebook type {kind!r}")
    return sorted(set(values[bad]))[:5]


@pytest.mark.parametrize("which", ["default", "scaled"])
def test_every_column_meets_its_spec(which, request):
    data = request.getfixturevalue(which)
    org_ids = set(data.organisations["org_id"])
    for extract, frames in _extract_frames(data).items():
        specs = codebook.columns(extract)
        required = {c for c, s in specs.items() if s.get("required")}
        for frame in frames:
            assert required <= set(frame.columns), f"{extract}: missing {required - set(frame.columns)}"
            assert set(frame.columns) <= set(specs), f"{extract}: unknown {set(frame.columns) - set(specs)}"
            assert len(frame) > 0
            for column in frame.columns:
                problems = _cell_problems(frame[column], specs[column], org_ids)
                assert not problems, f"{extract}.{column}: bad values {problems}"


def test_survey_has_exactly_the_contract_columns_and_no_weight(default):
    expected = [c for c in codebook.columns("survey_responses") if c != "weight"]
    for frame in default.surveys.values():
        assert list(frame.columns) == expected


@pytest.mark.parametrize("which", ["default", "scaled"])
def test_unique_keys_checks_and_grid(which, request):
    data = request.getfixturevalue(which)
    for extract, frames in _extract_frames(data).items():
        spec = codebook.extract(extract)
        frame = pd.concat(frames, ignore_index=True)
        if spec.get("unique"):
            dupes = frame.duplicated(spec["unique"], keep=False)
            assert not dupes.any(), f"{extract}: duplicate keys {frame[dupes].head(3).to_dict('records')}"
        for check in spec.get("checks", []):
            if "at_most" in check:
                a, b = check["at_most"]
                assert (frame[a].astype(int) <= frame[b].astype(int)).all(), f"{extract}: {a} > {b}"
            if "differ" in check:
                a, b = check["differ"]
                assert (frame[a] != frame[b]).all(), f"{extract}: {a} == {b}"
        if "grid" in spec:
            grid = spec["grid"]
            for _, group in frame.groupby(grid["per"]):
                combos = 1
                for column in grid["columns"]:
                    col_spec = codebook.columns(extract)[column]
                    combos *= len(col_spec.get("only", codebook.codes(col_spec["codes"])))
                assert len(group.drop_duplicates(grid["columns"])) == combos


def test_response_ids_unique_within_each_file_and_waves_match_file_names(scaled):
    for stem, frame in scaled.surveys.items():
        assert frame["response_id"].is_unique
        assert set(frame["wave"]) == {stem.rsplit("_", 1)[1]}
        assert set(frame["channel"]) == {"1", "2"}


def test_every_referenced_org_exists_and_every_org_is_used(default):
    orgs = set(default.organisations["org_id"])
    assert default.organisations["org_id"].is_unique
    assert set(default.activity["org_id"]) == orgs
    assert set(default.referrals["from_org"]) | set(default.referrals["to_org"]) <= orgs


def test_no_answers_use_both_blank_and_code_9_at_realistic_rates(default):
    survey = default.survey
    rates = {}
    for column in codebook.survey_columns("attribute") + codebook.survey_columns("answer"):
        blank, nine = (survey[column] == "").mean(), (survey[column] == "9").mean()
        assert blank > 0 and nine > 0, f"{column}: blank {blank:.3f}, 9 {nine:.3f}"
        rates[column] = blank + nine
        assert 0.003 <= rates[column] <= 0.10, f"{column}: no-answer rate {rates[column]:.3f}"
    assert rates["household"] > max(rates["age_band"], rates["sex"], rates["lonely_direct"])
