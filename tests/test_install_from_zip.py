"""From the built zip to a detection, as a new user on any desktop: the zip unpacked into a fresh
QGIS profile's plugin folder, the dock's Set up backend making the ``core`` profile in a fresh venv
without system site packages (from pip's configured index), then Detect anomalies on the embedded
sample through the dock: the score layer equals the CLI's output."""

from __future__ import annotations

import importlib
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import rasterio

pytestmark = [pytest.mark.qgis, pytest.mark.slow]
pytest.importorskip("qgis.core", reason="QGIS Python bindings not available")
from qgis.core import QgsProject, QgsRasterLayer, QgsSettings  # noqa: E402

from tests.test_packaging import built_zip  # noqa: E402, F401 - the fixture
from tests.test_plugin_dock import Iface, wait_for  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: The package name of the unpacked plugin (QGIS names a plugin after its folder; another name than
#: the repository's own ``raresight`` keeps the two apart in this process).
NAME = "raresight_from_zip"


def test_zip_set_up_backend_then_detect_equals_the_cli(
    built_zip,  # noqa: F811 - the fixture imported above
    qgis_iface,
    qgis_new_project,
    tmp_path,
    monkeypatch,
):
    plugins = tmp_path / "profile" / "python" / "plugins"
    with zipfile.ZipFile(built_zip) as zf:
        zf.extractall(plugins)
    folder = plugins / NAME
    (plugins / "raresight").rename(folder)
    assert not (folder / ".venv").exists()
    monkeypatch.setenv("RARESIGHT_BACKEND_HOME", str(tmp_path / "home"))
    monkeypatch.syspath_prepend(str(plugins))
    QgsSettings().remove("raresight/interpreter")
    QgsSettings().setValue("raresight/output_dir", str(tmp_path / "results"))
    QgsSettings().setValue("raresight/method", "rx")
    package = importlib.import_module(NAME)
    plugin = package.classFactory(Iface(qgis_iface))
    plugin.initGui()
    plugin.show_dock(True)
    dock = plugin.dock
    try:
        # No backend yet: the panel, not an error.
        panel = dock.setup_panel
        assert not panel.isHidden() and panel.profile_combo.currentData() == "core"
        ready: list = []
        panel.backendReady.connect(ready.append)
        panel.setup_button.click()
        wait_for(lambda: panel.task is None, 900)
        assert ready, panel.setup_status.text() + "\n" + panel.log_view.toPlainText()[-2000:]
        venv = tmp_path / "home" / "venv"
        assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
        assert panel.isHidden() and "RareSight" in dock.status_label.text()
        # Detect anomalies on the embedded sample, through the dock.
        sample = folder / "resources" / "sample" / "s1.tif"
        layer = QgsRasterLayer(str(sample), "s1")
        assert layer.isValid()
        QgsProject.instance().addMapLayer(layer)
        dock.target_combo.setLayer(layer)
        dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
        found: list = []
        dock.detectionFinished.connect(found.append)
        failed: list = []
        dock.runFailed.connect(failed.append)
        dock.run_button.click()
        wait_for(lambda: (found or failed) and dock.task is None, 300)
        assert not failed, failed
        score = Path(found[0].source())
        assert score.is_file() and score.parent == tmp_path / "results"
        assert dock.client_factory().interpreter == str(venv / "bin" / "python")
        # The CLI of the same environment on the same file: the same scores.
        cli = tmp_path / "cli.tif"
        run = subprocess.run([str(venv / "bin" / "python"), "-m", "backend", "score", str(sample), "-o", str(cli),
                              "--method", "rx"], cwd=folder, capture_output=True, text=True, timeout=300)  # fmt: skip
        assert run.returncode == 0, run.stderr
        with rasterio.open(score) as a, rasterio.open(cli) as b:
            assert np.array_equal(a.read(1), b.read(1), equal_nan=True)
            assert a.crs == b.crs and a.transform == b.transform
    finally:
        plugin.unload()
        QgsProject.instance().removeAllMapLayers()
        for key in ("output_dir", "method"):
            QgsSettings().remove(f"raresight/{key}")
        for name in [m for m in sys.modules if m == NAME or m.startswith(NAME + ".")]:
            del sys.modules[name]
