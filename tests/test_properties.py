"""Property-based tests: random small rasters through score -> mask -> polygonize -> quicklook.

Hypothesis draws hostile but plausible inputs (every GDAL data type we read, complex included;
NaN, inf and nodata patterns; shapes down to 1 x 1; north-up, south-up, rotated, geographic and
non-georeferenced grids; references in another CRS; outputs that collide with the inputs) and
checks one invariant for every command, whatever the input:

* either exit 0 with valid outputs (score: a float32 single band on the first target's grid and a
  sidecar JSON; mask: uint8 with values in {0, 1, 255}; a GeoPackage that opens; a PNG), and on
  stderr at most ``raresight: WARNING: ...`` lines;
* or exit 2, exactly one stderr line ``raresight: error: ...``, nothing on stdout and the output
  folder exactly as it was (no output file, an existing file at ``-o`` untouched);
* in both cases every file that was there before (inputs, sidecars, earlier results) is unchanged
  byte for byte (sha256), no traceback, no ``.part`` leftover, no stray new file.

Plus the rules of the degenerate cases (see docs/RELIABILITY.md and issue 16): a pixel is anomalous
iff ``score > threshold``; a threshold taken from a false-alarm rate ``A`` flags at most ``A`` of
its calibration sample, ties included; a constant image or an identical pair flags nothing and
warns; complex input needs ``--complex``; a background band that does not exist is an error.

The CLI runs in-process (``backend.cli.main``) for speed, its stdout and stderr captured at the
file-descriptor level, so that what C libraries (GDAL, PROJ) print is caught too.

Profiles (environment variable ``RARESIGHT_HYPOTHESIS``):

* ``ci`` (default): a fixed seed (``derandomize``) and a set number of examples, about a minute on
  two cores;
* ``quick``: the same seed, a quarter of the examples (``scripts/test.sh --quick`` sets it);
* ``deep``: 20 times more examples, a new random seed each run (printed with any failure so that
  it can be replayed with ``@reproduce_failure``), e.g.
  ``RARESIGHT_HYPOTHESIS=deep pytest tests/test_properties.py``.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import hashlib
import json
import logging
import math
import os
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import traceback
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import rasterio
import rasters
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from rasterio.crs import CRS
from rasterio.transform import Affine
from rasterio.warp import transform as warp_points

from backend import cli

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CLASSICAL = ("rx", "lrx", "cva", "logratio", "gauss-ref")
PAIR_METHODS = ("cva", "logratio")  # compare two dates pixel by pixel
NEEDS_REFERENCE = ("cva", "logratio", "gauss-ref")
SINGLE_IMAGE_ANOMALY = ("rx", "lrx", "diffusion")  # a constant image flags nothing under these
#: A micro generative configuration (about a second on a 40 x 40 raster).
MICRO_DIFFUSION = {"steps": 20, "hidden": 8, "depth": 1, "components": 2, "batch": 2, "patch": 8}
#: False-alarm rates of the sidecar table (1e-6 .. 0.5); 0.9 is outside it (an error).
RATES = (0.01, 0.001, 0.5, 0.9)

# --------------------------------------------------------------------------------------------------
# profiles

_COMMON = dict(
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile("ci", max_examples=20, derandomize=True, **_COMMON)
settings.register_profile("quick", max_examples=5, derandomize=True, **_COMMON)
settings.register_profile("deep", max_examples=400, derandomize=False, **_COMMON)
PROFILE_NAME = os.environ.get("RARESIGHT_HYPOTHESIS", "ci")
PROFILE = settings.get_profile(PROFILE_NAME)
SCALE = PROFILE.max_examples / 20  # examples per test relative to the ci profile


def examples(n_ci: int) -> settings:
    """The active profile with ``n_ci`` examples in ci (scaled up in deep)."""
    return settings(PROFILE, max_examples=max(1, round(n_ci * SCALE)))


# --------------------------------------------------------------------------------------------------
# the CLI, in-process


@dataclass
class Result:
    argv: list[str]
    code: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return f"raresight {' '.join(map(repr, self.argv))}\nexit {self.code}\nstdout: {self.stdout}\nstderr: {self.stderr}"


def _print_warning(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _fresh_process_warnings() -> None:
    """The warning filters and printer of a fresh ``python -m backend`` (pytest records warnings
    instead of printing them, which would hide them from stderr). Call inside
    ``warnings.catch_warnings()``, which restores both."""
    warnings.resetwarnings()
    warnings.simplefilter("default")
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
        warnings.simplefilter("ignore", category)
    warnings.showwarning = _print_warning


def _flush_c_stdio() -> None:
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).fflush(None)


def call_cli(argv: Sequence[str]) -> Result:
    """``backend.cli.main(argv)`` with stdout and stderr captured at the file-descriptor level.

    The root logger's handlers are removed for the call (so that the CLI's ``logging.basicConfig``
    installs its stderr handler as in a fresh process) and restored after it, as are the loggers'
    levels, ``logging.captureWarnings``, the SIGINT and SIGTERM handlers and the warning filters. An exception escaping ``main`` is printed as Python
    would print it (a traceback, exit 1); ``SystemExit`` (argparse) gives its code.
    """
    argv = [str(a) for a in argv]
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {
        name: logger.level
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    # a fresh process has not routed warnings to logging yet (logging.captureWarnings)
    saved_capture = getattr(logging, "_warnings_showwarning", None)
    logging._warnings_showwarning = None
    saved_signals = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    sys.stdout.flush()
    sys.stderr.flush()
    _flush_c_stdio()
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        saved_fds = os.dup(1), os.dup(2)
        saved_py = sys.stdout, sys.stderr
        os.dup2(out_f.fileno(), 1)
        os.dup2(err_f.fileno(), 2)
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", buffering=1, closefd=False)  # noqa: SIM115
        root.handlers = []
        interrupted = None
        try:
            with warnings.catch_warnings():
                _fresh_process_warnings()
                try:
                    code = cli.main(argv)
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                    if isinstance(exc.code, str):
                        print(exc.code, file=sys.stderr)
                except KeyboardInterrupt as exc:  # the developer's Ctrl-C: re-raised below
                    interrupted, code = exc, 130
                except BaseException:  # noqa: BLE001 - what a real process would print
                    traceback.print_exc()
                    code = 1
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            _flush_c_stdio()
            for handler in root.handlers:
                if handler not in saved_handlers:
                    with contextlib.suppress(Exception):
                        handler.close()
            root.handlers = saved_handlers
            root.setLevel(saved_level)
            for name, logger in list(logging.Logger.manager.loggerDict.items()):
                if isinstance(logger, logging.Logger):
                    logger.setLevel(saved_levels.get(name, logging.NOTSET))
            logging._warnings_showwarning = saved_capture
            with contextlib.suppress(Exception):
                sys.stdout.close()
                sys.stderr.close()
            sys.stdout, sys.stderr = saved_py
            os.dup2(saved_fds[0], 1)
            os.dup2(saved_fds[1], 2)
            os.close(saved_fds[0])
            os.close(saved_fds[1])
            for sig, handler in saved_signals.items():
                with contextlib.suppress(Exception):
                    signal.signal(sig, handler)
        if interrupted is not None:
            raise interrupted
        out_f.seek(0)
        err_f.seek(0)
        stdout = out_f.read().decode("utf-8", "replace")
        stderr = err_f.read().decode("utf-8", "replace")
    result = Result(argv, code if isinstance(code, int) else 1, stdout, stderr)
    with contextlib.suppress(Exception):  # outside a Hypothesis test there is nothing to note
        note(str(result))
    return result


def stderr_lines(res: Result) -> list[str]:
    return [line for line in res.stderr.splitlines() if line.strip()]


def assert_clean_success(res: Result) -> None:
    """Exit 0; stderr holds ``raresight: WARNING:`` lines at most (no GDAL ERROR, no numpy
    RuntimeWarning, no traceback)."""
    assert res.code == 0, f"expected success\n{res}"
    bad = [line for line in stderr_lines(res) if not line.startswith("raresight: WARNING:")]
    assert not bad, f"stderr of a successful run holds more than warnings: {bad}\n{res}"


def assert_one_line_error(res: Result) -> str:
    """Exit 2, stderr exactly one ``raresight: error:`` line, nothing on stdout."""
    assert "Traceback" not in res.stderr, f"traceback\n{res}"
    assert res.code == 2, f"expected exit 2\n{res}"
    lines = stderr_lines(res)
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}\n{res}"
    assert lines[0].startswith("raresight: error:"), f"not a raresight error line\n{res}"
    assert len(lines[0]) > len("raresight: error: ") + 10, f"the message says nothing\n{res}"
    assert res.stdout.strip() == "", f"stdout on failure\n{res}"
    return lines[0]


# --------------------------------------------------------------------------------------------------
# the output folder, before and after


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (hidden ones included) -> its sha256, link target or kind."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root, name)
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                out[rel] = "symlink -> " + os.readlink(p)
            elif p.is_dir():
                out[rel] = "folder"
            elif p.is_file():
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                out[rel] = "special"
    return out


def check_folder(
    res: Result,
    before: dict[str, str],
    after: dict[str, str],
    outputs: Sequence[str],
    replaceable: Sequence[str] = (),
) -> None:
    """The folder invariant of one command (see the module docstring).

    ``outputs``: the entries the command may create on success (its -o and sidecar);
    ``replaceable``: entries that existed and that it may replace (a 0-byte file at -o).
    """
    leftovers = [name for name in after if ".part" in Path(name).name]
    assert not leftovers, f"temporary files left behind: {leftovers}\n{res}"
    if res.code != 0:
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        assert not changed, f"a failed run changed the folder: {changed}\n{res}"
        return
    for name, digest in before.items():
        if name not in replaceable:
            assert after.get(name) == digest, f"a successful run changed the existing file {name}\n{res}"
    new = sorted(set(after) - set(before) - set(outputs))
    assert not new, f"unexpected new file(s) {new}\n{res}"
    missing = [name for name in outputs if name not in after]
    assert not missing, f"exit 0 but no output {missing}\n{res}"


# --------------------------------------------------------------------------------------------------
# rasters

DTYPES = ("float32", "uint8", "int16", "uint16", "int32", "float64", "complex64")
PATTERNS = ("noise", "constant", "mostly-one", "ramp", "extremes")
GRIDS = ("north-up", "north-up", "south-up", "rotated", "geographic", "no-crs", "transform-no-crs")
GEOGRAPHIC = CRS.from_epsg(4326)
_LON, _LAT = (v[0] for v in warp_points(rasters.UTM31, GEOGRAPHIC, [rasters.ORIGIN[0]], [rasters.ORIGIN[1]]))
DEG_PX = 1e-4  # about 10 m


def grid_of(kind: str, rows: int, cols: int, angle: float = 30.0):
    """(crs, transform) of a grid kind; all but "elsewhere" cover the same ground near ORIGIN."""
    x0, y0 = rasters.ORIGIN
    px = rasters.PIXEL_M
    if kind == "north-up":
        return rasters.UTM31, Affine(px, 0, x0, 0, -px, y0)
    if kind == "south-up":
        return rasters.UTM31, Affine(px, 0, x0, 0, px, y0 - rows * px)
    if kind == "rotated":
        return rasters.UTM31, Affine.translation(x0, y0) * Affine.rotation(angle) * Affine.scale(px, -px)
    if kind == "geographic":
        return GEOGRAPHIC, Affine(DEG_PX, 0, _LON, 0, -DEG_PX, _LAT)
    if kind == "no-crs":
        return None, None
    if kind == "transform-no-crs":
        return None, Affine(px, 0, x0, 0, -px, y0)
    if kind == "elsewhere":  # 1000 km east: overlaps nothing
        return rasters.UTM31, Affine(px, 0, x0 + 1e6, 0, -px, y0)
    raise ValueError(kind)


@dataclass(frozen=True)
class RasterSpec:
    dtype: str
    bands: int
    rows: int
    cols: int
    pattern: str
    seed: int
    magnitude: float = 1.0  # floats: values scaled by this
    nan_frac: float = 0.0  # floats and complex
    inf_frac: float = 0.0
    nodata: float | None = None
    nodata_frac: float = 0.0
    grid: str = "north-up"
    angle: float = 30.0

    @property
    def is_complex(self) -> bool:
        return self.dtype.startswith("complex")


def _range(dtype: str) -> tuple[float, float]:
    if dtype.startswith("complex"):
        dtype = "float32"
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "ui" else np.finfo(dtype)
    return float(info.min), float(info.max)


def _centre_spread(spec: RasterSpec) -> tuple[float, float]:
    return {
        "uint8": (128.0, 40.0),
        "int16": (0.0, 3000.0),
        "uint16": (2000.0, 500.0),
        "int32": (0.0, 1e6),
    }.get(spec.dtype, (100.0 * spec.magnitude, 10.0 * spec.magnitude))


def _real_pattern(spec: RasterSpec, rng: np.random.Generator) -> np.ndarray:
    shape = (spec.bands, spec.rows, spec.cols)
    centre, spread = _centre_spread(spec)
    lo, hi = _range(spec.dtype)
    if spec.pattern == "noise":
        return rng.normal(centre, spread, shape)
    if spec.pattern == "extremes":
        return rng.choice(np.array([lo, hi, 0.0 if lo < 0 else lo]), shape)
    if spec.pattern == "ramp":  # crosses zero for signed types
        ramp = np.linspace(-1.0, 1.0, spec.rows * spec.cols).reshape(spec.rows, spec.cols)
        return np.stack(
            [centre * (spec.dtype[0] == "u") + spread * (b + 1) * ramp for b in range(spec.bands)]
        )
    constant = np.broadcast_to(
        rng.uniform(centre - spread, centre + spread, (spec.bands, 1, 1)), shape
    ).copy()
    if spec.pattern == "mostly-one":
        odd = rng.random((spec.rows, spec.cols)) < 0.03
        constant[:, odd] = rng.normal(centre, spread, (spec.bands, int(odd.sum())))
    return constant


def make_array(spec: RasterSpec) -> np.ndarray:
    """The pixels of ``spec``, (bands, rows, cols) of its dtype, with its NaN/inf/nodata pixels."""
    rng = np.random.default_rng(spec.seed)
    x = _real_pattern(spec, rng)
    lo, hi = _range(spec.dtype)
    if spec.is_complex:
        y = _real_pattern(spec, rng) if spec.pattern != "constant" else x * 0.5
        with np.errstate(over="ignore", invalid="ignore"):
            data = (np.clip(x, lo, hi) + 1j * np.clip(y, lo, hi)).astype(spec.dtype)
    elif np.dtype(spec.dtype).kind in "ui":
        data = np.clip(np.rint(x), lo, hi).astype(spec.dtype)
    else:
        with np.errstate(over="ignore"):
            data = np.clip(x, lo, hi).astype(spec.dtype)
    shape = data.shape
    if spec.nan_frac:
        data[rng.random(shape) < spec.nan_frac] = np.nan
    if spec.inf_frac:
        where = rng.random(shape) < spec.inf_frac
        data[where] = np.where(rng.random(int(where.sum())) < 0.5, np.inf, -np.inf)
    if spec.nodata is not None and spec.nodata_frac:
        data[:, rng.random(shape[1:]) < spec.nodata_frac] = spec.nodata
    return data


def write_raster(path: Path, data: np.ndarray, spec: RasterSpec, grid: str | None = None) -> Path:
    crs, transform = grid_of(grid or spec.grid, data.shape[1], data.shape[2], spec.angle)
    return rasters.write(path, data, crs, transform, spec.nodata)


def valid_pixels(data: np.ndarray, nodata: float | None) -> np.ndarray:
    """bool (rows, cols): every band finite and not the nodata value."""
    ok = np.isfinite(data).all(axis=0)
    if nodata is not None and not math.isnan(nodata):
        ok &= (data != nodata).all(axis=0)
    return ok


def is_constant(data: np.ndarray, nodata: float | None) -> bool:
    """True when the valid pixels exist and each band holds one value over them."""
    ok = valid_pixels(data, nodata)
    return bool(ok.any()) and all(np.unique(band[ok]).size == 1 for band in data)


def _nodata_choices(dtype: str) -> tuple:
    if dtype.startswith("complex"):
        return (None, 0.0)
    lo, hi = _range(dtype)
    choices: tuple = (None, 0.0, hi)
    if lo < 0:
        choices += (-9999.0,)
    if dtype.startswith("float"):
        choices += (float("nan"),)
    return choices


def _side(max_side: int) -> st.SearchStrategy[int]:
    """1 .. max_side, half of the time at least 10 (enough pixels to calibrate)."""
    return st.integers(1, max_side) | st.integers(min(10, max_side), max_side)


@st.composite
def raster_specs(draw, max_side: int = 40, rows: int | None = None, cols: int | None = None, bands=None):
    """A raster; the hostile features (NaN, inf, nodata, odd grids) each in a minority of draws, so
    that about half of the pipelines get past ``score``."""
    dtype = draw(st.sampled_from(DTYPES))
    is_float = dtype.startswith("float")
    has_nan = is_float or dtype.startswith("complex")
    nodata = draw(st.sampled_from(_nodata_choices(dtype)))
    return RasterSpec(
        dtype=dtype,
        bands=bands or draw(st.integers(1, 4)),
        rows=rows or draw(_side(max_side)),
        cols=cols or draw(_side(max_side)),
        pattern=draw(st.sampled_from(PATTERNS)),
        seed=draw(st.integers(0, 2**16 - 1)),
        magnitude=draw(st.sampled_from((1.0, 1.0, 1e-20, 1e20))) if is_float else 1.0,
        nan_frac=draw(st.sampled_from((0.0, 0.0, 0.0, 0.1, 0.5, 1.0))) if has_nan else 0.0,
        inf_frac=draw(st.sampled_from((0.0, 0.0, 0.0, 0.05, 1.0))) if has_nan else 0.0,
        nodata=nodata,
        nodata_frac=draw(st.sampled_from((0.0, 0.0, 0.2, 1.0))) if nodata is not None else 0.0,
        grid=draw(st.sampled_from(GRIDS)),
        angle=draw(st.sampled_from((30.0, 90.0, 180.0, -7.5))),
    )


# --------------------------------------------------------------------------------------------------
# cases

#: -o of score: a fresh name, or a collision with the inputs or an existing file.
SCORE_OUTPUTS = (
    "fresh",
    "existing-empty",  # a 0-byte file: may be replaced
    "target",
    "target-sidecar",  # -o target.tif.json (a user's JSON beside the target)
    "reference",
    "sidecar-is-reference",  # the reference is named score.tif.json: the score's sidecar would hit it
    "symlink-to-target",
    "hardlink-to-target",
    "existing-foreign",  # a user's GeoTIFF at -o
    "folder",  # a folder named score.tif
    "empty",
    "wrong-extension",
)
#: -o of mask / polygonize / quicklook.
PRODUCT_OUTPUTS = (
    "fresh",
    "existing-empty",
    "score",
    "score-sidecar",
    "target",
    "reference",
    "background",
    "symlink-to-score",
    "hardlink-to-score",
    "existing-foreign",  # a copy of the target under the output's name
    "existing-score",  # a RareSight result of another kind under the output's name
    "folder",
    "empty",
    "wrong-extension",
)
MAY_SUCCEED = ("fresh", "existing-empty")
THRESHOLDS = ("default", "rate", "median", "max", "min", "zero", "negative", "huge", "nan", "inf")


@dataclass(frozen=True)
class Product:
    """One downstream command on the score."""

    command: str  # mask | polygonize | quicklook
    output: str = "fresh"
    threshold: str = "default"
    rate: float = 0.01
    background: str | None = None  # quicklook: target | reference | elsewhere
    bands: str | None = None  # quicklook --bands
    min_area_m2: float = 0.0
    simplify_m: float = 0.0


@dataclass(frozen=True)
class Case:
    target: RasterSpec
    second_target: RasterSpec | None = None
    reference: str | None = None  # copy | perturbed | independent
    reference_spec: RasterSpec | None = None  # for "independent"
    reference_grid: str = "same"  # same | one of GRIDS | elsewhere
    target_name: str = "target.tif"
    complex_mode: str | None = None
    tile: int | None = None
    overlap: int = 0
    score_output: str = "fresh"
    products: tuple[Product, ...] = field(default_factory=tuple)


@st.composite
def products(draw, command: str, collide: bool = False):
    outputs = [o for o in PRODUCT_OUTPUTS if o not in MAY_SUCCEED] if collide else PRODUCT_OUTPUTS
    threshold = draw(st.sampled_from(THRESHOLDS[:3]) | st.sampled_from(THRESHOLDS))
    quick = command == "quicklook"
    poly = command == "polygonize"
    return Product(
        command=command,
        output=draw(st.sampled_from(outputs[:1]) | st.sampled_from(outputs)),
        threshold=threshold,
        rate=draw(st.sampled_from(RATES)) if threshold == "rate" else 0.01,
        background=draw(st.sampled_from((None, "target", "reference", "elsewhere"))) if quick else None,
        bands=draw(st.sampled_from((None, "1", "1,1,1", "3,2,1", "4,3,2", "9,1,1"))) if quick else None,
        min_area_m2=draw(st.sampled_from((0.0, 0.0, 150.0, -1.0))) if poly else 0.0,
        simplify_m=draw(st.sampled_from((0.0, 5.0))) if poly else 0.0,
    )


@st.composite
def cases(draw, method: str, max_side: int = 40, collide: bool = False):
    target = draw(raster_specs(max_side=max_side))
    second = None
    if draw(st.sampled_from((False, False, False, True))):
        second = draw(raster_specs(rows=target.rows, cols=target.cols))
        second = dataclasses.replace(second, grid=target.grid, angle=target.angle)
    needs_reference = method in NEEDS_REFERENCE
    reference = draw(
        st.sampled_from(
            ("perturbed", "copy", "independent") if needs_reference else (None, None, "perturbed")
        )
    )
    reference_spec = None
    if reference == "independent":
        same_shape = draw(st.booleans())
        reference_spec = draw(
            raster_specs(
                max_side=max_side,
                rows=target.rows if same_shape else None,
                cols=target.cols if same_shape else None,
                bands=target.bands if draw(st.booleans()) else None,
            )
        )
    reference_grid = "same"
    if reference is not None:
        reference_grid = draw(st.sampled_from(("same", "same", *GRIDS, "elsewhere")))
    score_outputs = [o for o in SCORE_OUTPUTS if o not in MAY_SUCCEED] if collide else SCORE_OUTPUTS
    tile = draw(st.sampled_from((None, 16, 24)))
    return Case(
        target=target,
        second_target=second,
        reference=reference,
        reference_spec=reference_spec,
        reference_grid=reference_grid,
        target_name=draw(st.sampled_from(("target.tif", "Target Scene.TIFF", "target.png"))),
        complex_mode=draw(st.sampled_from((None, "intensity"))),
        tile=tile,
        overlap=draw(st.sampled_from((0, 4, 8))) if tile else 0,
        score_output=draw(st.sampled_from(score_outputs[:1]) | st.sampled_from(score_outputs)),
        products=tuple(draw(products(c, collide)) for c in ("mask", "polygonize", "quicklook")),
    )


# --------------------------------------------------------------------------------------------------
# the pipeline


@dataclass
class World:
    folder: Path
    targets: list[Path]
    target_data: list[np.ndarray]
    references: list[Path]
    reference_identical: bool  # a pixel-for-pixel copy of the target on its grid
    elsewhere: Path  # a raster that overlaps nothing


def _perturb(data: np.ndarray, spec: RasterSpec) -> np.ndarray:
    rng = np.random.default_rng(spec.seed + 1)
    if spec.is_complex:
        return (data + (rng.normal(0, 1, data.shape) * (1 + 1j))).astype(data.dtype)
    if data.dtype.kind in "ui":
        lo, hi = _range(data.dtype.name)
        return np.clip(data.astype(np.float64) + rng.integers(-2, 3, data.shape), lo, hi).astype(data.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        return (data * (1 + rng.normal(0, 0.01, data.shape))).astype(data.dtype)


def build_world(folder: Path, case: Case) -> World:
    spec = case.target
    data = make_array(spec)
    targets = [write_raster(folder / case.target_name, data, spec)]
    target_data = [data]
    specs = [spec]
    if case.second_target is not None:
        d2 = make_array(case.second_target)
        targets.append(write_raster(folder / "second.tif", d2, case.second_target))
        target_data.append(d2)
        specs.append(case.second_target)
    references = []
    if case.reference is not None:
        ref_name = "score.tif.json" if case.score_output == "sidecar-is-reference" else "reference.tif"
        for i, (s, d) in enumerate(zip(specs, target_data)):
            grid = s.grid if case.reference_grid == "same" else case.reference_grid
            if case.reference == "copy":
                rs, rd = s, d.copy()
            elif case.reference == "perturbed":
                rs, rd = s, _perturb(d, s)
            else:
                rs = case.reference_spec if i == 0 else s
                rd = make_array(rs) if i == 0 else _perturb(d, s)
            name = ref_name if i == 0 else f"reference{i + 1}.tif"
            references.append(write_raster(folder / name, rd, rs, grid))
    identical = case.reference == "copy" and case.reference_grid == "same" and case.second_target is None
    far = RasterSpec("uint16", 3, 8, 8, "noise", 5, grid="elsewhere")
    elsewhere = write_raster(folder / "elsewhere.tif", make_array(far), far)
    if case.score_output == "target-sidecar":  # a user's own JSON beside the target
        Path(str(targets[0]) + ".json").write_text('{"note": "my metadata"}\n', encoding="utf-8")
    return World(folder, targets, target_data, references, identical, elsewhere)


def _prepare_output(
    world: World, choice: str, default: str, inputs: dict[str, Path | None]
) -> tuple[str, list[str]]:
    """Make ``choice`` true in the folder; return the -o argument and what may be replaced."""
    folder = world.folder
    fresh = folder / default
    if choice in ("fresh",):
        return str(fresh), []
    if choice == "existing-empty":
        fresh.write_bytes(b"")
        return str(fresh), [default]
    if choice == "empty":
        return "", []
    if choice == "folder":
        fresh.mkdir()
        return str(fresh), []
    if choice == "wrong-extension":
        return str(fresh.with_suffix({".tif": ".png", ".png": ".tif", ".gpkg": ".tif"}[fresh.suffix])), []
    if choice == "existing-foreign":
        shutil.copyfile(world.targets[0], fresh)
        return str(fresh), []
    if choice == "existing-score":
        shutil.copyfile(inputs["score"], fresh)
        return str(fresh), []
    if choice.startswith(("symlink-to-", "hardlink-to-")):
        source = inputs[choice.split("-to-")[1]]
        (os.symlink if choice.startswith("symlink") else os.link)(source, fresh)
        return str(fresh), []
    if choice.endswith("-sidecar"):
        return str(inputs[choice[: -len("-sidecar")]]) + ".json", []
    if choice == "sidecar-is-reference":
        return str(fresh), []
    source = inputs.get(choice)
    return (str(source), []) if source is not None else (str(fresh), [])


def _read_score(path: Path) -> np.ndarray:
    with rasterio.open(path) as ds:
        s = ds.read(1).astype(np.float64)
        if ds.nodata is not None and not math.isnan(ds.nodata):
            s[s == ds.nodata] = np.nan
    s[~np.isfinite(s)] = np.nan
    return s


def check_score_outputs(res: Result, out: Path, world: World) -> dict:
    with rasterio.open(world.targets[0]) as t, rasterio.open(out) as s:
        assert s.count == 1, f"score has {s.count} bands\n{res}"
        assert s.dtypes[0] == "float32", f"score is {s.dtypes[0]}\n{res}"
        assert (s.height, s.width) == (t.height, t.width), f"score is not on the first target's grid\n{res}"
        assert s.crs == t.crs, f"score CRS {s.crs} != target CRS {t.crs}\n{res}"
        assert s.transform.almost_equals(
            t.transform
        ), f"score transform {s.transform} != {t.transform}\n{res}"
    side_path = Path(str(out) + ".json")
    assert side_path.is_file(), f"no sidecar {side_path}\n{res}"
    side = json.loads(side_path.read_text(encoding="utf-8"))
    assert isinstance(side, dict) and str(side.get("format", "")).startswith("raresight-score/"), res
    return side


def _threshold_args(product: Product, score: np.ndarray) -> tuple[list[str], float | None]:
    """CLI arguments of the product's threshold and its exact value (None: from the sidecar)."""
    finite = score[np.isfinite(score)]
    if product.threshold == "default":
        return [], None
    if product.threshold == "rate":
        return ["--false-alarm-rate", repr(product.rate)], None
    fixed = {"zero": 0.0, "negative": -1.0, "huge": 3.0e38, "nan": float("nan"), "inf": float("inf")}
    if product.threshold in fixed:
        value = fixed[product.threshold]
    elif finite.size == 0:
        value = 0.0
    else:  # a score value itself (exact in float32): a tie
        value = {"median": float(np.median(finite)), "max": float(finite.max()), "min": float(finite.min())}[
            product.threshold
        ]
        value = float(np.float32(value))
    return ["--threshold", repr(value)], value


