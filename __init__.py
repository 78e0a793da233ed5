"""RareSight QGIS plugin entry point.

This folder is both the QGIS plugin and the repository root. Nothing heavy is imported here: QGIS
calls :func:`classFactory`, which imports the thin UI layer in ``plugin/``; the science lives in
``backend/``, which runs in its own process.
"""


def classFactory(iface):  # noqa: N802 - name required by QGIS
    from .plugin.main import RareSightPlugin

    return RareSightPlugin(iface)
