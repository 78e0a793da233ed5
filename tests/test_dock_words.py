"""What the dock says, checked against what the backend really says: backend errors and warnings
become the dock's own words (no class names, no command-line flags), every method is worded and
grouped by task, numbers follow the locale, pre/post layers are ordered by date, and a prompt
map's slider sits exactly on the method's threshold."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.qgis

pytest.importorskip("qgis.core", reason="QGIS Python bindings not available")
import rasterio  # noqa: E402
import rasters  # noqa: E402
from qgis.core import QgsProject, QgsRasterLayer  # noqa: E402
from rasterio.errors import NotGeoreferencedWarning  # noqa: E402

from backend.errors import RareSightError  # noqa: E402

FLAG = re.compile(r"(?<![\w-])--[a-z]")


@pytest.fixture()
def words(plugin_package):
    from raresight.plugin import backend_text

    return backend_text


def backend_error(call) -> RareSightError:
    with pytest.raises(RareSightError) as info:
        call()
    return info.value


def refused_requests(tmp_path: Path) -> list[RareSightError]:
    """Real backend refusals of requests an analyst can make from the dock."""
    from backend.detectors import create_detector
    from backend.request import ScoreRequest
    from backend.scoring import score_to_file

    post = rasters.write(tmp_path / "post.tif", rasters.optical())
    sar = rasters.write(tmp_path / "sar.tif", rasters.sar())
    out = tmp_path / "out.tif"
    return [
        backend_error(lambda: score_to_file(ScoreRequest([str(post)], [], "cva", {}), out)),
        backend_error(lambda: score_to_file(ScoreRequest([str(post)], [str(sar)], "cva", {}), out)),
        backend_error(lambda: create_detector("rx", {"no_such": "1"})),
        backend_error(lambda: create_detector("diffusion", {"steps": "many"})),
        backend_error(lambda: score_to_file(ScoreRequest([str(tmp_path / "gone.tif")], [], "rx", {}), out)),
        backend_error(lambda: score_to_file(ScoreRequest([str(post), str(sar)], [str(post)], "cva", {}), out)),
        backend_error(lambda: score_to_file(ScoreRequest([str(not_a_raster(tmp_path))], [], "rx", {}), out)),
        backend_error(lambda: score_to_file(ScoreRequest([str(post)], [], "rx", {}), tmp_path / "no" / "s.tif")),
    ]


def not_a_raster(tmp_path: Path) -> Path:
    path = tmp_path / "notes.tif"
    path.write_text("not a raster")
    return path


def test_backend_refusals_get_the_docks_own_words(words, tmp_path):
    errors = refused_requests(tmp_path)
    notes = [words.error_note(type(e).__name__, str(e), "Detection failed") for e in errors]
    for error, note in zip(errors, notes):
        # a text of its own (not the backend's wording), no class name, no flag, details kept
        assert note.text != words.for_the_dock(str(error)), str(error)
        assert type(error).__name__ not in note.text and not FLAG.search(note.text), note.text
        assert note.details == str(error)
    assert "choose the pre-event image as Reference" in notes[0].text
    assert "choose a reference from the same sensor" in notes[1].text
    assert "Unknown parameter no_such in Other parameters" in notes[2].text
    assert notes[3].text.startswith("The parameter steps='many' is not valid")
    assert "no longer exists" in notes[4].text
    assert notes[5].text.startswith("2 image(s) but 1 reference(s): choose one reference per image")
    assert "export it as a GeoTIFF" in notes[6].text
    assert "choose another Output folder" in notes[7].text


def test_in_a_translated_language_unknown_backend_words_stay_behind_details(words):
    from qgis.core import QgsSettings

    settings = QgsSettings()
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "fr_FR")
    try:
        message = "Something new the dock does not know, with --tile-size."
        note = words.error_note("InputError", message, "T")
        assert message not in note.text and note.details == message  # (the text is translated)
        assert words.warning_note(message).details == message and message not in words.warning_note(message).text
    finally:
        settings.remove("locale/overrideFlag")
        settings.remove("locale/userLocale")


def test_other_messages_name_the_docks_controls(words):
    note = words.error_note(
        "InputError", "Give the pre-event raster(s) with --reference, or --param encoder=FOLDER.", "T"
    )
    assert not FLAG.search(note.text)
    assert "the Reference box" in note.text and "Advanced settings > Encoder weights" in note.text
    internal = words.error_note("InternalError", "Internal error (KeyError: 'x'); see the backend log.", "T")
    assert "KeyError" not in internal.text and internal.details.startswith("Internal error")


def test_backend_warnings_get_the_docks_own_words(words):
    from backend.calibration import tie_warning
    from backend.pretrained.weights import WeightsError

    samples = np.r_[np.zeros(900), np.linspace(1, 2, 100)]
    messages = [
        "Some inputs are not georeferenced: they are assumed to share the first target's pixel grid.",
        "Score raster /x/s.tif has no CRS: areas and tolerances are in pixels.",
        tie_warning(samples, 0.0, 0.5),
        "The target and the reference are identical: nothing changed, so nothing is flagged.",
    ]
    for message in messages:
        assert message is not None
        note = words.warning_note(message)
        assert note.text != message and note.details == message, message
    encoder = words.warning_note(f"Scoring without the pretrained encoder expert: {WeightsError('offline')}")
    assert encoder.action == words.OPEN_ENCODER_SETTING
    assert "Advanced settings > Encoder weights" in encoder.text and "errno" not in encoder.text


def test_every_method_is_worded_and_grouped(plugin_package):
    from raresight.plugin.catalogue import CHANGE, PROMPT, SINGLE, key_parameters, task_of, wording
    from raresight.plugin.methods import bundled_methods

    methods = bundled_methods()
    for method in methods:
        words = wording(method)
        assert words.title != method["name"] and words.short and words.score, method["name"]
        for parameter in key_parameters(method):
            assert parameter.name in method["parameters"]
            float(method["parameters"][parameter.name])  # a number the spin box can hold
    tasks = {m["name"]: task_of(m) for m in methods}
    assert tasks["cva"] == tasks["logratio"] == tasks["gauss-ref"] == CHANGE
    assert tasks["rx"] == tasks["diffusion"] == SINGLE
    assert tasks["spectral"] == tasks["clip"] == PROMPT


def test_numbers_follow_the_locale(plugin_package):
    from qgis.PyQt.QtCore import QLocale
    from raresight.plugin.numbers import number_text, rate_text

    before = QLocale()
    try:
        QLocale.setDefault(QLocale("fr_FR"))
        assert number_text(81.2345) == "81,23"
        assert number_text(17122.3).replace("\u202f", " ").replace("\u00a0", " ") == "17 122"
        assert rate_text(0.001) == "0,1\u00a0%"
        QLocale.setDefault(QLocale("en_US"))
        assert number_text(81.2345) == "81.23" and number_text(0.0) == "0"
        assert rate_text(0.01) == "1\u00a0%"
    finally:
        QLocale.setDefault(before)


def dated_raster(path: Path, date: str | None) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", driver="GTiff", width=8, height=8, count=2, dtype="float32") as dst:
            dst.write(np.ones((2, 8, 8), np.float32))
            if date:
                dst.update_tags(ACQUISITION_DATE=date)
    return path


def test_pre_and_post_are_ordered_by_date(plugin_package, qgis_new_project, tmp_path):
    from raresight.plugin.dock.inputs import acquisition_date, propose_inputs

    post = QgsRasterLayer(str(dated_raster(tmp_path / "b.tif", "2024-02-05")), "b", "gdal")
    pre = QgsRasterLayer(str(dated_raster(tmp_path / "a.tif", "2024-01-10T10:22:00Z")), "a", "gdal")
    named = QgsRasterLayer(str(dated_raster(tmp_path / "S1_20231201_x.tif", None)), "S1", "gdal")
    undated = QgsRasterLayer(str(dated_raster(tmp_path / "c.tif", None)), "c", "gdal")
    assert str(acquisition_date(named)) == "2023-12-01" and acquisition_date(undated) is None
    proposal = propose_inputs([pre, post])  # loaded pre first
    assert proposal.target is post and proposal.reference is pre and "2024-01-10" in proposal.note
    unsure = propose_inputs([undated, post])
    assert unsure.target is None and unsure.reference is None and "could not be read" in unsure.note
    assert propose_inputs([post]).note == ""


def test_a_prompt_maps_slider_sits_on_the_methods_threshold(plugin_package, qgis_new_project, tmp_path):
    from raresight.plugin.calibration import CalibrationTable
    from raresight.plugin.dock.results import PromptScale

    path = tmp_path / "margin.tif"
    rasters.write(path, np.linspace(-1.37, 0.41, 64 * 64, dtype=np.float32).reshape(1, 64, 64))
    layer = QgsRasterLayer(str(path), "m", "gdal")
    QgsProject.instance().addMapLayer(layer)
    rates = [0.5, 0.3, 0.1, 0.01, 1e-3]
    table = CalibrationTable.from_sidecar(
        {
            "calibration": {
                "false_alarm_rates": rates,
                "thresholds": [-0.48, -0.12, 0.23, 0.39, 0.409],
                "physical_threshold": 0.0,
            }
        }
    )
    from raresight.plugin import styling

    styling.measure_scene(layer)
    scale = PromptScale(table, layer)
    assert scale.score(scale.home) == 0.0  # exactly the method's threshold
    assert scale.score(0) <= -0.48 + scale.step and scale.score(scale.top) >= 0.40
    assert abs(scale.score(scale.home + 1) - scale.score(scale.home) - scale.step) < 1e-12
    assert table.rate_for(0.23) == pytest.approx(0.1) and 0.1 < table.rate_for(0.0) < 0.3


def test_ramp_spans_the_threshold_to_the_scenes_top(plugin_package, qgis_new_project, tmp_path):
    from raresight.plugin import styling
    from raresight.plugin.calibration import CalibrationTable

    path = tmp_path / "s.tif"
    values = np.concatenate([np.linspace(0, 10, 4000), np.full(96, 1000.0)]).astype(np.float32)
    rasters.write(path, values.reshape(1, 64, 64))
    layer = QgsRasterLayer(str(path), "s", "gdal")
    table = CalibrationTable.from_sidecar(
        {"calibration": {"false_alarm_rates": [1e-5, 1e-2, 1e-1], "thresholds": [900.0, 9.9, 9.0]}}
    )
    threshold = styling.style_score_layer(layer, table, 1e-1, meaning="squared distance")
    renderer = layer.renderer()
    assert threshold == 9.0 and renderer.classificationMin() == 9.0
    assert renderer.classificationMax() == pytest.approx(
        1000.0, rel=1e-3
    )  # (a histogram) the scene's top 0.1 %, not the table's 1e-5
    labels = [item.label for item in renderer.shader().rasterShaderFunction().colorRampItemList()]
    assert labels[0] == "above 9: threshold, 10\u00a0% false alarms"
    assert labels[-1].endswith("(top 0.1\u00a0% of the scene)")
    styling.set_threshold(layer, table, 1e-2)  # the slider: the ramp follows the threshold
    assert layer.renderer().classificationMin() == 9.9
    # the legend's heading names what the score measures (instead of "Band 1: ...")
    from qgis.core import QgsLayerTreeModel, QgsMapLayerLegendUtils

    QgsProject.instance().addMapLayer(layer)
    node = QgsProject.instance().layerTreeRoot().findLayer(layer.id())
    styling.name_legend(layer, node)
    assert QgsMapLayerLegendUtils.legendNodeUserLabel(node, 0) == "Score: squared distance"
    model = QgsLayerTreeModel(QgsProject.instance().layerTreeRoot())
    shown = [n.data(0) for n in model.layerLegendNodes(node, True)]
    assert shown[:2] == ["Score: squared distance", "above 9.9: threshold, 1\u00a0% false alarms"]
