"""A batch of jobs on Dask distributed: an existing cluster (``scheduler``) or a ``LocalCluster``
sized to this machine.

Each job is one task (:func:`.task.run_job`); the workers read the inputs and write the outputs
themselves, so they must see the same storage under the same paths and run the same environment.
A job whose worker died is run once more (on a ``LocalCluster`` the scheduler allows one such
failure per task; on another cluster its own ``distributed.scheduler.allowed-failures`` applies);
a job that fails by itself is not retried. The batch's summary and merged outputs are written by
this process at the end (:mod:`.summary`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..parallel import available_cores
from ..progress import ProgressCallback, no_progress
from .jobs import Job
from .task import FAILED, run_job

log = logging.getLogger(__name__)

#: Seconds to wait for a scheduler given by address.
CONNECT_TIMEOUT_S = 30


def local_cluster(workers: int | None, threads_per_worker: int):
    """A ``LocalCluster`` of worker processes: ``workers`` (default: one per core) with
    ``threads_per_worker`` threads each; a job's tiles then use the cores left to it
    (``RARESIGHT_THREADS``, at most the one this process was given), so the workers do not compete
    for them."""
    import dask
    from distributed import LocalCluster

    from ..parallel import scoring_threads

    n = workers or available_cores()
    per_job = max(1, min(scoring_threads(True), available_cores() // (n * threads_per_worker)))
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
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
    announce: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Run ``jobs`` into ``outdir``; return their summary rows in the jobs' order."""
    from distributed import Client, as_completed

    if not jobs:
        raise InputError("The batch has no job.")
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
            except OSError as exc:
                raise InputError(f"Cannot reach the Dask scheduler {scheduler} ({exc}).") from None
        else:
            cluster = local_cluster(workers, threads_per_worker)
            client = Client(cluster)
        with client:
            announce(f"Dask dashboard: {client.dashboard_link}")
            futures = {
                client.submit(
                    run_job, job.to_dict(), str(folder), force, key=f"raresight-job-{job.name}", pure=False
                ): job
                for job in jobs
            }
            rows: dict[str, dict] = {}
            for done, future in enumerate(as_completed(futures), start=1):
                job = futures[future]
                try:
                    rows[job.name] = future.result()
                except Exception as exc:  # noqa: BLE001 - the task never ran to its end (a worker died)
                    rows[job.name] = _lost(job, exc)
                progress(done / len(jobs), f"{done}/{len(jobs)} jobs")
    finally:
        if cluster is not None:
            cluster.close()
    return [rows[job.name] for job in jobs]


def _lost(job: Job, exc: BaseException) -> dict[str, Any]:
    reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    return {"job": job.name, "status": FAILED, "error": f"the worker running it died twice ({reason})",
            "method": job.method, "seconds": None, "megapixels": None, "megapixels_per_second": None,
            "threshold": None, "features": None, "worker": "", "worker_peak_mib": None}  # fmt: skip
