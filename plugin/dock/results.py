"""The dock's Result group: score layers added to the project, the threshold slider that only
restyles them (from the score's sidecar calibration, never recomputing anything), and the polygon
export.

The slider speaks the layer's own terms. On an anomaly score it sets a false-alarm rate (log
scale). On a prompt map it sets the map's score directly, on a grid that holds the method's own
threshold exactly, and the label says which share of the scene is shown.
"""

from __future__ import annotations

import json
import math

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsLayerTreeLayer,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)

from .. import styling
from ..backend_client import BackendError
from ..calibration import CalibrationTable
from ..i18n import tr
from ..numbers import number_text, rate_text
from .requests import polygonize_request

#: The slider's range of false-alarm rates (log10; up to 0.5, the calibration table's top) and its
#: resolution.
SLIDER_LOG10_RANGE = (-4.0, math.log10(0.5))
SLIDER_STEPS_PER_DECADE = 20
DEFAULT_RATE = 1e-2
#: Positions of the slider over a prompt map's score range.
SCORE_STEPS = 200


def rate_to_position(rate: float) -> int:
    """The slider position of a false-alarm rate (log scale)."""
    return int(round(math.log10(rate) * SLIDER_STEPS_PER_DECADE))


def position_to_rate(position: int) -> float:
    return 10.0 ** (position / SLIDER_STEPS_PER_DECADE)


def _area_suffix(layer) -> str:
    """The unit of areas on ``layer``: m², or pixels for a layer without a CRS (None: m²)."""
    return tr(" px") if layer is not None and not layer.crs().isValid() else tr(" m²")


class PromptScale:
    """The slider's score grid over a prompt map: ``SCORE_STEPS`` steps from the scene's median to
    its maximum (widened to hold the method's threshold), shifted so that the method's threshold
    is exactly the position :attr:`home`."""

    def __init__(self, table: CalibrationTable, layer: QgsRasterLayer) -> None:
        physical = float(table.physical_threshold)
        lo = table.threshold_for(table.max_rate)
        hi = styling.ramp_range(layer, lo)[1]
        lo, hi = min(lo, physical), max(hi, physical)
        self.physical = physical
        self.step = (hi - lo) / SCORE_STEPS if hi > lo else max(abs(physical), 1.0) / SCORE_STEPS
        self.home = int(round((physical - lo) / self.step))
        self.top = self.home + int(math.ceil((hi - physical) / self.step))

    def score(self, position: int) -> float:
        return self.physical + (position - self.home) * self.step

    def position(self, score: float) -> int:
        return self.home + int(round((score - self.physical) / self.step))


