"""The plugin's persistent settings (QgsSettings under ``raresight/``)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProject, QgsSettings

from .backend_client import PLUGIN_DIR, default_interpreter

PREFIX = "raresight/"


def _settings() -> QgsSettings:
    return QgsSettings()


def interpreter() -> str:
    """The backend's Python interpreter: the user's choice, else the plugin folder's venv."""
    value = _settings().value(PREFIX + "interpreter", "", type=str)
    return value or default_interpreter(PLUGIN_DIR)


def backend_is_managed() -> bool:
    """True when the backend is the environment that Set up backend makes: no interpreter chosen
    by hand, no development .venv in the plugin folder."""
    if _settings().value(PREFIX + "interpreter", "", type=str):
        return False
    return not any((PLUGIN_DIR / ".venv" / sub).is_file() for sub in ("bin/python", "Scripts/python.exe"))


def set_interpreter(path: str) -> None:
    _settings().setValue(PREFIX + "interpreter", path or "")


def default_output_dir() -> Path:
    """Beside the project (``<project folder>/raresight``), or ``~/RareSight`` for an unsaved one."""
    home = QgsProject.instance().homePath()
    return Path(home) / "raresight" if home else Path.home() / "RareSight"


def output_dir() -> str:
    return _settings().value(PREFIX + "output_dir", "", type=str) or str(default_output_dir())


def set_output_dir(path: str) -> None:
    _settings().setValue(PREFIX + "output_dir", path or "")


def value(key: str, default, kind=str):
    return _settings().value(PREFIX + key, default, type=kind)


def set_value(key: str, v) -> None:
    _settings().setValue(PREFIX + key, v)
