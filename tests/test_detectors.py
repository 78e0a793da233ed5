"""Detectors: the maths against direct numpy, planted anomalies found, singular data handled."""

from __future__ import annotations

import numpy as np
import pytest
import rasters

from backend.detectors import METHODS, FitBlock, create_detector, describe_methods
from backend.errors import EmptyDataError, InputError, MethodError


def _fit(det, target, reference=None):
    det.partial_fit(FitBlock(target, reference, np.ones(target.shape[1:], bool)))
    det.finish_fit()
    return det


def _stack(seed=0, anomaly=True):
    x = rasters.optical(seed, anomaly=anomaly).astype(np.float32)
    x[x == rasters.NODATA] = np.nan
    return x


def _top_in_anomaly(scores, frac=0.5):
    """Fraction of the anomaly's pixel count worth of top scores that fall inside the anomaly."""
    m = rasters.anomaly_mask()
    k = int(m.sum() * frac)
    flat = np.where(np.isfinite(scores), scores, -np.inf).ravel()
    top = np.argsort(flat)[-k:]
    return m.ravel()[top].mean()


def test_rx_equals_direct_mahalanobis():
    x = _stack()
    det = _fit(create_detector("rx"), x)
    s = det.score(x, None)
    ok = np.isfinite(x).all(0)
    px = x[:, ok].T.astype(np.float64)
    d = px - px.mean(0)
    expected = np.einsum("ij,jk,ik->i", d, np.linalg.inv(np.cov(px.T)), d)
    np.testing.assert_allclose(s[ok], expected, rtol=1e-4)
    assert np.isnan(s[~ok]).all()


def test_rx_streaming_fit_equals_one_block():
    x = _stack()
    one = _fit(create_detector("rx"), x)
    many = create_detector("rx")
    for r in range(0, x.shape[1], 17):
        blk = x[:, r : r + 17]
        many.partial_fit(FitBlock(blk, None, np.ones(blk.shape[1:], bool)))
    many.finish_fit()
    np.testing.assert_allclose(one.score(x, None), many.score(x, None), rtol=1e-6, equal_nan=True)


def test_rx_handles_singular_covariance():
    x = _stack()
    dup = np.concatenate([x, x[:1], np.where(np.isfinite(x[:1]), 7.0, np.nan)])  # duplicate + constant band
    s = _fit(create_detector("rx"), dup).score(dup, None)
    ref = _fit(create_detector("rx"), x).score(x, None)
    assert np.isfinite(s[np.isfinite(ref)]).all()
    np.testing.assert_allclose(s, ref, rtol=1e-3, equal_nan=True)


def test_robust_rx_fits_the_background_when_the_event_is_large():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (3, 80, 80)).astype(np.float32)
    x[:, :, :28] += 6.0  # the "event" covers 35 % of the scene
    truth = np.zeros((80, 80), bool)
    truth[:, :28] = True
    classic = _fit(create_detector("rx"), x).score(x, None)
    robust = _fit(create_detector("rx", {"fit_fraction": "0.5"}), x).score(x, None)
    assert robust[truth].min() > robust[~truth].max() * 0.5
    assert np.median(robust[truth]) / np.median(robust[~truth]) > 5 * np.median(classic[truth]) / np.median(classic[~truth])


def test_rx_finds_the_planted_anomaly():
    x = _stack()
    s = _fit(create_detector("rx"), x).score(x, None)
    assert _top_in_anomaly(s) > 0.9


