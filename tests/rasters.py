"""Generator of the tiny test rasters (real CRS, nodata border, planted anomaly).

Used by the fixtures in conftest.py; run it directly to write the set to a folder for a look:
``python tests/rasters.py OUTDIR``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import from_origin

UTM31 = CRS.from_epsg(32631)
ORIGIN = (600_000.0, 4_800_000.0)  # UTM 31N, southern France
PIXEL_M = 10.0
SHAPE = (96, 128)  # rows, cols
ANOMALY = (slice(40, 52), slice(60, 76))  # 12 x 16 px planted anomaly
BORDER_PX = 3  # nodata border width
NODATA = 0


def write(path: Path, data: np.ndarray, crs=UTM31, transform=None, nodata=None) -> Path:
    """Write ``data`` (bands, rows, cols) as a GeoTIFF; ``crs=None`` writes a non-georeferenced one."""
    profile = {
        "driver": "GTiff",
        "count": data.shape[0],
        "height": data.shape[1],
        "width": data.shape[2],
        "dtype": data.dtype.name,
        "nodata": nodata,
    }
    if crs is not None:
        profile.update(crs=crs, transform=transform or from_origin(*ORIGIN, PIXEL_M, PIXEL_M))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile) as ds:
            ds.write(data)
    return path


def optical(seed: int = 0, anomaly: bool = True, bands: int = 4) -> np.ndarray:
    """uint16 (bands, rows, cols): correlated smooth background, a bright planted anomaly, and a
    nodata (0) border of ``BORDER_PX``."""
    rng = np.random.default_rng(seed)
    rows, cols = SHAPE
    yy, xx = np.mgrid[0:rows, 0:cols]
    base = 1000 + 300 * np.sin(xx / 9.0) + 200 * np.cos(yy / 7.0)
    data = np.stack([base * (1 + 0.2 * b) + rng.normal(0, 25, SHAPE) for b in range(bands)])
    if anomaly:
        data[:, ANOMALY[0], ANOMALY[1]] += 900 * (np.arange(bands)[:, None, None] % 2 * 2 - 1) + 600
    data = np.clip(data, 1, 60000).astype(np.uint16)
    data[:, :BORDER_PX, :] = data[:, -BORDER_PX:, :] = NODATA
    data[:, :, :BORDER_PX] = data[:, :, -BORDER_PX:] = NODATA
    return data


def sar(seed: int = 1, anomaly: bool = True) -> np.ndarray:
    """float32 (2, rows, cols) backscatter in dB (VV, VH) with NaN border; the anomaly is a dark
    (flooded) patch."""
    rng = np.random.default_rng(seed)
    data = np.stack([rng.normal(-9, 1.5, SHAPE), rng.normal(-16, 1.5, SHAPE)]).astype(np.float32)
    if anomaly:
        data[:, ANOMALY[0], ANOMALY[1]] -= 12
    data[:, :BORDER_PX, :] = np.nan
    return data


def anomaly_mask() -> np.ndarray:
    m = np.zeros(SHAPE, dtype=bool)
    m[ANOMALY] = True
    return m


def main(out: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    write(folder / "post.tif", optical(0), nodata=NODATA)
    write(folder / "pre.tif", optical(5, anomaly=False), nodata=NODATA)
    write(folder / "sar.tif", sar(), nodata=float("nan"))
    print(f"wrote test rasters to {folder}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "test-rasters")
