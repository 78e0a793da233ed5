"""CLIP prompt methods ``clip``, ``gradcam`` and ``gscorecam``: where does a text prompt apply?

The target stack is mapped to RGB (:mod:`backend.clip.rgb`: Sentinel-2 true/false colour, Sentinel-1
VV/VH/ratio, generic), stretched with percentiles of the fit data, cut into CLIP windows at the
ground resolution ``gsd_m`` (:mod:`backend.clip.windows`), and each window gets a patch map of the
prompt against the negatives (:mod:`backend.clip.maps`), upsampled and blended back onto the grid.

Parameters shared by the three methods: ``prompt`` (several separated by ``;`` or ``|`` are averaged
into one embedding), ``negative`` (each one a competing class of the contrast), ``checkpoint`` (a
registry name such as ``remoteclip-vit-b-32``, the default, or a weights file), ``arch`` (the
open_clip architecture of a weights file that has no card), ``gsd_m`` (ground resolution of the CLIP
input, m/px; 0 = the raster's own), ``stride`` (window stride as a fraction of the window),
``rgb``, ``sensor``, ``stretch_pct`` and ``batch`` (windows per forward pass).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import InputError
from .base import Detector, DetectorConfig, FitBlock, InputLayout, valid_pixels

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClipConfig(DetectorConfig):
    prompt: str = ""
    negative: str = ""
    checkpoint: str = ""  # registry name (default remoteclip-vit-b-32) or weights file
    arch: str = ""  # open_clip architecture of a weights file without a card
    gsd_m: float = 0.0  # ground resolution of the CLIP input (m/px); 0 = the raster's own
    stride: float = 0.5  # window stride, as a fraction of the window
    rgb: str = "auto"  # auto | true | false | sar | first3 | B,B,B (1-based)
    sensor: str = "auto"  # auto | s2l1c | s2l2a | s1 | generic
    stretch_pct: float = 2.0  # colour stretch between the p and 100 - p percentiles
    batch: int = 8  # windows per forward pass

    def check(self) -> None:
        from ..clip.rgb import SENSORS

        if self.sensor not in SENSORS:
            raise InputError(f"sensor must be one of {', '.join(SENSORS)}; got {self.sensor!r}.")
        if not 0.0 <= self.stretch_pct < 50.0:
            raise InputError(f"stretch_pct must be in [0, 50), got {self.stretch_pct}.")
        if not 0.0 < self.stride <= 1.0 or self.gsd_m < 0:
            raise InputError(f"stride must be in (0, 1] and gsd_m >= 0; got {self.stride}, {self.gsd_m}.")
        if not 1 <= self.batch <= 1024:
            raise InputError(f"batch must be in [1, 1024], got {self.batch}.")


@dataclass(frozen=True)
class ClipSimilarityConfig(ClipConfig):
    attention: str = "selfself"  # selfself (SCLIP/ClearCLIP) | value (MaskCLIP)
    runtime: str = "torch"  # torch | onnx (image tower through onnxruntime)

    def check(self) -> None:
        from ..clip.maps import ATTENTIONS

        super().check()
        if self.attention not in ATTENTIONS or self.runtime not in ("torch", "onnx"):
            raise InputError(
                f"attention must be one of {', '.join(ATTENTIONS)} and runtime torch or onnx; "
                f"got {self.attention!r}, {self.runtime!r}."
            )


@dataclass(frozen=True)
class GradCamConfig(ClipConfig):
    cam: str = "tokens"  # tokens (Grad-CAM) | attention (gradient-weighted attention)

    def check(self) -> None:
        from ..clip.maps import CAMS

        super().check()
        if self.cam not in CAMS:
            raise InputError(f"cam must be one of {', '.join(CAMS)}; got {self.cam!r}.")


@dataclass(frozen=True)
class GScoreCamConfig(ClipConfig):
    topk: int = 32  # channels with the largest mean gradient that are scored

    def check(self) -> None:
        super().check()
        if not 1 <= self.topk <= 4096:
            raise InputError(f"topk must be in [1, 4096], got {self.topk}.")


def resolve_device(requested: str) -> str:
    """cpu or cuda for the job's ``--device`` (auto = cuda when torch sees one)."""
    import torch

    if requested == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA GPU is visible to torch here; use --device auto or cpu.")
    return "cuda" if requested in ("auto", "cuda") and torch.cuda.is_available() else "cpu"


