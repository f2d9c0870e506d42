"""Issue 17 item 7, by keyboard alone (JIS X 8341-3 / WCAG 2.1.1 Keyboard, 2.4.3 Focus Order,
2.4.7 Focus Visible): Tab from the top of 概要 reaches the skip link, every page of the
navigation, the language switch, every sidebar filter and the reset button, in that order, and
each stop shows a focus ring a sighted keyboard user can see; a filter and a page change work
with the keys only.

A focus ring counts when the focused element (a selectbox: its box) draws an outline of 2 px or
more (or the browser's own focus outline), or a box shadow (Streamlit's buttons draw their ring as
a shadow), in its focused state. Streamlit's own
"focused" page link is a faint grey (about 1.1:1 against the sidebar), which does not count.
"""

from __future__ import annotations

import re

import pytest

from .conftest import PAGES, open_page, wait_idle

pytestmark = pytest.mark.browser

MAX_TABS = 60
FOCUSED_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  // a selectbox's ring is drawn around its box, not on the text input inside it
  const ringed = e.closest('.react-aria-ComboBox > div') || e;
  const cs = getComputedStyle(ringed);
  const r = e.getBoundingClientRect();
  const label = e.getAttribute('aria-label') || (e.innerText || '').trim() || '';
  const testid = (e.closest('[data-testid]') || {}).getAttribute?.('data-testid') || '';
  return {tag: e.tagName, role: e.getAttribute('role') || '', label, testid,
          outline: cs.outlineStyle === 'auto' ? 2 : cs.outlineStyle !== 'none' ? parseFloat(cs.outlineWidth) : 0,
          shadow: cs.boxShadow !== 'none', w: r.width, h: r.height};
}"""
SIDEBAR_FILTERS = ("調査年", "年齢", "性別", "地域", "世帯構成")


def tab_stops(page, limit: int = MAX_TABS) -> list[dict]:
    """The focused element after each Tab from the top of the page, until focus leaves the page
    (or LIMIT presses)."""
    page.locator("body").focus()
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED_JS)
        if stop is None or (stops and stop == stops[0]):
            break
        stops.append(stop)
    return stops


def visible_name(stop: dict) -> str:
    """The label as read out: the Material icon's ligature name (hidden from the accessible name)
    left out, as it is for a screen reader."""
    lines = [line.strip() for line in stop["label"].splitlines() if line.strip()]
    return lines[-1] if lines else ""


def test_tab_reaches_the_navigation_the_language_and_every_filter_in_order_with_a_visible_ring(page, server):
    open_page(page, server, "", title="概要")
    stops = tab_stops(page)
    names = [visible_name(s) for s in stops]
    pages = [title for _, title, _ in PAGES]
    wanted = ["Skip to main content", *pages, "日本語", *SIDEBAR_FILTERS, "絞り込みをリセット"]
    positions = [names.index(w) if w in names else -1 for w in wanted]
    assert -1 not in positions, f"not reached by Tab: {[w for w, p in zip(wanted, positions) if p < 0]}; got {names}"
    assert positions == sorted(positions), f"focus order differs from the screen's: {names}"
    sidebar_and_page = [s for s in stops if s["tag"] != "MAIN" and s["w"] > 1 and s["h"] > 1]
    unseen = [f"{visible_name(s)} ({s['testid']})" for s in sidebar_and_page if s["outline"] < 2 and not s["shadow"]]
    assert unseen == [], f"focused without a visible ring: {unseen}"


def test_a_filter_and_a_page_change_with_the_keyboard_only(page, server):
    open_page(page, server, "", title="概要")
    stops = tab_stops(page)
    names = [visible_name(s) for s in stops]
    # back to the top, then Tab to the district filter and choose its first district with the keys
    page.locator("body").focus()
    for _ in range(names.index("地域") + 1):
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "地域"
    page.keyboard.press("ArrowDown")  # opens the list and moves to the first district
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"district=\d"))
    wait_idle(page)
    chosen = re.search(r"district=\d", page.url).group(0)
    # Shift+Tab back up to the page links and open 指標の内訳 with Enter
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab")
        if visible_name(page.evaluate(FOCUSED_JS) or {"label": ""}) == "指標の内訳":
            break
    page.keyboard.press("Enter")
    page.locator('[data-testid="stMain"] h1', has_text="指標の内訳").wait_for()
    wait_idle(page)
    assert chosen in page.url, page.url  # the filter goes along, as with the mouse
