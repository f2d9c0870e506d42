"""Map builders: the indicator by district as a pydeck map with no basemap (works offline), and as
a static Altair map for slides and handouts (district_map_chart).

No tiles, no token, no map provider: only the district polygons and the consultation windows.
Plain functions, no Streamlit, so handouts can reuse them.
"""

from __future__ import annotations

import copy
import html
import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import shapely.affinity
from pydeck.bindings.json_tools import default_serialize

from dashboard import charts, labels as lb
from dashboard.i18n import t
from data import codebook as cb

# Reversed viridis stops (light yellow = low, dark purple = high): sequential and colour-blind-safe.
RAMP: tuple[tuple[int, int, int], ...] = (
    (253, 231, 37),
    (181, 222, 43),
    (110, 206, 88),
    (53, 183, 121),
    (31, 158, 137),
    (38, 130, 142),
    (49, 104, 142),
    (62, 73, 137),
    (72, 40, 120),
    (68, 1, 84),
)
SUPPRESSED_RGB = (190, 190, 190)
NO_DATA_RGB = (235, 235, 235)
POINT_RGB = (0, 0, 0)
ZOOM = 9.0  # the map's initial zoom: the whole city in the 560 px high frame
# The numbered discs are drawn in map units (they grow and shrink with the map), so the zoom is
# held where their digits stay legible and they do not cover a district.
MIN_ZOOM = ZOOM - 0.5
MAX_ZOOM = ZOOM + 1.5
WINDOW_RADIUS_PX = 4  # px, the consultation windows' dots (radius_min_pixels)
LEGEND_ROWS = 6  # the static map's legend: five stops of the ramp and the grey of 秘匿
# Each district is marked on the map by its number in a white disc (① 鶴岡 … ⑥ 温海: the codebook's
# code), and named with its figure and mark in a key list beside the map. Text of any length on the
# map overlapped its neighbours (櫛引 into 羽黒, Tsuruoka into Fujishima, issue 17); a disc of fixed
# size at a point chosen clear of the other discs cannot.
KEY_RADIUS_PX = 11  # px at ZOOM, the numbered disc on the pydeck map
KEY_RING_PX = 2  # px at ZOOM, its black edge
KEY_TEXT_PX = 15  # px at ZOOM, its digit's em (BIZ UDPGothic Bold, outlines read from the shipped font)
FONT_BOLD = Path(__file__).resolve().parent / "static" / "fonts" / "BIZUDPGothic-Bold.ttf"
DIGITS_PATH = Path(__file__).resolve().parents[1] / "geo" / "key_digits.json"  # outlines of 1–9 (em)
KEY_GAP_PX = 3  # px, at least this much between two discs (and between a disc and a window's dot)
# The static map (slides, handouts): the map's share of its view's width; the key list takes the rest.
STATIC_MAP_SHARE = 0.45
STATIC_KEY_X = 0.48  # where the key list starts, as a share of the view's width
# Borders on the pydeck map are gaps and bands of the polygons themselves (one SolidPolygonLayer
# program) rather than strokes: WebGL stroke (PathLayer) and label backgrounds each cost ~0.4 s of
# shader work in software rendering before the first frame shows (tests/perf/map_timing.py).
BORDER_GAP_PX = 1.0  # px at ZOOM, half the white gap between neighbours
SIGNIFICANT_BAND_PX = 4.0  # px at ZOOM, the black band inside a significant district's edge
HATCH_WIDTH_PX = 1.6  # px at ZOOM, a 参考値 hatch line
# 高い/低い (significantly different from the rest of the city): a thick black outline and ▲/▼ by
# the name; 参考値: white diagonal hatching over the district's colour (no shade of the ramp is
# white-striped, so it cannot be read as a lower or higher value).
SIGNIFICANT_LINE_RGB = (0, 0, 0)
SIGNIFICANT_LINE_PX = 5
PLAIN_LINE_RGB = (255, 255, 255)
HATCH_RGB = (255, 255, 255)
HATCH_SPACING_DEG = 0.02  # distance between the hatch lines, in degrees of longitude


