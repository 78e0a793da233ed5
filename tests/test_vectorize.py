"""Tests of backend.vectorize on tiny generated score rasters (projected, geographic, no CRS)."""

from __future__ import annotations

import logging
import math
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from osgeo import ogr, osr
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import from_origin

from backend.errors import CancelledError, EmptyDataError, InputError, OutputError
from backend.progress import CancelToken
from backend.vectorize import polygonize

THRESHOLD = 0.7
PIXEL_M = 10.0
UTM33 = CRS.from_epsg(32633)
TRANSFORM_10M = from_origin(500_000.0, 5_000_000.0, PIXEL_M, PIXEL_M)
# About 10 m pixels near latitude 45 degrees.
LAT0, LON0 = 45.0, 15.0
DLAT_DEG = PIXEL_M / 111_132.0
DLON_DEG = PIXEL_M / (111_320.0 * math.cos(math.radians(LAT0)))
BIG = (slice(10, 30), slice(10, 30))  # 20 x 20 blob ...
HOLE = (slice(18, 22), slice(18, 22))  # ... with a 4 x 4 hole
SMALL = (slice(40, 43), slice(60, 63))  # 3 x 3 blob
BIG_PX, SMALL_PX = 400 - 16, 9
FIELD_NAMES = ("area_m2", "max_score", "mean_score", "false_alarm_rate", "method", "threshold")


def make_scores(seed: int = 0) -> np.ndarray:
    """float32 (60, 80): background < 0.5, 2 px NaN border, BIG (with HOLE) and SMALL blobs."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.0, 0.5, (60, 80)).astype(np.float32)
    scores[BIG] = rng.uniform(0.8, 1.0, (20, 20))
    scores[HOLE] = 0.1
    scores[SMALL] = rng.uniform(0.75, 0.95, (3, 3))
    scores[:2, :] = scores[-2:, :] = np.nan
    scores[:, :2] = scores[:, -2:] = np.nan
    return scores


def write_raster(path: Path, scores: np.ndarray, crs=UTM33, transform=TRANSFORM_10M) -> Path:
    profile = {
        "driver": "GTiff",
        "width": scores.shape[1],
        "height": scores.shape[0],
        "count": 1,
        "dtype": "float32",
        "crs": crs,
        "transform": transform,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(scores.astype(np.float32), 1)
    return path


def read_features(path: Path) -> tuple[list[dict], osr.SpatialReference | None]:
    """Fields plus 'geom' (an OGR geometry clone) of each feature, and the layer's SRS."""
    source = ogr.Open(str(path))
    layer = source.GetLayerByName("anomalies")
    rows = []
    definition = layer.GetLayerDefn()
    names = [definition.GetFieldDefn(i).GetName() for i in range(definition.GetFieldCount())]
    for feature in layer:
        row = {name: feature.GetField(name) for name in names}
        row.setdefault("area_m2", row.get("area_px"))
        row["geom"] = feature.GetGeometryRef().Clone()
        rows.append(row)
    srs = layer.GetSpatialRef()
    srs = srs.Clone() if srs is not None else None
    return sorted(rows, key=lambda r: -r["area_m2"]), srs


def same_crs(srs: osr.SpatialReference, crs: CRS) -> bool:
    other = osr.SpatialReference()
    other.ImportFromWkt(crs.to_wkt())
    other.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return bool(srs.IsSame(other))


def vertex_count(geom: ogr.Geometry) -> int:
    return sum(ring.GetPointCount() for poly in geom for ring in poly)


def ellipsoid_pixel_area_m2(lat_deg: float) -> float:
    """Area of one DLAT_DEG x DLON_DEG pixel on the WGS84 ellipsoid at ``lat_deg``."""
    a, e2 = 6_378_137.0, 6.69437999014e-3
    s2 = math.sin(math.radians(lat_deg)) ** 2
    meridional = a * (1 - e2) / (1 - e2 * s2) ** 1.5
    normal = a / math.sqrt(1 - e2 * s2)
    return (math.radians(DLAT_DEG) * meridional) * (
        math.radians(DLON_DEG) * normal * math.cos(math.radians(lat_deg))
    )


@pytest.fixture()
def utm_path(tmp_path: Path) -> Path:
    return write_raster(tmp_path / "score.tif", make_scores())


