"""From QGIS layers to files the backend can read, and from backend outputs back to layers."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from qgis.core import (
    QgsProviderRegistry,
    QgsRasterFileWriter,
    QgsRasterInterface,
    QgsRasterLayer,
    QgsRasterPipe,
)

from .i18n import tr


class LayerError(Exception):
    """A layer cannot be used as input (message fit for the analyst)."""


def file_path(layer: QgsRasterLayer) -> str | None:
    """The local file behind ``layer`` when GDAL reads it directly from disk, else None."""
    if layer.providerType() != "gdal":
        return None
    parts = QgsProviderRegistry.instance().decodeUri("gdal", layer.source())
    path = parts.get("path") or ""
    if not path or parts.get("layerName") or path.startswith("/vsi") or not os.path.isfile(path):
        return None
    return os.path.abspath(path)  # the backend runs in another working directory


def parse_params(text: str) -> dict[str, str]:
    """``"a=1, b=2"`` or ``"a=1 b=2"`` -> ``{"a": "1", "b": "2"}`` (the backend converts types).

    Raises:
        LayerError: an item is not ``KEY=VALUE``.
    """
    params = {}
    for item in text.replace(",", " ").split():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise LayerError(tr("Parameters take KEY=VALUE pairs, e.g. fit_fraction=0.5; got {item}.").format(item=item))
        params[key.strip()] = value.strip()
    return params


def layer_to_path(layer: QgsRasterLayer, temp_dir: str | Path, feedback=None) -> str:
    """A GeoTIFF path for ``layer``: its own file when it has one, else a copy written to
    ``temp_dir`` (WMS/XYZ/memory/virtual layers, subdatasets), at the layer's full extent and native
    resolution."""
    if layer is None or not layer.isValid():
        raise LayerError(tr("A chosen layer is not valid: check that its source still exists."))
    path = file_path(layer)
    if path is not None:
        return path
    provider = layer.dataProvider()
    os.makedirs(temp_dir, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", layer.name())[:40] or "layer"
    out = os.path.join(str(temp_dir), f"{safe}_{int(time.time() * 1000)}.tif")
    writer = QgsRasterFileWriter(out)
    writer.setOutputFormat("GTiff")
    writer.setCreateOptions(["COMPRESS=DEFLATE", "TILED=YES"])
    pipe = QgsRasterPipe()
    if not pipe.set(provider.clone()):
        raise LayerError(tr("Layer {name} cannot be read for export.").format(name=layer.name()))
    extent = provider.extent()
    cols, rows = provider.xSize(), provider.ySize()
    if not provider.capabilities() & QgsRasterInterface.Capability.Size or cols <= 0 or rows <= 0:
        # Services without a native size (WMS/XYZ) are rendered with 2048 px on the longer side.
        side = 2048
        ratio = extent.height() / extent.width() if extent.width() else 1.0
        cols, rows = (side, max(1, int(side * ratio))) if ratio <= 1 else (max(1, int(side / ratio)), side)
    error = writer.writeRaster(pipe, cols, rows, extent, layer.crs(), layer.transformContext(), feedback)
    if error != QgsRasterFileWriter.WriterError.NoError or not os.path.isfile(out):
        raise LayerError(
            tr("Layer {name} could not be written to a temporary GeoTIFF (error {code}).").format(
                name=layer.name(), code=int(error)
            )
        )
    return out


#: The backend's temporary names after ``.<stem>.``: ``rs<pid>-<host>-<random>.part<suffix>``.
_PART_TOKEN = re.compile(r"rs\d+-[0-9a-f]{8}-[0-9a-f]{8}\.part")


def remove_partial_outputs(output: str | Path) -> list[str]:
    """Delete the hidden temporary files a killed backend left for ``output`` and its sidecar
    (the backend writes ``.<stem>.rs<pid>-<host>-<random>.part<suffix>`` and renames it only when
    complete; the next run that writes into the folder would remove them too)."""
    folder, name = os.path.split(str(output))
    removed = []
    for stem in (os.path.splitext(name)[0], name):  # the raster, then the sidecar <name>.json
        prefix = f".{stem}."
        try:
            entries = os.listdir(folder or ".")
        except OSError:
            return removed
        for entry in entries:
            if entry.startswith(prefix) and _PART_TOKEN.match(entry[len(prefix):]):
                try:
                    os.remove(os.path.join(folder, entry))
                    removed.append(entry)
                except OSError:
                    pass
    return removed


def unique_path(path: str | Path) -> str:
    """``path``, or ``<stem>_2<suffix>``, ``_3``... : the first that does not exist yet."""
    base, suffix = os.path.splitext(str(path))
    candidate, n = str(path), 1
    while os.path.exists(candidate):
        n += 1
        candidate = f"{base}_{n}{suffix}"
    return candidate


def output_name(folder: str | Path, method: str, suffix: str = ".tif") -> str:
    """A new file name ``<folder>/raresight_<method>_<date-time><suffix>`` (folder created)."""
    os.makedirs(folder, exist_ok=True)
    stamp = time.strftime("%Y%m%d_%H%M%S")
    name = f"raresight_{re.sub(r'[^A-Za-z0-9_-]+', '_', method)}_{stamp}{suffix}"
    return unique_path(os.path.join(str(folder), name))
