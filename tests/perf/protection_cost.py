"""The statistical cost of the cell-key method, measured (issue 11, item 4; README and データと方法).

    .venv/bin/python tests/perf/protection_cost.py [--db PATH] [--json PATH]

- estimates: every indicator table the dashboard offers on the latest wave of the random sample
  (no breakdown, each dimension, each pair of dimensions; no filter and each single-code or group
  filter of one dimension), cells whose TRUE n is 100 or more: the mean absolute change of the
  estimate in percentage points (target ≤ 0.3), and its 95th percentile;
- activity totals: for each measure, every total the activity page shows (each month's, each 年度's,
  each group's over the period, the grand total) that is 20 or more: the mean absolute relative change
  (target ≤ 1%);
- coverage: a seeded simulation of survey cells (sizes 30–1,000, proportions 5–40%, unequal weights):
  how often the 95% interval computed from the protected values covers the true proportion
  (target ≥ 94%), beside the same interval from the true values.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from data import codebook  # noqa: E402
from data.paths import db_path  # noqa: E402
from queries import activity, cellkey, disclosure, estimate, indicators, runner  # noqa: E402
from queries.filters import ATTRIBUTE_FILTERS, ActivityFilters, Filters, filter_choices  # noqa: E402

MIN_N = 100
ACTIVITY_MIN_TOTAL = 20


def _views(channel: str = "random"):
    dims = list(ATTRIBUTE_FILTERS)
    bys = [()] + [(d,) for d in dims] + list(itertools.combinations(dims, 2))
    filters = [Filters(channel=channel)] + [Filters(channel=channel, **{d: c}) for d in dims for c in filter_choices(d)]
    for ind in codebook.indicators():
        for by in bys:
            for f in filters:
                if set(by) & {d for d in dims if f.attribute(d)}:
                    continue
                yield ind, by, f


def estimate_changes(con, channel: str = "random") -> np.ndarray:
    """|protected − true| estimate (points) of every distinct cell with true n ≥ MIN_N."""
    seen: dict[tuple, float] = {}
    allowed = codebook.dimensions()
    for ind, by, f in _views(channel):
        try:
            prot = indicators.indicator_table(con, ind, list(by), f)
        except disclosure.FilterTooNarrow:
            continue
        true = indicators._table(con, ind, by, f, allowed, protect=False)
        t_n = true["n"].to_numpy(dtype=float, na_value=np.nan)
        t_est = true["estimate_pct"].to_numpy(dtype=float, na_value=np.nan)
        p_est = prot["estimate_pct"].to_numpy(dtype=float, na_value=np.nan)
        for i in np.flatnonzero((t_n >= MIN_N) & ~prot["suppressed"].to_numpy(dtype=bool)):
            # a cell is the same records whatever table shows it: each counted once
            groups = {d: f.attribute(d) for d in ATTRIBUTE_FILTERS}
            groups.update({d: (str(true[d].iloc[i]),) for d in by})
            seen[(ind, *sorted(groups.items()))] = abs(p_est[i] - t_est[i])
    return np.array(list(seen.values()))


def activity_changes(con) -> np.ndarray:
    """|released − true| / true of every total of the activity page's tables with true ≥ 20."""
    out = []
    for measure in activity.MEASURES:
        for by in (None, "field", "district", "org_type"):
            linked, _ = activity._linked_counts(con, measure, ActivityFilters())
            for period in ("month", "fiscal_year"):
                table = linked.by_month(by) if period == "month" else linked.by_fiscal_year(by)
                rows = np.eye(len(linked.month_totals), dtype=np.int64) if period == "month" else linked._fy_rows
                if by is None:
                    true = [rows @ linked.month_totals, [linked.month_totals.sum()]]
                    shown = [table.cells.reshape(-1), table.col_totals]
                else:
                    m = rows @ linked.counts[by]
                    true = [m.sum(axis=1), m.sum(axis=0), [m.sum()]]
                    shown = [table.row_totals, table.col_totals, [table.grand]]
                for t, s in zip(true, shown):
                    t, s = np.asarray(t, dtype=float), np.asarray(s, dtype=float)
                    keep = t >= ACTIVITY_MIN_TOTAL
                    out += list(np.abs(s[keep] - t[keep]) / t[keep])
    return np.array(out)


