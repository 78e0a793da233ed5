"""The denoising network shared by the ``diffusion`` and ``flow`` detectors (pure torch, no training
code here): a per-pixel spectral model. Every layer after the inputs is a 1 x 1 convolution, i.e. an
MLP applied to each pixel's spectrum.

Conditioning enters as additive features, so any of them may be absent:

* ``cond``: channels of another modality or of the reference date, seen through a small ``cond_kernel``
  convolution (post given pre, optical given SAR, ...);
* ``embed``: a context vector (location on the sphere, season), see :mod:`.context`;
* ``t``: the noise level, through sinusoidal features and a small MLP, added in every block.

The output is the Gaussian-optimal prediction for whitened data plus a learned, zero-initialised
correction (:func:`~backend.generative.processes.gaussian_prediction`): the network learns how normal
imagery departs from a Gaussian, and an anomaly score built on it starts from RX, not from nothing.

Receptive field: ``cond_kernel // 2`` pixels on each side with a conditioning, else 0.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812 - the usual name

from . import processes

TIME_FEATURES = 16


@dataclass(frozen=True)
class NetSpec:
    """Shape of a :class:`Denoiser` (JSON-able: it goes into the model card)."""

    channels: int
    cond_channels: int = 0
    embed_dim: int = 0
    hidden: int = 64
    depth: int = 3
    cond_kernel: int = 3
    #: ddpm | flow: the output is that process's Gaussian-optimal prediction plus a learned term
    process: str = "ddpm"

    @property
    def radius(self) -> int:
        return self.cond_kernel // 2 if self.cond_channels else 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> NetSpec:
        """The spec of a model card. Cards of the blind-spot patch network (``context_kernel``,
        removed) are refused by :func:`~backend.generative.card.check_card` before this; their
        pixel networks carry ``context_kernel = 0`` and ``guard``, which are left out here."""
        return cls(**{k: v for k, v in d.items() if k not in ("context_kernel", "guard")})


def time_features(t: torch.Tensor) -> torch.Tensor:
    """Sinusoidal features ``(batch, TIME_FEATURES)`` of noise levels ``t`` in [0, 1]."""
    half = TIME_FEATURES // 2
    freqs = torch.exp(torch.arange(half, dtype=t.dtype, device=t.device) * (-math.log(1000.0) / half))
    angles = (t * 1000.0)[:, None] * freqs[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class _Block(nn.Module):
    """Pixel-wise residual MLP block with an additive time (and context) shift."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(hidden, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, hidden, 1)
        self.shift = nn.Linear(hidden, hidden)

    def forward(self, h: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        u = self.fc1(F.silu(h)) + self.shift(temb)[:, :, None, None]
        return h + self.fc2(F.silu(u))


class Denoiser(nn.Module):
    """Predicts ``x0`` (DDPM) or the velocity (flow) from ``x_t`` and its conditioning."""

    def __init__(self, spec: NetSpec) -> None:
        super().__init__()
        self.spec = spec
        h = spec.hidden
        self.inp = nn.Conv2d(spec.channels, h, 1)
        self.cond = (
            nn.Sequential(
                nn.Conv2d(spec.cond_channels, h, spec.cond_kernel, padding=spec.cond_kernel // 2),
                nn.SiLU(),
                nn.Conv2d(h, h, 1),
            )
            if spec.cond_channels
            else None
        )
        self.time = nn.Sequential(nn.Linear(TIME_FEATURES, h), nn.SiLU(), nn.Linear(h, h))
        self.embed = nn.Linear(spec.embed_dim, h) if spec.embed_dim else None
        self.blocks = nn.ModuleList(_Block(h) for _ in range(spec.depth))
        self.out = nn.Conv2d(h, spec.channels, 1)
        # Zero-initialised: an untrained model is the Gaussian (see processes.gaussian_prediction).
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        cond: torch.Tensor | None = None,
        embed: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``x_t``: ``(b, channels, r, c)``; ``t``: ``(b,)``; ``cond``: ``(b, cond_channels, r, c)``;
        ``embed``: ``(b, embed_dim)``."""
        h = self.inp(x_t)
        if self.cond is not None:
            h = h + self.cond(cond)
        temb = self.time(time_features(t))
        if self.embed is not None:
            temb = temb + self.embed(embed)
        for block in self.blocks:
            h = block(h, temb)
        linear, scale = processes.gaussian_prediction(self.spec.process, x_t, t)
        return linear + scale * self.out(F.silu(h))
