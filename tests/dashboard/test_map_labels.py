"""No text on a map overlaps other text or a district (issue 17: 櫛引 ran into 羽黒, "Tsuruoka" into
"Fujishima", and the English legend's 「suppressed」 was cut off).

The districts carry numbered discs (①–⑥) and their names, figures and marks stand in a key list
beside the map. The static map of slides and handouts is drawn by Vega (vl-convert's scenegraph,
the positions Vega computes for every text and symbol), at the presenter's three screen sizes and
the handouts' chart boxes, in Japanese and English, on the demo data and on a table whose every
district carries a long mark; each text's box is estimated from its font size (full-width
characters 1 em, others 0.62 em, a little wider than BIZ UDPGothic draws them). The pydeck map of
the 地域マップ page is checked geometrically: its only text is the discs' digits, and the discs
stay apart (and clear of the windows' dots) at every zoom the map allows.
"""

from __future__ import annotations

import itertools
import json
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity

from dashboard import maps
from dashboard.content import View
from dashboard.i18n import t as t_
from dashboard.presenter import handout, slide as sl
from dashboard.presenter.render import _vl_convert
from dashboard.presenter.viewport import Viewport
from dashboard.source import Source
from geo.districts import load_districts
from queries.filters import Filters

SCREENS = ((1024, 768), (1280, 720), (1920, 1080))
MAP_VIEW = View(kind="map", indicator="lonely_sometimes_plus", by=("district",), filters=Filters())


@pytest.fixture(scope="module")
def source(demo_db):
    with Source.of_file(demo_db) as src:
        yield src


@pytest.fixture(scope="module")
def districts():
    return load_districts()


def long_table() -> pd.DataFrame:
    """Every district with a mark, the longest texts a key line can have."""
    return pd.DataFrame(
        {
            "district": pd.array([None, 1, 2, 3, 4, 5, 6], dtype="Int64"),
            "is_total": [True] + [False] * 6,
            "n": pd.array([900, 300, 60, 50, 40, 30, 25], dtype="Int64"),
            "estimate_pct": [20.0, 28.4, 18.8, 19.9, 30.1, 10.2, 10.0],
            "ci_low_pct": [18.0, 25.0, 10.0, 10.0, 16.0, 2.0, 2.0],
            "ci_high_pct": [22.0, 32.0, 28.0, 29.0, 45.0, 30.0, 30.0],
            "reliability": ["ok", "ok", "ok", "ok", "low", "low", "low"],
            "suppressed": [False] * 7,
            "difference": [None, "higher", "lower", "lower", None, None, None],
        }
    )


# ---- the scenegraph -----------------------------------------------------------------------------


def _em(ch: str) -> float:
    return 1.0 if ord(ch) >= 0x2000 else 0.62


def text_box(item: dict, ox: float, oy: float):
    text = item.get("text")
    if isinstance(text, list):
        text = max(text, key=len)
    text = str(text or "")
    size = float(item.get("fontSize", 11))
    w = sum(_em(c) for c in text) * size
    h = 1.2 * size
    x = ox + item.get("x", 0) + item.get("dx", 0)
    y = oy + item.get("y", 0) + item.get("dy", 0)
    align = item.get("align", "left")
    left = x if align == "left" else x - w / 2 if align == "center" else x - w
    baseline = item.get("baseline", "alphabetic")
    top = y if baseline == "top" else y - h / 2 if baseline == "middle" else y - 0.85 * h
    return text, shapely.box(left, top, left + w, top + h)


def path_polygon(path: str, ox: float, oy: float):
    rings = []
    for part in re.findall(r"M[^MZ]*Z?", path):
        nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", part)]
        pts = [(ox + nums[i], oy + nums[i + 1]) for i in range(0, len(nums) - 1, 2)]
        if len(pts) >= 3:
            rings.append(shapely.Polygon(pts).buffer(0))
    return shapely.union_all(rings) if rings else None


