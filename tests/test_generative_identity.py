"""The identity relation of one sensor's dates (backend.generative.identity): the local agreement
that tells one sensor's dates from two sensors', the high-breakdown fit of their differences, its
normal core and the expert's energy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from backend.generative.fitting import sample_positions
from backend.generative.identity import IdentityExpert, IdentityFit, local_agreement, local_difference
from backend.generative.normal import SAME_SENSOR_AGREEMENT
from backend.metrics import auroc


def _texture(rng, shape) -> np.ndarray:
    """Positive land-cover-like texture ``shape`` (n, bands, s, s): smooth fields and edges."""
    x = gaussian_filter(rng.standard_normal(shape), sigma=(0, 0, 2, 2))
    return 100 + 30 * x / x.std() + 5 * rng.standard_normal(shape)


def _crops(seed: int, share: float, kind: str):
    """Raw crops of two dates (4 bands, 16 crops of 32 px) and the changed pixels: the target is
    the reference with a gain, an offset and noise (``same``), or another texture (``other``);
    a ``share`` of 8 px blocks darkened, brightened or moved."""
    rng = np.random.default_rng(seed)
    ref = _texture(rng, (16, 4, 32, 32))
    tgt = 1.1 * ref + 20 + 3 * rng.standard_normal(ref.shape) if kind == "same" else _texture(rng, ref.shape)
    changed = np.zeros((16, 32, 32), bool)
    blocks = [(i, r, c) for i in range(16) for r in range(0, 32, 8) for c in range(0, 32, 8)]
    for k in rng.permutation(len(blocks))[: int(share * len(blocks))]:
        i, r, c = blocks[k]
        sl = (i, slice(None), slice(r, r + 8), slice(c, c + 8))
        tgt[sl] = [0.4 * tgt[sl], 1.8 * tgt[sl], tgt[(i + 1) % 16, :, :8, :8]][k % 3]
        changed[i, r : r + 8, c : c + 8] = True
    return tgt, ref, changed


@pytest.mark.parametrize("share", [0.0, 0.3, 0.5])
def test_local_agreement_tells_one_sensor_from_two(share):
    valid = np.ones((16, 32, 32), bool)
    same = local_agreement(*_crops(0, share, "same")[:2], valid, None)
    other = local_agreement(*_crops(0, share, "other")[:2], valid, None)
    assert same > SAME_SENSOR_AGREEMENT > other
    assert same > 0.5 and abs(other) < 0.1


def test_local_agreement_needs_whole_valid_blocks():
    tgt, ref, _ = _crops(1, 0.0, "same")
    valid = np.ones((16, 32, 32), bool)
    valid[:, ::8, ::8] = False  # one pixel missing in every block
    assert np.isnan(local_agreement(tgt, ref, valid, None))
    valid[3] = True
    assert local_agreement(tgt, ref, valid, np.ones(4, bool)) > 0.5


@pytest.mark.parametrize("share", [0.0, 0.45, 0.6])
def test_the_identity_fit_keeps_the_unchanged_part(share):
    """Up to events on 60 % of the pixels (three kinds, each a fifth): the unchanged part is the
    densest, not the majority (a fit concentrated on half of the differences breaks there)."""
    tgt, ref, changed = _crops(2, share, "same")
    sample_t = tgt.transpose(0, 2, 3, 1).reshape(-1, 4)
    sample_r = ref.transpose(0, 2, 3, 1).reshape(-1, 4)
    fit = IdentityFit.of(sample_t, sample_r, None, seed=0)
    unchanged = ~changed.ravel()
    normal = (sample_t - sample_r)[unchanged]
    np.testing.assert_allclose(fit.expert.center, normal.mean(axis=0), atol=0.1 * normal.std(axis=0).max())
    np.testing.assert_allclose(fit.expert.scale, normal.std(axis=0), rtol=0.15)
    inliers = fit.inliers.reshape(changed.shape)
    assert inliers[~changed].mean() > 0.9
    if share:
        assert inliers[changed].mean() < 0.1
        energy = fit.expert.energy(tgt.transpose(1, 0, 2, 3), ref.transpose(1, 0, 2, 3))
        assert energy.shape == changed.shape and auroc(energy.ravel(), changed.ravel()) > 0.97


def test_the_expert_reads_log_bands_as_ratios_and_survives_its_card():
    rng = np.random.default_rng(3)
    ref = rng.gamma(2.0, 50.0, (20_000, 2))
    tgt = ref * 0.5 * rng.gamma(8.0, 1 / 8.0, ref.shape)  # half the intensity, speckled
    tgt[:, 1] = ref[:, 1] + 5 * rng.standard_normal(20_000)
    fit = IdentityFit.of(tgt, ref, np.array([True, False]), seed=0)
    assert abs(fit.expert.center[0] - np.median(np.log1p(tgt[:, 0]) - np.log1p(ref[:, 0]))) < 0.05
    again = IdentityExpert.from_record(fit.expert.record())
    blocks = tgt.T.reshape(2, 100, 200), ref.T.reshape(2, 100, 200)
    np.testing.assert_array_equal(again.energy(*blocks), fit.expert.energy(*blocks))
    assert again.record() == fit.expert.record()


def test_pixels_equal_on_both_dates_do_not_become_the_whole_fit():
    """8-bit SAR: a third of the pixels at 0 on both dates (their difference: exactly 0) and a
    darker second date; the fit describes the speckled rest and keeps the pile as unchanged."""
    rng = np.random.default_rng(4)
    ref = np.round(rng.gamma(4.0, 20.0, (30_000, 1)))
    tgt = np.round(np.clip(ref * 0.6 * rng.gamma(8.0, 1 / 8.0, ref.shape), 0, 255))
    ref[:10_000] = tgt[:10_000] = 0
    fit = IdentityFit.of(tgt, ref, np.ones(1, bool), seed=0)
    rest = np.log1p(tgt[10_000:, 0]) - np.log1p(ref[10_000:, 0])
    assert abs(fit.expert.center[0] - np.median(rest)) < 0.05
    assert fit.expert.scale[0] == pytest.approx(rest.std(), rel=0.2)
    assert fit.inliers[:10_000].all() and fit.inliers[10_000:].mean() > 0.9


def test_local_difference_averages_the_valid_pixels_around_each():
    rng = np.random.default_rng(5)
    ref = rng.uniform(10, 20, (3, 2, 16, 16))
    tgt = ref + np.array([1.0, -2.0])[None, :, None, None]
    valid = np.ones((3, 16, 16), bool)
    valid[1, 4:9, 4:9] = False
    tgt[1, :, 4:9, 4:9] = np.nan  # no data there: never averaged in
    at = sample_positions(valid, seed=0)
    local = local_difference(tgt, ref, valid, None, at)
    assert local.shape == (at[0].size, 2)
    np.testing.assert_allclose(local, np.broadcast_to([1.0, -2.0], local.shape), atol=1e-9)


def test_local_differences_keep_speckled_events_out_of_the_unchanged_pixels():
    """One band of speckle (a pixel's log-ratio spreads about 0.7) and 40 % of the 16 px blocks
    darkened or brightened, each by its own factor: pixel by pixel the events overlap the unchanged
    places, over 5 px they do not (but at their edges)."""
    rng = np.random.default_rng(6)
    ref = rng.gamma(4.0, 25.0, (48, 1, 32, 32))
    tgt = ref * rng.gamma(4.0, 0.25, ref.shape)
    changed = np.zeros((48, 32, 32), bool)
    for i in range(48):
        for r in range(0, 32, 16):
            for c in range(0, 32, 16):
                if rng.random() < 0.4:
                    changed[i, r : r + 16, c : c + 16] = True
                    tgt[i, :, r : r + 16, c : c + 16] *= rng.choice([0.3, 0.45, 2.2, 3.0])
    valid = np.ones(changed.shape, bool)
    at = sample_positions(valid, seed=0)
    t, r = tgt[at[0], :, at[1], at[2]], ref[at[0], :, at[1], at[2]]
    truth = changed[at]
    log = np.ones(1, bool)
    pixel = IdentityFit.of(t, r, log, seed=0)
    local = IdentityFit.of(t, r, log, seed=0, local=local_difference(tgt, ref, valid, log, at))
    assert truth[local.inliers].mean() < 0.1 < truth[pixel.inliers].mean()
    assert local.inliers[~truth].mean() > 0.8
    unchanged = np.log1p(t[~truth, 0]) - np.log1p(r[~truth, 0])
    assert abs(local.expert.center[0] - unchanged.mean()) < 0.1 * unchanged.std()
    assert local.expert.scale[0] == pytest.approx(unchanged.std(), rel=0.1)
