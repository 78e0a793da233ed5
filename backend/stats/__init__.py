"""Statistics shared by the detectors and the generative models (numpy only, no model code).

* :mod:`.moments`: streamed mean and covariance (:class:`MomentAccumulator`);
* :mod:`.whitener`: pseudo-inverse whitening;
* :mod:`.sample`: a bounded uniform sample of pixels from a block stream;
* :mod:`.window`: moving-window sums and means, and the ring Mahalanobis distance (local RX);
* :mod:`.regression`: the regression of whitened channels on others, with a whitened residual;
* :mod:`.robust`: high-breakdown (reweighted MCD and LTS) fits of a Gaussian and a regression.
"""

from __future__ import annotations

from .moments import MomentAccumulator
from .regression import Regression
from .sample import PixelSample
from .whitener import Whitener
from .window import box_mean, box_sum, ring_mahalanobis, ring_sums

__all__ = [
    "MomentAccumulator",
    "PixelSample",
    "Regression",
    "Whitener",
    "box_mean",
    "box_sum",
    "ring_mahalanobis",
    "ring_sums",
]
