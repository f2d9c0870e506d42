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
    assert maps.deck_layer_ids(deck) == ["districts", "windows"]
    # two WebGL programs: filled polygons (no stroke, no text layer) and the windows' dots
    assert spec["layers"][0]["stroked"] is False
    keys = [f["properties"]["key"] for f in deck.layers[0].data["features"] if "key" in f["properties"]]
    assert keys == [k for k in "123456" for _ in range(3)]  # disc, edge, digit

    features = {}
    for f in deck.layers[0].data["features"]:
        features.setdefault(f["properties"]["district"], f["properties"])
    assert set(features) == {1, 2, 3, 4, 5, 6}
    assert features[5]["fill"][:3] == list(maps.SUPPRESSED_RGB)
    assert features[5]["estimate"] == "秘匿" and features[5]["n"] == ""
    assert features[4]["fill"][:3] == list(maps.RAMP[-1])  # highest shown estimate: darkest
    # the scale starts at 0 (issue 17), not at the lowest district: 10% of 0–30% is a third up
    assert features[6]["fill"][:3] == list(maps.ramp_colour(10.0, 0.0, 30.0)) != list(maps.RAMP[0])
    assert features[1]["interval"] == "19.0〜25.0%" and features[1]["n"] == "220"
    assert [p["name"] for p in spec["layers"][1]["data"]] == ["窓口A"]


def test_keys_without_windows_sit_inside_their_district(districts):
    deck = maps.district_map(districts, district_table(), "ja")
    assert maps.deck_layer_ids(deck) == ["districts"]
    geoms = dict(zip(districts["district"], districts.geometry))
    for f in deck.layers[0].data["features"]:
        if "key" in f["properties"]:
            shape = shapely.from_geojson(json.dumps(f["geometry"]))
            assert geoms[int(f["properties"]["key"])].contains(shape), f["properties"]["key"]


def test_legend_lists_shown_range_only():
    stops = maps.legend_stops(district_table(), steps=3)
    assert [v for v, _ in stops] == ["0.0%", "15.0%", "30.0%"]  # from 0 to the largest, rounded up
    html = maps.legend_html(district_table(), "en", with_windows=False)
    assert "Grey: suppressed" in html and "consultation windows" not in html


def test_significant_districts_are_outlined_and_reference_values_hatched(districts):
    table = district_table().assign(difference=[None, "higher", "none", "lower", None, None, None])
    deck = maps.district_map(districts, table, "ja")
    polygons = deck.layers[0].data["features"]
    features = {}
    for f in polygons:
        features.setdefault(f["properties"]["district"], f["properties"])
    assert features[1]["line"][:3] == list(maps.SIGNIFICANT_LINE_RGB) and features[1]["mark"] == "▲高い"
    assert features[3]["line"][:3] == list(maps.SIGNIFICANT_LINE_RGB) and features[3]["mark"] == "▼低い"
    assert features[2]["line"][:3] == list(maps.PLAIN_LINE_RGB) and features[2]["mark"] == ""
    assert features[4]["low"] and features[4]["mark"] == "参考値"
    geoms = dict(zip(districts["district"], districts.geometry))
    extra = [f for f in polygons[6:] if "key" not in f["properties"]]  # the black bands, the white hatching
    bands = [f for f in extra if f["properties"]["fill"][:3] == list(maps.SIGNIFICANT_LINE_RGB)]
    hatch = [f for f in extra if f["properties"]["fill"][:3] == list(maps.HATCH_RGB)]
    assert sorted(f["properties"]["district"] for f in bands) == [1, 3]
    assert sorted(f["properties"]["district"] for f in hatch) == [4, 6]
    for f in bands + hatch:  # inside their own district
        shape = shapely.from_geojson(json.dumps(f["geometry"]))
        assert geoms[f["properties"]["district"]].buffer(1e-6).contains(shape)
        assert shape.area < 0.5 * geoms[f["properties"]["district"]].area
    html = maps.legend_html(table, "ja", with_windows=True, districts=districts)
    assert "鶴岡 <b>22.0%</b> ▲高い" in html and "羽黒 <b>19.0%</b> ▼低い" in html
    # the legend names what is drawn
    html = maps.legend_html(table, "ja", with_windows=True)
    for words in ("0%から", "太い黒枠", "白い斜線", "参考値", "灰色", "黒い点"):
        assert words in html, words
    chart = json.dumps(maps.district_map_chart(districts, table, "ja").to_dict(), ensure_ascii=False)
    assert "白斜線・※=参考値" in chart and "① 鶴岡 22.0% ▲" in chart and "④ 櫛引 30.0% ※" in chart


def test_digit_outlines_file_is_the_shipped_fonts(tmp_path):
    # geo/key_digits.json is written from BIZ UDPGothic Bold (maps.write_digit_outlines): reading
    # the 4.6 MB font at the first map of a server took 1.4 s
    maps.write_digit_outlines(tmp_path / "digits.json")
    assert (tmp_path / "digits.json").read_text(encoding="utf-8") == maps.DIGITS_PATH.read_text(encoding="utf-8")
    one, eight = maps.glyph_outline("1"), maps.glyph_outline("8")
    assert 0.6 < one.bounds[3] - one.bounds[1] < 0.9  # a digit is about 0.8 em high
    assert len(shapely.get_parts(eight)) == 1 and len(eight.interiors) == 2  # 8 has two holes


def test_the_windows_dots_are_one_frame_shared_by_every_session(app_env):
    """CachedSource.windows: the directory's windows with a place, made once per database version
    and language and handed to every session as the same frame (no copy per run)."""
    from dashboard.db import connection, db_version
    from dashboard.source import CachedSource, Source

    version = db_version()
    first, second = CachedSource(version).windows("ja"), CachedSource(version).windows("ja")
    assert first is second
    directory = Source(connection(version)).directory((), (), "", "ja")
    expected = maps.window_points(directory, "ja")
    pd.testing.assert_frame_equal(first, expected)
    assert len(first) == directory[["lat", "lon"]].notna().all(axis=1).sum() > 0
    deck = maps.district_map(load_districts(), district_table(), "ja", windows=first)
    dots = json.loads(deck.to_json())["layers"][1]["data"]
    assert [(d["name"], d["lat"], d["lon"]) for d in dots] == list(zip(first["name"], first["lat"], first["lon"]))
