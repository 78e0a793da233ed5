"""A batch of jobs on Dask distributed: an existing cluster (``scheduler``) or a ``LocalCluster``
sized to this machine.

Each job is one task (:func:`.task.run_job`); the workers read the inputs and write the outputs
themselves, so they must see the same storage under the same paths and run the same environment.
A job whose worker died is run once more (on a ``LocalCluster`` the scheduler allows one such
failure per task; on another cluster its own ``distributed.scheduler.allowed-failures`` applies).
Dask counts a death against every job the worker held, so a job sent to a worker just before
another job killed it is counted too (a rerun of the batch runs it again). A job that fails by
itself is not retried. The batch's summary and merged outputs are written by this process at the
end (:mod:`.summary`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..parallel import available_cores
from ..progress import CancelToken, ProgressCallback, no_progress
from .jobs import Job
from .task import FAILED, one_line, run_job

log = logging.getLogger(__name__)

#: Seconds to wait for a scheduler given by address.
CONNECT_TIMEOUT_S = 30
#: Seconds between two looks at the cancel token while jobs run.
POLL_S = 0.5
#: Dask settings of a ``LocalCluster``: no statistical profiler sampling the running job (every
#: 10 ms by default: the dashboard's Profile page), and the event loops' health checks (20 ms), the
#: workers' memory checks (100 ms) and the system monitor's samples (500 ms, the dashboard's System
#: page) less often. Each wakes the worker beside its job; when every core runs a worker, those
#: wake-ups slow the jobs down (``research/probe_dask_settings.py`` measures both settings). A worker
#: over its memory limit is then stopped within a second.
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
}


def connect(scheduler: str):
    """A ``Client`` of the cluster whose scheduler is at ``scheduler`` (``tcp://HOST:PORT``)."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except OSError as exc:
        raise InputError(f"Cannot reach the Dask scheduler {scheduler} ({exc}).") from None


def local_cluster(workers: int | None, threads_per_worker: int):
    """A ``LocalCluster`` of worker processes: ``workers`` (default: one per core) with
    ``threads_per_worker`` threads each; a job's tiles then use the cores left to it
    (``RARESIGHT_THREADS``, at most the one this process was given), so the workers do not compete
    for them."""
    import dask
    from distributed import LocalCluster

    from ..parallel import usable_cores

    n = workers or available_cores()
    per_job = max(1, min(usable_cores(), available_cores() // (n * threads_per_worker)))
    with dask.config.set({"distributed.scheduler.allowed-failures": 1, **QUIET_WORKERS}):
        return LocalCluster(
            n_workers=n,
            threads_per_worker=threads_per_worker,
            processes=True,
            dashboard_address=":0",
            env={"RARESIGHT_THREADS": str(per_job)},
        )


def run_batch(
    jobs: Sequence[Job],
    outdir: str | os.PathLike[str],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    threads_per_worker: int = 1,
    force: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    announce: Callable[[str], None] = print,
    task: Callable[..., dict[str, Any]] = run_job,
) -> list[dict[str, Any]]:
    """Run ``jobs`` into ``outdir``; return their summary rows in the jobs' order. On ``cancel`` the
    jobs not finished are cancelled (the finished ones keep their outputs) and
    :class:`~backend.errors.CancelledError` is raised. ``task``: what a worker runs for a job
    (:func:`~.task.run_job`; its signature)."""
    from distributed import Client, wait

    if not jobs:
        raise InputError("The batch has no job.")
    for name, value in (("workers", workers), ("threads per worker", threads_per_worker)):
        if value is not None and value < 1:
            raise InputError(f"The number of {name} must be at least 1, got {value}.")
    cancel = cancel or CancelToken()
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    cluster = None
    try:
        if scheduler:
            client = connect(scheduler)
        else:
            cluster = local_cluster(workers, threads_per_worker)
            client = Client(cluster)
        with client:
            announce(f"Dask dashboard: {client.dashboard_link}")
            futures = {
                client.submit(
                    task, job.to_dict(), str(folder), force, key=f"raresight-job-{job.name}", pure=False
                ): job
                for job in jobs
            }
            rows: dict[str, dict] = {}
            pending = set(futures)
            while pending:
                if cancel.cancelled:
                    client.cancel(list(pending))
                    cancel.raise_if_cancelled()
                try:
                    done, pending = wait(pending, timeout=POLL_S, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    continue
                for future in done:
                    job = futures[future]
                    try:
                        rows[job.name] = future.result()
                    except Exception as exc:  # noqa: BLE001 - the task never ran to its end (a worker died)
                        rows[job.name] = _lost(job, exc)
                progress(len(rows) / len(jobs), f"{len(rows)}/{len(jobs)} jobs")
    finally:
        if cluster is not None:
            cluster.close()
    return [rows[job.name] for job in jobs]


def batch(
    outdir: str | os.PathLike[str],
    *,
    manifest: str | None = None,
    post: str | None = None,
    pre: str | None = None,
    method: str = "rx",
    params: dict[str, Any] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """The jobs of ``manifest`` (or of the ``post``/``pre`` patterns) run by :func:`run_batch` with
    ``options``, and the summary written: ``{"rows", "written", "counts"}``."""
    from .jobs import pair_by_name, read_manifest
    from .summary import write_summary

    if bool(manifest) == bool(post):
        raise InputError("Give a job manifest, or --post (and --pre) patterns, not both.")
    if manifest:
        jobs = read_manifest(manifest, method)
    else:
        jobs = pair_by_name(str(post), pre, method, dict(params or {}))
    rows = run_batch(jobs, outdir, **options)
    written = write_summary(rows, outdir)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("done", "skipped", "failed")}
    return {"rows": rows, "written": written, "counts": counts}


def _lost(job: Job, exc: BaseException) -> dict[str, Any]:
    reason = one_line(exc)
    return {"job": job.name, "status": FAILED, "error": f"the worker running it died twice ({reason})",
            "method": job.method, "seconds": None, "megapixels": None, "megapixels_per_second": None,
            "threshold": None, "features": None, "worker": "", "worker_peak_mib": None}  # fmt: skip
