"""The output gate: every file a command writes is claimed here before any work starts.

:func:`claim_outputs` refuses, with a one-line :class:`~backend.errors.OutputError`:

* an empty path, or an extension that does not match the format written;
* an output that is one of the command's inputs or their sidecars / model cards (``<input>.json``),
  by resolved path or by identity (``os.path.samefile``: symlinks and hard links count);
* a path that exists and is not a regular file (a folder, a FIFO, a device, a symlink);
* an existing file that RareSight did not write as this kind of output: a non-empty file is
  replaced only when it is an earlier result of the same kind (a score raster by a score run, a
  mask by a mask run...). Saved models are never replaced;
* a folder that is missing or cannot be written (tried by creating a file, so that it also holds
  where permissions say nothing, e.g. for root on a read-only file system).

It also sweeps the folder's temporary files of killed runs (:func:`backend.atomic.sweep_stale_parts`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .atomic import check_output_path, sweep_stale_parts
from .errors import OutputError

#: The GeoTIFF metadata tag that marks a raster as a RareSight result, and its values.
PRODUCT_TAG = "RARESIGHT_PRODUCT"
SIDECAR_SUFFIX = ".json"


def _json(path: Path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _tagged(product: str) -> Callable[[Path], bool]:
    def recognise(path: Path) -> bool:
        import rasterio
        from rasterio.errors import NotGeoreferencedWarning, RasterioError

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with rasterio.open(path) as ds:
                    tag = ds.tags().get(PRODUCT_TAG)
        except (RasterioError, OSError, NotGeoreferencedWarning):
            return False
        if tag == product:
            return True
        # score rasters written before the tag: recognised by their sidecar
        side = _json(Path(sidecar_of(path)))
        return product == "score" and tag is None and _is_score_sidecar_content(side)

    return recognise


def _is_score_sidecar_content(content) -> bool:
    return isinstance(content, dict) and str(content.get("format", "")).startswith("raresight-score/")


def _is_score_sidecar(path: Path) -> bool:
    return _is_score_sidecar_content(_json(path))


def _is_polygons(path: Path) -> bool:
    """A GeoPackage of RareSight polygons: one feature table, ``anomalies``."""
    try:
        with open(path, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                return False
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            tables = {r[0] for r in db.execute("SELECT table_name FROM gpkg_contents")}
    except (OSError, sqlite3.Error):
        return False
    return tables == {"anomalies"}


#: The PNG text chunk that marks a quick-look (see :mod:`backend.quicklook`).
QUICKLOOK_SOFTWARE = "RareSight quick-look"


def _is_quicklook(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return False
    return head.startswith(b"\x89PNG\r\n\x1a\n") and b"Software\x00" + QUICKLOOK_SOFTWARE.encode() in head


def _is_evaluation(path: Path) -> bool:
    rows = _json(path)
    return isinstance(rows, list) and all(isinstance(r, dict) and "case" in r and "method" in r for r in rows)


def _never(path: Path) -> bool:
    return False


@dataclass(frozen=True)
class Kind:
    """One kind of output: its name for messages, its file extensions (empty: any) and how to
    recognise an earlier RareSight result of this kind (``replaceable``)."""

    label: str
    extensions: tuple[str, ...]
    replaceable: Callable[[Path], bool]


KINDS: dict[str, Kind] = {
    "score": Kind("score raster", (".tif", ".tiff"), _tagged("score")),
    "score-sidecar": Kind("score sidecar", (), _is_score_sidecar),
    "mask": Kind("mask", (".tif", ".tiff"), _tagged("mask")),
    "polygons": Kind("polygon GeoPackage", (".gpkg",), _is_polygons),
    "quicklook": Kind("quick-look", (".png",), _is_quicklook),
    "model": Kind("saved model", (".safetensors",), _never),
    "model-card": Kind("model card", (), _never),
    "onnx": Kind("ONNX model", (".onnx",), _never),
    "evaluation": Kind("evaluation table", (".json",), _is_evaluation),
}


def sidecar_of(path: str | os.PathLike[str]) -> str:
    """``x.tif`` -> ``x.tif.json`` (score sidecars and model cards alike)."""
    return os.fspath(path) + SIDECAR_SUFFIX


def protected_paths(*inputs: str | os.PathLike[str] | None) -> list[str]:
    """The files a command must never write: each named input and its sidecar or card."""
    out = []
    for p in inputs:
        if p is not None and os.fspath(p):
            out += [os.fspath(p), sidecar_of(p)]
    return out


def _same(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def claim_outputs(outputs: Sequence[tuple[str | os.PathLike[str], str]], inputs: Iterable[str]) -> None:
    """Check every ``(path, kind)`` of ``outputs`` (see the module docstring) before any work.

    ``inputs`` are the files the command reads (with :func:`protected_paths`, their sidecars).

    Raises:
        OutputError: the first refusal, in one line.
    """
    protected = [p for p in inputs if p]
    folders = set()
    for raw, kind_name in outputs:
        kind = KINDS[kind_name]
        path = os.fspath(raw) if raw is not None else ""
        if not path.strip():
            raise OutputError("The output path is empty: give a file name, e.g. -o result.tif.")
        for source in protected:
            if _same(path, source):
                raise OutputError(
                    f"Output {path} is the input {source}: RareSight never writes over its inputs, "
                    "their sidecars or models; choose another output path."
                )
        _check_not_special(Path(path))
        ext = os.path.splitext(path)[1].lower()
        if kind.extensions and ext not in kind.extensions:
            raise OutputError(
                f"Output {path}: a {kind.label} is written as {' or '.join(kind.extensions)}, "
                f"not {ext or 'a name without extension'}: choose a name ending in {kind.extensions[0]}."
            )
        _check_existing(Path(path), kind)
        folders.add(str(check_output_path(path).parent))
    for folder in folders:
        sweep_stale_parts(folder or ".")


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None  # the folder check says what is wrong
    except OSError as exc:
        raise OutputError(f"Output {path} cannot be checked ({exc.strerror}): choose another path.") from None


def _check_not_special(path: Path) -> None:
    """Refuse an existing folder, FIFO, device, socket or symbolic link."""
    st = _lstat(path)
    if st is None or stat.S_ISREG(st.st_mode):
        return
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"Output {path} is a folder: give a file name such as {path / 'result.tif'}.")
    what = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a regular file"
    raise OutputError(
        f"Output {path} exists and is {what}: RareSight only replaces its own results; choose another output path."
    )


def _check_existing(path: Path, kind: Kind) -> None:
    """Refuse an existing non-empty file that is not an earlier result of ``kind``."""
    st = _lstat(path)
    if st is None or st.st_size == 0 or kind.replaceable(path):
        return
    if kind.replaceable is _never:
        raise OutputError(
            f"Output {path} exists: a {kind.label} is never replaced; delete it first or choose another name."
        )
    raise OutputError(
        f"Output {path} exists and is not a RareSight {kind.label}: RareSight only replaces its own "
        "results; delete it first or choose another output path."
    )
