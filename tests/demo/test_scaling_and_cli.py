"""Scaled generation (benchmark sizes, kept small here), bad input, the CLI, and the loader's view."""

from __future__ import annotations

import subprocess
import sys

import pytest

from data import demo


@pytest.mark.parametrize("responses", [1, 1500, 5_000, 5_001, 20_000, 100_000, 100_001, 1_000_000, 3_000_000])
def test_wave_plan_adds_up_and_stays_within_bounds(responses):
    plan = demo.wave_plan(responses)
    assert sum(n for _, n, _ in plan) == responses
    assert [w for w, _, _ in plan] == list(range(2023, 2023 + len(plan)))
    assert 1 <= len(plan) <= 10
    assert (len(plan) == 1) == (responses <= 5_000)
    assert max(n for _, n, _ in plan) - min(n for _, n, _ in plan) <= 1
    for _, n, n_open in plan:
        assert abs(n_open - n * 400 / 1500) <= 0.5


def test_scaled_responses_are_exactly_the_requested_random_sample(scaled):
    assert sorted(scaled.surveys) == ["survey_responses_2023", "survey_responses_2024"]
    channels = scaled.survey["channel"]
    assert (channels == "1").sum() == 20_000
    assert abs((channels == "2").sum() - 20_000 * 400 / 1500) <= 2


def test_scaled_activity_meets_the_target_with_more_months_and_sites(scaled):
    assert len(scaled.activity) == 50_000
    months = sorted(set(scaled.activity["month"]))
    assert months[-1] == "2025-03" and months[0].endswith("-04")
    assert len(months) % 12 == 0 and len(months) > 24
    assert set(scaled.activity["org_id"]) <= set(scaled.organisations["org_id"])
    assert set(scaled.referrals["from_org"]) | set(scaled.referrals["to_org"]) <= set(scaled.organisations["org_id"])


@pytest.mark.parametrize("rows", [1, 1_000, 4_656, 4_657, 30_000])
def test_activity_rows_are_met_exactly(rows):
    frames = demo.build_frames(responses=10, activity_rows=rows)
    assert len(frames["activity"]) == rows
    assert not frames["activity"].duplicated(["org_id", "month", "district", "field"]).any()


def test_rows_dropped_to_meet_a_target_are_empty_ones_first():
    full = demo.build_frames(responses=10)["activity"]
    empty = int((full["consultations"] == 0).sum())
    trimmed = demo.build_frames(responses=10, activity_rows=len(full) - empty)["activity"]
    assert (trimmed["consultations"] > 0).all()


@pytest.mark.parametrize(
    "kwargs", [{"responses": 0}, {"responses": -5}, {"activity_rows": 0}, {"seed": -1}, {"responses": 1.5}]
)
def test_bad_sizes_are_refused_and_nothing_is_written(tmp_path, kwargs, capsys):
    out = tmp_path / "out"
    with pytest.raises(ValueError):
        demo.generate(out, **kwargs)
    assert not out.exists()
    assert demo.run_demo(out=str(out), **kwargs) == 2
    assert "could not write the demo data" in capsys.readouterr().err
    assert not out.exists()


def test_existing_files_are_replaced_and_others_left_alone(tmp_path, capsys):
    stray = tmp_path / "survey_responses_2019.csv"
    stray.write_bytes(b"keep me")
    (tmp_path / "activity.csv").write_bytes(b"old")
    assert demo.run_demo(out=str(tmp_path), responses=30) == 0
    assert stray.read_bytes() == b"keep me"
    assert (tmp_path / "activity.csv").read_bytes() != b"old"
    captured = capsys.readouterr()
    assert "survey_responses_2019.csv" in captured.err
    assert "survey_responses_2023.csv: 38 rows" in captured.out
    assert not list(tmp_path.glob("*.tmp"))


def test_cli_writes_the_files(tmp_path, helpers):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "data",
            "demo",
            "--out",
            str(tmp_path),
            "--seed",
            "3",
            "--responses",
            "60",
            "--activity-rows",
            "500",
        ],
        cwd=helpers.repo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = helpers.load_dir(tmp_path)
    assert (data.survey["channel"] == "1").sum() == 60
    assert len(data.activity) == 500


def test_the_loader_accepts_default_and_scaled_demo_data(default_dir, scaled_dir):
    import datetime as dt

    from data.build import load_extracts

    for directory, waves in ((default_dir, demo.DEFAULT_WAVES), (scaled_dir, 2)):
        loaded = load_extracts(directory, dt.datetime(2025, 1, 1), is_demo=True)
        responses = loaded.tables["responses"]
        assert responses["wave"].nunique() == waves
        assert (responses["weight"] > 0).all()
        assert not [w for w in loaded.warnings if "unknown" in str(w).lower()]
