"""Set up the backend's Python environment from PyPI wheels, without Qt (the dock runs it in a
task; ``scripts/install_backend.py`` from a terminal).

1. Find a Python >= 3.10 that can make a virtual environment: the configured one, else QGIS's
   own where it is a full Python (Windows, macOS), else ``python3`` from the PATH.
2. Make the environment in the user's data folder (:func:`.paths.backend_venv`), outside the
   plugin folder, so that it survives plugin upgrades.
3. Install the profile's pinned requirements with ``uv`` when it is on the PATH, else pip, one
   log line at a time. A rerun resumes (what is installed is kept); cancel stops the installer.
4. Ask the new environment's worker for ``hello`` (versions, GDAL, devices) and write the stamp
   (:func:`.paths.read_stamp`) that tells a later plugin whether its requirements changed.

Offline and corporate sites give a wheelhouse folder (``--no-index --find-links``) or an index
URL (their mirror). Network failures (SSL interception, a proxy, no route) end in one message that
says what to do (:func:`explain`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import venv_python, write_stamp
from .profiles import check_profile, requirement_lines, requirements_hash

#: PyTorch's own wheel indexes: the CPU build (a few hundred MB instead of PyPI's CUDA build of
#: several GB on Linux) and the CUDA build (PyPI's Windows wheels are CPU only).
TORCH_INDEX = {
    "cpu": "https://download.pytorch.org/whl/cpu",
    "cuda": "https://download.pytorch.org/whl/cu130",
}
MIN_PYTHON = (3, 10)
#: Seconds to wait for an answer from a candidate Python or an index.
PROBE_TIMEOUT_S = 20.0
POLL_S = 0.2

LogFn = Callable[[str], None]
CancelledFn = Callable[[], bool]


class SetupError(Exception):
    """The set-up failed; the message says what to do."""


class SetupCancelledError(SetupError):
    """The user cancelled; what was installed is kept and a rerun resumes."""


@dataclass(frozen=True)
class SetupOptions:
    """What to install and from where. ``python``: the interpreter to make the environment from
    (None: found); ``wheelhouse``: a folder of wheels (offline: no index is used); ``index_url``:
    a package index in place of PyPI; ``torch_index``: PyTorch's index for torch ("" for none,
    None for :data:`TORCH_INDEX`, used only when reachable and neither of the two is given)."""

    venv: Path
    profile: str = "core"
    device: str = "cpu"
    python: str | None = None
    wheelhouse: Path | None = None
    index_url: str | None = None
    torch_index: str | None = None


def set_up(
    options: SetupOptions, log: LogFn = print, cancelled: CancelledFn = lambda: False
) -> dict[str, Any]:
    """Make or update the environment; return the worker's ``hello`` (also in the stamp)."""
    check_profile(options.profile, options.device)
    base = find_python(options.python, log)
    python = ensure_venv(base, options.venv, log, cancelled)
    install(python, options, log, cancelled)
    hello = verify(python, log)
    write_stamp(options.venv, {
        "profile": options.profile, "device": options.device,
        "requirements": requirements_hash(options.profile, options.device),
        "python": hello.get("python"), "installed": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "versions": {k: hello.get(k) for k in ("version", "numpy", "rasterio", "gdal")},
        "devices": hello.get("devices"),
    })  # fmt: skip
    log(f"Backend ready: RareSight {hello.get('version')}, Python {hello.get('python')}, GDAL {hello.get('gdal')}, "
        f"devices {', '.join(hello.get('devices') or ['cpu'])}.")  # fmt: skip
    return hello


# -- 1. a Python --------------------------------------------------------------------------------


def python_candidates(configured: str | None = None) -> list[str]:
    """Interpreters to try, best first: the configured one, the Python QGIS runs on (a full
    Python on Windows and macOS; the system one on Linux), then python3 / python on the PATH."""
    out = [configured] if configured else []
    for prefix in dict.fromkeys([sys.base_prefix, sys.exec_prefix]):
        root = Path(prefix)
        out += [str(root / "python.exe"), str(root / "bin" / "python3")]
    out += [p for p in (shutil.which("python3"), shutil.which("python")) if p]
    seen: dict[str, None] = {}
    return [c for c in out if c and not (c in seen or seen.setdefault(c, None))]


