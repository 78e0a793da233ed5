"""Score rasters and their sidecars (the output contract).

* Score raster: single-band float32 GeoTIFF, tiled and compressed, on the first target's grid,
  NaN = no data, higher = more anomalous.
* Sidecar: ``<score file>.json`` beside it, holding method, inputs, parameters, software version and
  the calibration table (see :mod:`backend.calibration`).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning
from rasterio.windows import Window

from .calibration import Calibration
from .errors import CalibrationError, MissingFileError, OutputError, RareSightError
from .outputs import PRODUCT_TAG, sidecar_of
from .parallel import usable_cores
from .raster import READ_ERRORS, Grid

GTIFF_PROFILE: dict[str, Any] = {
    "driver": "GTiff",
    "dtype": "float32",
    "count": 1,
    "nodata": float("nan"),
    "tiled": True,
    "blockxsize": 256,
    "blockysize": 256,
    "compress": "deflate",
    "predictor": 3,
    # Level 1: 2.4x faster than the default 6 for 1.7 % more bytes on a 100 MP rx score (measured
    # by scripts/bench_throughput.py); compression runs in GDAL threads, one per core (NUM_THREADS
    # below).
    "zlevel": 1,
    "BIGTIFF": "IF_SAFER",
}


def sidecar_path(score_path: str | os.PathLike[str]) -> Path:
    """``score.tif`` -> ``score.tif.json``."""
    return Path(sidecar_of(score_path))


class ScoreRasterWriter:
    """Writes a score raster in row blocks: ``write_rows(row_off, block)`` with float32
    ``(rows, width)``. Use as a context manager."""

    def __init__(self, path: str | os.PathLike[str], grid: Grid, description: str = "") -> None:
        self.path, self.grid, self.description = Path(path), grid, description
        self._ds: rasterio.io.DatasetWriter | None = None

    def __enter__(self) -> ScoreRasterWriter:
        profile = dict(GTIFF_PROFILE, width=self.grid.width, height=self.grid.height)
        threads = usable_cores()
        if threads > 1:
            profile["num_threads"] = threads
        if self.grid.width < 256 or self.grid.height < 256:
            profile.update(tiled=False, blockxsize=None, blockysize=None)
            profile = {k: v for k, v in profile.items() if v is not None}
        if self.grid.crs is not None:
            profile.update(crs=self.grid.crs)
        if self.grid.crs is not None or not self.grid.transform.is_identity:
            profile.update(transform=self.grid.transform)  # a transform without CRS is kept too
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                self._ds = rasterio.open(self.path, "w", **profile)
        except READ_ERRORS as exc:
            raise OutputError(f"Cannot create {self.path} ({exc}): choose a writable path.") from None
        self._ds.update_tags(**{PRODUCT_TAG: "score"})
        if self.description:
            self._ds.set_band_description(1, self.description)
        return self

    def write_rows(self, row_off: int, block: np.ndarray) -> None:
        assert self._ds is not None
        window = Window(0, row_off, block.shape[1], block.shape[0])
        try:
            self._ds.write(block.astype(np.float32, copy=False), 1, window=window)
        except READ_ERRORS as exc:
            raise OutputError(f"Cannot write {self.path} ({exc}): check free disk space.") from None

    def __exit__(self, *exc: object) -> None:
        if self._ds is not None:
            ds, self._ds = self._ds, None
            try:
                ds.close()
            except READ_ERRORS as error:
                raise OutputError(f"Cannot write {self.path} ({error}): check free disk space.") from None


def write_sidecar(path: str | os.PathLike[str], content: dict) -> None:
    """Write a sidecar JSON (``path`` is the sidecar's own path)."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(content, f, indent=1, allow_nan=False, default=_jsonable)
        f.write("\n")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def read_sidecar(score_path: str | os.PathLike[str]) -> dict:
    """Read the sidecar of ``score_path``.

    Raises:
        MissingFileError: the score raster does not exist.
        CalibrationError: its sidecar is missing or unreadable.
    """
    if not Path(score_path).exists():
        raise MissingFileError(f"Score raster {score_path} does not exist: check the path.")
    side = sidecar_path(score_path)
    try:
        with open(side, encoding="utf-8") as f:
            content = json.load(f)
    except FileNotFoundError:
        raise CalibrationError(
            f"No sidecar {side.name} beside {score_path}: give --threshold, or re-run raresight score."
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CalibrationError(f"Sidecar {side} is unreadable ({exc}): re-run raresight score.") from None
    if not isinstance(content, dict):
        raise CalibrationError(
            f"Sidecar {side} is not a RareSight sidecar (not a JSON object): re-run raresight score."
        )
    return content


def resolve_threshold(
    score_path: str | os.PathLike[str],
    false_alarm_rate: float | None = None,
    threshold: float | None = None,
) -> tuple[float, float | None]:
    """The score threshold to apply to ``score_path`` and its false-alarm rate (None if unknown).

    An explicit ``threshold`` wins; else ``false_alarm_rate`` maps through the sidecar's
    calibration; else the sidecar's default threshold, whose rate is None when it is a method's
    physical threshold (``default_threshold_source`` "physical", see :mod:`backend.calibration`).
    """
    if threshold is not None and false_alarm_rate is not None:
        raise CalibrationError("Give either a threshold or a false-alarm rate, not both.")
    if threshold is not None:
        if not np.isfinite(threshold):
            raise CalibrationError(f"Threshold {threshold} is not a finite number.")
        if not Path(score_path).exists():
            raise MissingFileError(f"Score raster {score_path} does not exist: check the path.")
        return float(threshold), None
    side = read_sidecar(score_path)
    cal = sidecar_calibration(score_path, side)
    if false_alarm_rate is None:
        if cal.physical_threshold is not None:
            return cal.physical_threshold, None
        return cal.default_threshold, cal.default_false_alarm_rate
    return cal.threshold_for(false_alarm_rate), float(false_alarm_rate)


def polygon_rate(score_path: str | os.PathLike[str], threshold: float, rate: float | None) -> float | None:
    """The false-alarm rate to store with polygons cut at ``threshold``: ``rate`` when it chose the
    threshold; else the calibration's rate of ``threshold`` for an anomaly score, None for a prompt
    map (its physical threshold is no false-alarm rate) or a score without a readable table."""
    if rate is not None:
        return float(rate)
    try:
        cal = sidecar_calibration(score_path, read_sidecar(score_path))
    except RareSightError:
        return None
    return None if cal.physical_threshold is not None else cal.false_alarm_rate_for(threshold)


def sidecar_calibration(score_path: str | os.PathLike[str], side: dict) -> Calibration:
    """The calibration table of ``score_path``'s sidecar ``side``.

    Raises:
        CalibrationError: the sidecar has no usable table (the message names the sidecar).
    """
    name = sidecar_path(score_path)
    if not isinstance(side, dict) or not isinstance(side.get("calibration"), dict):
        raise CalibrationError(
            f"Sidecar {name} holds no calibration table: give --threshold, or re-run raresight score."
        )
    try:
        return Calibration.from_dict(side["calibration"])
    except CalibrationError as exc:
        raise CalibrationError(
            f"Sidecar {name} is damaged: {exc.message}; re-run raresight score, or give --threshold."
        ) from None
