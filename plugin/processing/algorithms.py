"""``raresight:detect`` and ``raresight:polygonize``: the dock's backend path as Processing
algorithms (same worker requests, same outputs), with progress and cancel through the feedback."""

from __future__ import annotations

import json
import os
from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsProcessingUtils,
)
from qgis.PyQt.QtGui import QIcon

from .. import settings, styling
from ..backend_client import BackendClient, BackendError
from ..calibration import CalibrationTable, sidecar_path
from ..i18n import tr
from ..layers import LayerError, layer_to_path, parse_params

ROOT = Path(__file__).resolve().parents[2]
ICON = ROOT / "resources" / "icon.svg"
DEVICES = ("auto", "cpu", "cuda")


def method_names() -> list[str]:
    """Method names of the bundled list (``resources/methods.json``)."""
    try:
        with open(ROOT / "resources" / "methods.json", encoding="utf-8") as f:
            names = [m["name"] for m in json.load(f)]
    except (OSError, ValueError, KeyError, TypeError):
        names = []
    return names or ["rx"]


def run_backend(op: str, args: dict, feedback) -> dict:
    """One request on a fresh worker (closed afterwards), reporting through ``feedback``."""
    client = BackendClient(settings.interpreter())

    def progress(fraction: float, stage: str) -> None:
        if feedback is not None:
            feedback.setProgress(100.0 * fraction)
            feedback.setProgressText(stage)

    def log(level: str, message: str) -> None:
        if feedback is not None:
            (feedback.pushWarning if level in ("warning", "error") else feedback.pushInfo)(message)

    try:
        return client.request(
            op,
            args,
            progress=progress,
            is_cancelled=(feedback.isCanceled if feedback is not None else None),
            on_log=log,
        )
    except BackendError as exc:
        raise QgsProcessingException(f"{exc.kind}: {exc.message}") from None
    finally:
        client.close()


class _ScoreStyler(QgsProcessingLayerPostProcessorInterface):
    """Gives a detect output loaded by Processing the score style at the default rate."""

    def postProcessLayer(self, layer, context, feedback) -> None:  # noqa: N802 - QGIS API
        try:
            table = CalibrationTable.load(layer.source())
            with open(sidecar_path(layer.source()), encoding="utf-8") as f:
                sidecar = json.load(f)
        except (OSError, ValueError, KeyError):
            return
        styling.style_score_layer(layer, table, table.default_false_alarm_rate, sidecar)


class _PolygonStyler(QgsProcessingLayerPostProcessorInterface):
    def postProcessLayer(self, layer, context, feedback) -> None:  # noqa: N802 - QGIS API
        styling.style_polygons(layer)


# Post-processors must outlive the algorithm run that registers them.
_STYLERS = {"score": _ScoreStyler(), "polygons": _PolygonStyler()}


class _Base(QgsProcessingAlgorithm):
    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def createInstance(self):  # noqa: N802 - QGIS API
        return type(self)()