def find_python(configured: str | None = None, log: LogFn = print) -> str:
    """The first candidate that is Python >= 3.10 with the ``venv`` module."""
    tried = []
    for candidate in python_candidates(configured):
        if not (os.path.isfile(candidate) or shutil.which(candidate)):
            continue
        version = _python_version(candidate)
        tried.append(f"{candidate} ({'.'.join(map(str, version)) if version else 'not a usable Python'})")
        if version and version >= MIN_PYTHON:
            log(f"Using Python {'.'.join(map(str, version))} at {candidate}.")
            return candidate
        if configured and candidate == configured:
            raise SetupError(f"The configured Python {configured} is not Python 3.10 or newer with venv.")
    raise SetupError(
        "No Python 3.10 or newer with venv was found (tried: "
        + (", ".join(tried) or "none")
        + "). Install Python 3.10+ (python.org, or your system's python3 and python3-venv) and choose it."
    )


def _python_version(python: str) -> tuple[int, ...] | None:
    code = "import sys, venv; print('%d.%d' % sys.version_info[:2])"
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    try:
        return tuple(int(x) for x in out.stdout.strip().split("."))
    except ValueError:
        return None


# -- 2. the environment -------------------------------------------------------------------------


def ensure_venv(base: str, venv: Path, log: LogFn, cancelled: CancelledFn) -> str:
    """The environment's interpreter, making the environment first when it has none that runs."""
    python = venv_python(venv)
    if python.is_file() and _python_version(str(python)):
        log(f"Updating the backend environment at {venv}.")
        return str(python)
    if venv.exists() and any(venv.iterdir()) and not (venv / "pyvenv.cfg").is_file():
        raise SetupError(f"{venv} exists and is not a Python environment: choose another folder.")
    log(f"Creating the backend environment at {venv}.")
    venv.parent.mkdir(parents=True, exist_ok=True)
    run_logged([base, "-m", "venv", str(venv)], log, cancelled)
    if not python.is_file():
        raise SetupError(f"Could not create the environment at {venv}: no interpreter appeared in it.")
    return str(python)


# -- 3. the packages ----------------------------------------------------------------------------


