"""Spectral indices of surface reflectance (unitless, float32 ``(rows, cols)``, NaN where an input
is NaN or a denominator is zero). Band names are Sentinel-2's.

=========  ===========================================================  ==============================
index      formula                                                      reference
=========  ===========================================================  ==============================
NDVI       (NIR - red) / (NIR + red)                                    Rouse et al. 1974
EVI        2.5 (NIR - red) / (NIR + 6 red - 7.5 blue + 1)               Huete et al. 2002
NDWI       (green - NIR) / (green + NIR)                                McFeeters 1996
MNDWI      (green - SWIR1) / (green + SWIR1)                            Xu 2006
NBR        (NIR - SWIR2) / (NIR + SWIR2)                                Key & Benson 2006
BSI        ((SWIR1 + red) - (NIR + blue)) / ((SWIR1 + red) + (NIR + blue))  Rikimaru et al. 2002
HOT        blue - 0.5 red - 0.08                                        Zhang et al. 2002 (as in Fmask)
=========  ===========================================================  ==============================

EVI and HOT need reflectance in [0, 1] (they hold additive constants); the normalised differences
do not depend on the scale.
"""

from __future__ import annotations

import numpy as np


def normalized_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(a - b) / (a + b)``; NaN where ``a + b == 0``."""
    total = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (a - b) / total
    out[total == 0] = np.nan
    return out.astype(np.float32, copy=False)


def ndvi(nir: np.ndarray, red: np.ndarray) -> np.ndarray:
    return normalized_difference(nir, red)


def evi(nir: np.ndarray, red: np.ndarray, blue: np.ndarray) -> np.ndarray:
    """EVI clipped to its physical range [-1, 1] (its denominator nears 0 over very bright blue
    surfaces such as clouds, where the ratio is meaningless)."""
    denom = nir + 6.0 * red - 7.5 * blue + 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 2.5 * (nir - red) / denom
    out[denom == 0] = np.nan
    return np.clip(out, -1.0, 1.0).astype(np.float32, copy=False)


def ndwi(green: np.ndarray, nir: np.ndarray) -> np.ndarray:
    return normalized_difference(green, nir)


def mndwi(green: np.ndarray, swir1: np.ndarray) -> np.ndarray:
    return normalized_difference(green, swir1)


def nbr(nir: np.ndarray, swir2: np.ndarray) -> np.ndarray:
    return normalized_difference(nir, swir2)


def bsi(swir1: np.ndarray, red: np.ndarray, nir: np.ndarray, blue: np.ndarray) -> np.ndarray:
    return normalized_difference(swir1 + red, nir + blue)


def hot(blue: np.ndarray, red: np.ndarray) -> np.ndarray:
    """Haze-optimised transformation: positive over haze and cloud (Fmask's HOT test)."""
    return (blue - 0.5 * red - 0.08).astype(np.float32, copy=False)
