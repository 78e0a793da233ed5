"""One exception hierarchy for the whole backend.

Every error that can reach an analyst derives from :class:`RareSightError` and carries a one-line
message saying what was expected, what arrived and what to do. Each class also inherits the matching
builtin (as rasterio does), so generic ``except ValueError`` / ``except OSError`` code still works.
The CLI prints ``message`` alone (no traceback unless ``--debug``) and exits with ``exit_code``; the
plugin maps ``code`` to a translated message.
"""

from __future__ import annotations


class RareSightError(Exception):
    """Base class of every error the backend reports to a user."""

    code = "error"
    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = " ".join(str(message).split())  # always one line

    def __str__(self) -> str:
        return self.message


class InputError(RareSightError, ValueError):
    """An input raster or parameter is missing, unreadable or inconsistent."""

    code = "bad_input"


class MissingFileError(InputError, FileNotFoundError):
    """A named input file does not exist."""

    code = "missing_file"


class NotARasterError(InputError):
    """A file exists but GDAL cannot read it as a raster."""

    code = "not_a_raster"


class AlignmentError(InputError):
    """Rasters cannot be put on one grid (no overlap, no georeference and different sizes)."""

    code = "no_overlap"


class BandMismatchError(InputError):
    """Target and reference rasters do not have matching band counts."""

    code = "band_mismatch"


class EmptyDataError(InputError):
    """A raster (or the overlap of all rasters) holds no valid pixel."""

    code = "no_data"


class MethodError(InputError):
    """An unknown method, or a method used without the inputs it needs."""

    code = "bad_method"


class WeightsError(InputError):
    """Model weights are missing, unverifiable, corrupt, unsafe to load, or do not fit the model."""

    code = "bad_weights"


class OutputError(RareSightError, OSError):
    """An output cannot be written (folder missing, not writable, disk full)."""

    code = "bad_output"


class CalibrationError(InputError):
    """A score raster has no usable calibration sidecar, or a false-alarm rate is out of range."""

    code = "no_calibration"


class CancelledError(RareSightError):
    """The run was cancelled by the user; nothing was written."""

    code = "cancelled"
    exit_code = 130