class Deck(pdk.Deck):
    """A pdk.Deck whose JSON (what st.pydeck_chart sends) comes from json's C encoder: the same
    JSON as pydeck writes, without its indentation, which forces the pure-Python encoder (about
    40 ms at every rerun with the consultation windows of 4,730 organisations)."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize)


def ramp_colour(value: float, vmin: float, vmax: float) -> tuple[int, int, int]:
    """Colour of VALUE on the ramp between VMIN and VMAX (linear interpolation between stops)."""
    if vmax <= vmin:
        pos = 0.5
    else:
        pos = min(1.0, max(0.0, (value - vmin) / (vmax - vmin)))
    scaled = pos * (len(RAMP) - 1)
    i = int(np.floor(scaled))
    j = min(i + 1, len(RAMP) - 1)
    frac = scaled - i
    return tuple(int(round(RAMP[i][k] + (RAMP[j][k] - RAMP[i][k]) * frac)) for k in range(3))


def value_range(table: pd.DataFrame) -> tuple[float, float]:
    """The colour scale's range: from 0 to the largest shown estimate rounded up to a whole
    percent (suppressed ones left out).

    Starting at 0, not at the smallest district: a scale stretched min–max (2.4%–5.9%) made small
    differences with overlapping intervals look dramatic (issue 17). A diverging scale centred on
    the city value was not chosen: it colours districts that do not differ significantly as if
    they were high or low; significance has its own mark (the outline, ▲/▼). データと方法 says so."""
    shown = table.loc[~table["suppressed"].astype(bool), "estimate_pct"].dropna().astype(float)
    if shown.empty:
        return 0.0, 1.0
    return 0.0, float(max(1, math.ceil(float(shown.max()))))


def difference_of(row) -> str:
    """'higher', 'lower' or '' (no test, or no significant difference) of an indicator row."""
    value = row.get("difference") if hasattr(row, "get") else None
    # <NA> where no test was made (秘匿, 参考値: issue 16): `in` would compare it and raise
    return value if isinstance(value, str) and value in ("higher", "lower") else ""


def hatch_lines(geometry, spacing: float = HATCH_SPACING_DEG) -> list[list[list[float]]]:
    """Diagonal lines (lon/lat paths) across GEOMETRY, clipped to it: the 参考値 pattern."""
    geom = shapely.from_geojson(json.dumps(geometry)) if isinstance(geometry, dict) else geometry
    minx, miny, maxx, maxy = geom.bounds
    span = (maxx - minx) + (maxy - miny)
    paths = []
    for k in range(int(span / spacing) + 2):
        x0 = minx - (maxy - miny) + k * spacing
        line = shapely.LineString([(x0, miny), (x0 + (maxy - miny), maxy)])
        part = line.intersection(geom)
        for seg in getattr(part, "geoms", [part]):
            if seg.is_empty or seg.geom_type != "LineString":
                continue
            paths.append([list(c) for c in seg.coords])
    return paths


def district_features(districts, table: pd.DataFrame, lang: str) -> dict:
    """GeoJSON FeatureCollection of the districts with fill colour and tooltip fields.

    districts: GeoDataFrame of geo.districts.load_districts(); table: indicator_table(by=[district])."""
    rows = table[~table["is_total"].astype(bool)].copy() if "is_total" in table else table.copy()
    by_code = {int(r["district"]): r for _, r in rows.iterrows() if not lb.is_missing(r["district"])}
    vmin, vmax = value_range(rows)
    features = []
    gdf = districts.to_crs(4326) if districts.crs is not None else districts
    for _, d in gdf.iterrows():
        code = int(d["district"])
        r = by_code.get(code)
        name = d.get(f"name_{lang}") or cb.code_label("district", code, lang)
        props = {
            "district": code,
            "name": name,
            "estimate": "",
            "interval": "",
            "n": "",
            "status": "",
            "mark": "",
            "difference": "",
            "low": False,
        }
        line, width = PLAIN_LINE_RGB, 2
        if r is None:
            colour = NO_DATA_RGB
        else:
            key = lb.status(r)
            props["status"] = lb.status_label(key, lang)
            if key == lb.STATUS_SUPPRESSED:
                colour = SUPPRESSED_RGB
                props["estimate"] = cb.mark_label("suppressed", lang)
            else:
                colour = ramp_colour(float(r["estimate_pct"]), vmin, vmax)
                props["estimate"] = lb.pct_text(r["estimate_pct"])
                props["interval"] = lb.interval_text(r["ci_low_pct"], r["ci_high_pct"], lang)
                props["n"] = lb.int_text(r["n"])
                diff = difference_of(r)
                if diff:
                    props["difference"] = diff
                    props["mark"] = ("▲" if diff == "higher" else "▼") + cb.mark_label(diff, lang)
                    line, width = SIGNIFICANT_LINE_RGB, SIGNIFICANT_LINE_PX
                if key == lb.STATUS_LOW:
                    props["low"] = True
                    props["mark"] = cb.mark_label("low_reliability", lang)
        props["fill"] = [*colour, 210]
        props["line"] = [*line, 255]
        props["line_width"] = width
        geometry = json.loads(shapely.to_geojson(d.geometry))
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def window_points(orgs: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Consultation windows with a location: name, lat, lon (rows without lat/lon dropped)."""
    if orgs is None or orgs.empty or not {"lat", "lon"} <= set(orgs.columns):
        return pd.DataFrame(columns=["name", "lat", "lon"])
    pts = orgs.dropna(subset=["lat", "lon"]).copy()
    pts["lat"] = pts["lat"].astype(float)
    pts["lon"] = pts["lon"].astype(float)
    keep = [c for c in ("name", "lat", "lon", "phone", "hours") if c in pts.columns]
    return pts[keep].fillna("").reset_index(drop=True)


