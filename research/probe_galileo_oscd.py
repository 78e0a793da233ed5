"""Probe: what does a pretrained spatial encoder (Galileo-nano) add to the generative pair score on
the Sentinel-2 city pairs (OSCD)? Deep change vector analysis of its features, alone and added to
the ``diffusion`` score without its encoder expert (``encoder=none``). The default ``diffusion``
adds this change itself (the encoder expert of backend/pretrained/change.py, tiles without
overlap); this script measures variants of it.

    .venv/bin/python research/probe_galileo_oscd.py [--data ../shared/data]
        [--weights ../shared/data/weights/galileo-nano] [--patch 4] [--tile 12] [--stride 6]
        [--weight 1.0] [--groups mean|concat] [--patches 4,8] [--ridge 1e-3] [--core 0.9]
        [--workdir DIR]

For each ``oscd`` case of the manifest: each date is encoded on its own (Sentinel-2 groups only,
averaged, or concatenated with ``--groups concat``; one time step, month 6 as the dates are
unknown) in tiles of ``tile`` x ``tile`` tokens of ``patch`` px, overlapping by ``tile - stride``
tokens and averaged; each feature is standardised per date; the change is the squared distance,
upsampled (bilinear) to pixels (``--patches``: the robustly standardised changes at several patch
sizes, averaged). The combination adds the robustly standardised (median, interquartile range)
square root of the unsmoothed diffusion score (``smooth_px=0``) and ``weight`` times the Galileo
change, then smooths both with a 1.5-px Gaussian (the diffusion score alone, smoothed the same way,
ranks pixels as its default power mean does). The last row multiplies the two smoothed scores'
ranks in the scene (each in (0, 1]): high only where both are. The ``regression`` rows replace the
squared distance by what a ridge regression of each date's standardised features on the other's
(fit on the scene's tokens, ``--ridge`` per token, refit on the ``--core`` fraction it predicts
best) does not predict, both ways added (the detector's default ``encoder_change``). Prints
AUROC/AUPRC per city and their means, beside the ``cva`` method's (the change vector). A named
``--workdir`` keeps the scores for later runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _dcva(fa: np.ndarray, fb: np.ndarray, ridge: float | None = None, core: float = 0.9) -> np.ndarray:
    """Squared distance of the per-date standardised features ``(h, w, D)``; with ``ridge``, the
    residuals of the regressions between the dates instead."""
    from backend.pretrained.change import trimmed_ridge

    za = (fa - fa.mean((0, 1))) / (fa.std((0, 1)) + 1e-9)
    zb = (fb - fb.mean((0, 1))) / (fb.std((0, 1)) + 1e-9)
    if ridge is None:
        return ((za - zb) ** 2).sum(-1)
    a, b = za.reshape(-1, za.shape[-1]), zb.reshape(-1, zb.shape[-1])
    forward, backward = trimmed_ridge(b, a, ridge, core), trimmed_ridge(a, b, ridge, core)
    return (((a - b @ forward) ** 2).sum(-1) + ((b - a @ backward) ** 2).sum(-1)).reshape(za.shape[:2])


def _to_pixels(s: np.ndarray, rows: int, cols: int, ps: int) -> np.ndarray:
    import torch
    from torch.nn import functional

    h, w = s.shape
    t = torch.from_numpy(s)[None, None].float()
    up = functional.interpolate(t, (h * ps, w * ps), mode="bilinear", align_corners=False)[0, 0].numpy()
    return np.pad(up, ((0, rows - h * ps), (0, cols - w * ps)), mode="edge")


def _rank(x: np.ndarray) -> np.ndarray:
    """Each pixel's rank in the scene, in (0, 1]."""
    from scipy.stats import rankdata

    return rankdata(x).reshape(x.shape) / x.size


