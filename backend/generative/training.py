"""Training glue, kept apart from the network (:mod:`.nets`) and the process (:mod:`.processes`).

``train`` fits a :class:`~backend.generative.nets.Denoiser` on normalised crops by the plain
denoising objective of the chosen process: sample a crop batch (random 90-degree rotations and
flips), a time ``t ~ U(0, 1)`` and noise per sample, and regress the process's target on the valid
pixels. A fixed number of steps with a fixed seed makes a fit reproducible; an optional time budget
stops early (then the result depends on the machine's speed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..progress import CancelToken
from . import processes
from .nets import Denoiser
from .optim import AdamW

NoiseFn = Callable[[tuple[int, ...], np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class TrainSettings:
    steps: int = 600
    batch: int = 8
    patch: int = 32
    lr: float = 2e-3
    seed: int = 0
    time_budget_s: float = 0.0


@dataclass
class TrainData:
    """Normalised crops: ``x`` (n, ch, s, s) with 0 where invalid, ``valid`` (n, s, s) bool,
    ``cond`` (n, cond_ch, s, s) or None, ``embed`` (embed_dim,) or None."""

    x: np.ndarray
    valid: np.ndarray
    cond: np.ndarray | None
    embed: np.ndarray | None


def _batch(data: TrainData, rng: np.random.Generator, size: int, patch: int):
    n, _, s, _ = data.x.shape
    p = min(patch, s)
    xs, vs, cs = [], [], []
    for _ in range(size):
        i = int(rng.integers(0, n))
        r, c = int(rng.integers(0, s - p + 1)), int(rng.integers(0, s - p + 1))
        k, flip = int(rng.integers(0, 4)), bool(rng.integers(0, 2))

        def view(a: np.ndarray, i=i, r=r, c=c, k=k, flip=flip) -> np.ndarray:
            a = np.rot90(a[..., r : r + p, c : c + p], k, axes=(-2, -1))
            return a[..., ::-1] if flip else a

        xs.append(view(data.x[i]))
        vs.append(view(data.valid[i]))
        if data.cond is not None:
            cs.append(view(data.cond[i]))
    x = torch.from_numpy(np.ascontiguousarray(np.stack(xs)))
    v = torch.from_numpy(np.ascontiguousarray(np.stack(vs)))
    cond = torch.from_numpy(np.ascontiguousarray(np.stack(cs))) if cs else None
    return x, v, cond


def train(
    net: Denoiser,
    process: str,
    data: TrainData,
    settings: TrainSettings,
    noise: NoiseFn,
    device: torch.device,
    progress: Callable[[float, str], None],
    cancel: CancelToken,
) -> dict:
    """Fit ``net`` in place; return a summary (steps run, final loss, seconds)."""
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    net.to(device).train()
    opt = AdamW(net.parameters(), settings.lr, settings.steps, weight_decay=1e-4)
    embed = torch.from_numpy(data.embed).to(device)[None] if data.embed is not None else None
    started = time.monotonic()
    losses: list[float] = []
    step = 0
    for step in range(1, settings.steps + 1):
        cancel.raise_if_cancelled()
        x0, valid, cond = _batch(data, rng, settings.batch, settings.patch)
        x0, valid = x0.to(device), valid.to(device)
        cond = cond.to(device) if cond is not None else None
        eps = torch.from_numpy(noise(tuple(x0.shape), rng)).to(device)
        t = torch.from_numpy(rng.random(x0.shape[0]).astype(np.float32)).to(device)
        x_t = processes.noisy(process, x0, eps, t)
        emb = embed.expand(x0.shape[0], -1) if embed is not None else None
        pred = net(x_t, t, cond, emb)
        err = ((pred - processes.training_target(process, x0, eps)) ** 2).mean(dim=1)
        w = valid.to(err.dtype)
        loss = (err * w).sum() / w.sum().clamp_min(1.0)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        losses.append(float(loss.detach()))
        if step % 10 == 0 or step == settings.steps:
            progress(step / settings.steps, "training")
        if settings.time_budget_s and time.monotonic() - started > settings.time_budget_s:
            break
    net.eval()
    tail = losses[-max(1, len(losses) // 10) :]
    return {
        "steps": step,
        "final_loss": float(np.mean(tail)),
        "seconds": round(time.monotonic() - started, 2),
    }
