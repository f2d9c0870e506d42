"""Slide timings: how long a key press in 発表モード takes until the next slide is drawn (issue 17, item 8).

Starts `streamlit run dashboard/server.py` on a free loopback port (as tests/perf/load.py and
load_vs_browser.py do: --db, else data/tsunagari.duckdb, else a demo database built in a temporary
folder), opens /presenter?deck=NAME&slide=1 in headless chromium (Playwright, Debian's
/usr/bin/chromium) at 1280 × 720 and presses PageDown on every slide until the last. Pass 1 meets
a fresh server (the warm-up has primed only 概要: every slide's queries and charts are computed for
the first time, as at the start of a meeting); the passes after it go back with Home and step
through again (the server's caches warm, the browser's tab the same).

"Drawn" (the done signal), all on the page's own clock (performance.now()):

- the start is the keydown event's time (a capturing listener on window, before Streamlit's own);
- the slide is drawn when, all at once: the counter reads the new slide (`n / total`) and the
  slide's container holds its heading, stApp's
  data-test-script-state is notRunning (the run is over), no element of the main area is
  data-stale="true" (Streamlit keeps the previous run's elements, greyed, until the run ends), and
  every Vega chart of the slide has its canvas or svg; and then nothing in the main area has changed
  for --quiet ms (vega-embed draws after the run's last message; a deck.gl map after that);
- the time reported is that of the last change of the main area before the quiet period (a
  MutationObserver's record), not the end of the quiet period: the moment the slide looked as it
  stays. The paint follows within a frame.

Between slides the script waits --dwell seconds (the presenter speaks: a prefetch of the next
slide has that time). The server is started with load_vs_browser.BOOTSTRAP, which logs when each
rerun_script arrives and when its script_finished is queued: the table splits each press into the
server's run and the rest (websocket, the browser's drawing).

Not part of the test suite: `make bench-slides` or
`.venv/bin/python tests/perf/slide_timing.py --json tests/perf/results/slides.json --label NAME`
(--json appends a run, with the commit, to the list in that file).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
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

import load  # noqa: E402
import load_vs_browser as lvb  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

VIEWPORT = {"width": 1280, "height": 720}
TARGET_MS = 300  # issue 17: p50 of a key press until the slide is drawn
TIMEOUT_MS = 60_000

# Before any of the page's scripts: the keydown's time, and the time of every change in the main area.
CLOCK_JS = """(() => {
  window.__tsgKey = null;
  window.__tsgLast = 0;
  window.addEventListener('keydown', (e) => { window.__tsgKey = performance.now(); }, true);
  const watch = new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (el && el.closest && el.closest('[data-testid="stMain"]')) { window.__tsgLast = now; return; }
    }
  });
  watch.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  // A chart redrawn on its canvas (vega's canvas renderer, deck.gl) changes no element: count it too.
  const drawn = function () {
    const c = this.canvas;
    if (c && c.isConnected && c.closest('[data-testid="stMain"]')) window.__tsgLast = performance.now();
  };
  for (const name of ['fillRect', 'fill', 'stroke', 'fillText', 'drawImage', 'clearRect']) {
    const orig = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (...args) { drawn.call(this); return orig.apply(this, args); };
  }
})();"""

# Resolves with the slide's drawn time (see the module docstring) or a timeout.
DONE_JS = """async ([expected, heading, quietMs, timeoutMs]) => {
  const start = window.__tsgKey;
  const ready = () => {
    const counter = document.querySelector('[data-testid="pres-counter"]');
    if (!counter || counter.textContent.trim() !== expected) return false;
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main || main.querySelector('[data-stale="true"]')) return false;
    const slide = document.querySelector('.st-key-pres_slide');
    if (!slide || !slide.textContent.includes(heading)) return false;
    for (const c of slide.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
      if (!c.querySelector('canvas, svg')) return false;
    }
    for (const c of slide.querySelectorAll('[data-testid="stDeckGlJsonChart"]')) {
      if (!c.querySelector('canvas')) return false;
    }
    return true;
  };
  return await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (start === null || now - start > timeoutMs) { resolve({timeout: true, start: start, now: now}); return; }
      if (ready() && now - window.__tsgLast >= quietMs) {
        resolve({start: start, done: Math.max(window.__tsgLast, start)});
        return;
      }
      setTimeout(tick, 10);
    };
    tick();
  });
}"""


def slides_of(deck_name: str) -> list[tuple[str, str]]:
    """(kind, heading) of each slide: a view's kind (bar, map, ...) or title, section, text."""
    from dashboard.presenter import deck as dk

    deck = dk.load_deck(deck_name)
    return [(s.view.kind if s.view is not None else s.kind, s.heading) for s in deck.slides]


