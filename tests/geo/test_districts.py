import json
import os

import geopandas as gpd
import pytest

from geo import districts
from geo.districts import DistrictsFileError, districts_geojson_dict, load_districts
from geo.importer import import_districts

COLUMNS = ["district", "name_ja", "name_en", "approximate", "source", "geometry"]


@pytest.fixture
def no_import(tmp_path, monkeypatch):
    monkeypatch.setattr(districts, "IMPORTED_PATH", tmp_path / "imported" / "districts.geojson")
    return districts.IMPORTED_PATH


def test_schematic_when_nothing_is_imported(no_import):
    frame = load_districts()
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs.to_epsg() == 4326
    assert [c for c in COLUMNS if c in frame.columns] == COLUMNS
    assert list(frame["district"]) == [1, 2, 3, 4, 5, 6]
    assert frame["approximate"].all()
    assert frame["name_ja"].tolist() == ["鶴岡", "藤島", "羽黒", "櫛引", "朝日", "温海"]
    assert districts.active_path() == districts.SCHEMATIC_PATH


@pytest.mark.shared
def test_imported_file_is_preferred(no_import, real_file):
    import_districts(real_file, "chiiki", out=no_import, source="テスト出典 / test source")
    frame = load_districts()
    assert districts.active_path() == no_import
    assert not frame["approximate"].any()
    assert set(frame["source"]) == {"テスト出典 / test source"}
    assert list(frame["district"]) == [1, 2, 3, 4, 5, 6]
    schematic = load_districts(districts.SCHEMATIC_PATH)
    assert not frame.geometry.iloc[0].equals(schematic.geometry.iloc[0])


@pytest.mark.shared
def test_cache_follows_the_file(no_import, real_file):
    import_districts(real_file, "chiiki", out=no_import, source="first")
    assert set(load_districts()["source"]) == {"first"}
    import_districts(real_file, "chiiki", out=no_import, source="second, a longer text")
    st = no_import.stat()
    os.utime(no_import, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert set(load_districts()["source"]) == {"second, a longer text"}
    no_import.unlink()
    assert load_districts()["approximate"].all()


def test_callers_cannot_spoil_the_cache(no_import):
    frame = load_districts()
    frame.loc[0, "name_ja"] = "changed"
    assert load_districts().loc[0, "name_ja"] == "鶴岡"
    gj = districts_geojson_dict()
    gj["features"].clear()
    assert len(districts_geojson_dict()["features"]) == 6


def test_geojson_dict_is_plain_and_small(no_import):
    gj = districts_geojson_dict()
    assert gj["type"] == "FeatureCollection"
    props = [f["properties"] for f in gj["features"]]
    assert [p["district"] for p in props] == [1, 2, 3, 4, 5, 6]
    assert {"name_ja", "name_en", "approximate", "source"} <= set(props[0])
    assert len(json.dumps(gj, ensure_ascii=False)) < 50_000


def test_a_broken_file_gives_a_clear_error(tmp_path):
    bad = tmp_path / "bad.geojson"
    frame = load_districts(districts.SCHEMATIC_PATH)
    frame[frame["district"] != 3].to_file(bad, driver="GeoJSON")
    with pytest.raises(DistrictsFileError, match="district code"):
        load_districts(bad)
    with pytest.raises(DistrictsFileError, match="not found"):
        load_districts(tmp_path / "missing.geojson")
