"""Every case of scripts/reliability.py (the table of docs/RELIABILITY.md) passes: hostile, odd and
faulty inputs through the real command line, on rasters generated in a scratch folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import reliability  # noqa: E402


def test_the_cases_are_many_and_named_once():
    cases = reliability.all_cases()
    assert len(cases) >= 170
    assert len({c.id for c in cases}) == len(cases)
    assert {c.category for c in cases} >= {
        "collision",
        "results",
        "errors",
        "leftovers",
        "messages",
        "odd-valid",
    }


@pytest.mark.slow
def test_every_reliability_case_passes(tmp_path):
    results = reliability.run_cases(tmp_path, jobs=2)
    assert len(results) >= 170
    failed = [f"{r.id}: {r.observed}" for r in results if not r.passed]
    assert not failed, f"{len(failed)} of {len(results)} cases fail:\n" + "\n".join(failed)
