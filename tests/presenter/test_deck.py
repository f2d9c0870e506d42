"""Decks: loading, validation with every problem named, round trips, editing, saving."""

from __future__ import annotations

import pytest
import yaml

from dashboard.access.roles import User
from dashboard.presenter import deck as dk
from data import codebook as cb
from queries.filters import Filters

SECRETARIAT = User("jimukyoku", "secretariat")


def parse(text: str, name: str = "t") -> dk.Deck:
    return dk.parse_yaml(text, name)


def test_default_deck_follows_the_agenda():
    deck = dk.load_deck()
    assert deck.name == "junbikai" and deck.title and deck.date
    kinds = [s.view.kind if s.view else s.kind for s in deck.slides]
    assert kinds[0] == "title"
    # The three agenda items as section slides, in order.
    sections = [s.heading for s in deck.slides if s.kind == "section"]
    assert [h[:2] for h in sections] == ["1.", "2.", "3."]
    for needed in ("members", "cards", "map", "need", "activity", "referrals", "directory"):
        assert needed in kinds, needed
    bars = {s.view.by[0] for s in deck.slides if s.view and s.view.kind == "bar"}
    assert {"age_band", "household"} <= bars
    assert any(s.view and s.view.indicator == "unreached" for s in deck.slides)
    assert deck.slides[-1].kind == "text" and "意見交換" in deck.slides[-1].heading
    # Section 2 (the analysis) comes before section 3 (the organisations).
    idx = {k: i for i, k in enumerate(kinds)}
    assert kinds.index("cards") < kinds.index("directory")
    assert idx  # every slide parsed
    assert all(s.notes for s in deck.slides), "every slide has speaker notes"
    # the activity slide's note describes the protection there is (no more hidden cells)
    activity = next(s for s in deck.slides if s.view and s.view.kind == "activity")
    assert "差し引き" not in activity.notes.replace("差し引いても", "")
    assert "<5" in activity.notes and "調整" in activity.notes and "一致しない" in activity.notes


def test_yaml_round_trip_keeps_the_deck():
    deck = dk.load_deck()
    assert dk.parse_yaml(dk.deck_to_yaml(deck), deck.name) == deck


def test_views_parse_filters_through_queries_filters():
    deck = parse("""
title: T
slides:
  - heading: a
    view: {kind: heatmap, indicator: no_confidant, by: [age_band, sex], filters: {wave: 2023, channel: open, district: 1}}
  - heading: b
    view: {kind: activity, by: field, period: month, filters: {fiscal_years: [2024], district: [2]}}
  - heading: c
    view: {kind: map, indicator: lonely_often, windows: false, filters: {age_band: young, district: "3"}}
  - heading: d
    view: {kind: bar, indicator: lonely_often, by: [sex], filters: {age_band: [6, 7, 8], household: "1", fiscal_years: 2023}}
""")
    a, b, c, d = (s.view for s in deck.slides)
    assert a.filters == Filters(wave=2023, channel="open", district=(1,))
    assert a.by == ("age_band", "sex")
    assert b.by == ("field",) and b.period == "month" and b.fiscal_years == (2024,)
    assert b.filters.district == (2,)
    assert c.by == ("district",) and c.windows is False
    assert c.filters == Filters(age_band=(1, 2, 3), district=(3,))
    # a list of a named group's codes is that group; a code may be written as text
    assert d.filters == Filters(age_band=(6, 7, 8), household=(1,)) and d.fiscal_years == (2023,)


@pytest.mark.parametrize(
    "filters, message",
    [
        (
            "{district: [1, 3]}",
            "filters.district: [1, 3] is not allowed; district takes one code of 1, 2, 3, 4, 5, 6, "
            "not any list of codes",
        ),
        # the district group 旧町村部 is gone, by its id or its codes
        (
            "{district: former_towns}",
            "filters.district: 'former_towns' is not allowed; district takes one code of 1, 2, 3, 4, 5, 6",
        ),
        (
            "{district: [2, 3, 4, 5, 6]}",
            "filters.district: [2, 3, 4, 5, 6] is not allowed; district takes one code of "
            "1, 2, 3, 4, 5, 6, not any list of codes",
        ),
        # both channels together (両方) are no longer a choice
        (
            "{channel: all}",
            "filters.channel: must be one of random, open, not 'all' (both channels together, 両方, "
            "are no longer shown",
        ),
        ("{district: 9}", "filters.district: 9 is not allowed (無回答 / no answer is never a filter)"),
        ("{age_band: [1, 9]}", "filters.age_band: [1, 9] is not allowed (無回答 / no answer is never a filter)"),
        (
            "{age_band: teens}",
            "filters.age_band: 'teens' is not allowed; age_band takes one code of 1, 2, 3, 4, 5, 6, 7, 8 "
            "or a named group: young (= 1, 2, 3), middle (= 4, 5), older (= 6, 7, 8)",
        ),
        ("{sex: [1, 2]}", "filters.sex: [1, 2] is not allowed; sex takes one code of 1, 2, 3, not any list of codes"),
        ("{fiscal_years: [2023, 2024]}", "filters.fiscal_years: one fiscal year at a time, not 2023, 2024"),
        ("{fields: [1, 2]}", "filters.fields: one field at a time, not 1, 2"),
    ],
)
def test_deck_filters_obey_the_query_layers_limits(filters, message):
    with pytest.raises(dk.DeckError) as err:
        parse(f"title: T\nslides:\n  - heading: h\n    view: {{kind: activity, filters: {filters}}}")
    assert any(message in p for p in err.value.problems), err.value.problems
    assert all(p.startswith("slide 1 (h).view.filters.") for p in err.value.problems)


