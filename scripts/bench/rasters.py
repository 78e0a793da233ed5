"""Synthetic rasters for the speed benchmarks: fixed seeds, a real CRS (UTM, 10 m), planted structure.

Arrays are ``(bands, rows, cols)``; each writer creates the file with rasterio and overwrites it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def write_synthetic(path: Path, size: int, bands: int = 4, strip: int = 512, seed: int = 0) -> None:
    """A ``bands x size x size`` uint16 GeoTIFF (UTM, 10 m), textured, with planted anomalies,
    written strip by strip (memory stays small); ``seed`` draws its noise."""
    import rasterio
    from rasterio.transform import from_origin

    profile = {
        "driver": "GTiff", "width": size, "height": size, "count": bands, "dtype": "uint16",
        "crs": "EPSG:32631", "transform": from_origin(500_000, 5_000_000, 10, 10), "nodata": 0,
        "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate", "BIGTIFF": "YES",
    }  # fmt: skip
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".part.tif")
    with rasterio.open(tmp, "w", **profile) as ds:
        xx = np.arange(size)[None, :]
        for r0 in range(0, size, strip):
            rows = min(strip, size - r0)
            yy = np.arange(r0, r0 + rows)[:, None]
            base = 1500 + 400 * np.sin(xx / 37.0) * np.cos(yy / 53.0)
            data = np.stack([base * (1 + 0.15 * b) + rng.normal(0, 40, (rows, size)) for b in range(bands)])
            data[:, :, (xx[0] // 997) % 7 == 3] += 800.0  # stripes of "anomalies"
            ds.write(np.clip(data, 1, 65535).astype(np.uint16), window=((r0, r0 + rows), (0, size)))
    os.replace(tmp, path)


def write_s2_s1_pair(folder: Path, size: int = 1000) -> tuple[Path, Path]:
    """``folder/s2.tif`` and ``folder/s1.tif``: a ``size`` x ``size`` Sentinel-2-like (13 bands,
    int16 digital numbers: vegetation with water bands every 200 rows) and Sentinel-1-like
    (VV, VH dB, float32) pair on one UTM grid."""
    import rasterio
    from rasterio.transform import from_origin

    rng = np.random.default_rng(0)
    land = np.array([1000, 500, 800, 400, 1200, 3000, 3500, 4000, 4100, 1200, 10, 2000, 1000], float)
    water = np.array([900, 800, 700, 500, 400, 300, 300, 300, 250, 100, 10, 100, 50], float)
    is_water = (np.arange(size) // 50) % 4 == 0  # rows
    s2 = np.where(is_water[None, :, None], water[:, None, None], land[:, None, None])
    s2 = np.clip(s2 + rng.normal(0, 40, (13, size, size)), 1, 10000).astype(np.int16)
    vv = np.where(is_water[:, None], -20.0, -9.0) + rng.normal(0, 1.5, (size, size))
    s1 = np.stack([vv, vv - 7.0]).astype(np.float32)
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "crs": "EPSG:32631",
        "transform": from_origin(500_000, 5_000_000, 10, 10),
        "tiled": True,
        "compress": "deflate",
    }
    paths = folder / "s2.tif", folder / "s1.tif"
    for path, data, nodata in zip(paths, (s2, s1), (0, float("nan"))):
        with rasterio.open(
            path, "w", count=data.shape[0], dtype=data.dtype.name, nodata=nodata, **profile
        ) as ds:
            ds.write(data)
    return paths


def write_s2_fields(path: Path, size: int) -> Path:
    """A 13-band Sentinel-2-like raster: smooth fields, a river, noise (uint16, 10 m)."""
    import rasterio
    from rasterio.crs import CRS
    from rasterio.transform import from_origin

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    fields = 1500 + 400 * np.sin(xx / 23.0) * np.cos(yy / 31.0)
    river = np.abs(yy - size / 2 - 40 * np.sin(xx / 60.0)) < 12
    bands = []
    for b in range(13):
        band = fields * (0.7 + 0.05 * b) + rng.normal(0, 40, (size, size))
        band[river] = 400 + 20 * b
        bands.append(band)
    data = np.clip(np.stack(bands), 1, 65535).astype(np.uint16)
    profile = {
        "driver": "GTiff", "count": 13, "height": size, "width": size, "dtype": "uint16",
        "crs": CRS.from_epsg(32630), "transform": from_origin(500_000.0, 4_500_000.0, 10.0, 10.0),
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data)
    return path
