"""The RareSight dock: pick layers and a method, detect, then move the threshold and export polygons.

Everything slow runs in the backend worker through :class:`~.tasks.BackendTask`; the dock only
resolves layers to files, adds the results as layers and restyles them. The threshold slider works
in false-alarm-rate terms from the score's sidecar calibration and never recomputes anything.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMapLayerProxyModel,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.gui import QgsCollapsibleGroupBox, QgsDockWidget, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from . import settings, styling
from .backend_client import (
    BackendClient,
    BackendError,
    RequestCancelledError,
    WorkerCrashedError,
    WorkerStartError,
)
from .calibration import CalibrationTable
from .i18n import tr
from .layers import LayerError, layer_to_path, output_name, parse_params, remove_partial_outputs, unique_path
from .tasks import BackendTask

METHODS_FILE = Path(__file__).resolve().parents[1] / "resources" / "methods.json"
#: The slider's range of false-alarm rates (log10; up to 0.5, the calibration table's top, so that
#: the physical default of a prompt map, often a large share of the scene, fits) and its resolution.
SLIDER_LOG10_RANGE = (-4.0, math.log10(0.5))
SLIDER_STEPS_PER_DECADE = 20
DEFAULT_RATE = 1e-2


def bundled_methods() -> list[dict]:
    """The method list shipped with the plugin (``resources/methods.json``), shown until the
    backend has answered with its own."""
    try:
        with open(METHODS_FILE, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return [
            {"name": "rx", "summary": "Global Reed-Xiaoli", "needs_reference": False, "uses_prompt": False}
        ]


def is_generative(method: dict) -> bool:
    """True for a method that can reuse a saved model (it takes a ``model`` parameter)."""
    return "model" in (method.get("parameters") or {})


def takes(method: dict, parameter: str) -> bool:
    """True for a prompt method whose parameters include ``parameter`` (``negative`` and
    ``checkpoint`` mark the CLIP methods)."""
    return bool(method.get("uses_prompt")) and parameter in (method.get("parameters") or {})


def error_text(error: BackendError, failed_title: str | None = None) -> tuple[str, str]:
    """A title and a message fit for the analyst, in the user's language (``failed_title``: the
    title of a refused request, "Detection failed" by default)."""
    if isinstance(error, RequestCancelledError):
        return tr("Cancelled"), tr("The run was cancelled; nothing was added.")
    if isinstance(error, WorkerCrashedError):
        return tr("Backend stopped"), tr(
            "The backend process stopped unexpectedly; nothing was added. The next run starts a fresh backend. Details: {details}"
        ).format(details=error.message)
    if isinstance(error, WorkerStartError):
        return tr("Backend unavailable"), tr(
            "The backend could not be started. Set its Python interpreter under Advanced settings, or run scripts/setup.sh in the plugin folder. Details: {details}"
        ).format(details=error.message)
    return failed_title or tr("Detection failed"), tr(
        "The backend refused the request ({kind}): {details}"
    ).format(kind=error.kind, details=error.message)


class RareSightDock(QgsDockWidget):
    """The dock panel. ``client_factory()`` returns the backend client to use (it may change when
    the interpreter setting changes)."""

    #: Emitted with the score layer once a detection has been added to the project.
    detectionFinished = pyqtSignal(object)  # noqa: N815 - Qt naming
    #: Emitted with the polygon layer once an export has been added.
    polygonsFinished = pyqtSignal(object)  # noqa: N815
    #: Emitted with a message when a run failed or was cancelled.
    runFailed = pyqtSignal(str)  # noqa: N815
    #: Emitted with the model file once "Train model" has saved it.
    modelTrained = pyqtSignal(str)  # noqa: N815

    def __init__(self, iface, client_factory: Callable[[], BackendClient], parent=None) -> None:
        super().__init__(tr("RareSight"), parent)
        self.setObjectName("RareSightDock")
        self.iface = iface
        self.client_factory = client_factory
        self.task: BackendTask | None = None
        self.methods: list[dict] = []
        self.backend_info: dict | None = None
        self.temp_dir = tempfile.mkdtemp(prefix="raresight-inputs-")
        self._build()
        self.set_methods(bundled_methods())
        self._connect()
        self._refresh_score_layers()
        self._set_running(False)

    # -- construction ---------------------------------------------------------------------------

    def _raster_combo(self, optional: bool) -> QgsMapLayerComboBox:
        combo = QgsMapLayerComboBox()
        combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        if optional:
            combo.setAllowEmptyLayer(True)
            combo.setLayer(None)
        return combo

    def _build(self) -> None:
        body = QWidget()
        outer = QVBoxLayout(body)

        inputs = QGroupBox(tr("Inputs"))
        form = QFormLayout(inputs)
        self.target_combo = self._raster_combo(False)
        self.target2_combo = self._raster_combo(True)
        self.reference_combo = self._raster_combo(True)
        self.reference2_combo = self._raster_combo(True)
        form.addRow(tr("Image (e.g. optical)"), self.target_combo)
        form.addRow(tr("Second image (e.g. SAR, optional)"), self.target2_combo)
        form.addRow(tr("Reference (pre-event, optional)"), self.reference_combo)
        form.addRow(tr("Second reference (optional)"), self.reference2_combo)
        self.target_combo.setToolTip(tr("The image to search for anomalies (the event date)."))
        self.target2_combo.setToolTip(
            tr("A co-registered image of the same date, e.g. SAR; it is aligned onto the first image's grid.")
        )
        self.reference_combo.setToolTip(
            tr(
                "A normal reference (pre-event or archive image) in the same order as the images; without one, the method learns normality from the image itself."
            )
        )
        outer.addWidget(inputs)

        method_box = QGroupBox(tr("Method"))
        mform = QFormLayout(method_box)
        self.method_combo = QComboBox()
        self.method_help = QLabel()
        self.method_help.setWordWrap(True)
        self.method_help.setStyleSheet("color: palette(mid);")
        self.prompt_edit = QLineEdit()
        self.prompt_edit.setPlaceholderText(tr("e.g. flooded area"))
        self.prompt_edit.setToolTip(tr("What you are looking for; used by prompt methods only."))
        mform.addRow(tr("Method"), self.method_combo)
        mform.addRow(self.method_help)
        mform.addRow(tr("Prompt"), self.prompt_edit)
        self.negative_edit = QLineEdit()
        self.negative_edit.setPlaceholderText(tr("e.g. dry fields, river in its bed"))
        self.negative_edit.setToolTip(
            tr("What the target is not; CLIP methods score the prompt against it. Optional.")
        )
        self.negative_label = QLabel(tr("Negative prompt"))
        mform.addRow(self.negative_label, self.negative_edit)
        self.checkpoint_widget = QgsFileWidget()
        self.checkpoint_widget.setStorageMode(QgsFileWidget.StorageMode.GetFile)
        self.checkpoint_widget.setFilter(
            tr("CLIP checkpoints (*.safetensors *.pt *.pth *.bin);;All files (*)")
        )
        self.checkpoint_widget.setDialogTitle(tr("Choose a CLIP checkpoint"))
        self.checkpoint_widget.setToolTip(
            tr(
                "A local open_clip checkpoint for the CLIP methods. Empty: the default model card's weights (downloaded on first use, checksum verified)."
            )
        )
        self.checkpoint_label = QLabel(tr("CLIP checkpoint"))
        mform.addRow(self.checkpoint_label, self.checkpoint_widget)
        self.fuse_combo = QComboBox()
        self.fuse_combo.setToolTip(
            tr(
                "Keep only what is both like the prompt and anomalous for this method (default threshold 0.5: both default thresholds passed)."
            )
        )
        self.fuse_label = QLabel(tr("Combine with anomaly method"))
        mform.addRow(self.fuse_label, self.fuse_combo)
        self.params_edit = QLineEdit()
        self.params_edit.setPlaceholderText(tr("e.g. fit_fraction=0.5"))
        self.params_edit.setToolTip(
            tr(
                "Method parameters as KEY=VALUE pairs separated by spaces or commas (see each method's parameters)."
            )
        )
        mform.addRow(tr("Parameters"), self.params_edit)
        self.model_row = QWidget()
        model_layout = QHBoxLayout(self.model_row)
        model_layout.setContentsMargins(0, 0, 0, 0)
        self.model_widget = QgsFileWidget()
        self.model_widget.setStorageMode(QgsFileWidget.StorageMode.GetFile)
        self.model_widget.setFilter(tr("RareSight models (*.safetensors *.onnx)"))
        self.model_widget.setDialogTitle(tr("Choose a saved model"))
        self.model_widget.setToolTip(
            tr(
                "A model saved by Train model (.safetensors) or exported to ONNX (.onnx). Empty: each detection trains a model on the fly."
            )
        )
        self.train_button = QPushButton(tr("Train model…"))
        self.train_button.setToolTip(
            tr(
                "Train the method's model on the chosen image(s), given the references when set, save it in the output folder and use it for the next detections."
            )
        )
        model_layout.addWidget(self.model_widget, 1)
        model_layout.addWidget(self.train_button)
        self.model_label = QLabel(tr("Model"))
        mform.addRow(self.model_label, self.model_row)
        self.output_widget = QgsFileWidget()
        self.output_widget.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.output_widget.setFilePath(settings.output_dir())
        self.output_widget.setToolTip(
            tr("Folder where score rasters and polygons are written (kept after QGIS closes).")
        )
        mform.addRow(tr("Output folder"), self.output_widget)
        outer.addWidget(method_box)

        self.advanced = QgsCollapsibleGroupBox(tr("Advanced settings"))
        aform = QFormLayout(self.advanced)
        self.tile_spin = QSpinBox()
        self.tile_spin.setRange(64, 8192)
        self.tile_spin.setSingleStep(64)
        self.tile_spin.setValue(settings.value("tile_size", 512, int))
        self.tile_spin.setSuffix(tr(" px"))
        self.device_combo = QComboBox()
        for device, label in (("auto", tr("Automatic")), ("cpu", tr("CPU")), ("cuda", tr("GPU (CUDA)"))):
            self.device_combo.addItem(label, device)
        index = self.device_combo.findData(settings.value("device", "auto", str))
        self.device_combo.setCurrentIndex(max(index, 0))
        self.interpreter_widget = QgsFileWidget()
        self.interpreter_widget.setStorageMode(QgsFileWidget.StorageMode.GetFile)
        self.interpreter_widget.setFilePath(settings.interpreter())
        self.interpreter_widget.setToolTip(
            tr("Python interpreter of the backend environment (default: the .venv inside the plugin folder).")
        )
        self.check_button = QPushButton(tr("Check backend"))
        aform.addRow(tr("Tile size"), self.tile_spin)
        aform.addRow(tr("Device"), self.device_combo)
        aform.addRow(tr("Backend Python interpreter"), self.interpreter_widget)
        aform.addRow(self.check_button)
        self.advanced.setCollapsed(True)
        outer.addWidget(self.advanced)

        buttons = QHBoxLayout()
        self.run_button = QPushButton(tr("Detect anomalies"))
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton(tr("Cancel"))
        buttons.addWidget(self.run_button, 1)
        buttons.addWidget(self.cancel_button)
        outer.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        outer.addWidget(self.progress)

        results = QGroupBox(tr("Result"))
        rform = QFormLayout(results)
        self.score_combo = QgsMapLayerComboBox()
        self.score_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.score_combo.setAllowEmptyLayer(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        lo, hi = SLIDER_LOG10_RANGE
        self.slider.setRange(int(lo * SLIDER_STEPS_PER_DECADE), int(hi * SLIDER_STEPS_PER_DECADE))
        self.slider.setValue(self.rate_to_position(DEFAULT_RATE))
        self.slider.setToolTip(tr("Expected share of normal pixels shown as anomalous (log scale)."))
        self.threshold_label = QLabel()
        self.min_area_spin = QDoubleSpinBox()
        self.min_area_spin.setRange(0.0, 1e9)
        self.min_area_spin.setDecimals(0)
        self.min_area_spin.setSingleStep(100.0)
        self.min_area_spin.setValue(settings.value("min_area_m2", 0.0, float))
        self.min_area_spin.setSuffix(tr(" m²"))
        self.export_button = QPushButton(tr("Export polygons"))
        rform.addRow(tr("Score layer"), self.score_combo)
        rform.addRow(tr("False-alarm rate"), self.slider)
        rform.addRow(self.threshold_label)
        rform.addRow(tr("Minimum area"), self.min_area_spin)
        rform.addRow(self.export_button)
        outer.addWidget(results)

        self.status_label = QLabel(tr("Backend: not checked yet"))
        self.status_label.setWordWrap(True)
        outer.addWidget(self.status_label)
        outer.addStretch(1)
        self.setWidget(body)

    def _connect(self) -> None:
        self.method_combo.currentIndexChanged.connect(self._method_changed)
        self.run_button.clicked.connect(self.run_detection)
        self.train_button.clicked.connect(self.train_model)
        self.cancel_button.clicked.connect(self.cancel)
        self.check_button.clicked.connect(self.check_backend)
        self.slider.valueChanged.connect(self._slider_moved)
        self.score_combo.layerChanged.connect(self._score_layer_changed)
        self.export_button.clicked.connect(self.export_polygons)
        self.interpreter_widget.fileChanged.connect(self._interpreter_changed)
        self.output_widget.fileChanged.connect(settings.set_output_dir)
        self.tile_spin.valueChanged.connect(lambda v: settings.set_value("tile_size", v))
        self.device_combo.currentIndexChanged.connect(
            lambda _i: settings.set_value("device", self.device_combo.currentData())
        )
        self.min_area_spin.valueChanged.connect(lambda v: settings.set_value("min_area_m2", v))
        project = QgsProject.instance()
        project.layersAdded.connect(self._refresh_score_layers)
        project.layersRemoved.connect(self._refresh_score_layers)

    def disconnect_project(self) -> None:
        project = QgsProject.instance()
        for signal in (project.layersAdded, project.layersRemoved):
            try:
                signal.disconnect(self._refresh_score_layers)
            except TypeError:
                pass

    # -- methods --------------------------------------------------------------------------------

    def set_methods(self, methods: list[dict]) -> None:
        """Fill the method selector (keeping the current choice when it still exists)."""
        current = self.method_combo.currentData() or settings.value("method", "rx", str)
        self.methods = list(methods)
        self.method_combo.blockSignals(True)
        self.method_combo.clear()
        for m in self.methods:
            self.method_combo.addItem(m["name"], m["name"])
            self.method_combo.setItemData(
                self.method_combo.count() - 1, m.get("summary", ""), Qt.ItemDataRole.ToolTipRole
            )
        index = self.method_combo.findData(current)
        self.method_combo.setCurrentIndex(max(index, 0))
        self.method_combo.blockSignals(False)
        fuse = self.fuse_combo.currentData() or ""
        self.fuse_combo.clear()
        self.fuse_combo.addItem(tr("None"), "")
        for m in self.methods:
            if not m.get("uses_prompt"):
                self.fuse_combo.addItem(m["name"], m["name"])
        self.fuse_combo.setCurrentIndex(max(self.fuse_combo.findData(fuse), 0))
        self._method_changed()

    def current_method(self) -> dict:
        name = self.method_combo.currentData()
        return next((m for m in self.methods if m["name"] == name), {"name": name or "rx"})

    def _method_changed(self, *_args) -> None:
        method = self.current_method()
        text = method.get("summary", "")
        if method.get("needs_reference"):
            text += " " + tr("(needs a reference)")
        self.method_help.setText(text)
        prompt = bool(method.get("uses_prompt"))
        self.prompt_edit.setEnabled(prompt)
        for widgets, shown in (
            ((self.negative_label, self.negative_edit), takes(method, "negative")),
            ((self.checkpoint_label, self.checkpoint_widget), takes(method, "checkpoint")),
            ((self.fuse_label, self.fuse_combo), prompt),
        ):
            for widget in widgets:
                widget.setVisible(shown)
                widget.setEnabled(shown)
        names = ", ".join(f"{k}={v}" for k, v in (method.get("parameters") or {}).items())
        self.params_edit.setToolTip(
            tr(
                "Method parameters as KEY=VALUE pairs separated by spaces or commas. Defaults: {defaults}"
            ).format(defaults=names or tr("none"))
        )
        generative = is_generative(method)
        self.model_label.setVisible(generative)
        self.model_row.setVisible(generative)
        self.model_widget.setEnabled(generative)
        self.train_button.setEnabled(generative and self.task is None)
        settings.set_value("method", method["name"])

    # -- backend status -------------------------------------------------------------------------

    def _interpreter_changed(self, path: str) -> None:
        settings.set_interpreter(path)
        self.backend_info = None
        self.status_label.setText(tr("Backend: not checked yet"))

    def check_backend(self) -> None:
        """Ask the backend for its versions, device and methods (starts it when needed)."""
        self.status_label.setText(tr("Backend: starting..."))
        self._start_task(tr("RareSight: checking the backend"), "hello", {}, self._hello_done)

    def _hello_done(self, result: dict | None, error: BackendError | None) -> None:
        if error is not None:
            title, text = error_text(error)
            self.status_label.setText(tr("Backend: unavailable ({title})").format(title=title))
            self._push(title, text, Qgis.MessageLevel.Critical)
            return
        self.backend_info = result
        self.set_methods(result.get("methods") or bundled_methods())
        devices = result.get("devices") or ["cpu"]
        device = tr("GPU (CUDA) available") if "cuda" in devices else tr("CPU only")
        self.status_label.setText(
            tr("Backend: RareSight {version}, Python {python}, GDAL {gdal}; {device}").format(
                version=result.get("version", "?"),
                python=result.get("python", "?"),
                gdal=result.get("gdal", "?"),
                device=device,
            )
        )
        self.status_label.setToolTip(result.get("executable", ""))

    # -- detection ------------------------------------------------------------------------------

    def _input_args(self) -> tuple[dict, str]:
        """The request fields shared by ``score`` and ``fit`` (exports non-file layers first), and
        the output folder (created).

        Raises:
            LayerError: no image chosen, a layer cannot be read or exported, bad parameters, or an
                unusable output folder.
        """
        target = self.target_combo.currentLayer()
        if not isinstance(target, QgsRasterLayer):
            raise LayerError(tr("Choose the image to analyse first."))
        targets = [layer for layer in (target, self.target2_combo.currentLayer()) if layer is not None]
        references = [
            layer
            for layer in (self.reference_combo.currentLayer(), self.reference2_combo.currentLayer())
            if layer is not None
        ]
        folder = self.output_widget.filePath() or settings.output_dir()
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise LayerError(
                tr("Cannot create the output folder {folder}: {reason}").format(
                    folder=folder, reason=exc.strerror
                )
            ) from None
        if not os.access(folder, os.W_OK):
            raise LayerError(
                tr("The output folder {folder} is not writable: choose another one.").format(folder=folder)
            )
        params = parse_params(self.params_edit.text())
        args = {
            "targets": [layer_to_path(layer, self.temp_dir) for layer in targets],
            "references": [layer_to_path(layer, self.temp_dir) for layer in references],
            "method": self.current_method()["name"],
            "params": params,
            "tile_size": int(self.tile_spin.value()),
            "device": self.device_combo.currentData() or "auto",
        }
        return args, folder

    def model_path(self) -> str:
        """The saved model chosen for a generative method (absolute), or "" for none.

        Raises:
            LayerError: the chosen model file does not exist.
        """
        if not is_generative(self.current_method()):
            return ""
        path = self.model_widget.filePath().strip()
        if not path:
            return ""
        if not os.path.isfile(path):
            raise LayerError(
                tr(
                    "The model file {path} does not exist: choose another one, or clear it to train on the fly."
                ).format(path=path)
            )
        return os.path.abspath(path)

    def checkpoint_path(self) -> str:
        """The CLIP checkpoint chosen for a CLIP method (absolute), or "" for the default.

        Raises:
            LayerError: the chosen checkpoint file does not exist.
        """
        if not self.checkpoint_widget.isEnabled():
            return ""
        path = self.checkpoint_widget.filePath().strip()
        if not path:
            return ""
        if not os.path.isfile(path):
            raise LayerError(
                tr("The checkpoint file {path} does not exist: choose another one, or clear it.").format(
                    path=path
                )
            )
        return os.path.abspath(path)

    def request_args(self) -> dict:
        """The ``score`` request for the current choices (exports non-file layers first); a
        generative method gets the chosen saved model as its ``model`` parameter.

        Raises:
            LayerError: no image chosen, a layer cannot be read or exported, or a missing model.
        """
        args, folder = self._input_args()
        model = self.model_path()
        if model:
            args["params"]["model"] = model
        args["prompt"] = self.prompt_edit.text().strip() if self.prompt_edit.isEnabled() else ""
        args["negative"] = self.negative_edit.text().strip() if self.negative_edit.isEnabled() else ""
        args["checkpoint"] = self.checkpoint_path()
        args["fuse"] = (self.fuse_combo.currentData() or "") if self.fuse_combo.isEnabled() else ""
        args["output"] = output_name(folder, args["method"])
        return args

    def fit_args(self) -> dict:
        """The ``fit`` request that trains the current generative method on the chosen layers and
        saves ``<output folder>/raresight_<method>_<date-time>.safetensors``.

        Raises:
            LayerError: the method trains no model, or as :meth:`request_args`.
        """
        method = self.current_method()
        if not is_generative(method):
            raise LayerError(
                tr(
                    "Method {method} has no model to train: choose a generative method (diffusion, flow)."
                ).format(method=method["name"])
            )
        args, folder = self._input_args()
        args["params"].pop("model", None)  # fit trains a new model
        args["output"] = output_name(folder, args["method"], ".safetensors")
        return args

    def run_detection(self) -> None:
        if self.task is not None:
            return
        try:
            args = self.request_args()
        except LayerError as exc:
            self._push(tr("Cannot start"), str(exc), Qgis.MessageLevel.Warning)
            self.runFailed.emit(str(exc))
            return
        self._start_task(
            tr("RareSight: detecting anomalies"),
            "score",
            args,
            lambda result, error: self._detection_done(result, error, args["output"]),
        )

    def train_model(self) -> None:
        """Train the current generative method's model in the background; once saved, the model
        file fills the model picker (and the next detections use it)."""
        if self.task is not None:
            return
        try:
            args = self.fit_args()
        except LayerError as exc:
            self._push(tr("Cannot start"), str(exc), Qgis.MessageLevel.Warning)
            self.runFailed.emit(str(exc))
            return
        self._start_task(
            tr("RareSight: training a model"),
            "fit",
            args,
            lambda result, error: self._fit_done(result, error, args["output"]),
        )

    def _fit_done(self, result: dict | None, error: BackendError | None, output: str = "") -> None:
        if error is not None:
            if isinstance(error, (WorkerCrashedError, RequestCancelledError)) and output:
                remove_partial_outputs(output)
            self._report_failure(error, tr("Training failed"))
            return
        path = result.get("output") or output
        card = result.get("card") or {}
        training = card.get("training") or {}
        self.model_widget.setFilePath(path)
        text = tr(
            "Model {name} saved ({steps} steps in {seconds:.1f} s); detections with {method} now use it."
        ).format(
            name=os.path.basename(path),
            steps=training.get("steps", "?"),
            seconds=float(training.get("seconds") or 0.0),
            method=card.get("method", self.current_method()["name"]),
        )
        self._push(tr("Model trained"), text, Qgis.MessageLevel.Success)
        self.modelTrained.emit(path)

    def _detection_done(self, result: dict | None, error: BackendError | None, output: str = "") -> None:
        if error is not None:
            if isinstance(error, (WorkerCrashedError, RequestCancelledError)) and output:
                remove_partial_outputs(output)
            self._report_failure(error)
            return
        layer = self.add_score_layer(result["output"], result.get("sidecar"))
        if layer is not None:
            self._push(
                tr("Detection finished"),
                tr("Score layer {name} added; move the false-alarm rate slider to restyle it.").format(
                    name=layer.name()
                ),
                Qgis.MessageLevel.Success,
            )
            self.detectionFinished.emit(layer)

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
            self._push(
                tr("Cannot add the result"),
                tr("QGIS cannot read {path}.").format(path=path),
                Qgis.MessageLevel.Critical,
            )
            return None
        rate = self.position_to_rate(self.slider.value())
        if table.physical_threshold is not None:  # start at the method's physical threshold
            rate = table.default_false_alarm_rate
        styling.style_score_layer(layer, table, rate, sidecar, table.physical_threshold)
        QgsProject.instance().addMapLayer(layer)
        self.score_combo.setLayer(layer)
        return layer

    # -- threshold slider -----------------------------------------------------------------------

    @staticmethod
    def rate_to_position(rate: float) -> int:
        return int(round(math.log10(rate) * SLIDER_STEPS_PER_DECADE))

    @staticmethod
    def position_to_rate(position: int) -> float:
        return 10.0 ** (position / SLIDER_STEPS_PER_DECADE)

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
            self.slider.setValue(self.rate_to_position(rate))
            self.slider.blockSignals(False)
        self._update_threshold_label()

    def _slider_moved(self, position: int) -> None:
        layer = self.current_score_layer()
        if layer is not None:
            try:
                styling.set_threshold(layer, styling.load_table(layer), self.position_to_rate(position))
            except (OSError, ValueError, KeyError):
                pass
        self._update_threshold_label()

    def _update_threshold_label(self) -> None:
        rate = self.position_to_rate(self.slider.value())
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
        layer = self.current_score_layer()
        if layer is None or self.task is not None:
            return
        rate = self.position_to_rate(self.slider.value())
        score = layer.source()
        stem = os.path.splitext(os.path.basename(score))[0]
        out = unique_path(os.path.join(os.path.dirname(score), f"{stem}_polygons_far{rate:.0e}.gpkg"))
        # the threshold the layer shows (a method's physical one, or the slider's rate's)
        threshold = styling.layer_threshold(layer)
        args = {"score": score, "output": out, "min_area_m2": float(self.min_area_spin.value())}
        args.update({"false_alarm_rate": rate} if threshold is None else {"threshold": threshold})
        self._start_task(
            tr("RareSight: exporting polygons"),
            "polygonize",
            args,
            lambda result, error: self._polygons_done(result, error, out, rate),
        )

    def _polygons_done(
        self, result: dict | None, error: BackendError | None, output: str = "", rate: float | None = None
    ) -> None:
        if error is not None:
            if isinstance(error, (WorkerCrashedError, RequestCancelledError)) and output:
                remove_partial_outputs(output)
            self._report_failure(error)
            return
        rate = result.get("false_alarm_rate") or rate
        name = tr("Anomalies (false-alarm rate {rate:.1e})").format(rate=rate) if rate else tr("Anomalies")
        layer = QgsVectorLayer(f"{result['output']}|layername=anomalies", name, "ogr")
        if not layer.isValid():
            self._push(
                tr("Cannot add the result"),
                tr("QGIS cannot read {path}.").format(path=result["output"]),
                Qgis.MessageLevel.Critical,
            )
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

    # -- tasks ----------------------------------------------------------------------------------

    def _start_task(self, description: str, op: str, args: dict, done) -> None:
        def finished(result, error):
            self.task = None
            self._set_running(False)
            done(result, error)

        try:
            client = self.client_factory()
        except BackendError as exc:
            self._report_failure(exc)
            return
        self.task = BackendTask(description, client, op, args, finished, self._backend_log)
        self.task.progressChanged.connect(lambda value: self.progress.setValue(int(value)))
        self._set_running(True)
        QgsApplication.taskManager().addTask(self.task)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.status_label.setText(tr("Cancelling..."))

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.check_button.setEnabled(not running)
        self.train_button.setEnabled(not running and is_generative(self.current_method()))
        self.cancel_button.setEnabled(running)
        self.export_button.setEnabled(not running and self.current_score_layer() is not None)
        if running:
            self.progress.setValue(0)

    def _report_failure(self, error: BackendError, failed_title: str | None = None) -> None:
        self.progress.setValue(0)
        title, text = error_text(error, failed_title)
        level = (
            Qgis.MessageLevel.Info if isinstance(error, RequestCancelledError) else Qgis.MessageLevel.Critical
        )
        self._push(title, text, level)
        if isinstance(error, RequestCancelledError):
            self.status_label.setText(tr("Cancelled; nothing was added."))
        self.runFailed.emit(text)

    def _backend_log(self, level: str, message: str) -> None:
        self._push(
            tr("RareSight backend"),
            message,
            Qgis.MessageLevel.Warning if level == "warning" else Qgis.MessageLevel.Info,
        )

    def _push(self, title: str, text: str, level) -> None:
        bar = self.iface.messageBar() if self.iface is not None else None
        if bar is not None:
            bar.pushMessage(
                title, text, level, 8 if level in (Qgis.MessageLevel.Success, Qgis.MessageLevel.Info) else 0
            )