def coverage(seed: int = 20231101, reps: int = 1500) -> dict:
    """Share of 95% intervals (Wilson with Kish's n_eff, from protected and from true sums) that
    cover the true proportion, over simulated cells."""
    rng = np.random.default_rng(seed)
    z = estimate.z_value()
    rows = []
    for n, p in itertools.product((30, 50, 100, 300, 1000), (0.05, 0.2, 0.4)):
        hit_p = hit_t = 0
        for _ in range(reps):
            w = rng.lognormal(0.0, 0.35, n)  # unequal weights, as after raking
            y = rng.random(n) < p
            keys = rng.integers(0, 256, n)
            sums = np.array([[n, w.sum(), (w * w).sum(), (w * y).sum(), y.sum(), keys.sum(), keys[y].sum()]])
            for protect, hit in ((True, "p"), (False, "t")):
                s = cellkey.protect_survey(sums) if protect else sums[:, :4]
                est = estimate.proportion(s[:, 1], s[:, 3])
                lo, hi = estimate.wilson(est, estimate.kish_neff(s[:, 1], s[:, 2]), z)
                covered = bool(lo[0] <= p <= hi[0])
                if hit == "p":
                    hit_p += covered
                else:
                    hit_t += covered
        rows.append({"n": n, "p": p, "protected": hit_p / reps, "true": hit_t / reps})
    prot = float(np.mean([r["protected"] for r in rows]))
    true = float(np.mean([r["true"] for r in rows]))
    return {
        "seed": seed,
        "reps_per_case": reps,
        "cases": rows,
        "protected": prot,
        "true": true,
        "protected_min": min(r["protected"] for r in rows),
    }


def measure(db: Path, reps: int = 1500) -> dict:
    con = runner.connect(db)
    try:
        est = estimate_changes(con)
        open_est = estimate_changes(con, "open")
        act = activity_changes(con)
    finally:
        con.close()
    return {
        "estimates": {
            "cells": int(est.size),
            "min_true_n": MIN_N,
            "mean_abs_change_pt": float(est.mean()),
            "p95_abs_change_pt": float(np.percentile(est, 95)),
            "max_abs_change_pt": float(est.max()),
        },
        "estimates_open_web": {
            "cells": int(open_est.size),
            "min_true_n": MIN_N,
            "mean_abs_change_pt": float(open_est.mean()) if open_est.size else None,
        },
        "activity_totals": {
            "totals": int(act.size),
            "min_true_total": ACTIVITY_MIN_TOTAL,
            "mean_abs_rel_change_pct": float(100 * act.mean()),
            "max_abs_rel_change_pct": float(100 * act.max()),
        },
        "coverage": coverage(reps=reps),
        "ptables": codebook.disclosure()["ptables"],
    }


def summary(result: dict) -> dict:
    """The figures データと方法 shows (dashboard/views/methods.py reads queries/protection_cost.json)."""
    est, act, cov = result["estimates"], result["activity_totals"], result["coverage"]
    return {
        "measured_on": {
            "ja": f"デモデータ（推定値は回答者100人以上の{est['cells']:,}区分、"
            f"件数は20件以上の合計{act['totals']:,}個、"
            f"区間は{len(cov['cases'])}通り×{cov['reps_per_case']:,}回の模擬）",
            "en": f"demo data ({est['cells']:,} cells of 100+ respondents, {act['totals']:,} totals of 20+, "
            f"{len(cov['cases'])} simulated cases × {cov['reps_per_case']:,})",
        },
        "survey_mean_abs_change_pts": round(est["mean_abs_change_pt"], 2),
        "activity_mean_abs_change_pct": round(act["mean_abs_rel_change_pct"], 2),
        "interval_coverage_pct": round(100 * cov["protected"], 1),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, default=db_path())
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--reps", type=int, default=1500)
    ap.add_argument(
        "--summary",
        type=Path,
        default=None,
        help="also write the figures データと方法 shows (queries/protection_cost.json)",
    )
    args = ap.parse_args(argv)
    result = measure(args.db, args.reps)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    if args.summary:
        args.summary.write_text(json.dumps(summary(result), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
