#!/usr/bin/env python3
"""Hostile, odd and faulty inputs thrown at the ``raresight`` command line; writes docs/RELIABILITY.md.

Each case runs the real command line (``python -m backend ...``) in subprocesses, in a folder of its
own, on rasters generated there, and checks its expected behaviour plus the invariants that every
command keeps (see ``INVARIANTS``). Nothing outside the scratch folder is needed.

    python scripts/reliability.py [--out docs/RELIABILITY.md] [--jobs 2] [--only TEXT] [--list]

The exit status is 1 when any case fails. ``run_cases`` is the same run, for tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import Affine, from_origin
from rasterio.warp import Resampling, calculate_default_transform, reproject

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import rasters  # noqa: E402  (tests/rasters.py: the test rasters' writer)

DEFAULT_OUT = ROOT / "docs" / "RELIABILITY.md"
REGENERATE = ".venv/bin/python scripts/reliability.py --out docs/RELIABILITY.md"

UTM = CRS.from_epsg(32631)
GRID = from_origin(600_000.0, 4_800_000.0, 10.0, 10.0)
MICRO = ("steps=60", "hidden=16", "depth=2", "components=4", "batch=4", "patch=24")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

#: A name that looks like a temporary file (RareSight's are ``.<stem>.rs<pid>-<host>-<random>.part<suffix>``):
#: none may be left behind, unless a case put it there on purpose.
PART = re.compile(r"\.part(\.|-|$)")
HOST_TAG = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]

OK, ERROR, EITHER = "ok", "error", "either"
STEP_TIMEOUT_S = 120.0
GATE_TIMEOUT_S = 30.0  # a refusal that must come before any training

INVARIANTS = (
    "success: exit 0, stderr holds only `raresight: WARNING:` lines, the output is valid for its kind "
    "(a score: one float32 band on the first target's grid, no infinite value, a strict-JSON sidecar)",
    "failure: exit 2, exactly one stderr line `raresight: error: ...`, nothing on stdout, no new file",
    "never a traceback, a GDAL `ERROR`/`Warning` line or a numpy `RuntimeWarning` on stderr",
    "every file that existed before a command (inputs, sidecars, models and cards, backgrounds, a file "
    "at -o that is not replaced) is unchanged byte for byte; FIFOs, devices and links stay what they were",
    "no temporary `.part` file is left in the case's folder when the case ends",
)

# Expected behaviours, reused by many rows.
REFUSED = "refused: one-line error, exit 2; nothing written, every file unchanged"
VALID_SCORE = "exit 0; a valid float32 score on the target's grid with its sidecar"


# --------------------------------------------------------------------------------------------------
# files: fingerprints, snapshots


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def describe(path: Path) -> tuple:
    """What ``path`` is, never following links nor opening FIFOs or devices."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return ("missing",)
    if stat.S_ISLNK(st.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISREG(st.st_mode):
        return ("file", st.st_size, sha256(path))
    if stat.S_ISDIR(st.st_mode):
        return ("folder",)
    if stat.S_ISFIFO(st.st_mode):
        return ("fifo", st.st_ino)
    if stat.S_ISCHR(st.st_mode):
        return ("char device", st.st_rdev, st.st_ino)
    return ("other", stat.S_IFMT(st.st_mode), st.st_ino)


def snapshot(folder: Path, extra: Sequence[Path] = ()) -> dict[Path, tuple]:
    """Every entry under ``folder`` (hidden ones included, links not followed) and ``extra``."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            out[p] = describe(p)
    for p in extra:
        out[p] = describe(p)
    return out


def is_part(path: Path) -> bool:
    return bool(PART.search(path.name))


def strict_json(path: Path):
    def refuse(token: str):
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=refuse)


# --------------------------------------------------------------------------------------------------
# rasters


def write_raster(path: Path, data: np.ndarray, crs=UTM, transform=GRID, nodata=None, **profile) -> Path:
    """Write ``data`` ((bands,) rows, cols) as a GeoTIFF (or ``profile['driver']``); ``crs=None``
    writes one without georeference."""
    return Path(rasters.write(path, data, crs, transform if crs is not None else None, nodata, **profile))


def field_data(
    rows: int = 64, cols: int = 64, bands: int = 3, seed: int = 0, anomaly: bool = True
) -> np.ndarray:
    """float64 (bands, rows, cols) in about [200, 2600]: smooth correlated texture, noise and an
    optional bright square."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:rows, 0:cols]
    base = 1000 + 300 * np.sin(xx / 9.0 + seed) + 200 * np.cos(yy / 7.0)
    data = np.stack([base * (1 + 0.15 * b) + rng.normal(0, 30, (rows, cols)) for b in range(bands)])
    if anomaly and rows >= 16 and cols >= 16:
        r, c = rows // 2, cols // 2
        data[:, r - 3 : r + 3, c - 4 : c + 4] += 700 * (np.arange(bands)[:, None, None] % 2 * 2 - 1) + 500
    return data


def as_dtype(data: np.ndarray, dtype: str) -> np.ndarray:
    """``data`` of :func:`field_data` mapped into ``dtype``'s range."""
    if dtype == "uint8":
        return np.clip(data / 12, 1, 254).astype(np.uint8)
    if dtype == "int8":
        return np.clip((data - 1200) / 12, -120, 120).astype(np.int8)
    if dtype in ("uint16", "int16", "uint32", "int32", "int64", "uint64"):
        return np.clip(data, 1, 30000).astype(dtype)
    return data.astype(dtype)


def optical(seed: int = 0, anomaly: bool = True, shape=(96, 128)) -> np.ndarray:
    """uint16 4-band scene with a nodata (0) border of 3 px."""
    data = as_dtype(field_data(*shape, bands=4, seed=seed, anomaly=anomaly), "uint16")
    data[:, :3, :] = data[:, -3:, :] = 0
    data[:, :, :3] = data[:, :, -3:] = 0
    return data


def sar(seed: int = 1, anomaly: bool = True, shape=(96, 128)) -> np.ndarray:
    """float32 2-band backscatter in dB (VV, VH), NaN in the top 3 rows, a dark patch."""
    rng = np.random.default_rng(seed)
    data = np.stack([rng.normal(-9, 1.5, shape), rng.normal(-16, 1.5, shape)]).astype(np.float32)
    if anomaly:
        data[:, 40:52, 60:76] -= 12
    data[:, :3, :] = np.nan
    return data


def write_complex(path: Path, data: np.ndarray, gdal_type: str) -> Path:
    """A complex GeoTIFF of GDAL type ``gdal_type`` (CInt16, CInt32, CFloat32, CFloat64)."""
    from osgeo import gdal

    gdal.UseExceptions()
    ds = gdal.GetDriverByName("GTiff").Create(
        str(path), data.shape[2], data.shape[1], data.shape[0], getattr(gdal, f"GDT_{gdal_type}")
    )
    ds.SetGeoTransform(GRID.to_gdal())
    ds.SetProjection(UTM.to_wkt())
    for b in range(data.shape[0]):
        ds.GetRasterBand(b + 1).WriteArray(data[b])
    ds.FlushCache()
    ds = None
    return Path(path)


def complex_data(seed: int = 3, shape=(64, 64), bands: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    re_, im = rng.normal(0, 300, (2, bands, *shape))
    z = re_ + 1j * im
    z[:, 28:36, 28:36] *= 4
    return z.astype(np.complex64)


def warp_to(src: Path, dst: Path, crs) -> Path:
    """``src`` reprojected to ``crs`` (bilinear), nodata 0."""
    with rasterio.open(src) as s:
        transform, width, height = calculate_default_transform(s.crs, crs, s.width, s.height, *s.bounds)
        data = np.zeros((s.count, height, width), s.dtypes[0])
        for b in range(s.count):
            reproject(
                rasterio.band(s, b + 1),
                data[b],
                dst_transform=transform,
                dst_crs=crs,
                resampling=Resampling.bilinear,
                dst_nodata=0,
            )
    return write_raster(dst, data, crs=crs, transform=transform, nodata=0)


def truncate_half(path: Path) -> Path:
    os.truncate(path, os.path.getsize(path) // 2)
    return path


def read_band(path: Path) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path) as ds:
            return ds.read(1)


def grid_of(path: Path) -> tuple:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path) as ds:
            return ds.crs, ds.transform, ds.height, ds.width


def user_geopackage(path: Path) -> Path:
    """A GeoPackage of the user's (a layer of roads), not written by RareSight."""
    from osgeo import ogr, osr

    ogr.UseExceptions()
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32631)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("roads", srs, ogr.wkbLineString)
    feat = ogr.Feature(layer.GetLayerDefn())
    feat.SetGeometry(ogr.CreateGeometryFromWkt("LINESTRING (600000 4799000, 600500 4799500)"))
    layer.CreateFeature(feat)
    ds = None
    return Path(path)


def polygons(path: Path) -> tuple[int, float]:
    """(features, total area) of every layer of a vector file."""
    from osgeo import ogr

    ogr.UseExceptions()
    ds = ogr.Open(str(path))
    n, area = 0, 0.0
    for i in range(ds.GetLayerCount()):
        for feat in ds.GetLayerByIndex(i):
            n += 1
            area += feat.GetGeometryRef().GetArea()
    ds = None
    return n, area