class DetectAlgorithm(_Base):
    TARGET, REFERENCE, METHOD, PROMPT = "TARGET", "REFERENCE", "METHOD", "PROMPT"
    TILE_SIZE, DEVICE, OUTPUT, THRESHOLD = "TILE_SIZE", "DEVICE", "OUTPUT", "THRESHOLD"
    PARAMETERS = "PARAMETERS"

    def name(self) -> str:
        return "detect"

    def displayName(self) -> str:  # noqa: N802
        return tr("Detect anomalies")

    def shortHelpString(self) -> str:  # noqa: N802
        return tr(
            "Scores every pixel of the target raster(s) for how anomalous it is and writes a float32 "
            "score GeoTIFF on the first target's grid (higher = more anomalous, no data where no input "
            "has data), with a sidecar JSON holding the label-free calibration. Targets are rasters of "
            "one date (e.g. optical, then SAR); the optional reference holds normal (pre-event) rasters in "
            "the same order. METHOD is a name such as rx, cva, logratio or gauss-ref."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(
            QgsProcessingParameterMultipleLayers(self.TARGET, tr("Target rasters (one date)"), QgsProcessing.SourceType.TypeRaster)
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.REFERENCE, tr("Reference rasters (normal, same order)"), QgsProcessing.SourceType.TypeRaster, optional=True
            )
        )
        names = method_names()
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD, tr("Method"), options=names, defaultValue=names[0], usesStaticStrings=True
            )
        )
        self.addParameter(QgsProcessingParameterString(self.PROMPT, tr("Prompt (prompt methods only)"), optional=True))
        tile = QgsProcessingParameterNumber(
            self.TILE_SIZE, tr("Tile size (px)"), QgsProcessingParameterNumber.Type.Integer, 512, False, 16, 8192
        )
        device = QgsProcessingParameterEnum(
            self.DEVICE, tr("Device"), options=list(DEVICES), defaultValue="auto", usesStaticStrings=True
        )
        method_params = QgsProcessingParameterString(
            self.PARAMETERS, tr("Method parameters (KEY=VALUE, e.g. fit_fraction=0.5)"), optional=True
        )
        for p in (method_params, tile, device):
            p.setFlags(p.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
            self.addParameter(p)
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Anomaly score")))
        self.addOutput(QgsProcessingOutputNumber(self.THRESHOLD, tr("Threshold at the default false-alarm rate")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        temp = QgsProcessingUtils.tempFolder()
        try:
            targets = [layer_to_path(x, temp, feedback) for x in self.parameterAsLayerList(parameters, self.TARGET, context)]
            references = [
                layer_to_path(x, temp, feedback) for x in self.parameterAsLayerList(parameters, self.REFERENCE, context)
            ]
        except LayerError as exc:
            raise QgsProcessingException(str(exc)) from None
        if not targets:
            raise QgsProcessingException(tr("Give at least one target raster."))
        given = parameters.get(self.TARGET) or []
        if isinstance(given, (list, tuple)) and len(given) != len(targets):
            raise QgsProcessingException(tr("Some target rasters could not be loaded: check TARGET."))
        output = os.path.abspath(self.parameterAsOutputLayer(parameters, self.OUTPUT, context))
        try:
            method_params = parse_params(self.parameterAsString(parameters, self.PARAMETERS, context) or "")
        except LayerError as exc:
            raise QgsProcessingException(str(exc)) from None
        args = {
            "targets": targets,
            "references": references,
            "method": self.parameterAsString(parameters, self.METHOD, context) or "rx",
            "params": method_params,
            "prompt": self.parameterAsString(parameters, self.PROMPT, context) or "",
            "tile_size": self.parameterAsInt(parameters, self.TILE_SIZE, context),
            "device": self.parameterAsString(parameters, self.DEVICE, context) or "auto",
            "output": output,
        }
        result = run_backend("score", args, feedback)
        if context.willLoadLayerOnCompletion(output):
            context.layerToLoadOnCompletionDetails(output).setPostProcessor(_STYLERS["score"])
        return {self.OUTPUT: output, self.THRESHOLD: result["sidecar"]["calibration"]["default_threshold"]}


class PolygonizeAlgorithm(_Base):
    INPUT, FALSE_ALARM_RATE, MIN_AREA_M2, SIMPLIFY_M, OUTPUT = "INPUT", "FALSE_ALARM_RATE", "MIN_AREA_M2", "SIMPLIFY_M", "OUTPUT"
    FEATURES, THRESHOLD = "FEATURES", "THRESHOLD"

    def name(self) -> str:
        return "polygonize"

    def displayName(self) -> str:  # noqa: N802
        return tr("Anomaly polygons")

    def shortHelpString(self) -> str:  # noqa: N802
        return tr(
            "Turns a RareSight score raster into polygons: one feature per connected region whose score "
            "reaches the threshold of the chosen false-alarm rate (from the score's sidecar calibration), "
            "with area_m2, max_score, mean_score, method and threshold. Written as a GeoPackage in the "
            "raster's CRS."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Score raster")))
        self.addParameter(
            QgsProcessingParameterNumber(
                self.FALSE_ALARM_RATE, tr("False-alarm rate"), QgsProcessingParameterNumber.Type.Double, 0.01, False, 1e-6, 0.5
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_AREA_M2, tr("Minimum area (m²)"), QgsProcessingParameterNumber.Type.Double, 0.0, False, 0.0
            )
        )
        simplify = QgsProcessingParameterNumber(
            self.SIMPLIFY_M, tr("Simplification tolerance (m)"), QgsProcessingParameterNumber.Type.Double, 0.0, False, 0.0
        )
        simplify.setFlags(simplify.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(simplify)
        self.addParameter(
            QgsProcessingParameterVectorDestination(self.OUTPUT, tr("Anomaly polygons"), QgsProcessing.SourceType.TypeVectorPolygon)
        )
        self.addOutput(QgsProcessingOutputNumber(self.FEATURES, tr("Number of polygons")))
        self.addOutput(QgsProcessingOutputNumber(self.THRESHOLD, tr("Score threshold")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        if layer is None:
            raise QgsProcessingException(tr("The score raster is not a valid raster layer."))
        output = os.path.abspath(self.parameterAsOutputLayer(parameters, self.OUTPUT, context))
        if not output.lower().endswith(".gpkg"):
            raise QgsProcessingException(tr("The polygons are written as a GeoPackage: give an output ending in .gpkg."))
        args = {
            "score": os.path.abspath(layer.source()),
            "output": output,
            "false_alarm_rate": self.parameterAsDouble(parameters, self.FALSE_ALARM_RATE, context),
            "min_area_m2": self.parameterAsDouble(parameters, self.MIN_AREA_M2, context),
            "simplify_m": self.parameterAsDouble(parameters, self.SIMPLIFY_M, context),
        }
        result = run_backend("polygonize", args, feedback)
        if context.willLoadLayerOnCompletion(output):
            context.layerToLoadOnCompletionDetails(output).setPostProcessor(_STYLERS["polygons"])
        return {self.OUTPUT: output, self.FEATURES: result["features"], self.THRESHOLD: result["threshold"]}
