"""Results land where QGIS draws their inputs: polygons cut from a score raster lie on the pixels
they outline, as QGIS places that raster, for a north-up, a rotated, a south-up and a raster without
any georeferencing (QGIS's pixel convention: row r at y = -r); areas are in pixels without a CRS.
The last test runs the dock itself on a pair without georeferencing."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.qgis

pytest.importorskip("qgis.core", reason="QGIS Python bindings not available")
import rasterio  # noqa: E402
from qgis.core import QgsPointXY, QgsProject, QgsRasterLayer, QgsVectorLayer  # noqa: E402
from rasterio.errors import NotGeoreferencedWarning  # noqa: E402
from rasterio.transform import Affine  # noqa: E402

from backend.vectorize import polygonize  # noqa: E402

THRESHOLD = 0.5
#: (rows, cols) of two blobs in a 60 x 80 score raster: an L shape and a small square.
BLOBS = ((slice(8, 20), slice(50, 70)), (slice(12, 30), slice(50, 56)), (slice(40, 46), slice(10, 16)))

TRANSFORMS = {
    "north-up": (Affine(10.0, 0.0, 500_000.0, 0.0, -10.0, 4_600_000.0), "EPSG:32633"),
    "rotated": (
        Affine.translation(500_000.0, 4_600_000.0) * Affine.rotation(20.0) * Affine.scale(10.0, -10.0),
        "EPSG:32633",
    ),
    "south-up": (Affine(10.0, 0.0, 500_000.0, 0.0, 10.0, 4_599_400.0), "EPSG:32633"),
    "not georeferenced": (None, None),
}


def score_raster(path: Path, transform, crs) -> Path:
    scores = np.zeros((60, 80), np.float32)
    for rows, cols in BLOBS:
        scores[rows, cols] = 1.0
    profile = {"driver": "GTiff", "width": 80, "height": 60, "count": 1, "dtype": "float32"}
    if transform is not None:
        profile.update(transform=transform, crs=crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(scores, 1)
    return path


def value_at(layer: QgsRasterLayer, x: float, y: float) -> float:
    value, ok = layer.dataProvider().sample(QgsPointXY(x, y), 1)
    return float(value) if ok else float("nan")


def assert_on_the_raster(polygons: QgsVectorLayer, raster: QgsRasterLayer) -> None:
    """Every polygon lies inside the raster as QGIS draws it, on pixels above the threshold, and
    the pixels just outside its outline are below it."""
    assert polygons.featureCount() == 2
    assert raster.extent().contains(polygons.extent()), (
        polygons.extent().toString(),
        raster.extent().toString(),
    )
    for feature in polygons.getFeatures():
        geometry = feature.geometry()
        inside = geometry.pointOnSurface().asPoint()
        assert value_at(raster, inside.x(), inside.y()) > THRESHOLD
        # a point well outside the polygon's bounding box, but inside the raster, is background
        box = geometry.boundingBox()
        outside = QgsPointXY(box.xMinimum() - box.width() * 0.05 - 15.0, box.center().y())
        if raster.extent().contains(outside) and not geometry.contains(outside):
            assert not value_at(raster, outside.x(), outside.y()) > THRESHOLD


@pytest.mark.parametrize("kind", sorted(TRANSFORMS))
def test_polygons_lie_on_the_raster_as_qgis_draws_it(kind, tmp_path, qgis_new_project):
    transform, crs = TRANSFORMS[kind]
    score = score_raster(tmp_path / "score.tif", transform, crs)
    out = tmp_path / "polygons.gpkg"
    assert polygonize(score, out, THRESHOLD) == 2
    raster = QgsRasterLayer(str(score), "score", "gdal")
    polygons = QgsVectorLayer(f"{out}|layername=anomalies", "polygons", "ogr")
    assert raster.isValid() and polygons.isValid()
    if transform is None:
        # What the dock does for a score without a CRS: both drawn untransformed.
        from qgis.core import QgsCoordinateReferenceSystem

        polygons.setCrs(QgsCoordinateReferenceSystem())
        assert "area_px" in polygons.fields().names() and "area_m2" not in polygons.fields().names()
        areas = sorted(f["area_px"] for f in polygons.getFeatures())
        assert areas == [36.0, 12 * 20 + 10 * 6]
    else:
        assert polygons.crs() == raster.crs()
        areas = sorted(f["area_m2"] for f in polygons.getFeatures())
        assert areas == pytest.approx([3600.0, 30000.0])
    assert_on_the_raster(polygons, raster)


def test_dock_on_a_pair_without_georeferencing(plugin_package, qgis_iface, qgis_new_project, tmp_path):
    """The dock's own path: rx on an image without georeferencing, polygons exported; they lie
    on the image as QGIS draws it, with no CRS of their own and the minimum area in pixels."""
    from qgis.core import QgsSettings
    from test_plugin_dock import PYTHON, Iface, wait_for

    rng = np.random.default_rng(0)
    image = rng.normal(100.0, 5.0, (3, 60, 80)).astype(np.float32)
    image[:, 40:46, 10:16] += 200.0
    path = tmp_path / "plain.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", driver="GTiff", width=80, height=60, count=3, dtype="float32") as dst:
            dst.write(image)
    QgsSettings().setValue("raresight/interpreter", PYTHON)
    QgsSettings().setValue("raresight/output_dir", str(tmp_path / "results"))
    plugin = plugin_package.classFactory(Iface(qgis_iface))
    plugin.initGui()
    plugin.show_dock(True)
    try:
        dock = plugin.dock
        layer = QgsRasterLayer(str(path), "plain", "gdal")
        QgsProject.instance().addMapLayer(layer)
        dock.target_combo.setLayer(layer)
        dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
        found, polygons = [], []
        dock.detectionFinished.connect(found.append)
        dock.polygonsFinished.connect(polygons.append)
        dock.run_detection()
        wait_for(lambda: found and dock.task is None, 120)
        score = found[0]
        assert not score.crs().isValid()
        assert dock.min_area_spin.suffix().strip() == "px"
        dock.slider.setValue(dock.rate_to_position(1e-2))
        dock.min_area_spin.setValue(4)
        dock.export_polygons()
        wait_for(lambda: polygons and dock.task is None, 60)
        result = polygons[0]
        assert not result.crs().isValid()
        assert "px" in result.name()
        assert result.featureCount() >= 1
        assert score.extent().contains(result.extent())
        for feature in result.getFeatures():
            assert feature["area_px"] >= 4
            point = feature.geometry().pointOnSurface().asPoint()
            assert value_at(score, point.x(), point.y()) > float(feature["threshold"]) * (1 - 1e-4)
        # the planted block (rows 40-45, cols 10-15) is drawn at y = -40..-46 and is found there
        assert any(f.geometry().contains(QgsPointXY(13.0, -43.0)) for f in result.getFeatures())
    finally:
        plugin.unload()
        QgsProject.instance().removeAllMapLayers()
        for key in ("interpreter", "output_dir", "method"):
            QgsSettings().remove(f"raresight/{key}")
