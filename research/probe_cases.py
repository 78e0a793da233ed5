"""Score a few evaluation cases with one method and its parameters, and print AUROC, AUPRC and the
realized false-alarm rate at nominal 1e-2: the quick comparison behind a default.

    .venv/bin/python research/probe_cases.py diffusion flood-s1 smooth_px=1.5
    .venv/bin/python research/probe_cases.py diffusion had/hydice,sar-cd/bern steps=1
    .venv/bin/python research/probe_cases.py diffusion landsat-cd/nanjing@0.5

Cases are manifest ids, comma-separated; ``flood-s1`` is the Sen1Floods11 chip's Sentinel-1 image
alone (no reference, no Sentinel-2), as the breakdown benchmark scores it. ``ID@SHARE``: the case
with the breakdown benchmark's synthetic events covering SHARE of it (``scripts/bench_breakdown.py``;
written once under ``--work``-like folder ``$RARESIGHT_PROBE_WORK``, default ``/tmp/raresight-probe``).
Generative methods also print their fit record (the relation and the core share) from the sidecar.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.evaluation import encoder_folder_first, evaluate_case, load_manifest  # noqa: E402


def cases(root: Path) -> dict[str, dict]:
    out = {c["id"]: c for c in load_manifest(root)}
    flood = out.get("sen1floods11/spain_7370579")
    if flood is not None:
        files = {"image": flood["files"]["s1"], "gt": flood["files"]["label"]}
        out["flood-s1"] = {**flood, "id": "flood-s1", "files": files}
    return out


def case_at(known: dict[str, dict], spec: str, root: Path) -> dict:
    """The case of ``ID`` or ``ID@SHARE`` (with the breakdown benchmark's events)."""
    cid, _, share = spec.partition("@")
    if not share:
        return known[cid]
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_breakdown import benchmark_cases, prepare

    base = {c["id"]: c for c in benchmark_cases(root)}[cid]
    work = Path(os.environ.get("RARESIGHT_PROBE_WORK", "/tmp/raresight-probe"))
    return prepare(base, root, float(share), work)[0]  # (absolute paths: root / path keeps them)


def fit_record(tmp: Path, cid: str, method: str) -> str:
    """The generative fit's relation and core share from the sidecar ('' for other methods)."""
    side = tmp / f"{cid.replace('/', '_')}_{method}.tif.json"
    fit = json.loads(side.read_text()).get("fit") or {} if side.is_file() else {}
    keep = {k: fit[k] for k in ("core_share", "relation") if k in fit}
    return f" {json.dumps(keep)}" if keep else ""


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit(__doc__)
    method, ids, params = argv[0], argv[1].split(","), dict(kv.split("=", 1) for kv in argv[2:])
    root = ROOT.parent / "shared" / "data"
    known = cases(root)
    with encoder_folder_first(root / "weights"), tempfile.TemporaryDirectory() as tmp:
        for cid in ids:
            started = time.monotonic()
            case = case_at(known, cid, root)
            r = evaluate_case(case, root, method, Path(tmp), params=params)
            far = r["far_0.01"]["false_alarm_rate"]
            print(
                f"{cid:28s} {method:10s} AUROC {r['auroc']:.4f} AUPRC {r['auprc']:.4f} "
                f"FAR@1e-2 {far:.2e} ({r['calibration']}, {time.monotonic() - started:.0f} s)"
                + fit_record(Path(tmp), case["id"], method),
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
