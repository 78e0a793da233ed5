"""The identity relation of one sensor's two dates: the direct comparison that change vector analysis
and log-ratio make: a test of one sensor, the normal part of the differences and an expert.

The learned relation (the regression of the target on the reference) is a fit, and an event that
covers most of a scene bends it. The identity relation (the same place reads the same on both dates,
up to an offset) needs no fit at all:

* :func:`local_agreement` tells one sensor's dates from two sensors' by the correlation of the
  dates inside small blocks: unchanged places share their texture and edges on one sensor's
  dates, even where an event changed the land cover around them or darkened a block as a whole.
* :class:`IdentityExpert`: the difference of the two dates (of their logs for the bands the
  projection reads as logs: a ratio), less its normal centre, divided by its normal spread band by
  band, its squared norm divided by the bands.
* :class:`IdentityFit`: the unchanged places, on which the learned relation is fit, and the
  expert, whose normal centre and spread are the mean and spread of their differences. They are
  the places whose :func:`local_difference` (the dates' difference averaged over a few pixels) a
  high-breakdown Gaussian keeps: one pixel's difference is noisy (speckle, an edge) and overlaps
  an event's, while averaged it separates them, since events are regions. Unchanged places agree
  closely and events differ in many ways, so the densest part of the differences is the unchanged
  part even when events cover half of the scene. That Gaussian is concentrated on the
  :data:`IDENTITY_FRACTION` of the differences it explains best, not on half of them: where events
  and the real changes together cover more than half of the scene, a half-sample must hold some
  of them, while the densest third still lies in the unchanged part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..stats.robust import robust_gaussian

#: Side (px) of the blocks in which :func:`local_agreement` correlates the dates.
AGREEMENT_BLOCK_PX = 8
#: Side (px) of the windows over which :func:`local_difference` averages the dates' difference.
LOCAL_PX = 5
#: Share of the differences the identity fit's concentration keeps (a breakdown point near 70 %):
#: ``research/probe_identity_fit.py`` counts the event pixels among the fit's inliers on the
#: breakdown benchmark's pairs with events on 0 to 50 % of them, for this share and for a half.
IDENTITY_FRACTION = 0.3


def read(x: np.ndarray, log: np.ndarray | None) -> np.ndarray:
    """float64 channel-first bands ``(bands, ...)`` as the identity relation reads them: ``log1p``
    of the ``log`` bands (as the projection reads them; None: none), the others as they are."""
    out = np.array(x, np.float64)
    if log is not None and log.any():
        out[log] = np.log1p(np.maximum(out[log], 0.0))
    return out


def correlation(t: np.ndarray, r: np.ndarray, axis: int) -> np.ndarray:
    """Pearson correlation of ``t`` and ``r`` along ``axis`` (NaN where either is constant)."""
    t = t - t.mean(axis=axis, keepdims=True)
    r = r - r.mean(axis=axis, keepdims=True)
    den = np.sqrt((t * t).sum(axis=axis) * (r * r).sum(axis=axis))
    return np.where(den > 0, (t * r).sum(axis=axis) / np.where(den > 0, den, 1.0), np.nan)


def local_agreement(
    target: np.ndarray, reference: np.ndarray, valid: np.ndarray, log: np.ndarray | None
) -> float:
    """The median over the bands of the median, over the :data:`AGREEMENT_BLOCK_PX` blocks of the
    crops whose pixels are all ``valid`` ``(n, s, s)``, of the correlation of the raw crops
    ``target`` and ``reference`` ``(n, bands, s, s)``; NaN without such a block."""
    n, bands, s, _ = target.shape
    b = AGREEMENT_BLOCK_PX
    m = s // b * b
    parts = []  # (bands, blocks) per crop
    for i in range(n):
        full = valid[i, :m, :m].reshape(m // b, b, m // b, b).all(axis=(1, 3)).ravel()
        if full.any():
            t, r = (read(_blocks(a[i], m, b)[:, full], log) for a in (target, reference))
            parts.append(correlation(t, r, axis=2))
    if not parts:
        return float("nan")
    per_band = np.concatenate(parts, axis=1)
    medians = [np.nanmedian(c) for c in per_band if np.isfinite(c).any()]
    return float(np.median(medians)) if medians else float("nan")


def _blocks(a: np.ndarray, m: int, b: int) -> np.ndarray:
    """``(bands, s, s)`` -> ``(bands, blocks, b * b)`` of its top-left ``m`` x ``m`` pixels."""
    k = a.shape[0]
    return a[:, :m, :m].reshape(k, m // b, b, m // b, b).transpose(0, 1, 3, 2, 4).reshape(k, -1, b * b)


@dataclass(frozen=True)
class IdentityExpert:
    """``log`` bool ``(bands,)``; ``center`` and ``scale`` float64 ``(bands,)`` of the normal
    difference of the dates."""

    log: np.ndarray
    center: np.ndarray
    scale: np.ndarray

    def energy(self, target: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """float64 ``(rows, cols)`` of channel-first raw blocks of both dates (NaN where invalid)."""
        per_band = (-1,) + (1,) * (target.ndim - 1)
        d = read(target, self.log) - read(reference, self.log)
        u = (d - self.center.reshape(per_band)) / self.scale.reshape(per_band)
        return np.einsum("k...,k...->...", u, u) / target.shape[0]

    def record(self) -> dict:
        """The expert as the model card stores it."""
        return {
            "log": [bool(v) for v in self.log],
            "center": [float(v) for v in self.center],
            "scale": [float(v) for v in self.scale],
        }

    @classmethod
    def from_record(cls, d: dict) -> IdentityExpert:
        return cls(np.asarray(d["log"], bool), np.asarray(d["center"], float), np.asarray(d["scale"], float))


@dataclass(frozen=True)
class IdentityFit:
    """The identity relation fit on samples: the unchanged samples (bool ``(n,)``: the regressions
    are fit on them) and the expert, whose normal difference is the mean and spread of their
    differences. The unchanged samples are those a high-breakdown Gaussian of the dates' local
    differences keeps, when they are given (else of their own differences, and the expert is that
    Gaussian's). A pixel's own difference is noisy (speckle, a co-registration edge) and an
    event's pixels overlap the unchanged ones; their mean over a few pixels is not, and events are
    regions.

    Samples that read exactly the same on both dates in every band are kept, but the Gaussian is
    fit on the others: in quantized rasters (8-bit SAR) such ties pile up (a third of
    sar-cd/sanfrancisco, mostly pixels at 0 on both dates), and a concentration on fewer samples
    than the pile would fit the pile alone, whose spread is none."""

    expert: IdentityExpert
    inliers: np.ndarray

    @classmethod
    def of(
        cls,
        target: np.ndarray,
        reference: np.ndarray,
        log: np.ndarray | None,
        seed: int,
        local: np.ndarray | None = None,
    ) -> IdentityFit:
        """The fit of raw samples ``(n, bands)`` of both dates at the same pixels; ``local``: their
        :func:`local_difference` ``(n, bands)`` (None: the inliers are those of the pixels' own
        differences)."""
        log = np.zeros(target.shape[1], bool) if log is None else np.asarray(log, bool)
        d = (read(target.T, log) - read(reference.T, log)).T
        moved = (d != 0).any(axis=1)
        if moved.sum() < 2 * d.shape[1] + 2:  # (next to no samples moved: fit them all)
            moved[:] = True
        if local is None:
            fit = robust_gaussian(d[moved], fraction=IDENTITY_FRACTION, seed=seed)
            center, scale = fit.model.mean, np.sqrt(np.maximum(np.diag(fit.model.cov), 0.0))
        else:  # the unchanged places: those whose neighbourhood agrees; their own differences
            fit = robust_gaussian(local[moved], fraction=IDENTITY_FRACTION, seed=seed)
            kept = d[moved][fit.inliers] if fit.inliers.sum() > 1 else d[moved]
            center, scale = kept.mean(axis=0), kept.std(axis=0)
        floor = max(float(scale.max()) * 1e-6, 1e-12)
        inliers = ~moved
        inliers[moved] = fit.inliers
        return cls(IdentityExpert(log, center, np.maximum(scale, floor)), inliers)


def local_difference(
    target: np.ndarray,
    reference: np.ndarray,
    valid: np.ndarray,
    log: np.ndarray | None,
    at: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """float64 ``(n, bands)``: at the pixels ``at`` (crop, row, col index arrays of length ``n``),
    the difference of the dates' crops ``(crops, bands, s, s)`` (as :func:`read` reads them)
    averaged over the valid pixels (bool ``(crops, s, s)``) of the :data:`LOCAL_PX` window around
    each."""
    from scipy.ndimage import uniform_filter

    crop, row, col = at
    out = np.zeros((crop.size, target.shape[1]))
    starts = np.flatnonzero(np.r_[True, crop[1:] != crop[:-1]])  # (the positions come sorted by crop)
    for a, b in zip(starts, np.r_[starts[1:], crop.size]):
        i, ok = crop[a], valid[crop[a]]
        d = np.where(ok, np.nan_to_num(read(target[i], log) - read(reference[i], log)), 0.0)
        num = uniform_filter(d, (1, LOCAL_PX, LOCAL_PX), mode="constant")
        den = uniform_filter(ok.astype(np.float64), LOCAL_PX, mode="constant")
        r, c = row[a:b], col[a:b]
        out[a:b] = (num[:, r, c] / np.maximum(den[r, c], 1e-6)).T
    return out
