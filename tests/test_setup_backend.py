"""The Qt-free backend set-up (plugin/setup_backend): profiles, the Python it picks, the install
command, cancel, the messages for network failures, and a real ``core`` set-up into a fresh venv
without system site packages that then scores like the development environment."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import rasterio

from plugin.setup_backend import installer, paths, profiles
from plugin.setup_backend.installer import SetupCancelledError, SetupError, SetupOptions

ROOT = Path(__file__).resolve().parents[1]


def test_profiles_stack_and_pin_every_requirement():
    core = profiles.requirement_lines("core")
    generative = profiles.requirement_lines("generative")
    clip = profiles.requirement_lines("clip")
    assert generative[: len(core)] == core and clip[: len(generative)] == generative
    assert {r.split("==")[0] for r in core} >= {"numpy", "scipy", "rasterio", "pyogrio", "shapely", "pyproj"}
    assert not any(r.startswith(("torch", "onnx")) for r in core)
    assert all("==" in r for r in clip)  # pinned: the same environment everywhere
    cuda = profiles.requirement_lines("generative", "cuda")
    assert "onnxruntime-gpu==1.32.0" in cuda and not any(r.startswith("onnxruntime==") for r in cuda)
    assert profiles.requirements_hash("core") != profiles.requirements_hash("generative")
    with pytest.raises(ValueError, match="Unknown profile"):
        profiles.requirement_lines("everything")


def test_requirements_hash_changes_with_the_pins(tmp_path):
    for name in ("core.txt", "generative.txt", "clip.txt"):
        (tmp_path / name).write_text((profiles.REQUIREMENTS_DIR / name).read_text())
    before = profiles.requirements_hash("core", folder=tmp_path)
    (tmp_path / "core.txt").write_text((tmp_path / "core.txt").read_text().replace("scipy==", "scipy==0"))
    assert profiles.requirements_hash("core", folder=tmp_path) != before


def test_the_environment_lives_outside_the_plugin_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.HOME_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if sys.platform.startswith("linux"):
        assert paths.backend_venv() == tmp_path / "data" / "RareSight" / "venv"
    assert ROOT not in paths.backend_venv().parents
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "elsewhere"))
    assert paths.backend_venv() == tmp_path / "elsewhere" / "venv"
    assert paths.read_stamp(tmp_path) is None
    paths.write_stamp(tmp_path, {"profile": "core"})
    assert paths.read_stamp(tmp_path) == {"profile": "core"}


def test_find_python_takes_a_good_one_and_refuses_a_bad_configured_one(tmp_path):
    assert installer.find_python(sys.executable, log=lambda line: None) == sys.executable
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 2.7\n")
    fake.chmod(0o755)
    with pytest.raises(SetupError, match="not Python 3.10"):
        installer.find_python(str(fake), log=lambda line: None)
    assert installer.python_candidates(None)  # QGIS's own Python, python3 on the PATH


def test_install_command_uses_the_index_or_wheelhouse_given(tmp_path, monkeypatch):
    monkeypatch.setattr(installer, "_torch_index", lambda options: None)
    base = SetupOptions(venv=tmp_path)
    pip = installer.install_command("py", base)
    assert pip[:4] == ["py", "-m", "pip", "install"] and "numpy==2.2.6" in pip
    wheels = installer.install_command("py", SetupOptions(venv=tmp_path, wheelhouse=tmp_path / "w"))
    assert ["--no-index", "--find-links", str(tmp_path / "w")] == wheels[wheels.index("--no-index") :][:3]
    mirror = installer.install_command("py", SetupOptions(venv=tmp_path, index_url="https://mirror/simple"))
    assert "--index-url" in mirror and "https://mirror/simple" in mirror
    uv = installer.install_command("py", base, uv="/bin/uv")
    assert uv[:5] == ["/bin/uv", "pip", "install", "--python", "py"]


@pytest.mark.parametrize(
    "output,says",
    [
        ("pip._vendor.urllib3.exceptions.SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate", "SSL check"),
        ("ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 407 Proxy Authentication'))", "proxy"),
        ("Failed to establish a new connection: [Errno -3] Temporary failure in name resolution", "cannot be reached"),
        ("ERROR: No matching distribution found for numpy==2.2.6", "not available for this Python"),
        ("Error: Command '-m', 'ensurepip' returned non-zero exit status 1. ensurepip is not available", "python3-venv"),
    ],
)  # fmt: skip
def test_network_failures_become_one_message_that_says_what_to_do(output, says):
    message = installer.explain(["Collecting numpy==2.2.6", output])
    assert message is not None and says in message
    assert not any(raw in message for raw in ("Errno", "urllib3", "pip._vendor", "OSError"))


def test_unknown_failures_are_left_to_the_last_error_line():
    assert installer.explain(["something else went wrong"]) is None


def test_cancel_stops_the_installer_promptly():
    started = time.monotonic()
    with pytest.raises(SetupCancelledError, match="resumes"):
        installer.run_logged(
            [sys.executable, "-c", "import time; print('working', flush=True); time.sleep(60)"],
            log=lambda line: None,
            cancelled=lambda: time.monotonic() - started > 1.0,
        )
    assert time.monotonic() - started < 15


def test_a_failing_command_raises_with_its_error_line():
    with pytest.raises(SetupError, match="ERROR: nothing to do"):
        installer.run_logged(
            [sys.executable, "-c", "import sys; print('ERROR: nothing to do'); sys.exit(3)"],
            log=lambda line: None,
            cancelled=lambda: False,
        )


@pytest.mark.slow
def test_core_profile_set_up_from_the_index_scores_like_the_dev_environment(tmp_path):
    """A fresh venv without system site packages, the core profile from pip's configured index,
    the worker's hello, then the CLI on the embedded sample: the same scores as here."""
    venv = tmp_path / "venv"
    lines: list[str] = []
    base = "/usr/bin/python3" if Path("/usr/bin/python3").is_file() else sys.executable
    hello = installer.set_up(SetupOptions(venv=venv, profile="core", python=base), log=lines.append)
    assert hello["rasterio"] and hello["gdal"] and hello["devices"] == ["cpu"]
    python = paths.venv_python(venv)
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    # Nothing from the system: no QGIS bindings, no Debian GDAL bindings.
    probe = (
        "import importlib.util as u; print(u.find_spec('osgeo'), u.find_spec('qgis'), u.find_spec('torch'))"
    )
    assert (
        subprocess.run([python, "-c", probe], capture_output=True, text=True).stdout.split() == ["None"] * 3
    )
    stamp = paths.read_stamp(venv)
    assert stamp["profile"] == "core" and stamp["requirements"] == profiles.requirements_hash("core")
    sample = ROOT / "resources" / "sample" / "s2.tif"
    outs = {}
    for name, py in (("fresh", str(python)), ("dev", sys.executable)):
        out = tmp_path / f"{name}.tif"
        cmd = [py, "-m", "backend", "score", str(sample), "-o", str(out), "--method", "rx"]
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        polygons = tmp_path / f"{name}.gpkg"
        cmd = [py, "-m", "backend", "polygonize", str(out), "-o", str(polygons)]
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        with rasterio.open(out) as ds:
            outs[name] = ds.read(1)
    np.testing.assert_allclose(outs["fresh"], outs["dev"], rtol=1e-5, equal_nan=True)
    from osgeo import ogr

    counts = {}
    for name in outs:
        source = ogr.Open(str(tmp_path / f"{name}.gpkg"))
        layer = source.GetLayerByName("anomalies")
        counts[name] = (layer.GetFeatureCount(), round(sum(f.GetField("area_m2") for f in layer), 3))
        source = None
    assert counts["fresh"] == counts["dev"] and counts["dev"][0] > 0
    # A rerun resumes: nothing to download, the same environment.
    again = installer.set_up(SetupOptions(venv=venv, profile="core", python=base), log=lines.append)
    assert again["version"] == hello["version"]
