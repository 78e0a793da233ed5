"""One large scene on the workers of a Dask cluster (``raresight score --scheduler``).

:class:`DaskRunner` does the passes' work (:mod:`backend.passes`) on the workers; this process
stays the one writer:

* fit: when the detector's fit state merges (``Detector.fit_merges``: the classical methods and
  the spectral prompts), the fit blocks are cut into contiguous groups, each group is fit on a
  worker from the unfitted detector, and the parts are merged here in block order (a map-reduce of
  moments, counts and extremes). Otherwise (a network's training crops) the fit streams here as in
  one process.
* score: the fitted detector is sent to each worker once (``Client.scatter(broadcast=True)``), not
  with every task; each task reads its tile from the shared storage, scores it and returns the
  scores cropped to the tile. The tiles come back in order into the stitcher and the writer.

The result equals the one-process run's. Scores from a fit done here are the same bit for bit;
with a merged fit, the sums are added in another order, so the moments differ by rounding (about
1e-16 relative) and the float32 scores by at most a unit in the last place (1e-6 relative).

The workers must see the inputs under the same paths and run the same environment.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import weakref
from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..passes import FitPart, LocalRunner, fit_blocks, read_tile, score_read
from ..progress import CancelToken, ProgressCallback
from ..raster import AlignedStack
from .run import POLL_S, connect


class DaskRunner:
    """The passes of one scene on ``client``'s workers. ``groups_per_thread``: fit groups per
    worker thread (more balance the load, fewer merge less); ``in_flight_per_thread``: tiles
    submitted ahead of the one being written, per worker thread (bounds this process's memory)."""

    def __init__(self, client, groups_per_thread: int = 2, in_flight_per_thread: int = 2) -> None:
        self.client = client
        self.groups_per_thread = groups_per_thread
        self.in_flight_per_thread = in_flight_per_thread

    def _threads(self) -> int:
        workers = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))

    def fit(
        self, detector, target, reference, blocks, holdout, progress: ProgressCallback, cancel: CancelToken
    ) -> FitPart:
        if not detector.fit_merges or len(blocks) < 2:
            return LocalRunner().fit(detector, target, reference, blocks, holdout, progress, cancel)
        n = min(len(blocks), self._threads() * self.groups_per_thread)
        bounds = np.linspace(0, len(blocks), n + 1).round().astype(int)
        unfitted = self.client.scatter(detector, broadcast=True, hash=False)
        sources = _source(target), _source(reference)
        futures = [
            self.client.submit(_fit_group, unfitted, *sources, blocks[a:b], holdout, pure=False)
            for a, b in zip(bounds[:-1], bounds[1:])
        ]
        merged = None
        try:
            for i, future in enumerate(futures):
                part = _result(future, cancel)
                merged = part if merged is None else merged.merge(part)
                progress((i + 1) / len(futures), "reading fit data")
        finally:
            self.client.cancel(futures)
        assert merged is not None
        return merged

    def scored(
        self, detector, target, reference, tiles, cancel: CancelToken
    ) -> Iterator[tuple[Any, np.ndarray]]:
        fitted = self.client.scatter(detector, broadcast=True, hash=False)
        sources = _source(target), _source(reference)
        ahead = self._threads() * self.in_flight_per_thread
        pending: deque = deque()
        try:
            for tile in tiles:
                cancel.raise_if_cancelled()
                pending.append((tile, self.client.submit(_score_tile, fitted, *sources, tile, pure=False)))
                if len(pending) > ahead:
                    done, future = pending.popleft()
                    yield done, _result(future, cancel)
            while pending:
                done, future = pending.popleft()
                yield done, _result(future, cancel)
        finally:
            self.client.cancel([f for _, f in pending])


@contextlib.contextmanager
def cluster_runner(scheduler: str):
    """A :class:`DaskRunner` on the cluster whose scheduler is at ``scheduler`` (``tcp://HOST:PORT``)."""
    with connect(scheduler) as client:
        yield DaskRunner(client)


def _result(future, cancel: CancelToken):
    """The future's result, looking at ``cancel`` while it runs."""
    from distributed import wait

    while True:
        cancel.raise_if_cancelled()
        try:
            wait(future, timeout=POLL_S)
        except TimeoutError:
            continue
        return future.result()


# -- on the workers ---------------------------------------------------------------------------


def _source(stack) -> tuple | None:
    """What a worker needs to open ``stack`` itself (None for no stack)."""
    return None if stack is None else (stack.infos, stack.grid, stack.complex_mode)


@contextlib.contextmanager
def _opened(source: tuple | None):
    if source is None:
        yield None
        return
    with AlignedStack(*source) as stack:
        yield stack


def _fit_group(detector, target: tuple, reference: tuple | None, blocks, holdout: bool) -> FitPart:
    """:func:`~backend.passes.fit_blocks` of ``blocks`` by a fresh copy of the unfitted detector
    (the worker's scattered one is shared by its tasks)."""
    with _opened(target) as t, _opened(reference) as r:
        return fit_blocks(copy.deepcopy(detector), t, r, blocks, holdout)


_guard = threading.Lock()
_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_warm: weakref.WeakSet = weakref.WeakSet()


def _score_tile(detector, target: tuple, reference: tuple | None, tile) -> np.ndarray:
    """One tile's scores. A worker's threads share its copy of the detector: the first tile is
    scored alone (state built on first use is built once), and a detector that does not allow
    parallel tiles is used by one thread at a time."""
    with _opened(target) as t, _opened(reference) as r:
        data = read_tile(detector, t, r, tile)
    with _guard:
        lock = _locks.setdefault(detector, threading.Lock())
        free = detector.tiles_in_parallel and detector in _warm
    if free:
        return score_read(detector, data)
    with lock:
        scores = score_read(detector, data)
        _warm.add(detector)
    return scores
