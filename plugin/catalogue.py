"""What the dock says about each method, in the analyst's language: the task it serves, a plain
name, a one-line description, what its score means and in which unit, and the few parameters that
get their own widgets.

The backend's ``methods.json`` stays the source of what a method *can* do (needs a reference, takes
a prompt, trains a model); this module only words it. A method it does not know (a newer backend)
is shown by its code and the backend's English summary.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import tr

#: The tasks the method box groups methods by, in display order.
CHANGE, SINGLE, PROMPT = "change", "single", "prompt"
TASKS = (CHANGE, SINGLE, PROMPT)


def task_title(task: str) -> str:
    return {
        CHANGE: tr("Changes between two dates"),
        SINGLE: tr("Unusual in one image"),
        PROMPT: tr("Find what I describe"),
    }[task]


def task_of(method: dict) -> str:
    """The task a method serves: prompt methods find what is described; methods that need a
    reference compare two dates; the others find what is unusual in one image (given a reference,
    the generative ones also compare dates)."""
    if method.get("uses_prompt"):
        return PROMPT
    if method.get("needs_reference"):
        return CHANGE
    return SINGLE


@dataclass(frozen=True)
class Wording:
    """How the dock words one method."""

    title: str
    description: str
    #: What the score measures and its unit, for the legend and the layer abstract.
    score: str
    #: A short name for layer names.
    short: str = ""


def wording(method: dict) -> Wording:
    """The method's plain name, description and score meaning (translated)."""
    name = method.get("name", "?")
    known = _known().get(name)
    if known is not None:
        return known
    return Wording(name, method.get("summary", ""), tr("score (higher = more anomalous)"), name)


def _known() -> dict[str, Wording]:
    return {
        "rx": Wording(
            tr("RX (global)"),
            tr(
                "Pixels far from the scene's usual spectra (Mahalanobis distance to the scene's mean and covariance). Fast; a classical baseline."
            ),
            tr("squared Mahalanobis distance (no unit)"),
            "RX",
        ),
        "lrx": Wording(
            tr("RX (local window)"),
            tr("Pixels unlike the ring of pixels around them: small targets against their surroundings."),
            tr("squared Mahalanobis distance to the surrounding ring (no unit)"),
            tr("Local RX"),
        ),
        "cva": Wording(
            tr("Change vector (optical)"),
            tr(
                "Size of the spectral change between the reference and the image, each date standardised band by band."
            ),
            tr("change magnitude (standard deviations)"),
            "CVA",
        ),
        "logratio": Wording(
            tr("SAR log-ratio"),
            tr("Change in SAR backscatter between the reference and the image (smoothed log-ratio)."),
            tr("absolute log-ratio of intensities (natural log)"),
            tr("SAR log-ratio"),
        ),
        "gauss-ref": Wording(
            tr("Gaussian model of the change (any sensors)"),
            tr(
                "Predicts the image from the reference, even from another sensor (e.g. SAR against optical), and flags what the prediction misses."
            ),
            tr("squared Mahalanobis distance of the residual (no unit)"),
            "Gauss-ref",
        ),
        "diffusion": Wording(
            tr("Diffusion model (learned)"),
            tr(
                "A small generative model of normal imagery, trained on the image (and the reference when given) without labels; flags what it cannot reconstruct. Slower; the best maps on most scenes."
            ),
            tr("reconstruction error relative to normal pixels (no unit)"),
            "Diffusion",
        ),
        "flow": Wording(
            tr("Flow-matching model (learned)"),
            tr(
                "Like the diffusion model, with a flow-matching network: a generative model of normal imagery trained without labels."
            ),
            tr("reconstruction error relative to normal pixels (no unit)"),
            tr("Flow matching"),
        ),
        "spectral": Wording(
            tr("Spectral rules (water, burn, bare soil...)"),
            tr(
                "Published index rules for the prompt (flood/water, burn scar, vegetation loss, bare soil, cloud); no model to download. Positive = like the prompt."
            ),
            tr("margin of the index rule (index units; above 0 = like the prompt)"),
            tr("Spectral"),
        ),
        "clip": Wording(
            tr("CLIP similarity"),
            tr(
                "Dense similarity between image patches and the prompt, against the negative prompt (CLIP, training-free)."
            ),
            tr("prompt similarity (higher = more like the prompt)"),
            "CLIP",
        ),
        "gradcam": Wording(
            tr("CLIP Grad-CAM"),
            tr("Where CLIP looks when it tells the prompt from the negative prompt (Grad-CAM)."),
            tr("prompt relevance (higher = more like the prompt)"),
            "Grad-CAM",
        ),
        "gscorecam": Wording(
            tr("CLIP gScoreCAM"),
            tr("Where CLIP looks when it tells the prompt from the negative prompt (gScoreCAM)."),
            tr("prompt relevance (higher = more like the prompt)"),
            "gScoreCAM",
        ),
    }


@dataclass(frozen=True)
class KeyParameter:
    """A parameter that gets its own widget: a choice among values, or a number in a range."""

    name: str
    label: str
    tooltip: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    minimum: float = 0.0
    maximum: float = 0.0
    step: float = 0.0
    decimals: int = 0
    #: The methods it is offered for (empty: every method that has it).
    only: tuple[str, ...] = ()
    #: The field shows the value times this (100: a share as a percentage), with this suffix.
    scale: float = 1.0
    suffix: str = ""


def key_parameters(method: dict) -> list[KeyParameter]:
    """The few parameters of ``method`` that matter most to an analyst (each one the method has),
    in display order; every other parameter stays in the free-text Parameters field."""
    params = method.get("parameters") or {}
    table = [
        KeyParameter(
            "fit_fraction",
            tr("Fit on"),
            tr("Share of the most typical pixels the normal model is fit on. 100 %: all pixels (the classical RX); 50 %: robust when the event covers a large part of the scene."),
            minimum=10, maximum=100, step=5, scale=100.0, suffix=" %",
        ),
        KeyParameter(
            "steps",
            tr("Training steps"),
            tr("Training steps of the generative model: fewer is faster, more fits normal imagery better."),
            minimum=20, maximum=20000, step=100,
        ),
        KeyParameter(
            "time_budget_s",
            tr("Training time limit"),
            tr("Stop training after this many seconds (0: no limit)."),
            minimum=0, maximum=86400, step=30, suffix=" s",
        ),
        KeyParameter(
            "smooth_px",
            tr("Smoothing"),
            tr("Smoothing window in pixels before comparing the dates (speckle filter for SAR)."),
            minimum=0, maximum=51, step=2, only=("logratio",), suffix=" px",
        ),
        KeyParameter(
            "outer_px",
            tr("Window"),
            tr("Outer window side in pixels: the surroundings each pixel is compared with."),
            minimum=5, maximum=101, step=2, suffix=" px",
        ),
    ]  # fmt: skip
    name = method.get("name")
    return [p for p in table if p.name in params and (not p.only or name in p.only)]
