"""Tiles cover the raster, stitching is seamless, and tiled runs equal untiled ones."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from backend.request import ScoreRequest
from backend.scoring import score_to_file
from backend.tiling import StripStitcher, axis_tiles, blend_weights, make_block_grid, make_tile_grid


@pytest.mark.parametrize("shape", [(100, 70), (512, 512), (513, 1030), (20, 900)])
@pytest.mark.parametrize("tile,overlap", [(64, 16), (128, 0), (256, 32)])
def test_tiles_cover_every_pixel(shape, tile, overlap):
    h, w = shape
    hits = np.zeros(shape, int)
    for t in make_tile_grid(h, w, tile, overlap):
        assert 0 <= t.row_off and t.row_off + t.height <= h and t.col_off + t.width <= w
        hits[t.row_off : t.row_off + t.height, t.col_off : t.col_off + t.width] += 1
    assert hits.min() >= 1


@pytest.mark.parametrize("tile,overlap", [(16, 0), (17, 8), (64, 16), (100, 50), (512, 32)])
def test_axis_tiles_are_the_fewest_evenly_spread_with_the_overlap(tile, overlap):
    for length in range(1, 1300):
        starts, size = axis_tiles(length, tile, overlap)
        assert starts[0] == 0 and starts[-1] + size == length and size <= tile
        steps = np.diff(starts)
        assert (steps > 0).all() and (size - steps >= overlap).all()  # neighbours overlap enough
        assert steps.size == 0 or steps.max() - steps.min() <= 1  # evenly spread
        # One tile fewer of the largest size could not cover the axis with that overlap.
        n = len(starts)
        assert n == 1 or tile + (n - 2) * (tile - overlap) < length


def test_a_megapixel_is_scored_once_not_twice():
    """1000 x 1000 px in tiles of at most 512 px: 3 x 3 tiles of 355 px (1.13 MP), where full-size
    tiles with the last one snapped to the edge would score 9 x 512^2 px (2.36 MP)."""
    tiles = make_tile_grid(1000, 1000, 512, 32)
    assert len(tiles) == 9 and {(t.height, t.width) for t in tiles} == {(355, 355)}
    assert sum(t.height * t.width for t in tiles) < 1.14e6


def test_block_grid_is_a_partition():
    hits = np.zeros((513, 300), int)
    for t in make_block_grid(513, 300, 128):
        hits[t.row_off : t.row_off + t.height, t.col_off : t.col_off + t.width] += 1
    assert (hits == 1).all()


def test_stitcher_reproduces_a_smooth_field_exactly_and_keeps_nan():
    h, w = 300, 411
    yy, xx = np.mgrid[0:h, 0:w]
    field = np.sin(yy / 13.0) + np.cos(xx / 7.0)
    field[50:60, 100:120] = np.nan
    out = np.full((h, w), -1.0)

    def write(r, block):
        out[r : r + block.shape[0]] = block

    st = StripStitcher(h, w, 24, write)
    for t in make_tile_grid(h, w, 96, 24):
        st.add(t, field[t.row_off : t.row_off + t.height, t.col_off : t.col_off + t.width].astype(np.float32))
    st.close()
    np.testing.assert_allclose(out, field, atol=1e-6, equal_nan=True)


def test_blending_hides_tile_offsets():
    """Tiles that disagree by a constant per tile blend into a field with no jump larger than the
    per-tile step spread over the overlap (no seam)."""
    h, w, overlap = 200, 200, 32
    out = np.zeros((h, w))

    def write(r, block):
        out[r : r + block.shape[0]] = block

    st = StripStitcher(h, w, overlap, write)
    for i, t in enumerate(make_tile_grid(h, w, 64, overlap)):
        st.add(t, np.full((t.height, t.width), float(i % 2), np.float32))
    st.close()
    assert np.abs(np.diff(out, axis=1)).max() < 0.1
    assert np.abs(np.diff(out, axis=0)).max() < 0.1


def test_weights_positive_and_untapered_on_raster_edges():
    t = make_tile_grid(100, 100, 64, 16)[0]
    w = blend_weights(t, 100, 100, 16)
    assert (w > 0).all() and w[0, 0] == 1.0 and w[-1, -1] < 0.1


def _read(path):
    with rasterio.open(path) as ds:
        return ds.read(1)


@pytest.mark.parametrize(
    "method,refs,params",
    [
        ("rx", False, {}),
        ("lrx", False, {}),
        ("cva", True, {}),
        ("logratio", True, {}),
        ("gauss-ref", True, {}),
    ],
)
def test_tiled_equals_untiled(scene, tmp_path, method, refs, params):
    targets = (str(scene["sar"]),) if method == "logratio" else (str(scene["post"]),)
    references = ((str(scene["sar"]),) if method == "logratio" else (str(scene["pre"]),)) if refs else ()
    if method == "logratio":
        # a second SAR date: the same image shifted in level, so the ratio is informative
        with rasterio.open(scene["sar"]) as ds:
            profile, data = ds.profile, ds.read()
        with rasterio.open(tmp_path / "sar_pre.tif", "w", **profile) as ds:
            ds.write(data + 1.5)
        references = (str(tmp_path / "sar_pre.tif"),)
    untiled = tmp_path / "untiled.tif"
    tiled = tmp_path / "tiled.tif"
    score_to_file(ScoreRequest(targets, references, method, params, tile_size_px=1024, overlap_px=0), untiled)
    score_to_file(ScoreRequest(targets, references, method, params, tile_size_px=32, overlap_px=8), tiled)
    a, b = _read(untiled), _read(tiled)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * np.nanmax(np.abs(a)))