def commit(given: str | None) -> dict:
    """The commit measured (GIVEN for a checkout without git, e.g. a `git archive` of an older
    commit) and how many files of the working tree differ from it (others work in it too)."""
    if given:
        return {"commit": given, "modified": 0}

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False).stdout

    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "modified": git("status", "--porcelain").count("\n")}


def wait_drawn(page, expected: str, heading: str, quiet_ms: int) -> dict:
    return page.evaluate(DONE_JS, [expected, heading, quiet_ms, TIMEOUT_MS])


def measure(base: str, deck: str, passes: int, dwell: float, quiet_ms: int, verify: bool) -> list[dict]:
    slides = slides_of(deck)
    kinds = [k for k, _ in slides]
    total = len(slides)
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport=VIEWPORT, locale="ja-JP")
            page.add_init_script(CLOCK_JS)
            page.goto(f"{base}/presenter?deck={deck}&slide=1")
            page.wait_for_selector("[data-testid='pres-counter']", timeout=TIMEOUT_MS)
            page.evaluate("() => { window.__tsgKey = performance.now(); }")
            wait_drawn(page, f"1 / {total}", slides[0][1], quiet_ms)
            for p in range(1, passes + 1):
                if p > 1:
                    page.keyboard.press("Home")
                    wait_drawn(page, f"1 / {total}", slides[0][1], quiet_ms)
                time.sleep(dwell)
                for n in range(2, total + 1):
                    t0 = time.monotonic()
                    page.keyboard.press("PageDown")
                    got = wait_drawn(page, f"{n} / {total}", slides[n - 1][1], quiet_ms)
                    t1 = time.monotonic()
                    if verify:  # the slide as drawn, and a second later: the same pixels?
                        shot = page.screenshot()
                        page.wait_for_timeout(1000)
                        changed_later = shot != page.screenshot()
                    row = {"pass": p, "slide": n, "kind": kinds[n - 1], "t0": t0, "t1": t1}
                    if got.get("timeout"):
                        row["error"] = "timeout"
                    else:
                        row["ms"] = round(got["done"] - got["start"], 1)
                    if verify:
                        row["changed_later"] = changed_later
                    rows.append(row)
                    print(f"pass {p} slide {n:2d} {kinds[n - 1]:9s} {row.get('ms', 'timeout')} ms", file=sys.stderr)
                    time.sleep(dwell)
        finally:
            browser.close()
    return rows


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 1)


def stats(values: list[float]) -> dict:
    top = max(values, default=None)
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95), "max": top}


def summarise(rows: list[dict], spans: list[tuple[float, float]]) -> dict:
    for r in rows:
        r["server_ms"] = lvb.server_ms(spans, r.pop("t0"), r.pop("t1"))
    out: dict = {}
    cold, warm = [r for r in rows if r["pass"] == 1], [r for r in rows if r["pass"] > 1]
    for label, chosen in (("cold (pass 1)", cold), ("warm", warm)):
        if not chosen:
            continue
        part = {"all": stats([r["ms"] for r in chosen if "ms" in r])}
        part["all"]["server_p50"] = percentile([r["server_ms"] for r in chosen if r.get("server_ms") is not None], 50)
        for k in sorted({r["kind"] for r in chosen}):
            mine = [r for r in chosen if r["kind"] == k]
            part[k] = stats([r["ms"] for r in mine if "ms" in r])
            part[k]["server_p50"] = percentile([r["server_ms"] for r in mine if r.get("server_ms") is not None], 50)
        part["errors"] = sum(1 for r in chosen if "error" in r)
        out[label] = part
    return out


