"""The project's own schematic map of the six districts, drawn from public facts only.

Inputs are the district centres (offices / centroids) and the published district areas in
shared/reference/tsuruoka.md, plus a coarse outline of the city stated by hand below from general
geography (Sea of Japan coast on the west, Niigata border to the south-west, the Dewa Sanzan and
Asahi mountains to the east and south). No boundary file is used.

Method: a power diagram (weighted Voronoi diagram) of the six centres clipped to the outline, in a
metric CRS. Each weight is tuned until its cell's area matches the published area. The result is a
schematic: it places each district roughly where it is with roughly its size, nothing more.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity
import shapely.ops
from pyproj import Transformer
from shapely.geometry import Point, Polygon
from shapely.geometry.polygon import orient

from data.codebook import code_label
from geo.districts import SCHEMATIC_PATH, write_geojson

METRIC_CRS = "EPSG:6678"  # JGD2011 / Japan Plane Rectangular CS X (Yamagata's zone)
CITY_AREA_KM2 = 1311.51

# (district code, centre lat, centre lon, published area km² from the 2000 boundaries)
CENTRES: tuple[tuple[int, float, float, float], ...] = (
    (1, 38.72722, 139.82667, 235.0),  # 鶴岡: 本所 (city hall)
    (2, 38.76583, 139.90461, 63.0),  # 藤島: 藤島庁舎
    (3, 38.6709, 139.9445, 111.0),  # 羽黒: centroid
    (4, 38.67889, 139.85008, 79.0),  # 櫛引: 櫛引庁舎
    (5, 38.4878, 139.8415, 571.0),  # 朝日: centroid
    (6, 38.62089, 139.58697, 256.0),  # 温海: 温海庁舎
)

# Coarse outline of the city (lat, lon), clockwise from the northern end of the coast, stated from
# general geography, then scaled so that its area is the city's published area.
OUTLINE_LATLON: tuple[tuple[float, float], ...] = (
    (38.830, 139.785),  # coast at the Sakata border, north of Yunohama
    (38.810, 139.860),  # northern edge, south of Mikawa town
    (38.815, 139.920),  # northern tip of Fujishima
    (38.775, 139.960),  # north-east, towards Shonai town
    (38.700, 139.985),  # east of Mt Haguro
    (38.600, 140.000),  # towards Gassan
    (38.525, 139.965),  # Yudonosan
    (38.450, 139.905),  # eastern edge of Asahi
    (38.390, 139.850),  # southern edge in the Asahi mountains
    (38.385, 139.775),  # Niigata border
    (38.410, 139.680),  # Niigata border
    (38.470, 139.600),  # Niigata border
    (38.545, 139.545),  # Nezugaseki, where the coast meets Niigata
    (38.620, 139.570),  # Atsumi onsen coast
    (38.670, 139.610),  # coast near Sanze
    (38.725, 139.665),  # Yura
    (38.785, 139.715),  # Kamo / Yunohama
)

SOURCE_TEXT = (
    "概略図（境界ではありません）: 各地域の中心（庁舎・重心）と公表面積（2000年境界, km²）から"
    "本プロジェクトが加重ボロノイ図で描いたもの。 / Schematic, not a boundary: drawn by the project "
    "as a weighted Voronoi (power) diagram from the district centres (offices / centroids) and the "
    "published district areas (2000 boundaries, km²)."
)

AREA_TOLERANCE = 0.005  # relative area error at which the weight tuning stops
MAX_ITERATIONS = 500


def _to_metric() -> Transformer:
    return Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def outline_metric() -> Polygon:
    """The hand-stated outline in metres, scaled about its centroid to the city's published area."""
    xs, ys = _to_metric().transform([lon for _, lon in OUTLINE_LATLON], [lat for lat, _ in OUTLINE_LATLON])
    poly = Polygon(zip(xs, ys))
    scale = float(np.sqrt(CITY_AREA_KM2 * 1e6 / poly.area))
    return shapely.affinity.scale(poly, xfact=scale, yfact=scale, origin="centroid")


def centres_metric() -> np.ndarray:
    xs, ys = _to_metric().transform([c[2] for c in CENTRES], [c[1] for c in CENTRES])
    return np.column_stack([xs, ys])


