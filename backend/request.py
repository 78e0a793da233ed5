"""One request type for every front end: what to score (or fit) and how.

The CLI, the worker (and through it the dock and Processing, which send plain dicts) build a
:class:`ScoreRequest` or :class:`FitRequest` with ``from_dict``, which takes the worker's field
names (:data:`SCORE_FIELDS`), rejects unknown keys, checks types and ranges, resolves the method
from a saved model's card and routes ``prompt``, ``negative`` and ``checkpoint`` into the method's
parameters. The pipeline (:mod:`backend.scoring`) runs a request; it checks nothing of this again.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .detectors import METHODS, Detector, create_detector
from .errors import InputError, MethodError
from .outputs import protected_paths

log = logging.getLogger(__name__)

#: Fields of a score request, as the worker and ``from_dict`` name them.
SCORE_FIELDS = (
    "targets",
    "references",
    "method",
    "params",
    "prompt",
    "negative",
    "checkpoint",
    "fuse",
    "tile_size",
    "overlap",
    "device",
    "complex",
)
#: A fit request takes the same fields less the prompt method's and the fusion's.
FIT_FIELDS = tuple(f for f in SCORE_FIELDS if f not in ("prompt", "negative", "checkpoint", "fuse"))
#: Request fields that become the method's parameters of the same name when it takes them.
PROMPT_FIELDS = ("prompt", "negative", "checkpoint")
#: Method parameters that name files the method reads (``fuse.`` prefixes included).
FILE_PARAMS = ("model", "checkpoint", "encoder")
FUSE_PREFIX = "fuse."
DEVICES = ("auto", "cpu", "cuda")
TILE_SIZE_PX = (16, 8192)


def field_of(
    values: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    default: Any = None,
    required: bool = False,
) -> Any:
    """``values[key]`` checked to be a ``kind`` (bool is no number); ``default`` when absent or None.

    Raises:
        InputError: a required field is missing, or a field has the wrong type.
    """
    if key not in values or values[key] is None:
        if required:
            raise InputError(f"Request is missing {key!r}.")
        return default
    value = values[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind in (int, float, (int, float)):
        raise InputError(f"Request field {key!r} has the wrong type ({type(value).__name__}).")
    return value


def trainable_methods() -> list[str]:
    """The methods ``fit`` trains and that reuse a saved ``model`` (:attr:`Detector.trainable`)."""
    return [name for name, cls in METHODS.items() if cls.trainable]


def takes(method: str, parameter: str) -> bool:
    """True when method ``method`` has a parameter ``parameter``."""
    cls = METHODS.get(method)
    return cls is not None and parameter in cls.Config().to_dict()


def model_method(path: str) -> str:
    """The method a saved model was fit with, from its card: ``<model>.json`` beside a safetensors
    model, the metadata inside an ``.onnx`` export. Falls back to a guess from the file name when
    there is no readable card. Never imports torch."""
    method = None
    try:
        if path.lower().endswith(".onnx"):
            from .generative.onnx_card import onnx_card

            method = onnx_card(path).get("method")
        elif os.path.isfile(f"{path}.json"):
            with open(f"{path}.json", encoding="utf-8") as f:
                method = json.load(f).get("method")
    except (OSError, ValueError, AttributeError, InputError):
        method = None
    if isinstance(method, str) and method in trainable_methods():
        return method
    return "flow" if "flow" in os.path.basename(path).lower() else "diffusion"


@dataclass(frozen=True)
class Request:
    """What both requests share: inputs, method, tiling, device (plain values, so a request can
    cross a process boundary). Checked on construction.

    Attributes:
        targets: rasters of one date (the stack is their bands, in order); the first sets the grid.
        references: normal (pre-event) rasters, same order; empty for none.
        method: a name of :data:`backend.detectors.METHODS`.
        params: the method's parameters (``fuse.KEY`` ones go to the fused method).
        tile_size_px, overlap_px: the scoring tiles' side and overlap.
        device: auto, cpu or cuda (methods that run a network).
        complex_mode: how complex (SLC) inputs become real (:data:`backend.raster.COMPLEX_MODES`);
            "" refuses them.
    """

    targets: tuple[str, ...]
    references: tuple[str, ...] = ()
    method: str = "rx"
    params: dict[str, Any] = field(default_factory=dict)
    tile_size_px: int = 512
    overlap_px: int = 32
    device: str = "auto"
    complex_mode: str = ""

    FIELDS: ClassVar[tuple[str, ...]] = FIT_FIELDS
    DEFAULT_METHOD: ClassVar[str] = "rx"
    KIND: ClassVar[str] = "request"

    def __post_init__(self) -> None:
        if not self.targets:
            raise MethodError("No target raster given: name at least one.")
        lo, hi = TILE_SIZE_PX
        if not lo <= self.tile_size_px <= hi or not 0 <= self.overlap_px <= self.tile_size_px // 2:
            raise InputError(
                f"--tile-size must be in [{lo}, {hi}] and --overlap in [0, tile/2]; "
                f"got {self.tile_size_px}, {self.overlap_px}."
            )
        if self.method not in METHODS:
            raise MethodError(
                f"Unknown method {self.method!r}: choose one of {', '.join(METHODS)} (see raresight methods)."
            )
        if self.device not in DEVICES:
            raise InputError(f"The device must be one of {', '.join(DEVICES)}; got {self.device!r}.")
        misplaced = (self.params.get("model") and not METHODS[self.method].trainable) or (
            self.params.get("runtime") and not takes(self.method, "runtime")
        )
        if misplaced:
            raise InputError(
                f"--model and --runtime apply to the generative methods ({', '.join(trainable_methods())}), "
                f"not {self.method}."
            )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]):
        """The request of ``values`` (the worker's fields: :data:`SCORE_FIELDS` or
        :data:`FIT_FIELDS`). Without ``method``, a saved ``model`` parameter's card names it.

        Raises:
            InputError: unknown or mistyped fields, out-of-range tiles, a misplaced model.
            MethodError: an unknown method.
        """
        unknown = sorted(set(values) - set(cls.FIELDS))
        if unknown:
            raise InputError(
                f"Unknown field(s) {', '.join(map(str, unknown))} in a {cls.KIND}: "
                f"it takes {', '.join(cls.FIELDS)}."
            )
        return cls(**cls._fields_from(values))

    @classmethod
    def _fields_from(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """The dataclass fields of ``values``, type-checked."""
        params = dict(field_of(values, "params", dict, {}))
        model = params.get("model")
        if model is not None and not isinstance(model, str):
            raise InputError(f"Parameter 'model' must be a file path, got {type(model).__name__}.")
        return {
            "targets": tuple(str(p) for p in field_of(values, "targets", list, required=True)),
            "references": tuple(str(p) for p in field_of(values, "references", list, [])),
            "method": field_of(values, "method", str, "")
            or (model_method(model) if model else cls.DEFAULT_METHOD),
            "params": params,
            "tile_size_px": field_of(values, "tile_size", int, 512),
            "overlap_px": field_of(values, "overlap", int, 32),
            "device": field_of(values, "device", str, "auto"),
            "complex_mode": field_of(values, "complex", str, "").strip(),
        }

    @property
    def inputs(self) -> list[str]:
        """Every file the request reads, with their sidecars and cards: what its outputs may never be."""
        files = [*self.targets, *self.references]
        files += [v for k, v in self.params.items() if k.split(".")[-1] in FILE_PARAMS and isinstance(v, str)]
        return protected_paths(*files)

    def detector(self) -> Detector:
        """The request's detector, not yet fit."""
        return create_detector(self.method, self.params)