def view_state(districts) -> pdk.ViewState:
    minx, miny, maxx, maxy = (
        districts.to_crs(4326).total_bounds if districts.crs is not None else districts.total_bounds
    )
    return pdk.ViewState(
        latitude=(miny + maxy) / 2,
        longitude=(minx + maxx) / 2,
        zoom=ZOOM,
        min_zoom=MIN_ZOOM,
        max_zoom=MAX_ZOOM,
        pitch=0,
    )


def key_glyph(number: int) -> str:
    """① … ⑳: the district's key on the map and in the key list."""
    return chr(0x2460 + int(number) - 1)


def key_rows(geojson: dict) -> list[dict]:
    """The key list beside the map, in code order: number, glyph, name, value (the estimate, 秘匿,
    or — without data) and mark (▲高い, ▼低い, 参考値), and the whole line as text."""
    rows = []
    for f in sorted(geojson["features"], key=lambda f: f["properties"]["district"]):
        p = f["properties"]
        glyph = key_glyph(p["district"])
        value = p["estimate"] or "—"
        rows.append(
            {
                "number": p["district"],
                "glyph": glyph,
                "name": p["name"],
                "value": value,
                "mark": p["mark"],
                "text": " ".join(v for v in (glyph, p["name"], value, p["mark"]) if v),
            }
        )
    return rows


def px_per_degree(lat: float, zoom: float) -> tuple[float, float]:
    """Screen pixels per degree of longitude and of latitude near LAT at ZOOM (deck.gl's world is
    512 px wide at zoom 0; Web Mercator stretches latitude by 1/cos(lat))."""
    per_lon = 512 * 2**zoom / 360
    return per_lon, per_lon / math.cos(math.radians(lat))


def marker_positions(
    geometries: Sequence[dict], avoid: Sequence[tuple[float, float]] | np.ndarray = (), zoom: float = MIN_ZOOM
) -> list[list[float]]:
    """Where each district's numbered disc goes: the point inside the district nearest its
    representative point whose disc (KEY_RADIUS_PX) stays clear of the discs placed before it
    and of the windows' dots (AVOID, lon/lat) by KEY_GAP_PX at ZOOM, and so at every closer zoom;
    among those, one whose disc lies inside the district. Small districts are placed first: they
    have the fewest places to go. The same districts and windows give the same places: kept, so a
    page rerun does not search again (about 10 ms of the map page's run)."""
    texts = tuple(json.dumps(g, sort_keys=True) for g in geometries)
    # the windows as the bytes of one array: a tuple of thousands of pairs cost ~30 ms to make
    points = np.asarray(avoid, dtype=float).reshape(-1, 2).tobytes()
    return [list(p) for p in _marker_positions(texts, points, float(zoom))]


@lru_cache(maxsize=16)
def _marker_positions(geometries: tuple[str, ...], avoid: bytes, zoom: float) -> tuple[tuple[float, float], ...]:
    geoms = [shapely.from_geojson(g) for g in geometries]
    lat0 = float(np.mean([g.centroid.y for g in geoms])) if geoms else 0.0
    kx, ky = px_per_degree(lat0, zoom)
    dots = np.frombuffer(avoid, dtype=float).reshape(-1, 2) * [kx, ky]
    placed = np.empty((0, 2))
    out: dict[int, list[float]] = {}
    steps = 40
    clear_dot = KEY_RADIUS_PX + WINDOW_RADIUS_PX + KEY_GAP_PX
    clear_key = 2 * KEY_RADIUS_PX + KEY_GAP_PX
    for i in sorted(range(len(geoms)), key=lambda k: geoms[k].area):
        geom = geoms[i]
        p = geom.representative_point()
        minx, miny, maxx, maxy = geom.bounds
        gx = np.repeat(minx + (maxx - minx) * np.arange(steps + 1) / steps, steps + 1)
        gy = np.tile(miny + (maxy - miny) * np.arange(steps + 1) / steps, steps + 1)
        inside = shapely.contains_xy(geom, gx, gy)
        gx, gy = np.concatenate([[p.x], gx[inside]]), np.concatenate([[p.y], gy[inside]])
        order = np.argsort(np.hypot((gx - p.x) * kx, (gy - p.y) * ky), kind="stable")
        # the disc's inside: the district shrunk by the disc's radius (in pixels at ZOOM)
        core = shapely.affinity.scale(geom, kx, ky, origin=(0, 0)).buffer(-KEY_RADIUS_PX)
        best = None
        for cx, cy in zip(gx[order].tolist(), gy[order].tolist()):
            px, py = cx * kx, cy * ky
            if len(dots) and np.min(np.hypot(dots[:, 0] - px, dots[:, 1] - py)) < clear_dot:
                continue
            if len(placed) and np.min(np.hypot(placed[:, 0] - px, placed[:, 1] - py)) < clear_key:
                continue
            if best is None:
                best = (cx, cy)
            if core.contains(shapely.Point(px, py)):
                best = (cx, cy)
                break
        if best is None:  # nowhere clear (never for the six districts): the representative point
            best = (p.x, p.y)
        placed = np.vstack([placed, [best[0] * kx, best[1] * ky]])
        out[i] = (best[0], best[1])
    return tuple(out[i] for i in range(len(geoms)))


