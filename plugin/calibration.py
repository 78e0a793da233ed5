"""False-alarm rate <-> score threshold from a score raster's sidecar, in plain Python.

The backend writes the calibration table (score quantiles on normal data) into the sidecar
``<score>.tif.json``; the threshold slider maps rates to scores here, without starting the backend
and without numpy, exactly as ``backend.calibration.Calibration.threshold_for`` does (the threshold of
the largest tabulated rate at or below the chosen one; a pixel is anomalous when its score is
strictly above the threshold).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path


def sidecar_path(score_path: str | Path) -> Path:
    p = Path(score_path)
    return p.with_name(p.name + ".json")


@dataclass(frozen=True)
class CalibrationTable:
    false_alarm_rates: tuple[float, ...]  # ascending
    thresholds: tuple[float, ...]  # descending with ascending rates
    default_false_alarm_rate: float
    source: str
    #: A method's physical default threshold (e.g. 0 for a spectral margin), None for most methods.
    physical_threshold: float | None = None

    @classmethod
    def from_sidecar(cls, sidecar: dict) -> CalibrationTable:
        cal = sidecar["calibration"]
        pairs = sorted(zip((float(a) for a in cal["false_alarm_rates"]), (float(t) for t in cal["thresholds"])))
        if len(pairs) < 2:
            raise ValueError("calibration table too short")
        physical = cal.get("physical_threshold")
        return cls(
            tuple(a for a, _ in pairs),
            tuple(t for _, t in pairs),
            float(cal.get("default_false_alarm_rate", 1e-2)),
            str(cal.get("source", "")),
            None if physical is None else float(physical),
        )

    @classmethod
    def load(cls, score_path: str | Path) -> CalibrationTable:
        """Read the table of ``score_path``'s sidecar (OSError/ValueError/KeyError when unusable)."""
        with open(sidecar_path(score_path), encoding="utf-8") as f:
            return cls.from_sidecar(json.load(f))

    @property
    def min_rate(self) -> float:
        return self.false_alarm_rates[0]

    @property
    def max_rate(self) -> float:
        return self.false_alarm_rates[-1]

    def rate_for(self, threshold: float) -> float:
        """The share of the calibration sample above ``threshold`` (log-interpolated in the table,
        clamped to its range): the inverse of :meth:`threshold_for`, as the backend computes it."""
        pairs = sorted(zip(self.thresholds, self.false_alarm_rates))  # ascending thresholds
        if threshold <= pairs[0][0]:
            return pairs[0][1]
        if threshold >= pairs[-1][0]:
            return pairs[-1][1]
        for (t0, a0), (t1, a1) in zip(pairs, pairs[1:]):
            if t0 <= threshold <= t1:
                w = 0.0 if t1 == t0 else (threshold - t0) / (t1 - t0)
                return math.exp(math.log(a0) + w * (math.log(a1) - math.log(a0)))
        return pairs[-1][1]

    def threshold_for(self, rate: float) -> float:
        """Score threshold of false-alarm rate ``rate`` (clamped to the table's range): that of the
        largest tabulated rate at or below it, so that ``score > threshold`` flags at most that
        share of the calibration sample (the backend's rule)."""
        rate = min(max(float(rate), self.min_rate), self.max_rate)
        return min(t for a, t in zip(self.false_alarm_rates, self.thresholds) if a <= rate * (1 + 1e-9))
