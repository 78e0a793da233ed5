"""Label-free calibration: map a false-alarm rate to a score threshold and back.

A pixel is anomalous when its score is *strictly above* the threshold (``score > t``, the rule of
the masks, polygons, quick-looks and the QGIS slider). The score distribution on *normal* data is
summarised by a table of upper quantiles: for each tabulated false-alarm rate ``A`` the threshold is
the inverted-CDF quantile ``t(A) = Q(1 - A)``, the smallest sample value ``s`` with at least a share
``1 - A`` of the samples at or below it, so that at most a share ``A`` of the samples lies strictly
above it, however many scores are equal (a constant scene, fill without a nodata value, an area
of one value: their pixels tie at the threshold and none is flagged). Between table rows a rate maps
to the threshold of the nearest tabulated rate at or below it, so that the guarantee holds for any
rate; the rows are 20 per decade, so a step is 12 % in rate. The normal sample is

* ``reference-holdout``: scores of reference pixels held out of the fit (when a reference exists and
  the method scores single rasters), or
* ``target-bulk``: a uniform sample of the target's own scores (events are rare). Anomalies in the
  sample take part of the false-alarm budget, so the realized rate on normal pixels is at or below
  the nominal one; the shortfall grows with the anomaly fraction. Trimming the far tail on a robust
  log scale was measured on the dev cases and did not bring realized rates closer to nominal (it
  over-shot on scenes whose normal tail is heavy), so the sample is used as is.

The table is stored in the sidecar so any later tool (the QGIS slider, ``raresight mask``) can turn a
false-alarm rate into a threshold without recomputing anything.

Default threshold: normally the threshold of the default false-alarm rate (1e-2). A method whose score
has a physical meaning (``Detector.default_threshold``, e.g. 0 for a spectral index margin) sets
``physical_threshold`` instead: it becomes the default threshold (``default_threshold_source``
"physical"), and ``default_false_alarm_rate`` becomes the table's rate at that threshold (the share
of the calibration sample above it), so that a slider that starts at the default rate shows it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .errors import CalibrationError

#: Rows per decade of the calibration table.
ROWS_PER_DECADE = 20
#: False-alarm rates tabulated in every sidecar: ``10 ** (k / 20)`` from 1e-6 to 0.447 (the QGIS
#: slider's positions, computed the same way, so that each position is a row), then 0.5.
FALSE_ALARM_RATES: tuple[float, ...] = tuple(
    10.0 ** (k / ROWS_PER_DECADE) for k in range(-6 * ROWS_PER_DECADE, -6)
) + (0.5,)

#: Default false-alarm rate of a score raster when no threshold is given.
DEFAULT_FALSE_ALARM_RATE = 1e-2
#: The fewest valid scores a calibration table is built from.
MIN_SAMPLES = 10
#: Relative slack when a rate is compared with a table row (a rate read back from JSON text).
_RATE_SLACK = 1e-9


def realized_rate(samples: np.ndarray, threshold: float) -> float:
    """The share of the finite ``samples`` strictly above ``threshold`` (NaN without samples)."""
    s = np.asarray(samples, dtype=np.float64).ravel()
    s = s[np.isfinite(s)]
    return float(np.count_nonzero(s > threshold) / s.size) if s.size else math.nan


def tie_warning(samples: np.ndarray, threshold: float, rate: float) -> str | None:
    """A warning when ties at ``threshold`` make the mask flag much less than ``rate`` (under half
    of it): a constant or mostly constant scene. None otherwise."""
    s = np.asarray(samples, dtype=np.float64).ravel()
    s = s[np.isfinite(s)]
    if s.size == 0:
        return None
    n_tied = int(np.count_nonzero(s == threshold))
    tied, flagged = n_tied / s.size, realized_rate(s, threshold)
    if n_tied < 2 or flagged >= rate / 2:
        return None
    if tied == 1:
        return (
            "Every valid pixel has the same score: nothing stands out, so nothing is flagged "
            "(a constant scene, or inputs without differences)."
        )
    return (
        f"{tied:.1%} of the valid pixels share the score {threshold:.6g} (a constant area, or fill "
        f"without a nodata value?): at false-alarm rate {rate:g} the mask flags {flagged:.2%}."
    )


@dataclass(frozen=True)
class Calibration:
    """Thresholds ``thresholds[i]`` for false-alarm rates ``false_alarm_rates[i]`` (descending
    rates, ascending thresholds), estimated from ``n_samples`` normal scores."""

    source: str
    n_samples: int
    false_alarm_rates: tuple[float, ...]
    thresholds: tuple[float, ...]
    default_false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE
    physical_threshold: float | None = None

    @classmethod
    def from_samples(cls, samples: np.ndarray, source: str) -> Calibration:
        """Build the table from normal-score samples (any shape; NaN ignored)."""
        s = np.asarray(samples, dtype=np.float64).ravel()
        s = s[np.isfinite(s)]
        if s.size < MIN_SAMPLES:
            raise CalibrationError(
                f"Only {s.size} valid score(s) to calibrate on: the inputs hold almost no valid data."
            )
        rates = tuple(sorted(FALSE_ALARM_RATES, reverse=True))
        thresholds = np.quantile(s, [1.0 - a for a in rates], method="inverted_cdf")
        return cls(source, int(s.size), rates, tuple(float(t) for t in thresholds))

    def with_physical_threshold(self, threshold: float) -> Calibration:
        """This table with ``threshold`` as its default (see the module docstring)."""
        t = float(threshold)
        return replace(self, physical_threshold=t, default_false_alarm_rate=self.false_alarm_rate_for(t))

    @property
    def default_threshold(self) -> float:
        if self.physical_threshold is not None:
            return self.physical_threshold
        return self.threshold_for(self.default_false_alarm_rate)

    @property
    def default_threshold_source(self) -> str:
        return "physical" if self.physical_threshold is not None else "false-alarm-rate"

    def threshold_for(self, false_alarm_rate: float) -> float:
        """Score threshold for ``false_alarm_rate``: that of the largest tabulated rate at or below
        it, so that ``score > threshold`` flags at most that share of the calibration sample."""
        a = float(false_alarm_rate)
        lo, hi = min(self.false_alarm_rates), max(self.false_alarm_rates)
        if math.isnan(a) or not (lo * (1 - _RATE_SLACK) <= a <= hi * (1 + _RATE_SLACK)):
            raise CalibrationError(
                f"False-alarm rate {a:g} is outside the calibrated range [{lo:g}, {hi:g}]: "
                "choose a rate inside it, or give a score threshold instead."
            )
        rows = [t for r, t in zip(self.false_alarm_rates, self.thresholds) if r <= a * (1 + _RATE_SLACK)]
        return float(min(rows))

    def false_alarm_rate_for(self, threshold: float) -> float:
        """Inverse of :meth:`threshold_for` (clamped to the table's range)."""
        t = np.asarray(self.thresholds)  # ascending with descending rates
        x = np.log(np.asarray(self.false_alarm_rates))
        return float(np.exp(np.interp(threshold, t, x)))

    def tail_probability(self, scores: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`false_alarm_rate_for`: float64 array of ``scores``' shape, NaN stays NaN."""
        t = np.asarray(self.thresholds)
        x = np.log(np.asarray(self.false_alarm_rates))
        s = np.asarray(scores, dtype=np.float64)
        out = np.exp(np.interp(np.nan_to_num(s, nan=0.0), t, x))
        out[~np.isfinite(s)] = np.nan
        return out

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "n_samples": self.n_samples,
            "default_false_alarm_rate": self.default_false_alarm_rate,
            "default_threshold": self.default_threshold,
            "default_threshold_source": self.default_threshold_source,
            "physical_threshold": self.physical_threshold,
            "false_alarm_rates": list(self.false_alarm_rates),
            "thresholds": list(self.thresholds),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        """The table of a sidecar's ``calibration`` entry.

        Raises:
            CalibrationError: a damaged table (missing keys, non-numbers, non-finite or unordered
                values), with the reason; the caller names the file.
        """
        try:
            rates = tuple(float(a) for a in d["false_alarm_rates"])
            thresholds = tuple(float(t) for t in d["thresholds"])
            physical = d.get("physical_threshold")
            physical = None if physical is None else float(physical)
            default_rate = float(d.get("default_false_alarm_rate", DEFAULT_FALSE_ALARM_RATE))
            source, n = str(d["source"]), int(d["n_samples"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(
                f"its calibration table is damaged ({type(exc).__name__}: {exc})"
            ) from None
        values = (*rates, *thresholds, default_rate, *(() if physical is None else (physical,)))
        if len(rates) != len(thresholds) or len(rates) < 2:
            raise CalibrationError("its calibration table has rows of unequal lengths")
        if not all(math.isfinite(v) for v in values):
            raise CalibrationError("its calibration table holds a value that is not a finite number")
        order = sorted(zip(rates, thresholds), reverse=True)
        if not all(0 < r <= 1 for r in rates) or any(t1 > t2 for (_, t1), (_, t2) in zip(order, order[1:])):
            raise CalibrationError("its calibration table is not a table of rates and ascending thresholds")
        return cls(source, n, rates, thresholds, default_rate, physical)


@dataclass(frozen=True)
class ExceedanceTable:
    """A score's exceedance probability ``P(S > s)`` on normal data, from samples: quantiles at
    exceedance probabilities from 1 down to ``10 / n`` (``log p`` interpolated linearly between
    rows), and beyond the highest row an exponential tail (peaks over the threshold of exceedance
    ``tail``, its scale the mean excess there), so that scores past every sample keep their order.

    Unlike :class:`Calibration`, which turns a rate into a threshold for the user, this ranks any
    score against the fit data: two experts on different scales can then be combined by their
    probabilities (see :meth:`backend.pretrained.change.EncoderChange.combined`)."""

    values: tuple[float, ...]  # strictly ascending scores
    log_p: tuple[float, ...]  # their log exceedance probabilities (descending, the first 0)
    slope: float  # d log p / d s past the last row (< 0)

    @classmethod
    def from_samples(cls, samples: np.ndarray, tail: float = 1e-2) -> ExceedanceTable:
        s = np.sort(np.asarray(samples, dtype=np.float64).ravel())
        s = s[np.isfinite(s)]
        n = s.size
        if n < 100:
            raise CalibrationError(f"Only {n} valid score(s) to tabulate; at least 100 are needed.")
        p = np.concatenate(
            [
                [1.0],
                np.linspace(0.99, 0.02, 98),
                np.geomspace(tail, 10.0 / n, max(2, int(4 * np.log10(tail * n / 10)) + 1)),
            ]
        )
        p = np.unique(p)[::-1]  # descending
        x = np.quantile(s, 1.0 - p)
        # equal quantiles (ties): keep the last row of each run, the smallest exceedance
        last = np.r_[x[1:] > x[:-1], True]
        x, p = x[last], p[last]
        if x.size < 2:  # one value: every score above it is beyond the fit data
            v, step = float(x[0]), max(abs(float(x[0])), 1.0) * 1e-6
            return cls((v, v + step), (0.0, float(np.log(1.0 / n))), -1.0 / step)
        u = np.quantile(s, 1.0 - tail)
        excess = s[s > u] - u
        beta = float(excess.mean()) if excess.size else 0.0
        if not beta > 0:
            beta = float(x[-1] - x[0]) / max(x.size, 1)
        return cls(tuple(float(v) for v in x), tuple(float(v) for v in np.log(p)), -1.0 / beta)

    def log_exceedance(self, scores: np.ndarray) -> np.ndarray:
        """float64 ``log P(S > s)`` of ``scores`` (0 below the lowest sample; NaN stays NaN)."""
        s = np.asarray(scores, dtype=np.float64)
        x, lp = np.asarray(self.values), np.asarray(self.log_p)
        out = np.interp(s, x, lp)
        past = s > x[-1]
        out[past] = lp[-1] + self.slope * (s[past] - x[-1])
        return out

    def to_dict(self) -> dict:
        return {"values": list(self.values), "log_p": list(self.log_p), "slope": self.slope}

    @classmethod
    def from_dict(cls, d: dict) -> ExceedanceTable:
        values, log_p = tuple(float(v) for v in d["values"]), tuple(float(v) for v in d["log_p"])
        if len(values) != len(log_p) or len(values) < 2 or not float(d["slope"]) < 0:
            raise CalibrationError("An exceedance table of the model card is damaged.")
        return cls(values, log_p, float(d["slope"]))