def install_command(python: str, options: SetupOptions, uv: str | None = None) -> list[str]:
    """The pip (or ``uv pip``) command that installs the profile into ``python``'s environment."""
    reqs = requirement_lines(options.profile, options.device)
    if uv:
        cmd = [uv, "pip", "install", "--python", python]
    else:
        cmd = [python, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
    if options.wheelhouse:
        cmd += ["--no-index", "--find-links", str(options.wheelhouse)]
    elif options.index_url:
        cmd += ["--index-url", options.index_url]
    if not options.wheelhouse and options.profile != "core":
        torch_index = _torch_index(options)
        if torch_index:
            cmd += ["--extra-index-url", torch_index]
    return cmd + reqs


def _torch_index(options: SetupOptions) -> str | None:
    index = TORCH_INDEX[options.device] if options.torch_index is None else options.torch_index
    if not index:
        return None
    try:
        urllib.request.urlopen(index + "/", timeout=PROBE_TIMEOUT_S / 4).close()
    except OSError:
        return None
    return index


def install(python: str, options: SetupOptions, log: LogFn, cancelled: CancelledFn) -> None:
    uv = shutil.which("uv")
    cmd = install_command(python, options, uv)
    log(f"Installing the {options.profile} profile ({options.device}) with {'uv' if uv else 'pip'}.")
    lines = run_logged(cmd, log, cancelled, check=False)
    if _returncode(lines) != 0:
        raise SetupError(explain(lines) or f"Installing the packages failed: {_last_error(lines)}")


# -- 4. the check -------------------------------------------------------------------------------


def verify(python: str, log: LogFn) -> dict[str, Any]:
    """The new environment's worker ``hello``; raises :class:`SetupError` when it does not start."""
    from ..backend_client import BackendClient, BackendError

    log("Checking the backend.")
    client = BackendClient(interpreter=python)
    try:
        return client.hello()
    except BackendError as exc:
        raise SetupError(f"The backend does not start in the new environment: {exc.message}") from None
    finally:
        client.close()


# -- processes and messages ---------------------------------------------------------------------

_RC = "\x00rc="


def run_logged(cmd: Sequence[str], log: LogFn, cancelled: CancelledFn, check: bool = True) -> list[str]:
    """Run ``cmd``, passing each output line to ``log``; return the lines (the last one is the exit
    status marker). Raises :class:`SetupCancelledError` when ``cancelled()`` turns true (the process is
    stopped) and, with ``check``, :class:`SetupError` on a failure."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PIP_NO_INPUT": "1"}
    try:
        proc = subprocess.Popen(
            list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, bufsize=1
        )
    except OSError as exc:
        raise SetupError(f"Cannot run {cmd[0]}: {exc}") from None
    lines: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            if line:
                lines.append(line)
                log(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    while proc.poll() is None:
        if cancelled():
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            reader.join(timeout=5)
            raise SetupCancelledError("Cancelled: what was installed is kept, and Set up resumes from there.")
        time.sleep(POLL_S)
    reader.join(timeout=30)
    if check and proc.returncode != 0:
        raise SetupError(explain(lines) or f"{Path(cmd[0]).name} failed: {_last_error(lines)}")
    return [*lines, f"{_RC}{proc.returncode}"]


def _returncode(lines: list[str]) -> int:
    return int(lines[-1][len(_RC) :]) if lines and lines[-1].startswith(_RC) else 1


def _last_error(lines: list[str]) -> str:
    text = [line for line in lines if not line.startswith(_RC)]
    errors = [line for line in text if "error" in line.lower()]
    return (errors or text or ["no output"])[-1][:300]


#: (what the output says, what to tell the user), first match wins.
_FAILURES = (
    (("CERTIFICATE_VERIFY_FAILED", "SSLError", "SSL: ", "certificate verify failed"),
     "The download was refused by an SSL check (often a company proxy that inspects HTTPS). Ask your IT "
     "for the company's package mirror and give it as the index URL, or give a folder of wheels."),
    (("ProxyError", "407 Proxy Authentication", "Tunnel connection failed"),
     "A proxy blocked the download. Set HTTPS_PROXY (e.g. http://user:password@proxy:8080) before starting "
     "QGIS, or give your company's package mirror as the index URL, or a folder of wheels."),
    (("Temporary failure in name resolution", "Name or service not known", "getaddrinfo failed",
      "Network is unreachable", "NewConnectionError", "Max retries exceeded", "timed out", "ConnectTimeout"),
     "The package index cannot be reached (no internet, or a firewall). Connect to the internet, or give a "
     "package mirror as the index URL, or a folder of wheels prepared on another machine "
     "(pip download -r <profile requirements> -d WHEELS)."),
    (("ensurepip is not available", "No module named ensurepip"),
     "This Python cannot make environments with pip. On Debian or Ubuntu install python3-venv "
     "(sudo apt install python3-venv), or choose another Python 3.10+."),
    (("No space left on device",),
     "The disk is full: free some space (see the space needed for the profile) and set up again."),
    (("No matching distribution found", "Could not find a version that satisfies"),
     "A pinned package is not available for this Python or system from the index used. Use Python 3.10 "
     "to 3.13, or check that the index URL or the wheel folder holds every package of the profile."),
)  # fmt: skip


def explain(lines: Sequence[str]) -> str | None:
    """One message that says what to do about a known failure in an installer's output."""
    text = "\n".join(lines)
    for needles, message in _FAILURES:
        if any(n in text for n in needles):
            return message
    return None