def dead_pid() -> int:
    """The id of a process of this machine that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", ""])
    proc.wait()
    return proc.pid


def part_name(stem: str, suffix: str, pid: int, host: str = HOST_TAG) -> str:
    return f".{stem}.rs{pid}-{host}-{os.urandom(4).hex()}.part{suffix}"


# --------------------------------------------------------------------------------------------------
# the command line


def cli_env() -> dict[str, str]:
    # One thread per command: --jobs N then keeps N cores busy without oversubscribing them.
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", PYTHONIOENCODING="utf-8", OMP_NUM_THREADS="1"
    )
    env.pop("PYTHONSTARTUP", None)
    env.pop("PYTHONWARNINGS", None)
    return env


def command(args: Sequence[object]) -> list[str]:
    return [sys.executable, "-m", "backend", *(os.fspath(a) if isinstance(a, Path) else str(a) for a in args)]


@dataclass
class Step:
    label: str
    rc: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    note: str = ""

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.lines if line.startswith("raresight: WARNING:")]

    def summary(self, hide: Sequence[str] = ()) -> str:
        """One line: the exit, the first error line and warning, the note; ``hide``: path prefixes
        left out (the scratch folder)."""

        def clean(line: str) -> str:
            for prefix in hide:
                line = line.replace(prefix, "")
            return line

        if self.timed_out:
            text = f"timed out after {self.seconds:.0f} s"
        elif self.rc is not None and self.rc < 0:
            text = f"killed by signal {-self.rc}"
        else:
            text = f"exit {self.rc}"
        others = [line for line in self.lines if not line.startswith("raresight: WARNING:")]
        if self.rc != 0 and others:
            more = f" (+{len(others) - 1} more line(s))" if len(others) > 1 else ""
            text += f": {shorten(clean(others[0]), 150)}{more}"
        if self.warnings:
            first = clean(self.warnings[0].removeprefix("raresight: WARNING: "))
            text += f" [{len(self.warnings)} warning(s): {shorten(first, 80)}]"
        if self.note:
            text += f", {self.note}"
        return f"{self.label}: {text}"


def shorten(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class SetupError(Exception):
    """A case could not build its inputs (e.g. the seed score could not be made)."""


def run_setup(args: Sequence[object], timeout: float = STEP_TIMEOUT_S) -> None:
    """Run a command that only prepares inputs; raise SetupError unless it exits 0."""
    try:
        res = subprocess.run(
            command(args), cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise SetupError(f"`{args[0]}` timed out") from None
    if res.returncode != 0:
        line = (res.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise SetupError(f"`{args[0]}` exit {res.returncode}: {shorten(line, 90)}")


# --------------------------------------------------------------------------------------------------
# seeds: inputs that many cases copy (built once per run, lazily)


class Seeds:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._failed: dict[str, str] = {}
        self._builders: dict[str, Callable[[Path], object]] = {
            "post.tif": lambda p: write_raster(p, optical(0), nodata=0),
            "pre.tif": lambda p: write_raster(p, optical(5, anomaly=False), nodata=0),
            "sar.tif": lambda p: write_raster(p, sar(1), nodata=float("nan")),
            "sar_pre.tif": lambda p: write_raster(p, sar(7, anomaly=False), nodata=float("nan")),
            "score.tif": lambda p: run_setup(["score", self.get("post.tif"), "-o", p]),
            "cva.tif": lambda p: run_setup(
                [
                    "score",
                    self.get("post.tif"),
                    "--reference",
                    self.get("pre.tif"),
                    "--method",
                    "cva",
                    "-o",
                    p,
                ]
            ),
            "mask.tif": lambda p: run_setup(["mask", self.get("score.tif"), "-o", p]),
            "poly.gpkg": lambda p: run_setup(["polygonize", self.get("score.tif"), "-o", p]),
            "ql.png": lambda p: run_setup(["quicklook", self.get("score.tif"), "-o", p]),
            "model.safetensors": lambda p: run_setup(
                ["fit", self.get("post.tif"), "-o", p, *micro_params()], timeout=300
            ),
            "model.onnx": lambda p: run_setup(["export", self.get("model.safetensors"), "-o", p]),
            "bg.png": self._background_png,
            "big.tif": self._big,
            "data": self._data_root,
            "eval.json": lambda p: run_setup(["evaluate", self.get("data"), "--json", p]),
        }

    def get(self, name: str) -> Path:
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            path = self.folder / name
            if name in self._failed:
                raise SetupError(self._failed[name])
            if not path.exists():
                try:
                    self._builders[name](path)
                except SetupError as exc:
                    self._failed[name] = f"seed {name}: {exc}"
                    raise SetupError(self._failed[name]) from None
            return path

    def companions(self, name: str) -> list[Path]:
        """The files that travel with seed ``name`` (its sidecar or card, its .aux.xml)."""
        return sorted(p for p in self.folder.iterdir() if p.name.startswith(name + "."))

    @staticmethod
    def _background_png(path: Path) -> None:
        data = as_dtype(field_data(96, 128, bands=3, seed=11, anomaly=False), "uint8")
        write_raster(path, data, driver="PNG")

    @staticmethod
    def _big(path: Path) -> None:
        rng = np.random.default_rng(9)
        data = rng.integers(100, 4000, (4, 2400, 2400), dtype=np.uint16)
        write_raster(path, data, tiled=True, blockxsize=256, blockysize=256, compress="deflate")

    @staticmethod
    def _data_root(path: Path) -> None:
        path.mkdir()
        write_raster(path / "image.tif", optical(2), nodata=0)
        gt = np.zeros((1, 96, 128), np.uint8)
        gt[0, 45:51, 60:68] = 1
        write_raster(path / "gt.tif", gt)
        manifest = {
            "cases": [{"id": "tiny-1", "family": "had", "files": {"image": "image.tif", "gt": "gt.tif"}}]
        }
        (path / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def micro_params() -> list[str]:
    return [x for p in MICRO for x in ("--param", p)]


# --------------------------------------------------------------------------------------------------
# a case's context: its folder, its inputs, its command runs and their checks


class Ctx:
    def __init__(self, folder: Path, seeds: Seeds) -> None:
        self.folder = folder
        self.seeds = seeds
        self.steps: list[Step] = []
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.keep: set[Path] = set()  # ".part"-like files the case put there on purpose
        self.watch: list[Path] = []  # paths outside the folder whose kind must not change
        folder.mkdir(parents=True)

    # inputs -----------------------------------------------------------------------------------

    def p(self, name: str) -> Path:
        return self.folder / name

    def seed(self, name: str, as_: str | None = None, companions: bool = True) -> Path:
        """Copy seed ``name`` (and its companions: sidecar, card, .aux.xml) into the folder."""
        src = self.seeds.get(name)
        dst = self.p(as_ or name)
        if src.is_dir():
            shutil.copytree(src, dst)
            return dst
        shutil.copyfile(src, dst)
        for extra in self.seeds.companions(name) if companions else ():
            shutil.copyfile(extra, dst.with_name(dst.name + extra.name[len(name) :]))
        return dst

    def link_seed(self, name: str, as_: str | None = None) -> Path:
        """A hard link to a (large) seed file."""
        dst = self.p(as_ or name)
        os.link(self.seeds.get(name), dst)
        return dst

    def raster(self, name: str, data: np.ndarray, **kw) -> Path:
        path = self.p(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_raster(path, data, **kw)

    def file(self, name: str, content: str | bytes) -> Path:
        path = self.p(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    def fifo(self, name: str) -> Path:
        os.mkfifo(self.p(name))
        return self.p(name)

    def symlink(self, name: str, target: Path) -> Path:
        os.symlink(target, self.p(name))
        return self.p(name)

    def hardlink(self, name: str, target: Path) -> Path:
        os.link(target, self.p(name))
        return self.p(name)

    def chardev(self, name: str) -> Path:
        """A private null device (root only)."""
        os.mknod(self.p(name), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        return self.p(name)

    def mkdir(self, name: str) -> Path:
        self.p(name).mkdir(parents=True)
        return self.p(name)

    def check(self, ok: bool, problem: str) -> bool:
        if not ok:
            self.problems.append(problem)
        return ok

    def note(self, text: str) -> None:
        if self.steps:
            self.steps[-1].note = ", ".join(filter(None, (self.steps[-1].note, text)))
        else:
            self.notes.append(text)

    # runs -------------------------------------------------------------------------------------

    def cli(
        self,
        *args: object,
        out: Path | None = None,
        expect: str = OK,
        kind: str | None = None,
        grid: Path | None = None,
        contains: Sequence[object] = (),
        warning: bool = False,
        timeout: float = STEP_TIMEOUT_S,
        removed: Sequence[Path] = (),
        nan_at: np.ndarray | None = None,
    ) -> Step:
        """Run ``raresight ARGS`` and check it against ``expect`` (OK, ERROR or EITHER) and the
        invariants. ``out``/``kind``: the output and what it must be on success (score, mask,
        gpkg, png, model, onnx, json); ``grid``: the raster whose grid a success must have;
        ``contains``: what the error line must say (a string, a tuple of alternatives or a regex);
        ``warning``: a ``raresight: WARNING:`` line is required; ``removed``: files the run must
        delete (stale temporary files)."""
        before = snapshot(self.folder, self.watch)
        t0 = time.monotonic()
        try:
            res = subprocess.run(
                command(args),
                cwd=ROOT,
                env=cli_env(),
                capture_output=True,
                text=True,
                timeout=timeout,
                errors="replace",
            )
            step = Step(str(args[0]), res.returncode, res.stdout, res.stderr, time.monotonic() - t0)
        except subprocess.TimeoutExpired as exc:
            step = Step(str(args[0]), None, _text(exc.stdout), _text(exc.stderr), timeout, timed_out=True)
        self.steps.append(step)
        self._judge(step, before, expect, out, kind, grid, contains, warning, removed, nan_at)
        return step

    def signal_run(self, *args: object, sig: int, at: float | str, out: Path, follow: float = 0.0) -> Step:
        """Run ``raresight ARGS``, send ``sig`` at ``at`` seconds, or with ``"part"`` as soon as the
        temporary file of ``out`` appears (``follow`` seconds later); then check the aftermath."""
        before = snapshot(self.folder, self.watch)
        t0 = time.monotonic()
        proc = subprocess.Popen(
            command(args),
            cwd=ROOT,
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        sent = False
        try:
            deadline = t0 + (30.0 if at == "part" else float(at))
            while proc.poll() is None and time.monotonic() < deadline:
                if at == "part" and any(
                    p.name.startswith(f".{out.stem}.") and is_part(p) for p in self.folder.iterdir()
                ):
                    time.sleep(follow)
                    break
                time.sleep(0.01)
            if proc.poll() is None:
                proc.send_signal(sig)
                sent = True
            stdout, stderr = proc.communicate(timeout=60)
            step = Step(args[0], proc.returncode, stdout, stderr, time.monotonic() - t0)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            step = Step(args[0], None, stdout, stderr, time.monotonic() - t0, timed_out=True)
        name = signal.Signals(sig).name
        step.label = f"{args[0]} + {name}" + (" when a .part appeared" if at == "part" else f" at {at} s")
        self.steps.append(step)
        if not self.check(sent, f"the run ended (exit {proc.returncode}) before {name} was sent"):
            return step
        self._common(step)
        after = snapshot(self.folder, self.watch)
        if sig == signal.SIGKILL:
            self.check(step.rc == -signal.SIGKILL, f"exit {step.rc} after SIGKILL")
            self._unchanged(before, after, allowed=(), new_ok=is_part)
            step.note = f"{sum(is_part(p) for p in after.keys() - before.keys())} temporary file(s) left"
        else:
            code, word = (143, "terminated") if sig == signal.SIGTERM else (130, "interrupted")
            self.check(step.rc == code, f"exit {step.rc} after {name}, expected {code}")
            self.check(
                len(step.lines) == 1 and step.lines[0].startswith(f"raresight: {word}"),
                f"stderr after {name} is not one `raresight: {word}...` line: {shorten(step.stderr, 80)!r}",
            )
            self.check(not step.stdout.strip(), f"stdout after {name}: {shorten(step.stdout, 60)!r}")
            self._unchanged(before, after, allowed=())
        return step

    # checks -----------------------------------------------------------------------------------

    def _judge(self, step, before, expect, out, kind, grid, contains, warning, removed, nan_at) -> None:
        self._common(step)
        if step.timed_out:
            self.problems.append(f"{step.label} timed out after {step.seconds:.0f} s")
            self._unchanged(before, snapshot(self.folder, self.watch), allowed=())
            return
        succeeded = step.rc == 0
        if expect == OK and not succeeded:
            self.problems.append(f"{step.label} failed, expected success")
        if expect == ERROR and succeeded:
            self.problems.append(f"{step.label} succeeded, expected a one-line error")
        if succeeded:
            bad = [line for line in step.lines if not line.startswith("raresight: WARNING:")]
            if bad:
                self.problems.append(f"{step.label}: stderr besides warnings: {shorten(bad[0], 80)!r}")
            self.check(not warning or step.warnings, f"{step.label}: no `raresight: WARNING:` line")
            if out is not None and kind is not None and expect != ERROR:
                self._valid_output(step, out, kind, grid, nan_at)
        else:
            self._one_line_error(step, contains)
        allowed = {out, sidecar(out)} if succeeded and out is not None and expect != ERROR else set()
        after = snapshot(self.folder, self.watch)
        self._unchanged(before, after, allowed=allowed - {None}, removed=removed)

    def _common(self, step: Step) -> None:
        err = step.stderr
        self.check("Traceback" not in err, f"{step.label}: traceback on stderr")
        gdal = [line for line in step.lines if re.match(r"^(ERROR|Warning) \d+:", line)]
        if gdal:
            self.problems.append(f"{step.label}: GDAL line on stderr: {shorten(gdal[0], 80)!r}")
        self.check("RuntimeWarning" not in err, f"{step.label}: numpy RuntimeWarning on stderr")

    def _one_line_error(self, step: Step, contains: Sequence[object]) -> None:
        lines = step.lines
        self.check(step.rc == 2, f"{step.label}: exit {step.rc}, expected 2")
        if not self.check(
            len(lines) == 1 and lines[0].startswith("raresight: error:"),
            f"{step.label}: stderr is not one `raresight: error:` line ({len(lines)} line(s))",
        ):
            return
        self.check(not step.stdout.strip(), f"{step.label}: stdout on failure: {shorten(step.stdout, 60)!r}")
        line = lines[0]
        for want in contains:
            if isinstance(want, re.Pattern):
                found, label = bool(want.search(line)), want.pattern
            else:
                options = want if isinstance(want, tuple) else (want,)
                found, label = (
                    any(o.lower() in line.lower() for o in options),
                    " or ".join(map(repr, options)),
                )
            self.check(found, f"{step.label}: the error does not name {label}")

    def _unchanged(self, before, after, allowed=(), removed=(), new_ok=None) -> None:
        allowed = set(allowed)
        for path, was in before.items():
            now = after.get(path, ("missing",))
            if path in removed:
                self.check(now == ("missing",), f"{self._rel(path)} was not removed")
            elif now == ("missing",) and is_part(path) and path not in self.keep:
                continue  # a stale temporary file, swept
            elif path not in allowed and now != was:
                if now == ("missing",):
                    how = "deleted"
                elif now[0] != was[0]:
                    how = f"replaced: {was[0]} -> {now[0]}"
                else:
                    how = "changed"
                self.problems.append(f"{self._rel(path)} {how}")
                if path == Path("/dev/null"):
                    restore_dev_null()
        for path in after.keys() - before.keys():
            if path in allowed or (new_ok is not None and new_ok(path)):
                continue
            self.problems.append(f"new file {self._rel(path)}")

    def _valid_output(self, step: Step, out: Path, kind: str, grid: Path | None, nan_at) -> None:
        if not self.check(out.is_file() and not out.is_symlink(), f"{step.label}: no regular file at -o"):
            return
        try:
            self._check_kind(step, out, kind, grid, nan_at)
        except Exception as exc:  # noqa: BLE001 - any unreadable output is a problem of the case
            self.problems.append(f"{step.label}: output unreadable as {kind}: {shorten(str(exc), 80)}")

    def _check_kind(self, step: Step, out: Path, kind: str, grid: Path | None, nan_at) -> None:
        head = out.read_bytes()[:16]
        if kind == "score":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                with rasterio.open(out) as ds:
                    self.check(ds.driver == "GTiff", f"score is {ds.driver}, not GeoTIFF")
                    self.check(
                        ds.count == 1 and ds.dtypes[0] == "float32", f"score is {ds.count} x {ds.dtypes[0]}"
                    )
                    a = ds.read(1)
            self.check(not np.isinf(a).any(), "score holds infinite values")
            self.check(np.isfinite(a).any(), "score holds no finite value")
            side = strict_json(sidecar(out))
            self.check(isinstance(side, dict) and "calibration" in side, "sidecar without calibration")
            if nan_at is not None:
                self.check(bool(np.isnan(a[nan_at]).all()), "score is not NaN where the input has no data")
            step.note = ", ".join(filter(None, (step.note, f"{int(np.isfinite(a).sum())} finite px")))
        elif kind == "mask":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                with rasterio.open(out) as ds:
                    self.check(
                        ds.count == 1 and ds.dtypes[0] == "uint8", f"mask is {ds.count} x {ds.dtypes[0]}"
                    )
                    a = ds.read(1)
            self.check(set(np.unique(a)) <= {0, 1, 255}, "mask values besides 0, 1, 255")
        elif kind == "gpkg":
            self.check(head.startswith(b"SQLite format 3\0"), "not a GeoPackage")
            polygons(out)
        elif kind == "png":
            self.check(head.startswith(b"\x89PNG\r\n\x1a\n"), "not a PNG")
        elif kind == "model":
            self.check(len(head) == 16, "empty model")
            self.check(isinstance(strict_json(sidecar(out)), dict), "model card is not a JSON object")
        elif kind == "onnx":
            self.check(head[:1] == b"\x08", "not an ONNX protobuf")
        elif kind == "json":
            json.loads(out.read_text(encoding="utf-8"))
        if grid is not None:
            want, got = grid_of(grid), grid_of(out)
            same = want[0] == got[0] and want[2:] == got[2:] and want[1].almost_equals(got[1])
            self.check(same, f"{kind} grid {got[2]}x{got[3]} {got[1][:6]} differs from its input's")

    def _rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.folder))
        except ValueError:
            return str(path)

    # reading results --------------------------------------------------------------------------

    def flags(self, mask: Path) -> tuple[int, int]:
        """(anomalous, valid) pixels of a mask; notes them on the last step."""
        a = read_band(mask)
        flagged, valid = int((a == 1).sum()), int((a != 255).sum())
        self.note(f"{flagged}/{valid} px flagged")
        return flagged, valid

    def finish(self) -> None:
        """The end-of-case invariant: no temporary file left behind."""
        left = [p for p in snapshot(self.folder) if is_part(p) and p not in self.keep]
        self.check(not left, "left behind: " + ", ".join(self._rel(p) for p in left))


def _text(data) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def sidecar(path: Path | None) -> Path | None:
    return None if path is None else path.with_name(path.name + ".json")


def restore_dev_null() -> None:
    """Put the system's null device back (root only) if a run replaced it."""
    with_mode = 0o666 | stat.S_IFCHR
    try:
        if not stat.S_ISCHR(os.lstat("/dev/null").st_mode):
            os.remove("/dev/null")
            os.mknod("/dev/null", with_mode, os.makedev(1, 3))
            os.chmod("/dev/null", 0o666)
    except OSError:
        pass


