"""Streaming Gaussian statistics and robust whitening shared by the Mahalanobis detectors.

Moments are accumulated around a shift (the first block's mean) in float64, which keeps the sums
well conditioned for uint16 data with large offsets:

    mu = shift + S1 / n,    C = (S2 - S1 S1^T / n) / (n - 1)

where S1 = sum(x - shift) and S2 = sum((x - shift)(x - shift)^T).

The inverse covariance is a pseudo-inverse from the eigen-decomposition ``C = V diag(l) V^T``:
directions with ``l <= rcond * max(l)`` (constant or duplicated bands) are dropped instead of
blowing up, so singular covariances are handled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import EmptyDataError


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


@dataclass(frozen=True)
class Whitener:
    """Maps samples to whitened coordinates: ``z = (x - mean) @ w`` so that ``|z|^2`` is the
    Mahalanobis distance with the pseudo-inverse covariance."""

    mean: np.ndarray  # (d,)
    w: np.ndarray  # (d, k), k = retained rank

    @classmethod
    def from_moments(cls, mean: np.ndarray, cov: np.ndarray, rcond: float = 1e-10) -> Whitener:
        evals, evecs = np.linalg.eigh(cov)
        top = max(float(evals.max()), 0.0)
        keep = evals > rcond * top if top > 0 else np.zeros_like(evals, dtype=bool)
        if not keep.any():
            # Constant data: every deviation is equally (infinitely) surprising; use unit scale.
            return cls(mean, np.eye(len(mean)))
        return cls(mean, evecs[:, keep] / np.sqrt(evals[keep]))

    @property
    def rank(self) -> int:
        return int(self.w.shape[1])

    def mahalanobis_sq(self, x: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distance of float64 samples ``(n, d)`` -> ``(n,)``."""
        z = (x - self.mean) @ self.w
        return np.einsum("ij,ij->i", z, z)


def score_pixels(block: np.ndarray, valid: np.ndarray, fn) -> np.ndarray:
    """Apply ``fn`` (``(n, bands)`` float64 -> ``(n,)``) to the valid pixels of ``block``.

    Returns float32 ``(rows, cols)`` with NaN where ``valid`` is False.
    """
    out = np.full(valid.shape, np.nan, dtype=np.float32)
    if valid.any():
        out[valid] = fn(block[:, valid].T.astype(np.float64))
    return out


class PixelSample:
    """A bounded uniform random sample of pixels ``(n, d)`` from a stream of blocks (fixed seed).

    Every pixel is kept with probability ``p``; when the sample exceeds ``max_values`` numbers, half
    of it is dropped at random and ``p`` halves, so the sample stays uniform over the whole stream.
    """

    def __init__(self, max_values: int = 20_000_000, seed: int = 0) -> None:
        self.max_values = max_values
        self.p = 1.0
        self.rng = np.random.default_rng(seed)
        self.parts: list[np.ndarray] = []
        self.size = 0

    def add(self, x: np.ndarray) -> None:
        if self.p < 1.0:
            x = x[self.rng.random(x.shape[0]) < self.p]
        self.parts.append(x)
        self.size += x.size
        while self.size > self.max_values:
            merged = np.concatenate(self.parts)
            merged = merged[self.rng.random(merged.shape[0]) < 0.5]
            self.parts, self.size, self.p = [merged], merged.size, self.p / 2

    def pixels(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.zeros((0, 0))


def concentrate(x: np.ndarray, fraction: float, steps: int, rcond: float) -> Whitener:
    """Robust Gaussian fit by concentration steps (the C-steps of FAST-MCD, Rousseeuw & Van
    Driessen 1999): refit mean and covariance on the ``fraction`` of samples ``(n, d)`` closest to
    the current fit, ``steps`` times."""
    keep = np.ones(x.shape[0], dtype=bool)
    for _ in range(steps):
        acc = MomentAccumulator()
        acc.add(x[keep])
        w = Whitener.from_moments(*acc.mean_cov(), rcond)
        d = w.mahalanobis_sq(x)
        keep = d <= np.quantile(d, fraction)
    acc = MomentAccumulator()
    acc.add(x[keep])
    return Whitener.from_moments(*acc.mean_cov(), rcond)
