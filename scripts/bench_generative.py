"""Regenerate the generative-model section of docs/BENCHMARKS.md (between its markers).

    .venv/bin/python scripts/bench_generative.py [--data ../shared/data] [--methods diffusion flow]
        [--before REV] [--large N] [--repeats N] [--reuse-accuracy | --reuse-speed | --render]

1. accuracy: ``raresight evaluate`` of each generative method with its default settings on every
   case of the manifest, beside each family's classical baseline from the same run, per case and as
   family means checked against the targets of the generative-model issue;
   ``--before REV`` adds the family means' change from the run that ``docs/BENCHMARKS_generative.json``
   recorded at git REV (the speed issue's accuracy bound);
2. reproducibility: one case scored twice with the same seed (and once with another seed);
3. speed: a synthetic 1000 x 1000 x 13 uint16 GeoTIFF (a 1-megapixel Sentinel-2-like scene) fit and
   scored with default settings (wall time of the ``raresight score`` child process), then scored
   again with the saved model (scoring only), beside ``rx`` on the same raster in the same run;
   on the device torch sees (``--device auto``): a CUDA GPU when present, else the CPU. A pair of
   such rasters (the same texture, other noise) is fit and scored too, post given pre, as a
   Sentinel-2 change job (where the default adds the pretrained encoder expert), beside ``cva`` on
   the same pair; a table puts these times against the speed issue's targets (``SPEED_TARGETS``);
   ``--large N`` also scores an N x N raster with the saved model, a rate start-up does not dominate;
   ``--repeats N`` runs the whole speed set N times, one after the other, and reports each time's
   median (single runs on a 2-core VM vary by about a sixth).
4. on a CUDA device (``--gpu-out FILE``, run by ``scripts/bench_gpu.sh``): the speed runs there
   (without onnxruntime) plus the saved model scoring a 4000 x 4000 x 13 raster, into FILE;
   ``--gpu-in FILE`` adds them to the section as its GPU table (the rest from the last run).

The pretrained encoder expert's weights (Galileo-nano) come from ``DATA/weights/galileo-nano``, a
provisioned folder (``RARESIGHT_ENCODER_PATH``) as an offline site's would be: the files are checked
against the registry card's checksums.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench.doc import generated_by, replace_section  # noqa: E402
from bench.rasters import write_synthetic  # noqa: E402
from bench.runner import run_cli  # noqa: E402

from backend import __version__  # noqa: E402
from backend.evaluation import (  # noqa: E402
    FAMILY_BASELINE,
    encoder_folder_first,
    evaluate_cases,
    format_table,
)

START, END = "<!-- generative:start -->", "<!-- generative:end -->"
BASELINE_NAME = {
    "had": "RX",
    "oscd": "change vector",
    "landsat-cd": "change vector",
    "sar-cd": "log-ratio",
    "hetero-cd": "gauss-ref",
    "sen1floods11": "RX",
}
# The targets: (family, statistic, threshold); "x_baseline" = multiple of the baseline's mean.
TARGETS = [
    ("had", "mean AUROC", 0.97),
    ("had", "min AUROC", 0.93),
    ("had", "AUPRC x baseline", 1.5),
    ("oscd", "mean AUROC", 0.92),
    ("oscd", "AUPRC x baseline", 1.5),
    ("hetero-cd", "mean AUROC", 0.85),
    ("sar-cd", "min AUROC", 0.99),
    ("landsat-cd", "mean AUROC", 0.97),
]


def family_stats(rows: list[dict], method: str, family: str) -> dict | None:
    sel = [r for r in rows if r["method"] == method and r["family"] == family]
    if not sel:
        return None
    return {
        "n": len(sel),
        "mean AUROC": float(np.mean([r["auroc"] for r in sel])),
        "min AUROC": float(np.min([r["auroc"] for r in sel])),
        "mean AUPRC": float(np.mean([r["auprc"] for r in sel])),
        "mean F1 @1e-2": float(np.mean([r["far_0.01"]["f1"] for r in sel])),
    }


def speed(methods: list[str], cache: Path, onnx: bool = True, large: int = 0) -> dict:
    """Wall times of the speed runs (module docstring); ``large`` > 0 also scores a ``large`` x
    ``large`` x 13 raster with the saved model (``score_only_large_s``), for a rate that start-up
    does not dominate."""
    cache.mkdir(parents=True, exist_ok=True)
    raster, pre = cache / "synthetic_1000_13.tif", cache / "synthetic_1000_13_seed1.tif"
    if not raster.exists():
        write_synthetic(raster, 1000, bands=13)
    if not pre.exists():
        write_synthetic(pre, 1000, bands=13, seed=1)
    big = cache / f"synthetic_{large}_13.tif"
    if large and not big.exists():
        write_synthetic(big, large, bands=13)
    out: dict = {"megapixels": 1.0, "bands": 13, "large_megapixels": large * large / 1e6}
    with tempfile.TemporaryDirectory(prefix="raresight-bench-gen-") as tmp:
        out["rx_seconds"] = run_cli(["score", str(raster), "-o", f"{tmp}/rx.tif", "--method", "rx"])
        out["cva_pair_seconds"] = run_cli(
            ["score", str(raster), "--reference", str(pre), "-o", f"{tmp}/cva.tif", "--method", "cva"]
        )
        for m in methods:
            model = f"{tmp}/{m}.safetensors"
            fit_score = run_cli(["score", str(raster), "-o", f"{tmp}/{m}.tif", "--method", m])
            run_cli(["fit", str(raster), "-o", model, "--method", m])
            score_only = run_cli(["score", str(raster), "-o", f"{tmp}/{m}_model.tif", "--model", model])
            onnx_score = (
                run_cli(
                    ["score", str(raster), "-o", f"{tmp}/{m}_onnx.tif", "--model", model, "--runtime", "onnx"]
                )
                if onnx
                else None
            )
            large_score = (
                run_cli(["score", str(big), "-o", f"{tmp}/{m}_large.tif", "--model", model])
                if large
                else None
            )
            pair = run_cli(
                ["score", str(raster), "--reference", str(pre), "-o", f"{tmp}/{m}_pair.tif", "--method", m]
            )
            side = json.loads(Path(f"{tmp}/{m}.tif.json").read_text())
            pair_side = json.loads(Path(f"{tmp}/{m}_pair.tif.json").read_text())
            out[m] = {
                "fit_and_score_s": fit_score,
                "score_only_s": score_only,
                "onnx_score_s": onnx_score,
                "score_only_large_s": large_score,
                "pair_fit_and_score_s": pair,
                "pair_encoder": pair_side["fit"].get("encoder"),
                "device": side["device"],
                "passes": side["fit"].get("passes_per_pixel"),
            }
    return out


def median_speed(runs: list[dict]) -> dict:
    """One speed result from several runs of :func:`speed`: each time the median of the runs' (None
    where a run has none), everything else the first run's; ``repeats`` says how many."""

    def merge(parts: list[dict]) -> dict:
        out = {}
        for key, first in parts[0].items():
            values = [p.get(key) for p in parts]
            if isinstance(first, dict):
                out[key] = merge(values)
            elif key.endswith(("_s", "_seconds")) and all(isinstance(v, (int, float)) for v in values):
                out[key] = float(np.median(values))
            else:
                out[key] = first
        return out

    return {**merge(runs), "repeats": len(runs)}


