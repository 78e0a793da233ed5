"""The local agreement of two dates (``backend.generative.identity.local_agreement``) on every change
pair of the data set, with the breakdown benchmark's synthetic events on 0, 30 and 50 % of it: the
measurement behind ``SAME_SENSOR_AGREEMENT`` (one sensor's dates must stay above it, pairs of
different sensors below it).

    .venv/bin/python research/probe_agreement.py [--work DIR]

The whole raster is cut into the fit's 64 px crops; bands are read as logs as the fit would
(``choose_log_bands`` on the target's statistics). Events are written once under ``--work``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_breakdown import _read, benchmark_cases, prepare  # noqa: E402

from backend.generative.data import FitStatistics, choose_log_bands, with_log_columns  # noqa: E402
from backend.generative.fitting import CROP_PX  # noqa: E402
from backend.generative.identity import local_agreement  # noqa: E402
from backend.generative.normal import SAME_SENSOR_AGREEMENT  # noqa: E402


def crops(a: np.ndarray) -> np.ndarray:
    """``(bands, rows, cols)`` -> ``(n, bands, 64, 64)`` of its whole 64 px tiles."""
    b, rows, cols = a.shape
    r, c = rows // CROP_PX * CROP_PX, cols // CROP_PX * CROP_PX
    t = a[:, :r, :c].reshape(b, r // CROP_PX, CROP_PX, c // CROP_PX, CROP_PX)
    return t.transpose(1, 3, 0, 2, 4).reshape(-1, b, CROP_PX, CROP_PX)


def agreement(target_path: str, reference_path: str) -> float:
    t, r = _read(target_path)[0], _read(reference_path)[0]
    ok = np.isfinite(t).all(axis=0) & np.isfinite(r).all(axis=0)
    stats = FitStatistics()
    stats.add(with_log_columns(t[:, ok].T.astype(np.float64)))
    log = choose_log_bands(stats, 0, t.shape[0])
    return local_agreement(crops(t), crops(r), crops(ok[None])[:, 0], log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/raresight-probe"))
    args = parser.parse_args()
    data = ROOT.parent / "shared" / "data"
    print(f"threshold SAME_SENSOR_AGREEMENT = {SAME_SENSOR_AGREEMENT}")
    for case in benchmark_cases(data):
        if "post" not in case["files"]:
            continue
        cells = []
        for share in (0.0, 0.3, 0.5):
            files = prepare(case, data, share, args.work)[0]["files"]
            value = agreement(str(data / files["post"]), str(data / files["pre"]))
            cells.append(f"{share:.0%}: {value:6.3f}")
        print(f"{case['id']:26s} {'  '.join(cells)}", flush=True)


if __name__ == "__main__":
    main()