def test_projected_regions_areas_and_scores(utm_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.gpkg"
    assert polygonize(utm_path, out, THRESHOLD, method="rx") == 2
    rows, srs = read_features(out)
    scores = make_scores()
    big_scores = scores[BIG][scores[BIG] > THRESHOLD]
    assert rows[0]["area_m2"] == BIG_PX * PIXEL_M**2
    assert rows[0]["geom"].GetArea() == BIG_PX * PIXEL_M**2  # the hole is excluded
    # Scores are rounded to 5 significant digits.
    assert rows[0]["max_score"] == float(f"{big_scores.max():.5g}")
    assert rows[0]["mean_score"] == float(f"{big_scores.astype(np.float64).mean():.5g}")
    assert rows[1]["area_m2"] == SMALL_PX * PIXEL_M**2
    assert rows[1]["max_score"] == float(f"{scores[SMALL].max():.5g}")
    assert all(r["method"] == "rx" and r["threshold"] == THRESHOLD for r in rows)
    assert all(r["false_alarm_rate"] is None for r in rows)  # not given: empty
    assert same_crs(srs, UTM33)


def test_false_alarm_rate_and_rounded_fields(tmp_path: Path) -> None:
    scores = np.zeros((60, 80), np.float32)
    scores[BIG] = np.float32(0.123456789)
    path = write_raster(tmp_path / "score.tif", scores)
    polygonize(path, tmp_path / "a.gpkg", 0.1111111, false_alarm_rate=0.0123456)
    rows, _ = read_features(tmp_path / "a.gpkg")
    assert rows[0]["false_alarm_rate"] == 0.012346
    assert rows[0]["threshold"] == 0.11111
    assert len(rows) == 1 and rows[0]["max_score"] == rows[0]["mean_score"] == 0.12346


def test_hole_preserved(utm_path: Path, tmp_path: Path) -> None:
    polygonize(utm_path, tmp_path / "a.gpkg", THRESHOLD)
    big = read_features(tmp_path / "a.gpkg")[0][0]["geom"]
    assert big.GetGeometryType() == ogr.wkbMultiPolygon and big.GetGeometryCount() == 1
    polygon = big.GetGeometryRef(0)
    assert polygon.GetGeometryCount() == 2  # exterior ring + one hole
    hole = ogr.Geometry(ogr.wkbPolygon)
    hole.AddGeometry(polygon.GetGeometryRef(1))
    assert hole.GetArea() == 16 * PIXEL_M**2


def test_min_area_drops_small_blob(utm_path: Path, tmp_path: Path) -> None:
    assert polygonize(utm_path, tmp_path / "a.gpkg", THRESHOLD, min_area_m2=1000.0) == 1
    rows, _ = read_features(tmp_path / "a.gpkg")
    assert [r["area_m2"] for r in rows] == [BIG_PX * PIXEL_M**2]


def test_connectivity_four_splits_diagonal_pixels(tmp_path: Path) -> None:
    scores = np.zeros((10, 10), dtype=np.float32)
    scores[3, 3] = scores[4, 4] = 1.0
    path = write_raster(tmp_path / "s.tif", scores)
    assert polygonize(path, tmp_path / "eight.gpkg", 0.5) == 1
    assert polygonize(path, tmp_path / "four.gpkg", 0.5, connectivity=4) == 2
    assert read_features(tmp_path / "eight.gpkg")[0][0]["area_m2"] == 2 * PIXEL_M**2


def disc_scores(radius_px: float = 20.0) -> np.ndarray:
    rows, cols = np.mgrid[0:60, 0:80]
    inside = (rows - 30) ** 2 + (cols - 40) ** 2 <= radius_px**2
    return np.where(inside, 0.9, 0.1).astype(np.float32)


@pytest.mark.parametrize("geographic", [False, True])
def test_simplify_reduces_vertices_and_keeps_area(tmp_path: Path, geographic: bool) -> None:
    crs, transform = UTM33, TRANSFORM_10M
    if geographic:
        crs, transform = CRS.from_epsg(4326), from_origin(LON0, LAT0, DLON_DEG, DLAT_DEG)
    path = write_raster(tmp_path / "disc.tif", disc_scores(), crs, transform)
    polygonize(path, tmp_path / "raw.gpkg", 0.5)
    polygonize(path, tmp_path / "simple.gpkg", 0.5, simplify_m=PIXEL_M)
    raw, simple = (
        read_features(tmp_path / "raw.gpkg")[0][0],
        read_features(tmp_path / "simple.gpkg")[0][0],
    )
    assert vertex_count(simple["geom"]) < vertex_count(raw["geom"]) / 2
    assert simple["area_m2"] == pytest.approx(raw["area_m2"], rel=0.03)
    left, right, bottom, top = simple[
        "geom"
    ].GetEnvelope()  # still in the raster CRS, lon/lat order
    with rasterio.open(path) as src:
        bounds = src.bounds
    assert (
        bounds.left <= left < right <= bounds.right and bounds.bottom <= bottom < top <= bounds.top
    )


def test_geographic_areas_within_one_percent(tmp_path: Path) -> None:
    transform = from_origin(LON0, LAT0, DLON_DEG, DLAT_DEG)
    path = write_raster(tmp_path / "geo.tif", make_scores(), CRS.from_epsg(4326), transform)
    assert polygonize(path, tmp_path / "g.gpkg", THRESHOLD) == 2
    rows, srs = read_features(tmp_path / "g.gpkg")
    big_lat = LAT0 - 20 * DLAT_DEG
    small_lat = LAT0 - 41.5 * DLAT_DEG
    assert rows[0]["area_m2"] == pytest.approx(BIG_PX * ellipsoid_pixel_area_m2(big_lat), rel=0.01)
    assert rows[1]["area_m2"] == pytest.approx(
        SMALL_PX * ellipsoid_pixel_area_m2(small_lat), rel=0.01
    )
    assert rows[0]["area_m2"] == pytest.approx(BIG_PX * PIXEL_M**2, rel=0.01)
    assert rows[0]["geom"].GetGeometryRef(0).GetGeometryCount() == 2
    assert same_crs(srs, CRS.from_epsg(4326))
    x_min, _, _, y_max = rows[0]["geom"].GetEnvelope()
    assert x_min == pytest.approx(LON0 + 10 * DLON_DEG) and y_max == pytest.approx(
        LAT0 - 10 * DLAT_DEG
    )


def test_no_crs_counts_pixels_and_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_raster(tmp_path / "plain.tif", make_scores(), crs=None, transform=None)
    with caplog.at_level(logging.WARNING, logger="backend.vectorize"):
        assert polygonize(path, tmp_path / "p.gpkg", THRESHOLD, min_area_m2=10.0) == 1
    rows, srs = read_features(tmp_path / "p.gpkg")
    assert rows[0]["area_px"] == BIG_PX  # (no area_m2 field: read_features copies area_px)
    assert srs.IsLocal() and not (srs.IsGeographic() or srs.IsProjected())
    assert "pixels" in caplog.text


def test_not_georeferenced_outlines_follow_qgis_pixel_grid(tmp_path: Path) -> None:
    """QGIS draws a raster without georeferencing with row r at y = -r: the outlines too."""
    path = write_raster(tmp_path / "plain.tif", make_scores(), crs=None, transform=None)
    polygonize(path, tmp_path / "p.gpkg", THRESHOLD)
    rows, _ = read_features(tmp_path / "p.gpkg")
    x_min, x_max, y_min, y_max = rows[1]["geom"].GetEnvelope()  # SMALL: rows 40-42, cols 60-62
    assert (x_min, x_max, y_min, y_max) == (60.0, 63.0, -43.0, -40.0)


def test_no_crs_with_transform_still_counts_pixels(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "plain.tif", make_scores(), crs=None, transform=TRANSFORM_10M)
    polygonize(path, tmp_path / "p.gpkg", THRESHOLD)
    areas = [r["area_px"] for r in read_features(tmp_path / "p.gpkg")[0]]
    assert areas == pytest.approx([BIG_PX, SMALL_PX], rel=1e-12)


def test_threshold_above_every_score_writes_empty_layer(utm_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty.gpkg"
    assert polygonize(utm_path, out, 5.0) == 0
    source = ogr.Open(str(out))
    layer = source.GetLayerByName("anomalies")
    assert layer is not None and layer.GetFeatureCount() == 0
    definition = layer.GetLayerDefn()
    fields = {
        definition.GetFieldDefn(i).GetName(): definition.GetFieldDefn(i).GetType()
        for i in range(definition.GetFieldCount())
    }
    assert fields == {
        "area_m2": ogr.OFTReal,
        "max_score": ogr.OFTReal,
        "mean_score": ogr.OFTReal,
        "false_alarm_rate": ogr.OFTReal,
        "method": ogr.OFTString,
        "threshold": ogr.OFTReal,
    }
    assert same_crs(layer.GetSpatialRef(), UTM33)


def test_unwritable_output_folder_leaves_no_file(utm_path: Path, tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        polygonize(utm_path, tmp_path / "missing" / "a.gpkg", THRESHOLD)
    assert sorted(os.listdir(tmp_path)) == ["score.tif"]


def test_cancel_leaves_no_file(utm_path: Path, tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        polygonize(utm_path, tmp_path / "a.gpkg", THRESHOLD, cancel=token)
    assert sorted(os.listdir(tmp_path)) == ["score.tif"]


def test_all_nan_raises_no_data(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "nan.tif", np.full((8, 8), np.nan, dtype=np.float32))
    with pytest.raises(EmptyDataError):
        polygonize(path, tmp_path / "a.gpkg", THRESHOLD)
    assert sorted(os.listdir(tmp_path)) == ["nan.tif"]


@pytest.mark.parametrize(
    "options",
    [
        {"min_area_m2": -1.0},
        {"simplify_m": float("nan")},
        {"connectivity": 6},
        {"threshold": float("nan")},
    ],
)
def test_bad_options_raise_input_error(utm_path: Path, tmp_path: Path, options: dict) -> None:
    threshold = options.pop("threshold", THRESHOLD)
    with pytest.raises(InputError):
        polygonize(utm_path, tmp_path / "a.gpkg", threshold, **options)
    assert not (tmp_path / "a.gpkg").exists()


def test_progress_is_monotonic_and_ends_at_one(utm_path: Path, tmp_path: Path) -> None:
    seen: list[float] = []
    polygonize(utm_path, tmp_path / "a.gpkg", THRESHOLD, progress=lambda f, s: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_corner_joined_region_is_one_valid_multipolygon(tmp_path: Path) -> None:
    rows, cols = np.mgrid[0:20, 0:20]
    ring = np.abs(rows - 10) + np.abs(cols - 10) == 3  # 12 pixels touching only at corners
    path = write_raster(tmp_path / "diamond.tif", np.where(ring, 1.0, 0.0).astype(np.float32))
    assert polygonize(path, tmp_path / "d.gpkg", 0.5, connectivity=8, simplify_m=PIXEL_M) == 1
    row = read_features(tmp_path / "d.gpkg")[0][0]
    assert row["geom"].IsValid()
    assert polygonize(path, tmp_path / "d.gpkg", 0.5, connectivity=8) == 1
    row = read_features(tmp_path / "d.gpkg")[0][0]
    assert row["geom"].IsValid() and row["area_m2"] == 12 * PIXEL_M**2


@pytest.mark.parametrize("connectivity", [4, 8])
def test_strips_give_the_regions_of_the_whole_raster(tmp_path: Path, monkeypatch, connectivity: int) -> None:
    """Read in strips of 7 rows, regions that cross strips (rings, arches, combs, corner joins)
    come out as when the raster is one strip: same outlines, areas and scores."""
    from scipy import ndimage

    from backend import vectorize

    rng = np.random.default_rng(3)
    field = ndimage.gaussian_filter(rng.standard_normal((90, 70)), 2.5)
    scores = (field / field.std()).astype(np.float32)
    scores[40:70, 5:8] = scores[40:70, 15:18] = scores[67:70, 5:18] = 3.0  # a U closed at the bottom
    scores[5:6, 50:60] = 3.0
    scores[6:7, 49:50] = 3.0  # joined through a corner only, across a strip boundary (row 6 | 7)
    scores[7:8, 48:49] = 3.0
    scores[80:85, 30:31] = np.nan
    scores[19:37, 29:47] = 3.0
    scores[23:32, 33:42] = -3.0  # a ring whose hole spans two strip boundaries
    path = write_raster(tmp_path / "s.tif", scores)
    outputs = {}
    for rows in (1000, 7):
        monkeypatch.setattr(vectorize, "BLOCK_ROWS", rows)
        out = tmp_path / f"{rows}.gpkg"
        polygonize(path, out, 0.8, connectivity=connectivity)
        outputs[rows] = sorted(read_features(out)[0], key=lambda r: (-r["area_m2"], -r["max_score"]))
    whole, strips = outputs[1000], outputs[7]
    assert len(whole) == len(strips) > 10
    assert any(r["geom"].GetGeometryRef(0).GetGeometryCount() > 1 for r in whole), "no region with a hole"
    for a, b in zip(whole, strips):
        assert (a["area_m2"], a["max_score"]) == (b["area_m2"], b["max_score"])
        assert a["mean_score"] == pytest.approx(b["mean_score"], rel=1e-12)
        assert b["geom"].IsValid()
        assert a["geom"].SymDifference(b["geom"]).GetArea() == 0