def reproducibility(data_root: Path, method: str, case: str) -> list[float]:
    from backend import evaluation
    from backend.evaluation import evaluate_case, load_manifest

    entry = next(c for c in load_manifest(data_root) if c["id"] == case)
    aurocs = []
    original = evaluation.score_to_file
    for seed in (0, 0, 1):

        def seeded(job, out, progress, seed=seed):
            from dataclasses import replace

            return original(replace(job, params={**job.params, "seed": seed}), out, progress)

        evaluation.score_to_file = seeded
        try:
            with tempfile.TemporaryDirectory() as tmp:
                aurocs.append(evaluate_case(entry, data_root, method, Path(tmp))["auroc"])
        finally:
            evaluation.score_to_file = original
    return aurocs


def gpu_table(gpu: dict, methods: list[str]) -> list[str]:
    """The speed table of a run of ``scripts/bench_gpu.sh`` on a CUDA device."""
    sp = gpu["speed"]
    big = sp["large_megapixels"]
    lines = [
        "### Speed on a CUDA device",
        "",
        generated_by("bash scripts/bench_gpu.sh", gpu["facts"])
        + f" The runs of the table above on that machine, and the saved model scoring a {big:.0f}-megapixel "
        "raster of the same kind.",
        "",
        f"| method | device | fit + score (s) | score only (s) | score only, {big:.0f} MP (s) | scoring MP/s "
        "| pair fit + score (s) |",
        "|---|---|---|---|---|---|---|",
        f"| rx | cpu | {sp['rx_seconds']:.1f} | {sp['rx_seconds']:.1f} | - | - | - |",
    ]
    for m in methods:
        s = sp.get(m)
        if s:
            lines.append(
                f"| {m} | {s['device']} | {s['fit_and_score_s']:.1f} | {s['score_only_s']:.1f} "
                f"| {s['score_only_large_s']:.1f} | {big / s['score_only_large_s']:.1f} "
                f"| {s['pair_fit_and_score_s']:.1f} |"
            )
    return [*lines, ""]


