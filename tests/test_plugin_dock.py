"""The QGIS plugin, headless (pytest-qgis): the dock's widgets, a detection that adds a styled
layer, the threshold slider restyling without a new run, polygons, failures, French."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.qgis

qgis_core = pytest.importorskip("qgis.core", reason="QGIS Python bindings not available")
from qgis.core import Qgis, QgsApplication, QgsProject, QgsRasterLayer, QgsVectorLayer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")


class Iface:
    """pytest-qgis's interface plus the few calls the plugin makes that it lacks."""

    def __init__(self, base) -> None:
        self._base = base
        self.menus: list = []
        self.docks: list = []

    def __getattr__(self, name):
        return getattr(self._base, name)

    def addPluginToRasterMenu(self, name, action):  # noqa: N802
        self.menus.append((name, action))

    def removePluginRasterMenu(self, name, action):  # noqa: N802
        self.menus.remove((name, action))

    def addDockWidget(self, area, dock):  # noqa: N802
        self.docks.append(dock)

    def removeDockWidget(self, dock):  # noqa: N802
        self.docks.remove(dock)


def wait_for(condition, timeout_s: float = 120.0) -> None:
    start = time.monotonic()
    while not condition():
        QgsApplication.processEvents()
        if time.monotonic() - start > timeout_s:
            raise AssertionError("timed out waiting for the dock")
        time.sleep(0.01)


@pytest.fixture()
def plugin(plugin_package, qgis_iface, qgis_new_project, tmp_path, monkeypatch):
    from qgis.core import QgsSettings

    QgsSettings().setValue("raresight/interpreter", PYTHON)
    QgsSettings().setValue("raresight/output_dir", str(tmp_path / "results"))
    iface = Iface(qgis_iface)
    p = plugin_package.classFactory(iface)
    p.initGui()
    p.show_dock(True)
    yield p
    p.unload()
    QgsProject.instance().removeAllMapLayers()
    for key in ("interpreter", "output_dir", "method"):
        QgsSettings().remove(f"raresight/{key}")


@pytest.fixture()
def dock(plugin):
    return plugin.dock


class Recorder:
    def __init__(self, dock) -> None:
        self.layers, self.failures, self.polygons = [], [], []
        dock.detectionFinished.connect(self.layers.append)
        dock.runFailed.connect(self.failures.append)
        dock.polygonsFinished.connect(self.polygons.append)

    @property
    def ended(self) -> bool:
        return bool(self.layers or self.failures)


def add_raster(path, name) -> QgsRasterLayer:
    layer = QgsRasterLayer(str(path), name)
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    return layer


def detect(dock, timeout_s: float = 120.0) -> Recorder:
    rec = Recorder(dock)
    dock.run_detection()
    wait_for(lambda: rec.ended and dock.task is None, timeout_s)
    return rec


def test_dock_has_the_widgets_an_analyst_needs(plugin, dock):
    assert plugin.action is not None and plugin.action.isChecked()
    for name in (
        "target_combo",
        "target2_combo",
        "reference_combo",
        "reference2_combo",
        "method_combo",
        "prompt_edit",
        "output_widget",
        "tile_spin",
        "device_combo",
        "interpreter_widget",
        "check_button",
        "run_button",
        "cancel_button",
        "progress",
        "slider",
        "threshold_label",
        "export_button",
        "status_label",
        "model_widget",
        "train_button",
    ):
        assert getattr(dock, name) is not None, name
    methods = [dock.method_combo.itemData(i) for i in range(dock.method_combo.count())]
    assert {"rx", "lrx", "cva", "logratio", "gauss-ref"} <= set(methods)
    assert dock.method_help.text()  # the method's one-line description
    assert dock.advanced.isCollapsed()
    assert not dock.prompt_edit.isEnabled()  # no classical method takes a prompt
    assert not dock.cancel_button.isEnabled()
    assert not dock.slider.isEnabled()  # no score layer yet
    assert [dock.device_combo.itemData(i) for i in range(dock.device_combo.count())] == [
        "auto",
        "cpu",
        "cuda",
    ]