def scene(spec: dict) -> SimpleNamespace:
    """Every text (with its box), disc, square and district polygon of SPEC as Vega lays it out,
    in the canvas's pixels."""
    sg = _vl_convert().vegalite_to_scenegraph(spec)
    out = SimpleNamespace(texts=[], discs=[], dots=[], squares=[], districts=[], width=sg["width"], height=sg["height"])

    def walk(mark: dict, ox: float, oy: float) -> None:
        kind = mark.get("marktype")
        for item in mark.get("items", []):
            if kind == "group":
                gx, gy = ox + item.get("x", 0), oy + item.get("y", 0)
                for child in item.get("items", []):
                    walk(child, gx, gy)
            elif kind == "text" and str(item.get("text") or "").strip():
                out.texts.append(text_box(item, ox, oy))
            elif kind == "symbol":
                size, centre = float(item.get("size", 64)), shapely.Point(ox + item["x"], oy + item["y"])
                if item.get("shape", "circle") == "circle" and str(item.get("fill")).lower() in ("white", "#fff"):
                    out.discs.append((centre, np.sqrt(size / np.pi)))  # a district's number
                elif item.get("shape", "circle") == "circle":
                    out.dots.append(centre)  # a consultation window
                else:  # a square's size is its area
                    out.squares.append(centre.buffer(np.sqrt(size) / 2, cap_style="square"))
            elif kind == "shape" and item.get("fill") not in (None, "transparent") and item.get("shape"):
                poly = path_polygon(item["shape"], ox, oy)
                if poly is not None and not poly.is_empty:
                    out.districts.append(poly)

    ox, oy = sg.get("origin", [0, 0])
    walk(sg["scenegraph"], ox, oy)
    return out


def assert_clear(spec: dict, width: float, height: float, what: str) -> SimpleNamespace:
    s = scene(spec)
    assert len(s.discs) == 6 and len(s.districts) == 6, what
    digits = {str(n) for n in range(1, 10)}
    plain = [(t, b) for t, b in s.texts if t not in digits]
    # every digit sits in a disc, every disc holds one digit
    for t, b in s.texts:
        if t in digits:
            assert any(c.distance(b.centroid) < r / 2 for c, r in s.discs), (what, t)
    for (c1, r1), (c2, r2) in itertools.combinations(s.discs, 2):
        assert c1.distance(c2) >= r1 + r2, (what, "discs overlap")
    for (t1, b1), (t2, b2) in itertools.combinations(plain, 2):
        assert not b1.intersects(b2), (what, t1, t2)
    for dot in s.dots:
        assert not any(dot.distance(c) < r for c, r in s.discs), (what, "a window's dot under a disc")
    for t, b in plain:
        assert not any(b.intersects(c.buffer(r)) for c, r in s.discs), (what, t, "on a disc")
        assert not any(b.intersects(square) for square in s.squares), (what, t, "on a swatch")
        assert not any(b.intersects(d) for d in s.districts), (what, t, "on the map")
        assert b.bounds[0] >= 0 and b.bounds[2] <= s.width + 0.5, (what, t, "cut off")
    assert s.width <= width + 1, (what, f"drawing {s.width} px wide in a box of {width}")
    assert s.height <= height + 1, (what, f"drawing {s.height} px high in a box of {height}")
    return s


# ---- the static map (slides, handouts) ----------------------------------------------------------


