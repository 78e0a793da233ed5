"""Evaluate detectors on every case of a data manifest (``manifest.json``) with ground truth.

Each case is scored through the same :func:`backend.scoring.score_to_file` path as the CLI, into a
temporary folder, then compared with its label raster: AUROC, AUPRC, oracle best-F1, and F1 / IoU /
realized false-alarm rate at the label-free thresholds of false-alarm rates 1e-2 and 1e-3 read from
the sidecar (labels are never used to pick anything).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .calibration import Calibration
from .detectors import METHODS
from .errors import InputError, MissingFileError
from .metrics import evaluate_scores
from .progress import ProgressCallback, no_progress, scaled
from .raster import open_raster
from .request import ScoreRequest
from .scoring import score_to_file

#: Label-free operating points reported for every case.
EVAL_FALSE_ALARM_RATES = (1e-2, 1e-3)

#: The classical baseline of each family (the reference rows of the data README).
FAMILY_BASELINE = {
    "had": "rx",
    "oscd": "cva",
    "landsat-cd": "cva",
    "sar-cd": "logratio",
    "hetero-cd": "gauss-ref",
    "sen1floods11": "rx",
}


def load_manifest(data_root: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The cases of ``data_root/manifest.json``."""
    path = Path(data_root) / "manifest.json"
    if not path.is_file():
        raise MissingFileError(f"No manifest.json in {data_root}: give the folder of the evaluation data.")
    with open(path, encoding="utf-8") as f:
        return list(json.load(f)["cases"])


def case_inputs(case: dict[str, Any], root: Path) -> tuple[list[str], list[str], str]:
    """(targets, references, label path) of a manifest case."""
    files = {k: str(root / v) for k, v in case["files"].items()}
    label = files.get("gt") or files.get("label")
    if label is None:
        raise InputError(f"Case {case['id']} has no gt/label file.")
    if "post" in files:
        return [files["post"]], [files["pre"]], label
    if "image" in files:
        return [files["image"]], [], label
    if "s2" in files:
        return [files["s2"]] + ([files["s1"]] if "s1" in files else []), [], label
    raise InputError(f"Case {case['id']}: cannot tell targets from {sorted(files)}.")


def applicable(method: str, has_reference: bool) -> bool:
    return has_reference or not METHODS[method].needs_reference


def evaluate_case(
    case: dict[str, Any],
    root: Path,
    method: str,
    workdir: Path,
    progress: ProgressCallback = no_progress,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score one case with ``method`` (and its ``params``, the same for every case) and compare
    with its labels."""
    targets, references, label_path = case_inputs(case, root)
    out = workdir / f"{case['id'].replace('/', '_')}_{method}.tif"
    started = time.monotonic()
    request = ScoreRequest(tuple(targets), tuple(references), method, dict(params or {}))
    side = score_to_file(request, out, progress)
    seconds = time.monotonic() - started
    with open_raster(out) as ds:
        scores = ds.read(1)
        score_grid = (ds.crs, ds.transform, ds.width, ds.height, ds.dtypes[0])
    with open_raster(targets[0]) as ds:
        on_target_grid = score_grid == (ds.crs, ds.transform, ds.width, ds.height, "float32")
    with open_raster(label_path) as ds:
        labels = ds.read(1)
    cal = Calibration.from_dict(side["calibration"])
    thresholds = {f"far_{a:g}": cal.threshold_for(a) for a in EVAL_FALSE_ALARM_RATES}
    metrics = evaluate_scores(scores, labels, thresholds)
    megapixels = scores.size / 1e6
    return {
        "case": case["id"],
        "family": case["family"],
        "method": method,
        "params": dict(params or {}),
        "calibration": cal.source,
        "on_target_grid": on_target_grid,
        **metrics,
        "seconds": round(seconds, 3),
        "megapixels_per_second": round(megapixels / max(seconds, 1e-9), 3),
        **({"encoder": side["fit"]["encoder"]} if "encoder" in (side.get("fit") or {}) else {}),
    }


def evaluate_cases(
    data_root: str | os.PathLike[str],
    methods: Sequence[str] | None = None,
    cases: Sequence[str] | None = None,
    progress: ProgressCallback = no_progress,
    params: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Evaluate ``methods`` (default: each family's baseline) on the manifest's cases, each with
    the same ``params`` (e.g. a prompt for the prompt methods).

    Cases whose id contains none of ``cases`` are skipped; a method that needs a reference skips
    single-image cases. Pretrained encoder weights that the data set carries (``weights/<name>/``,
    checked by sha256) are used before the user's cache (see :mod:`backend.pretrained.weights`).
    """
    root = Path(data_root)
    for m in methods or ():
        if m not in METHODS:
            raise InputError(f"Unknown method {m!r}: choose from {', '.join(METHODS)}.")
    selected = [c for c in load_manifest(root) if not cases or any(s in c["id"] for s in cases)]
    plan = []
    for case in selected:
        has_ref = bool(case_inputs(case, root)[1])
        for m in methods or [FAMILY_BASELINE.get(case["family"], "rx")]:
            if applicable(m, has_ref):
                plan.append((case, m))
    rows = []
    with tempfile.TemporaryDirectory(prefix="raresight-eval-") as tmp, encoder_folder_first(root / "weights"):
        for i, (case, m) in enumerate(plan):
            sub = scaled(progress, i / len(plan), (i + 1) / len(plan))
            rows.append(evaluate_case(case, root, m, Path(tmp), sub, params))
    return rows


@contextlib.contextmanager
def encoder_folder_first(folder: Path):
    """``folder`` first on ``$RARESIGHT_ENCODER_PATH`` while the block runs (when it exists)."""
    before = os.environ.get("RARESIGHT_ENCODER_PATH")
    if folder.is_dir():
        os.environ["RARESIGHT_ENCODER_PATH"] = os.pathsep.join(p for p in (str(folder), before) if p)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("RARESIGHT_ENCODER_PATH", None)
        else:
            os.environ["RARESIGHT_ENCODER_PATH"] = before


def _fmt(x: Any, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    return f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """A Markdown table of evaluation rows, one line per (case, method)."""
    head = (
        "| case | method | AUROC | AUPRC | best-F1 (oracle) | F1 @1e-2 | IoU @1e-2 | FAR @1e-2 "
        "| F1 @1e-3 | IoU @1e-3 | FAR @1e-3 | MP/s |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        a, b = r["far_0.01"], r["far_0.001"]
        lines.append(
            f"| {r['case']} | {r['method']} | {_fmt(r['auroc'])} | {_fmt(r['auprc'])} | {_fmt(r['best_f1'])} "
            f"| {_fmt(a['f1'])} | {_fmt(a['iou'])} | {a['false_alarm_rate']:.2e} "
            f"| {_fmt(b['f1'])} | {_fmt(b['iou'])} | {b['false_alarm_rate']:.2e} "
            f"| {_fmt(r['megapixels_per_second'], 2)} |"
        )
    return "\n".join(lines)
