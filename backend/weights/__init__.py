"""Weights files shared by the model packages (:mod:`backend.clip`, :mod:`backend.pretrained`).

* :mod:`.download`: verified streaming downloads that fail closed, and the offline switch;
* :mod:`.verify`: SHA-256 checks against the checksums published in the cards;
* :mod:`.folders`: the user's cache and the provisioned read-only folders.

The cards themselves (which files, their URLs and checksums) belong to each model package.
"""

from __future__ import annotations

from .download import DownloadCard, check_downloadable, download, downloads_disabled
from .folders import provisioned_dirs, user_cache_dir
from .verify import PublishedFile, file_sha256, holds, is_sha256, verify_file, verify_file_once

__all__ = [
    "DownloadCard",
    "PublishedFile",
    "check_downloadable",
    "download",
    "downloads_disabled",
    "file_sha256",
    "holds",
    "is_sha256",
    "provisioned_dirs",
    "user_cache_dir",
    "verify_file",
    "verify_file_once",
]