def test_lrx_finds_small_targets_smaller_than_its_guard_window():
    x = _stack(anomaly=False)
    targets = [(20, 20), (30, 90), (70, 50)]
    for r, c in targets:
        x[:, r : r + 2, c : c + 2] += np.array([400.0, -300.0, 500.0, -200.0])[:, None, None]
    s = _fit(create_detector("lrx"), x).score(x, None)
    top = np.argsort(np.where(np.isfinite(s), s, -np.inf).ravel())[-12:]
    hit = {(int(i) // x.shape[2], int(i) % x.shape[2]) for i in top}
    assert hit == {(r + dr, c + dc) for r, c in targets for dr in (0, 1) for dc in (0, 1)}


@pytest.mark.parametrize("name", ["cva", "gauss-ref"])
def test_change_methods_find_the_planted_change(name):
    post, pre = _stack(0), _stack(5, anomaly=False)
    s = _fit(create_detector(name), post, pre).score(post, pre)
    assert _top_in_anomaly(s) > 0.9


def test_cva_is_standardised_difference_magnitude():
    post, pre = _stack(0), _stack(5, anomaly=False)
    s = _fit(create_detector("cva"), post, pre).score(post, pre)
    ok = np.isfinite(post).all(0)
    z = lambda a: (a - a[:, ok].mean(1)[:, None, None]) / a[:, ok].std(1)[:, None, None]  # noqa: E731
    expected = np.sqrt(((z(post.astype(np.float64)) - z(pre.astype(np.float64))) ** 2).sum(0))
    np.testing.assert_allclose(s[ok], expected[ok], rtol=1e-4)


def test_gauss_ref_handles_a_different_modality():
    """Reference in another 'sensor' (a non-trivial linear mix, 2 bands): changes still stand out."""
    post, pre = _stack(0), _stack(5, anomaly=False)
    mix = np.array([[0.5, -1.0, 0.2, 0.0], [0.1, 0.3, -0.7, 1.2]])
    other = np.einsum("ob,brc->orc", mix, pre).astype(np.float32)
    s = _fit(create_detector("gauss-ref"), post, other).score(post, other)
    assert _top_in_anomaly(s) > 0.9


def test_logratio_linear_and_db_agree():
    rng = np.random.default_rng(3)
    pre_lin = rng.gamma(4.0, 25.0, (1, 40, 40)).astype(np.float32)
    post_lin = pre_lin.copy()
    post_lin[:, 10:20, 10:20] *= 0.05  # flooded: backscatter drops
    lin = _fit(create_detector("logratio", {"units": "linear"}), post_lin, pre_lin).score(post_lin, pre_lin)
    db = lambda a: 10 * np.log10(a)  # noqa: E731
    d = _fit(create_detector("logratio", {"units": "auto"}), db(post_lin) - 30, db(pre_lin) - 30)
    assert d.db is True
    sd = d.score(db(post_lin) - 30, db(pre_lin) - 30)
    # dB difference = 10/ln(10) * natural log-ratio (up to the tiny offset in the linear path)
    np.testing.assert_allclose(sd[15, 15], lin[15, 15] * 10 / np.log(10), rtol=0.05)
    assert lin[12:18, 12:18].min() > np.nanpercentile(lin, 90)


def test_lrx_ring_excludes_the_guard_window():
    x = np.random.default_rng(1).normal(0, 1, (2, 41, 41)).astype(np.float32)
    x[:, 20, 20] += 8
    s = _fit(create_detector("lrx", {"outer_px": "11", "inner_px": "3"}), x).score(x, None)
    assert np.nanargmax(s) == 20 * 41 + 20


def test_nan_pixels_score_nan():
    x = _stack()
    x[1, 50, 50] = np.nan
    for name in ("rx", "lrx"):
        s = _fit(create_detector(name), x).score(x, None)
        assert np.isnan(s[50, 50])


def test_configs_reject_unknown_and_bad_values():
    with pytest.raises(InputError, match="Unknown parameter"):
        create_detector("rx", {"bogus": 1})
    with pytest.raises(InputError, match="odd"):
        create_detector("lrx", {"outer_px": "4"})
    with pytest.raises(InputError, match="not a whole number"):
        create_detector("lrx", {"outer_px": "big"})
    with pytest.raises(MethodError, match="Unknown method"):
        create_detector("nope")


def test_fit_on_no_valid_pixel_is_an_error():
    det = create_detector("rx")
    det.partial_fit(FitBlock(np.full((3, 5, 5), np.nan, np.float32), None, np.ones((5, 5), bool)))
    with pytest.raises(EmptyDataError):
        det.finish_fit()


def test_every_method_is_described():
    names = {m["name"] for m in describe_methods()}
    assert names == set(METHODS) >= {"rx", "lrx", "cva", "logratio", "gauss-ref"}
    assert all(m["summary"] for m in describe_methods())
