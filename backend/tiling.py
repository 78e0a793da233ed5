"""Overlapping tiles and seamless, streamed stitching.

A raster of ``height x width`` px is covered by the fewest tiles of at most ``tile_size_px`` that
overlap by at least ``overlap_px``, spread evenly: along an axis of ``L`` px, ``n = ceil((L - o) /
(T - o))`` tiles of ``ceil((L + (n - 1) o) / n)`` px. (Tiles of the full size with the last one
snapped to the edge would score up to twice the pixels: 9 tiles of 512 px for a 1000 x 1000 raster,
where 9 of 355 px cover it.)
Each tile's score is weighted by a taper that ramps linearly over the overlap on edges shared with a
neighbour, and the stitched value is ``sum(w_t * s_t) / sum(w_t)``. Wherever tiles agree (any
pixel-wise method, or a local method read with enough halo) the result equals the untiled run.

:class:`StripStitcher` keeps only the rows that later tiles can still touch (about one tile height
times the raster width), writes finished rows out, and so streams.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rasterio.windows import Window


@dataclass(frozen=True)
class Tile:
    """A tile's window on the raster, in pixels."""

    row_off: int
    col_off: int
    height: int
    width: int

    @property
    def window(self) -> Window:
        return Window(self.col_off, self.row_off, self.width, self.height)

    def padded(self, halo_px: int, height: int, width: int) -> tuple[Window, tuple[slice, slice]]:
        """The window grown by ``halo_px`` on each side (clipped to the raster) and the slices that
        crop the padded block back to this tile."""
        r0, c0 = max(self.row_off - halo_px, 0), max(self.col_off - halo_px, 0)
        r1 = min(self.row_off + self.height + halo_px, height)
        c1 = min(self.col_off + self.width + halo_px, width)
        crop = (
            slice(self.row_off - r0, self.row_off - r0 + self.height),
            slice(self.col_off - c0, self.col_off - c0 + self.width),
        )
        return Window(c0, r0, c1 - c0, r1 - r0), crop


def axis_tiles(length: int, tile: int, overlap: int) -> tuple[list[int], int]:
    """(starts, size) of the tiles along an axis of ``length`` px: the fewest of at most ``tile`` px
    that overlap by at least ``overlap``, of one size, evenly spread from edge to edge."""
    if length <= tile:
        return [0], length
    n = -(-(length - overlap) // (tile - overlap))
    size = -(-(length + (n - 1) * overlap) // n)
    # Integer starts rounded from an even spacing: the step never exceeds size - overlap.
    return [(i * (length - size) * 2 + n - 1) // (2 * (n - 1)) for i in range(n)], size


def make_tile_grid(height: int, width: int, tile_size_px: int, overlap_px: int) -> list[Tile]:
    """Tiles covering a ``height x width`` raster in row-major order (see :func:`axis_tiles`).

    Raises:
        ValueError: ``tile_size_px`` < 16 or ``overlap_px`` not in [0, tile_size_px / 2].
    """
    if tile_size_px < 16:
        raise ValueError(f"tile size must be at least 16 px, got {tile_size_px}")
    if not 0 <= overlap_px <= tile_size_px // 2:
        raise ValueError(f"overlap must be in [0, {tile_size_px // 2}] px, got {overlap_px}")
    rows, th = axis_tiles(height, tile_size_px, overlap_px)
    cols, tw = axis_tiles(width, tile_size_px, overlap_px)
    return [Tile(r, c, th, tw) for r in rows for c in cols]


def make_block_grid(height: int, width: int, block_px: int) -> list[Tile]:
    """A partition of the raster into blocks of at most ``block_px`` (edge blocks are smaller):
    every pixel in exactly one block, for passes that must count each pixel once (fitting)."""
    return [
        Tile(r, c, min(block_px, height - r), min(block_px, width - c))
        for r in range(0, height, block_px)
        for c in range(0, width, block_px)
    ]


def _ramp(length: int, overlap_px: int, taper_start: bool, taper_end: bool) -> np.ndarray:
    """1-D weights: linear ramp ``(i + 1) / (overlap + 1)`` over the overlap on tapered ends."""
    w = np.ones(length, dtype=np.float64)
    n = min(overlap_px, length)
    if n > 0:
        ramp = (np.arange(n) + 1.0) / (n + 1.0)
        if taper_start:
            w[:n] = np.minimum(w[:n], ramp)
        if taper_end:
            w[length - n :] = np.minimum(w[length - n :], ramp[::-1])
    return w


def blend_weights(tile: Tile, height: int, width: int, overlap_px: int) -> np.ndarray:
    """Blending weights of ``tile``: float64 ``(tile.height, tile.width)``, all > 0.

    Edges on the raster's border are not tapered (no neighbour shares them).
    """
    wr = _ramp(tile.height, overlap_px, tile.row_off > 0, tile.row_off + tile.height < height)
    wc = _ramp(tile.width, overlap_px, tile.col_off > 0, tile.col_off + tile.width < width)
    return np.outer(wr, wc)


RowWriter = Callable[[int, np.ndarray], None]


class StripStitcher:
    """Accumulates weighted tile scores and hands finished rows to ``write_rows(row_off, block)``.

    Tiles must arrive in the row-major order of :func:`make_tile_grid`. Pixels where a tile's score
    is NaN get no weight from that tile; a pixel no tile scored stays NaN.
    """

    def __init__(self, height: int, width: int, overlap_px: int, write_rows: RowWriter) -> None:
        self.height, self.width, self.overlap_px = height, width, overlap_px
        self.write_rows = write_rows
        self._top = 0  # first row not yet written
        self._sum = np.zeros((0, width), dtype=np.float64)
        self._weight = np.zeros((0, width), dtype=np.float64)

    def add(self, tile: Tile, scores: np.ndarray) -> None:
        """Add one tile's float32 ``(tile.height, tile.width)`` scores."""
        if tile.row_off > self._top:
            self._flush(tile.row_off)
        bottom = tile.row_off + tile.height
        grow = bottom - self._top - self._sum.shape[0]
        if grow > 0:
            pad = np.zeros((grow, self.width))
            self._sum = np.vstack([self._sum, pad])
            self._weight = np.vstack([self._weight, pad.copy()])
        w = blend_weights(tile, self.height, self.width, self.overlap_px)
        valid = np.isfinite(scores)
        w = np.where(valid, w, 0.0)
        rows = slice(tile.row_off - self._top, bottom - self._top)
        cols = slice(tile.col_off, tile.col_off + tile.width)
        self._sum[rows, cols] += w * np.where(valid, scores, 0.0)
        self._weight[rows, cols] += w

    def _flush(self, until_row: int) -> None:
        n = until_row - self._top
        if n <= 0:
            return
        with np.errstate(invalid="ignore", divide="ignore"):
            block = (self._sum[:n] / self._weight[:n]).astype(np.float32)
        block[self._weight[:n] == 0] = np.nan
        self.write_rows(self._top, block)
        self._sum, self._weight = self._sum[n:], self._weight[n:]
        self._top = until_row

    def close(self) -> None:
        """Write every remaining row."""
        self._flush(self.height)
