"""Scene metadata: when (acquisition date) and where (location) a raster was taken.

Read from the raster's metadata tags and grid; the generative models embed them
(:mod:`backend.generative.context`), and any detector may read them from its input layout.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    from .raster import Grid

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


def grid_lonlat(grid: Grid) -> tuple[float, float] | None:
    """(lon, lat) in degrees of the centre of a georeferenced grid, else None."""
    if not grid.georeferenced or grid.crs is None:
        return None
    from rasterio.warp import transform

    x, y = grid.transform * (grid.width / 2, grid.height / 2)
    try:
        lon, lat = transform(grid.crs, "EPSG:4326", [x], [y])
    except Exception:  # noqa: BLE001 - an exotic CRS only loses the location embedding
        return None
    return float(lon[0]), float(lat[0])
