"""Worker mode: the backend as a long-lived process that QGIS drives over JSON lines.

``python -m backend worker`` reads one JSON object per line on stdin and answers with JSON lines on
stdout. Nothing else ever reaches stdout (Python's ``sys.stdout`` and file descriptor 1 are pointed
at stderr at start-up, so a stray print or a C library's message cannot break the protocol).

Request::

    {"id": 7, "op": "score", "args": {...}}

Replies, all tagged with the request's ``id``::

    {"id": 7, "type": "progress", "fraction": 0.42, "stage": "scoring", "eta_s": 81.5}
    {"id": 7, "type": "log", "level": "warning", "message": "..."}
    {"id": 7, "type": "result", "result": {...}}
    {"id": 7, "type": "error", "error": "InputError", "message": "..."}

Operations (``args`` keys in brackets are optional):

- ``hello``: versions, the device, and the method list (as ``raresight methods --json``).
- ``score``: ``targets``, [``references``, ``method``, ``params``, ``prompt``, ``negative``,
  ``checkpoint``, ``fuse``, ``tile_size``, ``overlap``, ``device``, ``complex``], ``output`` -> the
  sidecar plus ``output``. The fields other than ``output`` make a
  :class:`~backend.request.ScoreRequest` (``from_dict``: unknown keys are refused; a saved model in
  ``params["model"]`` names the method when ``method`` is left out; ``prompt``, ``negative`` and
  ``checkpoint`` become the parameters of the methods that take them).
- ``fit``: the fields of ``score`` less ``prompt``, ``negative``, ``checkpoint`` and ``fuse``
  (:class:`~backend.request.FitRequest`; ``method`` ``diffusion`` by default), ``output`` the model
  file (``.safetensors``) -> ``output`` and ``card`` (also written beside it as ``<output>.json``).
- ``polygonize``: ``score``, ``output``, [``false_alarm_rate`` | ``threshold``, ``min_area_m2``,
  ``simplify_m``] -> ``features``, ``threshold``, ``false_alarm_rate``, ``output``.
- ``mask``: ``score``, ``output``, [``false_alarm_rate`` | ``threshold``] -> pixel counts.
- ``batch``: ``output`` (a folder), ``jobs`` (a manifest) or ``post`` [and ``pre``] patterns,
  [``method``, ``params``, ``scheduler``, ``workers``, ``force``] -> ``counts``, ``written`` and one
  summary row per job (``raresight batch``; :mod:`backend.batch`).
- ``cancel``: ``target`` (the id of the running request); answered by that request's
  ``CancelledError``.
- ``sleep``: ``seconds`` (a diagnostic that reports progress and honours cancel).
- ``shutdown``: cancel what runs or waits, and exit.

Requests run in order, one at a time, in a runner thread, so that ``cancel`` (of the running or of a
queued request) is read while one works. Large arrays
never cross the pipe: inputs and outputs are files. End of stdin (QGIS closed or died) cancels the
running request and exits.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

from . import __version__
from .errors import CancelledError, RareSightError
from .progress import PASS_STAGES, CancelToken, RunEta
from .request import FitRequest, ScoreRequest, field_of

log = logging.getLogger("raresight")

#: Progress replies are sent at most this often (seconds), plus on every stage change.
PROGRESS_INTERVAL_S = 0.1
#: Loggers whose warnings reach the client: the command's own and every backend module's.
FORWARDED_LOGGERS = ("raresight", "backend")


class _Channel:
    """Thread-safe writer of JSON lines to the protocol stream."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        line = json.dumps(message, allow_nan=False, default=_plain)
        with self._lock:
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except (BrokenPipeError, ValueError):
                pass  # the client is gone; the read loop will end on EOF


def _plain(value: Any) -> Any:
    """JSON fallback for numpy scalars and paths."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _finite(value: Any) -> Any:
    """Replace non-finite floats (not valid JSON) by None, recursively."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


class _ProgressReporter:
    """Throttled progress replies for one request."""

    def __init__(self, channel: _Channel, request_id: Any, eta_stages=None) -> None:
        self._channel, self._id = channel, request_id
        self._last_time, self._last_stage = 0.0, None
        self._eta = RunEta(stages=eta_stages)

    def __call__(self, fraction: float, stage: str) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        left = self._eta(fraction, stage)
        now = time.monotonic()
        if stage == self._last_stage and now - self._last_time < PROGRESS_INTERVAL_S and fraction < 1.0:
            return
        self._last_time, self._last_stage = now, stage
        eta = None if left is None or fraction >= 1.0 else round(left, 1)
        self._channel.send(
            {"id": self._id, "type": "progress", "fraction": fraction, "stage": stage, "eta_s": eta}
        )


