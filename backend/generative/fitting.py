"""The fit recipe of a generative model, from streamed fit blocks to a model ready to score.

1. :class:`FitData` streams the blocks once: moments of every band and of its log (so that the
   choice of log bands and the moments of the chosen columns come from one pass) and a bounded,
   uniform sample of 64 px crops (:class:`~.data.CropReservoir`).
2. :func:`fit_model`: the principal-component projections; with a conditioning raster the
   regression of the modelled channels on it (the conditional Gaussian, refit on the pixels it
   explains best, as IR-MAD does: Nielsen 2007) and, for pairs, the reverse one; the core of the
   Gaussian (the network does not learn rare events as normal); training; the residual statistics
   that whiten the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..progress import CancelToken, ProgressCallback
from .config import GenerativeOptions
from .data import CropReservoir, FitStatistics, Projection, choose_log_bands, with_log_columns

CROP_PX = 64


class FitData:
    """What :func:`fit_model` needs of the fit blocks, streamed: column statistics and crops."""

    def __init__(self, memory_mb: int, seed: int) -> None:
        self.memory_mb, self.seed = memory_mb, seed
        self.stats = FitStatistics()
        self.reservoir: CropReservoir | None = None

    def add(self, x: np.ndarray, cond: np.ndarray | None, use: np.ndarray) -> None:
        """One block: the modelled bands ``x`` and the conditioning ``cond`` (``(bands, rows,
        cols)``, NaN = no data; ``cond`` may be None), ``use`` bool ``(rows, cols)``."""
        if self.reservoir is None:
            channels = x.shape[0] + (cond.shape[0] if cond is not None else 0)
            self.reservoir = CropReservoir(CROP_PX, self.memory_mb << 20, channels, self.seed)
        ok = np.isfinite(x).all(axis=0) & use
        if cond is not None:
            ok &= np.isfinite(cond).all(axis=0)
        cols = [with_log_columns(x[:, ok].T.astype(np.float64))]
        if cond is not None:
            cols.append(with_log_columns(cond[:, ok].T.astype(np.float64)))
        self.stats.add(np.concatenate(cols, axis=1))
        stack = np.concatenate([x, cond], axis=0) if cond is not None else np.array(x, np.float32)
        stack = stack.astype(np.float32, copy=True)
        stack[:, ~ok] = np.nan
        self.reservoir.add(stack)


@dataclass
class FitResult:
    """A fitted model and what its card records: ``crops`` float32 ``(n, bands + cond bands, 64,
    64)`` (NaN = no data; the encoder expert is fit on them too), ``summary`` of the training."""

    model: Any  # GenerativeModel
    summary: dict
    crops: np.ndarray
    pixels: int
    bands: int
    cond_bands: int
    crop_px: int = CROP_PX


def projections(stats: FitStatistics, nm: int, nc: int, options: GenerativeOptions):
    """(projection, conditioning projection or None, joint moments of the columns they read, in
    the order [modelled, conditioning] and [conditioning, modelled], or None) of the fit data."""
    net = options.network

    def read(start: int, bands: int, tail: bool) -> tuple[Projection, np.ndarray]:
        """The projection of the ``bands`` columns at ``start`` (as logs when chosen), and the
        columns of the statistics it reads."""
        log = choose_log_bands(stats, start, bands) if net.log_bands == "auto" else np.zeros(bands, bool)
        cols = start + np.where(log, bands, 0) + np.arange(bands)
        return Projection.fit(stats.subset(cols), net.components, tail=tail, log=log), cols

    proj, cols_x = read(0, nm, net.tail)
    if not nc:
        return proj, None, None, None
    cproj, cols_c = read(2 * nm, nc, False)
    joint = stats.subset(np.concatenate([cols_x, cols_c]))
    return proj, cproj, joint, stats.subset(np.concatenate([cols_c, cols_x]))


def fit_model(
    data: FitData,
    bands: tuple[int, int],
    options: GenerativeOptions,
    process: str,
    reverse_expert: bool,
    embed: np.ndarray | None,
    device: str,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> FitResult:
    """Fit a model of the ``bands[0]`` modelled channels given the ``bands[1]`` conditioning ones
    (0: none); ``reverse_expert``: also the regression of the conditioning on the modelled ones."""
    import torch

    from ..stats import Regression
    from .model import GenerativeModel, ScoreSpec, make_noise
    from .nets import Denoiser, NetSpec
    from .training import TrainData, TrainSettings, train

    t, fit_quantile = options.training, options.training.fit_quantile
    torch.manual_seed(t.seed)
    nm, nc = bands
    proj, cproj, joint, joint_rev = projections(data.stats, nm, nc, options)
    crops = data.reservoir.stack()
    x, valid = normalise_crops(proj, crops[:, :nm])
    cond = regression = reverse = None
    if cproj is not None:
        cond, cvalid = normalise_crops(cproj, crops[:, nm:])
        valid &= cvalid
        zs, cs = pixel_sample(x, cond, valid, t.seed)
        regression = Regression.from_moments(joint, proj, cproj).trimmed(zs, cs, fit_quantile)
        if reverse_expert:
            reverse = Regression.from_moments(joint_rev, cproj, proj).trimmed(cs, zs, fit_quantile)
        x = regress_crops(regression, x, cond, valid)
    # The network learns from the Gaussian's core. The residual statistics that scale the score
    # are those of the core too when two rasters are compared (the normal state is "no change",
    # as for the trimmed regression), of every fit pixel for one image (there a covariance of the
    # core alone shrinks the heavy-tailed directions of the scene and over-weights them).
    core = gaussian_core(x, valid, fit_quantile) if fit_quantile < 1.0 else valid
    net_options = options.network
    spec = NetSpec(
        channels=proj.channels,
        cond_channels=cproj.channels if cproj is not None else 0,
        embed_dim=embed.size if embed is not None else 0,
        hidden=net_options.hidden,
        depth=net_options.depth,
        cond_kernel=3,
        process=process,
    )
    net = Denoiser(spec)
    settings = TrainSettings(t.steps, t.batch, t.patch, t.lr, t.seed, t.time_budget_s)
    dev = torch.device(device)
    noise = options.scoring.noise
    summary = train(
        net, process, TrainData(x, core, cond, embed), settings, make_noise(noise), dev, progress, cancel
    )
    s = options.scoring
    score = ScoreSpec(s.score, s.level_tuple(), s.score_steps, noise)
    model = GenerativeModel(process, net, proj, cproj, score, t.seed, regression=regression, reverse=reverse)
    model.to(dev)
    et = torch.from_numpy(embed)[None].to(dev) if embed is not None else None
    model.fit_score_statistics(x, core if cproj is not None else valid, cond, et)
    return FitResult(model, summary, crops, int(data.stats.n), nm, nc)


def gaussian_core(x: np.ndarray, valid: np.ndarray, quantile: float) -> np.ndarray:
    """``valid`` restricted to the pixels whose squared norm in the whitened channels (RX of the
    Gaussian the model starts from; for a conditional model, of the regression residual) is below
    its ``quantile``: the rare events are left out of what the flexible model learns as normal, as
    a trimmed Gaussian fit would leave them out, while the normal variety (and, given a reference,
    the normal differences between the two rasters) is kept."""
    energy = (x.astype(np.float64) ** 2).sum(axis=1)
    cut = np.quantile(energy[valid], quantile) if valid.any() else np.inf
    return valid & (energy <= cut)


def pixel_sample(
    x: np.ndarray, cond: np.ndarray, valid: np.ndarray, seed: int, max_px: int = 300_000
) -> tuple[np.ndarray, np.ndarray]:
    """float64 ``(n, k)``, ``(n, kc)``: the channels of (a seeded uniform sample of) the valid
    pixels of the crops, for the trimmed regressions."""
    idx = np.flatnonzero(valid.ravel())
    if idx.size > max_px:
        idx = np.sort(np.random.default_rng(seed).choice(idx, max_px, replace=False))
    n, _, rows, cols = x.shape
    i, pix = np.divmod(idx, rows * cols)
    r, q = np.divmod(pix, cols)
    return x[i, :, r, q].astype(np.float64), cond[i, :, r, q].astype(np.float64)


def regress_crops(reg, x: np.ndarray, cond: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The regression's whitened residual of crops ``(n, k, s, s)`` given ``(n, kc, s, s)``, 0 where
    not ``valid`` ``(n, s, s)``."""
    out = np.stack([reg.apply(x[i], cond[i]) for i in range(x.shape[0])])
    out[np.broadcast_to(~valid[:, None], out.shape)] = 0.0
    return out


def normalise_crops(proj: Projection, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float32 ``(n, k, s, s)`` channels (0 where invalid) and bool ``(n, s, s)`` valid pixels of
    raw crops ``(n, bands, s, s)``."""
    n, _, s, _ = raw.shape
    z = np.zeros((n, proj.channels, s, s), np.float32)
    valid = np.zeros((n, s, s), bool)
    for i in range(n):
        z[i], valid[i] = proj.apply(raw[i])
    return z, valid
