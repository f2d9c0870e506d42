"""データ時点 (issue 17 item 3): the fieldwork period, the activity months and the population's
as-of date, in Japan time; the import time only on データと方法, in Japan time."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from dashboard import data_dates, tables
from dashboard.i18n import t
from dashboard.source import Source


@pytest.fixture
def source(con):
    return Source(con)


def test_the_demo_wave_has_its_made_up_period_only_with_the_demo_database(tmp_path):
    waves = tmp_path / "waves.yaml"
    waves.write_text(
        "waves:\n"
        "  2023: {start: 2023-09-01, end: 2023-09-30, demo: true}\n"
        "  2025: {start: 2025-10-01, end: 2025-10-31}\n"
    )
    assert data_dates.fieldwork(2023, demo_db=True, path=waves).start == dt.date(2023, 9, 1)
    assert data_dates.fieldwork(2023, demo_db=False, path=waves) is None  # never beside real data
    assert data_dates.fieldwork(2025, demo_db=False, path=waves).end == dt.date(2025, 10, 31)
    assert data_dates.fieldwork(2024, demo_db=True, path=waves) is None
    waves.write_text("waves:\n  2023: {start: 2023-09-30, end: 2023-09-01}\n")
    with pytest.raises(ValueError, match="start first"):
        data_dates.fieldwork(2023, demo_db=True, path=waves)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_as_of_rows_name_fieldwork_activity_months_and_population(source, lang):
    rows = dict(data_dates.as_of_rows(source, source.latest_wave(), lang))
    assert list(rows) == [
        t("dates.survey", lang, wave=source.latest_wave()),
        t("dates.activity", lang),
        t("dates.population", lang),
    ]
    fieldwork, months, population = rows.values()
    wave = source.latest_wave()
    assert (
        f"{wave}年9月1日〜{wave}年9月30日" if lang == "ja" else f"1 September {wave} to 30 September {wave}"
    ) in fieldwork
    assert t("dates.demo_period", lang) in fieldwork  # the demo database: said to be made up
    first, last = source.activity_months()[0], source.activity_months()[-1]
    assert (f"{first.year}年{first.month}月" if lang == "ja" else str(first.year)) in months
    assert (f"{last.year}年{last.month}月" if lang == "ja" else str(last.year)) in months
    as_of = data_dates.population_as_of(source.con)
    assert data_dates.date_text(as_of, lang) in population
    assert "UTC" not in " ".join(rows.values())


def test_a_wave_without_a_period_says_so(source):
    rows = dict(data_dates.as_of_rows(source, 1999, "ja"))
    assert rows[t("dates.survey", "ja", wave=1999)] == t("dates.fieldwork_missing", "ja")


def test_import_time_is_japan_time():
    assert data_dates.jst_text(pd.Timestamp("2026-11-29 19:05:00"), "ja") == "2026年11月30日 04:05（日本時間）"
    assert data_dates.jst_text(pd.Timestamp("2026-11-29 19:05:00"), "en") == "30 November 2026 04:05 JST"
    log = pd.DataFrame({"built_at": [pd.Timestamp("2026-11-29 19:05:00.5")], "extract": ["population"]})
    table = tables.import_log_table(log, "ja")
    assert table[t("log.built_at", "ja")].iloc[0] == pd.Timestamp("2026-11-30 04:05:00")
    assert "日本時間" in t("log.built_at", "ja")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_overview_shows_the_periods_and_methods_the_import_time(app_env, lang):
    from .test_app import no_exception, run_app, texts

    at = run_app({"lang": lang})
    no_exception(at)
    shown = " ".join(str(v) for tbl in at.table for v in tbl.value.to_numpy().ravel())
    assert t("dates.activity", lang) not in texts(at)  # in the table, not prose
    assert re.search(r"20\d\d年9月1日" if lang == "ja" else r"1 September 20\d\d", shown), shown
    assert "UTC" not in texts(at) + shown
    at = run_app({"lang": lang}, page="views/methods.py")
    no_exception(at)
    assert t("dates.imported", lang, when="").strip() in texts(at)
    assert t("methods.press", lang) in texts(at) and t("methods.map_scale", lang) in texts(at)


def test_a_national_badge_from_a_press_report_says_so(app_env):
    from .test_app import no_exception, run_app

    at = run_app({"wave": "2025"})
    no_exception(at)
    badges = [m.value for m in at.markdown if "全国" in m.value and "badge" in m.value]
    # the 2024 direct-question totals are known only from a press report; UCLA's is published
    assert [b for b in badges if "報道による" in b] == [
        ":blue-badge[全国 4.3%（2024年）・報道による]",
        ":blue-badge[全国 19.7%（2024年）・報道による]",
        ":blue-badge[全国 39.3%（2024年）・報道による]",
    ], badges
