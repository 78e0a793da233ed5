"""How RareSight results look on the map.

A score layer is drawn with a perceptual colour ramp (plasma) over the scores of the calibrated
range, fully transparent below the current threshold, so that only what the analyst's false-alarm
rate calls anomalous covers the imagery. Moving the threshold only changes the transparency range:
no recomputation, no new file. The layer remembers its rate in a custom property (saved with the
project).
"""

from __future__ import annotations

from qgis.core import (
    QgsColorRampShader,
    QgsFillSymbol,
    QgsLayerMetadata,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRasterTransparency,
    QgsSingleBandPseudoColorRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from .calibration import CalibrationTable, sidecar_path
from .i18n import tr

#: Custom layer properties.
PROP_SCORE = "raresight/score"
PROP_RATE = "raresight/false_alarm_rate"
#: The threshold the layer is shown at (scores above it are visible).
PROP_THRESHOLD = "raresight/threshold"
#: The upper part of plasma (perceptually uniform): no near-black start, so that scores just above
#: the threshold stay visible over dark imagery such as water.
RAMP_STOPS = ("#b12a90", "#e16462", "#fca636", "#f0f921")
#: The ramp spans the scores between these false-alarm rates.
RAMP_RATES = (1e-1, 1e-5)
LAYER_OPACITY = 0.85
LOWEST = -3.0e38


def is_score_layer(layer) -> bool:
    return isinstance(layer, QgsRasterLayer) and layer.customProperty(PROP_SCORE, "") == "1"


def ramp_range(table: CalibrationTable) -> tuple[float, float]:
    lo = table.threshold_for(RAMP_RATES[0])
    hi = table.threshold_for(RAMP_RATES[1])
    if not hi > lo:
        hi = lo + max(abs(lo) * 0.1, 1e-6)
    return lo, hi


def _ramp_items(lo: float, hi: float) -> list[QgsColorRampShader.ColorRampItem]:
    n = len(RAMP_STOPS) - 1
    return [
        QgsColorRampShader.ColorRampItem(lo + (hi - lo) * i / n, QColor(colour), f"{lo + (hi - lo) * i / n:.4g}")
        for i, colour in enumerate(RAMP_STOPS)
    ]


def style_score_layer(
    layer: QgsRasterLayer,
    table: CalibrationTable,
    rate: float,
    sidecar: dict | None = None,
    threshold: float | None = None,
) -> float:
    """Give ``layer`` the score style at false-alarm rate ``rate`` (or at ``threshold`` when given);
    return the threshold."""
    lo, hi = ramp_range(table)
    ramp = QgsColorRampShader(lo, hi)
    ramp.setColorRampType(QgsColorRampShader.Type.Interpolated)
    ramp.setColorRampItemList(_ramp_items(lo, hi))
    ramp.setClip(False)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(lo)
    renderer.setClassificationMax(hi)
    renderer.setOpacity(LAYER_OPACITY)
    layer.setRenderer(renderer)
    layer.setCustomProperty(PROP_SCORE, "1")
    if sidecar is not None:
        set_abstract(layer, sidecar)
    return set_threshold(layer, table, rate, threshold)


def set_threshold(
    layer: QgsRasterLayer, table: CalibrationTable, rate: float, threshold: float | None = None
) -> float:
    """Make scores at or below the threshold of ``rate`` (or ``threshold`` when given, e.g. a
    method's physical threshold) transparent; return that threshold."""
    if threshold is None:
        threshold = table.threshold_for(rate)
    transparency = QgsRasterTransparency()
    pixel = QgsRasterTransparency.TransparentSingleValuePixel()
    pixel.min = LOWEST
    # The mask keeps score > threshold: hide everything up to it (the range is inclusive).
    pixel.max = threshold
    pixel.percentTransparent = 100.0
    transparency.setTransparentSingleValuePixelList([pixel])
    layer.renderer().setRasterTransparency(transparency)
    layer.setCustomProperty(PROP_RATE, f"{rate:.6g}")
    layer.setCustomProperty(PROP_THRESHOLD, repr(float(threshold)))
    layer.triggerRepaint()
    return threshold


def layer_threshold(layer: QgsRasterLayer) -> float | None:
    """The threshold ``layer`` is shown at (None before :func:`set_threshold`)."""
    try:
        return float(layer.customProperty(PROP_THRESHOLD, None))
    except (TypeError, ValueError):
        return None


def layer_rate(layer: QgsRasterLayer, default: float) -> float:
    try:
        return float(layer.customProperty(PROP_RATE, default))
    except (TypeError, ValueError):
        return default


def load_table(layer: QgsRasterLayer) -> CalibrationTable:
    return CalibrationTable.load(layer.source())


def describe(sidecar: dict) -> str:
    """The layer abstract: what the score means, which method and inputs made it."""
    cal = sidecar.get("calibration", {})
    inputs = sidecar.get("inputs", {})
    targets = ", ".join(str(t.get("path", t)) if isinstance(t, dict) else str(t) for t in inputs.get("targets", []))
    refs = ", ".join(str(t.get("path", t)) if isinstance(t, dict) else str(t) for t in inputs.get("references", []))
    lines = [
        tr("RareSight anomaly score: higher means more anomalous; no data where the score is empty."),
        tr("Method: {method}. {meaning}").format(
            method=sidecar.get("method", "?"), meaning=sidecar.get("score_meaning", "")
        ),
        tr("Targets: {targets}").format(targets=targets or "?"),
        tr("Reference: {refs}").format(refs=refs or tr("none (fit on the target itself)")),
        tr("Calibration: {source}, {n} normal samples; pixels above the threshold of the chosen false-alarm rate are shown.").format(
            source=cal.get("source", "?"), n=cal.get("n_samples", "?")
        ),
        tr("Software: RareSight {version}").format(version=sidecar.get("software", {}).get("version", "?")),
    ]
    return "\n".join(lines)


def set_abstract(layer: QgsRasterLayer, sidecar: dict) -> None:
    text = describe(sidecar)
    metadata = QgsLayerMetadata(layer.metadata())
    metadata.setTitle(layer.name())
    metadata.setAbstract(text)
    layer.setMetadata(metadata)
    if hasattr(layer, "setAbstract"):
        layer.setAbstract(text)


def style_polygons(layer: QgsVectorLayer) -> None:
    symbol = QgsFillSymbol.createSimple(
        {"color": "255,40,40,70", "outline_color": "220,0,0,255", "outline_width": "0.5", "outline_width_unit": "MM"}
    )
    layer.renderer().setSymbol(symbol)
    layer.triggerRepaint()


__all__ = ["is_score_layer", "load_table", "set_threshold", "style_polygons", "style_score_layer", "sidecar_path"]
