"""Real-browser tests: one demo database and one `streamlit run` server per session, Debian's
chromium driven headless by Playwright. Tests share one browser context (its HTTP cache keeps the
app's scripts) and each gets a new tab, i.e. a new Streamlit session.

Streamlit draws asynchronously, so nothing here sleeps a fixed time: wait_idle waits for the end
of the script run, for the lazily loaded element scripts (network and DOM quiet) and for charts,
maps and tables to paint. Screenshots go to tests/artifacts/e2e/ (git-ignored).
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ARTIFACTS = REPO / "tests" / "artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1440, "height": 900}
SERVER_START_TIMEOUT = 60  # seconds until /_stcore/health answers 200
RUN_TIMEOUT_MS = 30_000    # one script run of a page, including its charts

# (url path, Japanese title, English title) of every page in the sidebar navigation.
PAGES = (
    ("", "概要", "Overview"),
    ("breakdown", "指標の内訳", "Indicator breakdown"),
    ("map", "地域マップ", "District map"),
    ("activity", "支援団体の活動", "Support organisations' activity"),
    ("national", "全国との比較", "Comparison with Japan"),
    ("directory", "相談窓口一覧", "Consultation directory"),
    ("methods", "データと方法", "Data and methods"),
)
DEMO_BANNER = {
    "ja": "デモデータ（架空）: この画面の数値は合成された架空のデータです",
    "en": "Demo data (fictitious): the figures on this screen are synthetic, made-up data",
}


# ---- the server ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """`python -m data build --demo --db TMP`, once per session."""
    db = tmp_path_factory.mktemp("e2e_db") / "tsunagari.duckdb"
    result = subprocess.run([sys.executable, "-m", "data", "build", "--demo", "--db", str(db)],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"demo build failed:\n{result.stdout}\n{result.stderr}"
    return db


_SERVER: dict[str, Path] = {}  # the running server's log file


def server_log_tail(lines: int = 60) -> str:
    """The end of the streamlit server's log: the traceback behind an error box."""
    log = _SERVER.get("log")
    if log is None or not log.exists():
        return "(no server log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def server(demo_db, tmp_path_factory) -> str:
    """`streamlit run dashboard/app.py` on a free port over the demo database; yields the base URL."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("e2e_server") / "streamlit.log"
    _SERVER["log"] = log_path
    env = {**os.environ, "TSUNAGARI_DB": str(demo_db), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env.pop("TSUNAGARI_MIN_N", None)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
             "--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1",
             # others edit the tree meanwhile: no "source changed" prompt, no watcher CPU
             "--server.fileWatcherType", "none"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(f"{base}/_stcore/health"):
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after {SERVER_START_TIMEOUT}s:\n"
                            f"{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- the browser --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: the browser tests drive Debian's chromium. "
                    "Install it with `apt-get install chromium` (.ci/run does this when run as root).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def context(browser):
    """One context for most tests, so the app's scripts and styles are fetched once (its HTTP
    cache); every page (tab) still gets its own Streamlit session."""
    ctx = new_context(browser)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    yield pg
    pg.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# ---- helpers for the tests ----------------------------------------------------------------

APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
QUIET_MS = 250  # the DOM unchanged this long after the run: lazily loaded widgets have mounted

# Every page of a context records when its DOM last changed: Streamlit mounts many elements
# (widgets, metrics) from lazily loaded chunks only after the script run has finished.
# It also counts the script runs it saw start (stApp's data-test-script-state leaving notRunning).
_MUTATION_CLOCK_JS = """(() => {
  window.__tsgLastMutation = performance.now();
  window.__tsgRuns = 0;
  new MutationObserver((records) => {
    window.__tsgLastMutation = performance.now();
    for (const r of records) {
      if (r.attributeName === "data-test-script-state" && r.target.dataset.testScriptState !== "notRunning"
          && r.oldValue === "notRunning") window.__tsgRuns += 1;
    }
  }).observe(document, {subtree: true, childList: true, attributes: true, attributeOldValue: true,
                        characterData: true});
})();"""

# True once the DOM has been quiet for QUIET_MS and every visible chart, map and table has
# painted something.
_SETTLED_JS = """(quietMs) => {
  if (performance.now() - window.__tsgLastMutation < quietMs) return false;
  const painted = (el, sel) => [...el.querySelectorAll(sel)].some(c => c.getBoundingClientRect().width > 50);
  const all = (testid, sel) => [...document.querySelectorAll(`[data-testid="${testid}"]`)]
      .filter(el => el.checkVisibility())  // not inside a closed expander
      .every(el => painted(el, sel));
  return all("stVegaLiteChart", "canvas, svg") && all("stDeckGlJsonChart", "canvas")
      && all("stDataFrame", "canvas");
}"""


class NetworkClock:
    """In-flight requests of one page and when the last one started or ended."""

    def __init__(self, page) -> None:
        self.inflight: set = set()
        self.last = time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request) -> None:
        self.inflight.add(request)
        self.last = time.monotonic()

    def _ended(self, request) -> None:
        self.inflight.discard(request)
        self.last = time.monotonic()

    def quiet(self, seconds: float) -> bool:
        return not self.inflight and time.monotonic() - self.last >= seconds


_CLOCKS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def new_context(browser, **kwargs):
    """A browser context (own cache, cookies, Streamlit sessions) whose pages can tell when they
    have settled (see wait_idle)."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="ja-JP", **kwargs)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    context.add_init_script(_MUTATION_CLOCK_JS)
    context.on("page", lambda pg: _CLOCKS.setdefault(pg, NetworkClock(pg)))
    return context


