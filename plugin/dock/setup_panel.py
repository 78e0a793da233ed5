"""The dock's Set up backend panel: shown instead of an error when no backend environment is found,
when the plugin's requirements changed (Update backend), or when the chosen method needs a profile
that is not installed. The set-up itself (:mod:`..setup_backend.installer`) runs in a
:class:`SetupTask`, with its log, progress, and Cancel."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from qgis.core import QgsTask
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from .. import settings
from ..i18n import tr
from ..setup_backend.installer import SetupCancelledError, SetupError, SetupOptions, set_up
from ..setup_backend.paths import backend_venv, read_stamp
from ..setup_backend.profiles import DISK_MIB, PROFILES, requirements_hash

#: Log lines kept in the panel (the whole log goes to QGIS's log panel too).
LOG_LINES = 400


def installed(venv: Path | None = None) -> dict | None:
    """The stamp of the set-up backend environment (None when there is none)."""
    return read_stamp(venv or backend_venv())


def needs_update(stamp: dict | None) -> bool:
    """True when the installed environment's requirements differ from this plugin's."""
    if not stamp or stamp.get("profile") not in PROFILES:
        return False
    return stamp.get("requirements") != requirements_hash(stamp["profile"], stamp.get("device", "cpu"))


def covers(stamp: dict | None, profile: str) -> bool:
    """True when the installed profile includes ``profile``'s packages."""
    order = list(PROFILES)
    return (
        bool(stamp)
        and stamp.get("profile") in order
        and order.index(stamp["profile"]) >= order.index(profile)
    )


class SetupTask(QgsTask):
    """Runs :func:`~..setup_backend.installer.set_up` in a background thread; ``lineLogged``
    carries each log line to the main thread."""

    lineLogged = pyqtSignal(str)  # noqa: N815 - Qt naming

    def __init__(self, options: SetupOptions, on_done) -> None:
        super().__init__(tr("RareSight: setting up the backend"), QgsTask.Flag.CanCancel)
        self.options, self.on_done = options, on_done
        self.hello: dict | None = None
        self.error: str | None = None
        self.cancelled_by_user = False

    def run(self) -> bool:  # background thread: no widgets here
        try:
            self.hello = set_up(self.options, log=self.lineLogged.emit, cancelled=self.isCanceled)
            return True
        except SetupCancelledError as exc:
            self.cancelled_by_user, self.error = True, str(exc)
        except SetupError as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - never let a bug escape into QGIS's task manager
            self.error = f"{type(exc).__name__}: {exc}"
        return False

    def finished(self, ok: bool) -> None:  # main thread
        if not ok and self.error is None:
            self.cancelled_by_user, self.error = True, tr("Cancelled: what was installed is kept.")
        self.on_done(self.hello, self.error, self.cancelled_by_user)