#: The speed issue's bounds on 2 CPU cores: fit + score against rx, score-only rate, pair against cva.
SPEED_TARGETS = {"fit_vs_rx": 6.0, "score_only_mps": 0.5, "pair_vs_cva": 12.0}


def speed_targets(sp: dict, methods: list[str]) -> list[str]:
    """The speed table's runs against :data:`SPEED_TARGETS` (ratios of one run's times)."""
    t = SPEED_TARGETS
    lines = ["| target | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]

    def row(name: str, value, ok, fmt: str) -> str:
        cells = []
        for m in methods:
            v = value(sp[m])
            cells.append("-" if v is None else f"{v:{fmt}} {'met' if ok(v) else 'not met'}")
        return f"| {name} | " + " | ".join(cells) + " |"

    lines.append(row(f"fit + score <= {t['fit_vs_rx']:g} x rx", lambda s: s["fit_and_score_s"] / sp["rx_seconds"],
                     lambda v: v <= t["fit_vs_rx"], ".1f"))  # fmt: skip
    lines.append(row(f"score only >= {t['score_only_mps']:g} MP/s", lambda s: sp["megapixels"] / s["score_only_s"],
                     lambda v: v >= t["score_only_mps"], ".2f"))  # fmt: skip
    big = sp.get("large_megapixels") or 0
    if big:
        lines.append(row(f"score only >= {t['score_only_mps']:g} MP/s, {big:g} MP raster",
                         lambda s: big / s["score_only_large_s"] if s.get("score_only_large_s") else None,
                         lambda v: v >= t["score_only_mps"], ".2f"))  # fmt: skip
    cva = sp.get("cva_pair_seconds")
    if cva:
        lines.append(row(f"pair fit + score <= {t['pair_vs_cva']:g} x cva",
                         lambda s: s["pair_fit_and_score_s"] / cva if s.get("pair_fit_and_score_s") else None,
                         lambda v: v <= t["pair_vs_cva"], ".1f"))  # fmt: skip
    repeats = sp.get("repeats", 1)
    runs = "one run" if repeats == 1 else f"medians of {repeats} runs"
    return [f"Against the speed issue's targets (ratios of the times above, {runs}):", "", *lines]


#: The speed issue's bound on how far a dev family's mean AUROC may move from the defaults before it,
#: and the families it names (the flood chip is scored, not bounded).
ACCURACY_TOLERANCE = 0.005
BOUNDED_FAMILIES = ("had", "oscd", "sar-cd", "hetero-cd", "landsat-cd")


def before_rows(rev: str) -> dict:
    """The accuracy rows that ``docs/BENCHMARKS_generative.json`` recorded at git revision ``rev``."""
    import subprocess

    text = subprocess.run(
        ["git", "show", f"{rev}:docs/BENCHMARKS_generative.json"], cwd=ROOT, capture_output=True, text=True
    )
    if text.returncode != 0:
        raise SystemExit(f"--before {rev}: {text.stderr.strip()}")
    rev_id = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True)
    keep = ("case", "family", "method", "auroc")
    rows = [{k: r[k] for k in keep} for r in json.loads(text.stdout)["accuracy"]]
    return {"rev": rev_id.stdout.strip() or rev, "accuracy": rows}


