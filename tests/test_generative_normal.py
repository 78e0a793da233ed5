"""What a generative model learns as normal (backend.generative.normal, backend.generative.data):
the relation of two rasters, the normal core, and the speckled single image."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backend.generative.data import FitStatistics, looks_like_db, with_log_columns
from backend.generative.normal import (
    LINEAR_CORRELATION,
    SAME_SENSOR_AGREEMENT,
    Dates,
    fit_relation,
    inlier_correlation,
    relation_core,
    scene_core,
    trimmed_regression,
)
from backend.metrics import auroc


def _dates(n: int, share: float, seed: int, cross: bool = False):
    """Raw bands of two dates (4 bands): the target a gain and offset of the reference plus noise
    (one sensor), or (``cross``) a non-linear, non-monotonic function of it (another sensor);
    a ``share`` of the pixels changed. Returns (target, reference, changed)."""
    rng = np.random.default_rng(seed)
    ref = rng.gamma(3.0, 1.0, (n, 4)) @ (np.eye(4) + 0.3)
    tgt = 1.2 * ref + 0.5 + 0.2 * rng.standard_normal((n, 4))
    if cross:
        tgt = np.sin(3 * ref[:, ::-1]) * 3 + 0.2 * rng.standard_normal((n, 4))
    changed = rng.random(n) < share
    tgt[changed] = rng.permutation(tgt[changed]) + 3.0  # other content, shifted
    return tgt, ref, changed


def _whiten(a: np.ndarray) -> np.ndarray:
    return (a - a.mean(axis=0)) / a.std(axis=0)


@pytest.mark.parametrize("share", [0.0, 0.3, 0.45])
def test_one_sensor_gets_the_identity_and_the_high_breakdown_relation(share):
    """Dates that agree locally: the regression is fit on what the identity fit keeps, which an
    event on almost half of the pixels does not pull."""
    tgt, ref, changed = _dates(20_000, share, seed=1)
    dates = Dates(tgt, ref, SAME_SENSOR_AGREEMENT + 0.1, None)
    relation = fit_relation(_whiten(tgt), _whiten(ref), True, 0, dates)
    assert relation.high_breakdown and relation.identity is not None and relation.reverse is not None
    assert relation.record() == {"fit": "identity", "same_sensor": True,
                                 "local_correlation": round(SAME_SENSOR_AGREEMENT + 0.1, 4)}  # fmt: skip
    r = relation.regression.residual(_whiten(tgt), _whiten(ref))
    energy = np.einsum("ij,ij->i", r, r)
    if share:
        assert auroc(energy, changed) > 0.99
        core = relation_core(energy[None, None], np.ones((1, 1, energy.size), bool), 4, True)[0, 0]
        assert core[changed].mean() < 0.02 and core[~changed].mean() > 0.9


def test_a_linear_relation_of_other_sensors_gets_the_high_breakdown_regression():
    """Dates that do not agree locally but relate linearly on the regression's inliers (optical
    against a grey render of another sensor): the high-breakdown regression, no identity."""
    tgt, ref, changed = _dates(20_000, 0.3, seed=6)
    dates = Dates(tgt, ref, SAME_SENSOR_AGREEMENT - 0.1, None)
    relation = fit_relation(_whiten(tgt), _whiten(ref), False, 0, dates)
    assert relation.high_breakdown and relation.identity is None
    assert relation.record()["fit"] == "high-breakdown" and not relation.record()["same_sensor"]
    assert relation.correlation >= LINEAR_CORRELATION
    r = relation.regression.residual(_whiten(tgt), _whiten(ref))
    assert auroc(np.einsum("ij,ij->i", r, r), changed) > 0.99


def test_other_sensors_get_the_trimmed_relation():
    """Without the identity relation a fit to the best half would call the rest changes: the
    relation is least squares refit on the 90 % it explains best, and the core is that 90 %."""
    tgt, ref, _ = _dates(20_000, 0.0, seed=2, cross=True)
    z, c = _whiten(tgt), _whiten(ref)
    assert inlier_correlation(tgt, ref, np.ones(len(tgt), bool)) < LINEAR_CORRELATION
    relation = fit_relation(z, c, False, 0, Dates(tgt, ref, 0.0, None))
    assert not relation.high_breakdown and relation.reverse is None and relation.identity is None
    np.testing.assert_allclose(relation.regression.coef, trimmed_regression(z, c)[0].coef)
    modality = fit_relation(z, c, False, 0, None)  # modality conditioning: not two dates
    assert not modality.high_breakdown and np.isnan(modality.correlation)
    assert modality.record() == {"fit": "trimmed", "same_sensor": False}
    energy = np.random.default_rng(0).chisquare(4, (2, 5, 5))
    core = relation_core(energy, np.ones((2, 5, 5), bool), 4, False)
    assert core.sum() == 45  # the 90 %


def test_scene_core_is_the_majority():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 3, 20, 20)).astype(np.float32)
    x[:2] += 5.0  # a third of the crops: an event
    valid = np.ones((6, 20, 20), bool)
    valid[5, :3] = False
    sample = x.transpose(0, 2, 3, 1)[valid].astype(np.float64)
    core = scene_core(x, valid, sample, 0)
    assert not core[:2].any() and core[2:].mean() > 0.9 and not core[5, :3].any()


def test_backscatter_in_db_is_recognised():
    rng = np.random.default_rng(4)
    db = np.stack([-12 + 4 * rng.standard_normal(5000), -19 + 4 * rng.standard_normal(5000)], axis=1)
    reflectance = 1500 + 300 * rng.standard_normal((5000, 2))
    stats = FitStatistics()
    stats.add(np.concatenate([with_log_columns(db), with_log_columns(reflectance)], axis=1))
    assert looks_like_db(stats, 0, 2)
    assert not looks_like_db(stats, 4, 2)


@pytest.mark.slow
def test_a_speckled_image_keeps_a_large_dark_event_surprising(tmp_path):
    """One SAR image in dB, a third of it darkened by 8 dB (a flood): the model of its most typical
    part, smoothed as speckle needs, finds the flood; the sidecar says why."""
    import rasters

    from backend.request import ScoreRequest
    from backend.scoring import score_to_file

    rng = np.random.default_rng(5)
    rows, cols = 96, 96
    speckle = 10 * np.log10(rng.gamma(4.4, 1 / 4.4, (2, rows, cols)))  # multi-looked speckle in dB
    image = np.array([-9.0, -16.0])[:, None, None] + speckle
    flood = np.zeros((rows, cols), bool)
    flood[:, :32] = True
    image[:, flood] -= 8.0
    path = rasters.write(tmp_path / "s1.tif", image.astype(np.float32))
    params = {"steps": "30", "hidden": "16", "depth": "2", "batch": "4", "patch": "24"}
    side = score_to_file(ScoreRequest((str(path),), (), "diffusion", params), tmp_path / "s.tif")
    assert side["fit"]["smooth_px"] == 3.0 and side["fit"]["core_share"] < 0.8
    with __import__("rasterio").open(tmp_path / "s.tif") as ds:
        s = ds.read(1)
    assert auroc(s.ravel(), flood.ravel()) > 0.95
    card_free = json.dumps(side)  # the sidecar is JSON
    assert "relation" not in side["fit"] and card_free


def _pair_with_a_large_event(rng, rows: int = 96, cols: int = 96):
    """Two dates of one sensor (4 bands of smooth texture, the target a gain and offset of the
    reference plus noise) and the event: blobs covering about 45 % of the scene, darkened or
    brightened. Returns (target, reference, event)."""
    from scipy.ndimage import gaussian_filter

    field = gaussian_filter(rng.standard_normal((4, rows, cols)), sigma=(0, 2, 2))
    ref = 400 + 120 * field / field.std() + 10 * rng.standard_normal((4, rows, cols))
    tgt = 1.05 * ref + 30 + 10 * rng.standard_normal(ref.shape)
    blobs = gaussian_filter(rng.standard_normal((rows, cols)), sigma=8)
    event = blobs > np.quantile(blobs, 0.55)
    dark = event & (gaussian_filter(rng.standard_normal((rows, cols)), sigma=8) > 0)
    tgt[:, dark] *= 0.5
    tgt[:, event & ~dark] *= 1.6
    return tgt.astype(np.float32), ref.astype(np.float32), event


@pytest.mark.slow
def test_one_sensor_pair_with_an_event_on_almost_half_keeps_it_surprising(tmp_path):
    """Two dates of one sensor, 45 % of the scene changed: the identity relation is chosen (the
    sidecar says so), the event is ranked above the rest, and a saved model scores the same."""
    import rasters

    from backend.cli import main as cli
    from backend.request import ScoreRequest
    from backend.scoring import score_to_file

    tgt, ref, event = _pair_with_a_large_event(np.random.default_rng(7))
    post, pre = rasters.write(tmp_path / "post.tif", tgt), rasters.write(tmp_path / "pre.tif", ref)
    params = {"steps": "30", "hidden": "16", "depth": "2", "batch": "4", "patch": "24"}
    side = score_to_file(ScoreRequest((str(post),), (str(pre),), "diffusion", params), tmp_path / "s.tif")
    relation = side["fit"]["relation"]
    assert relation["fit"] == "identity" and relation["same_sensor"] and relation["local_correlation"] > 0.5
    assert side["fit"]["core_share"] < 0.7
    with __import__("rasterio").open(tmp_path / "s.tif") as ds:
        fly = ds.read(1)
    assert auroc(fly.ravel(), event.ravel()) > 0.97
    model = tmp_path / "m.safetensors"
    flags = [f for k, v in params.items() for f in ("--param", f"{k}={v}")]
    assert cli(["fit", str(post), "--reference", str(pre), "-o", str(model), *flags]) == 0
    card = json.loads(model.with_name("m.safetensors.json").read_text())
    assert len(card["identity_expert"]["scale"]) == 4 and card["relation"]["fit"] == "identity"
    out = tmp_path / "reuse.tif"
    assert cli(["score", str(post), "--reference", str(pre), "-o", str(out), "--model", str(model)]) == 0
    with __import__("rasterio").open(out) as ds:
        np.testing.assert_allclose(ds.read(1), fly, rtol=1e-5, atol=1e-5)
    onnx_path, out = tmp_path / "m.onnx", tmp_path / "onnx.tif"
    assert cli(["export", str(model), "-o", str(onnx_path)]) == 0
    assert cli(["score", str(post), "--reference", str(pre), "-o", str(out), "--model", str(onnx_path)]) == 0
    side = json.loads(out.with_name("onnx.tif.json").read_text())
    assert side["fit"]["identity_expert"]
    with __import__("rasterio").open(out) as ds:
        np.testing.assert_allclose(ds.read(1), fly, rtol=1e-3, atol=1e-3)


def test_streamed_band_statistics_equal_those_of_the_whole_columns(monkeypatch):
    """FitStatistics.add_bands (band-first pixels of each input, a few rows at a time) gives the
    moments, skewness and minima of the log columns of all the pixels at once."""
    import backend.generative.data as data

    monkeypatch.setattr(data, "STEP_ROWS", 700)
    rng = np.random.default_rng(0)
    optical = (rng.gamma(2.0, 500.0, (5, 3000))).astype(np.float32)
    signed = rng.standard_normal((2, 3000)).astype(np.float32)
    whole = FitStatistics()
    whole.add(np.concatenate([with_log_columns(a.T.astype(np.float64)) for a in (optical, signed)], axis=1))
    streamed = FitStatistics()
    for part in (slice(0, 1000), slice(1000, 1001), slice(1001, 3000)):
        streamed.add_bands([optical[:, part], signed[:, part]])
    assert streamed.n == whole.n == 3000
    for got, want in zip(streamed.moments.mean_cov(), whole.moments.mean_cov()):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(streamed.skewness(), whole.skewness(), rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(streamed.min, whole.min)
