"""Slides made ahead (dashboard/presenter/prefetch.py): after the presenter page has drawn a slide,
the next slide's drawing is in the shared cache before the key press, and the key press's run uses
it instead of making it again. No timings here (tests/perf/slide_timing.py measures them)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.db import db_version
from dashboard.presenter import deck as dk, prefetch, slide as sl
from dashboard.presenter.viewport import DEFAULT

from .conftest import APP

TIMEOUT = 180
PAGE = "presenter/page.py"
DECK = dk.load_deck()
# A slide without a view whose next slide has one (the prefetch is all that can have made it).
START = next(n for n in range(1, len(DECK)) if DECK.slides[n - 1].view is None and DECK.slides[n].view is not None)


@pytest.fixture
def made(monkeypatch) -> list:
    """The views slide.slide_drawing was asked for (from any thread), with an empty drawing cache."""
    calls: list = []
    original = sl.slide_drawing

    def counting(source, view, *args, **kwargs):
        calls.append(view)
        return original(source, view, *args, **kwargs)

    prefetch.drawing.clear()
    monkeypatch.setattr(sl, "slide_drawing", counting)
    yield calls
    prefetch.wait()
    prefetch.drawing.clear()


def open_at(number: int) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.query_params.update({"deck": dk.DEFAULT_DECK, "slide": str(number)})
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert int(at.session_state["pres_slide"]) == number
    return at


def test_the_next_slide_is_made_before_the_key_press(app_env, made):
    at = open_at(START)
    assert prefetch.wait(), "the prefetch did not finish"
    following = DECK.slides[START].view
    assert following in made, f"slide {START + 1}'s drawing was not made ahead"
    # In the cache: asking for it again makes nothing.
    before = len(made)
    width, height = DEFAULT
    prefetch.drawing(db_version(), following, DECK.slides[START].caption or "", "ja", width, height, True)
    assert len(made) == before, "the prefetched drawing is not in the cache under the page's key"
    # The key press: the next slide's run draws from the cache, and its chart is there.
    at.button(key="pres_k_pgdn").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert int(at.session_state["pres_slide"]) == START + 1
    assert made.count(following) == 1, "the next slide's run made its drawing again"
    if DECK.slides[START].view.kind not in ("cards", "directory"):
        assert len(at.get("vega_lite_chart")) == 1


def test_neighbours_are_the_next_and_previous_view_slides(app_env, made):
    from dashboard.presenter.page import neighbours

    middle = next(n for n in range(2, len(DECK)) if DECK.slides[n - 2].view and DECK.slides[n].view)
    views = [v for v, _ in neighbours(DECK, middle)]
    assert views == [DECK.slides[middle].view, DECK.slides[middle - 2].view]
