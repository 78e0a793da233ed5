"""Moving-window sums over valid pixels (the local statistics of local detectors).

A ``k x k`` window sum is computed with a 2-D cumulative sum (summed-area table), in float64, with
zeros outside the block; dividing by the matching count of valid pixels gives a mean that ignores
no-data pixels and raster edges.
"""

from __future__ import annotations

import numpy as np


def box_sum(x: np.ndarray, k: int) -> np.ndarray:
    """Sum of ``x`` over the ``k x k`` window centred on each pixel (``k`` odd).

    Args:
        x: float ``(..., rows, cols)``; leading axes are independent channels.
    Returns:
        float64 array of ``x``'s shape.
    """
    r = k // 2
    rows, cols = x.shape[-2:]
    pad = [(0, 0)] * (x.ndim - 2) + [(r + 1, r), (r + 1, r)]
    c = np.pad(x.astype(np.float64), pad)
    c = c.cumsum(axis=-2).cumsum(axis=-1)
    return (
        c[..., k : k + rows, k : k + cols]
        - c[..., :rows, k : k + cols]
        - c[..., k : k + rows, :cols]
        + c[..., :rows, :cols]
    )


def box_mean(x: np.ndarray, k: int, valid: np.ndarray) -> np.ndarray:
    """Mean of ``x`` over valid pixels of the ``k x k`` window; NaN where the window has none.

    Args:
        x: float ``(bands, rows, cols)`` (values at invalid pixels are ignored).
        valid: bool ``(rows, cols)``.
    """
    if k == 1:
        return np.where(valid, x, np.nan)
    w = valid.astype(np.float64)
    total = box_sum(np.where(valid, x, 0.0), k)
    count = box_sum(w, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count
