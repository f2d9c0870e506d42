"""The dashboard run headless with streamlit.testing (AppTest) on the demo database."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import downloads, state
from dashboard.app import PAGES
from dashboard.i18n import t
from data import codebook as cb
from queries import export, indicators
from queries.filters import ATTRIBUTE_FILTERS, Filters, choice_token, filter_choices
from tests.media import download_of, record_downloads

from .conftest import APP, REPO

TIMEOUT = 120
PAGE_FILES = [f"views/{file}" for file, *_ in PAGES]


def run_app(query_params: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if query_params:
        at.query_params.update(query_params)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def texts(at: AppTest) -> str:
    """Every piece of text the run put on the page."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "warning", "info", "error", "metric"):
        for el in getattr(at, kind):
            parts.append(str(getattr(el, "value", "")))
            parts.append(str(getattr(el, "label", "")))
    return "\n".join(parts)


def no_exception(at: AppTest) -> None:
    assert not at.exception, "\n".join(str(e.value) for e in at.exception)


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_renders_with_the_demo_banner(app_env, page):
    at = run_app(page=page)
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert any(w.value == t("banner.demo", "ja") for w in at.warning)
    file = page.removeprefix("views/")
    title_key = next(title for f, title, *_ in PAGES if f == file)
    assert at.title[0].value == t(title_key, "ja")


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_renders_in_english(app_env, page):
    at = run_app({"lang": "en"}, page=page)
    no_exception(at)
    assert any(w.value == t("banner.demo", "en") for w in at.warning)
    file = page.removeprefix("views/")
    title_key = next(title for f, title, *_ in PAGES if f == file)
    assert at.title[0].value == t(title_key, "en")


def overview_n_texts(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if "n = " in str(c.value)]


def test_district_filter_changes_the_numbers_and_the_url(app_env, con):
    at = run_app()
    no_exception(at)
    before = overview_n_texts(at)
    assert before
    at.selectbox(key="f_district").set_value("5").run()
    no_exception(at)
    after = overview_n_texts(at)
    assert after and after != before
    assert at.query_params.get("district") in ("5", ["5"])
    # the n on the first card is the query layer's n for that filter
    head = indicators.headline(con, Filters(district=(5,)))
    first = head.iloc[0]
    if not bool(first["suppressed"]):
        assert f"n = {int(first['n']):,}" in after[0]


def test_the_caption_names_the_filters_in_words(app_env, con):
    latest = indicators.latest_wave(con)  # the demo's newest wave (2025)
    at = run_app({"age_band": "older"})
    no_exception(at)
    assert (
        f"**{t('common.filters_now', 'ja')}**　調査年: 最新（{latest}年） / 調査方法: 無作為抽出調査 / "
        "年齢: 60歳以上（3区分）" in [c.value for c in at.caption]
    )
    at.segmented_control(key="lang").set_value("en").run()
    assert any(
        c.value.endswith(f"Survey year: Latest ({latest}) / Survey channel: Random sample / Age: 60+ (3 bands)")
        for c in at.caption
    )
    at.selectbox(key="f_district").set_value("5").run()
    assert any(c.value.endswith("/ Age: 60+ (3 bands) / District: Asahi") for c in at.caption)


def test_sidebar_filters_are_single_choices_of_a_code_or_a_named_group(app_env):
    at = run_app()
    no_exception(at)
    for dim in ATTRIBUTE_FILTERS:
        box = at.selectbox(key=f"f_{dim}")
        tokens = [choice_token(dim, c) for c in filter_choices(dim)]
        assert box.options[0] == "すべて" and box.value == state.ALL
        assert len(box.options) == 1 + len(cb.codes(cb.dimension_value_set(dim))) + len(cb.filter_groups(dim))
        # 無回答 is never a filter
        assert cb.no_answer_label("ja") not in box.options
        assert str(cb.missing_code()) not in tokens
    # districts: one at a time (the group 旧町村部 is gone: 鶴岡 = All − 旧町村部)
    assert at.selectbox(key="f_district").options == [
        "すべて",
        *(cb.code_label("district", c, "ja") for c in cb.codes("district")),
    ]
    assert "16〜39歳（3区分）" in at.selectbox(key="f_age_band").options
    # the channel: the random sample or the open web, never both (両方)
    channel = at.radio(key="f_channel")
    assert channel.options == ["無作為抽出調査", "公開Web調査（参考）"] and channel.value == "random"
    at.selectbox(key="f_age_band").set_value("young").run()
    no_exception(at)
    assert at.query_params.get("age_band") in ("young", ["young"])
    assert not at.multiselect, [m.key for m in at.multiselect]  # no code subsets anywhere in the sidebar