class _ClipDetector(Detector):
    Config: ClassVar[type[DetectorConfig]] = ClipConfig
    uses_prompt = True
    profile = "clip"
    prompt_hint = ' such as "flooded area" (several: separate with ;), and negatives with --negative'

    def __init__(self, config: ClipConfig | None = None) -> None:
        super().__init__(config)
        self._layout: InputLayout | None = None
        self._rgb = None
        self._plan = None
        self._card = None
        self._device = "cpu"
        self._hists: dict[bool, Any] = {}  # ChannelHistogram per SAR reading (linear?)
        self._vv_counts = np.zeros(2, np.int64)  # (positive VV values, all values) of the fit
        self._stretch = None
        self._sar_linear = False
        self._scorer = None
        self.clip = None  # ClipModel once fitted
        self.text: tuple[Any, Any] | None = None  # (prompt embedding (D,), negatives (M, D) or None)

    # -- set-up -----------------------------------------------------------------------------------

    def prepare(self, layout: InputLayout) -> None:
        """Check the prompt, band mapping, device and weights (without downloading) before the fit."""
        from ..clip.model import check_prompt, model_config
        from ..clip.registry import find_card
        from ..clip.rgb import plan_rgb
        from ..clip.windows import plan_windows

        c = self.config
        check_prompt(c.prompt, self.name)
        self._layout = layout
        self._rgb = plan_rgb(layout.target_bands, c.rgb, c.sensor)
        self._device = resolve_device(layout.device)
        self._card = find_card(c.checkpoint, c.arch)
        size = model_config(self._card)["vision_cfg"].get("image_size", self._card.input_size_px)
        size = int(size[0] if isinstance(size, (list, tuple)) else size)
        self._plan = plan_windows(size, c.gsd_m, layout.pixel_size_m, c.stride)

    @property
    def device_used(self) -> str:
        return self._device

    @property
    def context_px(self) -> int:
        return self._plan.window_px if self._plan is not None else 0

    @property
    def score_meaning(self) -> str:
        return (
            f"CLIP {self.name} map: log-odds of the prompt against the negative prompts (logit units; "
            "without negatives, the scaled similarity to the prompt). Higher = more like the prompt; "
            "NaN = no data."
        )

    # -- fit: colour stretch, then the model --------------------------------------------------------

    def partial_fit(self, block: FitBlock) -> None:
        """Accumulate the colour histograms (for SAR both readings, dB and linear, and the share of
        positive VV values that decides between them)."""
        from ..clip.rgb import ChannelHistogram, select_bands, to_raw_rgb

        if self._rgb is None:
            self.prepare(InputLayout(target_bands=(block.target.shape[0],)))
        chans = select_bands(block.target, self._rgb)
        ok = block.use & np.isfinite(chans).all(axis=0)
        values = chans[:, ok]  # (3, n)
        readings = (False, True) if self._rgb.sar else (False,)
        for linear in readings:
            hist = self._hists.setdefault(linear, ChannelHistogram())
            hist.add(to_raw_rgb(values, self._rgb, linear) if self._rgb.sar else values)
        self._vv_counts += (int((values[0] > 0).sum()), int(values.shape[1]))

    def finish_fit(self) -> None:
        from ..clip.rgb import ChannelHistogram, Stretch

        positive, total = self._vv_counts
        self._sar_linear = bool(self._rgb.sar and total > 0 and positive > 0.95 * total)
        hist = self._hists.get(self._sar_linear, ChannelHistogram())
        self._stretch = Stretch.from_histogram(hist, self.config.stretch_pct)
        self._hists = {}
        self._load_model()

    def _load_model(self) -> None:
        import torch

        from ..clip.model import load_clip, split_prompts
        from ..clip.windows import WindowScorer

        c = self.config
        self.clip = load_clip(c.checkpoint, c.arch, self._device, self.progress)
        if self.text is None:
            pos = torch.nn.functional.normalize(
                self.clip.encode_texts(split_prompts(c.prompt)).mean(0), dim=0
            )
            negatives = split_prompts(c.negative)
            self.text = (pos, self.clip.encode_texts(negatives) if negatives else None)
        self._scorer = WindowScorer(
            self._plan, self._runner(), self.clip.card.mean, self.clip.card.std, c.batch
        )

    def _runner(self):
        """``run(x)`` of :class:`~backend.clip.windows.WindowScorer` for this method."""
        import torch

        from ..clip.maps import window_maps

        visual, scale, options = self.clip.net.visual, self.clip.logit_scale, self._options()

        def run(x: np.ndarray) -> np.ndarray:
            pos, neg = self.text
            t = torch.from_numpy(x).to(self._device)
            return window_maps(self.name, visual, t, pos, neg, scale, options).float().cpu().numpy()

        return run

    def _options(self) -> dict[str, Any]:
        return {"batch": self.config.batch}

    # -- score ------------------------------------------------------------------------------------

    def score_block(
        self, target: np.ndarray, reference: np.ndarray | None, origin: tuple[int, int]
    ) -> np.ndarray:
        from ..clip.rgb import raw_rgb

        if self._scorer is None:
            raise InputError(f"Method {self.name}: score called before the fit.")
        rgb = self._stretch.apply(raw_rgb(target, self._rgb, self._sar_linear))
        rows, cols = target.shape[1:]
        shape = self._layout.grid_shape if self._layout and self._layout.grid_shape else None
        out = self._scorer.score(rgb, origin, shape or (origin[0] + rows, origin[1] + cols))
        out[~valid_pixels(target)] = np.nan
        return out

    def score(self, target: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        return self.score_block(target, reference, (0, 0))

    def summary_dict(self) -> dict[str, Any]:
        from ..clip.model import split_prompts

        if self.clip is None:
            return {}
        c, p = self.config, self._plan
        return {
            "model": self.clip.card.summary(),
            "weights_verified": self.clip.verified,
            "rgb": self._rgb.description,
            "stretch": {
                "low": list(self._stretch.low),
                "high": list(self._stretch.high),
                "sar_linear": self._sar_linear,
            },
            "window_px": p.window_px,
            "stride_px": p.stride_px,
            "input_px": p.input_px,
            "gsd_m": c.gsd_m if c.gsd_m > 0 else self._layout.pixel_size_m if self._layout else None,
            "prompts": split_prompts(c.prompt),
            "negatives": split_prompts(c.negative),
            "windows_scored": self._scorer.windows_run,
            "model_seconds": round(self._scorer.run_seconds, 3),
        }


class ClipSimilarityDetector(_ClipDetector):
    name = "clip"
    summary = (
        "CLIP dense patch-text similarity (training-free, self-self attention): prompt vs negative prompts."
    )
    Config = ClipSimilarityConfig

    def _options(self) -> dict[str, Any]:
        return {"attention": self.config.attention, "batch": self.config.batch}

    def _runner(self):
        if self.config.runtime != "onnx":
            return super()._runner()
        from ..clip.maps import contrast
        from ..clip.onnx_export import tower_session

        session = tower_session(self.clip, self.config.attention, self._device)
        scale = self.clip.logit_scale

        def run(x: np.ndarray) -> np.ndarray:
            import torch

            pos, neg = self.text
            dense = torch.from_numpy(session(x)[0]).to(pos.device)  # (n, gh * gw, D)
            g = int(round(dense.shape[1] ** 0.5))
            return contrast(dense, pos, neg, scale).reshape(x.shape[0], g, -1).cpu().numpy()

        return run


class GradCamDetector(_ClipDetector):
    name = "gradcam"
    summary = "Grad-CAM of CLIP's prompt-vs-negative logit on the last block's tokens (cam=attention: transformer variant)."
    Config = GradCamConfig

    def _options(self) -> dict[str, Any]:
        return {"cam": self.config.cam, "batch": self.config.batch}


class GScoreCamDetector(_ClipDetector):
    name = "gscorecam"
    summary = (
        "gScoreCAM: Score-CAM of CLIP's prompt-vs-negative logit over the top-k gradient-selected channels."
    )
    Config = GScoreCamConfig

    def _options(self) -> dict[str, Any]:
        return {"topk": self.config.topk, "batch": self.config.batch}