# --------------------------------------------------------------------------------------------------
# the cases


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    expected: str
    body: Callable[[Ctx], object]
    category: str = ""
    serial: bool = False  # runs alone, after the others (it touches the system's /dev/null)


@dataclass
class Result:
    id: str
    category: str
    title: str
    expected: str
    observed: str
    passed: bool
    seconds: float
    problems: list[str] = field(default_factory=list)


#: What each command writes, and the extension of its output.
KIND = {
    "score": "score",
    "fit": "model",
    "export": "onnx",
    "export-clip": "onnx",
    "mask": "mask",
    "polygonize": "gpkg",
    "quicklook": "png",
    "evaluate": "json",
}
EXT = {
    k: {"score": ".tif", "mask": ".tif", "polygonize": ".gpkg", "quicklook": ".png"}.get(k, "") for k in KIND
}
EXT.update({"fit": ".safetensors", "export": ".onnx", "export-clip": ".onnx", "evaluate": ".json"})


def _post(c: Ctx) -> Path:
    return c.seed("post.tif")


def _pre(c: Ctx) -> Path:
    return c.seed("pre.tif")


def _score(c: Ctx) -> Path:
    return c.seed("score.tif", as_="s.tif")


def _model(c: Ctx) -> Path:
    return c.seed("model.safetensors", as_="m.safetensors")


def default_inputs(cmd: str, c: Ctx) -> list:
    """The inputs a command reads in the cases that only vary its output."""
    if cmd == "score":
        return [_post(c)]
    if cmd == "fit":
        return [_post(c), *micro_params()]
    if cmd == "export":
        return [_model(c)]
    if cmd == "export-clip":
        return []
    if cmd == "evaluate":
        return [c.seed("data")]
    return [_score(c)]


def arg(c: Ctx, value):
    """A case's argument: a value, or a function of the case's context that makes it."""
    return value(c) if callable(value) else value


def writes(cmd: str, out, *more, inputs=None, expect: str = ERROR, **kw) -> Callable[[Ctx], Step]:
    """A case body: ``cmd`` on ``inputs`` (default: :func:`default_inputs`) and ``more``
    arguments, writing ``out``."""

    def body(c: Ctx) -> Step:
        first = default_inputs(cmd, c) if inputs is None else [arg(c, i) for i in inputs]
        args = [*first, *(arg(c, m) for m in more)]
        o = arg(c, out)
        path = (ROOT / o) if o else None  # an absolute path stays itself
        grid = args[0] if cmd in ("score", "mask") else None
        kw.setdefault("timeout", GATE_TIMEOUT_S if cmd == "fit" and expect == ERROR else STEP_TIMEOUT_S)
        flag = "--json" if cmd == "evaluate" else "-o"
        return c.cli(cmd, *args, flag, o, out=path, kind=KIND[cmd], grid=grid, expect=expect, **kw)

    return body


# Outputs (and inputs) made inside the case's folder.
def named(name: str):
    return lambda c: c.p(name)


def fifo(name: str):
    return lambda c: c.fifo(name)


def folder(name: str):
    return lambda c: c.mkdir(name)


def symlink(name: str, target: str):
    return lambda c: c.symlink(name, c.p(target))


def hardlink(name: str, target: str):
    return lambda c: c.hardlink(name, c.p(target))


def user_file(name: str, content: str | bytes = "the user's notes\n"):
    return lambda c: c.file(name, content)


def seeded(seed: str, as_: str, companions: bool = True):
    return lambda c: c.seed(seed, as_=as_, companions=companions)


def proc(name: str):
    """A path in /proc, a folder that accepts no new file, even from root."""
    return lambda c: Path("/proc") / f"raresight-{os.getpid()}-{name}"


def _flag_at_most(c: Ctx, score: Path, rate: float = 0.01, none: bool = False) -> None:
    """Mask ``score`` at false-alarm rate ``rate``; it must flag at most that share (``none``: nothing)."""
    mask = c.p("m.tif")
    if (
        c.cli("mask", score, "-o", mask, "--false-alarm-rate", rate, out=mask, kind="mask", grid=score).rc
        != 0
    ):
        return
    flagged, valid = c.flags(mask)
    if none:
        c.check(flagged == 0, f"mask flags {flagged} of {valid} px, expected none")
    else:
        c.check(flagged <= rate * valid + 1, f"mask flags {flagged} of {valid} px, more than {rate:g}")


def _sidecar_warns(c: Ctx, score: Path) -> None:
    try:
        side = strict_json(sidecar(score))
    except (OSError, ValueError) as exc:
        c.problems.append(f"sidecar unreadable: {exc}")
        return
    c.check(bool(side.get("warnings")), "the sidecar records no warning")


# 1. data loss and output collisions ---------------------------------------------------------------


def _sar(c: Ctx) -> Path:
    return c.seed("sar.tif")


def _dotted(c: Ctx) -> str:
    c.mkdir("sub")
    return f"{c.folder}/sub/../post.tif"


def _relative_target(c: Ctx) -> str:
    return os.path.relpath(c.p("post.tif"), ROOT)


def _model_onnx(c: Ctx) -> Path:
    return c.seed("model.onnx", as_="m.onnx")


def _fake_checkpoint(c: Ctx) -> Path:
    return c.file("c.safetensors", b"\0" * 64)


def _link_to_user_file(c: Ctx) -> Path:
    return c.symlink("l.tif", c.file("notes.txt", "the user's notes\n"))


#: score -o X refusals: (id, case, output, more arguments).
SCORE_REFUSALS = (
    ("target", "score T -o T", named("post.tif"), ()),
    (
        "reference",
        "score T --reference R --method cva -o R",
        named("pre.tif"),
        ("--reference", _pre, "--method", "cva"),
    ),
    ("second-target", "score T S -o S (S the second target)", named("sar.tif"), (_sar,)),
    ("target-dotted", "score T -o ./sub/../T (T spelled another way)", _dotted, ()),
    ("target-relative", "score T -o T, -o relative to the working folder", _relative_target, ()),
    ("symlink-to-target", "score T -o L, L a symlink to T", symlink("l.tif", "post.tif"), ()),
    ("hardlink-of-target", "score T -o H, H a hard link to T", hardlink("h.tif", "post.tif"), ()),
    ("model", "score T --model M.safetensors -o M.safetensors", named("m.safetensors"), ("--model", _model)),
    (
        "model-card",
        "score T --model M -o M.json (the model card)",
        named("m.safetensors.json"),
        ("--model", _model),
    ),
    ("onnx-model", "score T --model M.onnx -o M.onnx", named("m.onnx"), ("--model", _model_onnx)),
    (
        "checkpoint",
        "score T --method clip --checkpoint C.safetensors -o C.safetensors",
        named("c.safetensors"),
        ("--method", "clip", "--prompt", "water", "--checkpoint", _fake_checkpoint),
    ),
    ("folder", "score T -o X.tif, X.tif an existing folder", folder("x.tif"), ()),
    ("fifo", "score T -o X.tif, X.tif a named pipe (FIFO)", fifo("x.tif"), ()),
    ("symlink-user-file", "score T -o L.tif, L.tif a symlink to a user's file", _link_to_user_file, ()),
    ("dangling-symlink", "score T -o L.tif, L.tif a dangling symlink", symlink("l.tif", "nowhere.tif"), ()),
    ("user-geotiff", "score T -o U.tif, U.tif a user's GeoTIFF", seeded("pre.tif", "user.tif"), ()),
    ("user-text", "score T -o X.tif, X.tif a user's non-empty text file", user_file("x.tif"), ()),
    ("over-mask", "score T -o M.tif, M.tif a RareSight mask (another kind)", seeded("mask.tif", "m.tif"), ()),
    (
        "sidecar-folder",
        "score T -o S.tif where S.tif.json is a folder",
        lambda c: c.mkdir("s.tif.json").parent / "s.tif",
        (),
    ),
)


def collision_cases() -> Iterator[Case]:
    for key, title, out, more in SCORE_REFUSALS:
        yield Case(f"collide-score-{key}", title, REFUSED, writes("score", out, *more))

    def through_link(c: Ctx) -> Step:
        post = _post(c)
        return c.cli("score", c.symlink("l.tif", post), "-o", post, expect=ERROR)

    def own_sidecar_is_target(c: Ctx) -> Step:
        return c.cli("score", c.seed("post.tif", as_="t.tif.json"), "-o", c.p("t.tif"), expect=ERROR)

    def input_sidecar(c: Ctx) -> Step:
        s = _score(c)
        return c.cli("score", _post(c), "--reference", s, "--method", "cva", "-o", sidecar(s), expect=ERROR)

    yield Case("collide-score-target-via-symlink", "score L -o T, L a symlink to T", REFUSED, through_link)
    yield Case(
        "collide-score-own-sidecar-is-target",
        "score t.tif.json -o t.tif (the output's sidecar is the target, a GeoTIFF)",
        REFUSED,
        own_sidecar_is_target,
    )
    yield Case(
        "collide-score-input-sidecar", "score T --reference S -o S.json (S a score)", REFUSED, input_sidecar
    )
    yield Case(
        "collide-score-rerun",
        "score T -o S.tif over an earlier RareSight score",
        VALID_SCORE + " (the earlier score replaced)",
        writes("score", seeded("score.tif", "s.tif"), expect=OK),
    )
    yield Case(
        "collide-score-rerun-other-method",
        "score --method cva -o S.tif over an earlier rx score",
        VALID_SCORE + " (a score of the same kind is replaced)",
        writes("score", seeded("score.tif", "s.tif"), "--reference", _pre, "--method", "cva", expect=OK),
    )
    yield Case(
        "collide-score-empty-file",
        "score T -o E.tif, E.tif an existing empty file",
        VALID_SCORE + " (an empty file may be replaced)",
        writes("score", user_file("e.tif", b""), expect=OK),
    )
    yield Case(
        "collide-score-hardlink-of-score",
        "score T -o H.tif, H.tif a hard link to another score S.tif",
        "exit 0 or one-line error; S.tif (not named) unchanged either way",
        lambda c: (_score(c), writes("score", hardlink("h.tif", "s.tif"), expect=EITHER)(c)),
    )

    # fit and export never replace a model
    for key, title, out, more in (
        ("target", "fit T -o T", named("post.tif"), ()),
        (
            "existing-model",
            "fit T -o M over an existing model M",
            seeded("model.safetensors", "m.safetensors"),
            (),
        ),
        ("fifo", "fit T -o X.safetensors, X a named pipe", fifo("x.safetensors"), ()),
        (
            "symlink-to-target",
            "fit T -o L.safetensors, L a symlink to T",
            symlink("l.safetensors", "post.tif"),
            (),
        ),
        ("user-file", "fit T -o X.safetensors, X a user's non-empty file", user_file("x.safetensors"), ()),
    ):
        yield Case(f"collide-fit-{key}", title, REFUSED, writes("fit", out, *more))
    yield Case(
        "collide-fit-card-is-target",
        "fit m.safetensors.json -o m.safetensors (the card path is the target GeoTIFF)",
        REFUSED,
        lambda c: c.cli(
            "fit",
            c.seed("post.tif", as_="m.safetensors.json"),
            *micro_params(),
            "-o",
            c.p("m.safetensors"),
            expect=ERROR,
            timeout=GATE_TIMEOUT_S,
        ),
    )
    yield Case(
        "collide-fit-empty-file",
        "fit T -o E.safetensors, E an existing empty file (micro model)",
        "exit 0; model and card written (an empty file may be replaced)",
        writes("fit", user_file("e.safetensors", b""), expect=OK),
    )
    for key, title, out in (
        ("model", "export M -o M", named("m.safetensors")),
        ("card", "export M -o M.json (the model card)", named("m.safetensors.json")),
        ("existing-onnx", "export M -o X.onnx over an earlier export", seeded("model.onnx", "x.onnx")),
        ("hardlink-of-model", "export M -o H.onnx, H a hard link to M", hardlink("h.onnx", "m.safetensors")),
        ("symlink-to-model", "export M -o L.onnx, L a symlink to M", symlink("l.onnx", "m.safetensors")),
        ("fifo", "export M -o X.onnx, X a named pipe", fifo("x.onnx")),
    ):
        yield Case(
            f"collide-export-{key}",
            title,
            REFUSED + "; a saved model is never replaced",
            writes("export", out),
        )
    yield Case(
        "collide-export-empty-file",
        "export M -o E.onnx, E an existing empty file",
        "exit 0; the ONNX graph written (an empty file may be replaced)",
        writes("export", user_file("e.onnx", b""), expect=OK),
    )

    # mask, polygonize, quicklook: their score input and its sidecar
    for cmd in ("mask", "polygonize", "quicklook"):
        ext = EXT[cmd]
        for key, title, out, more in (
            ("score", f"{cmd} S -o S", named("s.tif"), ()),
            ("sidecar", f"{cmd} S -o S.json (the score's sidecar)", named("s.tif.json"), ()),
            ("symlink-to-score", f"{cmd} S -o L{ext}, L a symlink to S", symlink("l" + ext, "s.tif"), ()),
            ("hardlink-of-score", f"{cmd} S -o H{ext}, H a hard link to S", hardlink("h" + ext, "s.tif"), ()),
            ("fifo", f"{cmd} S -o X{ext}, X a named pipe", fifo("x" + ext), ()),
            ("folder", f"{cmd} S -o X{ext}, X an existing folder", folder("x" + ext), ()),
        ):
            yield Case(f"collide-{cmd}-{key}", title, REFUSED, writes(cmd, out, *more))
        yield Case(
            f"collide-{cmd}-score-via-symlink",
            f"{cmd} L --threshold 5 -o S, L a symlink to the score S",
            REFUSED,
            lambda c, cmd=cmd: c.cli(
                cmd, c.symlink("l.tif", _score(c)), "--threshold", 5, "-o", c.p("s.tif"), expect=ERROR
            ),
        )
        yield Case(
            f"collide-{cmd}-empty-file",
            f"{cmd} S -o E{ext}, E an existing empty file",
            f"exit 0; a valid {KIND[cmd]} (an empty file may be replaced)",
            writes(cmd, user_file("e" + ext, b""), expect=OK),
        )
    for key, title, out in (
        ("mask-user-geotiff", "mask S -o U.tif, U.tif a user's GeoTIFF", seeded("pre.tif", "user.tif")),
        (
            "mask-score-target",
            "mask S -o T.tif, T.tif the image the score was made from",
            seeded("post.tif", "post.tif"),
        ),
        (
            "mask-over-other-score",
            "mask S -o S2.tif, S2.tif another RareSight score",
            seeded("cva.tif", "s2.tif"),
        ),
    ):
        yield Case(f"collide-{key}", title, REFUSED, writes("mask", out))
    yield Case(
        "collide-polygonize-user-gpkg",
        "polygonize S -o U.gpkg, U.gpkg a user's GeoPackage",
        REFUSED,
        writes("polygonize", lambda c: user_geopackage(c.p("user.gpkg"))),
    )
    yield Case(
        "collide-quicklook-user-png",
        "quicklook S -o U.png, U.png a user's PNG",
        REFUSED,
        writes("quicklook", seeded("bg.png", "user.png", companions=False)),
    )
    for cmd, seed, name in (
        ("mask", "mask.tif", "m.tif"),
        ("polygonize", "poly.gpkg", "p.gpkg"),
        ("quicklook", "ql.png", "q.png"),
    ):
        yield Case(
            f"collide-{cmd}-rerun",
            f"{cmd} S -o {name} over an earlier RareSight {cmd} output",
            f"exit 0; a valid {KIND[cmd]} (an output of the same kind is replaced)",
            writes(cmd, seeded(seed, name), expect=OK),
        )

    def _bg(c: Ctx) -> Path:
        return c.seed("bg.png")

    for key, title, out in (
        ("background", "quicklook S --background B.png -o B.png", named("bg.png")),
        (
            "background-hardlink",
            "quicklook S --background B.png -o H.png, H a hard link to B",
            hardlink("h.png", "bg.png"),
        ),
        (
            "background-symlink",
            "quicklook S --background B.png -o L.png, L a symlink to B",
            symlink("l.png", "bg.png"),
        ),
    ):
        yield Case(
            f"collide-quicklook-{key}",
            title,
            REFUSED + "; the user's image unchanged",
            writes("quicklook", out, "--background", _bg),
        )
    yield Case(
        "collide-quicklook-background-tif",
        "quicklook S --background T.tif -o T.tif",
        REFUSED,
        writes("quicklook", named("post.tif"), "--background", _post),
    )

    # evaluate --json
    for key, title, out in (
        (
            "user-json",
            "evaluate --json U.json, U.json a user's JSON",
            user_file("u.json", '{"my": "settings"}'),
        ),
        ("manifest", "evaluate DATA --json DATA/manifest.json", named("data/manifest.json")),
        ("fifo", "evaluate --json X.json, X a named pipe", fifo("e.json")),
        ("folder", "evaluate --json X.json, X an existing folder", folder("e.json")),
    ):
        yield Case(f"collide-evaluate-{key}", title, REFUSED, writes("evaluate", out))
    yield Case(
        "collide-evaluate-rerun",
        "evaluate --json E.json over an earlier evaluate result",
        "exit 0; valid JSON (a result of the same kind is replaced)",
        writes("evaluate", seeded("eval.json", "e.json"), expect=OK),
    )
    yield Case(
        "collide-export-clip-checkpoint",
        "export-clip --checkpoint C.safetensors -o C.safetensors",
        REFUSED,
        writes("export-clip", named("c.safetensors"), "--checkpoint", _fake_checkpoint),
    )

    # devices: a private null device, then the system's /dev/null (root only)
    if IS_ROOT:
        for cmd in ("score", "mask", "quicklook"):
            yield Case(
                f"collide-{cmd}-char-device",
                f"{cmd} -o DEV{EXT[cmd]}, DEV a character device (a private null device)",
                REFUSED + "; the device stays a device",
                writes(cmd, lambda c, cmd=cmd: c.chardev("dev" + EXT[cmd])),
            )
        for cmd in ("score", "mask"):
            yield Case(
                f"collide-{cmd}-dev-null",
                f"{cmd} -o /dev/null (as root)",
                REFUSED + "; /dev/null stays the null device (tried first on a private device)",
                lambda c, cmd=cmd: _dev_null(c, cmd),
                serial=True,
            )


