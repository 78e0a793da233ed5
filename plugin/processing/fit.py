"""``raresight:fit``: train a trainable method's model (the worker's ``fit`` request) and save it
with its card, for ``raresight:detect``'s MODEL."""

from __future__ import annotations

import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ..i18n import tr
from ..methods import trainable_method_names
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
)


class FitAlgorithm(Base):
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
        add_raster_inputs(
            self,
            tr("Target rasters (normal imagery to learn)"),
            tr("Reference rasters (learn the targets given these)"),
        )
        names = trainable_method_names()
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD,
                tr("Method"),
                options=names,
                defaultValue=names[0] if names else None,
                usesStaticStrings=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.PARAMETERS, tr("Method parameters (KEY=VALUE, e.g. steps=600)"), optional=True
            )
        )
        self.addParameter(advanced(device_parameter(self.DEVICE)))
        self.addParameter(complex_parameter(self.COMPLEX))
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT, tr("Model file"), fileFilter=tr("RareSight models (*.safetensors)")
            )
        )
        self.addOutput(QgsProcessingOutputFile(self.CARD, tr("Model card (JSON)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        targets, references = rasters(self, parameters, context, feedback)
        output = os.path.abspath(self.parameterAsFileOutput(parameters, self.OUTPUT, context))
        if not output.lower().endswith(".safetensors"):
            raise QgsProcessingException(
                tr("The model is written as safetensors: give an output ending in .safetensors.")
            )
        args = {
            "targets": targets,
            "references": references,
            "method": self.parameterAsString(parameters, self.METHOD, context),
            "params": method_params(self, parameters, context),
            "device": self.parameterAsString(parameters, self.DEVICE, context) or "auto",
            "complex": complex_mode(self, parameters, context),
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
