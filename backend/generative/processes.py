"""The two noising processes the generative detectors are trained with.

Both map clean normalised data ``x0`` and unit noise ``eps`` to a noisy ``x_t`` at a continuous time
``t`` in [0, 1] (0 = clean, 1 = pure noise), and the network predicts a target from which the clean
estimate ``x0_hat`` follows:

* **DDPM** (Ho et al. 2020) with the cosine schedule of Nichol & Dhariwal (2021):
  ``x_t = sqrt(a(t)) x0 + sqrt(1 - a(t)) eps``; the network predicts ``x0`` directly (the
  x0-parameterisation), so the per-pixel denoising error ``|x0 - x0_hat|^2`` is the per-pixel term of
  the ELBO up to the level's weight. Deterministic DDIM steps (Song et al. 2021) move between levels.
* **Flow matching** with the rectified-flow path (Lipman et al. 2023; Liu et al. 2023):
  ``x_t = (1 - t) x0 + t eps``; the network predicts the velocity ``v = eps - x0``, so
  ``x0_hat = x_t - t v_hat``. Euler steps of ``dx/dt = v`` encode (t up) and decode (t down).

Everything here is plain torch on tensors ``(batch, channels, rows, cols)``.
"""

from __future__ import annotations

import math

import torch

PROCESSES = ("ddpm", "flow")


def alpha_bar(t: torch.Tensor, s: float = 0.008) -> torch.Tensor:
    """Cosine schedule ``a(t)`` in (0, 1], clipped away from 0 so ``t = 1`` stays invertible."""
    f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    f0 = math.cos(s / (1 + s) * math.pi / 2) ** 2
    return (f / f0).clamp(1e-4, 1.0)


def _bcast(t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return t.reshape(-1, *([1] * (like.dim() - 1)))


def noisy(process: str, x0: torch.Tensor, eps: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """``x_t`` for clean ``x0``, noise ``eps`` and times ``t`` (batch,)."""
    tb = _bcast(t, x0)
    if process == "ddpm":
        a = alpha_bar(tb)
        return a.sqrt() * x0 + (1 - a).sqrt() * eps
    return (1 - tb) * x0 + tb * eps


def training_target(process: str, x0: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """What the network learns to predict: ``x0`` (DDPM) or the velocity ``eps - x0`` (flow)."""
    return x0 if process == "ddpm" else eps - x0


def clean_estimate(process: str, x_t: torch.Tensor, pred: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """``x0_hat`` from the network output ``pred`` at ``x_t``."""
    if process == "ddpm":
        return pred
    return x_t - _bcast(t, x_t) * pred


def noise_estimate(process: str, x_t: torch.Tensor, x0_hat: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The noise implied by ``x_t`` and ``x0_hat``."""
    tb = _bcast(t, x_t)
    if process == "ddpm":
        a = alpha_bar(tb)
        return (x_t - a.sqrt() * x0_hat) / (1 - a).sqrt().clamp_min(1e-4)
    return (x_t - (1 - tb) * x0_hat) / tb.clamp_min(1e-4)


def gaussian_prediction(
    process: str, x_t: torch.Tensor, t: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The optimal prediction for whitened Gaussian data (zero mean, identity covariance) and the
    scale of what remains to learn: ``(linear prediction, scale)``.

    The network adds ``scale * F(x_t, ...)`` to the linear prediction (a skip connection in the
    spirit of EDM's preconditioning, Karras et al. 2022). With ``F = 0`` the model is exactly the
    Gaussian that RX assumes on the modelled components, so training only learns how normal
    imagery departs from a Gaussian.
    """
    tb = _bcast(t, x_t)
    if process == "ddpm":
        a = alpha_bar(tb)
        return a.sqrt() * x_t, (1 - a).sqrt()
    var = (1 - tb) ** 2 + tb**2
    return (2 * tb - 1) / var * x_t, torch.ones_like(tb)