def _dev_null(c: Ctx, cmd: str) -> None:
    writes(cmd, lambda c: c.chardev("dev.tif"))(c)
    if c.problems:
        c.problems.append("not run on /dev/null: the refusal failed on a private device")
        return
    c.watch.append(Path("/dev/null"))
    c.cli(cmd, *default_inputs(cmd, c), "-o", "/dev/null", expect=ERROR)


# 2. wrong results ----------------------------------------------------------------------------------


def _constant(c: Ctx, method: str, *more, data=None, nodata=None) -> None:
    t = c.raster("c.tif", np.full((3, 64, 64), 1000, np.uint16) if data is None else data, nodata=nodata)
    s = c.p("s.tif")
    if (
        c.cli("score", t, "--method", method, *more, "-o", s, out=s, kind="score", grid=t, warning=True).rc
        == 0
    ):
        _sidecar_warns(c, s)
        _flag_at_most(c, s, none=True)


def _constant_polygonize(c: Ctx) -> None:
    t = c.raster("c.tif", np.full((3, 64, 64), 1000, np.uint16))
    s, g = c.p("s.tif"), c.p("p.gpkg")
    if c.cli("score", t, "-o", s, out=s, kind="score", grid=t, warning=True).rc != 0:
        return
    if c.cli("polygonize", s, "-o", g, "--false-alarm-rate", 0.01, out=g, kind="gpkg").rc == 0:
        n, _ = polygons(g)
        c.note(f"{n} polygon(s)")
        c.check(n == 0, f"{n} polygon(s) on a constant scene")


def _mostly_constant(c: Ctx, method: str) -> None:
    rng = np.random.default_rng(4)
    data = np.full((3, 80, 80), 1000.0)
    odd = rng.random((80, 80)) > 0.995
    data[:, odd] = rng.normal(1000, 200, (3, int(odd.sum())))
    t = c.raster("t.tif", data.astype(np.float32))
    s = c.p("s.tif")
    if c.cli("score", t, "--method", method, "-o", s, out=s, kind="score", grid=t, warning=True).rc == 0:
        _flag_at_most(c, s)


def _top_ties(c: Ctx) -> None:
    data = field_data(80, 80, bands=3, seed=2, anomaly=False)
    tie = np.random.default_rng(5).random((80, 80)) < 0.03
    data[:, tie] = np.array([3000.0, 200.0, 3000.0])[:, None]
    t = c.raster("t.tif", data.astype(np.float32))
    s = c.p("s.tif")
    if c.cli("score", t, "-o", s, out=s, kind="score", grid=t).rc == 0:
        _flag_at_most(c, s)


def _fill(c: Ctx, method: str) -> None:
    post = field_data(80, 96, bands=4, seed=0).astype(np.float32)
    post[:, :, :40] = 0
    t = c.raster("t.tif", post)
    s = c.p("s.tif")
    args = ["score", t, "--method", method, "-o", s]
    if method == "cva":
        pre = field_data(80, 96, bands=4, seed=6, anomaly=False).astype(np.float32)
        pre[:, :, :40] = 0
        args += ["--reference", c.raster("r.tif", pre)]
    if c.cli(*args, out=s, kind="score", grid=t).rc == 0:
        _flag_at_most(c, s)


def _identical(c: Ctx, method: str, same_file: bool = False, sar_data: bool = False, more=()) -> None:
    seed = "sar.tif" if sar_data else "post.tif"
    t = c.seed(seed, as_="t.tif")
    r = t if same_file else c.seed(seed, as_="r.tif")
    s = c.p("s.tif")
    args = ["score", t, "--reference", r, "--method", method, *more, "-o", s]
    if c.cli(*args, out=s, kind="score", grid=t, warning=True).rc == 0:
        _sidecar_warns(c, s)
        _flag_at_most(c, s, none=True)


def _mostly_unchanged(c: Ctx) -> None:
    pre = field_data(80, 80, bands=3, seed=1, anomaly=False)
    post = pre.copy()
    post[:, 10:16, 10:16] += 600  # 0.6 % changed, the rest identical
    t, r = c.raster("t.tif", post.astype(np.float32)), c.raster("r.tif", pre.astype(np.float32))
    s = c.p("s.tif")
    if c.cli("score", t, "--reference", r, "--method", "cva", "-o", s, out=s, kind="score", grid=t).rc == 0:
        _flag_at_most(c, s)


def _strict(c: Ctx, cmd: str) -> None:
    """Threshold exactly at a score shared by many pixels: only those strictly above count."""
    data = np.full((1, 60, 60), 20, np.uint8)
    data[0, :18], data[0, 18:30] = 10, 30
    t = c.raster("t.tif", data)
    s = c.p("s.tif")
    if c.cli("score", t, "-o", s, out=s, kind="score", grid=t).rc != 0:
        return
    a = read_band(s)
    values = np.unique(a[np.isfinite(a)])
    if not c.check(len(values) >= 2, f"the score has {len(values)} distinct value(s): no tie to test"):
        return
    thr = float(values[-2])
    above, at = int((a > thr).sum()), int((a == thr).sum())
    if cmd == "mask":
        m = c.p("m.tif")
        if c.cli("mask", s, "-o", m, "--threshold", repr(thr), out=m, kind="mask", grid=s).rc == 0:
            flagged, _ = c.flags(m)
            c.check(flagged == above, f"mask flags {flagged} px; {above} are > threshold, {at} tie at it")
    else:
        g = c.p("p.gpkg")
        if c.cli("polygonize", s, "-o", g, "--threshold", repr(thr), out=g, kind="gpkg").rc == 0:
            _, area = polygons(g)
            c.note(f"{area:.0f} m² of polygons")
            c.check(
                abs(area - above * 100.0) < 1.0,
                f"polygons cover {area:.0f} m²; the {above} px > threshold cover {above * 100} m² "
                f"({at} px tie at it)",
            )


def _rate_bound(c: Ctx, method: str) -> None:
    t = _post(c)
    s = c.p("s.tif")
    more = ["--reference", _pre(c)] if method == "cva" else []
    if c.cli("score", t, "--method", method, *more, "-o", s, out=s, kind="score", grid=t).rc == 0:
        _flag_at_most(c, s)


def _complex_refused(c: Ctx, gdal_type: str, where: str = "target") -> None:
    z = write_complex(c.p("z.tif"), complex_data(), gdal_type)
    need = ["--complex"]
    if where == "fit":
        c.cli(
            "fit",
            z,
            *micro_params(),
            "-o",
            c.p("m.safetensors"),
            expect=ERROR,
            contains=need,
            timeout=GATE_TIMEOUT_S,
        )
    elif where == "reference":
        t = c.raster("t.tif", np.abs(complex_data(seed=4)).astype(np.float32))
        c.cli(
            "score", t, "--reference", z, "--method", "cva", "-o", c.p("s.tif"), expect=ERROR, contains=need
        )
    else:
        c.cli("score", z, "-o", c.p("s.tif"), expect=ERROR, contains=need)


def _complex_as(c: Ctx, mode: str, gdal_type: str) -> None:
    """The score of a complex raster with --complex MODE is the score of |z|² (intensity) or |z|."""
    z = complex_data()
    if gdal_type == "CInt16":
        z = np.round(z.real / 4) + 1j * np.round(z.imag / 4)
    path = write_complex(c.p("z.tif"), z, gdal_type)
    power = np.abs(z.astype(np.complex128)) ** 2
    real = c.raster("real.tif", (power if mode == "intensity" else np.sqrt(power)).astype(np.float32))
    s, s_real = c.p("s.tif"), c.p("s_real.tif")
    if c.cli("score", path, "--complex", mode, "-o", s, out=s, kind="score", grid=path).rc != 0:
        return
    if c.cli("score", real, "-o", s_real, out=s_real, kind="score").rc != 0:
        return
    a, b = read_band(s), read_band(s_real)
    c.check(
        np.allclose(a, b, rtol=1e-3, atol=1e-4, equal_nan=True),
        f"the score differs from the score of |z|{'²' if mode == 'intensity' else ''} "
        f"(largest difference {np.nanmax(np.abs(a - b)):.3g})",
    )


def _complex_pair(c: Ctx) -> None:
    t = write_complex(c.p("t.tif"), complex_data(seed=5), "CFloat64")
    r = write_complex(c.p("r.tif"), complex_data(seed=6), "CFloat64")
    s = c.p("s.tif")
    args = ["score", t, "--reference", r, "--method", "logratio", "--complex", "intensity", "-o", s]
    c.cli(*args, out=s, kind="score", grid=t)


def _background(c: Ctx, make, expect: str, contains=(), bands: str | None = None) -> None:
    s = _score(c)
    bg = make(c)
    q = c.p("q.png")
    more = ["--bands", bands] if bands else []
    c.cli(
        "quicklook",
        s,
        "--background",
        bg,
        *more,
        "-o",
        q,
        out=q,
        kind="png",
        expect=expect,
        contains=contains,
    )


