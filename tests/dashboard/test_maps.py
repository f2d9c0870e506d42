"""Map builder: no basemap, colours from the ramp, suppressed districts grey, windows as points."""

from __future__ import annotations

import json

import pandas as pd
import pydeck as pdk
import pytest
import shapely

from dashboard import maps
from geo.districts import load_districts


@pytest.fixture(scope="module")
def districts():
    return load_districts()


def district_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "district": pd.array([None, 1, 2, 3, 4, 5, 6], dtype="Int64"),
            "is_total": [True] + [False] * 6,
            "n": pd.array([500, 220, 60, 50, 40, None, 25], dtype="Int64"),
            "estimate_pct": [20.0, 22.0, 18.0, 19.0, 30.0, None, 10.0],
            "ci_low_pct": [18.0, 19.0, 10.0, 10.0, 16.0, None, 2.0],
            "ci_high_pct": [22.0, 25.0, 28.0, 29.0, 45.0, None, 30.0],
            "reliability": ["ok", "ok", "ok", "ok", "low", pd.NA, "low"],
            "suppressed": [False, False, False, False, False, True, False],
        }
    )


def test_ramp_ends_and_order():
    assert maps.ramp_colour(0, 0, 10) == maps.RAMP[0]
    assert maps.ramp_colour(10, 0, 10) == maps.RAMP[-1]
    assert maps.ramp_colour(99, 0, 10) == maps.RAMP[-1]  # clamped
    mid = maps.ramp_colour(5, 0, 10)
    assert mid not in (maps.RAMP[0], maps.RAMP[-1])


def test_map_has_no_basemap_and_colours_by_estimate(districts):
    windows = pd.DataFrame({"name": ["窓口A", "位置なし"], "lat": [38.72, None], "lon": [139.82, None]})
    deck = maps.district_map(districts, district_table(), "ja", windows=windows)
    assert isinstance(deck, pdk.Deck)
    spec = json.loads(deck.to_json())
    assert "mapProvider" not in spec
    assert spec.get("mapStyle") in (None, "__MAP_STYLE__")  # the frontend's 'no basemap' sentinel
    text = deck.to_json().lower()
    assert "cartocdn" not in text and "mapbox" not in text and "http" not in text
    assert maps.deck_layer_ids(deck) == ["districts", "low-reliability-hatch", "windows", "district-labels"]
    labels = spec["layers"][3]
    assert labels["characterSet"] == "auto"  # a string literal, not the expression @@=auto
    assert [d["text"] for d in labels["data"]][:2] == ["鶴岡 22.0%", "藤島 18.0%"]

    features = {f["properties"]["district"]: f["properties"] for f in deck.layers[0].data["features"]}
    assert set(features) == {1, 2, 3, 4, 5, 6}
    assert features[5]["fill"][:3] == list(maps.SUPPRESSED_RGB)
    assert features[5]["estimate"] == "秘匿" and features[5]["n"] == ""
    assert features[4]["fill"][:3] == list(maps.RAMP[-1])  # highest shown estimate: darkest
    # the scale starts at 0 (issue 17), not at the lowest district: 10% of 0–30% is a third up
    assert features[6]["fill"][:3] == list(maps.ramp_colour(10.0, 0.0, 30.0)) != list(maps.RAMP[0])
    assert features[1]["interval"] == "19.0〜25.0%" and features[1]["n"] == "220"
    assert [p["name"] for p in spec["layers"][2]["data"]] == ["窓口A"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_labels_stay_clear_of_windows_and_of_each_other(districts, lang):
    # windows at the districts' own centres, where their labels would go (as 櫛引's branch office is)
    centres = [d.geometry.representative_point() for d in districts.itertuples()]
    near = [(p.x + dx, p.y + dy) for p in centres for dx, dy in ((0, 0), (0.01, 0.004), (-0.012, -0.003))]
    windows = pd.DataFrame(
        {"name": [f"窓口{i}" for i in range(len(near))], "lon": [x for x, _ in near], "lat": [y for _, y in near]}
    )
    deck = maps.district_map(districts, district_table(), lang, windows=windows)
    assert maps.deck_layer_ids(deck)[-1] == "district-labels"  # drawn above the dots
    labels = deck.layers[-1].data
    boxes = [maps.label_box(*label["position"], label["text"]) for label in labels]
    dots = [shapely.Point(x, y).buffer(maps.WINDOW_RADIUS_PX / (512 * 2**maps.ZOOM / 360)) for x, y in near]
    for label, box in zip(labels, boxes):
        assert not any(box.intersects(dot) for dot in dots), label
        assert sum(box.intersects(other) for other in boxes) == 1, label  # only itself
    by_name = dict(zip(districts[f"name_{lang}"], districts.geometry))
    for label in labels:
        assert by_name[label["name"]].contains(shapely.Point(label["position"])), label


def test_labels_without_windows_sit_inside_their_district(districts):
    deck = maps.district_map(districts, district_table(), "ja")
    assert maps.deck_layer_ids(deck) == ["districts", "low-reliability-hatch", "district-labels"]
    geoms = dict(zip(districts["name_ja"], districts.geometry))
    for label in deck.layers[-1].data:
        assert geoms[label["name"]].contains(shapely.Point(label["position"]))


def test_legend_lists_shown_range_only():
    stops = maps.legend_stops(district_table(), steps=3)
    assert [v for v, _ in stops] == ["0.0%", "15.0%", "30.0%"]  # from 0 to the largest, rounded up
    html = maps.legend_html(district_table(), "en", with_windows=False)
    assert "Grey: suppressed" in html and "consultation windows" not in html


def test_significant_districts_are_outlined_and_reference_values_hatched(districts):
    table = district_table().assign(difference=[None, "higher", "none", "lower", None, None, None])
    deck = maps.district_map(districts, table, "ja")
    features = {f["properties"]["district"]: f["properties"] for f in deck.layers[0].data["features"]}
    assert features[1]["line"][:3] == list(maps.SIGNIFICANT_LINE_RGB) and features[1]["mark"] == "▲高い"
    assert features[3]["line"][:3] == list(maps.SIGNIFICANT_LINE_RGB) and features[3]["mark"] == "▼低い"
    assert features[2]["line"][:3] == list(maps.PLAIN_LINE_RGB) and features[2]["mark"] == ""
    assert features[4]["low"] and features[4]["mark"] == "参考値"
    labels = {d["name"]: d["text"] for d in deck.layers[-1].data}
    assert labels["鶴岡"] == "鶴岡 22.0% ▲高い" and labels["羽黒"] == "羽黒 19.0% ▼低い"
    # the hatching: white lines inside the 参考値 districts (4 and 6) only
    hatch = next(layer for layer in deck.layers if layer.id == "low-reliability-hatch")
    low_geoms = [g for code, g in zip(districts["district"], districts.geometry) if code in (4, 6)]
    union = shapely.union_all(low_geoms).buffer(1e-9)
    assert len(hatch.data) > 5
    assert all(union.contains(shapely.LineString(h["path"])) for h in hatch.data)
    # the legend names what is drawn
    html = maps.legend_html(table, "ja", with_windows=True)
    for words in ("0%から", "太い黒枠", "白い斜線", "参考値", "灰色", "黒い点"):
        assert words in html, words
    chart = maps.district_map_chart(districts, table, "ja").to_dict()
    assert "白斜線=参考値" in json.dumps(chart, ensure_ascii=False)
