"""Context embeddings: where (location on the sphere) and when (season, year) an image was taken.

The vector conditions the generative models the way DiffusionSat and TerraMind condition on metadata:
a model fit on many scenes can learn that a snowy field is normal in January in the Alps and not in
July in Spain. For a model fit on one scene the vector is constant and changes nothing; it is stored
in the model card, and a reused model sees the new scene's vector.

Layout (``EMBED_DIM`` numbers): unit vector of (lat, lon) in 3-D (no seam at the antimeridian), the
day of year as a point on a circle, the year offset from 2015 in decades, and two flags saying
whether the location and the date are known (unknown parts are zeros).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

import numpy as np

from ..errors import InputError

EMBED_DIM = 8
_DATE_TAGS = (
    "ACQUISITION_DATE",
    "DATE_ACQUIRED",
    "SENSING_TIME",
    "DATATAKE_1_DATATAKE_SENSING_START",
    "PRODUCT_START_TIME",
    "TIFFTAG_DATETIME",
    "DATETIME",
    "acquisition_date",
)
_DATE_RE = re.compile(r"(19|20)\d\d[-:/]?(0[1-9]|1[0-2])[-:/]?(0[1-9]|[12]\d|3[01])")


def parse_date(text: str) -> date:
    """A date from text such as ``2019-03-21``, ``20190321`` or ``2019:03:21 10:00:00``.

    Raises:
        InputError: no date in ``text``.
    """
    m = _DATE_RE.search(str(text))
    if not m:
        raise InputError(f"Cannot read a date from {text!r}: write it as YYYY-MM-DD.")
    digits = re.sub(r"\D", "", m.group(0))
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def date_from_tags(tags: dict[str, str]) -> date | None:
    """The acquisition date in a raster's metadata tags, if any."""
    for key in _DATE_TAGS:
        for k, v in tags.items():
            if k.upper() == key.upper():
                try:
                    return parse_date(v)
                except InputError:
                    continue
    return None


def grid_lonlat(grid) -> tuple[float, float] | None:
    """(lon, lat) in degrees of the centre of a georeferenced :class:`~backend.raster.Grid`."""
    if not grid.georeferenced or grid.crs is None:
        return None
    from rasterio.warp import transform

    x, y = grid.transform * (grid.width / 2, grid.height / 2)
    try:
        lon, lat = transform(grid.crs, "EPSG:4326", [x], [y])
    except Exception:  # noqa: BLE001 - an exotic CRS only loses the location embedding
        return None
    return float(lon[0]), float(lat[0])


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
