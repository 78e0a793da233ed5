"""Whether this machine has an NVIDIA GPU, from ``nvidia-smi`` (no Python package needed): the set-up
then offers the CUDA builds."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def _nvidia_smi() -> str | None:
    found = shutil.which("nvidia-smi")
    if found:
        return found
    windows = (
        Path(os.environ.get("ProgramFiles", r"C:\Program Files"))
        / "NVIDIA Corporation"
        / "NVSMI"
        / "nvidia-smi.exe"
    )
    return str(windows) if windows.is_file() else None


def nvidia_gpu(timeout_s: float = 10.0) -> str | None:
    """The first NVIDIA GPU's name (``nvidia-smi -L``), or None without one or without a driver."""
    tool = _nvidia_smi()
    if tool is None:
        return None
    try:
        out = subprocess.run([tool, "-L"], capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = next((line for line in out.stdout.splitlines() if line.startswith("GPU ")), None)
    if out.returncode != 0 or first is None:
        return None
    return first.split(":", 1)[1].split("(UUID", 1)[0].strip() if ":" in first else first
