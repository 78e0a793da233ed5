"""Build the open_clip model a card describes and load its weights without unpickling code.

Weights are read with ``safetensors`` (``.safetensors``) or ``torch.load(weights_only=True)``
(everything else): only tensors, containers and plain values are accepted, so a checkpoint that
carries pickled objects or code (or a TorchScript archive) is refused with a one-line error instead
of being executed. The tokenizer is open_clip's BPE tokenizer, whose vocabulary ships inside the
package (no download).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, WeightsError
from ..progress import ProgressCallback, no_progress
from .registry import ModelCard, resolve_checkpoint

log = logging.getLogger(__name__)

#: Buffers open_clip rebuilds itself: never expected in a checkpoint.
_REBUILT = ("attn_mask",)


@dataclass
class ClipModel:
    """An open_clip CLIP model in eval mode with its card, tokenizer and device."""

    net: Any  # open_clip.model.CLIP
    card: ModelCard
    tokenizer: Any
    device: str
    verified: bool = False  # the weights' sha256 matched a published checksum

    @property
    def input_size_px(self) -> int:
        return int(self.net.visual.image_size[0])

    def encode_texts(self, texts: list[str]):
        """Unit-norm text embeddings: float32 tensor ``(len(texts), embed_dim)`` on the device."""
        import torch

        tokens = self.tokenizer(texts).to(self.device)
        with torch.no_grad():
            emb = self.net.encode_text(tokens).float()
        return torch.nn.functional.normalize(emb, dim=-1)

    @property
    def logit_scale(self) -> float:
        """exp(learned temperature), capped at 100 as in CLIP's training."""
        return float(min(self.net.logit_scale.exp().item(), 100.0))


def load_clip(
    checkpoint: str = "", arch: str = "", device: str = "cpu", progress: ProgressCallback = no_progress
) -> ClipModel:
    """Resolve ``checkpoint`` (see :func:`registry.resolve_checkpoint`), build and load the model."""
    resolved = resolve_checkpoint(checkpoint, arch, progress)
    net = build_model(resolved.card)
    state = read_state_dict(resolved.path)
    _load_into(net, state, resolved.path, resolved.card)
    net.eval().to(device)
    for p in net.parameters():
        p.requires_grad_(False)
    return ClipModel(net, resolved.card, make_tokenizer(net), device, resolved.verified)


def model_config(card: ModelCard) -> dict[str, Any]:
    """The open_clip config of a card: its inline ``model_config``, else open_clip's named config."""
    import open_clip

    if card.model_config is not None:
        return copy.deepcopy(card.model_config)
    config = open_clip.get_model_config(card.architecture)
    if config is None:
        raise WeightsError(
            f"open_clip has no architecture {card.architecture!r} (card {card.name}): use a name of "
            "open_clip.list_models() such as ViT-B-32, or give the model_config in the card."
        )
    return copy.deepcopy(config)


def build_model(card: ModelCard):
    """A randomly initialised open_clip ``CLIP`` of the card's architecture (ViT image towers only)."""
    from open_clip.model import CLIP
    from open_clip.transformer import VisionTransformer

    config = model_config(card)
    if "timm_model_name" in config.get("vision_cfg", {}) or "hf_model_name" in config.get("text_cfg", {}):
        raise WeightsError(f"{card.architecture}: only open_clip's own ViT towers are supported.")
    if card.architecture.endswith("-quickgelu"):
        config["quick_gelu"] = True
    for key in ("custom_text", "multimodal_cfg"):
        if config.pop(key, None):
            raise WeightsError(f"{card.architecture}: only plain CLIP models are supported ({key}).")
    try:
        net = CLIP(**config)
    except (TypeError, ValueError) as exc:
        raise WeightsError(f"Cannot build open_clip model {card.architecture}: {exc}.") from None
    if not isinstance(net.visual, VisionTransformer) or net.visual.attn_pool is not None:
        raise WeightsError(f"{card.architecture}: the prompt maps need a ViT image tower with token pooling.")
    return net


def make_tokenizer(net):
    """open_clip's BPE tokenizer (vocabulary bundled with the package) for the model's context."""
    from open_clip.tokenizer import SimpleTokenizer

    return SimpleTokenizer(context_length=int(net.context_length))


def read_state_dict(path: Path) -> dict[str, Any]:
    """Tensors of a weights file, never running pickled code (see the module docstring).

    Unwraps ``{"state_dict": ...}`` training checkpoints and ``module.`` prefixes.
    """
    import pickle

    import torch
    from safetensors import SafetensorError

    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state: Any = load_file(str(path))
        else:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(
            f"{path} cannot be loaded as plain tensors ({first[:160]}); RareSight never runs pickled "
            "code: give a state dict saved with torch.save(model.state_dict()) or a .safetensors file."
        ) from None
    except (OSError, EOFError, ValueError, SafetensorError) as exc:
        raise WeightsError(f"{path} is not a readable weights file: {exc}.") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{path} is not a state dict of tensors.")
    return {(k[7:] if k.startswith("module.") else k): v for k, v in state.items()}


def _load_into(net, state: dict[str, Any], path: Path, card: ModelCard) -> None:
    """Load ``state`` into ``net``; every model tensor must come from the file, shapes must match."""
    try:
        result = net.load_state_dict(state, strict=False)
    except RuntimeError as exc:
        detail = str(exc).strip().splitlines()
        raise WeightsError(
            f"{path} does not fit architecture {card.architecture}: {detail[-1].strip()[:200] if detail else exc}"
        ) from None
    missing = [k for k in result.missing_keys if k.split(".")[-1] not in _REBUILT]
    if missing:
        raise WeightsError(
            f"{path} does not fit architecture {card.architecture}: {len(missing)} tensor(s) missing "
            f"(e.g. {missing[0]}); choose the right card or --param arch=."
        )
    if result.unexpected_keys:
        log.info("%s: %d extra tensor(s) ignored", path, len(result.unexpected_keys))


def split_prompts(text: str) -> list[str]:
    """Prompts separated by ``;`` or ``|`` (empty parts dropped)."""
    parts = [p.strip() for chunk in str(text).split("|") for p in chunk.split(";")]
    return [p for p in parts if p]


def check_prompt(text: str, method: str) -> list[str]:
    """The positive prompts of a job, or an :class:`InputError` when there are none."""
    prompts = split_prompts(text)
    if not prompts:
        raise InputError(
            f'Method {method} needs a text prompt: --prompt "flooded area" (several: separate with ;).'
        )
    return prompts