class _LogForwarder(logging.Handler):
    """Sends the backend's warnings to the client, tagged with the running request."""

    def __init__(self, channel: _Channel) -> None:
        super().__init__(level=logging.WARNING)
        self._channel = channel
        self.request_id: Any = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.request_id is None:
            return
        self._channel.send(
            {
                "id": self.request_id,
                "type": "log",
                "level": record.levelname.lower(),
                "message": record.getMessage(),
            }
        )


# -- operations -------------------------------------------------------------------------------------


def op_hello(args: dict, progress, cancel) -> dict:
    import numpy
    import rasterio

    from .detectors import describe_methods

    return {
        "name": "RareSight backend",
        "version": __version__,
        "python": platform.python_version(),
        "executable": sys.executable,
        "numpy": numpy.__version__,
        "rasterio": rasterio.__version__,
        "gdal": rasterio.__gdal_version__,
        "devices": _devices(),
        "methods": describe_methods(),
        "pid": os.getpid(),
    }


def _devices() -> list[str]:
    """``cpu``, plus ``cuda`` when torch is installed and sees a GPU (torch is not imported
    otherwise: checking must stay cheap)."""
    import importlib.util

    devices = ["cpu"]
    if importlib.util.find_spec("torch") is not None:
        try:
            import torch

            if torch.cuda.is_available():
                devices.append("cuda")
        except Exception:  # noqa: BLE001 - a broken torch must not break the worker
            pass
    return devices


def _without_output(args: dict) -> dict:
    """The request fields of a ``score`` or ``fit`` request (``output`` is the operation's)."""
    return {k: v for k, v in args.items() if k != "output"}


def op_score(args: dict, progress, cancel) -> dict:
    from .scoring import score_to_file

    request = ScoreRequest.from_dict(_without_output(args))
    output = field_of(args, "output", str, required=True)
    sidecar = score_to_file(request, output, progress=progress, cancel=cancel)
    return {"output": output, "sidecar": sidecar}


def op_fit(args: dict, progress, cancel) -> dict:
    from .scoring import fit_model_to_file

    request = FitRequest.from_dict(_without_output(args))
    output = field_of(args, "output", str, required=True)
    card = fit_model_to_file(request, output, progress=progress, cancel=cancel)
    return {"output": output, "card": card}


def _threshold(args: dict, score: str) -> tuple[float, float | None]:
    from .scorefile import resolve_threshold

    rate = field_of(args, "false_alarm_rate", (int, float))
    threshold = field_of(args, "threshold", (int, float))
    return resolve_threshold(
        score, None if rate is None else float(rate), None if threshold is None else float(threshold)
    )


def op_polygonize(args: dict, progress, cancel) -> dict:
    from .scorefile import polygon_rate, read_sidecar
    from .vectorize import polygonize

    score = field_of(args, "score", str, required=True)
    output = field_of(args, "output", str, required=True)
    threshold, rate = _threshold(args, score)
    try:
        method = read_sidecar(score).get("method", "")
    except RareSightError:
        method = ""
    n = polygonize(
        score,
        output,
        threshold,
        min_area_m2=float(field_of(args, "min_area_m2", (int, float), 0.0)),
        simplify_m=float(field_of(args, "simplify_m", (int, float), 0.0)),
        method=method,
        false_alarm_rate=polygon_rate(score, threshold, rate),
        progress=progress,
        cancel=cancel,
    )
    return {"output": output, "features": n, "threshold": threshold, "false_alarm_rate": rate}


def op_mask(args: dict, progress, cancel) -> dict:
    from .masking import write_mask

    score = field_of(args, "score", str, required=True)
    output = field_of(args, "output", str, required=True)
    threshold, rate = _threshold(args, score)
    counts = write_mask(score, output, threshold, progress=progress, cancel=cancel)
    return {"output": output, "threshold": threshold, "false_alarm_rate": rate, **counts}


def op_batch(args: dict, progress, cancel) -> dict:
    from .batch.run import batch

    params = field_of(args, "params", dict, {})
    workers = field_of(args, "workers", int)
    result = batch(
        field_of(args, "output", str, required=True),
        manifest=field_of(args, "jobs", str),
        post=field_of(args, "post", str),
        pre=field_of(args, "pre", str),
        method=field_of(args, "method", str, "rx"),
        params=params,
        scheduler=field_of(args, "scheduler", str),
        workers=workers if workers else None,
        force=bool(field_of(args, "force", bool, False)),
        progress=progress,
        cancel=cancel,
        announce=log.info,
    )
    return {"output": field_of(args, "output", str), "counts": result["counts"], "written": result["written"],
            "rows": result["rows"]}  # fmt: skip


