"""The model card: what a fitted generative model is, written into the saved model and beside it.

The card says what the model describes (method, process, conditioning, the experts beside the
network), what it reads (bands, normalisation, log bands), its network and score, how it was
trained and on what, and the scene context it was fit with. :mod:`.model_io` stores it in the
safetensors metadata and as ``<model>.json``; :func:`check_card` refuses cards of options this
version no longer has, in one line.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import InputError
from .config import GenerativeOptions

CARD_FORMAT = "raresight-model/1"


def band_list(log: np.ndarray | None) -> list[int]:
    """1-based numbers of the bands read as logs."""
    return [] if log is None else [int(i) + 1 for i in np.flatnonzero(log)]


def model_card(
    method: str,
    condition: str,
    fit: Any,
    options: GenerativeOptions,
    layout: Any,
    embedding: np.ndarray,
    device: str,
) -> dict[str, Any]:
    """The card of a model fit by :func:`.fitting.fit_model` (``fit``: its
    :class:`~.fitting.FitResult`) on inputs of ``layout`` (the detector's ``InputLayout``: band
    counts per raster, location, date), with the scene's context vector ``embedding``."""
    from .. import __version__

    m, t = fit.model, options.training
    proj, cproj = m.projection, m.cond_projection
    local = options.local.record() if condition == "none" else None
    return {
        "format": CARD_FORMAT,
        "software": {"name": "raresight", "version": __version__},
        "method": method,
        "process": m.process,
        "condition": condition,
        **({"local": local} if local else {}),
        **({"reverse_expert": True} if m.reverse is not None else {}),
        **({"magnitude_expert": True} if condition == "reference" and options.scoring.magnitude else {}),
        **({"speckled": True} if fit.speckled else {}),
        **({"relation": fit.relation} if fit.relation else {}),
        **({"identity_expert": fit.identity} if fit.identity else {}),
        "bands": fit.bands,
        "cond_bands": fit.cond_bands,
        "input_bands": {"targets": list(layout.target_bands), "references": list(layout.reference_bands)},
        "normalisation": {
            "kind": "principal components, whitened",
            "components": proj.channels,
            "cond_components": cproj.channels if cproj else 0,
            "log_bands": band_list(proj.log),
            "cond_log_bands": band_list(cproj.log) if cproj else [],
        },
        "net": m.spec.to_dict(),
        "score": m.score_spec.to_dict(),
        "training": {
            **fit.summary,
            "batch": t.batch,
            "patch": t.patch,
            "lr": t.lr,
            "seed": t.seed,
            "noise": options.scoring.noise,
            "device": device,
        },
        "fit_data": {
            "pixels": fit.pixels,
            "crops": int(fit.crops.shape[0]),
            "crop_px": fit.crop_px,
            "core_share": round(fit.core_share, 4),
        },
        "context": {
            "lonlat": list(layout.lonlat) if layout.lonlat else None,
            "date": options.date or layout.target_date,
            "embedding": embedding.tolist(),
        },
    }


def removed_options(card: dict[str, Any]) -> list[str]:
    """The options of ``card`` that this version no longer has (experiments without a benchmark
    that showed them to help), as ``KEY=VALUE``; empty for every card of a default fit."""
    net, score = card.get("net") or {}, card.get("score") or {}
    found = []
    if card.get("arch") == "patch" or net.get("context_kernel"):
        found.append("arch=patch")
    if score.get("norm", "cov") != "cov":
        found.append(f"norm={score['norm']}")
    if score.get("antithetic"):
        found.append("antithetic=true")
    encoder = card.get("encoder")
    if isinstance(encoder, dict):
        # cards older than these keys had the sum and the distance
        if encoder.get("combine", "sum") != "rank":
            found.append(f"encoder_combine={encoder.get('combine', 'sum')}")
        if encoder.get("change", "distance") != "regression":
            found.append(f"encoder_change={encoder.get('change', 'distance')}")
    return found


def check_card(card: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Raise a one-line :class:`InputError` when the model was fit with a removed option."""
    removed = removed_options(card)
    if removed:
        raise InputError(
            f"{path} was fit with {', '.join(removed)}, which this version of RareSight no longer "
            "offers: fit the model again."
        )
