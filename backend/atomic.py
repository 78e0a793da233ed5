"""Atomic outputs: write to a temporary file beside the target, rename on success.

A crash, a cancel or an error leaves no partial output behind: either the whole file appears under
its final name or nothing does (and any previous file of that name is untouched).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as a Path after checking its folder exists and is writable.

    Raises:
        OutputError: the folder is missing, is not a folder, or cannot be written; or ``path`` is a
            folder.
    """
    out = Path(path)
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise OutputError(f"Output {out} is a folder: give a file name such as {out / 'score.tif'}.")
    if not folder.is_dir():
        raise OutputError(f"Output folder {folder} does not exist: create it or choose another path.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"Output folder {folder} is not writable: choose a folder you can write to.")
    return out


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block succeeds.

    The temporary name keeps the suffix (drivers pick formats from it). On any exception the
    temporary file is removed and the exception propagates.
    """
    final = check_output_path(path)
    tmp = final.with_name(f".{final.stem}.{uuid.uuid4().hex[:8]}.part{final.suffix}")
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        # GDAL may leave an .aux.xml beside the temporary file.
        with contextlib.suppress(OSError):
            Path(str(tmp) + ".aux.xml").unlink()
