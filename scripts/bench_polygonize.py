"""Regenerate the polygonize section of docs/BENCHMARKS.md: time and peak memory of
``raresight polygonize`` on synthetic score rasters with about 10^5 regions.

    .venv/bin/python scripts/bench_polygonize.py [--sizes 5000 10000] [--cache DIR] [--output DOC]

Each raster (``size x size`` float32, tiled and compressed, UTM 10 m, written once in strips under
``--cache``) holds one blob every 32 px in each direction (about 10^5 regions at 10000 px), each a
disc of radius 3 to 12 px with a ragged outline, scored 10 on a background of 0 to 1 noise; some
neighbouring blobs touch, so regions of several blobs exist too. ``raresight polygonize`` runs in a
child process with ``--threshold 5``: wall time, peak resident memory (``VmHWM`` read from /proc
while it runs) and the features written. Two sizes show how memory grows with the raster.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench.doc import DO_NOT_EDIT, generated_by, host_facts, replace_section  # noqa: E402
from bench.runner import run_measuring_peak  # noqa: E402

START, END = "<!-- polygonize:start -->", "<!-- polygonize:end -->"
SPACING, STRIP = 32, 512


def write_blobs(path: Path, size: int, seed: int = 0) -> None:
    """The synthetic score raster (see the module docstring), strip by strip."""
    import rasterio
    from rasterio.transform import from_origin

    profile = {
        "driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": "float32",
        "crs": "EPSG:32631", "transform": from_origin(500_000, 5_000_000, 10, 10),
        "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate", "BIGTIFF": "YES",
    }  # fmt: skip
    rng = np.random.default_rng(seed)
    n = size // SPACING + 1
    centres_r = np.arange(n)[:, None] * SPACING + rng.integers(-6, 7, (n, n))
    centres_c = np.arange(n)[None, :] * SPACING + rng.integers(-6, 7, (n, n))
    radius = rng.uniform(3, 12, (n, n))
    tmp = path.with_suffix(".part.tif")
    yy, xx = np.mgrid[-16:17, -16:17]
    angle = np.arctan2(yy, xx)
    with rasterio.open(tmp, "w", **profile) as ds:
        for r0 in range(0, size, STRIP):
            rows = min(STRIP, size - r0)
            block = rng.random((rows + 32, size + 32), dtype=np.float32)  # 16 px margins
            first, last = max(0, (r0 - 16) // SPACING), min(n - 1, (r0 + rows + 16) // SPACING + 1)
            for i in range(first, last + 1):
                for j in range(n):
                    cr, cc = centres_r[i, j] - r0 + 16, centres_c[i, j] + 16
                    if not (0 <= cr - 16 and cr + 17 <= rows + 32 and 0 <= cc - 16 and cc + 17 <= size + 32):
                        continue
                    ragged = radius[i, j] * (1 + 0.25 * np.sin(5 * angle + i + j))
                    disc = xx * xx + yy * yy <= ragged * ragged
                    window = block[cr - 16 : cr + 17, cc - 16 : cc + 17]
                    window[disc] = 10.0
            ds.write(block[16 : 16 + rows, 16 : 16 + size][None], window=((r0, r0 + rows), (0, size)))
    os.replace(tmp, path)


def measure(size: int, cache: Path) -> dict:
    cache.mkdir(parents=True, exist_ok=True)
    src = cache / f"blobs_{size}.tif"
    if not src.exists():
        print(f"writing {src} ...", flush=True)
        write_blobs(src, size)
    with tempfile.TemporaryDirectory(prefix="raresight-bench-poly-") as tmp:
        out = Path(tmp) / "p.gpkg"
        cmd = [sys.executable, "-m", "backend", "polygonize", str(src), "-o", str(out), "--threshold", "5"]
        started = time.monotonic()
        peak = run_measuring_peak(cmd)
        seconds = time.monotonic() - started
        from osgeo import ogr

        ds = ogr.Open(str(out))
        features = ds.GetLayer(0).GetFeatureCount()
        ds = None
    return {"size": size, "megapixels": size * size / 1e6, "seconds": seconds, "peak_mib": peak,
            "features": features}  # fmt: skip


def render(rows: list[dict], command: str) -> str:
    lines = [
        START,
        "## Polygonize: memory and time",
        "",
        DO_NOT_EDIT,
        "",
        generated_by(command, host_facts()),
        "",
        "`raresight polygonize --threshold 5` in a child process on synthetic float32 score rasters "
        f"with a blob every {SPACING} px (radius 3 to 12 px, ragged outlines; some touch): wall time, "
        "peak resident memory and the polygons written.",
        "",
        "| raster (px) | megapixels | features | seconds | peak memory (MiB) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']} x {r['size']} | {r['megapixels']:.0f} | {r['features']} | {r['seconds']:.1f} "
            f"| {r['peak_mib']:.0f} |"
        )
    return "\n".join([*lines, "", END])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", type=int, default=[5000, 10000])
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "raresight-bench")
    p.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    args = p.parse_args()
    rows = []
    for size in args.sizes:
        rows.append(measure(size, args.cache))
        print(rows[-1], flush=True)
    command = "python scripts/bench_polygonize.py"
    if args.sizes != [5000, 10000]:
        command += " --sizes " + " ".join(str(s) for s in args.sizes)
    replace_section(args.output, START, END, render(rows, command))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
