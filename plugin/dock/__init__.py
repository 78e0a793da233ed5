"""The RareSight dock: pick layers and a method, detect, then move the threshold and export polygons.

Everything slow runs in the backend worker through :class:`~..tasks.BackendTask`; the dock only
resolves layers to files, sends plain request dicts (:mod:`.requests`), adds the results as layers
and restyles them. The threshold slider works in false-alarm-rate terms from the score's sidecar
calibration and never recomputes anything.

Modules: :mod:`.widgets` (construction), :mod:`.panel` (the dock: methods, runs, tasks),
:mod:`.results` (score layers, slider, polygons), :mod:`.requests`, :mod:`.messages`.
"""

from .messages import error_text
from .panel import RareSightDock

__all__ = ["RareSightDock", "error_text"]
