"""Issue 17 item 1: every page at the screens people have (phone, tablet, the 1024×768 projector, a
laptop) and the presenter at three projector sizes: no text cut off or overflowing its box, the
presenter's footer never over the slide's chart, the sidebar closed on a phone.

Text that overflows its box has a scrollWidth wider than its clientWidth (a clipped or ellipsised
value, a badge running out of its card, a footer line cut at the edge). Screenshots of every
page at every size go to tests/artifacts/screens/ (git-ignored) to be looked at.
"""

from __future__ import annotations

import pytest

from .conftest import PAGES, REPO, full_page_screenshot, new_context, open_page, wait_idle

pytestmark = pytest.mark.browser

SHOTS = REPO / "tests" / "artifacts" / "screens"
SCREENS = {"phone": (390, 844), "tablet": (820, 1180), "projector": (1024, 768), "laptop": (1440, 900)}
# two-dimension views of 指標の内訳 (the small multiples' third column was cut off at 1440 px)
EXTRA_VIEWS = [
    ("breakdown", "ind=lonely_any&by=age_band&by2=household&view=multiples", "指標の内訳", "Indicator breakdown"),
    ("breakdown", "ind=lonely_any&by=age_band&by2=household&view=heatmap", "指標の内訳", "Indicator breakdown"),
    # 推移 by district: small multiples, three panels a row
    ("trends", "ind=lonely_sometimes_plus&tby=district", "推移", "Trends"),
]
PRESENTER_SCREENS = {"1024x768": (1024, 768), "1280x720": (1280, 720), "1920x1080": (1920, 1080)}

# The boxes whose text must fit: metric cards (label, value), badges, alert and caption text,
# sidebar navigation labels, buttons, and the presenter's cards, heading and footer.
BOXES = ", ".join(
    [
        '[data-testid="stMetric"]',
        '[data-testid="stMetricValue"]',
        '[data-testid="stMetricValue"] > div',
        '[data-testid="stMetricLabel"]',
        '[data-testid="stMetricLabel"] p',
        '[data-testid="stMetric"] .stMarkdownEllipsis',
        '[data-testid="stMetric"] .stMarkdownEllipsis p',
        '[data-testid="stMarkdownContainer"] span[class*="badge" i]',
        '[data-testid="stVerticalBlockBorderWrapper"]',
        '[data-testid="stCaptionContainer"]',
        '[data-testid="stSidebarNav"] a span',
        '[data-testid="stBaseButton-secondary"] p',
        '[data-testid="stBaseButton-primary"] p',
        '[data-testid="stMain"] h1',
        '[data-testid="stMain"] h2',
        ".pres-card",
        ".pres-card .val",
        ".pres-heading",
        ".st-key-pres_footer",
        ".st-key-pres_footer p",
        ".pres-meta",
        ".pres-meta > span",
    ]
)

# Every visible box of BOXES whose content is wider than the box (1 px of rounding allowed), with
# the text that does not fit; and whether the main area scrolls sideways (something wider than
# the screen).
_OVERFLOW_JS = """(selector) => {
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility() || el.clientWidth === 0) continue;
    if (el.closest('[data-testid="stSidebar"]')?.dataset.collapsed === 'true') continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      out.push(`${el.tagName.toLowerCase()}.${[...el.classList].slice(0, 2).join('.')}`
        + `[${el.dataset.testid || ''}] ${el.scrollWidth}>${el.clientWidth}: `
        + el.innerText.slice(0, 60).replace(/\\s+/g, ' '));
    }
  }
  // a chart drawn wider than its column (the third column of the small multiples at 1440 px)
  for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
    if (!chart.checkVisibility()) continue;
    const box = chart.getBoundingClientRect();
    for (const drawn of chart.querySelectorAll('canvas, svg.marks')) {
      const r = drawn.getBoundingClientRect();
      if (r.width > 0 && r.right > box.right + 1)
        out.push(`chart cut off: ${Math.round(r.right)} > ${Math.round(box.right)}`);
    }
  }
  const main = document.querySelector('[data-testid="stMain"]');
  if (main && main.scrollWidth > main.clientWidth + 1) {
    out.push(`stMain scrolls sideways ${main.scrollWidth}>${main.clientWidth}`);
  }
  return out;
}"""


