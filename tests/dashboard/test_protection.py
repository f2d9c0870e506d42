"""The dashboard under the cell-key protection (issue 11): the users' note under every table and as
the last row of every statistics CSV, the query layer's refusal of too narrow filters shown as a
message, the activity downloads byte-identical to `python -m queries activity`, 回答者の構成
from queries.profile, and the method on データと方法."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import tables
from dashboard.app import PAGES
from dashboard.i18n import t
from dashboard.views import methods
from data import codebook as cb
from queries import disclosure, export, profile
from queries.filters import Filters
from tests.media import download_of, record_downloads

from .conftest import APP, REPO
from .test_app import TIMEOUT, dropped_warnings, no_exception, run_app

PAGE_FILES = [f"views/{file}" for file, *_ in PAGES]
# Downloads of lists, not statistics: no note row (and no note under the table).
LISTS = {"dl_act_members", "dl_directory", "dl_methods_defs", "dl_methods_log"}
# Tables shown that are not statistics, per page: the import log, the members, the directory, the
# method's own tables (definitions, ptable settings, cost, the figures known only from a press report).
LIST_TABLES = {"views/overview.py": 1, "views/activity.py": 1, "views/directory.py": 1, "views/methods.py": 5}
SURVEY_PAGES = [
    "views/overview.py",
    "views/breakdown.py",
    "views/district_map.py",
    "views/national.py",
    "views/activity.py",
]


@pytest.fixture
def files(monkeypatch) -> dict[str, tuple[bytes, str]]:
    """Every file a run hands to Streamlit's media storage or defers to the click (downloads):
    id -> (bytes, file name)."""
    return record_downloads(monkeypatch)


def downloads_of(at: AppTest, files: dict) -> dict[str, tuple[bytes, str]]:
    """The page's downloads by widget key (dl_...): (bytes, file name)."""
    out = {}
    for button in at.get("download_button"):
        key = "dl_" + button.proto.id.rsplit("-dl_", 1)[1]
        out[key] = download_of(button, files)
    return out


def notes_shown(at: AppTest, lang: str = "ja") -> int:
    return sum(c.value == disclosure.notice(lang) for c in at.caption)


@pytest.mark.parametrize("page", PAGE_FILES)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_table_has_the_note_and_every_statistics_csv_ends_with_it(app_env, files, page, lang):
    st.cache_data.clear()  # downloads cached by another test would not pass through the media storage
    at = run_app({"lang": lang}, page=page)
    no_exception(at)
    statistics_tables = len(at.dataframe) - LIST_TABLES.get(page, 0)
    assert notes_shown(at, lang) >= statistics_tables, (page, [c.value for c in at.caption])
    note = export.note_row(lang)
    got = downloads_of(at, files)
    assert got, page
    for key, (data, name) in got.items():
        text = data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert text.endswith("\r\n")
        if key in LISTS:
            assert note not in text, (key, name)
        else:
            assert rows[-1] == [note], (key, name, rows[-2:])
            assert text.count(note) == 1


@pytest.mark.parametrize("page", SURVEY_PAGES)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_too_narrow_filters_are_explained_never_a_traceback(app_env, page, lang):
    # 16〜19歳 alone: fewer than min_filter_n respondents in the demo's random sample
    at = run_app({"age_band": "1", "lang": lang}, page=page)
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    message = disclosure.FilterTooNarrow(disclosure.min_filter_n()).text(lang)
    assert message in [i.value for i in at.info], [i.value for i in at.info]
    assert ("条件を広げてください" if lang == "ja" else "Widen the filters") in message
    if page == "views/overview.py":  # the cards are refused, 回答者の構成 (not filtered by age) is shown
        assert not [m for m in at.metric]
        assert at.get("vega_lite_chart")


def test_a_filter_that_leaves_enough_respondents_shows_figures(app_env):
    at = run_app({"age_band": "young"})
    no_exception(at)
    assert not at.info and len(at.metric) == len(cb.indicators())


ACTIVITY_VIEWS = [
    pytest.param({}, [], id="all-years"),
    pytest.param(
        {"act_fy": "2024", "district": "6", "act_by": "field"},
        ["--split", "field", "--where", "district=6", "--from", "2024-04", "--to", "2025-03"],
        id="fy2024-atsumi-by-field",
    ),
    pytest.param(
        {"act_fy": "2023", "district": "3", "act_by": "org_type", "measure": "outreach"},
        ["--split", "org_type", "--where", "district=3", "--from", "2023-04", "--to", "2024-03"],
        id="fy2023-district3-by-type-outreach",
    ),
]


def cli_activity(db, measure: str, period: str, args: list[str], lang: str, encoding: str) -> bytes:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "queries",
            "activity",
            measure,
            "--by",
            period,
            *args,
            "--lang",
            lang,
            "--encoding",
            encoding,
            "--db",
            str(db),
        ],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


@pytest.mark.parametrize("params,cli_args", ACTIVITY_VIEWS)
@pytest.mark.parametrize("lang,encoding", [("ja", "utf-8-sig"), ("en", "cp932")])
def test_activity_downloads_are_the_cli_bytes_of_the_same_view(app_env, files, params, cli_args, lang, encoding):
    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update({**params, "lang": lang})
    at.run()
    at.switch_page("views/activity.py")
    at.run()
    if encoding != "utf-8-sig":
        at.radio(key="csv_encoding").set_value(encoding).run()
    no_exception(at)
    got = downloads_of(at, files)
    measure = params.get("measure", "consultations")
    for key, period in (("dl_act_month", "month"), ("dl_act_fy", "fiscal_year")):
        data, name = got[key]
        assert data == cli_activity(app_env, measure, period, cli_args, lang, encoding), key
        if "act_fy" in params:
            assert (f"{params['act_fy']}年度" if lang == "ja" else f"FY{params['act_fy']}") in name
    # the table shown stays the wide one (periods down, groups across)
    shown = at.dataframe[0].value
    assert len(shown.columns) > 2 or "act_by" not in params


