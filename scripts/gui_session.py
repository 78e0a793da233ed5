"""A scripted RareSight session in the real QGIS desktop, for the README screenshot and the GUI test.

QGIS runs this file at start-up (``qgis --code scripts/gui_session.py``; scripts/screenshot.sh does
it under Xvfb with a throw-away profile). Once the main window is up it:

1. loads the embedded sample: ``s2.tif`` in false colour (B12, B8, B4, cumulative cut 2-98 %) over
   ``s1.tif`` (hidden), and zooms to it;
2. opens the RareSight dock through its toolbar action and checks the backend;
3. runs a detection (method, images and false-alarm rate below) exactly as the analyst would, by
   the dock's own ``run_detection()``, then moves the false-alarm rate slider;
4. optionally exports polygons;
5. waits for the map to render, grabs the main window to ``$RARESIGHT_SCREENSHOT``, writes a JSON
   report to ``$RARESIGHT_GUI_REPORT`` and quits QGIS without a save prompt.

Environment (all optional except the two outputs, which default to the temp folder):
    RARESIGHT_SCREENSHOT    PNG of the main window
    RARESIGHT_GUI_REPORT    JSON report (``ok`` true when every step succeeded)
    RARESIGHT_GUI_OUT       the dock's output folder (default: a new temp folder)
    RARESIGHT_ROOT          the plugin folder holding resources/sample (default: the loaded plugin's)
    RARESIGHT_GUI_TIMEOUT   seconds before the session gives up, reports and quits (default 120)
    RARESIGHT_GUI_RATE      false-alarm rate for the slider (default 0.1)
    RARESIGHT_GUI_METHOD    detector (default rx)
    RARESIGHT_GUI_PARAMS    method parameters for the dock (default ``fit_fraction=0.5``)
    RARESIGHT_GUI_IMAGES    ``s1`` (default), ``s2`` or ``s2+s1``
    RARESIGHT_GUI_EXPORT    1 to also export polygons (minimum area RARESIGHT_GUI_MIN_AREA, 2000 m2)
    RARESIGHT_GUI_SIZE      main window size, ``1800x1000``
    RARESIGHT_GUI_DOCK_WIDTH  width of the RareSight dock in px (default 430)
    RARESIGHT_GUI_LAYERS_WIDTH  width of the Layers panel in px (default 470: the legend reads whole)
    RARESIGHT_GUI_SCENARIO  ``sample`` (default: the README's detection), ``change`` (a dated,
                            georeferenced pre/post pair loaded pre first, cva, polygons), ``nogeo``
                            (the same pair without georeferencing, dates in the file names),
                            ``prompt`` (the spectral prompt "flooded area" on s2 + s1, polygons at
                            its own threshold) or ``cancel`` (a long diffusion training cancelled,
                            then rx on s1); every scenario records the observations of
                            scripts/gui_checks.py in the report's ``checks``
    RARESIGHT_GUI_SETUP     1 to grab the Set up backend panel instead of a detection: the panel as
                            a machine without a backend shows it (this checkout's own .venv would
                            hide it), after the backend check

Like the demo (scripts/demo.sh), the session runs robust RX (``fit_fraction=0.5``) on the SAR image
at a 10 % false-alarm rate, which picks out the flooded fields (dark in false colour, in the
north-east of the scene).

QGIS executes this file with ``exec`` in its ``__main__`` namespace, so ``__file__`` is not defined
and everything lives in one object kept alive by a module-level name.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
import traceback

import qgis.utils
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsContrastEnhancement,
    QgsMultiBandColorRenderer,
    QgsProject,
    QgsRasterLayer,
    QgsRasterMinMaxOrigin,
    QgsRectangle,
)
from qgis.PyQt.QtCore import QCoreApplication, Qt, QTimer
from qgis.PyQt.QtWidgets import QAction, QApplication, QDialog, QDockWidget, QLabel

PLUGIN = "raresight"


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def dock_tr(text: str) -> str:
    """A dock string as the analyst sees it (the plugin's translation context)."""
    return QCoreApplication.translate("RareSight", text)


def framed(extent: QgsRectangle) -> QgsRectangle:
    """``extent`` with a small margin, larger at the top where the message bar covers the canvas."""
    dx, dy = extent.width() * 0.02, extent.height() * 0.02
    return QgsRectangle(extent.xMinimum() - dx, extent.yMinimum() - dy, extent.xMaximum() + dx, extent.yMaximum() + 3 * dy)


class GuiSession:
    """One scripted session: a chain of steps driven by Qt timers and the dock's signals."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        tmp = tempfile.gettempdir()
        self.screenshot = os.environ.get("RARESIGHT_SCREENSHOT") or os.path.join(tmp, "raresight_qgis.png")
        self.report_path = os.environ.get("RARESIGHT_GUI_REPORT") or os.path.join(tmp, "raresight_gui_report.json")
        self.timeout_s = _env_float("RARESIGHT_GUI_TIMEOUT", 120.0)
        self.rate = _env_float("RARESIGHT_GUI_RATE", 0.1)
        self.method = os.environ.get("RARESIGHT_GUI_METHOD", "rx")
        self.params = os.environ.get("RARESIGHT_GUI_PARAMS", "fit_fraction=0.5")
        self.images = os.environ.get("RARESIGHT_GUI_IMAGES", "s1")
        self.export = os.environ.get("RARESIGHT_GUI_EXPORT", "0") not in ("", "0", "false", "no")
        self.setup = os.environ.get("RARESIGHT_GUI_SETUP", "0") not in ("", "0", "false", "no")
        self.scenario = os.environ.get("RARESIGHT_GUI_SCENARIO", "sample") or "sample"
        self.samples: list[dict] = []  # the dock's stage and progress while a task runs
        self.cancelled_once = False
        self.min_area = _env_float("RARESIGHT_GUI_MIN_AREA", 2000.0)
        self.dock_width = int(_env_float("RARESIGHT_GUI_DOCK_WIDTH", 430))
        self.layers_width = int(_env_float("RARESIGHT_GUI_LAYERS_WIDTH", 470))
        size = os.environ.get("RARESIGHT_GUI_SIZE", "1800x1000").lower().split("x")
        self.size = (int(size[0]), int(size[1])) if len(size) == 2 and all(s.isdigit() for s in size) else (1800, 1000)
        self.iface = qgis.utils.iface
        self.started = False
        self.finished = False
        self.lock = threading.Lock()
        self.timers: list[QTimer] = []
        self.layers: dict[str, QgsRasterLayer] = {}
        self.plugin = None
        self.dock = None
        self.score_layer = None
        self.polygon_layer = None
        self.report: dict = {
            "ok": False,
            "failure": None,
            "qgis_version": Qgis.QGIS_VERSION,
            "python": sys.version.split()[0],
            "plugin_loaded": False,
            "plugin_active": False,
            "dock_visible": False,
            "steps": [],
            "messages": [],
            "log": [],
            "screenshot": None,
            "scenario": os.environ.get("RARESIGHT_GUI_SCENARIO", "sample") or "sample",
            "checks": {},
        }

    # -- bookkeeping ----------------------------------------------------------------------------

    def elapsed(self) -> float:
        return round(time.monotonic() - self.t0, 2)

    def step(self, name: str) -> None:
        self.report["steps"].append({"step": name, "t": self.elapsed()})

    def later(self, ms: int, fn) -> None:
        """Call ``fn`` after ``ms`` on the main thread; an exception ends the session."""
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: self.guard(fn))
        timer.start(ms)
        self.timers.append(timer)

    def guard(self, fn, *args) -> None:
        if self.finished:
            return
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - any error ends the session with a report
            self.fail(f"{type(exc).__name__} in {getattr(fn, '__name__', fn)}: {exc}", traceback.format_exc())

    def _message_added(self, _widget) -> None:
        # The signal hands over a plain QWidget; the bar's current item is the same message, typed.
        item = self.iface.messageBar().currentItem()
        try:
            entry = {"title": item.title(), "text": item.text(), "level": int(item.level()), "t": self.elapsed()}
        except Exception as exc:  # noqa: BLE001 - not a message item
            entry = {"title": "?", "text": repr(exc), "level": -1, "t": self.elapsed()}
        self.report["messages"].append(entry)

    def _log_received(self, message: str, tag: str, level) -> None:
        if int(level) >= int(Qgis.Warning) or tag in ("RareSight", "Python error"):
            self.report["log"].append({"tag": tag, "level": int(level), "message": message[:2000]})

    # -- start ----------------------------------------------------------------------------------

    def install(self) -> None:
        """Hook into QGIS: start when the main window has finished initialising (or soon after the
        event loop starts, whichever comes first), and arm the two timeouts."""
        try:
            self.iface.initializationCompleted.connect(lambda: self.later(300, self.start))
        except (AttributeError, TypeError):
            pass
        self.later(3000, self.start)
        self.later(int(self.timeout_s * 1000), self.on_timeout)
        # Last resort when the main thread is stuck in C++ code that lets other Python threads run; a
        # main thread that holds the interpreter lock is left to the outer `timeout` of screenshot.sh.
        watchdog = threading.Timer(self.timeout_s + 20.0, self.watchdog)
        watchdog.daemon = True
        watchdog.start()
        bar = self.iface.messageBar()
        bar.widgetAdded.connect(self._message_added)
        try:
            QgsApplication.messageLog().messageReceived[str, str, Qgis.MessageLevel].connect(self._log_received)
        except (KeyError, TypeError, AttributeError):
            pass

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        self.step("qgis ready")
        window = self.iface.mainWindow()
        window.showNormal()
        window.setGeometry(0, 0, *self.size)
        # The Browser panel of a fresh profile takes half the left column: hide it so that the layer
        # list with the score legend gets the room.
        for dock in window.findChildren(QDockWidget):
            if dock.objectName() in ("Browser", "Browser2", "ProcessingToolbox"):
                dock.hide()
        if self.scenario in ("change", "nogeo"):
            self.add_pair(georeferenced=self.scenario == "change")
        else:
            self.add_sample()
        self.open_dock()
        self.report["checks"]["layout_before"] = self.checks().layout_report(self.dock)
        self.later(200, self.check_backend)

    def checks(self):
        """scripts/gui_checks.py (QGIS runs this file without ``__file__``: found from the root)."""
        folder = os.path.join(os.path.dirname(self.sample_dir()), os.pardir, "scripts")
        folder = os.path.normpath(folder)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        import gui_checks

        return gui_checks

    def add_pair(self, georeferenced: bool) -> None:
        """A dated pre/post pair made from the sample, loaded pre first (as QGIS would pick it)."""
        out = os.environ.get("RARESIGHT_GUI_OUT") or tempfile.mkdtemp(prefix="raresight-gui-")
        pre, post = self.checks().make_pair(
            os.path.join(self.sample_dir(), "s2.tif"), os.path.join(out, "inputs"), georeferenced
        )
        project = QgsProject.instance()
        layers = {}
        for key, path in (("pre", pre), ("post", post)):
            layer = QgsRasterLayer(path, os.path.splitext(os.path.basename(path))[0], "gdal")
            if not layer.isValid():
                raise RuntimeError(f"cannot open {path}")
            renderer = QgsMultiBandColorRenderer(layer.dataProvider(), 5, 4, 3)  # B12, B8, B4
            layer.setRenderer(renderer)
            layer.setContrastEnhancement(
                QgsContrastEnhancement.StretchToMinimumMaximum, QgsRasterMinMaxOrigin.CumulativeCut
            )
            project.addMapLayer(layer)
            layers[key] = layer
        self.layers = {**layers, "s2": layers["post"]}
        canvas = self.iface.mapCanvas()
        if layers["post"].crs().isValid():
            canvas.setDestinationCrs(layers["post"].crs())
        canvas.setExtent(framed(layers["post"].extent()))
        canvas.refresh()
        self.step("pair added")

    def sample_dir(self) -> str:
        root = os.environ.get("RARESIGHT_ROOT")
        if not root:
            module = sys.modules.get(PLUGIN)
            root = os.path.dirname(module.__file__) if module is not None else os.getcwd()
        return os.path.join(root, "resources", "sample")

    def add_sample(self) -> None:
        folder = self.sample_dir()
        project = QgsProject.instance()
        s1 = QgsRasterLayer(os.path.join(folder, "s1.tif"), "Sentinel-1 VV/VH (dB)", "gdal")
        s2 = QgsRasterLayer(os.path.join(folder, "s2.tif"), "Sentinel-2 B12/B8/B4", "gdal")
        for layer in (s1, s2):
            if not layer.isValid():
                raise RuntimeError(f"cannot open {layer.source()}")
        # False colour: SWIR2 (B12, band 13), NIR (B8, band 8), red (B4, band 4); water is dark.
        renderer = QgsMultiBandColorRenderer(s2.dataProvider(), 13, 8, 4)
        s2.setRenderer(renderer)
        s2.setContrastEnhancement(QgsContrastEnhancement.StretchToMinimumMaximum, QgsRasterMinMaxOrigin.CumulativeCut)
        project.addMapLayer(s1)  # first added ends lowest in the layer list
        project.addMapLayer(s2)
        node = project.layerTreeRoot().findLayer(s1.id())
        if node is not None:
            node.setItemVisibilityChecked(False)
            node.setExpanded(False)
        self.layers = {"s1": s1, "s2": s2}
        canvas = self.iface.mapCanvas()
        canvas.setDestinationCrs(s2.crs())
        canvas.setExtent(framed(s2.extent()))
        canvas.refresh()
        self.step("sample added")

    def open_dock(self) -> None:
        self.report["plugin_loaded"] = PLUGIN in qgis.utils.plugins
        self.report["plugin_active"] = PLUGIN in getattr(qgis.utils, "active_plugins", [])
        if not self.report["plugin_loaded"]:
            raise RuntimeError(
                f"plugin {PLUGIN!r} is not loaded (loaded: {sorted(qgis.utils.plugins)}; "
                f"available: {sorted(getattr(qgis.utils, 'available_plugins', []))})"
            )
        self.plugin = qgis.utils.plugins[PLUGIN]
        action = self.iface.mainWindow().findChild(QAction, "RareSightAction")
        self.report["action_found"] = action is not None
        if action is not None and not action.isChecked():
            action.trigger()  # as a click on the toolbar button
        if getattr(self.plugin, "dock", None) is None:
            self.plugin.show_dock(True)
        self.dock = self.plugin.dock
        if self.dock is None:
            raise RuntimeError("the plugin created no dock")
        self.dock.show()
        self.dock.raise_()
        self.size_docks()
        self.dock.detectionFinished.connect(lambda layer: self.guard(self.on_detection, layer))
        self.dock.runFailed.connect(lambda message: self.guard(self.on_failed, message))
        self.dock.polygonsFinished.connect(lambda layer: self.guard(self.on_polygons, layer))
        self.step("dock shown")

    def size_docks(self) -> None:
        """The Layers panel wide enough for the layer names, the RareSight dock for its form."""
        window = self.iface.mainWindow()
        docks, widths = [self.dock], [self.dock_width]
        layers = window.findChild(QDockWidget, "Layers")
        if layers is not None:
            docks.append(layers)
            widths.append(self.layers_width)
        window.resizeDocks(docks, widths, Qt.Horizontal)

    # -- backend check, then detection ----------------------------------------------------------

    def check_backend(self) -> None:
        self.dock.check_backend()
        self.step("backend check started")
        self.later(100, self.wait_backend)

    def wait_backend(self) -> None:
        if self.dock.task is not None:
            self.later(100, self.wait_backend)
            return
        self.report["backend_status"] = self.dock.status_label.text()
        self.step("backend checked")
        if self.setup:
            self.show_setup()
            return
        self.run_detection()

    def show_setup(self) -> None:
        """The Set up backend panel as the dock shows it where no backend is set up yet."""
        panel = self.dock.setup_panel
        panel.show_for(None)
        panel.setVisible(True)
        self.dock.status_label.setText(dock_tr("Backend: not checked yet"))
        self.step("setup panel shown")
        self.later(200, self.settle)

    def scenario_settings(self) -> tuple[list[str] | None, str, str, str]:
        """``(images, method, params, prompt)`` of the scenario's (first) detection; images None:
        keep the dock's own proposal (the pair scenarios check it)."""
        if self.scenario in ("change", "nogeo"):
            return None, "cva", "", ""
        if self.scenario == "prompt":
            return ["s2", "s1"], "spectral", "", "flooded area"
        if self.scenario == "cancel" and not self.cancelled_once:
            return ["s2"], "diffusion", "steps=100000", ""
        names = {"s1": ["s1"], "s2": ["s2"], "s2+s1": ["s2", "s1"]}.get(self.images, ["s1"])
        return names, self.method, self.params, ""

    def run_detection(self) -> None:
        dock = self.dock
        names, method, params, prompt = self.scenario_settings()
        if names is None:
            self.report["checks"]["proposal"] = {
                "target": dock.target_combo.currentLayer().name() if dock.target_combo.currentLayer() else None,
                "reference": dock.reference_combo.currentLayer().name() if dock.reference_combo.currentLayer() else None,
                "hint": dock.pair_hint.text(),
                "hint_visible": bool(dock.pair_hint.isVisible()),
                "expected_target": self.layers["post"].name(),
                "expected_reference": self.layers["pre"].name(),
            }
        else:
            dock.target_combo.setLayer(self.layers[names[0]])
            dock.target2_combo.setLayer(self.layers[names[1]] if len(names) > 1 else None)
            dock.reference_combo.setLayer(None)
            dock.reference2_combo.setLayer(None)
        index = dock.method_combo.findData(method)
        if index < 0:
            raise RuntimeError(f"method {method!r} is not offered by the dock")
        dock.method_combo.setCurrentIndex(index)
        self.report["checks"]["method_box"] = [
            {"text": dock.method_combo.itemText(i), "code": dock.method_combo.itemData(i)}
            for i in range(dock.method_combo.count())
        ]
        if names is None and dock.reference_combo.currentLayer() is None:
            raise RuntimeError("the dock proposed no reference for the pair")
        out = os.environ.get("RARESIGHT_GUI_OUT") or tempfile.mkdtemp(prefix="raresight-gui-")
        os.makedirs(out, exist_ok=True)
        dock.output_widget.setFilePath(out)
        # Parameters with a field of their own go there, as an analyst would set them.
        free = []
        for item in params.replace(",", " ").split():
            key, _, value = item.partition("=")
            try:
                if not dock.set_key_parameter(key, float(value)):
                    free.append(item)
            except ValueError:
                free.append(item)
        dock.params_edit.setText(" ".join(free))
        dock.prompt_edit.setText(prompt)
        if dock._slider_mode == "rate":
            dock.slider.setValue(dock.rate_to_position(self.rate))
        self.report["request"] = {
            "images": names, "method": method, "params": params, "output_dir": out, "rate": self.rate
        }
        self.step("detection started")
        self.run_started = time.monotonic()
        dock.run_detection()
        self.sample_progress()
        if self.scenario == "cancel" and not self.cancelled_once:
            self.later(100, self.cancel_when_training)

    def sample_progress(self) -> None:
        """Record the dock's stage line and progress bar every 100 ms while a task runs."""
        dock = self.dock
        self.samples.append({
            "t": round(time.monotonic() - self.run_started, 2),
            "stage": dock.stage_label.text(),
            "progress": dock.progress.value(),
            "busy": dock.progress.maximum() == 0,
            "running": dock.task is not None,
        })  # fmt: skip
        if dock.task is not None:
            self.later(100, self.sample_progress)

    def cancel_when_training(self) -> None:
        """Cancel once the training shows progress (or after 20 s)."""
        dock = self.dock
        training = dock.stage_label.text() and not dock.stage_label.text().startswith(dock_tr("Starting"))
        if dock.task is not None and not training and time.monotonic() - self.run_started < 20:
            self.later(100, self.cancel_when_training)
            return
        self.step("cancel clicked")
        self.report["checks"]["cancelled_at_stage"] = dock.stage_label.text()
        self.cancel_clicked = time.monotonic()
        dock.cancel_button.click()

    def on_failed(self, message: str) -> None:
        if self.scenario == "cancel" and not self.cancelled_once:
            self.cancelled_once = True
            self.later(300, self.after_cancel)
            return
        self.fail(f"the dock reported a failure: {message}")

    def after_cancel(self) -> None:
        dock = self.dock
        if dock.task is not None:
            self.later(100, self.after_cancel)
            return
        self.step("cancelled")
        self.report["checks"]["after_cancel"] = {
            "status": dock.status_label.text(),
            "seconds": round(time.monotonic() - self.cancel_clicked, 2),
            "score_layers": [layer.name() for layer in QgsProject.instance().mapLayers().values()
                             if layer.customProperty("raresight/score", "") == "1"],
            "messages": list(self.report["messages"]),
        }  # fmt: skip
        self.samples_before_cancel = list(self.samples)
        self.samples = []
        self.run_detection()  # the next run: rx on s1

    def on_detection(self, layer) -> None:
        self.step("detection finished")
        self.score_layer = layer
        dock = self.dock
        dock.score_combo.setLayer(layer)
        if dock._slider_mode == "rate":
            dock.slider.setValue(dock.rate_to_position(self.rate))
        self.iface.setActiveLayer(layer)
        if self.export:
            dock.min_area_spin.setValue(self.min_area if self.scenario != "nogeo" else 0)
            self.step("export started")
            dock.export_polygons()
            if dock.task is None:
                self.fail("export_polygons() started no task")
            return
        self.later(200, self.settle)

    def on_polygons(self, layer) -> None:
        self.step("polygons added")
        self.polygon_layer = layer
        self.iface.setActiveLayer(self.score_layer)
        # Its message names the long output path and wraps over the map; the report keeps it, the
        # screenshot shows the "Detection finished" message below it instead.
        bar = self.iface.messageBar()
        item = bar.currentItem()
        if item is not None and item.title() == dock_tr("Polygons exported"):
            bar.popWidget(item)
        self.later(200, self.settle)

    # -- screenshot and exit --------------------------------------------------------------------

    def settle(self) -> None:
        """Refresh the canvas, wait for its render to finish (at most 10 s), then a little longer
        for the dock and the message bar to repaint."""
        self.size_docks()
        canvas = self.iface.mapCanvas()
        # Zoom again now that the window has its final size (the first zoom ran on a smaller canvas).
        canvas.setExtent(framed(self.layers["s2"].extent()))
        state = {"done": False}

        def rendered() -> None:
            if not state["done"]:
                state["done"] = True
                try:
                    canvas.mapCanvasRefreshed.disconnect(rendered)
                except TypeError:
                    pass
                self.step("canvas rendered")
                self.later(800, self.capture)

        canvas.mapCanvasRefreshed.connect(rendered)
        canvas.refresh()
        self.later(10000, rendered)

    def describe_state(self) -> None:
        report = self.report
        dock = self.dock
        if dock is not None:
            report["dock_visible"] = bool(dock.isVisible())
            geometry = dock.geometry()
            report["dock_geometry"] = [geometry.x(), geometry.y(), geometry.width(), geometry.height()]
            report["threshold_label"] = dock.threshold_label.text()
            report["status_label"] = dock.status_label.text()
            report["slider_rate"] = dock.position_to_rate(dock.slider.value())
            report["slider_enabled"] = bool(dock.slider.isEnabled())
            report["method"] = dock.method_combo.currentData()
            report["dock_temp_dir"] = getattr(dock, "temp_dir", None)
        if dock is not None:
            checks = self.checks()
            report["checks"]["layout_after"] = checks.layout_report(dock)
            report["checks"]["samples"] = self.samples
            report["checks"]["samples_before_cancel"] = getattr(self, "samples_before_cancel", None)
            report["checks"]["texts"] = {
                "run_button": dock.run_button.text(),
                "slider_label": dock.slider_label.text(),
                "method_help": dock.method_help.text(),
                "min_area_suffix": dock.min_area_spin.suffix(),
                "stage": dock.stage_label.text(),
                "progress": dock.progress.value(),
            }
            if self.score_layer is not None:
                report["checks"]["style"] = checks.style_report(self.score_layer)
            if self.polygon_layer is not None and self.score_layer is not None:
                report["checks"]["extent"] = checks.extent_report(self.polygon_layer, self.score_layer)
        layer = self.score_layer
        if layer is not None:
            renderer = layer.renderer()
            report["score_layer"] = {
                "name": layer.name(),
                "source": layer.source(),
                "renderer_type": renderer.type() if renderer is not None else None,
                "in_project": layer.id() in QgsProject.instance().mapLayers(),
                "rate_property": layer.customProperty("raresight/false_alarm_rate", None),
            }
        if self.polygon_layer is not None:
            report["polygon_layer"] = {
                "name": self.polygon_layer.name(),
                "source": self.polygon_layer.source(),
                "features": int(self.polygon_layer.featureCount()),
            }
        report["layers"] = [
            {"name": node.name(), "visible": bool(node.isVisible())}
            for node in QgsProject.instance().layerTreeRoot().findLayers()
        ]
        window = self.iface.mainWindow()
        report["window_size"] = [window.width(), window.height()]
        canvas = self.iface.mapCanvas()
        report["canvas_size"] = [canvas.width(), canvas.height()]
        bar = self.iface.messageBar()
        try:
            report["message_bar"] = [{"title": i.title(), "text": i.text()} for i in bar.items()]
        except AttributeError:
            report["message_bar"] = None

    def grab(self) -> None:
        folder = os.path.dirname(os.path.abspath(self.screenshot))
        os.makedirs(folder, exist_ok=True)
        pixmap = self.iface.mainWindow().grab()
        if pixmap.isNull() or not pixmap.save(self.screenshot, "PNG"):
            raise RuntimeError(f"could not save the screenshot to {self.screenshot}")
        self.report["screenshot"] = self.screenshot
        self.report["screenshot_size"] = [pixmap.width(), pixmap.height()]
        self.step("screenshot saved")

    def capture(self) -> None:
        self.describe_state()
        self.grab()
        problems = []
        if not self.report["dock_visible"]:
            problems.append("the dock is not visible")
        if self.setup:
            if not self.dock.setup_panel.isVisible():
                problems.append("the Set up backend panel is not visible")
        elif self.score_layer is None:
            problems.append("no score layer")
        elif self.report["score_layer"]["renderer_type"] != "singlebandpseudocolor":
            problems.append(f"score layer renderer is {self.report['score_layer']['renderer_type']}")
        if self.export and self.polygon_layer is None:
            problems.append("no polygon layer")
        if problems:
            self.fail("; ".join(problems))
            return
        if self.finished:  # failed or timed out meanwhile
            return
        self.report["ok"] = True
        self.finish()

    def fail(self, message: str, details: str | None = None) -> None:
        if self.finished:
            return
        if self.report["failure"] is None:
            self.report["failure"] = message
        if details:
            self.report["traceback"] = details
        self.step("failed")
        try:
            self.describe_state()
        except Exception as exc:  # noqa: BLE001
            self.report["describe_error"] = repr(exc)
        if self.report["screenshot"] is None:
            try:
                self.grab()
            except Exception as exc:  # noqa: BLE001
                self.report["screenshot_error"] = repr(exc)
        self.finish()

    def on_timeout(self) -> None:
        self.fail(f"timed out after {self.timeout_s:g} s (last step: {self.report['steps'][-1:] or 'none'})")

    def write_report(self) -> None:
        with self.lock:
            self.report["elapsed_s"] = self.elapsed()
            folder = os.path.dirname(os.path.abspath(self.report_path))
            os.makedirs(folder, exist_ok=True)
            tmp = self.report_path + ".part"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.report, f, indent=1, default=str)
            os.replace(tmp, self.report_path)

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self.write_report()
        print(f"raresight gui session: ok={self.report['ok']} report={self.report_path}", file=sys.stderr, flush=True)
        # File > Exit would ask about the score raster, a "temporary layer" because it lies in the temp
        # folder. So: close the project here (QGIS 3.22 can crash when its main window is deleted with
        # layers still loaded), then leave the event loop; QGIS deletes its main window, which
        # unloads the plugin and stops its backend.
        QTimer.singleShot(0, self.quit)

    def quit(self, attempt: int = 0) -> None:
        # A modal dialog (an unexpected question, an error box) would keep QGIS open: note it in the
        # report, dismiss it and try again.
        modal = QApplication.activeModalWidget()
        if modal is not None and attempt < 20:
            texts = [label.text() for label in modal.findChildren(QLabel) if label.text()]
            self.report.setdefault("dialogs", []).append({"title": modal.windowTitle(), "texts": texts})
            self.write_report()
            if isinstance(modal, QDialog):
                modal.reject()
            else:
                modal.close()
            QTimer.singleShot(200, lambda: self.quit(attempt + 1))
            return
        project = QgsProject.instance()
        self.iface.setActiveLayer(None)
        project.clear()
        project.setDirty(False)
        QgsApplication.exit(0 if self.report["ok"] else 1)

    def watchdog(self) -> None:
        """Background thread: the main thread did not end the session in time."""
        if not self.finished:
            self.report["failure"] = self.report["failure"] or f"hung: no progress within {self.timeout_s + 20:g} s"
            try:
                self.write_report()
            finally:
                os._exit(3)
        else:
            # The session ended but QGIS did not exit: do not keep CI waiting.
            os._exit(0 if self.report["ok"] else 1)


_raresight_gui_session = GuiSession()
_raresight_gui_session.install()
