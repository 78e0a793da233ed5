"""The one fit/score interface every detector implements (classical, generative, prompted).

Life of a detector, driven by :mod:`backend.scoring`:

1. ``partial_fit(block)`` is called once per block of the fit data (streamed, never the whole
   raster), then ``finish_fit()``. Single-input detectors fit on the reference when there is one,
   otherwise on the target; pair detectors (``needs_reference``) see both.
2. ``score(target, reference)`` maps a block to float32 scores ``(rows, cols)``, higher = more
   anomalous, NaN where any input channel is NaN. Blocks arrive padded by ``context_px`` of real
   neighbours so local methods give the same result tiled or untiled.

Configuration is a frozen dataclass per detector (``Config``), built by ``from_dict`` that rejects
unknown keys and checks ranges.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import InputError
from ..progress import CancelToken, ProgressCallback, no_progress


@dataclass(frozen=True)
class FitBlock:
    """One block of fit data.

    Attributes:
        target: float32 ``(bands, rows, cols)``, NaN = no data.
        reference: float32 ``(ref bands, rows, cols)`` or None.
        use: bool ``(rows, cols)``: pixels the fit may use (False for held-out calibration pixels).
    """

    target: np.ndarray
    reference: np.ndarray | None
    use: np.ndarray


@dataclass(frozen=True)
class InputLayout:
    """What a detector may know about its inputs before the fit (``Detector.prepare``).

    Attributes:
        target_bands: band count of each target raster, in order (the stack is their concatenation).
        reference_bands: the same for the references (empty without a reference).
        lonlat: (lon, lat) of the scene centre in degrees, None when not georeferenced.
        target_date, reference_date: acquisition dates as ISO text when the rasters' metadata say.
        device: the job's ``--device`` (auto, cpu, cuda).
        target_band_names: the band descriptions of each target raster (None where a band has
            none; empty when unknown), for methods that must know which band is which.
        grid_shape: (rows, cols) of the grid every block comes from (None when unknown).
        pixel_size_m: ground size of a pixel in metres (None when not georeferenced).
    """

    target_bands: tuple[int, ...]
    reference_bands: tuple[int, ...] = ()
    lonlat: tuple[float, float] | None = None
    target_date: str | None = None
    reference_date: str | None = None
    device: str = "auto"
    target_band_names: tuple[tuple[str | None, ...], ...] = ()
    grid_shape: tuple[int, int] | None = None
    pixel_size_m: float | None = None


@dataclass(frozen=True)
class DetectorConfig:
    """Base of detector configs: ``from_dict`` rejects unknown keys and converts types.

    Parameters are the flat ``KEY=VALUE`` pairs of :meth:`to_dict` (a config that groups its fields
    overrides ``to_dict`` and :meth:`from_flat`)."""

    #: One line per parameter for ``raresight methods --json`` (``parameter_help``).
    descriptions: ClassVar[dict[str, str]] = {}
    #: Parameters kept for research only, marked ``experimental`` in ``raresight methods --json``.
    experimental: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> DetectorConfig:
        defaults = cls().to_dict()
        unknown = sorted(set(values) - set(defaults))
        if unknown:
            known = ", ".join(sorted(defaults)) or "none"
            raise InputError(f"Unknown parameter(s) {', '.join(unknown)}: this method takes {known}.")
        converted = {}
        for name, value in values.items():
            default = defaults[name]
            try:
                if isinstance(default, bool) and not isinstance(value, bool):
                    converted[name] = _parse_bool(value)
                else:
                    converted[name] = type(default)(value) if not isinstance(value, type(default)) else value
            except (TypeError, ValueError):
                raise InputError(f"Parameter {name}={value!r} is not {_KINDS.get(type(default), 'valid')}.") from None
        config = cls.from_flat(converted)
        config.check()
        return config

    @classmethod
    def from_flat(cls, values: dict[str, Any]) -> DetectorConfig:
        """The config of flat parameters already converted to their types (not checked)."""
        return cls(**values)

    def check(self) -> None:
        """Raise :class:`InputError` for out-of-range values (override per config)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def parameter_help(cls) -> dict[str, dict[str, Any]]:
        """Each parameter's default, one-line description and whether it is experimental."""
        return {
            name: {
                "default": default,
                "description": cls.descriptions.get(name, ""),
                "experimental": name in cls.experimental,
            }
            for name, default in cls().to_dict().items()
        }


#: How a parameter's expected kind is named in an error.
_KINDS = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}


def _parse_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


