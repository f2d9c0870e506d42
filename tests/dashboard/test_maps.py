"""Map builder: no basemap, colours from the ramp, suppressed districts grey, windows as points."""
from __future__ import annotations

import json

import pandas as pd
import pydeck as pdk
import pytest

from dashboard import maps
from geo.districts import load_districts


@pytest.fixture(scope="module")
def districts():
    return load_districts()


def district_table() -> pd.DataFrame:
    return pd.DataFrame({
        "district": pd.array([None, 1, 2, 3, 4, 5, 6], dtype="Int64"),
        "is_total": [True] + [False] * 6,
        "n": pd.array([500, 220, 60, 50, 40, None, 25], dtype="Int64"),
        "estimate_pct": [20.0, 22.0, 18.0, 19.0, 30.0, None, 10.0],
        "ci_low_pct": [18.0, 19.0, 10.0, 10.0, 16.0, None, 2.0],
        "ci_high_pct": [22.0, 25.0, 28.0, 29.0, 45.0, None, 30.0],
        "reliability": ["ok", "ok", "ok", "ok", "low", pd.NA, "low"],
        "suppressed": [False, False, False, False, False, True, False],
    })


def test_ramp_ends_and_order():
    assert maps.ramp_colour(0, 0, 10) == maps.RAMP[0]
    assert maps.ramp_colour(10, 0, 10) == maps.RAMP[-1]
    assert maps.ramp_colour(99, 0, 10) == maps.RAMP[-1]   # clamped
    mid = maps.ramp_colour(5, 0, 10)
    assert mid not in (maps.RAMP[0], maps.RAMP[-1])


def test_map_has_no_basemap_and_colours_by_estimate(districts):
    windows = pd.DataFrame({"name": ["窓口A", "位置なし"], "lat": [38.72, None], "lon": [139.82, None]})
    deck = maps.district_map(districts, district_table(), "ja", windows=windows)
    assert isinstance(deck, pdk.Deck)
    spec = json.loads(deck.to_json())
    assert "mapProvider" not in spec
    assert spec.get("mapStyle") in (None, "__MAP_STYLE__")     # the frontend's 'no basemap' sentinel
    text = deck.to_json().lower()
    assert "cartocdn" not in text and "mapbox" not in text and "http" not in text
    assert maps.deck_layer_ids(deck) == ["districts", "district-labels", "windows"]
    labels = spec["layers"][1]
    assert labels["characterSet"] == "auto"          # a string literal, not the expression @@=auto
    assert [d["text"] for d in labels["data"]][:2] == ["鶴岡 22.0%", "藤島 18.0%"]

    features = {f["properties"]["district"]: f["properties"] for f in deck.layers[0].data["features"]}
    assert set(features) == {1, 2, 3, 4, 5, 6}
    assert features[5]["fill"][:3] == list(maps.SUPPRESSED_RGB)
    assert features[5]["estimate"] == "秘匿" and features[5]["n"] == ""
    assert features[4]["fill"][:3] == list(maps.RAMP[-1])       # highest shown estimate: darkest
    assert features[6]["fill"][:3] == list(maps.RAMP[0])        # lowest: lightest
    assert features[1]["interval"] == "19.0〜25.0%" and features[1]["n"] == "220"
    assert [p["name"] for p in spec["layers"][2]["data"]] == ["窓口A"]


def test_legend_lists_shown_range_only():
    stops = maps.legend_stops(district_table(), steps=3)
    assert [v for v, _ in stops] == ["10.0%", "20.0%", "30.0%"]
    html = maps.legend_html(district_table(), "en", with_windows=False)
    assert "Grey: suppressed" in html and "consultation windows" not in html
