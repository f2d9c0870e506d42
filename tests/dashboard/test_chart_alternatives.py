"""Issue 17 item 7: every chart of the pages has a text alternative (what it shows and its
numbers), built from the table shown with it (ui.chart_alt)."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from dashboard import ui

from .test_app import no_exception, run_app

PAGES_WITH_CHARTS = [
    None,
    "views/breakdown.py",
    "views/map.py",
    "views/activity.py",
    "views/national.py",
]


def alternatives(at) -> list[str]:
    return [h.proto.body for h in at.get("html") if "tsg-chart-alt" in h.proto.body]


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("page", PAGES_WITH_CHARTS)
def test_every_chart_has_a_text_alternative_with_its_numbers(app_env, page, lang):
    at = run_app({"lang": lang}, page=page.replace("map.py", "district_map.py") if page else None)
    no_exception(at)
    charts = len(at.get("vega_lite_chart")) + len(at.get("deck_gl_json_chart"))
    alts = [html.unescape(a) for a in alternatives(at)]
    assert charts > 0
    assert len(alts) == charts, (len(alts), charts)
    for text in alts:
        assert "tsg-sr-only" in text  # out of sight, read by screen readers
        assert re.search(r"\d", text), text  # its numbers
        assert ("グラフ「" if lang == "ja" else "Chart '") in text


def test_chart_text_reads_each_row_and_says_where_the_rest_is():
    table = pd.DataFrame({"区分": [f"g{i}" for i in range(35)], "推計値": [f"{i}.0%" for i in range(35)]})
    text = ui.chart_text(table, "孤独感", "ja")
    assert text.startswith("グラフ「孤独感」の内容（35行")
    assert "区分：g0、推計値：0.0%" in text and "g29" in text and "g30" not in text
    assert text.endswith("ほか5行は下の表にあります。")


# ---- empty and all-秘匿 views say what to do (issue 17 item 2) -----------------------------------


def test_an_all_suppressed_table_says_to_widen_the_view(app_env, monkeypatch):
    import streamlit as st

    from dashboard.i18n import t

    monkeypatch.setenv("TSUNAGARI_MIN_N", "1000")  # every age group and district below it, the city above
    st.cache_data.clear()  # a server's minimum is fixed at its start: tables cached with another here
    at = run_app({"ind": "lonely_often", "by": "age_band"}, page="views/breakdown.py")
    no_exception(at)
    assert any("条件を広げてください" in i.value for i in at.info), [i.value for i in at.info]
    at = run_app({"ind": "lonely_often"}, page="views/district_map.py")
    no_exception(at)
    assert any("条件を広げてください" in i.value for i in at.info)
    assert "条件を広げてください" in t("empty.all_suppressed", "ja", suppressed="秘匿")
    st.cache_data.clear()


def test_an_empty_directory_search_says_what_to_do_in_japanese(app_env):
    from dashboard.i18n import t

    at = run_app(page="views/directory.py")
    box = next(ti for ti in at.text_input)
    box.set_value("該当しない検索語ZZZ").run()
    no_exception(at)
    assert [i.value for i in at.info if i.value == t("directory.none", "ja")]
    assert not at.dataframe  # no empty grid that says "empty"
