"""``raresight:detect``, ``raresight:fit`` and ``raresight:polygonize``: the dock's backend path as
Processing algorithms (same worker requests, same outputs), with progress and cancel through the
feedback."""

from __future__ import annotations

import json
import os
from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
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
#: How complex (SLC) inputs become real values; none chosen: the backend refuses them.
COMPLEX_MODES = ("intensity", "amplitude")
#: The generative methods when the bundled list cannot be read.
GENERATIVE_FALLBACK = ("diffusion", "flow")


def _bundled_methods() -> list[dict]:
    try:
        with open(ROOT / "resources" / "methods.json", encoding="utf-8") as f:
            methods = json.load(f)
        return [m for m in methods if isinstance(m, dict) and isinstance(m.get("name"), str)]
    except (OSError, ValueError, TypeError):
        return []


def method_names() -> list[str]:
    """Method names of the bundled list (``resources/methods.json``)."""
    return [m["name"] for m in _bundled_methods()] or ["rx"]


def anomaly_method_names() -> list[str]:
    """The methods of the bundled list that a prompt method can be fused with (no prompt)."""
    return [m["name"] for m in _bundled_methods() if not m.get("uses_prompt")] or ["rx"]


def generative_method_names() -> list[str]:
    """The methods of the bundled list that train (and reuse) a saved model: those with a
    ``model`` parameter."""
    names = [m["name"] for m in _bundled_methods() if "model" in (m.get("parameters") or {})]
    return names or list(GENERATIVE_FALLBACK)


