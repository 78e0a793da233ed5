"""Generative detectors ``diffusion`` (DDPM) and ``flow`` (flow matching): a model of normal imagery
learned without labels, scored per pixel (see :mod:`backend.generative`).

What the model describes depends on the inputs (``condition``):

* ``reference`` (default when a reference is given): the target given the reference, fit on the
  scene's own (reference, target) pairs, since changes are rare. Changes score high even when the
  two dates come from different sensors, because the mapping is learned. Two Gaussian experts
  join the network's: the reference given the target (``reverse``), and the magnitude, in the
  bands' own units, of what the two regressions do not predict (``magnitude``). A pair method:
  calibrated on the target's bulk. For Sentinel-2 pairs a pretrained spatial encoder adds a
  fourth expert (``encoder``, :mod:`backend.pretrained.change`): the change of its features
  between the dates (``encoder_change``: by default what a regression of each date's features on
  the other's does not predict). ``encoder_combine=rank`` (default) smooths the score and the
  change each on its own and multiplies their ranks among the fit data's (``-log10(1 - F F')``):
  a pixel ranks high only where both do. ``sum`` adds the change to the square root of the score
  (the domain the default smoothing averages in) with ``encoder_weight`` times that root's spread
  on the fit data. ``auto`` uses Galileo-nano when its weights are cached or can be downloaded,
  and says so in the sidecar when they cannot.
* ``none`` (default otherwise): the target's channels (all target rasters stacked), fit on the
  reference when one is given (archive mode, calibrated on held-out reference pixels), else on the
  target itself. Its density is a product of two experts: the network's, over the whole scene, and
  a local Gaussian of each pixel's surroundings, the ring of pixels between a guard window and an
  outer window around it (``local_inner``, ``local_outer``; dual-window RX on the
  ``local_components`` leading components), at ``local_scales`` dyadic scales (each ring about
  twice the previous one), their energies averaged: objects come in every size. The score weighs
  both what is rare in the scene (extended objects, which fill their own surroundings, stay rare
  there) and what is rare where it lies (small objects of a kind common elsewhere in the scene).
  Each expert's energy is divided by its number of components before they are added.
* ``modality``: the first target raster given the others (optical given SAR), fit like ``none``.

``model=FILE`` reuses a model saved by ``raresight fit`` (then nothing is trained); ``runtime=onnx``
scores with onnxruntime through an ONNX export of the network.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import CalibrationError, InputError, WeightsError
from ..progress import scaled
from .base import Detector, DetectorConfig, FitBlock, InputLayout

log = logging.getLogger(__name__)

ARCHS = ("auto", "pixel", "patch")
CONDITIONS = ("auto", "none", "reference", "modality")


@dataclass(frozen=True)
class GenerativeConfig(DetectorConfig):
    score: str = "elbo"  # elbo | msma | partial | multilevel | ode (flow only)
    levels: str = "0.3,0.5,0.7,0.9"  # noise levels t in (0, 1), comma-separated
    score_steps: int = 2  # steps per reconstruction (partial, multilevel, ode)
    antithetic: bool = False  # elbo: +eps and -eps per level, clean estimates averaged
    noise: str = "gaussian"  # gaussian | simplex (training and scoring)
    norm: str = "cov"  # cov: Mahalanobis of each residual; none: squared error
    condition: str = "auto"  # auto | none | reference | modality
    local_components: int = 8  # condition none: components of the local Gaussian expert (0: none)
    local_outer: int = 15  # the local expert's outer window (px, odd)
    local_inner: int = 5  # its guard window (px, odd), left out of the ring
    local_scales: int = 2  # rings of outer, inner doubled (2 w + 1) at each further scale
    local_ridge: float = 1e-2  # added to the ring covariance's diagonal (whitened units)
    arch: str = "auto"  # auto | pixel (spectral MLP) | patch (blind-spot context)
    components: int = 16  # principal components modelled (and of the conditioning)
    tail: bool = False  # add RX of the remaining components (an independent Gaussian) to the score
    log_bands: str = "auto"  # auto (logs for speckled positive images: SAR intensity) | none
    hidden: int = 64
    depth: int = 3
    context_kernel: int = 7
    guard: int = 1
    steps: int = 600  # training steps
    batch: int = 8
    patch: int = 32
    lr: float = 0.002
    seed: int = 0
    time_budget_s: float = 0.0  # > 0: stop training after this many seconds (not reproducible)
    trim: float = 0.0  # robust training: ignore this fraction of worst-fit pixels per batch
    fit_quantile: float = 0.9  # < 1: train only on the pixels below this quantile of the Gaussian's energy
    reverse: bool = True  # condition reference: add the expert of the reference given the target
    magnitude: bool = True  # condition reference: add the residuals' magnitude in band units
    smooth_px: float = -1.0  # Gaussian smoothing (sigma, px) of the score; -1: auto (see _smoothing)
    smooth_power: float = 0.5  # the smoothing is a power mean of the score (1: its plain mean)
    fit_memory_mb: int = 256  # bound of the training crops kept in memory
    date: str = ""  # acquisition date of the target (YYYY-MM-DD) when the metadata lack it
    encoder: str = "auto"  # pairs: auto | none | galileo-nano | a folder of its released files
    encoder_weight: float = 1.0  # combine=sum: the encoder's change, in spreads of the score's root
    encoder_patch: int = 4  # px per encoder token
    encoder_tile: int = 12  # tokens per side of the tiles the encoder sees at once
    encoder_combine: str = "rank"  # rank: product of the smoothed scores' ranks; sum: in the root
    encoder_change: str = "regression"  # regression: residuals of each date's features on the other's
    model: str = ""  # a model saved by raresight fit (nothing is trained)
    runtime: str = "torch"  # torch | onnx

    process: ClassVar[str] = "ddpm"

    def level_tuple(self) -> tuple[float, ...]:
        try:
            levels = tuple(float(x) for x in str(self.levels).split(",") if x.strip())
        except ValueError:
            raise InputError(
                f"levels takes numbers in (0, 1) separated by commas, got {self.levels!r}."
            ) from None
        if not levels or not all(0.0 < x < 1.0 for x in levels):
            raise InputError(f"levels takes numbers in (0, 1) separated by commas, got {self.levels!r}.")
        return levels

    def check(self) -> None:
        from ..generative.model import SCORE_KINDS

        choices = {
            "score": SCORE_KINDS,
            "noise": ("gaussian", "simplex"),
            "norm": ("cov", "none"),
            "condition": CONDITIONS,
            "arch": ARCHS,
            "runtime": ("torch", "onnx"),
            "log_bands": ("none", "auto"),
            "encoder_combine": ("rank", "sum"),
            "encoder_change": ("regression", "distance"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise InputError(f"{name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}.")
        if self.score == "ode" and self.process != "flow":
            raise InputError("score=ode needs the flow method (an ODE of a velocity field).")
        self.level_tuple()
        for name, lo, hi in (
            ("components", 1, 512),
            ("hidden", 4, 1024),
            ("depth", 1, 16),
            ("steps", 1, 10**6),
            ("batch", 1, 4096),
            ("patch", 4, 512),
            ("score_steps", 1, 16),
            ("fit_memory_mb", 1, 1 << 16),
        ):
            if not lo <= getattr(self, name) <= hi:
                raise InputError(f"{name} must be in [{lo}, {hi}], got {getattr(self, name)}.")
        if self.context_kernel and (self.context_kernel % 2 == 0 or self.context_kernel < 2 * self.guard + 3):
            raise InputError("context_kernel must be odd and larger than 2 * guard + 1 (or 0 for none).")
        if not (self.local_outer % 2 and self.local_inner % 2 and 1 <= self.local_inner < self.local_outer):
            raise InputError(
                f"local_outer and local_inner must be odd with inner < outer, got {self.local_outer}, "
                f"{self.local_inner}."
            )
        if not 0 <= self.local_components <= 64 or self.local_ridge <= 0 or not 1 <= self.local_scales <= 4:
            raise InputError(
                "local_components must be in [0, 64], local_scales in [1, 4] and local_ridge > 0."
            )
        if not 0.5 <= self.fit_quantile <= 1.0:
            raise InputError(f"fit_quantile must be in [0.5, 1], got {self.fit_quantile}.")
        if not 0 <= self.trim < 0.5:
            raise InputError(f"trim must be in [0, 0.5), got {self.trim}.")
        if not 0 < self.lr < 1 or (self.smooth_px < 0 and self.smooth_px != -1) or self.time_budget_s < 0:
            raise InputError(
                "lr must be in (0, 1); smooth_px must be >= 0 (or -1: auto); time_budget_s >= 0."
            )
        if not 0 < self.smooth_power <= 1:
            raise InputError(f"smooth_power must be in (0, 1], got {self.smooth_power}.")
        if not (self.encoder_weight > 0 and 1 <= self.encoder_patch <= 8 and 1 <= self.encoder_tile <= 24):
            raise InputError(
                "encoder_weight must be > 0, encoder_patch in [1, 8] px and encoder_tile in [1, 24] tokens."
            )


class _GenerativeDetector(Detector):
    Config = GenerativeConfig

    def __init__(self, config: GenerativeConfig | None = None) -> None:
        super().__init__(config)
        c = self.config
        self.model = None
        self._layout: InputLayout | None = None
        self._mode = "none"
        self._device = "cpu"
        self._embed: np.ndarray | None = None
        self._fit_summary: dict[str, Any] = {}
        self._encoder = None  # an EncoderChange (backend.pretrained.change) when that expert is used
        self._encoder_note = ""  # why it is not, when it is not
        self._encoder_plan = None  # (spec, channels, months) of an encoder to load at the fit
        if c.model and c.model.lower().endswith(".onnx"):
            from ..generative.onnx_export import load_onnx_model

            self.model = load_onnx_model(c.model)
            self._check_process()
        elif c.model:
            from ..generative.model_io import load_model

            self.model = load_model(c.model)
            self._check_process()

    def _check_process(self) -> None:
        if self.model.process != self.config.process:
            raise InputError(
                f"{self.config.model} is a {self.model.card.get('method', self.model.process)} model: "
                f"score it with --method {self.model.card.get('method', '')}."
            )

    # -- set-up ----------------------------------------------------------------------------------
    def prepare(self, layout: InputLayout) -> None:
        import torch

        from ..generative.context import context_vector, parse_date

        c = self.config
        self._layout = layout
        mode = c.condition
        if mode == "auto":
            mode = (
                self.model.card.get("condition", "none")
                if self.model is not None
                else ("reference" if layout.reference_bands else "none")
            )
        if mode == "reference" and not layout.reference_bands:
            raise InputError(
                "condition=reference needs a reference: give the pre-event raster(s) with --reference."
            )
        if mode == "modality" and len(layout.target_bands) < 2:
            raise InputError("condition=modality needs two target rasters (e.g. optical, then SAR).")
        self._mode = mode
        if layout.device == "cuda" and not torch.cuda.is_available():
            raise InputError("--device cuda: no CUDA GPU is visible to torch here; use --device auto or cpu.")
        self._device = "cuda" if layout.device in ("auto", "cuda") and torch.cuda.is_available() else "cpu"
        when = (
            parse_date(c.date) if c.date else (parse_date(layout.target_date) if layout.target_date else None)
        )
        self._embed = context_vector(layout.lonlat, when)
        if self.model is not None:
            self._check_model_fits()
            self._activate()
        self._plan_encoder(layout, when)

    def _plan_encoder(self, layout: InputLayout, when) -> None:
        """Decide on the pretrained encoder expert (see the module docstring): a saved model's
        card says, else ``encoder``. ``auto`` leaves it out, with the reason in the sidecar, for
        inputs it does not fit or when its weights cannot be had; a named encoder raises instead.
        A saved model's encoder is loaded now; a new one at the start of the fit, where a download
        can report its progress."""
        from ..generative.context import parse_date
        from ..pretrained.change import UNKNOWN_MONTH, EncoderChange
        from ..pretrained.weights import encoder_available

        c = self.config
        self._encoder, self._encoder_note = None, ""
        record = self.model.card.get("encoder") if self.model is not None else None
        if self.model is not None and not record:
            if c.encoder not in ("auto", "none"):
                raise InputError(
                    f"encoder={c.encoder}: the model {c.model} was fit without the encoder expert; fit it "
                    "again with the encoder to use one (its statistics are part of the model)."
                )
            self._encoder_note = "the model was saved without one"
            return
        if c.encoder == "none":
            self._encoder_note = "encoder=none"
            return
        if record is None:
            channels, why = _encoder_channels(layout, self._mode)
            if why:
                if c.encoder != "auto":
                    raise InputError(f"encoder={c.encoder}: {why}.")
                self._encoder_note = why
                return
            spec = "galileo-nano" if c.encoder == "auto" else c.encoder
            if c.encoder == "auto":
                usable, why = encoder_available(spec)
                if not usable:
                    log.warning("Scoring without the pretrained encoder expert: %s", why)
                    self._encoder_note = why
                    return
            ref_when = parse_date(layout.reference_date) if layout.reference_date else None
            months = tuple(d.month - 1 if d else UNKNOWN_MONTH for d in (when, ref_when))
            self._encoder_plan = (spec, channels, months)
            return
        # a saved model's encoder: the card's name, or the folder the user names for it
        spec = record["name"] if c.encoder == "auto" else c.encoder
        (net, shift, div), card, folder = self._open_encoder(spec, self.progress)
        if record.get("sha256") != card.summary()["sha256"]:
            raise InputError(f"The model {c.model} was fit with other {spec} weights than {folder} holds.")
        try:
            self._encoder = EncoderChange.from_dict(record, net, shift, div, self.model.extra_arrays)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"The encoder record of the model {c.model} is damaged ({exc}).") from None

    @staticmethod
    def _open_encoder(spec: str, progress):
        """((network, input shift, input divisor), card, folder) of the encoder ``spec`` names (a
        card name, downloaded when needed, or a folder)."""
        from ..pretrained.galileo import GalileoEncoder, st_normaliser
        from ..pretrained.weights import resolve_encoder

        folder, card = resolve_encoder(spec, progress)
        return (GalileoEncoder.load(folder), *st_normaliser(folder)), card, folder

    def _load_planned_encoder(self) -> None:
        """Resolve (download when needed, with progress), load and set up the planned encoder."""
        from ..pretrained.change import EncoderChange

        plan, self._encoder_plan = self._encoder_plan, None
        if plan is None:
            return
        spec, channels, months = plan
        c = self.config
        try:
            (net, shift, div), self._encoder_card, _ = self._open_encoder(
                spec, scaled(self.progress, 0.0, 0.02)
            )
        except WeightsError as exc:
            if c.encoder != "auto":
                raise
            log.warning("Scoring without the pretrained encoder expert: %s", exc)
            self._encoder_note = str(exc)
            return
        self._encoder = EncoderChange(
            net,
            shift,
            div,
            channels,
            c.encoder_patch,
            c.encoder_tile,
            months,
            combine=c.encoder_combine,
            change_kind=c.encoder_change,
        )

    @property
    def scores_single_input(self) -> bool:  # type: ignore[override]
        return self._mode != "reference"

    @property
    def accepts_any_reference_bands(self) -> bool:
        return self._mode == "reference"

    @property
    def device_used(self) -> str:
        return self._device

    @property
    def context_px(self) -> int:
        encoder = self._encoder.context_px if self._encoder is not None else 0
        return max(self._spectral_halo(), encoder) + int(math.ceil(3 * self._smoothing()))

    def _spectral_context_px(self) -> int:
        """The part of :attr:`context_px` that the network and the Gaussian experts need."""
        return self._spectral_halo() + int(math.ceil(3 * self._smoothing()))

    def _spectral_halo(self) -> int:
        """The network's receptive radius (known once fit) and the local expert's largest ring."""
        radius = self.model.radius if self.model is not None else 0
        local = self._local()
        ring = max(outer for outer, _ in _rings(local)) // 2 if local else 0
        return max(radius, ring)

    def _local(self) -> dict | None:
        """The local Gaussian expert (``none`` models), None without one. A model carries its own
        in its card (models saved before it have none); before the fit, the config's."""
        if self._mode != "none":
            return None
        if self.model is not None:
            return self.model.card.get("local")
        c = self.config
        if not c.local_components:
            return None
        return {
            "components": c.local_components,
            "outer": c.local_outer,
            "inner": c.local_inner,
            "scales": c.local_scales,
            "ridge": c.local_ridge,
        }

    def _smoothing(self) -> float:
        """Sigma (px) of the score smoothing. Auto: 1.5 px when comparing two dates (residuals of a
        post-given-pre model carry speckle and co-registration noise, and changes are objects of
        several pixels), none for single-date anomalies (hyperspectral targets can be one pixel)."""
        if self.config.smooth_px >= 0:
            return float(self.config.smooth_px)
        return 1.5 if self._mode == "reference" else 0.0

    def _arch(self) -> str:
        """The per-pixel spectral model unless ``arch=patch``: the blind-spot context explains
        extended changes away (measured on the change pairs), so ``auto`` is ``pixel``."""
        return "pixel" if self.config.arch == "auto" else self.config.arch

    def _split_counts(self) -> tuple[int, int]:
        """(modelled bands, conditioning bands) of the current layout."""
        lay = self._layout
        assert lay is not None
        if self._mode == "reference":
            return sum(lay.target_bands), sum(lay.reference_bands)
        if self._mode == "modality":
            return lay.target_bands[0], sum(lay.target_bands[1:])
        return sum(lay.target_bands), 0

    def _model_bands(self) -> int:
        return self._split_counts()[0]

    def _split(
        self, target: np.ndarray, reference: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        if self._mode == "reference":
            return target, reference
        if self._mode == "modality":
            n = self._layout.target_bands[0]
            return target[:n], target[n:]
        return target, None

    def _check_model_fits(self) -> None:
        m = self.model
        nm, nc = self._split_counts()
        want_c = m.cond_projection.mean.size if m.cond_projection is not None else 0
        if m.projection.mean.size != nm or want_c != nc:
            raise InputError(
                f"The model {self.config.model} was fit on {m.projection.mean.size} band(s)"
                f"{f' given {want_c}' if want_c else ''}; these inputs give {nm}"
                f"{f' given {nc}' if nc else ''} ({self._mode} conditioning): use matching rasters."
            )

    # -- fit -------------------------------------------------------------------------------------
    def partial_fit(self, block: FitBlock) -> None:
        """Stream one block: the statistics of every band and of its log (so that the choice of
        log bands and the moments of the chosen columns come from one pass), and the crop reservoir."""
        if self.model is not None:
            return
        from ..generative.data import CropReservoir, FitStatistics, with_log_columns

        x, cond = self._split(block.target, block.reference)
        if not hasattr(self, "_stats"):
            channels = x.shape[0] + (cond.shape[0] if cond is not None else 0)
            self._stats = FitStatistics()
            self._reservoir = CropReservoir(64, self.config.fit_memory_mb << 20, channels, self.config.seed)
        ok = np.isfinite(x).all(axis=0) & block.use
        if cond is not None:
            ok &= np.isfinite(cond).all(axis=0)
        cols = [with_log_columns(x[:, ok].T.astype(np.float64))]
        if cond is not None:
            cols.append(with_log_columns(cond[:, ok].T.astype(np.float64)))
        self._stats.add(np.concatenate(cols, axis=1))
        stack = np.concatenate([x, cond], axis=0) if cond is not None else np.array(x, np.float32)
        stack = stack.astype(np.float32, copy=True)
        stack[:, ~ok] = np.nan
        self._reservoir.add(stack)

    def _projections(self):
        """(projection, conditioning projection or None, joint moments of the columns they read, in
        the order [modelled, conditioning] and [conditioning, modelled], or None) of the fit data."""
        from ..generative.data import Projection, choose_log_bands

        c, stats = self.config, self._stats
        nm, nc = self._split_counts()

        def read(start: int, bands: int, tail: bool) -> tuple[Projection, np.ndarray]:
            """The projection of the ``bands`` columns at ``start`` (as logs when chosen), and the
            columns of the statistics it reads."""
            log = choose_log_bands(stats, start, bands) if c.log_bands == "auto" else np.zeros(bands, bool)
            cols = start + np.where(log, bands, 0) + np.arange(bands)
            return Projection.fit(stats.subset(cols), c.components, tail=tail, log=log), cols

        proj, cols_x = read(0, nm, c.tail)
        if not nc:
            return proj, None, None, None
        cproj, cols_c = read(2 * nm, nc, False)
        joint = stats.subset(np.concatenate([cols_x, cols_c]))
        return proj, cproj, joint, stats.subset(np.concatenate([cols_c, cols_x]))

    def finish_fit(self) -> None:
        if self.model is not None:
            return
        self._load_planned_encoder()
        import torch

        from .. import __version__
        from ..generative.data import Regression
        from ..generative.model import GenerativeModel, ScoreSpec, make_noise
        from ..generative.nets import Denoiser, NetSpec
        from ..generative.training import TrainData, TrainSettings, train

        c = self.config
        torch.manual_seed(c.seed)
        nm, nc = self._split_counts()
        proj, cproj, joint, joint_rev = self._projections()
        crops = self._reservoir.stack()
        x, valid = _normalise_crops(proj, crops[:, :nm])
        cond = regression = reverse = None
        if cproj is not None:
            cond, cvalid = _normalise_crops(cproj, crops[:, nm:])
            valid &= cvalid
            zs, cs = _pixel_sample(x, cond, valid, c.seed)
            regression = Regression.from_moments(joint, proj, cproj).trimmed(zs, cs, c.fit_quantile)
            if self._mode == "reference" and c.reverse:
                reverse = Regression.from_moments(joint_rev, cproj, proj).trimmed(cs, zs, c.fit_quantile)
            x = _regress_crops(regression, x, cond, valid)
        # The network learns from the Gaussian's core. The residual statistics that scale the score
        # are those of the core too when two rasters are compared (the normal state is "no
        # change", as for the trimmed regression), of every fit pixel for one image (there a
        # covariance of the core alone shrinks the heavy-tailed directions of the scene and
        # over-weights them in the score).
        core = _gaussian_core(x, valid, c.fit_quantile) if c.fit_quantile < 1.0 else valid
        arch = self._arch()
        spec = NetSpec(
            channels=proj.channels,
            cond_channels=cproj.channels if cproj is not None else 0,
            embed_dim=self._embed.size if self._embed is not None else 0,
            hidden=c.hidden,
            depth=c.depth,
            context_kernel=c.context_kernel if arch == "patch" else 0,
            guard=c.guard,
            cond_kernel=3,
            process=self.config.process,
        )
        net = Denoiser(spec)
        settings = TrainSettings(c.steps, c.batch, c.patch, c.lr, c.seed, c.time_budget_s, c.trim)
        device = torch.device(self._device)
        data = TrainData(x, core, cond, self._embed)
        summary = train(
            net, self.config.process, data, settings, make_noise(c.noise), device, self.progress, self.cancel
        )
        score = ScoreSpec(c.score, c.level_tuple(), c.score_steps, c.noise, c.norm, c.antithetic)
        model = GenerativeModel(
            self.config.process, net, proj, cproj, score, c.seed, regression=regression, reverse=reverse
        )
        model.to(device)
        et = torch.from_numpy(self._embed)[None].to(device) if self._embed is not None else None
        model.fit_score_statistics(x, core if cproj is not None else valid, cond, et)
        lay, local = self._layout, self._local()
        model.card = {
            "format": "raresight-model/1",
            "software": {"name": "raresight", "version": __version__},
            "method": self.name,
            "process": self.config.process,
            "condition": self._mode,
            **({"local": local} if local else {}),
            **({"reverse_expert": True} if reverse is not None else {}),
            **({"magnitude_expert": True} if self._mode == "reference" and c.magnitude else {}),
            "arch": arch,
            "bands": nm,
            "cond_bands": nc,
            "input_bands": {"targets": list(lay.target_bands), "references": list(lay.reference_bands)},
            "normalisation": {
                "kind": "principal components, whitened",
                "components": proj.channels,
                "cond_components": cproj.channels if cproj else 0,
                "log_bands": _band_list(proj.log),
                "cond_log_bands": _band_list(cproj.log) if cproj else [],
            },
            "net": spec.to_dict(),
            "score": score.to_dict(),
            "training": {
                **summary,
                "batch": c.batch,
                "patch": c.patch,
                "lr": c.lr,
                "seed": c.seed,
                "noise": c.noise,
                "device": self._device,
            },
            "fit_data": {"pixels": int(self._stats.n), "crops": int(crops.shape[0]), "crop_px": 64},
            "context": {
                "lonlat": list(lay.lonlat) if lay.lonlat else None,
                "date": c.date or lay.target_date,
                "embedding": self._embed.tolist(),
            },
        }
        self.model = model
        if self._encoder is not None:
            self._fit_encoder(crops, nm)
            model.card["encoder"] = {
                **self._encoder_card.summary(),
                **self._encoder.to_dict(),
                "weight": c.encoder_weight,
            }
            model.extra_arrays = self._encoder.arrays()
        self._fit_summary = {
            "training": summary,
            "fit_pixels": int(self._stats.n),
            "log_bands": model.card["normalisation"]["log_bands"],
            "cond_log_bands": model.card["normalisation"]["cond_log_bands"],
        }
        del self._reservoir
        self._activate()

    def _fit_encoder(
        self, crops: np.ndarray, nm: int, score_crops: int = 32, encoder_crops: int = 64
    ) -> None:
        """The encoder's per-date statistics, and how its change joins the score, from seeded
        random draws of the fit crops (stored in raster order): ``score_crops`` of them scored, and
        ``encoder_crops`` encoded. ``sum``: the scale, from the spread (interquartile range) of the
        score's square root and of the change. ``rank``: the distributions of the smoothed score
        and of the smoothed change, away from the crops' edges. The reader of the Sentinel-2
        digital numbers is chosen here too (reflectance in [0, 1] is scaled by 10000)."""
        enc = self._encoder
        optical = crops[:, [enc.channels[b] for b in ("B2", "B3", "B4", "B8")]]
        enc.dn_scale = 1e4 if np.nanmedian(optical) <= 1.5 else 1.0
        order = np.random.default_rng(self.config.seed).permutation(crops.shape[0])
        scored = [self._raw_score(crop[:nm], crop[nm:], (0, 0)) for crop in crops[order[:score_crops]]]
        q1, q3 = np.percentile(
            np.concatenate([np.sqrt(np.maximum(s[ok], 0.0)) for s, ok in scored]), [25, 75]
        )
        self.progress(1.0, "fitting the encoder expert")
        sample = crops[order[:encoder_crops]]
        try:
            enc.fit(sample[:, :nm], sample[:, nm:], float(q3 - q1), self.config.encoder_weight)
            if enc.combine == "rank":
                changes = [(g, np.isfinite(g)) for g in enc.fit_changes(sample[:, :nm], sample[:, nm:])]
                enc.fit_tables(
                    np.concatenate([self._smoothed_inside(s, ok) for s, ok in scored]),
                    np.concatenate([self._smoothed_inside(g, ok, 1.0) for g, ok in changes]),
                )
        except (ValueError, CalibrationError):
            raise InputError(
                "The pretrained encoder expert found too few pixels with data on both dates to fit: "
                "use encoder=none for this scene."
            ) from None

    def _smoothed(self, s: np.ndarray, ok: np.ndarray, power: float | None = None) -> np.ndarray:
        """``s`` smoothed as the score is (a power mean of ``smooth_power``, or ``power``)."""
        if self._smoothing() <= 0:
            return s
        return _smooth(s, ok, self._smoothing(), self.config.smooth_power if power is None else power)

    def _smoothed_inside(self, s: np.ndarray, ok: np.ndarray, power: float | None = None) -> np.ndarray:
        """The smoothed score of a fit crop at its valid pixels, without the smoothing's reach from
        the crop's edges (where a raster's interior would have neighbours)."""
        s = self._smoothed(s, ok, power)
        m = int(math.ceil(3 * self._smoothing()))
        inside = (slice(m, s.shape[0] - m), slice(m, s.shape[1] - m))
        return s[inside][ok[inside]]

    def _activate(self) -> None:
        import torch

        self.model.to(torch.device(self._device))
        if self.config.model.lower().endswith(".onnx"):
            from ..generative.onnx_export import load_onnx_model

            self.model = load_onnx_model(self.config.model, self._device)
        elif self.config.runtime == "onnx":
            from ..generative.onnx_export import use_onnx_runtime

            use_onnx_runtime(self.model, self._device)

    # -- score -----------------------------------------------------------------------------------
    def score(self, target: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        return self.score_block(target, reference, (0, 0))

    def score_block(
        self, target: np.ndarray, reference: np.ndarray | None, origin: tuple[int, int]
    ) -> np.ndarray:
        if self._encoder is None:
            s, ok = self._raw_score(target, reference, origin)
        else:
            # The encoder's halo is wider than the rest needs: where the block was grown by the full
            # context (not clipped by the raster's edge), its outer rows and columns are scored by
            # the encoder only.
            rows, cols = target.shape[1:]
            grid = self._grid(origin, (rows, cols))
            extra = self.context_px - self._spectral_context_px()
            r0, c0 = (extra if origin[0] > 0 else 0), (extra if origin[1] > 0 else 0)
            r1 = rows - extra if origin[0] + rows < grid[0] else rows
            c1 = cols - extra if origin[1] + cols < grid[1] else cols
            s, ok = np.zeros((rows, cols)), np.zeros((rows, cols), bool)
            if r1 > r0 and c1 > c0:
                inner = (slice(r0, r1), slice(c0, c1))
                part = reference[:, inner[0], inner[1]] if reference is not None else None
                s[inner], ok[inner] = self._raw_score(
                    target[:, inner[0], inner[1]], part, (origin[0] + r0, origin[1] + c0)
                )
            g = self._encoder.change(target, reference, origin, grid)
            ok &= np.isfinite(g)
            g = np.where(ok, g, 0.0)
            if self._encoder.combine == "rank":
                # Each expert smoothed on its own, then the product of their ranks on the fit data.
                return self._finish(
                    self._encoder.combined(self._smoothed(s, ok), self._smoothed(g, ok, 1.0)), ok
                )
            # sum: the change joins in the square root of the score; the default smoothing (a
            # power mean of order 1/2) then averages the sum of the two.
            s = (np.sqrt(np.maximum(s, 0.0)) + g) ** 2
        return self._finish(self._smoothed(s, ok), ok)

    @staticmethod
    def _finish(s: np.ndarray, ok: np.ndarray) -> np.ndarray:
        out = s.astype(np.float32)
        out[~ok] = np.nan
        return out

    def _grid(self, origin: tuple[int, int], shape: tuple[int, int]) -> tuple[int, int]:
        """The raster's size, for grids anchored on it (the block itself when it is unknown)."""
        grid = self._layout.grid_shape if self._layout is not None else None
        end = (origin[0] + shape[0], origin[1] + shape[1])
        return grid if grid is not None and end[0] <= grid[0] and end[1] <= grid[1] else end

    def _raw_score(
        self, target: np.ndarray, reference: np.ndarray | None, origin: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The unsmoothed score of a block (the network's energy and the Gaussian experts') and its
        valid pixels."""
        m = self.model
        assert m is not None, "fit before score"
        x, cond = self._split(target, reference)
        z, ok = m.projection.apply(x)
        cz = None
        # The Gaussian experts beside the network's, each energy divided by its expected value
        # (its number of components) before they are added.
        experts: list[np.ndarray] = []
        if m.cond_projection is not None:
            if cond is None:
                raise InputError("This model is conditional: give the conditioning raster(s) too.")
            cz, cok = m.cond_projection.apply(cond)
            ok &= cok
            if m.reverse is not None:
                # The reverse expert: the reference given the target (conditional Gaussian). A
                # change may be predictable one way and not the other (a bright roof on bright soil).
                rev = m.reverse.apply(cz, z)
                experts.append(np.einsum("k...,k...->...", rev, rev, dtype=np.float64) / rev.shape[0])
            if m.card.get("magnitude_expert") and m.regression is not None:
                # The magnitude expert: what the regression(s) do not predict, in the bands' own
                # units (change vector analysis of the unexplained part). Real changes are large
                # departures; the whitened energies alone weigh a small one in a quiet direction
                # as much.
                magnitude = _magnitude(m.regression, z, cz, m.projection)
                if m.reverse is not None:
                    magnitude += _magnitude(m.reverse, cz, z, m.cond_projection)
                experts.append(magnitude)
            if m.regression is not None:
                z = m.regression.apply(z, cz)
                z[:, ~ok] = 0.0
        local = self._local()
        if local:  # (no regression: condition none)
            from .window import ring_mahalanobis

            z_lead, rings = z[: local["components"]], _rings(local)
            energy = sum(ring_mahalanobis(z_lead, ok, o, i, local["ridge"]) for o, i in rings) / len(rings)
            ok &= np.isfinite(energy)
            experts.append(np.nan_to_num(energy) / z_lead.shape[0])
        s = m.score_tile(z, cz, self._embed if m.spec.embed_dim else None, origin)
        s += m.projection.tail_energy(x)
        if experts:
            s = s / _dof(m.projection)
            for energy in experts:
                s = s + energy
        return s, ok

    def summary_dict(self) -> dict:
        m = self.model
        out = dict(self._fit_summary)
        if m is not None:
            out.update(
                {
                    "model": self.config.model or "fit on the fly",
                    "condition": self._mode,
                    "local_expert": self._local(),
                    "reverse_expert": m.reverse is not None,
                    "magnitude_expert": bool(m.card.get("magnitude_expert")),
                    "arch": m.card.get("arch"),
                    "passes_per_pixel": m.score_spec.passes(),
                    "smooth_px": self._smoothing(),
                    "smooth_power": self.config.smooth_power,
                    "encoder": (m.card.get("encoder", {}).get("name") if self._encoder is not None else None),
                    **({"encoder_combine": self._encoder.combine} if self._encoder is not None else {}),
                    **({"encoder_note": self._encoder_note} if self._encoder_note else {}),
                    "runtime": self.config.runtime,
                }
            )
        return out


def model_method(path: str) -> str:
    """The method a saved model was fit with, from its card: ``<model>.json`` beside a safetensors
    model, the metadata inside an ``.onnx`` export. Falls back to a guess from the file name when
    there is no readable card. Never imports torch."""
    import json
    import os

    method = None
    try:
        if path.lower().endswith(".onnx"):
            from ..generative.onnx_card import onnx_card

            method = onnx_card(path).get("method")
        elif os.path.isfile(f"{path}.json"):
            with open(f"{path}.json", encoding="utf-8") as f:
                method = json.load(f).get("method")
    except (OSError, ValueError, AttributeError, InputError):
        method = None
    if isinstance(method, str) and method in ("diffusion", "flow"):
        return method
    return "flow" if "flow" in os.path.basename(path).lower() else "diffusion"


def _encoder_channels(layout: InputLayout, mode: str) -> tuple[dict[str, int], str]:
    """(channel of each Sentinel-2 band the encoder reads, "") when the encoder expert fits these
    inputs, else ({}, why not)."""
    from ..pretrained.galileo import S2_INPUT_BANDS
    from ..spectral.bands import identify_stack

    if mode != "reference":
        return {}, "it compares two dates (condition=reference)"
    if layout.reference_bands != layout.target_bands:
        return {}, "it needs the same sensor on both dates (as many bands in the reference as in the target)"
    try:
        index = identify_stack(layout.target_bands, layout.target_band_names).index
    except InputError:
        return {}, "it reads Sentinel-2 bands and these rasters are not identified as Sentinel-2"
    missing = [b for b in S2_INPUT_BANDS if b not in index]
    if missing:
        return (
            {},
            f"it reads Sentinel-2 bands {', '.join(S2_INPUT_BANDS)} and these rasters lack {', '.join(missing)}",
        )
    if layout.grid_shape is not None and min(layout.grid_shape) < 64:
        return {}, "the scene is smaller than 64 px"
    return {b: index[b] for b in S2_INPUT_BANDS}, ""


def _rings(local: dict) -> list[tuple[int, int]]:
    """(outer, inner) windows of the local expert's scales: each twice the previous one plus a
    pixel (15/5, 31/11, ...), so that windows stay odd and centred. Models saved before scales
    existed have one."""
    rings = [(int(local["outer"]), int(local["inner"]))]
    for _ in range(int(local.get("scales", 1)) - 1):
        outer, inner = rings[-1]
        rings.append((2 * outer + 1, 2 * inner + 1))
    return rings


def _band_list(log: np.ndarray | None) -> list[int]:
    """1-based numbers of the bands read as logs."""
    return [] if log is None else [int(i) + 1 for i in np.flatnonzero(log)]


def _gaussian_core(x: np.ndarray, valid: np.ndarray, quantile: float) -> np.ndarray:
    """``valid`` restricted to the pixels whose squared norm in the whitened channels (RX of the
    Gaussian the model starts from; for a conditional model, of the regression residual) is below
    its ``quantile``: the rare events are left out of what the flexible model learns as normal, as
    a trimmed Gaussian fit would leave them out, while the normal variety (and, given a reference,
    the normal differences between the two rasters) is kept."""
    energy = (x.astype(np.float64) ** 2).sum(axis=1)
    cut = np.quantile(energy[valid], quantile) if valid.any() else np.inf
    return valid & (energy <= cut)


def _dof(proj) -> int:
    """Components the model's energy sums over: the modelled ones and the tail."""
    return proj.channels + (proj.tail.shape[1] if proj.tail is not None else 0)


def _pixel_sample(
    x: np.ndarray, cond: np.ndarray, valid: np.ndarray, seed: int, max_px: int = 300_000
) -> tuple[np.ndarray, np.ndarray]:
    """float64 ``(n, k)``, ``(n, kc)``: the channels of (a seeded uniform sample of) the valid
    pixels of the crops, for the trimmed regressions."""
    idx = np.flatnonzero(valid.ravel())
    if idx.size > max_px:
        idx = np.sort(np.random.default_rng(seed).choice(idx, max_px, replace=False))
    n, _, rows, cols = x.shape
    i, pix = np.divmod(idx, rows * cols)
    r, q = np.divmod(pix, cols)
    return x[i, :, r, q].astype(np.float64), cond[i, :, r, q].astype(np.float64)


def _magnitude(reg, z: np.ndarray, c: np.ndarray, proj) -> np.ndarray:
    """float64 ``(rows, cols)``: :meth:`Regression.magnitude` of channel-first blocks."""
    k, shape = z.shape[0], z.shape[1:]
    flat = reg.magnitude(
        z.reshape(k, -1).T.astype(np.float64), c.reshape(c.shape[0], -1).T.astype(np.float64), proj.variances
    )
    return flat.reshape(shape)


def _regress_crops(reg, x: np.ndarray, cond: np.ndarray, valid: np.ndarray) -> np.ndarray:
    out = np.stack([reg.apply(x[i], cond[i]) for i in range(x.shape[0])])
    out[np.broadcast_to(~valid[:, None], out.shape)] = 0.0
    return out


def _normalise_crops(proj, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n, _, s, _ = raw.shape
    z = np.zeros((n, proj.channels, s, s), np.float32)
    valid = np.zeros((n, s, s), bool)
    for i in range(n):
        z[i], valid[i] = proj.apply(raw[i])
    return z, valid


def _smooth(s: np.ndarray, ok: np.ndarray, sigma: float, power: float = 1.0) -> np.ndarray:
    """Gaussian-weighted power mean of a non-negative score, ignoring invalid pixels (normalised
    convolution): ``(sum w s^p / sum w)^(1/p)``. A power below 1 lets one spiked pixel (speckle, a
    co-registration edge) lift its neighbours less than a coherent change of several pixels does;
    the result stays in the score's units."""
    from scipy.ndimage import gaussian_filter

    v = np.maximum(s, 0.0) ** power if power != 1.0 else s
    w = ok.astype(np.float64)
    num = gaussian_filter(np.where(ok, v, 0.0), sigma, mode="constant", truncate=3.0)
    den = gaussian_filter(w, sigma, mode="constant", truncate=3.0)
    out = np.where(den > 1e-6, num / np.maximum(den, 1e-6), v)
    return out ** (1.0 / power) if power != 1.0 else out


class DiffusionDetector(_GenerativeDetector):
    name = "diffusion"
    summary = (
        "Diffusion model (DDPM) of normal imagery fit without labels; per-pixel denoising error "
        "(optionally given the reference date or a second modality)."
    )


@dataclass(frozen=True)
class FlowConfig(GenerativeConfig):
    process: ClassVar[str] = "flow"


class FlowDetector(_GenerativeDetector):
    name = "flow"
    summary = (
        "Flow-matching model (rectified flow) of normal imagery fit without labels; per-pixel "
        "reconstruction error (optionally given the reference date or a second modality)."
    )
    Config = FlowConfig
