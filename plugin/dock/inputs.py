"""Which layers the dock proposes as the image and the reference, and how it names a result.

A pre/post pair loaded pre first would otherwise run backwards (QGIS's layer boxes pick the first
layer loaded). The proposal orders the project's rasters by acquisition date, read from the file's
metadata or, failing that, from a date in the file or layer name; without dates it proposes
nothing and says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from qgis.core import QgsProject, QgsRasterLayer

from ..catalogue import wording
from ..i18n import tr
from ..layers import file_path

#: Metadata items that hold an acquisition date or time (GDAL's default and IMAGERY domains).
DATE_KEYS = (
    "ACQUISITIONDATETIME",
    "ACQUISITION_DATE",
    "ACQUISITION_START_TIME",
    "SENSING_TIME",
    "SENSING_START",
    "DATATAKE_1_DATATAKE_SENSING_START",
    "PRODUCT_START_TIME",
    "DATETIME",
    "START_DATETIME",
    "DATE",
    "TIFFTAG_DATETIME",
)
_ISO = re.compile(r"((?:19|20)\d\d)[-:/]?(0[1-9]|1[0-2])[-:/]?(0[1-9]|[12]\d|3[01])")


def parse_date(text: str) -> dt.date | None:
    """The first plausible date (``YYYY-MM-DD``, ``YYYYMMDD``, ``YYYY:MM:DD``...) in ``text``."""
    for match in _ISO.finditer(text or ""):
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None


def acquisition_date(layer: QgsRasterLayer) -> dt.date | None:
    """The layer's acquisition date: from its file's metadata, else from its file or layer name."""
    path = file_path(layer)
    if path is not None:
        try:
            from osgeo import gdal

            dataset = gdal.Open(path)
        except Exception:  # noqa: BLE001 - GDAL missing or the file unreadable: try the names
            dataset = None
        if dataset is not None:
            items = {}
            for domain in ("", "IMAGERY"):
                items.update({k.upper(): v for k, v in (dataset.GetMetadata(domain) or {}).items()})
            dataset = None
            for key in DATE_KEYS:
                date = parse_date(items.get(key, ""))
                if date is not None:
                    return date
    for text in (path or "", layer.name()):
        date = parse_date(text.rsplit("/", 1)[-1])
        if date is not None:
            return date
    return None


@dataclass(frozen=True)
class Proposal:
    target: QgsRasterLayer | None
    reference: QgsRasterLayer | None
    note: str


def propose_inputs(layers: Iterable) -> Proposal:
    """The image and reference to propose among ``layers`` (score layers are left out), and a note
    for the analyst when there is a choice to make."""
    from ..styling import is_score_layer

    rasters = [
        layer
        for layer in layers
        if isinstance(layer, QgsRasterLayer) and layer.isValid() and not is_score_layer(layer)
    ]
    if len(rasters) < 2:
        return Proposal(rasters[0] if rasters else None, None, "")
    dated = [(acquisition_date(layer), i, layer) for i, layer in enumerate(rasters)]
    known = sorted((d, i, layer) for d, i, layer in dated if d is not None)
    if len(known) < 2:
        return Proposal(
            None,
            None,
            tr(
                "The acquisition dates could not be read: check that the Image is the later (post-event) image and the Reference the earlier one."
            ),
        )
    latest_date, _, target = known[-1]
    bands = target.bandCount()
    earlier = [(d, layer) for d, _, layer in known if d < latest_date and layer.bandCount() == bands]
    if not earlier:
        return Proposal(
            target,
            None,
            tr("{image} is the latest image ({date}).").format(
                image=target.name(), date=latest_date.isoformat()
            ),
        )
    ref_date, reference = earlier[-1]
    return Proposal(
        target,
        reference,
        tr(
            "By acquisition date: {reference} ({before}) is the reference, {image} ({after}) the image."
        ).format(
            reference=reference.name(),
            before=ref_date.isoformat(),
            image=target.name(),
            after=latest_date.isoformat(),
        ),
    )


def result_name(choices, when) -> str:
    """A score layer's name: the method, the prompt, the inputs and the time of the run."""
    method = wording(choices.method).short
    targets = " + ".join(
        layer.name() for layer in (choices.target, choices.second_target) if layer is not None
    )
    refs = " + ".join(layer.name() for layer in choices.references)
    inputs = tr("{images} vs {references}").format(images=targets, references=refs) if refs else targets
    stamp = f"{when.tm_hour:02d}:{when.tm_min:02d}"
    if choices.prompt:
        return tr("{method} \u201c{prompt}\u201d: {inputs} ({time})").format(
            method=method, prompt=choices.prompt, inputs=inputs, time=stamp
        )
    return tr("{method}: {inputs} ({time})").format(method=method, inputs=inputs, time=stamp)


class InputsPanel:
    """Behaviour of the Inputs group, mixed into the dock: the proposed image and reference, the
    line that says how they were chosen, and Detect enabled only when a method has what it needs.

    Uses the dock's ``target_combo``, ``reference_combo``, ``pair_hint``, ``input_rows``,
    ``run_button``, ``task`` and ``current_method``.
    """

    _chosen_by_hand = False

    def _chosen(self, *_args) -> None:
        self._chosen_by_hand = True

    def _layers_added(self, layers) -> None:
        from .. import styling

        if any(not styling.is_score_layer(layer) for layer in layers):
            self.propose_inputs()

    def propose_inputs(self) -> None:
        """Propose the image and reference from the project's rasters: the latest acquisition as
        the image and the one before as the reference, when the metadata or names give dates;
        otherwise say that the order is the analyst's to check. Choices made by hand are kept."""
        if self._chosen_by_hand or self.task is not None:
            return
        proposal = propose_inputs(QgsProject.instance().mapLayers().values())
        if proposal.target is not None:
            self.target_combo.setLayer(proposal.target)
        if proposal.reference is not None and self.reference_combo.currentLayer() is None:
            self.reference_combo.setLayer(proposal.reference)
        self._pair_note = proposal.note
        self._update_pair_hint()
        self._update_run_enabled()

    _pair_note = ""

    def _update_pair_hint(self, *_args) -> None:
        """Say how the pre/post order was chosen when it matters: a method that compares dates,
        or a reference chosen."""
        relevant = (
            bool(self.current_method().get("needs_reference"))
            or self.reference_combo.currentLayer() is not None
        )
        self.pair_hint.setText(self._pair_note)
        self.input_rows.show({"pair_hint": bool(self._pair_note) and relevant})

    def _update_run_enabled(self, *_args) -> None:
        """Detect needs an image, and a reference for a method that compares two dates."""
        method = self.current_method()
        missing = bool(method.get("needs_reference")) and self.reference_combo.currentLayer() is None
        self.run_button.setEnabled(self.task is None and not missing)
        if missing:
            self.run_button.setToolTip(
                tr("{method} compares two dates: choose the pre-event image as Reference first.").format(
                    method=wording(method).title
                )
            )
        else:
            self.run_button.setToolTip(
                tr(
                    "Run the chosen method on the chosen images in the background and add the result to the map."
                )
            )
