"""The ``raresight`` command line.

Every failure the user can cause prints one line (``raresight: error: ...``) and exits non-zero;
``--debug`` adds the traceback. Long runs draw a progress bar on stderr when it is a terminal.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import __version__
from .cli_run import run_command
from .errors import InputError, RareSightError
from .progress import PASS_STAGES, CancelToken, ConsoleProgressBar

COMPLEX_CHOICES = ("intensity", "amplitude")
COMPLEX_HELP = "complex (SLC) inputs: read them as intensity |z|^2 or amplitude |z| (required for them)"


def _params(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--param takes KEY=VALUE, got {pair!r}.")
        out[key.strip()] = value.strip()
    return out


def _seconds(text: str) -> float:
    """An argparse type: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"--time-budget takes a positive number of seconds, got {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse with the project's one-line errors (``raresight: error: ...``, exit 2)."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see {self.prog} --help)"
        self.exit(2, f"raresight: error: {' '.join(message.split())}{hint}\n")


def _request(args: argparse.Namespace, kind: type):
    """The :class:`~backend.request.ScoreRequest` or :class:`~backend.request.FitRequest` of the
    parsed ``args``: the flags as the worker's request fields, checked by ``kind.from_dict``."""
    params = _params(args.param)
    if getattr(args, "model", None):
        params["model"] = args.model  # a saved model names its own method
    if getattr(args, "runtime", None):
        params["runtime"] = args.runtime
    if getattr(args, "time_budget", None) is not None:
        params["time_budget_s"] = str(args.time_budget)
    values = {
        "targets": list(args.targets),
        "references": list(args.reference or ()),
        "method": args.method or "",
        "params": params,
        "tile_size": args.tile_size,
        "overlap": args.overlap,
        "device": args.device,
        "complex": getattr(args, "complex", None) or "",
    }
    for key in ("prompt", "negative", "checkpoint", "fuse"):
        if getattr(args, key, None):
            values[key] = getattr(args, key)
    return kind.from_dict(values)


def cmd_score(args: argparse.Namespace) -> int:
    from .request import ScoreRequest
    from .scoring import score_to_file

    request = _request(args, ScoreRequest)
    bar = ConsoleProgressBar(eta_stages=PASS_STAGES)
    try:
        if args.scheduler:  # one scene's tiles on a Dask cluster's workers
            from .batch.scene import cluster_runner

            with cluster_runner(args.scheduler) as runner:
                print(f"Dask dashboard: {runner.client.dashboard_link}", file=sys.stderr)
                side = score_to_file(request, args.output, progress=bar, cancel=CancelToken(), runner=runner)
        else:
            side = score_to_file(request, args.output, progress=bar, cancel=CancelToken())
    finally:
        bar.close()
    cal = side["calibration"]
    stats = side["statistics"]
    if cal.get("default_threshold_source") == "physical":
        default = f"default threshold {cal['default_threshold']:.6g} (physical; calibration {cal['source']})"
    else:
        default = (
            f"threshold at false-alarm rate {cal['default_false_alarm_rate']:g} = "
            f"{cal['default_threshold']:.6g} ({cal['source']})"
        )
    print(
        f"{args.output}: {side['method']} scores, {stats['valid_px']} valid px, "
        f"{stats['megapixels_per_second']:.2f} MP/s; {default}"
    )
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    from .request import FitRequest
    from .scoring import fit_model_to_file

    request = _request(args, FitRequest)
    bar = ConsoleProgressBar()
    try:
        card = fit_model_to_file(request, args.output, progress=bar, cancel=CancelToken())
    finally:
        bar.close()
    t = card["training"]
    print(
        f"{args.output}: {card['method']} model of {card['bands']} band(s)"
        f"{' given ' + str(card['cond_bands']) if card['cond_bands'] else ''} ({card['condition']} conditioning), "
        f"{t['steps']} steps in {t['seconds']:.1f} s; card {args.output}.json"
    )
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch.run import batch

    bar = ConsoleProgressBar()
    try:
        result = batch(
            args.output, manifest=args.jobs, post=args.post, pre=args.pre, method=args.method,
            params=_params(args.param), scheduler=args.scheduler, workers=args.workers,
            threads_per_worker=args.threads_per_worker, force=args.force, progress=bar, cancel=CancelToken(),
            announce=lambda line: print(line, file=sys.stderr),
        )  # fmt: skip
    finally:
        bar.close()
    counts = result["counts"]
    for r in result["rows"]:
        if r["status"] == "failed":
            print(f"raresight: job {r['job']} failed: {r['error']}", file=sys.stderr)
    print(
        f"{args.output}: {len(result['rows'])} job(s), {counts['done']} done, {counts['skipped']} skipped, "
        f"{counts['failed']} failed; summary {result['written']['summary.csv']}"
    )
    return 1 if counts["failed"] else 0


