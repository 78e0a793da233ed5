"""The dock an analyst trusts at a glance, in the real QGIS desktop under Xvfb: each scenario of
scripts/gui_session.py runs once (a dated georeferenced pair, the same pair without georeferencing,
a prompt map, a cancel followed by a run, the French interface) and its report is checked for what
an analyst sees: where results land, what the legend and labels say, the status line, the
messages, the layout and the language."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from test_gui import ROOT, run_session

pytestmark = [
    pytest.mark.qgis,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("qgis") is None, reason="the QGIS desktop (qgis) is not installed"),
    pytest.mark.skipif(
        shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (apt-get install xvfb xauth)"
    ),
    pytest.mark.skipif(
        not (ROOT / ".venv" / "bin" / "python").is_file(), reason="backend venv missing (scripts/setup.sh)"
    ),
]

SCENARIOS = {"change": ("change", "en_US"), "nogeo": ("nogeo", "en_US"), "prompt": ("prompt", "en_US"),
             "cancel": ("cancel", "en_US"), "french": ("sample", "fr_FR")}  # fmt: skip
NBSP = "\u00a0"
#: "HH:MM · " the status line starts with the time its last run ended.
STATUS = re.compile(r"^\d\d:\d\d · ")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict:
    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in cache:
            scenario, locale = SCENARIOS[name]
            cache[name] = run_session(tmp_path_factory.mktemp(name), scenario, locale)["report"]
        return cache[name]

    return get


def french(source: str) -> str:
    for message in ET.parse(ROOT / "i18n" / "raresight_fr.ts").getroot().iter("message"):
        if message.findtext("source") == source:
            return message.findtext("translation") or ""
    raise KeyError(source)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_layout_status_and_messages(reports, name):
    """Every scenario: the dock keeps its width, no blank gaps, every control has a tooltip, the
    status line follows the last run, the stage shows from the first moment, and QGIS's own task
    notices do not sit on top of the dock's messages."""
    report = reports(name)
    checks = report["checks"]
    before, after = checks["layout_before"], checks["layout_after"]
    assert after["width"] <= before["width"] + 2, (before["width"], after["width"])
    assert after["gaps"] == [] and before["gaps"] == [], (before["gaps"], after["gaps"])
    assert after["untipped"] == [] and before["untipped"] == [], (before["untipped"], after["untipped"])
    assert STATUS.match(report["status_label"]), report["status_label"]
    first = checks["samples"][0]
    assert first["t"] < 0.5 and first["stage"] and first["busy"], checks["samples"][:3]
    assert not [m for m in report.get("message_bar") or [] if m["title"] in ("Task complete", "Task failed")]
    for message in report["messages"]:
        assert not re.search(r"\(\w+Error\)|(?<![\w-])--[a-z]", message["text"]), message


def test_change_pair_is_ordered_by_date_and_styled_by_what_shows(reports):
    report = reports("change")
    checks = report["checks"]
    proposal = checks["proposal"]
    assert proposal["target"] == proposal["expected_target"] == "S2_geo_post"  # loaded second
    assert proposal["reference"] == proposal["expected_reference"] == "S2_geo_pre"
    assert proposal["hint_visible"] and "2024-01-10" in proposal["hint"]
    box = checks["method_box"]
    assert box[0] == {"text": "Changes between two dates", "code": None}  # a header, not a method
    assert {"text": "   Change vector (optical) (cva)", "code": "cva"} in box
    style = checks["style"]
    low, high = style["classification"]
    assert low == style["threshold"] and high > low  # the ramp starts at the threshold
    assert style["heading"] == "Score: change magnitude (standard deviations)"
    assert re.fullmatch(rf"above [\d.]+: threshold, 10{NBSP}% false alarms", style["legend"][0]), style[
        "legend"
    ]
    assert style["legend"][-1].endswith(f"(top 0.1{NBSP}% of the scene)")
    name = report["score_layer"]["name"]
    assert re.fullmatch(r"CVA: S2_geo_post vs S2_geo_pre \(\d\d:\d\d\)", name), name
    polygons = report["polygon_layer"]["name"]
    assert polygons.startswith(f"Polygons of {name} (10{NBSP}% false alarms, at least 2000 m²)"), polygons
    extent = checks["extent"]
    assert extent["inside"] and extent["polygon_crs_valid"], extent
    assert {"area_m2", "false_alarm_rate", "max_score"} <= set(extent["fields"])