def op_sleep(args: dict, progress, cancel) -> dict:
    seconds = float(field_of(args, "seconds", (int, float), 1.0))
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        cancel.raise_if_cancelled()
        progress(elapsed / seconds, "sleeping")
        time.sleep(0.02)
    return {"slept_s": seconds}


OPERATIONS: dict[str, Callable[[dict, Any, CancelToken], dict]] = {
    "hello": op_hello,
    "score": op_score,
    "fit": op_fit,
    "polygonize": op_polygonize,
    "batch": op_batch,
    "mask": op_mask,
    "sleep": op_sleep,
}
#: The stages in which an operation's progress replies carry the time left (others: every stage).
ETA_STAGES = {"score": PASS_STAGES}


# -- the loop ---------------------------------------------------------------------------------------


class Worker:
    """Reads requests from ``requests`` and runs them in order, one at a time, in a runner thread
    (so that ``cancel`` is read while one works); answers on ``replies``."""

    def __init__(self, requests: TextIO, replies: TextIO) -> None:
        self._requests = requests
        self._channel = _Channel(replies)
        self._forwarder = _LogForwarder(self._channel)
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._tokens: dict[Any, CancelToken] = {}  # queued or running requests
        self._runner = threading.Thread(target=self._run_queue, name="raresight-runner", daemon=True)

    def serve(self) -> int:
        loggers = [logging.getLogger(name) for name in FORWARDED_LOGGERS]
        for logger in loggers:
            logger.addHandler(self._forwarder)
        self._runner.start()
        try:
            for line in self._requests:
                if line.strip() and not self._dispatch(line):
                    break
        finally:
            self._cancel_all()
            self._queue.put(None)
            self._runner.join(timeout=30)
            for logger in loggers:
                logger.removeHandler(self._forwarder)
        return 0

    def _cancel_all(self) -> None:
        with self._lock:
            for token in self._tokens.values():
                token.cancel()

    def _error(self, request_id: Any, kind: str, message: str) -> None:
        self._channel.send({"id": request_id, "type": "error", "error": kind, "message": message})

    def _dispatch(self, line: str) -> bool:
        """Handle one request line; False to stop serving."""
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError:
            self._error(None, "ProtocolError", f"Not a JSON request: {line[:80]!r}")
            return True
        request_id, op = request.get("id"), request.get("op")
        args = request.get("args") or {}
        if op == "shutdown":
            return False
        if op == "cancel":
            with self._lock:
                token = self._tokens.get(args.get("target") if isinstance(args, dict) else None)
            if token is not None:
                token.cancel()
            return True
        if op not in OPERATIONS:
            self._error(request_id, "ProtocolError", f"Unknown operation {op!r}.")
            return True
        if not isinstance(args, dict):
            self._error(request_id, "ProtocolError", "args must be an object.")
            return True
        token = CancelToken()
        with self._lock:
            self._tokens[request_id] = token
        self._queue.put((request_id, op, args, token))
        return True

    def _run_queue(self) -> None:
        while (item := self._queue.get()) is not None:
            request_id, op, args, cancel = item
            try:
                self._run(request_id, op, args, cancel)
            finally:
                with self._lock:
                    self._tokens.pop(request_id, None)

    def _run(self, request_id: Any, op: str, args: dict, cancel: CancelToken) -> None:
        self._forwarder.request_id = request_id
        try:
            cancel.raise_if_cancelled()
            progress = _ProgressReporter(self._channel, request_id, ETA_STAGES.get(op))
            result = OPERATIONS[op](args, progress, cancel)
            reply = {"id": request_id, "type": "result", "result": _finite(result)}
        except RareSightError as exc:
            reply = {"id": request_id, "type": "error", "error": type(exc).__name__, "message": str(exc)}
        except MemoryError:
            message = (
                "Not enough memory for this raster: use a smaller area or tile size; nothing was written."
            )
            reply = {"id": request_id, "type": "error", "error": "OutputError", "message": message}
        except Exception as exc:  # noqa: BLE001 - any bug becomes a typed error, never a dead worker
            traceback.print_exc(file=sys.stderr)
            reply = {
                "id": request_id,
                "type": "error",
                "error": "InternalError",
                "message": f"Internal error ({type(exc).__name__}: {exc}); see the backend log.",
            }
        finally:
            self._forwarder.request_id = None
        self._channel.send(reply)


def protocol_stdout() -> TextIO:
    """Take file descriptor 1 for the protocol and point everything else that writes to stdout at
    stderr."""
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "w", encoding="utf-8", buffering=1)


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    replies = protocol_stdout()
    requests = open(sys.stdin.fileno(), encoding="utf-8", closefd=False)  # noqa: SIM115
    try:
        return Worker(requests, replies).serve()
    except KeyboardInterrupt:
        return 130


__all__ = ["CancelledError", "OPERATIONS", "Worker", "main"]
