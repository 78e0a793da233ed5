"""Raster inputs: inspect files, put them on one grid, read aligned windows.

Array convention (stated once for the whole backend): rasters are ``(bands, rows, cols)``; after
reading they are float32 with NaN wherever the source had nodata, NaN, infinity, or no coverage.
Nodata never becomes a value.

Complex rasters (SLC) are read only as the caller chooses (:data:`COMPLEX_MODES`): ``intensity``
``|z|^2`` or ``amplitude`` ``|z|``; never silently as their real part.

Every raster is aligned onto the grid of the first target (CRS, transform, size). Sources on that grid
already are read directly; the others go through a GDAL warped VRT (bilinear), so reads stay windowed
and memory does not grow with the raster's size.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import stat
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.enums import MaskFlags, Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioError, RasterioIOError
from rasterio.transform import Affine
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds
from rasterio.windows import Window

from .errors import AlignmentError, BandMismatchError, InputError, MissingFileError, NotARasterError

log = logging.getLogger(__name__)

#: GDAL's block cache (MB) while RareSight reads and writes rasters. Its default, 5 % of RAM, would
#: let memory grow with the raster (every block read stays cached).
GDAL_CACHE_MB = 128
# GDAL_NUM_THREADS (multi-threaded decoding) is left unset on purpose: a block that fails to decode
# in one of its threads is only logged, the read itself succeeds, and a truncated input would be
# scored as if whole (the reliability cases truncated-*).


def gdal_env() -> rasterio.Env:
    """The GDAL settings of RareSight's reads and writes: the block cache of ``GDAL_CACHE_MB``.

    rasterio hands an integer ``GDAL_CACHEMAX`` to GDAL in *bytes* (GDAL itself reads a small
    number as megabytes): given in megabytes, the cache held a few bytes, so that a window not
    aligned with the file's blocks decoded every block it touches again (a scoring tile and its
    halo; ``scripts/profile_scoring.py``, stage ``read rasters``, labels ``before-read-cache`` and
    ``read-cache``)."""
    return rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB * 2**20)


try:  # GDAL errors that rasterio raises as they are
    from rasterio._err import CPLE_BaseError
except ImportError:  # pragma: no cover - other rasterio layouts
    CPLE_BaseError = RasterioError
#: What a read of a damaged (e.g. truncated) file may raise.
READ_ERRORS: tuple[type[Exception], ...] = (RasterioError, RasterioIOError, CPLE_BaseError)

#: How complex values become real ones: the name and the function of ``z``.
COMPLEX_MODES = {"intensity": lambda z: np.abs(z) ** 2, "amplitude": np.abs}


def is_complex(dtype: str) -> bool:
    """True for GDAL's complex types (``complex64``, ``complex128``, ``complex_int16``...)."""
    return "complex" in str(dtype)


def check_complex(infos: Sequence[RasterInfo], mode: str) -> None:
    """Raise :class:`InputError` when an input is complex and ``mode`` does not say how to read it,
    or when ``mode`` is not one of :data:`COMPLEX_MODES` ("" = real inputs only)."""
    if mode and mode not in COMPLEX_MODES:
        raise InputError(f"Complex values are read as {' or '.join(COMPLEX_MODES)}, not {mode!r}.")
    for info in infos:
        if is_complex(info.dtype) and not mode:
            raise InputError(
                f"{info.path} holds complex values ({info.dtype}, e.g. SAR SLC): say how to read them with "
                "--complex intensity (|z|^2) or --complex amplitude (|z|)."
            )


