"""Data in which nothing can stand out (backend/detectors/uniform.py) and ties at the threshold."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import rasters

from backend.detectors import create_detector
from backend.detectors.uniform import DataSurvey
from backend.masking import write_mask
from backend.request import ScoreRequest
from backend.scorefile import resolve_threshold
from backend.scoring import score_to_file

MICRO = {"steps": "20", "hidden": "8", "depth": "1", "components": "2", "batch": "2", "patch": "16"}


def flagged_share(score, tmp_path, rate=1e-2) -> float:
    threshold, _ = resolve_threshold(score, false_alarm_rate=rate)
    write_mask(score, tmp_path / "mask.tif", threshold)
    with rasterio.open(tmp_path / "mask.tif") as ds:
        mask = ds.read(1)
    return float((mask == 1).sum() / max((mask != 255).sum(), 1))


def test_the_survey_sees_constant_targets_and_identical_pairs():
    a = np.random.default_rng(0).normal(size=(3, 8, 9)).astype(np.float32)
    a[:, 0, 0] = np.nan
    survey = DataSurvey(with_reference=True)
    survey.add(a, a.copy())
    assert survey.identical and not survey.constant
    survey.add(a, a + 1e-6)
    assert not survey.identical
    flat = np.full((2, 4, 4), 5.0, np.float32)
    flat[:, 1, 1] = np.nan
    survey = DataSurvey(with_reference=False)
    survey.add(flat, None)
    survey.add(flat[:, :2], None)
    assert survey.constant and not survey.identical
    rx, spectral = create_detector("rx"), create_detector("spectral", {"prompt": "water"})
    assert "same value" in survey.reason(rx, has_reference=False)
    assert survey.reason(spectral, has_reference=False) is None  # a constant scene may be all water
    assert survey.reason(rx, has_reference=True) is None


@pytest.mark.parametrize(
    "method,params",
    [("rx", {}), ("lrx", {}), ("diffusion", MICRO), ("flow", MICRO)],
)
def test_a_constant_image_flags_nothing(method, params, tmp_path):
    path = rasters.write(tmp_path / "flat.tif", np.full((3, 40, 40), 1234, np.uint16))
    side = score_to_file(ScoreRequest((str(path),), method=method, params=params), tmp_path / "s.tif")
    assert any("same value" in w for w in side["warnings"])
    assert side["fit"]["degenerate"]
    assert flagged_share(tmp_path / "s.tif", tmp_path) == 0.0


@pytest.mark.parametrize("method", ["cva", "logratio", "gauss-ref", "rx"])
def test_an_identical_pair_flags_nothing(method, scene, tmp_path):
    post = str(scene["sar"] if method == "logratio" else scene["post"])
    side = score_to_file(ScoreRequest((post,), (post,), method=method), tmp_path / "s.tif")
    assert any("identical" in w for w in side["warnings"])
    assert flagged_share(tmp_path / "s.tif", tmp_path, 0.1) == 0.0


def test_a_pair_that_differs_is_scored_as_usual(scene, tmp_path):
    side = score_to_file(ScoreRequest((str(scene["post"]),), (str(scene["pre"]),), "cva"), tmp_path / "s.tif")
    assert side["warnings"] == [] and "degenerate" not in side["fit"]
    assert 0.005 <= flagged_share(tmp_path / "s.tif", tmp_path) <= 0.01


def test_fill_without_nodata_never_takes_more_than_the_rate(tmp_path):
    data = rasters.optical(3).astype(np.float32)
    data[:, :40, :] = 0.0  # 40 % of the scene: fill that nobody declared as nodata
    path = rasters.write(tmp_path / "fill.tif", data)
    score_to_file(ScoreRequest((str(path),), method="rx"), tmp_path / "s.tif")
    assert flagged_share(tmp_path / "s.tif", tmp_path) <= 0.01


def test_mostly_one_value_warns_in_the_sidecar(tmp_path):
    data = np.full((1, 60, 60), 7.0, np.float32)
    data[0, :3, :3] = np.arange(9).reshape(3, 3) + 100.0  # 0.25 % of the pixels differ
    path = rasters.write(tmp_path / "mostly.tif", data)
    side = score_to_file(ScoreRequest((str(path),), method="rx"), tmp_path / "s.tif")
    assert any("share the score" in w for w in side["warnings"]), side["warnings"]
    assert flagged_share(tmp_path / "s.tif", tmp_path) <= 0.01


def test_one_value_over_much_of_the_scene_is_reported_as_possible_fill(tmp_path):
    data = rasters.optical(3)
    data[:, 30:, :] = 5  # 60 % undeclared fill
    path = rasters.write(tmp_path / "fill.tif", data, nodata=None)
    side = score_to_file(ScoreRequest((str(path),), method="lrx"), tmp_path / "s.tif")
    assert any("one value (5, 5, 5, 5)" in w and "nodata" in w for w in side["warnings"]), side["warnings"]
    plain = score_to_file(
        ScoreRequest((str(rasters.write(tmp_path / "p.tif", rasters.optical(3))),)), tmp_path / "p_s.tif"
    )
    assert not any("one value" in w for w in plain["warnings"])