class Detector(ABC):
    """Base class of all detectors; see the module docstring for the protocol."""

    name: ClassVar[str]
    summary: ClassVar[str]
    Config: ClassVar[type[DetectorConfig]] = DetectorConfig
    needs_reference: ClassVar[bool] = False
    #: True when the detector scores a single raster and can therefore be calibrated on held-out
    #: reference pixels (a pair detector has nothing to score on the reference alone).
    scores_single_input: ClassVar[bool] = True
    #: True for prompt-driven methods: the job's prompt arrives as the ``prompt`` parameter.
    uses_prompt: ClassVar[bool] = False
    #: Appended to the "needs a prompt" error of a prompt method (e.g. its vocabulary).
    prompt_hint: ClassVar[str] = ""
    #: True for methods that ``raresight fit`` trains and that reuse a saved ``model``.
    trainable: ClassVar[bool] = False
    #: True when ``score_block`` only reads the fitted state (after its first call), so that tiles
    #: may be scored by several threads at once (:mod:`backend.parallel`).
    tiles_in_parallel: ClassVar[bool] = False
    #: The backend profile (``plugin/setup_backend``) whose packages the method needs: ``core``,
    #: ``generative`` (torch) or ``clip`` (open_clip).
    profile: ClassVar[str] = "core"

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config if config is not None else self.Config()
        self.fit_source = "none"
        self.progress: ProgressCallback = no_progress
        self.cancel = CancelToken()

    def prepare(self, layout: InputLayout) -> None:  # noqa: B027 - optional hook
        """Learn the input layout (band counts per raster, location, dates, device) before the fit."""

    def bind(self, progress: ProgressCallback, cancel: CancelToken) -> None:
        """Progress and cancel for a long ``finish_fit`` (training)."""
        self.progress, self.cancel = progress, cancel

    @property
    def device_used(self) -> str:
        """Where the detector computes (recorded in the sidecar)."""
        return "cpu"

    @property
    def accepts_any_reference_bands(self) -> bool:
        """True when references need not mirror the targets band for band (learned mappings)."""
        return False

    @property
    def context_px(self) -> int:
        """Neighbours on each side a pixel's score depends on (0 for pixel-wise methods)."""
        return 0

    @property
    def default_threshold(self) -> float | None:
        """A physically meaningful score threshold that ``raresight mask`` and the sidecar use by
        default instead of the false-alarm-rate one (e.g. 0 for a spectral index margin); None
        (the default) keeps the label-free calibration's threshold."""
        return None

    @property
    def score_meaning(self) -> str:
        """What the score means, for the sidecar and the layer abstract."""
        return self.summary + " Higher = more anomalous; NaN = no data."

    def partial_fit(self, block: FitBlock) -> None:  # noqa: B027 - optional hook
        """Accumulate statistics from one block."""

    @property
    def fit_merges(self) -> bool:
        """True when :meth:`merge_fit` can join the fit state of two detectors fed disjoint blocks,
        so that a cluster's workers may each fit part of a scene (:mod:`backend.passes`)."""
        return False

    def merge_fit(self, later: Detector) -> None:
        """Add the fit state of ``later`` (the same detector, fed the blocks after this one's)."""
        raise NotImplementedError(f"{self.name} does not merge fit state")

    def __getstate__(self) -> dict[str, Any]:
        # A detector sent to another process (a cluster's worker) does not carry this run's
        # progress callback or cancel token.
        state = self.__dict__.copy()
        state["progress"], state["cancel"] = no_progress, CancelToken()
        return state

    def finish_fit(self) -> None:  # noqa: B027 - optional hook
        """Finalise the model once every block has been seen."""

    @abstractmethod
    def score(self, target: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        """Score one block; see the module docstring."""

    def score_block(
        self, target: np.ndarray, reference: np.ndarray | None, origin: tuple[int, int]
    ) -> np.ndarray:
        """Score a block whose top-left pixel is ``origin`` (row, col) of the grid: for methods whose
        per-pixel noise must not depend on the tiling. Default: :meth:`score`."""
        return self.score(target, reference)

    def summary_dict(self) -> dict[str, Any]:
        """What the sidecar records about the fitted model (small, JSON-able)."""
        return {}


def valid_pixels(*arrays: np.ndarray | None) -> np.ndarray:
    """bool ``(rows, cols)``: True where every channel of every given array is finite."""
    present = [a for a in arrays if a is not None]
    ok = np.ones(present[0].shape[1:], dtype=bool)
    for a in present:
        ok &= np.isfinite(a).all(axis=0)
    return ok


def as_pixels(block: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Pixels of ``block`` (bands, rows, cols) where ``mask`` is True, as float64 ``(n, bands)``
    (the same array, in the same memory order, when every pixel is kept: without the gather)."""
    if mask.all():
        return np.ascontiguousarray(block.reshape(block.shape[0], -1).T, dtype=np.float64)
    return block[:, mask].T.astype(np.float64)
