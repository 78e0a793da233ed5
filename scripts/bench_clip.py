"""Throughput of the CLIP prompt methods on the CPU; writes the clip section of docs/BENCHMARKS.md.

    .venv/bin/python scripts/bench_clip.py [--size 1000] [--topk 32] [--no-write]

What is measured: the speed of the full-size open_clip ViT-B-32 architecture (QuickGELU, the
architecture of the RemoteCLIP, GeoRSCLIP and OpenAI cards) with RANDOM weights, saved as a state
dict with a card beside it and named with ``checkpoint=``. Trained weights have the same shapes and
run at the same speed, but these maps mean nothing: this is a speed test only. The input is a
synthetic 13-band Sentinel-2-like raster (uint16, 10 m, UTM), mapped to true colour; CLIP windows of
224 px at the raster's 10 m, stride 112 px. Each method runs through ``score_to_file`` (the engine of
``raresight score``: read, colour-stretch fit pass, model load, text encoding, windows, stitching,
GeoTIFF, calibration); the table gives the engine's wall time and MP/s, the CLIP windows it scored
and the time per window. Only the section between ``<!-- clip:start -->`` and ``<!-- clip:end -->``
is replaced (the markers are appended at the end of the file when missing).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import DOC  # noqa: E402
from bench.doc import DO_NOT_EDIT, generated_by, host_facts, replace_section  # noqa: E402
from bench.rasters import write_s2_fields  # noqa: E402

from backend.request import ScoreRequest  # noqa: E402
from backend.scoring import score_to_file  # noqa: E402

START, END = "<!-- clip:start -->", "<!-- clip:end -->"
ARCH = "ViT-B-32-quickgelu"


def write_random_checkpoint(folder: Path) -> Path:
    """A ViT-B-32 state dict with random (seeded) weights and a card that says so."""
    import torch

    from backend.clip.model import build_model
    from backend.clip.registry import ModelCard

    torch.manual_seed(0)
    card = {
        "format": "raresight-clip-card/1",
        "name": "random-vit-b-32",
        "architecture": ARCH,
        "licence": "none: random weights for a speed test",
        "input_size_px": 224,
    }
    net = build_model(ModelCard.from_dict(card))
    path = folder / "random-vit-b-32.pt"
    torch.save(net.state_dict(), path)
    (folder / "random-vit-b-32.pt.json").write_text(json.dumps(card), encoding="utf-8")
    return path


def run(raster: Path, checkpoint: Path, out: Path, method: str, params: dict[str, str]) -> dict:
    job = ScoreRequest(
        targets=(str(raster),),
        method=method,
        params={
            "prompt": "flooded area",
            "negative": "dry fields; river in its bed",
            "checkpoint": str(checkpoint),
            **params,
        },
        device="cpu",
    )
    started = time.perf_counter()
    side = score_to_file(job, out)
    seconds = time.perf_counter() - started
    px = side["grid"]["width"] * side["grid"]["height"]
    windows = side["fit"]["windows_scored"]
    return {
        "seconds": seconds,
        "mp_per_s": px / 1e6 / seconds,
        "windows": windows,
        "s_per_window": side["fit"]["model_seconds"] / max(windows, 1),
    }


def load_seconds(checkpoint: Path) -> float:
    from backend.clip.model import load_clip

    started = time.perf_counter()
    clip = load_clip(str(checkpoint))
    clip.encode_texts(["flooded area", "dry fields", "river in its bed"])
    return time.perf_counter() - started


def section(rows: list[tuple[str, str, dict]], size: int, load_s: float, topk: int) -> str:
    import torch

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out = [
        START,
        "## CLIP prompt methods: throughput (architecture speed, random weights)",
        "",
        generated_by(
            f"python scripts/bench_clip.py --size {size} --topk {topk}",
            host_facts(torch.__version__),
            note=f"load average {load:.1f} when it finished",
        )
        + f" {DO_NOT_EDIT}",
        "",
        f"**These are speeds of the open_clip `{ARCH}` architecture with random weights, not of trained "
        "weights** (none can be downloaded here): RemoteCLIP, GeoRSCLIP and OpenAI's ViT-B/32 have the same "
        "shapes and cost the same, but the maps of random weights mean nothing.",
        "",
        f"Input: a synthetic {size} x {size} px 13-band Sentinel-2-like raster at 10 m ({size * size / 1e6:.2f} MP), "
        "true colour; CLIP windows of 224 px (at the raster's 10 m), stride 112 px; CPU, float32; prompt "
        '"flooded area" against two negatives. Engine time = `score_to_file` (what `raresight score` runs: '
        f"fit pass, model load ({load_s:.1f} s of it: building the model, reading the 605 MB state dict, encoding "
        "the prompts), windows, stitching, GeoTIFF, calibration).",
        "",
        "| method | parameters | engine time (s) | MP/s (end to end) | windows scored | model s per window |",
        "|---|---|---|---|---|---|",
    ]
    for method, label, r in rows:
        out.append(
            f"| `{method}` | {label} | {r['seconds']:.1f} | {r['mp_per_s']:.4f} | {r['windows']} | "
            f"{r['s_per_window']:.3f} |"
        )
    out += [
        "",
        "*Model s per window* is the time spent in the network (measured inside the window loop; for "
        "`runtime=onnx` the export happens at load, outside it). A raster needs about "
        "`(1000 / stride_px)^2` windows per megapixel (about 80 at 10 m with the default half-window "
        "stride); `stride=1` needs a quarter of them, a `gsd_m` coarser than the raster's pixel covers "
        "more ground per window, and gScoreCAM costs about `1 + topk` forward passes per window.",
        END,
    ]
    return "\n".join(out)


def write_section(text: str) -> None:
    replace_section(DOC, START, END, text)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=1000, help="raster side in px (default 1000: 1 MP)")
    p.add_argument(
        "--topk", type=int, default=32, help="gscorecam channels (default 32, the method's default)"
    )
    p.add_argument(
        "--no-write", action="store_true", help="print the section, leave docs/BENCHMARKS.md alone"
    )
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    configs = [
        ("clip", "attention=selfself, runtime=torch", {}),
        ("clip", "runtime=onnx (onnxruntime; export included)", {"runtime": "onnx"}),
        ("gradcam", "cam=tokens", {}),
        ("gradcam", "cam=attention", {"cam": "attention"}),
        ("gscorecam", f"topk={args.topk}", {"topk": str(args.topk)}),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        checkpoint = write_random_checkpoint(folder)
        raster = write_s2_fields(folder / "s2.tif", args.size)
        load_s = load_seconds(checkpoint)
        rows = []
        for i, (method, label, params) in enumerate(configs):
            r = run(raster, checkpoint, folder / f"out{i}.tif", method, params)
            print(
                f"{method:10s} {label:45s} {r['seconds']:7.1f} s  {r['mp_per_s']:.4f} MP/s  {r['windows']} windows",
                flush=True,
            )
            rows.append((method, label, r))
    text = section(rows, args.size, load_s, args.topk)
    if args.no_write:
        print(text)
    else:
        write_section(text)
        print(f"wrote the clip section of {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
