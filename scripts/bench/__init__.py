"""Helpers shared by the benchmark scripts (scripts/benchmarks.py, scripts/bench_*.py).

- :mod:`bench.rasters`: synthetic test rasters (written once, with a fixed seed);
- :mod:`bench.runner`: the ``raresight`` command in a child process, timed, with its peak memory;
- :mod:`bench.doc`: the header of a generated section and the marked sections of docs/BENCHMARKS.md;
- :mod:`bench.events`: synthetic events pasted into a target, for the breakdown benchmark.

The scripts run from the repository root with ``scripts/`` on ``sys.path`` (Python puts a script's
folder there), so they import ``bench.*``, after putting the repository root on ``sys.path`` for
``backend``.
"""

from __future__ import annotations

from pathlib import Path

#: The repository root (the plugin folder).
ROOT = Path(__file__).resolve().parents[2]
#: The benchmark document the scripts regenerate.
DOC = ROOT / "docs" / "BENCHMARKS.md"
