"""The backend's errors and warnings as the analyst should read them in the dock: in their language,
naming the dock's controls instead of command-line flags, without internal class names.

The backend words its messages for the command line (``--reference``, ``--param encoder=FOLDER``).
Known messages get a translated text of their own (:data:`_KNOWN`, matched by pattern); the others
keep the backend's wording, with every command-line term replaced by the dock control it stands for
(:func:`for_the_dock`), inside a translated frame. The backend's original message is always kept as
the details (the message bar's "More" and the log panel).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .i18n import dock_language_is_english, tr

#: Actions a note can offer (the dock knows how to carry them out).
OPEN_ENCODER_SETTING = "encoder"


@dataclass(frozen=True)
class Note:
    """A message for the dock: a title, a short text, the backend's own words as details, and an
    optional action (see :data:`OPEN_ENCODER_SETTING`)."""

    title: str
    text: str
    details: str = ""
    action: str = ""


def _terms() -> list[tuple[str, str]]:
    """Command-line terms and the dock control each stands for (longest first)."""
    return [
        (r"--param encoder=FOLDER", tr("Advanced settings > Encoder weights")),
        (r"--param fuse\.KEY=VALUE", tr("the Other parameters field (fuse.KEY=VALUE)")),
        (r"--param KEY=VALUE", tr("the Other parameters field")),
        (r"--param", tr("the Other parameters field")),
        (r"--reference", tr("the Reference box")),
        (r"--threshold", tr("the threshold slider")),
        (r"--false-alarm-rate", tr("the false-alarm rate slider")),
        (r"--model", tr("the Model box")),
        (r"--prompt", tr("the Prompt box")),
        (r"--negative", tr("the Negative prompt box")),
        (r"--checkpoint", tr("the CLIP checkpoint box")),
        (r"--fuse", tr("Combine with anomaly method")),
        (r"--tile-size", tr("Advanced settings > Tile size")),
        (r"--device", tr("Advanced settings > Device")),
        (r"--time-budget", tr("the Training time limit")),
        (r"--min-area-m2", tr("Minimum area")),
        (r"raresight score", tr("Detect anomalies")),
        (r"raresight fit", tr("Train model")),
        (r"re-run raresight score", tr("run the detection again")),
    ]


def for_the_dock(message: str) -> str:
    """``message`` with command-line terms replaced by the dock controls they stand for."""
    terms = sorted(_terms(), key=lambda t: -len(t[0]))
    for term, control in terms:
        message = re.sub(re.escape(term) + r"(?![\w-])", control, message)
    return message


def _known() -> list[tuple[re.Pattern, str]]:
    """Backend messages that get a text of their own; ``{0}``, ``{1}``... are the pattern's groups."""
    pattern = re.compile
    return [
        (
            pattern(r"Method (\S+) compares two dates"),
            tr("{0} compares two dates: choose the pre-event image as Reference."),
        ),
        (
            pattern(r"Unknown parameter\(s\) ([^:]+): this method takes (.*)\."),
            tr("Unknown parameter {0} in Other parameters; this method takes {1}."),
        ),
        (
            pattern(r"Parameter (\w+)=(.+) is not (?:a whole number|a number|true or false|text|valid)\."),
            tr("The parameter {0}={1} is not valid: check its value in Other parameters."),
        ),
        (
            pattern(r"Input (.+) does not exist"),
            tr("The file {0} no longer exists: check the layer's source."),
        ),
        (
            pattern(r"(\S+) does not overlap the first target"),
            tr("{0} does not cover the same area as the image: choose layers of the same place."),
        ),
        (
            pattern(r"Reference (\S+) has (\d+) band\(s\) but target (\S+) has (\d+)"),
            tr("The reference {0} has {1} band(s) but the image {2} has {3}: choose a reference from the same sensor, with the same bands."),
        ),
        (
            pattern(r"(\S+) is \d+x\d+ px and the inputs are not all georeferenced"),
            tr("{0} has another size than the image and the layers are not all georeferenced, so they cannot be aligned: georeference them, or use images of one size."),
        ),
        (
            pattern(r"(\S+) holds complex values"),
            tr("{0} holds complex values (e.g. SAR SLC): convert it to intensity or amplitude first (e.g. with the Raster Calculator), or use the Processing algorithm's \"Complex (SLC) inputs read as\" option."),
        ),
        (
            pattern(r"Input (.+) is not a raster GDAL can read"),
            tr("QGIS's layer {0} cannot be read by the backend: export it as a GeoTIFF (right-click > Export > Save As...) and use that."),
        ),
        (
            pattern(r"Cannot read (\S+) \(.*\): the file is truncated or damaged"),
            tr("{0} is truncated or damaged: check the file, or export the layer again."),
        ),
        (
            pattern(r"(\d+) target raster\(s\) but (\d+) reference raster\(s\)"),
            tr("{0} image(s) but {1} reference(s): choose one reference per image (Reference for the image, Second reference for the second image)."),
        ),
        (
            pattern(r"no CUDA GPU is visible"),
            tr("No NVIDIA GPU is available to the backend: set Advanced settings > Device to Automatic or CPU."),
        ),
        (
            pattern(r"Output folder (.+) (?:does not exist|cannot be written to|is a file)"),
            tr("The output folder {0} cannot be used: choose another Output folder."),
        ),
        (
            pattern(r"Cannot write (\S+) .*check free disk space"),
            tr("{0} could not be written: check the free disk space of the output folder."),
        ),
        (
            pattern(r"Output (\S+) (?:is the input|exists)"),
            tr("{0} cannot be written: it is an input or an existing file that RareSight does not replace; choose another Output folder."),
        ),
        (
            pattern(r"holds no valid pixel|share almost no valid pixel"),
            tr("The chosen images have (almost) no valid pixel in common: check the layers, their overlap and their no-data values."),
        ),
    ]  # fmt: skip


