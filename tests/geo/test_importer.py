import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from data.codebook import code_label
from geo.importer import GeoImportError, import_districts, normalise_name

CODE_OF_CHIIKI = {"鶴岡": 1, "藤島": 2, "羽黒": 3, "櫛引": 4, "朝日": 5, "温海": 6}


def _vertices(frame: gpd.GeoDataFrame) -> int:
    return int(shapely.get_num_coordinates(frame.geometry.values).sum())


def _areas_by_code(frame: gpd.GeoDataFrame, geodesic_km2) -> dict[int, float]:
    return {int(r.district): geodesic_km2(r.geometry) for r in frame.itertuples()}


@pytest.fixture
def real_areas(real_frame, geodesic_km2) -> dict[int, float]:
    return {CODE_OF_CHIIKI[r.chiiki]: geodesic_km2(r.geometry) for r in real_frame.itertuples()}


@pytest.mark.shared
def test_imports_the_real_file(tmp_path, real_file, real_frame, real_areas, geodesic_km2, repo):
    out = tmp_path / "nested" / "districts.geojson"
    run = subprocess.run(
        [sys.executable, "-m", "geo", "import", str(real_file), "--name-field", "chiiki", "--out", str(out)],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    got = gpd.read_file(out)
    assert got.crs.to_epsg() == 4326
    assert sorted(got["district"]) == [1, 2, 3, 4, 5, 6]
    for row in got.itertuples():
        assert row.name_ja == code_label("district", row.district, "ja")
        assert row.name_en == code_label("district", row.district, "en")
        assert not row.approximate
        assert row.geometry.is_valid
    # simplified: fewer vertices, a smaller file, areas kept
    assert _vertices(got) < _vertices(real_frame)
    assert out.stat().st_size < real_file.stat().st_size
    for code, area in _areas_by_code(got, geodesic_km2).items():
        assert area == pytest.approx(real_areas[code], rel=0.01)
    # and each district sits where the source's does
    for row in got.itertuples():
        src = real_frame.loc[real_frame["chiiki"] == code_label("district", row.district, "ja"), "geometry"].iloc[0]
        assert src.contains(row.geometry.representative_point())


@pytest.mark.parametrize("driver,suffix", [("GPKG", ".gpkg"), ("ESRI Shapefile", ".shp")])
@pytest.mark.shared
def test_imports_another_crs_as_geopackage_and_shapefile(
    tmp_path, real_frame, real_areas, geodesic_km2, driver, suffix
):
    src = tmp_path / f"districts_6678{suffix}"
    real_frame[["chiiki", "geometry"]].to_crs("EPSG:6678").to_file(src, driver=driver)
    assert gpd.read_file(src).crs.to_epsg() == 6678
    out = tmp_path / "out.geojson"
    got = import_districts(src, "chiiki", out=out)
    written = gpd.read_file(out)
    assert written.crs.to_epsg() == 4326
    assert sorted(written["district"]) == [1, 2, 3, 4, 5, 6]
    assert list(got["district"]) == list(written["district"])
    for code, area in _areas_by_code(written, geodesic_km2).items():
        assert area == pytest.approx(real_areas[code], rel=0.01)
    assert written.total_bounds == pytest.approx(real_frame.total_bounds, abs=0.01)  # degrees, not metres


@pytest.mark.shared
def test_a_district_in_several_features_is_dissolved(tmp_path, real_frame, real_areas, geodesic_km2):
    asahi = real_frame[real_frame["chiiki"] == "朝日"]
    geom = asahi.geometry.iloc[0]
    minx, miny, maxx, maxy = geom.bounds
    south = box(minx, miny, maxx, (miny + maxy) / 2)
    parts = gpd.GeoDataFrame(
        {"chiiki": ["朝日村", "朝日村"]},
        geometry=[geom.intersection(south), geom.difference(south)],
        crs=real_frame.crs,
    )
    src = tmp_path / "split.gpkg"
    pd.concat([real_frame[real_frame["chiiki"] != "朝日"], parts]).to_file(src, driver="GPKG")
    got = import_districts(src, "chiiki", out=tmp_path / "out.geojson")
    assert len(got) == 6
    asahi_out = got.loc[got["district"] == 5, "geometry"].iloc[0]
    assert geodesic_km2(asahi_out) == pytest.approx(real_areas[5], rel=0.01)
    assert asahi_out.geom_type == "Polygon"  # the cut is gone


@pytest.mark.shared
def test_name_variants_are_matched(tmp_path, real_frame, real_areas, geodesic_km2):
    variants = {
        "鶴岡": "Tsuruoka City",
        "藤島": "東田川郡藤島町",
        "羽黒": "ＨＡＧＵＲＯ",
        "櫛引": "櫛引地域",
        "朝日": "asahi-mura",
        "温海": " 温海町 ",
    }
    frame = real_frame.assign(name=real_frame["chiiki"].map(variants))
    src = tmp_path / "variants.geojson"
    frame.to_file(src, driver="GeoJSON")
    got = import_districts(src, "name", out=tmp_path / "out.geojson")
    for code, area in _areas_by_code(got, geodesic_km2).items():
        assert area == pytest.approx(real_areas[code], rel=0.01), code


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("鶴岡市", "鶴岡"),
        ("西田川郡温海町", "温海"),
        ("旧櫛引町", "櫛引"),
        ("山形県鶴岡市", "鶴岡"),
        ("藤島 地域", "藤島"),
        ("朝日村", "朝日"),
        ("Kushibiki District", "kushibiki"),
        ("Higashitagawa-gun Haguro-machi", "haguro"),
        ("ＡＴＳＵＭＩ", "atsumi"),
        ("Fujishima Town", "fujishima"),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


@pytest.mark.shared
def test_unmatched_name_errors_clearly_and_writes_nothing(tmp_path, real_frame, repo):
    frame = real_frame.copy()
    frame.loc[frame["chiiki"] == "鶴岡", "chiiki"] = "酒田"
    src = tmp_path / "bad.geojson"
    frame.to_file(src, driver="GeoJSON")
    out = tmp_path / "out.geojson"
    out.write_text("previous", encoding="utf-8")
    with pytest.raises(GeoImportError) as err:
        import_districts(src, "chiiki", out=out)
    message = str(err.value)
    assert "酒田" in message
    assert "見つからない地域: 鶴岡" in message and "districts not found: Tsuruoka" in message
    assert out.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.geojson", "out.geojson"]  # no temp file left

    fresh = tmp_path / "fresh" / "out.geojson"
    run = subprocess.run(
        [sys.executable, "-m", "geo", "import", str(src), "--name-field", "chiiki", "--out", str(fresh)],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "酒田" in run.stderr and "Cannot match district names" in run.stderr
    assert not fresh.exists()


@pytest.mark.shared
def test_file_without_crs_errors(tmp_path, real_frame, repo):
    src = tmp_path / "nocrs.shp"
    real_frame[["chiiki", "geometry"]].to_crs("EPSG:6678").to_file(src, driver="ESRI Shapefile")
    src.with_suffix(".prj").unlink()
    assert gpd.read_file(src).crs is None
    out = tmp_path / "out.geojson"
    with pytest.raises(GeoImportError, match="CRS"):
        import_districts(src, "chiiki", out=out)
    run = subprocess.run(
        [sys.executable, "-m", "geo", "import", str(src), "--name-field", "chiiki", "--out", str(out)],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "座標参照系" in run.stderr and "no coordinate reference system" in run.stderr
    assert not out.exists()


@pytest.mark.shared
def test_missing_name_field_lists_the_fields(tmp_path, real_file):
    with pytest.raises(GeoImportError, match="chiiki") as err:
        import_districts(real_file, "name", out=tmp_path / "out.geojson")
    assert "old_name" in str(err.value)
    assert not (tmp_path / "out.geojson").exists()


def test_missing_file_errors(tmp_path):
    with pytest.raises(GeoImportError, match="File not found"):
        import_districts(tmp_path / "nope.geojson", "chiiki", out=tmp_path / "out.geojson")


@pytest.mark.shared
def test_blank_name_is_reported(tmp_path, real_frame):
    frame = real_frame.copy()
    frame.loc[frame["chiiki"] == "温海", "chiiki"] = None
    src = tmp_path / "blank.gpkg"
    frame.to_file(src, driver="GPKG")
    with pytest.raises(GeoImportError) as err:
        import_districts(src, "chiiki", out=tmp_path / "out.geojson")
    assert "空欄" in str(err.value) and "Atsumi" in str(err.value)
    assert not (tmp_path / "out.geojson").exists()


@pytest.mark.shared
def test_overlapping_shapes_still_import(tmp_path, real_frame, real_areas, geodesic_km2):
    """Not a clean coverage (a district drawn 200 m too wide): each shape is simplified on its own."""
    metric = real_frame[["chiiki", "geometry"]].to_crs("EPSG:6678")
    metric.loc[metric["chiiki"] == "藤島", "geometry"] = metric.loc[metric["chiiki"] == "藤島", "geometry"].buffer(200)
    src = tmp_path / "overlap.gpkg"
    metric.to_file(src, driver="GPKG")
    got = import_districts(src, "chiiki", out=tmp_path / "out.geojson")
    assert sorted(got["district"]) == [1, 2, 3, 4, 5, 6]
    assert all(g.is_valid for g in got.geometry)
    assert geodesic_km2(got.loc[got["district"] == 1, "geometry"].iloc[0]) == pytest.approx(real_areas[1], rel=0.01)
    assert geodesic_km2(got.loc[got["district"] == 2, "geometry"].iloc[0]) > real_areas[2] * 1.02


@pytest.mark.shared
def test_point_features_are_refused(tmp_path, real_frame):
    frame = real_frame[["chiiki", "geometry"]].copy()
    frame["geometry"] = frame.geometry.representative_point()
    src = tmp_path / "points.geojson"
    frame.to_file(src, driver="GeoJSON")
    with pytest.raises(GeoImportError, match="polygon"):
        import_districts(src, "chiiki", out=tmp_path / "out.geojson")
    assert not (tmp_path / "out.geojson").exists()
