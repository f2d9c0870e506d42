"""The statistical cost of the cell-key method (issue 11, item 4), measured the way the README and
データと方法 report it (tests/perf/protection_cost.py), on the demo data built with a fixed secret so
the noise, hence the figures, are the same at every run."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECRET = hashlib.sha256(b"tsunagari tests: protection cost").hexdigest()


def _cost_module():
    spec = importlib.util.spec_from_file_location("protection_cost", REPO / "tests/perf/protection_cost.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def fixed_db(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("cost")
    inst = base / "instance"
    inst.mkdir()
    (inst / "record_key.secret").write_text(SECRET + "\n", encoding="ascii")
    db = base / "demo.duckdb"
    env = {**__import__("os").environ, "TSUNAGARI_INSTANCE": str(inst)}
    done = subprocess.run(
        [sys.executable, "-m", "data", "build", "--demo", "--db", str(db)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return db


@pytest.fixture(scope="module")
def cost():
    return _cost_module()


def test_estimates_of_cells_of_100_or_more_move_by_at_most_0_3_points_on_average(fixed_db, cost):
    from queries import runner

    con = runner.connect(fixed_db)
    try:
        changes = cost.estimate_changes(con)
    finally:
        con.close()
    assert changes.size > 500  # every table of the dashboard, not a handful
    assert changes.max() > 0  # the protection is on
    assert changes.mean() <= 0.3, f"mean change {changes.mean():.3f} points"


def test_activity_totals_move_by_at_most_1_percent_on_average(fixed_db, cost):
    from queries import runner

    con = runner.connect(fixed_db)
    try:
        changes = cost.activity_changes(con)
    finally:
        con.close()
    assert changes.size > 100
    assert changes.max() > 0
    assert changes.mean() <= 0.01, f"mean relative change {100 * changes.mean():.2f}%"


def test_intervals_from_protected_values_still_cover_the_truth_95_percent_of_the_time(cost):
    result = cost.coverage(seed=20231101, reps=400)
    assert result["protected"] >= 0.94, result
    # the simulation can tell: an interval that ignores the noise's side would not be compared
    # with anything; the unprotected interval's coverage is the yardstick
    assert abs(result["protected"] - result["true"]) < 0.02, result