def _bg_at(x0: float, pixel: float = 10.0, shape=(96, 128), bands: int = 4):
    def make(c: Ctx) -> Path:
        data = optical(3, shape=shape)[:bands]
        return c.raster("bg.tif", data, transform=from_origin(x0, 4_800_000.0, pixel, pixel), nodata=0)

    return make


def _bg_geographic(c: Ctx) -> Path:
    return warp_to(c.seed("post.tif", as_="p.tif"), c.p("bg.tif"), CRS.from_epsg(4326))


def results_cases() -> Iterator[Case]:
    nothing = (
        "exit 0 with a WARNING (also in the sidecar's warnings); mask at false-alarm rate 0.01 flags nothing"
    )
    at_most = "exit 0; mask at false-alarm rate 0.01 flags at most 1 %"
    for method in ("rx", "lrx"):
        yield Case(
            f"constant-{method}",
            f"a constant 3-band scene under {method}",
            nothing,
            lambda c, m=method: _constant(c, m),
        )
    for method in ("diffusion", "flow"):
        yield Case(
            f"constant-{method}",
            f"a constant 3-band scene under {method} (micro model)",
            nothing,
            lambda c, m=method: _constant(c, m, *micro_params()),
        )
    bordered = np.full((3, 64, 64), 1000, np.uint16)
    bordered[:, :3] = 0
    yield Case(
        "constant-with-nodata-border-rx",
        "a constant scene with a nodata border under rx",
        nothing,
        lambda c: _constant(c, "rx", data=bordered, nodata=0),
    )
    yield Case(
        "constant-polygonize-rx",
        "polygonize the rx score of a constant scene at 0.01",
        "exit 0; no polygon",
        _constant_polygonize,
    )
    for method in ("rx", "lrx"):
        yield Case(
            f"mostly-constant-{method}",
            f"99.5 % of pixels one value, 0.5 % noise, under {method}",
            "exit 0 with a WARNING; mask at 0.01 flags at most 1 %",
            lambda c, m=method: _mostly_constant(c, m),
        )
    yield Case(
        "ties-top-3pct-rx",
        "3 % of pixels share one outlying spectrum (their rx scores tie at the top)",
        at_most + " (a tie across the quantile is not flagged whole)",
        _top_ties,
    )
    for method in ("rx", "lrx", "cva"):
        yield Case(
            f"fill-without-nodata-{method}",
            f"40 % fill (zeros, no nodata declared) under {method}",
            at_most,
            lambda c, m=method: _fill(c, m),
        )
    for key, title, body in (
        ("cva", "cva of a target and an identical copy", lambda c: _identical(c, "cva")),
        (
            "cva-same-file",
            "cva with --reference the target file itself",
            lambda c: _identical(c, "cva", same_file=True),
        ),
        (
            "logratio",
            "logratio of a SAR image and an identical copy",
            lambda c: _identical(c, "logratio", sar_data=True),
        ),
        ("gauss-ref", "gauss-ref of a target and an identical copy", lambda c: _identical(c, "gauss-ref")),
        (
            "diffusion",
            "diffusion (micro) of a target given an identical reference",
            lambda c: _identical(c, "diffusion", more=micro_params()),
        ),
    ):
        yield Case(f"identical-pair-{key}", title, nothing, body)
    yield Case(
        "mostly-unchanged-pair-cva",
        "cva of a pair identical but for a 6 x 6 change (0.6 %)",
        at_most,
        _mostly_unchanged,
    )
    yield Case(
        "ties-mask-strict",
        "mask --threshold T where many scores equal T exactly",
        "exit 0; exactly the pixels with score > T are flagged (ties are not)",
        lambda c: _strict(c, "mask"),
    )
    yield Case(
        "ties-polygonize-strict",
        "polygonize --threshold T where many scores equal T exactly",
        "exit 0; the polygons cover exactly the pixels with score > T",
        lambda c: _strict(c, "polygonize"),
    )
    for method in ("rx", "lrx", "cva"):
        yield Case(
            f"rate-bound-{method}",
            f"an ordinary scene under {method}, mask at false-alarm rate 0.01",
            "exit 0; mask flags at most 1 % of the valid pixels",
            lambda c, m=method: _rate_bound(c, m),
        )

    # complex input
    named_complex = "one-line error naming --complex, exit 2; nothing written"
    for gdal_type in ("CFloat32", "CFloat64", "CInt16", "CInt32"):
        yield Case(
            f"complex-{gdal_type.lower()}-without-flag",
            f"score a {gdal_type} (SLC) raster without --complex",
            named_complex,
            lambda c, g=gdal_type: _complex_refused(c, g),
        )
    yield Case(
        "complex-reference-without-flag",
        "cva with a complex reference, without --complex",
        named_complex,
        lambda c: _complex_refused(c, "CFloat32", "reference"),
    )
    yield Case(
        "complex-fit-without-flag",
        "fit a complex raster without --complex",
        named_complex + ", before training",
        lambda c: _complex_refused(c, "CFloat32", "fit"),
    )
    for mode, gdal_type, power in (
        ("intensity", "CFloat32", "|z|²"),
        ("amplitude", "CFloat32", "|z|"),
        ("intensity", "CInt16", "|z|²"),
    ):
        yield Case(
            f"complex-{gdal_type.lower()}-{mode}",
            f"rx of a {gdal_type} raster with --complex {mode}",
            f"exit 0; the score equals the rx score of {power} written as float32",
            lambda c, m=mode, g=gdal_type: _complex_as(c, m, g),
        )
    yield Case(
        "complex-pair-logratio",
        "logratio of two CFloat64 SLC rasters with --complex intensity",
        VALID_SCORE,
        _complex_pair,
    )

    # the quick-look's background and bands
    for key, title, make, expect, contains, bands in (
        (
            "background-no-overlap",
            "--background B, B 100 km away from the score",
            _bg_at(700_000.0),
            ERROR,
            ["overlap"],
            None,
        ),
        (
            "background-other-crs",
            "--background B, B the target reprojected to EPSG:4326",
            _bg_geographic,
            OK,
            (),
            None,
        ),
        (
            "background-partial",
            "--background B, B overlapping half the score",
            _bg_at(600_640.0),
            OK,
            (),
            None,
        ),
        (
            "background-coarser",
            "--background B, B at 20 m over the 10 m score",
            _bg_at(600_000.0, 20.0, (48, 64)),
            OK,
            (),
            None,
        ),
        (
            "bands-missing",
            "--background B --bands 4,3,2, B with 1 band",
            _bg_at(600_000.0, bands=1),
            ERROR,
            ["band"],
            "4,3,2",
        ),
        ("bands-out-of-range", "--background B --bands 5,3,2, B with 4 bands", _post, ERROR, ["5"], "5,3,2"),
        ("bands-zero", "--background B --bands 0,1,2", _post, ERROR, ["band"], "0,1,2"),
        ("bands-text", "--background B --bands red,green,blue", _post, ERROR, ["band"], "red,green,blue"),
        (
            "default-bands-one-band",
            "--background B (default bands 4,3,2), B with 1 band",
            _bg_at(600_000.0, bands=1),
            OK,
            (),
            None,
        ),
        ("bands-valid", "--background B --bands 3,2,1, B with 4 bands", _post, OK, (), "3,2,1"),
    ):
        if expect == OK:
            expected = "exit 0; a PNG" + (
                " (documented fallback: band 1 in grey)" if key.startswith("default") else ""
            )
        else:
            expected = (
                "one-line error"
                + (" naming the missing band" if bands else " saying it does not overlap")
                + ", exit 2"
            )
        yield Case(
            f"quicklook-{key}",
            f"quicklook S {title}",
            expected,
            lambda c, mk=make, e=expect, w=contains, b=bands: _background(c, mk, e, w, b),
        )


# 3. internal errors that must be one-line errors ------------------------------------------------------


def _truncated(c: Ctx, shape=(96, 128), name: str = "broken.tif") -> Path:
    """A valid tiled, compressed GeoTIFF on the seeds' grid, cut to half its size."""
    data = np.random.default_rng(0).integers(0, 4000, (4, *shape)).astype(np.uint16)
    path = c.raster(name, data, tiled=True, blockxsize=32, blockysize=32, compress="deflate")
    return truncate_half(path)


def _truncated_score(c: Ctx) -> Path:
    return truncate_half(_score(c))


def _text_score(c: Ctx) -> Path:
    """A text file where the score was, its sidecar intact."""
    _score(c).write_text("not a raster\n", encoding="utf-8")
    return c.p("s.tif")


#: A micro CLIP card (an inline open_clip config), so that a checkpoint beside it is read.
MICRO_CLIP_CARD = {
    "format": "raresight-clip-card/1",
    "name": "micro",
    "architecture": "micro",
    "model_config": {
        "embed_dim": 32,
        "vision_cfg": {"image_size": 64, "layers": 1, "width": 64, "patch_size": 8, "head_width": 16},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 4, "layers": 1},
    },
    "input_size_px": 64,
}
NOT_SAFETENSORS = b'{"this is": "not safetensors"}' * 8


def _checkpoint(name: str, content: bytes, card: bool = True):
    def make(c: Ctx) -> Path:
        if card:
            c.file(name + ".json", json.dumps(MICRO_CLIP_CARD))
        return c.file(name, content)

    return make


def _foreign_safetensors(c: Ctx) -> Path:
    from safetensors.numpy import save_file

    path = c.p("other.safetensors")
    save_file({"weight": np.ones((4, 4), np.float32)}, str(path))
    return path


def errors_cases() -> Iterator[Case]:
    broken = "one-line error naming the file (truncated or damaged), exit 2; nothing written"

    def failing(*inputs, contains=("broken.tif",), cmd="score", out="s.tif"):
        def body(c: Ctx) -> Step:
            args = [arg(c, i) for i in inputs]
            timeout = GATE_TIMEOUT_S if cmd == "fit" else STEP_TIMEOUT_S
            return c.cli(cmd, *args, "-o", c.p(out), expect=ERROR, contains=[*contains], timeout=timeout)

        return body

    def with_post(name):
        return lambda c: c.seed("post.tif", as_=name)

    for key, title, body in (
        ("target", "score a truncated tiled GeoTIFF (cut to half its size)", failing(_truncated)),
        ("second-target", "score T1 T2, T2 truncated (same grid)", failing(with_post("t.tif"), _truncated)),
        (
            "reference",
            "cva with a truncated reference",
            failing(with_post("t.tif"), "--reference", _truncated, "--method", "cva"),
        ),
        (
            "fit-target",
            "fit a truncated GeoTIFF",
            failing(_truncated, *micro_params(), cmd="fit", out="m.safetensors"),
        ),
        (
            "background",
            "quicklook S --background B, B truncated",
            writes("quicklook", named("q.png"), "--background", _truncated, contains=["broken.tif"]),
        ),
    ):
        yield Case(f"truncated-{key}", title, broken, body)
    for cmd in ("mask", "polygonize", "quicklook"):
        yield Case(
            f"truncated-score-{cmd}",
            f"{cmd} of a truncated score raster (its sidecar intact)",
            broken,
            lambda c, cmd=cmd: c.cli(
                cmd, _truncated_score(c), "-o", c.p("out" + EXT[cmd]), expect=ERROR, contains=["s.tif"]
            ),
        )
    for key, title, make in (
        ("empty-target", "score a 0-byte .tif", lambda c: c.file("bad.tif", b"")),
        ("garbage-target", "score random bytes named .tif", lambda c: c.file("bad.tif", os.urandom(5000))),
    ):
        yield Case(key, title, broken, failing(make, contains=["bad.tif"]))
    yield Case(
        "text-as-score",
        "mask a text file named .tif (with a valid sidecar beside it)",
        broken,
        writes("mask", named("m.tif"), inputs=[_text_score], contains=["s.tif"]),
    )

    # outputs that cannot be written
    unwritable = "one-line error naming the output folder, exit 2, before any work"
    for cmd in ("score", "mask", "polygonize", "quicklook", "fit", "export", "evaluate"):
        yield Case(
            f"unwritable-{cmd}",
            f"{cmd} into /proc (a folder no one can write to)",
            unwritable,
            writes(cmd, proc(cmd + EXT[cmd])),
        )
    yield Case(
        "unwritable-fit-default-training",
        "fit with default parameters (minutes of training) into /proc",
        unwritable + " (not after training)",
        writes("fit", proc("default.safetensors"), inputs=[_post]),
    )
    yield Case(
        "unwritable-score-diffusion",
        "score --method diffusion (default training) into /proc",
        unwritable + " (not after training)",
        writes("score", proc("d.tif"), "--method", "diffusion", timeout=GATE_TIMEOUT_S),
    )
    for cmd in ("score", "mask", "fit"):
        yield Case(
            f"under-a-file-{cmd}",
            f"{cmd} -o FILE/out{EXT[cmd]} (the 'folder' is a regular file)",
            "one-line error, exit 2; the file unchanged",
            writes(cmd, lambda c, cmd=cmd: c.file("afile", "x") / f"out{EXT[cmd]}"),
        )
    for cmd in ("score", "quicklook", "polygonize"):
        yield Case(
            f"missing-folder-{cmd}",
            f"{cmd} -o MISSING/out{EXT[cmd]}",
            "one-line error naming the folder, exit 2; no folder created",
            writes(cmd, lambda c, cmd=cmd: c.p("missing") / f"out{EXT[cmd]}"),
        )
    for cmd in ("score", "mask", "polygonize", "quicklook", "fit", "export", "evaluate"):
        flag = "--json" if cmd == "evaluate" else "-o"
        yield Case(
            f"empty-output-{cmd}",
            f'{cmd} {flag} ""',
            "one-line error, exit 2; nothing written",
            writes(cmd, ""),
        )

    # files that are not what their name says
    clip = ("--method", "clip", "--prompt", "water", "--checkpoint")
    for key, title, make, name in (
        (
            "fake-checkpoint",
            "X.safetensors not safetensors, its card beside it",
            _checkpoint("x.safetensors", NOT_SAFETENSORS),
            "x.safetensors",
        ),
        (
            "fake-checkpoint-no-card",
            "X.safetensors not safetensors, no card",
            _checkpoint("x.safetensors", NOT_SAFETENSORS, False),
            "x.safetensors",
        ),
        (
            "pickle-checkpoint",
            "X.pt a pickle, its card beside it",
            _checkpoint("x.pt", pickle.dumps({"state": [1, 2]})),
            "x.pt",
        ),
        (
            "truncated-checkpoint",
            "X.safetensors a valid header cut short",
            _checkpoint("x.safetensors", b"\x40\0\0\0\0\0\0\0{"),
            "x.safetensors",
        ),
    ):
        yield Case(
            f"clip-{key}",
            f"score --method clip --checkpoint X, {title}",
            "one-line error naming the checkpoint, exit 2 (pickles are never loaded)",
            writes("score", named("s.tif"), *clip, make, contains=[name]),
        )
    yield Case(
        "export-clip-fake-checkpoint",
        "export-clip --checkpoint X.safetensors, X not safetensors, its card beside it",
        "one-line error naming the checkpoint, exit 2",
        writes(
            "export-clip",
            named("x.onnx"),
            "--checkpoint",
            _checkpoint("x.safetensors", NOT_SAFETENSORS),
            contains=["x.safetensors"],
        ),
    )
    for key, title, make, name in (
        (
            "fake-model",
            "X.safetensors not safetensors",
            lambda c: c.file("x.safetensors", NOT_SAFETENSORS),
            "x.safetensors",
        ),
        ("fake-onnx-model", "X.onnx not ONNX", lambda c: c.file("x.onnx", NOT_SAFETENSORS), "x.onnx"),
        (
            "foreign-safetensors-model",
            "X.safetensors of another program",
            _foreign_safetensors,
            "other.safetensors",
        ),
        ("truncated-model", "M cut to half its size", lambda c: truncate_half(_model(c)), "m.safetensors"),
    ):
        yield Case(
            key,
            f"score --model X, {title}",
            "one-line error naming the model, exit 2",
            writes("score", named("s.tif"), "--model", make, contains=[name]),
        )
    yield Case(
        "export-fake-model",
        "export X.safetensors, X not safetensors",
        "one-line error naming the model, exit 2",
        lambda c: c.cli(
            "export",
            c.file("x.safetensors", NOT_SAFETENSORS),
            "-o",
            c.p("x.onnx"),
            expect=ERROR,
            contains=["x.safetensors"],
        ),
    )

    def without_card(c: Ctx) -> Step:
        m = _model(c)
        os.remove(sidecar(m))
        return writes("score", named("s.tif"), "--model", m, expect=OK)(c)

    yield Case(
        "model-without-card",
        "score --model M with M.json deleted (the card is also inside M)",
        VALID_SCORE,
        without_card,
    )


