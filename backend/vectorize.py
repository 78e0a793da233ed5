"""Anomaly polygons: connected regions of ``score > threshold`` written to a GeoPackage.

The score raster is read in strips of rows, so that memory stays flat in raster size: each strip's
anomalous pixels are labelled (:func:`scipy.ndimage.label`), their outlines traced with
:func:`rasterio.features.shapes` (holes kept) and their max and mean score summed up; regions that
touch across a strip boundary are joined (union-find over the boundary's pixel pairs) and their
pieces dissolved into one outline when the region ends. A region is written as soon as a strip
holds none of it, so only the regions that cross the current boundary are kept; features come in
the order their regions end, top to bottom (left to right within a strip). Every outline is then
measured and optionally simplified in metres (shapely, pyproj) and written in batches of
:data:`WRITE_BATCH` features with pyogrio (GDAL's GeoPackage driver in the wheel: no system GDAL).

Metres: a projected CRS is scaled by its linear unit; a geographic CRS goes through a Lambert
azimuthal equal-area projection centred on the raster. A raster with no CRS has no metres: its
areas are in pixels (the field is ``area_px`` instead of ``area_m2``, and ``min_area_m2`` and
``simplify_m`` count pixels). A raster without any georeferencing (no geotransform, GCPs or RPCs)
is drawn by QGIS with one unit per pixel and y growing upwards (row r at y = -r), so its outlines
use that convention too and land on the raster as QGIS shows it.

Scores and areas are rounded to :data:`SCORE_DIGITS` significant digits and to 0.01 area units
(an attribute table of 17-digit floats says nothing more).
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from rasterio import features
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import DatasetReader
from rasterio.transform import Affine
from scipy import ndimage
from shapely.geometry import MultiPolygon, Polygon

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
#: Features written to the GeoPackage at a time (memory stays bounded by this many outlines).
WRITE_BATCH = 4096
#: GeoPackage 1.2, which every GDAL since 2.2 reads without a warning (QGIS 3.22's GDAL 3.6 warns
#: on the 1.4 files that newer GDALs write by default).
GPKG_OPTIONS = {"VERSION": "1.2"}
#: The layer's fields, in this order (``area_px`` replaces ``area_m2`` for a raster with no CRS).
FIELDS = ("area_m2", "max_score", "mean_score", "false_alarm_rate", "method", "threshold")
#: Significant digits kept of the scores, thresholds and rates written.
SCORE_DIGITS = 5
#: QGIS's placement of a raster without georeferencing: one unit per pixel, y up (row r at -r).
QGIS_PIXEL_GRID = Affine(1.0, 0.0, 0.0, 0.0, -1.0, 0.0)

# GeoPackage srs_id -1; a null SRS would be stored as "undefined geographic" (srs_id 0).
UNDEFINED_CARTESIAN = 'LOCAL_CS["Undefined cartesian SRS"]'

# One region ready to write: (multipolygon in the raster CRS, area, max_score, mean_score).
Region = tuple[MultiPolygon, float, float, float]
#: Coordinates ``(n, 2)`` of one CRS to another.
Reproject = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class MetricSpace:
    """Measures and simplifies geometries of the raster CRS in metres.

    With ``to_metric`` set (geographic CRS), geometries are projected to a local equal-area CRS in
    metres; otherwise raster-CRS units are scaled by ``metres_per_unit``.
    """

    metres_per_unit: float = 1.0
    to_metric: Reproject | None = None
    to_source: Reproject | None = None

    def measure(self, geoms: np.ndarray, simplify_m: float) -> tuple[np.ndarray, np.ndarray]:
        """``(geoms simplified by simplify_m metres, in the raster CRS; their areas in m2)`` of an
        array of geometries (shapely's vectorised functions: one call for the whole array)."""
        if self.to_metric is None or self.to_source is None:
            if simplify_m > 0:
                geoms = shapely.simplify(geoms, simplify_m / self.metres_per_unit, preserve_topology=True)
            return geoms, shapely.area(geoms) * self.metres_per_unit**2
        metric = shapely.transform(geoms, self.to_metric)
        if simplify_m > 0:
            metric = shapely.simplify(metric, simplify_m, preserve_topology=True)
            geoms = shapely.transform(metric, self.to_source)
        return geoms, shapely.area(metric)


def polygonize(
    score_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    threshold: float,
    *,
    min_area_m2: float = 0.0,
    simplify_m: float = 0.0,
    method: str = "",
    connectivity: int = 8,
    false_alarm_rate: float | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> int:
    """Write one GeoPackage feature per connected region of ``score > threshold``.

    The layer ``anomalies`` (MultiPolygon, holes preserved, the score raster's CRS) has the fields
    ``area_m2`` (``area_px`` without a CRS), ``max_score``, ``mean_score`` (over the region's
    pixels), ``false_alarm_rate`` (empty when not given), ``method`` and ``threshold``. With no
    region the GeoPackage still holds the empty layer.

    Args:
        score_path: single-band score raster (higher = more anomalous; NaN = no data, never
            anomalous).
        out_path: output ``.gpkg``; written atomically (nothing appears on failure or cancel).
        threshold: pixels with ``score > threshold`` are anomalous.
        min_area_m2: regions smaller than this (after simplification) are dropped.
        simplify_m: topology-preserving simplification tolerance in metres; 0 keeps pixel edges.
        method: detector name stored in every feature.
        connectivity: 4 (edge neighbours) or 8 (edge and corner neighbours) form one region.
        false_alarm_rate: the false-alarm rate ``threshold`` stands for, stored in every feature.
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
        crs, metric = _metric_space(src)
        strips = _Strips(src, threshold, connectivity)
        limits_m = (min_area_m2, simplify_m)
        regions = _measured(strips.regions(scaled(report, 0.0, 0.95), cancel), metric, limits_m, cancel)
        tags = _Tags(
            str(method), threshold, false_alarm_rate, "area_px" if crs == UNDEFINED_CARTESIAN else "area_m2"
        )
        n_written = _write_regions(os.fspath(tmp), crs, regions, tags)
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


def pixel_grid(src: DatasetReader) -> Affine:
    """The transform that places ``src``'s pixels where QGIS draws them: its geotransform, or
    :data:`QGIS_PIXEL_GRID` when it has no georeferencing at all."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        transform, crs = src.transform, src.crs
        gcps, rpcs = src.gcps[0], src.rpcs
    if transform.is_identity and not crs and not gcps and not rpcs:
        return QGIS_PIXEL_GRID
    return transform


def _metric_space(src: DatasetReader) -> tuple[str, MetricSpace]:
    """Return the raster's CRS as WKT (undefined Cartesian without one) and its metric space."""
    from pyproj import CRS, Transformer
    from pyproj.crs import ProjectedCRS
    from pyproj.crs.coordinate_operation import LambertAzimuthalEqualAreaConversion
    from pyproj.exceptions import CRSError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        crs, transform = src.crs, src.transform
    if not crs:
        log.warning("Score raster %s has no CRS: areas and tolerances are in pixels.", src.name)
        return UNDEFINED_CARTESIAN, MetricSpace(1.0 / math.sqrt(abs(transform.determinant)))
    wkt = crs.to_wkt()
    try:
        source = CRS.from_wkt(wkt)
    except CRSError:
        raise InputError(f"Cannot read the CRS of {src.name}: reproject the score raster.") from None
    if not source.is_geographic:
        unit = source.axis_info[0].unit_conversion_factor if source.axis_info else 1.0
        return wkt, MetricSpace(float(unit or 1.0))
    left, bottom, right, top = src.bounds
    laea = ProjectedCRS(
        LambertAzimuthalEqualAreaConversion((bottom + top) / 2, (left + right) / 2),
        geodetic_crs=source.geodetic_crs,
    )
    forward = Transformer.from_crs(source, laea, always_xy=True)
    back = Transformer.from_crs(laea, source, always_xy=True)
    return wkt, MetricSpace(1.0, _reproject(forward), _reproject(back))


def _reproject(transformer) -> Reproject:
    def apply(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return apply


@dataclass
class _Piece:
    """What is known of one region so far: its outlines (one MultiPolygon per strip it crossed),
    score statistics and first pixel (row, col)."""

    outlines: list[MultiPolygon]
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

    def outline(self):
        """The region's outline: the strips' pieces dissolved along the boundaries they share."""
        if len(self.outlines) == 1:
            return self.outlines[0]
        return shapely.union_all(self.outlines)


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
        self.grid = pixel_grid(src)
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
        transform = self.grid * Affine.translation(0, row_start)
        outlines = _outlines(features.shapes(labels, inside, connectivity=4, transform=transform))
        width = labels.shape[1]
        return {
            label: _Piece(
                [outlines[label]], float(maxima[label]), float(totals[label]), int(counts[label]),
                (row_start + int(first[label - 1]) // width, int(first[label - 1]) % width),
            )
            for label in range(1, n + 1)
        }  # fmt: skip


def _outlines(shapes: Iterable[tuple[dict, float]]) -> dict[int, MultiPolygon]:
    """Each label's MultiPolygon from ``rasterio.features.shapes`` output, built by shapely's
    vectorised constructors (rings, then polygons, then one MultiPolygon per label), not one
    Python object at a time."""
    coords, ring_of_point, polygon_of_ring, label_of_polygon = [], [], [], []
    n_rings = 0
    for polygon, (geometry, value) in enumerate(shapes):
        for ring in geometry["coordinates"]:
            coords.append(np.asarray(ring, dtype=np.float64))
            ring_of_point.append(np.full(len(ring), n_rings))
            polygon_of_ring.append(polygon)
            n_rings += 1
        label_of_polygon.append(int(value))
    if not coords:
        return {}
    rings = shapely.linearrings(np.concatenate(coords), indices=np.concatenate(ring_of_point))
    polygons = shapely.polygons(rings, indices=np.asarray(polygon_of_ring))  # first ring: the shell
    labels = np.asarray(label_of_polygon)
    order = np.argsort(labels, kind="stable")
    unique, first = np.unique(labels[order], return_index=True)
    multis = shapely.multipolygons(
        polygons[order], indices=np.repeat(np.arange(unique.size), np.diff(np.append(first, order.size)))
    )
    return dict(zip(unique.tolist(), multis))


def _measured(
    pieces: Iterable[_Piece],
    metric: MetricSpace,
    limits_m: tuple[float, float],
    cancel: CancelToken,
) -> Iterator[list[Region]]:
    """The regions' outlines, simplified and measured, dropping those under ``min_area_m2``, in
    batches of up to :data:`WRITE_BATCH` (measured together); ``limits_m`` is
    ``(min_area_m2, simplify_m)``."""
    min_area_m2, simplify_m = limits_m
    chunk: list[_Piece] = []

    def measured() -> list[Region]:
        geoms = np.empty(len(chunk), dtype=object)
        geoms[:] = [piece.outline() for piece in chunk]
        geoms, areas = metric.measure(geoms, simplify_m)
        keep = ~shapely.is_empty(geoms) & (areas >= min_area_m2)
        return [
            (_multi(g), round(float(a), 2), _rounded(p.maximum), _rounded(p.total / max(p.count, 1)))
            for g, a, p, k in zip(geoms, areas, chunk, keep)
            if k
        ]

    for piece in pieces:
        cancel.raise_if_cancelled()
        chunk.append(piece)
        if len(chunk) >= WRITE_BATCH:
            yield measured()
            chunk = []
    if chunk:
        yield measured()


def _rounded(value: float | None) -> float:
    """``value`` to :data:`SCORE_DIGITS` significant digits (NaN for None)."""
    if value is None:
        return math.nan
    return float(f"{value:.{SCORE_DIGITS}g}") if math.isfinite(value) else float(value)


@dataclass(frozen=True)
class _Tags:
    """What every feature of one run carries besides its own measures."""

    method: str
    threshold: float
    false_alarm_rate: float | None
    area_field: str


def _multi(geom) -> MultiPolygon:
    """``geom``'s polygons as one MultiPolygon (a union or a simplification may give a Polygon)."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    return MultiPolygon([g for g in shapely.get_parts(geom) if isinstance(g, Polygon)])


def _write_regions(path: str, crs: str, batches: Iterable[list[Region]], tags: _Tags) -> int:
    """Write the regions of ``batches`` with ``tags``, one append per batch; return the count. The
    layer exists, with its fields, even with no region."""
    import pyogrio.raw

    fields = [tags.area_field, *FIELDS[1:]]
    threshold, rate = _rounded(tags.threshold), _rounded(tags.false_alarm_rate)
    written, created = 0, False
    for batch in [*batches, []]:
        if not batch and created:
            continue  # (an empty batch only makes the layer of a run with no region)
        n = len(batch)
        geoms = np.empty(n, dtype=object)
        geoms[:] = [g for g, *_ in batch]
        columns = [np.array([r[i] for r in batch], np.float64) for i in (1, 2, 3)]
        columns += [
            np.full(n, rate, np.float64),
            np.array([tags.method] * n, dtype=object),
            np.full(n, threshold, np.float64),
        ]
        try:
            pyogrio.raw.write(
                path, shapely.to_wkb(geoms), columns, fields, layer=LAYER_NAME, driver="GPKG",
                geometry_type="MultiPolygon", crs=crs, append=created, promote_to_multi=False,
                dataset_options=None if created else GPKG_OPTIONS,
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - pyogrio raises its own and GDAL's errors
            raise OutputError(
                f"Cannot write features to {path} ({str(exc).splitlines()[0][:160]}): check the folder and "
                "free disk space."
            ) from None
        written, created = written + n, True
    return written
