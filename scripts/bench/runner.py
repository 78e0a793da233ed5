"""The ``raresight`` command in a child process (``python -m backend`` from the repository root):
wall time, peak memory, and the evaluation data's provisioned encoder weights."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from . import ROOT


def child_env(root: Path = ROOT) -> dict[str, str]:
    """This process's environment with the repository root (or another checkout's ``root``) first
    on ``PYTHONPATH`` (finds ``backend``; a path already there, e.g. carried wheels, stays after
    it)."""
    rest = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(root), rest) if p)}


def run_cli(args: list[str]) -> float:
    """Run ``raresight ARGS``; return its wall time in seconds (Python start-up included). Exits
    with the command's stderr when it fails."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "backend", *args], cwd=ROOT, capture_output=True, text=True, env=child_env()
    )
    if proc.returncode != 0:
        raise SystemExit(f"raresight {' '.join(args)} failed:\n{proc.stderr}")
    return time.monotonic() - started


def run_measuring_peak(cmd: list[str], root: Path = ROOT) -> float:
    """Run ``cmd`` in ``root`` (this checkout by default); return its peak resident memory in MiB.

    The child's ``VmHWM`` is read from /proc every 0.1 s while it runs (``ru_maxrss`` would also
    count the parent's pages the child inherited before exec)."""
    proc = subprocess.Popen(cmd, cwd=root, env=child_env(root))
    peak_kib = 0
    while proc.poll() is None:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            hwm = [line for line in status.splitlines() if line.startswith("VmHWM:")]
            if hwm:
                peak_kib = max(peak_kib, int(hwm[0].split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    if proc.returncode:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}")
    return peak_kib / 1024
