"""What a generative model learns as normal: the relation between two rasters and the normal core.

The network and the statistics that whiten its score learn the normal part of the fit data. An
event can cover much of a scene (a flood plain, a burnt valley), so that part is chosen by
high-breakdown fits (:mod:`backend.stats.robust`) that tolerate almost half of the pixels being
anything at all:

* one image: the core is the majority that a high-breakdown Gaussian of the channels keeps;
* two dates of one sensor (reference conditioning, the same bands, and the identity relation
  holding on the fit's inliers: :func:`identity_holds`): the regression of the target on the
  reference is a reweighted least-trimmed-squares fit, and the core is what it keeps;
* two rasters of different sensors (or modality conditioning): no linear relation holds for every
  land cover, and a fit to the best half of the pixels would call the rest changes. The
  regression is least squares refit on the 90 % it explains best (as IR-MAD does: Nielsen 2007)
  and the core is that 90 %: events covering more than about a tenth of such a scene are partly
  learned as normal (docs/methods/generative.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..stats import Regression
from ..stats.robust import robust_gaussian, robust_regression, within_normal

#: Median correlation, over the bands, of the two dates on the high-breakdown fit's inliers from
#: which they are taken as one sensor's (the identity relation of log-ratio and change vectors
#: holds): one sensor's pairs measure 0.66 to 0.96 on the dev cases, pairs of different sensors
#: 0.58 (optical against a grey SAR render, whose relation is linear enough) or about 0.
SAME_SENSOR_CORRELATION = 0.3
#: Cross-sensor relations: the share of samples each least-squares refit keeps, and the refits.
TRIMMED_SHARE, TRIMMED_REFITS = 0.9, 3


@dataclass(frozen=True)
class Relation:
    """The regression of the modelled channels on the conditioning ones, the reverse one (None
    without the reverse expert), and whether they are high-breakdown fits (one sensor's dates)."""

    regression: Regression
    reverse: Regression | None
    high_breakdown: bool
    correlation: float  # the dates' median band correlation on the inliers (NaN: not measured)

    def record(self) -> dict:
        """The relation as the model card and the sidecar record it."""
        return {
            "fit": "high-breakdown" if self.high_breakdown else "trimmed",
            "same_sensor": self.high_breakdown,
            "inlier_band_correlation": None if np.isnan(self.correlation) else round(self.correlation, 4),
        }


def trimmed_regression(z: np.ndarray, c: np.ndarray) -> tuple[Regression, np.ndarray]:
    """Least squares refit :data:`TRIMMED_REFITS` times on the :data:`TRIMMED_SHARE` of samples
    it explains best; (the regression, bool samples kept)."""
    reg, keep = Regression.from_samples(z, c), np.ones(z.shape[0], bool)
    for _ in range(TRIMMED_REFITS):
        r = reg.residual(z, c)
        energy = np.einsum("ij,ij->i", r, r)
        keep = energy <= np.quantile(energy, TRIMMED_SHARE)
        reg = Regression.from_samples(z[keep], c[keep])
    return reg, keep


def identity_holds(target: np.ndarray, reference: np.ndarray, inliers: np.ndarray) -> float:
    """The median over the bands of the correlation of ``target`` and ``reference`` samples ``(n,
    bands)`` (the same bands) on the ``inliers``: near 1 when the dates are one sensor's."""
    t, r = target[inliers], reference[inliers]
    if not len(t):
        return 0.0
    t, r = t - t.mean(axis=0), r - r.mean(axis=0)
    sd = np.sqrt((t * t).mean(axis=0) * (r * r).mean(axis=0))
    correlation = np.where(sd > 0, (t * r).mean(axis=0) / np.where(sd > 0, sd, 1.0), 0.0)
    return float(np.median(correlation))


def fit_relation(
    z: np.ndarray,
    c: np.ndarray,
    raw: tuple[np.ndarray, np.ndarray] | None,
    reverse_expert: bool,
    seed: int,
) -> Relation:
    """The relation of channel samples ``z`` ``(n, k)`` given ``c`` ``(n, kc)``. ``raw``: the same
    pixels' raw bands (target, reference) when two dates of the same bands are compared (None:
    modality conditioning, or other bands), to test the identity relation."""
    fit = robust_regression(z, c, seed=seed)
    correlation = identity_holds(*raw, fit.inliers) if raw is not None else float("nan")
    if correlation >= SAME_SENSOR_CORRELATION:
        reverse = robust_regression(c, z, seed=seed).model if reverse_expert else None
        return Relation(fit.model, reverse, True, correlation)
    regression, _ = trimmed_regression(z, c)
    reverse = trimmed_regression(c, z)[0] if reverse_expert else None
    return Relation(regression, reverse, False, correlation)


def relation_core(energy: np.ndarray, valid: np.ndarray, k: int, high_breakdown: bool) -> np.ndarray:
    """The normal core of crops given the whitened residual ``energy`` ``(n, s, s)`` of the
    relation (``k`` channels): what the high-breakdown fit keeps, or the trimmed share."""
    core = valid.copy()
    if not valid.any():
        return core
    if high_breakdown:
        core[valid] = within_normal(energy[valid], k)
    else:
        core[valid] = energy[valid] <= np.quantile(energy[valid], TRIMMED_SHARE)
    return core


def scene_core(x: np.ndarray, valid: np.ndarray, sample: np.ndarray, seed: int) -> np.ndarray:
    """The normal core of single-raster crops ``x`` ``(n, k, s, s)``: the pixels a high-breakdown
    Gaussian of the ``sample`` ``(m, k)`` of their channels keeps."""
    gaussian = robust_gaussian(sample, seed=seed).model
    core = valid.copy()
    if valid.any():
        energy = gaussian.mahalanobis_sq(x.transpose(0, 2, 3, 1)[valid].astype(np.float64))
        core[valid] = within_normal(energy, x.shape[1])
    return core
