"""The Galileo encoder re-implementation: shapes and the kernel resampling on a micro model built
from a config (no weights needed), and a strict load of the released weights when the evaluation
data are beside the repository."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from backend.pretrained.galileo import (  # noqa: E402
    S2_GROUPS,
    S2_L1C_ORDER,
    ST_BANDS,
    FlexiPatchEmbed,
    GalileoEncoder,
    encode_image,
    s2_to_st,
)

MICRO = {"embedding_size": 32, "depth": 1, "num_heads": 4, "mlp_ratio": 2, "max_patch_size": 8}


def test_tokens_per_patch_time_step_and_group():
    torch.manual_seed(0)
    model = GalileoEncoder(**MICRO).eval()
    x = torch.randn(2, 16, 20, 3, len(ST_BANDS))
    with torch.no_grad():
        for ps in (8, 4, 2):
            out = model(x, S2_GROUPS, ps)
            assert out.shape == (2, 16 // ps, 20 // ps, 3, len(S2_GROUPS), 32)
            assert torch.isfinite(out).all()
        # Attention mixes tokens: a change in one patch reaches the features of the others.
        y = x.clone()
        y[0, :4, :4] += 1.0
        a, b = model(x, S2_GROUPS, 4), model(y, S2_GROUPS, 4)
    assert (a[0, 3, 4] - b[0, 3, 4]).abs().max() > 0 and torch.equal(a[1], b[1])


def test_smaller_patch_kernels_are_the_least_squares_resampling_of_the_stored_ones():
    """w' solves min ||R^T w' - w|| (R: the antialiased bicubic resize of an 8 x 8 patch): the
    residual is orthogonal to every resized patch, and the stored size returns the stored kernel."""
    from torch.nn import functional

    torch.manual_seed(0)
    embed = FlexiPatchEmbed(3, 5, 8)
    assert embed.weight_for(8) is embed.proj.weight
    for ps in (4, 2):
        basis = torch.eye(64).reshape(64, 1, 8, 8)
        rt = functional.interpolate(basis, (ps, ps), mode="bicubic", antialias=True).reshape(64, -1)
        w = embed.proj.weight.detach().reshape(5 * 3, 64)
        w_small = embed.weight_for(ps).detach().reshape(5 * 3, ps * ps)
        residual = w - w_small @ rt.T
        assert (residual @ rt).abs().max() < 1e-4 * w.abs().max()
        assert residual.norm() < w.norm()


def test_s2_input_and_tiled_encoding_cover_the_image():
    rng = np.random.default_rng(0)
    img = rng.uniform(100, 4000, (len(S2_L1C_ORDER), 26, 30))
    shift, div = np.zeros(13), np.ones(13)
    st = s2_to_st(img, shift, div)
    b4, b8 = img[S2_L1C_ORDER.index("B4")], img[S2_L1C_ORDER.index("B8")]
    np.testing.assert_allclose(st[..., -1], (b8 - b4) / (b8 + b4), rtol=1e-5)
    np.testing.assert_allclose(st[..., ST_BANDS.index("B11")], img[S2_L1C_ORDER.index("B11")], rtol=1e-6)
    torch.manual_seed(0)
    model = GalileoEncoder(**MICRO).eval()
    feats = encode_image(model, st / 4000, 2, 6, 3, S2_GROUPS)
    assert feats.shape == (13, 15, 32) and np.isfinite(feats).all()
    # The corner tokens are covered by one tile each: their features are that tile's, encoded alone
    # (12 x 12 px = 6 x 6 tokens of 2 px; tiles start every 3 tokens, the last at 13 - 6, 15 - 6).
    with torch.no_grad():
        for (r, c), (tr, tc) in (((0, 0), (0, 0)), ((12, 14), (5, 5))):
            r0, c0 = (r - tr) * 2, (c - tc) * 2
            tile = torch.from_numpy((st / 4000)[r0 : r0 + 12, c0 : c0 + 12])[None, :, :, None]
            alone = model(tile, S2_GROUPS, 2, month=6)[0, :, :, 0].mean(-2).numpy()
            np.testing.assert_allclose(feats[r, c], alone[tr, tc], rtol=1e-4, atol=1e-5)


def test_released_weights_load_strictly(data_root):
    folder = data_root / "weights" / "galileo-nano"
    if not (folder / "encoder.pt").exists():
        pytest.skip("no Galileo-nano weights in the evaluation data")
    model = GalileoEncoder.load(folder)
    # The fixed codes this implementation computes are the ones stored with the weights.
    fresh = GalileoEncoder(**json.loads((folder / "config.json").read_text())["model"]["encoder"])
    torch.testing.assert_close(fresh.pos_embed, model.pos_embed, atol=1e-5, rtol=0)
    torch.testing.assert_close(fresh.month_embed.weight, model.month_embed.weight, atol=1e-5, rtol=0)
    with torch.no_grad():
        out = model(torch.zeros(1, 8, 8, 1, 13), S2_GROUPS, 4)
    assert out.shape == (1, 2, 2, 1, 5, 128)
