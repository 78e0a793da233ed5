"""PNG quick-looks of a score raster: the imagery, the score, and the thresholded mask over the imagery.

Rendering is for eyes, not for analysis, so the rasters are decimated to at most ``max_px`` on a side
(windowed, decimated reads: memory stays small for large rasters). The background is warped onto the
score's grid first, so the mask lands on the right pixels whatever the background's CRS or
resolution; a background that does not overlap the score is refused. A complex background (SLC) is
shown as its amplitude. matplotlib is imported lazily.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Sequence

import numpy as np
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning

from . import __version__
from .atomic import atomic_output
from .errors import InputError
from .outputs import QUICKLOOK_SOFTWARE, claim_outputs, protected_paths
from .raster import (
    COMPLEX_MODES,
    READ_ERRORS,
    check_alignment,
    inspect_raster,
    is_complex,
    open_raster,
    warped_onto,
)

#: Background bands drawn by default (Sentinel-2 true colour: B4, B3, B2).
DEFAULT_BANDS = (4, 3, 2)


def _read_decimated(ds, bands: Sequence[int], shape: tuple[int, int], path: str) -> np.ndarray:
    """float32 ``(bands, rows, cols)`` of an open dataset at ``shape``, NaN for nodata."""
    complex_values = any(is_complex(dt) for dt in ds.dtypes)
    try:
        data = ds.read(
            list(bands),
            out_shape=(len(bands), *shape),
            masked=True,
            resampling=Resampling.nearest if complex_values else Resampling.average,
        )
    except READ_ERRORS as exc:
        raise InputError(
            f"Cannot read {path} ({str(exc).splitlines()[0][:120]}): the file is damaged."
        ) from None
    values = COMPLEX_MODES["amplitude"](data.data) if complex_values else data.data
    out = values.astype(np.float32)
    out[np.ma.getmaskarray(data)] = np.nan
    out[~np.isfinite(out)] = np.nan
    return out


def _shape(width: int, height: int, max_px: int) -> tuple[int, int]:
    scale = max(max(width, height) / max_px, 1.0)
    return max(1, round(height / scale)), max(1, round(width / scale))


def background_bands(path: str, count: int, bands: Sequence[int] | None) -> list[int]:
    """The 1-based bands of a background with ``count`` bands to draw.

    ``bands`` None: :data:`DEFAULT_BANDS` when the image has them, else band 1 in grey.

    Raises:
        InputError: a named band does not exist.
    """
    if bands is None:
        return list(DEFAULT_BANDS) if count >= max(DEFAULT_BANDS) else [1]
    bad = [b for b in bands if not 1 <= b <= count]
    if bad:
        raise InputError(
            f"Background {path} has {count} band(s); --bands names band {bad[0]}: "
            f"give band numbers from 1 to {count}."
        )
    return list(bands)


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


def background_on_grid(background: str, score_info, bands: Sequence[int] | None, shape) -> np.ndarray:
    """The background's bands warped onto the score's grid, decimated to ``shape`` (rows, cols):
    (bands, rows, cols), NaN where the background has no data or does not reach."""
    info = inspect_raster(background)
    check_alignment(score_info.grid, [score_info, info])
    chosen = background_bands(background, info.count, bands)
    with open_raster(background) as ds, contextlib.ExitStack() as stack:
        grid = score_info.grid
        if grid.georeferenced and info.grid.georeferenced and not info.grid.same_as(grid):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                ds = stack.enter_context(warped_onto(ds, info, grid))
        return _read_decimated(ds, chosen, shape, background)


def render_quicklook(
    score_path: str,
    out_path: str | os.PathLike[str],
    threshold: float,
    background: str | None = None,
    background_bands: Sequence[int] | None = None,
    title: str = "",
    max_px: int = 800,
) -> None:
    """Write a three-panel PNG: imagery, score (colour scale clipped at its 99.5th percentile),
    and the mask ``score > threshold`` in red over the imagery (or over the score).

    Raises:
        InputError: an unreadable score or background, a background that does not overlap the
            score, or a band the background lacks.
        OutputError: refused by the output gate (:mod:`backend.outputs`).
    """
    claim_outputs([(out_path, "quicklook")], protected_paths(score_path, background))
    score_info = inspect_raster(score_path)
    shape = _shape(score_info.grid.width, score_info.grid.height, max_px)
    with open_raster(score_path) as ds:
        score = _read_decimated(ds, [1], shape, score_path)[0]
    image = None
    if background:
        image = stretch(background_on_grid(background, score_info, background_bands, shape))
        if image.shape[-1] == 1:
            image = np.repeat(image, 3, axis=-1)
    _draw(score, image, threshold, _method_of(score_path), title, out_path)


def _draw(score, image, threshold, method, title, out_path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finite = score[np.isfinite(score)]
    vmax = float(np.percentile(finite, 99.5)) if finite.size else 1.0
    vmin = float(finite.min()) if finite.size else 0.0
    panels = 3 if image is not None else 2
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 5.4), dpi=100)
    i = 0
    if image is not None:
        axes[0].imshow(image)
        axes[0].set_title("imagery")
        i = 1
    im = axes[i].imshow(score, cmap="magma", vmin=vmin, vmax=max(vmax, vmin))
    axes[i].set_title(f"{method} score".strip())
    fig.colorbar(im, ax=axes[i], fraction=0.046, pad=0.02)
    if image is None:
        span = max(vmax - vmin, 1e-12)
        image = plt.get_cmap("gray")(np.clip(np.nan_to_num((score - vmin) / span), 0, 1))[..., :3]
    overlay = image.copy()
    overlay[np.nan_to_num(score, nan=-np.inf) > threshold] = (1.0, 0.1, 0.1)
    axes[i + 1].imshow(overlay)
    axes[i + 1].set_title(f"score > {threshold:.4g} (red)")
    for ax in axes:
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.tight_layout()
    try:
        with atomic_output(out_path) as tmp:
            fig.savefig(tmp, format="png", metadata={"Software": f"{QUICKLOOK_SOFTWARE} {__version__}"})
    finally:
        plt.close(fig)