def test_prompt_box_follows_the_method(dock):
    dock.set_methods(
        [
            {"name": "rx", "summary": "a", "needs_reference": False, "uses_prompt": False},
            {"name": "clip", "summary": "b", "needs_reference": False, "uses_prompt": True},
        ]
    )
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("clip"))
    assert dock.prompt_edit.isEnabled()
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    assert not dock.prompt_edit.isEnabled()


PROMPT_METHODS = [
    {"name": "rx", "summary": "a", "needs_reference": False, "uses_prompt": False, "parameters": {}},
    {"name": "cva", "summary": "b", "needs_reference": True, "uses_prompt": False, "parameters": {}},
    {"name": "spectral", "summary": "c", "needs_reference": False, "uses_prompt": True, "parameters": {"prompt": ""}},
    {
        "name": "clip",
        "summary": "d",
        "needs_reference": False,
        "uses_prompt": True,
        "parameters": {"prompt": "", "negative": "", "checkpoint": ""},
    },
]


def test_prompt_rows_follow_the_method(dock):
    dock.set_methods(PROMPT_METHODS)
    fuse = [dock.fuse_combo.itemData(i) for i in range(dock.fuse_combo.count())]
    assert fuse == ["", "rx", "cva"]  # none, then the anomaly methods

    def shown(*widgets) -> list[bool]:
        return [not w.isHidden() and w.isEnabled() for w in widgets]

    rows = (dock.negative_edit, dock.checkpoint_widget, dock.fuse_combo)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    assert shown(*rows) == [False, False, False]
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("spectral"))
    assert dock.prompt_edit.isEnabled() and shown(*rows) == [False, False, True]
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("clip"))
    assert shown(*rows) == [True, True, True]
    assert dock.negative_label.isHidden() is False and dock.checkpoint_label.isHidden() is False


def test_request_carries_prompt_negative_checkpoint_and_fuse(dock, scene, tmp_path):
    from raresight.plugin.layers import LayerError

    dock.set_methods(PROMPT_METHODS)
    dock.target_combo.setLayer(add_raster(scene["post"], "post"))
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("clip"))
    dock.prompt_edit.setText(" flooded area ")
    dock.negative_edit.setText("dry fields")
    dock.fuse_combo.setCurrentIndex(dock.fuse_combo.findData("rx"))
    checkpoint = tmp_path / "weights.safetensors"
    checkpoint.write_bytes(b"x")
    dock.checkpoint_widget.setFilePath(str(checkpoint))
    args = dock.request_args()
    assert (args["prompt"], args["negative"], args["fuse"]) == ("flooded area", "dry fields", "rx")
    assert args["checkpoint"] == str(checkpoint)
    dock.checkpoint_widget.setFilePath(str(tmp_path / "missing.pt"))
    with pytest.raises(LayerError, match="missing.pt"):
        dock.request_args()
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("spectral"))  # no negative, no checkpoint
    args = dock.request_args()
    assert (args["negative"], args["checkpoint"], args["fuse"]) == ("", "", "rx")
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    args = dock.request_args()
    assert (args["prompt"], args["fuse"]) == ("", "")


def test_spectral_detection_starts_at_the_physical_threshold(dock, tmp_path):
    import rasters

    s2 = rasters.write(tmp_path / "s2.tif", rasters.sentinel2(), nodata=rasters.NODATA)
    s1 = rasters.write_named(tmp_path / "s1.tif", rasters.sentinel1(), ("VV", "VH"), nodata=float("nan"))
    dock.target_combo.setLayer(add_raster(s2, "s2"))
    dock.target2_combo.setLayer(add_raster(s1, "s1"))
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("spectral"))
    dock.prompt_edit.setText("flood")
    dock.fuse_combo.setCurrentIndex(dock.fuse_combo.findData(""))
    rec = detect(dock)
    assert not rec.failures, rec.failures
    layer = rec.layers[0]
    assert layer.name().startswith("Spectral \u201cflood\u201d: s2 + s1 (")
    hidden_below = layer.renderer().rasterTransparency().transparentSingleValuePixelList()[0].max
    assert abs(hidden_below) < 0.02  # transparent below (about) the physical threshold 0
    # A prompt map's slider is in its own terms: a score, starting exactly on the rule's threshold.
    assert dock.slider_label.text() == "Threshold"
    assert "This is the method's own threshold." in dock.threshold_label.text()
    assert "of the scene" in dock.threshold_label.text()


