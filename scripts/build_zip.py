"""Build the plugin package that QGIS's "Install from ZIP" (and the plugin repository) accepts.

    python3 scripts/build_zip.py [--out DIR]

Writes ``DIR/raresight-<version>.zip`` (``DIR`` defaults to ``dist/``; the version comes from
metadata.txt) with one top folder, ``raresight/``, holding what the installed plugin needs:
metadata.txt, __init__.py, LICENSE, README.md, requirements.txt, scripts/setup.sh (to build the
backend venv inside the installed plugin), scripts/install_backend.py (the backend from PyPI
wheels, as the plugin's set-up code makes it), plugin/ (with the profiles' requirement files), backend/, resources/ (icon, embedded sample)
and i18n/ (the .ts sources and the .qm files, compiled first by ``scripts/i18n.py compile``).
Tests, docs, research probes (research/), CI and development files are left out, and so are caches
and build outputs.

The files come from ``git ls-files`` (tracked files, plus new ones git does not ignore, which are
named on stderr) inside a git work tree, else from walking the folders above. The build fails when
metadata.txt lacks a field the plugin repository requires, or when the zip exceeds 25 MB.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = "raresight"
MAX_BYTES = 25_000_000
#: Files and folders of the repository that go into the package.
FILES = ("metadata.txt", "__init__.py", "LICENSE", "README.md", "requirements.txt", "scripts/setup.sh",
         "scripts/install_backend.py")  # fmt: skip
FOLDERS = ("plugin", "backend", "resources", "i18n")
#: Fields the QGIS plugin repository requires in metadata.txt.
REQUIRED = ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email",
            "repository", "tracker")
#: Never packaged, wherever they appear.
SKIP_PARTS = {"__pycache__", ".venv", "out", "dist", "tests", "docs", ".ci", ".git", ".pytest_cache",
              ".ruff_cache", ".mypy_cache"}
SKIP_SUFFIXES = (".pyc", ".pyo", ".part", ".orig", ".rej", "~", ".swp")
#: The plugin repository refuses compiled binaries: by name, and by the magic bytes of executables
#: and libraries (ELF, Windows PE, Mach-O), whatever their name.
BINARY_SUFFIXES = (".so", ".pyd", ".dll", ".dylib", ".exe", ".o", ".a", ".lib", ".whl")
BINARY_MAGIC = (b"\x7fELF", b"MZ", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
                b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")  # fmt: skip


class BuildError(Exception):
    pass


def read_metadata(root: Path) -> dict[str, str]:
    """``[general]`` of metadata.txt; fails when a required field (or the licence) is missing."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keep qgisMinimumVersion's capitals
    try:
        with open(root / "metadata.txt", encoding="utf-8") as f:
            parser.read_file(f)
        general = dict(parser["general"])
    except (OSError, configparser.Error, KeyError) as exc:
        raise BuildError(f"cannot read metadata.txt [general]: {exc}") from exc
    missing = [k for k in REQUIRED if not general.get(k, "").strip()]
    if missing:
        raise BuildError(f"metadata.txt lacks required field(s): {', '.join(missing)}")
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.+_-]*", general["version"]):
        raise BuildError(f"metadata.txt version {general['version']!r} is not usable in a file name")
    if not (root / "LICENSE").is_file():
        raise BuildError("LICENSE is missing (the plugin repository requires one)")
    return general


def compile_translations(root: Path) -> None:
    """``scripts/i18n.py compile``, so that every .ts has an up-to-date .qm."""
    tool = root / "scripts" / "i18n.py"
    if not tool.is_file():
        tool = ROOT / "scripts" / "i18n.py"
    run = subprocess.run([sys.executable, str(tool), "--root", str(root), "compile"])
    if run.returncode != 0:
        raise BuildError("compiling the translations failed (see above)")
    stale = [ts.name for ts in (root / "i18n").glob("*.ts") if not ts.with_suffix(".qm").is_file()]
    if stale:
        raise BuildError(f"no compiled .qm for {', '.join(sorted(stale))}")


