"""ONNX export of a generative model and scoring with onnxruntime.

``export_onnx`` writes the network as an ONNX graph (dynamic batch, rows and columns) and stores the
model card and the non-network arrays (normalisation, residual statistics) in the graph's metadata,
so one ``.onnx`` file scores on its own: ``raresight score ... --model model.onnx``. The noise bank is
regenerated from the seed in the card, as for a safetensors model.

``use_onnx_runtime`` swaps a model's torch runner for an onnxruntime session; everything else
(normalisation, noise, residual statistics) stays the same code, so torch and ONNX scores agree up
to float rounding (tested).
"""

from __future__ import annotations

import base64
import io
import json
import os
import warnings
from pathlib import Path

import numpy as np

from ..atomic import atomic_output
from ..errors import InputError, MissingFileError
from .model import GenerativeModel
from .onnx_card import CARD_KEY, metadata

OPSET = 17


def _input_names(model: GenerativeModel) -> list[str]:
    spec = model.spec
    names = ["x_t", "t"]
    if spec.cond_channels:
        names.append("cond")
    if spec.embed_dim:
        names.append("embed")
    return names


def _wrapped(model: GenerativeModel):
    """The network with a positional forward of only the inputs it uses (for the exporter)."""
    import torch

    names = _input_names(model)

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = model.net

        def forward(self, *args):
            kw = dict(zip(names, args))
            return self.net(kw["x_t"], kw["t"], kw.get("cond"), kw.get("embed"))

    return Wrapped().eval()


def _example(model: GenerativeModel, rows: int = 24, cols: int = 24):
    import torch

    spec = model.spec
    ex = {"x_t": torch.zeros(1, spec.channels, rows, cols), "t": torch.full((1,), 0.5)}
    if spec.cond_channels:
        ex["cond"] = torch.zeros(1, spec.cond_channels, rows, cols)
    if spec.embed_dim:
        ex["embed"] = torch.zeros(1, spec.embed_dim)
    return ex


def onnx_bytes(model: GenerativeModel) -> bytes:
    """The network as a serialized ONNX graph (without metadata)."""
    import torch

    model.net.to("cpu").eval()
    ex = _example(model)
    names = list(ex)
    dynamic = {
        n: ({0: "batch"} if n in ("t", "embed") else {0: "batch", 2: "rows", 3: "cols"}) for n in names
    }
    dynamic["pred"] = {0: "batch", 2: "rows", 3: "cols"}
    buf = io.BytesIO()
    # The TorchScript exporter is used on purpose: its graph has dynamic rows and columns without
    # the optional dependencies of the torch.export path; torch warns that it is the legacy one.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            _wrapped(model),
            tuple(ex.values()),
            buf,
            input_names=names,
            output_names=["pred"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,
        )
    return buf.getvalue()


def export_onnx(model: GenerativeModel, path: str | os.PathLike[str]) -> None:
    """Write a self-contained ``.onnx`` of ``model`` (network + card + arrays in the metadata)."""
    import onnx
    from safetensors.numpy import save

    from .model_io import _arrays

    proto = onnx.load_from_string(onnx_bytes(model))
    extras = {k: v for k, v in _arrays(model).items() if not k.startswith("net.")}
    card = {**model.card, "seed": model.seed}
    for key, value in (
        (CARD_KEY, json.dumps(card)),
        ("raresight_arrays", base64.b64encode(save(extras)).decode("ascii")),
    ):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    with atomic_output(path) as tmp:
        onnx.save(proto, os.fspath(tmp))


def load_onnx_model(path: str | os.PathLike[str], device: str = "cpu") -> GenerativeModel:
    """A model from a file written by :func:`export_onnx`, scoring through onnxruntime."""
    import onnx
    from safetensors.numpy import load

    from .model_io import model_from_parts

    if not Path(path).is_file():
        raise MissingFileError(f"Model {path} does not exist: give a file written by raresight export.")
    try:
        proto = onnx.load(os.fspath(path))
        meta = metadata(proto, path)
        card = meta[CARD_KEY]
        arrays = load(base64.b64decode(meta["raresight_arrays"]))
    except Exception:  # noqa: BLE001 - any failure means: not one of ours
        raise InputError(f"{path} is not an ONNX model written by raresight export.") from None
    # The network's weights live in the graph; the torch module only carries the shape.
    from .card import check_card
    from .nets import Denoiser, NetSpec

    check_card(card, path)
    skeleton = {
        f"net.{k}": v.numpy() for k, v in Denoiser(NetSpec.from_dict(card["net"])).state_dict().items()
    }
    model = model_from_parts(card, {**arrays, **skeleton}, path)
    _attach_session(model, proto.SerializeToString(), device)
    return model


def use_onnx_runtime(model: GenerativeModel, device: str = "cpu") -> None:
    """Score ``model`` with onnxruntime from now on (exports its network first)."""
    _attach_session(model, onnx_bytes(model), device)


def _attach_session(model: GenerativeModel, graph: bytes, device: str) -> None:
    import torch

    from ..onnx_session import ort_session

    session = ort_session(graph, device)
    names = _input_names(model)

    def run(x_t, t, cond, embed):
        given = {"x_t": x_t, "t": t, "cond": cond, "embed": embed}
        feeds = {n: given[n].detach().cpu().numpy().astype(np.float32) for n in names}
        (pred,) = session.run(["pred"], feeds)
        return torch.from_numpy(pred).to(x_t.device)

    model.runner = run
    model.card = {**model.card, "runtime": "onnx"}
