"""Regenerate the batch section of docs/BENCHMARKS.md: ``raresight batch`` on 1 and on 2 workers of
this machine.

    .venv/bin/python scripts/bench_batch.py [--scenes 8] [--size 2000] [--methods rx diffusion] [--cache DIR]
        [--output DOC]

Eight synthetic ``size x size x 4`` uint16 GeoTIFFs (``bench.rasters.write_synthetic``, seeds 0 to
7, written once under ``--cache``) are scored by ``raresight batch --post`` with ``rx``, and with
``diffusion`` from a model that ``raresight fit`` saved from the first scene, on a local cluster of
1 and then 2 worker processes with one thread each and ``RARESIGHT_THREADS=1``, so that a worker is
one core; :data:`REPEATS` times in turn. Wall time of the whole command (cluster start-up
included; the median run), the speed-up of 2 workers, and the largest peak resident memory of a
worker (the summary's ``worker_peak_mib``).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench.doc import DO_NOT_EDIT, generated_by, host_facts, replace_section  # noqa: E402
from bench.rasters import write_synthetic  # noqa: E402
from bench.runner import child_env, run_cli  # noqa: E402

START, END = "<!-- batch:start -->", "<!-- batch:end -->"
#: Runs of each method and worker count; the median one is reported (one diffusion run of the 8
#: scenes takes about a quarter of an hour on one worker).
REPEATS = {"rx": 5, "diffusion": 1}


def scenes(cache: Path, n: int, size: int) -> Path:
    folder = cache / f"batch_{size}"
    folder.mkdir(parents=True, exist_ok=True)
    for seed in range(n):
        path = folder / f"scene_{seed}.tif"
        if not path.exists():
            write_synthetic(path, size, bands=4, seed=seed)
    return folder


def batch(folder: Path, workers: int, method: str, params: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="raresight-bench-batch-") as tmp:
        cmd = [sys.executable, "-m", "backend", "batch", "--post", str(folder / "scene_*.tif"), "-o", tmp,
               "--workers", str(workers), "--method", method, *[a for p in params for a in ("--param", p)]]  # fmt: skip
        started = time.monotonic()
        proc = subprocess.run(
            cmd, cwd=ROOT, env={**child_env(), "RARESIGHT_THREADS": "1"}, capture_output=True, text=True
        )
        seconds = time.monotonic() - started
        if proc.returncode:
            raise SystemExit(f"batch failed:\n{proc.stderr}")
        with open(Path(tmp) / "summary.csv", newline="") as f:
            rows = list(csv.DictReader(f))
    return {
        "seconds": seconds,
        "jobs": len(rows),
        "peak_mib": max(float(r["worker_peak_mib"]) for r in rows),
        "megapixels": sum(float(r["megapixels"]) for r in rows),
    }


def _median(runs: list[dict]) -> dict:
    """The run of median wall time (the lower middle one of an even number)."""
    return sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]


def render(results: dict, n: int, size: int, command: str) -> str:
    lines = [
        START,
        "## Batches on Dask distributed",
        "",
        DO_NOT_EDIT,
        "",
        generated_by(command, host_facts()),
        "",
        f"`raresight batch --post` on {n} synthetic {size} x {size} x 4 scenes, a local cluster of worker "
        "processes with one thread each and `RARESIGHT_THREADS=1` (a worker is one core); wall time of the "
        "whole command, cluster start-up included, the median of "
        + ", ".join(f"{REPEATS[m]} run{'s' if REPEATS[m] > 1 else ''} for {m}" for m in results)
        + " (1 and 2 workers in turn). `diffusion` scores with a model saved by `raresight fit` from the "
        "first scene.",
        "",
        "| method | workers | seconds | MP/s | speed-up | peak memory of a worker (MiB) |",
        "|---|---|---|---|---|---|",
    ]
    for method, by_workers in results.items():
        one = by_workers[1]["seconds"]
        for workers, r in sorted(by_workers.items()):
            lines.append(
                f"| {method} | {workers} | {r['seconds']:.1f} | {r['megapixels'] / r['seconds']:.2f} "
                f"| {one / r['seconds']:.2f}x | {r['peak_mib']:.0f} |"
            )
    return "\n".join([*lines, "", END])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenes", type=int, default=8)
    p.add_argument("--size", type=int, default=2000)
    p.add_argument("--methods", nargs="+", default=["rx", "diffusion"], choices=["rx", "diffusion"])
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "raresight-bench")
    p.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    args = p.parse_args()
    folder = scenes(args.cache, args.scenes, args.size)
    model = folder / "diffusion.safetensors"
    if "diffusion" in args.methods and not model.exists():
        run_cli(["fit", str(folder / "scene_0.tif"), "-o", str(model), "--method", "diffusion"])
    results: dict = {}
    for method in args.methods:
        params = [f"model={model}"] if method == "diffusion" else []
        runs: dict[int, list[dict]] = {1: [], 2: []}
        for _ in range(REPEATS[method]):  # 1 and 2 workers in turn, so that a drift hits both
            for workers in (1, 2):
                runs[workers].append(batch(folder, workers, method, params))
                print(method, workers, runs[workers][-1], flush=True)
        results[method] = {w: _median(r) for w, r in runs.items()}
    command = "python scripts/bench_batch.py"
    if (args.scenes, args.size) != (8, 2000):
        command += f" --scenes {args.scenes} --size {args.size}"
    if args.methods != ["rx", "diffusion"]:
        command += " --methods " + " ".join(args.methods)
    replace_section(args.output, START, END, render(results, args.scenes, args.size, command))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