# 4. leftovers and interruptions ----------------------------------------------------------------------


def _killed(c: Ctx, sig: int, at, follow: float = 0.0, existing: bool = False) -> None:
    """Signal a score of a large raster; after SIGKILL, the next run into the folder must sweep."""
    big = c.link_seed("big.tif")
    s = _score(c)  # for the next run
    out = c.p("out.tif")
    if existing:
        c.seed("cva.tif", as_="out.tif")
    c.signal_run("score", big, "-o", out, sig=sig, at=at, out=out, follow=follow)
    if sig == signal.SIGKILL:
        m = c.p("m.tif")
        c.cli("mask", s, "-o", m, out=m, kind="mask")


def _fit_signalled(c: Ctx, sig: int) -> None:
    out = c.p("m.safetensors")
    c.signal_run("fit", _post(c), "--param", "steps=5000", "-o", out, sig=sig, at=3.0, out=out)
    if sig == signal.SIGKILL:
        m = c.p("m.tif")
        c.cli("mask", _score(c), "-o", m, out=m, kind="mask")


def _swept_by(c: Ctx, cmd: str) -> None:
    ext = EXT[cmd]
    stale = c.file(part_name("out", ext, dead_pid()), b"half-written")
    writes(cmd, named("out" + ext), expect=OK, removed=[stale])(c)


def _kept(c: Ctx, name: str, old: bool = False, as_folder: bool = False) -> None:
    path = c.mkdir(name) if as_folder else c.file(name, b"x")
    if old:
        os.utime(path, (time.time() - 3 * 86400,) * 2)
    c.keep.add(path)
    writes("mask", named("m.tif"), expect=OK)(c)


def _foreign_old(c: Ctx, host: str) -> None:
    stale = c.file(part_name("out", ".tif", 12345, host), b"x")
    os.utime(stale, (time.time() - 3 * 86400,) * 2)
    writes("mask", named("m.tif"), expect=OK, removed=[stale])(c)


def _part_named_output(c: Ctx) -> None:
    out = c.p("result.part.tif")
    c.keep.update((out, sidecar(out)))
    if writes("score", out, expect=OK)(c).rc == 0:
        c.cli("mask", out, "-o", (m := c.p("m.tif")), out=m, kind="mask")
        c.check(out.is_file(), "the user's output result.part.tif was removed by the next run")


def leftovers_cases() -> Iterator[Case]:
    after_kill = "no file at -o; the next run into the folder (mask) exits 0 and no .part file is left"
    stopped = (
        "exit {code}, one line `raresight: {word}; ...`; no output and no .part file; every file unchanged"
    )
    term, intr = stopped.format(code=143, word="terminated"), stopped.format(code=130, word="interrupted")
    kill, sigterm, sigint = signal.SIGKILL, signal.SIGTERM, signal.SIGINT
    for key, title, expected, body in (
        (
            "kill9-score-writing",
            "kill -9 a score of a 2400 x 2400 raster as its temporary file appears",
            after_kill,
            lambda c: _killed(c, kill, "part"),
        ),
        (
            "kill9-score-writing-late",
            "kill -9 a score 0.5 s after its temporary file appears",
            after_kill,
            lambda c: _killed(c, kill, "part", 0.5),
        ),
        (
            "kill9-score-early",
            "kill -9 a score 0.4 s after its start",
            after_kill,
            lambda c: _killed(c, kill, 0.4),
        ),
        (
            "kill9-score-existing-output",
            "kill -9 a score writing over an earlier score at -o",
            "the earlier score unchanged byte for byte; no .part left after the next run",
            lambda c: _killed(c, kill, "part", existing=True),
        ),
        (
            "sigterm-score-writing",
            "SIGTERM a score as its temporary file appears",
            term,
            lambda c: _killed(c, sigterm, "part"),
        ),
        ("sigterm-score-1s", "SIGTERM a score 1 s after its start", term, lambda c: _killed(c, sigterm, 1.0)),
        (
            "sigterm-score-existing-output",
            "SIGTERM a score writing over an earlier score at -o",
            term + "; the earlier score unchanged",
            lambda c: _killed(c, sigterm, "part", existing=True),
        ),
        (
            "sigint-score-writing",
            "SIGINT (Ctrl-C) a score as its temporary file appears",
            intr,
            lambda c: _killed(c, sigint, "part"),
        ),
        (
            "sigint-score-1s",
            "SIGINT (Ctrl-C) a score 1 s after its start",
            intr,
            lambda c: _killed(c, sigint, 1.0),
        ),
        ("sigterm-fit", "SIGTERM a fit 3 s into training", term, lambda c: _fit_signalled(c, sigterm)),
        ("kill9-fit", "kill -9 a fit 3 s into training", after_kill, lambda c: _fit_signalled(c, kill)),
    ):
        yield Case(key, title, expected, body)

    # temporary files of earlier runs, named as the atomic writer names them (backend/atomic.py)
    for cmd in ("score", "mask", "polygonize", "quicklook"):
        yield Case(
            f"stale-part-swept-{cmd}",
            f"a .part{EXT[cmd]} file of a dead process of this machine, then {cmd} into the folder",
            "exit 0; the stale temporary file is removed",
            lambda c, cmd=cmd: _swept_by(c, cmd),
        )
    other_host = "0" * 8 if HOST_TAG != "0" * 8 else "1" * 8
    for key, title, expected, body in (
        (
            "live-part-kept",
            "a .part file of a process that still runs",
            "exit 0; that file is kept",
            lambda c: _kept(c, part_name("out", ".tif", os.getpid())),
        ),
        (
            "foreign-part-fresh-kept",
            "a fresh .part file of another machine (shared folder)",
            "exit 0; that file is kept",
            lambda c: _kept(c, part_name("out", ".tif", 12345, other_host)),
        ),
        (
            "foreign-part-old-swept",
            "a 3-day-old .part file of another machine",
            "exit 0; that file is removed",
            lambda c: _foreign_old(c, other_host),
        ),
        (
            "lookalike-hidden-kept",
            "a user's file .notes.part.tif (no writer token)",
            "exit 0; the user's file is kept",
            lambda c: _kept(c, ".notes.part.tif"),
        ),
        (
            "lookalike-visible-kept",
            "a user's file my.part.tif",
            "exit 0; the user's file is kept",
            lambda c: _kept(c, "my.part.tif"),
        ),
        (
            "lookalike-folder-kept",
            "a folder named like a stale temporary file",
            "exit 0; the folder is kept",
            lambda c: _kept(c, part_name("out", ".tif", dead_pid()), as_folder=True),
        ),
    ):
        yield Case(key, f"{title}, then mask into the folder", expected, body)
    yield Case(
        "output-named-part-kept",
        "score -o result.part.tif, then mask into the same folder",
        "both exit 0; result.part.tif survives the next run",
        _part_named_output,
    )


# 5. messages --------------------------------------------------------------------------------------


def _damaged(c: Ctx, edit=None, cmd: str = "mask", rate: bool = True, raw: str | None = None) -> None:
    s = _score(c)
    side = sidecar(s)
    if raw is None:
        data = json.loads(side.read_text(encoding="utf-8"))
        edit(data)
        raw = json.dumps(data, allow_nan=True)
    side.write_text(raw, encoding="utf-8")
    more = ["--false-alarm-rate", 0.01] if rate else []
    c.cli(cmd, s, *more, "-o", c.p("out" + EXT[cmd]), expect=ERROR, contains=["s.tif.json"])


def _nan_thresholds(d: dict) -> None:
    d["calibration"]["thresholds"] = [float("nan")] * len(d["calibration"]["thresholds"])


def _set(key: str, value):
    def edit(d: dict) -> None:
        d["calibration"][key] = value

    return edit


def _sidecar_missing(c: Ctx, threshold: bool = False) -> None:
    s = _score(c)
    os.remove(sidecar(s))
    m = c.p("m.tif")
    if threshold:
        c.cli("mask", s, "--threshold", 5, "-o", m, out=m, kind="mask", grid=s)
    else:
        c.cli("mask", s, "--false-alarm-rate", 0.01, "-o", m, expect=ERROR, contains=["s.tif.json"])


def _time_budget(cmd: str, value: str, want):
    def body(c: Ctx) -> Step:
        out = c.p("s.tif" if cmd == "score" else "m.safetensors")
        more = ["--method", "diffusion"] if cmd == "score" else []
        args = [cmd, _post(c), *more, *micro_params(), "--time-budget", value, "-o", out]
        return c.cli(*args, expect=ERROR, contains=want, timeout=GATE_TIMEOUT_S)

    return body


def _too_small(c: Ctx, method: str) -> None:
    t = c.raster("t.tif", field_data(3, 3, 3, anomaly=False).astype(np.float32))
    args = ["score", t, "--method", method, *micro_params(), "-o", c.p("s.tif")]
    c.cli(*args, expect=ERROR, contains=["small", re.compile(r"\d")])