def test_check_backend_fills_the_status_line(dock):
    dock.check_backend()
    wait_for(lambda: dock.task is None and dock.backend_info is not None, 60)
    assert "RareSight" in dock.status_label.text()
    assert "CPU" in dock.status_label.text() or "GPU" in dock.status_label.text()
    assert dock.backend_info["version"]


def test_detection_adds_a_styled_layer_and_the_slider_only_restyles(dock, scene, tmp_path, qgis_iface):
    post = add_raster(scene["post"], "post")
    pre = add_raster(scene["pre"], "pre")
    dock.target_combo.setLayer(post)
    dock.reference_combo.setLayer(pre)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("cva"))
    rec = detect(dock)
    assert not rec.failures, rec.failures
    layer = rec.layers[0]
    assert layer.id() in QgsProject.instance().mapLayers()
    assert layer.renderer().type() == "singlebandpseudocolor"
    assert Path(layer.source()).parent == tmp_path / "results"
    assert Path(layer.source() + ".json").is_file()
    abstract = layer.metadata().abstract()
    assert "cva" in abstract and "post.tif" in abstract and "pre.tif" in abstract
    assert dock.current_score_layer() is layer
    assert dock.slider.isEnabled()

    def hidden_below(lyr) -> float:
        return lyr.renderer().rasterTransparency().transparentSingleValuePixelList()[0].max

    first = hidden_below(layer)
    files_before = sorted(os.listdir(tmp_path / "results"))
    pid_before = dock.client_factory().pid
    dock.slider.setValue(dock.rate_to_position(1e-4))
    second = hidden_below(layer)
    assert second > first  # a stricter rate hides more
    assert dock.threshold_label.text().startswith("False-alarm rate 0.01\u00a0%: showing scores above ")
    assert float(layer.customProperty("raresight/false_alarm_rate")) == pytest.approx(1e-4)
    dock.slider.setValue(dock.rate_to_position(1e-1))
    assert hidden_below(layer) < first
    # restyling ran nothing: no new file, no new request, no task
    assert sorted(os.listdir(tmp_path / "results")) == files_before
    assert dock.task is None and dock.client_factory().pid == pid_before


def test_slider_thresholds_are_the_sidecar_calibration(dock, scene):
    import json

    from raresight.plugin.calibration import CalibrationTable

    post = add_raster(scene["post"], "post")
    dock.target_combo.setLayer(post)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    layer = detect(dock).layers[0]
    side = json.loads(Path(layer.source() + ".json").read_text())
    dock.slider.setValue(dock.rate_to_position(1e-2))
    expected = CalibrationTable.from_sidecar(side).threshold_for(1e-2)
    assert expected == pytest.approx(side["calibration"]["default_threshold"])
    transparency = layer.renderer().rasterTransparency()
    assert transparency.transparentSingleValuePixelList()[0].max == expected
    # a score tied at the threshold is hidden, as the mask leaves it out (score > threshold)
    assert transparency.alphaValue(expected) == 0
    assert transparency.alphaValue(expected + 1e-3 * abs(expected)) == 255
    assert f"above {expected:.4g}." in dock.threshold_label.text()


def test_export_polygons_adds_a_styled_vector_layer(dock, scene):
    post = add_raster(scene["post"], "post")
    dock.target_combo.setLayer(post)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    layer = detect(dock).layers[0]
    dock.slider.setValue(dock.rate_to_position(1e-3))
    rec = Recorder(dock)
    dock.export_polygons()
    wait_for(lambda: (rec.polygons or rec.failures) and dock.task is None, 60)
    assert not rec.failures, rec.failures
    polygons = rec.polygons[0]
    assert isinstance(polygons, QgsVectorLayer) and polygons.isValid()
    assert polygons.featureCount() >= 1
    names = polygons.fields().names()
    assert {"area_m2", "max_score", "mean_score", "false_alarm_rate", "method", "threshold"} <= set(names)
    assert polygons.crs() == layer.crs()
    assert Path(polygons.source().split("|")[0]).parent == Path(layer.source()).parent
    feature = next(polygons.getFeatures())
    assert feature["method"] == "rx"
    from raresight.plugin.styling import load_table

    # (stored to 5 significant digits; the rate is the one the slider showed)
    assert feature["threshold"] == pytest.approx(load_table(layer).threshold_for(1e-3), rel=1e-4)
    assert feature["false_alarm_rate"] == pytest.approx(1e-3, rel=0.05)
    assert polygons.name().startswith(f"Polygons of {layer.name()} (0.1\u00a0% false alarms, at least ")