def _complex_parameter(name: str) -> QgsProcessingParameterEnum:
    """The advanced, optional choice of how complex (SLC) inputs are read."""
    p = QgsProcessingParameterEnum(
        name,
        tr("Complex (SLC) inputs read as"),
        options=list(COMPLEX_MODES),
        optional=True,
        usesStaticStrings=True,
    )
    p.setFlags(p.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
    return p


def _complex_mode(alg: QgsProcessingAlgorithm, parameters, context) -> str:
    return alg.parameterAsString(parameters, "COMPLEX", context) if parameters.get("COMPLEX") else ""


def _model_method(model: str) -> str:
    """The method named by a saved model's card (``<model>.json``), or "" when unknown."""
    try:
        with open(f"{model}.json", encoding="utf-8") as f:
            method = json.load(f).get("method", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return method if isinstance(method, str) else ""


def _checkpoint(value: str) -> str:
    """CHECKPOINT for the worker: a file (made absolute; it must exist) or a model card name."""
    value = value.strip()
    if not value or (os.sep not in value and "." not in value):
        return value  # empty (the default card) or a card name such as remoteclip-vit-b-32
    path = os.path.abspath(value)  # the worker runs in the plugin folder
    if not os.path.isfile(path):
        raise QgsProcessingException(tr("The checkpoint file {path} does not exist.").format(path=path))
    return path


def _method_params(alg: QgsProcessingAlgorithm, parameters, context) -> dict:
    try:
        return parse_params(alg.parameterAsString(parameters, "PARAMETERS", context) or "")
    except LayerError as exc:
        raise QgsProcessingException(str(exc)) from None


def _rasters(alg: QgsProcessingAlgorithm, parameters, context, feedback) -> tuple[list[str], list[str]]:
    """The TARGET and REFERENCE rasters as files the backend reads (non-file layers exported)."""
    temp = QgsProcessingUtils.tempFolder()
    try:
        targets = [
            layer_to_path(x, temp, feedback) for x in alg.parameterAsLayerList(parameters, "TARGET", context)
        ]
        references = [
            layer_to_path(x, temp, feedback)
            for x in alg.parameterAsLayerList(parameters, "REFERENCE", context)
        ]
    except LayerError as exc:
        raise QgsProcessingException(str(exc)) from None
    if not targets:
        raise QgsProcessingException(tr("Give at least one target raster."))
    given = parameters.get("TARGET") or []
    if isinstance(given, (list, tuple)) and len(given) != len(targets):
        raise QgsProcessingException(tr("Some target rasters could not be loaded: check TARGET."))
    return targets, references


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
    PARAMETERS, MODEL = "PARAMETERS", "MODEL"
    NEGATIVE, CHECKPOINT, FUSE, COMPLEX = "NEGATIVE", "CHECKPOINT", "FUSE", "COMPLEX"

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
            "the same order. METHOD is a name such as rx, cva, logratio, gauss-ref, diffusion or flow. "
            "MODEL (generative methods only) reuses a model saved by Train a generative model (or its "
            "ONNX export) instead of training one on the fly; without METHOD, the model's card names it. "
            "Prompt methods (spectral, CLIP) take PROMPT (e.g. flood), CLIP methods also NEGATIVE (what "
            "it is not) and CHECKPOINT (a local open_clip checkpoint); FUSE combines a prompt method with "
            "an anomaly method (anomalous and like the prompt, default threshold 0.5)."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.TARGET, tr("Target rasters (one date)"), QgsProcessing.SourceType.TypeRaster
            )
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.REFERENCE,
                tr("Reference rasters (normal, same order)"),
                QgsProcessing.SourceType.TypeRaster,
                optional=True,
            )
        )
        names = method_names()
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD, tr("Method"), options=names, defaultValue=names[0], usesStaticStrings=True
            )
        )
        self.addParameter(
            QgsProcessingParameterString(self.PROMPT, tr("Prompt (prompt methods only)"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.NEGATIVE, tr("Negative prompt (CLIP methods only)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFile(
                self.CHECKPOINT,
                tr("CLIP checkpoint (CLIP methods only)"),
                QgsProcessingParameterFile.Behavior.File,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.FUSE,
                tr("Combine with anomaly method (prompt methods only)"),
                options=anomaly_method_names(),
                optional=True,
                usesStaticStrings=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFile(
                self.MODEL,
                tr("Saved model (generative methods only)"),
                QgsProcessingParameterFile.Behavior.File,
                optional=True,
                fileFilter=tr("RareSight models (*.safetensors *.onnx)"),
            )
        )
        tile = QgsProcessingParameterNumber(
            self.TILE_SIZE,
            tr("Tile size (px)"),
            QgsProcessingParameterNumber.Type.Integer,
            512,
            False,
            16,
            8192,
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
        self.addParameter(_complex_parameter(self.COMPLEX))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Anomaly score")))
        self.addOutput(
            QgsProcessingOutputNumber(self.THRESHOLD, tr("Threshold at the default false-alarm rate"))
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        targets, references = _rasters(self, parameters, context, feedback)
        output = os.path.abspath(self.parameterAsOutputLayer(parameters, self.OUTPUT, context))
        method_params = _method_params(self, parameters, context)
        method = self.parameterAsString(parameters, self.METHOD, context) or "rx"
        model = (self.parameterAsFile(parameters, self.MODEL, context) or "").strip()
        if model:
            model = os.path.abspath(model)  # the worker runs in the plugin folder
            if not os.path.isfile(model):
                raise QgsProcessingException(tr("The model file {path} does not exist.").format(path=model))
            if parameters.get(self.METHOD) is None:  # no METHOD: the model's (the worker reads an ONNX's)
                method = _model_method(model)
            generative = generative_method_names()
            if method and method not in generative:
                raise QgsProcessingException(
                    tr("MODEL applies to the generative methods ({methods}), not {method}.").format(
                        methods=", ".join(generative), method=method
                    )
                )
            method_params["model"] = model
        elif method_params.get("model"):  # model= among the parameters: relative to the caller too
            method_params["model"] = os.path.abspath(method_params["model"])
        checkpoint = _checkpoint(self.parameterAsFile(parameters, self.CHECKPOINT, context) or "")
        fuse = self.parameterAsString(parameters, self.FUSE, context) if parameters.get(self.FUSE) else ""
        args = {
            "targets": targets,
            "references": references,
            "method": method,
            "params": method_params,
            "prompt": self.parameterAsString(parameters, self.PROMPT, context) or "",
            "negative": self.parameterAsString(parameters, self.NEGATIVE, context) or "",
            "checkpoint": checkpoint,
            "fuse": fuse or "",
            "tile_size": self.parameterAsInt(parameters, self.TILE_SIZE, context),
            "device": self.parameterAsString(parameters, self.DEVICE, context) or "auto",
            "complex": _complex_mode(self, parameters, context),
            "output": output,
        }
        result = run_backend("score", args, feedback)
        if context.willLoadLayerOnCompletion(output):
            context.layerToLoadOnCompletionDetails(output).setPostProcessor(_STYLERS["score"])
        return {self.OUTPUT: output, self.THRESHOLD: result["sidecar"]["calibration"]["default_threshold"]}


class FitAlgorithm(_Base):
    TARGET, REFERENCE, METHOD, PARAMETERS = "TARGET", "REFERENCE", "METHOD", "PARAMETERS"
    DEVICE, OUTPUT, CARD, COMPLEX = "DEVICE", "OUTPUT", "CARD", "COMPLEX"

    def name(self) -> str:
        return "fit"

    def displayName(self) -> str:  # noqa: N802
        return tr("Train a generative model")

    def shortHelpString(self) -> str:  # noqa: N802
        return tr(
            "Trains the model of a generative method (diffusion or flow) on the target raster(s), "
            "without labels, and saves it as a .safetensors file with its model card beside it "
            "(<file>.json). With reference rasters, the model learns the targets given the references "
            "(post given pre). Give the file to Detect anomalies as MODEL to score without training "
            "again. PARAMETERS takes the method's KEY=VALUE pairs (e.g. steps=600, time_budget_s=60)."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.TARGET,
                tr("Target rasters (normal imagery to learn)"),
                QgsProcessing.SourceType.TypeRaster,
            )
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.REFERENCE,
                tr("Reference rasters (learn the targets given these)"),
                QgsProcessing.SourceType.TypeRaster,
                optional=True,
            )
        )
        names = generative_method_names()
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD, tr("Method"), options=names, defaultValue=names[0], usesStaticStrings=True
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.PARAMETERS, tr("Method parameters (KEY=VALUE, e.g. steps=600)"), optional=True
            )
        )
        device = QgsProcessingParameterEnum(
            self.DEVICE, tr("Device"), options=list(DEVICES), defaultValue="auto", usesStaticStrings=True
        )
        device.setFlags(device.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(device)
        self.addParameter(_complex_parameter(self.COMPLEX))
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT, tr("Model file"), fileFilter=tr("RareSight models (*.safetensors)")
            )
        )
        self.addOutput(QgsProcessingOutputFile(self.CARD, tr("Model card (JSON)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        targets, references = _rasters(self, parameters, context, feedback)
        output = os.path.abspath(self.parameterAsFileOutput(parameters, self.OUTPUT, context))
        if not output.lower().endswith(".safetensors"):
            raise QgsProcessingException(
                tr("The model is written as safetensors: give an output ending in .safetensors.")
            )
        method_params = _method_params(self, parameters, context)
        if "model" in method_params:
            raise QgsProcessingException(
                tr("Training writes a new model: leave model= out of the parameters.")
            )
        args = {
            "targets": targets,
            "references": references,
            "method": self.parameterAsString(parameters, self.METHOD, context)
            or generative_method_names()[0],
            "params": method_params,
            "device": self.parameterAsString(parameters, self.DEVICE, context) or "auto",
            "complex": _complex_mode(self, parameters, context),
            "output": output,
        }
        result = run_backend("fit", args, feedback)
        card = result.get("card") or {}
        training = card.get("training") or {}
        if feedback is not None:
            feedback.pushInfo(
                tr(
                    "{method} model of {bands} band(s), {condition} conditioning: {steps} steps in {seconds:.1f} s."
                ).format(
                    method=card.get("method", args["method"]),
                    bands=card.get("bands", "?"),
                    condition=card.get("condition", "?"),
                    steps=training.get("steps", "?"),
                    seconds=float(training.get("seconds") or 0.0),
                )
            )
        return {self.OUTPUT: output, self.CARD: output + ".json"}


class PolygonizeAlgorithm(_Base):
    INPUT, FALSE_ALARM_RATE, MIN_AREA_M2, SIMPLIFY_M, OUTPUT = (
        "INPUT",
        "FALSE_ALARM_RATE",
        "MIN_AREA_M2",
        "SIMPLIFY_M",
        "OUTPUT",
    )
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
                self.FALSE_ALARM_RATE,
                tr("False-alarm rate"),
                QgsProcessingParameterNumber.Type.Double,
                0.01,
                False,
                1e-6,
                0.5,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_AREA_M2,
                tr("Minimum area (m²)"),
                QgsProcessingParameterNumber.Type.Double,
                0.0,
                False,
                0.0,
            )
        )
        simplify = QgsProcessingParameterNumber(
            self.SIMPLIFY_M,
            tr("Simplification tolerance (m)"),
            QgsProcessingParameterNumber.Type.Double,
            0.0,
            False,
            0.0,
        )
        simplify.setFlags(simplify.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(simplify)
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                self.OUTPUT, tr("Anomaly polygons"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.FEATURES, tr("Number of polygons")))
        self.addOutput(QgsProcessingOutputNumber(self.THRESHOLD, tr("Score threshold")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        if layer is None:
            raise QgsProcessingException(tr("The score raster is not a valid raster layer."))
        output = os.path.abspath(self.parameterAsOutputLayer(parameters, self.OUTPUT, context))
        if not output.lower().endswith(".gpkg"):
            raise QgsProcessingException(
                tr("The polygons are written as a GeoPackage: give an output ending in .gpkg.")
            )
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
