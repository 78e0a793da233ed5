"""The score of a fitted generative model: the network's energy and the Gaussian experts beside it,
smoothed, and joined with the pretrained encoder's change where there is one.

The experts (a product of experts: their energies add), each energy divided by its number of
components (its expected value) before they are added:

* ``reverse`` (pairs): the reference given the target, a conditional Gaussian. A change may be
  predictable one way and not the other (a bright roof on bright soil).
* ``magnitude`` (pairs): what the regressions do not predict, in the bands' own units (change vector
  analysis of the unexplained part): real changes are large departures, and the whitened energies
  alone weigh a small one in a quiet direction as much.
* ``identity`` (one sensor's dates): the difference of the dates against its normal spread
  (:class:`~.identity.IdentityExpert`), which needs no learned relation.
* ``local`` (single date): dual-window RX of each pixel against the ring of its surroundings, on
  the leading components, its energy averaged over dyadic scales (objects come in every size).

With the encoder (:class:`~backend.pretrained.change.EncoderChange`) the score and the change are
smoothed each on its own and joined by the product of their ranks on the fit data. The method is
described in ``docs/methods/generative.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..stats import ring_mahalanobis
from .identity import IdentityExpert


def rings(local: dict) -> list[tuple[int, int]]:
    """(outer, inner) windows of the local expert's scales: each twice the previous one plus a
    pixel (15/5, 31/11, ...), so that windows stay odd and centred. Models saved before scales
    existed have one."""
    out = [(int(local["outer"]), int(local["inner"]))]
    for _ in range(int(local.get("scales", 1)) - 1):
        outer, inner = out[-1]
        out.append((2 * outer + 1, 2 * inner + 1))
    return out


def spectral_halo(radius: int, local: dict | None) -> int:
    """Context (px) of the network (its receptive ``radius``) and the local expert's largest ring."""
    ring = max(outer for outer, _ in rings(local)) // 2 if local else 0
    return max(radius, ring)


def smooth(s: np.ndarray, ok: np.ndarray, sigma: float, power: float = 1.0) -> np.ndarray:
    """Gaussian-weighted power mean of a non-negative score, ignoring invalid pixels (normalised
    convolution): ``(sum w s^p / sum w)^(1/p)``. A power below 1 lets one spiked pixel (speckle, a
    co-registration edge) lift its neighbours less than a coherent change of several pixels does;
    the result stays in the score's units."""
    from scipy.ndimage import gaussian_filter

    v = np.maximum(s, 0.0) ** power if power != 1.0 else s
    w = ok.astype(np.float64)
    num = gaussian_filter(np.where(ok, v, 0.0), sigma, mode="constant", truncate=3.0)
    den = gaussian_filter(w, sigma, mode="constant", truncate=3.0)
    out = np.where(den > 1e-6, num / np.maximum(den, 1e-6), v)
    return out ** (1.0 / power) if power != 1.0 else out


def magnitude(reg, z: np.ndarray, c: np.ndarray, proj) -> np.ndarray:
    """float64 ``(rows, cols)``: :meth:`~backend.stats.Regression.magnitude` of channel-first blocks."""
    return reg.magnitude(z, c, proj.variances)


def dof(proj) -> int:
    """Components the model's energy sums over: the modelled ones and the tail."""
    return proj.channels + (proj.tail.shape[1] if proj.tail is not None else 0)