class SetupPanel(QGroupBox):
    """Profile, device, space needed, Set up / Update, Cancel, progress and the log."""

    #: Emitted with the new backend's ``hello`` once the set-up succeeded.
    backendReady = pyqtSignal(object)  # noqa: N815

    def __init__(self, find_gpu=None, parent=None) -> None:
        super().__init__(tr("Set up backend"), parent)
        self.task: SetupTask | None = None
        self._find_gpu = find_gpu  # () -> GPU name or None, asked once, when the panel first shows
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        self.profile_combo = QComboBox()
        for profile, label in (
            ("core", tr("Core: classical methods and spectral prompts")),
            ("generative", tr("Generative: adds diffusion and flow (PyTorch)")),
            ("clip", tr("CLIP: adds the CLIP prompt maps")),
        ):
            self.profile_combo.addItem(label, profile)
        self.profile_combo.setToolTip(tr("Each profile includes the ones above it; you can add one later."))
        self.device_combo = QComboBox()
        self.device_combo.addItem(tr("CPU"), "cpu")
        self.device_combo.setToolTip(tr("GPU is offered when an NVIDIA GPU and its driver are found."))
        self.space_label = QLabel()
        self.space_label.setWordWrap(True)
        form.addRow(tr("Profile"), self.profile_combo)
        form.addRow(tr("Device"), self.device_combo)
        form.addRow(tr("Disk space"), self.space_label)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.setup_button = QPushButton(tr("Set up backend"))
        self.setup_button.setToolTip(
            tr("Download and install the backend's Python packages into {folder}.").format(
                folder=str(backend_venv())
            )
        )
        self.cancel_setup_button = QPushButton(tr("Cancel"))
        self.cancel_setup_button.setToolTip(tr("Stop the set-up; what was installed is kept."))
        buttons.addWidget(self.setup_button, 1)
        buttons.addWidget(self.cancel_setup_button)
        layout.addLayout(buttons)
        self.setup_progress = QProgressBar()
        self.setup_progress.setRange(0, 1)
        self.setup_progress.setValue(0)
        self.setup_progress.setTextVisible(False)
        layout.addWidget(self.setup_progress)
        self.setup_status = QLabel()
        self.setup_status.setWordWrap(True)
        layout.addWidget(self.setup_status)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LINES)
        self.log_view.setMaximumHeight(120)
        self.log_view.setToolTip(tr("What the installer does, line by line."))
        layout.addWidget(self.log_view)
        self.profile_combo.currentIndexChanged.connect(self._update_space)
        self.device_combo.currentIndexChanged.connect(self._update_space)
        self.setup_button.clicked.connect(self.start)
        self.cancel_setup_button.clicked.connect(self.cancel)
        self._describe(None, None)
        self._set_running(False)

    # -- what the panel says --------------------------------------------------------------------

    def show_for(self, stamp: dict | None, profile: str | None = None) -> None:
        """Say why the panel is shown: no backend yet, an update, or a profile the method needs."""
        if self._find_gpu is not None:  # (nvidia-smi runs only where the panel is needed)
            gpu_name, self._find_gpu = self._find_gpu(), None
            if gpu_name:
                self.device_combo.addItem(tr("GPU (NVIDIA {name})").format(name=gpu_name), "cuda")
                self.device_combo.setCurrentIndex(1)
        self._describe(stamp, profile)

    def _describe(self, stamp: dict | None, profile: str | None) -> None:
        if profile:
            self.profile_combo.setCurrentIndex(max(self.profile_combo.findData(profile), 0))
        if stamp and needs_update(stamp):
            self.intro.setText(
                tr(
                    "This plugin version needs other backend packages than the ones installed. Update them to continue."
                )
            )
            self.setup_button.setText(tr("Update backend"))
            self.profile_combo.setCurrentIndex(max(self.profile_combo.findData(stamp.get("profile")), 0))
        elif stamp and profile and not covers(stamp, profile):
            self.intro.setText(tr("The chosen method needs more packages: add the profile below."))
            self.setup_button.setText(tr("Set up backend"))
        else:
            self.intro.setText(
                tr(
                    "RareSight runs its detections in its own Python environment, which is not set up yet. Choose what to install; it goes to your user folder and survives plugin updates."
                )
            )
            self.setup_button.setText(tr("Set up backend"))
        self._update_space()

    def _update_space(self, *_args) -> None:
        profile = self.profile_combo.currentData() or "core"
        device = self.device_combo.currentData() or "cpu"
        need = DISK_MIB[(profile, device)]
        home = backend_venv().parent
        probe = home if home.exists() else Path.home()
        free = shutil.disk_usage(probe).free / 2**20
        text = tr("about {need} needed, {free} free").format(need=_size(need), free=_size(free))
        self.space_label.setText(text if free >= need else text + " " + tr("(not enough)"))

    # -- running --------------------------------------------------------------------------------

    def options(self) -> SetupOptions:
        return SetupOptions(
            venv=backend_venv(),
            profile=self.profile_combo.currentData() or "core",
            device=self.device_combo.currentData() or "cpu",
        )

    def start(self) -> None:
        from qgis.core import QgsApplication

        if self.task is not None:
            return
        self.log_view.clear()
        self.setup_status.setText(tr("Setting up… this can take several minutes."))
        self.task = SetupTask(self.options(), self._done)
        self.task.lineLogged.connect(self._log)
        self._set_running(True)
        QgsApplication.taskManager().addTask(self.task)

    def cancel(self) -> None:
        if self.task is not None:
            self.setup_status.setText(tr("Cancelling…"))
            self.task.cancel()

    def _log(self, line: str) -> None:
        self.log_view.appendPlainText(line)

    def _done(self, hello: dict | None, error: str | None, cancelled: bool) -> None:
        self.task = None
        self._set_running(False)
        if hello is not None:
            self.setup_status.setText(tr("The backend is ready."))
            record = {k: hello.get(k) for k in ("version", "python", "numpy", "rasterio", "gdal", "devices")}
            settings.set_value("backend", json.dumps({**(installed() or {}), "hello": record}))
            self.backendReady.emit(hello)
        elif cancelled:
            self.setup_status.setText(
                tr("Cancelled: what was installed is kept, and Set up resumes from there.")
            )
        else:
            self.setup_status.setText(tr("The set-up failed: {reason}").format(reason=error or ""))

    def _set_running(self, running: bool) -> None:
        self.setup_button.setEnabled(not running)
        self.cancel_setup_button.setEnabled(running)
        self.profile_combo.setEnabled(not running)
        self.device_combo.setEnabled(not running)
        self.setup_progress.setRange(0, 0 if running else 1)  # busy while running
        self.setup_progress.setValue(0)


def _size(mib: float) -> str:
    return tr("{n:.1f} GB").format(n=mib / 1024) if mib >= 1024 else tr("{n:.0f} MB").format(n=mib)
