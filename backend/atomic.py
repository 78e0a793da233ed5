"""Atomic outputs: write to a temporary file beside the target, rename on success.

A crash, a cancel or an error leaves no partial output behind: either the whole file appears under
its final name or nothing does (and any previous file of that name is untouched).

Temporary names say who writes them: ``.<stem>.rs<pid>-<host>-<random>.part<suffix>``, where
``<host>`` is a short hash of the machine's name. A run killed with ``kill -9`` cannot remove its
own; :func:`sweep_stale_parts` removes them on the next run that writes into the folder: those of a
process of this machine that no longer runs, and those of other machines (shared storage) untouched
for a day. Nothing else matches the pattern, so a user's file is never swept.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError

log = logging.getLogger(__name__)

#: A temporary file of another machine is stale once untouched for this long (seconds).
FOREIGN_STALE_S = 24 * 3600

_HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
_PART = re.compile(
    r"^\..*\.rs(?P<pid>\d+)-(?P<host>[0-9a-f]{8})-[0-9a-f]{8}\.part(\.[A-Za-z0-9]+)?"
    r"(\.aux\.xml|-journal|-wal|-shm)?$"
)


def part_path(final: str | os.PathLike[str]) -> Path:
    """A new temporary path beside ``final`` that keeps its suffix (drivers pick formats from it)."""
    final = Path(final)
    token = f"rs{os.getpid()}-{_HOST}-{uuid.uuid4().hex[:8]}"
    return final.with_name(f".{final.stem}.{token}.part{final.suffix}")


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        import ctypes

        kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel.OpenProcess(0x1000 | 0x00100000, False, pid)  # query + synchronize
        if not handle:
            return False
        try:
            return kernel.WaitForSingleObject(handle, 0) == 0x102  # WAIT_TIMEOUT: still running
        finally:
            kernel.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def is_stale_part(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a RareSight temporary file whose writer is gone."""
    m = _PART.match(Path(path).name)
    if m is None:
        return False
    if m["host"] == _HOST:
        return not _process_alive(int(m["pid"]))
    try:
        return time.time() - os.lstat(path).st_mtime > FOREIGN_STALE_S
    except OSError:
        return False


def sweep_stale_parts(folder: str | os.PathLike[str]) -> list[str]:
    """Remove the stale temporary files (see the module docstring) of ``folder``; return their names."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if entry.name.startswith(".") and ".part" in entry.name and is_stale_part(entry.path):
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed.append(entry.name)
    if removed:
        log.debug("Removed %d temporary file(s) of interrupted runs in %s.", len(removed), folder)
    return removed


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
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"Output folder {folder} is a file, not a folder: choose another output path.")
    if not folder.is_dir():
        raise OutputError(f"Output folder {folder} does not exist: create it or choose another path.")
    probe = part_path(folder / "probe")  # its name is swept if a signal lands before the unlink
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise OutputError(
            f"Output folder {folder} cannot be written to ({exc.strerror}): choose a folder you can write to."
        ) from None
    try:
        os.close(fd)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(probe)
    return out


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block succeeds.

    On any exception (a cancel, Ctrl-C, SIGTERM included) the temporary file is removed and the
    exception propagates.
    """
    final = check_output_path(path)
    tmp = part_path(final)
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
