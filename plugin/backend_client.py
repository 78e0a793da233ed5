"""The one small client through which QGIS talks to the backend worker process.

QGIS never imports the backend's science (numpy stacks, torch, onnxruntime, open_clip): it starts
``<interpreter> -m backend worker`` in the plugin folder and exchanges JSON lines with it (see
``backend/worker.py`` for the protocol). Large arrays travel as files. This module needs neither Qt
nor QGIS, so that the dock (in a ``QgsTask``), the Processing algorithms (in Processing's thread) and
``qgis_process`` all share it.

A worker that dies (killed, crashed, out of memory) becomes a :class:`WorkerCrashedError` with the
tail of its log; the next request starts a fresh worker. Cancelling sends ``cancel`` and, if the
worker has not stopped within :data:`CANCEL_GRACE_S`, kills it.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PLUGIN_DIR = Path(__file__).resolve().parents[1]
#: Seconds a cancelled request may take to stop before the worker is killed.
CANCEL_GRACE_S = 5.0
#: Seconds to wait for a fresh worker's first reply (imports of numpy, rasterio, GDAL).
START_TIMEOUT_S = 60.0
#: Poll interval of the reply loop (cancel latency and progress granularity).
POLL_S = 0.05

#: ``(fraction, stage, seconds left or None)``: see the protocol's ``progress`` reply.
ProgressFn = Callable[[float, str, "float | None"], None]
CancelledFn = Callable[[], bool]
LogFn = Callable[[str, str], None]


class BackendError(Exception):
    """A request failed. ``kind`` is the backend's error type (e.g. ``InputError``)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class WorkerStartError(BackendError):
    """The worker process could not be started or did not answer."""


class WorkerCrashedError(BackendError):
    """The worker process died during a request."""


class RequestCancelledError(BackendError):
    """The request was cancelled; no output was written."""


def default_interpreter(plugin_dir: Path = PLUGIN_DIR) -> str:
    """The venv inside the plugin folder when it exists (a development checkout, made by
    ``scripts/setup.sh``), else the backend environment that Set up backend made in the user's
    data folder, else ``python3`` from PATH."""
    from .setup_backend.paths import backend_venv, venv_python

    for candidate in (
        plugin_dir / ".venv" / "bin" / "python",
        plugin_dir / ".venv" / "Scripts" / "python.exe",
        venv_python(backend_venv()),
    ):
        if candidate.is_file():
            return str(candidate)
    return "python3" if sys.platform != "win32" else "python"


