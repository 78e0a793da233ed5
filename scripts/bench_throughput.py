"""Regenerate the throughput section of docs/BENCHMARKS.md: ``raresight score --method rx`` end to
end on a 10000 x 10000 x 4 uint16 GeoTIFF (100 MP), this checkout against a baseline commit run in
the same script (interleaved), and the score GeoTIFF's compression options on that score.

    .venv/bin/python scripts/bench_throughput.py [--baseline REV] [--repeats 2] [--size 10000]

The baseline is checked out into a temporary git worktree and run with the same interpreter; the
two checkouts' score rasters are compared pixel for pixel. The input (572+ MiB, written once under
``--cache``) is the synthetic raster of scripts/benchmarks.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ROOT  # noqa: E402

sys.path.insert(0, str(ROOT))
from bench.doc import DO_NOT_EDIT, generated_by, host_facts, replace_section  # noqa: E402
from bench.rasters import write_synthetic  # noqa: E402
from bench.runner import run_measuring_peak  # noqa: E402

START, END = "<!-- throughput:start -->", "<!-- throughput:end -->"
#: Creation options of the score GeoTIFF compared on the measured score (the first is the old
#: default, the third the new one).
COMPRESSION = {
    "deflate, level 6 (GDAL's default)": {"compress": "deflate", "predictor": 3},
    "deflate, level 1": {"compress": "deflate", "predictor": 3, "zlevel": 1},
    "deflate, level 1, 2 threads": {"compress": "deflate", "predictor": 3, "zlevel": 1, "num_threads": 2},
    "zstd, level 1": {"compress": "zstd", "predictor": 3, "zstd_level": 1},
}


def score(src: Path, out: Path, root: Path) -> dict:
    cmd = [sys.executable, "-m", "backend", "score", str(src), "-o", str(out), "--method", "rx"]
    started = time.monotonic()
    peak = run_measuring_peak(cmd, root)
    return {"seconds": time.monotonic() - started, "peak_mib": peak}


def compression_rows(score_path: Path, folder: Path) -> list[dict]:
    """Time and size of writing ``score_path``'s scores (in 512-row strips, as the writer does)
    with each of :data:`COMPRESSION`."""
    import rasterio
    from rasterio.windows import Window

    from backend.raster import gdal_env

    with rasterio.open(score_path) as src:
        data, crs, transform = src.read(1), src.crs, src.transform
    rows = []
    for name, options in COMPRESSION.items():
        path = folder / "compressed.tif"
        profile = dict(
            driver="GTiff", dtype="float32", count=1, nodata=float("nan"), tiled=True, blockxsize=256,
            blockysize=256, width=data.shape[1], height=data.shape[0], crs=crs, transform=transform,
            BIGTIFF="IF_SAFER", **options,
        )  # fmt: skip
        started = time.perf_counter()
        with gdal_env(), rasterio.open(path, "w", **profile) as dst:
            for r in range(0, data.shape[0], 512):
                n = min(512, data.shape[0] - r)
                dst.write(data[r : r + n], 1, window=Window(0, r, data.shape[1], n))
        rows.append(
            {"options": name, "seconds": time.perf_counter() - started, "mib": path.stat().st_size / 2**20}
        )
        path.unlink()
    return rows


def same_scores(a: Path, b: Path) -> bool:
    import rasterio

    with rasterio.open(a) as x, rasterio.open(b) as y:
        return bool(np.array_equal(x.read(1), y.read(1), equal_nan=True))


def render(result: dict, command: str) -> str:
    runs, size = result["runs"], result["size"]
    mp = size * size / 1e6
    lines = [
        START,
        "## Throughput: rx end to end on 100 MP",
        "",
        DO_NOT_EDIT,
        "",
        generated_by(command, host_facts()),
        "",
        f"`raresight score --method rx` on a synthetic {size} x {size} x 4 uint16 GeoTIFF ({mp:.0f} MP, "
        f"{result['input_mib']:.0f} MiB deflate-compressed), default tiles, one child process, wall time "
        f"including start-up; each checkout run {result['repeats']} times, interleaved (median). This "
        "table supersedes the *Throughput and memory* one above.",
        "",
        "| checkout | seconds (median) | runs (s) | MP/s | peak memory (MiB) |",
        "|---|---|---|---|---|",
    ]
    for label in ("baseline", "this"):
        seconds = [r["seconds"] for r in runs[label]]
        median = statistics.median(seconds)
        name = (
            f"baseline `{result['baseline']}`" if label == "baseline" else f"this checkout `{result['head']}`"
        )
        lines.append(
            f"| {name} | {median:.1f} | {', '.join(f'{s:.1f}' for s in seconds)} | {mp / median:.2f} | "
            f"{max(r['peak_mib'] for r in runs[label]):.0f} |"
        )
    speedup = statistics.median(r["seconds"] for r in runs["baseline"]) / statistics.median(
        r["seconds"] for r in runs["this"]
    )
    lines += [
        "",
        f"Speed-up {speedup:.2f}x; the two score rasters are {'identical, pixel for pixel' if result['same'] else 'DIFFERENT'}.",
        "",
        "Writing that score (float32, 256 px tiles, floating-point predictor) with each creation option:",
        "",
        "| options | seconds | MiB |",
        "|---|---|---|",
        *[f"| {r['options']} | {r['seconds']:.2f} | {r['mib']:.1f} |" for r in result["compression"]],
        "",
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline", default="defc1db", help="git revision to compare with")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--size", type=int, default=10000)
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "raresight-bench")
    p.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    args = p.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    src = args.cache / f"synthetic_{args.size}x{args.size}x4_uint16.tif"
    if not src.exists():
        print(f"writing {src} ...", flush=True)
        write_synthetic(src, args.size)
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="raresight-throughput-") as tmp:
        tmp = Path(tmp)
        base_root = tmp / "baseline"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(base_root), args.baseline], cwd=ROOT, check=True
        )
        try:
            runs: dict[str, list[dict]] = {"baseline": [], "this": []}
            for i in range(args.repeats):
                for label, root in (("baseline", base_root), ("this", ROOT)):
                    out = tmp / f"{label}_{i}.tif"
                    runs[label].append(score(src, out, root))
                    print(label, i, runs[label][-1], flush=True)
            same = same_scores(tmp / "baseline_0.tif", tmp / "this_0.tif")
            compression = compression_rows(tmp / "this_0.tif", tmp)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_root)], cwd=ROOT, check=False)
    result = {
        "size": args.size, "repeats": args.repeats, "baseline": args.baseline, "head": head, "runs": runs,
        "same": same, "compression": compression, "input_mib": src.stat().st_size / 2**20,
    }  # fmt: skip
    command = "python scripts/bench_throughput.py" + (
        f" --baseline {args.baseline}" if args.baseline != "defc1db" else ""
    )
    replace_section(args.output, START, END, render(result, command))
    (args.output.parent / "BENCHMARKS_throughput.json").write_text(json.dumps(result, indent=1, default=str))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
