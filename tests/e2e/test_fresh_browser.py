"""A fresh browser (empty cache) opens an English link and walks every page through the sidebar,
then the map with its windows layer off. The walk is recorded once; the tests check it:
every page in English, no request leaving localhost, the UD font from the app's static folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import PAGES, REPO, full_page_screenshot, new_context, open_page, rerun_after, server_log_tail, wait_idle
from .test_pages import artifact_name, page_problems

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
FONT_PATH = "/app/static/fonts/BIZUDPGothic-Regular.ttf"
FONT_FILE = REPO / "dashboard" / "static" / "fonts" / "BIZUDPGothic-Regular.ttf"

FONT_FACTS_JS = """() => document.fonts.ready.then(() => ({
  status: document.fonts.status,
  faces: [...document.fonts].filter(f => f.family.replace(/["']/g, "") === "BIZ UDPGothic")
                            .map(f => ({weight: String(f.weight), status: f.status})),
  check: document.fonts.check('16px "BIZ UDPGothic"'),
  bodyFont: getComputedStyle(document.querySelector(
      '[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')).fontFamily,
}))"""


@dataclass
class Walk:
    urls: list[str] = field(default_factory=list)  # every request and websocket
    font_responses: list = field(default_factory=list)  # responses for the regular face
    fonts: dict = field(default_factory=dict)  # FONT_FACTS_JS on the first page
    pages: dict[str, dict] = field(default_factory=dict)  # url path -> what the page showed


@pytest.fixture(scope="module")
def walk(browser, server, artifacts) -> Walk:
    rec = Walk()
    context = new_context(browser)
    page = context.new_page()
    page.on("request", lambda r: rec.urls.append(r.url))
    page.on("websocket", lambda ws: rec.urls.append(ws.url))

    page.on("response", lambda r: rec.font_responses.append(r) if urlparse(r.url).path == FONT_PATH else None)
    try:
        first, *others = PAGES
        open_page(page, server, first[0], query="lang=en", title=first[2])
        rec.fonts = page.evaluate(FONT_FACTS_JS)
        for path, _, title_en in [first, *others]:
            if path != first[0]:
                page.locator('[data-testid="stSidebarNav"] a', has_text=title_en).click()
                page.locator('[data-testid="stMain"] h1', has_text=title_en).wait_for()
                wait_idle(page)
            rec.pages[f"/{path}"] = {
                "query": parse_qs(urlparse(page.url).query),
                "path": urlparse(page.url).path,
                "problems": page_problems(page, title_en, "en"),
                "nav": page.locator('[data-testid="stSidebarNav"]').inner_text(),
            }
            if path == "":
                full_page_screenshot(page, artifacts / "en_overview.png")
        # the map once more, with the consultation windows layer switched off
        page.locator('[data-testid="stSidebarNav"] a', has_text="District map").click()
        page.locator('[data-testid="stMain"] h1', has_text="District map").wait_for()
        wait_idle(page)
        rerun_after(page, lambda: page.locator('[data-testid="stMain"] [data-testid="stCheckbox"]').first.click())
        yield rec
    finally:
        context.close()


@pytest.mark.parametrize("path,title_ja,title_en", PAGES, ids=[artifact_name(p) for p, *_ in PAGES])
def test_english_link_stays_english_on_every_page(walk, path, title_ja, title_en):
    seen = walk.pages[f"/{path}"]
    assert seen["path"] == f"/{path}"
    assert seen["query"].get("lang") == ["en"]
    assert seen["problems"] == [], "\n".join([*seen["problems"], "--- streamlit log ---", server_log_tail()])
    assert all(en in seen["nav"] for _, _, en in PAGES)
    assert not any(ja in seen["nav"] for _, ja, _ in PAGES)


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob") or parsed.hostname in LOCAL_HOSTS


def test_no_request_leaves_localhost(walk):
    paths = [urlparse(u).path for u in walk.urls]
    assert any(p.startswith("/_stcore/stream") for p in paths)  # the websocket was recorded
    assert any(p.endswith(".js") for p in paths)
    assert sorted({u for u in walk.urls if not is_local(u)}) == []


def test_ud_font_is_served_by_the_app_and_used(walk, server):
    assert [(urlparse(r.url).netloc, r.status) for r in walk.font_responses] == [(urlparse(server).netloc, 200)]
    assert walk.font_responses[0].body() == FONT_FILE.read_bytes()
    fonts = walk.fonts
    assert fonts["status"] == "loaded"
    assert {"weight": "400", "status": "loaded"} in fonts["faces"]
    # check() is also true when no face of the family exists at all, hence the faces above
    assert fonts["check"] is True
    assert fonts["bodyFont"].replace('"', "").startswith("BIZ UDPGothic")
