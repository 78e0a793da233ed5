"""The dock's widgets: built once, kept as attributes of the dock (the names tests and scripts use),
and the rows shown for the chosen method. No behaviour beyond that lives here."""

from __future__ import annotations

from qgis.core import QgsMapLayerProxyModel
from qgis.gui import QgsCollapsibleGroupBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt
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

from .. import settings
from ..i18n import tr
from ..methods import is_trainable, takes
from .results import DEFAULT_RATE, SLIDER_LOG10_RANGE, SLIDER_STEPS_PER_DECADE, rate_to_position


def _raster_combo(optional: bool) -> QgsMapLayerComboBox:
    combo = QgsMapLayerComboBox()
    combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
    if optional:
        combo.setAllowEmptyLayer(True)
        combo.setLayer(None)
    return combo


def _file_widget(
    mode: QgsFileWidget.StorageMode, tooltip: str, file_filter: str = "", title: str = ""
) -> QgsFileWidget:
    widget = QgsFileWidget()
    widget.setStorageMode(mode)
    if file_filter:
        widget.setFilter(file_filter)
    if title:
        widget.setDialogTitle(title)
    widget.setToolTip(tooltip)
    return widget


class DockWidgets:
    """Widget construction, mixed into the dock (a ``QgsDockWidget``): :meth:`_build` creates every
    widget as an attribute of the dock and sets the dock's body."""

    def _build(self) -> None:
        body = QWidget()
        outer = QVBoxLayout(body)
        from ..setup_backend.gpu import nvidia_gpu
        from .setup_panel import SetupPanel

        self.setup_panel = SetupPanel(nvidia_gpu)
        self.setup_panel.setVisible(False)
        outer.addWidget(self.setup_panel)
        outer.addWidget(self._build_inputs())
        outer.addWidget(self._build_method())
        outer.addWidget(self._build_advanced())
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
        self.stage_label = QLabel("")  # the running stage and its time left
        outer.addWidget(self.stage_label)
        outer.addWidget(self._build_results())
        self.status_label = QLabel(tr("Backend: not checked yet"))
        self.status_label.setWordWrap(True)
        outer.addWidget(self.status_label)
        outer.addStretch(1)
        self.setWidget(body)

    def _build_inputs(self) -> QGroupBox:
        inputs = QGroupBox(tr("Inputs"))
        form = QFormLayout(inputs)
        self.target_combo = _raster_combo(False)
        self.target2_combo = _raster_combo(True)
        self.reference_combo = _raster_combo(True)
        self.reference2_combo = _raster_combo(True)
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
        return inputs

    def _build_method(self) -> QGroupBox:
        method_box = QGroupBox(tr("Method"))
        form = QFormLayout(method_box)
        self.method_combo = QComboBox()
        self.method_help = QLabel()
        self.method_help.setWordWrap(True)
        self.method_help.setStyleSheet("color: palette(mid);")
        self.prompt_edit = QLineEdit()
        self.prompt_edit.setPlaceholderText(tr("e.g. flooded area"))
        self.prompt_edit.setToolTip(tr("What you are looking for; used by prompt methods only."))
        form.addRow(tr("Method"), self.method_combo)
        form.addRow(self.method_help)
        form.addRow(tr("Prompt"), self.prompt_edit)
        self.negative_edit = QLineEdit()
        self.negative_edit.setPlaceholderText(tr("e.g. dry fields, river in its bed"))
        self.negative_edit.setToolTip(
            tr("What the target is not; CLIP methods score the prompt against it. Optional.")
        )
        self.negative_label = QLabel(tr("Negative prompt"))
        form.addRow(self.negative_label, self.negative_edit)
        self.checkpoint_widget = _file_widget(
            QgsFileWidget.StorageMode.GetFile,
            tr(
                "A local open_clip checkpoint for the CLIP methods. Empty: the default model card's weights (downloaded on first use, checksum verified)."
            ),
            tr("CLIP checkpoints (*.safetensors *.pt *.pth *.bin);;All files (*)"),
            tr("Choose a CLIP checkpoint"),
        )
        self.checkpoint_label = QLabel(tr("CLIP checkpoint"))
        form.addRow(self.checkpoint_label, self.checkpoint_widget)
        self.fuse_combo = QComboBox()
        self.fuse_combo.setToolTip(
            tr(
                "Keep only what is both like the prompt and anomalous for this method (default threshold 0.5: both default thresholds passed)."
            )
        )
        self.fuse_label = QLabel(tr("Combine with anomaly method"))
        form.addRow(self.fuse_label, self.fuse_combo)
        self.params_edit = QLineEdit()
        self.params_edit.setPlaceholderText(tr("e.g. fit_fraction=0.5"))
        self.params_edit.setToolTip(
            tr(
                "Method parameters as KEY=VALUE pairs separated by spaces or commas (see each method's parameters)."
            )
        )
        form.addRow(tr("Parameters"), self.params_edit)
        self.model_label = QLabel(tr("Model"))
        form.addRow(self.model_label, self._build_model_row())
        self.output_widget = _file_widget(
            QgsFileWidget.StorageMode.GetDirectory,
            tr("Folder where score rasters and polygons are written (kept after QGIS closes)."),
        )
        self.output_widget.setFilePath(settings.output_dir())
        form.addRow(tr("Output folder"), self.output_widget)
        return method_box

    def _build_model_row(self) -> QWidget:
        self.model_row = QWidget()
        layout = QHBoxLayout(self.model_row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.model_widget = _file_widget(
            QgsFileWidget.StorageMode.GetFile,
            tr(
                "A model saved by Train model (.safetensors) or exported to ONNX (.onnx). Empty: each detection trains a model on the fly."
            ),
            tr("RareSight models (*.safetensors *.onnx)"),
            tr("Choose a saved model"),
        )
        self.train_button = QPushButton(tr("Train model…"))
        self.train_button.setToolTip(
            tr(
                "Train the method's model on the chosen image(s), given the references when set, save it in the output folder and use it for the next detections."
            )
        )
        layout.addWidget(self.model_widget, 1)
        layout.addWidget(self.train_button)
        return self.model_row

    def _build_advanced(self) -> QgsCollapsibleGroupBox:
        self.advanced = QgsCollapsibleGroupBox(tr("Advanced settings"))
        form = QFormLayout(self.advanced)
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
        self.interpreter_widget = _file_widget(
            QgsFileWidget.StorageMode.GetFile,
            tr(
                "Python interpreter of the backend environment (default: the environment Set up backend makes)."
            ),
        )
        self.interpreter_widget.setFilePath(settings.interpreter())
        self.check_button = QPushButton(tr("Check backend"))
        form.addRow(tr("Tile size"), self.tile_spin)
        form.addRow(tr("Device"), self.device_combo)
        form.addRow(tr("Backend Python interpreter"), self.interpreter_widget)
        form.addRow(self.check_button)
        self.advanced.setCollapsed(True)
        return self.advanced

    def _build_results(self) -> QGroupBox:
        results = QGroupBox(tr("Result"))
        form = QFormLayout(results)
        self.score_combo = QgsMapLayerComboBox()
        self.score_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.score_combo.setAllowEmptyLayer(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        lo, hi = SLIDER_LOG10_RANGE
        self.slider.setRange(int(lo * SLIDER_STEPS_PER_DECADE), int(hi * SLIDER_STEPS_PER_DECADE))
        self.slider.setValue(rate_to_position(DEFAULT_RATE))
        self.slider.setToolTip(tr("Expected share of normal pixels shown as anomalous (log scale)."))
        self.threshold_label = QLabel()
        self.min_area_spin = QDoubleSpinBox()
        self.min_area_spin.setRange(0.0, 1e9)
        self.min_area_spin.setDecimals(0)
        self.min_area_spin.setSingleStep(100.0)
        self.min_area_spin.setValue(settings.value("min_area_m2", 0.0, float))
        self.min_area_spin.setSuffix(tr(" m²"))
        self.export_button = QPushButton(tr("Export polygons"))
        form.addRow(tr("Score layer"), self.score_combo)
        form.addRow(tr("False-alarm rate"), self.slider)
        form.addRow(self.threshold_label)
        form.addRow(tr("Minimum area"), self.min_area_spin)
        form.addRow(self.export_button)
        return results

    def _show_method(self, method: dict) -> None:
        """Show the rows ``method`` uses (prompt, negative prompt, checkpoint, fusion, model) and
        its description and parameter defaults."""
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
        trainable = is_trainable(method)
        self.model_label.setVisible(trainable)
        self.model_row.setVisible(trainable)
        self.model_widget.setEnabled(trainable)