@dataclass(frozen=True)
class FitRequest(Request):
    """Train a trainable method's model on the inputs (``raresight fit``; worker ``fit``)."""

    method: str = "diffusion"

    DEFAULT_METHOD: ClassVar[str] = "diffusion"
    KIND: ClassVar[str] = "fit request"

    def __post_init__(self) -> None:
        if self.method in METHODS and not METHODS[self.method].trainable:
            raise InputError(
                f"fit trains the generative methods ({', '.join(trainable_methods())}), not {self.method}."
            )
        if self.params.get("model"):
            raise InputError("fit trains a new model: leave out the 'model' parameter.")
        super().__post_init__()


@dataclass(frozen=True)
class ScoreRequest(Request):
    """Score the targets into an anomaly map (``raresight score``; worker ``score``).

    ``fuse`` names an anomaly method to combine with the prompt method
    (:mod:`backend.detectors.fusion`); parameters ``fuse.KEY=VALUE`` go to that method.
    """

    fuse: str = ""

    FIELDS: ClassVar[tuple[str, ...]] = SCORE_FIELDS
    KIND: ClassVar[str] = "score request"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.fuse and self.fuse not in METHODS:
            raise InputError(f"Unknown --fuse method {self.fuse!r}: choose one of {', '.join(METHODS)}.")
        if self.device == "cuda" and not takes(self.method, "runtime"):
            log.info("Method %s runs on the CPU; --device %s is ignored.", self.method, self.device)

    @classmethod
    def _fields_from(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """The fields of a request, with ``fuse`` and the prompt fields routed into ``params``: a
        method that takes them gets them (its own parameters win), another ignores them with a
        warning."""
        fields = super()._fields_from(values)
        method, params = fields["method"], fields["params"]
        for key in PROMPT_FIELDS:
            value = field_of(values, key, str, "").strip()
            if not value:
                continue
            if takes(method, key):
                params.setdefault(key, value)
            elif method in METHODS:  # (an unknown method is refused next)
                log.warning("Method %s takes no %s: %r is ignored.", method, key, value)
        return {**fields, "fuse": field_of(values, "fuse", str, "").strip()}

    def detector(self) -> Detector:
        """The method with its parameters, wrapped in a
        :class:`~backend.detectors.fusion.FusedDetector` when ``fuse`` is set.

        Raises:
            MethodError: a prompt method without a prompt, or a bad fusion.
            InputError: bad parameters.
        """
        from .detectors.fusion import FusedDetector

        params = {k: v for k, v in self.params.items() if not k.startswith(FUSE_PREFIX)}
        fuse_params = {k[len(FUSE_PREFIX) :]: v for k, v in self.params.items() if k.startswith(FUSE_PREFIX)}
        cls = METHODS[self.method]
        if cls.uses_prompt and not str(params.get("prompt", "")).strip():
            raise MethodError(
                f"Method {self.method} needs a prompt: give --prompt TEXT (in QGIS, the Prompt box or PROMPT)"
                f"{cls.prompt_hint}."
            )
        detector = create_detector(self.method, params)
        if not self.fuse:
            if fuse_params:
                raise MethodError(
                    "fuse.* parameters apply to the --fuse method: name one, or leave them out."
                )
            return detector
        return FusedDetector(detector, create_detector(self.fuse, fuse_params))
