"""The district polygons the map draws: an imported boundary file if there is one, else the schematic.

Both files are GeoJSON in WGS84 written by write_geojson (one feature per district, sorted by code).
Labels always come from the codebook, whatever the file says.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from data.codebook import code_label, codes

GEO_DIR = Path(__file__).resolve().parent
SCHEMATIC_PATH = GEO_DIR / "schematic_districts.geojson"
IMPORTED_PATH = GEO_DIR / "imported" / "districts.geojson"  # git-ignored; written by `python -m geo import`

COLUMNS = ["district", "name_ja", "name_en", "approximate", "source", "geometry"]
COORD_DIGITS = 5  # 1e-5 degree is about 1 m: plenty for a district map, and small files
PROPERTY_ORDER = ["district", "name_ja", "name_en", "area_km2", "approximate", "source"]


class DistrictsFileError(ValueError):
    """A district file that cannot be used; the message is Japanese then English."""


def active_path() -> Path:
    """The file load_districts reads: the imported one if present, else the schematic."""
    return IMPORTED_PATH if IMPORTED_PATH.is_file() else SCHEMATIC_PATH


def load_districts(path: Path | str | None = None) -> gpd.GeoDataFrame:
    """District polygons in EPSG:4326: columns district (1–6), name_ja, name_en, approximate, source,
    area_km2, geometry; one row per district in code order."""
    path = Path(path) if path is not None else active_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DistrictsFileError(f"地域の境界ファイルがありません: {path} / District file not found: {path}") from None
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size).copy()


def districts_geojson_dict(path: Path | str | None = None) -> dict[str, Any]:
    """The same districts as a plain GeoJSON dict (e.g. for pydeck.Layer("GeoJsonLayer", data=...))."""
    path = Path(path) if path is not None else active_path()
    load_districts(path)  # the clear error for a missing or bad file
    stat = path.stat()
    return copy.deepcopy(_geojson_dict_cached(str(path), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8)
def _geojson_dict_cached(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    return json.loads(_load_cached(path, mtime_ns, size).to_json(drop_id=True))


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> gpd.GeoDataFrame:
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise DistrictsFileError(
            f"地域の境界ファイルを読み込めません: {path} / Cannot read district file {path}: {exc}"
        ) from exc
    return _checked(frame, path)


def _checked(frame: gpd.GeoDataFrame, path: str) -> gpd.GeoDataFrame:
    expected = codes("district")
    if "district" not in frame.columns:
        raise DistrictsFileError(
            f"地域の境界ファイルに district 列がありません: {path} / District file has no 'district' column: {path}"
        )
    found = sorted(int(c) for c in frame["district"])
    if found != sorted(expected):
        raise DistrictsFileError(
            f"地域の境界ファイルの地域コードが 1〜6 の各1件ではありません（{found}）: {path} / "
            f"District file must hold each district code {expected} once, found {found}: {path}"
        )
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise DistrictsFileError(
            f"地域の境界ファイルが WGS84 ではありません: {path} / District file is not in WGS84 (EPSG:4326): {path}"
        )
    frame = frame.assign(district=frame["district"].astype(int)).sort_values("district").reset_index(drop=True)
    frame["name_ja"] = [code_label("district", c, "ja") for c in frame["district"]]
    frame["name_en"] = [code_label("district", c, "en") for c in frame["district"]]
    frame["approximate"] = frame["approximate"].astype(bool) if "approximate" in frame else False
    frame["source"] = frame["source"].astype(str) if "source" in frame else str(path)
    extra = [c for c in ("area_km2",) if c in frame.columns]
    return frame[COLUMNS[:-1] + extra + ["geometry"]]


# ---- writing ----------------------------------------------------------------------------


def rounded(geometries: gpd.GeoSeries) -> gpd.GeoSeries:
    """Geometries snapped to the output grid (valid after snapping), exteriors counter-clockwise."""
    snapped = shapely.set_precision(geometries.values, 10.0**-COORD_DIGITS)
    return gpd.GeoSeries(shapely.orient_polygons(snapped), index=geometries.index, crs=geometries.crs)


def geojson_text(frame: gpd.GeoDataFrame) -> str:
    """Deterministic GeoJSON text: features in code order, fixed property order, one feature a line."""
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise ValueError("write_geojson needs a frame in EPSG:4326")
    frame = frame.sort_values("district")
    lines = []
    for row, geom in zip(frame.itertuples(index=False), rounded(frame.geometry)):
        props = {k: _plain(getattr(row, k)) for k in PROPERTY_ORDER if k in frame.columns}
        feature = {"type": "Feature", "properties": props, "geometry": _rounded_mapping(geom)}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_geojson(frame: gpd.GeoDataFrame, path: Path | str) -> None:
    """Write atomically: a temporary file beside the target, then a rename."""
    write_text_atomic(Path(path), geojson_text(frame))


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the file is an ordinary project file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        return round(value, 1)
    return value


def _rounded_mapping(geom) -> dict[str, Any]:
    mapping = shapely.geometry.mapping(geom)
    return {"type": mapping["type"], "coordinates": _round_coords(mapping["coordinates"])}


def _round_coords(coords):
    if isinstance(coords[0], (int, float)):
        return [round(float(c), COORD_DIGITS) for c in coords]
    return [_round_coords(c) for c in coords]
