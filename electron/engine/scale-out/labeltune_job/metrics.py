"""The app's training metrics (shared/metrics/training-metrics.ts, roc.ts): accuracy and macro one-vs-rest ROC AUC."""
import math


def roc_auc(labels, scores):
    """Area under the ROC curve as scikit-learn (and roc.ts): ties form one threshold; None when one class is absent."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    fps, tps, tp, fp = [0], [0], 0, 0
    for rank, i in enumerate(order):
        if labels[i] == 1:
            tp += 1
        else:
            fp += 1
        nxt = order[rank + 1] if rank + 1 < len(order) else None
        if nxt is None or scores[nxt] != scores[i]:
            tps.append(tp)
            fps.append(fp)
    if tp == 0 or fp == 0:
        return None
    area = 0.0
    for j in range(1, len(fps)):
        area += (fps[j] / fp - fps[j - 1] / fp) * (tps[j] / tp + tps[j - 1] / tp) / 2
    return area


def macro_auc(probs, targets):
    """Mean one-vs-rest AUC over the classes with both positives and negatives (None if none has); NaN for non-finite scores.

    `probs` and `targets` are [N, K] lists (softmax or sigmoid probabilities; one-hot or multi-hot targets)."""
    if any(not math.isfinite(p) for row in probs for p in row):
        return math.nan
    k = len(probs[0]) if probs else 0
    aucs = [roc_auc([1 if t[c] > 0.5 else 0 for t in targets], [row[c] for row in probs]) for c in range(k)]
    aucs = [a for a in aucs if a is not None]
    return sum(aucs) / len(aucs) if aucs else None
