"""The plain request dicts the dock sends to the worker (``score``, ``fit``, ``polygonize``).

The backend's request module validates every field. The dock checks only what the analyst must
hear about before a run starts (and before non-file layers are exported): an image is chosen, the
output folder can be created and written, the parameters are ``KEY=VALUE`` pairs, a chosen model
or checkpoint file exists, and ``fit`` is asked of a trainable method.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from qgis.core import QgsRasterLayer

from ..i18n import tr
from ..layers import LayerError, layer_to_path, output_name, parse_params, unique_path
from ..methods import is_trainable


@dataclass(frozen=True)
class Choices:
    """What the analyst chose in the dock, read from its widgets at one moment.

    Layers are QGIS layers (None: not chosen); texts are as typed (``model``, ``prompt``,
    ``negative``, ``checkpoint`` and ``fuse`` are "" when the method does not take them).
    """

    target: Any
    second_target: Any
    references: tuple
    method: dict
    params_text: str
    tile_size: int
    device: str
    folder: str
    model: str = ""
    prompt: str = ""
    negative: str = ""
    checkpoint: str = ""
    fuse: str = ""


def score_request(choices: Choices, temp_dir: str) -> dict:
    """The ``score`` request (exports non-file layers to ``temp_dir`` first); a trainable method
    gets the chosen saved model as its ``model`` parameter.

    Raises:
        LayerError: as :func:`_inputs`, or a chosen model or checkpoint file is missing.
    """
    request, folder = _inputs(choices, temp_dir)
    model = _model_file(choices.model)
    if model:
        request["params"]["model"] = model
    request["prompt"] = choices.prompt
    request["negative"] = choices.negative
    request["checkpoint"] = _checkpoint_file(choices.checkpoint)
    request["fuse"] = choices.fuse
    request["output"] = output_name(folder, request["method"])
    return request


def fit_request(choices: Choices, temp_dir: str) -> dict:
    """The ``fit`` request that trains the chosen method on the chosen layers and saves
    ``<output folder>/raresight_<method>_<date-time>.safetensors``.

    Raises:
        LayerError: the method trains no model, or as :func:`_inputs`.
    """
    if not is_trainable(choices.method):
        raise LayerError(
            tr("Method {method} has no model to train: choose a generative method (diffusion, flow).").format(
                method=choices.method["name"]
            )
        )
    request, folder = _inputs(choices, temp_dir)
    request["params"].pop("model", None)  # fit trains a new model
    request["output"] = output_name(folder, request["method"], ".safetensors")
    return request


def polygonize_request(
    score: str, false_alarm_rate: float | None, threshold: float | None, min_area: float
) -> dict:
    """The ``polygonize`` request for a score raster, written beside it as
    ``<score stem>_polygons_far<rate>.gpkg`` (or ``_polygons_above<threshold>`` for a prompt map's
    threshold, given without a rate): at ``threshold`` (the one the layer shows) when given, else
    at ``false_alarm_rate``. ``min_area`` is in m², or in pixels for a score without a CRS."""
    stem = os.path.splitext(os.path.basename(score))[0]
    if false_alarm_rate is not None:
        suffix = f"far{false_alarm_rate:.0e}"
    else:
        suffix = "above" + f"{threshold:.3g}".replace("-", "m")
    output = unique_path(os.path.join(os.path.dirname(score), f"{stem}_polygons_{suffix}.gpkg"))
    request = {"score": score, "output": output, "min_area_m2": float(min_area)}
    request.update({"false_alarm_rate": false_alarm_rate} if threshold is None else {"threshold": threshold})
    return request


def _inputs(choices: Choices, temp_dir: str) -> tuple[dict, str]:
    """The fields shared by ``score`` and ``fit``, and the output folder (created).

    Raises:
        LayerError: no image chosen, an unusable output folder, bad parameters, or a layer that
            cannot be read or exported.
    """
    if not isinstance(choices.target, QgsRasterLayer):
        raise LayerError(tr("Choose the image to analyse first."))
    if choices.method.get("needs_reference") and not choices.references:
        from ..catalogue import wording

        raise LayerError(
            tr("{method} compares two dates: choose the pre-event image as Reference first.").format(
                method=wording(choices.method).title
            )
        )
    folder = _output_folder(choices.folder)
    params = parse_params(choices.params_text)
    targets = [layer for layer in (choices.target, choices.second_target) if layer is not None]
    request = {
        "targets": [layer_to_path(layer, temp_dir) for layer in targets],
        "references": [layer_to_path(layer, temp_dir) for layer in choices.references],
        "method": choices.method["name"],
        "params": params,
        "tile_size": int(choices.tile_size),
        "device": choices.device,
    }
    return request, folder


def _output_folder(folder: str) -> str:
    """``folder``, created; the dock writes its outputs there.

    Raises:
        LayerError: it cannot be created or is not writable.
    """
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise LayerError(
            tr("Cannot create the output folder {folder}: {reason}").format(
                folder=folder, reason=exc.strerror
            )
        ) from None
    if not os.access(folder, os.W_OK):
        raise LayerError(
            tr("The output folder {folder} is not writable: choose another one.").format(folder=folder)
        )
    return folder


def _model_file(path: str) -> str:
    """The chosen saved model (absolute), or "" for none (each detection trains on the fly).

    Raises:
        LayerError: the file does not exist.
    """
    if path and not os.path.isfile(path):
        raise LayerError(
            tr(
                "The model file {path} does not exist: choose another one, or clear it to train on the fly."
            ).format(path=path)
        )
    return os.path.abspath(path) if path else ""


def _checkpoint_file(path: str) -> str:
    """The chosen CLIP checkpoint (absolute), or "" for the default model card's weights.

    Raises:
        LayerError: the file does not exist.
    """
    if path and not os.path.isfile(path):
        raise LayerError(
            tr("The checkpoint file {path} does not exist: choose another one, or clear it.").format(
                path=path
            )
        )
    return os.path.abspath(path) if path else ""