def test_no_image_chosen_is_a_clear_message(dock, qgis_iface):
    dock.target_combo.setLayer(None)
    rec = Recorder(dock)
    dock.run_detection()
    assert rec.failures and "Choose the image" in rec.failures[0]
    assert dock.task is None


def test_bad_input_is_a_message_and_nothing_is_added(dock, scene, tmp_path):
    post = add_raster(scene["post"], "post")
    sar = add_raster(scene["sar"], "sar")
    dock.target_combo.setLayer(post)
    dock.reference_combo.setLayer(sar)  # 4 target bands vs 2 reference bands
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("cva"))
    before = set(QgsProject.instance().mapLayers())
    rec = detect(dock)
    assert rec.failures and not rec.layers
    # In the dock's words: no class name, the layers' roles, what to do.
    assert "BandMismatchError" not in rec.failures[0]
    assert "choose a reference from the same sensor" in rec.failures[0]
    assert set(QgsProject.instance().mapLayers()) == before
    assert not list((tmp_path / "results").glob("*.tif"))


def big_raster(tmp_path) -> Path:
    import rasters

    data = np.random.default_rng(1).normal(size=(6, 900, 900)).astype("float32")
    return rasters.write(tmp_path / "big.tif", data)


def test_cancel_stops_the_run_within_seconds(dock, tmp_path):
    layer = add_raster(big_raster(tmp_path), "big")
    dock.target_combo.setLayer(layer)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("lrx"))
    dock.tile_spin.setValue(128)
    rec = Recorder(dock)
    dock.run_detection()
    wait_for(lambda: dock.progress.value() > 3, 60)
    assert dock.cancel_button.isEnabled()
    start = time.monotonic()
    dock.cancel()
    wait_for(lambda: rec.ended and dock.task is None, 30)
    assert time.monotonic() - start < 6.0
    assert rec.failures and not rec.layers
    assert "cancelled" in rec.failures[0].lower()
    assert not list((tmp_path / "results").glob("*.tif"))
    assert dock.run_button.isEnabled() and not dock.cancel_button.isEnabled()


def test_killed_worker_leaves_qgis_working_and_the_next_run_succeeds(dock, scene, tmp_path):
    layer = add_raster(big_raster(tmp_path), "big")
    dock.target_combo.setLayer(layer)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("lrx"))
    dock.tile_spin.setValue(128)
    rec = Recorder(dock)
    dock.run_detection()
    wait_for(lambda: dock.progress.value() > 3, 60)
    pid = dock.client_factory().pid
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: rec.ended and dock.task is None, 30)
    assert rec.failures and "stopped unexpectedly" in rec.failures[0]
    assert not any(isinstance(x, QgsRasterLayer) for x in rec.layers)
    assert not list((tmp_path / "results").glob("*.tif")), "no output, not even a hidden partial file"
    assert not list((tmp_path / "results").glob(".*"))
    # QGIS is fine and the next run starts a fresh worker
    post = add_raster(scene["post"], "post")
    dock.target_combo.setLayer(post)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    again = detect(dock)
    assert again.layers and not again.failures
    assert dock.client_factory().pid != pid