@dataclass(frozen=True)
class Grid:
    """A pixel grid: CRS (None when not georeferenced), affine transform and size in pixels."""

    crs: CRS | None
    transform: Affine
    width: int
    height: int

    @property
    def georeferenced(self) -> bool:
        return self.crs is not None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in CRS units."""
        left, top = self.transform * (0, 0)
        right, bottom = self.transform * (self.width, self.height)
        return min(left, right), min(bottom, top), max(left, right), max(bottom, top)

    def same_as(self, other: Grid, tol_px: float = 1e-3) -> bool:
        """True when both grids have the same CRS and size and pixel corners agree within ``tol_px``."""
        if (self.width, self.height) != (other.width, other.height):
            return False
        if self.crs != other.crs:
            return False
        size = max(abs(self.transform.a), abs(self.transform.e), 1e-12)
        return all(abs(a - b) <= tol_px * size for a, b in zip(self.transform[:6], other.transform[:6]))

    def to_dict(self) -> dict:
        return {
            "crs": self.crs.to_wkt() if self.crs else None,
            "transform": list(self.transform[:6]),
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class RasterInfo:
    """What the backend needs to know about one input file."""

    path: str
    count: int
    dtype: str
    nodata: float | None
    grid: Grid
    descriptions: tuple[str | None, ...]
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "bands": self.count,
            "dtype": self.dtype,
            "nodata": None if self.nodata is None or math.isnan(self.nodata) else self.nodata,
            "band_names": list(self.descriptions) if any(self.descriptions) else None,
            "crs": self.grid.crs.to_string() if self.grid.crs else None,
        }


@contextlib.contextmanager
def open_raster(path: str | os.PathLike[str]) -> Iterator[rasterio.io.DatasetReader]:
    """Open ``path`` with rasterio, turning failures into one-line :mod:`errors`."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise MissingFileError(f"Input {path} does not exist: check the path.")
    if os.path.isdir(path):
        raise NotARasterError(f"Input {path} is a folder: give a raster file (e.g. a GeoTIFF).")
    if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device would block or never end
        raise NotARasterError(f"Input {path} is not a regular file (a pipe or a device): give a raster file.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            ds = rasterio.open(path)
    except READ_ERRORS as exc:
        raise NotARasterError(
            f"Input {path} is not a raster GDAL can read ({str(exc).splitlines()[0][:120]}): "
            "give a GeoTIFF or another GDAL raster."
        ) from None
    with ds:
        yield ds


def inspect_raster(path: str | os.PathLike[str]) -> RasterInfo:
    """Read the header of one raster file."""
    with open_raster(path) as ds:
        if ds.count == 0:
            raise NotARasterError(f"Input {path} has no raster band: give a raster file.")
        crs = ds.crs if ds.crs and (ds.crs.is_valid if hasattr(ds.crs, "is_valid") else True) else None
        if crs is not None and ds.transform.is_identity:
            crs = None
        return RasterInfo(
            path=os.fspath(path),
            count=ds.count,
            dtype=ds.dtypes[0],
            nodata=ds.nodata,
            grid=Grid(crs, ds.transform, ds.width, ds.height),
            descriptions=tuple(ds.descriptions),
            tags=dict(ds.tags()),
        )


def check_alignment(grid: Grid, infos: Sequence[RasterInfo]) -> None:
    """Raise :class:`AlignmentError` when a raster cannot be put on ``grid``.

    Non-georeferenced rasters are accepted (with a warning) only when every input has the grid's
    size; georeferenced ones must overlap the grid's footprint.
    """
    for info in infos:
        if not grid.georeferenced or not info.grid.georeferenced:
            if (info.grid.width, info.grid.height) != (grid.width, grid.height):
                raise AlignmentError(
                    f"{info.path} is {info.grid.width}x{info.grid.height} px and the inputs are not all "
                    f"georeferenced, so it cannot be aligned to the {grid.width}x{grid.height} px "
                    "first target: georeference the rasters or give rasters of one size."
                )
            continue
        b = transform_bounds(info.grid.crs, grid.crs, *info.grid.bounds, densify_pts=21)
        g = grid.bounds
        if b[0] >= g[2] or b[2] <= g[0] or b[1] >= g[3] or b[3] <= g[1]:
            raise AlignmentError(
                f"{info.path} does not overlap the first target {infos[0].path}: "
                "choose rasters that cover the same area."
            )


def check_band_counts(targets: Sequence[RasterInfo], references: Sequence[RasterInfo]) -> None:
    """Raise :class:`BandMismatchError` unless the references mirror the targets file by file."""
    if not references:
        return
    if len(references) != len(targets):
        raise BandMismatchError(
            f"{len(targets)} target raster(s) but {len(references)} reference raster(s): give one "
            "reference per target, in the same order (e.g. optical then SAR)."
        )
    for t, r in zip(targets, references):
        if t.count != r.count:
            raise BandMismatchError(
                f"Reference {r.path} has {r.count} band(s) but target {t.path} has {t.count}: "
                "give references of the same sensor and band set, in the same order as the targets."
            )


def warped_onto(ds: rasterio.io.DatasetReader, info: RasterInfo, grid: Grid) -> WarpedVRT:
    """``ds`` (described by ``info``) warped onto ``grid``, bilinear, NaN outside its footprint;
    complex values stay complex (they become real only once read, see :data:`COMPLEX_MODES`)."""
    return WarpedVRT(
        ds,
        crs=grid.crs,
        transform=grid.transform,
        width=grid.width,
        height=grid.height,
        resampling=Resampling.bilinear,
        src_nodata=info.nodata,
        nodata=float("nan"),
        dtype="complex64" if is_complex(info.dtype) else "float32",
    )


class AlignedStack:
    """Several rasters read as one ``(bands, rows, cols)`` float32 stack on a common grid.

    Use as a context manager; :meth:`read` returns NaN for nodata, NaN/inf values and areas outside
    a source's footprint.
    """

    def __init__(self, infos: Sequence[RasterInfo], grid: Grid, complex_mode: str = "") -> None:
        check_complex(infos, complex_mode)
        self.infos = list(infos)
        self.grid = grid
        self.complex_mode = complex_mode
        self.count = sum(i.count for i in self.infos)
        self._stack = contextlib.ExitStack()
        self._sources: list[rasterio.io.DatasetReaderBase] = []

    def __enter__(self) -> AlignedStack:
        for info in self.infos:
            ds = self._stack.enter_context(open_raster(info.path))
            if info.grid.same_as(self.grid) or not (info.grid.georeferenced and self.grid.georeferenced):
                self._sources.append(ds)
            else:
                self._sources.append(self._stack.enter_context(warped_onto(ds, info, self.grid)))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        self._sources.clear()

    def reopened(self) -> AlignedStack:
        """The same stack on handles of its own (entered; exit it when done): one per thread that
        reads, since a GDAL dataset handle must not be used from two threads at once. It opens and
        reads inside a GDAL environment of its thread's own (GDAL's error handler and block cache
        setting are per thread: without it a damaged block would print to stderr)."""
        stack = AlignedStack(self.infos, self.grid, self.complex_mode)
        stack._own_env = True
        with stack._env():
            return stack.__enter__()

    _own_env = False

    def _env(self):
        return gdal_env() if self._own_env else contextlib.nullcontext()

    def read(self, window: Window) -> np.ndarray:
        """Read ``window`` of every source, stacked: float32 ``(count, window rows, window cols)``."""
        with self._env():
            return self._read(window)

    def _read(self, window: Window) -> np.ndarray:
        parts = []
        for info, src in zip(self.infos, self._sources):
            try:
                parts.append(read_masked(src, window, self.complex_mode))
            except READ_ERRORS as exc:
                raise NotARasterError(
                    f"Cannot read {info.path} ({str(exc).splitlines()[0][:120]}): the file is truncated "
                    "or damaged; check it or export it again."
                ) from None
        return np.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]


