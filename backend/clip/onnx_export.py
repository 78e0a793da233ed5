"""The dense CLIP image tower as an ONNX graph, and an onnxruntime runner for method ``clip``.

The graph maps a normalised batch ``image`` ``(B, 3, S, S)`` (dynamic B) to ``patches``, the unit
patch embeddings ``(B, gh * gw, D)`` of :func:`~backend.clip.maps.dense_embeddings`, and ``embedding``,
the unit image embedding ``(B, D)``. The text tower stays in torch (prompts are encoded once). The
file's metadata carries the model card, the attention variant, the input size and the normalisation,
so the graph can be used on its own.
"""

from __future__ import annotations

import io
import json
import os
import warnings
from collections.abc import Callable

import numpy as np

from ..atomic import atomic_output
from .model import ClipModel

OPSET = 17


def _tower(clip: ClipModel, attention: str):
    import torch

    from .maps import dense_embeddings

    class DenseTower(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.visual = clip.net.visual

        def forward(self, image):
            return dense_embeddings(self.visual, image, attention)

    return DenseTower().eval()


def tower_onnx_bytes(clip: ClipModel, attention: str = "selfself") -> bytes:
    """The dense image tower of ``clip`` as a serialized ONNX graph (CPU, float32)."""
    import torch

    size = clip.input_size_px
    was = next(clip.net.parameters()).device
    clip.net.to("cpu")
    buf = io.BytesIO()
    try:
        # The TorchScript exporter (as for the generative models): no torch.export dependencies.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _tower(clip, attention),
                (torch.zeros(1, 3, size, size),),
                buf,
                input_names=["image"],
                output_names=["patches", "embedding"],
                dynamic_axes={"image": {0: "batch"}, "patches": {0: "batch"}, "embedding": {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,
            )
    finally:
        clip.net.to(was)
    return buf.getvalue()


def export_tower(clip: ClipModel, path: str | os.PathLike[str], attention: str = "selfself") -> None:
    """Write the dense image tower to ``path`` with the card and preprocessing in its metadata."""
    import onnx

    proto = onnx.load_from_string(tower_onnx_bytes(clip, attention))
    meta = {
        "raresight_clip_card": json.dumps({**clip.card.summary(), "citation": clip.card.citation}),
        "raresight_attention": attention,
        "raresight_input_px": str(clip.input_size_px),
        "raresight_mean": json.dumps(list(clip.card.mean)),
        "raresight_std": json.dumps(list(clip.card.std)),
    }
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    with atomic_output(path) as tmp:
        onnx.save(proto, os.fspath(tmp))


def make_session(graph: bytes | str, device: str = "cpu") -> Callable[[np.ndarray], list[np.ndarray]]:
    """``run(image)`` -> [patches, embedding] through onnxruntime (CUDA provider when asked and present)."""
    from ..onnx_session import ort_session

    session = ort_session(graph, device)

    def run(image: np.ndarray) -> list[np.ndarray]:
        return session.run(["patches", "embedding"], {"image": np.ascontiguousarray(image, np.float32)})

    return run


def tower_session(clip: ClipModel, attention: str, device: str = "cpu"):
    """Export ``clip``'s dense tower and open it with onnxruntime; see :func:`make_session`."""
    return make_session(tower_onnx_bytes(clip, attention), device)
