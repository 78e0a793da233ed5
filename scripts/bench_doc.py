"""Shared by the benchmark scripts: each owns one section of docs/BENCHMARKS.md between its markers."""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(r"<!-- (?P<name>[a-z0-9_-]+):start -->.*?<!-- (?P=name):end -->", re.DOTALL)


def marked_sections(text: str) -> list[str]:
    """Every section of ``text`` between a ``<!-- NAME:start -->`` and its ``<!-- NAME:end -->``
    marker, markers included, in document order: the parts other scripts own, which a script that
    rewrites the whole document must keep (whatever scripts exist now or are added later)."""
    return [m.group(0) for m in _SECTION.finditer(text)]


def replace_section(doc: Path, start: str, end: str, section: str) -> None:
    """Put ``section`` (which starts with ``start`` and ends with ``end``) in place of the text
    between the markers of ``doc``, or append it when the markers are absent."""
    text = doc.read_text(encoding="utf-8") if doc.is_file() else "# Benchmarks\n"
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.write_text(text, encoding="utf-8")
