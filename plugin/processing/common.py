"""What the RareSight Processing algorithms share: the base class, the input and option
parameters, the call to the backend worker and the stylers of the loaded outputs.

The algorithms send the worker plain request dicts; the worker checks them
(:mod:`backend.request`), so nothing here repeats those checks. What stays here is what only the
caller can do: resolving layers and relative paths on the caller's side."""

from __future__ import annotations

import json
from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingUtils,
    QgsProject,
)
from qgis.PyQt.QtGui import QIcon

from .. import settings, styling
from ..backend_client import BackendClient, BackendError
from ..calibration import CalibrationTable, sidecar_path
from ..i18n import tr
from ..layers import LayerError, layer_to_path, parse_params
from ..progress_text import stage_text

ROOT = Path(__file__).resolve().parents[2]
ICON = ROOT / "resources" / "icon.svg"
DEVICES = ("auto", "cpu", "cuda")
#: How complex (SLC) inputs become real values; none chosen: the backend refuses them.
COMPLEX_MODES = ("intensity", "amplitude")


class Base(QgsProcessingAlgorithm):
    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def createInstance(self):  # noqa: N802 - QGIS API
        return type(self)()


def advanced(p: QgsProcessingParameterDefinition) -> QgsProcessingParameterDefinition:
    """``p`` shown under the advanced parameters."""
    p.setFlags(p.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
    return p


def device_parameter(name: str) -> QgsProcessingParameterEnum:
    return QgsProcessingParameterEnum(
        name, tr("Device"), options=list(DEVICES), defaultValue="auto", usesStaticStrings=True
    )


def complex_parameter(name: str) -> QgsProcessingParameterEnum:
    """The advanced, optional choice of how complex (SLC) inputs are read."""
    return advanced(
        QgsProcessingParameterEnum(
            name,
            tr("Complex (SLC) inputs read as"),
            options=list(COMPLEX_MODES),
            optional=True,
            usesStaticStrings=True,
        )
    )


def complex_mode(alg: QgsProcessingAlgorithm, parameters, context) -> str:
    return alg.parameterAsString(parameters, "COMPLEX", context) if parameters.get("COMPLEX") else ""


def method_params(alg: QgsProcessingAlgorithm, parameters, context) -> dict:
    try:
        return parse_params(alg.parameterAsString(parameters, "PARAMETERS", context) or "")
    except LayerError as exc:
        raise QgsProcessingException(str(exc)) from None


def add_raster_inputs(alg: QgsProcessingAlgorithm, target_label: str, reference_label: str) -> None:
    """The TARGET rasters and the optional REFERENCE rasters that :func:`rasters` reads."""
    kind = QgsProcessing.SourceType.TypeRaster
    alg.addParameter(QgsProcessingParameterMultipleLayers("TARGET", target_label, kind))
    alg.addParameter(QgsProcessingParameterMultipleLayers("REFERENCE", reference_label, kind, optional=True))


def rasters(alg: QgsProcessingAlgorithm, parameters, context, feedback) -> tuple[list[str], list[str]]:
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

    def progress(fraction: float, stage: str, eta_s: float | None) -> None:
        if feedback is not None:
            feedback.setProgress(100.0 * fraction)
            feedback.setProgressText(stage_text(stage, eta_s))

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
        from ..catalogue import wording

        meaning = wording({"name": sidecar.get("method", "?")}).score
        styling.style_score_layer(
            layer, table, table.default_false_alarm_rate, sidecar, table.physical_threshold, meaning
        )
        # Processing adds the layer to the project before this runs: its legend gets the heading
        # the dock gives (what the score measures), and the Layers panel is told to redraw it.
        node = QgsProject.instance().layerTreeRoot().findLayer(layer.id())
        if node is not None:
            styling.name_legend(layer, node)
            _refresh_legend(node)


def _refresh_legend(node) -> None:
    """Redraw ``node``'s legend in QGIS's Layers panel (nothing without a desktop)."""
    try:
        import qgis.utils

        view = qgis.utils.iface.layerTreeView() if qgis.utils.iface is not None else None
    except AttributeError:  # (an interface without a layer tree, e.g. a test's stand-in)
        view = None
    if view is not None:
        view.layerTreeModel().refreshLayerLegend(node)


class _PolygonStyler(QgsProcessingLayerPostProcessorInterface):
    def postProcessLayer(self, layer, context, feedback) -> None:  # noqa: N802 - QGIS API
        styling.style_polygons(layer)


# Post-processors must outlive the algorithm run that registers them.
STYLERS = {"score": _ScoreStyler(), "polygons": _PolygonStyler()}


def style_on_load(context, output: str, styler: str) -> None:
    """Style ``output`` with ``STYLERS[styler]`` when Processing loads it."""
    if context.willLoadLayerOnCompletion(output):
        context.layerToLoadOnCompletionDetails(output).setPostProcessor(STYLERS[styler])
