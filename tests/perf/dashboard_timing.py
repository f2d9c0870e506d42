"""Dashboard timings: page reruns after a sidebar filter change, cold start, peak memory.

- page reruns: streamlit.testing.v1.AppTest on dashboard/app.py, one fresh session per page; the
  page is run once, then a sidebar filter widget is changed and at.run() is timed, repeatedly.
  The process first runs the server's warm-up (dashboard/warmup.py), as a served dashboard has.
  Every change leads to a filter combination not seen before in this process, so the dashboard's
  st.cache_data entries that depend on the filters are misses, as for a user trying a new view.
  Run in a child process (`python tests/perf/dashboard_timing.py reruns ...`) so each database
  starts with empty caches.
- cold start: a fresh `streamlit run dashboard/server.py` (as `make run`) on a free port, timed from the spawn until
  the first page's main heading is on screen in the browser (Playwright driving Debian's chromium),
  by the page's own clock (heading_painted_at). Then
  every page is visited (plain and with filters in the URL) and VmHWM of the server process is
  read from /proc. Without a usable browser: the first AppTest run in a fresh process, and that
  process's VmHWM after every page (the method is recorded).
"""

from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
APP = REPO / "dashboard" / "app.py"
SERVER = REPO / "dashboard" / "server.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APPTEST_TIMEOUT = 900
FILTER_KEYS = ("f_wave", "f_channel", "f_age_band", "f_sex", "f_district", "f_household")
FILTERED_QUERY = "?district=1&sex=2&age_band=older&channel=open"