def _rate_of(product: Product, side: dict) -> float | None:
    """The false-alarm rate behind the product's threshold, when it comes from the target's own
    calibration sample (so that at most that share of the valid scores may be flagged)."""
    cal = side.get("calibration", {})
    if cal.get("source") != "target-bulk":
        return None
    if product.threshold == "rate":
        return product.rate
    if product.threshold == "default" and side.get("default_threshold_source") == "false-alarm-rate":
        return float(side["default_false_alarm_rate"])
    return None


def check_mask(
    res: Result, out: Path, score_path: Path, score: np.ndarray, threshold, rate, constant
) -> None:
    with rasterio.open(out) as m, rasterio.open(score_path) as s:
        assert m.count == 1 and m.dtypes[0] == "uint8", f"mask is {m.count} x {m.dtypes}\n{res}"
        assert (m.height, m.width) == (s.height, s.width), f"mask is not on the score's grid\n{res}"
        assert m.crs == s.crs and m.transform.almost_equals(s.transform), f"mask grid differs\n{res}"
        mask = m.read(1)
    values = set(np.unique(mask).tolist())
    assert values <= {0, 1, 255}, f"mask values {values}\n{res}"
    valid = np.isfinite(score)
    assert np.array_equal(mask == 255, ~valid), f"255 is not exactly where the score is NaN\n{res}"
    ones = int((mask == 1).sum())
    if threshold is not None:
        expected = valid & (score > threshold)
        wrong = int((expected != (mask == 1)).sum())
        assert wrong == 0, f"{wrong} px where mask != (score > {threshold!r}) (strict)\n{res}"
    if rate is not None:
        n = int(valid.sum())
        assert ones <= math.ceil(
            rate * n
        ), f"{ones} of {n} px flagged at false-alarm rate {rate} (at most {math.ceil(rate * n)})\n{res}"
    if constant and threshold is None:
        assert ones == 0, f"a constant image flags {ones} px\n{res}"


