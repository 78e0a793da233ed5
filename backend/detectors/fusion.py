"""Fusion of a prompt map with an anomaly map: "anomalous *and* like the prompt" (``--fuse METHOD``).

:class:`FusedDetector` wraps a prompt detector P (e.g. ``spectral``) and an anomaly detector A (any
method of the registry, given the same targets and references), so the engine tiles, calibrates,
writes and reports progress for it like for any other detector. Each part becomes a membership in
[0, 1] that is exactly 0.5 at its own default threshold, and the fused score is their minimum (the
fuzzy AND of Zadeh):

    m_P = sigmoid((s_P - t_P) / w)       t_P: P's physical default threshold, w = 0.1 index units
    m_A = a / (a + p_A(s_A))             p_A: A's tail probability (false-alarm rate at s_A),
                                         a = 1e-2, the engine's default false-alarm rate
    fused = min(m_P, m_A)

``m_A`` is the logistic of ``ln(a / p_A)``: 0.5 at the anomaly map's default threshold, 0.91 ten
times rarer, 0.09 ten times more common. The fused map's default threshold is therefore 0.5 and its
mask is exactly the intersection of the two default masks (P above its physical threshold and A
above its false-alarm-rate-1e-2 threshold); the fused score ranks pixels by the weaker of the two
pieces of evidence. A prompt method without a physical threshold (e.g. CLIP) gets a calibrated
membership like A's.

A's calibration (and P's, when needed) is estimated inside the detector, before any tile is scored,
on a bounded random sample of the fit blocks: the target's own scores (events are rare), as the
engine does for a target without reference ("target-bulk"); with a single-input anomaly method and a
reference, A is fit on the reference and calibrated on the target sample. The sample holds every
fit block of rasters up to 8 blocks (tiling then changes nothing); beyond, which blocks are drawn
depends on the block grid, so the memberships may move slightly with the tile size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..calibration import DEFAULT_FALSE_ALARM_RATE, Calibration
from ..errors import MethodError
from ..progress import CancelToken, ProgressCallback
from .base import Detector, FitBlock, InputLayout

#: Width of the prompt membership, in the prompt score's units (index units for ``spectral``).
PROMPT_WIDTH = 0.1
#: False-alarm rate at which the anomaly membership is 0.5.
ANOMALY_RATE = DEFAULT_FALSE_ALARM_RATE
#: Fit blocks kept for the calibration (reservoir sample, fixed seed), each cropped to this side.
CALIBRATION_BLOCKS = 8
CALIBRATION_BLOCK_PX = 512
FUSED_THRESHOLD = 0.5


class BlockReservoir:
    """A uniform random sample (fixed seed) of at most ``size`` fit blocks, each cropped to
    ``side_px`` x ``side_px`` (its centre)."""

    def __init__(self, size: int = CALIBRATION_BLOCKS, side_px: int = CALIBRATION_BLOCK_PX) -> None:
        self.size, self.side_px = size, side_px
        self.rng = np.random.default_rng(0)
        self.blocks: list[tuple[np.ndarray, np.ndarray | None]] = []
        self.seen = 0

    def _crop(self, x: np.ndarray) -> np.ndarray:
        rows, cols = x.shape[1:]
        r0, c0 = max(0, (rows - self.side_px) // 2), max(0, (cols - self.side_px) // 2)
        return x[:, r0 : r0 + self.side_px, c0 : c0 + self.side_px].copy()

    def add(self, target: np.ndarray, reference: np.ndarray | None) -> None:
        self.seen += 1
        slot = len(self.blocks) if len(self.blocks) < self.size else int(self.rng.integers(0, self.seen))
        if slot >= self.size:
            return
        block = (self._crop(target), None if reference is None else self._crop(reference))
        if slot == len(self.blocks):
            self.blocks.append(block)
        else:
            self.blocks[slot] = block


def _route(detector: Detector, block: FitBlock) -> FitBlock:
    """The fit block the engine would give ``detector`` (single-input methods fit on the reference
    when there is one)."""
    if detector.scores_single_input:
        data = block.reference if block.reference is not None else block.target
        return FitBlock(data, None, block.use)
    return block


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class FusedDetector(Detector):
    """``min(prompt membership, anomaly membership)``; see the module docstring."""

    name = "fused"
    summary = (
        "Fusion: min of the prompt membership and the anomaly membership (anomalous and like the prompt)."
    )
    scores_single_input = False
    uses_prompt = True

    def __init__(self, prompt: Detector, anomaly: Detector) -> None:
        super().__init__(prompt.config)
        if not prompt.uses_prompt:
            raise MethodError(
                f"--fuse combines a prompt method with an anomaly method; {prompt.name} takes no prompt."
            )
        if anomaly.uses_prompt:
            raise MethodError(f"--fuse takes an anomaly method, not the prompt method {anomaly.name}.")
        self.prompt, self.anomaly = prompt, anomaly
        self.reservoir = BlockReservoir()
        self.anomaly_calibration: Calibration | None = None
        self.prompt_calibration: Calibration | None = None

    def prepare(self, layout: InputLayout) -> None:
        if self.anomaly.needs_reference and not layout.reference_bands:
            raise MethodError(
                f"Method {self.anomaly.name} compares two dates: give the pre-event raster(s) with --reference."
            )
        self.prompt.prepare(layout)
        self.anomaly.prepare(layout)

    def bind(self, progress: ProgressCallback, cancel: CancelToken) -> None:
        super().bind(progress, cancel)
        self.prompt.bind(progress, cancel)
        self.anomaly.bind(progress, cancel)

    @property
    def device_used(self) -> str:
        return self.anomaly.device_used if self.anomaly.device_used != "cpu" else self.prompt.device_used

    @property
    def accepts_any_reference_bands(self) -> bool:
        return self.prompt.accepts_any_reference_bands and self.anomaly.accepts_any_reference_bands

    @property
    def context_px(self) -> int:
        return max(self.prompt.context_px, self.anomaly.context_px)

    @property
    def default_threshold(self) -> float:
        return FUSED_THRESHOLD

    @property
    def score_meaning(self) -> str:
        return (
            f"Fusion of {self.prompt.name} (prompt {getattr(self.prompt.config, 'prompt', '')!r}) and the "
            f"{self.anomaly.name} anomaly score: min of the prompt membership (0.5 at its default threshold) "
            f"and the anomaly membership (0.5 at false-alarm rate {ANOMALY_RATE:g}); 0.5 or more = anomalous "
            "and like the prompt; NaN = no data."
        )

    def partial_fit(self, block: FitBlock) -> None:
        self.prompt.partial_fit(_route(self.prompt, block))
        self.anomaly.partial_fit(_route(self.anomaly, block))
        self.reservoir.add(block.target, block.reference)

    def finish_fit(self) -> None:
        self.prompt.finish_fit()
        self.anomaly.finish_fit()
        self.anomaly_calibration = self._calibrate(self.anomaly)
        if self.prompt.default_threshold is None:
            self.prompt_calibration = self._calibrate(self.prompt)

    def _calibrate(self, detector: Detector) -> Calibration:
        scores = [detector.score(t, r).ravel() for t, r in self.reservoir.blocks]
        return Calibration.from_samples(np.concatenate(scores), "target-bulk")

    def memberships(self, target: np.ndarray, reference: np.ndarray | None, origin: tuple[int, int]):
        """(prompt membership, anomaly membership), float64 ``(rows, cols)`` each, NaN = no data."""
        assert self.anomaly_calibration is not None, "fit before score"
        s_p = self.prompt.score_block(target, reference, origin).astype(np.float64)
        s_a = self.anomaly.score_block(target, reference, origin).astype(np.float64)
        t_p = self.prompt.default_threshold
        if t_p is not None:
            m_p = _sigmoid((s_p - t_p) / PROMPT_WIDTH)
        else:
            assert self.prompt_calibration is not None
            m_p = _rate_membership(self.prompt_calibration, s_p)
        return m_p, _rate_membership(self.anomaly_calibration, s_a)

    def score_block(
        self, target: np.ndarray, reference: np.ndarray | None, origin: tuple[int, int]
    ) -> np.ndarray:
        m_p, m_a = self.memberships(target, reference, origin)
        return np.minimum(m_p, m_a).astype(np.float32)  # NaN in either part stays NaN

    def score(self, target: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        return self.score_block(target, reference, (0, 0))

    def summary_dict(self) -> dict[str, Any]:
        assert self.anomaly_calibration is not None
        return {
            "fusion": "min(sigmoid((prompt - threshold) / w), a / (a + p_anomaly))",
            "prompt_width": PROMPT_WIDTH,
            "anomaly_rate": ANOMALY_RATE,
            "calibration_blocks": len(self.reservoir.blocks),
            "prompt": {"method": self.prompt.name, **self.prompt.summary_dict()},
            "anomaly": {
                "method": self.anomaly.name,
                "parameters": self.anomaly.config.to_dict(),
                **self.anomaly.summary_dict(),
                "calibration": self.anomaly_calibration.to_dict(),
            },
        }


def _rate_membership(calibration: Calibration, scores: np.ndarray) -> np.ndarray:
    """``a / (a + p)`` with ``p`` the tail probability of each score (NaN stays NaN)."""
    p = calibration.tail_probability(scores)
    return ANOMALY_RATE / (ANOMALY_RATE + p)
