"""Regenerate the install section of docs/BENCHMARKS.md: the time and disk of each backend profile's
set-up from PyPI wheels, each into a fresh venv without system site packages, and a detection run
through it.

    python scripts/bench_install.py [--profiles core generative clip] [--python /usr/bin/python3]
        [--output DOC]

For each profile: ``plugin.setup_backend.installer.set_up`` into a new temporary venv from pip's
configured sources (wheels already in pip's cache are not downloaded again, so the time is mostly
unpacking and byte-compiling), the venv's size on disk, then ``raresight score`` on the embedded
sample through that venv's Python: ``rx`` for core, ``diffusion`` (a short training) for generative,
``spectral`` for clip (CLIP needs weights this machine may not have; the profile's imports are
checked instead).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench.doc import DO_NOT_EDIT, generated_by, host_facts, replace_section  # noqa: E402

from plugin.setup_backend.installer import SetupOptions, set_up  # noqa: E402
from plugin.setup_backend.paths import venv_python  # noqa: E402

START, END = "<!-- install:start -->", "<!-- install:end -->"
SAMPLE = ROOT / "resources" / "sample" / "s2.tif"
#: What each profile's check runs through its venv.
CHECKS = {
    "core": ["--method", "rx"],
    "generative": ["--method", "diffusion", "--param", "steps=20"],
    "clip": ["--method", "spectral", "--prompt", "flood"],
}
IMPORTS = {"core": "rasterio, pyogrio, shapely, pyproj", "generative": "torch, onnxruntime, safetensors",
           "clip": "open_clip, torchvision"}  # fmt: skip


def size_mib(folder: Path) -> float:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            p = Path(root) / name
            if not p.is_symlink():
                total += p.stat().st_size
    return total / 2**20


def measure(profile: str, python: str | None, tmp: Path) -> dict:
    venv = tmp / f"venv-{profile}"
    started = time.monotonic()
    hello = set_up(SetupOptions(venv=venv, profile=profile, python=python), log=lambda line: None)
    seconds = time.monotonic() - started
    py = str(venv_python(venv))
    imports = subprocess.run([py, "-c", f"import {IMPORTS[profile]}"], capture_output=True, text=True)
    if imports.returncode:
        raise SystemExit(f"{profile}: {imports.stderr.strip().splitlines()[-1]}")
    out = tmp / f"{profile}.tif"
    cmd = [py, "-m", "backend", "score", str(SAMPLE), "-o", str(out), *CHECKS[profile]]
    run = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"}
    )
    if run.returncode:
        raise SystemExit(f"{profile}: the detection failed: {run.stderr.strip()[-400:]}")
    return {"seconds": seconds, "mib": size_mib(venv), "python": hello["python"], "check": " ".join(CHECKS[profile]),
            "line": run.stdout.strip().splitlines()[-1].split(": ", 1)[-1]}  # fmt: skip


def render(rows: dict, command: str) -> str:
    lines = [
        START,
        "## Backend set-up from PyPI wheels",
        "",
        DO_NOT_EDIT,
        "",
        generated_by(command, host_facts()),
        "",
        "Each profile set up by `plugin/setup_backend` (what the dock's Set up backend and "
        "`scripts/install_backend.py` do) into a fresh venv without system site packages, from pip's "
        "configured sources (here local mirrors of PyPI, so the time is unpacking and byte-compiling, not "
        "downloading; torch is PyPI's CUDA build, which PyTorch's CPU index would replace on a desktop); then a "
        "detection on the embedded sample through that venv (for clip, its imports are checked and the "
        "detection is the spectral prompt: CLIP weights are not on this machine).",
        "",
        "| profile | Python | set-up (s) | venv on disk (MiB) | detection run through it |",
        "|---|---|---|---|---|",
    ]
    for profile, r in rows.items():
        lines.append(
            f"| {profile} | {r['python']} | {r['seconds']:.0f} | {r['mib']:.0f} | `{r['check']}`: {r['line']} |"
        )
    return "\n".join([*lines, "", END])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profiles", nargs="+", default=["core", "generative"], choices=list(CHECKS))
    p.add_argument("--python", default="/usr/bin/python3" if Path("/usr/bin/python3").is_file() else None)
    p.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    args = p.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory(prefix="raresight-bench-install-") as tmp:
        for profile in args.profiles:
            rows[profile] = measure(profile, args.python, Path(tmp))
            print(profile, rows[profile], flush=True)
    command = "python scripts/bench_install.py"
    if args.profiles != ["core", "generative"]:
        command += " --profiles " + " ".join(args.profiles)
    replace_section(args.output, START, END, render(rows, command))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