def test_pair_without_georeferencing_lands_on_the_raster(reports):
    report = reports("nogeo")
    checks = report["checks"]
    assert checks["proposal"]["target"] == "S2_plain_20240205"  # dates from the names
    extent = checks["extent"]
    assert extent["inside"], extent  # not mirrored in y, not above the image
    assert not extent["polygon_crs_valid"] and not extent["raster_crs_valid"]
    low, _, high, top = extent["raster_extent"]
    assert top == 0.0 and extent["polygon_extent"][1] < 0.0  # QGIS's pixel convention: y = -row
    assert "area_px" in extent["fields"] and "area_m2" not in extent["fields"]
    assert checks["texts"]["min_area_suffix"] == " px"
    assert "px)" in report["polygon_layer"]["name"]
    texts = [m["text"] for m in report["messages"]] + [entry["message"] for entry in report["log"]]
    assert not [t for t in texts if "No transform available" in t]


def test_prompt_map_speaks_its_own_terms(reports):
    report = reports("prompt")
    checks = report["checks"]
    assert checks["texts"]["slider_label"] == "Threshold"
    label = report["threshold_label"]
    assert label.startswith("Showing pixels above 0: ") and "of the scene" in label, label
    assert "This is the method's own threshold." in label and "false-alarm" not in label.lower()
    assert checks["style"]["legend"][0] == "above 0: the method's threshold"
    assert checks["style"]["heading"].startswith("Score: margin of the index rule")
    assert "\u201cflooded area\u201d" in report["score_layer"]["name"]
    assert "above 0" in report["polygon_layer"]["name"]
    assert checks["style"]["abstract"].startswith('RareSight prompt map for "flooded area"')


def test_cancel_is_not_a_failure_and_the_next_run_takes_over(reports):
    report = reports("cancel")
    after = report["checks"]["after_cancel"]
    assert after["seconds"] < 10
    assert "Last run: cancelled; nothing was added." in after["status"]
    assert after["score_layers"] == []
    cancelled = [m for m in after["messages"] if m["title"] == "Cancelled"]
    assert cancelled and all(m["level"] == 0 for m in cancelled)  # information, not critical
    assert not [m for m in after["messages"] if m["level"] == 2 or m["title"] == "Task failed"]
    stages = {s["stage"] for s in report["checks"]["samples_before_cancel"]}
    assert "Starting the backend…" in stages or "Starting…" in stages
    assert report["checks"]["cancelled_at_stage"] not in ("", "Starting…")  # the stage was shown
    assert "Last run: RX: Sentinel-1 VV/VH (dB) (" in report["status_label"]  # not "Cancelled"


def test_french_interface_and_numbers(reports):
    report = reports("french")
    checks = report["checks"]
    assert checks["texts"]["run_button"] == french("Detect anomalies") != "Detect anomalies"
    assert checks["texts"]["method_help"] == french(
        "Pixels far from the scene's usual spectra (Mahalanobis distance to the scene's mean and covariance). Fast; a classical baseline."
    )
    label = report["threshold_label"]
    assert label.startswith(f"Taux de fausses alarmes 10{NBSP}% : ") and re.search(r"\d,\d", label), label
    assert checks["style"]["heading"] == french("Score: {meaning}").format(
        meaning=french("squared Mahalanobis distance (no unit)")
    )
    assert re.search(r"\d,\d", checks["style"]["legend"][1])
    titles = {m["title"] for m in report["messages"]}
    assert french("Detection finished") in titles and "Detection finished" not in titles
    assert checks["style"]["abstract"].startswith(
        french("RareSight anomaly score: higher means more anomalous; no data where the score is empty.")
    )
    assert "Mahalanobis distance" not in checks["style"]["abstract"]  # no English sentence in it
    assert (
        STATUS.match(report["status_label"])
        and french("Last run: {name}, finished in {time}.").split("{")[0] in report["status_label"]
    )
