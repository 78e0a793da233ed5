"""Model cards and the user cache of CLIP weights: what ``checkpoint=`` names.

A model card (``resources/clip_models/<name>.json``, format ``raresight-clip-card/1``) says which
open_clip architecture the weights fit, where they are published (``url``), their ``sha256`` (null
when no published checksum is known), licence, input size, normalisation and citation.

``checkpoint=`` (the method parameter) is resolved by :func:`resolve_checkpoint`:

* empty: the default card, :data:`DEFAULT_MODEL`;
* a card name: the file ``<cache>/<card filename>``, downloaded on first use. A download is checked
  against the card's sha256 while it streams and fails closed: a wrong checksum deletes the partial
  file and raises. A card without sha256 is never downloaded: the user places the file;
* a local file: described by a card beside it (``<file>.json``, which may carry an inline open_clip
  ``model_config``), else by the registry card whose sha256 it matches, else by ``arch=``.

The cache is ``$RARESIGHT_CLIP_CACHE``, else ``$XDG_CACHE_HOME/raresight/clip``, else
``~/.cache/raresight/clip``. Offline (``HF_HUB_OFFLINE=1`` or ``RARESIGHT_OFFLINE=1``, or no network)
a missing file is a one-line error that says which file to place where.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MissingFileError, WeightsError
from ..progress import ProgressCallback, no_progress
from ..weights import check_downloadable, download, file_sha256, is_sha256, user_cache_dir, verify_file_once

log = logging.getLogger(__name__)

CARDS_DIR = Path(__file__).resolve().parents[2] / "resources" / "clip_models"
DEFAULT_MODEL = "remoteclip-vit-b-32"
CARD_FORMAT = "raresight-clip-card/1"
#: How messages about a missing CLIP file name it, and how else to supply it.
LABEL = "CLIP weights"
HINT = "or pass the file with --checkpoint FILE"
#: OpenAI CLIP's normalisation, the default of cards that do not say.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True)
class ModelCard:
    """What RareSight knows about one set of CLIP weights (see the module docstring)."""

    name: str
    architecture: str
    url: str = ""
    filename: str = ""
    sha256: str | None = None
    size_bytes: int | None = None
    licence: str = ""
    input_size_px: int = 224
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD
    citation: str = ""
    title: str = ""
    model_config: dict[str, Any] | None = field(default=None, compare=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "card") -> ModelCard:
        """Validate a card's JSON: required keys, a 64-hex sha256 or null, three-value mean/std."""
        try:
            name, arch = str(d["name"]), str(d["architecture"])
            sha = d.get("sha256")
            if sha is not None and not is_sha256(sha):
                raise ValueError("sha256 must be 64 lower-case hex digits or null")
            mean, std = (
                tuple(float(v) for v in d.get("mean", CLIP_MEAN)),
                tuple(float(v) for v in d.get("std", CLIP_STD)),
            )
            if len(mean) != 3 or len(std) != 3 or min(std) <= 0:
                raise ValueError("mean and std take three values, std > 0")
            config = d.get("model_config")
            if config is not None and not isinstance(config, dict):
                raise ValueError("model_config must be an open_clip model config (an object)")
            return cls(
                name=name,
                architecture=arch,
                url=str(d.get("url") or ""),
                filename=str(d.get("filename") or ""),
                sha256=sha,
                size_bytes=d.get("size_bytes"),
                licence=str(d.get("licence") or ""),
                input_size_px=int(d.get("input_size_px", 224)),
                mean=mean,  # type: ignore[arg-type]
                std=std,  # type: ignore[arg-type]
                citation=str(d.get("citation") or ""),
                title=str(d.get("title") or name),
                model_config=config,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise WeightsError(f"{source} is not a valid CLIP model card: {exc}.") from None

    def summary(self) -> dict[str, Any]:
        """Small JSON-able description for the score sidecar."""
        return {
            "name": self.name,
            "architecture": self.architecture,
            "sha256": self.sha256,
            "licence": self.licence,
            "url": self.url,
        }


@dataclass(frozen=True)
class ResolvedCheckpoint:
    """A weights file on disk and the card that describes it."""

    path: Path
    card: ModelCard
    verified: bool  # True when the file's sha256 was checked against a published checksum


def registry_cards(directory: Path | None = None) -> dict[str, ModelCard]:
    """Every card of the registry, by name."""
    folder = directory or CARDS_DIR
    out = {}
    for path in sorted(folder.glob("*.json")):
        card = ModelCard.from_dict(json.loads(path.read_text(encoding="utf-8")), str(path))
        out[card.name] = card
    return out


def cache_dir() -> Path:
    """Where downloaded weights live (see the module docstring); not created here."""
    return user_cache_dir("RARESIGHT_CLIP_CACHE", "clip")


def find_card(spec: str, arch: str = "", cards_dir: Path | None = None) -> ModelCard:
    """The card of ``checkpoint=spec`` without downloading anything: raises at once (with the same
    messages as :func:`resolve_checkpoint`) when the weights cannot be had, e.g. offline."""
    cards = registry_cards(cards_dir)
    name = spec.strip() or DEFAULT_MODEL
    if name in cards:
        card = cards[name]
        path = cache_dir() / (card.filename or f"{card.name}.pt")
        if not path.is_file():
            check_downloadable(card, path, label=LABEL, hint=HINT)
        return card
    return resolve_checkpoint(spec, arch, cards_dir=cards_dir).card


def resolve_checkpoint(
    spec: str, arch: str = "", progress: ProgressCallback = no_progress, cards_dir: Path | None = None
) -> ResolvedCheckpoint:
    """The weights file and card that ``checkpoint=spec`` names (see the module docstring).

    Raises:
        WeightsError: unknown name, missing file offline, failed or wrong download, unknown weights.
        MissingFileError: ``spec`` looks like a path and no such file exists.
    """
    cards = registry_cards(cards_dir)
    name = spec.strip() or DEFAULT_MODEL
    if name in cards:
        return _cached(cards[name], progress)
    path = Path(name).expanduser()
    if path.is_file():
        return _local(path, arch, cards)
    if path.suffix or os.sep in name:
        raise MissingFileError(
            f"Checkpoint {name} does not exist: give a weights file or one of {', '.join(cards)}."
        )
    raise WeightsError(f"Unknown CLIP model {name!r}: give a weights file or one of {', '.join(cards)}.")


def _cached(card: ModelCard, progress: ProgressCallback) -> ResolvedCheckpoint:
    """The card's file in the cache, downloaded (and verified) when missing."""
    path = cache_dir() / (card.filename or f"{card.name}.pt")
    if not path.is_file():
        download(card, path, label=LABEL, hint=HINT, progress=progress)
        return ResolvedCheckpoint(path, card, True)
    if card.sha256 is None:
        log.warning("%s: no published checksum in card %s; using the file as placed.", path, card.name)
        return ResolvedCheckpoint(path, card, False)
    verify_file_once(path, card.sha256, card.url, f"does not match card {card.name}")
    return ResolvedCheckpoint(path, card, True)


def _local(path: Path, arch: str, cards: dict[str, ModelCard]) -> ResolvedCheckpoint:
    """A file the user named: its own card, a registry card with its checksum, or ``arch=``."""
    sidecar = path.with_name(path.name + ".json")
    if sidecar.is_file():
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise WeightsError(f"{sidecar} is not valid JSON: {exc}.") from None
        card = ModelCard.from_dict(data, str(sidecar))
        if card.sha256 is not None and file_sha256(path) != card.sha256:
            raise WeightsError(f"{path} does not match the sha256 of its card {sidecar}.")
        return ResolvedCheckpoint(path, card, card.sha256 is not None)
    digest = file_sha256(path)
    for card in cards.values():
        if card.sha256 == digest:
            return ResolvedCheckpoint(path, card, True)
    if arch:
        return ResolvedCheckpoint(path, ModelCard(name=path.name, architecture=arch), False)
    raise WeightsError(
        f"{path} is not a known CLIP checkpoint (no registry card has its sha256): say which "
        f"open_clip architecture it is with --param arch=ViT-B-32, or place a card at {sidecar}."
    )
