"""Translation tooling (scripts/i18n.py), the plugin zip (scripts/build_zip.py), metadata.txt and the
development link into a QGIS profile (scripts/dev_link.sh). No network; lrelease-dependent tests
skip when it is not installed."""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"


def _load_tool():
    spec = importlib.util.spec_from_file_location("raresight_i18n_tool", SCRIPTS / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


i18n_tool = _load_tool()
needs_lrelease = pytest.mark.skipif(i18n_tool.find_lrelease() is None,
                                    reason="lrelease not installed (qttools5-dev-tools)")

DOCK = '''\
from qgis.PyQt.QtCore import QCoreApplication

from . import i18n
from .i18n import tr

name = "computed"
run = tr("Run")
cancel = tr('Cancel <&> "quoted"')
bad = tr(name)
worse = tr(f"Hello {name}")
score = QCoreApplication.translate("RareSight", "Score {n} of {total:.1f}")
other = QCoreApplication.translate("SomeOtherContext", "Not ours")
scale = i18n.tr("Échelle")
two = tr("first line\\nsecond line")
'''


def i18n_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPTS / "i18n.py"), "--root", str(root), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture()
def fake_tree(tmp_path: Path) -> Path:
    """A plugin folder with a few tr() calls (and a file that does not parse)."""
    root = tmp_path / "plugin_root"
    (root / "plugin" / "sub").mkdir(parents=True)
    (root / "plugin" / "dock.py").write_text(DOCK, encoding="utf-8")
    (root / "plugin" / "sub" / "deep.py").write_text('from ..i18n import tr\n\nX = tr("Deep")\n')
    (root / "plugin" / "half_written.py").write_text("def broken(:\n")
    (root / "__init__.py").write_text('def greet(tr):\n    return tr("Hello")\n')
    (root / "tests").mkdir()
    (root / "tests" / "test_x.py").write_text('tr("Not packaged code")\n')
    return root


def messages(ts: Path) -> dict[str, tuple[str, str, list[tuple[str, str]]]]:
    """``{source: (translation type, translation text, [(file, line), ...])}`` of the one context."""
    tree = ET.parse(ts).getroot()
    assert tree.tag == "TS" and tree.get("version") == "2.1"
    contexts = tree.findall("context")
    assert [c.findtext("name") for c in contexts] == ["RareSight"]
    out = {}
    for m in contexts[0].findall("message"):
        t = m.find("translation")
        out[m.findtext("source")] = (t.get("type", "finished"), t.text or "",
                                     [(loc.get("filename"), loc.get("line")) for loc in m.findall("location")])
    return out


def translate(ts: Path, done: dict[str, str], unfinished: dict[str, str] | None = None) -> None:
    """Fill translations in ``ts`` as a translator would (finished ones, and unfinished drafts)."""
    tree = ET.parse(ts)
    for m in tree.getroot().iter("message"):
        t = m.find("translation")
        source = m.findtext("source")
        if source in done:
            t.text = done[source]
            t.attrib.pop("type", None)
        elif unfinished and source in unfinished:
            t.text = unfinished[source]
            t.set("type", "unfinished")
    tree.write(ts, encoding="utf-8", xml_declaration=True)


# ------------------------------------------------------------------------------------------- extract


def test_extract_finds_literal_tr_calls_only(fake_tree: Path, capsys) -> None:
    strings = i18n_tool.extract(fake_tree)
    assert set(strings) == {"Run", 'Cancel <&> "quoted"', "Score {n} of {total:.1f}", "Échelle",
                            "first line\nsecond line", "Deep", "Hello"}
    assert strings["Run"].locations == [("plugin/dock.py", 7)]
    assert strings["Deep"].locations == [("plugin/sub/deep.py", 3)]
    assert strings["Hello"].locations == [("__init__.py", 2)]
    assert strings["Score {n} of {total:.1f}"].locations == [("plugin/dock.py", 11)]
    err = capsys.readouterr().err
    assert "plugin/dock.py:9: tr() argument is not a string literal" in err
    assert "plugin/dock.py:10: tr() argument is not a string literal" in err
    assert "half_written.py" in err  # reported, not fatal


def test_extract_cli_on_the_real_repository() -> None:
    run = i18n_cli(ROOT, "extract", "--json")
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    # The dock's own labels (test_i18n.py checks their French) are found, and every location is a
    # line of a packaged file.
    assert {"Detect anomalies", "Cancel", "Export polygons", "Advanced settings"} <= set(found)
    for text, locations in found.items():
        assert locations, text
        for location in locations:
            path, line = location.rsplit(":", 1)
            assert path.split("/")[0] != "tests" and (ROOT / path).is_file(), location
            assert 1 <= int(line) <= len((ROOT / path).read_text(encoding="utf-8").splitlines()), location


