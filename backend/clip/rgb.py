"""Band-to-RGB mapping for CLIP, which sees three 8-bit-like colour channels.

The sensor of the target stack is read from the band count of its first raster (``sensor=auto``):
13 bands = Sentinel-2 L1C (B1 B2 B3 B4 B5 B6 B7 B8 B8A B9 B10 B11 B12), 12 = Sentinel-2 L2A (the same
without B10), 2 = Sentinel-1 (VV, VH); anything else is generic. ``sensor=`` overrides it (``s2l1c``,
``s2l2a``, ``s1``, ``generic``). Mappings (``rgb=``):

* ``true``: Sentinel-2 true colour, R G B = B4 B3 B2 (default for Sentinel-2);
* ``false``: Sentinel-2 false colour, R G B = B8 B4 B3 (vegetation red, water dark);
* ``sar``: Sentinel-1, R G B = VV (dB), VH (dB), VV/VH (dB difference); linear backscatter is turned
  into dB first (decided once from the fit sample). Default for Sentinel-1; in a stack of an optical
  and a SAR raster, ``rgb=sar`` takes the first 2-band raster;
* ``first3``: the first three bands (one band: grey; two: R G B = b1 b2 b1). Default otherwise;
* ``B,B,B``: any three 1-based band numbers of the stacked targets.

Each channel is then stretched linearly between its ``p`` and ``100 - p`` percentiles (``p =
stretch_pct``, 2 by default) over the fit data, and clipped to [0, 1]. The percentiles come from
histograms of every fit pixel (:class:`ChannelHistogram`, additive over blocks), not from the tile
or a sample, so tiled and untiled runs see the same colours. SAR is linear power when more than 95 %
of the fit pixels' VV values are positive (dB backscatter is mostly negative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

SENSOR_BY_BANDS = {13: "s2l1c", 12: "s2l2a", 2: "s1"}
SENSORS = ("auto", "s2l1c", "s2l2a", "s1", "generic")
# 0-based positions of B2, B3, B4, B8 (the same in the L1C and L2A band orders).
_S2 = {"B2": 1, "B3": 2, "B4": 3, "B8": 7}


@dataclass(frozen=True)
class RgbPlan:
    """Which stacked bands make R, G, B and how (``sar``: dB channels VV, VH, VV - VH)."""

    bands: tuple[int, int, int]  # 0-based band indices in the target stack
    sar: bool
    description: str


def detect_sensor(target_bands: tuple[int, ...], sensor: str = "auto") -> str:
    """The sensor of the first target raster (see the module docstring)."""
    if sensor not in SENSORS:
        raise InputError(f"sensor must be one of {', '.join(SENSORS)}; got {sensor!r}.")
    if sensor != "auto":
        return sensor
    return SENSOR_BY_BANDS.get(target_bands[0], "generic") if target_bands else "generic"


def plan_rgb(target_bands: tuple[int, ...], rgb: str = "auto", sensor: str = "auto") -> RgbPlan:
    """The :class:`RgbPlan` for a target stack of rasters with ``target_bands`` bands each."""
    first = detect_sensor(target_bands, sensor)
    total = sum(target_bands)
    mode = rgb.strip().lower()
    if mode == "auto":
        mode = {"s2l1c": "true", "s2l2a": "true", "s1": "sar"}.get(first, "first3")
    if mode in ("true", "false"):
        if first not in ("s2l1c", "s2l2a") or target_bands[0] < 8:
            raise InputError(
                f"rgb={mode} needs Sentinel-2 (12 or 13 bands) as the first target, got {target_bands[0]} "
                "band(s): use rgb=first3, rgb=B,B,B, or sensor=s2l1c|s2l2a."
            )
        names = ("B4", "B3", "B2") if mode == "true" else ("B8", "B4", "B3")
        return RgbPlan(tuple(_S2[n] for n in names), False, f"Sentinel-2 {mode} colour ({' '.join(names)})")  # type: ignore[arg-type]
    if mode == "sar":
        start = _sar_start(target_bands, first)
        return RgbPlan((start, start + 1, start), True, "Sentinel-1 VV, VH, VV/VH (dB)")
    if mode == "first3":
        n = target_bands[0] if target_bands else total
        bands = (0, 1, 2) if n >= 3 else (0, 1, 0) if n == 2 else (0, 0, 0)
        return RgbPlan(bands, False, f"bands {' '.join(str(b + 1) for b in bands)} (first raster)")  # type: ignore[arg-type]
    return _explicit(mode, total)


def _sar_start(target_bands: tuple[int, ...], first: str) -> int:
    if first == "s1" and target_bands[0] >= 2:
        return 0
    start = 0
    for n in target_bands:
        if n == 2:
            return start
        start += n
    raise InputError(
        f"rgb=sar needs a 2-band (VV, VH) Sentinel-1 raster among the targets, got {target_bands}."
    )


def _explicit(mode: str, total: int) -> RgbPlan:
    try:
        numbers = tuple(int(b) for b in mode.split(","))
    except ValueError:
        numbers = ()
    if len(numbers) != 3 or not all(1 <= b <= total for b in numbers):
        raise InputError(
            f"rgb takes auto, true, false, sar, first3 or three 1-based band numbers in 1..{total} "
            f"such as 4,3,2; got {mode!r}."
        )
    return RgbPlan(tuple(b - 1 for b in numbers), False, f"bands {mode}")  # type: ignore[arg-type]


def select_bands(block: np.ndarray, plan: RgbPlan) -> np.ndarray:
    """float32 ``(3, ...)``: the plan's bands of ``block`` (bands first), as read."""
    return block[list(plan.bands)].astype(np.float32)