def messages_cases() -> Iterator[Case]:
    names_sidecar = "one-line error naming the sidecar s.tif.json, exit 2"
    for cmd in ("mask", "polygonize", "quicklook"):
        yield Case(
            f"sidecar-nan-thresholds-{cmd}",
            f"{cmd} --false-alarm-rate 0.01, the sidecar's thresholds all NaN",
            names_sidecar,
            lambda c, cmd=cmd: _damaged(c, _nan_thresholds, cmd),
        )
    for key, title, body in (
        (
            "nan-default-rate",
            "mask (default rate), the sidecar's default rate NaN",
            lambda c: _damaged(c, _set("default_false_alarm_rate", float("nan")), rate=False),
        ),
        (
            "inf-threshold",
            "mask --false-alarm-rate 0.01, one threshold Infinity",
            lambda c: _damaged(c, lambda d: d["calibration"]["thresholds"].__setitem__(8, float("inf"))),
        ),
        (
            "descending-thresholds",
            "mask --false-alarm-rate 0.01, thresholds in reverse order",
            lambda c: _damaged(c, lambda d: d["calibration"]["thresholds"].reverse()),
        ),
        (
            "nan-physical",
            "mask (default), the sidecar's physical threshold NaN",
            lambda c: _damaged(c, _set("physical_threshold", float("nan")), rate=False),
        ),
        (
            "no-calibration",
            "mask --false-alarm-rate 0.01, the sidecar without its calibration",
            lambda c: _damaged(c, lambda d: d.pop("calibration")),
        ),
        (
            "no-thresholds",
            "mask --false-alarm-rate 0.01, the calibration without thresholds",
            lambda c: _damaged(c, lambda d: d["calibration"].pop("thresholds")),
        ),
        (
            "not-json",
            "mask --false-alarm-rate 0.01, the sidecar not JSON",
            lambda c: _damaged(c, raw="{ this is not json"),
        ),
        (
            "json-list",
            "mask --false-alarm-rate 0.01, the sidecar a JSON list",
            lambda c: _damaged(c, raw="[1, 2, 3]"),
        ),
        ("missing", "mask --false-alarm-rate 0.01 of a score whose sidecar is gone", _sidecar_missing),
    ):
        yield Case(f"sidecar-{key}", title, names_sidecar, body)
    yield Case(
        "sidecar-missing-explicit-threshold",
        "mask --threshold 5 of a score whose sidecar is gone",
        "exit 0; a valid mask (an explicit threshold needs no sidecar)",
        lambda c: _sidecar_missing(c, threshold=True),
    )

    def sidecar_folder(c: Ctx) -> Step:
        s = _score(c)
        os.remove(sidecar(s))
        sidecar(s).mkdir()
        return c.cli("mask", s, "--false-alarm-rate", 0.01, "-o", c.p("m.tif"), expect=ERROR)

    yield Case(
        "sidecar-folder",
        "mask --false-alarm-rate 0.01, the sidecar path a folder",
        "one-line error, exit 2",
        sidecar_folder,
    )

    zero = re.compile(r"(?<![\w.])0(\.0+)?(?![\w.])")
    for value, want in (("-1", ["-1"]), ("nan", ["nan"]), ("inf", ["inf"]), ("0", [zero]), ("abc", ["abc"])):
        for cmd in ("score", "fit"):
            yield Case(
                f"time-budget-{value}-{cmd}",
                f"{cmd} (diffusion) --time-budget {value}",
                f"one-line error naming the value {value}, exit 2",
                _time_budget(cmd, value, want),
            )
    for method in ("diffusion", "flow"):
        yield Case(
            f"too-small-{method}",
            f"score a 3 x 3 raster with {method} (micro)",
            "one-line error saying the raster is too small, with the minimum size, exit 2",
            lambda c, m=method: _too_small(c, m),
        )

    # output extensions
    wrong = "one-line error about the extension, exit 2; nothing written"
    for cmd, name in (
        ("score", "s.png"),
        ("score", "s"),
        ("score", "s.tif."),
        ("score", "s.jpg"),
        ("mask", "m.png"),
        ("polygonize", "p.tif"),
        ("polygonize", "p.shp"),
        ("quicklook", "q.tif"),
        ("quicklook", "q.jpg"),
        ("fit", "m.onnx"),
        ("export", "x.safetensors"),
        ("export-clip", "c.tif"),
        ("evaluate", "e.txt"),
    ):
        flag = "--json" if cmd == "evaluate" else "-o"
        yield Case(
            f"extension-{cmd}-{name.replace('.', '_')}",
            f"{cmd} {flag} {name}",
            wrong,
            writes(cmd, named(name)),
        )
    for cmd, name in (
        ("score", "s.TIF"),
        ("score", "s.Tiff"),
        ("mask", "m.TIFF"),
        ("export", "m.ONNX"),
        ("quicklook", "q.PNG"),
    ):
        yield Case(
            f"extension-{cmd}-{name.replace('.', '_')}",
            f"{cmd} -o {name} (the extension in capitals)",
            f"exit 0; a valid {KIND[cmd]}",
            writes(cmd, named(name), expect=OK),
        )

    # plain mistakes
    for key, title, expected, body in (
        (
            "missing-target",
            "score a file that does not exist",
            "one-line error naming it, exit 2",
            writes("score", named("s.tif"), inputs=[named("nope.tif")], contains=["nope.tif"]),
        ),
        (
            "newline-in-name",
            "score a missing file whose name holds a newline",
            "one line (not two), exit 2",
            writes("score", named("s.tif"), inputs=[named("a\nb.tif")]),
        ),
        (
            "folder-as-target",
            "score a folder",
            "one-line error, exit 2",
            writes("score", named("s.tif"), inputs=[folder("d.tif")]),
        ),
        (
            "text-as-target",
            "score a text file named .tif",
            "one-line error naming it, exit 2",
            writes("score", named("s.tif"), inputs=[user_file("t.tif")], contains=["t.tif"]),
        ),
        (
            "unknown-method",
            "score --method nosuch",
            "one-line error listing the methods, exit 2",
            writes("score", named("s.tif"), "--method", "nosuch", contains=["rx"]),
        ),
        (
            "unknown-param",
            "score --param bogus=1",
            "one-line error naming the parameter, exit 2",
            writes("score", named("s.tif"), "--param", "bogus=1", contains=["bogus"]),
        ),
        (
            "bad-tile-size",
            "score --tile-size 5",
            "one-line error naming --tile-size, exit 2",
            writes("score", named("s.tif"), "--tile-size", 5, contains=["tile"]),
        ),
        (
            "reference-missing",
            "score --method cva without --reference",
            "one-line error naming --reference, exit 2",
            writes("score", named("s.tif"), "--method", "cva", contains=["reference"]),
        ),
        (
            "bad-threshold-nan",
            "mask --threshold nan",
            "one-line error, exit 2",
            writes("mask", named("m.tif"), "--threshold", "nan"),
        ),
        (
            "argparse-bad-float",
            "mask --false-alarm-rate abc",
            "one-line `raresight: error:` naming abc, exit 2",
            writes("mask", named("m.tif"), "--false-alarm-rate", "abc", contains=["abc"]),
        ),
        (
            "argparse-bad-choice",
            "score --complex phase",
            "one-line `raresight: error:` naming phase, exit 2",
            writes("score", named("s.tif"), "--complex", "phase", contains=["phase"]),
        ),
        (
            "argparse-unknown-option",
            "score --colour red",
            "one-line `raresight: error:` naming --colour, exit 2",
            writes("score", named("s.tif"), "--colour", "red", contains=["--colour"]),
        ),
    ):
        yield Case(key, title, expected, body)
    for value in ("2", "-0.1", "0", "nan"):
        yield Case(
            f"bad-rate-{value}",
            f"mask --false-alarm-rate {value}",
            "one-line error naming the rate, exit 2",
            writes("mask", named("m.tif"), "--false-alarm-rate", value, contains=["rate"]),
        )
    yield Case(
        "argparse-missing-output",
        "score T (no -o)",
        "one-line `raresight: error:` naming -o, exit 2",
        lambda c: c.cli("score", _post(c), expect=ERROR, contains=["-o"]),
    )
    for key, title, data, nodata in (
        (
            "all-nan-target",
            "a float raster that is NaN everywhere",
            np.full((2, 32, 32), np.nan, np.float32),
            None,
        ),
        ("all-nodata-target", "a raster whose every pixel is nodata", np.zeros((2, 32, 32), np.uint16), 0),
    ):
        yield Case(
            key,
            f"score {title}",
            "one-line error: no valid pixel, exit 2",
            lambda c, d=data, n=nodata: c.cli(
                "score", c.raster("t.tif", d, nodata=n), "-o", c.p("s.tif"), expect=ERROR, contains=["valid"]
            ),
        )
    yield Case(
        "png-as-target",
        "score a PNG without georeference, named .tif",
        "exit 0 with a valid score (a WARNING allowed), or one-line error",
        writes("score", named("s.tif"), inputs=[seeded("bg.png", "p.tif", companions=False)], expect=EITHER),
    )


# 6. odd but valid inputs --------------------------------------------------------------------------


def _score_of(c: Ctx, data, method="rx", expect=OK, ref=None, nan_at=None, contains=(), **kw) -> Path | None:
    """Score ``data`` (and reference ``ref`` on the same grid) written as GeoTIFFs with ``kw``."""
    t = c.raster("t.tif", data, **kw)
    s = c.p("s.tif")
    args = ["score", t, "--method", method, "-o", s]
    if ref is not None:
        args += ["--reference", c.raster("r.tif", ref, **kw)]
    step = c.cli(*args, out=s, kind="score", grid=t, expect=expect, nan_at=nan_at, contains=contains)
    return s if step.rc == 0 else None


def _downstream(c: Ctx, data, **kw) -> None:
    s = _score_of(c, data, **kw)
    if s is None:
        return
    c.cli("mask", s, "-o", (m := c.p("m.tif")), out=m, kind="mask", grid=s)
    c.cli("polygonize", s, "--min-area-m2", 100, "-o", (g := c.p("p.gpkg")), out=g, kind="gpkg")
    c.cli("quicklook", s, "-o", (q := c.p("q.png")), out=q, kind="png")


def _mixed_crs(c: Ctx, crs, method: str = "cva") -> None:
    t = c.seed("post.tif", as_="t.tif")
    r = warp_to(_pre(c), c.p("r.tif"), crs)
    s = c.p("s.tif")
    c.cli("score", t, "--reference", r, "--method", method, "-o", s, out=s, kind="score", grid=t)


def _shifted(c: Ctx, crs, transform, expect: str) -> None:
    t = c.seed("post.tif", as_="t.tif")
    r = c.raster("r.tif", optical(5, anomaly=False), crs=crs, transform=transform, nodata=0)
    s = c.p("s.tif")
    contains = ["overlap"] if expect == ERROR else ()
    c.cli(
        "score",
        t,
        "--reference",
        r,
        "--method",
        "cva",
        "-o",
        s,
        out=s,
        kind="score",
        grid=t,
        expect=expect,
        contains=contains,
    )


def _unreferenced_sizes(c: Ctx) -> None:
    t = c.raster("t.tif", field_data(64, 80, 3).astype(np.float32), crs=None)
    r = c.raster("r.tif", field_data(50, 70, 3, seed=4).astype(np.float32), crs=None)
    c.cli("score", t, "--reference", r, "--method", "cva", "-o", c.p("s.tif"), expect=ERROR)


def _patterned(base: np.ndarray, kind: str) -> np.ndarray:
    d = base.astype(np.float32)
    if kind == "nan-stripes":
        d[:, ::4] = np.nan
    elif kind == "nan-checkerboard":
        d[:, np.indices(d.shape[1:]).sum(0) % 2 == 0] = np.nan
    elif kind == "nan-one-band":
        d[1, 10:30, 10:30] = np.nan
    elif kind == "inf":
        d[:, 5:9, 5:9] = np.inf
    elif kind == "minus-inf":
        d[0, 40:44, 40:44] = -np.inf
    elif kind == "nan-inf-mix":
        d[:, :4] = np.nan
        d[2, 50:52, :] = np.inf
        d[0, :, 60:] = -np.inf
    return d


def _nodata_value(c: Ctx, base: np.ndarray, dtype: str, nodata: float) -> None:
    d = as_dtype(base, dtype)
    hole = np.random.default_rng(3).random(d.shape[1:]) < 0.1
    d[:, hole] = nodata
    _score_of(c, d, nodata=nodata, nan_at=hole)


def _one_valid(c: Ctx, method: str) -> None:
    d = np.zeros((3, 64, 64), np.uint16)
    d[:, 30, 30] = [500, 700, 900]
    ref = None
    if method == "cva":
        ref = d.copy()
        ref[:, 30, 30] = [400, 800, 900]
    s = _score_of(c, d, method, EITHER, ref=ref, nodata=0, contains=[("small", "pixel", "valid")])
    if s is not None:
        _flag_at_most(c, s)


def _unicode(c: Ctx, cmd: str) -> None:
    sub = c.mkdir("dossier à espaces/данные 数据")
    t = write_raster(sub / "scène ü.tif", optical(0), nodata=0)
    s = sub / "score é.tif"
    if c.cli("score", t, "-o", s, out=s, kind="score", grid=t).rc != 0 or cmd == "score":
        return
    names = {"mask": "masque ø.tif", "polygonize": "polygones ø.gpkg", "quicklook": "aperçu ø.png"}
    out = sub / names[cmd]
    c.cli(cmd, s, "-o", out, out=out, kind=KIND[cmd])


def _relative(c: Ctx) -> None:
    t, s, m = _post(c), c.p("s.tif"), c.p("m.tif")
    rel = lambda p: os.path.relpath(p, ROOT)  # noqa: E731
    if c.cli("score", rel(t), "-o", rel(s), out=s, kind="score", grid=t).rc == 0:
        c.cli("mask", rel(s), "-o", rel(m), out=m, kind="mask", grid=s)


