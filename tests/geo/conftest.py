from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Geod

REPO = Path(__file__).resolve().parents[2]
# A real boundary file (CC BY-SA 4.0, see its NOTICE.md): read from the shared path only, never copied.
# The tests that use it carry @pytest.mark.shared: deselected in a clone without ../shared (tests/conftest.py).
REAL_FILE = REPO.parent / "shared" / "reference" / "geo" / "tsuruoka_6chiiki_2000.geojson"

_GEOD = Geod(ellps="GRS80")


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def real_file() -> Path:
    assert REAL_FILE.is_file(), f"shared reference file missing: {REAL_FILE}"
    return REAL_FILE


@pytest.fixture
def real_frame(real_file) -> gpd.GeoDataFrame:
    return gpd.read_file(real_file)


@pytest.fixture
def published_km2() -> dict[int, float]:
    """District areas (km², 2000 boundaries) restated from shared/reference/tsuruoka.md."""
    return {1: 235, 2: 63, 3: 111, 4: 79, 5: 571, 6: 256}


@pytest.fixture
def centres() -> dict[int, tuple[float, float]]:
    """(lat, lon) of the district offices / centroids restated from shared/reference/tsuruoka.md."""
    return {
        1: (38.72722, 139.82667),
        2: (38.76583, 139.90461),
        3: (38.6709, 139.9445),
        4: (38.67889, 139.85008),
        5: (38.4878, 139.8415),
        6: (38.62089, 139.58697),
    }


@pytest.fixture
def geodesic_km2():
    """Area on the GRS80 ellipsoid of a WGS84 (lon, lat) polygon in km²: independent of the package's CRS."""

    def area(geom) -> float:
        value, _ = _GEOD.geometry_area_perimeter(geom)
        return abs(value) / 1e6

    return area