def wanted(rel: str) -> bool:
    """Whether the repository path ``rel`` (POSIX, relative) belongs in the package."""
    parts = rel.split("/")
    if any(p in SKIP_PARTS for p in parts) or rel.endswith(SKIP_SUFFIXES):
        return False
    if any(p.startswith(".") for p in parts):  # .gitignore, .DS_Store, editor files
        return False
    return rel in FILES or (parts[0] in FOLDERS and len(parts) > 1)


def git_files(root: Path) -> tuple[list[str], list[str]] | None:
    """``(files, untracked)`` from git, or None outside a git work tree rooted at ``root``."""
    try:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True)
    except OSError:
        return None
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
        return None

    def ls(*extra: str) -> set[str]:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", *extra],
                             capture_output=True, check=True).stdout
        return {p for p in out.decode("utf-8", "surrogateescape").split("\0") if p}

    tracked = ls("--cached")
    untracked = ls("--others", "--exclude-standard")
    files = sorted(p for p in tracked | untracked if (root / p).is_file() and not (root / p).is_symlink())
    return files, sorted(p for p in untracked if p in files)


def walked_files(root: Path) -> list[str]:
    files = [f for f in FILES if (root / f).is_file()]
    for folder in FOLDERS:
        for dirpath, dirnames, filenames in os.walk(root / folder):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_PARTS and not d.startswith("."))
            for name in filenames:
                path = Path(dirpath) / name
                if path.is_file() and not path.is_symlink():
                    files.append(path.relative_to(root).as_posix())
    return sorted(files)


def package_files(root: Path) -> list[str]:
    listed = git_files(root)
    if listed is None:
        files = walked_files(root)
    else:
        files, untracked = listed
        new = [p for p in untracked if wanted(p)]
        if new:
            print(f"build_zip: note: packaging {len(new)} file(s) not committed to git: {', '.join(new)}",
                  file=sys.stderr)
        files = files + [p.relative_to(root).as_posix() for p in (root / "i18n").glob("*.qm")]
    files = sorted({f for f in files if wanted(f)})
    absent = [f for f in FILES if f not in files]
    if absent:
        raise BuildError(f"missing from the package: {', '.join(absent)}")
    compiled = [f for f in files if is_binary(root / f)]
    if compiled:
        raise BuildError(f"compiled binaries are not allowed in the package: {', '.join(compiled)}")
    return files


def is_binary(path: Path) -> bool:
    """A compiled executable or library, by its name or its first bytes."""
    if path.name.lower().endswith(BINARY_SUFFIXES):
        return True
    with open(path, "rb") as f:
        head = f.read(4)
    return any(head.startswith(magic) for magic in BINARY_MAGIC)


def write_zip(root: Path, files: list[str], target: Path) -> None:
    """The zip, atomically: ``raresight/`` first (QGIS names the plugin after metadata.txt's folder),
    then every folder and file in sorted order."""
    folders = sorted({"/".join(f.split("/")[:i]) for f in files for i in range(1, f.count("/") + 1)})
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9,
                             strict_timestamps=False) as zf:
            now = time.localtime()[:6]
            for name in [""] + folders:
                info = zipfile.ZipInfo(f"{TOP}/{name}/" if name else f"{TOP}/", date_time=now)
                info.external_attr = (0o40755 << 16) | 0x10
                zf.writestr(info, b"")
            for rel in files:
                zf.write(root / rel, f"{TOP}/{rel}")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def build(root: Path, out: Path) -> Path:
    meta = read_metadata(root)
    compile_translations(root)
    files = package_files(root)
    target = out / f"{TOP}-{meta['version']}.zip"
    write_zip(root, files, target)
    size = target.stat().st_size
    if size > MAX_BYTES:
        target.unlink()
        raise BuildError(f"{target.name} is {size / 1e6:.1f} MB, over the {MAX_BYTES / 1e6:.0f} MB limit")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: dist/)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    out = (args.out or root / "dist").resolve()
    try:
        target = build(root, out)
    except BuildError as exc:
        print(f"build_zip: error: {exc}", file=sys.stderr)
        return 1
    with zipfile.ZipFile(target) as zf:
        count = sum(not n.endswith("/") for n in zf.namelist())
    print(f"{target} ({target.stat().st_size / 1e6:.1f} MB, {count} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
