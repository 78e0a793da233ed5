"""The documentation stays true to the code: the README is short and keeps its two commands, links
resolve, docs/cli.md names every command and flag of the parser, and each method's page names every
parameter that ``raresight methods --json`` lists, and the accuracy tables of the README and the
generative page quote the benchmark's family means."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: The page that documents each method's parameters.
METHOD_PAGES = {
    "rx": "classical",
    "lrx": "classical",
    "cva": "classical",
    "logratio": "classical",
    "gauss-ref": "classical",
    "diffusion": "generative",
    "flow": "generative",
    "spectral": "prompts",
    "clip": "clip",
    "gradcam": "clip",
    "gscorecam": "clip",
}


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md")), *sorted((ROOT / "research").glob("*.md"))]


def test_readme_is_short_and_keeps_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    for command in ("bash scripts/demo.sh", "bash scripts/test.sh"):
        assert command in text


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path):
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
        path = target.split("#")[0]
        if path and not re.match(r"[a-z]+:", path):
            assert (page.parent / path).exists(), f"{page.name}: {target}"


def test_cli_page_names_every_command_and_flag():
    from backend.cli import build_parser

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        assert f"`{name}`" in text, name
        for action in parser._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in text, f"{name} {flag}"


def test_each_method_page_names_its_parameters():
    from backend.detectors import describe_methods

    for method in describe_methods():
        text = (DOCS / "methods" / f"{METHOD_PAGES[method['name']]}.md").read_text(encoding="utf-8")
        assert f"`{method['name']}`" in text
        for parameter in method["parameters"]:
            assert f"`{parameter}" in text, f"{method['name']}: {parameter}"


#: The families of the accuracy tables, in their rows' order.
ACCURACY_FAMILIES = ("had", "oscd", "sar-cd", "hetero-cd", "landsat-cd")


def _family_means() -> dict[tuple[str, str], str]:
    """(family, method) -> mean AUROC as docs/BENCHMARKS.md's generative section prints it."""
    text = (DOCS / "BENCHMARKS.md").read_text()
    section = text[text.index("<!-- generative:start -->") : text.index("<!-- generative:end -->")]
    table = section[section.index("### Family means") :]
    rows = re.findall(r"^\| ([a-z0-9-]+) \| \d+ \| ([a-z-]+) \| ([0-9.]+) \|", table, re.M)
    return {(family, method): value for family, method, value in rows}


@pytest.mark.parametrize("page", ["README.md", "docs/methods/generative.md"])
def test_accuracy_tables_quote_the_benchmark(page: str):
    """Each row of the page's accuracy table (one per family, in ACCURACY_FAMILIES' order) gives
    the baseline's and diffusion's mean AUROC of the benchmark's generative section."""
    means = _family_means()
    text = (ROOT / page).read_text()
    rows = re.findall(r"^\| [^|]+ \| \d+ \| [^|]*?([0-9.]+)[^|]*\| ([0-9.]+) \|", text, re.M)
    assert len(rows) >= len(ACCURACY_FAMILIES), page
    for family, (baseline, diffusion) in zip(ACCURACY_FAMILIES, rows):
        quoted = {m: v for (f, m), v in means.items() if f == family}
        assert diffusion == quoted["diffusion"], (page, family)
        assert baseline in set(quoted.values()) - {quoted["diffusion"], quoted.get("flow")}, (page, family)
