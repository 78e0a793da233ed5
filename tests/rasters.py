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


def write(path: Path, data: np.ndarray, crs=UTM31, transform=None, nodata=None, **options) -> Path:
    """Write ``data`` ((bands,) rows, cols) as a GeoTIFF (or ``options["driver"]``); ``crs=None``
    writes one without CRS, and without transform unless ``transform`` is given."""
    if data.ndim == 2:
        data = data[None]
    profile = {
        "driver": "GTiff",
        "count": data.shape[0],
        "height": data.shape[1],
        "width": data.shape[2],
        "dtype": data.dtype.name,
        "nodata": nodata,
        **options,
    }
    if crs is not None:
        profile.update(crs=crs, transform=transform or from_origin(*ORIGIN, PIXEL_M, PIXEL_M))
    elif transform is not None:
        profile.update(transform=transform)
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


# Sentinel-2 / Sentinel-1 scenes for the spectral prompts: regions of known surface types.
S2_WATER = (slice(20, 40), slice(10, 50))  # open water (dark in SAR too)
S2_BARE = (slice(60, 80), slice(10, 50))  # bare soil
S2_CLOUD = (slice(20, 40), slice(80, 110))  # a cloud over water (the SAR sees the water)
S2_ODD = (slice(60, 64), slice(84, 92))  # water with an odd red-edge signature (anomalous)
#: Reflectance x 10000 of each surface, Sentinel-2 L1C band order (B1 ... B8, B8A, B9, B10, B11, B12).
S2_SIGNATURES = {
    "vegetation": (1000, 500, 800, 400, 1200, 3000, 3500, 4000, 4100, 1200, 10, 2000, 1000),
    "water": (900, 800, 700, 500, 400, 300, 300, 300, 250, 100, 10, 100, 50),
    "bare": (1300, 1200, 1600, 2000, 2200, 2400, 2500, 2600, 2700, 800, 10, 3400, 3000),
    "cloud": (6000, 6000, 6000, 5800, 5800, 5800, 5800, 5800, 5700, 2000, 200, 3000, 2000),
    "odd_water": (900, 800, 700, 500, 3000, 3000, 3000, 300, 250, 100, 10, 100, 50),
    "burned": (900, 500, 600, 700, 900, 1000, 1100, 1200, 1250, 500, 10, 2200, 2500),
}
S2_NAMES = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12")


def sentinel2(
    seed: int = 0, cloud: bool = True, odd: bool = False, water: bool = True, burned=None
) -> np.ndarray:
    """int16 (13, rows, cols) Sentinel-2 L1C digital numbers: vegetation with open water
    (``S2_WATER``), bare soil (``S2_BARE``), optionally a cloud (``S2_CLOUD``), odd water
    (``S2_ODD``) and a burned region (``burned``: a (rows, cols) slice pair); nodata (0) border."""
    rng = np.random.default_rng(seed)
    sig = {k: np.asarray(v, np.float64)[:, None, None] for k, v in S2_SIGNATURES.items()}
    data = sig["vegetation"] * np.ones((13, *SHAPE))
    regions = [("bare", S2_BARE)] + ([("water", S2_WATER)] if water else [])
    regions += ([("cloud", S2_CLOUD)] if cloud else []) + ([("odd_water", S2_ODD)] if odd else [])
    regions += [("burned", burned)] if burned is not None else []
    for name, (r, c) in regions:
        data[:, r, c] = sig[name]
    data = np.clip(data + rng.normal(0, 30, data.shape), 1, 10000).astype(np.int16)
    data[:, :BORDER_PX, :] = data[:, -BORDER_PX:, :] = NODATA
    return data


def sentinel1(seed: int = 1, linear: bool = False) -> np.ndarray:
    """float32 (2, rows, cols) Sentinel-1 VV, VH backscatter in dB (or linear power): land about
    -9 / -16 dB, water (``S2_WATER``, ``S2_CLOUD``, ``S2_ODD``) about -20 / -27 dB; NaN border."""
    rng = np.random.default_rng(seed)
    vv = rng.normal(-9, 1.0, SHAPE)
    for r, c in (S2_WATER, S2_CLOUD, S2_ODD):
        vv[r, c] = rng.normal(-20, 1.0, vv[r, c].shape)
    data = np.stack([vv, vv - 7 + rng.normal(0, 0.5, SHAPE)]).astype(np.float32)
    if linear:
        data = (10.0 ** (data / 10.0)).astype(np.float32)
    data[:, :, :BORDER_PX] = np.nan
    return data


def write_named(path: Path, data: np.ndarray, names, nodata=None) -> Path:
    """:func:`write` plus band descriptions ``names``."""
    write(path, data, nodata=nodata)
    with rasterio.open(path, "r+") as ds:
        for i, name in enumerate(names, start=1):
            ds.set_band_description(i, name)
    return path


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
