"""How RareSight results look on the map.

A score layer is drawn with a perceptual colour ramp (the upper part of plasma) that spans what is
visible: from the current threshold to a high quantile of the scene's scores (:data:`TOP_SHARE`;
the scene's maximum when the threshold lies above it). Scores at or below the threshold are fully
transparent, so that only what the analyst's threshold calls anomalous covers the imagery. Moving
the threshold restyles the layer (transparency and ramp); nothing is recomputed and no file is
written. The legend names what the score measures, its threshold and the top of the ramp. The
layer remembers its rate and threshold in custom properties (saved with the project).

A prompt map (a method with a physical threshold, e.g. a spectral rule's margin 0) is styled the
same way; its threshold is a score, not a false-alarm rate.
"""

from __future__ import annotations

from qgis.core import (
    QgsColorRampShader,
    QgsFillSymbol,
    QgsLayerMetadata,
    QgsMapLayerLegendUtils,
    QgsRasterBandStats,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRasterTransparency,
    QgsSingleBandPseudoColorRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from .calibration import CalibrationTable, sidecar_path
from .i18n import tr
from .numbers import number_text, rate_text

#: Custom layer properties.
PROP_SCORE = "raresight/score"
PROP_RATE = "raresight/false_alarm_rate"
#: The threshold the layer is shown at (scores above it are visible).
PROP_THRESHOLD = "raresight/threshold"
#: The scene's high quantile and maximum (the ramp's top), measured once when the layer is added.
PROP_TOP = "raresight/scene_top"
PROP_MAX = "raresight/scene_max"
#: What the score measures, with its unit (the legend's first entry).
PROP_MEANING = "raresight/meaning"
#: "prompt" for a prompt map (a physical threshold), "anomaly" otherwise.
PROP_KIND = "raresight/kind"
#: The upper part of plasma (perceptually uniform): no near-black start, so that scores just above
#: the threshold stay visible over dark imagery such as water.
RAMP_STOPS = ("#b12a90", "#e16462", "#fca636", "#f0f921")
#: The ramp's top: the score that this share of the scene exceeds.
TOP_SHARE = 1e-3
#: Pixels QGIS samples to measure the scene's top quantile (its statistics' sample size).
SAMPLE_PX = 250_000
LAYER_OPACITY = 0.85
LOWEST = -3.0e38


def is_score_layer(layer) -> bool:
    return isinstance(layer, QgsRasterLayer) and layer.customProperty(PROP_SCORE, "") == "1"


def is_prompt_layer(layer) -> bool:
    return is_score_layer(layer) and layer.customProperty(PROP_KIND, "") == "prompt"


def measure_scene(layer: QgsRasterLayer) -> tuple[float, float]:
    """The score that :data:`TOP_SHARE` of the scene exceeds and the scene's maximum, from a
    sample of :data:`SAMPLE_PX` pixels (QGIS's statistics); stored on the layer."""
    provider = layer.dataProvider()
    _, top = provider.cumulativeCut(1, 0.0, 1.0 - TOP_SHARE, layer.extent(), SAMPLE_PX)
    stats = provider.bandStatistics(1, QgsRasterBandStats.Max, layer.extent(), SAMPLE_PX)
    layer.setCustomProperty(PROP_TOP, repr(float(top)))
    layer.setCustomProperty(PROP_MAX, repr(float(stats.maximumValue)))
    return float(top), float(stats.maximumValue)


def _float_property(layer: QgsRasterLayer, name: str) -> float | None:
    try:
        value = float(layer.customProperty(name, None))
    except (TypeError, ValueError):
        return None
    return value if value == value else None  # (NaN: unknown)


def ramp_range(layer: QgsRasterLayer, threshold: float) -> tuple[float, float, bool]:
    """``(low, high, high_is_top)``: the ramp from ``threshold`` to the scene's top quantile, or to
    its maximum when the threshold is at or above that quantile (``high_is_top`` False)."""
    top, maximum = _float_property(layer, PROP_TOP), _float_property(layer, PROP_MAX)
    if top is not None and top > threshold:
        return threshold, top, True
    if maximum is not None and maximum > threshold:
        return threshold, maximum, False
    return threshold, threshold + max(abs(threshold) * 0.1, 1e-6), False


def _ramp_items(lo: float, hi: float, high_is_top: bool, rate: float | None):
    n = len(RAMP_STOPS) - 1
    items = []
    for i, colour in enumerate(RAMP_STOPS):
        value = lo + (hi - lo) * i / n
        label = number_text(value)
        if i == 0:
            if rate is None:
                label = tr("above {value}: the method's threshold").format(value=label)
            else:
                label = tr("above {value}: threshold, {rate} false alarms").format(
                    value=label, rate=rate_text(rate)
                )
        elif i == n:
            label = (
                tr("{value} (top {share} of the scene)").format(value=label, share=rate_text(TOP_SHARE))
                if high_is_top
                else tr("{value} (the scene's maximum)").format(value=label)
            )
        items.append(QgsColorRampShader.ColorRampItem(value, QColor(colour), label))
    return items


def _set_ramp(layer: QgsRasterLayer, threshold: float, rate: float | None) -> None:
    """Give ``layer`` the ramp of ``threshold`` (a new renderer: the legend follows)."""
    lo, hi, high_is_top = ramp_range(layer, threshold)
    ramp = QgsColorRampShader(lo, hi)
    ramp.setColorRampType(QgsColorRampShader.Type.Interpolated)
    ramp.setColorRampItemList(_ramp_items(lo, hi, high_is_top, rate))
    ramp.setClip(False)
    settings = ramp.legendSettings()
    settings.setUseContinuousLegend(False)  # the labelled entries: threshold, top
    ramp.setLegendSettings(settings)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(lo)
    renderer.setClassificationMax(hi)
    renderer.setOpacity(LAYER_OPACITY)
    layer.setRenderer(renderer)


def name_legend(layer: QgsRasterLayer, tree_layer) -> None:
    """Head ``layer``'s legend in the layer tree with what the score measures and its unit (the
    legend's first entry, otherwise the band's name), as a user label the project keeps."""
    meaning = layer.customProperty(PROP_MEANING, "")
    if tree_layer is not None and meaning:
        QgsMapLayerLegendUtils.setLegendNodeUserLabel(
            tree_layer, 0, tr("Score: {meaning}").format(meaning=meaning)
        )


def style_score_layer(
    layer: QgsRasterLayer,
    table: CalibrationTable,
    rate: float,
    sidecar: dict | None = None,
    threshold: float | None = None,
    meaning: str = "",
) -> float:
    """Give ``layer`` the score style at false-alarm rate ``rate`` (or at ``threshold`` when given);
    measure the scene's top once; return the threshold. ``meaning`` names what the score measures
    (the legend's first entry)."""
    layer.setCustomProperty(PROP_SCORE, "1")
    layer.setCustomProperty(PROP_KIND, "prompt" if table.physical_threshold is not None else "anomaly")
    layer.setCustomProperty(PROP_MEANING, meaning)
    if _float_property(layer, PROP_TOP) is None:
        measure_scene(layer)
    if sidecar is not None:
        set_abstract(layer, sidecar)
    return set_threshold(layer, table, rate, threshold)


def set_threshold(
    layer: QgsRasterLayer, table: CalibrationTable, rate: float, threshold: float | None = None
) -> float:
    """Show ``layer`` at the threshold of ``rate`` (or ``threshold`` when given, e.g. a prompt map's
    score): scores at or below it transparent, the ramp from it to the scene's top; return it."""
    if threshold is None:
        threshold = table.threshold_for(rate)
    prompt = layer.customProperty(PROP_KIND, "") == "prompt"
    _set_ramp(layer, threshold, None if prompt else rate)
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
    """The layer abstract: what the score means, which method and inputs made it (in an English
    dock, the backend's own description of the score closes it)."""
    from .catalogue import wording

    cal = sidecar.get("calibration", {})
    inputs = sidecar.get("inputs", {})
    targets = ", ".join(
        str(t.get("path", t)) if isinstance(t, dict) else str(t) for t in inputs.get("targets", [])
    )
    refs = ", ".join(
        str(t.get("path", t)) if isinstance(t, dict) else str(t) for t in inputs.get("references", [])
    )
    words = wording({"name": sidecar.get("method", "?"), "summary": ""})
    prompt = (sidecar.get("parameters") or {}).get("prompt") or ""
    if cal.get("physical_threshold") is not None:
        first = tr(
            'RareSight prompt map for "{prompt}": higher means more like the prompt; no data where the map is empty.'
        ).format(prompt=prompt)
        shown = tr(
            "Pixels above the threshold chosen with the slider are shown (the method's own threshold by default)."
        )
    else:
        first = tr("RareSight anomaly score: higher means more anomalous; no data where the score is empty.")
        shown = tr("Pixels above the threshold of the chosen false-alarm rate are shown.")
    lines = [
        first,
        tr("Method: {title} ({method}). {description}").format(
            title=words.title, method=sidecar.get("method", "?"), description=words.description
        ),
        tr("Score: {meaning}.").format(meaning=words.score),
        tr("Images: {targets}").format(targets=targets or "?"),
        tr("Reference: {refs}").format(refs=refs or tr("none (fit on the image itself)")),
        tr("Calibration: {source}, {n} samples. {shown}").format(
            source=cal.get("source", "?"), n=_count(cal.get("n_samples")), shown=shown
        ),
        tr("Software: RareSight {version}").format(version=sidecar.get("software", {}).get("version", "?")),
    ]
    from .i18n import dock_language_is_english

    if dock_language_is_english():  # (the backend's words are English: shown in an English dock only)
        lines.append(tr("Backend's description: {text}").format(text=sidecar.get("score_meaning", "")))
    return "\n".join(lines)


def _count(n) -> str:
    """A whole number in the locale's format ("?" when unknown)."""
    from qgis.PyQt.QtCore import QLocale

    return QLocale().toString(int(n)) if isinstance(n, (int, float)) else "?"


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
        {
            "color": "255,40,40,70",
            "outline_color": "220,0,0,255",
            "outline_width": "0.5",
            "outline_width_unit": "MM",
        }
    )
    layer.renderer().setSymbol(symbol)
    layer.triggerRepaint()


__all__ = [
    "is_score_layer",
    "load_table",
    "set_threshold",
    "style_polygons",
    "style_score_layer",
    "sidecar_path",
]
