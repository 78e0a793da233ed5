"""Progress reporting and cancellation, passed down as plain callbacks.

Long work never prints: it calls a :data:`ProgressCallback` with a fraction in [0, 1] and a short
stage name, and polls a :class:`CancelToken`. The CLI plugs in :class:`ConsoleProgressBar`; the
QGIS worker plugs in a callback that writes JSON lines.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Collection
from typing import TextIO

from .errors import CancelledError

ProgressCallback = Callable[[float, str], None]


def no_progress(fraction: float, stage: str) -> None:
    """A progress callback that does nothing."""


class CancelToken:
    """A thread-safe flag that long-running work polls between tiles."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def __reduce__(self):
        # A token does not travel: another process (a cluster's worker) gets a fresh one; the
        # sender cancels the work it handed out itself.
        return (CancelToken, ())

    def raise_if_cancelled(self) -> None:
        """Raise :class:`CancelledError` once :meth:`cancel` has been called."""
        if self._event.is_set():
            raise CancelledError("Cancelled by the user; no output was written.")


def scaled(callback: ProgressCallback, start: float, stop: float) -> ProgressCallback:
    """Map a sub-task's [0, 1] progress onto [start, stop] of ``callback``."""

    def report(fraction: float, stage: str) -> None:
        callback(start + (stop - start) * min(max(fraction, 0.0), 1.0), stage)

    return report


#: A stage's estimate of the time left appears once the stage has run this long (and moved).
ETA_AFTER_S = 2.0

#: The stages of :func:`backend.scoring.score_to_file`'s passes over the whole raster (the target's
#: scores, then the reference's for a holdout calibration). The fit before them takes a share of the
#: run's time that depends on the method and the raster's size (about half of a 1 MP run, a fifth
#: of a 100 MP one), so a score run's time left is estimated in these stages only.
PASS_STAGES = ("scoring", "calibrating")


class RunEta:
    """Seconds left of a run, at the pace of its current stage: the share of the run still to do
    divided by the share done per second since the stage's first step. ``None`` until the stage has
    run :data:`ETA_AFTER_S` past that step and moved. The first step is left out of the pace because
    it carries the stage's start-up: the scoring pass scores its first tile alone, before its pool of
    threads starts (:mod:`backend.parallel`), so a pace that included it would put the end too late.

    The long runs spend their time in a few long stages (training, then scoring; the scoring pass of
    a whole scene dominates), and :func:`backend.scoring.score_to_file` gives each pass a share of
    the run in proportion to its work, so that from the first seconds of the scoring pass the
    estimate says when the map will be written. During an earlier stage it assumes the rest goes
    at that stage's pace, unless ``stages`` names the stages whose pace holds to the end of the run
    (e.g. :data:`PASS_STAGES`): then other stages give no estimate."""

    def __init__(
        self, clock: Callable[[], float] | None = None, stages: Collection[str] | None = None
    ) -> None:
        self._clock = clock or time.monotonic
        self._stages = None if stages is None else frozenset(stages)
        self._stage: str | None = None
        self._t0 = self._f0 = 0.0
        self._stepped = False  # the current stage has made its first step

    def __call__(self, fraction: float, stage: str) -> float | None:
        now = self._clock()
        if stage != self._stage or (not self._stepped and fraction > self._f0):
            self._stepped = stage == self._stage
            self._stage, self._t0, self._f0 = stage, now, fraction
            return None
        elapsed, done = now - self._t0, fraction - self._f0
        if elapsed < ETA_AFTER_S or done <= 0 or (self._stages is not None and stage not in self._stages):
            return None
        return max(0.0, 1.0 - fraction) * elapsed / done


def format_duration(seconds: float) -> str:
    """``45 s``, ``3 min 05 s``, ``2 h 07 min``."""
    s = int(round(max(seconds, 0.0)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


class ConsoleProgressBar:
    """A one-line progress bar on stderr, redrawn at most 10 times a second.

    Draws only when ``stream`` is a terminal (or ``force`` is set), so logs and pipes stay clean.
    The time left is :class:`RunEta`'s, in the stages ``eta_stages`` (None: every stage).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        force: bool = False,
        width: int = 30,
        eta_stages: Collection[str] | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = force or bool(getattr(self.stream, "isatty", lambda: False)())
        self.width = width
        self._last_draw = 0.0
        self._start = time.monotonic()
        self._drawn = False
        self._eta = RunEta(stages=eta_stages)

    def __call__(self, fraction: float, stage: str) -> None:
        if not self.enabled:
            return
        left = self._eta(fraction, stage)
        now = time.monotonic()
        if fraction < 1.0 and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        fraction = min(max(fraction, 0.0), 1.0)
        filled = int(round(fraction * self.width))
        elapsed = now - self._start
        bar = "#" * filled + "-" * (self.width - filled)
        eta = f", {format_duration(left)} left" if left is not None and fraction < 1.0 else ""
        self.stream.write(f"\r{stage[:24]:<24} [{bar}] {fraction * 100:5.1f}% {elapsed:6.1f}s{eta:<18}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
