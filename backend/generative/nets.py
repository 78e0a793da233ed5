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
    """Pixel-wise residual MLP block with an additive time (and context) shift. Its layers are 1 x 1
    convolutions (the saved models' weights); they are applied as matrix products on ``(b, pixels,
    hidden)``."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(hidden, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, hidden, 1)
        self.shift = nn.Linear(hidden, hidden)

    def forward(self, h: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        """``h``: ``(b, pixels, hidden)``; ``temb``: ``(b, hidden)``."""
        u = _pointwise(self.fc1, F.silu(h)) + self.shift(temb)[:, None, :]
        return h + _pointwise(self.fc2, F.silu(u))


def _pointwise(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """A 1 x 1 convolution applied to ``(..., in_channels)`` as a matrix product."""
    return F.linear(x, conv.weight.flatten(1), conv.bias)


#: Pixels per chunk of the per-pixel layers: a chunk's activations (chunk x hidden floats) stay in
#: the CPU's cache. One product over a whole 512 x 512 tile is 2-3x slower
#: (``scripts/profile_scoring.py``, network passes before and after).
CHUNK_PX = 16384


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

    def condition(self, cond: torch.Tensor | None) -> torch.Tensor | None:
        """The conditioning's features ``(b, pixels, hidden)`` (pixels in row-major order), or None
        without a conditioning. They do not depend on the noise level: a scorer computes them once
        per tile and passes them to :meth:`forward` as ``cond_features``."""
        if self.cond is None or cond is None:
            return None
        f = self.cond(cond)
        return f.permute(0, 2, 3, 1).reshape(f.shape[0], -1, f.shape[1])

    def forward(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        cond: torch.Tensor | None = None,
        embed: torch.Tensor | None = None,
        cond_features: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``x_t``: ``(b, channels, r, c)``; ``t``: ``(b,)``; ``cond``: ``(b, cond_channels, r, c)``
        (or its :meth:`condition` as ``cond_features``); ``embed``: ``(b, embed_dim)``."""
        b, ch, rows, cols = x_t.shape
        x = x_t.permute(0, 2, 3, 1).reshape(b, rows * cols, ch)
        feats = cond_features if cond_features is not None else self.condition(cond)
        temb = self.time(time_features(t))
        if self.embed is not None:
            temb = temb + self.embed(embed)
        if torch.jit.is_tracing() or x.shape[1] <= CHUNK_PX:
            out = self._pixels(x, t, temb, feats)
        else:
            parts = [
                self._pixels(
                    x[:, i : i + CHUNK_PX], t, temb, None if feats is None else feats[:, i : i + CHUNK_PX]
                )
                for i in range(0, x.shape[1], CHUNK_PX)
            ]
            out = torch.cat(parts, dim=1)
        return out.reshape(b, rows, cols, ch).permute(0, 3, 1, 2)

    def _pixels(self, x, t, temb, feats) -> torch.Tensor:
        """The per-pixel layers on ``x`` ``(b, pixels, channels)``."""
        h = _pointwise(self.inp, x)
        if feats is not None:
            h = h + feats
        for block in self.blocks:
            h = block(h, temb)
        linear, scale = processes.gaussian_prediction(self.spec.process, x, t)
        return linear + scale * _pointwise(self.out, F.silu(h))
