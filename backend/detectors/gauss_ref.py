"""Gaussian reference model: the target's pixel given the reference's pixel.

Fit one joint Gaussian on (reference, target) pixel pairs of the scene (changes are rare), then
condition on the reference: ``t | r ~ N(mu_t + B (r - mu_r), S)`` with ``B = C_tr C_rr^+`` and
``S = C_tt - B C_rt``. The score is the Mahalanobis distance of the target to this prediction,
``(t - t_hat)^T S^+ (t - t_hat)``. Because ``B`` is a learned linear map, reference and target may be
different modalities (SAR before, optical after) or band sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..stats import MomentAccumulator, Whitener
from .base import Detector, DetectorConfig, FitBlock, valid_pixels


@dataclass(frozen=True)
class GaussRefConfig(DetectorConfig):
    rcond: float = 1e-8

    def check(self) -> None:
        if not 0.0 <= self.rcond < 1.0:
            raise InputError(f"rcond must be in [0, 1), got {self.rcond}.")


class GaussRefDetector(Detector):
    name = "gauss-ref"
    tiles_in_parallel = True
    summary = (
        "Gaussian model of the target given the reference (any modality mix); Mahalanobis of the residual."
    )
    Config = GaussRefConfig
    needs_reference = True
    scores_single_input = False

    def __init__(self, config: GaussRefConfig | None = None) -> None:
        super().__init__(config)
        self._moments = MomentAccumulator()
        self._nr = 0
        self.coef: np.ndarray | None = None  # (nr + 1, nt): [r - mu_r, 1] -> t_hat
        self.residual: Whitener | None = None

    @property
    def accepts_any_reference_bands(self) -> bool:
        return True

    def partial_fit(self, block: FitBlock) -> None:
        assert block.reference is not None
        ok = valid_pixels(block.target, block.reference) & block.use
        self._nr = block.reference.shape[0]
        pairs = np.concatenate([block.reference[:, ok], block.target[:, ok]], axis=0)
        self._moments.add(pairs.T.astype(np.float64))

    @property
    def fit_merges(self) -> bool:
        return True

    def merge_fit(self, later: Detector) -> None:
        assert isinstance(later, GaussRefDetector)
        self._moments.merge(later._moments)
        self._nr = self._nr or later._nr

    def finish_fit(self) -> None:
        mean, cov = self._moments.mean_cov()
        nr = self._nr
        c_rr, c_rt, c_tt = cov[:nr, :nr], cov[:nr, nr:], cov[nr:, nr:]
        rr_inv = Whitener.from_moments(np.zeros(nr), c_rr, self.config.rcond)
        b = (rr_inv.w @ rr_inv.w.T @ c_rt).T  # (nt, nr)
        s = c_tt - b @ c_rt
        self.coef = np.vstack([b.T, mean[nr:][None, :]])
        self._mu_r = mean[:nr]
        self.residual = Whitener.from_moments(np.zeros(s.shape[0]), (s + s.T) / 2, self.config.rcond)

    def score(self, target: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        assert self.coef is not None and self.residual is not None and reference is not None
        ok = valid_pixels(target, reference)
        out = np.full(ok.shape, np.nan, dtype=np.float32)
        if ok.any():
            r = reference[:, ok].T.astype(np.float64) - self._mu_r
            t = target[:, ok].T.astype(np.float64)
            t_hat = r @ self.coef[:-1] + self.coef[-1]
            out[ok] = self.residual.mahalanobis_sq(t - t_hat)
        return out

    def summary_dict(self) -> dict:
        return {"fit_pixels": self._moments.n}
