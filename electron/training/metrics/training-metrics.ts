/**
 * Training-time metrics on plain arrays, cheap enough for every epoch: arg-max accuracy and
 * one-vs-rest ROC AUC. Scores and targets are row-major [N, K]; targets are one-hot (single-label)
 * or multi-hot (multi-label). The evaluation suite (classification.ts, roc.ts) goes further.
 */

/** Share of rows whose highest score is a positive class. */
export function accuracy(scores: ArrayLike<number>, targets: ArrayLike<number>, k: number): number {
  const n = scores.length / k;
  if (n === 0) return 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
    if (targets[i * k + best] > 0.5) correct++;
  }
  return correct / n;
}

/** Multi-label accuracy: share of (image, class) decisions right at threshold 0.5 on probabilities. */
export function multiLabelAccuracy(probs: ArrayLike<number>, targets: ArrayLike<number>): number {
  if (probs.length === 0) return 0;
  let correct = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] >= 0.5 === targets[i] > 0.5) correct++;
  return correct / probs.length;
}

/** ROC AUC of one score vector against binary labels (Mann-Whitney U, ties count half); null if one class is absent. */
export function binaryAuc(scores: number[], labels: boolean[]): number | null {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let t = i; t <= j; t++) ranks[order[t][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const pos = labels.filter(Boolean).length;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return null;
  const rankSum = labels.reduce((s, l, i) => (l ? s + ranks[i] : s), 0);
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Macro one-vs-rest AUC over the classes that have both positives and negatives; null if none has. */
export function macroAuc(scores: ArrayLike<number>, targets: ArrayLike<number>, k: number): number | null {
  const n = scores.length / k;
  const aucs: number[] = [];
  for (let c = 0; c < k; c++) {
    const s: number[] = [];
    const l: boolean[] = [];
    for (let i = 0; i < n; i++) {
      s.push(scores[i * k + c]);
      l.push(targets[i * k + c] > 0.5);
    }
    const auc = binaryAuc(s, l);
    if (auc !== null) aucs.push(auc);
  }
  return aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : null;
}