def overflowing(page) -> list[str]:
    return page.evaluate(_OVERFLOW_JS, BOXES)


class _Sized:
    def __init__(self, context) -> None:
        self.context = context

    def page(self, size: tuple[int, int]):
        """A new tab of the shared context with the window SIZE, set before anything is loaded
        (Streamlit chooses the sidebar's first state from the width it finds)."""
        pg = self.context.new_page()
        pg.set_viewport_size({"width": size[0], "height": size[1]})
        return pg


@pytest.fixture(scope="module")
def sized(browser):
    """Tabs of one context (its HTTP cache) at the screen sizes of the tests."""
    ctx = new_context(browser)
    yield _Sized(ctx)
    ctx.close()


def _name(path: str) -> str:
    return path or "overview"


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_fits_the_screen(sized, server, screen, lang):
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = SCREENS[screen]
    page = sized.page((width, height))
    problems = {}
    try:
        views = [(path, "", title_ja, title_en) for path, title_ja, title_en in PAGES] + EXTRA_VIEWS
        for path, query, title_ja, title_en in views:
            query = "&".join(q for q in (query, "lang=en" if lang == "en" else "") if q)
            open_page(page, server, path, query=query, title=title_ja if lang == "ja" else title_en)
            found = overflowing(page)
            name = _name(path) + (f"_{query.split('view=')[1].split('&')[0]}" if "view=" in query else "")
            if found:
                problems[name] = found
            full_page_screenshot(page, SHOTS / f"{name}_{lang}_{screen}.png")
    finally:
        page.close()
    assert problems == {}, "\n".join(f"{k}: {p}" for k, found in problems.items() for p in found)


def test_sidebar_starts_closed_on_a_phone_and_open_on_a_laptop(sized, server):
    for size, collapsed in (((390, 844), "true"), ((1440, 900), "false")):
        page = sized.page(size)
        try:
            open_page(page, server, "", title="概要")
            sidebar = page.locator('[data-testid="stSidebar"]')
            assert sidebar.get_attribute("data-collapsed") == collapsed, size
            if collapsed == "true":
                box = sidebar.bounding_box()
                assert box is None or box["x"] + box["width"] <= 1, box  # not over the content
        finally:
            page.close()


# ---- the presenter -------------------------------------------------------------------------------

_FOOTER_CLEAR_JS = """() => {
  const footer = document.querySelector('.st-key-pres_footer');
  if (!footer) return ['no footer'];
  const top = footer.getBoundingClientRect().top;
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stVegaLiteChart"], .pres-cards, .pres-dir,'
      + ' .pres-heading, .pres-caption, .pres-note, .pres-refused')) {
    if (!el.checkVisibility()) continue;
    const r = el.getBoundingClientRect();
    if (r.height > 0 && r.bottom > top + 1)
      out.push(`${el.className || el.dataset.testid} bottom ${Math.round(r.bottom)} > footer top ${Math.round(top)}`);
  }
  if (footer.getBoundingClientRect().bottom > window.innerHeight + 1) out.push('footer below the window');
  return out;
}"""


def deck_length(page) -> int:
    return int(page.get_by_test_id("pres-counter").inner_text().split("/")[1])


@pytest.mark.parametrize("screen", list(PRESENTER_SCREENS))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_presenter_slides_fit_with_the_footer_clear_of_the_chart(sized, server, screen, lang):
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = PRESENTER_SCREENS[screen]
    page = sized.page((width, height))
    problems = {}
    try:
        query = "deck=junbikai&slide=1" + ("&lang=en" if lang == "en" else "")
        page.goto(f"{server}/presenter?{query}")
        page.get_by_test_id("pres-counter").wait_for()
        wait_idle(page)
        total = deck_length(page)
        for number in range(1, total + 1):
            if number > 1:
                page.goto(f"{server}/presenter?{query.replace('slide=1', f'slide={number}')}")
                page.get_by_test_id("pres-counter").filter(has_text=f"{number} /").wait_for()
                wait_idle(page)
            found = overflowing(page) + page.evaluate(_FOOTER_CLEAR_JS)
            if found:
                problems[number] = found
            page.screenshot(path=str(SHOTS / f"presenter_{lang}_{screen}_{number:02d}.png"))
    finally:
        page.close()
    assert problems == {}, "\n".join(f"{k}: {p}" for k, found in problems.items() for p in found)
