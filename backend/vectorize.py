"""Anomaly polygons: connected regions of ``score > threshold`` written to a GeoPackage.

Pipeline: stream the score raster into a boolean mask (NaN is never anomalous), label its connected
regions (:func:`scipy.ndimage.label`), accumulate each region's max and mean score in a second
streamed pass, trace the outlines with :func:`rasterio.features.shapes` (holes kept), then measure
and optionally simplify every outline in metres and write it with OGR.

Metres: a projected CRS is scaled by its linear unit; a geographic CRS goes through a Lambert
azimuthal equal-area projection centred on the raster; a raster with no CRS counts one pixel as
1 x 1 (so ``area_m2`` is then in pixels, and a warning is logged).
"""

from __future__ import annotations

import json
import logging
import math
import numbers
import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from osgeo import ogr, osr
from rasterio import features
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import DatasetReader
from rasterio.transform import Affine
from scipy import ndimage

from .atomic import atomic_output
from .errors import InputError, OutputError
from .masking import (
    check_threshold,
    open_score_raster,
    read_anomaly_mask,
    read_score_rows,
    row_blocks,
)
from .outputs import claim_outputs, protected_paths
from .progress import CancelToken, ProgressCallback, no_progress, scaled

log = logging.getLogger(__name__)

LAYER_NAME = "anomalies"
BLOCK_ROWS = 512
FIELDS = (
    ("area_m2", ogr.OFTReal),
    ("max_score", ogr.OFTReal),
    ("mean_score", ogr.OFTReal),
    ("method", ogr.OFTString),
    ("threshold", ogr.OFTReal),
)

# GeoPackage srs_id -1; a null SRS would be stored as "undefined geographic" (srs_id 0).
UNDEFINED_CARTESIAN = osr.SpatialReference('LOCAL_CS["Undefined cartesian SRS"]')

# One region ready to write: (multipolygon in the raster CRS, area_m2, max_score, mean_score).
Region = tuple[ogr.Geometry, float, float, float]


@dataclass(frozen=True)
class MetricSpace:
    """Measures and simplifies geometries of the raster CRS in metres.

    With ``to_metric`` set (geographic CRS), geometries are projected to a local equal-area CRS in
    metres; otherwise raster-CRS units are scaled by ``metres_per_unit``.
    """

    metres_per_unit: float = 1.0
    to_metric: osr.CoordinateTransformation | None = None
    to_source: osr.CoordinateTransformation | None = None

    def measure(self, geom: ogr.Geometry, simplify_m: float) -> tuple[ogr.Geometry, float]:
        """Return ``(geom simplified by simplify_m metres, in the raster CRS; its area in m2)``."""
        if self.to_metric is None:
            if simplify_m > 0:
                geom = _simplify(geom, simplify_m / self.metres_per_unit)
            return geom, geom.GetArea() * self.metres_per_unit**2
        metric = geom.Clone()
        metric.Transform(self.to_metric)
        if simplify_m > 0:
            metric = _simplify(metric, simplify_m)
            geom = metric.Clone()
            geom.Transform(self.to_source)
        return geom, metric.GetArea()