def accuracy_change(rows: list[dict], before: dict, methods: list[str]) -> list[str]:
    """Family mean AUROC of ``methods`` in this run against the run recorded at ``before["rev"]``,
    over the cases both runs scored, each change against :data:`ACCURACY_TOLERANCE`."""
    old = before["accuracy"]
    lines = [
        f"### Against the defaults at {before['rev']}",
        "",
        f"Family mean AUROC of this run and of the run recorded at {before['rev']} "
        f"(`docs/BENCHMARKS_generative.json` there), over the cases both scored; the speed issue allows "
        f"a change of at most {ACCURACY_TOLERANCE:g} in the mean of each dev family "
        f"({', '.join(BOUNDED_FAMILIES)}).",
        "",
        "| family | method | cases | before | now | change | within bound |",
        "|---|---|---|---|---|---|---|",
    ]
    for fam in dict.fromkeys(r["family"] for r in rows):
        for m in methods:
            now = {r["case"]: r["auroc"] for r in rows if r["family"] == fam and r["method"] == m}
            was = {r["case"]: r["auroc"] for r in old if r["family"] == fam and r["method"] == m}
            both = sorted(set(now) & set(was))
            if not both:
                continue
            a, b = float(np.mean([was[c] for c in both])), float(np.mean([now[c] for c in both]))
            ok = "yes" if abs(b - a) <= ACCURACY_TOLERANCE else "no"
            ok = ok if fam in BOUNDED_FAMILIES else "not bounded"
            lines.append(f"| {fam} | {m} | {len(both)} | {a:.4f} | {b:.4f} | {b - a:+.4f} | {ok} |")
    return [*lines, ""]


