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
    except Exception:  # noqa: BLE001 - any failure means: not one of ours
        raise InputError(f"{path} is not an ONNX model written by raresight export.") from None
    return metadata(proto, path)[CARD_KEY]


def metadata(proto, path: str | os.PathLike[str]) -> dict:
    """The graph's metadata as a dict, with the card (``CARD_KEY``) parsed from its JSON.

    Raises:
        InputError: there is no card (not a file written by ``raresight export``).
    """
    meta = {p.key: p.value for p in proto.metadata_props}
    try:
        meta[CARD_KEY] = json.loads(meta[CARD_KEY])
    except (KeyError, ValueError):
        meta[CARD_KEY] = None
    if not isinstance(meta[CARD_KEY], dict):
        raise InputError(f"{path} is not an ONNX model written by raresight export.")
    return meta
