"""Label-free calibration when an event covers much of the target: candidate estimators of the
normal scores' 1 - a quantile from the target's own scores, against the realized false-alarm rate
on the normal pixels of the breakdown benchmark's cases (scripts/bench_breakdown.py).

    .venv/bin/python research/probe_calibration.py [--shares 0 0.3] [--work DIR]

The classical pair methods (cva, logratio, gauss-ref) and rx on the flood chip are scored once per
case and share (the inputs are the benchmark's, written under ``--work``); each candidate then maps
the score sample to a threshold for nominal rate 1e-2. Printed: per share, how many (case, method)
runs realize a rate in [0.5e-2, 2e-2], and the median ratio of realized to nominal.

Candidates (none uses labels):

* ``plain``: the sample's quantile (what ``backend.calibration`` does);
* ``mirror``: in log scores, the normal part is taken as symmetric about the half-sample mode, its
  mass twice the share below the mode, and the quantile is the mirror of its lower tail;
* ``lower-gauss``: a Gaussian fit to the lower 2-45 % quantiles of the log scores, its mass
  re-estimated from the share below its 90 % point, extrapolated to 1 - a;
* ``mirror-cut``: the plain quantile of the scores below the mirror of the lower 1e-4 tail;
* ``open-zone``: the plain quantile outside the morphological opening (5 x 5 disc) of the top 20 %;
* ``blocks16``, ``blocks32``, ``blocks16c2``: the plain quantile over the 16 (32) px blocks whose
  median log score is at most 3 (2) robust sigmas above the shortest half of the block medians.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_breakdown import benchmark_cases, prepare  # noqa: E402

from backend.evaluation import case_inputs  # noqa: E402
from backend.request import ScoreRequest  # noqa: E402
from backend.scoring import score_to_file  # noqa: E402

RATE = 1e-2
METHODS = ("cva", "logratio", "gauss-ref")


def _logs(s: np.ndarray) -> tuple[np.ndarray, float]:
    lo = float(s.min())
    shift = 0.0 if lo > 0 else -lo + 1e-6 * (float(np.ptp(s)) + 1e-12)
    return np.log(s + shift), shift


def _hsm(u: np.ndarray) -> float:
    """Half-sample mode (Bickel)."""
    u = np.sort(u)
    while u.size > 3:
        h = (u.size + 1) // 2
        i = int(np.argmin(u[h - 1 :] - u[: u.size - h + 1]))
        u = u[i : i + h]
    return float(np.median(u))


def plain(s: np.ndarray, grid: np.ndarray, a: float) -> float:
    return float(np.quantile(s, 1 - a, method="inverted_cdf"))


def _mirror_parts(s: np.ndarray) -> tuple[np.ndarray, float, float, float]:
    u, shift = _logs(s)
    u = np.random.default_rng(0).choice(u, min(u.size, 200_000), replace=False)
    m = _hsm(u)
    return u, shift, m, min(1.0, 2 * float((u <= m).mean()))


def mirror(s: np.ndarray, grid: np.ndarray, a: float) -> float:
    u, shift, m, mass = _mirror_parts(s)
    return float(np.exp(2 * m - np.quantile(u, a * mass)) - shift)


def mirror_cut(s: np.ndarray, grid: np.ndarray, a: float) -> float:
    u, shift, m, mass = _mirror_parts(s)
    kept = u[u <= 2 * m - np.quantile(u, 1e-4 * mass)]
    return float(np.exp(np.quantile(kept, 1 - a, method="inverted_cdf")) - shift)


def lower_gauss(s: np.ndarray, grid: np.ndarray, a: float) -> float:
    from scipy.stats import norm

    u, shift = _logs(s)
    ps = np.linspace(0.02, 0.45, 24)
    qs, eps = np.quantile(u, ps), 0.0
    for _ in range(6):
        sig, mu = np.polyfit(norm.ppf(ps / (1 - eps)), qs, 1)
        eps = float(np.clip(1 - (u <= mu + norm.ppf(0.9) * sig).mean() / 0.9, 0, 0.5))
    return float(np.exp(mu + norm.ppf(1 - a) * sig) - shift)


def open_zone(s: np.ndarray, grid: np.ndarray, a: float) -> float:
    from scipy import ndimage

    ok = np.isfinite(grid)
    high = ok & (grid > np.quantile(grid[ok], 0.8))
    y, x = np.mgrid[-2:3, -2:3]
    zone = ndimage.binary_dilation(ndimage.binary_opening(high, x * x + y * y <= 4), x * x + y * y <= 4)
    keep = ok & ~zone
    return plain(grid[keep] if keep.sum() > 0.3 * ok.sum() else s, grid, a)


def _block_medians(grid: np.ndarray, b: int) -> tuple[np.ndarray, np.ndarray]:
    """(median score of each b x b block with at least half of it valid, the blocks' pixel index)."""
    h, w = grid.shape
    hb, wb = h // b, w // b
    g = grid[: hb * b, : wb * b].reshape(hb, b, wb, b).transpose(0, 2, 1, 3).reshape(hb * wb, b * b)
    ok = np.isfinite(g).mean(axis=1) >= 0.5
    return np.nanmedian(g[ok], axis=1), g[ok]


def _shortest_half(u: np.ndarray) -> tuple[float, float]:
    u = np.sort(u)
    h = (u.size + 1) // 2
    i = int(np.argmin(u[h - 1 :] - u[: u.size - h + 1]))
    return float(np.median(u[i : i + h])), float((u[i + h - 1] - u[i]) / 1.349)


def blocks(s: np.ndarray, grid: np.ndarray, a: float, b: int = 16, c: float = 3.0) -> float:
    """The plain quantile over the blocks whose median log score is at most c robust sigmas above the
    shortest half of the block medians (one reweighting step)."""
    med, pix = _block_medians(grid, b)
    if med.size < 20:
        return plain(s, grid, a)
    u, shift = _logs(med)
    center, sigma = _shortest_half(u)
    keep = u <= center + c * sigma
    center, sigma = float(np.mean(u[keep])), float(np.std(u[keep]))
    keep = u <= center + c * sigma
    vals = pix[keep].ravel()
    return plain(vals[np.isfinite(vals)], grid, a)


CANDIDATES = {
    "blocks16": blocks,
    "blocks32": lambda s, g, a: blocks(s, g, a, 32),
    "blocks16c2": lambda s, g, a: blocks(s, g, a, 16, 2.0),
    "plain": plain,
    "mirror": mirror,
    "lower-gauss": lower_gauss,
    "mirror-cut": mirror_cut,
    "open-zone": open_zone,
}


def score_maps(shares: list[float], work: Path, data: Path):
    """(case, share, method, score grid, label grid) of every target-bulk run."""
    import rasterio

    with tempfile.TemporaryDirectory() as tmp:
        for case in benchmark_cases(data):
            for share in shares:
                bench_case, _ = prepare(case, data, share, work)
                targets, refs, label = case_inputs(bench_case, data)
                for method in METHODS if refs else ("rx",):
                    out = Path(tmp) / "s.tif"
                    side = score_to_file(ScoreRequest(tuple(targets), tuple(refs), method, {}), out)
                    if side["calibration"]["source"] != "target-bulk":
                        continue
                    with rasterio.open(out) as ds, rasterio.open(label) as lab:
                        yield case["id"], share, method, ds.read(1).astype(np.float64), lab.read(1)
                    for p in Path(tmp).iterdir():
                        p.unlink()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--shares", nargs="+", type=float, default=[0.0, 0.3])
    p.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "raresight-breakdown-inputs"))
    args = p.parse_args()
    results: dict[float, list[dict]] = {share: [] for share in args.shares}
    for cid, share, method, grid, label in score_maps(args.shares, Path(args.work), Path(args.data)):
        sample = grid[np.isfinite(grid)]
        normal = grid[np.isfinite(grid) & (label == 0)]
        row = {name: float((normal > fn(sample, grid, RATE)).mean()) for name, fn in CANDIDATES.items()}
        results[share].append(row)
        print(cid, share, method, json.dumps({k: f"{v:.2e}" for k, v in row.items()}), flush=True)
    for share, rows in results.items():
        cells = []
        for name in CANDIDATES:
            v = np.array([r[name] for r in rows])
            inside = int(((v >= 0.5 * RATE) & (v <= 2 * RATE)).sum())
            cells.append(f"{name} {inside}/{v.size} (median ratio {np.median(v) / RATE:.2f})")
        print(f"share {share:.2f}: " + "; ".join(cells))


if __name__ == "__main__":
    main()
