"""One job of a batch, as a worker runs it: skipped when its outputs are complete and valid, else
scored (``NAME.tif`` and its sidecar) and polygonized at its default threshold (``NAME.gpkg``).

:func:`run_job` never raises for the job's own failure (a bad input, a method error, a full disk):
its result says ``failed`` with a one-line reason, so one bad scene never stops the others. Plain
data in, plain data out: a job travels to a worker as a dict and comes back as one.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from .jobs import Job

DONE, SKIPPED, FAILED = "done", "skipped", "failed"


def outputs(outdir: str | os.PathLike[str], name: str) -> tuple[Path, Path, Path]:
    """(score raster, its sidecar, polygons) of job ``name``."""
    folder = Path(outdir)
    score = folder / f"{name}.tif"
    return score, Path(f"{score}.json"), folder / f"{name}.gpkg"


def run_job(job: dict[str, Any], outdir: str, force: bool = False) -> dict[str, Any]:
    """Run one job (a :meth:`Job.to_dict`) into ``outdir``; return its summary row."""
    j = Job(**{**job, "targets": tuple(job["targets"]), "references": tuple(job.get("references") or ())})
    score, side, polygons = outputs(outdir, j.name)
    started = time.monotonic()
    if not force:
        previous = complete(j, score, side, polygons)
        if previous is not None:
            return _row(j, SKIPPED, previous, started, features=_count(polygons))
    try:
        from ..request import ScoreRequest
        from ..scorefile import polygon_rate, resolve_threshold
        from ..scoring import score_to_file
        from ..vectorize import polygonize

        sidecar = score_to_file(ScoreRequest(j.targets, j.references, j.method, dict(j.params)), score)
        threshold, rate = resolve_threshold(score)
        n = polygonize(
            score,
            polygons,
            threshold,
            method=sidecar["method"],
            false_alarm_rate=polygon_rate(score, threshold, rate),
        )
        return _row(j, DONE, sidecar, started, features=n)
    except Exception as exc:  # noqa: BLE001 - a RareSightError or anything else: this job's failure, not the batch's
        return _row(j, FAILED, None, started, error=one_line(exc))


def complete(job: Job, score: Path, side: Path, polygons: Path) -> dict | None:
    """The sidecar of a previous run of ``job`` whose outputs are whole and match it (same method
    and inputs), else None."""
    if not (score.is_file() and side.is_file() and polygons.is_file()):
        return None
    try:
        sidecar = json.loads(side.read_text(encoding="utf-8"))
        inputs = sidecar["inputs"]
        same = (
            sidecar.get("format") == "raresight-score/1"
            and str(sidecar["method"]).split("+")[0] == job.method
            and [t["path"] for t in inputs["targets"]] == [str(Path(p).resolve()) for p in job.targets]
            and [r["path"] for r in inputs["references"]] == [str(Path(p).resolve()) for p in job.references]
        )
        if not same or not _whole(score, sidecar["grid"]):
            return None
        return sidecar if _count(polygons) is not None else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _whole(score: Path, grid: dict) -> bool:
    """The score raster opens with the sidecar's size and its last row reads."""
    import rasterio
    from rasterio.windows import Window

    try:
        with rasterio.open(score) as ds:
            if (ds.width, ds.height) != (grid["width"], grid["height"]):
                return False
            ds.read(1, window=Window(0, ds.height - 1, ds.width, 1))
        return True
    except rasterio.errors.RasterioError:
        return False


def _count(polygons: Path) -> int | None:
    """Features of the polygons' ``anomalies`` layer (None when it cannot be read)."""
    import pyogrio

    from ..vectorize import LAYER_NAME

    if not polygons.is_file():
        return None
    try:
        return int(pyogrio.read_info(polygons, layer=LAYER_NAME)["features"])
    except Exception:  # noqa: BLE001 - pyogrio raises GDAL's errors: an unreadable file
        return None


def _row(job: Job, status: str, sidecar: dict | None, started: float, **extra: Any) -> dict[str, Any]:
    stats = (sidecar or {}).get("statistics", {})
    grid = (sidecar or {}).get("grid", {})
    megapixels = grid.get("width", 0) * grid.get("height", 0) / 1e6
    seconds = stats.get("seconds") if status == SKIPPED else round(time.monotonic() - started, 3)
    return {
        "job": job.name,
        "status": status,
        "error": extra.get("error", ""),
        "method": (sidecar or {}).get("method", job.method),
        "seconds": seconds,
        "megapixels": round(megapixels, 6),
        "megapixels_per_second": round(megapixels / seconds, 3) if megapixels and seconds else None,
        "threshold": (sidecar or {}).get("default_threshold"),
        "features": extra.get("features"),
        "worker": socket.gethostname(),
        "worker_peak_mib": _peak_mib(),
    }


def _peak_mib() -> float | None:
    """The peak resident memory of this (worker) process so far, in MiB."""
    try:
        import resource

        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    except (ImportError, OSError):
        return None


def one_line(exc: BaseException, limit: int = 300) -> str:
    """``Type: message`` of ``exc`` on one line, at most ``limit`` characters."""
    line = " ".join(f"{type(exc).__name__}: {exc}".split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