def polygonize(
    score_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    threshold: float,
    *,
    min_area_m2: float = 0.0,
    simplify_m: float = 0.0,
    method: str = "",
    connectivity: int = 8,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> int:
    """Write one GeoPackage feature per connected region of ``score > threshold``.

    The layer ``anomalies`` (MultiPolygon, holes preserved, the score raster's CRS) has the fields
    ``area_m2``, ``max_score``, ``mean_score`` (over the region's pixels), ``method`` and
    ``threshold``. With no region the GeoPackage still holds the empty layer.

    Args:
        score_path: single-band score raster (higher = more anomalous; NaN = no data, never
            anomalous).
        out_path: output ``.gpkg``; written atomically (nothing appears on failure or cancel).
        threshold: pixels with ``score > threshold`` are anomalous.
        min_area_m2: regions smaller than this (after simplification) are dropped.
        simplify_m: topology-preserving simplification tolerance in metres; 0 keeps pixel edges.
        method: detector name stored in every feature.
        connectivity: 4 (edge neighbours) or 8 (edge and corner neighbours) form one region.
        progress: called with ``(fraction, stage)``.
        cancel: polled between blocks and features.

    Returns:
        Number of features written.

    Raises:
        InputError: a bad parameter or an unreadable score raster or CRS.
        EmptyDataError: every score is NaN (no output is written).
        OutputError: the GeoPackage cannot be written.
        CancelledError: ``cancel`` was set.
    """
    threshold = check_threshold(threshold)
    _check_options(min_area_m2, simplify_m, connectivity)
    report, cancel = progress or no_progress, cancel or CancelToken()
    claim_outputs([(out_path, "polygons")], protected_paths(score_path))
    with open_score_raster(score_path) as src, atomic_output(out_path) as tmp:
        srs, metric = _metric_space(src)
        reading = scaled(report, 0.0, 0.3)
        mask = read_anomaly_mask(src, threshold, block_rows=BLOCK_ROWS, progress=reading, cancel=cancel)
        neighbours = ndimage.generate_binary_structure(2, 1 if connectivity == 4 else 2)
        labels, n_regions = ndimage.label(mask, structure=neighbours)  # int32 (rows, cols)
        del mask
        scores = _region_scores(src, labels, n_regions, scaled(report, 0.3, 0.5), cancel)
        outlines = _region_outlines(labels, src.transform)
        del labels
        report(0.6, "polygonizing")
        limits_m, report_rest = (min_area_m2, simplify_m), scaled(report, 0.6, 1.0)
        regions = _regions(outlines, scores, metric, limits_m, report_rest, cancel)
        n_written = _write_regions(os.fspath(tmp), srs, regions, (str(method), threshold))
    report(1.0, "done")
    return n_written


def _check_options(min_area_m2: float, simplify_m: float, connectivity: int) -> None:
    """Raise :class:`InputError` unless area/tolerance are finite >= 0 and connectivity 4 or 8."""
    for name, value in (("min_area_m2", min_area_m2), ("simplify_m", simplify_m)):
        if not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
            raise InputError(f"{name} must be a finite number >= 0, got {value!r}.")
    if isinstance(connectivity, bool) or connectivity not in (4, 8):
        raise InputError(f"connectivity must be 4 or 8, got {connectivity!r}.")


def _metric_space(src: DatasetReader) -> tuple[osr.SpatialReference, MetricSpace]:
    """Return the raster's OSR SRS (undefined Cartesian without CRS) and its metric space."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        crs, transform = src.crs, src.transform
    if not crs:
        log.warning("Score raster %s has no CRS: areas and tolerances are in pixels.", src.name)
        return UNDEFINED_CARTESIAN, MetricSpace(1.0 / math.sqrt(abs(transform.determinant)))
    srs = osr.SpatialReference()
    if srs.ImportFromWkt(crs.to_wkt()) != 0:
        raise InputError(f"Cannot read the CRS of {src.name}: reproject the score raster.")
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    if not srs.IsGeographic():
        return srs, MetricSpace(srs.GetLinearUnits())
    laea = osr.SpatialReference()
    laea.CopyGeogCSFrom(srs)
    left, bottom, right, top = src.bounds
    laea.SetLAEA((bottom + top) / 2, (left + right) / 2, 0.0, 0.0)
    laea.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_metric = osr.CoordinateTransformation(srs, laea)
    return srs, MetricSpace(1.0, to_metric, osr.CoordinateTransformation(laea, srs))


def _simplify(geom: ogr.Geometry, tolerance: float) -> ogr.Geometry:
    """Topology-preserving simplification (GEOS); raises OutputError if GEOS is unavailable."""
    simplified = geom.SimplifyPreserveTopology(tolerance)
    if simplified is None:
        raise OutputError("Cannot simplify (GDAL built without GEOS): set simplify_m to 0.")
    return simplified


def _region_scores(
    src: DatasetReader,
    labels: np.ndarray,
    n_regions: int,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-region max and mean score, float64 ``(n_regions + 1,)`` indexed by label (0 unused)."""
    maxima = np.full(n_regions + 1, -np.inf)
    sums = np.zeros(n_regions + 1)
    counts = np.zeros(n_regions + 1, dtype=np.int64)
    for row_start, n_rows in row_blocks(src.height, BLOCK_ROWS):
        cancel.raise_if_cancelled()
        block = labels[row_start : row_start + n_rows]
        inside = block > 0
        if inside.any():
            ids = block[inside]
            scores = read_score_rows(src, row_start, n_rows)[inside].astype(np.float64)
            order = np.argsort(ids, kind="stable")  # group each region's pixels
            ids, scores = ids[order], scores[order]
            starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
            first = ids[starts]
            maxima[first] = np.maximum(maxima[first], np.maximum.reduceat(scores, starts))
            sums[first] += np.add.reduceat(scores, starts)
            counts[first] += np.diff(np.r_[starts, ids.size])
        progress((row_start + n_rows) / src.height, "measuring scores")
    return maxima, sums / np.maximum(counts, 1)


def _region_outlines(labels: np.ndarray, transform: Affine) -> dict[int, ogr.Geometry]:
    """OGR MultiPolygons (raster CRS, holes as inner rings) of every label, keyed by label.

    Outlines are traced with 4-connectivity, which gives valid polygons; a region joined only
    through pixel corners (``connectivity=8``) becomes several polygons of one MultiPolygon.
    """
    outlines: dict[int, ogr.Geometry] = {}
    shapes = features.shapes(labels, labels > 0, connectivity=4, transform=transform)
    for geometry, value in shapes:
        if int(value) not in outlines:
            outlines[int(value)] = ogr.Geometry(ogr.wkbMultiPolygon)
        outlines[int(value)].AddGeometry(ogr.CreateGeometryFromJson(json.dumps(geometry)))
    return outlines


def _regions(
    outlines: dict[int, ogr.Geometry],
    scores: tuple[np.ndarray, np.ndarray],
    metric: MetricSpace,
    limits_m: tuple[float, float],
    progress: ProgressCallback,
    cancel: CancelToken,
) -> Iterator[Region]:
    """Yield regions in label order, simplified, dropping those under ``min_area_m2``.

    ``scores`` is ``(maxima, means)`` indexed by label; ``limits_m`` is
    ``(min_area_m2, simplify_m)``.
    """
    (maxima, means), (min_area_m2, simplify_m) = scores, limits_m
    for done, label in enumerate(sorted(outlines), start=1):
        cancel.raise_if_cancelled()
        geom, area_m2 = metric.measure(outlines.pop(label), simplify_m)
        progress(done / (done + len(outlines)), "polygonizing")
        if not geom.IsEmpty() and area_m2 >= min_area_m2:
            yield ogr.ForceToMultiPolygon(geom), area_m2, float(maxima[label]), float(means[label])


def _create_layer(path: str, srs: osr.SpatialReference) -> tuple[ogr.DataSource, ogr.Layer]:
    """Create a GeoPackage at ``path`` holding the empty ``anomalies`` layer with its fields."""
    source = layer = None
    try:
        source = ogr.GetDriverByName("GPKG").CreateDataSource(path)
        layer = None if source is None else source.CreateLayer(LAYER_NAME, srs, ogr.wkbMultiPolygon)
        if layer is not None and all(layer.CreateField(ogr.FieldDefn(*f)) == 0 for f in FIELDS):
            return source, layer
    except RuntimeError as exc:  # raised instead of returning None after ogr.UseExceptions()
        raise OutputError(f"Cannot create GeoPackage {path} ({exc}): check the folder.") from exc
    finally:
        layer = source = None  # close the file on failure (the return value keeps it open)
    raise OutputError(f"Cannot create GeoPackage {path}: check the folder and free disk space.")


def _write_regions(
    path: str,
    srs: osr.SpatialReference,
    regions: Iterable[Region],
    tags: tuple[str, float],
) -> int:
    """Write ``regions`` with ``tags = (method, threshold)``; close the file; return the count."""
    source, layer = _create_layer(path, srs)
    try:
        layer.StartTransaction()
        written, definition = 0, layer.GetLayerDefn()
        for geom, *measures in regions:
            feature = ogr.Feature(definition)
            feature.SetGeometryDirectly(geom)
            for index, value in enumerate((*measures, *tags)):  # in FIELDS order
                feature.SetField(index, value)
            if layer.CreateFeature(feature) != 0:
                raise OutputError(f"Cannot write a feature to {path}: check free disk space.")
            written += 1
        if layer.CommitTransaction() != 0:
            raise OutputError(f"Cannot write features to {path}: check free disk space.")
    finally:
        del layer, source  # release the OGR handles (closes the file) before the rename
    return written
