"""The presenter page run headless (AppTest): every slide renders, the slide number is clamped and
kept in the URL, the buttons move, the live filter changes the view and one click restores it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.content import KINDS
from dashboard.presenter import deck as dk, editor
from dashboard.presenter.page import live_key
from queries import disclosure
from queries.filters import choice_token, filter_choices

from .conftest import APP

TIMEOUT = 180
PAGE = "presenter/page.py"


def open_presenter(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    if params:
        at.query_params.update(params)
    at.switch_page(PAGE)
    at.run()
    no_exception(at)
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, "\n".join(str(e.value) for e in at.exception)


def counter(at: AppTest) -> str:
    return next(h.proto.body for h in at.get("html") if "pres-counter" in h.proto.body)


def slide_no(at: AppTest) -> int:
    return int(at.session_state["pres_slide"])


DECK = dk.load_deck()


@pytest.mark.parametrize("n", range(1, len(DECK) + 1))
def test_every_slide_renders(app_env, n):
    at = open_presenter({"deck": "junbikai", "slide": str(n)})
    assert slide_no(at) == n
    assert f">{n} / {len(DECK)}<" in counter(at)
    assert not at.error, [e.value for e in at.error]
    assert at.query_params["slide"] == str(n)
    slide = DECK.slides[n - 1]
    html = "\n".join(h.proto.body for h in at.get("html"))
    assert slide.heading.replace("「", "").split("」")[0][:6] in html.replace("「", "")
    assert "データ時点" in html and "デモデータ（架空）" in html
    if slide.view is not None and slide.view.kind not in ("cards", "directory"):
        assert len(at.get("vega_lite_chart")) == 1
    # the users' note under every slide of figures, and only there
    noted = disclosure.notice("ja") in html
    assert noted == (slide.view is not None and KINDS[slide.view.kind].statistics), slide.heading


@pytest.mark.parametrize("raw, expected", [("0", 1), ("-3", 1), ("999", len(DECK)), ("abc", 1), ("2.5", 1)])
def test_slide_param_is_clamped(app_env, raw, expected):
    at = open_presenter({"slide": raw})
    assert slide_no(at) == expected
    assert at.query_params["slide"] == str(expected)
    assert at.query_params["deck"] == "junbikai"


def test_buttons_change_slide_and_url(app_env):
    at = open_presenter()
    assert slide_no(at) == 1
    assert at.button(key="pres_prev").disabled
    at.button(key="pres_next").click().run()
    assert slide_no(at) == 2 and at.query_params["slide"] == "2"
    at.button(key="pres_next").click().run()
    at.button(key="pres_prev").click().run()
    assert slide_no(at) == 2
    at.button(key="pres_k_end").click().run()
    assert slide_no(at) == len(DECK) and at.query_params["slide"] == str(len(DECK))
    assert at.button(key="pres_next").disabled
    at.button(key="pres_k_home").click().run()
    assert slide_no(at) == 1
    at.button(key="pres_k_pgdn").click().run()
    assert slide_no(at) == 2
    at.button(key="pres_k_pgup").click().run()
    assert slide_no(at) == 1
    at.button(key="pres_jump_9").click().run()
    assert slide_no(at) == 9 and at.query_params["slide"] == "9"
    no_exception(at)


def test_unknown_deck_is_an_error_not_a_crash(app_env):
    at = open_presenter({"deck": "nothere"})
    assert at.error and "nothere" in at.error[0].value


def test_live_filter_and_back_to_the_deck_view(app_env):
    n = next(i for i, s in enumerate(DECK.slides, 1) if s.view and s.view.kind == "bar")
    at = open_presenter({"slide": str(n)})
    before = at.get("vega_lite_chart")[0].proto.spec
    key = live_key(DECK, n, "district")
    at.selectbox(key=key).set_value("5").run()
    no_exception(at)
    after = at.get("vega_lite_chart")[0].proto.spec
    assert after != before
    html = "\n".join(h.proto.body for h in at.get("html"))
    assert "表示を変更中" in html
    # the heading itself says what is shown now (issue 17), not only the footer's badge
    heading = next(h.proto.body for h in at.get("html") if "pres-heading" in h.proto.body)
    assert "（地域: 朝日）" in heading, heading
    at.button(key="pres_live_reset").click().run()
    assert at.selectbox(key=key).value == state.ALL
    assert at.get("vega_lite_chart")[0].proto.spec == before
    assert "表示を変更中" not in "\n".join(h.proto.body for h in at.get("html"))
    heading = next(h.proto.body for h in at.get("html") if "pres-heading" in h.proto.body)
    assert "地域:" not in heading


def test_add_view_from_the_breakdown_page_then_present_it(app_env):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("views/breakdown.py")
    at.run()
    no_exception(at)
    at.selectbox(key="pres_add_deck").set_value(editor.NEW).run()
    at.text_input(key="pres_add_new_name").set_value("test-deck").run()
    at.button(key="pres_add_do").click().run()
    no_exception(at)
    decks = at.session_state[editor.SESSION_DECKS]
    assert "test-deck" in decks
    slide = decks["test-deck"].slides[-1]
    assert slide.view.kind == "bar" and slide.view.indicator == "lonely_often"
    assert slide.view.by == ("age_band",)
    at.query_params.update({"deck": "test-deck", "slide": "1"})
    at.switch_page(PAGE)
    at.run()
    no_exception(at)
    assert ">1 / 1<" in counter(at)
    assert len(at.get("vega_lite_chart")) == 1


def test_editor_reorders_and_offers_the_yaml(app_env):
    at = open_presenter()
    at.button(key="pres_edit").click().run()
    no_exception(at)
    first, second = DECK.slides[0].heading, DECK.slides[1].heading
    at.button(key="pres_ed_down_junbikai_0").click().run()
    edited = at.session_state[editor.SESSION_DECKS]["junbikai"]
    assert [s.heading for s in edited.slides[:2]] == [second, first]
    assert len(at.get("download_button")) >= 1
    at.button(key="pres_editor_back").click().run()
    no_exception(at)
    # The session's edited copy is what is presented.
    html = "\n".join(h.proto.body for h in at.get("html"))
    assert second.split("（")[0] in html


def test_live_filters_offer_only_what_the_query_layer_allows(app_env):
    """One code or a named group per dimension, never 無回答 or a list; a choice that leaves too few
    respondents shows the query layer's message on the slide, not an error."""
    n = next(i for i, s in enumerate(DECK.slides, 1) if s.view and s.view.kind == "cards")
    at = open_presenter({"slide": str(n)})
    assert not at.multiselect
    for dim in KINDS["cards"].live:
        box = at.selectbox(key=live_key(DECK, n, dim))
        assert box.options[0] == "すべて"
        assert len(box.options) == 1 + len(filter_choices(dim))
        assert "無回答" not in box.options
    at.selectbox(key=live_key(DECK, n, "age_band")).set_value(choice_token("age_band", (1,))).run()
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    html = "\n".join(h.proto.body for h in at.get("html"))
    assert disclosure.FilterTooNarrow(disclosure.min_filter_n()).text("ja") in html
    assert "表示を変更中" in html
    at.selectbox(key=live_key(DECK, n, "age_band")).set_value("young").run()
    no_exception(at)
    html = "\n".join(h.proto.body for h in at.get("html"))
    assert "条件を広げてください" not in html and "pres-card" in html