def cmd_export(args: argparse.Namespace) -> int:
    from .generative.model_io import load_model
    from .generative.onnx_export import export_onnx
    from .outputs import claim_outputs, protected_paths

    claim_outputs([(args.output, "onnx")], protected_paths(args.model))
    export_onnx(load_model(args.model), args.output)
    print(f"{args.output}: ONNX graph of {args.model} (card and normalisation in its metadata)")
    return 0


def cmd_export_clip(args: argparse.Namespace) -> int:
    from .clip.model import load_clip
    from .clip.onnx_export import export_tower
    from .outputs import claim_outputs, protected_paths

    claim_outputs([(args.output, "onnx")], protected_paths(args.checkpoint))
    clip = load_clip(args.checkpoint or "", args.arch or "", "cpu", ConsoleProgressBar())
    export_tower(clip, args.output, args.attention)
    print(
        f"{args.output}: ONNX dense image tower of {clip.card.name} ({clip.card.architecture}, "
        f"{args.attention} attention, input {clip.input_size_px} px; card in its metadata)"
    )
    return 0


def cmd_mask(args: argparse.Namespace) -> int:
    from .masking import write_mask
    from .scorefile import resolve_threshold

    threshold, rate = resolve_threshold(args.score, args.false_alarm_rate, args.threshold)
    counts = write_mask(args.score, args.output, threshold)
    where = f" (false-alarm rate {rate:g})" if rate is not None else ""
    if rate is None and args.threshold is None:
        where = " (the method's physical default)"
    print(f"{args.output}: threshold {threshold:.6g}{where}; {counts['anomalous_px']} anomalous px")
    return 0


def cmd_polygonize(args: argparse.Namespace) -> int:
    from .scorefile import polygon_rate, read_sidecar, resolve_threshold
    from .vectorize import polygonize

    threshold, rate = resolve_threshold(args.score, args.false_alarm_rate, args.threshold)
    try:
        method = read_sidecar(args.score).get("method", "")
    except RareSightError:
        method = ""
    n = polygonize(
        args.score,
        args.output,
        threshold,
        min_area_m2=args.min_area_m2,
        simplify_m=args.simplify_m,
        method=method,
        false_alarm_rate=polygon_rate(args.score, threshold, rate),
    )
    where = f" (false-alarm rate {rate:g})" if rate is not None else ""
    print(f"{args.output}: {n} polygon(s) at threshold {threshold:.6g}{where}")
    return 0


