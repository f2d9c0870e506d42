import itertools
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from data.codebook import code_label
from geo import schematic
from geo.districts import SCHEMATIC_PATH


@pytest.fixture(scope="module")
def committed() -> gpd.GeoDataFrame:
    return gpd.read_file(SCHEMATIC_PATH)


def test_six_districts_with_codebook_labels_and_schematic_marking(committed):
    assert sorted(committed["district"]) == [1, 2, 3, 4, 5, 6]
    for row in committed.itertuples():
        assert row.name_ja == code_label("district", row.district, "ja")
        assert row.name_en == code_label("district", row.district, "en")
        assert row.approximate is True or row.approximate == True  # noqa: E712 (numpy bool)
        assert "境界ではありません" in row.source and "not a boundary" in row.source
    assert committed.crs.to_epsg() == 4326


def test_areas_match_the_published_areas(committed, published_km2, geodesic_km2):
    for row in committed.itertuples():
        area = geodesic_km2(row.geometry)
        assert area == pytest.approx(published_km2[row.district], rel=0.03), row.district
        assert row.area_km2 == published_km2[row.district]
    total = sum(geodesic_km2(g) for g in committed.geometry)
    assert total == pytest.approx(1311.51, rel=0.01)


def test_polygons_are_valid_single_and_do_not_overlap(committed):
    metric = committed.to_crs("EPSG:32654")
    assert all(g.is_valid and g.geom_type == "Polygon" for g in metric.geometry)
    for a, b in itertools.combinations(metric.geometry, 2):
        assert a.intersection(b).area < 1.0  # m²: neighbours share an edge, nothing more
    union = shapely.union_all(metric.geometry.values)
    assert union.area == pytest.approx(metric.area.sum(), rel=1e-6)
    assert union.geom_type == "Polygon"  # the six cells tile one city without holes


def test_each_centre_lies_in_its_own_district(committed, centres):
    for row in committed.itertuples():
        lat, lon = centres[row.district]
        assert row.geometry.contains(Point(lon, lat)), row.district


def test_cells_are_power_cells_of_the_tuned_weights():
    """Points sampled in each cell are nearest (in power distance) to that cell's centre."""
    outline = schematic.outline_metric()
    sites = schematic.centres_metric()
    weights, cells = schematic.tune_weights(outline, sites, schematic.target_areas_m2())
    rng = np.random.default_rng(1)
    minx, miny, maxx, maxy = outline.bounds
    pts = np.column_stack([rng.uniform(minx, maxx, 4000), rng.uniform(miny, maxy, 4000)])
    inside = shapely.contains_xy(outline, pts[:, 0], pts[:, 1])
    pts = pts[inside]
    power = ((pts[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2) - weights[None, :]
    owner = power.argmin(axis=1)
    for i, cell in enumerate(cells):
        in_cell = shapely.contains_xy(cell, pts[:, 0], pts[:, 1])
        assert in_cell.sum() > 20
        assert (owner[in_cell] == i).all()
    # and the sampled shares agree with the cell areas
    shares = np.bincount(owner, minlength=len(sites)) / len(owner)
    assert shares == pytest.approx(np.array([c.area for c in cells]) / outline.area, abs=0.02)


def test_regeneration_is_byte_identical_to_the_committed_file(tmp_path, repo):
    outs = []
    for name in ("a.geojson", "b.geojson"):
        out = tmp_path / name
        run = subprocess.run(
            [sys.executable, "-m", "geo", "schematic", "--out", str(out)], cwd=repo, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == SCHEMATIC_PATH.read_bytes()
    assert len(outs[0]) < 50_000


def test_check_flags_a_stale_file(tmp_path, repo):
    ok = subprocess.run([sys.executable, "-m", "geo", "schematic", "--check"], cwd=repo, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    stale = tmp_path / "stale.geojson"
    stale.write_bytes(SCHEMATIC_PATH.read_bytes().replace(b'"area_km2":235.0', b'"area_km2":236.0'))
    bad = subprocess.run(
        [sys.executable, "-m", "geo", "schematic", "--check", "--out", str(stale)],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "out of date" in bad.stderr


def test_the_schematic_code_uses_no_boundary_file(repo):
    """The schematic is drawn from centres and areas only; the CC BY-SA file must not feed it."""
    for path in (repo / "geo").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "tsuruoka_6chiiki" not in text and "shared/reference/geo" not in text, path