def read_masked(src: rasterio.io.DatasetReaderBase, window: Window, complex_mode: str = "") -> np.ndarray:
    """Read one source's window as float32 with NaN where the source has no valid data.

    When every band's mask is only its nodata value (or nothing), the values are compared with the
    nodata value directly: GDAL's per-band mask computation would decompress each block once per
    band (ten times slower on a 13-band pixel-interleaved GeoTIFF). Real masks (a mask band, alpha)
    go through GDAL. Complex values become real by ``complex_mode`` (:data:`COMPLEX_MODES`).
    """
    flags = src.mask_flag_enums
    simple = all(set(f) <= {MaskFlags.nodata, MaskFlags.all_valid} for f in flags)
    to_real = COMPLEX_MODES[complex_mode] if any(is_complex(d) for d in src.dtypes) else None
    if not simple:
        data = src.read(window=window, masked=True)
        values = to_real(data.data) if to_real else data.data
        out = values.astype(np.float32)
        out[np.ma.getmaskarray(data)] = np.nan
    else:
        raw = src.read(window=window)
        out = (to_real(raw) if to_real else raw).astype(np.float32)
        for band, nodata in enumerate(src.nodatavals):
            if nodata is None or np.isnan(nodata):
                continue
            if np.issubdtype(raw.dtype, np.integer):
                info = np.iinfo(raw.dtype)
                if float(nodata).is_integer() and info.min <= nodata <= info.max:
                    out[band][raw[band] == int(nodata)] = np.nan
            else:
                out[band][raw[band] == nodata] = np.nan
    out[~np.isfinite(out)] = np.nan
    return out


def pixel_size_m(grid: Grid) -> float | None:
    """Ground size of a pixel in metres (geometric mean of its sides); None when not georeferenced.

    Projected CRSs use their linear unit; geographic ones are converted at the grid's centre
    latitude (1 degree of latitude = 110.574 km, of longitude = 111.320 km x cos(latitude)).
    """
    if not grid.georeferenced or grid.crs is None:
        return None
    sx = math.hypot(grid.transform.a, grid.transform.d)
    sy = math.hypot(grid.transform.b, grid.transform.e)
    if grid.crs.is_geographic:
        _, lat = grid.transform * (grid.width / 2, grid.height / 2)
        sx *= 111_320.0 * math.cos(math.radians(max(min(lat, 89.9), -89.9)))
        sy *= 110_574.0
    else:
        try:
            factor = grid.crs.linear_units_factor[1]
        except Exception:  # noqa: BLE001 - a CRS without a linear unit: assume metres
            factor = 1.0
        sx, sy = sx * factor, sy * factor
    size = math.sqrt(sx * sy)
    return size if size > 0 else None
