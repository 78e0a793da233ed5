"""A bounded uniform random sample of pixels from a stream of blocks."""

from __future__ import annotations

import numpy as np


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