def _iso(geom, lat: float, inverse: bool = False):
    """GEOM with longitude scaled by cos(LAT) (or back): distances the same in both directions."""
    k = math.cos(math.radians(lat))
    return shapely.affinity.scale(geom, xfact=1 / k if inverse else k, yfact=1.0, origin=(0, 0))


def deck_polygons(geojson: dict, zoom: float = ZOOM) -> list[dict]:
    """The districts as filled polygons only (one WebGL program, no stroke): each district shrunk by
    BORDER_GAP_PX (the white gap between neighbours), then a black band inside the edge of a
    significant district and white hatch strips over a 参考値 district, each carrying its district's
    properties (the tooltip)."""
    fills, bands, hatches = [], [], []
    for f in geojson["features"]:
        props = f["properties"]
        geom = shapely.from_geojson(json.dumps(f["geometry"]))
        lat = geom.centroid.y
        unit = 1 / px_per_degree(lat, zoom)[1]  # degrees of latitude per pixel
        iso = _iso(geom, lat).buffer(-BORDER_GAP_PX * unit)
        fills.append(_feature(_iso(iso, lat, inverse=True), props))
        if props["difference"]:
            band = iso.difference(iso.buffer(-SIGNIFICANT_BAND_PX * unit))
            bands.append(_feature(_iso(band, lat, inverse=True), {**props, "fill": [*SIGNIFICANT_LINE_RGB, 255]}))
        if props["low"]:
            strips = [
                _iso(shapely.LineString(path), lat).buffer(HATCH_WIDTH_PX / 2 * unit, cap_style="flat")
                for path in hatch_lines(_iso(iso, lat, inverse=True))
            ]
            if strips:
                hatch = shapely.union_all(strips).intersection(iso)
                hatches.append(_feature(_iso(hatch, lat, inverse=True), {**props, "fill": [*HATCH_RGB, 255]}))
    return fills + bands + hatches  # drawn in this order: the bands and the hatching on top


@lru_cache(maxsize=1)
def _digit_outlines() -> dict:
    return json.loads(DIGITS_PATH.read_text(encoding="utf-8"))


def glyph_outline(text: str):
    """A digit's outline (1–9) as a shapely geometry in em, centred: read from DIGITS_PATH, which
    write_digit_outlines makes from the shipped font (reading the 4.6 MB font took the first map
    of a server 1.4 s)."""
    return shapely.from_geojson(json.dumps(_digit_outlines()[text]))


def write_digit_outlines(path: Path | None = None) -> None:
    """DIGITS_PATH from the shipped bold font (run after changing the font: tests compare)."""
    out = {d: json.loads(shapely.to_geojson(shapely.set_precision(font_outline(d), 1e-4))) for d in "123456789"}
    text = "{\n" + ",\n".join(f'"{d}": {json.dumps(g, separators=(",", ":"))}' for d, g in out.items()) + "\n}\n"
    (path or DIGITS_PATH).write_text(text, encoding="utf-8")


