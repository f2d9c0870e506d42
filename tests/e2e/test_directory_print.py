"""相談窓口一覧's print view in chromium (issue 17 item 6): printed on A4, all the demo's 22 windows
fit two pages, without the on-screen instructions, controls or buttons; the leaflet button makes
the residents' leaflet (two A4 pages)."""

from __future__ import annotations

import io
import subprocess

import pytest

from dashboard.i18n import t

from .conftest import open_page

pytestmark = pytest.mark.browser


def pdf_text(data: bytes) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return pages, text


def test_directory_prints_on_two_pages_without_the_instructions(page, server, artifacts):
    open_page(page, server, "directory", query="print=1", title="相談窓口一覧")
    assert page.get_by_text(t("directory.print_hint", "ja")).is_visible()  # on screen: the hint
    page.emulate_media(media="print")
    data = page.pdf(format="A4", print_background=True)
    (artifacts / "directory_print.pdf").write_bytes(data)
    pages, text = pdf_text(data)
    assert pages <= 2, f"the directory prints on {pages} pages"
    flat = "".join(text.split())
    for n in range(1, 23):  # every window's phone number, whole
        assert f"0235-00-{n:04d}" in flat, n
    for gone in (t("directory.print_hint", "ja"), t("directory.search", "ja"), t("leaflet.button", "ja")):
        assert "".join(gone.split()) not in flat, gone
    assert "".join(t("directory.intro", "ja").split()) in flat


def test_leaflet_button_makes_the_two_sided_leaflet(page, server):
    open_page(page, server, "directory", title="相談窓口一覧")
    page.get_by_role("button", name=t("leaflet.button", "ja")).click()
    button = page.get_by_role("button", name=t("leaflet.download", "ja"))
    button.wait_for(timeout=60_000)
    with page.expect_download() as info:
        button.click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"%PDF")
    pages, text = pdf_text(data)
    assert pages == 2
    assert t("leaflet.title", "ja") in text
    assert io.BytesIO(data).getbuffer().nbytes > 10_000