def render(
    rows, methods, rep, rep_case, sp, command, gpu: dict | None = None, before: dict | None = None
) -> str:
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    facts = [
        f"raresight {__version__}",
        f"torch {torch.__version__}",
        device,
        f"Python {platform.python_version()}",
    ]
    families = list(dict.fromkeys(r["family"] for r in rows))
    out = [
        START,
        "## Generative models (diffusion, flow)",
        "",
        generated_by(command, facts)
        + " Default settings of each method, the same for every case (no per-scene tuning); the "
        "baseline rows come from the same run.",
        "",
        "### Family means",
        "",
        "| family | cases | method | mean AUROC | min AUROC | mean AUPRC | mean F1 @1e-2 |",
        "|---|---|---|---|---|---|---|",
    ]
    for fam in families:
        for m in [FAMILY_BASELINE[fam], *methods]:
            st = family_stats(rows, m, fam)
            if st:
                out.append(
                    f"| {fam} | {st['n']} | {m} | {st['mean AUROC']:.4f} | {st['min AUROC']:.4f} "
                    f"| {st['mean AUPRC']:.4f} | {st['mean F1 @1e-2']:.4f} |"
                )
    out += [
        "",
        "### Against the issue's targets",
        "",
        "| family | target | " + " | ".join(methods) + " |",
        "|---|---|" + "---|" * len(methods),
    ]
    for fam, stat, thr in TARGETS:
        cells = []
        base = family_stats(rows, FAMILY_BASELINE[fam], fam)
        for m in methods:
            st = family_stats(rows, m, fam)
            if st is None or base is None:
                cells.append("-")
                continue
            if stat == "AUPRC x baseline":
                value = st["mean AUPRC"] / max(base["mean AUPRC"], 1e-12)
            else:
                value = st[stat]
            cells.append(f"{value:.3f} {'met' if value >= thr else 'not met'}")
        label = (
            f"{stat} >= {thr}"
            if stat != "AUPRC x baseline"
            else f"mean AUPRC >= {thr} x {BASELINE_NAME[fam]}"
        )
        out.append(f"| {fam} | {label} | " + " | ".join(cells) + " |")
    out += [
        "",
        *(accuracy_change(rows, before, methods) if before else []),
        "### Per case",
        "",
        format_table([r for r in rows if r["method"] in methods]),
        "",
        "### Pretrained encoder expert",
        "",
        *[
            f"`{m}` used `{enc}` (sidecar `fit.encoder`) on: "
            + (
                ", ".join(r["case"] for r in rows if r["method"] == m and r.get("encoder") == enc)
                or "no case"
            )
            + "."
            for m in methods
            for enc in sorted({r["encoder"] for r in rows if r["method"] == m and r.get("encoder")})
            or ["galileo-nano"]
        ],
        "",
        "### Reproducibility",
        "",
        f"`{methods[0]}` on {rep_case}, AUROC with seed 0, seed 0 again, seed 1: "
        + ", ".join(f"{a:.4f}" for a in rep)
        + f" (same seed equal to 3 decimals: {'yes' if round(rep[0], 3) == round(rep[1], 3) else 'NO'}).",
        "",
    ]
    if sp:
        out += [
            "### Speed on a 1-megapixel, 13-band scene",
            "",
            "Wall time of one `raresight score` process (reading, fitting, scoring, calibration, "
            "writing; Python start-up included) on a synthetic 1000 x 1000 x 13 uint16 GeoTIFF; "
            "`score only` reuses the model saved by `raresight fit`; `pair fit + score` scores it given a "
            "second such raster (the same texture, other noise) as the reference date, a Sentinel-2 change "
            "job by its 13 bands, with the encoder expert that the default adds there."
            + (
                f" Each time is the median of {sp['repeats']} runs of the whole set, one after the other."
                if sp.get("repeats", 1) > 1
                else ""
            ),
            "",
            "| method | device | passes/pixel | fit + score (s) | score only (s) | score only, onnxruntime (s) "
            "| scoring MP/s | pair fit + score (s) | pair encoder |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| rx | cpu | - | {sp['rx_seconds']:.1f} | {sp['rx_seconds']:.1f} | - | {1 / sp['rx_seconds']:.2f} "
            "| - | - |",
        ]
        cva = sp.get("cva_pair_seconds")
        if cva:
            out.append(f"| cva | cpu | - | - | - | - | - | {cva:.1f} | - |")
        for m in methods:
            s = sp[m]
            pair = s.get("pair_fit_and_score_s")
            out.append(
                f"| {m} | {s['device']} | {s['passes']} | {s['fit_and_score_s']:.1f} | {s['score_only_s']:.1f} "
                f"| {s['onnx_score_s']:.1f} | {1 / s['score_only_s']:.2f} "
                f"| {f'{pair:.1f}' if pair else '-'} | {s.get('pair_encoder') or '-'} |"
            )
        big = sp.get("large_megapixels") or 0
        if big and all(sp[m].get("score_only_large_s") for m in methods):
            out += ["", f"The saved model also scored a {big:g}-megapixel synthetic raster of the same kind, in one "
                    "process each (start-up included, a smaller part of the time): " + "; ".join(
                        f"`{m}` {sp[m]['score_only_large_s']:.1f} s ({big / sp[m]['score_only_large_s']:.2f} MP/s)"
                        for m in methods) + "."]  # fmt: skip
        out += ["", *speed_targets(sp, methods), ""]
    if gpu:
        out += gpu_table(gpu, methods)
    else:
        out += ["### Speed on a CUDA device", "", "Not measured yet: `scripts/bench_gpu.sh` runs it on a machine "
                "with a CUDA GPU (see its header).", ""]  # fmt: skip
    out.append(END)
    return "\n".join(out)


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def _evaluate_method(item: tuple[Path, str]) -> list[dict]:
    data, method = item
    return evaluate_cases(data, methods=[method])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--methods", nargs="+", default=["diffusion", "flow"])
    p.add_argument("--reproducibility-case", default="sar-cd/bern")
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--reuse-accuracy", action="store_true", help="re-measure speed only")
    p.add_argument("--reuse-speed", action="store_true", help="re-measure accuracy only")
    p.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "raresight-bench"))
    p.add_argument("--output", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    p.add_argument("--gpu-out", type=Path, help="measure speed on the CUDA device only, into this JSON file")
    p.add_argument("--gpu-in", type=Path, help="add the rows of a --gpu-out file to the section")
    p.add_argument(
        "--render", action="store_true", help="rewrite the section from the saved JSON, measure nothing"
    )
    p.add_argument("--repeats", type=int, default=1, metavar="N",
                   help="run the speed set N times, one after the other, and report each time's median")  # fmt: skip
    p.add_argument("--large", type=int, default=0, metavar="N",
                   help="also score an N x N x 13 raster with the saved model (a rate start-up does not dominate)")  # fmt: skip
    p.add_argument(
        "--before", metavar="REV", help="compare the family means with the run recorded at git REV"
    )
    args = p.parse_args()
    data = Path(args.data)
    # the data's copy of the released encoder weights, for this process and its children
    with encoder_folder_first(data / "weights"):
        run(args, data)


def run(args: argparse.Namespace, data: Path) -> None:
    saved = Path(args.output).with_name("BENCHMARKS_generative.json")
    if args.gpu_out:
        import torch

        if not torch.cuda.is_available():
            raise SystemExit("--gpu-out needs a CUDA device: torch sees none.")
        sp = speed(args.methods, Path(args.cache), onnx=False, large=4000)
        facts = [f"raresight {__version__}", f"torch {torch.__version__}", torch.cuda.get_device_name(0),
                 f"{os.cpu_count()} CPU cores", f"Python {platform.python_version()}"]  # fmt: skip
        args.gpu_out.write_text(json.dumps({"facts": facts, "speed": sp}, indent=1))
        print(f"wrote {args.gpu_out}")
        return
    if args.gpu_in or args.render:
        previous = json.loads(saved.read_text())
        if args.gpu_in:
            previous["gpu"] = json.loads(args.gpu_in.read_text())
        rows, rep, sp = previous["accuracy"], previous["reproducibility"], previous["speed"]
        command = previous.get("command", "python scripts/bench_generative.py")
        before = previous.get("before")
        section = render(
            rows, args.methods, rep, args.reproducibility_case, sp, command, previous["gpu"], before
        )
        _write(args, section, rows, rep, sp, previous["gpu"], command, before)
        return
    if args.reuse_accuracy:
        # Re-measure speed only; accuracy and reproducibility come from the previous full run.
        previous = json.loads(saved.read_text())
        rows, rep = previous["accuracy"], previous["reproducibility"]
        sp = _measure_speed(args)
        command = (
            f"python scripts/bench_generative.py --reuse-accuracy{_options(args)} "
            "(accuracy from the last full run)"
        )
        gpu = previous.get("gpu")
        before = before_rows(args.before) if args.before else previous.get("before")
        section = render(rows, args.methods, rep, args.reproducibility_case, sp, command, gpu, before)
        _write(args, section, rows, rep, sp, gpu, command, before)
        return
    before = before_rows(args.before) if args.before else None  # before the run rewrites the JSON
    rows = evaluate_cases(data)
    # The accuracy runs of the methods are independent: one process each, one thread each (the
    # speed runs below are alone on the machine).
    # Spawned, not forked: a child forked after this process's torch threads started can hang.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        max_workers=min(len(args.methods), os.cpu_count() or 1),
        initializer=_one_thread,
        mp_context=multiprocessing.get_context("spawn"),
    ) as pool:
        for m, part in zip(args.methods, pool.map(_evaluate_method, [(data, m) for m in args.methods])):
            rows += part
            print(f"{m}: evaluated", flush=True)
    rep = reproducibility(data, args.methods[0], args.reproducibility_case)
    if args.reuse_speed:  # speed from the previous run (unchanged code paths), accuracy measured now
        sp = json.loads(saved.read_text())["speed"]
    else:
        sp = None if args.skip_speed else _measure_speed(args)
    command = (
        "python scripts/bench_generative.py"
        + (" --skip-speed" if args.skip_speed else "")
        + (" --reuse-speed" if args.reuse_speed else "")
        + _options(args)
        + (" (speed from the previous full run)" if args.reuse_speed else "")
    )
    gpu = json.loads(saved.read_text()).get("gpu") if saved.is_file() else None
    section = render(rows, args.methods, rep, args.reproducibility_case, sp, command, gpu, before)
    _write(args, section, rows, rep, sp, gpu, command, before)


def _measure_speed(args: argparse.Namespace) -> dict:
    """The speed set, ``--repeats`` times one after the other, as one result (:func:`median_speed`)."""
    return median_speed(
        [speed(args.methods, Path(args.cache), large=args.large) for _ in range(args.repeats)]
    )


def _options(args: argparse.Namespace) -> str:
    """The options of a measuring run that its recorded command names."""
    return (
        (" --methods " + " ".join(args.methods) if args.methods != ["diffusion", "flow"] else "")
        + (f" --before {args.before}" if args.before else "")
        + (f" --large {args.large}" if args.large else "")
        + (f" --repeats {args.repeats}" if args.repeats > 1 else "")
    )


def _write(
    args, section: str, rows, rep, sp, gpu: dict | None, command: str, before: dict | None = None
) -> None:
    doc = Path(args.output)
    replace_section(doc, START, END, section)
    saved = {
        "accuracy": rows,
        "reproducibility": rep,
        "speed": sp,
        "gpu": gpu,
        "command": command,
        "before": before,
    }
    Path(doc.with_name("BENCHMARKS_generative.json")).write_text(json.dumps(saved, indent=1))
    print(f"wrote {doc}")


if __name__ == "__main__":
    main()
