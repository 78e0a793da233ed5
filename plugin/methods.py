"""The method list shipped with the plugin (``resources/methods.json``, written by
``raresight methods --json``): read once, and the one place that says what a method can do."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

METHODS_FILE = Path(__file__).resolve().parents[1] / "resources" / "methods.json"
#: Shown when the bundled list cannot be read (a damaged install).
FALLBACK = ({"name": "rx", "summary": "Global Reed-Xiaoli", "needs_reference": False, "uses_prompt": False},)


@lru_cache(maxsize=1)
def _read() -> tuple[dict, ...]:
    try:
        with open(METHODS_FILE, encoding="utf-8") as f:
            methods = json.load(f)
        found = tuple(m for m in methods if isinstance(m, dict) and isinstance(m.get("name"), str))
    except (OSError, ValueError, TypeError):
        found = ()
    return found or FALLBACK


def bundled_methods() -> list[dict]:
    """The bundled method descriptions (copies: callers may change them)."""
    return [dict(m) for m in _read()]


def method_names(methods: list[dict] | None = None) -> list[str]:
    return [m["name"] for m in (methods if methods is not None else bundled_methods())]


def is_trainable(method: dict) -> bool:
    """True for a method that ``fit`` trains and that reuses a saved model."""
    return bool(method.get("trainable"))


def trainable_method_names(methods: list[dict] | None = None) -> list[str]:
    return [m["name"] for m in (methods if methods is not None else bundled_methods()) if is_trainable(m)]


def anomaly_method_names(methods: list[dict] | None = None) -> list[str]:
    """The methods a prompt method can be fused with (those that take no prompt)."""
    return [m["name"] for m in (methods if methods is not None else bundled_methods()) if not m.get("uses_prompt")]


def takes_parameter(method: dict, parameter: str) -> bool:
    """True when ``parameter`` is one of the method's parameters."""
    return parameter in (method.get("parameters") or {})


def takes(method: dict, parameter: str) -> bool:
    """True for a prompt method whose parameters include ``parameter`` (``negative`` and
    ``checkpoint`` mark the CLIP methods)."""
    return bool(method.get("uses_prompt")) and parameter in (method.get("parameters") or {})
