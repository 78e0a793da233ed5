"""What the dock tells the analyst: backend errors as translated titles and messages, and the
QGIS message bar (tracebacks stay in the log panel).

:class:`MessageBoard` keeps the dock's own messages in order: a new run clears the previous run's
messages, the dock's messages are pushed after QGIS's own task notification (so that they are on
top), and QGIS's "Task complete" notification of a dock task is removed (the dock says more).
"""

from __future__ import annotations

from qgis.core import Qgis, QgsMessageLog
from qgis.gui import QgsMessageBarItem
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QMessageBox, QPushButton

from ..backend_client import BackendError, RequestCancelledError, WorkerCrashedError, WorkerStartError
from ..backend_text import error_note
from ..i18n import tr

#: Seconds a success or information message stays on the message bar (0: until closed).
TRANSIENT_S = 8
LOG_TAG = "RareSight"


def error_text(error: BackendError, failed_title: str | None = None) -> tuple[str, str, str]:
    """A title, a message fit for the analyst (in the user's language, naming the dock's controls,
    without internal names) and the backend's own words as details."""
    if isinstance(error, RequestCancelledError):
        return tr("Cancelled"), tr("The run was cancelled; nothing was added."), ""
    if isinstance(error, WorkerCrashedError):
        return (
            tr("Backend stopped"),
            tr(
                "The backend process stopped unexpectedly; nothing was added. The next run starts a fresh backend."
            ),
            error.message,
        )
    if isinstance(error, WorkerStartError):
        return (
            tr("Backend unavailable"),
            tr(
                "The backend could not be started. Use Set up backend at the top of the dock, or set its Python interpreter under Advanced settings."
            ),
            error.message,
        )
    note = error_note(error.kind, error.message, failed_title or tr("Detection failed"))
    return note.title, note.text, note.details


def failure_level(error: BackendError) -> Qgis.MessageLevel:
    """A cancelled run is information; every other failure is critical."""
    if isinstance(error, RequestCancelledError):
        return Qgis.MessageLevel.Info
    return Qgis.MessageLevel.Critical


def log_level(level: str) -> Qgis.MessageLevel:
    """The message-bar level of a backend log line (``"warning"`` or anything else)."""
    return Qgis.MessageLevel.Warning if level == "warning" else Qgis.MessageLevel.Info


class MessageBoard:
    """The dock's messages on QGIS's message bar (nothing without an interface, e.g. in a script);
    every message also goes to the RareSight log panel with its details."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.items: list = []
        self.watched: set[str] = set()

    def _bar(self):
        return self.iface.messageBar() if self.iface is not None else None

    def watch(self, description: str) -> None:
        """Remove QGIS's own completion notification of the task ``description`` when it comes."""
        self.watched.add(description)

    def clear(self) -> None:
        """Remove the dock's earlier messages."""
        bar = self._bar()
        for item in self.items:
            try:
                if bar is not None:
                    bar.popWidget(item)
            except RuntimeError:  # already closed by the analyst or timed out
                pass
        self.items = []

    def push(self, title: str, text: str, level: Qgis.MessageLevel, details: str = "", action=None) -> None:
        """Show a message after QGIS's pending notifications; ``details`` go behind a Details
        button and to the log panel; ``action`` is ``(button text, callable)``."""
        if details and details != text:  # (QGIS logs the message itself under "Messages")
            QgsMessageLog.logMessage(f"{title}: {text}\n{details}", LOG_TAG, level)
        QTimer.singleShot(0, lambda: self._show_safely(title, text, level, details, action))

    def _show_safely(self, *args) -> None:
        try:
            self._show(*args)
        except Exception as exc:  # noqa: BLE001 - an error in a timer's slot would abort QGIS
            QgsMessageLog.logMessage(f"Cannot show a message: {exc!r}", LOG_TAG, Qgis.MessageLevel.Warning)

    def _show(self, title: str, text: str, level, details: str, action) -> None:
        bar = self._bar()
        if bar is None:
            return
        self._drop_task_notifications(bar)
        transient = level in (Qgis.MessageLevel.Success, Qgis.MessageLevel.Info) and action is None
        duration = TRANSIENT_S if transient else 0
        if not hasattr(bar, "pushItem"):  # a bar without items (a test's stand-in)
            bar.pushMessage(title, text, level, duration)
            return
        item = QgsMessageBarItem(title, text, level, duration)
        if details and details != text:
            more = QPushButton(tr("Details"))
            more.setToolTip(tr("The backend's own message (also in the RareSight log panel)."))
            more.clicked.connect(lambda: self._show_details(title, details))
            item.layout().addWidget(more)
        if action is not None:
            button = QPushButton(action[0])
            button.clicked.connect(action[1])
            item.layout().addWidget(button)
        bar.pushItem(item)
        self.items.append(item)

    def _show_details(self, title: str, details: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, details)
        box.exec_()

    def _drop_task_notifications(self, bar) -> None:
        """Pop QGIS's "Task complete"/"Task failed" items of the dock's own tasks."""
        if not self.watched:
            return
        try:
            items = list(bar.items())
        except AttributeError:
            return
        for item in items:
            try:
                if item.text() in self.watched:
                    bar.popWidget(item)
            except RuntimeError:
                pass
