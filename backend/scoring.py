"""One detection, end to end: align, fit, score in tiles, calibrate, write.

``score_to_file`` runs a :class:`~backend.request.ScoreRequest` (built and checked by every front
end through :mod:`backend.request`); ``fit_model_to_file`` a :class:`~backend.request.FitRequest`.
Passes over the data, whose work a runner does (:mod:`backend.passes`: this process's cores by
default, or a Dask cluster's workers):

1. fit: non-overlapping blocks of the fit data (reference for single-input methods when given,
   else the target; both for pair methods) stream into ``Detector.partial_fit``;
2. score: overlapping tiles padded by the method's context, scored by every core
   (:mod:`backend.parallel`, for detectors that allow it), blended in order by
   :class:`StripStitcher`, and streamed into a temporary GeoTIFF by this process (the one
   writer); a sample of target scores is kept for calibration;
3. calibrate (only with a reference and a single-input method): held-out reference pixels are
   scored and their distribution becomes the calibration table.

Outputs appear atomically: the score raster and its sidecar are renamed into place only at the end.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np

from . import __version__
from .atomic import atomic_output
from .calibration import MIN_SAMPLES, Calibration, tie_warning
from .detectors import Detector, InputLayout
from .detectors.uniform import UniformScore
from .errors import EmptyDataError, MethodError
from .outputs import claim_outputs, sidecar_of
from .passes import LocalRunner, Runner, holdout_mask
from .progress import CancelToken, ProgressCallback, no_progress, scaled
from .raster import (
    AlignedStack,
    RasterInfo,
    check_alignment,
    check_band_counts,
    check_complex,
    gdal_env,
    inspect_raster,
    pixel_size_m,
)
from .request import FitRequest, Request, ScoreRequest
from .scorefile import ScoreRasterWriter, sidecar_path, write_sidecar
from .tiling import StripStitcher, make_block_grid, make_tile_grid

log = logging.getLogger(__name__)

#: At most this many target scores are kept to build the calibration table.
CALIBRATION_SAMPLE_SIZE = 2_000_000


@dataclass
class _Inputs:
    targets: list[RasterInfo]
    references: list[RasterInfo]

    @property
    def grid(self):
        return self.targets[0].grid


def prepare_inputs(request: Request, any_reference_bands: bool = False) -> _Inputs:
    """Inspect and check every input raster before any pixel is read.

    ``any_reference_bands``: the method learns a mapping from the reference to the target, so the
    references need not mirror the targets band for band (SAR before, optical after).
    """
    targets = [inspect_raster(p) for p in request.targets]
    references = [inspect_raster(p) for p in request.references]
    check_complex(targets + references, request.complex_mode)
    grid = targets[0].grid
    check_alignment(grid, targets + references)
    if not any_reference_bands:
        check_band_counts(targets, references)
    if not all(i.grid.georeferenced for i in targets + references):
        log.warning(
            "Some inputs are not georeferenced: they are assumed to share the first target's pixel grid."
        )
    return _Inputs(targets, references)


def score_to_file(
    request: ScoreRequest,
    output: str | os.PathLike[str],
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    runner: Runner | None = None,
) -> dict[str, Any]:
    """Run ``request`` and write the score raster ``output`` plus its sidecar; return the sidecar.
    ``runner`` does the passes' work (:mod:`backend.passes`; default: this process's cores)."""
    cancel = cancel or CancelToken()
    runner = runner or LocalRunner()
    started = time.monotonic()
    claim_outputs([(output, "score"), (sidecar_of(output), "score-sidecar")], request.inputs)
    detector = request.detector()
    inputs = _prepare_for(detector, request)
    if detector.needs_reference and not inputs.references:
        raise MethodError(
            f"Method {request.method} compares two dates: give the pre-event raster(s) with --reference."
        )
    holdout = bool(inputs.references) and detector.scores_single_input
    with (
        gdal_env(),
        AlignedStack(inputs.targets, inputs.grid, request.complex_mode) as target,
        _maybe_stack(inputs, request) as reference,
    ):
        detector, notes = _fit(
            detector, target, reference, holdout, request, scaled(progress, 0.0, 0.5), cancel, runner=runner
        )
        with atomic_output(output) as tmp_score, atomic_output(sidecar_path(output)) as tmp_side:
            # Shares of the run in proportion to the work (the holdout pass scores the reference
            # as the scoring pass scores the target), so that the ETA holds (progress.RunEta).
            end = 0.75 if holdout else 1.0
            sample, stats = _score(
                detector, target, reference, request, tmp_score, scaled(progress, 0.5, end), cancel, runner
            )
            if holdout:
                sample = _holdout_scores(
                    detector, reference, request, scaled(progress, end, 1.0), cancel, runner
                )
            calibration = Calibration.from_samples(sample, "reference-holdout" if holdout else "target-bulk")
            if detector.default_threshold is not None:
                calibration = calibration.with_physical_threshold(detector.default_threshold)
            notes += _tie_warnings(detector, calibration, sample)
            seconds = time.monotonic() - started
            sidecar = _sidecar(request, inputs, detector, calibration, stats, seconds)
            sidecar["warnings"] = notes
            write_sidecar(tmp_side, sidecar)
    progress(1.0, "done")
    return sidecar


def fit_model_to_file(
    request: FitRequest,
    output: str | os.PathLike[str],
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Fit a trainable method on ``request``'s inputs (every valid pixel) and save the model to
    ``output`` (safetensors plus ``<output>.json`` card, written by the detector); return the card."""
    cancel = cancel or CancelToken()
    claim_outputs([(output, "model"), (sidecar_of(output), "model-card")], request.inputs)
    detector = request.detector()
    inputs = _prepare_for(detector, request)
    with (
        gdal_env(),
        AlignedStack(inputs.targets, inputs.grid, request.complex_mode) as target,
        _maybe_stack(inputs, request) as reference,
    ):
        if detector.scores_single_input and reference is not None:
            raise MethodError(
                "With condition=none the model learns the targets alone: leave out --reference."
            )
        _fit(detector, target, reference, False, request, scaled(progress, 0.0, 0.99), cancel, survey=False)
    card = detector.save_model(output)
    progress(1.0, "done")
    return card


