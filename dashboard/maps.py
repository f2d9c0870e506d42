"""Map builders: the indicator by district as a pydeck map with no basemap (works offline), and as
a static Altair map for slides and handouts (district_map_chart).

No tiles, no token, no map provider: only the district polygons and the consultation windows.
Plain functions, no Streamlit, so handouts can reuse them.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
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
LABEL_SIZE = 15  # px, text of the district labels
WINDOW_RADIUS_PX = 4  # px, the consultation windows' dots (radius_min_pixels)
LEGEND_ROWS = 6  # the static map's legend: five stops of the ramp and the grey of 秘匿
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
    return pdk.ViewState(latitude=(miny + maxy) / 2, longitude=(minx + maxx) / 2, zoom=ZOOM, pitch=0)


def district_map(
    districts, table: pd.DataFrame, lang: str, windows: pd.DataFrame | None = None, height: int = 560
) -> Deck:
    """The indicator by district: polygons coloured by the estimate, suppressed grey, windows as dots.

    No basemap: map_provider=None keeps the map free of tiles, tokens and network requests."""
    geojson = district_features(districts, table, lang)
    tooltip_html = (
        "<b>{name}</b><br/>"
        f"{t('common.estimate', lang)}: {{estimate}}<br/>"
        f"{t('common.interval', lang)}: {{interval}}<br/>"
        f"{t('common.n', lang)}: {{n}}<br/>"
        f"{t('common.status', lang)}: {{status}}"
    )
    pts = window_points(windows, lang) if windows is not None else None
    avoid = list(zip(pts["lon"], pts["lat"])) if pts is not None else []
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            data=geojson,
            id="districts",
            stroked=True,
            filled=True,
            pickable=True,
            get_fill_color="properties.fill",
            get_line_color="properties.line",
            get_line_width="properties.line_width",
            line_width_units='"pixels"',
            line_width_min_pixels=2,
        ),
    ]
    hatches = [
        {"path": path} for f in geojson["features"] if f["properties"]["low"] for path in hatch_lines(f["geometry"])
    ]
    if hatches:
        layers.append(
            pdk.Layer(
                "PathLayer",
                data=hatches,
                id="low-reliability-hatch",
                get_path="path",
                get_color=[*HATCH_RGB, 255],
                width_units='"pixels"',
                get_width=2,
            )
        )
    if pts is not None and len(pts):
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=pts,
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
    # Labels last, so that at other zooms a dot slides under a label and not over its text.
    features = geojson["features"]
    texts = [_label_text(f["properties"]) for f in features]
    positions = label_positions([f["geometry"] for f in features], texts, avoid)
    layers.append(
        pdk.Layer(
            "TextLayer",
            data=[
                {"name": f["properties"]["name"], "text": text, "position": pos}
                for f, text, pos in zip(features, texts, positions)
            ],
            id="district-labels",
            get_position="position",
            get_text="text",
            get_size=LABEL_SIZE,
            get_color=[0, 0, 0, 255],
            background=True,
            get_background_color=[255, 255, 255, 210],
            # pydeck reads bare strings as JS expressions: literals need their own quotes.
            character_set='"auto"',
            font_family='"BIZ UDPGothic, sans-serif"',
        )
    )
    return Deck(
        layers=layers,
        initial_view_state=view_state(districts),
        map_provider=None,
        tooltip={"html": tooltip_html, "style": {"fontFamily": "BIZ UDPGothic, sans-serif"}},
        height=height,
    )


def _label_text(props: dict) -> str:
    mark = f" {props['mark']}" if props.get("mark") else ""
    return f"{props['name']} {props['estimate']}{mark}".strip()


def _label_position(geometry: dict) -> list[float]:
    geom = shapely.from_geojson(json.dumps(geometry))
    p = geom.representative_point()
    return [p.x, p.y]


def label_positions(
    geometries: Sequence[dict], texts: Sequence[str], avoid: Sequence[tuple[float, float]] = (), zoom: float = ZOOM
) -> list[list[float]]:
    """Where each district's label goes at ZOOM: clear of the windows' dots (they often sit at a
    district's office, right at its centre) and of the labels placed before it; the point inside
    the district nearest its representative point, preferring one where the label stays (almost)
    within the district, else where the most of it does. Small districts are placed first: they
    have the fewest places to go."""
    geoms = [shapely.from_geojson(json.dumps(g)) for g in geometries]
    dots = np.asarray(list(avoid), dtype=float).reshape(-1, 2)
    placed: list = []
    out: dict[int, list[float]] = {}
    steps = 30
    for i in sorted(range(len(geoms)), key=lambda k: geoms[k].area):
        geom, text = geoms[i], texts[i]
        p = geom.representative_point()
        half_w, half_h = label_half_size(text, p.y, zoom, margin_px=WINDOW_RADIUS_PX + 3)
        minx, miny, maxx, maxy = geom.bounds
        # The grid points inside the district, nearest first (a stable sort, as sorted() was).
        gx = np.repeat(minx + (maxx - minx) * np.arange(steps + 1) / steps, steps + 1)
        gy = np.tile(miny + (maxy - miny) * np.arange(steps + 1) / steps, steps + 1)
        inside = shapely.contains_xy(geom, gx, gy)
        gx, gy = gx[inside], gy[inside]
        order = np.argsort(np.sqrt((gx - p.x) ** 2 + (gy - p.y) ** 2), kind="stable")
        best, best_share = (p.x, p.y), -1.0
        for cx, cy in [(p.x, p.y), *zip(gx[order].tolist(), gy[order].tolist())]:
            if np.any((np.abs(dots[:, 0] - cx) < half_w) & (np.abs(dots[:, 1] - cy) < half_h)):
                continue
            box = label_box(cx, cy, text, zoom)
            if any(box.intersects(other) for other in placed):
                continue
            share = box.intersection(geom).area / box.area
            if share > best_share + 1e-9:
                best, best_share = (cx, cy), share
            if share >= 0.9:
                break
        placed.append(label_box(best[0], best[1], text, zoom, margin_px=2))
        out[i] = [best[0], best[1]]
    return [out[i] for i in range(len(geoms))]


def label_half_size(text: str, lat: float, zoom: float = ZOOM, margin_px: float = 0.0) -> tuple[float, float]:
    """Half the width and height, in degrees of lon and lat, of a label of TEXT at ZOOM."""
    # deck.gl's world is 512 px wide at zoom 0; Web Mercator stretches latitude by 1/cos(lat).
    px_per_lon = 512 * 2**zoom / 360
    px_per_lat = px_per_lon / math.cos(math.radians(lat))
    width = sum(LABEL_SIZE if ord(ch) > 0x2E80 else 0.62 * LABEL_SIZE for ch in text) + 4 + 2 * margin_px
    height = 1.3 * LABEL_SIZE + 2 * margin_px
    return width / 2 / px_per_lon, height / 2 / px_per_lat


def label_box(x: float, y: float, text: str, zoom: float = ZOOM, margin_px: float = 0.0):
    """The box (lon/lat) a label of TEXT centred at (x, y) covers at ZOOM, grown by MARGIN_PX."""
    dx, dy = label_half_size(text, y, zoom, margin_px)
    return shapely.box(x - dx, y - dy, x + dx, y + dy)


def legend_stops(table: pd.DataFrame, steps: int = 3) -> list[tuple[str, str]]:
    """(value text, CSS colour) pairs for a legend of the ramp over the shown estimates."""
    rows = table[~table["is_total"].astype(bool)] if "is_total" in table else table
    vmin, vmax = value_range(rows)
    out = []
    for v in np.linspace(vmin, vmax, steps):
        r, g, b = ramp_colour(float(v), vmin, vmax)
        out.append((f"{v:.1f}%", f"rgb({r},{g},{b})"))
    return out


def legend_html(table: pd.DataFrame, lang: str, with_windows: bool) -> str:
    """A small HTML legend of exactly what the map draws: the colour scale from 0, the black
    outline of 高い/低い, the white hatching of 参考値, grey for 秘匿, dots for windows."""
    stops = legend_stops(table)
    gradient = ", ".join(c for _, c in stops)
    ticks = "".join(f"<span>{v}</span>" for v, _ in stops)
    grey = "rgb({},{},{})".format(*SUPPRESSED_RGB)
    mid = stops[len(stops) // 2][1]
    box = "display:inline-block;width:18px;height:14px;vertical-align:middle;margin-right:4px"
    hatch = f"background:repeating-linear-gradient(135deg, #fff 0 2px, {mid} 2px 6px)"
    higher, lower = cb.mark_label("higher", lang), cb.mark_label("lower", lang)
    low = cb.mark_label("low_reliability", lang)
    parts = [
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


def district_map_chart(
    districts, table: pd.DataFrame, lang: str, title: str | None = None, windows: pd.DataFrame | None = None
) -> alt.HConcatChart:
    """The indicator by district as a static Altair map (drawn from district_features, so
    colours and 秘匿 are the map page's) with a legend of the ramp; no tiles, no WebGL."""
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
    shapes = (
        alt.Chart(alt.Data(values=feats))
        .mark_geoshape()
        .encode(
            fill=alt.Fill("properties.fill_css:N", scale=None),
            stroke=alt.Stroke("properties.line_css:N", scale=None),
            strokeWidth=alt.StrokeWidth("properties.line_w:Q", scale=None),
            tooltip=[
                alt.Tooltip("properties.name:N", title=cb.dimension_label("district", lang)),
                alt.Tooltip("properties.estimate:N", title=t("common.estimate", lang)),
                alt.Tooltip("properties.interval:N", title=t("common.interval", lang)),
            ],
        )
    )
    label_rows = []
    for f in feats:
        lon, lat = _label_position(f["geometry"])
        label_rows.append(
            {
                "lon": lon,
                "lat": lat,
                "name": f["properties"]["name"],
                "value": " ".join(v for v in (f["properties"]["estimate"] or "—", f["properties"]["mark"]) if v),
            }
        )
    labels_df = pd.DataFrame(label_rows)
    names = (
        alt.Chart(labels_df)
        .mark_text(fontSize=13, fontWeight="bold", dy=-9, stroke="white", strokeWidth=3)
        .encode(longitude="lon:Q", latitude="lat:Q", text="name:N")
    )
    names_fill = (
        alt.Chart(labels_df)
        .mark_text(fontSize=13, fontWeight="bold", dy=-9)
        .encode(longitude="lon:Q", latitude="lat:Q", text="name:N")
    )
    values = (
        alt.Chart(labels_df)
        .mark_text(fontSize=12, dy=9, stroke="white", strokeWidth=3)
        .encode(longitude="lon:Q", latitude="lat:Q", text="value:N")
    )
    values_fill = (
        alt.Chart(labels_df).mark_text(fontSize=12, dy=9).encode(longitude="lon:Q", latitude="lat:Q", text="value:N")
    )
    hatch_feats = [
        {"type": "Feature", "properties": {}, "geometry": {"type": "MultiLineString", "coordinates": paths}}
        for f in feats
        if f["properties"]["low"] and (paths := hatch_lines(f["geometry"]))
    ]
    layers = [shapes, names, names_fill, values, values_fill]
    if hatch_feats:
        hatch = alt.Chart(alt.Data(values=hatch_feats)).mark_geoshape(filled=False, stroke="white", strokeWidth=1.5)
        layers.insert(1, hatch)
    pts = window_points(windows, lang) if windows is not None else None
    if pts is not None and len(pts):
        layers.insert(
            1,
            alt.Chart(pts)
            .mark_circle(size=30, color="black", opacity=0.8)
            .encode(longitude="lon:Q", latitude="lat:Q", tooltip=["name:N"]),
        )
    the_map = alt.layer(*layers).project(type="mercator").properties(width=420, height=360)
    if title:
        the_map = the_map.properties(title=title)
    stops = legend_stops(table, steps=LEGEND_ROWS - 1)
    grey = "rgb({},{},{})".format(*SUPPRESSED_RGB)
    legend_rows = [{"i": i, "text": v, "colour": c} for i, (v, c) in enumerate(reversed(stops))]
    legend_rows.append({"i": len(legend_rows), "text": cb.mark_label("suppressed", lang), "colour": grey})
    # what else the map draws, in words (a swatch cannot show an outline or hatching here)
    for key in ("map.static_significant", "map.static_low"):
        legend_rows.append(
            {
                "i": len(legend_rows),
                "text": t(
                    key,
                    lang,
                    higher=cb.mark_label("higher", lang),
                    lower=cb.mark_label("lower", lang),
                    low=cb.mark_label("low_reliability", lang),
                ),
                "colour": "transparent",
            }
        )
    legend_df = pd.DataFrame(legend_rows)
    y = alt.Y("i:O", axis=None)
    swatch = alt.Chart(legend_df).mark_square(size=220).encode(y=y, color=alt.Color("colour:N", scale=None))
    words = alt.Chart(legend_df).mark_text(align="left", dx=14, fontSize=12).encode(y=y, text="text:N")
    legend = alt.layer(swatch, words).properties(
        width=110, height=24 * len(legend_rows), title=t("common.estimate", lang)
    )
    return charts.themed(alt.hconcat(the_map, legend, spacing=16))
