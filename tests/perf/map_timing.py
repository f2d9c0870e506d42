"""How long the 地域マップ page takes to paint its map, in headless chromium (issue 17: ≤ 2 s).

Starts `streamlit run dashboard/server.py` on a free loopback port over a demo database (as
tests/perf/load.py does; --db to choose one), opens /map in Debian's chromium (Playwright) at
1440 × 900 and 1024 × 768 and times:

- nav: from the navigation's start (performance.timeOrigin) to the map fully drawn;
- filter: from a sidebar filter change (the option clicked) to the map fully drawn again.

**The signal "fully drawn".** deck.gl draws only when something changed (new props, the font
atlas of the labels, a resize), so the map is fully drawn at the last WebGL draw call before the
canvas goes quiet. An init script wraps the draw calls of WebGL(2)RenderingContext and notes the
time of each (performance.now(), the page's clock from its navigation); a run is over once the
script run has finished (stApp notRunning), the deck's canvas exists and nothing has been drawn
for QUIET_MS. The time of that last draw is the paint time. Then a screenshot of the map's element
is checked for painted district colours (more than MIN_COLOURED of its pixels neither white nor
grey): a canvas that draws but shows nothing fails the run instead of counting as fast.

Each run opens a new tab (a new Streamlit session); `--cold` gives every run a new browser
context (empty HTTP cache: deck.gl's 3 MB script is fetched and compiled again, a member's first
visit), else the context's cache is warm after a first visit that is not counted. The phases of
each run are kept (heading shown, deck element mounted, canvas made, first and last draw, the
number of draw calls and of requests leaving 127.0.0.1, which must be 0).

    .venv/bin/python tests/perf/map_timing.py --runs 5 --label after --json tests/perf/results/map.json

--json appends {commit, label, when, per viewport and mode: p50/p95 and the runs} to the file's
list. Not part of the test suite (it takes a minute or two).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for p in (str(REPO), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import load  # noqa: E402

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

VIEWPORTS = ((1440, 900), (1024, 768))
QUIET_MS = 1000  # no WebGL draw for this long after the run: the map is drawn
RUN_TIMEOUT_S = 60
MIN_COLOURED = 0.05  # share of the map's pixels in district colours for a run to count
TARGET_S = 2.0
DECK = '[data-testid="stDeckGlJsonChart"]'
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
# One sidebar filter set away from the page's default in each run (a fresh tab starts with none),
# each a view not drawn before in this server while the list lasts (no cached script run).
FILTER_CHANGES = (
    ("年齢", "16〜39歳（3区分）"),
    ("性別", "女性"),
    ("世帯構成", "単身世帯"),
    ("年齢", "60歳以上（3区分）"),
    ("性別", "男性"),
    ("世帯構成", "夫婦のみ世帯"),
    ("年齢", "40〜59歳（3区分）"),
    ("世帯構成", "二世代世帯"),
    ("年齢", "70〜79歳"),
    ("世帯構成", "三世代世帯"),
    ("年齢", "30〜39歳"),
    ("年齢", "50〜59歳"),
)

# Every WebGL draw call's time, the page's script-state changes and DOM milestones.
INIT_JS = """(() => {
  const w = window.__tsgMap = {draws: 0, firstDraw: null, lastDraw: null, states: [], canvas: null, deck: null,
                               heading: null, pending: false, shownCovers: -1, shown: null};
  const wrap = (proto) => {
    if (!proto) return;
    for (const name of ["drawArrays", "drawElements", "drawArraysInstanced", "drawElementsInstanced",
                        "drawRangeElements"]) {
      const orig = proto[name];
      if (typeof orig !== "function") continue;
      proto[name] = function (...args) {
        const now = performance.now();
        w.draws += 1;
        if (w.firstDraw === null) w.firstDraw = now;
        w.lastDraw = now;
        if (!w.pending) {
          // The frame holding these draws is on screen once the compositor has taken it: the
          // next frame's callbacks run after that commit (which waits for the GPU process).
          w.pending = true;
          requestAnimationFrame(() => {
            w.pending = false;
            const covered = w.lastDraw;
            requestAnimationFrame(() => {
              if (covered >= w.shownCovers) { w.shownCovers = covered; w.shown = performance.now(); }
            });
          });
        }
        return orig.apply(this, args);
      };
    }
  };
  wrap(window.WebGL2RenderingContext && WebGL2RenderingContext.prototype);
  wrap(window.WebGLRenderingContext && WebGLRenderingContext.prototype);
  new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) {
      if (r.attributeName === "data-test-script-state") w.states.push([now, r.target.dataset.testScriptState]);
    }
    if (w.deck === null && document.querySelector('[data-testid="stDeckGlJsonChart"]')) w.deck = now;
    if (w.canvas === null && document.querySelector('[data-testid="stDeckGlJsonChart"] canvas')) w.canvas = now;
    if (w.heading === null && document.querySelector('[data-testid="stMain"] h1')) w.heading = now;
  }).observe(document, {subtree: true, childList: true, attributes: true});
})();"""

STATE_JS = """() => { const w = window.__tsgMap; return {...w, now: performance.now(), states: w.states.slice()}; }"""


def commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "dashboard", "geo"], cwd=REPO, capture_output=True, text=True
    )
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def coloured_share(png: bytes) -> float:
    """Share of the pixels that are neither near-white nor grey (the districts' ramp colours)."""
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    img.thumbnail((200, 200))
    px = list(img.get_flattened_data()) if hasattr(img, "get_flattened_data") else list(img.getdata())
    coloured = sum(1 for r, g, b in px if max(r, g, b) - min(r, g, b) > 40)
    return coloured / max(1, len(px))


def wait_drawn(page, since: float, outside: list[str]) -> dict:
    """Until the run is over and the deck canvas has been quiet for QUIET_MS after a draw later than
    SINCE (page clock); the milestones in ms on the page's clock."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        s = page.evaluate(STATE_JS)
        idle = page.locator(APP_IDLE).count() == 1
        drawn = s["lastDraw"] is not None and s["lastDraw"] > since and s["canvas"] is not None
        shown = drawn and s["shown"] is not None and s["shownCovers"] >= s["lastDraw"]
        if idle and shown and s["now"] - s["lastDraw"] >= QUIET_MS:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"map not drawn after {RUN_TIMEOUT_S} s: {s}")
        page.wait_for_timeout(50)
    share = coloured_share(page.locator(DECK).first.screenshot())
    if share < MIN_COLOURED:
        raise RuntimeError(f"the map's canvas shows no districts ({share:.1%} coloured pixels)")
    run_end = max((t for t, v in s["states"] if v == "notRunning" and t > since), default=None)
    return {
        "drawn_ms": round(s["shown"] - since, 1),
        "last_draw_ms": round(s["lastDraw"] - since, 1),
        "first_draw_ms": round(s["firstDraw"] - since, 1) if s["firstDraw"] else None,
        "heading_ms": round(s["heading"] - since, 1) if s["heading"] and s["heading"] > since else None,
        "deck_ms": round(s["deck"] - since, 1) if s["deck"] and s["deck"] > since else None,
        "canvas_ms": round(s["canvas"] - since, 1) if s["canvas"] and s["canvas"] > since else None,
        "run_end_ms": round(run_end - since, 1) if run_end else None,
        "draws": s["draws"],
        "coloured": round(share, 3),
        "outside_requests": len(outside),
    }


def new_context(browser, viewport: tuple[int, int]):
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="ja-JP")
    ctx.set_default_timeout(RUN_TIMEOUT_S * 1000)
    ctx.add_init_script(INIT_JS)
    return ctx


def open_map(ctx, base: str, query: str = "") -> tuple:
    page = ctx.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else None
        ),
    )
    page.goto(f"{base}/map" + (f"?{query}" if query else ""))
    return page, outside, wait_drawn(page, 0.0, outside)


def change_filter(page, label: str, option: str, outside: list[str]) -> dict:
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label, exact=True)
    box.evaluate("el => el.scrollIntoView({block: 'center'})")
    box.click()
    opt = page.get_by_role("option", name=option, exact=True)
    opt.wait_for()
    since = page.evaluate("performance.now()")
    opt.click()
    return wait_drawn(page, since, outside)


def measure(base: str, runs: int, cold: bool) -> list[dict]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            changes = iter(FILTER_CHANGES * 10)
            for vp in VIEWPORTS:
                ctx = None if cold else new_context(browser, vp)
                if ctx is not None:
                    page, _, _ = open_map(ctx, base)  # the warm-up: the scripts into the cache
                    page.close()
                for i in range(runs):
                    run_ctx = new_context(browser, vp) if cold else ctx
                    page, outside, nav = open_map(run_ctx, base)
                    out.append({"viewport": f"{vp[0]}x{vp[1]}", "mode": "nav", "run": i, **nav})
                    label, option = next(changes)
                    flt = change_filter(page, label, option, outside)
                    out.append({"viewport": f"{vp[0]}x{vp[1]}", "mode": "filter", "run": i, "change": option, **flt})
                    page.close()
                    if cold:
                        run_ctx.close()
                if ctx is not None:
                    ctx.close()
        finally:
            browser.close()
    return out


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    k = (len(values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summary(rows: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["viewport"], r["mode"]), []).append(r)
    out = []
    for (vp, mode), rs in groups.items():
        ms = [r["drawn_ms"] for r in rs]
        out.append(
            {
                "viewport": vp,
                "mode": mode,
                "p50_ms": round(statistics.median(ms), 1),
                "p95_ms": round(percentile(ms, 0.95), 1),
                "run_end_p50_ms": round(statistics.median([r["run_end_ms"] or 0 for r in rs]), 1),
                "canvas_p50_ms": round(statistics.median([r["canvas_ms"] or 0 for r in rs]), 1),
                "outside_requests": sum(r["outside_requests"] for r in rs),
                "runs": len(rs),
            }
        )
    return out


def report(summ: list[dict], label: str, cold: bool) -> str:
    lines = [f"map paint ({label}, {'cold cache' if cold else 'warm cache'}; target p50 ≤ {TARGET_S:.0f} s)"]
    lines.append(f"{'viewport':<10} {'mode':<7} {'p50':>8} {'p95':>8} {'run end':>8} {'canvas':>8} outside")
    for s in summ:
        lines.append(
            f"{s['viewport']:<10} {s['mode']:<7} {s['p50_ms']:>6.0f}ms {s['p95_ms']:>6.0f}ms "
            f"{s['run_end_p50_ms']:>6.0f}ms {s['canvas_p50_ms']:>6.0f}ms {s['outside_requests']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="database (default: as tests/perf/load.py: data/tsunagari.duckdb or a new demo)")
    ap.add_argument("--url", type=load.loopback_url, help="a running dashboard on this machine instead")
    ap.add_argument("--runs", type=load.bounded(int, 1, 30, "--runs"), default=5)
    ap.add_argument("--cold", action="store_true", help="a new browser context (empty cache) for every run")
    ap.add_argument("--label", default="", help="what this run measures (e.g. before, after)")
    ap.add_argument("--json", type=Path, help="append the summary and the runs to this JSON list")
    ap.add_argument("--commit", help="the commit measured, for a copy of a tree that is not a git checkout")
    args = ap.parse_args(argv)
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(load.target_server(args.url, args.db))
        rows = measure(server.url, args.runs, args.cold)
    summ = summary(rows)
    label = args.label or ("cold" if args.cold else "warm")
    print(report(summ, label, args.cold))
    if args.json:
        entry = {
            "commit": args.commit or commit(),
            "label": label,
            "cache": "cold" if args.cold else "warm",
            "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "load_avg": os.getloadavg()[0],
            "summary": summ,
            "runs": rows,
        }
        old = json.loads(args.json.read_text(encoding="utf-8")) if args.json.exists() else []
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([*old, entry], ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
