"""``raresight:detect``: the dock's detection as a Processing algorithm (the same worker ``score``
request, the same outputs)."""

from __future__ import annotations

import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
)

from ..i18n import tr
from ..methods import anomaly_method_names, method_names
from .common import (
    Base,
    add_raster_inputs,
    advanced,
    complex_mode,
    complex_parameter,
    device_parameter,
    method_params,
    rasters,
    run_backend,
    style_on_load,
)


def _checkpoint(value: str) -> str:
    """CHECKPOINT for the worker: a file (made absolute; it must exist) or a model card name."""
    value = value.strip()
    if not value or (os.sep not in value and "." not in value):
        return value  # empty (the default card) or a card name such as remoteclip-vit-b-32
    path = os.path.abspath(value)  # the worker runs in the plugin folder
    if not os.path.isfile(path):
        raise QgsProcessingException(tr("The checkpoint file {path} does not exist.").format(path=path))
    return path


def _model(value: str) -> str:
    """MODEL for the worker: the saved model made absolute (it must exist), or "" for none."""
    value = value.strip()
    if not value:
        return ""
    path = os.path.abspath(value)  # the worker runs in the plugin folder
    if not os.path.isfile(path):
        raise QgsProcessingException(tr("The model file {path} does not exist.").format(path=path))
    return path


class DetectAlgorithm(Base):
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
        add_raster_inputs(self, tr("Target rasters (one date)"), tr("Reference rasters (normal, same order)"))
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
        method_params_text = QgsProcessingParameterString(
            self.PARAMETERS, tr("Method parameters (KEY=VALUE, e.g. fit_fraction=0.5)"), optional=True
        )
        for p in (method_params_text, tile, device_parameter(self.DEVICE)):
            self.addParameter(advanced(p))
        self.addParameter(complex_parameter(self.COMPLEX))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Anomaly score")))
        self.addOutput(
            QgsProcessingOutputNumber(self.THRESHOLD, tr("Threshold at the default false-alarm rate"))
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        targets, references = rasters(self, parameters, context, feedback)
        output = os.path.abspath(self.parameterAsOutputLayer(parameters, self.OUTPUT, context))
        params = method_params(self, parameters, context)
        model = _model(self.parameterAsFile(parameters, self.MODEL, context) or "")
        if model:
            params["model"] = model
        elif params.get("model"):  # model= among the parameters: relative to the caller too
            params["model"] = os.path.abspath(params["model"])
        # Without METHOD, a saved model's card names the method (the worker reads it).
        no_method = model and parameters.get(self.METHOD) is None
        method = "" if no_method else self.parameterAsString(parameters, self.METHOD, context) or "rx"
        fuse = self.parameterAsString(parameters, self.FUSE, context) if parameters.get(self.FUSE) else ""
        args = {
            "targets": targets,
            "references": references,
            "method": method,
            "params": params,
            "prompt": self.parameterAsString(parameters, self.PROMPT, context) or "",
            "negative": self.parameterAsString(parameters, self.NEGATIVE, context) or "",
            "checkpoint": _checkpoint(self.parameterAsFile(parameters, self.CHECKPOINT, context) or ""),
            "fuse": fuse or "",
            "tile_size": self.parameterAsInt(parameters, self.TILE_SIZE, context),
            "device": self.parameterAsString(parameters, self.DEVICE, context) or "auto",
            "complex": complex_mode(self, parameters, context),
            "output": output,
        }
        result = run_backend("score", args, feedback)
        style_on_load(context, output, "score")
        return {self.OUTPUT: output, self.THRESHOLD: result["sidecar"]["calibration"]["default_threshold"]}
