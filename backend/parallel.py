"""Tiles scored on every core of one machine, in the order they were given.

The calling thread reads each tile (one GDAL dataset handle must not be used from two threads) and
hands it to a pool of threads that score; results come back in tile order, so that the stitcher and
the writer see exactly what the one-thread loop gives them: the scores are the same, bit for bit.
At most ``threads + 1`` tiles are in memory at once.

Threads, not processes: the detector (a fitted model) is shared, not copied into each task, and
the heavy parts release the GIL (torch, numpy, scipy's filters). A detector opts in with
``Detector.tiles_in_parallel`` when its ``score_block`` only reads its own state; the first tile is
scored alone, before the pool starts, so that any state a detector builds on first use (an expert
sum, an ONNX session) is built once.

While several threads score, torch's own thread pool is narrowed so that threads times torch threads
does not exceed the cores (``torch_threads``), and restored afterwards.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from .progress import CancelToken

T = TypeVar("T")
D = TypeVar("D")
R = TypeVar("R")

#: Environment variable that caps the scoring threads (``1``: the one-thread loop).
THREADS_ENV = "RARESIGHT_THREADS"


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def scoring_threads(parallel: bool) -> int:
    """Threads that score tiles: every core for a detector that allows it, capped by
    ``$RARESIGHT_THREADS``; 1 otherwise."""
    if not parallel:
        return 1
    cores = available_cores()
    cap = os.environ.get(THREADS_ENV, "").strip()
    if cap:
        try:
            cores = min(cores, max(1, int(cap)))
        except ValueError:
            pass
    return cores


@contextlib.contextmanager
def torch_threads(threads: int):
    """While ``threads`` threads score, each torch operation uses ``cores // threads`` threads
    (only when torch is already loaded: the classical methods never import it)."""
    torch = sys.modules.get("torch")
    if torch is None or threads <= 1:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, available_cores() // threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def ordered(
    items: Iterable[T],
    read: Callable[[T], D],
    work: Callable[[D], R],
    threads: int,
    cancel: CancelToken | None = None,
) -> Iterator[tuple[T, R]]:
    """``(item, work(read(item)))`` for each item, in order: ``read`` in the calling thread,
    ``work`` in ``threads`` threads (the first item alone). Cancel is polled before each read; on
    an error or a cancel, tiles not yet started are dropped and running ones are waited for."""
    items = iter(items)
    first = next(items, None)
    if first is None:
        return
    if cancel is not None:
        cancel.raise_if_cancelled()
    yield first, work(read(first))
    if threads <= 1:
        for item in items:
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield item, work(read(item))
        return
    pending: deque[tuple[T, Future]] = deque()
    pool = ThreadPoolExecutor(threads, thread_name_prefix="raresight-tile")
    try:
        with torch_threads(threads):
            for item in items:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                pending.append((item, pool.submit(work, read(item))))
                if len(pending) > threads:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