def test_non_file_layer_is_written_to_a_temporary_geotiff(dock, scene, tmp_path):
    from raresight.plugin.layers import file_path, layer_to_path

    post = add_raster(scene["post"], "post")
    assert file_path(post) == str(scene["post"])
    uri = (
        f"?crs={post.crs().authid()}&extent={post.extent().toString().replace(' : ', ',').replace(',', ',')}"
        f"&width={post.width()}&height={post.height()}&formula=%22p@1%22%20*%202&p:uri={scene['post']}&p:provider=gdal"
    )
    virtual = QgsRasterLayer(uri, "virtual", "virtualraster")
    if not virtual.isValid():
        pytest.skip("the virtual raster provider is not available")
    assert file_path(virtual) is None
    out = layer_to_path(virtual, tmp_path / "tmp")
    assert Path(out).is_file() and Path(out).parent == tmp_path / "tmp"
    import rasterio

    with rasterio.open(out) as dst, rasterio.open(scene["post"]) as src:
        assert dst.crs == src.crs and dst.width == src.width and dst.height == src.height


def test_unload_removes_everything(plugin_package, qgis_iface):
    iface = Iface(qgis_iface)
    p = plugin_package.classFactory(iface)
    p.initGui()
    p.show_dock(True)
    assert QgsApplication.processingRegistry().providerById("raresight") is not None
    p.client().hello()
    assert p._client.running
    p.unload()
    assert QgsApplication.processingRegistry().providerById("raresight") is None
    assert not iface.menus and not iface.docks
    assert p._client is None


def test_messages_are_pushed_to_the_message_bar(dock, qgis_iface):
    dock.target_combo.setLayer(None)
    before = len(qgis_iface.messageBar().get_messages(Qgis.Warning))
    dock.run_detection()
    wait_for(lambda: len(qgis_iface.messageBar().get_messages(Qgis.Warning)) == before + 1, 5)


def test_method_parameters_reach_the_backend(dock, scene):
    import json

    post = add_raster(scene["post"], "post")
    dock.target_combo.setLayer(post)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    # the free text's tooltip names the parameters without a field of their own (rcond), not 30 defaults
    assert "rcond" in dock.params_edit.toolTip() and "fit_fraction" not in dock.params_edit.toolTip()
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("diffusion"))
    tip = dock.params_edit.toolTip()
    assert "hidden" in tip and "steps," not in tip and "noise" not in tip and "=" not in tip.split("</p>")[1]
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    dock.params_edit.setText("fit_fraction=0.5, rcond=1e-9")
    layer = detect(dock).layers[0]
    side = json.loads(Path(layer.source() + ".json").read_text())
    assert side["parameters"]["fit_fraction"] == 0.5 and side["parameters"]["rcond"] == 1e-9


def test_bad_method_parameters_are_clear_messages(dock, scene):
    post = add_raster(scene["post"], "post")
    dock.target_combo.setLayer(post)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    dock.params_edit.setText("fit_fraction")
    rec = Recorder(dock)
    dock.run_detection()
    assert rec.failures and "KEY=VALUE" in rec.failures[0] and dock.task is None
    dock.params_edit.setText("nonsense=1")
    rec = detect(dock)
    assert rec.failures and "Unknown parameter" in rec.failures[0]


# -- generative methods: the model row ------------------------------------------------------------

#: Training parameters of a micro generative model (seconds on a CPU, on the tiny test rasters).
MICRO = "steps=30, hidden=8, depth=1, components=3, batch=2, patch=16"


def test_model_row_shows_for_generative_methods_only(dock, scene, tmp_path):
    post = add_raster(scene["post"], "post")
    dock.target_combo.setLayer(post)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("diffusion"))
    assert dock.method_combo.currentData() == "diffusion"
    assert not dock.model_row.isHidden() and not dock.model_label.isHidden()
    assert dock.model_widget.isEnabled() and dock.train_button.isEnabled()
    assert dock.request_args()["params"] == {}  # no model chosen: trained on the fly
    model = tmp_path / "saved.safetensors"
    model.write_bytes(b"not checked by the dock")
    dock.model_widget.setFilePath(str(model))
    assert dock.request_args()["params"] == {"model": str(model)}

    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    assert dock.model_row.isHidden() and dock.model_label.isHidden()
    assert not dock.train_button.isEnabled()
    assert "model" not in dock.request_args()["params"]  # other methods never get it

    dock.method_combo.setCurrentIndex(dock.method_combo.findData("flow"))
    assert not dock.model_row.isHidden()
    model.unlink()
    rec = Recorder(dock)
    dock.run_detection()
    assert rec.failures and "does not exist" in rec.failures[0] and dock.task is None


