"""``raresight:polygonize``: a score raster's regions above the threshold of a false-alarm rate, as
polygons in a GeoPackage (the worker's ``polygonize`` request)."""

from __future__ import annotations

import os

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterVectorDestination,
)

from ..i18n import tr
from .common import Base, advanced, run_backend, style_on_load


class PolygonizeAlgorithm(Base):
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
        self.addParameter(advanced(simplify))
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
        style_on_load(context, output, "polygons")
        return {self.OUTPUT: output, self.FEATURES: result["features"], self.THRESHOLD: result["threshold"]}
