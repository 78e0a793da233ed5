"""Pretrained encoder weights: cards, the user cache, verified downloads.

A card (``resources/encoders/<name>.json``, format ``raresight-encoder-card/1``) lists the files of
one released encoder, each with its published URL, SHA-256 and size, plus licence and citation.

:func:`resolve_encoder` turns a name or a folder into a folder whose files all match the card:

* a card name (``galileo-nano``): ``<dir>/<name>/`` of the first folder of
  ``$RARESIGHT_ENCODER_PATH`` (read-only folders of provisioned weights, separated by ``os.pathsep``:
  an offline site's share, an evaluation data set's ``weights/``) that holds every file with its
  published sha256; else ``<cache>/<name>/``, where missing files are downloaded (checked against
  their sha256 as they stream; a wrong file is deleted, nothing unverified is loaded);
* a folder the user names: its files must match a card's checksums (the released weights), so
  that a score always says which weights made it.

The cache is ``$RARESIGHT_ENCODER_CACHE``, else ``$XDG_CACHE_HOME/raresight/encoders``, else
``~/.cache/raresight/encoders``. Offline (``HF_HUB_OFFLINE=1`` or ``RARESIGHT_OFFLINE=1``) a missing
file is a one-line :class:`~backend.errors.WeightsError` saying which file to place where;
:func:`encoder_available` asks the same question without raising or downloading.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import WeightsError
from ..progress import ProgressCallback, no_progress, scaled
from ..weights import (
    check_downloadable,
    download,
    holds,
    is_sha256,
    provisioned_dirs,
    user_cache_dir,
    verify_file,
)

CARDS_DIR = Path(__file__).resolve().parents[2] / "resources" / "encoders"
CARD_FORMAT = "raresight-encoder-card/1"
LABEL = "encoder weights"


@dataclass(frozen=True)
class FileCard:
    """One published file of an encoder (what :func:`~backend.weights.download` needs)."""

    name: str
    url: str
    sha256: str
    size_bytes: int | None = None


@dataclass(frozen=True)
class EncoderCard:
    name: str
    architecture: str
    files: tuple[FileCard, ...]
    licence: str = ""
    citation: str = ""
    title: str = ""

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "card") -> EncoderCard:
        try:
            if d.get("format") != CARD_FORMAT:
                raise ValueError(f"format must be {CARD_FORMAT}")
            files = []
            for fname, f in d["files"].items():
                sha = str(f["sha256"])
                if not is_sha256(sha):
                    raise ValueError(f"{fname}: sha256 must be 64 lower-case hex digits")
                files.append(FileCard(str(fname), str(f["url"]), sha, f.get("size_bytes")))
            return cls(
                name=str(d["name"]),
                architecture=str(d["architecture"]),
                files=tuple(files),
                licence=str(d.get("licence") or ""),
                citation=str(d.get("citation") or ""),
                title=str(d.get("title") or d["name"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise WeightsError(f"{source} is not a valid encoder card: {exc}.") from None

    def sha256(self, filename: str) -> str:
        return next(f.sha256 for f in self.files if f.name == filename)

    def summary(self) -> dict[str, Any]:
        """Small JSON-able description for model cards and score sidecars."""
        return {
            "name": self.name,
            "architecture": self.architecture,
            "sha256": {f.name: f.sha256 for f in self.files},
            "licence": self.licence,
            "citation": self.citation,
        }


def encoder_cards(directory: Path | None = None) -> dict[str, EncoderCard]:
    """Every card of the registry, by name."""
    out = {}
    for path in sorted((directory or CARDS_DIR).glob("*.json")):
        card = EncoderCard.from_dict(json.loads(path.read_text(encoding="utf-8")), str(path))
        out[card.name] = card
    return out


def cache_dir() -> Path:
    """Where downloaded encoders live (see the module docstring); not created here."""
    return user_cache_dir("RARESIGHT_ENCODER_CACHE", "encoders")


def provisioned(card: EncoderCard) -> Path | None:
    """The first ``$RARESIGHT_ENCODER_PATH`` folder ``<dir>/<name>/`` that holds ``card``'s released
    files, or None."""
    for d in provisioned_dirs("RARESIGHT_ENCODER_PATH"):
        if holds(d / card.name, card.files):
            return d / card.name
    return None


def _hint(card: EncoderCard) -> str:
    return f"or give a folder that holds the released {card.name} files with --param encoder=FOLDER"


def _card(name: str, cards_dir: Path | None) -> EncoderCard:
    cards = encoder_cards(cards_dir)
    if name not in cards:
        raise WeightsError(
            f"Unknown encoder {name!r}: give one of {', '.join(cards)} or a folder of its files."
        )
    return cards[name]


def encoder_available(name: str, cards_dir: Path | None = None) -> tuple[bool, str]:
    """(True, "") when :func:`resolve_encoder` can give ``name``'s folder now (cached, or allowed to
    download); else (False, why). Nothing is downloaded; only provisioned folders are hashed."""
    card = _card(name, cards_dir)
    if provisioned(card) is not None:
        return True, ""
    folder = cache_dir() / card.name
    try:
        for f in card.files:
            if not (folder / f.name).is_file():
                check_downloadable(f, folder / f.name, label=LABEL, hint=_hint(card))
    except WeightsError as exc:
        return False, str(exc)
    return True, ""


def resolve_encoder(
    spec: str, progress: ProgressCallback = no_progress, cards_dir: Path | None = None
) -> tuple[Path, EncoderCard]:
    """The verified folder and card of ``spec`` (a card name or a folder; see the module docstring).

    Raises:
        WeightsError: unknown name, missing file offline, failed download, files that are not the
            released ones.
    """
    path = Path(spec).expanduser()
    if path.is_dir():
        return path, _card_of_folder(path, encoder_cards(cards_dir))
    card = _card(spec.strip(), cards_dir)
    ready = provisioned(card)
    if ready is not None:
        return ready, card
    folder = cache_dir() / card.name
    for i, f in enumerate(card.files):
        dest = folder / f.name
        if not dest.is_file():
            part = scaled(progress, i / len(card.files), (i + 1) / len(card.files))
            download(f, dest, label=LABEL, hint=_hint(card), progress=part)
        else:
            verify_file(dest, f.sha256, f.url, f"is not the released {card.name} file")
    return folder, card


def _card_of_folder(folder: Path, cards: dict[str, EncoderCard]) -> EncoderCard:
    """The card whose every file is in ``folder`` with its published checksum."""
    for card in cards.values():
        if holds(folder, card.files):
            return card
    wanted = "; ".join(f"{c.name}: {', '.join(f.name for f in c.files)}" for c in cards.values())
    raise WeightsError(
        f"{folder} does not hold the released files of a known encoder (checked by sha256; {wanted})."
    )
