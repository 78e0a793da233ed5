"""What Dask's own wake-ups cost the jobs of a batch: the same rx jobs on a ``LocalCluster`` of 1 and
2 workers with Dask's default settings and with ``backend.batch.run.QUIET_WORKERS``.

    .venv/bin/python research/probe_dask_settings.py [--scenes 8] [--size 2000] [--repeat 3]

The scenes are ``scripts/bench_batch.py``'s (written once under ``--cache``). Each worker has one
thread and ``RARESIGHT_THREADS=1``, as in the batch benchmark; two jobs warm the workers up, then
the scenes' jobs are timed (wall time of the jobs alone: no cluster start-up, no merged outputs),
settings and worker counts in turn. Printed per setting and worker count: the median wall time,
the median sum of the jobs' own times (what the jobs cost, however they overlap) and the speed-up
of 2 workers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def _job(scene: str, outdir: str) -> float:
    from backend.batch.task import run_job

    row = run_job({"name": Path(scene).stem, "targets": [scene], "references": [], "method": "rx", "params": {}},
                  outdir, force=True)  # fmt: skip
    return float(row["seconds"])


def _run(scenes: list[str], outdir: str, workers: int, settings: dict) -> tuple[float, float]:
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set(settings):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               env={"RARESIGHT_THREADS": "1"})  # fmt: skip
    with cluster, Client(cluster) as client:
        client.gather(client.map(_job, scenes[:2], outdir=outdir, pure=False))
        started = time.monotonic()
        seconds = client.gather(client.map(_job, scenes, outdir=outdir, pure=False))
        return time.monotonic() - started, sum(seconds)


def main() -> None:
    from bench_batch import scenes

    from backend.batch.run import QUIET_WORKERS

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenes", type=int, default=8)
    p.add_argument("--size", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "raresight-bench")
    args = p.parse_args()
    folder = scenes(args.cache, args.scenes, args.size)
    paths = [str(folder / f"scene_{i}.tif") for i in range(args.scenes)]
    variants = {"dask defaults": {}, "QUIET_WORKERS": QUIET_WORKERS}
    runs: dict[tuple[str, int], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="raresight-probe-dask-") as out:
        for _ in range(args.repeat):
            for name, settings in variants.items():
                for workers in (1, 2):
                    runs.setdefault((name, workers), []).append(_run(paths, out, workers, settings))
    print("| settings | workers | wall (s) | sum of the jobs' times (s) | speed-up |")
    print("|---|---|---|---|---|")
    for name in variants:
        one = statistics.median(w for w, _ in runs[name, 1])
        for workers in (1, 2):
            wall = statistics.median(w for w, _ in runs[name, workers])
            jobs = statistics.median(s for _, s in runs[name, workers])
            print(f"| {name} | {workers} | {wall:.2f} | {jobs:.2f} | {one / wall:.2f}x |")


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
