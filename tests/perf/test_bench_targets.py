"""The benchmark's verdicts (tests/perf/bench.py check_targets) on results made up here: a figure
over its limit fails, and the pandas ratio fails when the baseline computed other tables."""

from __future__ import annotations

from tests.perf_scripts import load_script

bench = load_script("bench.py")


def result(page_p95=150.0, query_p50=16.0, cold=2.1, ratio=7.0, mismatches=()):
    return {
        "page_rerun_ms": {"overview.py": {"p50": 90.0, "p95": page_p95}, "methods.py": {"p50": 30.0, "p95": 40.0}},
        "query_ms": {"headline": {"p50": 5.0, "p95": 6.0}, "national_comparison": {"p50": query_p50, "p95": 20.0}},
        "cold_start_s": cold,
        "cold_start_method": "playwright+chromium",
        "peak_rss_mb": 600.0,
        "pandas_ratio": {"indicator_table/x/by0": ratio},
        "pandas_mismatches": list(mismatches),
    }


def test_figures_within_their_limits_pass():
    targets = bench.check_targets(result())
    assert all(t["pass"] for t in targets.values()), targets


def test_a_figure_over_its_limit_fails_and_names_where():
    targets = bench.check_targets(result(page_p95=201.0, query_p50=24.5, cold=2.41))
    assert not targets["page_rerun_p95_ms"]["pass"] and targets["page_rerun_p95_ms"]["missed_by"] == ["overview.py"]
    assert not targets["query_p50_ms"]["pass"] and targets["query_p50_ms"]["missed_by"] == ["national_comparison"]
    assert not targets["cold_start_s"]["pass"]
    assert targets["pandas_ratio"]["pass"]


def test_a_ratio_against_a_baseline_that_differs_fails():
    targets = bench.check_targets(result(mismatches=["indicator_table/x/by0 ...: n_eff differs"]))
    assert not targets["pandas_ratio"]["pass"]
    assert targets["pandas_ratio"]["missed_by"] == ["baseline differs on 1 tables"]
