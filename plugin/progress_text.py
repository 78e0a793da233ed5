"""What the dock and the Processing log say while the backend works: the stage and the time left."""

from __future__ import annotations

from .i18n import tr


def _stage_names() -> dict[str, str]:
    """The backend's stage names (``backend.progress`` callers) in the user's language."""
    return {
        "reading fit data": tr("Reading the fit data"),
        "training": tr("Training"),
        "fitting the encoder expert": tr("Fitting the encoder expert"),
        "scoring": tr("Scoring"),
        "calibrating": tr("Calibrating"),
        "embedding": tr("Embedding"),
        "masking": tr("Masking"),
        "polygonizing": tr("Polygonizing"),
        "done": tr("Done"),
    }


def duration_text(seconds: float) -> str:
    """``45 s``, ``3 min 05 s``, ``2 h 07 min``."""
    s = int(round(max(seconds, 0.0)))
    if s < 60:
        return tr("{seconds} s").format(seconds=s)
    if s < 3600:
        return tr("{minutes} min {seconds} s").format(minutes=s // 60, seconds=f"{s % 60:02d}")
    return tr("{hours} h {minutes} min").format(hours=s // 3600, minutes=f"{(s % 3600) // 60:02d}")


def stage_text(stage: str, eta_s: float | None) -> str:
    """The stage, with the time left once the backend can estimate it."""
    name = _stage_names().get(stage, stage)
    if eta_s is None:
        return name
    return tr("{stage}: about {time} left").format(stage=name, time=duration_text(eta_s))
