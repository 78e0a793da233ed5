"""Where weights live: the user's cache, and read-only folders of provisioned weights.

The cache of one kind of weights is ``$<env_var>`` when set, else ``$XDG_CACHE_HOME/raresight/<kind>``,
else ``~/.cache/raresight/<kind>``. Provisioned folders (an offline site's share, an evaluation data
set's ``weights/``) are listed in an environment variable such as ``RARESIGHT_ENCODER_PATH``,
separated by ``os.pathsep``; RareSight reads them and never writes there.
"""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir(env_var: str, kind: str) -> Path:
    """``$env_var`` when set, else ``$XDG_CACHE_HOME/raresight/<kind>``, else
    ``~/.cache/raresight/<kind>``: where downloaded weights of one kind live (not created here)."""
    explicit = os.environ.get(env_var)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "raresight" / kind


def provisioned_dirs(env_var: str) -> list[Path]:
    """The read-only folders of provisioned weights listed in ``$env_var``, in order."""
    return [Path(d).expanduser() for d in os.environ.get(env_var, "").split(os.pathsep) if d.strip()]
