"""Streamed mean and covariance of samples.

Moments are accumulated around a shift (the first block's mean) in float64, which keeps the sums
well conditioned for uint16 data with large offsets:

    mu = shift + S1 / n,    C = (S2 - S1 S1^T / n) / (n - 1)

where S1 = sum(x - shift) and S2 = sum((x - shift)(x - shift)^T).
"""

from __future__ import annotations

import numpy as np

from ..errors import EmptyDataError

#: Rows per step where float64 samples are streamed through temporaries (the generative fit's
#: column statistics, Mahalanobis distances): a step's temporaries stay small and are reused; a
#: whole block's at once (a megapixel of 26 float64 columns) took about five times as long to
#: stream (``scripts/profile_scoring.py``, stage ``fit: stream blocks``, labels
#: ``before-stream-steps`` and ``stream-steps``).
STEP_ROWS = 8192


class MomentAccumulator:
    """Running count, mean and covariance of ``(n, d)`` samples."""

    def __init__(self) -> None:
        self.n = 0
        self._shift: np.ndarray | None = None
        self._s1: np.ndarray | None = None
        self._s2: np.ndarray | None = None

    def add(self, x: np.ndarray) -> None:
        """Add float64 samples ``(n, d)``."""
        if x.shape[0] == 0:
            return
        if self._shift is None:
            d = x.shape[1]
            self._shift = x.mean(axis=0)
            self._s1, self._s2 = np.zeros(d), np.zeros((d, d))
        y = x - self._shift
        self._s1 += y.sum(axis=0)
        self._s2 += y.T @ y
        self.n += x.shape[0]

    def merge(self, other: MomentAccumulator) -> None:
        """Add the samples ``other`` saw (its sums moved onto this accumulator's shift)."""
        if other.n == 0 or other._shift is None or other._s1 is None or other._s2 is None:
            return
        if self._shift is None or self._s1 is None or self._s2 is None:
            self._shift, self._s1, self._s2 = other._shift.copy(), other._s1.copy(), other._s2.copy()
            self.n = other.n
            return
        d = other._shift - self._shift  # (x - shift) = (x - other's shift) + d
        self._s1 += other._s1 + other.n * d
        self._s2 += other._s2 + np.outer(other._s1, d) + np.outer(d, other._s1) + other.n * np.outer(d, d)
        self.n += other.n

    def mean_cov(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (mean ``(d,)``, covariance ``(d, d)``).

        Raises:
            EmptyDataError: fewer than 2 samples were seen.
        """
        if self.n < 2 or self._shift is None or self._s1 is None or self._s2 is None:
            raise EmptyDataError(
                "The fit data hold fewer than 2 valid pixels (all no data?): check the nodata "
                "value and the overlap of the inputs."
            )
        mean = self._shift + self._s1 / self.n
        cov = (self._s2 - np.outer(self._s1, self._s1) / self.n) / (self.n - 1)
        return mean, (cov + cov.T) / 2
