"""The benchmark scripts share docs/BENCHMARKS.md: each owns the section between its markers, and the
script that rewrites the whole document keeps every marked section of the others."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from bench_doc import marked_sections, replace_section  # noqa: E402


def test_every_marked_section_is_found_in_order():
    text = (
        "# Benchmarks\nintro\n<!-- generative:start -->\nG\n<!-- generative:end -->\nbetween\n"
        "<!-- clip:start -->\nC1\nC2\n<!-- clip:end -->\n<!-- new_one:start -->N<!-- new_one:end -->\n"
        "<!-- open:start -->\nno end marker\n"
    )
    assert marked_sections(text) == [
        "<!-- generative:start -->\nG\n<!-- generative:end -->",
        "<!-- clip:start -->\nC1\nC2\n<!-- clip:end -->",
        "<!-- new_one:start -->N<!-- new_one:end -->",
    ]


def test_a_section_is_replaced_in_place_or_appended(tmp_path):
    doc = tmp_path / "B.md"
    doc.write_text("# B\n<!-- a:start -->old<!-- a:end -->\ntail\n", encoding="utf-8")
    replace_section(doc, "<!-- a:start -->", "<!-- a:end -->", "<!-- a:start -->new<!-- a:end -->")
    replace_section(doc, "<!-- b:start -->", "<!-- b:end -->", "<!-- b:start -->B<!-- b:end -->")
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# B\n<!-- a:start -->new<!-- a:end -->\ntail\n")
    assert marked_sections(text)[1] == "<!-- b:start -->B<!-- b:end -->"
