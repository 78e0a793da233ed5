"""The units of work of a detection's passes, and the runner that does them in this process.

* fit: :func:`fit_blocks` streams non-overlapping blocks into ``Detector.partial_fit`` and returns
  a :class:`FitPart` (the detector, a :class:`~backend.detectors.uniform.DataSurvey` and which
  inputs held a valid pixel). Parts of disjoint blocks merge (:meth:`FitPart.merge`) when the
  detector's fit state does (``Detector.fit_merges``: moments, counts, extremes).
* score: :func:`read_tile` then :func:`score_read` give one tile's scores, cropped to the tile.

A runner hands these out. :class:`LocalRunner` (the default) reads blocks ahead on every core and
fits them in block order, and reads and scores tiles on every core of this process, each thread
through dataset handles of its own (:mod:`backend.parallel`);
:class:`backend.batch.scene.DaskRunner` does the same on the workers of a Dask cluster. Both give
the tiles back in order, so the stitcher, the writer and the calibration see the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from . import parallel
from .detectors import Detector, FitBlock
from .detectors.uniform import DataSurvey
from .progress import CancelToken, ProgressCallback

#: Held-out calibration pixels: 16 x 16 px cells, one in five.
HOLDOUT_CELL_PX = 16


def holdout_mask(row_off: int, col_off: int, rows: int, cols: int) -> np.ndarray:
    """bool ``(rows, cols)``: True on held-out calibration pixels (a fixed pattern of 16-px cells)."""
    r = (np.arange(row_off, row_off + rows) // HOLDOUT_CELL_PX)[:, None]
    c = (np.arange(col_off, col_off + cols) // HOLDOUT_CELL_PX)[None, :]
    return (r * 7 + c * 3) % 5 == 0


@dataclass
class FitPart:
    """What the fit pass learnt from some blocks: the detector (not finished), the survey of the
    data, and whether each input raster held a valid pixel there."""

    detector: Detector
    survey: DataSurvey
    valid: np.ndarray

    def merge(self, later: FitPart) -> FitPart:
        """This part and one of the blocks that follow it, as one (``self`` is updated)."""
        self.detector.merge_fit(later.detector)
        self.survey.merge(later.survey)
        self.valid |= later.valid
        return self


def stacks_per_thread(target, reference) -> parallel.PerThread:
    """``(target, reference)`` for the calling thread, and handles of their own for every other
    thread that reads (stacks that cannot reopen are only read from the calling thread)."""

    def reopen() -> tuple:
        return target.reopened(), reference.reopened() if reference is not None else None

    def close(pair: tuple) -> None:
        for stack in pair:
            if stack is not None:
                stack.__exit__(None, None, None)

    return parallel.PerThread((target, reference), reopen, close)


def can_read_in_threads(target, reference) -> bool:
    return all(s is None or hasattr(s, "reopened") for s in (target, reference))


def fit_blocks(
    detector: Detector,
    target,
    reference,
    blocks: Sequence,
    holdout: bool,
    on_block: Callable[[int], None] | None = None,
    cancel: CancelToken | None = None,
    threads: int = 1,
) -> FitPart:
    """Stream ``blocks`` (``Tile`` s of the grid) of the ``target`` and ``reference`` stacks into
    ``detector.partial_fit``: the reference alone for a single-input method when there is one,
    without its held-out cells when ``holdout``; both for a pair method. ``on_block(i)`` after
    each block. With ``threads`` > 1 the blocks are read ahead in that many threads and still fit
    in block order (the same fit, bit for bit)."""
    grid = target.grid
    t_counts = [i.count for i in target.infos]
    r_counts = [i.count for i in reference.infos] if reference is not None else []
    valid = np.zeros(len(t_counts) + len(r_counts), bool)
    survey = DataSurvey(with_reference=reference is not None, n_pixels=grid.width * grid.height)
    if not can_read_in_threads(target, reference):
        threads = 1
    stacks = stacks_per_thread(target, reference)

    def read(block) -> tuple:
        t_stack, r_stack = stacks.get()
        return t_stack.read(block.window), r_stack.read(block.window) if r_stack is not None else None

    try:
        for i, (block, (t, r)) in enumerate(parallel.prefetched(blocks, read, threads, cancel)):
            _fit_one(detector, survey, valid, (t_counts, r_counts), block, t, r, holdout)
            if on_block is not None:
                on_block(i)
    finally:
        stacks.close()
    return FitPart(detector, survey, valid)


def _fit_one(detector, survey, valid, counts, block, t, r, holdout: bool) -> None:
    """One block's share of the fit pass (in block order)."""
    t_counts, r_counts = counts
    if not valid.all():  # (once every input showed a valid pixel, nothing more to learn)
        valid |= np.array(_any_valid(t, t_counts) + (_any_valid(r, r_counts) if r is not None else []))
    survey.add(t, r)
    use = np.ones(t.shape[1:], bool)
    if holdout:
        use = ~holdout_mask(block.row_off, block.col_off, block.height, block.width)
    if detector.scores_single_input:
        detector.partial_fit(FitBlock(r if r is not None else t, None, use))
    else:
        detector.partial_fit(FitBlock(t, r, use))