# -------------------------------------------------------------------------------------------- update


def test_update_keeps_translations_marks_vanished_and_is_stable(fake_tree: Path) -> None:
    ts = fake_tree / "i18n" / "raresight_fr.ts"
    run = i18n_cli(fake_tree, "update", "--lang", "fr")
    assert run.returncode == 0, run.stderr
    assert ET.parse(ts).getroot().get("language") == "fr_FR"
    first = messages(ts)
    assert set(first) == set(i18n_tool.extract(fake_tree, report=False))
    assert {kind for kind, _, _ in first.values()} == {"unfinished"}
    assert first["Run"][2] == [("../plugin/dock.py", "7")]

    translate(ts, {"Run": "Lancer", 'Cancel <&> "quoted"': "Annuler <&> « entre guillemets »"},
              unfinished={"Deep": "Profond (brouillon)"})
    dock = fake_tree / "plugin" / "dock.py"
    dock.write_text(DOCK.replace("tr('Cancel <&> \"quoted\"')", 'tr("Brand new")'), encoding="utf-8")
    (fake_tree / "plugin" / "sub" / "deep.py").write_text("X = 1\n")

    assert i18n_cli(fake_tree, "update").returncode == 0  # default: the existing .ts
    second = messages(ts)
    assert second["Run"] == ("finished", "Lancer", [("../plugin/dock.py", "7")])
    assert second['Cancel <&> "quoted"'][:2] == ("vanished", "Annuler <&> « entre guillemets »")
    assert second["Deep"][:2] == ("obsolete", "Profond (brouillon)")
    assert second["Brand new"][:2] == ("unfinished", "")
    text = ts.read_text(encoding="utf-8")
    assert "Cancel &lt;&amp;&gt;" in text and text.startswith('<?xml version="1.0" encoding="utf-8"?>')

    before, mtime = ts.read_bytes(), ts.stat().st_mtime_ns
    run = i18n_cli(fake_tree, "update")
    assert run.returncode == 0 and "unchanged" in run.stdout
    assert ts.read_bytes() == before and ts.stat().st_mtime_ns == mtime

    # a vanished string that comes back is finished again
    dock.write_text(DOCK, encoding="utf-8")
    assert i18n_cli(fake_tree, "update").returncode == 0
    assert messages(ts)['Cancel <&> "quoted"'][:2] == ("finished", "Annuler <&> « entre guillemets »")

    dock.write_text(DOCK.replace('tr("Run")', 'tr("Go")'), encoding="utf-8")
    assert i18n_cli(fake_tree, "update", "--drop-vanished").returncode == 0
    third = messages(ts)
    assert "Run" not in third and "Deep" not in third and third["Go"][0] == "unfinished"


# ------------------------------------------------------------------------------------------- compile


@needs_lrelease
def test_compile_gives_a_qm_that_qt_loads_and_uses(fake_tree: Path, qgis_app) -> None:
    from qgis.PyQt.QtCore import QCoreApplication, QTranslator

    ts = fake_tree / "i18n" / "raresight_fr.ts"
    qm = ts.with_suffix(".qm")
    assert i18n_cli(fake_tree, "update").returncode == 0
    translate(ts, {"Run": "Lancer", "Échelle": "Échelle (fr)"}, unfinished={"Deep": "Brouillon"})

    run = i18n_cli(fake_tree, "compile")
    assert run.returncode == 0, run.stderr
    assert qm.is_file() and "compiled" in run.stdout
    mtime = qm.stat().st_mtime_ns
    again = i18n_cli(fake_tree, "compile")
    assert again.returncode == 0 and again.stdout == "" and qm.stat().st_mtime_ns == mtime
    forced = i18n_cli(fake_tree, "compile", "--force")
    assert forced.returncode == 0 and "compiled" in forced.stdout

    translator = QTranslator()
    assert translator.load(str(qm))
    assert QCoreApplication.installTranslator(translator)
    try:
        assert QCoreApplication.translate("RareSight", "Run") == "Lancer"
        assert QCoreApplication.translate("RareSight", "Échelle") == "Échelle (fr)"
        assert QCoreApplication.translate("RareSight", "Deep") == "Deep"  # drafts are not shipped
        assert QCoreApplication.translate("OtherContext", "Run") == "Run"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert QCoreApplication.translate("RareSight", "Run") == "Run"


