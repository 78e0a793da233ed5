"""The optimiser of :func:`.training.train`: AdamW under a one-cycle schedule, in plain tensor ops.

``torch.optim`` imports ``torch._dynamo`` the first time an optimiser is built: about 1 s of each
fit on a 2-core CPU, two fifths of the training (``scripts/profile_scoring.py``, stage
``fit: training`` of ``diffusion``, labels ``read-cache`` and ``lean-fit``). The update is a few
lines, written here instead.

* **AdamW** (decoupled weight decay): ``p <- p (1 - lr wd)``, then the Adam step with moments
  ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2`` and bias corrections ``1 - b^k`` at
  step ``k`` (``b1`` as the schedule gives it at that step).
* **One cycle** (two phases, cosine): over the first ``warmup`` share of the steps the rate rises
  from ``max_lr / 25`` to ``max_lr`` while ``b1`` falls from 0.95 to 0.85; then the rate falls to
  ``max_lr / 25 / 1e4`` while ``b1`` rises back to 0.95. ``tests/test_generative_optim.py`` checks
  it against ``torch.optim.AdamW`` with ``OneCycleLR`` (their defaults).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

#: One-cycle schedule: share of the steps that warm up, start and end divisors of the rate, and
#: the range of Adam's ``b1``.
WARMUP = 0.3
START_DIV, END_DIV = 25.0, 1e4
B1_RANGE = (0.85, 0.95)
B2, EPS = 0.999, 1e-8


def _cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1.0)


def one_cycle(index: int, total: int, max_lr: float) -> tuple[float, float]:
    """``(rate, b1)`` of step ``index`` (0-based) of ``total``."""
    low_b1, high_b1 = B1_RANGE
    start_lr = max_lr / START_DIV
    peak = WARMUP * total - 1.0
    if index <= peak:
        pct = index / peak
        return _cos(start_lr, max_lr, pct), _cos(high_b1, low_b1, pct)
    pct = (index - peak) / (total - 1.0 - peak)
    return _cos(max_lr, start_lr / END_DIV, pct), _cos(low_b1, high_b1, pct)


class AdamW:
    """AdamW of ``params`` under :func:`one_cycle` over ``total`` steps (module docstring)."""

    def __init__(self, params: Iterable[torch.nn.Parameter], max_lr: float, total: int, weight_decay: float):
        self.params = [p for p in params if p.requires_grad]
        self.max_lr, self.total, self.weight_decay = max_lr, total, weight_decay
        self.steps = 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        lr, b1 = one_cycle(self.steps, self.total, self.max_lr)
        self.steps += 1
        k = self.steps
        step_size = lr / (1.0 - b1**k)
        root_c2 = math.sqrt(1.0 - B2**k)
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            g = p.grad
            p.mul_(1.0 - lr * self.weight_decay)
            m.lerp_(g, 1.0 - b1)
            v.mul_(B2).addcmul_(g, g, value=1.0 - B2)
            p.addcdiv_(m, (v.sqrt() / root_c2).add_(EPS), value=-step_size)
