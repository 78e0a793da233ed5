"""Statistics shared by the detectors and the generative models (numpy only, no model code).

* :mod:`.moments`: streamed mean and covariance (:class:`MomentAccumulator`);
* :mod:`.whitener`: pseudo-inverse whitening and its robust (MCD-style) fit;
* :mod:`.sample`: a bounded uniform sample of pixels from a block stream;
* :mod:`.window`: moving-window sums and means, and the ring Mahalanobis distance (local RX);
* :mod:`.regression`: the regression of whitened channels on others, with a whitened residual.
"""

from __future__ import annotations

from .moments import MomentAccumulator
from .regression import AffineMap, Regression
from .sample import PixelSample
from .whitener import Whitener, concentrate
from .window import box_mean, box_sum, ring_mahalanobis, ring_sums

__all__ = [
    "AffineMap",
    "MomentAccumulator",
    "PixelSample",
    "Regression",
    "Whitener",
    "box_mean",
    "box_sum",
    "concentrate",
    "ring_mahalanobis",
    "ring_sums",
]
