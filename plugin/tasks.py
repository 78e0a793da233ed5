"""Backend requests as QGIS background tasks: QGIS stays responsive, the task manager shows
progress, and Cancel reaches the worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qgis.core import QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from .backend_client import BackendClient, BackendError, RequestCancelledError
from .progress_text import stage_text


class BackendTask(QgsTask):
    """Runs one request on ``client`` in a background thread.

    ``stageChanged`` carries the running stage and its time left, as text for the analyst.

    ``on_done(result, error)`` is called in the main thread when the task ends: ``result`` is the
    backend's result dict (None on failure) and ``error`` a :class:`BackendError` (None on success;
    a :class:`~.backend_client.RequestCancelledError` when cancelled).
    """

    stageChanged = pyqtSignal(str)  # noqa: N815 - Qt's naming

    def __init__(
        self,
        description: str,
        client: BackendClient,
        op: str,
        args: dict[str, Any],
        on_done: Callable[[dict | None, BackendError | None], None],
        on_log: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.client, self.op, self.args = client, op, args
        self.on_done, self.on_log = on_done, on_log
        self.result: dict | None = None
        self.error: BackendError | None = None
        self.stage = ""
        self.logs: list[tuple[str, str]] = []

    def _progress(self, fraction: float, stage: str, eta_s: float | None = None) -> None:
        self.stage = stage
        self.setProgress(100.0 * fraction)
        self.stageChanged.emit(stage_text(stage, eta_s))

    def run(self) -> bool:  # background thread: no widgets here
        try:
            self.result = self.client.request(
                self.op,
                self.args,
                progress=self._progress,
                is_cancelled=self.isCanceled,
                on_log=lambda level, message: self.logs.append((level, message)),
            )
            return True
        except RequestCancelledError as exc:
            self.error = exc
            return True  # a cancel is the analyst's choice, not a failure (QGIS would say "Task failed")
        except BackendError as exc:
            self.error = exc
            return False
        except Exception as exc:  # noqa: BLE001 - never let a bug escape into QGIS's task manager
            self.error = BackendError("InternalError", f"{type(exc).__name__}: {exc}")
            return False

    def finished(self, ok: bool) -> None:  # main thread
        if self.on_log is not None:
            for level, message in self.logs:
                self.on_log(level, message)
        if ok and self.error is None:
            self.on_done(self.result, None)
        else:
            self.on_done(None, self.error or RequestCancelledError("CancelledError", "Cancelled."))
