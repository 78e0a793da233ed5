"""Data in which nothing can stand out, and the detector that says so.

An anomaly is a pixel unlike the others, or unlike its reference. Two kinds of input hold none,
whatever the method: a target whose valid pixels are all the same (a constant scene, with no
reference to differ from), and a target equal to its reference (an identical pair: nothing
changed). A learned method would still rank its own noise there (a diffusion model's denoising
error, a regression's round-off) and the calibration would flag the top of that noise as events.
:class:`DataSurvey` finds these cases in the fit pass; :class:`UniformScore` then stands in for the
method: every valid pixel scores 0, the calibration table is constant, and ``score > threshold``
flags nothing. The run's warnings say why.

The survey also warns when one value covers a large share of the target (a quarter or more of a
regular sample of its valid pixels): usually fill that the raster does not declare as nodata, which
skews every statistic fit on the scene.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Detector, valid_pixels

#: About this many pixels of the target are sampled (every n-th) to find its most common value.
SAMPLE_PX = 1 << 16
#: A warning when one pixel value (all bands) covers at least this share of the target.
ONE_VALUE_SHARE = 0.25


class DataSurvey:
    """Streamed over the fit blocks: whether every valid pixel of the target is one vector, a
    regular sample of the target's pixels, and whether every block of the target equals the
    reference's (NaN where NaN). Each check stops costing anything once it has failed."""

    def __init__(self, with_reference: bool, n_pixels: int = SAMPLE_PX) -> None:
        self.identical = with_reference
        self._first: np.ndarray | None = None  # the first valid pixel, while all equal it
        self._uniform = True
        self._step = max(1, n_pixels // SAMPLE_PX)
        self._sample: list[np.ndarray] = []

    def add(self, target: np.ndarray, reference: np.ndarray | None) -> None:
        bands = target.shape[0]
        picked = target.reshape(bands, -1)[:, :: self._step].T
        self._sample.append(picked[np.isfinite(picked).all(axis=1)])
        if self._uniform:
            ok = valid_pixels(target)
            if self._first is None and ok.any():
                self._first = target[:, ok][:, 0].copy()
            if self._first is not None:
                same = (target == self._first[:, None, None]).all(axis=0)
                self._uniform = bool((same | ~ok).all())
        if self.identical:
            self.identical = (
                reference is not None
                and reference.shape == target.shape
                and bool(np.array_equal(target, reference, equal_nan=True))
            )

    def merge(self, later: DataSurvey) -> None:
        """Add what ``later`` saw (the blocks after this survey's)."""
        self._sample.extend(later._sample)
        if self._first is None:
            self._first = later._first
        elif later._first is not None:
            self._uniform = self._uniform and bool(np.array_equal(self._first, later._first))
        self._uniform = self._uniform and later._uniform
        self.identical = self.identical and later.identical

    @property
    def constant(self) -> bool:
        """Every valid pixel of the target is the same vector."""
        return self._first is not None and self._uniform

    def one_value_warning(self) -> str | None:
        """A warning when one value covers much of the target (fill without a nodata value?)."""
        sample = np.concatenate(self._sample) if self._sample else np.zeros((0, 1))
        if self.constant or len(sample) < 100:
            return None
        values, counts = np.unique(sample, axis=0, return_counts=True)
        share = counts.max() / len(sample)
        if share < ONE_VALUE_SHARE:
            return None
        value = ", ".join(f"{v:.6g}" for v in values[counts.argmax()][:4])
        return (
            f"{share:.0%} of the target's valid pixels have one value ({value}): if it is fill, declare it "
            "as the raster's nodata value, or the scores of the rest are skewed."
        )

    def reason(self, detector: Detector, has_reference: bool) -> str | None:
        """Why nothing can stand out for ``detector`` (a warning for the analyst), or None.

        Prompt methods are never concerned: a constant scene may well be all water.
        """
        if detector.uses_prompt:
            return None
        if has_reference and self.identical:
            return "The target and the reference are identical: nothing changed, so nothing is flagged."
        if not has_reference and self.constant:
            return (
                "Every valid pixel of the target has the same value: nothing stands out, so nothing is "
                "flagged (a constant scene)."
            )
        return None


class UniformScore(Detector):
    """Scores 0 on every valid pixel in place of ``method`` (see the module docstring)."""

    def __init__(self, method: Detector, reason: str) -> None:
        super().__init__(method.config)
        self.method, self.reason = method, reason
        self.name = method.name  # type: ignore[misc] - the run stays the method's run
        self.summary = method.summary  # type: ignore[misc]
        self.needs_reference = method.needs_reference  # type: ignore[misc]
        self.scores_single_input = method.scores_single_input  # type: ignore[misc]

    @property
    def score_meaning(self) -> str:
        return self.method.score_meaning

    def score(self, target: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        ok = valid_pixels(target) if self.scores_single_input else valid_pixels(target, reference)
        return np.where(ok, 0.0, np.nan).astype(np.float32)

    def summary_dict(self) -> dict[str, Any]:
        return {"degenerate": self.reason}
