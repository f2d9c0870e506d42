"""Every page of the dashboard loads in chromium without an error box; the language switch.

English on every page: test_fresh_browser.py."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from data import codebook as cb

from .conftest import (
    DEMO_BANNER,
    PAGES,
    choose_in_selectbox,
    chosen_option,
    full_page_screenshot,
    open_page,
    rerun_after,
    server_log_tail,
    wait_idle,
)

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'
ERROR_ALERT = '[data-testid="stAlertContentError"]'


def artifact_name(path: str) -> str:
    return path or "overview"


def alerts(page) -> list[str]:
    return page.locator('[data-testid="stMain"] [data-testid="stAlert"]').all_inner_texts()


def page_problems(page, title: str, lang: str) -> list[str]:
    """What is wrong with the page shown: title, error boxes, demo banner (empty when nothing)."""
    problems = []
    h1 = page.locator('[data-testid="stMain"] h1').first.inner_text().strip()
    if h1 != title:
        problems.append(f"title {h1!r}, expected {title!r}")
    for selector in (EXCEPTION, ERROR_ALERT):
        problems += [f"{selector}: {text}" for text in page.locator(selector).all_inner_texts()]
    if not any(DEMO_BANNER[lang] in text for text in alerts(page)):
        problems.append(f"no demo banner among the alerts {alerts(page)}")
    return problems


def check_loaded(page, title: str, lang: str) -> None:
    problems = page_problems(page, title, lang)
    assert problems == [], "\n".join([*problems, "--- streamlit log ---", server_log_tail()])


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


def checked_radio(page, label: str) -> list[str]:
    radio = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)
    )
    return radio.locator("label:has(input:checked)").all_inner_texts()


def test_widgets_follow_the_language_switch(page, server):
    """After the switch every widget shows its value in the new language, and the next change
    of a filter keeps the others (the browser must not send back the old language's labels)."""
    open_page(page, server, "breakdown", query="district=5&channel=open&ind=ucla_high&by=sex", title="指標の内訳")
    assert checked_radio(page, "調査方法") == ["公開Web調査（参考）"]
    switch = page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"]').get_by_text("English")
    rerun_after(page, switch.click)
    main = page.locator('[data-testid="stMain"]')
    problems = []
    shown = {
        "Survey channel": checked_radio(page, "Survey channel"),
        "Encoding": checked_radio(page, "Encoding"),
        "District": chosen_option(page, "District"),
        "Indicator": main.get_by_role("combobox", name="Indicator", exact=True).input_value(),
        "Break down by": main.get_by_role("combobox", name="Break down by", exact=True).input_value(),
    }
    expected = {
        "Survey channel": ["Open web (reference)"],
        "Encoding": ["UTF-8 (with BOM)"],
        "District": cb.code_label("district", 5, "en"),
        "Indicator": cb.indicator("ucla_high").label["en"],
        "Break down by": cb.dimension_label("sex", "en"),
    }
    problems += [
        f"after the switch {k} shows {shown[k]!r}, expected {v!r}" for k, v in expected.items() if shown[k] != v
    ]

    rerun_after(page, lambda: choose_in_selectbox(page, "Household type", cb.code_label("household", 1, "en")))
    problems += [
        f"error box after the next filter change: {text}" for text in page.locator(EXCEPTION).all_inner_texts()
    ]
    query = parse_qs(urlparse(page.url).query)
    want = {"district": ["5"], "channel": ["open"], "household": ["1"], "lang": ["en"]}
    problems += [f"URL {k}={query.get(k)}, expected {v}" for k, v in want.items() if query.get(k) != v]
    assert problems == [], "\n".join([*problems, "--- streamlit log ---", server_log_tail(25)])