def test_trainable_key_decides_which_methods_train(dock):
    """The method list's ``trainable`` key (plugin/methods.py) decides, not the parameter names."""
    from raresight.plugin.layers import LayerError

    base = {"summary": "s", "needs_reference": False, "uses_prompt": False}
    dock.set_methods(
        [
            {**base, "name": "keeps", "parameters": {"model": ""}, "trainable": False},
            {**base, "name": "trains", "parameters": {}, "trainable": True},
        ]
    )
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("keeps"))
    assert dock.model_row.isHidden() and not dock.train_button.isEnabled()
    with pytest.raises(LayerError, match="no model to train"):
        dock.fit_args()
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("trains"))
    assert not dock.model_row.isHidden() and dock.train_button.isEnabled()


def test_polygonize_request_uses_the_threshold_the_layer_shows(tmp_path):
    from raresight.plugin.dock.requests import polygonize_request

    score = str(tmp_path / "s.tif")
    by_rate = polygonize_request(score, 1e-3, None, 100)
    assert by_rate == {
        "score": score,
        "output": str(tmp_path / "s_polygons_far1e-03.gpkg"),
        "min_area_m2": 100.0,
        "false_alarm_rate": 1e-3,
    }
    (tmp_path / "s_polygons_far1e-03.gpkg").write_bytes(b"")
    by_threshold = polygonize_request(score, 1e-3, 0.5, 0)
    assert by_threshold["threshold"] == 0.5 and "false_alarm_rate" not in by_threshold
    assert by_threshold["output"].endswith("s_polygons_far1e-03_2.gpkg")  # never overwrites


def train(dock, timeout_s: float = 120.0) -> tuple[list, list]:
    trained, failures = [], []
    dock.modelTrained.connect(trained.append)
    dock.runFailed.connect(failures.append)
    dock.train_model()
    wait_for(lambda: (trained or failures) and dock.task is None, timeout_s)
    return trained, failures


@pytest.mark.slow
def test_train_model_fills_the_picker_and_the_detection_uses_it(dock, scene, tmp_path):
    import json

    post = add_raster(scene["post"], "post")
    dock.target_combo.setLayer(post)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("diffusion"))
    dock.params_edit.setText(MICRO)
    trained, failures = train(dock)
    assert not failures, failures
    model = Path(trained[0])
    assert model.parent == tmp_path / "results" and model.suffix == ".safetensors"
    assert model.name.startswith("raresight_diffusion_")
    assert model.is_file()
    card = json.loads(Path(str(model) + ".json").read_text())
    assert card["method"] == "diffusion" and card["training"]["steps"] == 30
    assert dock.model_widget.filePath() == str(model)
    assert dock.progress.value() == 100
    assert not list((tmp_path / "results").glob("*.tif")), "training adds no score"

    rec = detect(dock)
    assert not rec.failures, rec.failures
    side = json.loads(Path(rec.layers[0].source() + ".json").read_text())
    assert side["method"] == "diffusion"
    assert side["fit"]["model"] == str(model)  # scored with the saved model, not trained again


@pytest.mark.slow
def test_train_model_with_a_reference_learns_the_target_given_it(dock, scene):
    import json

    dock.target_combo.setLayer(add_raster(scene["post"], "post"))
    dock.reference_combo.setLayer(add_raster(scene["pre"], "pre"))
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("flow"))
    dock.params_edit.setText(MICRO)
    trained, failures = train(dock)
    assert not failures, failures
    card = json.loads(Path(trained[0] + ".json").read_text())
    assert card["method"] == "flow" and card["condition"] == "reference" and card["cond_bands"] == 4


