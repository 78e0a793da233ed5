"""Verified streaming downloads of weights; fail closed.

A download streams into a temporary file beside its destination while its SHA-256 is computed, and
is renamed into place only when the checksum matches the card's: a wrong checksum deletes the
partial file and raises a one-line :class:`~backend.errors.WeightsError`, so nothing unverified is
ever loaded. A card without a checksum is never downloaded. ``HF_HUB_OFFLINE=1`` or
``RARESIGHT_OFFLINE=1`` turn downloads off (``file://`` URLs, local copies, stay allowed).
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Protocol

from ..errors import WeightsError
from ..progress import ProgressCallback, no_progress
from .verify import CHUNK_BYTES


class DownloadCard(Protocol):
    """What a download needs from a card: the file's name, published URL, checksum and size."""

    name: str
    url: str
    sha256: str | None
    size_bytes: int | None


def downloads_disabled() -> bool:
    """True when the environment asks for no network (HF_HUB_OFFLINE or RARESIGHT_OFFLINE)."""
    return any(
        os.environ.get(k, "").strip().lower() in ("1", "true", "yes", "on")
        for k in ("HF_HUB_OFFLINE", "RARESIGHT_OFFLINE")
    )


def download(
    card: DownloadCard, dest: Path, *, label: str, hint: str, progress: ProgressCallback = no_progress
) -> None:
    """Download ``card.url`` to ``dest``, verifying its sha256 as it streams; fail closed.

    ``label`` names what the file is in messages ("CLIP weights"), ``hint`` says how else to supply
    it ("or pass the file with --checkpoint FILE"). ``file://`` URLs are local copies and are
    allowed offline.

    Raises:
        WeightsError: no checksum in the card, downloads disabled or impossible, wrong checksum (the
            partial file is deleted first).
    """
    check_downloadable(card, dest, label=label, hint=hint)
    where = _where(card, dest, hint)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        digest = _stream(card, tmp, progress)
        if digest != card.sha256:
            raise WeightsError(
                f"Download of {card.url} failed its checksum (sha256 {digest}, expected {card.sha256}); "
                "the file was deleted and nothing was loaded."
            )
        os.replace(tmp, dest)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise WeightsError(f"Could not download {label} {card.name} ({reason}): {where}.") from None
    finally:
        tmp.unlink(missing_ok=True)


def check_downloadable(card: DownloadCard, dest: Path, *, label: str, hint: str) -> None:
    """Raise :class:`WeightsError` when ``card`` must not or cannot be downloaded to ``dest`` now."""
    if card.sha256 is None:
        raise WeightsError(
            f"{label} {card.name} are not in the cache and their card has no published "
            f"checksum, so RareSight does not download them: {_where(card, dest, hint)}."
        )
    if downloads_disabled() and not card.url.startswith("file:"):
        raise WeightsError(
            f"{label} {card.name} are not in the cache and downloads are off (offline): "
            f"{_where(card, dest, hint)}."
        )


def _where(card: DownloadCard, dest: Path, hint: str) -> str:
    return f"download {card.url} and place it at {dest}, {hint}"


def _stream(card: DownloadCard, tmp: Path, progress: ProgressCallback) -> str:
    """Copy ``card.url`` into ``tmp``; return the sha256 of what arrived."""
    from .. import __version__

    request = urllib.request.Request(card.url, headers={"User-Agent": f"raresight/{__version__}"})
    h = hashlib.sha256()
    done = 0
    with urllib.request.urlopen(request, timeout=60) as response, open(tmp, "wb") as out:
        total = int(response.headers.get("Content-Length") or card.size_bytes or 0)
        while chunk := response.read(CHUNK_BYTES):
            out.write(chunk)
            h.update(chunk)
            done += len(chunk)
            progress(done / total if total else 0.0, f"downloading {card.name}")
    return h.hexdigest()
