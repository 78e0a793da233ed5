"""RareSight backend: dense anomaly maps from remote-sensing rasters.

Plain Python (numpy, rasterio); never imports QGIS or Qt. Entry points: :mod:`backend.cli` (the
``raresight`` command) and :func:`backend.scoring.score_to_file`.
"""

__version__ = "0.1.0"
