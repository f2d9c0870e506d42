"""Every page of the dashboard loads in chromium, in Japanese and in English, without an error box."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import DEMO_BANNER, PAGES, full_page_screenshot, open_page, wait_idle

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'
ERROR_ALERT = '[data-testid="stAlertContentError"]'


def artifact_name(path: str) -> str:
    return path or "overview"


def alerts(page) -> list[str]:
    return page.locator('[data-testid="stMain"] [data-testid="stAlert"]').all_inner_texts()


def check_loaded(page, title: str, lang: str) -> None:
    assert page.locator('[data-testid="stMain"] h1').first.inner_text().strip() == title
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).all_inner_texts()
    assert page.locator(ERROR_ALERT).count() == 0, page.locator(ERROR_ALERT).all_inner_texts()
    assert any(DEMO_BANNER[lang] in text for text in alerts(page)), alerts(page)


@pytest.mark.parametrize("path,title_ja,title_en", PAGES, ids=[artifact_name(p) for p, *_ in PAGES])
def test_page_loads_in_japanese(page, server, artifacts, path, title_ja, title_en):
    open_page(page, server, path, title=title_ja)
    check_loaded(page, title_ja, "ja")
    nav = page.locator('[data-testid="stSidebarNav"]')
    for other_path, other_title, _ in PAGES:
        link = nav.locator(f'a[href="{server}/{other_path}"]')
        assert link.inner_text().strip().endswith(other_title)
    if path == "":
        readme_screenshot(page, artifacts / "readme_overview.png")
    full_page_screenshot(page, artifacts / f"{artifact_name(path)}.png")


def readme_screenshot(page, out) -> None:
    """docs/ picks this one up for the README: the 概要 page as a 1440×900 screen shows it."""
    assert page.viewport_size == {"width": 1440, "height": 900}
    page.screenshot(path=str(out))
    from PIL import Image  # noqa: PLC0415  (a streamlit dependency)

    with Image.open(out) as img:
        assert img.size == (1440, 900)


def test_every_page_in_english_from_the_url(page, server, artifacts):
    """lang=en in a link opens the English dashboard, and it stays English from page to page."""
    first, *others = PAGES
    open_page(page, server, first[0], query="lang=en", title=first[2])
    for path, title_ja, title_en in [first, *others]:
        if path != first[0]:
            page.locator('[data-testid="stSidebarNav"] a', has_text=title_en).click()
            page.locator('[data-testid="stMain"] h1', has_text=title_en).wait_for()
            wait_idle(page)
        assert urlparse(page.url).path == f"/{path}"
        assert parse_qs(urlparse(page.url).query).get("lang") == ["en"], page.url
        check_loaded(page, title_en, "en")
        nav_text = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert all(en in nav_text for _, _, en in PAGES)
        assert not any(ja in nav_text for _, ja, _ in PAGES)
        full_page_screenshot(page, artifacts / f"en_{artifact_name(path)}.png")


def test_language_switch_writes_lang_to_the_url_and_survives_a_reload(page, server):
    open_page(page, server, "national", title="全国との比較")
    page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"]').get_by_text("English").click()
    page.wait_for_url("**/national?lang=en")
    page.locator('[data-testid="stMain"] h1', has_text="Comparison with Japan").wait_for()
    wait_idle(page)
    check_loaded(page, "Comparison with Japan", "en")

    page.reload()
    page.locator('[data-testid="stMain"] h1', has_text="Comparison with Japan").wait_for()
    wait_idle(page)
    assert page.url.endswith("/national?lang=en")
    check_loaded(page, "Comparison with Japan", "en")
