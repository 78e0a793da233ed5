"""Sliding CLIP windows over a raster block at a chosen ground resolution, blended without seams.

A CLIP window covers ``window_px`` raster pixels per side: the model's input size at the chosen
ground sampling distance, ``window_px = round(input_px * gsd_m / pixel_size_m)`` (``gsd_m = 0``: the
raster's own, ``window_px = input_px``). Each window is resampled (bilinear, antialiased) to the
model's input, scored on the patch grid by a ``run`` function, and the patch map is upsampled
(bilinear) back to ``window_px``.

Windows sit on a lattice fixed to the raster's origin: top-left corners at multiples of
``stride_px`` on each axis (``k * stride_px < raster size``), so a pixel's windows never depend on
the engine's tiling. A block scores only the windows that lie wholly inside it or stick out of the
raster itself (those are padded with the normalisation mean, i.e. 0 after normalising); with a halo
of ``window_px`` (the detector's ``context_px``) every window that covers a tile pixel is complete,
so tiled and untiled runs agree. Overlapping windows blend with a separable tent weight
``w(i) = 1 - |2 (i + 0.5) / window_px - 1|`` (a partition of unity at half-window stride).

Window maps are cached by a hash of the window's pixels, so the halo overlap of neighbouring tiles
is scored once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..content_cache import ContentCache
from ..errors import InputError

#: ``run(x)``: normalised float32 ``(n, 3, S, S)`` -> float32 patch maps ``(n, gh, gw)``.
WindowRunner = Callable[[np.ndarray], np.ndarray]
MIN_WINDOW_PX = 8
MAX_WINDOW_PX = 8192


@dataclass(frozen=True)
class WindowPlan:
    """Window side and stride in raster pixels, and the model's input side."""

    window_px: int
    stride_px: int
    input_px: int


def plan_windows(input_px: int, gsd_m: float, pixel_size_m: float | None, stride: float) -> WindowPlan:
    """The :class:`WindowPlan` of a model input at ``gsd_m`` m/px over a raster of ``pixel_size_m``."""
    if not 0.0 < stride <= 1.0:
        raise InputError(f"stride is a fraction of the window in (0, 1], got {stride}.")
    if gsd_m <= 0:
        window = input_px
    elif pixel_size_m is None or pixel_size_m <= 0:
        raise InputError(
            "gsd_m needs a georeferenced raster (its pixel size in metres); leave gsd_m=0 otherwise."
        )
    else:
        window = int(round(input_px * gsd_m / pixel_size_m))
    if not MIN_WINDOW_PX <= window <= MAX_WINDOW_PX:
        raise InputError(
            f"gsd_m={gsd_m} gives CLIP windows of {window} px on this raster ({pixel_size_m} m/px); "
            f"choose gsd_m for windows of {MIN_WINDOW_PX} to {MAX_WINDOW_PX} px."
        )
    return WindowPlan(window, max(1, int(round(window * stride))), input_px)


