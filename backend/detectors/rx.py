"""Global Reed-Xiaoli (RX) detector.

Score of pixel x: the squared Mahalanobis distance ``(x - mu)^T C^+ (x - mu)`` to the mean ``mu`` and
covariance ``C`` of the fit data (the reference when given, else the target itself: anomalies are
rare, so the scene's own statistics describe the background). Reed & Yu, IEEE TASSP 38(10), 1990.
Fit in one streaming pass; singular covariances handled by the pseudo-inverse of
:class:`~backend.stats.Whitener`.

``fit_fraction < 1`` makes the fit robust: the high-breakdown Gaussian of
:func:`backend.stats.robust.robust_gaussian` (reweighted MCD concentrated on that fraction) of a
bounded random sample of the fit pixels. Use it when the event may cover a large part of the scene
(a large flood), where the classical fit absorbs the event into the background. The default (1.0) is
classical RX, which reproduces the published RX figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..stats import MomentAccumulator, PixelSample, Whitener
from ..stats.robust import robust_gaussian
from .base import Detector, DetectorConfig, FitBlock, as_pixels, valid_pixels


@dataclass(frozen=True)
class RXConfig(DetectorConfig):
    rcond: float = 1e-10  # eigenvalues below rcond * max are dropped (pseudo-inverse)
    fit_fraction: float = 1.0  # < 1: high-breakdown fit concentrated on this fraction of the pixels

    def check(self) -> None:
        if not 0.0 <= self.rcond < 1.0:
            raise InputError(f"rcond must be in [0, 1), got {self.rcond}.")
        if not 0.5 <= self.fit_fraction <= 1.0:
            raise InputError(f"fit_fraction must be in [0.5, 1], got {self.fit_fraction}.")


class RXDetector(Detector):
    name = "rx"
    tiles_in_parallel = True
    summary = "Global Reed-Xiaoli: Mahalanobis distance to the scene's (or reference's) mean and covariance."
    Config = RXConfig

    def __init__(self, config: RXConfig | None = None) -> None:
        super().__init__(config)
        self._moments = MomentAccumulator()
        self._sample = PixelSample() if self.config.fit_fraction < 1.0 else None
        self.whitener: Whitener | None = None

    def partial_fit(self, block: FitBlock) -> None:
        ok = valid_pixels(block.target) & block.use
        pixels = as_pixels(block.target, ok)
        self._moments.add(pixels)
        if self._sample is not None:
            self._sample.add(pixels)

    @property
    def fit_merges(self) -> bool:
        return self._sample is None  # a robust fit's random sample does not merge

    def merge_fit(self, later: Detector) -> None:
        assert isinstance(later, RXDetector) and self.fit_merges
        self._moments.merge(later._moments)

    def finish_fit(self) -> None:
        mean, cov = self._moments.mean_cov()
        if self._sample is None:
            self.whitener = Whitener.from_moments(mean, cov, self.config.rcond)
        else:
            fit = robust_gaussian(self._sample.pixels(), self.config.fit_fraction, rcond=self.config.rcond)
            self.whitener = fit.model

    def score(self, target: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        assert self.whitener is not None, "fit before score"
        return score_pixels(target, valid_pixels(target), self.whitener.mahalanobis_sq)

    def summary_dict(self) -> dict:
        w = self.whitener
        return {"fit_pixels": self._moments.n, "rank": w.rank if w else None}


def score_pixels(block: np.ndarray, valid: np.ndarray, fn) -> np.ndarray:
    """Apply ``fn`` (``(n, bands)`` float64 -> ``(n,)``) to the valid pixels of ``block``.

    Returns float32 ``(rows, cols)`` with NaN where ``valid`` is False.
    """
    out = np.full(valid.shape, np.nan, dtype=np.float32)
    if valid.any():
        out[valid] = fn(block[:, valid].T.astype(np.float64))
    return out