def check_gpkg(res: Result, out: Path) -> int:
    """The GeoPackage opens (SQLite and GDAL); return its number of features."""
    with open(out, "rb") as f:
        assert f.read(16) == b"SQLite format 3\x00", f"not a GeoPackage\n{res}"
    with contextlib.closing(sqlite3.connect(out.resolve().as_uri() + "?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", res
        tables = [
            r[0] for r in db.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")
        ]
        assert len(tables) == 1, f"GeoPackage feature tables {tables}\n{res}"
        features = db.execute(f'SELECT count(*) FROM "{tables[0]}"').fetchone()[0]
    with contextlib.suppress(ImportError):
        from osgeo import ogr

        ds = ogr.Open(str(out))
        assert ds is not None and ds.GetLayerCount() >= 1, f"GDAL cannot open the GeoPackage\n{res}"
        ds = None
    return features


def check_png(res: Result, out: Path) -> None:
    with open(out, "rb") as f:
        assert f.read(8) == PNG_SIGNATURE, f"not a PNG\n{res}"
    with contextlib.suppress(ImportError):
        from PIL import Image

        with Image.open(out) as img:
            img.verify()


def _band_count(path: Path) -> int:
    with rasterio.open(path) as ds:
        return ds.count


def run_in(folder: Path, argv: list[str]) -> tuple[Result, dict[str, str], dict[str, str]]:
    """Run the CLI with ``argv`` and the contents of ``folder`` before and after: never a
    traceback, and exit 0 or 2."""
    before = snapshot(folder)
    res = call_cli(argv)
    after = snapshot(folder)
    _event(res)
    assert "Traceback" not in res.stderr, f"traceback\n{res}"
    assert res.code in (0, 2), f"exit {res.code}\n{res}"
    return res, before, after


def _event(res: Result) -> None:
    """Statistics (``pytest --hypothesis-show-statistics``): which command ended how."""
    line = re.sub(r"/\S*/raresight-prop-\w+/", "", (stderr_lines(res) or [""])[-1])
    why = line.split(":", 2)[-1].strip()[:50] if res.code else "ok"
    event(f"{res.argv[0]} exit {res.code}: {why}")


def run_score(world: World, case: Case, method: str) -> tuple[Path, dict] | None:
    """Score the case; check the invariant; return (score path, sidecar) on success."""
    folder = world.folder
    inputs = {"target": world.targets[0], "reference": world.references[0] if world.references else None}
    o, replaceable = _prepare_output(world, case.score_output, "score.tif", inputs)
    argv = ["score", *map(str, world.targets), "-o", o, "--method", method]
    if world.references:
        argv += ["--reference", *map(str, world.references)]
    if case.complex_mode:
        argv += ["--complex", case.complex_mode]
    if case.tile:
        argv += ["--tile-size", str(case.tile), "--overlap", str(case.overlap)]
    if method == "diffusion":
        argv += [f"--param={k}={v}" for k, v in MICRO_DIFFUSION.items()]
    res, before, after = run_in(folder, argv)
    outputs = [os.path.relpath(o, folder), os.path.relpath(o + ".json", folder)] if o else []
    check_folder(res, before, after, outputs, replaceable)
    inputs_complex = case.target.is_complex or (
        case.second_target is not None and case.second_target.is_complex
    )
    if world.references and case.reference == "independent" and case.reference_spec.is_complex:
        inputs_complex = True
    collides = case.score_output not in MAY_SUCCEED and not (
        case.score_output in ("reference", "sidecar-is-reference") and not world.references
    )
    if collides:
        assert res.code == 2, f"-o {case.score_output} must be refused\n{res}"
    if inputs_complex and not case.complex_mode:
        assert res.code == 2, f"complex input without --complex must be refused\n{res}"
    target_georef = case.target.grid not in ("no-crs", "transform-no-crs")
    if world.references and case.reference_grid == "elsewhere" and target_georef:
        assert res.code == 2, f"a reference that does not overlap the target must be refused\n{res}"
    if res.code != 0:
        assert_one_line_error(res)
        return None
    assert_clean_success(res)
    side = check_score_outputs(res, Path(o), world)
    single = case.second_target is None and not world.references
    constant = (
        single and method in SINGLE_IMAGE_ANOMALY and is_constant(world.target_data[0], case.target.nodata)
    )
    degenerate = constant or (world.reference_identical and method in PAIR_METHODS)
    if degenerate:
        warned = [line for line in stderr_lines(res) if line.startswith("raresight: WARNING:")]
        assert warned, f"a constant image / identical pair gives no WARNING line\n{res}"
        assert side.get("warnings"), f"a constant image / identical pair gives no sidecar 'warnings'\n{res}"
    return Path(o), side


def run_product(
    world: World, case: Case, method: str, product: Product, score_path: Path, side: dict, k: int
):
    folder = world.folder
    ext = {"mask": ".tif", "polygonize": ".gpkg", "quicklook": ".png"}[product.command]
    default = f"{product.command}{k}{ext}"
    background = {
        None: None,
        "target": world.targets[0],
        "reference": world.references[0] if world.references else world.targets[0],
        "elsewhere": world.elsewhere,
    }[product.background]
    inputs = {
        "score": score_path,
        "target": world.targets[0],
        "reference": world.references[0] if world.references else None,
        "background": background,
    }
    o, replaceable = _prepare_output(world, product.output, default, inputs)
    score = _read_score(score_path)
    threshold_args, threshold = _threshold_args(product, score)
    argv = [product.command, str(score_path), "-o", o, *threshold_args]
    if product.command == "polygonize":
        argv += ["--min-area-m2", repr(product.min_area_m2), "--simplify-m", repr(product.simplify_m)]
    if product.command == "quicklook":
        if background is not None:
            argv += ["--background", str(background)]
        if product.bands is not None:
            argv += ["--bands", product.bands]
    res, before, after = run_in(folder, argv)
    check_folder(res, before, after, [os.path.relpath(o, folder)] if o else [], replaceable)
    collides = (
        product.output not in MAY_SUCCEED
        and not (product.output == "background" and background is None)
        and not (product.output == "reference" and inputs["reference"] is None)
    )
    if collides:
        assert res.code == 2, f"-o {product.output} must be refused\n{res}"
    if product.threshold in ("nan", "inf") or (product.threshold == "rate" and product.rate > 0.5):
        assert res.code == 2, f"threshold {product.threshold} / rate {product.rate} must be refused\n{res}"
    if product.command == "quicklook" and background is not None:
        if product.bands and max(int(b) for b in product.bands.split(",")) > _band_count(background):
            assert res.code == 2, f"--bands {product.bands} names a band the background lacks\n{res}"
        georef = case.target.grid not in ("no-crs", "transform-no-crs")
        if product.background == "elsewhere" and georef:
            assert res.code == 2, f"a background that does not overlap the score must be refused\n{res}"
    if res.code != 0:
        assert_one_line_error(res)
        return
    assert_clean_success(res)
    out = Path(o)
    if product.command == "mask":
        single = case.second_target is None and not world.references
        constant = (
            single
            and method in SINGLE_IMAGE_ANOMALY
            and is_constant(world.target_data[0], case.target.nodata)
        )
        low_rate = product.threshold == "default" or (product.threshold == "rate" and product.rate <= 0.01)
        check_mask(res, out, score_path, score, threshold, _rate_of(product, side), constant and low_rate)
    elif product.command == "polygonize":
        features = check_gpkg(res, out)
        if threshold is not None and product.min_area_m2 == 0 and product.simplify_m == 0:
            above = bool((np.isfinite(score) & (score > threshold)).any())
            assert (
                (features > 0) == above
            ), f"{features} polygon(s), but {'some' if above else 'no'} score > {threshold!r} (strict)\n{res}"
    else:
        check_png(res, out)


def run_pipeline(method: str, case: Case) -> None:
    with tempfile.TemporaryDirectory(prefix="raresight-prop-") as tmp:
        world = build_world(Path(tmp), case)
        scored = run_score(world, case, method)
        if scored is None:
            return
        score_path, side = scored
        for k, product in enumerate(case.products):
            run_product(world, case, method, product, score_path, side, k)


# --------------------------------------------------------------------------------------------------
# tests


@pytest.mark.parametrize("method", CLASSICAL)
@given(data=st.data())
@examples(120)
def test_pipeline_holds_the_contract(method, data):
    """Every classical method, random rasters and options: valid outputs or one clean error."""
    run_pipeline(method, data.draw(cases(method), label="case"))


@pytest.mark.slow
@given(data=st.data())
@examples(12)
def test_generative_pipeline_holds_the_contract(data):
    """The micro diffusion configuration under the same invariant."""
    run_pipeline("diffusion", data.draw(cases("diffusion", max_side=32), label="case"))


@pytest.mark.parametrize("method", ("rx", "cva"))
@given(data=st.data())
@examples(40)
def test_outputs_never_overwrite_inputs(method, data):
    """Every output collides with an input, a sidecar, a link or an existing file: always refused,
    never a changed input."""
    run_pipeline(method, data.draw(cases(method, collide=True), label="case"))


def _score_in_process(folder: Path, name: str, data: np.ndarray, spec: RasterSpec, method: str, extra=()):
    """Write ``data`` on ``spec``'s grid as ``name`` and score it; (result, score array or None)."""
    path = write_raster(folder / name, data, spec)
    out = folder / f"{Path(name).stem}-score.tif"
    res = call_cli(["score", str(path), "-o", str(out), "--method", method, *extra])
    assert res.code in (0, 2) and "Traceback" not in res.stderr, str(res)
    if res.code:
        assert_one_line_error(res)
        return res, None
    assert_clean_success(res)
    return res, _read_score(out)


def _same_scores(a: np.ndarray, b: np.ndarray, what: str) -> None:
    assert a.shape == b.shape, what
    assert np.array_equal(np.isnan(a), np.isnan(b)), f"{what}: no-data pixels differ"
    ok = ~np.isnan(a)
    scale = float(np.abs(a[ok]).max()) if ok.any() else 1.0
    np.testing.assert_allclose(a[ok], b[ok], rtol=1e-5, atol=1e-6 * max(scale, 1e-30), err_msg=what)


@pytest.mark.parametrize("method", ("rx", "lrx"))
@given(spec=raster_specs(max_side=32))
@examples(30)
def test_scores_do_not_depend_on_the_georeferencing(method, spec):
    """The same pixels on a north-up grid and on the drawn grid (south-up, rotated, geographic, no
    CRS): a single-image method works in pixel space, so the score arrays are the same and on each
    raster's own grid (a flipped, shifted or re-sampled score would be a silently wrong result)."""
    complex_args = ["--complex", "intensity"] if spec.is_complex else []
    data = make_array(spec)
    with tempfile.TemporaryDirectory(prefix="raresight-prop-") as tmp:
        folder = Path(tmp)
        north_res, north = _score_in_process(
            folder, "north.tif", data, dataclasses.replace(spec, grid="north-up"), method, complex_args
        )
        other_res, other = _score_in_process(folder, "other.tif", data, spec, method, complex_args)
        assert (
            north_res.code == other_res.code
        ), f"one grid scores, the other does not\n{north_res}\n{other_res}"
        if north is not None:
            with rasterio.open(folder / "other.tif") as t, rasterio.open(folder / "other-score.tif") as s:
                assert s.transform.almost_equals(t.transform) and s.crs == t.crs, f"grid lost\n{other_res}"
            _same_scores(north, other, f"{spec.grid} vs north-up")


@st.composite
def complex_specs(draw):
    spec = draw(raster_specs(max_side=32))
    return dataclasses.replace(
        spec,
        dtype="complex64",
        nodata=draw(st.sampled_from((None, 0.0))),
        pattern=spec.pattern if spec.pattern != "extremes" else "noise",
    )


@given(spec=complex_specs(), mode=st.sampled_from(("intensity", "amplitude")))
@examples(30)
def test_complex_input_is_read_as_intensity_or_amplitude(spec, mode):
    """``--complex intensity`` scores |z|^2 and ``amplitude`` |z|: the same scores as a float32
    raster of those values (never the real part alone)."""
    data = make_array(spec)
    with np.errstate(all="ignore"):
        power = np.abs(data) ** 2 if mode == "intensity" else np.abs(data)
    power = power.astype(np.float32)
    if spec.nodata is not None:  # 0 + 0j is no data
        power[:, (data == spec.nodata).any(axis=0)] = np.nan
    power[~np.isfinite(power)] = np.nan
    real_spec = dataclasses.replace(spec, dtype="float32", nodata=float("nan"))
    with tempfile.TemporaryDirectory(prefix="raresight-prop-") as tmp:
        folder = Path(tmp)
        res_c, from_complex = _score_in_process(folder, "slc.tif", data, spec, "rx", ["--complex", mode])
        res_r, from_real = _score_in_process(folder, "power.tif", power, real_spec, "rx")
        assert res_c.code == res_r.code, f"complex and its {mode} disagree\n{res_c}\n{res_r}"
        if from_complex is not None:
            _same_scores(from_complex, from_real, f"--complex {mode} vs a float32 raster of |z|")


def test_capture_sees_c_level_output(monkeypatch):
    """The in-process capture catches what is written to file descriptors 1 and 2 directly, what
    Python prints and what the CLI logs, and restores all of them."""

    def noisy(argv):
        os.write(2, b"ERROR 1: from C\n")
        os.write(1, b"C stdout\n")
        print("from python", file=sys.stderr)
        print("python stdout")
        logging.basicConfig(format="raresight: %(levelname)s: %(message)s")
        logging.getLogger("raresight").warning("logged")
        warnings.warn("numpy-like warning", RuntimeWarning, stacklevel=1)
        return 2

    monkeypatch.setattr(cli, "main", noisy)
    res = call_cli(["score"])
    assert res.code == 2
    for text in ("ERROR 1: from C", "from python", "raresight: WARNING: logged", "RuntimeWarning"):
        assert text in res.stderr, res.stderr
    assert "C stdout" in res.stdout and "python stdout" in res.stdout
    record = logging.makeLogRecord({"msg": "m", "levelname": "WARNING"})
    assert not any("raresight" in h.format(record) for h in logging.getLogger().handlers)
