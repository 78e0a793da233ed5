"""Probe: which Sentinel-2 band groups must the encoder expert encode? The default ``diffusion`` on
the Sentinel-2 city pairs (OSCD) with the expert's encoder fed each set of groups (of the five of
``backend.pretrained.galileo.S2_GROUPS``); everything else at its defaults.

    .venv/bin/python research/probe_encoder_groups.py [--data ../shared/data]
        [--variants S2_RGB,S2_SWIR ...] [--jobs 2]

The encoder's cost grows with the groups: each group is one token per place, and attention spans
all the tokens of a tile. Each variant is evaluated in its own process with one thread (``--jobs``
at once), the groups set on the expert as a saved model's record would set them. Prints a table:
the variants, their mean and per-city AUROC, and the wall time of each variant's whole evaluation
(fit and score of the 8 pairs; variants run side by side share the machine, so compare times
of one run only).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VARIANTS = (
    "S2_RGB,S2_Red_Edge,S2_NIR_10m,S2_NIR_20m,S2_SWIR",
    "S2_RGB,S2_Red_Edge,S2_NIR_10m,S2_SWIR",
    "S2_RGB,S2_NIR_10m,S2_SWIR",
    "S2_RGB,S2_SWIR",
    "S2_RGB,S2_NIR_10m",
)


def evaluate(data: str, groups: str) -> tuple[list[str], list[float], float]:
    """The OSCD rows of ``diffusion`` with the encoder on ``groups`` (city ids, AUROC, seconds)."""
    import dataclasses

    import torch

    torch.set_num_threads(1)
    from backend.evaluation import encoder_folder_first, evaluate_cases
    from backend.pretrained import change

    chosen = tuple(groups.split(","))

    @dataclasses.dataclass
    class Probe(change.EncoderChange):
        groups: tuple[str, ...] = chosen

    change.EncoderChange = Probe  # the expert imports its change class from here when it fits
    started = time.monotonic()
    with encoder_folder_first(Path(data) / "weights"):
        rows = evaluate_cases(data, ["diffusion"], ["oscd/"])
    return [r["case"] for r in rows], [r["auroc"] for r in rows], time.monotonic() - started


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--variants", nargs="+", default=list(VARIANTS))
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args()
    with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(evaluate, [args.data] * len(args.variants), args.variants))
    cities = [c.split("/")[-1] for c in results[0][0]]
    print("| groups | mean AUROC | " + " | ".join(cities) + " | seconds |")
    print("|---" * (len(cities) + 3) + "|")
    for groups, (_, auroc, seconds) in zip(args.variants, results):
        cells = " | ".join(f"{a:.4f}" for a in auroc)
        print(f"| {groups} | {statistics.mean(auroc):.4f} | {cells} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
