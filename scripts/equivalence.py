"""Show that a change of shape left the results alone: score every dev case with every default
method through one checkout's CLI, then compare two such runs pixel by pixel.

    .venv/bin/python scripts/equivalence.py run --out DIR [--data ../shared/data] [--tree PATH]
    .venv/bin/python scripts/equivalence.py compare BEFORE AFTER [--doc docs/EQUIVALENCE.md]

``run`` calls ``python -m backend score`` of the checkout ``--tree`` (this one by default) with
its defaults on every case of the manifest, for every method that applies: the classical ones,
``diffusion`` and ``flow`` (the pretrained encoder's weights from ``DATA/weights``, as the
benchmarks provision them; again as ``diffusion-short`` and ``flow-short`` with 60 training steps,
the same code paths at a tenth of the cost), and the spectral prompt ``flood`` and its fusion with ``rx`` on the
flood chip. Each score GeoTIFF and its sidecar land in ``DIR/<case>/<method>.tif``; a run that
fails keeps its one-line error instead, so that an error is compared too. A score already in
``DIR`` is kept (a run can resume).

``compare`` reads the two runs: for each score it reports whether the no-data masks agree, the
largest absolute difference and the largest difference relative to the score's spread, and whether
the calibration tables of the sidecars agree. It exits 1 when any score differs by more than
``--tolerance`` (relative; 0 by default: bit for bit).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
START, END = "<!-- equivalence:start -->", "<!-- equivalence:end -->"
CLASSICAL = ("rx", "lrx", "cva", "logratio", "gauss-ref")
GENERATIVE = ("diffusion", "flow")
#: The generative methods again with short training: the same code paths at a tenth of the cost,
#: for sweeping every case on a small machine (the defaults then run on a subset).
SHORT = ("steps=60",)
PROMPT_RUNS = {  # flood chip only: (name, extra CLI arguments)
    "spectral-flood": ["--method", "spectral", "--prompt", "flood"],
    "spectral-flood-fuse-rx": ["--method", "spectral", "--prompt", "flood", "--fuse", "rx"],
}


def case_runs(case: dict, data: Path) -> list[tuple[str, list[str]]]:
    """(run name, CLI arguments without -o) of every default method that applies to ``case``."""
    files = {k: str(data / v) for k, v in case["files"].items()}
    if "post" in files:
        inputs, pair = [files["post"], "--reference", files["pre"]], True
    elif "image" in files:
        inputs, pair = [files["image"]], False
    else:
        inputs, pair = [files["s2"], files["s1"]], False
    methods = [m for m in CLASSICAL if pair or m in ("rx", "lrx")] + list(GENERATIVE)
    runs = [(m, [*inputs, "--method", m]) for m in methods]
    short = [a for kv in SHORT for a in ("--param", kv)]
    runs += [(f"{m}-short", [*inputs, "--method", m, *short]) for m in GENERATIVE]
    if "s1" in files:
        runs += [(name, [*inputs, *extra]) for name, extra in PROMPT_RUNS.items()]
    return runs


def run(args: argparse.Namespace) -> int:
    data, out, tree = Path(args.data).resolve(), Path(args.out).resolve(), Path(args.tree).resolve()
    cases = json.loads((data / "manifest.json").read_text())["cases"]
    env = {**os.environ, "PYTHONPATH": str(tree), "HF_HUB_OFFLINE": "1"}
    if (data / "weights").is_dir():
        env["RARESIGHT_ENCODER_PATH"] = str(data / "weights")
    for case in cases:
        if args.cases and case["id"] not in args.cases:
            continue
        folder = out / case["id"]
        folder.mkdir(parents=True, exist_ok=True)
        for name, cli in case_runs(case, data):
            if args.methods and name not in args.methods:
                continue
            tif, err = folder / f"{name}.tif", folder / f"{name}.error"
            if tif.exists() or err.exists():
                continue
            started = time.monotonic()
            proc = subprocess.run(
                [sys.executable, "-m", "backend", "score", *cli, "-o", str(tif)],
                cwd=tree, env=env, capture_output=True, text=True,
            )
            if proc.returncode != 0:
                err.write_text(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
            print(f"{case['id']:32s} {name:24s} {time.monotonic() - started:6.1f} s"
                  f"{'' if proc.returncode == 0 else '  error: ' + err.read_text()}", flush=True)
    return 0


def read_score(path: Path) -> np.ndarray:
    import rasterio

    with rasterio.open(path) as ds:
        return ds.read(1)


def compare_one(a: Path, b: Path) -> dict:
    """How the score ``b`` differs from ``a`` (both runs' files of one case and method)."""
    ea, eb = a.with_suffix(".error"), b.with_suffix(".error")
    if ea.exists() or eb.exists():
        same = ea.exists() and eb.exists() and ea.read_text() == eb.read_text()
        return {"kind": "error", "same": same, "max_abs": 0.0, "max_rel": 0.0 if same else float("inf")}
    if not (a.exists() and b.exists()):
        return {"kind": "missing", "same": False, "max_abs": float("inf"), "max_rel": float("inf")}
    sa, sb = read_score(a), read_score(b)
    na, nb = np.isnan(sa), np.isnan(sb)
    if sa.shape != sb.shape or not np.array_equal(na, nb):
        return {"kind": "mask", "same": False, "max_abs": float("inf"), "max_rel": float("inf")}
    ok = ~na
    diff = np.abs(sa[ok].astype(np.float64) - sb[ok])
    spread = float(np.ptp(sa[ok])) if ok.any() else 0.0
    max_abs = float(diff.max()) if diff.size else 0.0
    cal = [json.loads(p.with_suffix(".tif.json").read_text()).get("calibration") for p in (a, b)]
    return {
        "kind": "score",
        "same": bool(np.array_equal(sa[ok], sb[ok])) and cal[0] == cal[1],
        "max_abs": max_abs,
        "max_rel": max_abs / spread if spread > 0 else max_abs,
        "calibration_same": cal[0] == cal[1],
    }


def compare(args: argparse.Namespace) -> int:
    before, after = Path(args.before), Path(args.after)
    names = sorted({p.relative_to(before).with_suffix("") for p in before.rglob("*") if p.suffix in (".tif", ".error")})
    if args.partial:  # only what the second run scored (a subset while working)
        names = [n for n in names if any((after / f"{n}{s}").exists() for s in (".tif", ".error"))]
    rows, worst = [], 0.0
    for name in names:
        r = compare_one(before / f"{name}.tif", after / f"{name}.tif")
        worst = max(worst, r["max_rel"])
        rows.append((str(name), r))
    identical = sum(r["same"] for _, r in rows)
    lines = [
        f"{identical} of {len(rows)} runs identical (scores bit for bit, calibration tables equal, "
        "or the same error); largest difference relative to a score's range: "
        f"{worst:.3g}.",
        "",
        "| case / method | result | identical | largest abs. difference | relative to range |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['kind']} | {'yes' if r['same'] else 'no'} | {r['max_abs']:.3g} | {r['max_rel']:.3g} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.doc:  # the table between the document's markers; the text around it is kept
        from bench.doc import replace_section

        replace_section(Path(args.doc), START, END, f"{START}\n{text}\n{END}")
    return 0 if worst <= args.tolerance and all(r["same"] or r["max_rel"] <= args.tolerance for _, r in rows) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run")
    p.add_argument("--out", required=True)
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--tree", default=str(ROOT), help="the checkout whose backend scores")
    p.add_argument("--cases", nargs="*", default=[])
    p.add_argument("--methods", nargs="*", default=[])
    p.set_defaults(func=run)
    p = sub.add_parser("compare")
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--tolerance", type=float, default=0.0)
    p.add_argument("--doc", default="")
    p.add_argument("--partial", action="store_true", help="compare only the runs AFTER holds")
    p.set_defaults(func=compare)
    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