def target_areas_m2() -> np.ndarray:
    """Published areas scaled to add up to the city's area (the rounded figures sum to 1,315)."""
    published = np.array([c[3] for c in CENTRES])
    return published / published.sum() * CITY_AREA_KM2 * 1e6


def power_cells(outline: Polygon, sites: np.ndarray, weights: np.ndarray) -> list:
    """Cells {x : |x-p_i|² - w_i <= |x-p_j|² - w_j for every j}, each clipped to the outline."""
    reach = 10 * max(outline.bounds[2] - outline.bounds[0], outline.bounds[3] - outline.bounds[1])
    cells = []
    for i, p in enumerate(sites):
        cell = outline
        for j, q in enumerate(sites):
            if j != i:
                cell = cell.intersection(_half_plane(p, q, weights[i], weights[j], reach))
        cells.append(cell)
    return cells


def _half_plane(p: np.ndarray, q: np.ndarray, wp: float, wq: float, reach: float) -> Polygon:
    """The side of the power bisector of p and q that is p's: 2x·(q-p) <= |q|²-|p|² - wq + wp,
    as a square of side 2·reach with one edge on the bisector."""
    normal = q - p
    unit_n = normal / np.hypot(*normal)
    unit_d = np.array([-unit_n[1], unit_n[0]])
    offset = (q @ q - p @ p - wq + wp) / (2.0 * np.hypot(*normal))
    centre = (p + q) / 2.0
    foot = centre + unit_n * (offset - centre @ unit_n)  # the point of the bisector nearest the middle
    a, b = foot + unit_d * reach, foot - unit_d * reach
    return Polygon([a, b, b - unit_n * 2 * reach, a - unit_n * 2 * reach])


def tune_weights(outline: Polygon, sites: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, list]:
    """Adjust the weights until every cell's area is within AREA_TOLERANCE of its target.

    Raising w_i by Δ moves the bisector with neighbour j out by Δ/(2·d_ij), so the cell grows by
    about Δ·perimeter/(2·d); a half step of that estimate converges without oscillating.
    """
    weights = np.zeros(len(sites))
    error = np.full(len(sites), np.inf)
    for _ in range(MAX_ITERATIONS):
        cells = power_cells(outline, sites, weights)
        areas = np.array([c.area for c in cells])
        error = (areas - targets) / targets
        if np.max(np.abs(error)) <= AREA_TOLERANCE:
            return weights, cells
        for i, cell in enumerate(cells):
            d = np.median([np.hypot(*(sites[j] - sites[i])) for j in range(len(sites)) if j != i])
            weights[i] += d * (targets[i] - areas[i]) / max(cell.length, 1.0)
        weights -= weights.mean()  # only differences matter
    raise RuntimeError(f"schematic weights did not converge; relative area errors {np.round(error, 3)}")


def build_cells() -> list[tuple[int, float, Polygon]]:
    """(district code, published area km², cell in METRIC_CRS) for the six districts."""
    outline = outline_metric()
    sites = centres_metric()
    _, cells = tune_weights(outline, sites, target_areas_m2())
    out = []
    for (code, _, _, area), cell, site in zip(CENTRES, cells, sites):
        if cell.geom_type != "Polygon":
            raise RuntimeError(f"schematic cell of district {code} is a {cell.geom_type}, not one polygon")
        if not cell.contains(Point(site)):
            raise RuntimeError(f"schematic cell of district {code} does not contain its centre")
        out.append((code, area, orient(cell)))
    return out


def schematic_frame() -> gpd.GeoDataFrame:
    """The schematic districts in WGS84 with the properties of the committed file."""
    to_wgs84 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    rows = []
    for code, area, cell in build_cells():
        rows.append(
            {
                "district": code,
                "name_ja": code_label("district", code, "ja"),
                "name_en": code_label("district", code, "en"),
                "area_km2": area,
                "approximate": True,
                "source": SOURCE_TEXT,
                "geometry": shapely.ops.transform(to_wgs84.transform, cell),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def write_schematic(path: Path = SCHEMATIC_PATH) -> Path:
    write_geojson(schematic_frame(), path)
    return path
