"""Numbers as the analyst reads them: in the locale's format (decimal comma and digit grouping in
French), with as many digits as a map legend or a label needs."""

from __future__ import annotations

import math

from qgis.PyQt.QtCore import QLocale


def number_text(value: float, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits, in the locale's format; large values as whole
    numbers with digit grouping (``17 122``), tiny ones in scientific notation."""
    locale = QLocale()
    if value is None or not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 10**digits:
        return locale.toString(float(round(value)), "f", 0)
    if magnitude != 0 and magnitude < 1e-3:
        return locale.toString(float(value), "e", max(digits - 1, 0))
    decimals = 0 if magnitude == 0 else max(digits - 1 - int(math.floor(math.log10(magnitude))), 0)
    text = locale.toString(float(value), "f", decimals)
    if decimals and locale.decimalPoint() in text:
        text = text.rstrip("0").rstrip(locale.decimalPoint())
    return text


def rate_text(rate: float) -> str:
    """A share as a percentage in the locale's format: ``1 %``, ``0.1 %``, ``0.001 %``."""
    return QLocale().toString(float(rate) * 100.0, "g", 2) + "\u00a0%"