def _robust(x: np.ndarray) -> np.ndarray:
    q1, med, q3 = np.nanpercentile(x, [25, 50, 75])
    return (x - med) / (q3 - q1 + 1e-12)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument(
        "--weights", default=None, help="Galileo-nano folder (default: DATA/weights/galileo-nano)"
    )
    ap.add_argument("--patch", type=int, default=4)
    ap.add_argument("--tile", type=int, default=12)
    ap.add_argument("--stride", type=int, default=6)
    ap.add_argument("--weight", type=float, default=1.0)
    ap.add_argument(
        "--groups", choices=("mean", "concat"), default="mean", help="average or concatenate the band groups"
    )
    ap.add_argument(
        "--patches", default="", help="several patch sizes, comma-separated: their changes are averaged"
    )
    ap.add_argument("--ridge", type=float, default=1e-3, help="the regression rows' ridge per token")
    ap.add_argument("--core", type=float, default=0.9, help="the regression rows' refit fraction")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args(argv)

    import rasterio
    from scipy.ndimage import gaussian_filter

    from backend.evaluation import load_manifest
    from backend.metrics import auroc, average_precision
    from backend.pretrained.galileo import S2_GROUPS, GalileoEncoder, encode_image, s2_to_st, st_normaliser
    from backend.request import ScoreRequest
    from backend.scoring import score_to_file

    data = Path(args.data)
    weights = Path(args.weights) if args.weights else data / "weights" / "galileo-nano"
    work = Path(args.workdir or tempfile.mkdtemp(prefix="raresight-galileo-"))
    work.mkdir(parents=True, exist_ok=True)
    model = GalileoEncoder.load(weights)
    shift, div = st_normaliser(weights)
    cases = [c for c in load_manifest(data) if c["family"] == "oscd"]
    names = (
        "change vector",
        "diffusion",
        "galileo",
        f"diffusion + {args.weight:g} galileo",
        "rank product (diffusion, galileo)",
        "galileo regression",
        "rank product (diffusion, galileo regression)",
    )
    table: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    for case in cases:
        files = {k: data / v for k, v in case["files"].items()}
        dates = []
        for key in ("pre", "post"):
            with rasterio.open(files[key]) as ds:
                dates.append(ds.read().astype(np.float64))
        with rasterio.open(files["gt"]) as ds:
            gt = ds.read(1)
        started = time.monotonic()
        rows, cols = gt.shape
        galileo = regression = 0.0
        patches = [int(p) for p in args.patches.split(",")] if args.patches else [args.patch]
        for patch in patches:
            feats = [
                encode_image(
                    model,
                    s2_to_st(img, shift, div),
                    patch,
                    args.tile,
                    args.stride,
                    S2_GROUPS,
                    combine=args.groups,
                )
                for img in dates
            ]
            feats = [f.astype(np.float64) for f in feats]
            change = _to_pixels(_dcva(*feats), rows, cols, patch)
            galileo = galileo + _robust(change) / len(patches)
            change = _to_pixels(_dcva(*feats, args.ridge, args.core), rows, cols, patch)
            regression = regression + _robust(change) / len(patches)
        encode_s = time.monotonic() - started
        scores = {}
        for method, params in (("cva", {}), ("diffusion", {"smooth_px": "0"})):
            out = work / f"{case['id'].replace('/', '_')}_{method}.tif"
            if not (args.workdir and out.exists()):  # a named workdir keeps the scores of earlier runs
                job_params = {**params, "encoder": "none"} if method == "diffusion" else params
                score_to_file(ScoreRequest((str(files["post"]),), (str(files["pre"]),), method, job_params), out)
            with rasterio.open(out) as ds:
                scores[method] = ds.read(1).astype(np.float64)
        raw = scores["diffusion"]
        raw = np.where(np.isfinite(raw), raw, np.nanmedian(raw))
        diff = _robust(np.sqrt(np.maximum(raw, 0.0)))
        maps = {
            names[0]: scores["cva"],
            names[1]: gaussian_filter(diff, 1.5),
            names[2]: gaussian_filter(galileo, 1.5),
            names[3]: gaussian_filter(diff + args.weight * _robust(galileo), 1.5),
            names[4]: _rank(gaussian_filter(diff, 1.5)) * _rank(gaussian_filter(galileo, 1.5)),
            names[5]: gaussian_filter(regression, 1.5),
            names[6]: _rank(gaussian_filter(diff, 1.5)) * _rank(gaussian_filter(regression, 1.5)),
        }
        for name, m in maps.items():
            table[name].append((auroc(m, gt), average_precision(m, gt)))
        print(f"{case['id']}: encoded both dates in {encode_s:.0f} s", file=sys.stderr, flush=True)

    cities = [c["id"].split("/")[-1] for c in cases]
    print(
        f"Galileo-nano patch {args.patch} px, tiles {args.tile} tokens, stride {args.stride}, regression "
        f"ridge {args.ridge:g} core {args.core:g}; AUROC / AUPRC\n"
    )
    print("| method | mean | " + " | ".join(cities) + " |")
    print("|---" * (len(cities) + 2) + "|")
    for name, vals in table.items():
        v = np.array(vals)
        cells = " | ".join(f"{x:.3f} / {y:.3f}" for x, y in vals)
        print(f"| {name} | {v[:, 0].mean():.3f} / {v[:, 1].mean():.3f} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
