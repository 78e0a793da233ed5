"""Method ``spectral``: weight-free prompts mapped to physically grounded spectral evidence.

The prompt picks a concept of :mod:`backend.spectral.vocabulary` (water/flood, burn scar, vegetation
loss, bare soil/construction, cloud); the bands of the targets are identified by
:mod:`backend.spectral.bands`; the evidence is the margin of a published rule
(:mod:`backend.spectral.evidence`), so the score is in index units, positive where the rule says
"like the prompt", and the default threshold is 0 (``default_threshold``, used by ``raresight mask``
and recorded in the sidecar with source "physical").

Optical and SAR together (water only; Sentinel-1 has nothing to say about the other concepts):
where the optical pixel is valid and clear, the optical margin decides; where it is cloudy (the
cloud rule of :mod:`~backend.spectral.evidence`) or has no data, the SAR margin does. Optical
reflectance is the more direct water signal at 10-20 m when the sky is clear (SAR misses
wind-roughened water and flooded vegetation, and takes smooth tarmac and radar shadow for water);
SAR sees through the clouds that usually come with floods. Without SAR, cloudy pixels are no data.

Inputs: Sentinel-2 digital numbers (reflectance x 10000, detected when the optical median exceeds
1.5; ``reflectance_scale`` and ``reflectance_offset`` override, e.g. ``reflectance_offset=-1000``
for L2A products of processing baseline 04.00 and later) and Sentinel-1 backscatter in dB (linear
power is detected when no value is negative, or forced with ``sar_units``). SAR is smoothed by a
``sar_smooth_px`` box mean in dB against speckle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..spectral.bands import OPTICAL_BANDS, SAR_BANDS, BandMap, identify_stack
from ..spectral.evidence import (
    OPTICAL_NEEDS,
    cloud_margin,
    missing_optical,
    optical_margin,
    resolve_nir,
    sar_water_margin,
)
from ..spectral.vocabulary import Concept, match_prompt, vocabulary_text
from ..stats import box_mean
from .base import Detector, DetectorConfig, FitBlock, InputLayout

log = logging.getLogger(__name__)

#: Median optical value above which the optical rasters are taken as reflectance x 10000.
DN_MEDIAN_MIN = 1.5
DN_SCALE = 1e-4
#: Linear power is floored here before conversion to dB (-40 dB).
MIN_POWER = 1e-4


@dataclass(frozen=True)
class SpectralConfig(DetectorConfig):
    prompt: str = ""
    bands: str = ""  # one name per target channel, e.g. B2/B3/B4/B8/B11/B12/VV/VH (- to skip)
    reflectance_scale: float = 0.0  # 0 = auto (1e-4 for Sentinel-2 digital numbers, else 1)
    reflectance_offset: float = 0.0  # added to the values before scaling (-1000: L2A baseline >= 04.00)
    sar_units: str = "auto"  # auto (dB when any value is negative), db, linear
    sar_smooth_px: int = 5  # odd side of the box mean of the dB backscatter (1 = none)
    cloud_mask: bool = True  # drop cloudy optical pixels (SAR, when given, takes over there)

    def check(self) -> None:
        if self.prompt.strip():
            match_prompt(self.prompt)
        if self.sar_units not in ("auto", "db", "linear"):
            raise InputError(f"sar_units must be auto, db or linear, got {self.sar_units!r}.")
        if self.sar_smooth_px < 1 or self.sar_smooth_px % 2 == 0:
            raise InputError(f"sar_smooth_px must be a positive odd number, got {self.sar_smooth_px}.")
        if self.reflectance_scale < 0:
            raise InputError(f"reflectance_scale must be >= 0 (0 = automatic), got {self.reflectance_scale}.")


class SpectralDetector(Detector):
    name = "spectral"
    summary = (
        "Spectral prompts without weights (water/flood, burn scar, vegetation loss, bare soil, cloud): "
        "the margin of a published index rule; positive = like the prompt."
    )
    Config = SpectralConfig
    uses_prompt = True
    scores_single_input = False
    prompt_hint = f" (spectral vocabulary: {vocabulary_text()})"

    def __init__(self, config: SpectralConfig | None = None) -> None:
        super().__init__(config)
        self.concept: Concept | None = (
            match_prompt(self.config.prompt) if self.config.prompt.strip() else None
        )
        self.band_map: BandMap | None = None
        self.use_optical = self.use_sar = self.use_clouds = False
        self.scale = self.config.reflectance_scale
        self.sar_db: bool | None = None if self.config.sar_units == "auto" else self.config.sar_units == "db"
        self._medians: list[float] = []
        self._seen_negative = False

    # -- layout ---------------------------------------------------------------------------------

    def prepare(self, layout: InputLayout) -> None:
        if self.concept is None:
            raise InputError(f"Method spectral needs a prompt{self.prompt_hint}.")
        bands = identify_stack(layout.target_bands, layout.target_band_names, self.config.bands)
        key = self.concept.key
        missing = missing_optical(key, set(bands.index))
        self.use_optical = not missing
        self.use_sar = key == "water" and (bands.has("VV") or bands.has("VH"))
        if not self.use_optical and not self.use_sar:
            need = "the optical bands " + ", ".join(missing)
            if key == "water":
                need += " (or Sentinel-1 VV/VH)"
            raise InputError(
                f"The prompt {self.concept.label} needs {need}, which the targets lack "
                f"(found {', '.join(bands.index) or 'no known band'}): add them or name them with bands=."
            )
        if missing and bands.optical:
            log.warning("The optical targets lack %s: the %s map uses SAR only.", ", ".join(missing), key)
        self.use_clouds = self.config.cloud_mask and key != "cloud" and self.use_optical
        if self.use_clouds and missing_optical("cloud", set(bands.index)):
            log.warning("No blue and red bands: clouds cannot be masked.")
            self.use_clouds = False
        self.band_map = bands

    @property
    def context_px(self) -> int:
        return self.config.sar_smooth_px // 2 if self.use_sar else 0

    @property
    def default_threshold(self) -> float:
        return 0.0

    @property
    def score_meaning(self) -> str:
        label = self.concept.label if self.concept else "?"
        return (
            f"Spectral prompt {self.config.prompt!r} ({label}): margin of the physical rule in index units "
            "(positive = like the prompt, default threshold 0); NaN = no data, or cloud without SAR."
        )

    # -- fit: units only ----------------------------------------------------------------------------

    def _optical_channels(self) -> list[int]:
        assert self.band_map is not None
        return self.band_map.channels(OPTICAL_BANDS - {"B10"})

    def _sar_channels(self) -> list[int]:
        assert self.band_map is not None
        return self.band_map.channels(SAR_BANDS)

    def partial_fit(self, block: FitBlock) -> None:
        for data in (block.target, block.reference):
            if data is None:
                continue
            opt = data[self._optical_channels(), ::4, ::4]
            opt = opt[np.isfinite(opt)]
            if opt.size:
                self._medians.append(float(np.median(opt)))
            sar = data[self._sar_channels()]
            self._seen_negative |= bool((sar[np.isfinite(sar)] < 0).any())

    @property
    def fit_merges(self) -> bool:
        return True

    def merge_fit(self, later: Detector) -> None:
        assert isinstance(later, type(self))
        self._medians.extend(later._medians)
        self._seen_negative |= later._seen_negative

    def finish_fit(self) -> None:
        if self.scale == 0.0:
            median = float(np.median(self._medians)) if self._medians else 0.0
            self.scale = DN_SCALE if median > DN_MEDIAN_MIN else 1.0
        if self.sar_db is None:
            self.sar_db = self._seen_negative

    # -- score --------------------------------------------------------------------------------------

    def _optical(self, block: np.ndarray) -> dict[str, np.ndarray]:
        assert self.band_map is not None and self.concept is not None
        index = self.band_map.index
        names = set(OPTICAL_NEEDS[self.concept.key]) | set(OPTICAL_NEEDS["cloud"])
        names = {resolve_nir(set(index)) if n == "NIR" else n for n in names} & set(index)
        off, scale = self.config.reflectance_offset, self.scale
        return {n: (block[index[n]] + off) * scale for n in names if n is not None}

    def _sar(self, block: np.ndarray) -> dict[str, np.ndarray]:
        assert self.band_map is not None
        out = {}
        for pol in ("VV", "VH"):
            if pol not in self.band_map.index:
                continue
            x = block[self.band_map.index[pol]].astype(np.float64)
            valid = np.isfinite(x)
            if not self.sar_db:
                x = 10.0 * np.log10(np.maximum(x, MIN_POWER))
            smooth = box_mean(x[None], self.config.sar_smooth_px, valid)[0]
            out[pol] = np.where(valid, smooth, np.nan).astype(np.float32)
        return out

    def score(self, target: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        assert self.concept is not None, "prepare before score"
        out = np.full(target.shape[1:], np.nan, dtype=np.float32)
        if self.use_optical:
            now = self._optical(target)
            before = self._optical(reference) if reference is not None else None
            out = optical_margin(self.concept.key, now, before).astype(np.float32)
            if self.use_clouds:
                cloudy = cloud_margin(now) > 0
                if before is not None:
                    cloudy |= cloud_margin(before) > 0
                out[cloudy] = np.nan
        if self.use_sar:
            sar = sar_water_margin(self._sar(target), self._sar(reference) if reference is not None else None)
            out = np.where(np.isfinite(out), out, sar).astype(np.float32)
        return out

    def summary_dict(self) -> dict:
        return {
            "concept": self.concept.key if self.concept else None,
            "evidence": [
                name for name, used in (("optical", self.use_optical), ("sar", self.use_sar)) if used
            ],
            "cloud_mask": self.use_clouds,
            "reflectance_scale": self.scale,
            "sar_units": None if not self.use_sar else ("db" if self.sar_db else "linear"),
            **(self.band_map.to_dict() if self.band_map else {}),
        }