def test_directory_multiselects_never_offer_streamlits_untranslated_select_all(app_env):
    at = run_app(page="views/directory.py")
    no_exception(at)
    assert len(at.multiselect) == 2
    assert [m.key for m in at.multiselect if m.proto.select_all != 0] == []  # 0: never shown


def test_url_restores_filters_language_and_page_controls(app_env):
    at = run_app(
        {
            "district": "3",
            "age_band": "young",
            "sex": "1",
            "channel": "open",
            "lang": "en",
            "ind": "no_confidant",
            "by": "sex",
        },
        page="views/breakdown.py",
    )
    no_exception(at)
    assert at.session_state["f_district"] == "3" and at.session_state["f_age_band"] == "young"
    assert at.session_state["f_sex"] == "1"
    assert at.session_state["f_channel"] == "open"
    assert at.session_state["lang"] == "en"
    assert at.title[0].value == t("page.breakdown", "en")
    assert at.selectbox(key="ind").value == "no_confidant"
    assert at.selectbox(key="by").value == "sex"
    # open web answers included: the reference mark is shown
    assert "Reference (open web survey)" in texts(at)


def test_bad_url_values_are_dropped_not_fatal(app_env):
    at = run_app(
        {"district": "99,abc", "wave": "1800", "channel": "nonsense", "lang": "xx", "ind": "nope"},
        page="views/breakdown.py",
    )
    no_exception(at)
    assert at.session_state["f_district"] == state.ALL
    assert at.session_state["f_wave"] == 0  # the latest wave
    assert at.session_state["lang"] == "ja"
    assert at.selectbox(key="ind").value == "lonely_often"


def dropped_warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if w.value.startswith("URLの条件") or w.value.startswith("The link's")]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_url_filters_the_limits_refuse_are_dropped_and_the_page_says_so_once(app_env, lang):
    """A link of the old kind (a list of districts, 無回答) opens without those filters, and the
    page names what it dropped once."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update({"district": "1,3", "age_band": "9", "sex": "2", "lang": lang})
    at.run()
    no_exception(at)
    assert at.session_state["f_district"] == state.ALL and at.session_state["f_age_band"] == state.ALL
    assert at.session_state["f_sex"] == "2"  # what the limits allow is kept
    warned = dropped_warnings(at)
    assert len(warned) == 1, [w.value for w in at.warning]
    assert "district=1,3" in warned[0] and "age_band=9" in warned[0] and "sex=" not in warned[0]
    assert warned[0] == t(
        "url.dropped", lang, items=("、" if lang == "ja" else "; ").join(["age_band=9", "district=1,3"])
    )
    assert "district" not in at.query_params and at.query_params.get("sex") in ("2", ["2"])
    at.selectbox(key="f_household").set_value("1").run()  # the next run: said once is enough
    no_exception(at)
    assert dropped_warnings(at) == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_link_with_both_channels_or_the_former_towns_opens_without_them(app_env, lang):
    """両方 (channel=all) and 旧町村部 (district=former_towns) were offered once: such a link opens
    on the random sample and every district, and the page names what it dropped."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(
        {"channel": "all", "district": "former_towns", "sex": "2", "lang": lang, "ind": "no_confidant", "by": "channel"}
    )
    at.run()
    no_exception(at)
    assert at.session_state["f_channel"] == "random" and at.session_state["f_district"] == state.ALL
    assert at.session_state["f_sex"] == "2"
    assert dropped_warnings(at) == [
        t("url.dropped", lang, items=("、" if lang == "ja" else "; ").join(["channel=all", "district=former_towns"]))
    ]
    assert "channel" not in at.query_params and "district" not in at.query_params
    assert cb.mark_label("open_web", lang) not in texts(at)
    # a table by channel: the random sample and the open web, and no All row adding them up
    at.switch_page("views/breakdown.py")
    at.run()
    no_exception(at)
    assert at.selectbox(key="by").value == "channel"
    shown = at.dataframe[0].value
    assert list(shown.iloc[:, 0]) == [cb.code_label("channel", c, lang) for c in (1, 2)]
    assert cb.all_label(lang) not in set(shown.iloc[:, 0])
    assert cb.mark_label("open_web", lang) in texts(at)  # the open web's row is 参考


