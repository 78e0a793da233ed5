"""Tests of backend.metrics against brute-force references and hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backend.errors import InputError
from backend.metrics import (
    auroc,
    average_precision,
    best_f1,
    evaluate_scores,
    select_labelled,
    threshold_metrics,
)

# --------------------------------------------------------------------------- brute-force references


def ref_auroc(s: np.ndarray, pos: np.ndarray) -> float:
    """O(n^2): fraction of (positive, negative) pairs ranked correctly, ties count 1/2."""
    sp, sn = s[pos], s[~pos]
    wins = (sp[:, None] > sn[None, :]).sum() + 0.5 * (sp[:, None] == sn[None, :]).sum()
    return wins / (sp.size * sn.size)


def ref_ap(s: np.ndarray, pos: np.ndarray) -> float:
    """Explicit loop over distinct thresholds, descending: sum (R_n - R_{n-1}) P_n."""
    n_pos, ap, r_prev = pos.sum(), 0.0, 0.0
    for t in sorted(set(s.tolist()), reverse=True):
        pred = s >= t
        tp, fp = (pred & pos).sum(), (pred & ~pos).sum()
        r = tp / n_pos
        ap += (r - r_prev) * tp / (tp + fp)
        r_prev = r
    return ap


def ref_best_f1(s: np.ndarray, pos: np.ndarray) -> tuple[float, float]:
    """Loop over distinct thresholds, highest first; keeps the first (highest) maximiser."""
    best, best_t = -1.0, math.nan
    for t in sorted(set(s.tolist()), reverse=True):
        pred = s >= t
        tp, fp, fn = (pred & pos).sum(), (pred & ~pos).sum(), (~pred & pos).sum()
        f1 = 2 * tp / (2 * tp + fp + fn)
        if f1 > best:
            best, best_t = f1, t
    return best, best_t


Case = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def random_case(seed: int, n: int = 400, junk: bool = True) -> Case:
    """Integer-rounded scores (many ties) on a 2-D grid, and the clean (s, pos) metrics should use."""
    rng = np.random.default_rng(seed)
    pos = rng.random(n) < 0.3
    s = np.round(rng.normal(size=n) + 1.0 * pos)  # ~7 distinct values
    scores, labels = s.copy(), pos.astype(np.int16)
    if junk:  # unlabelled pixels with extreme scores and labelled pixels with NaN score
        extra = 60
        scores = np.concatenate([scores, np.full(extra // 2, 99.0), np.full(extra // 2, np.nan)])
        labels = np.concatenate([labels, np.r_[np.full(extra // 4, 255), np.full(extra // 4, -1)],
                                 np.tile([0, 1], extra // 4)]).astype(np.int16)
        perm = rng.permutation(scores.size)
        scores, labels = scores[perm], labels[perm]
    return scores.reshape(-1, 20), labels.reshape(-1, 20), s, pos


# --------------------------------------------------------------------------- against the references


@pytest.mark.parametrize("seed", range(6))
def test_random_ties_match_brute_force(seed: int) -> None:
    scores, labels, s, pos = random_case(seed)
    assert np.unique(s).size < 15  # really many ties
    assert auroc(scores, labels) == pytest.approx(ref_auroc(s, pos), abs=1e-12)
    assert average_precision(scores, labels) == pytest.approx(ref_ap(s, pos), abs=1e-12)
    f1, t = best_f1(scores, labels)
    ref_f1, ref_t = ref_best_f1(s, pos)
    assert f1 == pytest.approx(ref_f1, abs=1e-12)
    assert t == ref_t


@pytest.mark.parametrize("seed", range(3))
def test_continuous_scores_match_brute_force(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    pos = rng.random(300) < 0.1
    s = rng.random(300) + 0.3 * pos
    labels = pos.astype(np.uint8)
    assert auroc(s, labels) == pytest.approx(ref_auroc(s, pos), abs=1e-12)
    assert average_precision(s, labels) == pytest.approx(ref_ap(s, pos), abs=1e-12)
    assert best_f1(s, labels) == pytest.approx(ref_best_f1(s, pos), abs=1e-12)


def test_auroc_of_negated_scores_is_complement() -> None:
    scores, labels, _, _ = random_case(7)
    assert auroc(-scores, labels) == pytest.approx(1.0 - auroc(scores, labels), abs=1e-12)


def test_matches_sklearn_when_available() -> None:
    skm = pytest.importorskip("sklearn.metrics")
    for seed in range(3):
        _, _, s, pos = random_case(seed, junk=False)
        assert auroc(s, pos.astype(int)) == pytest.approx(skm.roc_auc_score(pos, s), abs=1e-12)
        assert average_precision(s, pos.astype(int)) == pytest.approx(
            skm.average_precision_score(pos, s), abs=1e-12)


# --------------------------------------------------------------------------- hand-computed cases


def test_perfect_reversed_and_tied() -> None:
    labels = np.array([0, 0, 0, 1, 1])
    assert auroc(np.array([1.0, 2, 3, 4, 5]), labels) == 1.0
    assert average_precision(np.array([1.0, 2, 3, 4, 5]), labels) == 1.0
    assert best_f1(np.array([1.0, 2, 3, 4, 5]), labels) == (1.0, 4.0)
    assert auroc(np.array([5.0, 4, 3, 2, 1]), labels) == 0.0
    assert auroc(np.full(5, 0.7), labels) == 0.5
    # a single threshold: AP = precision = base rate
    assert average_precision(np.full(5, 0.7), labels) == pytest.approx(2 / 5)
    assert best_f1(np.full(5, 0.7), labels) == pytest.approx((2 * 2 / (2 * 2 + 3), 0.7))


def test_sklearn_documentation_example_and_not_swapped() -> None:
    # sklearn docs: roc_auc_score = 0.75, average_precision_score = 0.8333...
    s, labels = np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])
    assert auroc(s, labels) == pytest.approx(0.75)
    assert average_precision(s, labels) == pytest.approx(5 / 6)
    # thresholds 0.8, 0.4, 0.35, 0.1 give F1 = 2/3, 1/2, 4/5, 2/3
    assert best_f1(s, labels) == pytest.approx((0.8, 0.35))
    out = evaluate_scores(s, labels, {})
    assert (out["auroc"], out["auprc"], out["best_f1"]) == pytest.approx((0.75, 5 / 6, 0.8))


def test_average_precision_groups_ties() -> None:
    # threshold 1: TP=1 FP=1 -> P=1/2, R=1/2; threshold 0: TP=2 FP=1 -> P=2/3, R=1
    s, labels = np.array([1.0, 1.0, 0.0]), np.array([1, 0, 1])
    assert average_precision(s, labels) == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)
    assert auroc(s, labels) == pytest.approx(0.25)  # pairs (1 vs 1) tie = 1/2, (0 vs 1) loss = 0


def test_threshold_metrics_known_counts() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.6, np.nan, 5.0, 5.0])
    labels = np.array([1, 1, 0, 1, 0, 0, 1, 255, -1])
    # at 0.65: TP = 2 (0.9, 0.8), FP = 1 (0.7), FN = 1 (0.3), TN = 2 (0.2, 0.6);
    # the NaN score and the 255 / -1 labels are ignored
    m = threshold_metrics(scores, labels, 0.65)
    assert set(m) == {"f1", "iou", "precision", "recall", "false_alarm_rate", "detected_fraction"}
    assert m == pytest.approx({"f1": 4 / 6, "iou": 2 / 4, "precision": 2 / 3, "recall": 2 / 3,
                               "false_alarm_rate": 1 / 3, "detected_fraction": 3 / 6})
    # the prediction is score > t (the masks' rule)
    assert threshold_metrics(scores, labels, 0.69)["false_alarm_rate"] == pytest.approx(1 / 3)
    assert threshold_metrics(scores, labels, 0.7)["false_alarm_rate"] == 0.0


def test_threshold_metrics_zero_division() -> None:
    s, labels = np.array([0.1, 0.2, 0.3]), np.array([1, 0, 0])
    m = threshold_metrics(s, labels, 1.0)  # nothing predicted: precision 0/0
    assert (m["precision"], m["f1"], m["iou"]) == (0.0, 0.0, 0.0)
    assert (m["recall"], m["detected_fraction"]) == (0.0, 0.0)
    m = threshold_metrics(s, np.array([0, 0, 0]), 1.0)  # no positives and nothing predicted
    assert (m["precision"], m["f1"], m["iou"], m["false_alarm_rate"]) == (0.0, 0.0, 0.0, 0.0)
    assert math.isnan(m["recall"])
    with pytest.raises(InputError):
        threshold_metrics(s, labels, float("nan"))


# --------------------------------------------------------------------------- masking and edge cases


def test_ignored_labels_and_nan_scores_are_really_ignored() -> None:
    scores, labels, s, pos = random_case(11)
    clean = evaluate_scores(s, pos.astype(np.uint8), {"t": 1.0})
    dirty = evaluate_scores(scores, labels, {"t": 1.0})
    assert dirty["n_nan_score"] == 30 and clean["n_nan_score"] == 0
    dirty.pop("n_nan_score"), clean.pop("n_nan_score")
    assert dirty == clean
    # flipping an ignored pixel's score, or a NaN pixel's label, changes nothing
    scores2, labels2 = scores.copy(), labels.copy()
    scores2[np.isin(labels, (255, -1))] = -1e9
    labels2[np.isnan(scores)] = 1 - labels2[np.isnan(scores)]
    thr = {"t": 1.0}
    assert evaluate_scores(scores2, labels2, thr) == evaluate_scores(scores, labels, thr)


def test_select_labelled() -> None:
    scores = np.array([[0.5, np.nan], [0.1, 0.75]], dtype=np.float32)
    labels = np.array([[1, 0], [255, 0]], dtype=np.uint8)
    s, pos = select_labelled(scores, labels)
    assert s.dtype == np.float64 and pos.dtype == bool
    np.testing.assert_array_equal(s, [0.5, 0.75])
    np.testing.assert_array_equal(pos, [True, False])
    with pytest.raises(InputError):
        select_labelled(np.zeros((2, 3)), np.zeros((3, 2), dtype=int))
    with pytest.raises(ValueError):  # InputError is a ValueError too
        auroc(np.zeros(4), np.zeros(5, dtype=int))


@pytest.mark.parametrize("labels", [[1, 1, 1, 255], [0, 0, 0, -1], [255, 255, 255, 255]])
def test_single_class_gives_nan_auroc(labels: list[int]) -> None:
    s, lab = np.array([0.1, 0.5, 0.3, 0.9]), np.array(labels)
    assert math.isnan(auroc(s, lab))
    out = evaluate_scores(s, lab, {})
    assert math.isnan(out["auroc"])
    if 1 not in labels:
        assert math.isnan(average_precision(s, lab))
        assert all(math.isnan(v) for v in best_f1(s, lab))
    else:
        assert average_precision(s, lab) == 1.0
        assert best_f1(s, lab) == (1.0, 0.1)


def test_evaluate_scores_consistent_with_parts() -> None:
    scores, labels, s, pos = random_case(3)
    thr = {"operating": 1.0, "strict": 2.0}
    out = evaluate_scores(scores, labels, thr)
    assert out["auroc"] == auroc(scores, labels)
    assert out["auprc"] == average_precision(scores, labels)
    assert (out["best_f1"], out["best_f1_threshold"]) == best_f1(scores, labels)
    assert (out["n_labelled"], out["n_positive"]) == (s.size, int(pos.sum()))
    for name, t in thr.items():
        assert out[name] == threshold_metrics(scores, labels, t)
    with pytest.raises(InputError):
        evaluate_scores(scores, labels, {"auroc": 0.5})
