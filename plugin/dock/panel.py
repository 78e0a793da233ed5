"""The dock panel: choose a method, detect or train in the background, cancel, check the backend.

Widgets come from :class:`~.widgets.DockWidgets`, the Result group's behaviour (score layers, the
threshold slider, polygons) from :class:`~.results.ResultsPanel`, and the requests from
:mod:`.requests`; every request runs in the backend worker through :class:`~..tasks.BackendTask`.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable

from qgis.core import Qgis, QgsApplication, QgsProject
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import pyqtSignal

from .. import settings
from ..backend_client import BackendClient, BackendError, RequestCancelledError, WorkerCrashedError
from ..backend_text import OPEN_ENCODER_SETTING, warning_note
from ..catalogue import wording
from ..i18n import tr
from ..layers import LayerError, remove_partial_outputs
from ..methods import anomaly_method_names, bundled_methods, is_trainable, takes_parameter
from ..progress_text import duration_text
from ..tasks import BackendTask
from .inputs import InputsPanel, result_name
from .messages import MessageBoard, error_text, failure_level, log_level
from .requests import Choices, fit_request, score_request
from .results import ResultsPanel
from .widgets import DockWidgets


def _enabled_text(edit) -> str:
    """An enabled line edit's text (stripped); "" when the method does not use it."""
    return edit.text().strip() if edit.isEnabled() else ""


