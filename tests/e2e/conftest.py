"""Real-browser tests over the session's demo database, `streamlit run` server and Debian
chromium (tests/conftest.py). Tests share one browser context (its HTTP cache keeps the
app's scripts) and each gets a new tab, i.e. a new Streamlit session.

Streamlit draws asynchronously, so nothing here sleeps a fixed time: wait_idle waits for the end
of the script run, for the lazily loaded element scripts (network and DOM quiet) and for charts,
maps and tables to paint. Screenshots go to tests/artifacts/e2e/ (git-ignored).
"""

from __future__ import annotations

import re
import sys
import time
import weakref
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ARTIFACTS = REPO / "tests" / "artifacts" / "e2e"
VIEWPORT = {"width": 1440, "height": 900}
RUN_TIMEOUT_MS = 30_000  # one script run of a page, including its charts

# (url path, Japanese title, English title) of every page in the sidebar navigation.
PAGES = (
    ("", "概要", "Overview"),
    ("breakdown", "指標の内訳", "Indicator breakdown"),
    ("trends", "推移", "Trends"),
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


# ---- the server and the browser (tests/conftest.py) ------------------------------------------

_SERVER: dict[str, Path] = {}  # the running server's log file


def server_log_tail(lines: int = 60) -> str:
    """The end of the streamlit server's log: the traceback behind an error box."""
    log = _SERVER.get("log")
    if log is None or not log.exists():
        return "(no server log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def server(app_server) -> str:
    """The dashboard's base URL (one server per session, shared with the presenter tests)."""
    _SERVER["log"] = app_server.log
    return app_server.url


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


_CLOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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
    while not (
        clock.quiet(QUIET_MS / 1000) and page.evaluate(_SETTLED_JS, QUIET_MS) and page.locator(APP_IDLE).count() == 1
    ):
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


def sign_in(page, base: str, name: str, password: str, path: str, title: str) -> None:
    """Open BASE+PATH, which sends a visitor to the sign-in page; sign in as NAME and wait for the
    page (its h1 TITLE) to settle."""
    page.goto(f"{base}{path}")
    page.wait_for_url(re.compile(r"/signin"))
    page.get_by_label("利用者名").fill(name)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="サインイン").click()
    page.locator('[data-testid="stMain"] h1', has_text=title).wait_for()
    wait_idle(page)


def sidebar_selectbox(page, label: str):
    """The combobox of the sidebar's filter LABEL (a single choice: すべて, a code or a named group)."""
    return page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label, exact=True)


def choose_in_selectbox(page, label: str, option: str) -> None:
    """Open the sidebar selectbox LABEL with the mouse and pick OPTION, as a user would.

    The sidebar is scrolled so the widget sits mid-screen first: Playwright's own scrolling
    leaves it at the bottom edge, where the list, opening below, scrolls the sidebar and
    closes itself again."""
    box = sidebar_selectbox(page, label)
    box.evaluate("el => el.scrollIntoView({block: 'center'})")
    box.click()
    page.get_by_role("option", name=option, exact=True).click()


def chosen_option(page, label: str) -> str:
    """What the sidebar selectbox LABEL shows."""
    return sidebar_selectbox(page, label).input_value()


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