def test_a_session_left_on_both_channels_falls_back_to_the_random_sample(app_env):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state[state.SEEDED_KEY] = True  # a session running since before 両方 was removed
    at.session_state["f_channel"] = "all"
    at.run()
    no_exception(at)
    assert at.session_state["f_channel"] == "random" and at.radio(key="f_channel").value == "random"


def test_filters_survive_a_page_change(app_env):
    at = run_app()
    at.selectbox(key="f_age_band").set_value("middle").run()
    at.switch_page("views/district_map.py")
    at.run()
    no_exception(at)
    assert at.session_state["f_age_band"] == "middle"
    assert at.query_params.get("age_band") in ("middle", ["middle"])


def test_language_switch_in_the_sidebar(app_env):
    at = run_app()
    at.segmented_control(key="lang").set_value("en").run()
    no_exception(at)
    assert at.title[0].value == t("page.overview", "en")
    assert any(w.value == t("banner.demo", "en") for w in at.warning)
    assert at.query_params.get("lang") in ("en", ["en"])


def test_reset_button_clears_filters(app_env):
    at = run_app({"district": "1", "sex": "2"})
    assert at.session_state["f_district"] == "1"
    at.button(key="reset_filters").click().run()
    no_exception(at)
    assert at.session_state["f_district"] == state.ALL and at.session_state["f_sex"] == state.ALL
    assert "district" not in at.query_params and "sex" not in at.query_params


def test_breakdown_two_dimensions_and_table(app_env):
    at = run_app({"ind": "lonely_any", "by": "age_band", "by2": "sex"}, page="views/breakdown.py")
    no_exception(at)
    assert len(at.dataframe) == 1
    at.segmented_control(key="view").set_value("multiples").run()
    no_exception(at)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_national_page_cites_the_published_sources_only(app_env, lang):
    at = run_app({"lang": lang}, page="views/national.py")
    no_exception(at)
    sources = next(m.value for m in at.markdown if m.value.startswith(f"**{t('common.source', lang)}**"))
    assert "「孤独・孤立の実態把握に関する全国調査（令和" in sources
    assert "内閣官房" in sources or "Cabinet" in sources
    assert "掲載URL未確認" not in texts(at) and "j-cast" not in texts(at)
    assert "shared/" not in texts(at) and ".md" not in texts(at)


