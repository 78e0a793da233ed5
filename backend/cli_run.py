"""How one ``raresight`` command runs: GDAL's and numpy's own messages kept off stderr, the run's
warnings held until it ends, SIGTERM handled like Ctrl-C, and every failure turned into one line on
stderr and an exit code (``--debug`` shows everything as it comes, tracebacks included).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

from .errors import RareSightError

LOG_FORMAT = "raresight: %(levelname)s: %(message)s"


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command ``args.func(args)`` with the run's logging; return its exit code."""
    held = None if args.debug or args.command == "worker" else _HeldWarnings()
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format=LOG_FORMAT,
        handlers=[held] if held is not None else None,
        force=held is not None,
    )
    rc = 1
    try:
        rc = _run(args)
    finally:
        if held is not None:
            held.finish(rc == 0)
            logging.getLogger().removeHandler(held)
    return rc


class Terminated(BaseException):
    """SIGTERM, raised in the main thread like Ctrl-C's KeyboardInterrupt (temporary files go)."""


def _terminate(signum, frame) -> NoReturn:
    raise Terminated


def _quiet_libraries(debug: bool) -> Callable[[], None]:
    """GDAL's and numpy's own messages go to the debug log, never raw onto stderr; returns the undo
    of the GDAL error handler."""
    logging.captureWarnings(True)
    level = logging.DEBUG if debug else logging.CRITICAL
    for name in ("py.warnings", "rasterio", "osgeo", "fiona"):
        logging.getLogger(name).setLevel(level)
    gdal_log = logging.getLogger("raresight.gdal")
    try:
        from osgeo import gdal
    except ImportError:
        return lambda: None

    def handler(err_class: int, err_no: int, message: str) -> None:
        gdal_log.debug("GDAL %s %s: %s", err_class, err_no, " ".join(str(message).split()))

    gdal.PushErrorHandler(handler)
    return gdal.PopErrorHandler


class _HeldWarnings(logging.Handler):
    """Holds the run's warnings until it ends: printed after a success, dropped after a failure,
    whose one error line says what matters (``--debug`` shows everything as it comes)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def finish(self, succeeded: bool) -> None:
        if succeeded:
            for line in self.lines:
                print(line, file=sys.stderr)
        self.lines.clear()


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; every failure becomes one line on stderr and an exit code."""
    restore_gdal = _quiet_libraries(args.debug)
    previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None
    try:
        return int(args.func(args))
    except RareSightError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"raresight: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("raresight: interrupted; no output was written.", file=sys.stderr)
        return 130
    except Terminated:
        print("raresight: terminated; no output was written.", file=sys.stderr)
        return 143
    except MemoryError:
        print(
            "raresight: error: not enough memory for this raster: close other programs, or use a "
            "smaller area or --tile-size; no output was written.",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:  # noqa: BLE001 - last resort: one line, never a traceback
        if args.debug:
            traceback.print_exc()
        print(
            f"raresight: internal error: {type(exc).__name__}: {exc} (re-run with --debug and report it)",
            file=sys.stderr,
        )
        return 1
    finally:
        restore_gdal()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
