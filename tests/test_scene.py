"""Scene metadata (``backend.scene``): acquisition dates and the grid's location. Needs no torch."""

from __future__ import annotations

import pytest
from rasterio.crs import CRS
from rasterio.transform import from_origin

from backend.errors import InputError
from backend.raster import Grid
from backend.scene import date_from_tags, grid_lonlat, parse_date


def test_dates_from_text_and_tags():
    assert parse_date("2019-03-21").isoformat() == "2019-03-21"
    assert parse_date("S2A_MSIL1C_20190321T105021").isoformat() == "2019-03-21"
    assert date_from_tags({"TIFFTAG_DATETIME": "2020:07:01 10:00:00"}).isoformat() == "2020-07-01"
    assert date_from_tags({"AREA_OR_POINT": "Area"}) is None
    with pytest.raises(InputError):
        parse_date("yesterday")


def test_grid_centre_in_degrees():
    # UTM 31N: easting 500 km is the zone's central meridian, 3 degrees east; northing 0 the equator.
    grid = Grid(CRS.from_epsg(32631), from_origin(499_000, 1_000, 10, 10), 200, 200)
    lon, lat = grid_lonlat(grid)
    assert lon == pytest.approx(3.0, abs=1e-6) and lat == pytest.approx(0.0, abs=1e-6)
    assert grid_lonlat(Grid(None, from_origin(0, 0, 1, 1), 10, 10)) is None
