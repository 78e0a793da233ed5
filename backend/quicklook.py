"""PNG quick-looks of a score raster: the imagery, the score, and the thresholded mask over the imagery.

Rendering is for eyes, not for analysis, so the rasters are decimated to at most ``max_px`` on a side
(windowed, decimated reads: memory stays small for large rasters). matplotlib is imported lazily.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from rasterio.enums import Resampling

from .atomic import atomic_output
from .raster import open_raster


def _read_decimated(path: str, bands: Sequence[int] | None, max_px: int) -> np.ndarray:
    """float32 ``(bands, rows, cols)`` with NaN for nodata, decimated to <= ``max_px`` a side."""
    with open_raster(path) as ds:
        scale = max(ds.width, ds.height) / max_px
        shape = (max(1, round(ds.height / max(scale, 1))), max(1, round(ds.width / max(scale, 1))))
        idx = list(bands) if bands else [1]
        data = ds.read(idx, out_shape=(len(idx), *shape), masked=True, resampling=Resampling.average)
    out = data.astype(np.float32).filled(np.nan)
    out[~np.isfinite(out)] = np.nan
    return out


def stretch(rgb: np.ndarray, low_pct: float = 2.0, high_pct: float = 98.0) -> np.ndarray:
    """Per-band percentile stretch of ``(bands, rows, cols)`` to [0, 1] ``(rows, cols, bands)``."""
    out = np.zeros(rgb.shape[1:] + (rgb.shape[0],), dtype=np.float32)
    for i, band in enumerate(rgb):
        finite = band[np.isfinite(band)]
        if finite.size == 0:
            continue
        lo, hi = np.percentile(finite, [low_pct, high_pct])
        out[..., i] = np.clip((band - lo) / max(hi - lo, 1e-12), 0, 1)
    out[~np.isfinite(rgb).all(axis=0)] = 1.0
    return out


def _method_of(score_path: str) -> str:
    """The method named in the score's sidecar ("" without one)."""
    from .errors import RareSightError
    from .scorefile import read_sidecar

    try:
        return str(read_sidecar(score_path).get("method", ""))
    except RareSightError:
        return ""


def render_quicklook(
    score_path: str,
    out_path: str | os.PathLike[str],
    threshold: float,
    background: str | None = None,
    background_bands: Sequence[int] = (4, 3, 2),
    title: str = "",
    max_px: int = 800,
) -> None:
    """Write a three-panel PNG: imagery, score (colour scale clipped at its 99.5th percentile),
    and the mask ``score >= threshold`` in red over the imagery (or over the score)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    score = _read_decimated(score_path, None, max_px)[0]
    image = None
    if background:
        with open_raster(background) as ds:
            bands = [b for b in background_bands if b <= ds.count] or [1]
        image = stretch(_read_decimated(background, bands, max_px))
        if image.shape[-1] == 1:
            image = np.repeat(image, 3, axis=-1)
    finite = score[np.isfinite(score)]
    vmax = float(np.percentile(finite, 99.5)) if finite.size else 1.0
    panels = 3 if image is not None else 2
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 5.4), dpi=100)
    i = 0
    if image is not None:
        axes[0].imshow(image)
        axes[0].set_title("imagery")
        i = 1
    im = axes[i].imshow(score, cmap="magma", vmin=float(finite.min()) if finite.size else 0, vmax=vmax)
    axes[i].set_title(f"{_method_of(score_path)} score".strip())
    fig.colorbar(im, ax=axes[i], fraction=0.046, pad=0.02)
    base = image if image is not None else plt.get_cmap("gray")(np.nan_to_num(score / vmax))[..., :3]
    overlay = base.copy()
    overlay[np.nan_to_num(score, nan=-np.inf) >= threshold] = (1.0, 0.1, 0.1)
    axes[i + 1].imshow(overlay)
    axes[i + 1].set_title(f"score >= {threshold:.4g} (red)")
    for ax in axes:
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    with atomic_output(out_path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
