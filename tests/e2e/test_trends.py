"""推移 (/trends) in chromium: three waves with the national years beside them, small multiples by
district with 「有意な変化」 where the demo's real change is, the page's choices in the URL, and the
CSV download (the bytes of `python -m queries trend ...`)."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import REPO, full_page_screenshot, main_text, open_page, rerun_after, server_log_tail

pytestmark = pytest.mark.browser

CHART = '[data-testid="stVegaLiteChart"]'


def test_trends_page_draws_the_waves_and_the_national_years(page, server, artifacts):
    open_page(page, server, "trends", query="ind=lonely_often", title="推移")
    assert page.locator(CHART).count() >= 1, server_log_tail()
    text = main_text(page)
    for year in ("2023年", "2024年", "2025年"):
        assert year in text
    assert "全国値の出典" in text
    page.get_by_text("全国値の出典", exact=True).click()  # the expander with the citations
    page.get_by_text("内閣官房 孤独・孤立対策担当室", exact=False).first.wait_for()
    full_page_screenshot(page, artifacts / "trends.png")


def test_small_multiples_by_district_mark_the_significant_change(page, server, artifacts, demo_db):
    open_page(page, server, "trends", query="ind=lonely_sometimes_plus&tby=district", title="推移")
    chart = page.locator(CHART).first
    chart.wait_for()
    # one panel per group: the facet's headers are drawn in the chart (SVG or canvas); the table says it
    text = main_text(page)
    assert "藤島" in text and "有意な変化" in text and "有意差なし" in text
    full_page_screenshot(page, artifacts / "trends_district.png")

    # the dimension chosen on the page goes into the URL
    box = page.locator('[data-testid="stMain"]').get_by_role("combobox", name="区分の軸", exact=True)
    box.evaluate("el => el.scrollIntoView({block: 'center'})")
    rerun_after(page, lambda: (box.click(), page.get_by_role("option", name="性別", exact=True).click()))
    assert parse_qs(urlparse(page.url).query).get("tby") == ["sex"]

    # the CSV is the CLI's bytes
    with page.expect_download() as caught:
        page.locator('[data-testid="stDownloadButton"] button').first.click()
    data = open(caught.value.path(), "rb").read()
    cli = subprocess.run(
        [sys.executable, "-m", "queries", "trend", "lonely_sometimes_plus", "--by", "sex", "--db", str(demo_db)],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr.decode(errors="replace")
    assert data == cli.stdout
