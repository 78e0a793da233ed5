"""The dock's Result group: score layers added to the project, the false-alarm-rate slider that
only restyles them (from the score's sidecar calibration, never recomputing anything), and the
polygon export."""

from __future__ import annotations

import json
import math

from qgis.core import Qgis, QgsProject, QgsRasterLayer, QgsVectorLayer

from .. import styling
from ..backend_client import BackendError
from ..calibration import CalibrationTable
from ..i18n import tr
from .requests import polygonize_request

#: The slider's range of false-alarm rates (log10; up to 0.5, the calibration table's top, so that
#: the physical default of a prompt map, often a large share of the scene, fits) and its resolution.
SLIDER_LOG10_RANGE = (-4.0, math.log10(0.5))
SLIDER_STEPS_PER_DECADE = 20
DEFAULT_RATE = 1e-2


def rate_to_position(rate: float) -> int:
    """The slider position of a false-alarm rate (log scale)."""
    return int(round(math.log10(rate) * SLIDER_STEPS_PER_DECADE))


def position_to_rate(position: int) -> float:
    return 10.0 ** (position / SLIDER_STEPS_PER_DECADE)


class ResultsPanel:
    """Behaviour of the Result group, mixed into the dock.

    Uses the dock's ``score_combo``, ``slider``, ``threshold_label``, ``min_area_spin``,
    ``export_button``, ``task``, ``polygonsFinished`` and its ``_push``, ``_start_task`` and
    ``_failed`` methods.
    """

    rate_to_position = staticmethod(rate_to_position)
    position_to_rate = staticmethod(position_to_rate)

    def add_score_layer(self, path: str, sidecar: dict | None = None) -> QgsRasterLayer | None:
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
        name = tr("Anomaly score ({method})").format(method=sidecar.get("method", "?"))
        layer = QgsRasterLayer(path, name, "gdal")
        if not layer.isValid():
            self._push_unreadable(path)
            return None
        rate = position_to_rate(self.slider.value())
        if table.physical_threshold is not None:  # start at the method's physical threshold
            rate = table.default_false_alarm_rate
        styling.style_score_layer(layer, table, rate, sidecar, table.physical_threshold)
        QgsProject.instance().addMapLayer(layer)
        self.score_combo.setLayer(layer)
        return layer

    def _push_unreadable(self, path: str) -> None:
        self._push(
            tr("Cannot add the result"),
            tr("QGIS cannot read {path}.").format(path=path),
            Qgis.MessageLevel.Critical,
        )

    # -- threshold slider -----------------------------------------------------------------------

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
        if usable:
            rate = styling.layer_rate(layer, DEFAULT_RATE)
            self.slider.blockSignals(True)
            self.slider.setValue(rate_to_position(rate))
            self.slider.blockSignals(False)
        self._update_threshold_label()

    def _slider_moved(self, position: int) -> None:
        layer = self.current_score_layer()
        if layer is not None:
            try:
                styling.set_threshold(layer, styling.load_table(layer), position_to_rate(position))
            except (OSError, ValueError, KeyError):
                pass
        self._update_threshold_label()

    def _update_threshold_label(self) -> None:
        rate = position_to_rate(self.slider.value())
        layer = self.current_score_layer()
        if layer is None:
            self.threshold_label.setText(
                tr("False-alarm rate {rate:.1e} (no score layer selected)").format(rate=rate)
            )
            return
        try:
            table = styling.load_table(layer)
            threshold = styling.layer_threshold(layer)
            threshold = table.threshold_for(rate) if threshold is None else threshold
        except (OSError, ValueError, KeyError):
            self.threshold_label.setText(tr("No calibration found beside this score layer."))
            return
        text = tr("False-alarm rate {rate:.1e}: showing scores > {threshold:.4g}").format(
            rate=rate, threshold=threshold
        )
        if table.physical_threshold is not None:
            text += " " + tr("(the method's physical threshold is {threshold:.4g})").format(
                threshold=table.physical_threshold
            )
        self.threshold_label.setText(text)

    # -- polygons -------------------------------------------------------------------------------

    def export_polygons(self) -> None:
        """Vectorize the current score layer at the threshold it shows (a method's physical one,
        or the slider's rate's), in the background."""
        layer = self.current_score_layer()
        if layer is None or self.task is not None:
            return
        rate = position_to_rate(self.slider.value())
        request = polygonize_request(
            layer.source(), rate, styling.layer_threshold(layer), self.min_area_spin.value()
        )
        self._start_task(
            tr("RareSight: exporting polygons"),
            "polygonize",
            request,
            lambda result, error: self._polygons_done(result, error, request["output"], rate),
        )

    def _polygons_done(
        self, result: dict | None, error: BackendError | None, output: str = "", rate: float | None = None
    ) -> None:
        if error is not None:
            self._failed(error, output)
            return
        rate = result.get("false_alarm_rate") or rate
        name = tr("Anomalies (false-alarm rate {rate:.1e})").format(rate=rate) if rate else tr("Anomalies")
        layer = QgsVectorLayer(f"{result['output']}|layername=anomalies", name, "ogr")
        if not layer.isValid():
            self._push_unreadable(result["output"])
            return
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
