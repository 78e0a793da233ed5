"""Tiles read and scored on every core of one machine, in the order they were given.

A pool of threads reads and scores tiles (each thread reads through handles of its own,
:class:`PerThread`: one GDAL dataset handle must not be used from two threads); results come back
in tile order, so that the stitcher and the writer see exactly what the one-thread loop gives them:
the scores are the same, bit for bit. At most ``threads + 1`` tiles are in memory at once.
:func:`prefetched` reads ahead the same way for a pass that must consume in order (the fit).

Threads, not processes: the detector (a fitted model) is shared, not copied into each task, and
the heavy parts release the GIL (torch, numpy, scipy's filters). A detector opts in with
``Detector.tiles_in_parallel`` when its ``score_block`` only reads its own state; the first tile is
scored alone, before the pool starts, so that any state a detector builds on first use (an expert
sum, an ONNX session) is built once.

While several threads score, torch's own thread pool and the BLAS's are narrowed so that threads
times their threads does not exceed the cores (``library_threads``), and restored afterwards.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
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


def usable_cores() -> int:
    """The cores this process may use, capped by ``$RARESIGHT_THREADS``: the threads that read,
    score and compress."""
    cores = available_cores()
    cap = os.environ.get(THREADS_ENV, "").strip()
    if cap:
        try:
            cores = min(cores, max(1, int(cap)))
        except ValueError:
            pass
    return cores


def scoring_threads(parallel: bool) -> int:
    """Threads that score tiles: :func:`usable_cores` for a detector that allows it, 1 otherwise."""
    return usable_cores() if parallel else 1


@contextlib.contextmanager
def library_threads(threads: int):
    """While ``threads`` threads score, each torch operation and each BLAS call of numpy (OpenBLAS,
    MKL: through ``threadpoolctl`` when it is installed) uses ``cores // threads`` threads; torch only
    when it is already loaded (the classical methods never import it).

    Left alone, the BLAS's own threads ran beside the scoring threads and spun while they waited,
    taking the cores from them (the generative scorers' matrix products are numpy's)."""
    if threads <= 1:
        yield
        return
    per = max(1, available_cores() // threads)
    with contextlib.ExitStack() as stack:
        torch = sys.modules.get("torch")
        if torch is not None:
            stack.callback(torch.set_num_threads, torch.get_num_threads())
            torch.set_num_threads(per)
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - an install without it scores the same, slower
            threadpool_limits = None
        if threadpool_limits is not None:
            stack.enter_context(threadpool_limits(limits=per, user_api="blas"))
        yield


class PerThread:
    """One object per thread, made by ``factory`` on a thread's first :meth:`get` (the thread that
    made this gets ``own``); :meth:`close` calls ``closer`` on each one made."""

    def __init__(self, own, factory: Callable[[], object], closer: Callable[[object], None]) -> None:
        self.own, self.factory, self.closer = own, factory, closer
        self.owner = threading.get_ident()
        self.local = threading.local()
        self.made: list = []
        self.lock = threading.Lock()

    def get(self):
        if threading.get_ident() == self.owner:
            return self.own
        mine = getattr(self.local, "value", None)
        if mine is None:
            mine = self.local.value = self.factory()
            with self.lock:
                self.made.append(mine)
        return mine

    def close(self) -> None:
        with self.lock:
            made, self.made = self.made, []
        for value in made:
            self.closer(value)


def prefetched(
    items: Iterable[T], read: Callable[[T], D], threads: int, cancel: CancelToken | None = None
) -> Iterator[tuple[T, D]]:
    """``(item, read(item))`` in order, with up to ``threads`` reads running ahead in a pool
    (``read`` must be safe from several threads: see :class:`PerThread`). Cancel is polled before
    each read is submitted; on an error or a cancel, running reads are waited for."""
    return _in_order(iter(items), read, threads, cancel, "raresight-read")


def ordered(
    items: Iterable[T],
    read: Callable[[T], D],
    work: Callable[[D], R],
    threads: int,
    cancel: CancelToken | None = None,
) -> Iterator[tuple[T, R]]:
    """``(item, work(read(item)))`` for each item, in order, ``read`` and ``work`` in ``threads``
    threads (the first item alone, in the calling thread; ``read`` must be safe from several
    threads: see :class:`PerThread`). Cancel is polled before each tile is submitted; on an error or
    a cancel, tiles not yet started are dropped and running ones are waited for."""
    items = iter(items)
    first = next(items, None)
    if first is None:
        return
    if cancel is not None:
        cancel.raise_if_cancelled()
    yield first, work(read(first))
    with library_threads(threads):
        yield from _in_order(items, lambda item: work(read(item)), threads, cancel, "raresight-tile")


def _in_order(
    items: Iterator[T], fn: Callable[[T], R], threads: int, cancel: CancelToken | None, name: str
) -> Iterator[tuple[T, R]]:
    """``(item, fn(item))`` in order, ``fn`` run by a pool of ``threads`` threads with at most
    ``threads + 1`` items in flight (in the calling thread when ``threads`` is 1)."""
    if threads <= 1:
        for item in items:
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield item, fn(item)
        return
    pending: deque[tuple[T, Future]] = deque()
    pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
    try:
        for item in items:
            if cancel is not None:
                cancel.raise_if_cancelled()
            pending.append((item, pool.submit(fn, item)))
            if len(pending) > threads:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
