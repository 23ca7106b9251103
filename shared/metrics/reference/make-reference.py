#!/usr/bin/python3
"""Reference values for LabelTune's metrics, computed by scikit-learn (Debian python3-sklearn).

Run once with Debian's python: /usr/bin/python3 make-reference.py > reference.json
The TypeScript tests read reference.json; they never call Python.
"""
import json

import numpy as np
from sklearn import metrics
from sklearn.calibration import calibration_curve

rng = np.random.default_rng(7)
cases = {}

def binary_case(name, y, s):
    y = np.asarray(y, dtype=int)
    s = np.asarray(s, dtype=float)
    c = {"y": y.tolist(), "scores": s.tolist()}
    if len(set(y.tolist())) == 2:
        fpr, tpr, thr = metrics.roc_curve(y, s, drop_intermediate=False)
        c["roc"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": [None if np.isinf(t) else t for t in thr.tolist()]}
        c["auc"] = metrics.roc_auc_score(y, s)
        p, r, t = metrics.precision_recall_curve(y, s)
        c["pr"] = {"precision": p.tolist(), "recall": r.tolist(), "thresholds": t.tolist()}
        c["ap"] = metrics.average_precision_score(y, s)
        prob_true, prob_pred = calibration_curve(y, s, n_bins=5, strategy="uniform")
        c["calibration5"] = {"fractionPositive": prob_true.tolist(), "meanPredicted": prob_pred.tolist()}
    else:
        c["auc"] = None
    cases[name] = c

n = 200
y = rng.integers(0, 2, n)
s = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1)
binary_case("random200", y, s)
binary_case("ties", [0, 0, 1, 1, 0, 1, 1, 0], [0.1, 0.4, 0.4, 0.8, 0.4, 0.1, 0.9, 0.8])
binary_case("perfect", [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
binary_case("inverted", [1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])
binary_case("single_class", [1, 1, 1], [0.2, 0.5, 0.9])
binary_case("all_tied", [0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])

# Multi-class: probabilities from a softmax of noisy logits.
k, n = 4, 300
yt = rng.integers(0, k, n)
logits = rng.normal(0, 1, (n, k))
logits[np.arange(n), yt] += 1.2
probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
yp = probs.argmax(1)
prec, rec, f1, sup = metrics.precision_recall_fscore_support(yt, yp, labels=range(k), zero_division=0)
mc = {
    "y": yt.tolist(),
    "probs": probs.tolist(),
    "pred": yp.tolist(),
    "confusion": metrics.confusion_matrix(yt, yp, labels=range(k)).tolist(),
    "accuracy": metrics.accuracy_score(yt, yp),
    "balancedAccuracy": metrics.balanced_accuracy_score(yt, yp),
    "precision": prec.tolist(),
    "recall": rec.tolist(),
    "f1": f1.tolist(),
    "support": sup.tolist(),
    "macro": list(metrics.precision_recall_fscore_support(yt, yp, average="macro", zero_division=0)[:3]),
    "weighted": list(metrics.precision_recall_fscore_support(yt, yp, average="weighted", zero_division=0)[:3]),
    "aucPerClass": [metrics.roc_auc_score((yt == c).astype(int), probs[:, c]) for c in range(k)],
    "aucMacroOvr": metrics.roc_auc_score(yt, probs, multi_class="ovr", average="macro"),
    "logLoss": metrics.log_loss(yt, probs, labels=range(k)),
}
# A class that is never predicted and one never present: zero_division behaviour.
yt2 = [0, 0, 1, 1, 2, 2]
yp2 = [0, 0, 0, 1, 0, 1]
p2, r2, f2, s2 = metrics.precision_recall_fscore_support(yt2, yp2, labels=[0, 1, 2, 3], zero_division=0)
mc2 = {"y": yt2, "pred": yp2, "k": 4, "precision": p2.tolist(), "recall": r2.tolist(), "f1": f2.tolist(), "support": s2.tolist(),
       "balancedAccuracy": metrics.balanced_accuracy_score(yt2, yp2),
       "macro": list(metrics.precision_recall_fscore_support(yt2, yp2, labels=[0, 1, 2], average="macro", zero_division=0)[:3])}

# Expected calibration error, 10 equal-width bins on the top-class confidence (Guo et al. 2017).
conf = probs.max(1)
correct = (yp == yt).astype(float)
bins = np.linspace(0, 1, 11)
ece = 0.0
for lo, hi in zip(bins[:-1], bins[1:]):
    m = (conf > lo) & (conf <= hi)
    if m.any():
        ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
mc["ece10"] = ece

print(json.dumps({"binary": cases, "multiclass": mc, "multiclassZeroDivision": mc2}, separators=(",", ":")))
