"""The plugin loads in QGIS (import, ``classFactory``, ``initGui``, ``unload``) without importing the
backend or its heavy dependencies, as measured by scripts/bench_plugin_load.py in a fresh process.
No timing assertion: the benchmark reports the load time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.qgis

pytest.importorskip("qgis.core", reason="QGIS Python bindings not available")

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "bench_plugin_load.py"


def test_plugin_load_imports_nothing_heavy():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)  # the load must not find the backend on a path set for the tests
    res = subprocess.run(
        [sys.executable, str(SCRIPT), "--runs", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, f"exit {res.returncode}\nstdout: {res.stdout}\nstderr: {res.stderr}"
    summary = json.loads(res.stdout)
    assert summary["forbidden_modules"] == []
    assert summary["failed_runs"] == 0
    (run,) = summary["runs"]
    assert run["forbidden"] == []
    assert not {"torch", "onnxruntime", "open_clip", "backend"} & set(run["modules"])
    assert run["seconds"] > 0
    assert run["toolbar_actions"] == 1 and run["menu_entries"] == 1
    assert run["unload_ok"] is True
    assert summary["qgis_version"]
