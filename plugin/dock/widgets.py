"""The dock's widgets: built once, kept as attributes of the dock (the names tests and scripts use),
and the rows shown for the chosen method. No behaviour beyond that lives here."""

from __future__ import annotations

from qgis.core import QgsMapLayerProxyModel
from qgis.gui import QgsCollapsibleGroupBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QStandardItem, QStandardItemModel
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
from ..catalogue import TASKS, key_parameters, task_of, task_title, wording
from ..i18n import tr
from ..methods import is_trainable, takes
from .forms import Rows, wrapping_label
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
        self.cancel_button.setToolTip(
            tr("Stop the running task; nothing is added and no partial file is left.")
        )
        buttons.addWidget(self.run_button, 1)
        buttons.addWidget(self.cancel_button)
        outer.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setToolTip(tr("Progress of the running task."))
        outer.addWidget(self.progress)
        self.stage_label = wrapping_label()  # the running stage and its time left
        outer.addWidget(self.stage_label)
        outer.addWidget(self._build_results())
        self.status_label = wrapping_label(tr("Backend: not checked yet"))
        outer.addWidget(self.status_label)
        outer.addStretch(1)
        self.setWidget(body)

    def _build_inputs(self) -> QGroupBox:
        inputs = QGroupBox(tr("Inputs"))
        form = QFormLayout(inputs)
        self.input_rows = Rows(form)
        self.target_combo = _raster_combo(False)
        self.target2_combo = _raster_combo(True)
        self.reference_combo = _raster_combo(True)
        self.reference2_combo = _raster_combo(True)
        self.pair_hint = wrapping_label(secondary=True)  # how the dock chose the pre/post order
        self.input_rows.add("target", tr("Image (e.g. optical)"), self.target_combo)
        self.input_rows.add("target2", tr("Second image (e.g. SAR, optional)"), self.target2_combo)
        self.reference_label = QLabel(tr("Reference (pre-event, optional)"))
        self.input_rows.add("reference", self.reference_label, self.reference_combo)
        self.input_rows.add("reference2", tr("Second reference (optional)"), self.reference2_combo)
        self.input_rows.add("pair_hint", None, self.pair_hint)
        self.input_rows.show({"pair_hint": False})
        self.target_combo.setToolTip(tr("The image to search for anomalies (the event date, i.e. after)."))
        self.target2_combo.setToolTip(
            tr("A co-registered image of the same date, e.g. SAR; it is aligned onto the first image's grid.")
        )
        self.reference_combo.setToolTip(
            tr(
                "A normal reference (pre-event or archive image) in the same order as the images; without one, the method learns normality from the image itself."
            )
        )
        self.reference2_combo.setToolTip(
            tr(
                "The reference of the second image (e.g. the pre-event SAR image), when a second image is chosen."
            )
        )
        return inputs

    def _build_method(self) -> QGroupBox:
        method_box = QGroupBox(tr("Method"))
        form = QFormLayout(method_box)
        self.method_rows = Rows(form)
        self.method_combo = QComboBox()
        self.method_combo.setModel(QStandardItemModel(self.method_combo))
        self.method_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.method_combo.setMinimumContentsLength(16)
        self.method_combo.setToolTip(
            tr(
                "What to look for: methods are grouped by task; the code in brackets is the method's name on the command line."
            )
        )
        self.method_help = wrapping_label(secondary=True)
        self.prompt_edit = QLineEdit()
        self.prompt_edit.setPlaceholderText(tr("e.g. flooded area"))
        self.prompt_edit.setToolTip(tr("What you are looking for; used by prompt methods only."))
        self.method_rows.add("method", tr("Method"), self.method_combo)
        self.method_rows.add("help", None, self.method_help)
        self.method_rows.add("prompt", tr("Prompt"), self.prompt_edit)
        self.negative_edit = QLineEdit()
        self.negative_edit.setPlaceholderText(tr("e.g. dry fields, river in its bed"))
        self.negative_edit.setToolTip(
            tr("What the target is not; CLIP methods score the prompt against it. Optional.")
        )
        self.negative_label = QLabel(tr("Negative prompt"))
        self.method_rows.add("negative", self.negative_label, self.negative_edit)
        self.checkpoint_widget = _file_widget(
            QgsFileWidget.StorageMode.GetFile,
            tr(
                "A local open_clip checkpoint for the CLIP methods. Empty: the default model card's weights (downloaded on first use, checksum verified)."
            ),
            tr("CLIP checkpoints (*.safetensors *.pt *.pth *.bin);;All files (*)"),
            tr("Choose a CLIP checkpoint"),
        )
        self.checkpoint_label = QLabel(tr("CLIP checkpoint"))
        self.method_rows.add("checkpoint", self.checkpoint_label, self.checkpoint_widget)
        self.fuse_combo = QComboBox()
        self.fuse_combo.setToolTip(
            tr(
                "Keep only what is both like the prompt and anomalous for this method (default threshold 0.5: both default thresholds passed)."
            )
        )
        self.fuse_label = QLabel(tr("Combine with anomaly method"))
        self.method_rows.add("fuse", self.fuse_label, self.fuse_combo)
        self.key_params: dict[str, QDoubleSpinBox] = {}
        self.key_param_specs: dict = {}
        self.key_param_box = QWidget()
        self.key_param_form = QFormLayout(self.key_param_box)
        self.key_param_form.setContentsMargins(0, 0, 0, 0)
        self.method_rows.add("key_params", None, self.key_param_box)
        self.params_edit = QLineEdit()
        self.params_edit.setPlaceholderText(tr("advanced: KEY=VALUE ..."))
        self.method_rows.add("params", tr("Other parameters"), self.params_edit)
        self.model_label = QLabel(tr("Model"))
        self.method_rows.add("model", self.model_label, self._build_model_row())
        self.output_widget = _file_widget(
            QgsFileWidget.StorageMode.GetDirectory,
            tr("Folder where score rasters and polygons are written (kept after QGIS closes)."),
        )
        self.output_widget.setFilePath(settings.output_dir())
        self.method_rows.add("output", tr("Output folder"), self.output_widget)
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
        self.tile_spin.setToolTip(
            tr(
                "Largest side of the tiles the image is scored in (default 512 px): the image is covered "
                "by the fewest such tiles. Smaller tiles use less memory."
            )
        )
        self.device_combo = QComboBox()
        for device, label in (("auto", tr("Automatic")), ("cpu", tr("CPU")), ("cuda", tr("GPU (CUDA)"))):
            self.device_combo.addItem(label, device)
        index = self.device_combo.findData(settings.value("device", "auto", str))
        self.device_combo.setCurrentIndex(max(index, 0))
        self.device_combo.setToolTip(
            tr("Where the learned methods run: Automatic uses an NVIDIA GPU when the backend finds one.")
        )
        self.encoder_widget = _file_widget(
            QgsFileWidget.StorageMode.GetDirectory,
            tr(
                "Folder holding the pretrained encoder's released files, for the learned methods on Sentinel-2 pairs. Empty: downloaded on first use when the computer is online."
            ),
        )
        self.encoder_widget.setFilePath(settings.value("encoder", "", str))
        self.interpreter_widget = _file_widget(
            QgsFileWidget.StorageMode.GetFile,
            tr(
                "Python interpreter of the backend environment (default: the environment Set up backend makes)."
            ),
        )
        self.interpreter_widget.setFilePath(settings.interpreter())
        self.check_button = QPushButton(tr("Check backend"))
        self.check_button.setToolTip(tr("Start the backend and show its versions and device."))
        form.addRow(tr("Tile size"), self.tile_spin)
        form.addRow(tr("Device"), self.device_combo)
        form.addRow(tr("Encoder weights"), self.encoder_widget)
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
        self.score_combo.setToolTip(tr("The RareSight result the slider and Export polygons act on."))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        lo, hi = SLIDER_LOG10_RANGE
        self.slider.setRange(int(lo * SLIDER_STEPS_PER_DECADE), int(hi * SLIDER_STEPS_PER_DECADE))
        self.slider.setValue(rate_to_position(DEFAULT_RATE))
        self.slider.setToolTip(tr("Expected share of normal pixels shown as anomalous (log scale)."))
        self.slider_label = QLabel(tr("False-alarm rate"))
        self.threshold_label = wrapping_label()
        self.min_area_spin = QDoubleSpinBox()
        self.min_area_spin.setRange(0.0, 1e9)
        self.min_area_spin.setDecimals(0)
        self.min_area_spin.setSingleStep(100.0)
        self.min_area_spin.setValue(settings.value("min_area_m2", 0.0, float))
        self.min_area_spin.setSuffix(tr(" m²"))
        self.min_area_spin.setToolTip(
            tr("Polygons smaller than this are left out (in m², or in pixels for a layer without a CRS).")
        )
        self.export_button = QPushButton(tr("Export polygons"))
        self.export_button.setToolTip(
            tr("Write the shown pixels as polygons (GeoPackage beside the score) and add them to the map.")
        )
        form.addRow(tr("Score layer"), self.score_combo)
        form.addRow(self.slider_label, self.slider)
        form.addRow(self.threshold_label)
        form.addRow(tr("Minimum area"), self.min_area_spin)
        form.addRow(self.export_button)
        return results

    # -- the method's rows ----------------------------------------------------------------------

    def _fill_method_combo(self, methods: list[dict]) -> None:
        """Methods grouped by task under headers (not selectable); each item's data is its code."""
        model = self.method_combo.model()
        model.clear()
        for task in TASKS:
            members = [m for m in methods if task_of(m) == task]
            if not members:
                continue
            header = QStandardItem(task_title(task))
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            model.appendRow(header)
            for m in members:
                words = wording(m)
                item = QStandardItem(f"   {words.title} ({m['name']})")
                item.setData(m["name"], Qt.ItemDataRole.UserRole)
                item.setToolTip(words.description)
                model.appendRow(item)

    def _show_key_parameters(self, method: dict) -> None:
        """One spin box per key parameter of ``method``, at its default (shown in the field's
        scale, e.g. a share as a percentage)."""
        while self.key_param_form.rowCount():
            self.key_param_form.removeRow(0)
        self.key_params = {}
        self.key_param_specs = {}
        defaults = method.get("parameters") or {}
        for p in key_parameters(method):
            try:
                default = float(defaults[p.name]) * p.scale
            except (TypeError, ValueError):
                continue
            spin = QDoubleSpinBox()
            spin.setRange(p.minimum, p.maximum)
            spin.setSingleStep(p.step)
            spin.setDecimals(p.decimals)
            spin.setSuffix(p.suffix)
            spin.setValue(default)
            spin.setProperty("default", default)
            spin.setToolTip(
                tr("{help} Default: {default}.").format(
                    help=p.tooltip, default=spin.textFromValue(default) + p.suffix
                )
            )
            self.key_param_form.addRow(p.label, spin)
            self.key_params[p.name] = spin
            self.key_param_specs[p.name] = p

    def set_key_parameter(self, name: str, value: float) -> bool:
        """Set a key parameter's field from the backend's value; False if it has no field."""
        spin = self.key_params.get(name)
        if spin is None:
            return False
        spin.setValue(value * self.key_param_specs[name].scale)
        return True

    def key_parameter_values(self) -> dict[str, str]:
        """The key parameters changed from their defaults, as the backend's values (text)."""
        out = {}
        for name, spin in self.key_params.items():
            value = spin.value()
            if abs(value - float(spin.property("default"))) > 1e-9:
                value /= self.key_param_specs[name].scale
                out[name] = (
                    repr(int(round(value)))
                    if spin.decimals() == 0 and self.key_param_specs[name].scale == 1
                    else repr(round(value, 6))
                )
        return out

    def _other_parameters_tip(self, method: dict) -> str:
        """The free-text field's tooltip (rich text, so that it wraps): what it takes, and the
        method's other parameters by name (research-only ones left out)."""
        import html

        helps = method.get("parameter_help") or {}
        names = [
            name
            for name in (method.get("parameters") or {})
            if name not in self.key_params and not (helps.get(name) or {}).get("experimental")
        ]
        intro = tr(
            "Advanced: other parameters as KEY=VALUE pairs separated by spaces or commas; they override the fields above. Their meanings and defaults are in the method's documentation."
        )
        listed = ", ".join(names) if names else tr("none")
        return f"<p>{html.escape(intro)}</p><p>{html.escape(tr('This method also takes: {names}').format(names=listed))}</p>"

    def _show_method(self, method: dict) -> None:
        """Show the rows ``method`` uses (prompt, negative prompt, checkpoint, fusion, key
        parameters, model), its description, and whether it needs a reference."""
        words = wording(method)
        text = words.description
        if method.get("needs_reference"):
            text += " " + tr("Needs a reference (the pre-event image).")
        self.method_help.setText(text)
        prompt = bool(method.get("uses_prompt"))
        self.prompt_edit.setEnabled(prompt)
        shown = {
            "prompt": prompt,
            "negative": takes(method, "negative"),
            "checkpoint": takes(method, "checkpoint"),
            "fuse": prompt,
            "model": is_trainable(method),
        }
        for widget, key in (
            (self.negative_edit, "negative"),
            (self.checkpoint_widget, "checkpoint"),
            (self.fuse_combo, "fuse"),
        ):
            widget.setEnabled(shown[key])
        self._show_key_parameters(method)
        shown["key_params"] = bool(self.key_params)
        self.method_rows.show(shown)
        self.reference_label.setText(
            tr("Reference (pre-event, required)")
            if method.get("needs_reference")
            else tr("Reference (pre-event, optional)")
        )
        self.params_edit.setToolTip(self._other_parameters_tip(method))
        trainable = is_trainable(method)
        self.model_widget.setEnabled(trainable)
