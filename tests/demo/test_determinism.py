"""Same seed and sizes → byte-identical files; the committed data/demo is what the code writes."""

from __future__ import annotations

from data import demo


def _bytes(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.csv"))}


def test_two_runs_are_byte_identical(tmp_path, default_dir):
    demo.generate(tmp_path)
    assert _bytes(tmp_path) == _bytes(default_dir)


def test_scaled_runs_are_byte_identical(tmp_path, scaled_dir):
    demo.generate(tmp_path, seed=7, responses=20_000, activity_rows=50_000)
    assert _bytes(tmp_path) == _bytes(scaled_dir)


def test_committed_demo_matches_the_generator(default_dir, helpers):
    committed = helpers.repo / "data" / "demo"
    assert sorted(_bytes(committed)) == sorted(_bytes(default_dir))
    assert _bytes(committed) == _bytes(default_dir), "data/demo is stale: run `python -m data demo`"


def test_another_seed_gives_other_answers_but_the_same_population(tmp_path, default_dir):
    demo.generate(tmp_path, seed=demo.DEFAULT_SEED + 1)
    other, base = _bytes(tmp_path), _bytes(default_dir)
    assert other["survey_responses_2023.csv"] != base["survey_responses_2023.csv"]
    assert other["activity.csv"] != base["activity.csv"]
    assert other["population.csv"] == base["population.csv"]
    assert other["organisations.csv"] == base["organisations.csv"]


def test_returned_paths_are_the_files_written(tmp_path):
    paths = demo.generate(tmp_path, responses=50)
    assert set(paths) == {"survey_responses_2023", "population", "organisations", "activity", "referrals"}
    assert {p.name for p in tmp_path.iterdir()} == {p.name for p in paths.values()}
    assert all(p.parent == tmp_path for p in paths.values())
