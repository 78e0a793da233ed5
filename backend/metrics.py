"""Pixel-level evaluation of anomaly maps against a label raster.

Conventions: ``scores`` is a float array of any shape, higher = more anomalous, NaN = no data.
``labels`` has the same shape: 1 = anomaly (positive), 0 = normal, any other value (255, -1, ...)
= unlabelled. Every metric ignores unlabelled pixels and pixels whose score is not finite.
The ranking metrics and the oracle best F1 sweep every distinct score t as ``score >= t``; the metrics at
a given (label-free) threshold use the masks' rule, ``score > threshold``. Everything is numpy-vectorised: the ranking metrics
share one O(n log n) pass, so a 5-million-pixel image takes well under a second.
"""

from __future__ import annotations

import numpy as np

from backend.errors import InputError

_RESERVED = ("auroc", "auprc", "best_f1", "best_f1_threshold", "n_labelled", "n_positive", "n_nan_score")


def _select(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Like :func:`select_labelled`, also returning the number of labelled non-finite scores."""
    s, lab = np.asarray(scores, dtype=np.float64), np.asarray(labels)
    if s.shape != lab.shape:
        raise InputError(
            f"scores have shape {s.shape} but labels have shape {lab.shape}; "
            "pass a label raster on the same grid as the scores."
        )
    s, lab = s.ravel(), lab.ravel()
    labelled = (lab == 0) | (lab == 1)
    keep = labelled & np.isfinite(s)
    return s[keep], lab[keep] == 1, int(np.count_nonzero(labelled)) - int(np.count_nonzero(keep))


def select_labelled(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flatten and keep the pixels that every metric uses.

    Args:
        scores: Anomaly scores, any shape; NaN (or any non-finite value) = no data.
        labels: Same shape; 1 = anomaly, 0 = normal, anything else = unlabelled.

    Returns:
        ``(s, pos)``: 1-D float64 scores and 1-D bool "is anomaly" for the pixels whose label
        is 0 or 1 and whose score is finite.

    Raises:
        InputError: if the shapes differ.
    """
    s, pos, _ = _select(scores, labels)
    return s, pos


def _curve(s: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative counts at each distinct threshold, highest first.

    Returns ``(t, tp, fp)`` where ``t[k]`` is the k-th largest distinct score and ``tp[k]``,
    ``fp[k]`` count positives / negatives with ``score >= t[k]`` (ties are grouped).
    """
    sp, sn = np.sort(s[pos]), np.sort(s[~pos])
    merged = np.sort(np.concatenate([sp, sn]), kind="stable")  # timsort: merges the two sorted runs
    t = merged[np.append(merged[1:] != merged[:-1], True)][::-1] if merged.size else merged
    tp = sp.size - np.searchsorted(sp, t, side="left")
    return t, tp, sn.size - np.searchsorted(sn, t, side="left")


def _auroc(tp: np.ndarray, fp: np.ndarray) -> float:
    n_pos, n_neg = (tp[-1], fp[-1]) if tp.size else (0, 0)
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    d_tp, d_fp = np.diff(tp, prepend=0), np.diff(fp, prepend=0)
    u = np.sum(d_fp * (tp - d_tp + 0.5 * d_tp))  # positives ranked above each negative, ties = 1/2
    return float(u / (float(n_pos) * float(n_neg)))


def _ap(tp: np.ndarray, fp: np.ndarray) -> float:
    if not tp.size or tp[-1] == 0:
        return float("nan")
    precision = tp / (tp + fp)
    return float(np.sum(np.diff(tp, prepend=0) / tp[-1] * precision))


def _best_f1(t: np.ndarray, tp: np.ndarray, fp: np.ndarray) -> tuple[float, float]:
    if not tp.size or tp[-1] == 0:
        return float("nan"), float("nan")
    f1 = 2.0 * tp / (tp + fp + tp[-1])
    k = int(np.argmax(f1))
    return float(f1[k]), float(t[k])


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U statistic, ties counted as 1/2).

    AUROC = U / (P N) with U = sum over (positive i, negative j) of [s_i > s_j] + 1/2 [s_i = s_j],
    equal to the average-rank formula (R_pos - P (P + 1) / 2) / (P N) and to the trapezoidal area
    under the ROC curve (sklearn's ``roc_auc_score``).

    Returns:
        The AUROC in [0, 1], or NaN if positives or negatives are missing.
    """
    _, tp, fp = _curve(*select_labelled(scores, labels))
    return _auroc(tp, fp)


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Average precision, exactly as sklearn's ``average_precision_score``.

    AP = sum_n (R_n - R_{n-1}) P_n over the distinct score thresholds t_n in descending order
    (tied scores enter together), with P_n = TP_n / (TP_n + FP_n), R_n = TP_n / P, R_0 = 0.
    No interpolation.

    Returns:
        The AP in [0, 1], or NaN if there is no positive pixel.
    """
    _, tp, fp = _curve(*select_labelled(scores, labels))
    return _ap(tp, fp)


def best_f1(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Best F1 over all thresholds t taken from the distinct scores (predict anomaly if s >= t).

    F1(t) = 2 TP / (2 TP + FP + FN) = 2 TP / (TP + FP + P). The highest t reaching the maximum wins.

    Returns:
        ``(f1, t)``, or ``(nan, nan)`` if there is no positive pixel.
    """
    return _best_f1(*_curve(*select_labelled(scores, labels)))


def _ratio(num: float, den: float, zero_div: float) -> float:
    return float(num / den) if den else zero_div


def threshold_metrics(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    """Confusion-matrix metrics of the prediction ``score > threshold`` (the rule of the masks).

    With TP, FP, FN, TN counted over labelled pixels with finite scores, P = TP + FN, N = FP + TN:
    f1 = 2TP / (2TP + FP + FN), iou = TP / (TP + FP + FN), precision = TP / (TP + FP) (0/0 = 0.0
    for these three); recall = TP / P, false_alarm_rate = FP / N, detected_fraction =
    (TP + FP) / (P + N) (NaN when the denominator is 0).

    Raises:
        InputError: if the shapes differ or the threshold is NaN.
    """
    return _threshold_metrics(*select_labelled(scores, labels), threshold)


def _threshold_metrics(s: np.ndarray, pos: np.ndarray, threshold: float) -> dict[str, float]:
    if np.isnan(threshold):
        raise InputError("threshold is NaN; pass a finite score threshold.")
    pred = s > threshold
    tp = int(np.count_nonzero(pred & pos))
    fp = int(np.count_nonzero(pred)) - tp
    n_pos = int(np.count_nonzero(pos))
    fn, n_neg = n_pos - tp, s.size - n_pos
    nan = float("nan")
    return {
        "f1": _ratio(2 * tp, 2 * tp + fp + fn, 0.0),
        "iou": _ratio(tp, tp + fp + fn, 0.0),
        "precision": _ratio(tp, tp + fp, 0.0),
        "recall": _ratio(tp, n_pos, nan),
        "false_alarm_rate": _ratio(fp, n_neg, nan),
        "detected_fraction": _ratio(tp + fp, s.size, nan),
    }


def evaluate_scores(scores: np.ndarray, labels: np.ndarray, thresholds: dict[str, float]) -> dict:
    """All metrics in one pass (one sort), for reports.

    Returns:
        ``auroc``, ``auprc`` (= :func:`average_precision`), ``best_f1``, ``best_f1_threshold``,
        ``n_labelled`` (labelled pixels with finite score), ``n_positive``, ``n_nan_score``
        (labelled pixels with a non-finite score, ignored), and for each ``name -> t`` in
        ``thresholds`` the dict of :func:`threshold_metrics` at t under ``name``.

    Raises:
        InputError: if the shapes differ, a threshold is NaN or a name clashes with a key above.
    """
    clash = sorted(set(thresholds) & set(_RESERVED))
    if clash:
        raise InputError(f"threshold names {clash} clash with metric names; rename them.")
    s, pos, n_nan = _select(scores, labels)
    t, tp, fp = _curve(s, pos)
    f1, f1_t = _best_f1(t, tp, fp)
    out: dict = {
        "auroc": _auroc(tp, fp),
        "auprc": _ap(tp, fp),
        "best_f1": f1,
        "best_f1_threshold": f1_t,
        "n_labelled": int(s.size),
        "n_positive": int(np.count_nonzero(pos)),
        "n_nan_score": n_nan,
    }
    for name, thr in thresholds.items():
        out[name] = _threshold_metrics(s, pos, thr)
    return out
