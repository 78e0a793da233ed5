"""The plugin in the real QGIS desktop: scripts/screenshot.sh starts ``qgis`` under Xvfb with a
throw-away profile, and scripts/gui_session.py drives the RareSight dock on the embedded sample
(detection, slider, polygon export) and writes a report and a screenshot, here into tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.qgis,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("qgis") is None, reason="the QGIS desktop (qgis) is not installed"),
    pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (apt-get install xvfb xauth)"),
    pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "python").is_file(), reason="backend venv missing (scripts/setup.sh)"),
]


def png_stats(path: Path) -> tuple[int, int, float]:
    """Width, height and the standard deviation of the grey levels of a PNG."""
    try:
        from PIL import Image
    except ImportError:
        Image = None  # noqa: N806
    if Image is not None:
        with Image.open(path) as image:
            grey = image.convert("L")
            values = list(grey.resize((grey.width // 4, grey.height // 4)).getdata())
            width, height = image.size
    else:
        from qgis.PyQt.QtGui import QImage, qGray

        image = QImage(str(path))
        assert not image.isNull(), f"{path} is not a readable image"
        width, height = image.width(), image.height()
        values = [qGray(image.pixel(x, y)) for y in range(0, height, 4) for x in range(0, width, 4)]
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    return width, height, std


def run_session(tmp: Path, scenario: str = "sample", locale: str = "en_US") -> dict:
    """One scripted QGIS session: its report, screenshot and work folder."""
    shot, report = tmp / "qgis_plugin.png", tmp / "report.json"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.setdefault("RARESIGHT_GUI_TIMEOUT", "120")
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "screenshot.sh"), "--output", str(shot), "--report", str(report),
         "--workdir", str(tmp / "work"), "--scenario", scenario, "--locale", locale],
        capture_output=True, text=True, timeout=240, env=env, cwd=str(ROOT),
    )  # fmt: skip
    data = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else None
    assert data is not None, f"no report written\n{proc.stdout}\n{proc.stderr}"
    assert data["failure"] is None, f"{data['failure']}\n{json.dumps(data, indent=1)[:6000]}\n{proc.stderr}"
    return {"proc": proc, "report": data, "shot": shot, "work": tmp / "work"}


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> dict:
    """The README's session (rx on the sample's SAR image, slider, polygons)."""
    return run_session(tmp_path_factory.mktemp("gui"))


def test_session_succeeds(session):
    proc, report = session["proc"], session["report"]
    assert report is not None, f"no report written\n{proc.stdout}\n{proc.stderr}"
    assert report["failure"] is None, f"{report['failure']}\n{json.dumps(report, indent=1)}\n{proc.stderr}"
    assert report["ok"] is True
    assert proc.returncode == 0, proc.stderr


def test_plugin_and_dock(session):
    report = session["report"] or pytest.fail("no report")
    assert report["plugin_loaded"] and report["plugin_active"]
    assert report["action_found"], "toolbar action RareSightAction not found"
    assert report["dock_visible"]
    assert report["backend_status"].startswith("Backend: RareSight"), report["backend_status"]
    assert "Last run: RX: Sentinel-1 VV/VH (dB) (" in report["status_label"], report["status_label"]
    assert report["method"] == "rx"


def test_score_layer_and_polygons(session):
    report = session["report"] or pytest.fail("no report")
    score = report.get("score_layer")
    assert score is not None, "no score layer added"
    assert score["renderer_type"] == "singlebandpseudocolor"
    assert score["in_project"]
    assert Path(score["source"]).is_file()
    assert Path(score["source"] + ".json").is_file(), "calibration sidecar missing"
    assert float(score["rate_property"]) == pytest.approx(0.1, rel=1e-3)
    assert report["slider_enabled"]
    assert report["threshold_label"].startswith("False-alarm rate 10\u00a0%: showing scores above "), report["threshold_label"]
    polygons = report.get("polygon_layer")
    assert polygons is not None, "no polygon layer added"
    assert polygons["features"] > 0
    titles = [m["title"] for m in report["messages"]]
    assert "Detection finished" in titles and "Polygons exported" in titles, titles
    # Qgis.MessageLevel: Info 0, Warning 1, Critical 2, Success 3.
    assert not [m for m in report["messages"] if m["level"] in (1, 2, -1)], report["messages"]


def test_clean_exit(session):
    """QGIS unloaded the plugin when it quit (the dock's temp folder is gone) and logged no Python error."""
    report = session["report"] or pytest.fail("no report")
    temp_dir = report.get("dock_temp_dir")
    assert temp_dir and not Path(temp_dir).exists(), f"{temp_dir} left behind: the plugin was not unloaded"
    assert not [e for e in report["log"] if e["tag"] == "Python error"], report["log"]
    log = (session["work"] / "qgis.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]


def test_screenshot(session):
    shot = session["shot"]
    assert shot.is_file(), "screenshot not copied"
    width, height, std = png_stats(shot)
    assert width >= 1000 and height >= 600, (width, height)
    assert std > 10.0, f"screenshot looks uniform (grey-level std {std:.1f})"
