"""SHA-256 checks of weights files against the checksums published in their cards."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from ..errors import WeightsError

CHUNK_BYTES = 1 << 20
_DIGESTS: dict[tuple[str, int, int], str] = {}


class PublishedFile(Protocol):
    """A file of a card: its name in its folder and its published checksum."""

    name: str
    sha256: str


def is_sha256(text: object) -> bool:
    """Whether ``text`` is a checksum as the cards write it: 64 lower-case hex digits."""
    return isinstance(text, str) and len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks (remembered per path, size and mtime)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK_BYTES):
                h.update(chunk)
        _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def holds(folder: Path, files: Iterable[PublishedFile]) -> bool:
    """Whether ``folder`` holds every one of ``files`` with its published sha256."""
    return all((folder / f.name).is_file() and file_sha256(folder / f.name) == f.sha256 for f in files)


def verify_file(path: Path, sha256: str, url: str, mismatch: str) -> None:
    """Raise :class:`WeightsError` unless ``path`` has the published ``sha256``; ``mismatch`` says
    what a wrong file is ("does not match card X") and ``url`` where the right one is."""
    digest = file_sha256(path)
    if digest != sha256:
        raise WeightsError(
            f"{path} {mismatch} (sha256 {digest}, expected {sha256}): "
            f"delete it and run again to download {url}, or place the right file there."
        )


def verify_file_once(path: Path, sha256: str, url: str, mismatch: str) -> None:
    """:func:`verify_file`, remembered across runs by a stamp beside the file (size, time, hash),
    so that a large cached file is hashed once, not at every start of the worker."""
    stamp = path.with_name(path.name + ".sha256")
    st = path.stat()
    key = {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    try:
        if json.loads(stamp.read_text(encoding="utf-8")) == key:
            return
    except (OSError, ValueError):
        pass
    verify_file(path, sha256, url, mismatch)
    try:
        stamp.write_text(json.dumps(key), encoding="utf-8")
    except OSError:
        pass
