"""Nothing leaves the machine: every request of every page goes to the app's own server, and the
UD font comes from the app's static folder."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from .conftest import PAGES, REPO, open_page, rerun_after, wait_idle

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
FONT_PATH = "/app/static/fonts/BIZUDPGothic-Regular.ttf"
FONT_FILE = REPO / "dashboard" / "static" / "fonts" / "BIZUDPGothic-Regular.ttf"


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob") or parsed.hostname in LOCAL_HOSTS


def test_every_request_of_every_page_stays_on_localhost(fresh_page, server):
    page = fresh_page
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.on("websocket", lambda ws: urls.append(ws.url))

    open_page(page, server, "methods", title="データと方法")
    for path, title_ja, _ in PAGES:  # through the sidebar: every page's elements and their scripts
        page.locator('[data-testid="stSidebarNav"] a', has_text=title_ja).click()
        page.locator('[data-testid="stMain"] h1', has_text=title_ja).wait_for()
        wait_idle(page)
    # the map with the consultation windows layer off, then another indicator in English
    page.locator('[data-testid="stSidebarNav"] a', has_text="地域マップ").click()
    page.locator('[data-testid="stMain"] h1', has_text="地域マップ").wait_for()
    wait_idle(page)
    rerun_after(page, lambda: page.locator('[data-testid="stMain"] [data-testid="stCheckbox"]').first.click())
    open_page(page, server, "map", query="ind=no_confidant&lang=en", title="District map")

    assert any(urlparse(u).path.startswith("/_stcore/stream") for u in urls)  # the websocket was seen
    assert any(urlparse(u).path.endswith(".js") for u in urls)
    outside = sorted({u for u in urls if not is_local(u)})
    assert outside == []


def test_ud_font_is_served_by_the_app_and_used(fresh_page, server):
    page = fresh_page
    fonts = []
    page.on("response", lambda r: fonts.append(r) if urlparse(r.url).path == FONT_PATH else None)
    open_page(page, server, "", title="概要")
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.status)") == "loaded"

    assert [urlparse(r.url).netloc for r in fonts] == [urlparse(server).netloc]
    assert fonts[0].status == 200
    assert fonts[0].body() == FONT_FILE.read_bytes()

    faces = page.evaluate("""() => [...document.fonts]
        .filter(f => f.family.replace(/["']/g, "") === "BIZ UDPGothic")
        .map(f => ({weight: String(f.weight), status: f.status}))""")
    assert {"weight": "400", "status": "loaded"} in faces
    # check() is also true when no face of the family exists at all, hence the list above
    assert page.evaluate("""() => document.fonts.check('16px "BIZ UDPGothic"')""") is True
    body_font = page.evaluate("""() => getComputedStyle(
        document.querySelector('[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')).fontFamily""")
    assert body_font.replace('"', "").startswith("BIZ UDPGothic")
