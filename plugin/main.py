"""The plugin object QGIS creates: a toolbar/menu action that shows the dock, the Processing
provider, the translation, and the one backend client the dock uses."""

from __future__ import annotations

import shutil
from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon

try:  # Qt 6 moved QAction to QtGui
    from qgis.PyQt.QtGui import QAction
except ImportError:
    from qgis.PyQt.QtWidgets import QAction

from . import settings
from .backend_client import BackendClient
from .i18n import install_translator, remove_translator, tr

ICON = Path(__file__).resolve().parents[1] / "resources" / "icon.svg"


class RareSightPlugin:
    def __init__(self, iface) -> None:
        self.iface = iface
        self.translator = install_translator()
        self.action: QAction | None = None
        self.dock = None
        self.provider = None
        self._client: BackendClient | None = None

    # -- backend --------------------------------------------------------------------------------

    def client(self) -> BackendClient:
        """The dock's backend client; a new one when the interpreter setting has changed."""
        wanted = settings.interpreter()
        if self._client is not None and self._client.interpreter != wanted:
            self._client.close()
            self._client = None
        if self._client is None:
            self._client = BackendClient(wanted)
        return self._client

    # -- QGIS hooks -----------------------------------------------------------------------------

    def initProcessing(self) -> None:  # noqa: N802 - QGIS API
        if self.provider is None:
            from .processing.provider import RareSightProvider

            self.provider = RareSightProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 - QGIS API
        self.initProcessing()
        self.action = QAction(QIcon(str(ICON)), tr("RareSight: detect anomalies"), self.iface.mainWindow())
        self.action.setObjectName("RareSightAction")
        self.action.setCheckable(True)
        self.action.setToolTip(tr("Show the RareSight panel: dense anomaly maps of rare events"))
        self.action.toggled.connect(self.show_dock)
        self.iface.addToolBarIcon(self.action)
        self.iface.addPluginToRasterMenu(tr("&RareSight"), self.action)

    def show_dock(self, visible: bool = True) -> None:
        """Show (creating it on first use) or hide the dock."""
        if self.dock is None:
            if not visible:
                return
            from .dock import RareSightDock

            self.dock = RareSightDock(self.iface, self.client, self.iface.mainWindow())
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
            self.dock.visibilityChanged.connect(self._dock_visibility)
        self.dock.setVisible(visible)
        self._dock_visibility(visible)

    def _dock_visibility(self, visible: bool) -> None:
        if self.action is not None and self.action.isChecked() != visible:
            self.action.blockSignals(True)
            self.action.setChecked(visible)
            self.action.blockSignals(False)

    def unload(self) -> None:
        if self.dock is not None:
            if self.dock.task is not None:
                self.dock.task.cancel()
            self.dock.disconnect_project()
            shutil.rmtree(self.dock.temp_dir, ignore_errors=True)
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.action is not None:
            self.iface.removePluginRasterMenu(tr("&RareSight"), self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self._client is not None:
            self._client.close()
            self._client = None
        remove_translator(self.translator)
        self.translator = None