class RareSightDock(QgsDockWidget, DockWidgets, InputsPanel, ResultsPanel):
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
        self.board = MessageBoard(iface)
        self._run_started = 0.0
        self._run_title = ""  # the running detection's layer name
        self._build()
        self.set_methods(bundled_methods())
        self._connect()
        self._refresh_score_layers()
        self._set_running(False)
        self.propose_inputs()

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
        self.setup_panel.backendReady.connect(self._backend_set_up)
        self.output_widget.fileChanged.connect(settings.set_output_dir)
        self.tile_spin.valueChanged.connect(lambda v: settings.set_value("tile_size", v))
        self.device_combo.currentIndexChanged.connect(
            lambda _i: settings.set_value("device", self.device_combo.currentData())
        )
        self.min_area_spin.valueChanged.connect(lambda v: settings.set_value("min_area_m2", v))
        self.encoder_widget.fileChanged.connect(lambda path: settings.set_value("encoder", path))
        self.reference_combo.layerChanged.connect(self._update_run_enabled)
        self.reference_combo.layerChanged.connect(self._update_pair_hint)
        self.target_combo.layerChanged.connect(self._update_run_enabled)
        for combo in (self.target_combo, self.reference_combo):
            combo.activated.connect(self._chosen)  # (activated: the analyst's own choice only)
        project = QgsProject.instance()
        project.layersAdded.connect(self._refresh_score_layers)
        project.layersRemoved.connect(self._refresh_score_layers)
        project.layersAdded.connect(self._layers_added)

    def disconnect_project(self) -> None:
        project = QgsProject.instance()
        for signal, slot in (
            (project.layersAdded, self._refresh_score_layers),
            (project.layersRemoved, self._refresh_score_layers),
            (project.layersAdded, self._layers_added),
        ):
            try:
                signal.disconnect(slot)
            except TypeError:
                pass

    # -- methods --------------------------------------------------------------------------------

    def set_methods(self, methods: list[dict]) -> None:
        """Fill the method selector (keeping the current choice when it still exists)."""
        current = self.method_combo.currentData() or settings.value("method", "rx", str)
        self.methods = list(methods)
        self.method_combo.blockSignals(True)
        self._fill_method_combo(self.methods)
        index = self.method_combo.findData(current)
        if index < 0:  # the first method (index 0 is a task's header)
            index = next(i for i in range(self.method_combo.count()) if self.method_combo.itemData(i))
        self.method_combo.setCurrentIndex(index)
        self.method_combo.blockSignals(False)
        fuse = self.fuse_combo.currentData() or ""
        self.fuse_combo.clear()
        self.fuse_combo.addItem(tr("None"), "")
        for name in anomaly_method_names(self.methods):
            self.fuse_combo.addItem(name, name)
        self.fuse_combo.setCurrentIndex(max(self.fuse_combo.findData(fuse), 0))
        self._method_changed()

    def current_method(self) -> dict:
        name = self.method_combo.currentData()
        return next((m for m in self.methods if m["name"] == name), {"name": name or "rx"})

    def _method_changed(self, *_args) -> None:
        method = self.current_method()
        self._show_method(method)
        self.train_button.setEnabled(is_trainable(method) and self.task is None)
        settings.set_value("method", method["name"])
        self._update_run_enabled()
        self._update_pair_hint()
        self.refresh_setup()

    # -- backend set-up -------------------------------------------------------------------------

    def refresh_setup(self) -> None:
        """Show the Set up backend panel when the backend that Set up manages is missing, out of
        date, or lacks the chosen method's profile (never for an interpreter chosen by hand or a
        development checkout's .venv)."""
        from ..setup_backend.profiles import profile_for_method
        from .setup_panel import covers, installed, needs_update

        if not settings.backend_is_managed():
            self.setup_panel.setVisible(False)
            return
        stamp = installed()
        profile = profile_for_method(self.current_method())
        show = stamp is None or needs_update(stamp) or not covers(stamp, profile)
        if show and self.setup_panel.task is None:
            self.setup_panel.show_for(stamp, profile)  # (the first time, it looks for a GPU)
        self.setup_panel.setVisible(show or self.setup_panel.task is not None)

    def _backend_set_up(self, hello: dict) -> None:
        self.refresh_setup()  # (the plugin's next client starts the new environment's worker)
        self._hello_done(hello, None)

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
        self.progress.setValue(0)  # (a check is no run: nothing is "100 %" done)
        if error is not None:
            title, text, details = error_text(error)
            self.status_label.setText(tr("Backend: unavailable ({title})").format(title=title))
            self._push(title, text, Qgis.MessageLevel.Critical, details)
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

    # -- detection and training -----------------------------------------------------------------

    def choices(self) -> Choices:
        """The analyst's choices, read from the widgets now."""
        method = self.current_method()
        references = (self.reference_combo.currentLayer(), self.reference2_combo.currentLayer())
        return Choices(
            target=self.target_combo.currentLayer(),
            second_target=self.target2_combo.currentLayer(),
            references=tuple(layer for layer in references if layer is not None),
            method=method,
            params_text=self._params_text(method),
            tile_size=int(self.tile_spin.value()),
            device=self.device_combo.currentData() or "auto",
            folder=self.output_widget.filePath() or settings.output_dir(),
            model=self.model_widget.filePath().strip() if is_trainable(method) else "",
            prompt=_enabled_text(self.prompt_edit),
            negative=_enabled_text(self.negative_edit),
            checkpoint=self.checkpoint_widget.filePath().strip()
            if self.checkpoint_widget.isEnabled()
            else "",
            fuse=(self.fuse_combo.currentData() or "") if self.fuse_combo.isEnabled() else "",
        )

    def _params_text(self, method: dict) -> str:
        """The key parameters changed from their defaults, the encoder folder when set (for a
        method that takes one), then the free text (which overrides them)."""
        items = [f"{k}={v}" for k, v in self.key_parameter_values().items()]
        encoder = self.encoder_widget.filePath().strip()
        if encoder and takes_parameter(method, "encoder"):
            items.append(f"encoder={encoder}")
        free = self.params_edit.text().strip()
        return " ".join([*items, free]) if free else " ".join(items)

    def request_args(self) -> dict:
        """The ``score`` request for the current choices (see :func:`.requests.score_request`)."""
        return score_request(self.choices(), self.temp_dir)

    def fit_args(self) -> dict:
        """The ``fit`` request for the current choices (see :func:`.requests.fit_request`)."""
        return fit_request(self.choices(), self.temp_dir)

    def run_detection(self) -> None:
        self._run(score_request, tr("RareSight: detecting anomalies"), "score", self._detection_done)

    def train_model(self) -> None:
        """Train the current method's model in the background; once saved, the model file fills
        the model picker (and the next detections use it)."""
        self._run(fit_request, tr("RareSight: training a model"), "fit", self._fit_done)

    def _run(self, build: Callable[[Choices, str], dict], description: str, op: str, done) -> None:
        """Build a request from the choices read now and start it, or say why it cannot start."""
        if self.task is not None:
            return
        choices = self.choices()
        try:
            args = build(choices, self.temp_dir)
        except LayerError as exc:
            self._push(tr("Cannot start"), str(exc), Qgis.MessageLevel.Warning)
            self.runFailed.emit(str(exc))
            return
        self._run_started = time.monotonic()
        self._run_title = result_name(choices, time.localtime())
        self._start_task(description, op, args, lambda result, error: done(result, error, args["output"]))

    def _fit_done(self, result: dict | None, error: BackendError | None, output: str = "") -> None:
        if error is not None:
            self._failed(error, output, tr("Training failed"))
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
            self._failed(error, output)
            return
        method = self.current_method()
        sidecar = result.get("sidecar") or {}
        if sidecar.get("method") and sidecar.get("method") != method.get("name"):
            method = {"name": sidecar["method"]}
        layer = self.add_score_layer(
            result["output"], result.get("sidecar"), self._run_title, wording(method).score
        )
        if layer is not None:
            self._push(
                tr("Detection finished"),
                tr('Layer "{name}" added; move the slider to change what is shown.').format(
                    name=layer.name()
                ),
                Qgis.MessageLevel.Success,
            )
            self._last_run(
                tr("Last run: {name}, finished in {time}.").format(
                    name=layer.name(), time=duration_text(time.monotonic() - self._run_started)
                )
            )
            self.detectionFinished.emit(layer)

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
        self.task.progressChanged.connect(self._show_progress)
        self.task.stageChanged.connect(self._show_stage)
        self._set_running(True)
        self.board.clear()  # the previous run's messages are about the previous run
        # Until the backend reports, the bar is busy and the stage says what is happening.
        self.progress.setRange(0, 0)
        self.stage_label.setText(
            tr("Starting the backend…") if not getattr(client, "running", True) else tr("Starting…")
        )
        self.board.watch(description)
        QgsApplication.taskManager().addTask(self.task)

    def _show_progress(self, value: float) -> None:
        if self.task is None:
            return
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 100)
        self.progress.setValue(int(value))

    def _show_stage(self, text: str) -> None:
        if self.task is not None:  # (a late signal of a task that has ended shows nothing)
            self.stage_label.setText(text)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.status_label.setText(tr("Cancelling..."))

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.check_button.setEnabled(not running)
        self.train_button.setEnabled(not running and is_trainable(self.current_method()))
        self.cancel_button.setEnabled(running)
        self.export_button.setEnabled(not running and self.current_score_layer() is not None)
        self.stage_label.setText("")
        self.progress.setRange(0, 100)
        if running:
            self.progress.setValue(0)
        self._update_run_enabled()

    def _failed(self, error: BackendError, output: str = "", failed_title: str | None = None) -> None:
        """Report a failed run; a killed or cancelled worker's partial ``output`` is removed."""
        if isinstance(error, (WorkerCrashedError, RequestCancelledError)) and output:
            remove_partial_outputs(output)
        self._report_failure(error, failed_title)

    def _report_failure(self, error: BackendError, failed_title: str | None = None) -> None:
        self.progress.setValue(0)
        title, text, details = error_text(error, failed_title)
        self._push(title, text, failure_level(error), details)
        if isinstance(error, RequestCancelledError):
            self._last_run(tr("Last run: cancelled; nothing was added."))
        else:
            self._last_run(tr("Last run failed: {title}.").format(title=title))
        self.runFailed.emit(text)

    def _last_run(self, text: str) -> None:
        """The status line follows the last run (with the time it ended)."""
        stamp = time.strftime("%H:%M")
        self.status_label.setText(tr("{time} · {text}").format(time=stamp, text=text))

    def _backend_log(self, level: str, message: str) -> None:
        note = warning_note(message) if level == "warning" else None
        if note is None:
            self._push(tr("RareSight backend"), message, log_level(level))
            return
        action = None
        if note.action == OPEN_ENCODER_SETTING:
            action = (tr("Set encoder weights…"), self.show_encoder_setting)
        self._push(note.title, note.text, log_level(level), note.details, action)

    def show_encoder_setting(self) -> None:
        """Open Advanced settings at the encoder weights folder."""
        self.advanced.setCollapsed(False)
        self.encoder_widget.setFocus()
        self.encoder_widget.lineEdit().setFocus()

    def _push(self, title: str, text: str, level, details: str = "", action=None) -> None:
        self.board.push(title, text, level, details, action)