def test_compile_without_ts_files_does_nothing(tmp_path: Path) -> None:
    run = i18n_cli(tmp_path, "compile")
    assert run.returncode == 0 and run.stdout == "" and run.stderr == ""


# --------------------------------------------------------------------------------------------- check


def test_check_fails_on_unfinished_and_placeholder_mismatch(fake_tree: Path) -> None:
    ts = fake_tree / "i18n" / "raresight_fr.ts"
    missing = i18n_cli(fake_tree, "check")
    assert missing.returncode == 1 and "missing" in missing.stdout

    assert i18n_cli(fake_tree, "update").returncode == 0
    everything = {s: f"fr: {s}" for s in i18n_tool.extract(fake_tree, report=False)}
    translate(ts, {k: v for k, v in everything.items() if k != "Run"}, unfinished={"Run": "Lancer"})
    run = i18n_cli(fake_tree, "check")
    assert run.returncode == 1
    assert "'Run' has no finished translation" in run.stdout and "plugin/dock.py:7" in run.stdout
    assert len(run.stdout.strip().splitlines()) == 1

    translate(ts, {"Run": "Lancer", "Score {n} of {total:.1f}": "Score {n} sur {total}"})
    run = i18n_cli(fake_tree, "check")
    assert run.returncode == 1 and "placeholders differ" in run.stdout and "Score" in run.stdout

    translate(ts, {"Score {n} of {total:.1f}": "{total:.1f} : score {n}"})
    run = i18n_cli(fake_tree, "check")
    assert run.returncode == 0, run.stdout

    (fake_tree / "plugin" / "sub" / "deep.py").write_text('from ..i18n import tr\n\nX = tr("Deeper")\n')
    run = i18n_cli(fake_tree, "check")
    assert run.returncode == 1 and "'Deeper' is not in the .ts" in run.stdout


def test_placeholders() -> None:
    p = i18n_tool.placeholders
    assert p("{b} and {a:.2f} {{literal}} %1") == ["%1", "{a:.2f}", "{b}"]
    assert p("{a:.2f} puis {b} %1") == p("{b} and {a:.2f} %1")
    assert p("{n}") != p("{m}")
    assert p("unbalanced {") == []


# ----------------------------------------------------------------------------------------------- zip


@pytest.fixture(scope="module")
def built_zip(tmp_path_factory) -> Path:
    if list((ROOT / "i18n").glob("*.ts")) and i18n_tool.find_lrelease() is None:
        pytest.skip("the .ts files need lrelease (qttools5-dev-tools) to be compiled into the zip")
    out = tmp_path_factory.mktemp("dist")
    run = subprocess.run([sys.executable, str(SCRIPTS / "build_zip.py"), "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    zips = list(out.glob("raresight-*.zip"))
    assert len(zips) == 1 and str(zips[0]) in run.stdout
    return zips[0]


def metadata() -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "metadata.txt", encoding="utf-8")
    return dict(parser["general"])


def test_zip_is_an_installable_plugin(built_zip: Path) -> None:
    assert built_zip.name == f"raresight-{metadata()['version']}.zip"
    assert built_zip.stat().st_size < 25_000_000
    with zipfile.ZipFile(built_zip) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
    assert {n.split("/")[0] for n in names} == {"raresight"}
    # QGIS's "Install from ZIP" names the plugin after the folder of the first metadata.txt
    assert sorted(n for n in names if n.endswith("metadata.txt"))[0] == "raresight/metadata.txt"
    files = {n[len("raresight/"):] for n in names if not n.endswith("/")}
    for needed in ("metadata.txt", "__init__.py", "LICENSE", "README.md", "requirements.txt",
                   "scripts/setup.sh", "backend/cli.py", "backend/__main__.py", "plugin/__init__.py",
                   "plugin/main.py", "resources/icon.svg", metadata()["icon"], "scripts/install_backend.py",
                   "plugin/setup_backend/requirements/core.txt", "plugin/setup_backend/requirements/clip.txt"):
        assert needed in files, needed
    assert any(f.startswith("resources/sample/") for f in files)
    for ts in (ROOT / "i18n").glob("*.ts"):
        assert f"i18n/{ts.name}" in files and f"i18n/{ts.stem}.qm" in files
    for name in files:
        parts = name.split("/")
        assert not {"tests", "docs", "research", ".ci", ".venv", "out", "dist", "__pycache__", ".git"} & set(parts), name
        assert not name.endswith((".pyc", ".pyo")), name
        assert not parts[-1].startswith("."), name
        assert parts[0] != "scripts" or name in ("scripts/setup.sh", "scripts/install_backend.py"), name
    for dev in ("requirements-dev.txt", "ruff.toml", "pytest.ini", ".gitignore"):
        assert dev not in files


def test_metadata_has_what_the_plugin_repository_requires() -> None:
    meta = metadata()
    for key in ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email",
                "repository", "tracker"):
        assert meta.get(key, "").strip(), f"metadata.txt lacks {key}"
    assert meta["name"] == "RareSight"
    assert tuple(int(x) for x in meta["qgisMinimumVersion"].split(".")[:2]) >= (3, 22)
    assert meta["version"].replace(".", "").isdigit() and meta["version"].count(".") == 2
    assert meta["repository"].startswith("https://") and meta["tracker"].startswith("https://")
    assert "@" in meta["email"]
    assert meta.get("license", "").strip(), "metadata.txt lacks license"
    assert (ROOT / "LICENSE").is_file() and (ROOT / "LICENSE").read_text(encoding="utf-8").strip()
    assert (ROOT / meta["icon"]).is_file()


