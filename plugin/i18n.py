"""Translations of the plugin's user-visible strings.

Every string an analyst can see goes through :func:`tr` with a literal argument, so that
``scripts/i18n.py`` can find it. Translations live in ``i18n/raresight_<lang>.ts`` (the source of
truth, edited by hand or in Qt Linguist) and are compiled to ``.qm`` files that
:func:`install_translator` loads for QGIS's locale.
"""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

#: Translation context of every plugin string.
CONTEXT = "RareSight"
I18N_DIR = Path(__file__).resolve().parents[1] / "i18n"


def tr(message: str) -> str:
    """``message`` in the user's language (unchanged when there is no translation)."""
    return QCoreApplication.translate(CONTEXT, message)


def qgis_locale() -> str:
    """The two-letter language QGIS runs in: the user's override when set, else the system's."""
    try:
        from qgis.core import QgsSettings

        settings = QgsSettings()
        override = settings.value("locale/overrideFlag", False, type=bool)
        user = settings.value("locale/userLocale", "", type=str) or ""
    except Exception:  # noqa: BLE001 - settings unreadable: fall back to the system locale
        override, user = False, ""
    name = user if (override and user) else QLocale().name()
    return (name or "en")[:2].lower()


def dock_language_is_english() -> bool:
    """True when the plugin speaks English: QGIS's language is English or has no translation."""
    lang = qgis_locale()
    return lang == "en" or not (I18N_DIR / f"raresight_{lang}.qm").is_file()


def install_translator(locale: str | None = None) -> QTranslator | None:
    """Load and install ``raresight_<lang>.qm`` for ``locale`` (QGIS's by default).

    Returns the installed translator (keep it alive, and remove it on unload), or None when the
    language has no compiled translation (English, the source language, needs none).
    """
    lang = (locale or qgis_locale())[:2].lower()
    qm = I18N_DIR / f"raresight_{lang}.qm"
    if lang == "en" or not qm.is_file():
        return None
    translator = QTranslator()
    if not translator.load(str(qm)):
        return None
    QCoreApplication.installTranslator(translator)
    return translator


def remove_translator(translator: QTranslator | None) -> None:
    if translator is not None:
        QCoreApplication.removeTranslator(translator)
