"""Architecture boundaries, checked statically (AST) and dynamically (a fresh interpreter).

* ``backend/`` is plain Python: it never imports QGIS, Qt bindings or the plugin, not even lazily.
* ``plugin/`` and the root ``__init__.py`` (what QGIS loads at start-up) never import heavy ML
  runtimes (torch, onnxruntime, open_clip) at module level: those are imported lazily, inside the
  functions that need them, so QGIS starts fast and without them installed.
* Inside ``backend/`` dependencies point down: the generative models never import the detectors,
  the shared statistics and weights never import a model package, and nothing below the front
  ends imports the batch runner (``backend.batch``), not even lazily.

Each scanner is also run on small synthetic sources, so these tests can be seen to fail.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend"
PLUGIN = ROOT / "plugin"

#: Top-level module names the backend must never import.
GUI_MODULES = frozenset({"qgis", "PyQt5", "PyQt6", "plugin"})
GUI_PREFIXES = ("PySide",)  # PySide, PySide2, PySide6
#: Modules the plugin must not import at module level.
HEAVY_MODULES = frozenset({"torch", "onnxruntime", "open_clip"})
#: The model packages of the backend, above the shared statistics and weights.
MODEL_PACKAGES = ("backend.detectors", "backend.generative", "backend.clip", "backend.pretrained")
#: A backend package and the packages it must never import (dependencies point down). That
#: ``backend`` never imports ``plugin`` is rule (a).
FORBIDDEN_IMPORTS: dict[str, tuple[str, ...]] = {
    "backend.generative": ("backend.detectors", "backend.batch"),
    "backend.detectors": ("backend.batch",),
    "backend.stats": (*MODEL_PACKAGES, "backend.batch"),
    "backend.weights": (*MODEL_PACKAGES, "backend.batch"),
}


# --------------------------------------------------------------------------------------------------
# scanners


def _module_parts(path: Path, root: Path) -> list[str]:
    """Package parts of the module in ``path`` (``backend/detectors/rx.py`` -> backend, detectors)."""
    rel = path.resolve().relative_to(root.resolve()).with_suffix("")
    return list(rel.parts[:-1])


def _imported_names(node: ast.AST, package: list[str]) -> list[str]:
    """Absolute module names an import statement (or a literal dynamic import) brings in."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            keep = len(package) - (node.level - 1)
            base = package[: max(keep, 0)]
        else:
            base = []
        parts = base + (node.module.split(".") if node.module else [])
        names = [".".join(parts)] if parts else []
        # ``from pkg import sub`` may import module pkg.sub (and ``from .. import plugin`` only so).
        names += [".".join(parts + [alias.name]) for alias in node.names if alias.name != "*"]
        return names
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
            return [node.args[0].value]
    return []


def _top(name: str) -> str:
    return name.split(".")[0]