def _first_match(table: list[tuple[re.Pattern, str]], message: str) -> str | None:
    """The text of the first pattern of ``table`` that ``message`` matches, filled with its groups."""
    for pattern, template in table:
        match = pattern.search(message)
        if match:
            return template.format(*match.groups())
    return None


def error_note(kind: str, message: str, failed_title: str) -> Note:
    """A refused or failed request's note (``kind`` is the backend's error type, never shown)."""
    text = _first_match(_known(), message)
    if text is not None:
        return Note(failed_title, text, message)
    if kind in ("InternalError", "ProtocolError"):
        return Note(
            failed_title,
            tr(
                "The backend met an unexpected problem; nothing was added. The details are in the RareSight log panel."
            ),
            message,
        )
    if not dock_language_is_english():  # the backend speaks English: its words go behind Details
        return Note(
            failed_title,
            tr("The backend refused the run; its message (in English) is under Details."),
            message,
        )
    return Note(failed_title, for_the_dock(message), message)


def _known_warnings() -> list[tuple[re.Pattern, str]]:
    """Backend warnings that get a text of their own (groups as in :func:`_known`)."""
    pattern = re.compile
    return [
        (
            pattern(r"Some inputs are not georeferenced"),
            tr("Some layers are not georeferenced: they are taken to share the image's pixel grid."),
        ),
        (
            pattern(r"Score raster .* has no CRS: areas and tolerances are in pixels"),
            tr("The layer has no CRS: polygon areas and the minimum area are in pixels."),
        ),
        (
            pattern(r"The optical targets lack (.+): the (\S+) map uses SAR only"),
            tr("The optical image lacks {0}: the {1} map uses the SAR image only."),
        ),
        (
            pattern(r"No blue and red bands: clouds cannot be masked"),
            tr("The image has no blue and red bands: clouds cannot be masked."),
        ),
        (
            pattern(r"Method (\S+) takes no (\w+): .* is ignored"),
            tr("{0} does not use the {1}: it is ignored."),
        ),
        (
            pattern(r"The target and the reference are identical"),
            tr("The image and the reference are identical: nothing changed, so nothing is shown."),
        ),
        (
            pattern(r"Every valid pixel (?:of the target )?has the same (?:value|score)"),
            tr("Every valid pixel has the same value: nothing stands out, so nothing is shown."),
        ),
        (
            pattern(r"(\d+%) of the target's valid pixels have one value \(([^)]*)\)"),
            tr("{0} of the image's valid pixels have one value ({1}): if it is fill, set it as the layer's no-data value (Layer Properties > Transparency), or the other scores are skewed."),
        ),
        (
            pattern(r"([\d.]+%) of the valid pixels share the score (\S+) .*the mask flags ([\d.]+%)"),
            tr("{0} of the valid pixels share the score {1} (a constant area, or fill without a no-data value?): at this false-alarm rate only {2} of the pixels are shown."),
        ),
    ]  # fmt: skip


def warning_note(message: str) -> Note:
    """A warning the backend logged during a run."""
    text = _first_match(_known_warnings(), message)
    if text is not None:
        return Note(tr("Note from the backend"), text, message)
    if "without the pretrained encoder expert" in message:
        return Note(
            tr("Made without the encoder"),
            tr(
                "The map was made without the pretrained encoder: its weights are not on this computer and could not be downloaded. Choose the folder that holds them under Advanced settings > Encoder weights, then run again."
            ),
            message,
            OPEN_ENCODER_SETTING,
        )
    if not dock_language_is_english():
        return Note(
            tr("Note from the backend"),
            tr("The backend noted something about this run (in English, under Details)."),
            message,
        )
    return Note(tr("Note from the backend"), for_the_dock(message), message)