def odd_cases() -> Iterator[Case]:
    either_small = "exit 0 with a valid score on its grid, or a one-line error saying it is too small"
    for label, shape in (("1x1", (1, 1)), ("1x200", (1, 200)), ("200x1", (200, 1)), ("2x2", (2, 2))):
        tiny = label in ("1x1", "2x2")
        for method in ("rx", "cva", "lrx", "logratio"):
            if method in ("lrx", "logratio") and label in ("2x2", "200x1"):
                continue
            data = field_data(*shape, bands=3, seed=1, anomaly=False).astype(np.float32)
            ref = (
                field_data(*shape, bands=3, seed=2, anomaly=False).astype(np.float32)
                if method in ("cva", "logratio")
                else None
            )
            expect = EITHER if tiny or method == "lrx" else OK
            yield Case(
                f"shape-{label}-{method}",
                f"a {label} raster under {method}",
                either_small if expect == EITHER else VALID_SCORE,
                lambda c, d=data, m=method, r=ref, e=expect: _score_of(
                    c, d, m, e, r, contains=[("small", "pixel")] if e == EITHER else ()
                ),
            )
    strip = field_data(1, 200, bands=3, seed=1).astype(np.float32)
    yield Case(
        "shape-1x200-downstream",
        "score, mask, polygonize and quicklook of a 1 x 200 raster",
        "every command exits 0 with a valid output",
        lambda c: _downstream(c, strip),
    )

    scene = field_data(64, 80, bands=3, seed=3).astype(np.float32)
    pre = field_data(64, 80, bands=3, seed=4, anomaly=False).astype(np.float32)
    south_up = Affine(10.0, 0.0, 600_000.0, 0.0, 10.0, 4_799_360.0)
    rotated = Affine.translation(600_000.0, 4_800_000.0) * Affine.rotation(20.0) * Affine.scale(10.0, -10.0)
    geographic = {"crs": CRS.from_epsg(4326), "transform": from_origin(3.0, 43.5, 0.0001, 0.0001)}
    for label, kw in (
        ("south-up", {"transform": south_up}),
        ("rotated", {"transform": rotated}),
        ("geographic", geographic),
        ("not-georeferenced", {"crs": None}),
    ):
        yield Case(
            f"{label}-rx",
            f"rx of a {label} raster",
            VALID_SCORE + " (the same transform)",
            lambda c, kw=kw: _score_of(c, scene, **kw),
        )
        yield Case(
            f"{label}-cva",
            f"cva of a {label} pair on one grid",
            VALID_SCORE,
            lambda c, kw=kw: _score_of(c, scene, "cva", ref=pre, **kw),
        )
        yield Case(
            f"{label}-downstream",
            f"mask, polygonize (--min-area-m2 100) and quicklook of a {label} score",
            "every command exits 0 with a valid output",
            lambda c, kw=kw: _downstream(c, scene, **kw),
        )
    yield Case(
        "not-georeferenced-pair-sizes-differ",
        "cva of two non-georeferenced rasters of different sizes",
        "one-line error (they cannot be aligned), exit 2",
        _unreferenced_sizes,
    )
    yield Case(
        "mixed-crs-3857-cva",
        "cva, reference in EPSG:3857, target in UTM 31N (overlapping)",
        VALID_SCORE + " (the reference reprojected onto it)",
        lambda c: _mixed_crs(c, CRS.from_epsg(3857)),
    )
    yield Case(
        "mixed-crs-4326-gauss-ref",
        "gauss-ref, reference in EPSG:4326, target in UTM 31N",
        VALID_SCORE,
        lambda c: _mixed_crs(c, CRS.from_epsg(4326), "gauss-ref"),
    )
    no_overlap = "one-line error saying they do not overlap, exit 2"
    yield Case(
        "reference-partial-overlap",
        "cva, the reference shifted by half the scene",
        VALID_SCORE,
        lambda c: _shifted(c, UTM, from_origin(600_640.0, 4_800_000.0, 10.0, 10.0), OK),
    )
    yield Case(
        "reference-no-overlap",
        "cva, the reference 100 km away",
        no_overlap,
        lambda c: _shifted(c, UTM, from_origin(700_000.0, 4_800_000.0, 10.0, 10.0), ERROR),
    )
    yield Case(
        "mixed-crs-no-overlap",
        "cva, the reference in EPSG:4326 on another continent",
        no_overlap,
        lambda c: _shifted(c, CRS.from_epsg(4326), from_origin(100.0, 10.0, 0.0001, 0.0001), ERROR),
    )

    base = field_data(64, 64, bands=3, seed=7)
    pre64 = field_data(64, 64, bands=3, seed=8, anomaly=False)
    for dtype in ("uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"):
        yield Case(
            f"dtype-{dtype}-rx",
            f"rx of a {dtype} raster",
            VALID_SCORE,
            lambda c, d=dtype: _score_of(c, as_dtype(base, d)),
        )
    for dtype in ("int64", "uint64"):
        yield Case(
            f"dtype-{dtype}-rx",
            f"rx of a {dtype} raster",
            "exit 0 with a valid score, or a one-line error",
            lambda c, d=dtype: _score_of(c, as_dtype(base, d), expect=EITHER),
        )
    for dtype in ("uint8", "int16"):
        yield Case(
            f"dtype-{dtype}-cva",
            f"cva of a {dtype} pair",
            VALID_SCORE,
            lambda c, d=dtype: _score_of(c, as_dtype(base, d), "cva", ref=as_dtype(pre64, d)),
        )
    yield Case(
        "dtype-float64-logratio",
        "logratio of a float64 linear-power pair",
        VALID_SCORE,
        lambda c: _score_of(c, base / 1000, "logratio", ref=pre64 / 1000),
    )

    not_finite = VALID_SCORE + "; NaN (never inf) wherever a band is not finite"
    for kind in ("nan-stripes", "nan-checkerboard", "nan-one-band", "inf", "minus-inf", "nan-inf-mix"):
        d = _patterned(base, kind)
        invalid = ~np.isfinite(d).all(axis=0)
        for method in (
            ("rx", "lrx")
            if kind.startswith("nan-") and kind != "nan-one-band" and kind != "nan-inf-mix"
            else ("rx",)
        ):
            yield Case(
                f"{kind}-{method}",
                f"{method} of a float32 raster with {kind.replace('-', ' ')}",
                not_finite,
                lambda c, d=d, m=method, inv=invalid: _score_of(c, d, m, nan_at=inv),
            )
    mix = _patterned(base, "nan-inf-mix")
    yield Case(
        "nan-inf-mix-cva",
        "cva of a pair whose target holds NaN, inf and -inf",
        not_finite,
        lambda c: _score_of(
            c, mix, "cva", ref=pre64.astype(np.float32), nan_at=~np.isfinite(mix).all(axis=0)
        ),
    )
    holed = pre64.astype(np.float32)
    holed[:, 20:40, 20:40] = np.nan
    block = np.zeros((64, 64), bool)
    block[20:40, 20:40] = True
    yield Case(
        "nan-in-reference-cva",
        "cva with NaN on a block of the reference",
        VALID_SCORE + "; NaN on that block",
        lambda c: _score_of(c, base.astype(np.float32), "cva", ref=holed, nan_at=block),
    )
    at_nodata = VALID_SCORE + "; NaN at the nodata pixels"
    for key, title, dtype, nodata in (
        ("nodata-5-scattered", "uint16 with nodata=5 on 10 % of the pixels (scattered)", "uint16", 5),
        ("nodata-minus-9999", "float32 with nodata=-9999 on 10 % of the pixels", "float32", -9999.0),
        ("nodata-int8-min", "int8 with nodata=-128 on 10 % of the pixels", "int8", -128),
        ("nodata-nan-declared", "float32 with nodata=NaN declared and NaN holes", "float32", np.nan),
    ):
        yield Case(key, title, at_nodata, lambda c, d=dtype, n=nodata: _nodata_value(c, base, d, n))
    yield Case(
        "nodata-absent-value",
        "uint16 with nodata=65535 that no pixel holds",
        VALID_SCORE,
        lambda c: _score_of(c, as_dtype(base, "uint16"), nodata=65535),
    )
    for method in ("rx", "lrx", "cva"):
        yield Case(
            f"all-but-one-nodata-{method}",
            f"{method}: every pixel nodata but one",
            "exit 0 with a valid score (mask at 0.01 flags at most 1 %), "
            "or a one-line error saying too few valid pixels",
            lambda c, m=method: _one_valid(c, m),
        )

    for cmd in ("score", "mask", "polygonize", "quicklook"):
        yield Case(
            f"unicode-spaces-{cmd}",
            f"{cmd} with spaces and non-ASCII letters in folder and file names",
            "exit 0 with valid outputs",
            lambda c, cmd=cmd: _unicode(c, cmd),
        )
    yield Case(
        "relative-paths",
        "score and mask with paths relative to the working folder",
        "both exit 0 with valid outputs",
        _relative,
    )
    for key, title, target, out, expect in (
        ("uppercase-input-extension", "score T.TIF -o S.TIF", "T.TIF", "S.TIF", OK),
        (
            "trailing-dot-input",
            "score 'post.tif.' (an input named with a trailing dot)",
            "post.tif.",
            "s.tif",
            OK,
        ),
        ("hidden-output", "score -o .hidden.tif", "post.tif", ".hidden.tif", OK),
        (
            "long-output-name",
            "score -o NAME.tif, a 240-character name",
            "post.tif",
            "n" * 236 + ".tif",
            EITHER,
        ),
    ):
        expected = (
            VALID_SCORE
            if expect == OK
            else "exit 0 with a valid score, or a one-line error; no temporary file left"
        )
        yield Case(
            key,
            title,
            expected,
            lambda c, t=target, o=out, e=expect: c.cli(
                "score",
                (p := c.seed("post.tif", as_=t)),
                "-o",
                c.p(o),
                out=c.p(o),
                kind="score",
                grid=p,
                expect=e,
            ),
        )
    yield Case(
        "same-target-twice",
        "score T T (the same target twice)",
        "exit 0 with a valid score, or a one-line error",
        writes("score", named("s.tif"), named("post.tif"), expect=EITHER),
    )


def _chain(c: Ctx, method: str) -> None:
    t = c.seed("sar.tif") if method == "logratio" else _post(c)
    s = c.p("s.tif")
    ref = {"cva": "pre.tif", "gauss-ref": "pre.tif", "logratio": "sar_pre.tif"}.get(method)
    more = ["--reference", c.seed(ref)] if ref else []
    if c.cli("score", t, "--method", method, *more, "-o", s, out=s, kind="score", grid=t).rc != 0:
        return
    c.cli("mask", s, "-o", (m := c.p("m.tif")), out=m, kind="mask", grid=s)
    c.cli("polygonize", s, "-o", (g := c.p("p.gpkg")), out=g, kind="gpkg")
    bands = "1,1,1" if method == "logratio" else "3,2,1"
    c.cli("quicklook", s, "--background", t, "--bands", bands, "-o", (q := c.p("q.png")), out=q, kind="png")


def _saved_model(c: Ctx) -> None:
    m = _model(c)
    writes("score", named("s.tif"), "--model", m, expect=OK)(c)
    c.cli("export", m, "-o", (o := c.p("m.onnx")), out=o, kind="onnx")


def baseline_cases() -> Iterator[Case]:
    every = "every command exits 0 with a valid output"
    for method in ("rx", "lrx", "cva", "logratio", "gauss-ref"):
        yield Case(
            f"chain-{method}",
            f"score ({method}), mask, polygonize and quicklook of an ordinary scene",
            every,
            lambda c, m=method: _chain(c, m),
        )
    yield Case(
        "chain-saved-model", "score --model M (a micro diffusion model), export M", every, _saved_model
    )
    yield Case(
        "evaluate-json",
        "evaluate a one-case data set --json E.json",
        "exit 0; valid JSON",
        writes("evaluate", named("e.json"), expect=OK),
    )


CATEGORIES = (
    ("baseline", baseline_cases),
    ("collision", collision_cases),
    ("results", results_cases),
    ("errors", errors_cases),
    ("leftovers", leftovers_cases),
    ("messages", messages_cases),
    ("odd-valid", odd_cases),
)


def all_cases() -> list[Case]:
    cases = [replace(case, category=name) for name, make in CATEGORIES for case in make()]
    ids = [c.id for c in cases]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise RuntimeError(f"duplicate case ids: {dup}")
    return cases


# --------------------------------------------------------------------------------------------------
# running and reporting


def run_case(case: Case, workdir: Path, seeds: Seeds) -> Result:
    ctx = Ctx(workdir / case.id, seeds)
    t0 = time.monotonic()
    try:
        case.body(ctx)
    except SetupError as exc:
        ctx.problems.append(f"setup failed: {exc}")
    except Exception as exc:  # noqa: BLE001 - a broken case is a failed row, not a crashed run
        ctx.problems.append(f"case error: {type(exc).__name__}: {shorten(str(exc), 120)}")
    ctx.finish()
    problems = [p for p in ctx.problems if p]
    hide = [f"{ctx.folder}/", f"{workdir}/", f"{os.path.relpath(ctx.folder, ROOT)}/"]
    observed = "; ".join([*ctx.notes, *(s.summary(hide) for s in ctx.steps)]) or "(no command ran)"
    if problems:
        observed += " — " + "; ".join(problems)
    seconds = time.monotonic() - t0
    return Result(
        case.id, case.category, case.title, case.expected, observed, not problems, seconds, problems
    )


def run_cases(workdir: str | os.PathLike[str], only: str | None = None, jobs: int = 2) -> list[Result]:
    """Run every case (whose id contains ``only``) in ``workdir``; the results in case order."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    cases = [c for c in all_cases() if not only or only in c.id]
    seeds = Seeds(workdir / "_seeds")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {c.id: pool.submit(run_case, c, workdir, seeds) for c in cases if not c.serial}
        results = {cid: fut.result() for cid, fut in futures.items()}
    for c in cases:
        if c.serial:
            results[c.id] = run_case(c, workdir, seeds)
    return [results[c.id] for c in cases]


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render(results: Sequence[Result]) -> str:
    passed = sum(r.passed for r in results)
    lines = [
        "# Reliability: hostile, odd and faulty inputs",
        "",
        "Each row runs the real command line (`python -m backend ...`) in subprocesses, in a folder of its "
        "own, on rasters generated there, and checks the row's expected behaviour and these invariants:",
        "",
        *(f"- {inv}" for inv in INVARIANTS),
        "",
        "Regenerate this file (a few minutes on 2 cores) with",
        "",
        "```",
        REGENERATE,
        "```",
        "",
        "`--jobs N` runs N cases at once, `--only TEXT` the cases whose id contains TEXT, `--list` lists "
        "them; `tests/test_reliability.py` runs them all. The rows marked *(root)* (a character device, "
        "`/dev/null` at -o) run only as root and are left out otherwise.",
        "",
        f"**{len(results)} cases, {passed} pass.**",
        "",
        "| id | category | case | expected | observed | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        tag = " *(root)*" if r.id.endswith(("char-device", "dev-null")) else ""
        result = "pass" if r.passed else "**FAIL**"
        lines.append(
            f"| {r.id} | {r.category} | {_cell(r.title)}{tag} | {_cell(r.expected)} | {_cell(r.observed)} "
            f"| {result} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", default=str(DEFAULT_OUT), help="Markdown file to write (default docs/RELIABILITY.md)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--only", help="only the cases whose id contains this text")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch folder (its path goes to stderr)"
    )
    args = parser.parse_args(argv)
    if args.list:
        for c in all_cases():
            if not args.only or args.only in c.id:
                print(f"{c.id:45s} {c.category:10s} {c.title}")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="raresight-reliability-"))
    t0 = time.monotonic()
    try:
        results = run_cases(workdir, args.only, args.jobs)
    finally:
        if args.keep:
            print(f"scratch folder kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    Path(args.out).write_text(render(results), encoding="utf-8")
    failed = [r for r in results if not r.passed]
    for r in failed:
        print(f"FAIL {r.id}: {r.observed}", file=sys.stderr)
    seconds = time.monotonic() - t0
    print(f"{len(results)} cases, {len(results) - len(failed)} pass ({seconds:.0f} s); wrote {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
