// Metrics over per-window scores and 0/1 labels. Anything needing labels is null without them:
// a figure is measured or absent, never invented.

export interface ConfusionMatrix {
  true_positive: number;
  false_positive: number;
  true_negative: number;
  false_negative: number;
}

export interface ClassificationMetrics {
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  auc_roc: number | null;
  confusion_matrix: ConfusionMatrix | null;
  threshold: number;
  positives: number | null;
  count: number;
}

export function confusionMatrix(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): ConfusionMatrix {
  const m = { true_positive: 0, false_positive: 0, true_negative: 0, false_negative: 0 };
  for (let i = 0; i < scores.length; i++) {
    const predicted = (scores[i] as number) > threshold;
    const actual = (labels[i] as number) > 0;
    if (predicted && actual) m.true_positive++;
    else if (predicted) m.false_positive++;
    else if (actual) m.false_negative++;
    else m.true_negative++;
  }
  return m;
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

/**
 * ROC AUC as the Mann-Whitney statistic on ranks, ties given their average rank (so tied scores
 * count one half). Null when either class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if ((labels[order[k] as number] as number) > 0) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** thresholds[k]: "score > thresholds[k]" is the rule that gives (fpr[k], tpr[k]), as in confusionMatrix. */
  thresholds: number[];
}

/** The largest double below x: the threshold at which every window counts as positive. */
function justBelow(x: number): number {
  const y = x - Math.abs(x) * Number.EPSILON;
  return y < x ? y : x - Number.MIN_VALUE;
}

/** Every operating point, as counts: one step per distinct score (tied scores move together). */
function rocCounts(scores: ArrayLike<number>, labels: ArrayLike<number>): { fp: number[]; tp: number[]; thresholds: number[] } {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const fp = [0];
  const tp = [0];
  const thresholds = [n > 0 ? (scores[order[0] as number] as number) : 0];
  for (let i = 0; i < n; ) {
    const here = scores[order[i] as number] as number;
    let f = fp[fp.length - 1] as number;
    let t = tp[tp.length - 1] as number;
    for (; i < n && scores[order[i] as number] === here; i++) {
      if ((labels[order[i] as number] as number) > 0) t++;
      else f++;
    }
    fp.push(f);
    tp.push(t);
    thresholds.push(i < n ? (scores[order[i] as number] as number) : justBelow(here));
  }
  return { fp, tp, thresholds };
}

/** Indices of the points left after dropping those on the straight line between their neighbours (area unchanged). */
function cornerIndices(fp: number[], tp: number[]): number[] {
  const keep = [0];
  for (let k = 1; k < fp.length - 1; k++) {
    const dx1 = (fp[k] as number) - (fp[k - 1] as number);
    const dy1 = (tp[k] as number) - (tp[k - 1] as number);
    const dx2 = (fp[k + 1] as number) - (fp[k] as number);
    const dy2 = (tp[k + 1] as number) - (tp[k] as number);
    // Integer counts: the collinearity test is exact.
    if (dx1 * dy2 !== dy1 * dx2) keep.push(k);
  }
  if (fp.length > 1) keep.push(fp.length - 1);
  return keep;
}

/**
 * ROC curve from the real scores: (0,0), then one point per distinct score from the highest down, ending at (1,1).
 * Its trapezoid area equals rocAuc. Past `maxPoints`, points on straight runs go first (the area does not change),
 * then an even pick by rank, always keeping (0,0) and (1,1). Null without both classes.
 */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number> | null, maxPoints = 101): RocCurve | null {
  if (!labels) return null;
  const { fp, tp, thresholds } = rocCounts(scores, labels);
  const positives = tp[tp.length - 1] as number;
  const negatives = fp[fp.length - 1] as number;
  if (positives === 0 || negatives === 0) return null;
  const cap = Math.max(2, Math.floor(maxPoints));
  let picked = Array.from({ length: fp.length }, (_, i) => i);
  if (picked.length > cap) picked = cornerIndices(fp, tp);
  if (picked.length > cap) {
    const from = picked;
    picked = Array.from({ length: cap }, (_, k) => from[Math.round((k * (from.length - 1)) / (cap - 1))] as number);
  }
  return {
    fpr: picked.map((i) => (fp[i] as number) / negatives),
    tpr: picked.map((i) => (tp[i] as number) / positives),
    thresholds: picked.map((i) => thresholds[i] as number),
  };
}

/** All classification figures at a threshold (score > threshold = positive). */
export function classificationMetrics(scores: ArrayLike<number>, labels: ArrayLike<number> | null, threshold: number): ClassificationMetrics {
  if (!labels) {
    return { accuracy: null, precision: null, recall: null, f1: null, auc_roc: null, confusion_matrix: null, threshold, positives: null, count: scores.length };
  }
  const cm = confusionMatrix(scores, labels, threshold);
  // With labels present, an undefined ratio (no predicted or no actual positives) counts as 0,
  // as scikit-learn's zero_division default does; F1 = 2TP / (2TP + FP + FN).
  const precision = ratio(cm.true_positive, cm.true_positive + cm.false_positive) ?? 0;
  const recall = ratio(cm.true_positive, cm.true_positive + cm.false_negative) ?? 0;
  const f1 = ratio(2 * cm.true_positive, 2 * cm.true_positive + cm.false_positive + cm.false_negative) ?? 0;
  return {
    accuracy: ratio(cm.true_positive + cm.true_negative, scores.length),
    precision, recall, f1,
    auc_roc: rocAuc(scores, labels),
    confusion_matrix: cm, threshold,
    positives: cm.true_positive + cm.false_negative,
    count: scores.length,
  };
}

/** The q-th percentile (0..100) with linear interpolation between order statistics. */
export function percentile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/**
 * Threshold that maximises F1 on labelled scores (candidates: midpoints between distinct scores).
 * Choosing it on the same windows one then reports on is optimistic; use a separate set.
 */
export function selectThresholdByF1(scores: ArrayLike<number>, labels: ArrayLike<number>): { threshold: number; f1: number } {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const positives = idx.reduce((n, i) => n + ((labels[i] as number) > 0 ? 1 : 0), 0);
  let tp = 0;
  let fp = 0;
  let best = { threshold: Number.POSITIVE_INFINITY, f1: 0 };
  for (let k = 0; k < idx.length; k++) {
    if ((labels[idx[k] as number] as number) > 0) tp++;
    else fp++;
    const here = scores[idx[k] as number] as number;
    const next = k + 1 < idx.length ? (scores[idx[k + 1] as number] as number) : Number.NEGATIVE_INFINITY;
    if (next === here) continue;
    const f1 = positives > 0 ? (2 * tp) / (2 * tp + fp + (positives - tp)) : 0;
    if (f1 > best.f1) best = { threshold: Number.isFinite(next) ? (here + next) / 2 : here - 1e-12, f1 };
  }
  return best;
}

/** Trailing moving average over `width` consecutive windows (scores in time order). */
export function rollingMean(scores: ArrayLike<number>, width: number): Float64Array {
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    sum += scores[i] as number;
    if (i >= width) sum -= scores[i - width] as number;
    out[i] = sum / Math.min(i + 1, width);
  }
  return out;
}