# ------------------------------------------------------------------------------------------ dev link


def dev_link(config: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPTS / "dev_link.sh"), "--config-dir", str(config), *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_dev_link_links_enables_and_unlinks(tmp_path: Path) -> None:
    config = tmp_path / "QGIS3"
    profile = config / "profiles" / "dev"
    link = profile / "python" / "plugins" / "raresight"
    ini = profile / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[General]\nfoo=bar\n\n[PythonPlugins]\nother=true\nraresight=false\n\n[UI]\nx=1\n")

    run = dev_link(config, "--profile", "dev")
    assert run.returncode == 0, run.stderr
    assert link.is_symlink() and link.resolve() == ROOT.resolve()
    assert (link / "metadata.txt").is_file()
    assert ini.read_text() == "[General]\nfoo=bar\n\n[PythonPlugins]\nother=true\nraresight=true\n\n[UI]\nx=1\n"

    state = (os.readlink(link), ini.read_bytes(), ini.stat().st_mtime_ns)
    again = dev_link(config, "--profile", "dev")
    assert again.returncode == 0, again.stderr
    assert (os.readlink(link), ini.read_bytes(), ini.stat().st_mtime_ns) == state

    gone = dev_link(config, "--profile", "dev", "--unlink")
    assert gone.returncode == 0 and not link.exists() and not link.is_symlink()
    assert dev_link(config, "--profile", "dev", "--unlink").returncode == 0
    assert ROOT.joinpath("metadata.txt").is_file()  # the link went, not what it pointed to


def test_dev_link_defaults_and_refusals(tmp_path: Path) -> None:
    config = tmp_path / "custom"
    env = {**os.environ, "QGIS_CUSTOM_CONFIG_PATH": str(config), "HOME": str(tmp_path / "home")}
    run = subprocess.run(["bash", str(SCRIPTS / "dev_link.sh")], capture_output=True, text=True,
                         timeout=60, env=env)
    assert run.returncode == 0, run.stderr
    assert (config / "profiles" / "default" / "python" / "plugins" / "raresight").is_symlink()
    ini = config / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    assert ini.read_text() == "[PythonPlugins]\nraresight=true\n"

    installed = config / "profiles" / "other" / "python" / "plugins" / "raresight"
    installed.mkdir(parents=True)
    (installed / "metadata.txt").write_text("[general]\n")
    for args in ((), ("--unlink",)):
        refused = dev_link(config, "--profile", "other", *args)
        assert refused.returncode != 0 and "not a symlink" in refused.stderr
        assert (installed / "metadata.txt").is_file() and not installed.is_symlink()


def _build_zip_module():
    spec = importlib.util.spec_from_file_location("build_zip", SCRIPTS / "build_zip.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compiled_binaries_are_refused(tmp_path: Path) -> None:
    """The plugin repository refuses compiled binaries: by name or by their first bytes."""
    build_zip = _build_zip_module()
    for rel in build_zip.FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("text\n")
    (tmp_path / "plugin").mkdir(exist_ok=True)
    (tmp_path / "plugin" / "ok.py").write_text("print('hello')\n")
    assert "plugin/ok.py" in build_zip.package_files(tmp_path)
    (tmp_path / "plugin" / "helper.bin").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(64))
    with pytest.raises(build_zip.BuildError, match="plugin/helper.bin"):
        build_zip.package_files(tmp_path)
    (tmp_path / "plugin" / "helper.bin").unlink()
    (tmp_path / "backend").mkdir()
    (tmp_path / "backend" / "_fast.pyd").write_text("not really a library, but named as one\n")
    with pytest.raises(build_zip.BuildError, match="compiled binaries"):
        build_zip.package_files(tmp_path)
