"""Anomaly masks: a score raster thresholded into a uint8 GeoTIFF, streamed in row blocks.

A score raster is single-band float32, higher = more anomalous, NaN = no data (infinities and a
finite ``nodata`` value declared on the band are read as NaN too). The mask is ``1`` where
``score > threshold``, ``0`` where ``score <= threshold`` and ``255`` (the declared nodata) where
the score is NaN. This module also holds the score-raster readers that :mod:`backend.vectorize`
shares.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import DatasetReader
from rasterio.windows import Window

from .atomic import atomic_output
from .errors import EmptyDataError, InputError, NotARasterError, OutputError
from .outputs import PRODUCT_TAG, claim_outputs, protected_paths
from .progress import CancelToken, ProgressCallback, no_progress
from .raster import READ_ERRORS, gdal_env, is_complex, open_raster

ANOMALOUS = 1
NORMAL = 0
NODATA = 255
TILE_SIZE_PX = 256


def threshold_block(scores: np.ndarray, threshold: float) -> np.ndarray:
    """Classify a block of scores.

    Args:
        scores: float array of any shape (usually float32 ``(rows, cols)``); NaN = no data.
        threshold: scores ``> threshold`` are anomalous (strictly: scores tied at a threshold taken
            from a false-alarm rate are normal, see :mod:`backend.calibration`).

    Returns:
        uint8 array of the same shape: 1 anomalous, 0 normal, 255 where ``scores`` is NaN.
    """
    scores = np.asarray(scores)
    out = np.full(scores.shape, NORMAL, dtype=np.uint8)
    with np.errstate(invalid="ignore"):
        out[scores > threshold] = ANOMALOUS
    out[np.isnan(scores)] = NODATA
    return out


def check_threshold(threshold: float) -> float:
    """Return ``threshold`` as a float; raise :class:`InputError` unless it is a finite number."""
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(threshold, bool) or not math.isfinite(value):
        raise InputError(f"Threshold must be a finite number, got {threshold!r}: give a score.")
    return value


@contextlib.contextmanager
def open_score_raster(path: str | os.PathLike[str]) -> Iterator[DatasetReader]:
    """Open a single-band score raster for reading (GDAL's block cache bounded: memory stays flat in
    raster size); close it on exit.

    Raises:
        MissingFileError: ``path`` does not exist.
        NotARasterError: GDAL cannot read it.
        InputError: it has more than one band.
    """
    with gdal_env(), open_raster(path) as src:
        if src.count != 1:
            name = os.fspath(path)
            raise InputError(f"Score raster {name} has {src.count} bands, expected 1.")
        if is_complex(src.dtypes[0]):
            raise InputError(
                f"Score raster {path} holds complex values: give a score written by raresight score."
            )
        yield src


def row_blocks(height_px: int, block_rows: int) -> Iterator[tuple[int, int]]:
    """Yield ``(row_start, n_rows)`` covering ``height_px`` rows in blocks of ``block_rows``."""
    if isinstance(block_rows, bool) or not isinstance(block_rows, int) or block_rows < 1:
        raise InputError(f"block_rows must be a positive integer, got {block_rows!r}.")
    for row_start in range(0, height_px, block_rows):
        yield row_start, min(block_rows, height_px - row_start)


def read_score_rows(src: DatasetReader, row_start: int, n_rows: int) -> np.ndarray:
    """Read rows ``[row_start, row_start + n_rows)`` of band 1.

    Returns:
        float32 ``(n_rows, width)``; NaN where the score is NaN, infinite or the band's nodata.

    Raises:
        InputError: GDAL fails to read the block (corrupt or truncated file).
    """
    window = Window(0, row_start, src.width, n_rows)
    try:
        scores = src.read(1, window=window, out_dtype=np.float32)
    except READ_ERRORS as exc:
        raise NotARasterError(
            f"Cannot read rows {row_start}+{n_rows} of {src.name} ({str(exc).splitlines()[0][:120]}): "
            "the file is truncated or damaged; re-run raresight score."
        ) from None
    nodata = src.nodata
    if nodata is not None and not math.isnan(nodata):
        scores[scores == np.float32(nodata)] = np.nan
    scores[np.isinf(scores)] = np.nan
    return scores


def write_mask(
    score_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    threshold: float,
    *,
    block_rows: int = 512,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> dict[str, int]:
    """Write the anomaly mask of a score raster as a uint8 GeoTIFF (tiled, DEFLATE, nodata=255).

    The mask has the score raster's grid, CRS and transform. Reading and writing go in blocks of
    ``block_rows`` full-width rows, so memory does not grow with the raster height.

    Args:
        score_path: single-band score raster (higher = more anomalous, NaN = no data).
        out_path: output GeoTIFF; written atomically (nothing appears on failure or cancel).
        threshold: scores ``> threshold`` become 1, other scores 0, NaN 255.
        block_rows: rows per block.
        progress: called with ``(fraction, "masking")`` after each block.
        cancel: polled before each block.

    Returns:
        Pixel counts ``{"anomalous_px", "normal_px", "nodata_px"}``.

    Raises:
        InputError: bad threshold or block_rows, or an unreadable score raster.
        EmptyDataError: every score is NaN (no output is written).
        OutputError: the output cannot be written.
        CancelledError: ``cancel`` was set.
    """
    threshold = check_threshold(threshold)
    claim_outputs([(out_path, "mask")], protected_paths(score_path))
    with open_score_raster(score_path) as src, atomic_output(out_path) as tmp:
        report = progress or no_progress
        counts = _write_mask_blocks(src, tmp, threshold, block_rows, report, cancel)
        if counts["nodata_px"] == src.width * src.height:
            raise no_valid_pixel(src)
    return counts


def no_valid_pixel(src: DatasetReader) -> EmptyDataError:
    """The error of a score raster without a valid pixel."""
    return EmptyDataError(f"Score raster {src.name} holds no valid pixel: check the scoring step.")


def _mask_profile(src: DatasetReader) -> dict:
    """Creation options of the mask: the score raster's grid, tiled, DEFLATE, uint8."""
    return {
        "driver": "GTiff",
        "width": src.width,
        "height": src.height,
        "count": 1,
        "dtype": "uint8",
        "nodata": NODATA,
        "crs": src.crs,
        "transform": src.transform,
        "tiled": True,
        "blockxsize": TILE_SIZE_PX,
        "blockysize": TILE_SIZE_PX,
        "compress": "deflate",
    }


def _write_mask_blocks(
    src: DatasetReader,
    tmp: Path,
    threshold: float,
    block_rows: int,
    progress: ProgressCallback,
    cancel: CancelToken | None,
) -> dict[str, int]:
    """Stream ``src`` through :func:`threshold_block` into a GeoTIFF at ``tmp``; return counts."""
    counts = np.zeros(256, dtype=np.int64)
    blocks = list(row_blocks(src.height, block_rows))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            dst = rasterio.open(tmp, "w", **_mask_profile(src))
        with dst:
            dst.update_tags(**{PRODUCT_TAG: "mask"})
            for row_start, n_rows in blocks:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                mask = threshold_block(read_score_rows(src, row_start, n_rows), threshold)
                counts += np.bincount(mask.ravel(), minlength=256)
                dst.write(mask, 1, window=Window(0, row_start, src.width, n_rows))
                progress((row_start + n_rows) / src.height, "masking")
    except READ_ERRORS as exc:
        raise OutputError(
            f"Cannot write the mask in {tmp.parent} ({exc}): check free disk space and permissions."
        ) from exc
    return {
        "anomalous_px": int(counts[ANOMALOUS]),
        "normal_px": int(counts[NORMAL]),
        "nodata_px": int(counts[NODATA]),
    }