def test_missing_database_gives_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("TSUNAGARI_DB", str(tmp_path / "nothing.duckdb"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    no_exception(at)
    assert at.error and "make run" in at.error[0].value


def test_database_of_an_older_version_names_what_is_missing_and_how_to_rebuild(demo_db, tmp_path, monkeypatch):
    old = tmp_path / "old.duckdb"
    shutil.copy(demo_db, old)
    with duckdb.connect(str(old)) as con:
        con.execute("DROP TABLE activity_cube")
    monkeypatch.setenv("TSUNAGARI_DB", str(old))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    no_exception(at)
    assert at.error and "activity_cube" in at.error[0].value and "make db-demo" in at.error[0].value


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_breakdown_download_is_byte_identical_to_the_cli_table(app_env, con, encoding, monkeypatch):
    files = record_downloads(monkeypatch)  # the button's file as a click makes it
    at = run_app({"ind": "no_confidant", "by": "district", "age_band": "older", "sex": "2"}, page="views/breakdown.py")
    if encoding != "utf-8-sig":
        at.radio(key="csv_encoding").set_value(encoding).run()
    no_exception(at)
    filters = Filters(age_band=(6, 7, 8), sex=(2,))
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "queries",
            "table",
            "no_confidant",
            "--by",
            "district",
            "--where",
            "age_band=older",
            "--where",
            "sex=2",
            "--lang",
            "ja",
            "--encoding",
            encoding,
            "--db",
            str(app_env),
        ],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr.decode(errors="replace")
    assert cli.stdout == export.indicator_csv(con, "no_confidant", ["district"], filters, lang="ja", encoding=encoding)
    assert cli.stdout.decode(encoding).endswith(export.note_row("ja") + "\r\n")
    latest = indicators.latest_wave(con)  # the file names the wave in view (the newest)
    what = downloads.indicator_what("no_confidant", ["district"], "ja")
    name = export.file_name(what, filters.with_wave(latest), "ja")
    assert download_of(at.get("download_button")[0], files) == (cli.stdout, name)
    assert "地域" in name and "女性" in name and f"{latest}年" in name and "60歳以上" in name


def test_breakdown_download_is_written_from_the_table_the_page_holds(app_env, monkeypatch):
    """The CSV is the page's table written out (export.indicator_table_csv), not the table computed
    a second time: one query of the indicator table per page run, cache emptied first."""
    import streamlit as st

    calls = []
    compute = indicators.indicator_table

    def counted(*args, **kwargs):
        calls.append(args[1:3])
        return compute(*args, **kwargs)

    monkeypatch.setattr(indicators, "indicator_table", counted)
    st.cache_data.clear()
    try:
        at = run_app({"ind": "lonely_often", "by": "sex"}, page="views/breakdown.py")
        no_exception(at)
    finally:
        st.cache_data.clear()
    assert len(at.get("download_button")) == 1
    assert calls == [("lonely_often", ["sex"])]


IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("page", PAGE_FILES)
def test_tables_speak_to_people_not_in_column_names_or_booleans(app_env, page, lang):
    """No table shows a code name (estimate_pct) as its header or True/False in its cells."""
    at = run_app({"lang": lang}, page=page)
    no_exception(at)
    for table in [*at.dataframe, *at.table]:
        frame = table.value
        headers = [str(c) for c in frame.columns] + [str(i) for i in frame.index.names if i is not None]
        assert not [h for h in headers if IDENTIFIER.match(h)], (page, headers)
        booleans = [c for c in frame.columns if str(frame[c].dtype) in ("bool", "boolean")]
        texts_ = frame.select_dtypes(["object", "str"]).astype(str)
        assert not booleans and not texts_.isin(["True", "False", "true", "false"]).any().any(), (page, headers)


def test_pages_without_the_survey_filters_say_so_and_keep_them(app_env):
    """データと方法 reads none of the sidebar's filters: a line under their heading says so, and a
    choice made before stays for the next page that reads them."""
    unused = t("sidebar.filters_unused", "ja")
    at = run_app({"district": "5"}, page="views/overview.py")
    no_exception(at)
    assert unused not in [c.value for c in at.sidebar.caption]
    at.switch_page("views/methods.py")
    at.run()
    no_exception(at)
    assert unused in [c.value for c in at.sidebar.caption]
    assert at.selectbox(key="f_district").value == "5"
    at.switch_page("views/breakdown.py")
    at.run()
    assert unused not in [c.value for c in at.sidebar.caption]
    assert at.selectbox(key="f_district").value == "5"


def test_the_pages_said_to_ignore_the_filters_are_those_that_never_read_them():
    """app.FILTERLESS against the pages' code: a page is in it exactly when it never reads the
    filters of its context (ctx.filters) nor prints them (ui.filters_caption)."""
    from dashboard.app import FILTERLESS, ROLE_PAGES

    for file, _title, url, *_ in (*PAGES, *ROLE_PAGES):
        text = (REPO / "dashboard" / "views" / file).read_text(encoding="utf-8")
        reads = "ctx.filters" in text or "filters_caption" in text
        assert (url in FILTERLESS) == (not reads), file