def to_raw_rgb(chans: np.ndarray, plan: RgbPlan, sar_linear: bool = False) -> np.ndarray:
    """Selected bands ``(3, ...)`` -> the values that are stretched (dB channels for SAR); NaN where
    any channel is not finite."""
    out = np.array(chans, dtype=np.float32, copy=True)
    if plan.sar:
        if sar_linear:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = 10.0 * np.log10(np.where(out > 0, out, np.nan))
        out[2] = out[0] - out[1]
    out[:, ~np.isfinite(out).all(axis=0)] = np.nan
    return out


def raw_rgb(block: np.ndarray, plan: RgbPlan, sar_linear: bool = False) -> np.ndarray:
    """float32 ``(3, rows, cols)`` before the stretch (dB channels for SAR); NaN where any used band is."""
    return to_raw_rgb(select_bands(block, plan), plan, sar_linear)


class ChannelHistogram:
    """Exact-order histograms of three channels over float32 bit patterns: additive over blocks, so
    percentiles do not depend on how the raster was cut, and need no sample.

    A float32 is mapped to a uint32 key that orders like its value (negative numbers: all bits
    inverted; others: the sign bit set); the top 16 bits of the key are the bin (sign, exponent and 7
    mantissa bits), so a percentile is exact to a relative 2^-8 (0.4 %) of the value.
    """

    BINS = 1 << 16

    def __init__(self) -> None:
        self.counts = np.zeros((3, self.BINS), np.int64)

    def add(self, values: np.ndarray) -> None:
        """``values`` float ``(3, n)``; non-finite values are skipped."""
        for c in range(3):
            v = np.asarray(values[c], np.float32)
            v = v[np.isfinite(v)]
            self.counts[c] += np.bincount(_order_keys(v) >> 16, minlength=self.BINS)

    def percentile(self, q: float) -> np.ndarray:
        """float64 ``(3,)``: the ``q``-th percentile of each channel (NaN for an empty channel)."""
        out = np.full(3, np.nan)
        for c in range(3):
            cum = np.cumsum(self.counts[c])
            if cum[-1] == 0:
                continue
            b = int(np.searchsorted(cum, q / 100.0 * cum[-1], side="left"))
            out[c] = _key_value((min(b, self.BINS - 1) << 16) | 0x8000)
        return out


def _order_keys(v: np.ndarray) -> np.ndarray:
    bits = v.view(np.uint32)
    return np.where(bits >> 31 == 1, ~bits, bits | np.uint32(0x80000000)).astype(np.uint32)


def _key_value(key: int) -> float:
    bits = key & 0x7FFFFFFF if key >> 31 else ~key & 0xFFFFFFFF
    return float(np.array([bits], np.uint32).view(np.float32)[0])


@dataclass(frozen=True)
class Stretch:
    """Per-channel linear stretch to [0, 1] between robust percentiles."""

    low: tuple[float, float, float]
    high: tuple[float, float, float]

    @classmethod
    def from_histogram(cls, hist: ChannelHistogram, pct: float) -> Stretch:
        """Between the ``pct`` and ``100 - pct`` percentiles (0 and 1 for an empty channel)."""
        lo, hi = hist.percentile(pct), hist.percentile(100.0 - pct)
        low = [float(a) if np.isfinite(a) else 0.0 for a in lo]
        high = [float(b) if np.isfinite(b) and b > a else a + 1.0 for a, b in zip(low, hi)]
        return cls(tuple(low), tuple(high))  # type: ignore[arg-type]

    @classmethod
    def from_sample(cls, sample: np.ndarray, pct: float) -> Stretch:
        """From ``sample`` float ``(n, 3)`` of raw RGB values (NaN ignored)."""
        hist = ChannelHistogram()
        hist.add(np.asarray(sample).T)
        return cls.from_histogram(hist, pct)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """``raw`` (3, rows, cols) -> float32 in [0, 1], NaN kept."""
        lo = np.asarray(self.low, np.float32)[:, None, None]
        hi = np.asarray(self.high, np.float32)[:, None, None]
        return np.clip((raw - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)
