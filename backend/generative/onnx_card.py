"""The model card inside an ``.onnx`` export, read without torch or onnxruntime (for callers that
only need to know what a model file is, such as choosing its method)."""

from __future__ import annotations

import json
import os

from ..errors import InputError

CARD_KEY = "raresight_card"


def onnx_card(path: str | os.PathLike[str]) -> dict:
    """The card stored in the graph's metadata by ``raresight export``.

    Raises:
        InputError: the file is not an ONNX model written by ``raresight export``.
    """
    import onnx

    try:
        proto = onnx.load(os.fspath(path), load_external_data=False)
        card = json.loads({p.key: p.value for p in proto.metadata_props}[CARD_KEY])
    except Exception:  # noqa: BLE001 - any failure means: not one of ours
        card = None
    if not isinstance(card, dict):
        raise InputError(f"{path} is not an ONNX model written by raresight export.")
    return card