def font_outline(text: str):
    """TEXT's outline in the shipped bold font as a shapely geometry, in em (y up), centred on its
    bounding box (quadratic curves flattened; holes by the even-odd rule)."""
    from fontTools.pens.basePen import BasePen
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_BOLD, lazy=True)
    glyphs, cmap, upm = font.getGlyphSet(), font.getBestCmap(), font["head"].unitsPerEm
    hmtx = font["hmtx"]

    class Flatten(BasePen):
        def __init__(self, glyph_set, dx: float):
            super().__init__(glyph_set)
            self.dx, self.rings, self.ring = dx, [], []

        def _moveTo(self, pt):
            self.ring = [self._at(pt)]

        def _lineTo(self, pt):
            self.ring.append(self._at(pt))

        def _qCurveToOne(self, pt1, pt2):
            (x0, y0), (x1, y1), (x2, y2) = self._getCurrentPoint(), pt1, pt2
            for k in range(1, 7):
                u = k / 6
                a, b, c = (1 - u) ** 2, 2 * u * (1 - u), u**2
                self.ring.append(self._at((a * x0 + b * x1 + c * x2, a * y0 + b * y1 + c * y2)))

        def _curveToOne(self, pt1, pt2, pt3):
            (x0, y0) = self._getCurrentPoint()
            for k in range(1, 9):
                u = k / 8
                a, b, c, d = (1 - u) ** 3, 3 * u * (1 - u) ** 2, 3 * u**2 * (1 - u), u**3
                x = a * x0 + b * pt1[0] + c * pt2[0] + d * pt3[0]
                y = a * y0 + b * pt1[1] + c * pt2[1] + d * pt3[1]
                self.ring.append(self._at((x, y)))

        def _closePath(self):
            if len(self.ring) >= 3:
                self.rings.append(shapely.Polygon(self.ring).buffer(0))
            self.ring = []

        def _at(self, pt):
            return ((pt[0] + self.dx) / upm, pt[1] / upm)

    shape, x = shapely.GeometryCollection(), 0.0
    for ch in text:
        name = cmap[ord(ch)]
        pen = Flatten(glyphs, x)
        glyphs[name].draw(pen)
        for ring in pen.rings:
            shape = shape.symmetric_difference(ring)
        x += hmtx[name][0]
    minx, miny, maxx, maxy = shape.bounds
    return shapely.affinity.translate(shape, -(minx + maxx) / 2, -(miny + maxy) / 2)


def key_features(features: Sequence[dict], positions: Sequence[Sequence[float]], zoom: float = ZOOM) -> list[dict]:
    """Each district's numbered disc as polygons at its position: the white disc, its black edge and
    the digit, KEY_RADIUS_PX and KEY_TEXT_PX at ZOOM, carrying the district's properties (the
    tooltip) and `key` (the number)."""
    out = []
    for f, (lon, lat) in zip(features, positions):
        props = {**f["properties"], "key": str(f["properties"]["district"])}
        unit = 1 / px_per_degree(lat, zoom)[1]  # degrees of latitude per pixel
        centre = _iso(shapely.Point(lon, lat), lat)
        disc = centre.buffer(KEY_RADIUS_PX * unit, quad_segs=12)
        ring = disc.difference(disc.buffer(-KEY_RING_PX * unit, quad_segs=12))
        digit = shapely.affinity.scale(
            glyph_outline(props["key"]), KEY_TEXT_PX * unit, KEY_TEXT_PX * unit, origin=(0, 0)
        )
        digit = shapely.affinity.translate(digit, centre.x, centre.y)
        for geom, rgb in ((disc, (255, 255, 255)), (ring, (0, 0, 0)), (digit, (0, 0, 0))):
            out.append(_feature(_iso(geom, lat, inverse=True), {**props, "fill": [*rgb, 255]}))
    return out


