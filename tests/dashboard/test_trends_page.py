"""推移 (/trends) run headless with AppTest on the demo database (three waves: 2023, 2024, 2025)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dashboard.i18n import t
from queries import trend
from queries.filters import Filters
from tests.media import download_of, record_downloads

from .conftest import REPO
from .test_app import no_exception, run_app, texts

PAGE = "views/trends.py"


def test_the_trends_page_shows_three_waves_beside_the_national_years(app_env):
    at = run_app({"ind": "lonely_often"}, page=PAGE)
    no_exception(at)
    assert at.title[0].value == t("page.trends", "ja")
    shown = at.dataframe[0].value
    assert list(shown["調査年"]) == ["2023年", "2024年", "2025年"]
    # the chart carries the national survey's years beside the city's (the same question, all respondents)
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert charts, "no chart drawn"
    page = texts(at)
    assert "内閣" in page  # the national figures' publisher is cited under the chart
    assert "有意な変化" in page  # the caption explains the mark


def test_by_district_shows_a_significant_and_a_non_significant_change(app_env):
    at = run_app({"ind": "lonely_sometimes_plus", "tby": "district"}, page=PAGE)
    no_exception(at)
    table = at.dataframe[0].value
    assert "有意差なし" in set(table["有意な変化"])
    first = at.dataframe[1].value  # the change from the first wave: 藤島 2023 → 2025 fell, significantly
    row = first[(first["地域"] == "藤島") & (first["調査年"] == "2025年")].iloc[0]
    assert float(row["初回調査からの変化(ポイント)"]) < 0 and row["有意な変化"] == "有意な変化"
    assert set(first["有意な変化"]) - {""} == {"有意な変化", "有意差なし"}
    assert at.query_params["tby"] in ("district", ["district"])


def test_the_page_in_english(app_env):
    at = run_app({"ind": "lonely_any", "tby": "age_band", "lang": "en"}, page=PAGE)
    no_exception(at)
    assert at.title[0].value == t("page.trends", "en")
    columns = at.dataframe[0].value.columns
    assert "Survey year" in columns and "wave" not in columns  # words on the page; the CSV keeps "wave"


def test_sidebar_filters_apply_and_narrow_filters_are_refused(app_env):
    at = run_app({"ind": "lonely_any", "district": "1"}, page=PAGE)
    no_exception(at)
    assert "鶴岡" in texts(at)
    narrow = run_app({"ind": "lonely_any", "district": "5", "age_band": "young", "sex": "1"}, page=PAGE)
    no_exception(narrow)
    assert narrow.info and "条件を広げてください" in "".join(i.value for i in narrow.info)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_the_download_is_byte_identical_to_the_cli(app_env, con, encoding, monkeypatch):
    files = record_downloads(monkeypatch)
    at = run_app({"ind": "no_confidant", "tby": "household", "sex": "2"}, page=PAGE)
    if encoding != "utf-8-sig":
        at.radio(key="csv_encoding").set_value(encoding).run()
    no_exception(at)
    cli = subprocess.run(
        [sys.executable, "-m", "queries", "trend", "no_confidant", "--by", "household", "--where", "sex=2"]
        + ["--lang", "ja", "--encoding", encoding, "--db", str(app_env)],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr.decode(errors="replace")
    filters = Filters(sex=(2,))
    table = trend.trend_table(con, "no_confidant", "household", filters)
    assert cli.stdout == trend.trend_table_csv(table, "household", "ja", encoding)[0]
    data, name = download_of(at.get("download_button")[0], files)
    assert data == cli.stdout
    assert name == trend.file_stem("no_confidant", "household", filters, "ja")
    assert "推移" in name and "世帯" in name and "女性" in name and "年_" not in name


def test_the_cli_in_english_has_the_contract_columns(app_env):
    cli = subprocess.run(
        [sys.executable, "-m", "queries", "trend", "lonely_often", "--by", "district", "--lang", "en"]
        + ["--db", str(app_env)],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr.decode(errors="replace")
    header = cli.stdout.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == [
        "district",
        "wave",
        "n",
        "estimate_pct",
        "ci_low_pct",
        "ci_high_pct",
        "change_prev_pct",
        "change_prev_low_pct",
        "change_prev_high_pct",
        "change_significant",
        "reliability",
        "suppressed",
    ]
    bad = subprocess.run(
        [sys.executable, "-m", "queries", "trend", "lonely_often", "--by", "wave", "--db", str(app_env)],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert bad.returncode == 2 and b"--by" in bad.stderr