def cmd_quicklook(args: argparse.Namespace) -> int:
    from .quicklook import render_quicklook
    from .scorefile import resolve_threshold

    threshold, rate = resolve_threshold(args.score, args.false_alarm_rate, args.threshold)
    bands = None
    if args.bands is not None:
        try:
            bands = tuple(int(b) for b in args.bands.split(","))
        except ValueError:
            raise InputError(
                f"--bands takes 1-based band numbers such as 4,3,2; got {args.bands!r}."
            ) from None
        if not all(b >= 1 for b in bands) or len(bands) not in (1, 3):
            raise InputError(
                f"--bands takes one or three 1-based band numbers such as 4,3,2; got {args.bands!r}."
            )
        if not args.background:
            raise InputError("--bands chooses the bands of --background: give a --background image too.")
    title = args.title or f"{args.score} (threshold {threshold:.4g})"
    render_quicklook(args.score, args.output, threshold, args.background, bands, title)
    print(f"{args.output}: quick-look written")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .atomic import atomic_output
    from .evaluation import evaluate_cases, format_table
    from .outputs import claim_outputs, protected_paths

    params = _params(args.param)
    if args.prompt:
        params["prompt"] = args.prompt
    if args.json is not None:
        claim_outputs([(args.json, "evaluation")], protected_paths(f"{args.data_root}/manifest.json"))
    results = evaluate_cases(
        args.data_root, methods=args.method, cases=args.case, progress=ConsoleProgressBar(), params=params
    )
    if args.json is not None:
        with atomic_output(args.json) as tmp, open(tmp, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
    print(format_table(results))
    return 0


def cmd_methods(args: argparse.Namespace) -> int:
    from .detectors import describe_methods

    methods = describe_methods()
    if args.json:
        print(json.dumps(methods, indent=1))
        return 0
    width = max(len(m["name"]) for m in methods)
    for m in methods:
        tag = (" [needs --reference]" if m["needs_reference"] else "") + (
            " [trainable: raresight fit]" if m["trainable"] else ""
        )
        print(f"{m['name']:<{width}}  {m['summary']}{tag}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from .worker import main as worker_main

    return worker_main()


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="raresight", description="Dense anomaly maps for satellite imagery.")
    p.add_argument("--version", action="version", version=f"raresight {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("score", help="score target raster(s) into a float32 anomaly GeoTIFF")
    s.add_argument(
        "targets", nargs="+", metavar="TARGET", help="rasters of one date (e.g. optical, then SAR)"
    )
    s.add_argument("-o", "--output", required=True, help="score GeoTIFF to write")
    s.add_argument("--reference", nargs="+", metavar="REF", help="normal reference rasters, same order")
    s.add_argument("--method", help="detector (see raresight methods); default rx, or the --model's method")
    s.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="method parameter")
    s.add_argument("--tile-size", type=int, default=512, help="largest tile side in px (default 512)")
    s.add_argument(
        "--overlap", type=int, default=32, help="least overlap of neighbouring tiles in px (default 32)"
    )
    s.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    s.add_argument("--complex", choices=COMPLEX_CHOICES, help=COMPLEX_HELP)
    s.add_argument(
        "--model", help="a model saved by raresight fit (.safetensors) or raresight export (.onnx)"
    )
    s.add_argument("--runtime", choices=("torch", "onnx"), help="generative methods: run the network with")
    s.add_argument(
        "--time-budget", type=_seconds, metavar="S", help="generative methods: stop training after S s"
    )
    s.add_argument("--prompt", metavar="TEXT", help="prompt methods: what to look for (e.g. flood)")
    s.add_argument("--negative", metavar="TEXT", help="CLIP methods: what it is not (e.g. dry fields)")
    s.add_argument("--checkpoint", metavar="FILE", help="CLIP methods: a local open_clip checkpoint")
    s.add_argument(
        "--fuse",
        metavar="METHOD",
        help="prompt methods: combine with this anomaly method (anomalous and like the prompt); "
        "its parameters as --param fuse.KEY=VALUE",
    )
    s.add_argument("--scheduler", help="score the tiles on this Dask cluster's workers, e.g. tcp://host:8786")
    s.set_defaults(func=cmd_score)

    f = sub.add_parser("fit", help="train a generative model (diffusion, flow) and save it for reuse")
    f.add_argument(
        "targets", nargs="+", metavar="RASTER", help="normal imagery to learn (stacked as channels)"
    )
    f.add_argument("-o", "--output", required=True, help="model file to write (.safetensors; card in .json)")
    f.add_argument(
        "--reference", nargs="+", metavar="REF", help="learn the rasters given these (post given pre)"
    )
    f.add_argument("--method", help="a trainable method (see raresight methods); default diffusion")
    f.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="method parameter")
    f.add_argument("--tile-size", type=int, default=512)
    f.add_argument("--overlap", type=int, default=32)
    f.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    f.add_argument("--complex", choices=COMPLEX_CHOICES, help=COMPLEX_HELP)
    f.add_argument("--time-budget", type=_seconds, metavar="S", help="stop training after S seconds")
    f.set_defaults(func=cmd_fit)

    x = sub.add_parser("export", help="export a saved generative model to ONNX")
    x.add_argument("model", help="model written by raresight fit")
    x.add_argument("-o", "--output", required=True, help=".onnx file to write")
    x.set_defaults(func=cmd_export)

    xc = sub.add_parser("export-clip", help="export a CLIP image tower (dense patch embeddings) to ONNX")
    xc.add_argument(
        "--checkpoint", default="", help="registry name (default remoteclip-vit-b-32) or weights file"
    )
    xc.add_argument("--arch", default="", help="open_clip architecture of a weights file without a card")
    xc.add_argument("--attention", default="selfself", choices=("selfself", "value"))
    xc.add_argument("-o", "--output", required=True, help=".onnx file to write")
    xc.set_defaults(func=cmd_export_clip)

    for name, func, helptext in (
        ("mask", cmd_mask, "threshold a score raster into a uint8 mask (1 anomaly, 0 normal, 255 no data)"),
        ("polygonize", cmd_polygonize, "regions above threshold to a GeoPackage"),
        ("quicklook", cmd_quicklook, "PNG of the imagery, the score and the mask"),
    ):
        m = sub.add_parser(name, help=helptext)
        m.add_argument("score", help="score GeoTIFF written by raresight score")
        m.add_argument("-o", "--output", required=True)
        g = m.add_mutually_exclusive_group()
        g.add_argument("--false-alarm-rate", type=float, help="e.g. 1e-3 (uses the sidecar)")
        g.add_argument("--threshold", type=float, help="score threshold")
        if name == "polygonize":
            m.add_argument("--min-area-m2", type=float, default=0.0)
            m.add_argument("--simplify-m", type=float, default=0.0)
        if name == "quicklook":
            m.add_argument("--background", help="raster drawn under the mask (e.g. the optical target)")
            m.add_argument("--bands", help="background bands as R,G,B (1-based; default 4,3,2)")
            m.add_argument("--title", default="")
        m.set_defaults(func=func)

    e = sub.add_parser("evaluate", help="score every case of a data manifest against its ground truth")
    e.add_argument("data_root", nargs="?", default="../shared/data")
    e.add_argument("--method", action="append", help="method(s); default: each case's baseline")
    e.add_argument("--case", action="append", help="only cases whose id contains this text")
    e.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="method parameter, the same for every case",
    )
    e.add_argument("--prompt", help="the prompt of a prompt method (e.g. flood), the same for every case")
    e.add_argument("--json", help="also write the results as JSON")
    e.set_defaults(func=cmd_evaluate)

    b = sub.add_parser(
        "batch", help="run many scoring jobs on Dask distributed (a local or existing cluster)"
    )
    b.add_argument("jobs", nargs="?", help="job manifest (.csv or .json); or give --post (and --pre)")
    b.add_argument("-o", "--output", required=True, help="output folder (jobs' outputs, summary, merged)")
    b.add_argument("--post", help="pattern of the target files with one '*' (e.g. 'post/*.tif')")
    b.add_argument("--pre", help="pattern of their reference files; the '*' pairs them (e.g. 'pre/*.tif')")
    b.add_argument("--method", default="rx", help="method of jobs that name none (default rx)")
    b.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="parameter of --post jobs"
    )
    b.add_argument("--scheduler", help="address of an existing Dask scheduler, e.g. tcp://host:8786")
    b.add_argument("--workers", type=int, help="local cluster: worker processes (default: one per core)")
    b.add_argument("--threads-per-worker", type=int, default=1, help="local cluster: threads per worker")
    b.add_argument("--force", action="store_true", help="rerun jobs whose outputs are already complete")
    b.set_defaults(func=cmd_batch)

    w = sub.add_parser("worker", help="serve JSON-line requests on stdin/stdout (used by the QGIS plugin)")
    w.set_defaults(func=cmd_worker)

    m = sub.add_parser("methods", help="list the methods")
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=cmd_methods)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command (see :func:`.cli_run.run_command`)."""
    return run_command(build_parser().parse_args(argv))