def app_pages() -> list[tuple[str, str, str]]:
    """(views file, UI title key, url path) of each page, read from dashboard/app.py's PAGES
    without importing it (importing runs the app)."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            return [(f, title, url) for f, title, url, _icon in ast.literal_eval(node.value)]
    raise RuntimeError("dashboard/app.py has no PAGES")


def page_title(title_key: str, lang: str = "ja") -> str:
    from dashboard.i18n import t

    return t(title_key, lang)


def vm_hwm_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


# ---- page reruns (AppTest, child process) -----------------------------------------------------


class FilterChanger:
    """Picks sidebar filter changes that lead to filter combinations not seen before.

    An attribute filter is a selectbox of tokens (dashboard.state.filter_options): "" for すべて,
    a code ("3") or a named group ("young"), as queries.filters allows."""

    def __init__(self, rng, waves: list[int], seen: set | None = None):
        from data import codebook
        from queries.filters import choice_token, filter_choices

        self.rng = rng
        self.options = {"f_wave": [0, *sorted(waves, reverse=True)], "f_channel": ["random", "open"]}
        for dim in ("age_band", "sex", "district", "household"):
            self.options[f"f_{dim}"] = ["", *(choice_token(dim, c) for c in filter_choices(dim))]
        self.state = {
            "f_wave": 0,
            "f_channel": "random",
            "f_age_band": "",
            "f_sex": "",
            "f_district": "",
            "f_household": "",
        }
        # shared by the changers of several pages, so no page reruns a view another page has cached
        self.seen = set() if seen is None else seen
        self.seen.add(self._key(self.state))
        self.codebook = codebook

    @staticmethod
    def _key(state: dict) -> tuple:
        return tuple(state[k] for k in FILTER_KEYS)

    def _candidate(self, key: str):
        opts = self.options[key]
        if key not in ("f_wave", "f_channel") and self.rng.random() < 0.15:
            return ""
        return opts[int(self.rng.integers(len(opts)))]

    def next_change(self) -> tuple[str, object]:
        for _ in range(10_000):
            key = FILTER_KEYS[int(self.rng.integers(len(FILTER_KEYS)))]
            value = self._candidate(key)
            state = {**self.state, key: value}
            if self._key(state) not in self.seen:
                self.seen.add(self._key(state))
                self.state = state
                return key, value
        raise RuntimeError("no unseen filter combination left")

    @staticmethod
    def apply(at, key: str, value) -> None:
        if key == "f_channel":
            at.radio(key=key).set_value(value)
        else:
            at.selectbox(key=key).set_value(value)


def _exceptions(at) -> list[str]:
    return [str(e.value) for e in at.exception]


def page_reruns(db: str, repeats: int, seed: int, budget_s: float = 300.0) -> dict:
    """{page file: [ms, ...]} of at.run() after a sidebar filter change, plus first-run times.

    A page's reruns stop once they have taken budget_s (the runs done are kept; `runs_cut` says
    which pages were cut), so one pathological page cannot stall the benchmark."""
    import numpy as np
    from streamlit.testing.v1 import AppTest

    from queries import indicators, runner

    os.environ["TSUNAGARI_DB"] = db
    con = runner.connect(db)
    waves = indicators.waves(con)
    con.close()
    # The server's warm-up first, as dashboard/server.py starts it: it freezes what lives as long
    # as the process (dashboard/warmup.py), so the collector's pauses in the runs below are the
    # server's. Without it every full collection walked all the imports (~100 ms, a run's p95).
    from dashboard import warmup

    warmup.start()
    if not warmup.wait_finished(APPTEST_TIMEOUT):
        raise RuntimeError("the warm-up did not finish")
    out: dict = {"rerun_ms": {}, "first_run_ms": {}, "errors": {}, "runs_cut": {}}
    seen: set = set()
    apps = []
    for i, (file, _title, _url) in enumerate(app_pages()):
        at = AppTest.from_file(str(APP), default_timeout=APPTEST_TIMEOUT)
        t0 = time.perf_counter()
        at.run()
        at.switch_page(f"views/{file}")
        at.run()
        out["first_run_ms"][file] = (time.perf_counter() - t0) * 1000
        out["rerun_ms"][file] = []
        apps.append((file, at, FilterChanger(np.random.default_rng([seed, i]), waves, seen), _exceptions(at)))
    # the pages take turns, one filter change each per round: a burst of noise on the shared
    # machine falls on every page a little, not on the one page that happened to be running
    for _ in range(repeats):
        for file, at, changer, errors in apps:
            times = out["rerun_ms"][file]
            if sum(times) > budget_s * 1000:
                continue
            key, value = changer.next_change()
            FilterChanger.apply(at, key, value)
            t0 = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - t0) * 1000)
            errors += _exceptions(at)
    for file, _at, _changer, errors in apps:
        if len(out["rerun_ms"][file]) < repeats:
            out["runs_cut"][file] = len(out["rerun_ms"][file])
        if errors:
            out["errors"][file] = sorted(set(errors))[:5]
    out["vm_hwm_mb"] = vm_hwm_mb(os.getpid())
    return out


def run_page_reruns(db: str, repeats: int, seed: int, budget_s: float = 300.0) -> dict:
    """page_reruns in a child process (fresh Streamlit caches, its own memory)."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "reruns",
        "--db",
        db,
        "--repeats",
        str(repeats),
        "--seed",
        str(seed),
        "--budget",
        str(budget_s),
    ]
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=_env(db))
    if res.returncode != 0:
        raise RuntimeError(f"page reruns failed:\n{res.stderr[-4000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


# ---- cold start and memory --------------------------------------------------------------------


def _env(db: str) -> dict:
    env = dict(os.environ)
    env["TSUNAGARI_DB"] = db
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    env.pop("TSUNAGARI_MIN_N", None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_health(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError("streamlit did not answer its health check")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cold_start_browser(db: str, timeout_s: float = 300) -> dict:
    """Spawn → first page's main heading rendered in chromium; then every page; server VmHWM."""
    from playwright.sync_api import sync_playwright

    pages = app_pages()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 900})
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            t0 = time.perf_counter()
            t0_wall = time.time()  # the page's clock (heading_painted_at) is the wall clock
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    str(SERVER),
                    "--server.port",
                    str(port),
                    "--server.headless",
                    "true",
                    "--server.address",
                    "127.0.0.1",
                ],
                cwd=REPO,
                env=_env(db),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                _wait_health(port, proc, timeout_s)
                ready = time.perf_counter() - t0
                tab.goto(base + "/", wait_until="commit")
                cold = heading_painted_at(tab, page_title(pages[0][1]), timeout_s) - t0_wall
                _wait_heading(tab, page_title(pages[0][1]), timeout_s)
                seen = time.perf_counter() - t0
                first_load = {}
                for query in ("", FILTERED_QUERY):
                    for file, title, url in pages:
                        t1 = time.time()
                        tab.goto(f"{base}/{url}{query}", wait_until="commit")
                        painted = heading_painted_at(tab, page_title(title), timeout_s)
                        _settle(tab, timeout_s)
                        if not query:
                            first_load[file] = (painted - t1) * 1000
                hwm = vm_hwm_mb(proc.pid)
            finally:
                _stop(proc)
        finally:
            browser.close()
    return {
        "method": "playwright+chromium (heading on screen, page clock)",
        "server_ready_s": ready,
        "cold_start_s": cold,
        # the same start as a locator's wait saw it (the measure before stop 23: up to 0.5 s later)
        "cold_start_locator_s": seen,
        "peak_rss_mb": hwm,
        "page_first_load_ms": first_load,
    }