def slide_height(vp: Viewport) -> int:
    """The drawing's height on a demo slide with the users' note and no caption (as
    presenter.slide.slide_drawing reserves it)."""
    return int(max(160.0, vp.height - vp.font_px * (2.0 + 2.3 + 1.1 + 3.8) - 56))


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("size", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_presenter_map_slide_has_no_overlapping_text(source, lang, size):
    vp = Viewport(*size)
    drawing = sl.slide_drawing(source, MAP_VIEW, "", lang, vp, demo=True)
    assert drawing.spec is not None and drawing.notice
    s = assert_clear(drawing.spec, vp.width - 60, slide_height(vp), f"slide {size} {lang}")
    keys = [t for t, _ in s.texts if t[0] in "①②③④⑤⑥"]
    assert len(keys) == 6
    # the consultation windows the deck's notes point at are drawn, and the key says what they are
    assert s.dots and any(t.startswith(t_("map.static_windows", lang)[:4]) for t, _ in s.texts)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("size", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_longest_key_lines_fit_beside_the_map(source, districts, lang, size):
    vp = Viewport(*size)
    windows = source.directory((), (), "", lang)  # the key's longest form: with the windows' line
    chart = maps.district_map_chart(districts, long_table(), lang, title="title", windows=windows)
    spec = sl.sized_spec(chart, vp.width - 60, slide_height(vp), vp.font_px)
    s = assert_clear(spec, vp.width - 60, slide_height(vp), f"long {size} {lang}")
    texts = [t for t, _ in s.texts]
    assert any("▲" in t for t in texts) and any("▼" in t for t in texts)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("fmt", ["pdf", "pptx"])
def test_handout_map_has_no_overlapping_text(source, districts, lang, fmt):
    box_w, box_h = handout.content_box(fmt)
    content = sl.view_content(source, MAP_VIEW, lang)
    font = handout.CHART_FONT_PT / 72 * handout.DPI
    for table in (content.frame, long_table()):
        chart = maps.district_map_chart(districts, table, lang, title="title")
        w_in, h_in = handout.chart_region(handout.layout_of(content), box_w, box_h)
        w, h = int(w_in * handout.DPI), int(h_in * handout.DPI)
        assert_clear(sl.sized_spec(chart, w, h, font), w, h, f"handout {fmt} {lang}")


def test_legend_keeps_suppressed_inside_its_box(districts):
    table = long_table()
    table.loc[5, ["estimate_pct", "suppressed"]] = [None, True]
    vp = Viewport(1024, 768)
    chart = maps.district_map_chart(districts, table, "en", title="title")  # as the builder draws it
    spec = sl.sized_spec(chart, vp.width - 60, slide_height(vp), vp.font_px)
    s = assert_clear(spec, vp.width - 60, slide_height(vp), "suppressed")
    assert "suppressed" in [t for t, _ in s.texts]
    assert any(t.startswith("⑤ Asahi suppressed") for t, _ in s.texts)


# ---- the pydeck map (地域マップ) ----------------------------------------------------------------


def key_shapes(deck) -> dict[str, list]:
    """{number: [disc, edge, digit]} of the pydeck map's numbered discs (lon/lat geometries)."""
    out: dict[str, list] = {}
    for f in deck.layers[0].data["features"]:
        if "key" in f["properties"]:
            out.setdefault(f["properties"]["key"], []).append(shapely.from_geojson(json.dumps(f["geometry"])))
    return out


def test_page_map_has_no_text_only_numbered_discs(districts):
    deck = maps.district_map(districts, long_table(), "en")
    assert not [layer for layer in deck.layers if layer.type == "TextLayer"]
    shapes = key_shapes(deck)
    assert sorted(shapes) == ["1", "2", "3", "4", "5", "6"]
    for disc, edge, digit in shapes.values():
        assert disc.buffer(1e-9).contains(edge) and disc.buffer(1e-9).contains(digit) and not digit.is_empty
    html = maps.legend_html(long_table(), "en", with_windows=False, districts=districts)
    for line in (
        "Tsuruoka <b>28.4%</b> ▲higher",
        "Fujishima <b>18.8%</b> ▼lower",
        "Asahi <b>10.2%</b> low reliability",
    ):
        assert line in html


@pytest.mark.parametrize("zoom", [maps.MIN_ZOOM, maps.ZOOM, maps.MAX_ZOOM])
def test_page_map_discs_stay_apart_at_every_allowed_zoom(districts, zoom):
    # windows at the districts' own centres, where the discs would go (as 櫛引's branch office is)
    centres = [d.geometry.representative_point() for d in districts.itertuples()]
    near = [(p.x + dx, p.y + dy) for p in centres for dx, dy in ((0, 0), (0.01, 0.004), (-0.012, -0.003))]
    windows = pd.DataFrame(
        {"name": [f"窓口{i}" for i in range(len(near))], "lon": [x for x, _ in near], "lat": [y for _, y in near]}
    )
    deck = maps.district_map(districts, long_table(), "ja", windows=windows)
    view = deck.initial_view_state
    assert (view.min_zoom, view.max_zoom) == (maps.MIN_ZOOM, maps.MAX_ZOOM)
    discs = {k: v[0] for k, v in key_shapes(deck).items()}
    lat0 = float(np.mean([p.y for p in centres]))
    kx, ky = maps.px_per_degree(lat0, zoom)

    def px(geom):  # screen pixels at ZOOM
        return shapely.affinity.scale(geom, kx, ky, origin=(0, 0))

    for (k1, d1), (k2, d2) in itertools.combinations(discs.items(), 2):
        assert px(d1).distance(px(d2)) >= maps.KEY_GAP_PX * 0.9, (k1, k2)
    for k, disc in discs.items():
        for lon, lat in near:  # a window's dot is WINDOW_RADIUS_PX at every zoom
            assert px(disc).distance(px(shapely.Point(lon, lat))) >= maps.WINDOW_RADIUS_PX, k
    by_code = dict(zip(districts["district"], districts.geometry))
    for k, disc in discs.items():
        assert by_code[int(k)].contains(disc), k