@dataclass
class ExpertSum:
    """The scorer of a fitted model (``model``: a :class:`~.model.GenerativeModel`). ``local``: the
    local expert's record (None without one); ``embed``: the scene's context vector; ``sigma`` and
    ``power``: the smoothing (sigma 0: none); ``encoder``: an ``EncoderChange`` or None."""

    model: Any
    local: dict | None
    embed: np.ndarray | None
    sigma: float
    power: float
    encoder: Any = None

    def __post_init__(self) -> None:
        record = self.model.card.get("identity_expert")
        self.identity = IdentityExpert.from_record(record) if record else None

    def raw(self, x: np.ndarray, cond: np.ndarray | None, origin: tuple[int, int]):
        """(float64 unsmoothed score ``(rows, cols)``, bool valid pixels) of the modelled bands
        ``x`` given ``cond`` (None for single-raster models), the block's top-left at ``origin``."""
        m = self.model
        z, ok = m.projection.apply(x)
        cz = None
        experts: list[np.ndarray] = []
        if m.cond_projection is not None:
            if cond is None:
                raise InputError("This model is conditional: give the conditioning raster(s) too.")
            cz, cok = m.cond_projection.apply(cond)
            ok &= cok
            if m.reverse is not None:
                rev = m.reverse.apply(cz, z)
                experts.append(np.einsum("k...,k...->...", rev, rev, dtype=np.float64) / rev.shape[0])
            if m.card.get("magnitude_expert") and m.regression is not None:
                energy = magnitude(m.regression, z, cz, m.projection)
                if m.reverse is not None:
                    energy += magnitude(m.reverse, cz, z, m.cond_projection)
                experts.append(energy)
            if self.identity is not None:
                experts.append(np.nan_to_num(self.identity.energy(x, cond)))
            if m.regression is not None:
                z = m.regression.apply(z, cz)
                z[:, ~ok] = 0.0
        if self.local:  # (no regression: condition none)
            local = self.local
            z_lead, scales = z[: local["components"]], rings(local)
            energy = sum(ring_mahalanobis(z_lead, ok, o, i, local["ridge"], np.float32) for o, i in scales)
            energy /= len(scales)
            ok &= np.isfinite(energy)
            experts.append(np.nan_to_num(energy) / z_lead.shape[0])
        s = m.score_tile(z, cz, self.embed if m.spec.embed_dim else None, origin)
        s += m.projection.tail_energy(x)
        if experts:
            s = s / dof(m.projection)
            for energy in experts:
                s = s + energy
        return s, ok

    def smoothed(self, s: np.ndarray, ok: np.ndarray, power: float | None = None) -> np.ndarray:
        """``s`` smoothed as the score is (a power mean of ``power``, by default the score's)."""
        if self.sigma <= 0:
            return s
        return smooth(s, ok, self.sigma, self.power if power is None else power)

    def smoothed_inside(self, s: np.ndarray, ok: np.ndarray, power: float | None = None) -> np.ndarray:
        """The smoothed score of a fit crop at its valid pixels, without the smoothing's reach from
        the crop's edges (where a raster's interior would have neighbours)."""
        s = self.smoothed(s, ok, power)
        m = int(math.ceil(3 * self.sigma))
        inside = (slice(m, s.shape[0] - m), slice(m, s.shape[1] - m))
        return s[inside][ok[inside]]

    def score(
        self,
        x: np.ndarray,
        cond: np.ndarray | None,
        origin: tuple[int, int],
        grid: tuple[int, int] | None = None,
    ) -> np.ndarray:
        """float32 scores ``(rows, cols)`` of a block (NaN = no data) whose top-left pixel is
        ``origin`` of a raster of ``grid`` (rows, cols; None when unknown)."""
        grid = _grid(grid, origin, x.shape[1:])
        if self.encoder is None:
            s, ok = self.raw(x, cond, origin)
            return _finish(self.smoothed(s, ok), ok)
        # The encoder's halo is wider than the rest needs: where the block was grown by the full
        # context (not clipped by the raster's edge), its outer rows and columns are scored by the
        # encoder only.
        rows, cols = x.shape[1:]
        halo = spectral_halo(self.model.radius, self.local)
        extra = max(halo, self.encoder.context_px) - halo
        r0, c0 = (extra if origin[0] > 0 else 0), (extra if origin[1] > 0 else 0)
        r1 = rows - extra if origin[0] + rows < grid[0] else rows
        c1 = cols - extra if origin[1] + cols < grid[1] else cols
        s, ok = np.zeros((rows, cols)), np.zeros((rows, cols), bool)
        if r1 > r0 and c1 > c0:
            inner = (slice(r0, r1), slice(c0, c1))
            part = cond[:, inner[0], inner[1]] if cond is not None else None
            s[inner], ok[inner] = self.raw(x[:, inner[0], inner[1]], part, (origin[0] + r0, origin[1] + c0))
        g = self.encoder.change(x, cond, origin, grid)
        ok &= np.isfinite(g)
        g = np.where(ok, g, 0.0)
        # Each smoothed on its own (the change as a plain mean), then the product of their ranks.
        return _finish(self.encoder.combined(self.smoothed(s, ok), self.smoothed(g, ok, 1.0)), ok)


def _grid(grid: tuple[int, int] | None, origin: tuple[int, int], shape: tuple[int, int]) -> tuple[int, int]:
    """The raster's size, for grids anchored on it (the block's end when it is unknown)."""
    end = (origin[0] + shape[0], origin[1] + shape[1])
    return grid if grid is not None and end[0] <= grid[0] and end[1] <= grid[1] else end


def _finish(s: np.ndarray, ok: np.ndarray) -> np.ndarray:
    out = s.astype(np.float32)
    out[~ok] = np.nan
    return out
