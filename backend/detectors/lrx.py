"""Local (dual-window) RX.

Each pixel is compared with the background ring around it: the pixels of the ``outer_px`` window
that are not in the ``inner_px`` guard window (which keeps the target itself out of its own
background). Score: ``(x - mu_ring)^T (C_ring + ridge I)^-1 (x - mu_ring)``. Kwon & Nasrabadi,
IEEE TGRS 43(2), 2005.

With many bands a ring has fewer pixels than dimensions, so pixels are first projected on the
``components`` leading principal components of the fit data and whitened (unit variance), which
also makes ``ridge`` unit-free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..stats import MomentAccumulator, ring_mahalanobis
from .base import Detector, DetectorConfig, FitBlock, as_pixels, valid_pixels


@dataclass(frozen=True)
class LRXConfig(DetectorConfig):
    outer_px: int = 15
    inner_px: int = 5
    components: int = 8
    ridge: float = 1e-2

    def check(self) -> None:
        if not (self.outer_px % 2 and self.inner_px % 2 and 1 <= self.inner_px < self.outer_px):
            raise InputError(
                f"outer_px and inner_px must be odd with inner < outer, got {self.outer_px}, {self.inner_px}."
            )
        if self.components < 1 or self.ridge <= 0:
            raise InputError("components must be >= 1 and ridge > 0.")


class LRXDetector(Detector):
    name = "lrx"
    tiles_in_parallel = True
    summary = "Local dual-window RX: Mahalanobis distance to the ring of pixels around each pixel."
    Config = LRXConfig

    def __init__(self, config: LRXConfig | None = None) -> None:
        super().__init__(config)
        self._moments = MomentAccumulator()
        self.mean: np.ndarray | None = None
        self.projection: np.ndarray | None = None  # (bands, k)

    @property
    def context_px(self) -> int:
        return self.config.outer_px // 2

    def partial_fit(self, block: FitBlock) -> None:
        ok = valid_pixels(block.target) & block.use
        self._moments.add(as_pixels(block.target, ok))

    @property
    def fit_merges(self) -> bool:
        return True

    def merge_fit(self, later: Detector) -> None:
        assert isinstance(later, LRXDetector) and self.fit_merges
        self._moments.merge(later._moments)

    def finish_fit(self) -> None:
        mean, cov = self._moments.mean_cov()
        evals, evecs = np.linalg.eigh(cov)
        order = np.argsort(evals)[::-1][: self.config.components]
        keep = order[evals[order] > 1e-10 * max(evals.max(), 1e-300)]
        if keep.size == 0:
            keep = order[:1]
        self.mean = mean
        self.projection = evecs[:, keep] / np.sqrt(np.maximum(evals[keep], 1e-300))

    def score(self, target: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        assert self.projection is not None and self.mean is not None
        ok = valid_pixels(target)
        bands, rows, cols = target.shape
        x = np.where(ok, target, 0.0).reshape(bands, -1).T.astype(np.float64)
        z = ((x - self.mean) @ self.projection).T.reshape(-1, rows, cols)  # (k, rows, cols)
        z[:, ~ok] = 0.0
        c = self.config
        return ring_mahalanobis(z, ok, c.outer_px, c.inner_px, c.ridge)

    def summary_dict(self) -> dict:
        k = None if self.projection is None else int(self.projection.shape[1])
        return {"fit_pixels": self._moments.n, "components": k}
