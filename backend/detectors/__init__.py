"""Registry of detectors: one name, one class, one line of description each."""

from __future__ import annotations

from typing import Any

from ..errors import MethodError
from .base import Detector, DetectorConfig, FitBlock, InputLayout
from .clip import ClipSimilarityDetector, GradCamDetector, GScoreCamDetector
from .cva import CVADetector
from .gauss_ref import GaussRefDetector
from .generative import DiffusionDetector, FlowDetector
from .logratio import LogRatioDetector
from .lrx import LRXDetector
from .rx import RXDetector
from .spectral import SpectralDetector

METHODS: dict[str, type[Detector]] = {
    cls.name: cls
    for cls in (
        RXDetector,
        LRXDetector,
        CVADetector,
        LogRatioDetector,
        GaussRefDetector,
        DiffusionDetector,
        FlowDetector,
        SpectralDetector,
        ClipSimilarityDetector,
        GradCamDetector,
        GScoreCamDetector,
    )
}

__all__ = [
    "METHODS",
    "Detector",
    "DetectorConfig",
    "FitBlock",
    "InputLayout",
    "create_detector",
    "describe_methods",
]


def create_detector(name: str, params: dict[str, Any] | None = None) -> Detector:
    """Instantiate method ``name`` with its config built from ``params``."""
    try:
        cls = METHODS[name]
    except KeyError:
        raise MethodError(
            f"Unknown method {name!r}: choose one of {', '.join(METHODS)} (see raresight methods)."
        ) from None
    return cls(cls.Config.from_dict(params or {}))


def describe_methods() -> list[dict[str, Any]]:
    """One entry per method: name, summary, whether it needs a reference, its parameters (name ->
    default, as the plugin reads them) and ``parameter_help`` (name -> default, a one-line
    description and whether the parameter is experimental: kept for research only)."""
    return [
        {
            "name": cls.name,
            "summary": cls.summary,
            "needs_reference": cls.needs_reference,
            "uses_prompt": cls.uses_prompt,
            "trainable": cls.trainable,
            "profile": cls.profile,
            "parameters": cls.Config().to_dict(),
            "parameter_help": cls.Config.parameter_help(),
        }
        for cls in METHODS.values()
    ]
