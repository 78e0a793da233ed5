"""Inputs and observations for the scripted QGIS sessions of scripts/gui_session.py.

Inputs: a dated pre/post pair made from the embedded sample (a block of the post image replaced by
content from elsewhere, i.e. a change), georeferenced or not.

Observations (plain JSON for the session's report; tests/test_gui.py asserts on them):
- the dock's layout: blank gaps between visible rows, visible controls without a tooltip;
- a score layer's style: its ramp's range and legend labels, its threshold;
- a polygon layer's extent against its raster's extent as QGIS draws them.
"""

from __future__ import annotations

import os

#: The block of the post image that changes (rows, cols) and where its new content comes from.
CHANGE_BLOCK = (slice(60, 110), slice(300, 360))
CHANGE_SOURCE = (slice(400, 450), slice(100, 160))
PRE_DATE, POST_DATE = "2024-01-10", "2024-02-05"


def make_pair(sample: str, folder: str, georeferenced: bool) -> tuple[str, str]:
    """``(pre, post)`` GeoTIFFs made from the sample's Sentinel-2 image: the same image, with one
    block of the post date replaced. Georeferenced ones carry their date as ``ACQUISITION_DATE``
    metadata; the others have no geotransform or CRS and carry their date in their file names."""
    import numpy as np
    from osgeo import gdal

    os.makedirs(folder, exist_ok=True)
    source = gdal.Open(sample)
    bands = [source.GetRasterBand(b).ReadAsArray() for b in (2, 3, 4, 8, 12)]
    nodata = source.GetRasterBand(1).GetNoDataValue()
    stack = np.stack(bands).astype(np.int16)
    changed = stack.copy()
    changed[:, CHANGE_BLOCK[0], CHANGE_BLOCK[1]] = stack[:, CHANGE_SOURCE[0], CHANGE_SOURCE[1]]
    tag = "geo" if georeferenced else "plain"
    paths = []
    for label, date, data in (("pre", PRE_DATE, stack), ("post", POST_DATE, changed)):
        # georeferenced: the date is in the metadata only; plain: in the file name only
        name = f"S2_{tag}_{label}.tif" if georeferenced else f"S2_{tag}_{date.replace('-', '')}.tif"
        path = os.path.join(folder, name)
        out = gdal.GetDriverByName("GTiff").Create(
            path, data.shape[2], data.shape[1], data.shape[0], gdal.GDT_Int16
        )
        if georeferenced:
            out.SetGeoTransform(source.GetGeoTransform())
            out.SetProjection(source.GetProjection())
            out.SetMetadataItem("ACQUISITION_DATE", date)
        for i in range(data.shape[0]):
            band = out.GetRasterBand(i + 1)
            band.WriteArray(data[i])
            if nodata is not None:
                band.SetNoDataValue(nodata)
        out.FlushCache()
        out = None
        paths.append(path)
    source = None
    return paths[0], paths[1]


def layout_report(dock) -> dict:
    """Gaps between the visible rows of the dock's forms, and visible controls without tooltip."""
    from qgis.gui import QgsFileWidget, QgsMapLayerComboBox
    from qgis.PyQt.QtWidgets import (
        QAbstractButton,
        QAbstractSlider,
        QAbstractSpinBox,
        QComboBox,
        QFormLayout,
        QLineEdit,
    )

    gaps = []
    for form in dock.widget().findChildren(QFormLayout):
        parent = form.parentWidget()
        if parent is None or not parent.isVisible():
            continue
        rows = []
        for row in range(form.rowCount()):
            for role in (
                QFormLayout.ItemRole.LabelRole,
                QFormLayout.ItemRole.FieldRole,
                QFormLayout.ItemRole.SpanningRole,
            ):
                item = form.itemAt(row, role)
                widget = item.widget() if item is not None else None
                if widget is not None and widget.isVisible():
                    rows.append((widget.geometry().top(), widget.geometry().bottom()))
        rows.sort()
        spacing = max(form.verticalSpacing(), 0)
        for (_, bottom), (top, _) in zip(rows, rows[1:]):
            if top - bottom - 1 > spacing + 4:
                gaps.append(
                    {
                        "form": parent.objectName() or type(parent).__name__,
                        "gap_px": top - bottom - 1,
                        "spacing": spacing,
                    }
                )
    kinds = (
        QAbstractButton,
        QComboBox,
        QAbstractSpinBox,
        QAbstractSlider,
        QLineEdit,
        QgsFileWidget,
        QgsMapLayerComboBox,
    )
    untipped = []
    for widget in dock.widget().findChildren(kinds):
        if not widget.isVisible() or widget.toolTip().strip():
            continue
        parent = widget.parentWidget()
        # parts of a compound widget (a file widget's line edit and button, a spin box's editor, a
        # collapsible group box's arrow): the compound widget carries the tooltip, or QGIS does
        if (
            isinstance(parent, (QgsFileWidget, QgsMapLayerComboBox, QAbstractSpinBox, QComboBox))
            and parent.toolTip().strip()
        ):
            continue
        if type(widget).__name__ == "QToolButton" and type(parent).__name__.startswith("Qgs"):
            continue
        untipped.append(
            f"{type(widget).__name__}:{widget.objectName() or getattr(widget, 'text', lambda: '')()} in {type(parent).__name__}"
        )
    return {"gaps": gaps, "untipped": untipped, "width": dock.width()}


def style_report(layer) -> dict:
    """A score layer's ramp and legend as QGIS holds them."""
    renderer = layer.renderer()
    shader = renderer.shader().rasterShaderFunction()
    items = shader.colorRampItemList()
    try:
        threshold = float(layer.customProperty("raresight/threshold"))
    except (TypeError, ValueError):
        threshold = None
    import qgis.utils
    from qgis.core import QgsProject

    # The legend as the Layers panel shows it (its heading replaces "Band 1: ...").
    node = QgsProject.instance().layerTreeRoot().findLayer(layer.id())
    model = qgis.utils.iface.layerTreeView().layerTreeModel()
    shown = [legend.data(0) for legend in model.layerLegendNodes(node, True)] if node is not None else []
    return {
        "heading": shown[0] if shown else None,
        "shown_legend": shown,
        "classification": [renderer.classificationMin(), renderer.classificationMax()],
        "legend": [item.label for item in items],
        "threshold": threshold,
        "continuous_legend": bool(shader.legendSettings().useContinuousLegend()),
        "abstract": layer.metadata().abstract(),
    }


def extent_report(polygons, raster) -> dict:
    """Whether the polygons lie inside the raster as QGIS draws it (both in the raster's CRS)."""
    p, r = polygons.extent(), raster.extent()
    slack = 1e-9 * max(r.width(), r.height())  # (the two extents are computed in two ways)
    inside = (
        p.xMinimum() >= r.xMinimum() - slack
        and p.yMinimum() >= r.yMinimum() - slack
        and p.xMaximum() <= r.xMaximum() + slack
        and p.yMaximum() <= r.yMaximum() + slack
    )
    return {
        "polygon_extent": [p.xMinimum(), p.yMinimum(), p.xMaximum(), p.yMaximum()],
        "raster_extent": [r.xMinimum(), r.yMinimum(), r.xMaximum(), r.yMaximum()],
        "inside": bool(inside),
        "polygon_crs_valid": bool(polygons.crs().isValid()),
        "raster_crs_valid": bool(raster.crs().isValid()),
        "fields": polygons.fields().names(),
    }
