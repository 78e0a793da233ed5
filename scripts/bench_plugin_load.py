#!/usr/bin/env python3
"""How long QGIS takes to load the RareSight plugin, and what the load imports.

QGIS loads a plugin by importing its package, calling ``classFactory(iface)`` and then
``initGui()``. This script does exactly that, headless (``QT_QPA_PLATFORM=offscreen``), in N fresh
subprocesses (so that an earlier run's imports cannot hide the cost), each with its own throw-away
QGIS profile, and reports the wall time of each load, the median and the maximum.

The plugin must stay light: the science lives in the backend, which runs in its own process. After
each load the script lists which of the watched modules ended up in ``sys.modules``; torch,
onnxruntime, open_clip and the ``backend`` package are forbidden (imported, they would slow down
every QGIS start and tie QGIS to the backend's dependencies). numpy and rasterio are reported, not
forbidden.

Usage (with the interpreter that has the QGIS bindings: /usr/bin/python3 or the venv's python)::

    python3 scripts/bench_plugin_load.py [--runs 5] [--markdown] [--output result.json]

Prints a JSON object ``{"runs": [...], "median_s", "max_s", "forbidden_modules", "qgis_version",
...}``, or with ``--markdown`` a short Markdown section instead (``--output`` still writes the
JSON). Exit code 1 when a forbidden module was imported, 2 when a load failed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "raresight"
#: Modules whose presence after the load is reported; the first four are forbidden.
FORBIDDEN = ("torch", "onnxruntime", "open_clip", "backend")
WATCHED = (*FORBIDDEN, "rasterio", "numpy")
CHILD_TIMEOUT_S = 180


# -- child: one load in this process ---------------------------------------------------------------


def _loaded(name: str) -> bool:
    """Whether module ``name`` (or a submodule) is imported, also as the plugin's subpackage
    (the repository root is the plugin package, so the backend may appear as ``raresight.backend``)."""
    for full in (name, f"{PACKAGE}.{name}"):
        if full in sys.modules or any(m.startswith(full + ".") for m in sys.modules):
            return True
    return False


def _make_iface():
    """The few ``QgisInterface`` calls a plugin makes at load and unload, on real Qt widgets."""
    from qgis.gui import QgsMessageBar
    from qgis.PyQt.QtWidgets import QMainWindow, QToolBar

    class Iface:
        def __init__(self) -> None:
            self._window = QMainWindow()
            self._window.setObjectName("QgisApp")
            self._toolbar = QToolBar("Plugins", self._window)
            self._window.addToolBar(self._toolbar)
            self._bar = QgsMessageBar(self._window)
            self.menus: list = []
            self.docks: list = []

        def mainWindow(self):  # noqa: N802 - QGIS API
            return self._window

        def messageBar(self):  # noqa: N802
            return self._bar

        def addToolBarIcon(self, action):  # noqa: N802
            self._toolbar.addAction(action)
            return 0

        def removeToolBarIcon(self, action):  # noqa: N802
            self._toolbar.removeAction(action)

        def addPluginToRasterMenu(self, name, action):  # noqa: N802
            self.menus.append((name, action))

        def removePluginRasterMenu(self, name, action):  # noqa: N802
            self.menus.remove((name, action))

        def addDockWidget(self, area, dock):  # noqa: N802
            self._window.addDockWidget(area, dock)
            self.docks.append(dock)

        def removeDockWidget(self, dock):  # noqa: N802
            self._window.removeDockWidget(dock)
            self.docks.remove(dock)

    return Iface()


def child() -> int:
    """Start QGIS, load the plugin once, print one JSON line with the measurements."""
    import importlib

    with tempfile.TemporaryDirectory(prefix="raresight-bench-") as tmp:
        os.environ["QGIS_CUSTOM_CONFIG_PATH"] = str(Path(tmp) / "profile")
        holder = Path(tmp) / "plugins"
        holder.mkdir()
        (holder / PACKAGE).symlink_to(ROOT, target_is_directory=True)
        sys.path.insert(0, str(holder))

        from qgis.core import Qgis, QgsApplication

        app = QgsApplication([], True)
        app.initQgis()
        import qgis.utils

        iface = _make_iface()
        qgis.utils.iface = iface
        before = {name: _loaded(name) for name in WATCHED}
        result: dict = {"qgis_version": Qgis.QGIS_VERSION, "python": sys.version.split()[0]}
        try:
            t0 = time.perf_counter()
            package = importlib.import_module(PACKAGE)
            t1 = time.perf_counter()
            plugin = package.classFactory(iface)
            t2 = time.perf_counter()
            plugin.initGui()
            t3 = time.perf_counter()
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the run
            result["error"] = f"{type(exc).__name__}: {exc}"
            print(json.dumps(result))
            return 2
        after = {name: _loaded(name) for name in WATCHED}
        result.update(
            seconds=t3 - t0,
            import_s=t1 - t0,
            class_factory_s=t2 - t1,
            init_gui_s=t3 - t2,
            modules=sorted(name for name, present in after.items() if present),
            imported_by_load=sorted(name for name in WATCHED if after[name] and not before[name]),
            forbidden=sorted(name for name in FORBIDDEN if after[name]),
            toolbar_actions=len(iface._toolbar.actions()),
            menu_entries=len(iface.menus),
        )
        try:
            plugin.unload()
            result["unload_ok"] = not iface.menus and not iface._toolbar.actions()
        except Exception as exc:  # noqa: BLE001
            result["unload_ok"] = False
            result["unload_error"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(result))
        sys.stdout.flush()
        app.exitQgis()
    return 0


# -- parent: N fresh processes ---------------------------------------------------------------------


def run_once(python: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    env.pop("PYTHONSTARTUP", None)
    try:
        res = subprocess.run(
            [python, str(Path(__file__).resolve()), "--child"],
            env=env,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"the load did not finish within {CHILD_TIMEOUT_S} s"}
    for line in reversed(res.stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                break
    tail = "\n".join((res.stderr or res.stdout).strip().splitlines()[-5:])
    return {"error": f"no result (exit code {res.returncode}): {tail}"}


def summarize(runs: list[dict]) -> dict:
    times = [r["seconds"] for r in runs if "seconds" in r]
    forbidden = sorted({name for r in runs for name in r.get("forbidden", [])})
    versions = [r["qgis_version"] for r in runs if "qgis_version" in r]
    return {
        "runs": runs,
        "median_s": statistics.median(times) if times else None,
        "max_s": max(times) if times else None,
        "forbidden_modules": forbidden,
        "failed_runs": sum("error" in r for r in runs),
        "qgis_version": versions[0] if versions else None,
        "python": runs[0].get("python") if runs else None,
    }


def markdown(summary: dict) -> str:
    runs = summary["runs"]
    ok = [r for r in runs if "seconds" in r]
    lines = [
        "### Plugin load time",
        "",
        f"QGIS {summary['qgis_version']}, Python {summary['python']}, headless; "
        f"import + `classFactory(iface)` + `initGui()` in {len(runs)} fresh process(es).",
        "",
    ]
    if ok:
        lines += [
            f"- median **{summary['median_s']:.3f} s**, max {summary['max_s']:.3f} s",
            "- per run (s): " + ", ".join(f"{r['seconds']:.3f}" for r in ok),
        ]
        modules = sorted({m for r in ok for m in r.get("modules", [])})
        lines.append("- watched modules loaded: " + (", ".join(f"`{m}`" for m in modules) or "none"))
    forbidden = summary["forbidden_modules"]
    lines.append(
        "- forbidden modules imported: " + (", ".join(f"`{m}`" for m in forbidden) if forbidden else "none")
    )
    if summary["failed_runs"]:
        errors = sorted({r["error"] for r in runs if "error" in r})
        lines.append(f"- failed runs: {summary['failed_runs']} ({'; '.join(errors)})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure the RareSight plugin's load time in QGIS (headless).")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes to measure (default 5)")
    parser.add_argument("--python", default=sys.executable, help="interpreter with the QGIS bindings")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown section instead of JSON")
    parser.add_argument("--output", help="also write the JSON object to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    summary = summarize([run_once(args.python) for _ in range(args.runs)])
    text = json.dumps(summary, indent=1)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    print(markdown(summary) if args.markdown else text)
    if summary["forbidden_modules"]:
        return 1
    return 2 if summary["failed_runs"] else 0


if __name__ == "__main__":
    sys.exit(main())