def _any_valid(block: np.ndarray, counts: Sequence[int]) -> list[bool]:
    """Whether each input (``counts`` bands each, stacked in ``block``) has a valid pixel."""
    out, start = [], 0
    for n in counts:
        out.append(bool(np.isfinite(block[start : start + n]).all(axis=0).any()))
        start += n
    return out


def read_tile(detector: Detector, target, reference, tile) -> tuple:
    """What scoring ``tile`` needs: its target (and reference) block padded by the detector's
    context, the block's origin and the tile's crop in it."""
    grid = target.grid
    window, crop = tile.padded(detector.context_px, grid.height, grid.width)
    r = reference.read(window) if reference is not None else None
    return target.read(window), r, (int(window.row_off), int(window.col_off)), crop


def score_read(detector: Detector, data: tuple) -> np.ndarray:
    """The scores of a tile read by :func:`read_tile`, cropped to the tile."""
    t, r, origin, crop = data
    return detector.score_block(t, r, origin)[crop]


class Runner(Protocol):
    """Who does the passes' work: :class:`LocalRunner` or a cluster's."""

    def fit(
        self, detector, target, reference, blocks, holdout, progress: ProgressCallback, cancel: CancelToken
    ) -> FitPart:
        """:func:`fit_blocks` of every block, merged in block order."""
        ...

    def scored(
        self, detector, target, reference, tiles, cancel: CancelToken
    ) -> Iterator[tuple[Any, np.ndarray]]:
        """``(tile, its scores)`` for every tile, in tile order."""
        ...


class LocalRunner:
    """The passes in this process: blocks read ahead by every core and fit in order, tiles read
    and scored by every core the detector allows."""

    def fit(
        self, detector, target, reference, blocks, holdout, progress: ProgressCallback, cancel: CancelToken
    ) -> FitPart:
        def on_block(i: int) -> None:
            progress((i + 1) / len(blocks), "reading fit data")

        threads = parallel.usable_cores()
        return fit_blocks(detector, target, reference, blocks, holdout, on_block, cancel, threads)

    def scored(
        self, detector, target, reference, tiles, cancel: CancelToken
    ) -> Iterator[tuple[Any, np.ndarray]]:
        """``(tile, its scores)`` in tile order."""
        threads = parallel.scoring_threads(detector.tiles_in_parallel)
        if not can_read_in_threads(target, reference):
            threads = 1
        stacks = stacks_per_thread(target, reference)
        try:
            yield from parallel.ordered(
                tiles,
                lambda tile: read_tile(detector, *stacks.get(), tile),
                lambda data: score_read(detector, data),
                threads,
                cancel,
            )
        finally:
            stacks.close()