class BackendClient:
    """One backend worker process and the requests sent to it, one at a time.

    Thread-safe: concurrent :meth:`request` calls wait for each other.
    """

    def __init__(self, interpreter: str | None = None, plugin_dir: Path | str = PLUGIN_DIR) -> None:
        self.plugin_dir = Path(plugin_dir)
        self.interpreter = interpreter or default_interpreter(self.plugin_dir)
        self._proc: subprocess.Popen | None = None
        self._replies: queue.Queue = queue.Queue()
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._log_path: Path | None = None

    # -- process --------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.running else None

    def start(self) -> None:
        """Start the worker if it is not running (a dead one is replaced)."""
        with self._lock:
            if self.running:
                return
            self._discard()
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(self.plugin_dir), env.get("PYTHONPATH", "")) if p
            )
            env["PYTHONUNBUFFERED"] = "1"
            fd, log_path = tempfile.mkstemp(prefix="raresight-worker-", suffix=".log")
            self._log_path = Path(log_path)
            log_file = os.fdopen(fd, "w")
            try:
                self._proc = subprocess.Popen(
                    [self.interpreter, "-m", "backend", "worker"],
                    cwd=str(self.plugin_dir),
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log_file,
                    text=True,
                    encoding="utf-8",
                    bufsize=1,
                    creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
                )
            except OSError as exc:
                self._proc = None
                raise WorkerStartError(
                    "WorkerStartError",
                    f"Cannot start the backend with {self.interpreter} ({exc.strerror or exc}): "
                    "use Set up backend in the RareSight dock (or scripts/install_backend.py), or set "
                    "the backend interpreter in its Advanced settings.",
                ) from None
            finally:
                log_file.close()
            self._replies = queue.Queue()
            threading.Thread(
                target=_pump, args=(self._proc.stdout, self._replies), name="raresight-replies", daemon=True
            ).start()

    def log_tail(self, max_lines: int = 15) -> str:
        """The last lines of the worker's stderr log."""
        if self._log_path is None or not self._log_path.is_file():
            return ""
        try:
            lines = self._log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-max_lines:])

    def kill(self) -> None:
        """Kill the worker now (the next request starts a fresh one)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def close(self) -> None:
        """Ask the worker to stop, then make sure it has."""
        with self._lock:
            proc = self._proc
            if proc is not None and proc.poll() is None:
                try:
                    proc.stdin.write(json.dumps({"id": 0, "op": "shutdown"}) + "\n")
                    proc.stdin.flush()
                    proc.stdin.close()
                    proc.wait(timeout=CANCEL_GRACE_S)
                except (OSError, ValueError, subprocess.TimeoutExpired):
                    self.kill()
            self._discard()

    def _discard(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            if proc.poll() is None:
                proc.kill()
        if self._log_path is not None:
            try:
                self._log_path.unlink()
            except OSError:
                pass
            self._log_path = None

    # -- requests -------------------------------------------------------------------------------

    def request(
        self,
        op: str,
        args: dict[str, Any] | None = None,
        progress: ProgressFn | None = None,
        is_cancelled: CancelledFn | None = None,
        on_log: LogFn | None = None,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        """Send one request and wait for its result.

        Args:
            op: the operation (``hello``, ``score``, ``fit``, ``polygonize``, ``mask``, ``sleep``).
            args: its plain-JSON arguments.
            progress: called with ``(fraction, stage, seconds left)`` as the worker reports (the
                seconds left are None until the stage has run a few seconds).
            is_cancelled: polled; once true, the request is cancelled.
            on_log: called with ``(level, message)`` for the worker's warnings.
            timeout_s: give up (and kill the worker) after this long; None waits forever.

        Raises:
            BackendError: the backend refused the request (bad input, unknown method, ...).
            RequestCancelledError: cancelled; no output was written.
            WorkerCrashedError: the worker died; the next request starts a fresh one.
            WorkerStartError: the worker could not be started.
        """
        with self._lock:
            self.start()
            request_id = next(self._ids)
            self._send({"id": request_id, "op": op, "args": args or {}})
            return self._wait(request_id, progress, is_cancelled, on_log, timeout_s)

    def hello(self, timeout_s: float = START_TIMEOUT_S) -> dict[str, Any]:
        """Versions, devices and methods of the backend (starts it if needed)."""
        return self.request("hello", timeout_s=timeout_s)

    def fit(
        self,
        targets: list[str],
        output: str,
        references: list[str] | None = None,
        method: str = "diffusion",
        params: dict[str, Any] | None = None,
        tile_size: int = 512,
        device: str = "auto",
        progress: ProgressFn | None = None,
        is_cancelled: CancelledFn | None = None,
        on_log: LogFn | None = None,
    ) -> dict[str, Any]:
        """Train a generative model (``diffusion`` or ``flow``) on ``targets`` (given
        ``references`` when any) and save it to ``output`` (``.safetensors``, card beside it as
        ``<output>.json``); returns ``{"output": ..., "card": {...}}``. Raises as :meth:`request`."""
        args = {
            "targets": list(targets),
            "references": list(references or []),
            "method": method,
            "params": dict(params or {}),
            "tile_size": int(tile_size),
            "device": device,
            "output": str(output),
        }
        return self.request("fit", args, progress=progress, is_cancelled=is_cancelled, on_log=on_log)

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self._proc.stdin.write(json.dumps(message) + "\n")
            self._proc.stdin.flush()
        except (OSError, ValueError, AttributeError):
            raise self._crashed() from None

    def _crashed(self) -> WorkerCrashedError:
        code = None
        if self._proc is not None:
            try:  # the pipe closes a moment before the exit status is known
                code = self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
        tail = self.log_tail()
        self._discard()
        how = (
            f"exit code {code}"
            if code is not None and code >= 0
            else (f"killed by signal {-code}" if code is not None else "no reply")
        )
        detail = f"\n{tail}" if tail else ""
        return WorkerCrashedError(
            "WorkerCrashedError",
            f"The backend process stopped unexpectedly ({how}); nothing was added. "
            f"The next run starts a fresh backend.{detail}",
        )

    def _wait(self, request_id, progress, is_cancelled, on_log, timeout_s) -> dict[str, Any]:
        started = time.monotonic()
        cancel_sent_at: float | None = None
        while True:
            if is_cancelled is not None and cancel_sent_at is None and is_cancelled():
                cancel_sent_at = time.monotonic()
                try:
                    self._send({"id": 0, "op": "cancel", "args": {"target": request_id}})
                except WorkerCrashedError:
                    raise RequestCancelledError(
                        "CancelledError", "Cancelled; no output was written."
                    ) from None
            if cancel_sent_at is not None and time.monotonic() - cancel_sent_at > CANCEL_GRACE_S:
                self.kill()
                self._discard()
                raise RequestCancelledError(
                    "CancelledError", "Cancelled (the backend did not stop in time and was restarted)."
                )
            if timeout_s is not None and time.monotonic() - started > timeout_s:
                self.kill()
                self._discard()
                raise WorkerStartError("TimeoutError", f"The backend did not answer within {timeout_s:g} s.")
            try:
                message = self._replies.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if message is None:  # end of the worker's stdout: it died
                raise self._crashed()
            if message.get("id") != request_id:
                continue  # a stale reply of an abandoned request
            kind = message.get("type")
            if kind == "progress" and progress is not None:
                eta = message.get("eta_s")
                progress(
                    float(message.get("fraction", 0.0)),
                    str(message.get("stage", "")),
                    float(eta) if isinstance(eta, int | float) else None,
                )
            elif kind == "log" and on_log is not None:
                on_log(str(message.get("level", "info")), str(message.get("message", "")))
            elif kind == "result":
                return message.get("result") or {}
            elif kind == "error":
                error, text = str(message.get("error", "Error")), str(message.get("message", ""))
                if error == "CancelledError":
                    raise RequestCancelledError(error, text)
                raise BackendError(error, text)


def _pump(stream, replies: queue.Queue) -> None:
    """Read the worker's JSON lines into ``replies``; None marks the end of the stream."""
    try:
        for line in stream:
            line = line.strip()
            if not line:
                continue
            try:
                message = json.loads(line)
            except ValueError:
                continue  # not protocol: the worker keeps stdout clean, so ignore
            if isinstance(message, dict):
                replies.put(message)
    except (OSError, ValueError):
        pass
    finally:
        replies.put(None)