def test_every_problem_is_reported_with_its_slide():
    with pytest.raises(dk.DeckError) as err:
        parse("""
title: ""
slides:
  - heading: 年齢
    view: {kind: bar, indicator: nope, by: [agee], filters: {district: [7], foo: 1, channel: web}}
  - {kind: weird}
  - heading: x
    view: {kind: cards, by: [sex]}
  - heading: y
    view: {kind: heatmap, indicator: lonely_often, by: [sex]}
  - heading: z
    bogus: 1
""")
    problems = err.value.problems
    text = "\n".join(problems)
    assert "title: must not be empty" in text
    assert "slide 1 (年齢).view.indicator: unknown indicator 'nope'" in text
    assert "slide 1 (年齢).view.by: unknown dimension 'agee'" in text
    assert "slide 1 (年齢).view.filters.district: 7 is not allowed; district takes one code of 1, 2, 3" in text
    assert "slide 1 (年齢).view.filters.foo: unknown filter" in text
    assert "slide 1 (年齢).view.filters.channel: must be one of random, open, not 'web'" in text
    assert "slide 2.heading: is required" in text
    assert "slide 2.kind: must be one of title, section, text" in text
    assert "slide 3 (x).view.by: not a setting of a cards view" in text
    assert "slide 4 (y).view.by: a heatmap view takes 2 dimension(s), got 1" in text
    assert "slide 5 (z).bogus: unknown setting" in text
    assert len(problems) == 11


@pytest.mark.parametrize(
    "text, message",
    [
        ("title: [unclosed", "not valid YAML"),
        ("- just\n- a list", "must hold a mapping"),
        ("title: T\nslides: []", "slides: must be a non-empty list"),
        ("title: T\nslides:\n  - heading: h\n    view: {kind: pie}", "view.kind: must be one of"),
        (
            "title: T\nslides:\n  - heading: h\n    kind: text\n    view: {kind: members}",
            "either a view or a text kind",
        ),
    ],
)
def test_bad_files_get_a_clear_error(text, message):
    with pytest.raises(dk.DeckError, match=message):
        parse(text)


def test_unknown_deck_and_bad_names(tmp_path):
    with pytest.raises(dk.DeckError, match="no deck named 'nothere'"):
        dk.load_deck("nothere")
    with pytest.raises(dk.DeckError, match="letters, digits"):
        dk.load_deck("../etc/passwd")
    with pytest.raises(dk.DeckError, match="letters, digits"):
        dk.load_deck("/etc/passwd")
    bad = tmp_path / "broken.yaml"
    bad.write_bytes(b"title: \xff\xfe")
    with pytest.raises(dk.DeckError, match="not UTF-8"):
        dk.load_deck_or_file(str(bad))
    with pytest.raises(dk.DeckError, match="cannot read the file"):
        dk.load_deck_or_file(str(tmp_path / "missing.yaml"))


def test_clamp():
    deck = dk.load_deck()
    assert deck.clamp("3") == 3
    assert deck.clamp(0) == 1 and deck.clamp(-5) == 1
    assert deck.clamp(999) == len(deck)
    assert deck.clamp("abc") == 1 and deck.clamp(None) == 1


def test_move_remove_add():
    deck = dk.load_deck()
    headings = [s.heading for s in deck.slides]
    moved = dk.move_slide(deck, 3, -2)
    assert [s.heading for s in moved.slides] == headings[:1] + [headings[3]] + headings[1:3] + headings[4:]
    assert dk.move_slide(deck, 0, -1) == deck
    assert [s.heading for s in dk.move_slide(deck, len(deck) - 1, 5).slides] == headings
    assert len(dk.remove_slide(deck, 0)) == len(deck) - 1
    view = dk.View(kind="bar", indicator="no_confidant", by=("sex",))
    added = dk.add_slide(deck, dk.view_slide(view, "性別"))
    assert added.slides[-1].view == view and len(added) == len(deck) + 1


def test_save_user_deck_round_trip(tmp_path):
    deck = dk.add_slide(
        dk.Deck(name="mine", title="私のデッキ"),
        dk.view_slide(
            dk.View(
                kind="bar",
                indicator="unreached",
                by=("district",),
                filters=Filters(channel="open", sex=(2,), age_band=(4, 5)),
            ),
            "地域",
        ),
    )
    deck = dk.add_slide(
        deck, dk.view_slide(dk.View(kind="activity", filters=Filters(district=(6,)), fiscal_years=(2024,)), "活動")
    )
    path = dk.save_user_deck(deck, SECRETARIAT, folder=tmp_path)
    assert path == tmp_path / "mine.yaml"
    assert dk.load_file(path) == deck
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    # a code as a number, a named group by its id: the form the URL and the CLI use
    assert raw["slides"][0]["view"]["filters"] == {"channel": "open", "age_band": "middle", "sex": 2}
    assert raw["slides"][1]["view"]["filters"] == {"district": 6, "fiscal_years": 2024}


def test_shipped_names_are_protected():
    with pytest.raises(dk.DeckError, match="shipped deck"):
        dk.save_user_deck(dk.load_deck(), SECRETARIAT)


def test_every_codebook_indicator_and_dimension_is_accepted():
    for ind in cb.indicators():
        for dim in cb.dimensions():
            deck = parse(f"title: T\nslides:\n  - heading: h\n    view: {{kind: bar, indicator: {ind}, by: [{dim}]}}")
            assert deck.slides[0].view.indicator == ind
