"""The backend's dependency profiles: which requirement files each one installs, and a stamp that
says when an installed backend no longer matches the plugin's requirements.

* ``core``: the classical methods, the spectral prompts, polygons and batches (``core.txt``);
* ``generative``: core, then torch, safetensors and onnxruntime (diffusion, flow, the encoder);
* ``clip``: generative, then open_clip and torchvision (the CLIP prompt maps).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

REQUIREMENTS_DIR = Path(__file__).resolve().parent / "requirements"
#: Each profile's requirement files, in install order (a profile includes the ones before it).
PROFILES: dict[str, tuple[str, ...]] = {
    "core": ("core.txt",),
    "generative": ("core.txt", "generative.txt"),
    "clip": ("core.txt", "generative.txt", "clip.txt"),
}
DEVICES = ("cpu", "cuda")
#: Disk space (MiB) a profile's environment takes, for the dock to show before a set-up. core and
#: the CUDA builds: measured by ``scripts/bench_install.py`` (docs/BENCHMARKS.md, "Backend set-up
#: from PyPI wheels"; pip's configured sources give PyPI's CUDA build of torch there). The CPU build
#: of torch is smaller; it is not measured here (PyTorch's CPU index is not reachable from the
#: benchmark machine), so the CUDA figure stands for it as an upper bound.
DISK_MIB: dict[tuple[str, str], int] = {
    ("core", "cpu"): 620,  # measured 615
    ("core", "cuda"): 620,
    ("generative", "cpu"): 6110,  # upper bound: the CUDA build's
    ("generative", "cuda"): 6110,  # measured 6106
    ("clip", "cpu"): 6180,  # upper bound: the CUDA build's
    ("clip", "cuda"): 6180,  # measured 6177
}


def check_profile(profile: str, device: str = "cpu") -> None:
    if profile not in PROFILES:
        raise ValueError(f"Unknown profile {profile!r}: choose one of {', '.join(PROFILES)}.")
    if device not in DEVICES:
        raise ValueError(f"Unknown device {device!r}: choose cpu or cuda.")


def requirement_lines(profile: str, device: str = "cpu", folder: Path = REQUIREMENTS_DIR) -> list[str]:
    """The pinned requirements of ``profile`` (comments dropped); with ``device`` ``cuda``,
    onnxruntime becomes onnxruntime-gpu."""
    check_profile(profile, device)
    lines = []
    for name in PROFILES[profile]:
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if device == "cuda" and line.startswith("onnxruntime=="):
                line = "onnxruntime-gpu==" + line.split("==", 1)[1]
            lines.append(line)
    return lines


def requirements_hash(profile: str, device: str = "cpu", folder: Path = REQUIREMENTS_DIR) -> str:
    """A digest of what ``profile`` installs: it changes when the plugin's pins change."""
    text = "\n".join(requirement_lines(profile, device, folder))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def profile_for_method(method: dict) -> str:
    """The profile a method (an entry of ``resources/methods.json``) needs."""
    return str(method.get("profile") or "core")
