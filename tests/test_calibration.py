"""Label-free calibration: false-alarm rate <-> threshold, stored in and read from the sidecar."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backend.calibration import Calibration
from backend.errors import CalibrationError
from backend.scorefile import resolve_threshold, sidecar_path
from backend.scoring import ScoreJob, score_to_file


def test_thresholds_are_upper_quantiles():
    s = np.random.default_rng(0).exponential(1.0, 200_000)
    cal = Calibration.from_samples(s, "target-bulk")
    for a in (1e-1, 1e-2, 1e-3):
        assert cal.threshold_for(a) == pytest.approx(-np.log(a), rel=0.05)  # exponential tail
        assert (s >= cal.threshold_for(a)).mean() == pytest.approx(a, rel=0.1)


def test_interpolation_and_inverse():
    cal = Calibration.from_samples(np.random.default_rng(1).normal(size=100_000), "reference-holdout")
    t = cal.threshold_for(3e-3)
    assert cal.threshold_for(5e-3) < t < cal.threshold_for(2e-3)
    assert cal.false_alarm_rate_for(t) == pytest.approx(3e-3, rel=1e-6)


def test_roundtrip_and_errors():
    cal = Calibration.from_samples(np.arange(1000.0), "target-bulk")
    again = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again == cal
    with pytest.raises(CalibrationError, match="outside"):
        cal.threshold_for(0.9)
    with pytest.raises(CalibrationError, match="damaged"):
        Calibration.from_dict({"source": "x"})
    with pytest.raises(CalibrationError):
        Calibration.from_samples(np.full(100, np.nan), "target-bulk")


def test_sidecar_gives_thresholds_without_rerunning(scene, tmp_path):
    out = tmp_path / "s.tif"
    side = score_to_file(ScoreJob((str(scene["post"]),)), out)
    assert side["calibration"]["source"] == "target-bulk"
    t, a = resolve_threshold(out)
    assert a == side["default_false_alarm_rate"] and t == pytest.approx(side["default_threshold"])
    t3, _ = resolve_threshold(out, false_alarm_rate=1e-3)
    assert t3 > t
    assert resolve_threshold(out, threshold=2.5) == (2.5, None)
    sidecar_path(out).unlink()
    with pytest.raises(CalibrationError, match="No sidecar"):
        resolve_threshold(out)


def test_reference_calibration_uses_held_out_reference_pixels(scene, tmp_path):
    side = score_to_file(ScoreJob((str(scene["post"]),), (str(scene["pre"]),), "rx"), tmp_path / "r.tif")
    cal = side["calibration"]
    assert cal["source"] == "reference-holdout"
    n_pixels = np.prod([side["grid"]["height"], side["grid"]["width"]])
    assert 0.1 * n_pixels < cal["n_samples"] < 0.3 * n_pixels  # one 16-px cell in five
