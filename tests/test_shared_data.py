"""The classical detectors on the real scenes of ../shared/data (skipped when it is absent).

Reference numbers are the baselines published in ../shared/data/README.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from backend.evaluation import evaluate_cases

RX_PUBLISHED = {
    "had/abu-airport-1": 0.8221, "had/abu-airport-2": 0.8404, "had/abu-airport-3": 0.9288,
    "had/abu-beach-1": 0.9807, "had/abu-beach-2": 0.9106, "had/abu-urban-1": 0.9907,
    "had/abu-urban-2": 0.9946, "had/abu-urban-3": 0.9513, "had/hydice": 0.9932,
}
CVA_REFERENCE = {
    "oscd/aguasclaras": 0.7538, "oscd/bercy": 0.7868, "oscd/bordeaux": 0.8311, "oscd/nantes": 0.9171,
    "oscd/paris": 0.9437, "oscd/rennes": 0.9487, "oscd/hongkong": 0.8289, "oscd/mumbai": 0.8432,
    "landsat-cd/nanjing": 0.9568,
}
LOGRATIO_REFERENCE = {"sar-cd/bern": (0.9983, 0.9378), "sar-cd/sanfrancisco": (0.9973, 0.9707)}
GREY_DIFF_REFERENCE = {"hetero-cd/italy": 0.7106, "hetero-cd/shuguang": 0.7553, "hetero-cd/yellowriver": 0.7013}


@pytest.fixture(scope="module")
def baseline_rows(data_root):
    return {r["case"]: r for r in evaluate_cases(data_root)}


def test_every_case_scored_on_its_target_grid(baseline_rows):
    assert len(baseline_rows) >= 24
    assert all(r["on_target_grid"] for r in baseline_rows.values())


def test_rx_reproduces_published_auroc(baseline_rows):
    for case, published in RX_PUBLISHED.items():
        assert baseline_rows[case]["method"] == "rx"
        assert baseline_rows[case]["auroc"] == pytest.approx(published, abs=0.002), case


def test_cva_matches_or_beats_reference(baseline_rows):
    for case, ref in CVA_REFERENCE.items():
        assert baseline_rows[case]["auroc"] >= ref - 5e-5, case


def test_logratio_matches_or_beats_reference(baseline_rows):
    for case, (auroc, auprc) in LOGRATIO_REFERENCE.items():
        assert baseline_rows[case]["auroc"] >= auroc - 5e-5, case
        assert baseline_rows[case]["auprc"] >= auprc - 5e-5, case


def test_gauss_ref_beats_grey_difference_on_multimodal_pairs(baseline_rows):
    for case, ref in GREY_DIFF_REFERENCE.items():
        assert baseline_rows[case]["auroc"] > ref, case


def test_label_free_threshold_false_alarm_rate_median_within_factor_two(baseline_rows):
    realized = [r["far_0.01"]["false_alarm_rate"] for r in baseline_rows.values()]
    assert 0.5e-2 <= float(np.median(realized)) <= 2e-2


def test_evaluate_takes_a_prompt_for_the_spectral_method(data_root, capsys):
    """``raresight evaluate --method spectral --prompt flood``: the prompt reaches the method on every
    case it scores (here the flood chip), and the flood map ranks the water far above chance."""
    from backend.cli import main as cli

    assert cli(["evaluate", str(data_root), "--method", "spectral", "--prompt", "flood", "--case", "sen1floods11"]) == 0
    table = capsys.readouterr().out
    row = next(line for line in table.splitlines() if line.startswith("| sen1floods11/"))
    assert row.split("|")[2].strip() == "spectral" and float(row.split("|")[3]) > 0.9
    rows = evaluate_cases(data_root, methods=["spectral"], cases=["sen1floods11"], params={"prompt": "flood"})
    assert rows[0]["params"] == {"prompt": "flood"}