def _feature(geom, props: dict) -> dict:
    geom = shapely.set_precision(geom, 1e-5)  # about 1 m: plenty for the screen, and smaller JSON
    return {"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(geom))}


def district_map(
    districts, table: pd.DataFrame, lang: str, windows: pd.DataFrame | None = None, height: int = 560
) -> Deck:
    """The indicator by district: polygons coloured by the estimate, suppressed grey, windows as dots,
    each district's number in a white disc (its name, figure and mark are in the key list beside
    the map: legend_html).

    No basemap: map_provider=None keeps the map free of tiles, tokens and network requests. Two
    WebGL programs: one layer of filled polygons (districts, their bands and hatching, the discs and
    their digits: deck_polygons, key_features) and the windows' dots. Each program costs the
    browser's software renderer 0.15–0.45 s before the first frame shows (strokes, a TextLayer of
    names with backgrounds and one of digits did: tests/perf/map_timing.py)."""
    geojson = district_features(districts, table, lang)
    tooltip_html = (
        "<b>{name}</b><br/>"
        f"{t('common.estimate', lang)}: {{estimate}}<br/>"
        f"{t('common.interval', lang)}: {{interval}}<br/>"
        f"{t('common.n', lang)}: {{n}}<br/>"
        f"{t('common.status', lang)}: {{status}}"
    )
    pts = window_points(windows, lang) if windows is not None else None
    avoid = pts[["lon", "lat"]].to_numpy(dtype=float) if pts is not None else ()
    features = geojson["features"]
    positions = marker_positions([f["geometry"] for f in features], avoid)
    polygons = deck_polygons(geojson) + key_features(features, positions)
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            data={"type": "FeatureCollection", "features": polygons},
            id="districts",
            stroked=False,
            filled=True,
            pickable=True,
            get_fill_color="properties.fill",
        ),
    ]
    if pts is not None and len(pts):
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                # records made here: pydeck's DataFrame.to_dict took ~40 ms a run for 4,730 windows
                data=[
                    {"name": name, "lat": lat, "lon": lon}
                    for name, lat, lon in zip(pts["name"].tolist(), pts["lat"].tolist(), pts["lon"].tolist())
                ],
                id="windows",
                get_position=["lon", "lat"],
                get_fill_color=[*POINT_RGB, 230],
                get_line_color=[255, 255, 255],
                stroked=True,
                line_width_min_pixels=1,
                radius_min_pixels=WINDOW_RADIUS_PX,
                get_radius=250,
                pickable=True,
            )
        )
    return Deck(
        layers=layers,
        initial_view_state=view_state(districts),
        map_provider=None,
        tooltip={"html": tooltip_html, "style": {"fontFamily": "BIZ UDPGothic, sans-serif"}},
        height=height,
    )


def legend_stops(table: pd.DataFrame, steps: int = 3) -> list[tuple[str, str]]:
    """(value text, CSS colour) pairs for a legend of the ramp over the shown estimates."""
    rows = table[~table["is_total"].astype(bool)] if "is_total" in table else table
    vmin, vmax = value_range(rows)
    out = []
    for v in np.linspace(vmin, vmax, steps):
        r, g, b = ramp_colour(float(v), vmin, vmax)
        out.append((f"{v:.1f}%", f"rgb({r},{g},{b})"))
    return out


def key_list_html(rows: list[dict], lang: str) -> str:
    """The key list beside the pydeck map: each district's number in a disc like the map's, its
    name, figure and mark (an ordered list: a screen reader reads number, name and figure)."""
    disc = (
        "display:inline-flex;flex:none;width:1.55em;height:1.55em;border:2px solid #000;border-radius:50%;"
        "background:#fff;color:#000;justify-content:center;align-items:center;font-weight:bold;"
        "font-size:0.85em;box-sizing:border-box"
    )
    items = "".join(
        "<li style='display:flex;gap:6px;align-items:center;margin:3px 0'>"
        f"<span style='{disc}'>{r['number']}</span>"
        f"<span>{html.escape(r['name'])} <b>{html.escape(r['value'])}</b>"
        + (f" {html.escape(r['mark'])}" if r["mark"] else "")
        + "</span></li>"
        for r in rows
    )
    return (
        f"<div class='tsg-keys'><div><b>{html.escape(cb.dimension_label('district', lang))}</b></div>"
        f"<ol style='list-style:none;margin:2px 0 10px;padding:0'>{items}</ol></div>"
    )


