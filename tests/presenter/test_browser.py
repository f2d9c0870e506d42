"""The presenter in headless chromium at 1280×720 and 1920×1080: keys, counter, URL, no overflow."""

from __future__ import annotations

import re
import time

import pytest

from dashboard.presenter import deck as dk

from .conftest import ARTIFACTS

SIZES = [(1280, 720), (1920, 1080)]

# Overflow inside the slide: the page may not scroll, and no element in the main area may be wider
# than its box (text cut off or running out of its container).
OVERFLOW_JS = """
() => {
  const doc = document.documentElement;
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const wide = [];
  for (const el of main.querySelectorAll('*')) {
    if (el instanceof SVGElement) continue;  // charts: checked by their bounding box below
    if (el.closest('[data-testid="stPopover"], [data-testid="stPopoverBody"], .st-key-pres_hidden')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || el.clientWidth === 0) continue;
    if (['visible', 'clip'].includes(cs.overflowX) === false && el.scrollWidth > el.clientWidth + 1) {
      wide.push((el.getAttribute('data-testid') || el.className || el.tagName) + ' ' + el.scrollWidth + '>' + el.clientWidth);
    } else if (el.scrollWidth > el.clientWidth + 1 && el.children.length === 0 && el.textContent.trim()) {
      wide.push('text ' + el.textContent.trim().slice(0, 30) + ' ' + el.scrollWidth + '>' + el.clientWidth);
    }
  }
  const right = Math.max(...[...main.querySelectorAll('*')].filter(e => !e.closest('.st-key-pres_hidden'))
                          .map(e => e.getBoundingClientRect().right));
  const slide = document.querySelector('.st-key-pres_slide');
  const footer = document.querySelector('.st-key-pres_footer');
  const slideBottom = Math.max(0, ...[...slide.querySelectorAll('*')].map(e => e.getBoundingClientRect().bottom));
  const scroller = document.querySelector('[data-testid="stMain"]');
  return {mainScroll: scroller.scrollHeight, mainClient: scroller.clientHeight, slideBottom: slideBottom, footerTop: footer.getBoundingClientRect().top,
          footerHeight: footer.getBoundingClientRect().height, scrollHeight: doc.scrollHeight, scrollWidth: doc.scrollWidth, innerHeight: innerHeight,
          innerWidth: innerWidth, wide: wide, right: right};
}
"""


def counter(page) -> str:
    return page.locator("[data-testid='pres-counter']").inner_text().strip()


def wait_counter(page, text: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if counter(page) == text:
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise AssertionError(f"counter stayed {counter(page)!r}, expected {text!r}")


def settle(page) -> None:
    """Wait until Streamlit has finished the run and charts have drawn."""
    page.wait_for_function(
        '() => !document.querySelector(\'[data-testid="stStatusWidget"] [data-testid="stSpinner"]\')', timeout=30000
    )
    page.wait_for_timeout(600)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                              .every(c => c.querySelector('canvas, svg'))""",
        timeout=30000,
    )
    page.wait_for_timeout(300)


def slide_param(page) -> int | None:
    m = re.search(r"[?&]slide=(\d+)", page.url)
    return int(m.group(1)) if m else None


@pytest.mark.browser
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_keyboard_through_the_default_deck(server, browser, size):
    width, height = size
    total = len(dk.load_deck(dk.DEFAULT_DECK))
    out = ARTIFACTS / f"{width}x{height}"
    out.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(f"{server}/presenter")
        wait_counter(page, f"1 / {total}")
        problems = []
        for n in range(1, total + 1):
            if n > 1:
                page.keyboard.press("ArrowRight" if n % 2 else "PageDown")
                wait_counter(page, f"{n} / {total}")
            settle(page)
            assert slide_param(page) == n
            page.screenshot(path=str(out / f"slide_{n:02d}.png"))
            m = page.evaluate(OVERFLOW_JS)
            assert page.locator("[data-testid='pres-counter']").is_visible()
            if (
                m["scrollHeight"] > m["innerHeight"]
                or m["mainScroll"] > m["mainClient"] + 1
                or m["scrollWidth"] > m["innerWidth"]
                or m["wide"]
                or m["right"] > m["innerWidth"] + 1
                or m["slideBottom"] > m["footerTop"]
                or m["footerHeight"] > m["innerHeight"] / 8
            ):
                problems.append((n, m))
            meta = page.locator("[data-testid='pres-meta']").inner_text()
            assert "データ時点" in meta and "デモデータ" in meta
            assert page.locator("[data-testid='stSidebar']").is_hidden()
        assert not problems, [
            (
                n,
                m["wide"][:6],
                m["right"],
                m["scrollHeight"],
                m["mainScroll"],
                m["mainClient"],
                m["slideBottom"],
                m["footerTop"],
                m["footerHeight"],
            )
            for n, m in problems
        ]
        page.keyboard.press("ArrowRight")  # past the end stays on the last slide
        page.wait_for_timeout(800)
        assert counter(page) == f"{total} / {total}"
        # each key after the slide has finished drawing, as in the loop above: a key pressed while
        # Streamlit is still running the previous one can be lost on a loaded machine
        page.keyboard.press("Home")
        wait_counter(page, f"1 / {total}")
        settle(page)
        assert slide_param(page) == 1
        page.keyboard.press("End")
        wait_counter(page, f"{total} / {total}")
        settle(page)
        assert slide_param(page) == total
        page.keyboard.press("ArrowLeft")
        wait_counter(page, f"{total - 1} / {total}")
        settle(page)
        page.keyboard.press("PageUp")
        wait_counter(page, f"{total - 2} / {total}")
        assert slide_param(page) == total - 2
        # A reload keeps the slide (the number is in the URL).
        page.reload()
        wait_counter(page, f"{total - 2} / {total}")
    finally:
        page.close()


@pytest.mark.browser
def test_url_slide_is_clamped_and_overview_jumps(server, browser):
    total = len(dk.load_deck(dk.DEFAULT_DECK))
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.goto(f"{server}/presenter?deck=junbikai&slide=999")
        wait_counter(page, f"{total} / {total}")
        assert slide_param(page) == total
        page.get_by_role("button", name=re.compile("一覧")).click()
        page.get_by_role("button", name=re.compile(r"^7\. ")).click()
        wait_counter(page, f"7 / {total}")
        assert slide_param(page) == 7
    finally:
        page.close()
