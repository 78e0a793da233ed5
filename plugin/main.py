"""The plugin object QGIS creates. For now it only registers itself; the dock, the backend worker
and the Processing provider come with the plugin issue."""

from __future__ import annotations


class RareSightPlugin:
    def __init__(self, iface) -> None:
        self.iface = iface

    def initGui(self) -> None:  # noqa: N802 - QGIS API
        pass

    def unload(self) -> None:
        pass