def legend_html(table: pd.DataFrame, lang: str, with_windows: bool, districts=None) -> str:
    """A small HTML legend of exactly what the map draws: with DISTRICTS, the key list first (the
    numbers on the map), then the colour scale from 0, the black outline of 高い/低い, the white
    hatching of 参考値, grey for 秘匿, dots for windows."""
    stops = legend_stops(table)
    gradient = ", ".join(c for _, c in stops)
    ticks = "".join(f"<span>{v}</span>" for v, _ in stops)
    grey = "rgb({},{},{})".format(*SUPPRESSED_RGB)
    mid = stops[len(stops) // 2][1]
    box = "display:inline-block;width:18px;height:14px;vertical-align:middle;margin-right:4px"
    hatch = f"background:repeating-linear-gradient(135deg, #fff 0 2px, {mid} 2px 6px)"
    higher, lower = cb.mark_label("higher", lang), cb.mark_label("lower", lang)
    low = cb.mark_label("low_reliability", lang)
    keys = key_list_html(key_rows(district_features(districts, table, lang)), lang) if districts is not None else ""
    parts = [
        keys,
        f"<div class='tsg-legend'><div><b>{t('common.estimate', lang)}</b> {t('map.scale_from_zero', lang)}</div>",
        f"<div style='height:14px;background:linear-gradient(to right, {gradient});border-radius:2px'></div>",
        f"<div style='display:flex;justify-content:space-between;font-size:0.85em'>{ticks}</div>",
        f"<div style='margin-top:6px'><span style='{box};background:{mid};border:3px solid #000;box-sizing:border-box'>"
        f"</span>{t('map.significant', lang, higher=higher, lower=lower)}</div>",
        f"<div><span style='{box};{hatch}'></span>{t('map.low_hatch', lang, low=low)}</div>",
        f"<div><span style='{box};background:{grey}'></span>{t('map.suppressed_grey', lang)}</div>",
    ]
    if with_windows:
        parts.append(
            "<div><span style='display:inline-block;width:10px;height:10px;border-radius:50%;"
            f"background:#000;vertical-align:middle;margin:0 2px'></span> {t('map.window_point', lang)}</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def deck_layer_ids(deck: pdk.Deck) -> Sequence[str]:
    return [layer.id for layer in deck.layers]


STATIC_DISC_PX = 9.5  # px at the builders' 12 px font: the static map's numbered disc (radius)
STATIC_KEY_FONT = 11  # px at the builders' 12 px: the static key list's type
STATIC_LINE_PX = 15  # px at 12 px: one line of the static key list
STATIC_LINE_EM = 13.0  # a key line longer than this (in em of its type) is broken in two
MAP_VIEW = "tsg_map"  # the static map's view name: its size signals are tsg_map_width, tsg_map_height


def _em(text: str) -> float:
    """A generous estimate of TEXT's width in em (full-width characters 1, others 0.6)."""
    return sum(1.0 if ord(ch) >= 0x2000 else 0.6 for ch in text)


def _wrapped(text: str, max_em: float = STATIC_LINE_EM) -> list[str]:
    """TEXT on one line, or on two broken before its 「=」 when longer than MAX_EM."""
    if _em(text) <= max_em or "=" not in text:
        return [text]
    head, tail = text.split("=", 1)
    return [head.strip(), f"= {tail.strip()}"]


def static_key_lines(geojson: dict, lang: str, windows: bool = False) -> list[str]:
    """The static map's key list, a line each: the districts (① name figure ▲/▼, ※ for 参考値: a
    word such as "low reliability" made an English line too long beside a 4:3 projector's map), a
    blank line, then what the outline, the hatching and ※ mean, and the dots when WINDOWS are drawn."""
    marks = {
        "higher": cb.mark_label("higher", lang),
        "lower": cb.mark_label("lower", lang),
        "low": cb.mark_label("low_reliability", lang),
    }
    lines = []
    for r in key_rows(geojson):
        mark = r["mark"] if r["mark"].startswith(("▲", "▼")) else "※" if r["mark"] else ""
        lines.append(" ".join(v for v in (r["glyph"], r["name"], r["value"], mark) if v))
    low = t("map.static_low", lang, **marks)
    head, sep, tail = low.partition("=")
    low = (
        f"{head.rstrip()}{'・※' if lang == 'ja' else ', ※'}{' ' if head.endswith(' ') else ''}{sep}{tail}"
        if sep
        else low
    )
    dots = _wrapped(t("map.static_windows", lang)) if windows else []
    return [*lines, "", *_wrapped(t("map.static_significant", lang, **marks)), *_wrapped(low), *dots]


def district_map_chart(
    districts, table: pd.DataFrame, lang: str, title: str | None = None, windows: pd.DataFrame | None = None
) -> alt.HConcatChart:
    """The indicator by district as a static Altair map (drawn from district_features, so
    colours and 秘匿 are the map page's) with a legend of the ramp; no tiles, no WebGL.

    Each district carries its number in a white disc (placed by marker_positions, clear of the
    others), and the key list (number, name, figure, mark) stands to the right of the map inside the
    same view: the projection fills the left STATIC_MAP_SHARE of the view's width, the list starts at
    STATIC_KEY_X of it. Positions are shares of the view's width and the lines are spaced by font
    size (dy), so a slide or a handout that resizes the view and scales its fonts
    (presenter.slide.sized_spec) keeps the list clear of the map and its lines apart."""
    geo = district_features(districts, table, lang)
    feats = copy.deepcopy(geo["features"])
    for f in feats:
        # d3-geo (Vega) wants exterior rings clockwise, the reverse of GeoJSON's convention.
        shape = shapely.orient_polygons(shapely.from_geojson(json.dumps(f["geometry"])), exterior_cw=True)
        f["geometry"] = json.loads(shapely.to_geojson(shape))
        r, g, b, _ = f["properties"]["fill"]
        f["properties"]["fill_css"] = f"rgb({r},{g},{b})"
        r, g, b, _ = f["properties"]["line"]
        f["properties"]["line_css"] = f"rgb({r},{g},{b})"
        f["properties"]["line_w"] = 3.5 if f["properties"]["difference"] else 2
    tooltip = [
        alt.Tooltip("properties.name:N", title=cb.dimension_label("district", lang)),
        alt.Tooltip("properties.estimate:N", title=t("common.estimate", lang)),
        alt.Tooltip("properties.interval:N", title=t("common.interval", lang)),
    ]
    shapes = (
        alt.Chart(alt.Data(values=feats))
        .mark_geoshape()
        .encode(
            fill=alt.Fill("properties.fill_css:N", scale=None),
            stroke=alt.Stroke("properties.line_css:N", scale=None),
            strokeWidth=alt.StrokeWidth("properties.line_w:Q", scale=None),
            tooltip=tooltip,
        )
    )
    layers = [shapes]
    hatch_feats = [
        {"type": "Feature", "properties": {}, "geometry": {"type": "MultiLineString", "coordinates": paths}}
        for f in feats
        if f["properties"]["low"] and (paths := hatch_lines(f["geometry"]))
    ]
    if hatch_feats:
        layers.append(
            alt.Chart(alt.Data(values=hatch_feats)).mark_geoshape(filled=False, stroke="white", strokeWidth=1.5)
        )
    pts = window_points(windows, lang) if windows is not None else None
    if pts is not None and len(pts):
        layers.append(
            alt.Chart(pts)
            .mark_circle(size=30, color="black", opacity=0.8)
            .encode(longitude="lon:Q", latitude="lat:Q", tooltip=["name:N"])
        )
    avoid = pts[["lon", "lat"]].to_numpy(dtype=float) if pts is not None else ()
    positions = marker_positions([f["geometry"] for f in geo["features"]], avoid)
    keys_df = pd.DataFrame(
        [
            {"lon": lon, "lat": lat, "key": str(f["properties"]["district"]), "name": f["properties"]["name"]}
            for f, (lon, lat) in zip(geo["features"], positions)
        ]
    )
    lonlat = {"longitude": "lon:Q", "latitude": "lat:Q"}
    layers.append(
        alt.Chart(keys_df)
        .mark_circle(size=round(math.pi * STATIC_DISC_PX**2), color="white", opacity=1, stroke="black", strokeWidth=1.5)
        .encode(**lonlat, tooltip=[alt.Tooltip("name:N", title=cb.dimension_label("district", lang))])
    )
    layers.append(
        alt.Chart(keys_df)
        .mark_text(fontSize=11, fontWeight="bold", baseline="middle", align="center")
        .encode(**lonlat, text="key:N")
    )
    key_x = alt.XValue(alt.ExprRef(f"{MAP_VIEW}_width * {STATIC_KEY_X}"))
    for i, line in enumerate(static_key_lines(geo, lang, windows=pts is not None and len(pts) > 0)):
        if line:
            layers.append(
                alt.Chart(alt.Data(values=[{"line": i}]))
                .mark_text(align="left", baseline="top", fontSize=STATIC_KEY_FONT, dy=(i + 0.5) * STATIC_LINE_PX)
                .encode(x=key_x, y=alt.YValue(0), text=alt.value(line))
            )
    extent = alt.ExprRef(f"[[2, 8], [{MAP_VIEW}_width * {STATIC_MAP_SHARE}, {MAP_VIEW}_height - 2]]")
    the_map = (
        alt.layer(*layers).project(type="mercator", extent=extent).properties(name=MAP_VIEW, width=640, height=360)
    )
    if title:
        the_map = the_map.properties(title=title)
    stops = legend_stops(table, steps=LEGEND_ROWS - 1)
    grey = "rgb({},{},{})".format(*SUPPRESSED_RGB)
    legend_rows = [{"i": i, "text": v, "colour": c} for i, (v, c) in enumerate(reversed(stops))]
    legend_rows.append({"i": len(legend_rows), "text": cb.mark_label("suppressed", lang), "colour": grey})
    legend_df = pd.DataFrame(legend_rows)
    y = alt.Y("i:O", axis=None)
    # swatches at the left edge (by default they sat mid-width and pushed 「suppressed」 past the
    # legend's width, and a slide's or a handout's canvas past its box: cut off, issue 17)
    x = alt.XValue(9)
    swatch = alt.Chart(legend_df).mark_square(size=220).encode(x=x, y=y, color=alt.Color("colour:N", scale=None))
    words = alt.Chart(legend_df).mark_text(align="left", dx=14, fontSize=12).encode(x=x, y=y, text="text:N")
    legend = alt.layer(swatch, words).properties(
        width=110, height=24 * len(legend_rows), title=t("common.estimate", lang)
    )
    return charts.themed(alt.hconcat(the_map, legend, spacing=16))
