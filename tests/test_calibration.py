"""Label-free calibration: false-alarm rate <-> threshold, stored in and read from the sidecar."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backend.calibration import Calibration, ExceedanceTable, realized_rate, tie_warning
from backend.errors import CalibrationError
from backend.request import ScoreRequest
from backend.scorefile import resolve_threshold, sidecar_path
from backend.scoring import score_to_file


def test_thresholds_are_upper_quantiles():
    s = np.random.default_rng(0).exponential(1.0, 200_000)
    cal = Calibration.from_samples(s, "target-bulk")
    for a in (1e-1, 1e-2, 1e-3):
        assert cal.threshold_for(a) == pytest.approx(-np.log(a), rel=0.05)  # exponential tail
        assert (s > cal.threshold_for(a)).mean() == pytest.approx(a, rel=0.1)


def test_rates_between_rows_take_the_row_at_or_below():
    samples = np.random.default_rng(1).normal(size=100_000)
    cal = Calibration.from_samples(samples, "reference-holdout")
    t = cal.threshold_for(3e-3)
    assert cal.threshold_for(5e-3) < t < cal.threshold_for(2e-3)
    below = max(r for r in cal.false_alarm_rates if r <= 3e-3)
    assert t == cal.threshold_for(below) and realized_rate(samples, t) <= 3e-3
    assert cal.false_alarm_rate_for(t) == pytest.approx(below, rel=1e-6)


@pytest.mark.parametrize(
    "samples",
    [
        np.full(5000, 3.0),  # a constant scene
        np.r_[np.zeros(9950), np.linspace(1, 2, 50)],  # one value almost everywhere
        np.r_[np.zeros(4000), np.random.default_rng(2).normal(size=6000)],  # fill without nodata
        np.round(np.random.default_rng(3).exponential(size=20_000), 1),  # heavy ties everywhere
        np.random.default_rng(4).normal(size=777),
    ],
)
def test_a_rate_never_flags_more_than_its_share_of_the_calibration_data(samples):
    cal = Calibration.from_samples(samples, "target-bulk")
    rates = [*cal.false_alarm_rates, *np.geomspace(1e-6, 0.5, 97)]
    for rate in rates:
        assert realized_rate(samples, cal.threshold_for(rate)) <= rate * (1 + 1e-9), rate


def test_ties_at_the_threshold_give_a_warning():
    assert tie_warning(np.random.default_rng(0).normal(size=1000), 2.3, 1e-2) is None
    assert "same score" in tie_warning(np.full(100, 1.0), 1.0, 1e-2)
    note = tie_warning(np.r_[np.zeros(990), np.ones(10) * 5], 0.0, 1e-1)
    assert "99.0%" in note and "1.00%" in note


def test_a_damaged_table_is_refused():
    good = Calibration.from_samples(np.arange(1000.0), "target-bulk").to_dict()
    for damage in (
        {"thresholds": [float("nan")] * len(good["thresholds"])},
        {"thresholds": good["thresholds"][::-1]},
        {"false_alarm_rates": [2.0] * len(good["false_alarm_rates"])},
        {"thresholds": good["thresholds"][:3]},
        {"thresholds": "x"},
    ):
        with pytest.raises(CalibrationError):
            Calibration.from_dict({**good, **damage})


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
    side = score_to_file(ScoreRequest((str(scene["post"]),)), out)
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
    side = score_to_file(ScoreRequest((str(scene["post"]),), (str(scene["pre"]),), "rx"), tmp_path / "r.tif")
    cal = side["calibration"]
    assert cal["source"] == "reference-holdout"
    n_pixels = np.prod([side["grid"]["height"], side["grid"]["width"]])
    assert 0.1 * n_pixels < cal["n_samples"] < 0.3 * n_pixels  # one 16-px cell in five


def test_exceedance_table_follows_the_samples_and_extends_their_tail():
    s = np.random.default_rng(2).exponential(1.0, 200_000)
    table = ExceedanceTable.from_samples(s)
    x = np.array([0.1, 0.5, 1.0, 2.0, 4.0, 6.0])
    # inside the samples: the empirical exceedance (an exponential's is exp(-x))
    np.testing.assert_allclose(np.exp(table.log_exceedance(x)), np.exp(-x), rtol=0.15)
    # past the largest sample the exponential tail goes on, strictly decreasing, at about its rate
    far = s.max() + np.array([0.0, 1.0, 5.0, 10.0])
    lp = table.log_exceedance(far)
    assert (np.diff(lp) < 0).all() and np.diff(lp)[-1] / 5.0 == pytest.approx(-1.0, rel=0.2)
    grid = np.linspace(-1, s.max() + 3, 2001)
    assert (np.diff(table.log_exceedance(grid)) <= 0).all()
    assert table.log_exceedance(np.array([-5.0]))[0] == 0.0
    assert np.isnan(table.log_exceedance(np.array([np.nan]))[0])
    again = ExceedanceTable.from_dict(json.loads(json.dumps(table.to_dict())))
    np.testing.assert_array_equal(again.log_exceedance(grid), table.log_exceedance(grid))
    # ties (a score that is mostly 0) and a constant keep a usable, monotone table
    tied = ExceedanceTable.from_samples(np.where(s > 2.0, s, 0.0))
    assert tied.log_exceedance(np.array([0.0]))[0] == pytest.approx(np.log((s > 2.0).mean()), rel=0.05)
    flat = ExceedanceTable.from_samples(np.full(500, 3.0))
    lp = flat.log_exceedance(np.array([2.0, 3.0, 3.1]))
    assert lp[0] == lp[1] == 0.0 and lp[2] < np.log(1 / 500)
    with pytest.raises(CalibrationError):
        ExceedanceTable.from_samples(np.arange(50.0))
    with pytest.raises(CalibrationError):
        ExceedanceTable.from_dict({"values": [0, 1], "log_p": [0, -1], "slope": 0.5})