@pytest.mark.slow
def test_train_model_cancel_leaves_no_model(dock, scene, tmp_path):
    dock.target_combo.setLayer(add_raster(scene["post"], "post"))
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("diffusion"))
    dock.params_edit.setText(MICRO.replace("steps=30", "steps=1000000"))
    trained, failures = [], []
    dock.modelTrained.connect(trained.append)
    dock.runFailed.connect(failures.append)
    dock.train_model()
    assert dock.task is not None and dock.cancel_button.isEnabled()
    assert not dock.train_button.isEnabled() and not dock.run_button.isEnabled()
    wait_for(lambda: dock.task is None or dock.task.stage == "training", 60)
    assert dock.task is not None, "the training ended before it was cancelled"
    wait_for(lambda: dock.task is None or "about" in dock.stage_label.text(), 30)
    assert dock.stage_label.text().startswith("Training: about "), "the stage and its time left are shown"
    dock.cancel()
    wait_for(lambda: (trained or failures) and dock.task is None, 60)
    assert dock.stage_label.text() == ""
    assert not trained and failures and "cancelled" in failures[0].lower()
    assert not dock.model_widget.filePath()
    assert not list((tmp_path / "results").glob("*safetensors*"))
    assert dock.train_button.isEnabled() and dock.run_button.isEnabled()


def test_train_model_refuses_a_method_without_a_model(dock, scene):
    dock.target_combo.setLayer(add_raster(scene["post"], "post"))
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    rec = Recorder(dock)
    dock.train_model()
    assert rec.failures and "diffusion" in rec.failures[0] and dock.task is None


def test_key_parameters_have_fields_and_only_changes_are_sent(dock, scene):
    post = add_raster(scene["post"], "post")
    dock.target_combo.setLayer(post)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))
    spin = dock.key_params["fit_fraction"]  # shown as a percentage
    assert spin.value() == 100.0 and spin.toolTip().endswith("Default: 100 %.")
    assert "fit_fraction" not in dock.request_args()["params"]  # untouched: the backend's default
    spin.setValue(50)
    assert dock.request_args()["params"]["fit_fraction"] == "0.5"
    dock.params_edit.setText("fit_fraction=0.7")  # the free text overrides the field
    assert dock.request_args()["params"]["fit_fraction"] == "0.7"
    dock.params_edit.setText("")
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("diffusion"))
    assert set(dock.key_params) == {"steps", "time_budget_s"}
    dock.key_params["steps"].setValue(800)
    assert dock.request_args()["params"]["steps"] == "800"
    assert not dock.key_params["steps"].isHidden() and dock.key_param_box.isVisibleTo(dock)


def test_a_change_method_cannot_start_without_a_reference(dock, scene):
    post = add_raster(scene["post"], "post")
    dock.target_combo.setLayer(post)
    dock.reference_combo.setLayer(None)
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("cva"))
    assert not dock.run_button.isEnabled()
    assert "choose the pre-event image as Reference" in dock.run_button.toolTip()
    assert dock.reference_label.text() == "Reference (pre-event, required)"
    rec = Recorder(dock)
    dock.run_detection()  # (e.g. from a script): refused with the same words, nothing started
    assert rec.failures and "choose the pre-event image as Reference" in rec.failures[0]
    assert dock.task is None
    dock.reference_combo.setLayer(add_raster(scene["pre"], "pre"))
    assert dock.run_button.isEnabled()


def test_a_map_made_without_the_encoder_says_how_to_provide_it(dock, qgis_iface):
    before = len(qgis_iface.messageBar().get_messages(Qgis.Warning))
    dock._backend_log("warning", "Scoring without the pretrained encoder expert: download failed ([Errno -3]) from https://x")
    wait_for(lambda: len(qgis_iface.messageBar().get_messages(Qgis.Warning)) == before + 1, 5)
    text = qgis_iface.messageBar().get_messages(Qgis.Warning)[-1]
    assert "Advanced settings > Encoder weights" in text and "Errno" not in text and "--param" not in text
    dock.advanced.setCollapsed(True)
    dock.show_encoder_setting()
    assert not dock.advanced.isCollapsed()
    dock.encoder_widget.setFilePath(str(ROOT))
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("diffusion"))
    assert f"encoder={ROOT}" in dock._params_text(dock.current_method())
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("rx"))  # rx takes no encoder
    assert "encoder=" not in dock._params_text(dock.current_method())
    dock.encoder_widget.setFilePath("")
