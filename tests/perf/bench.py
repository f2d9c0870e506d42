"""The benchmark (`make bench`): build scaled synthetic databases and time everything users wait for.

For each scale (random-sample responses → activity rows: 10k → 50k, 100k → 500k, 1M → 5M) the
demo generator writes the extracts into a temp folder, `python -m data build` builds the database,
and the benchmark measures

- build time, the database file's size (and the build's peak memory);
- every query-layer call (indicator_table per indicator by 0/1/2 dimensions, headline, national
  comparison, respondent profile, every activity function), each run `--repeats` times with fresh
  random filters after one untimed warm-up, the calls taking turns: median and 95th percentile;
- the same indicator tables computed the straightforward pandas way over the same responses
  (checked to return the same tables), and pandas / query-layer median time;
- each dashboard page's rerun after a sidebar filter change (AppTest), median and p95;
- the cold start of `streamlit run` to the first page's heading on screen in chromium (by the
  page's own clock: dashboard_timing.heading_painted_at), and the peak
  resident memory (VmHWM) of that server after every page has been visited.

Results are printed as tables with PASS/MISS against the targets at 1 million responses, and
written as JSON with --json PATH. `--scale N` runs one scale (N random-sample responses).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for p in (str(REPO), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import numpy as np  # noqa: E402

SCALES = {10_000: 50_000, 100_000: 500_000, 1_000_000: 5_000_000}
ACTIVITY_PER_RESPONSE = 5
DEFAULT_SEED = 20230901
TARGET_SCALE = 1_000_000
# name: (limit, unit, higher is better). The first three with 20% to spare (issue 14): a target met
# by a hair on one machine is missed on the next (users' targets 250 ms, 30 ms, 3 s).
TARGETS = {
    "page_rerun_p95_ms": (200.0, "ms", False),
    "query_p50_ms": (24.0, "ms", False),
    "cold_start_s": (2.4, "s", False),
    "peak_rss_mb": (1024.0, "MB", False),
    "pandas_ratio": (5.0, "×", True),
}


# ---- measuring -------------------------------------------------------------------------------


def summary(times_ms: list[float]) -> dict[str, float]:
    a = np.asarray(times_ms, dtype=float)
    return {"p50": round(float(np.percentile(a, 50)), 3), "p95": round(float(np.percentile(a, 95)), 3)}


def _run_child(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run a command; (wall seconds, its peak resident memory in MB). Raises on failure."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.stdout.read(), proc.stderr.read()
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{out.decode(errors='replace')[-2000:]}\n"
            f"{err.decode(errors='replace')[-4000:]}"
        )
    return wall, usage.ru_maxrss / 1024


def build_database(work: Path, responses: int, activity_rows: int, seed: int) -> dict:
    extracts, db = work / "extracts", work / "tsunagari.duckdb"
    gen_s, _ = _run_child(
        [
            sys.executable,
            "-m",
            "data",
            "demo",
            "--out",
            str(extracts),
            "--seed",
            str(seed),
            "--responses",
            str(responses),
            "--activity-rows",
            str(activity_rows),
        ]
    )
    build_s, build_rss = _run_child([sys.executable, "-m", "data", "build", "--from", str(extracts), "--db", str(db)])
    size = sum(p.stat().st_size for p in work.glob("tsunagari.duckdb*"))
    return {
        "db": str(db),
        "generate_s": gen_s,
        "build_s": build_s,
        "build_peak_rss_mb": build_rss,
        "db_mb": size / 2**20,
    }


def time_queries(con, repeats: int, seed: int, budget_s: float) -> tuple[dict, dict, dict]:
    """{case: summary}, {case: [Call, ...]} (the arguments of every timed call, for pandas) and
    {case: runs} for the cases cut short by the time budget.

    Every case gets one untimed warm-up (first-call costs: imports, lazy loads), then the cases take
    turns, one call each per round: a few seconds of noise from the shared machine then falls on
    every case a little instead of on the one case that happened to be running. A case stops once
    its calls (warm-up included) have taken budget_s: a call that takes minutes is a miss whatever
    its exact p95, and the benchmark has to finish. When the warm-up alone exceeds the budget it is
    the one sample (it is a real call with drawn arguments).
    """
    import workload

    cases = workload.cases(con)
    rngs = [np.random.default_rng([seed, i]) for i in range(len(cases))]
    times: dict[str, list[float]] = {c.name: [] for c in cases}
    calls: dict[str, list] = {c.name: [] for c in cases}
    spent: dict[str, float] = {}
    for case, rng in zip(cases, rngs):
        warm = case.draw(rng)
        spent[case.name] = _timed(warm.fn)
        if spent[case.name] > budget_s:
            times[case.name], calls[case.name] = [spent[case.name] * 1000], [warm]
    for _ in range(repeats):
        for case, rng in zip(cases, rngs):
            if len(times[case.name]) >= repeats or spent[case.name] > budget_s:
                continue
            call = case.draw(rng)
            took = _timed(call.fn)
            spent[case.name] += took
            times[case.name].append(took * 1000)
            calls[case.name].append(call)

    results = {name: summary(ts) for name, ts in times.items()}
    cut = {name: len(ts) for name, ts in times.items() if len(ts) < repeats}
    for name, r in results.items():
        note = f"   (only {cut[name]} runs: over the {budget_s:g} s budget)" if name in cut else ""
        print(f"  {name:<44} p50 {r['p50']:9.1f} ms   p95 {r['p95']:9.1f} ms{note}", flush=True)
    return results, calls, cut


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def time_pandas(con, calls: dict, repeats: int) -> dict:
    """The indicator tables by pandas over the same calls (taking turns as the query layer's did);
    checks the first calls' tables against the query layer."""
    from pandas_baseline import PandasIndicators, same_table

    from queries import indicators

    t0 = time.perf_counter()
    baseline = PandasIndicators(con)
    load_s = time.perf_counter() - t0
    tables = {name: made[:repeats] for name, made in calls.items() if name.startswith("indicator_table/")}
    times: dict[str, list[float]] = {name: [] for name in tables}
    mismatches = []
    for name, made in tables.items():
        first = made[0].args
        baseline.table(name.split("/")[1], first["by"], first["filters"])  # warm-up, as for the query layer
    for j in range(max((len(m) for m in tables.values()), default=0)):
        for name, made in tables.items():
            if j >= len(made):
                continue
            ind, by, f = name.split("/")[1], made[j].args["by"], made[j].args["filters"]
            t1 = time.perf_counter()
            got = baseline.table(ind, by, f)
            times[name].append((time.perf_counter() - t1) * 1000)
            if j < 3:
                # the statistics before protection: pandas does the same work up to the cell-key noise
                true = indicators._table(con, ind, by, f, indicators.codebook.dimensions(), protect=False)
                diff = same_table(true, got)
                if diff:
                    mismatches.append(f"{name} by={by} {f}: {diff[:200]}")
    results = {name: summary(ts) for name, ts in times.items()}
    for name, r in results.items():
        print(f"  pandas {name:<37} p50 {r['p50']:9.1f} ms", flush=True)
    return {"load_s": load_s, "ms": results, "mismatches": mismatches}


# ---- one scale -------------------------------------------------------------------------------


def run_scale(responses: int, activity_rows: int, args) -> dict:
    import dashboard_timing

    from queries import runner

    print(f"\n=== {responses:,} responses, {activity_rows:,} activity rows ===", flush=True)
    work = Path(tempfile.mkdtemp(prefix=f"tsunagari-bench-{responses}-", dir=args.workdir))
    try:
        built = build_database(work, responses, activity_rows, args.seed)
        db = built["db"]
        print(
            f"  generate {built['generate_s']:.1f} s, build {built['build_s']:.1f} s, database {built['db_mb']:.1f} MB",
            flush=True,
        )
        con = runner.connect(db)
        try:
            response_rows = con.execute("SELECT count(*) FROM responses").fetchone()[0]
            activity_count = con.execute("SELECT count(*) FROM activity").fetchone()[0]
            organisations = con.execute("SELECT count(*) FROM organisations").fetchone()[0]
            query_ms, calls, cut = time_queries(con, args.repeats, args.seed, args.case_budget)
            pandas = time_pandas(con, calls, args.pandas_repeats)
        finally:
            con.close()
        print("  page reruns (AppTest) …", flush=True)
        pages = dashboard_timing.run_page_reruns(db, args.page_repeats, args.seed, args.page_budget)
        print("  cold start and memory (streamlit run + chromium) …", flush=True)
        cold = dashboard_timing.cold_start(db)
    finally:
        if args.keep:
            print(f"  kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    ratio = {name: round(pandas["ms"][name]["p50"] / max(query_ms[name]["p50"], 1e-9), 2) for name in pandas["ms"]}
    result = {
        "responses": responses,
        "activity_rows": activity_rows,
        "build_s": round(built["build_s"], 2),
        "db_mb": round(built["db_mb"], 1),
        "cold_start_s": round(cold["cold_start_s"], 2),
        "peak_rss_mb": round(cold["peak_rss_mb"], 1),
        "query_ms": query_ms,
        "page_rerun_ms": {f: summary(ts) for f, ts in pages["rerun_ms"].items()},
        "pandas_ratio": ratio,
        # context of the figures above
        "response_rows": int(response_rows),
        "activity_rows_loaded": int(activity_count),
        "organisations": int(organisations),
        "generate_s": round(built["generate_s"], 2),
        "build_peak_rss_mb": round(built["build_peak_rss_mb"], 1),
        "cold_start_method": cold["method"],
        "server_ready_s": None if cold["server_ready_s"] is None else round(cold["server_ready_s"], 2),
        "cold_start_locator_s": None
        if cold.get("cold_start_locator_s") is None
        else round(cold["cold_start_locator_s"], 2),
        "page_first_load_ms": {k: round(v, 1) for k, v in cold["page_first_load_ms"].items()},
        "page_first_run_ms": {k: round(v, 1) for k, v in pages["first_run_ms"].items()},
        "page_errors": pages["errors"],
        "apptest_peak_rss_mb": round(pages["vm_hwm_mb"], 1),
        "pandas_ms": pandas["ms"],
        "pandas_load_s": round(pandas["load_s"], 2),
        "pandas_mismatches": pandas["mismatches"],
        "query_runs_cut_by_budget": cut,
        "page_runs_cut_by_budget": pages.get("runs_cut", {}),
        "repeats": {"query": args.repeats, "pandas": args.pandas_repeats, "page": args.page_repeats},
        "seed": args.seed,
        "machine": machine(),
        "code": code_state(),
        "when": dt.datetime.now().isoformat(timespec="seconds"),
    }
    if "browser_error" in cold:
        result["browser_error"] = cold["browser_error"]
    result["targets"] = check_targets(result)
    return result


# ---- targets and report ----------------------------------------------------------------------


def check_targets(r: dict) -> dict:
    worst_page = max(r["page_rerun_ms"].items(), key=lambda kv: kv[1]["p95"])
    worst_query = max(r["query_ms"].items(), key=lambda kv: kv[1]["p50"])
    worst_ratio = min(r["pandas_ratio"].items(), key=lambda kv: kv[1])
    values = {
        "page_rerun_p95_ms": (worst_page[1]["p95"], worst_page[0]),
        "query_p50_ms": (worst_query[1]["p50"], worst_query[0]),
        "cold_start_s": (r["cold_start_s"], r["cold_start_method"]),
        "peak_rss_mb": (r["peak_rss_mb"], "streamlit server VmHWM"),
        "pandas_ratio": (worst_ratio[1], worst_ratio[0]),
    }
    out = {}
    for name, (value, where) in values.items():
        limit, unit, higher = TARGETS[name]
        ok = value >= limit if higher else value <= limit
        misses = []
        if name == "page_rerun_p95_ms":
            misses = [k for k, v in r["page_rerun_ms"].items() if v["p95"] > limit]
        elif name == "query_p50_ms":
            misses = [k for k, v in r["query_ms"].items() if v["p50"] > limit]
        elif name == "pandas_ratio":
            misses = [k for k, v in r["pandas_ratio"].items() if v < limit]
            # a ratio against a baseline that computes other tables measures nothing
            if r["pandas_mismatches"]:
                ok = False
                misses.append(f"baseline differs on {len(r['pandas_mismatches'])} tables")
        out[name] = {
            "value": value,
            "limit": limit,
            "unit": unit,
            "worst": where,
            "pass": bool(ok),
            "missed_by": misses,
        }
    return out


def print_report(r: dict) -> None:
    print(
        f"\n## {r['responses']:,} responses ({r['response_rows']:,} rows incl. open web), "
        f"{r['activity_rows']:,} activity rows, {r['organisations']:,} organisations"
    )
    print(
        f"build {r['build_s']:.1f} s (generate {r['generate_s']:.1f} s; build peak {r['build_peak_rss_mb']:.0f} MB), "
        f"database {r['db_mb']:.1f} MB"
    )
    print(
        f"cold start {r['cold_start_s']:.2f} s ({r['cold_start_method']}; server answering after "
        f"{r['server_ready_s']} s; a locator's wait saw the heading after {r.get('cold_start_locator_s')} s), "
        f"peak memory {r['peak_rss_mb']:.0f} MB"
    )
    print(f"\n{'query':<44} {'p50 ms':>9} {'p95 ms':>9} {'pandas p50':>11} {'pandas ×':>9}")
    for name, s in r["query_ms"].items():
        pd_ = r["pandas_ms"].get(name)
        extra = f"{pd_['p50']:11.1f} {r['pandas_ratio'][name]:9.1f}" if pd_ else ""
        print(f"{name:<44} {s['p50']:9.1f} {s['p95']:9.1f} {extra}")
    print(f"\n{'page (rerun after a filter change)':<44} {'p50 ms':>9} {'p95 ms':>9} {'first run ms':>13}")
    for name, s in r["page_rerun_ms"].items():
        print(f"{name:<44} {s['p50']:9.1f} {s['p95']:9.1f} {r['page_first_run_ms'][name]:13.1f}")
    if r["query_runs_cut_by_budget"]:
        print(f"runs cut by the time budget: {r['query_runs_cut_by_budget']}")
    if r["page_runs_cut_by_budget"]:
        print(f"page reruns cut by the time budget: {r['page_runs_cut_by_budget']}")
    if r["page_errors"]:
        print(f"page errors: {r['page_errors']}")
    if r["pandas_mismatches"]:
        print(f"WARNING pandas baseline differs from the query layer: {r['pandas_mismatches'][:5]}")
    scope = "" if r["responses"] == TARGET_SCALE else f" (targets are set for {TARGET_SCALE:,} responses)"
    print(f"\ntargets{scope}:")
    for name, t in r["targets"].items():
        word = "PASS" if t["pass"] else "MISS"
        rel = "≥" if TARGETS[name][2] else "≤"
        more = f"; missed by: {', '.join(t['missed_by'])}" if t["missed_by"] else ""
        print(f"  {word}  {name:<20} {t['value']:.2f} {t['unit']} ({rel} {t['limit']:g}; worst: {t['worst']}){more}")


def machine() -> dict:
    import duckdb
    import pandas
    import streamlit

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gb": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "streamlit": streamlit.__version__,
        "os": platform.platform(),
    }


def code_state() -> dict:
    """The commit measured and the files changed in the working tree (others work in it too)."""

    def git(*a: str) -> str:
        res = subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True)
        return res.stdout if res.returncode == 0 else ""

    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "modified": changed}