def report(summary: dict) -> str:
    def ms(v) -> str:
        return "-" if v is None else f"{v:.0f}"

    lines = [["pass", "slide kind", "n", "p50 ms", "p95 ms", "max ms", "server run p50 ms"]]
    for label, part in summary.items():
        for k, s in part.items():
            if k == "errors":
                continue
            lines.append([label, k, str(s["n"]), ms(s["p50"]), ms(s["p95"]), ms(s["max"]), ms(s["server_p50"])])
    text = load.table(lines)
    for label, part in summary.items():
        p50 = part["all"]["p50"]
        verdict = "met" if p50 is not None and p50 <= TARGET_MS else "NOT met"
        text += f"\n{label}: p50 {ms(p50)} ms, target ≤ {TARGET_MS} ms {verdict}; errors {part['errors']}"
    return text


def server_problems(path: Path | None) -> list[str]:
    """The server log's WARNING, ERROR and Traceback lines (a prefetch thread's complaints show here)."""
    if path is None or not path.exists():
        return []
    keep = ("WARNING", "ERROR", "Traceback")
    return [line for line in path.read_text(errors="replace").splitlines() if any(k in line for k in keep)]


def append_json(path: Path, entry: dict) -> None:
    runs = []
    if path.exists():
        runs = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(runs, dict):
            runs = [runs]
    runs.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="database of the server started here (default: as tests/perf/load.py)")
    ap.add_argument("--deck", default="junbikai")
    ap.add_argument("--passes", type=load.bounded(int, 1, 10, "--passes"), default=3, help="pass 1 cold, then warm")
    ap.add_argument("--dwell", type=float, default=1.5, help="seconds on each slide before the next key press")
    ap.add_argument("--quiet", type=int, default=300, help="ms without a change in the main area that end a slide")
    ap.add_argument("--verify", action="store_true", help="screenshot each slide when drawn and 1 s later: same?")
    ap.add_argument("--label", default="", help="what this run measures (kept in --json)")
    ap.add_argument("--commit", help="the commit measured, for a copy that is not a git checkout")
    ap.add_argument("--json", type=Path, help="append this run to the list in this file")
    args = ap.parse_args(argv)
    with contextlib.ExitStack() as stack:
        log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tsunagari-slides-"))) / "runs.log"
        os.environ[lvb.RUN_LOG_ENV] = str(log)
        server = stack.enter_context(load.dashboard_server(args.db, launcher=("-c", lvb.BOOTSTRAP)))
        started = dt.datetime.now(dt.UTC)
        rows = measure(server.url, args.deck, args.passes, args.dwell, args.quiet, args.verify)
        summary = summarise(rows, lvb.server_runs(log))
        logged = server_problems(server.log)
    print(report(summary))
    print(f"server log: {len(logged)} warnings or errors" + "".join(f"\n  {line}" for line in logged[:10]))
    if args.verify:
        late = [(r["pass"], r["slide"]) for r in rows if r.get("changed_later")]
        print(f"changed after 'drawn' (pass, slide): {late or 'none'}")
    if args.json:
        entry = {
            "label": args.label,
            "date": started.isoformat(timespec="seconds"),
            **commit(args.commit),
            "deck": args.deck,
            "viewport": VIEWPORT,
            "passes": args.passes,
            "dwell_s": args.dwell,
            "quiet_ms": args.quiet,
            "load_average_after": round(os.getloadavg()[0], 2),  # the shared machine's load (1 min)
            "summary": summary,
            "slides": rows,
        }
        append_json(args.json, entry)
    return 0 if all("error" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
