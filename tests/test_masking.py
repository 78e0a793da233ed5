"""Tests of backend.masking on tiny generated score rasters."""

from __future__ import annotations

import os
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import from_origin

from backend.errors import (
    CancelledError,
    EmptyDataError,
    InputError,
    MissingFileError,
    OutputError,
)
from backend.masking import threshold_block, write_mask
from backend.progress import CancelToken

THRESHOLD = 0.7
UTM33 = CRS.from_epsg(32633)
TRANSFORM_10M = from_origin(500_000.0, 5_000_000.0, 10.0, 10.0)


def make_scores(rows: int = 60, cols: int = 80, seed: int = 0) -> np.ndarray:
    """float32 (rows, cols): background < 0.5, a NaN border of 2 px, two planted blobs >= 0.8."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.0, 0.5, (rows, cols)).astype(np.float32)
    scores[10:30, 10:30] = rng.uniform(0.8, 1.0, (20, 20))
    scores[18:22, 18:22] = 0.1
    scores[40:43, 60:63] = 0.9
    scores[:2, :] = scores[-2:, :] = np.nan
    scores[:, :2] = scores[:, -2:] = np.nan
    return scores


def write_raster(
    path: Path, scores: np.ndarray, crs=UTM33, transform=TRANSFORM_10M, **extra
) -> Path:
    """Write ``scores`` (bands, rows, cols) or (rows, cols) as a float32 GeoTIFF."""
    data = scores if scores.ndim == 3 else scores[np.newaxis]
    profile = {
        "driver": "GTiff",
        "width": data.shape[2],
        "height": data.shape[1],
        "count": data.shape[0],
        "dtype": "float32",
        "crs": crs,
        "transform": transform,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile, **extra) as dst:
            dst.write(data.astype(np.float32))
    return path


def read_mask(path: Path) -> tuple[np.ndarray, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path) as src:
            return src.read(1), src.profile


@pytest.fixture()
def score_path(tmp_path: Path) -> Path:
    return write_raster(tmp_path / "score.tif", make_scores())


def test_threshold_block_classes() -> None:
    scores = np.array([[0.69, 0.7, 0.71], [np.nan, -np.inf, np.inf]], dtype=np.float32)
    out = threshold_block(scores, np.float32(0.7))
    assert out.dtype == np.uint8
    assert out.tolist() == [[0, 0, 1], [255, 0, 1]]  # strictly above: a tie is normal


def test_mask_values_grid_and_counts(score_path: Path, tmp_path: Path) -> None:
    scores = make_scores()
    counts = write_mask(score_path, tmp_path / "mask.tif", THRESHOLD)
    mask, profile = read_mask(tmp_path / "mask.tif")
    expected = np.where(np.isnan(scores), 255, (scores > THRESHOLD).astype(np.uint8))
    np.testing.assert_array_equal(mask, expected)
    assert profile["dtype"] == "uint8" and profile["nodata"] == 255
    assert profile["crs"] == UTM33 and profile["transform"] == TRANSFORM_10M
    assert profile["tiled"] and profile["compress"] == "deflate"
    assert counts == {
        "anomalous_px": int((expected == 1).sum()),
        "normal_px": int((expected == 0).sum()),
        "nodata_px": int((expected == 255).sum()),
    }
    assert counts["anomalous_px"] == 400 - 16 + 9


def test_small_blocks_give_identical_output(score_path: Path, tmp_path: Path) -> None:
    whole = write_mask(score_path, tmp_path / "whole.tif", THRESHOLD)
    streamed = write_mask(score_path, tmp_path / "streamed.tif", THRESHOLD, block_rows=7)
    assert whole == streamed
    np.testing.assert_array_equal(
        read_mask(tmp_path / "whole.tif")[0], read_mask(tmp_path / "streamed.tif")[0]
    )


def test_progress_reaches_one(score_path: Path, tmp_path: Path) -> None:
    seen: list[float] = []
    write_mask(
        score_path,
        tmp_path / "m.tif",
        THRESHOLD,
        block_rows=16,
        progress=lambda f, s: seen.append(f),
    )
    assert len(seen) == 4 and seen == sorted(seen) and seen[-1] == 1.0


def test_declared_nodata_value_is_no_data(tmp_path: Path) -> None:
    scores = np.full((20, 30), 0.2, dtype=np.float32)
    scores[5, 5] = -9999.0
    scores[6, 6] = 0.9
    path = write_raster(tmp_path / "s.tif", scores, nodata=-9999.0)
    counts = write_mask(path, tmp_path / "m.tif", THRESHOLD)
    mask, _ = read_mask(tmp_path / "m.tif")
    assert mask[5, 5] == 255 and mask[6, 6] == 1
    assert counts == {"anomalous_px": 1, "normal_px": 598, "nodata_px": 1}


def test_no_crs_raster_keeps_no_crs(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "s.tif", make_scores(), crs=None, transform=None)
    write_mask(path, tmp_path / "m.tif", THRESHOLD)
    mask, profile = read_mask(tmp_path / "m.tif")
    assert profile["crs"] is None
    assert mask[15, 15] == 1


@pytest.mark.parametrize("threshold", [float("nan"), float("inf"), "high", None])
def test_bad_threshold(score_path: Path, tmp_path: Path, threshold) -> None:
    with pytest.raises(InputError, match="Threshold"):
        write_mask(score_path, tmp_path / "m.tif", threshold)
    assert not (tmp_path / "m.tif").exists()


def test_bad_block_rows_writes_nothing(score_path: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="block_rows"):
        write_mask(score_path, tmp_path / "m.tif", THRESHOLD, block_rows=0)
    assert sorted(os.listdir(tmp_path)) == ["score.tif"]


def test_missing_and_multiband_inputs(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError):
        write_mask(tmp_path / "nope.tif", tmp_path / "m.tif", THRESHOLD)
    path = write_raster(tmp_path / "two.tif", np.zeros((2, 10, 10), dtype=np.float32))
    with pytest.raises(InputError, match="2 bands"):
        write_mask(path, tmp_path / "m.tif", THRESHOLD)
    assert not (tmp_path / "m.tif").exists()


def test_all_nan_raises_and_writes_nothing(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "s.tif", np.full((10, 10), np.nan, dtype=np.float32))
    with pytest.raises(EmptyDataError):
        write_mask(path, tmp_path / "m.tif", THRESHOLD)
    assert sorted(os.listdir(tmp_path)) == ["s.tif"]


def test_unwritable_output_folder(score_path: Path, tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        write_mask(score_path, tmp_path / "missing" / "m.tif", THRESHOLD)
    assert sorted(os.listdir(tmp_path)) == ["score.tif"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_output_folder(score_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError):
            write_mask(score_path, folder / "m.tif", THRESHOLD)
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o700)


def test_cancel_leaves_no_file(score_path: Path, tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        write_mask(score_path, tmp_path / "m.tif", THRESHOLD, cancel=token)
    assert sorted(os.listdir(tmp_path)) == ["score.tif"]


def test_memory_does_not_grow_with_raster_height(tmp_path: Path) -> None:
    rows, cols = 2000, 1000  # 8 MB of float32 scores
    scores = np.tile(np.linspace(0.0, 1.0, cols, dtype=np.float32), (rows, 1))
    path = write_raster(tmp_path / "tall.tif", scores)
    tracemalloc.start()
    try:
        counts = write_mask(path, tmp_path / "m.tif", 0.5, block_rows=64)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counts["anomalous_px"] + counts["normal_px"] == rows * cols
    assert peak_bytes < 2_000_000  # a few 64-row blocks, far below the 8 MB raster
