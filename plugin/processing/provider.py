"""The ``raresight`` Processing provider."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..i18n import tr
from .batch import BatchAlgorithm
from .detect import DetectAlgorithm
from .fit import FitAlgorithm
from .polygonize import PolygonizeAlgorithm

ICON = Path(__file__).resolve().parents[2] / "resources" / "icon.svg"


class RareSightProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "raresight"

    def name(self) -> str:
        return tr("RareSight")

    def longName(self) -> str:  # noqa: N802 - QGIS API
        return tr("RareSight: dense anomaly maps of rare events")

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def supportedOutputRasterLayerExtensions(self) -> list[str]:  # noqa: N802 - QGIS API
        return ["tif"]

    def supportedOutputVectorLayerExtensions(self) -> list[str]:  # noqa: N802 - QGIS API
        return ["gpkg"]

    def defaultVectorFileExtension(self, hasGeometry: bool = True) -> str:  # noqa: N802, N803 - QGIS API
        return "gpkg"

    def defaultRasterFileExtension(self) -> str:  # noqa: N802 - QGIS API
        return "tif"

    def loadAlgorithms(self) -> None:  # noqa: N802 - QGIS API
        self.addAlgorithm(DetectAlgorithm())
        self.addAlgorithm(FitAlgorithm())
        self.addAlgorithm(PolygonizeAlgorithm())
        self.addAlgorithm(BatchAlgorithm())
