"""What the dock tells the analyst: backend errors as translated titles and messages, and the
QGIS message bar (tracebacks stay in the log panel)."""

from __future__ import annotations

from qgis.core import Qgis

from ..backend_client import BackendError, RequestCancelledError, WorkerCrashedError, WorkerStartError
from ..i18n import tr

#: Seconds a success or information message stays on the message bar (0: until closed).
TRANSIENT_S = 8


def error_text(error: BackendError, failed_title: str | None = None) -> tuple[str, str]:
    """A title and a message fit for the analyst, in the user's language (``failed_title``: the
    title of a refused request, "Detection failed" by default)."""
    if isinstance(error, RequestCancelledError):
        return tr("Cancelled"), tr("The run was cancelled; nothing was added.")
    if isinstance(error, WorkerCrashedError):
        return tr("Backend stopped"), tr(
            "The backend process stopped unexpectedly; nothing was added. The next run starts a fresh backend. Details: {details}"
        ).format(details=error.message)
    if isinstance(error, WorkerStartError):
        return tr("Backend unavailable"), tr(
            "The backend could not be started. Use Set up backend at the top of the dock, or set its Python interpreter under Advanced settings. Details: {details}"
        ).format(details=error.message)
    return failed_title or tr("Detection failed"), tr(
        "The backend refused the request ({kind}): {details}"
    ).format(kind=error.kind, details=error.message)


def failure_level(error: BackendError) -> Qgis.MessageLevel:
    """A cancelled run is information; every other failure is critical."""
    if isinstance(error, RequestCancelledError):
        return Qgis.MessageLevel.Info
    return Qgis.MessageLevel.Critical


def log_level(level: str) -> Qgis.MessageLevel:
    """The message-bar level of a backend log line (``"warning"`` or anything else)."""
    return Qgis.MessageLevel.Warning if level == "warning" else Qgis.MessageLevel.Info


def push_message(iface, title: str, text: str, level: Qgis.MessageLevel) -> None:
    """Show a message on QGIS's message bar (nothing without an interface, e.g. in a script)."""
    bar = iface.messageBar() if iface is not None else None
    if bar is not None:
        transient = level in (Qgis.MessageLevel.Success, Qgis.MessageLevel.Info)
        bar.pushMessage(title, text, level, TRANSIENT_S if transient else 0)