def test_activity_fiscal_year_is_a_single_choice_kept_in_the_url(app_env):
    at = run_app({"act_fy": "2024"}, page="views/activity.py")
    no_exception(at)
    box = at.selectbox(key="act_fy")
    assert box.value == 2024 and box.options[0] == t("activity.all_years", "ja")
    assert at.query_params.get("act_fy") in ("2024", ["2024"])
    box.set_value(0).run()
    no_exception(at)
    assert "act_fy" not in at.query_params
    assert not at.multiselect


def test_activity_fiscal_years_the_limits_refuse_are_dropped_with_a_warning(app_env):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.query_params.update({"act_fy": "2023,2024"})
    at.switch_page("views/activity.py")
    at.run()
    no_exception(at)
    assert at.selectbox(key="act_fy").value == 0
    assert dropped_warnings(at) == [t("url.dropped", "ja", items="act_fy=2023,2024")]


def test_respondent_profile_is_the_protected_one_with_hidden_groups_as_such(app_env, con):
    """概要「回答者の構成」 draws and tabulates queries.profile.respondent_profile: 秘匿 groups have no
    count or share (open web: 80歳以上 and 温海 have too few respondents in the demo)."""
    from dashboard.db import db_version
    from dashboard.source import CachedSource

    filters = Filters(channel="open")
    raw = profile.respondent_profile(con, filters)
    assert raw["suppressed"].any()
    assert set(tables.PROFILE_DIMS) <= set(raw["dimension"])  # every dimension the page draws is there
    plot = tables.profile_frame(CachedSource(db_version()).respondent_profile(filters), "ja")
    respondents = plot[plot["series"] == t("overview.respondents", "ja")].reset_index(drop=True)
    assert len(respondents) == len(raw)
    for r, p in zip(raw.itertuples(), respondents.itertuples()):
        if r.suppressed:
            assert p.suppressed and pd.isna(p.share_pct) and pd.isna(p.count) and p.display == "秘匿"
        else:
            assert int(p.count) == int(r.respondents) and p.share_pct == pytest.approx(float(r.respondents_pct))
    table = tables.profile_table(plot, "ja")
    assert (table[t("overview.count", "ja")] == "秘匿").sum() == int(raw["suppressed"].sum())

    at = run_app({"channel": "open"})
    no_exception(at)
    shown = "\n".join(df.value.to_csv() for df in at.dataframe)
    assert "秘匿" in shown


def test_methods_page_explains_the_method_with_the_codebooks_parameters(app_env, tmp_path, monkeypatch):
    at = run_app(page="views/methods.py")
    no_exception(at)
    headers = [h.value for h in at.header]
    assert t("methods.cellkey", "ja") in headers
    text = "\n".join(m.value for m in at.markdown)
    params = cb.disclosure()["ptables"]
    for word in (
        "記録キー",
        "セルキー",
        "調整表（ptable）",
        "同じ欄はいつも同じ数値",
        "内訳の合計は全体と一致しない",
        f"{disclosure.min_filter_n()}人未満",
        "「<5」",
        f"{disclosure.min_n()}人未満",
        f"最大±{params['survey']['max_noise']}（分散{params['survey']['variance']}）",
        f"最大±{params['activity']['max_noise']}（分散{params['activity']['variance']}）",
        f"公開Web調査の人数は最大±{params['survey_open']['max_noise']}（分散{params['survey_open']['variance']}）",
        "2つを合算した数値は出しません",
        "16〜39歳（3区分）",
    ):
        assert word in text, word
    assert "旧町村部" not in text and "両方" not in text
    settings = methods.ptable_settings("ja")
    assert list(settings[t("methods.ptable_d", "ja")]) == [
        f"±{params[n]['max_noise']}" for n in ("survey", "survey_open", "activity")
    ]
    assert list(settings[t("methods.ptable_v", "ja")]) == [
        f"{params[n]['variance']}" for n in ("survey", "survey_open", "activity")
    ]
    # the cost: pending until measured, then the measurement
    monkeypatch.setattr(methods, "COST_FILE", tmp_path / "missing.json")
    pending = methods.cost_table("ja")
    assert set(pending[t("methods.cost_value", "ja")]) == {t("methods.cost_pending", "ja")}
    measured = tmp_path / "protection_cost.json"
    measured.write_text(
        json.dumps(
            {
                "measured_on": {"ja": "デモデータ", "en": "demo data"},
                "survey_mean_abs_change_pts": 0.123,
                "interval_coverage_pct": 95.1,
            }
        )
    )
    monkeypatch.setattr(methods, "COST_FILE", measured)
    table = methods.cost_table("en")
    assert list(table["Measured"]) == ["0.12 points", t("methods.cost_pending", "en"), "95.1%"]
    assert list(table["Target"]) == ["at most 0.3 points", "at most 1%", "at least 94%"]
    # no ≤ / ≥: the shipped UD font draws them the wrong way round
    assert not any(ch in "".join(methods.cost_table("ja").astype(str).stack()) for ch in "≤≥")
    assert methods.cost_source("ja") == "測定: デモデータ"
    en = run_app({"lang": "en"}, page="views/methods.py")
    no_exception(en)
    assert "cell-key method" in "\n".join(m.value for m in en.markdown)