class ResultsPanel:
    """Behaviour of the Result group, mixed into the dock.

    Uses the dock's ``score_combo``, ``slider``, ``slider_label``, ``threshold_label``,
    ``min_area_spin``, ``export_button``, ``task``, ``polygonsFinished`` and its ``_push``,
    ``_start_task`` and ``_failed`` methods.
    """

    rate_to_position = staticmethod(rate_to_position)
    position_to_rate = staticmethod(position_to_rate)

    def add_score_layer(
        self, path: str, sidecar: dict | None = None, name: str = "", meaning: str = ""
    ) -> QgsRasterLayer | None:
        """Add a score raster as a styled layer on top of the project; None if it cannot be read."""
        try:
            table = CalibrationTable.load(path)
            if sidecar is None:
                with open(path + ".json", encoding="utf-8") as f:
                    sidecar = json.load(f)
        except (OSError, ValueError, KeyError) as exc:
            self._push(
                tr("Cannot add the result"),
                tr("The score's calibration is unreadable: {reason}").format(reason=exc),
                Qgis.MessageLevel.Critical,
            )
            return None
        layer = QgsRasterLayer(path, name or sidecar.get("method", "?"), "gdal")
        if not layer.isValid():
            self._push_unreadable(path)
            return None
        rate = position_to_rate(self.slider.value()) if self._slider_mode == "rate" else DEFAULT_RATE
        if table.physical_threshold is not None:  # start at the method's physical threshold
            rate = table.default_false_alarm_rate
        styling.style_score_layer(layer, table, rate, sidecar, table.physical_threshold, meaning)
        project = QgsProject.instance()
        project.addMapLayer(layer, False)
        node = QgsLayerTreeLayer(layer)
        styling.name_legend(layer, node)  # (before the layer tree shows it: its legend reads the label)
        project.layerTreeRoot().insertChildNode(0, node)
        self.score_combo.setLayer(layer)
        return layer

    def _push_unreadable(self, path: str) -> None:
        self._push(
            tr("Cannot add the result"),
            tr("QGIS cannot read {path}.").format(path=path),
            Qgis.MessageLevel.Critical,
        )

    # -- threshold slider -----------------------------------------------------------------------

    _slider_mode = "rate"
    _prompt_scale: PromptScale | None = None

    def current_score_layer(self) -> QgsRasterLayer | None:
        layer = self.score_combo.currentLayer()
        return layer if styling.is_score_layer(layer) else None

    def _refresh_score_layers(self, *_args) -> None:
        layers = QgsProject.instance().mapLayers().values()
        self.score_combo.setExceptedLayerList(
            [layer for layer in layers if not styling.is_score_layer(layer)]
        )
        self._score_layer_changed(self.score_combo.currentLayer())

    def _score_layer_changed(self, layer) -> None:
        usable = styling.is_score_layer(layer)
        self.slider.setEnabled(usable)
        self.export_button.setEnabled(usable and self.task is None)
        self.slider.blockSignals(True)
        self._prompt_scale = None
        if usable and styling.is_prompt_layer(layer):
            try:
                self._prompt_scale = PromptScale(styling.load_table(layer), layer)
            except (OSError, ValueError, KeyError):
                self._prompt_scale = None
        if self._prompt_scale is not None:
            scale = self._prompt_scale
            self._slider_mode = "score"
            self.slider.setRange(0, scale.top)
            threshold = styling.layer_threshold(layer)
            self.slider.setValue(scale.position(scale.physical if threshold is None else threshold))
            self.slider_label.setText(tr("Threshold"))
            self.slider.setToolTip(
                tr(
                    "The prompt map's threshold: pixels above it are shown. It starts at the method's own threshold."
                )
            )
        else:
            self._slider_mode = "rate"
            lo, hi = SLIDER_LOG10_RANGE
            self.slider.setRange(int(lo * SLIDER_STEPS_PER_DECADE), int(hi * SLIDER_STEPS_PER_DECADE))
            rate = styling.layer_rate(layer, DEFAULT_RATE) if usable else DEFAULT_RATE
            self.slider.setValue(rate_to_position(rate))
            self.slider_label.setText(tr("False-alarm rate"))
            self.slider.setToolTip(tr("Expected share of normal pixels shown as anomalous (log scale)."))
        self.slider.blockSignals(False)
        self._update_area_unit(layer if usable else None)
        self._update_threshold_label()

    def _update_area_unit(self, layer) -> None:
        """Minimum area in m² on a layer with a CRS, in pixels without one."""
        self.min_area_spin.setSuffix(_area_suffix(layer))

    def _slider_moved(self, position: int) -> None:
        layer = self.current_score_layer()
        if layer is not None:
            try:
                table = styling.load_table(layer)
                if self._slider_mode == "score" and self._prompt_scale is not None:
                    threshold = self._prompt_scale.score(position)
                    styling.set_threshold(layer, table, table.rate_for(threshold), threshold)
                else:
                    styling.set_threshold(layer, table, position_to_rate(position))
            except (OSError, ValueError, KeyError):
                pass
        self._update_threshold_label()

    def _update_threshold_label(self) -> None:
        layer = self.current_score_layer()
        if layer is None:
            self.threshold_label.setText(
                tr("No score layer selected: run a detection, or choose a score layer.")
            )
            return
        try:
            table = styling.load_table(layer)
            threshold = styling.layer_threshold(layer)
        except (OSError, ValueError, KeyError):
            self.threshold_label.setText(tr("No calibration found beside this score layer."))
            return
        if self._slider_mode == "score" and self._prompt_scale is not None:
            threshold = self._prompt_scale.score(self.slider.value()) if threshold is None else threshold
            text = tr("Showing pixels above {threshold}: {share} of the scene.").format(
                threshold=number_text(threshold), share=rate_text(table.rate_for(threshold))
            )
            if self.slider.value() == self._prompt_scale.home:
                text += " " + tr("This is the method's own threshold.")
            self.threshold_label.setText(text)
            return
        rate = position_to_rate(self.slider.value())
        threshold = table.threshold_for(rate) if threshold is None else threshold
        self.threshold_label.setText(
            tr("False-alarm rate {rate}: showing scores above {threshold}.").format(
                rate=rate_text(rate), threshold=number_text(threshold)
            )
        )

    # -- polygons -------------------------------------------------------------------------------

    def export_polygons(self) -> None:
        """Vectorize the current score layer at the threshold it shows, in the background."""
        layer = self.current_score_layer()
        if layer is None or self.task is not None:
            return
        prompt = self._slider_mode == "score"
        rate = None if prompt else position_to_rate(self.slider.value())
        threshold = styling.layer_threshold(layer)
        request = polygonize_request(layer.source(), rate, threshold, self.min_area_spin.value())
        area = number_text(self.min_area_spin.value()) + _area_suffix(layer)
        if prompt:
            name = tr("Polygons of {score} (above {threshold}, at least {area})").format(
                score=layer.name(), threshold=number_text(threshold), area=area
            )
        else:
            name = tr("Polygons of {score} ({rate} false alarms, at least {area})").format(
                score=layer.name(), rate=rate_text(rate), area=area
            )
        self._start_task(
            tr("RareSight: exporting polygons"),
            "polygonize",
            request,
            lambda result, error: self._polygons_done(result, error, request["output"], name, layer.crs()),
        )

    def _polygons_done(
        self,
        result: dict | None,
        error: BackendError | None,
        output: str = "",
        name: str = "",
        crs: QgsCoordinateReferenceSystem | None = None,
    ) -> None:
        if error is not None:
            self._failed(error, output)
            return
        layer = QgsVectorLayer(f"{result['output']}|layername=anomalies", name or tr("Polygons"), "ogr")
        if not layer.isValid():
            self._push_unreadable(result["output"])
            return
        if crs is not None and not crs.isValid():
            # A score without a CRS: QGIS draws it untransformed, and so must its polygons (the
            # GeoPackage's "undefined" SRS would otherwise be a CRS of its own).
            layer.setCrs(QgsCoordinateReferenceSystem())
        styling.style_polygons(layer)
        QgsProject.instance().addMapLayer(layer)
        self._push(
            tr("Polygons exported"),
            tr("{n} polygon(s) written to {path}.").format(
                n=result.get("features", 0), path=result["output"]
            ),
            Qgis.MessageLevel.Success,
        )
        self.polygonsFinished.emit(layer)