def _prepare_for(detector: Detector, request: Request) -> _Inputs:
    """Inspect the inputs, then tell the detector their layout (which may make it a pair method)."""
    inputs = prepare_inputs(request, any_reference_bands=True)
    layout = input_layout(inputs, request.device)
    detector.prepare(layout)
    if not detector.accepts_any_reference_bands:
        check_band_counts(inputs.targets, inputs.references)
    return inputs


def input_layout(inputs: _Inputs, device: str) -> InputLayout:
    """The :class:`InputLayout` of checked inputs."""
    from .scene import date_from_tags, grid_lonlat

    def first_date(infos):
        for info in infos:
            d = date_from_tags(info.tags)
            if d is not None:
                return d.isoformat()
        return None

    return InputLayout(
        target_bands=tuple(i.count for i in inputs.targets),
        reference_bands=tuple(i.count for i in inputs.references),
        lonlat=grid_lonlat(inputs.grid),
        target_date=first_date(inputs.targets),
        reference_date=first_date(inputs.references),
        device=device,
        target_band_names=tuple(tuple(i.descriptions) for i in inputs.targets),
        grid_shape=(inputs.grid.height, inputs.grid.width),
        pixel_size_m=pixel_size_m(inputs.grid),
    )


class _NoStack:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _maybe_stack(inputs: _Inputs, request: Request):
    return (
        AlignedStack(inputs.references, inputs.grid, request.complex_mode)
        if inputs.references
        else _NoStack()
    )


def _fit(
    detector, target, reference, holdout, request, progress, cancel, survey: bool = True, runner=None
) -> tuple[Detector, list[str]]:
    """Stream the fit data through ``detector.partial_fit`` (by ``runner``) and finish its fit;
    return the detector that scores and the warnings the data deserve (logged). With ``survey``, a
    :class:`UniformScore` takes the detector's place where the data hold nothing that can stand out
    (:mod:`backend.detectors.uniform`)."""
    grid = target.grid
    blocks = make_block_grid(grid.height, grid.width, request.tile_size_px)
    runner = runner or LocalRunner()
    part = runner.fit(detector, target, reference, blocks, holdout, scaled(progress, 0.0, 0.1), cancel)
    detector, seen = part.detector, part.survey
    _check_valid(part.valid, target.infos + (reference.infos if reference else []))
    reason = seen.reason(detector, reference is not None) if survey else None
    if reason is not None:
        log.warning(reason)
        return UniformScore(detector, reason), [reason]
    notes = [n for n in [seen.one_value_warning()] if n is not None] if survey else []
    for note in notes:
        log.warning(note)
    detector.bind(scaled(progress, 0.1, 1.0), cancel)
    detector.finish_fit()
    return detector, notes


def _tie_warnings(detector: Detector, calibration: Calibration, sample: np.ndarray) -> list[str]:
    """A warning (logged) when ties at the default threshold make the mask flag much less than its
    rate (:func:`backend.calibration.tie_warning`); none for a uniform score, already explained."""
    if isinstance(detector, UniformScore) or calibration.default_threshold_source != "false-alarm-rate":
        return []
    tie = tie_warning(sample, calibration.default_threshold, calibration.default_false_alarm_rate)
    if tie is not None:
        log.warning(tie)
    return [tie] if tie is not None else []


def _check_valid(valid: np.ndarray, infos: Sequence[RasterInfo]) -> None:
    for ok, info in zip(valid, infos):
        if not ok:
            raise EmptyDataError(
                f"{info.path} holds no valid pixel where it overlaps the first target (all no data): "
                "check its nodata value and its footprint."
            )