def gui_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line module`` for every import of a GUI module anywhere in ``path`` (functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_parts(path, root)
    found = []
    for node in ast.walk(tree):
        for name in _imported_names(node, package):
            top = _top(name)
            if top in GUI_MODULES or top.startswith(GUI_PREFIXES):
                found.append(f"{path}:{node.lineno} {name}")
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def module_level_heavy_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line module`` for every import of a heavy module that runs when ``path`` is imported.

    That is every import statement except those inside a function or lambda body (class bodies,
    ``if``/``try``/``with`` blocks run at import time and count) and ``if TYPE_CHECKING:`` blocks.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_parts(path, root)
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        heavy = [name for name in _imported_names(node, package) if _top(name) in HEAVY_MODULES]
        if heavy:  # one report per statement
            found.append(f"{path}:{node.lineno} {heavy[0]}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # Decorators, defaults and annotations run at definition time; the body does not.
            for child in [*node.decorator_list, node.args, *([node.returns] if node.returns else [])]:
                visit(child)
            return
        if isinstance(node, ast.Lambda):
            visit(node.args)
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def upward_imports(path: Path, forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    """``file:line module`` for every import in ``path`` (functions too) of a module in or under
    one of the ``forbidden`` packages; one report per statement."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_parts(path, root)
    found = []
    for node in ast.walk(tree):
        names = _imported_names(node, package)
        hits = [n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)]
        if hits:
            found.append(f"{path}:{node.lineno} {hits[0]}")
    return found


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


# --------------------------------------------------------------------------------------------------
# (a) backend sources import no GUI module


def test_backend_sources_import_no_qgis_qt_or_plugin():
    files = python_files(BACKEND)
    assert len(files) >= 10, f"backend/ looks empty: {files}"
    found = [hit for f in files for hit in gui_imports(f)]
    assert not found, "backend/ must stay free of QGIS/Qt/plugin imports:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("import qgis.core\n", ["qgis.core"]),
        ("from qgis.core import QgsRasterLayer\n", ["qgis.core"]),
        ("import PyQt5.QtCore as QtCore\n", ["PyQt5.QtCore"]),
        ("from PyQt6 import QtWidgets\n", ["PyQt6"]),
        ("import PySide6\n", ["PySide6"]),
        ("from PySide2.QtCore import Qt\n", ["PySide2.QtCore"]),
        ("def f():\n    import qgis\n", ["qgis"]),  # even lazily
        ("try:\n    import PyQt5\nexcept ImportError:\n    pass\n", ["PyQt5"]),
        ("import importlib\nm = importlib.import_module('qgis.gui')\n", ["qgis.gui"]),
        ("m = __import__('PyQt5')\n", ["PyQt5"]),
        ("import plugin.dialog\n", ["plugin.dialog"]),
        ("from ..plugin import dialog\n", ["plugin"]),  # relative, out of backend/
        ("from .. import plugin\n", ["plugin"]),
        # Clean sources: look-alike names are not GUI modules.
        ("import qgis_like\nfrom .plugin_utils import x\nimport numpy\n", []),
        ("from . import raster\nfrom .detectors import rx\n", []),
    ],
)
def test_gui_import_scanner_self_test(tmp_path, source, flagged):
    pkg = tmp_path / "backend"
    pkg.mkdir()
    f = pkg / "mod.py"
    f.write_text(source, encoding="utf-8")
    hits = gui_imports(f, root=tmp_path)
    assert bool(hits) == bool(flagged), hits
    for name in flagged:
        assert any(hit.endswith(" " + name) or f" {name}." in hit for hit in hits), (name, hits)


# --------------------------------------------------------------------------------------------------
# (b) importing every backend module loads no GUI module

_IMPORT_ALL = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    for extra in sys.argv[1:]:  # self-test hook: import these first
        importlib.import_module(extra)
    import backend

    imported = ["backend"]
    for info in pkgutil.walk_packages(backend.__path__, "backend."):
        if info.name.rsplit(".", 1)[-1] == "__main__":  # runs the CLI on import
            continue
        importlib.import_module(info.name)
        imported.append(info.name)
    gui = ("qgis", "PyQt5", "PyQt6", "PySide2", "PySide6")
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in gui)
    print(json.dumps({"imported": imported, "gui": loaded}))
    """
)


def _import_all_backend(*extra: str, pythonpath: list[Path] | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in [*(pythonpath or []), ROOT])
    env["QT_QPA_PLATFORM"] = "offscreen"
    res = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, f"importing the backend failed:\n{res.stderr}"
    return json.loads(res.stdout.strip().splitlines()[-1])


def _expected_backend_modules() -> set[str]:
    names = set()
    for f in python_files(BACKEND):
        parts = list(f.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.add(".".join(parts))
    return names


def test_importing_every_backend_module_loads_no_qgis_or_qt():
    result = _import_all_backend()
    # The walk reached every module on disk (so nothing escaped the check).
    assert set(result["imported"]) == _expected_backend_modules()
    assert result["gui"] == [], f"backend imports pulled in GUI modules: {result['gui']}"


def test_import_check_self_test_detects_a_loaded_gui_module(tmp_path):
    """The same check flags a (fake) qgis module once something has imported it."""
    fake = tmp_path / "qgis"
    fake.mkdir()
    (fake / "__init__.py").write_text("", encoding="utf-8")
    result = _import_all_backend("qgis", pythonpath=[tmp_path])
    assert result["gui"] == ["qgis"]


# --------------------------------------------------------------------------------------------------
# (c) plugin and root __init__.py: no module-level import of heavy ML runtimes


def _plugin_files() -> list[Path]:
    files = python_files(PLUGIN) if PLUGIN.is_dir() else []
    root_init = ROOT / "__init__.py"
    if root_init.is_file():
        files.append(root_init)
    return files


def test_plugin_has_no_module_level_heavy_imports():
    found = [hit for f in _plugin_files() for hit in module_level_heavy_imports(f)]
    assert not found, (
        "import torch/onnxruntime/open_clip inside the functions that need them, not at module "
        "level:\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("import torch\n", ["torch"]),
        ("import torch.nn as nn\n", ["torch.nn"]),
        ("import numpy, onnxruntime\n", ["onnxruntime"]),
        ("from open_clip import create_model\n", ["open_clip"]),
        ("try:\n    import torch\nexcept ImportError:\n    torch = None\n", ["torch"]),
        ("if True:\n    import onnxruntime as ort\n", ["onnxruntime"]),
        ("class Model:\n    import torch\n", ["torch"]),  # class bodies run at import
        ("import importlib\nort = importlib.import_module('onnxruntime')\n", ["onnxruntime"]),
        ("def f(m=__import__('torch')):\n    pass\n", ["torch"]),  # defaults run at def time
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nelse:\n    import torch\n",
            ["torch"],
        ),
        # Allowed: lazy imports inside functions, typing-only imports, look-alike names.
        ("def load():\n    import torch\n    return torch\n", []),
        ("async def load():\n    from open_clip import create_model\n", []),
        ("class A:\n    def m(self):\n        import onnxruntime\n", []),
        ("f = lambda: __import__('torch')\n", []),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import torch\n", []),
        ("import torchvision_like\nimport numpy\nfrom .torch_utils import x\n", []),
    ],
)
def test_heavy_import_scanner_self_test(tmp_path, source, flagged):
    f = tmp_path / "plugin_mod.py"
    f.write_text(source, encoding="utf-8")
    hits = module_level_heavy_imports(f, root=tmp_path)
    assert [hit.rsplit(" ", 1)[1] for hit in hits] == flagged, hits


def test_heavy_import_check_fails_on_a_plugin_tree_with_import_torch(tmp_path):
    """End to end: a plugin folder plus root __init__.py laid out like the real one is flagged."""
    (tmp_path / "plugin").mkdir()
    (tmp_path / "plugin" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "plugin" / "dock.py").write_text("import torch\n", encoding="utf-8")
    (tmp_path / "__init__.py").write_text(
        "def classFactory(iface):\n    from .plugin.dock import Dock\n    return Dock(iface)\n",
        encoding="utf-8",
    )
    files = python_files(tmp_path / "plugin") + [tmp_path / "__init__.py"]
    hits = [hit for f in files for hit in module_level_heavy_imports(f, root=tmp_path)]
    assert len(hits) == 1 and hits[0].endswith("dock.py:1 torch"), hits


# --------------------------------------------------------------------------------------------------
# (d) backend layers: dependencies point down


@pytest.mark.parametrize("package", sorted(FORBIDDEN_IMPORTS))
def test_backend_dependencies_point_down(package):
    files = python_files(ROOT.joinpath(*package.split(".")))
    assert files, f"{package} has no sources"
    found = [hit for f in files for hit in upward_imports(f, FORBIDDEN_IMPORTS[package])]
    rule = f"{package} must not import {', '.join(FORBIDDEN_IMPORTS[package])}"
    assert not found, rule + ":\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("module", "source", "flagged"),
    [
        ("generative/fit.py", "from ..detectors.base import InputLayout\n", "backend.detectors.base"),
        ("generative/fit.py", "def f():\n    from ..detectors import rx\n", "backend.detectors"),  # lazily
        ("generative/fit.py", "from .. import detectors\n", "backend.detectors"),
        ("generative/fit.py", "import backend.detectors.window\n", "backend.detectors.window"),
        ("stats/ring.py", "from ..generative.data import Projection\n", "backend.generative.data"),
        ("stats/ring.py", "from ..clip import registry\n", "backend.clip"),
        ("weights/fetch.py", "from ..pretrained.weights import EncoderCard\n", "backend.pretrained.weights"),
        (
            "weights/fetch.py",
            "import importlib\nm = importlib.import_module('backend.clip.model')\n",
            "backend.clip.model",
        ),
        # Allowed: shared layers, the package itself, look-alike names.
        ("generative/fit.py", "from ..stats import Whitener\nfrom .data import Projection\n", None),
        ("stats/ring.py", "from .moments import MomentAccumulator\nfrom ..errors import InputError\n", None),
        ("weights/fetch.py", "from .. import __version__\nfrom .clip_like import x\n", None),
        ("generative/fit.py", "from ..detectors_like import x\n", None),
    ],
)
def test_upward_import_scanner_self_test(tmp_path, module, source, flagged):
    f = tmp_path / "backend" / module
    f.parent.mkdir(parents=True)
    f.write_text(source, encoding="utf-8")
    forbidden = FORBIDDEN_IMPORTS["backend." + module.split("/")[0]]
    hits = upward_imports(f, forbidden, root=tmp_path)
    assert [hit.rsplit(" ", 1)[1] for hit in hits] == ([flagged] if flagged else []), hits
