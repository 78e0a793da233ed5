"""French: every plugin string has a translation, and with QGIS's locale set to French the dock
and its messages are in French."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.qgis
pytest.importorskip("qgis.core", reason="QGIS Python bindings not available")

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "i18n" / "raresight_fr.ts"


def french(source: str) -> str:
    for message in ET.parse(TS).getroot().iter("message"):
        if message.findtext("source") == source:
            return message.findtext("translation") or ""
    raise KeyError(source)


def test_every_plugin_string_has_a_french_translation():
    proc = subprocess.run(
        [sys.executable, "scripts/i18n.py", "check", "--lang", "fr"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture()
def french_qgis(plugin_package):
    """QGIS's locale set to French, the way a user sets it (Settings > Options > General)."""
    from qgis.core import QgsSettings

    subprocess.run([sys.executable, "scripts/i18n.py", "compile"], cwd=ROOT, check=True)
    settings = QgsSettings()
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "fr_FR")
    yield
    settings.remove("locale/overrideFlag")
    settings.remove("locale/userLocale")


def test_french_locale_gives_a_french_dock_and_messages(french_qgis, plugin_package, qgis_iface, qgis_new_project):
    from raresight.plugin.backend_client import WorkerCrashedError
    from raresight.plugin.dock import error_text
    from raresight.plugin.i18n import qgis_locale
    from test_plugin_dock import Iface

    assert qgis_locale() == "fr"
    plugin = plugin_package.classFactory(Iface(qgis_iface))
    try:
        assert plugin.translator is not None
        plugin.initGui()
        plugin.show_dock(True)
        dock = plugin.dock
        assert dock.run_button.text() == french("Detect anomalies") != "Detect anomalies"
        assert dock.cancel_button.text() == french("Cancel")
        assert dock.export_button.text() == french("Export polygons")
        assert dock.advanced.title() == french("Advanced settings")
        assert plugin.action.text() == french("RareSight: detect anomalies")
        title, text, details = error_text(WorkerCrashedError("WorkerCrashedError", "exit code 1"))
        assert title == french("Backend stopped")
        assert text == french(
            "The backend process stopped unexpectedly; nothing was added. The next run starts a fresh backend."
        )
        assert details == "exit code 1"
        # A backend refusal in French, in the dock's words (the backend's own behind Details).
        from raresight.plugin.backend_client import BackendError

        refusal = "Reference a.tif has 2 band(s) but target b.tif has 4: give references of the same sensor."
        title, text, details = error_text(BackendError("BandMismatchError", refusal))
        assert title == french("Detection failed")
        assert text == french(
            "The reference {0} has {1} band(s) but the image {2} has {3}: choose a reference from the same sensor, with the same bands."
        ).format("a.tif", "2", "b.tif", "4")
        assert details == refusal
        title, text, details = error_text(BackendError("InputError", "Something the dock does not know."))
        assert text == french("The backend refused the run; its message (in English) is under Details.")
        dock.target_combo.setLayer(None)
        failures = []
        dock.runFailed.connect(failures.append)
        dock.run_detection()
        assert failures == [french("Choose the image to analyse first.")]
    finally:
        plugin.unload()
    assert plugin.translator is None


def test_english_is_the_default(plugin_package, qgis_iface):
    from raresight.plugin.i18n import install_translator

    assert install_translator("en") is None
