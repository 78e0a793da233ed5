"""Shared fixtures: tiny generated rasters and the optional evaluation data in ../shared/data."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import rasters  # noqa: E402  (tests/rasters.py, the generator)

DATA_ROOT = Path(os.environ.get("RARESIGHT_DATA", ROOT.parent / "shared" / "data"))
# Pretrained encoders come from an empty cache (offline: never downloaded), whatever this machine
# has cached: tests that need one put a micro encoder in place (test_encoder_expert.py).
os.environ["RARESIGHT_ENCODER_CACHE"] = tempfile.mkdtemp(prefix="raresight-test-encoders-")
os.environ.pop("RARESIGHT_ENCODER_PATH", None)  # no provisioned folders either


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that reads ../shared/data (through ``data_root``, directly or not) is marked slow, so
    that ``scripts/test.sh --quick`` (``-m "not slow"``) leaves the real scenes out."""
    for item in items:
        if "data_root" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def data_root() -> Path:
    """../shared/data, or skip when it is absent (a user's fresh clone)."""
    if not (DATA_ROOT / "manifest.json").is_file():
        pytest.skip(f"evaluation data not found at {DATA_ROOT} (set RARESIGHT_DATA)")
    return DATA_ROOT


@pytest.fixture()
def scene(tmp_path: Path) -> dict[str, Path]:
    """post.tif (4-band uint16 with a planted anomaly and nodata border), pre.tif (same grid, no
    anomaly), sar.tif (2-band dB float32, NaN border, dark patch), all in EPSG:32631, 10 m."""
    return {
        "post": rasters.write(tmp_path / "post.tif", rasters.optical(0), nodata=rasters.NODATA),
        "pre": rasters.write(tmp_path / "pre.tif", rasters.optical(5, anomaly=False), nodata=rasters.NODATA),
        "sar": rasters.write(tmp_path / "sar.tif", rasters.sar(), nodata=float("nan")),
    }


@pytest.fixture(scope="session")
def plugin_package(tmp_path_factory):
    """The repository imported as the QGIS plugin package ``raresight`` (as QGIS names it after its
    folder), through a symlink, so that the plugin's relative imports work as in QGIS."""
    import importlib

    pytest.importorskip("qgis.core", reason="QGIS Python bindings not available")
    holder = tmp_path_factory.mktemp("plugins")
    (holder / "raresight").symlink_to(ROOT, target_is_directory=True)
    sys.path.insert(0, str(holder))
    return importlib.import_module("raresight")
