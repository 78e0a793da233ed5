"""Where the backend's environment lives: in the user's data folder, outside the plugin folder,
so that plugin upgrades keep it. ``RARESIGHT_BACKEND_HOME`` moves it (tests, shared installs)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

HOME_ENV = "RARESIGHT_BACKEND_HOME"
#: The stamp an installed environment carries: profile, device, requirements digest, versions.
STAMP = "raresight-backend.json"


def backend_home() -> Path:
    """``%LOCALAPPDATA%\\RareSight`` on Windows, ``~/Library/Application Support/RareSight`` on
    macOS, ``$XDG_DATA_HOME/RareSight`` (``~/.local/share``) elsewhere."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV])
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "RareSight"


def backend_venv() -> Path:
    return backend_home() / "venv"


def venv_python(venv: Path) -> Path:
    """The interpreter of the environment at ``venv`` (``Scripts\\python.exe`` on Windows)."""
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def read_stamp(venv: Path) -> dict[str, Any] | None:
    """What the installer recorded in ``venv`` (None when it holds no readable stamp)."""
    try:
        data = json.loads((venv / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_stamp(venv: Path, data: dict[str, Any]) -> None:
    tmp = venv / (STAMP + ".part")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, venv / STAMP)
