"""The physical evidence of each prompt concept, as a *margin*: a float32 ``(rows, cols)`` score in
index units that is positive exactly where the published rule says "yes", so that the default
threshold of every spectral map is 0. NaN where an input is NaN.

Optical rules (reflectance in [0, 1]; ``before`` is the reference date when one is given):

- water (Zou et al. 2017, Sci. Total Environ. 595; 2018, PNAS 115(15)): open surface water where
  ``(MNDWI > NDVI or MNDWI > EVI) and EVI < 0.1``, i.e. margin
  ``min(MNDWI - min(NDVI, EVI), 0.1 - EVI)``. MNDWI alone (Xu 2006, threshold 0) also fires on wet
  soil and dark built-up surfaces; the vegetation indices remove them. With a reference: new water,
  ``min(margin_now, -margin_before)`` (water now and not water before).
- burn scar: with a reference dNBR = NBR_before - NBR_now above 0.1, the lower bound of "low
  severity" in Key & Benson 2006 (FIREMON, USDA RMRS-GTR-164-CD): margin ``dNBR - 0.1``. Without
  one, ``-NBR`` (SWIR2 above NIR, which live vegetation never shows; bare soil and built-up surfaces
  can too, so the single-date map is less specific).
- vegetation loss: with a reference an NDVI drop of at least 0.2 (margin ``NDVI_before - NDVI_now
  - 0.2``; 0.2 is the NDVI of sparse vegetation, so the drop spans at least the step from
  vegetated to sparse); without one, "not vegetated": ``0.2 - NDVI`` (NDVI below about 0.2 is
  bare ground, rock, sand or water, USGS).
- bare soil / construction: BSI above 0 (Rikimaru et al. 2002; margin ``BSI``); with a reference
  bare now and not before: ``min(BSI_now, -BSI_before)``.
- cloud: ``min(blue - 0.2, HOT)``: bright in the blue and positive on the haze-optimised
  transformation (the HOT test of Fmask, Zhu & Woodcock 2012). The same rule masks clouds out of
  every other concept.

SAR rule (backscatter in dB, water only): calm open water is a specular reflector, so it returns
little energy: VV below -15 dB and VH below -22 dB (the common range of fixed Sentinel-1 water
thresholds is -15 to -18 dB for VV and about -20 to -25 dB for VH; we take the least strict VV
value and a VH value inside its range). Margin: the mean over the polarisations present of
``(threshold - dB) / 10`` (one index unit per 10 dB). With a reference, new water also needs a drop
of at least 3 dB (a factor of 2 in power, the usual fixed change threshold):
``min(margin_now, (dB_before - dB_now - 3) / 10)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import indices

Bands = Mapping[str, np.ndarray]

WATER_EVI_MAX = 0.1
NBR_BURNED = 0.0
DNBR_BURNED = 0.1
NDVI_VEGETATED = 0.2
NDVI_DROP = 0.2
BSI_BARE = 0.0
CLOUD_BLUE = 0.2
SAR_WATER_DB = {"VV": -15.0, "VH": -22.0}
SAR_DROP_DB = 3.0
SAR_DB_PER_UNIT = 10.0

#: Optical bands each concept needs ("NIR" is B8, else B8A).
OPTICAL_NEEDS: dict[str, tuple[str, ...]] = {
    "water": ("B2", "B3", "B4", "NIR", "B11"),
    "burn": ("NIR", "B12"),
    "vegetation_loss": ("B4", "NIR"),
    "bare_soil": ("B2", "B4", "NIR", "B11"),
    "cloud": ("B2", "B4"),
}


def resolve_nir(available: set[str] | frozenset[str]) -> str | None:
    """The NIR band to use: B8 (10 m), else B8A."""
    return "B8" if "B8" in available else ("B8A" if "B8A" in available else None)


def missing_optical(concept: str, available: set[str] | frozenset[str]) -> list[str]:
    """The optical bands ``concept`` needs that are not ``available``."""
    nir = resolve_nir(available)
    need = [(nir or "B8") if b == "NIR" else b for b in OPTICAL_NEEDS[concept]]
    return [b for b in need if b not in available]


def _water(b: Bands) -> np.ndarray:
    nir = b[resolve_nir(set(b)) or "B8"]
    m = indices.mndwi(b["B3"], b["B11"])
    e = indices.evi(nir, b["B4"], b["B2"])
    veg = np.minimum(indices.ndvi(nir, b["B4"]), e)
    return np.minimum(m - veg, WATER_EVI_MAX - e)


def _nbr(b: Bands) -> np.ndarray:
    return indices.nbr(b[resolve_nir(set(b)) or "B8"], b["B12"])


def _ndvi(b: Bands) -> np.ndarray:
    return indices.ndvi(b[resolve_nir(set(b)) or "B8"], b["B4"])


def _bsi(b: Bands) -> np.ndarray:
    return indices.bsi(b["B11"], b["B4"], b[resolve_nir(set(b)) or "B8"], b["B2"])


def cloud_margin(b: Bands) -> np.ndarray:
    """``min(blue - 0.2, HOT)``: positive on clouds."""
    return np.minimum(b["B2"] - CLOUD_BLUE, indices.hot(b["B2"], b["B4"]))


def optical_margin(concept: str, now: Bands, before: Bands | None = None) -> np.ndarray:
    """The optical margin of ``concept`` (see the module docstring); ``before`` is ignored for
    clouds."""
    if concept == "water":
        w = _water(now)
        return w if before is None else np.minimum(w, -_water(before))
    if concept == "burn":
        if before is None:
            return NBR_BURNED - _nbr(now)
        return (_nbr(before) - _nbr(now)) - DNBR_BURNED
    if concept == "vegetation_loss":
        if before is None:
            return NDVI_VEGETATED - _ndvi(now)
        return (_ndvi(before) - _ndvi(now)) - NDVI_DROP
    if concept == "bare_soil":
        bare = _bsi(now) - BSI_BARE
        return bare if before is None else np.minimum(bare, -(_bsi(before) - BSI_BARE))
    if concept == "cloud":
        return cloud_margin(now)
    raise ValueError(f"unknown concept {concept!r}")


def _mean_over_pols(parts: list[np.ndarray]) -> np.ndarray:
    """Mean of the finite values of ``parts`` per pixel; NaN where none is finite."""
    stack = np.stack(parts)
    ok = np.isfinite(stack)
    count = ok.sum(axis=0)
    total = np.where(ok, stack, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total / count).astype(np.float32)


def sar_water_margin(now_db: Bands, before_db: Bands | None = None) -> np.ndarray:
    """The SAR water margin from dB backscatter per polarisation (see the module docstring)."""
    pols = [p for p in SAR_WATER_DB if p in now_db]
    now = _mean_over_pols([(SAR_WATER_DB[p] - now_db[p]) / SAR_DB_PER_UNIT for p in pols])
    if before_db is None:
        return now
    drop = _mean_over_pols([(before_db[p] - now_db[p] - SAR_DROP_DB) / SAR_DB_PER_UNIT for p in pols])
    return np.minimum(now, drop)
