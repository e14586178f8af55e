import type { ConfusionMatrix } from './classification.js';
import { classificationMetrics, rocAuc } from './classification.js';

// Figures a local reviewer needs before trusting a model: does it hold across time, are its
// probabilities honest, which sensors drive its errors, how close to the line do normal windows sit.

export interface FoldFigures {
  fold: number;
  count: number;
  auc_roc: number | null;
  f1: number | null;
  mean_score: number;
}

/** Splits time-ordered scored windows into k contiguous folds and measures each. */
export function foldStability(scores: ArrayLike<number>, labels: ArrayLike<number> | null, threshold: number, folds = 5): { folds: FoldFigures[]; auc_std: number | null; f1_std: number | null } {
  const n = scores.length;
  const out: FoldFigures[] = [];
  for (let k = 0; k < folds; k++) {
    const lo = Math.floor((k * n) / folds);
    const hi = Math.floor(((k + 1) * n) / folds);
    if (hi <= lo) continue;
    const s = Array.prototype.slice.call(scores, lo, hi) as number[];
    const l = labels ? (Array.prototype.slice.call(labels, lo, hi) as number[]) : null;
    const m = classificationMetrics(s, l, threshold);
    out.push({ fold: k, count: hi - lo, auc_roc: m.auc_roc, f1: m.f1, mean_score: s.reduce((a, b) => a + b, 0) / s.length });
  }
  const std = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null);
    if (v.length < 2) return null;
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  };
  return { folds: out, auc_std: std(out.map((f) => f.auc_roc)), f1_std: std(out.map((f) => f.f1)) };
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  mean_predicted: number | null;
  observed_rate: number | null;
}

/** Brier score, expected calibration error and reliability bins for probabilities in [0, 1]. */
export function calibration(probabilities: ArrayLike<number>, labels: ArrayLike<number> | null, bins = 10): { brier: number | null; ece: number | null; bins: ReliabilityBin[] } | null {
  if (!labels) return null;
  const n = probabilities.length;
  const sums = Array.from({ length: bins }, () => ({ count: 0, p: 0, y: 0 }));
  let brier = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1, Math.max(0, probabilities[i] as number));
    const y = (labels[i] as number) > 0 ? 1 : 0;
    brier += (p - y) ** 2;
    const b = sums[Math.min(bins - 1, Math.floor(p * bins))] as { count: number; p: number; y: number };
    b.count++;
    b.p += p;
    b.y += y;
  }
  let ece = 0;
  const out = sums.map((b, k) => {
    if (b.count > 0) ece += (b.count / n) * Math.abs(b.p / b.count - b.y / b.count);
    return { lower: k / bins, upper: (k + 1) / bins, count: b.count, mean_predicted: b.count ? b.p / b.count : null, observed_rate: b.count ? b.y / b.count : null };
  });
  return { brier: n ? brier / n : null, ece: n ? ece : null, bins: out };
}

/**
 * Share of the reconstruction error carried by each feature (sums to 1): per-element squared
 * errors [windows, steps, features] summed over windows and steps.
 */
export function featureErrorShare(squaredErrors: Float32Array, features: string[]): { feature: string; share: number }[] {
  const f = features.length;
  const totals = new Float64Array(f);
  for (let i = 0; i < squaredErrors.length; i++) totals[i % f] = (totals[i % f] as number) + (squaredErrors[i] as number);
  const all = totals.reduce((a, b) => a + b, 0);
  return features.map((feature, c) => ({ feature, share: all > 0 ? (totals[c] as number) / all : 0 }));
}

/**
 * Margin of the threshold: how far (in units of the normal scores' spread) the threshold sits above
 * the typical normal window, and the fraction of normal windows within 10% of it (near misses).
 */
export function thresholdMargin(scores: ArrayLike<number>, labels: ArrayLike<number> | null, threshold: number): { normal_median: number; margin_in_iqr: number | null; near_threshold_fraction: number } {
  const normal: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!labels || (labels[i] as number) === 0) normal.push(scores[i] as number);
  normal.sort((a, b) => a - b);
  const q = (p: number): number => normal[Math.min(normal.length - 1, Math.floor(p * (normal.length - 1)))] ?? Number.NaN;
  const iqr = q(0.75) - q(0.25);
  const near = normal.filter((s) => s <= threshold && s >= threshold * 0.9).length;
  return { normal_median: q(0.5), margin_in_iqr: iqr > 0 ? (threshold - q(0.5)) / iqr : null, near_threshold_fraction: normal.length ? near / normal.length : 0 };
}

export type { ConfusionMatrix };
export { rocAuc };
