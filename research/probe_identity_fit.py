"""The identity fit of one sensor's dates (``backend/generative/identity.py``) at several
concentration shares, on the pixel sample a ``diffusion`` fit draws: its inlier share, the share of
event pixels (the case's labelled changes, plus the breakdown benchmark's pasted events) among its
inliers, and the AUROC of its per-pixel energy on that sample.

    .venv/bin/python research/probe_identity_fit.py oscd/hongkong@0.5,sar-cd/bern@0.5 [0.5 0.3 ...]

Cases as in ``research/probe_cases.py`` (``ID@SHARE``: with the benchmark's events on SHARE of the
valid pixels). The fit's sample is taken from inside a real ``diffusion`` run (its relation fit is
intercepted, and the run stops there); each sampled pixel's label is found by its values on both
dates.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "research"))

from probe_cases import case_at, cases  # noqa: E402

from backend.evaluation import case_inputs  # noqa: E402
from backend.generative import fitting, identity  # noqa: E402
from backend.metrics import auroc  # noqa: E402
from backend.raster import open_raster  # noqa: E402
from backend.request import ScoreRequest  # noqa: E402
from backend.scoring import score_to_file  # noqa: E402


class _SampledError(Exception):
    """Raised from the intercepted relation fit: the sample is taken, the run stops."""

    def __init__(self, dates) -> None:
        self.dates = dates


def _intercept(z, c, reverse_expert, seed, dates):
    raise _SampledError(dates)


def fit_sample(case: dict, root: Path):
    """The raw samples (target, reference, log bands) a diffusion fit of ``case`` draws."""
    targets, references, _ = case_inputs(case, root)
    original, fitting.fit_relation = fitting.fit_relation, _intercept
    try:
        with tempfile.TemporaryDirectory() as tmp:
            score_to_file(
                ScoreRequest(tuple(targets), tuple(references), "diffusion", {}), Path(tmp) / "s.tif"
            )
    except _SampledError as sampled:
        return sampled.dates
    finally:
        fitting.fit_relation = original
    raise RuntimeError(f"{case['id']}: no relation fit (not one sensor's dates?)")


def sample_labels(case: dict, root: Path, dates) -> np.ndarray:
    """The label (0, 1, or 255: unknown) of each sampled pixel, found by its values on both dates."""
    targets, references, label_path = case_inputs(case, root)
    with open_raster(targets[0]) as ds:
        t = ds.read().astype(np.float32)
    with open_raster(references[0]) as ds:
        r = ds.read().astype(np.float32)
    with open_raster(label_path) as ds:
        y = ds.read(1)
    both = np.concatenate([t, r]).reshape(t.shape[0] + r.shape[0], -1).T
    lookup = {row.tobytes(): int(v) for row, v in zip(both, y.ravel())}
    sampled = np.concatenate([dates.target, dates.reference], axis=1).astype(np.float32)
    return np.array([lookup.get(row.tobytes(), 255) for row in sampled])


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    fractions = [float(v) for v in argv[1:]] or [0.5, identity.IDENTITY_FRACTION]
    root = ROOT.parent / "shared" / "data"
    known = cases(root)
    for spec in argv[0].split(","):
        case = case_at(known, spec, root)
        dates = fit_sample(case, root)
        labels = sample_labels(case, root, dates)
        changed = labels == 1
        parts = []
        for fraction in fractions:
            original, identity.IDENTITY_FRACTION = identity.IDENTITY_FRACTION, fraction
            try:
                fit = identity.IdentityFit.of(dates.target, dates.reference, dates.log, seed=0)
            finally:
                identity.IDENTITY_FRACTION = original
            energy = fit.expert.energy(dates.target.T, dates.reference.T)
            parts.append(
                f"{fraction:g}: inliers {fit.inliers.mean():.2f}, events among them "
                f"{changed[fit.inliers].mean():.2f}, AUROC {auroc(energy, labels):.4f}"
            )
        print(f"{spec:26s} events {changed.mean():.2f} | " + " | ".join(parts), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
