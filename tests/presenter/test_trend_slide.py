"""The `trend` view kind in decks: parsing, round trip, problems named, slides and handouts."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation

from dashboard.presenter import deck as dk, handout
from dashboard.source import Source
from queries import disclosure

DECK = """
title: 推移の確認
slides:
  - heading: 市全体
    view: {kind: trend, indicator: lonely_often}
  - heading: 地域別
    view: {kind: trend, indicator: lonely_sometimes_plus, by: [district], filters: {channel: random}}
"""


def test_a_trend_slide_parses_and_round_trips():
    deck = dk.parse_yaml(DECK, "t")
    views = [s.view for s in deck.slides if s.view is not None]
    assert [(v.kind, v.indicator, v.by) for v in views] == [
        ("trend", "lonely_often", ()),
        ("trend", "lonely_sometimes_plus", ("district",)),
    ]
    assert dk.parse_yaml(dk.deck_to_yaml(deck), deck.name) == deck


@pytest.mark.parametrize(
    "view, message",
    [
        ("{kind: trend, indicator: lonely_often, by: [wave]}", "a trend is by at most one of"),
        ("{kind: trend, indicator: lonely_often, by: [district, sex]}", "a trend is by at most one of"),
        ("{kind: trend, indicator: nope}", "unknown indicator 'nope'"),
    ],
)
def test_bad_trend_views_are_reported_with_their_slide(view, message):
    with pytest.raises(dk.DeckError) as err:
        dk.parse_yaml(f"title: T\nslides:\n  - heading: x\n    view: {view}\n", "t")
    assert any(message in p and "slide 1" in p for p in err.value.problems), err.value.problems


def test_trend_slides_in_both_handouts(con):
    deck = dk.parse_yaml(DECK, "t")
    pages = handout.make_pages(deck, Source(con), "ja", "pdf")
    assert all(p.image is not None for p in pages[-2:]), "each trend slide draws its chart"
    assert disclosure.notice("ja") in "\n".join(pages[-1].lines)
    assert handout.handout_bytes(deck, Source(con), "ja", "pdf").startswith(b"%PDF")
    prs = Presentation(io.BytesIO(handout.handout_bytes(deck, Source(con), "en", "pptx")))
    assert len(prs.slides) >= 3