class _ScoreSampler:
    """Keeps a uniform random sample (fixed seed) of the finite scores written, for calibration."""

    def __init__(self, n_pixels: int) -> None:
        self.keep_p = min(1.0, CALIBRATION_SAMPLE_SIZE / max(n_pixels, 1))
        self.rng = np.random.default_rng(0)
        self.parts: list[np.ndarray] = []
        self.n_valid = 0

    def add(self, block: np.ndarray) -> None:
        vals = block[np.isfinite(block)]
        self.n_valid += vals.size
        self.parts.append(vals[self.rng.random(vals.size) < self.keep_p] if self.keep_p < 1 else vals)

    def sample(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.zeros(0, np.float32)


def _score(detector, target, reference, request, path, progress, cancel, runner):
    """Score every tile into ``path``; return (calibration sample of target scores, statistics)."""
    grid = target.grid
    tiles = make_tile_grid(grid.height, grid.width, request.tile_size_px, request.overlap_px)
    sampler = _ScoreSampler(grid.width * grid.height)
    with ScoreRasterWriter(path, grid, f"{detector.name} anomaly score") as writer:

        def write_rows(row_off: int, block: np.ndarray) -> None:
            writer.write_rows(row_off, block)
            sampler.add(block)

        stitcher = StripStitcher(grid.height, grid.width, request.overlap_px, write_rows)
        for i, (tile, block) in enumerate(runner.scored(detector, target, reference, tiles, cancel)):
            stitcher.add(tile, block)
            progress((i + 1) / len(tiles), "scoring")
        stitcher.close()
    if sampler.n_valid < MIN_SAMPLES:
        raise EmptyDataError(_too_few_scores(detector, grid, sampler.n_valid))
    return sampler.sample(), {"valid_px": int(sampler.n_valid), "tiles": len(tiles)}


#: Rasters with fewer pixels than this are called small in messages.
SMALL_RASTER_PX = 32 * 32


def _too_few_scores(detector: Detector, grid, n_valid: int) -> str:
    """Why a run scored fewer pixels than a calibration needs, for the analyst."""
    size = f"{grid.width} x {grid.height} px"
    head = f"Method {detector.name} scored {n_valid} pixel(s) of this {size} raster, fewer than the {MIN_SAMPLES} a calibration needs"
    if grid.width * grid.height < SMALL_RASTER_PX:
        reach = f" (its windows reach {detector.context_px} px around a pixel)" if detector.context_px else ""
        return f"{head}: the raster is too small for the method{reach}; give a larger area."
    return f"{head}: the inputs share almost no valid pixel; check their nodata values and their overlap."


def _holdout_scores(detector, reference, request, progress, cancel, runner) -> np.ndarray:
    """Scores of held-out reference pixels (normal data the fit never saw)."""
    grid = reference.grid
    tiles = make_block_grid(grid.height, grid.width, request.tile_size_px)
    parts = []
    for i, (tile, s) in enumerate(runner.scored(detector, reference, None, tiles, cancel)):
        held = holdout_mask(tile.row_off, tile.col_off, tile.height, tile.width) & np.isfinite(s)
        parts.append(s[held])
        progress((i + 1) / len(tiles), "calibrating")
    return np.concatenate(parts)


def _sidecar(request, inputs, detector, calibration, stats, seconds) -> dict[str, Any]:
    megapixels = inputs.grid.width * inputs.grid.height / 1e6
    return {
        "format": "raresight-score/1",
        "software": {"name": "raresight", "version": __version__},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "method": f"{request.method}+{request.fuse}" if request.fuse else detector.name,
        "parameters": detector.config.to_dict(),
        "fuse": request.fuse or None,
        "score_meaning": detector.score_meaning,
        "inputs": {
            "targets": [i.to_dict() for i in inputs.targets],
            "references": [i.to_dict() for i in inputs.references],
            "complex": request.complex_mode or None,
        },
        "grid": inputs.grid.to_dict(),
        "tiling": {"tile_size_px": request.tile_size_px, "overlap_px": request.overlap_px},
        "device": detector.device_used,
        "fit": {"data": _fit_data_name(detector, inputs), **detector.summary_dict()},
        "calibration": calibration.to_dict(),
        "default_false_alarm_rate": calibration.default_false_alarm_rate,
        "default_threshold": calibration.default_threshold,
        "default_threshold_source": calibration.default_threshold_source,
        "statistics": {
            **stats,
            "seconds": round(seconds, 3),
            "megapixels_per_second": round(megapixels / max(seconds, 1e-9), 3),
        },
    }


def _fit_data_name(detector, inputs) -> str:
    if not detector.scores_single_input:
        return "target and reference pairs" if inputs.references else "target"
    return "reference (held-out cells excluded)" if inputs.references else "target"
