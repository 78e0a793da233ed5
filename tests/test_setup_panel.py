"""The dock's Set up backend panel (headless QGIS): when it shows, what it offers, and a set-up run
through it (with the installer replaced by a stand-in: the real install is tested in
tests/test_setup_backend.py)."""

from __future__ import annotations

import importlib
import json
import time

import pytest

pytestmark = pytest.mark.qgis
pytest.importorskip("qgis.core", reason="QGIS Python bindings not available")
from qgis.core import QgsApplication, QgsSettings  # noqa: E402

from tests.test_plugin_dock import Iface  # noqa: E402


@pytest.fixture()
def managed(plugin_package, qgis_iface, qgis_new_project, tmp_path, monkeypatch):
    """The dock with no interpreter chosen, no development .venv, and an empty backend home."""
    settings = importlib.import_module("raresight.plugin.settings")
    monkeypatch.setenv("RARESIGHT_BACKEND_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(settings, "backend_is_managed", lambda: True)
    QgsSettings().remove("raresight/interpreter")
    p = plugin_package.classFactory(Iface(qgis_iface))
    p.initGui()
    p.show_dock(True)
    yield p.dock, tmp_path / "home" / "venv"
    p.unload()
    for key in ("method", "backend"):
        QgsSettings().remove(f"raresight/{key}")


def _stamp(venv, profile: str, requirements: str | None = None) -> None:
    paths = importlib.import_module("raresight.plugin.setup_backend.paths")
    profiles = importlib.import_module("raresight.plugin.setup_backend.profiles")
    venv.mkdir(parents=True, exist_ok=True)
    paths.write_stamp(venv, {"profile": profile, "device": "cpu",
                             "requirements": requirements or profiles.requirements_hash(profile)})  # fmt: skip


def _choose(dock, method: str) -> None:
    dock.method_combo.setCurrentIndex(dock.method_combo.findData(method))
    dock.refresh_setup()  # (a stamp written from outside is seen at the next method change)


def test_the_panel_replaces_the_error_when_no_backend_is_set_up(managed):
    dock, _ = managed
    panel = dock.setup_panel
    assert not panel.isHidden()
    assert "not set up yet" in panel.intro.text()
    assert panel.setup_button.text() == "Set up backend" and panel.setup_button.isEnabled()
    assert not panel.cancel_setup_button.isEnabled()
    assert [panel.profile_combo.itemData(i) for i in range(panel.profile_combo.count())] == [
        "core", "generative", "clip"]  # fmt: skip
    assert "needed" in panel.space_label.text() and "free" in panel.space_label.text()
    assert panel.device_combo.itemData(0) == "cpu"


def test_the_gpu_is_looked_for_once_and_only_when_the_panel_shows(managed):
    panel_module = importlib.import_module("raresight.plugin.dock.setup_panel")
    asked = []

    def find_gpu():
        asked.append(1)
        return "RTX 4000"

    panel = panel_module.SetupPanel(find_gpu)
    assert not asked and panel.device_combo.count() == 1
    panel.show_for(None)
    panel.show_for(None, "generative")
    assert len(asked) == 1
    assert panel.device_combo.currentData() == "cuda" and "RTX 4000" in panel.device_combo.currentText()


def test_the_panel_offers_the_profile_a_method_needs_and_updates(managed):
    dock, venv = managed
    panel = dock.setup_panel
    _stamp(venv, "core")
    _choose(dock, "rx")
    assert panel.isHidden()  # core covers rx
    _choose(dock, "diffusion")
    assert not panel.isHidden() and panel.profile_combo.currentData() == "generative"
    assert "needs more packages" in panel.intro.text()
    _stamp(venv, "clip")
    _choose(dock, "rx")
    assert panel.isHidden()
    _stamp(venv, "core", requirements="an older plugin's pins")
    dock.refresh_setup()
    assert not panel.isHidden() and panel.setup_button.text() == "Update backend"
    assert panel.profile_combo.currentData() == "core"


def test_a_set_up_runs_in_a_task_logs_and_reports_ready(managed, monkeypatch):
    dock, venv = managed
    panel_module = importlib.import_module("raresight.plugin.dock.setup_panel")
    seen = {}

    def fake_set_up(options, log, cancelled):
        seen["options"] = options
        log("Installing the core profile")
        _stamp(options.venv, options.profile)
        return {"version": "0.1.0", "python": "3.11", "gdal": "3.9", "devices": ["cpu"], "methods": []}

    monkeypatch.setattr(panel_module, "set_up", fake_set_up)
    ready = []
    dock.setup_panel.backendReady.connect(ready.append)
    dock.setup_panel.start()
    assert not dock.setup_panel.setup_button.isEnabled()
    start = time.monotonic()
    while not ready and time.monotonic() - start < 30:
        QgsApplication.processEvents()
        time.sleep(0.01)
    assert ready and seen["options"].venv == venv and seen["options"].profile == "core"
    assert "Installing the core profile" in dock.setup_panel.log_view.toPlainText()
    assert dock.setup_panel.setup_status.text() == "The backend is ready."
    assert dock.setup_panel.isHidden()  # rx is covered now
    assert "RareSight 0.1.0" in dock.status_label.text()
    recorded = json.loads(QgsSettings().value("raresight/backend", "", type=str))
    assert recorded["profile"] == "core" and recorded["hello"]["gdal"] == "3.9"


def test_cancel_keeps_what_was_installed(managed, monkeypatch):
    dock, _ = managed
    panel_module = importlib.import_module("raresight.plugin.dock.setup_panel")

    def slow_set_up(options, log, cancelled):
        while not cancelled():
            time.sleep(0.02)
        raise panel_module.SetupCancelledError("Cancelled: what was installed is kept.")

    monkeypatch.setattr(panel_module, "set_up", slow_set_up)
    panel = dock.setup_panel
    panel.start()
    time.sleep(0.2)
    panel.cancel()
    start = time.monotonic()
    while panel.task is not None and time.monotonic() - start < 30:
        QgsApplication.processEvents()
        time.sleep(0.01)
    assert panel.task is None and "kept" in panel.setup_status.text()
    assert panel.setup_button.isEnabled() and not panel.isHidden()