def _wait_heading(tab, title: str, timeout_s: float) -> None:
    tab.get_by_role("heading", level=1, name=title).first.wait_for(state="visible", timeout=timeout_s * 1000)


# Checked by the page in every animation frame: once an h1 reading `title` has a box and is not
# hidden (what Playwright calls visible), the frame being made draws it; the next frame's callbacks
# run after that frame was handed to the compositor, so their time (epoch milliseconds) is when the
# heading was on screen (as tests/perf/map_timing.py takes the map's). False until then.
HEADING_ON_SCREEN_JS = """(title) => {
  const seen = (window.__tsunagariHeading = window.__tsunagariHeading || {});
  if (title in seen) return seen[title] || false;
  for (const h of document.querySelectorAll("h1")) {
    const box = h.getBoundingClientRect();
    if (h.textContent.trim().startsWith(title) && box.width > 0 && box.height > 0
        && getComputedStyle(h).visibility !== "hidden") {
      seen[title] = 0;
      requestAnimationFrame(() => { seen[title] = performance.timeOrigin + performance.now(); });
      return false;
    }
  }
  return false;
}"""


def heading_painted_at(tab, title: str, timeout_s: float) -> float:
    """Wall-clock time (time.time()) at which the page's main heading `title` was on screen, to a
    frame. Not the moment a locator's wait returns: Playwright polls a locator at growing
    intervals (0, 20, 50, 100, 100 ms, then every 500 ms), so on a page that takes a second to
    appear it reports the heading up to half a second after it was drawn. Here the page checks
    in every animation frame and gives its own clock (the same machine's wall clock)."""
    handle = tab.wait_for_function(HEADING_ON_SCREEN_JS, arg=title, polling="raf", timeout=timeout_s * 1000)
    return float(handle.json_value()) / 1000


def _settle(tab, timeout_s: float) -> None:
    """Wait until the page's script run has finished (Streamlit's running indicator is gone), so
    every page's work counts towards the server's memory and the next page does not cut it short."""
    time.sleep(0.3)
    try:
        tab.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=timeout_s * 1000)
    except Exception:  # still running after the timeout: memory is read anyway
        pass


def cold_start_apptest(db: str) -> dict:
    """Fallback without a browser: a fresh process's first AppTest run, then every page."""
    t0 = time.perf_counter()
    cmd = [sys.executable, str(Path(__file__).resolve()), "apptest-cold", "--db", db]
    proc = subprocess.Popen(cmd, cwd=REPO, env=_env(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    cold = time.perf_counter() - t0
    rest, err = proc.communicate()
    if proc.returncode != 0 or not first.startswith("FIRST"):
        raise RuntimeError(f"AppTest cold start failed:\n{err[-4000:]}")
    data = json.loads(rest.strip().splitlines()[-1])
    return {
        "method": "apptest (no browser)",
        "server_ready_s": None,
        "cold_start_s": cold,
        "peak_rss_mb": data["vm_hwm_mb"],
        "page_first_load_ms": data["page_ms"],
    }


def _apptest_cold(db: str) -> None:
    from streamlit.testing.v1 import AppTest

    os.environ["TSUNAGARI_DB"] = db
    at = AppTest.from_file(str(APP), default_timeout=APPTEST_TIMEOUT)
    at.run()
    print("FIRST", flush=True)
    page_ms = {}
    for query in ({}, {"district": "3", "sex": "2", "age_band": "older", "channel": "open"}):
        for file, _title, _url in app_pages():
            at = AppTest.from_file(str(APP), default_timeout=APPTEST_TIMEOUT)
            at.query_params.update(query)
            t1 = time.perf_counter()
            at.run()
            at.switch_page(f"views/{file}")
            at.run()
            if not query:
                page_ms[file] = (time.perf_counter() - t1) * 1000
    print(json.dumps({"vm_hwm_mb": vm_hwm_mb(os.getpid()), "page_ms": page_ms}), flush=True)


def cold_start(db: str) -> dict:
    try:
        return cold_start_browser(db)
    except Exception as exc:  # no browser here: say so and use the AppTest fallback
        out = cold_start_apptest(db)
        out["browser_error"] = f"{type(exc).__name__}: {exc}"[:500]
        return out


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("reruns")
    r.add_argument("--db", required=True)
    r.add_argument("--repeats", type=int, default=30)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--budget", type=float, default=300.0)
    c = sub.add_parser("apptest-cold")
    c.add_argument("--db", required=True)
    args = parser.parse_args(argv)
    if args.cmd == "reruns":
        print(json.dumps(page_reruns(args.db, args.repeats, args.seed, args.budget)))
    else:
        _apptest_cold(args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
