"""Saving and loading generative models without pickles.

A model is one safetensors file (tensors only: the network's weights, the normalisation and the
residual statistics; loading it cannot run code) plus its model card, a JSON document stored both in
the safetensors metadata and beside the file as ``<model>.json`` for people to read. The card says
what the model is: bands, normalisation, conditioning, network shape, score, fit-data summary,
training summary and the software version.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..atomic import atomic_output
from ..errors import InputError, MissingFileError
from ..outputs import sidecar_of
from ..stats import Regression, Whitener
from .card import CARD_FORMAT, check_card
from .data import Projection
from .model import GenerativeModel, ScoreSpec
from .nets import Denoiser, NetSpec

EXTRA_PREFIXES = ("encoder.",)  # arrays of the experts beside the network (GenerativeModel.extra_arrays)


def card_path(path: str | os.PathLike[str]) -> Path:
    """``m.safetensors`` -> ``m.safetensors.json`` (the sidecar rule of every output)."""
    return Path(sidecar_of(path))


def _arrays(model: GenerativeModel) -> dict[str, np.ndarray]:
    out = {f"net.{k}": v.detach().cpu().numpy() for k, v in model.net.state_dict().items()}
    for prefix, proj in (("proj", model.projection), ("cond", model.cond_projection)):
        if proj is None:
            continue
        out[f"{prefix}.mean"] = proj.mean
        out[f"{prefix}.w"] = proj.w
        if proj.tail is not None:
            out[f"{prefix}.tail"] = proj.tail
        if proj.log is not None:
            out[f"{prefix}.log"] = proj.log.astype(np.uint8)
    for prefix, reg in (("regress", model.regression), ("reverse", model.reverse)):
        if reg is not None:
            out[f"{prefix}.coef"] = reg.coef
            out[f"{prefix}.w"] = reg.w
    for i, w in enumerate(model.residual_whiteners):
        out[f"residual.{i}.mean"] = w.mean
        out[f"residual.{i}.w"] = w.w
    out.update(model.extra_arrays)
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


def save_model(model: GenerativeModel, path: str | os.PathLike[str]) -> dict:
    """Write ``path`` (safetensors) and ``<path>.json`` atomically; return the card."""
    from safetensors.numpy import save_file

    card = {**model.card, "format": CARD_FORMAT, "seed": model.seed}
    with atomic_output(path) as tmp, atomic_output(card_path(path)) as tmp_card:
        save_file(_arrays(model), os.fspath(tmp), metadata={"card": json.dumps(card)})
        with open(tmp_card, "w", encoding="utf-8") as f:
            json.dump(card, f, indent=1)
    return card


def load_model(path: str | os.PathLike[str]) -> GenerativeModel:
    """Load a model written by :func:`save_model` (tensors and JSON only)."""
    from safetensors import SafetensorError, safe_open

    if not Path(path).is_file():
        raise MissingFileError(f"Model {path} does not exist: give a file written by raresight fit.")
    try:
        with safe_open(os.fspath(path), framework="numpy") as f:
            meta = f.metadata() or {}
            arrays = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise InputError(f"{path} is not a RareSight model (safetensors): {exc}") from None
    try:
        card = json.loads(meta["card"])
        if card.get("format") != CARD_FORMAT:
            raise KeyError("format")
    except (KeyError, json.JSONDecodeError):
        raise InputError(
            f"{path} has no RareSight model card: give a file written by raresight fit."
        ) from None
    return model_from_parts(card, arrays, path)


def model_from_parts(
    card: dict, arrays: dict[str, np.ndarray], path: str | os.PathLike[str] = "the model"
) -> GenerativeModel:
    """The model of a card and its arrays.

    Raises:
        InputError: the card names an option this version no longer has (:func:`.card.check_card`).
    """
    import torch

    def proj(prefix: str) -> Projection | None:
        if f"{prefix}.mean" not in arrays:
            return None
        log = arrays.get(f"{prefix}.log")
        return Projection(
            arrays[f"{prefix}.mean"],
            arrays[f"{prefix}.w"],
            arrays.get(f"{prefix}.tail"),
            None if log is None else np.asarray(log).astype(bool),
        )

    check_card(card, path)
    spec = NetSpec.from_dict(card["net"])
    net = Denoiser(spec)
    state = {k[4:]: torch.from_numpy(np.array(v)) for k, v in arrays.items() if k.startswith("net.")}
    net.load_state_dict(state)
    net.eval()
    score = ScoreSpec.from_dict(card["score"])
    whiteners = []
    i = 0
    while f"residual.{i}.mean" in arrays:
        whiteners.append(Whitener(arrays[f"residual.{i}.mean"], arrays[f"residual.{i}.w"]))
        i += 1
    regression, reverse = (
        Regression(arrays[f"{p}.coef"], arrays[f"{p}.w"]) if f"{p}.coef" in arrays else None
        for p in ("regress", "reverse")
    )
    model = GenerativeModel(
        card["process"],
        net,
        proj("proj"),
        proj("cond"),
        score,
        int(card.get("seed", 0)),
        whiteners,
        card,
        regression,
        reverse,
    )
    model.extra_arrays = {k: np.asarray(v) for k, v in arrays.items() if k.startswith(EXTRA_PREFIXES)}
    return model
