"""Import a user's boundary file of the six districts (GeoJSON, Shapefile, GeoPackage, any CRS).

Steps: read → check CRS and name field → match names to district codes → repair and dissolve by
district → simplify for the web in metres (shared edges kept shared) → WGS84 → atomic write.
Nothing is written unless every step succeeds.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from data.codebook import code_label, codes
from geo.districts import IMPORTED_PATH, rounded, write_geojson

DEFAULT_TOLERANCE_M = 100.0

_JA_PREFIX = re.compile(r"^(山形県|旧)|^[^\s]{1,4}郡")
_JA_SUFFIX = re.compile(r"(地域|地区|区域|市|町|村)$")
_EN_WORDS = re.compile(r"\b(district|area|region|city|town|village|former|old|yamagata|prefecture)\b")
_EN_GUN = re.compile(r"^[a-z]+[-\s]gun\b")
_EN_SUFFIX = re.compile(r"[-\s](shi|machi|cho|mura|son)$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


class GeoImportError(ValueError):
    """A boundary file that cannot be imported; the message is Japanese then English."""


def normalise_name(name: object) -> str:
    """A district name reduced for matching: width, case, spaces, 郡/県 prefixes, 市町村/地域 suffixes."""
    text = unicodedata.normalize("NFKC", str(name)).strip()
    if _CJK.search(text):
        text = re.sub(r"\s+", "", text)
        text = _JA_PREFIX.sub("", text) or text
        while (shorter := _JA_SUFFIX.sub("", text)) and shorter != text:
            text = shorter
        return text
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    text = _EN_GUN.sub("", text.strip()).strip(" ,")
    text = _EN_WORDS.sub(" ", text).strip()
    text = _EN_SUFFIX.sub("", text)
    return re.sub(r"[^a-z]", "", text)


def name_lookup() -> dict[str, int]:
    """Normalised Japanese and English codebook labels → district code."""
    lookup: dict[str, int] = {}
    for code in codes("district"):
        for lang in ("ja", "en"):
            lookup[normalise_name(code_label("district", code, lang))] = code
    return lookup


def match_names(names: pd.Series) -> pd.Series:
    """District code for each name; GeoImportError listing unmatched names and missing districts."""
    lookup = name_lookup()
    matched = pd.Series(
        [None if _blank(n) else lookup.get(normalise_name(n)) for n in names], index=names.index, dtype="Int64"
    )
    unmatched = sorted({("(空欄 / blank)" if _blank(n) else str(n)) for n, c in zip(names, matched) if pd.isna(c)})
    missing = [c for c in codes("district") if c not in set(matched.dropna())]
    if unmatched or missing:
        parts_ja, parts_en = [], []
        if unmatched:
            parts_ja.append("地域名と一致しない名前: " + "、".join(unmatched))
            parts_en.append("names matching no district: " + ", ".join(unmatched))
        if missing:
            parts_ja.append("見つからない地域: " + "、".join(_label(c, "ja") for c in missing))
            parts_en.append("districts not found: " + ", ".join(_label(c, "en") for c in missing))
        known_ja = "、".join(_label(c, "ja") for c in codes("district"))
        known_en = ", ".join(code_label("district", c, "en") for c in codes("district"))
        raise GeoImportError(
            "地域名を対応づけられません。"
            + " / ".join(parts_ja)
            + f"。使える地域名: {known_ja}。何も書き込んでいません。\n"
            "Cannot match district names: "
            + "; ".join(parts_en)
            + f". Known districts: {known_en}. Nothing was written."
        )
    return matched.astype(int)


def import_districts(
    src: Path | str,
    name_field: str,
    out: Path | str | None = None,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    source: str | None = None,
) -> gpd.GeoDataFrame:
    """Import src into out (default geo/imported/districts.geojson) and return what was written."""
    src = Path(src)
    out = Path(out) if out is not None else IMPORTED_PATH
    frame = read_boundaries(src, name_field)
    frame = frame.assign(district=match_names(frame[name_field]))
    metric_crs = frame.to_crs("EPSG:4326").estimate_utm_crs()
    dissolved = dissolve_by_district(frame.to_crs(metric_crs))
    simplified = simplify_for_web(dissolved.geometry, tolerance_m)
    result = gpd.GeoDataFrame(
        {
            "district": dissolved["district"].to_numpy(),
            "name_ja": [code_label("district", c, "ja") for c in dissolved["district"]],
            "name_en": [code_label("district", c, "en") for c in dissolved["district"]],
            "area_km2": (dissolved.geometry.area / 1e6).round(1).to_numpy(),
            "approximate": False,
            "source": source or f"取り込んだ境界ファイル / Imported boundary file: {src.name} ({name_field})",
        },
        geometry=simplified.to_crs("EPSG:4326").to_numpy(),
        crs="EPSG:4326",
    )
    invalid = [int(c) for c, g in zip(result["district"], rounded(result.geometry)) if not g.is_valid or g.is_empty]
    if invalid:
        raise GeoImportError(
            f"簡略化後の形が不正です（地域コード {invalid}）。--tolerance を小さくしてください。"
            "何も書き込んでいません。\n"
            f"Simplified shapes are invalid (district codes {invalid}); try a smaller --tolerance. Nothing was written."
        )
    write_geojson(result, out)
    return result


def read_boundaries(src: Path, name_field: str) -> gpd.GeoDataFrame:
    if not src.exists():
        raise GeoImportError(f"ファイルがありません: {src}\nFile not found: {src}")
    try:
        frame = gpd.read_file(src)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise GeoImportError(
            f"境界ファイルを読み込めません: {src}（{exc}）\nCannot read boundary file {src}: {exc}"
        ) from exc
    if frame.empty:
        raise GeoImportError(f"境界ファイルに地物がありません: {src}\nBoundary file has no features: {src}")
    if frame.crs is None:
        raise GeoImportError(
            f"境界ファイルに座標参照系（CRS）がありません: {src}。Shapefile なら .prj を添えてください。\n"
            f"Boundary file has no coordinate reference system (CRS): {src}. For a Shapefile, include its .prj file."
        )
    if name_field not in frame.columns or name_field == frame.geometry.name:
        fields = ", ".join(c for c in frame.columns if c != frame.geometry.name)
        raise GeoImportError(
            f"名前の列 {name_field!r} がありません。ある列: {fields}\n"
            f"Name field {name_field!r} not found. Fields: {fields}"
        )
    geoms = frame.geometry
    bad = [
        str(n)
        for n, g in zip(frame[name_field], geoms)
        if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon")
    ]
    if bad:
        raise GeoImportError(
            f"面（ポリゴン）でない、または空の地物があります: {', '.join(bad)}\n"
            f"Features without a polygon geometry: {', '.join(bad)}"
        )
    return frame


def dissolve_by_district(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (multi)polygon per district; invalid input rings are repaired first."""
    repaired = frame.assign(geometry=shapely.make_valid(frame.geometry.values))
    repaired = repaired.assign(geometry=repaired.geometry.map(_polygonal))
    rows = [
        {"district": int(code), "geometry": shapely.union_all(group.geometry.values)}
        for code, group in repaired.groupby("district", sort=True)
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=frame.crs)


def simplify_for_web(geoms: gpd.GeoSeries, tolerance_m: float) -> gpd.GeoSeries:
    """Simplify in metres. A clean coverage is simplified as one, so neighbours keep a shared edge;
    otherwise each shape on its own, topology preserved."""
    if tolerance_m <= 0:
        return geoms
    if bool(shapely.coverage_is_valid(geoms.values)):
        return geoms.simplify_coverage(tolerance_m)
    return geoms.simplify(tolerance_m, preserve_topology=True)


def _polygonal(geom):
    """make_valid can return a collection with stray lines or points; keep the areas."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def _blank(name: object) -> bool:
    return name is None or (isinstance(name, float) and pd.isna(name)) or not str(name).strip()


def _label(code: int, lang: str) -> str:
    return code_label("district", code, lang)
