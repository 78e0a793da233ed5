"""Context embeddings: where (location on the sphere) and when (season, year) an image was taken.

The vector conditions the generative models the way DiffusionSat and TerraMind condition on metadata:
a model fit on many scenes can learn that a snowy field is normal in January in the Alps and not in
July in Spain. For a model fit on one scene the vector is constant and changes nothing; it is stored
in the model card, and a reused model sees the new scene's vector.

Layout (``EMBED_DIM`` numbers): unit vector of (lat, lon) in 3-D (no seam at the antimeridian), the
day of year as a point on a circle, the year offset from 2015 in decades, and two flags saying
whether the location and the date are known (unknown parts are zeros). The date and location of a
scene are read by :mod:`backend.scene`.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np

EMBED_DIM = 8


def context_vector(lonlat: tuple[float, float] | None, when: date | datetime | None) -> np.ndarray:
    """The float32 embedding ``(EMBED_DIM,)`` of a location and a date (either may be None)."""
    v = np.zeros(EMBED_DIM, np.float32)
    if lonlat is not None:
        lon, lat = (math.radians(a) for a in lonlat)
        v[0:3] = (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))
        v[6] = 1.0
    if when is not None:
        doy = when.timetuple().tm_yday
        angle = 2 * math.pi * (doy - 1) / 365.25
        v[3:5] = (math.sin(angle), math.cos(angle))
        v[5] = (when.year + (doy - 1) / 365.25 - 2015.0) / 10.0
        v[7] = 1.0
    return v
