"""Anomaly polygons: connected regions of ``score > threshold`` written to a GeoPackage.

The score raster is read in strips of rows, so that memory stays flat in raster size: each strip's
anomalous pixels are labelled (:func:`scipy.ndimage.label`), their outlines traced with
:func:`rasterio.features.shapes` (holes kept) and their max and mean score summed up; regions that
touch across a strip boundary are joined (union-find over the boundary's pixel pairs) and their
pieces dissolved into one outline when the region ends. A region is written as soon as a strip
holds none of it, so only the regions that cross the current boundary are kept; features come in
the order their regions end, top to bottom (left to right within a strip). Every outline is then
measured and optionally simplified in metres and written with OGR.

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
    ANOMALOUS,
    NODATA,
    check_threshold,
    no_valid_pixel,
    open_score_raster,
    read_score_rows,
    row_blocks,
    threshold_block,
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
        strips = _Strips(src, threshold, connectivity)
        limits_m = (min_area_m2, simplify_m)
        regions = _measured(strips.regions(scaled(report, 0.0, 0.95), cancel), metric, limits_m, cancel)
        n_written = _write_regions(os.fspath(tmp), srs, regions, (str(method), threshold))
        if strips.valid_px == 0:
            raise no_valid_pixel(src)
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


@dataclass
class _Piece:
    """What is known of one region so far: its outlines (one MultiPolygon per strip it crossed),
    score statistics and first pixel (row, col)."""

    outlines: list[ogr.Geometry]
    maximum: float
    total: float
    count: int
    first: tuple[int, int]

    def absorb(self, other: _Piece) -> None:
        self.outlines += other.outlines
        self.maximum = max(self.maximum, other.maximum)
        self.total += other.total
        self.count += other.count
        self.first = min(self.first, other.first)

    def outline(self) -> ogr.Geometry:
        """The region's outline: the strips' pieces dissolved along the boundaries they share."""
        if len(self.outlines) == 1:
            return self.outlines[0]
        parts = ogr.Geometry(ogr.wkbMultiPolygon)
        for geom in self.outlines:
            for i in range(geom.GetGeometryCount()):
                parts.AddGeometry(geom.GetGeometryRef(i))
        joined = parts.UnionCascaded()
        if joined is None:
            raise OutputError("Cannot join region outlines (GDAL built without GEOS).")
        return joined


class _UnionFind:
    """Keys joined into groups; a group's root is its smallest key (the oldest region)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def root(self, key: int) -> int:
        while self.parent.get(key, key) != key:
            key = self.parent[key]
        return key

    def join(self, a: int, b: int) -> None:
        a, b = self.root(a), self.root(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


class _Strips:
    """The regions of ``score > threshold`` of an open score raster, strip by strip (see the module
    docstring); ``valid_px`` counts the valid scores read."""

    def __init__(self, src: DatasetReader, threshold: float, connectivity: int) -> None:
        self.src, self.threshold = src, threshold
        self.structure = ndimage.generate_binary_structure(2, 1 if connectivity == 4 else 2)
        self.shifts = (0,) if connectivity == 4 else (-1, 0, 1)
        self.valid_px = 0

    def regions(self, progress: ProgressCallback, cancel: CancelToken) -> Iterator[_Piece]:
        src = self.src
        open_: dict[int, _Piece] = {}  # regions that reach the previous strip's last row, by key
        bottom = np.zeros(src.width, np.int64)  # their keys along that row (0: none)
        next_key = 1
        for row_start, n_rows in row_blocks(src.height, BLOCK_ROWS):
            cancel.raise_if_cancelled()
            scores = read_score_rows(src, row_start, n_rows)
            classes = threshold_block(scores, self.threshold)
            self.valid_px += int(np.count_nonzero(classes != NODATA))
            labels, n = ndimage.label(classes == ANOMALOUS, structure=self.structure)
            keys = np.arange(n + 1, dtype=np.int64) + next_key - 1  # label -> key (label 0 unused)
            next_key += n
            fresh = {
                int(keys[label]): piece for label, piece in self._pieces(labels, n, scores, row_start).items()
            }
            # Regions that touch across the boundary with the previous strip are one region.
            joins = _UnionFind()
            for above, below in self._links(bottom, labels[0], keys):
                joins.join(above, below)
            groups: dict[int, _Piece] = {}
            for k, piece in [*open_.items(), *fresh.items()]:
                r = joins.root(k)
                if r in groups:
                    groups[r].absorb(piece)
                else:
                    groups[r] = piece
            last = labels[-1]
            roots = np.zeros(n + 1, np.int64)  # label -> its region's key, for labels on the last row
            if row_start + n_rows < src.height:
                for label in np.unique(last[last > 0]):
                    roots[label] = joins.root(int(keys[label]))
            bottom = roots[last]
            reaching = set(np.unique(bottom[bottom > 0]).tolist())
            open_ = {r: piece for r, piece in groups.items() if r in reaching}
            ended = [piece for r, piece in groups.items() if r not in reaching]
            yield from sorted(ended, key=lambda piece: piece.first)
            progress((row_start + n_rows) / src.height, "polygonizing")

    def _links(self, above: np.ndarray, top: np.ndarray, keys: np.ndarray) -> Iterator[tuple[int, int]]:
        """(key above, key below) of the anomalous pixels that touch across the boundary."""
        width = above.size
        pairs = set()
        for dc in self.shifts:  # the pixel below is dc columns to the right
            a = above[max(0, -dc) : width - max(0, dc)]
            b = top[max(0, dc) : width - max(0, -dc)]
            both = (a > 0) & (b > 0)
            pairs.update(zip(a[both].tolist(), keys[b[both]].tolist()))
        yield from pairs

    def _pieces(self, labels: np.ndarray, n: int, scores, row_start: int) -> dict[int, _Piece]:
        """Each label's piece: outline (raster CRS), score statistics and first pixel."""
        if n == 0:
            return {}
        inside = labels > 0
        ids, values = labels[inside], scores[inside].astype(np.float64)
        totals = np.bincount(ids, weights=values, minlength=n + 1)
        counts = np.bincount(ids, minlength=n + 1)
        maxima = np.full(n + 1, -np.inf)
        np.maximum.at(maxima, ids, values)
        _, first = np.unique(labels.ravel(), return_index=True)  # raster order: label 0 first
        first = first[1:] if labels.ravel()[first[0]] == 0 else first
        transform = self.src.transform * Affine.translation(0, row_start)
        outlines: dict[int, ogr.Geometry] = {}
        for geometry, value in features.shapes(labels, inside, connectivity=4, transform=transform):
            label = int(value)
            if label not in outlines:
                outlines[label] = ogr.Geometry(ogr.wkbMultiPolygon)
            outlines[label].AddGeometry(ogr.CreateGeometryFromJson(json.dumps(geometry)))
        width = labels.shape[1]
        return {
            label: _Piece(
                [outlines[label]], float(maxima[label]), float(totals[label]), int(counts[label]),
                (row_start + int(first[label - 1]) // width, int(first[label - 1]) % width),
            )
            for label in range(1, n + 1)
        }  # fmt: skip


def _measured(
    pieces: Iterable[_Piece],
    metric: MetricSpace,
    limits_m: tuple[float, float],
    cancel: CancelToken,
) -> Iterator[Region]:
    """Each region's outline, simplified and measured, dropping those under ``min_area_m2``;
    ``limits_m`` is ``(min_area_m2, simplify_m)``."""
    min_area_m2, simplify_m = limits_m
    for piece in pieces:
        cancel.raise_if_cancelled()
        geom, area_m2 = metric.measure(piece.outline(), simplify_m)
        if not geom.IsEmpty() and area_m2 >= min_area_m2:
            mean = piece.total / max(piece.count, 1)
            yield ogr.ForceToMultiPolygon(geom), area_m2, piece.maximum, mean


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
