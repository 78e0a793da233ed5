"""The identity fit of one sensor's dates (``backend/generative/identity.py``) at several
concentration shares, on a uniform sample of 100 000 of the pair's valid pixels, with the
unchanged pixels chosen by their own differences and by their local differences (the default):
the share of the sample kept as unchanged, the share of event pixels (the case's labelled changes,
plus the breakdown benchmark's pasted events) among them, and the AUROC of the expert's per-pixel
energy on the sample; and the share of the sample equal on both dates in every band (and at 0).

    .venv/bin/python research/probe_identity_fit.py oscd/hongkong@0.5,sar-cd/bern@0.5 [0.5 0.3 ...]

Cases as in ``research/probe_cases.py`` (``ID@SHARE``: with the benchmark's events on SHARE of the
valid pixels). The bands read as logs are those a real ``diffusion`` run chooses (its relation fit is
intercepted, and the run stops there); the pixels are drawn from the rasters, where their labels
are known (a ``diffusion`` fit draws its own sample from 64 px crops).
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
    """The raw samples a diffusion fit of ``case`` draws (:class:`~backend.generative.normal.Dates`:
    the probe takes the bands it reads as logs from them)."""
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


def raster_sample(case: dict, root: Path, log, size: int = 100_000, seed: int = 0):
    """(target, reference, local difference) float64 ``(n, bands)`` and labels ``(n,)`` of a seeded
    uniform sample of the pixels valid on both dates (finite and, where declared, not nodata); the
    local difference is :func:`~backend.generative.identity.local_difference` on the whole raster
    (the fit takes it on its 64 px crops)."""
    targets, references, label_path = case_inputs(case, root)
    arrays = []
    for path in (targets[0], references[0]):
        with open_raster(path) as ds:
            a = ds.read().astype(np.float64)
            if ds.nodata is not None:
                a[a == ds.nodata] = np.nan
        arrays.append(a)
    with open_raster(label_path) as ds:
        labels = ds.read(1).ravel()
    valid = np.isfinite(arrays[0]).all(axis=0) & np.isfinite(arrays[1]).all(axis=0)
    ok = np.flatnonzero(valid.ravel())
    pick = np.sort(np.random.default_rng(seed).choice(ok, min(size, ok.size), replace=False))
    rows, cols = np.divmod(pick, valid.shape[1])
    local = identity.local_difference(
        arrays[0][None], arrays[1][None], valid[None], log, (np.zeros_like(rows), rows, cols)
    )
    t, r = (a.reshape(a.shape[0], -1)[:, pick].T for a in arrays)
    return t, r, local, labels[pick]


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    fractions = [float(v) for v in argv[1:]] or [0.5, identity.IDENTITY_FRACTION]
    root = ROOT.parent / "shared" / "data"
    known = cases(root)
    for spec in argv[0].split(","):
        case = case_at(known, spec, root)
        log = fit_sample(case, root).log
        target, reference, local, labels = raster_sample(case, root, log)
        changed = labels == 1
        parts = []
        for fraction in fractions:
            original, identity.IDENTITY_FRACTION = identity.IDENTITY_FRACTION, fraction
            try:
                fit = identity.IdentityFit.of(target, reference, log, seed=0)
                by_local = identity.IdentityFit.of(target, reference, log, seed=0, local=local)
            finally:
                identity.IDENTITY_FRACTION = original
            a_pixel, a_local = (
                auroc(f.expert.energy(target.T, reference.T), labels) for f in (fit, by_local)
            )
            parts.append(
                f"{fraction:g}: by pixel: kept {fit.inliers.mean():.2f} (events"
                f" {changed[fit.inliers].mean():.2f}), AUROC {a_pixel:.4f}; by {identity.LOCAL_PX} px: kept"
                f" {by_local.inliers.mean():.2f} (events {changed[by_local.inliers].mean():.2f}), AUROC {a_local:.4f}"
            )
        equal = (target == reference).all(axis=1)
        print(
            f"{spec:26s} events {changed.mean():.2f}, equal on both dates {equal.mean():.2f}"
            f" (of which 0: {(equal & (target == 0).all(axis=1)).mean():.2f}) | " + " | ".join(parts),
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
