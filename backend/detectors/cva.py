"""Change vector analysis (CVA) magnitude.

Each date is standardised band by band with its own statistics over the scene,
``z_t = (x_t - mu_t) / sigma_t``, which removes gain and offset differences between acquisitions;
the score is the magnitude of the change vector ``|z_post - z_pre|_2``. Malila, 1980; Bovolo &
Bruzzone, IEEE TGRS 45(1), 2007.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import Detector, DetectorConfig, FitBlock, valid_pixels


@dataclass(frozen=True)
class CVAConfig(DetectorConfig):
    pass


class _BandStats:
    """Running per-band mean and standard deviation (float64 sums around a shift)."""

    def __init__(self) -> None:
        self.n = 0
        self.shift: np.ndarray | None = None
        self.s1: np.ndarray | None = None
        self.s2: np.ndarray | None = None

    def add(self, x: np.ndarray) -> None:  # x: (n, bands)
        if x.shape[0] == 0:
            return
        if self.shift is None:
            self.shift = x.mean(axis=0)
            self.s1, self.s2 = np.zeros(x.shape[1]), np.zeros(x.shape[1])
        y = x - self.shift
        self.s1 += y.sum(axis=0)
        self.s2 += (y * y).sum(axis=0)
        self.n += x.shape[0]

    def merge(self, other: _BandStats) -> None:
        """Add the samples ``other`` saw (its sums moved onto this shift)."""
        if other.n == 0 or other.shift is None or other.s1 is None or other.s2 is None:
            return
        if self.shift is None or self.s1 is None or self.s2 is None:
            self.shift, self.s1, self.s2, self.n = (
                other.shift.copy(),
                other.s1.copy(),
                other.s2.copy(),
                other.n,
            )
            return
        d = other.shift - self.shift
        self.s1 += other.s1 + other.n * d
        self.s2 += other.s2 + 2 * d * other.s1 + other.n * d * d
        self.n += other.n

    def mean_std(self) -> tuple[np.ndarray, np.ndarray]:
        from ..errors import EmptyDataError

        if self.n < 2 or self.shift is None:
            raise EmptyDataError("The inputs share fewer than 2 valid pixels: check nodata and overlap.")
        m = self.s1 / self.n
        var = np.maximum(self.s2 / self.n - m * m, 0.0)
        std = np.sqrt(var)
        return self.shift + m, np.where(std > 0, std, 1.0)


class CVADetector(Detector):
    name = "cva"
    tiles_in_parallel = True
    summary = (
        "Change vector magnitude between target and reference after per-band standardisation of each date."
    )
    Config = CVAConfig
    needs_reference = True
    scores_single_input = False

    def __init__(self, config: CVAConfig | None = None) -> None:
        super().__init__(config)
        self._target, self._reference = _BandStats(), _BandStats()
        self.stats: tuple[np.ndarray, ...] | None = None

    def partial_fit(self, block: FitBlock) -> None:
        ok = valid_pixels(block.target, block.reference) & block.use
        self._target.add(block.target[:, ok].T.astype(np.float64))
        self._reference.add(block.reference[:, ok].T.astype(np.float64))

    @property
    def fit_merges(self) -> bool:
        return True

    def merge_fit(self, later: Detector) -> None:
        assert isinstance(later, CVADetector)
        self._target.merge(later._target)
        self._reference.merge(later._reference)

    def finish_fit(self) -> None:
        self.stats = (*self._target.mean_std(), *self._reference.mean_std())

    def score(self, target: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        assert self.stats is not None and reference is not None
        mt, st, mr, sr = (s[:, None, None] for s in self.stats)
        diff = (target - mt) / st - (reference - mr) / sr
        out = np.sqrt(np.sum(diff * diff, axis=0)).astype(np.float32)
        out[~valid_pixels(target, reference)] = np.nan
        return out

    def summary_dict(self) -> dict:
        return {"fit_pixels": self._target.n}