def wait_idle(page) -> None:
    """Until the script run is over (status widget gone), the lazily loaded scripts of the
    elements have arrived and mounted (network and DOM quiet for QUIET_MS), and every visible
    chart, map and table has painted."""
    page.wait_for_selector(APP_IDLE, state="attached")
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="hidden")
    clock = _CLOCKS[page]
    deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
    while not (clock.quiet(QUIET_MS / 1000) and page.evaluate(_SETTLED_JS, QUIET_MS)
               and page.locator(APP_IDLE).count() == 1):
        if time.monotonic() > deadline:
            pending = sorted(r.url for r in clock.inflight)
            raise AssertionError(f"page not settled after {RUN_TIMEOUT_MS} ms; requests in flight: {pending}")
        page.wait_for_timeout(50)  # lets Playwright deliver the request events


def runs_started(page) -> int:
    return page.evaluate("window.__tsgRuns")


def rerun_after(page, action) -> None:
    """Do ACTION (a widget change), wait for the script run it starts, then for the page to settle."""
    before = runs_started(page)
    action()
    page.wait_for_function("(n) => window.__tsgRuns > n", arg=before, polling=20)
    wait_idle(page)


def open_page(page, base: str, path: str = "", query: str = "", title: str | None = None) -> None:
    """Go to BASE/PATH?QUERY and wait for its h1 (TITLE when given) and the end of the run."""
    url = f"{base}/{path}" + (f"?{query}" if query else "")
    page.goto(url)
    heading = page.locator('[data-testid="stMain"] h1').first
    if title is not None:
        heading = page.locator('[data-testid="stMain"] h1', has_text=title).first
    heading.wait_for()
    wait_idle(page)


def sidebar_multiselect(page, label: str):
    label_el = page.locator('[data-testid="stWidgetLabel"]', has_text=re.compile(f"^{re.escape(label)}$"))
    return page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has=label_el)


def choose_in_multiselect(page, label: str, option: str) -> None:
    """Open the sidebar multiselect LABEL with the mouse and pick OPTION, as a user would.

    The sidebar is scrolled so the widget sits mid-screen first: Playwright's own scrolling
    leaves it at the bottom edge, where the list, opening below, scrolls the sidebar and
    closes itself again."""
    box = sidebar_multiselect(page, label).get_by_role("combobox")
    box.evaluate("el => el.scrollIntoView({block: 'center'})")
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def chosen_tags(page, label: str) -> list[str]:
    return sidebar_multiselect(page, label).locator("[data-tag] [title]").all_inner_texts()


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def full_page_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside stMain, not the document: grow the viewport to the content's
    height for the shot, then put it back."""
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(
        document.querySelector('[data-testid="stMain"]').scrollHeight,
        document.querySelector('[data-testid="stSidebarContent"]').scrollHeight)""")
    page.set_viewport_size({"width": size["width"], "height": max(int(height), size["height"])})
    try:
        wait_idle(page)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
