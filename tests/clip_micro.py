"""Micro open_clip models for the tests: built from a config written here (no download; open_clip's
BPE vocabulary ships inside the package), saved as a plain state dict with a RareSight card beside
it (``<file>.json``) so that ``--checkpoint FILE`` finds the architecture."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from backend.clip.model import build_model
from backend.clip.registry import ModelCard


def micro_config(layers: int = 2) -> dict:
    """A tiny ViT CLIP: 64 px input, 8 px patches (8 x 8 grid), width 64, 32-d joint space."""
    return {
        "embed_dim": 32,
        "vision_cfg": {"image_size": 64, "layers": layers, "width": 64, "patch_size": 8, "head_width": 16},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 4, "layers": 1},
    }


def micro_card(layers: int = 2, **extra) -> dict:
    return {
        "format": "raresight-clip-card/1",
        "name": f"micro-{layers}",
        "architecture": f"micro-{layers}",
        "model_config": micro_config(layers),
        "input_size_px": 64,
        "licence": "test weights",
        **extra,
    }


def micro_net(layers: int = 2, seed: int = 0):
    torch.manual_seed(seed)
    return build_model(ModelCard.from_dict(micro_card(layers))).eval()


def save_micro(folder: Path, layers: int = 2, seed: int = 0, card: bool = True) -> Path:
    """A micro model's state dict (``micro.pt``) and, with ``card``, its card ``micro.pt.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "micro.pt"
    torch.save(micro_net(layers, seed).state_dict(), path)
    if card:
        (folder / "micro.pt.json").write_text(json.dumps(micro_card(layers)), encoding="utf-8")
    return path