def window_starts(origin: int, length: int, total: int, window: int, stride: int) -> list[int]:
    """Lattice starts (one axis) of the windows complete inside ``[origin, origin + length)``."""
    first = -(-origin // stride) * stride
    return [
        s
        for s in range(first, min(origin + length, total), stride)
        if min(s + window, total) <= origin + length
    ]


def tent(window: int) -> np.ndarray:
    """1-D blending weights of a window, float64 ``(window,)``, all > 0."""
    i = np.arange(window, dtype=np.float64)
    return 1.0 - np.abs(2.0 * (i + 0.5) / window - 1.0)


class WindowScorer:
    """Scores blocks with sliding windows (see the module docstring)."""

    def __init__(
        self,
        plan: WindowPlan,
        run: WindowRunner,
        mean: tuple[float, float, float],
        std: tuple[float, float, float],
        batch: int = 8,
        cache_size: int = 50_000,
    ) -> None:
        self.plan, self.run, self.batch = plan, run, max(1, batch)
        self.mean = np.asarray(mean, np.float32)[:, None, None]
        self.std = np.asarray(std, np.float32)[:, None, None]
        self.cache = ContentCache(max_items=cache_size)
        self.cache_size = cache_size
        self.windows_run = 0
        self.run_seconds = 0.0  # time spent in ``run`` (the model), for the sidecar and benchmarks
        w = tent(plan.window_px)
        self._weight = np.outer(w, w)

    def score(self, rgb: np.ndarray, origin: tuple[int, int], raster_shape: tuple[int, int]) -> np.ndarray:
        """float32 ``(rows, cols)`` of a block.

        Args:
            rgb: float32 ``(3, rows, cols)`` in [0, 1], NaN = no data.
            origin: (row, col) of the block's top-left pixel on the raster.
            raster_shape: (rows, cols) of the whole raster.
        """
        _, rows, cols = rgb.shape
        p = self.plan
        rs = window_starts(origin[0], rows, raster_shape[0], p.window_px, p.stride_px)
        cs = window_starts(origin[1], cols, raster_shape[1], p.window_px, p.stride_px)
        corners = [(r - origin[0], c - origin[1]) for r in rs for c in cs]
        acc = np.zeros((rows, cols), np.float64)
        wsum = np.zeros((rows, cols), np.float64)
        for i in range(0, len(corners), 64):
            part = corners[i : i + 64]
            maps = self._maps([self._crop(rgb, r, c) for r, c in part])
            for (r, c), m in zip(part, maps):
                h, w = min(p.window_px, rows - r), min(p.window_px, cols - c)
                acc[r : r + h, c : c + w] += self._weight[:h, :w] * m[:h, :w]
                wsum[r : r + h, c : c + w] += self._weight[:h, :w]
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (acc / wsum).astype(np.float32)
        out[(wsum == 0) | ~np.isfinite(rgb).all(axis=0)] = np.nan
        return out

    def _crop(self, rgb: np.ndarray, r: int, c: int) -> np.ndarray:
        """The window at local (r, c), padded with NaN where it leaves the block (= the raster)."""
        win = self.plan.window_px
        part = rgb[:, r : r + win, c : c + win]
        if part.shape[1:] == (win, win):
            return np.ascontiguousarray(part)
        out = np.full((3, win, win), np.nan, np.float32)
        out[:, : part.shape[1], : part.shape[2]] = part
        return out

    def _maps(self, windows: list[np.ndarray]) -> list[np.ndarray]:
        """Window-sized float32 maps, from the cache or by running the model on the misses."""

        def compute(missing: list[int]) -> list[np.ndarray]:
            out = []
            for i in range(0, len(missing), self.batch):
                idx = missing[i : i + self.batch]
                x = self._inputs([windows[j] for j in idx])
                started = time.perf_counter()
                low = self.run(x)  # (n, gh, gw)
                self.run_seconds += time.perf_counter() - started
                self.windows_run += len(idx)
                out.extend(np.asarray(m, np.float32) for m in low)
            return out

        return [self._upsample(m) for m in self.cache.get(windows, compute)]

    def _inputs(self, windows: list[np.ndarray]) -> np.ndarray:
        """Normalised model inputs ``(n, 3, S, S)``: NaN -> the mean (0), resampled to S."""
        import torch
        from torch.nn import functional as F  # noqa: N812 - the usual name

        x = (np.stack(windows) - self.mean) / self.std
        x = np.nan_to_num(x, nan=0.0).astype(np.float32)
        s = self.plan.input_px
        if x.shape[-1] == s:
            return x
        t = F.interpolate(
            torch.from_numpy(x), size=(s, s), mode="bilinear", align_corners=False, antialias=True
        )
        return t.numpy()

    def _upsample(self, low: np.ndarray) -> np.ndarray:
        import torch
        from torch.nn import functional as F  # noqa: N812 - the usual name

        win = self.plan.window_px
        t = torch.from_numpy(np.ascontiguousarray(low))[None, None]
        return F.interpolate(t, size=(win, win), mode="bilinear", align_corners=False)[0, 0].numpy()