def write_json(path: str, results: list[dict]) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tests/perf/bench.py", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, help="one scale: N random-sample responses (e.g. 10000)")
    parser.add_argument(
        "--activity-rows", type=int, help=f"activity rows of --scale (default {ACTIVITY_PER_RESPONSE} × N)"
    )
    parser.add_argument("--repeats", type=int, default=30, help="timed runs per query (default 30)")
    parser.add_argument("--pandas-repeats", type=int, help="timed pandas runs per table (default --repeats)")
    parser.add_argument("--page-repeats", type=int, help="timed filter changes per page (default --repeats)")
    parser.add_argument(
        "--case-budget",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds of calls per query after which its runs stop (default 60)",
    )
    parser.add_argument(
        "--page-budget",
        type=float,
        default=300.0,
        metavar="S",
        help="seconds of reruns per page after which its runs stop (default 300)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON (after each scale)")
    parser.add_argument("--workdir", help="where the temp folders go (default the system temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the extracts and database")
    args = parser.parse_args(argv)
    if args.scale is not None and args.scale < 1:
        parser.error("--scale must be at least 1")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    args.pandas_repeats = args.pandas_repeats or args.repeats
    args.page_repeats = args.page_repeats or args.repeats

    if args.scale is not None:
        scales = {args.scale: args.activity_rows or SCALES.get(args.scale, ACTIVITY_PER_RESPONSE * args.scale)}
    else:
        if args.activity_rows:
            parser.error("--activity-rows goes with --scale")
        scales = SCALES
    m = machine()
    print(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"DuckDB {m['duckdb']}, pandas {m['pandas']}, Streamlit {m['streamlit']}"
    )
    results = []
    for responses, activity_rows in scales.items():
        results.append(run_scale(responses, activity_rows, args))
        print_report(results[-1])
        if args.json:
            write_json(args.json, results)
    if args.json:
        print(f"\nwritten {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
