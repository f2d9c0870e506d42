"""概要 1枚 (issue 17 item 5): `python -m dashboard summary` and the 概要 page's button make one A4
page with the headline indicators (estimate, 95% interval, n, national figure), who answered, the
activity by 年度 and the data's dates, in the UD font, every figure the pages' own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data_dates, labels as lb
from dashboard.i18n import t
from dashboard.printouts import summary
from dashboard.source import Source
from queries import activity as qa
from queries.filters import ActivityFilters, Filters
from tests.media import download_of, record_downloads

from .conftest import APP, REPO

A4_PT = (595, 842)


def pdf_facts(path: Path) -> tuple[int, tuple[int, int], str, str]:
    """Pages, page size in points, the text (pdftotext -layout) and the fonts (pdffonts)."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    size = next(line for line in info.splitlines() if line.startswith("Page size:")).split()
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    return pages, (round(float(size[2])), round(float(size[4]))), text, fonts


def cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "summary", "--db", str(db), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_cli_summary_is_one_a4_page_with_the_pages_figures(demo_db, con, tmp_path, lang):
    out = tmp_path / f"summary_{lang}.pdf"
    done = cli(demo_db, "--lang", lang, "--out", str(out))
    assert done.returncode == 0, done.stderr
    pages, size, text, fonts = pdf_facts(out)
    assert pages == 1
    assert size == A4_PT
    # the UD font only, embedded
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and all("BIZUDPGothic" in n for n in names), fonts
    flat = " ".join(text.split())
    source = Source(con)
    head = source.headline(Filters())
    for _, row in head.iterrows():  # every indicator with its estimate, interval and n
        assert lb.indicator_short(row["indicator"], lang) in flat
        if lb.status(row) != lb.STATUS_SUPPRESSED:
            assert lb.pct_text(row["estimate_pct"]) in flat
            assert lb.interval_text(row["ci_low_pct"], row["ci_high_pct"], lang) in flat
            assert lb.int_text(row["n"]) in flat
    nat = source.national_comparison(Filters(), lang)
    for value in nat[nat["is_total"].astype(bool)]["national_pct"].dropna():
        assert f"{float(value):.1f}%" in flat
    for measure in qa.MEASURES:  # the activity by 年度, as the activity page shows it
        frame = source.activity("fiscal_year", measure, None, ActivityFilters(), lang)
        assert qa.measure_label(measure, lang) in flat
        for display in frame["display"]:
            assert str(display) in flat
    months = source.activity_months()
    assert qa.month_label(months[0], lang) in flat and qa.month_label(months[-1], lang) in flat
    raw = subprocess.run(["pdftotext", "-raw", str(out), "-"], capture_output=True, check=True, text=True).stdout
    for what, when in data_dates.as_of_rows(source, source.latest_wave(), lang):  # as 概要 says them
        assert "".join(when.split()) in "".join(raw.split()), (what, when)
    assert t("overview.who", lang) in flat
    assert t("summary.demo", lang).replace(" ", "") in flat.replace(" ", "")  # demo data says so


def test_cli_refuses_a_wrong_output_and_a_missing_database(demo_db, tmp_path):
    bad = cli(demo_db, "--out", str(tmp_path / "x.pptx"))
    assert bad.returncode == 2 and ".pdf" in bad.stderr
    missing = cli(tmp_path / "none.duckdb", "--out", str(tmp_path / "x.pdf"))
    assert missing.returncode == 2 and "database not found" in missing.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_a_narrow_view_says_why_and_keeps_the_rest(con, tmp_path):
    """Filters too narrow for the survey: the page says 条件を広げてください instead of figures,
    and still gives the activity and the dates."""
    narrow = Filters(district=(6,), age_band=(1,), sex=(2,))
    data = summary.summary_pdf(Source(con), narrow, "ja")
    path = tmp_path / "narrow.pdf"
    path.write_bytes(data)
    pages, _, text, _ = pdf_facts(path)
    assert pages == 1
    assert "条件を広げてください" in "".join(text.split())
    assert t("summary.activity", "ja") in text


def test_overview_button_makes_the_summary(app_env, monkeypatch):
    files = record_downloads(monkeypatch)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception
    button = next(b for b in at.button if b.label == t("summary.button", "ja"))
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    got = [b for b in at.get("download_button") if b.label == t("summary.download", "ja")]
    assert len(got) == 1
    data, name = download_of(got[0], files)
    assert data.startswith(b"%PDF") and name == summary.file_name("ja")
