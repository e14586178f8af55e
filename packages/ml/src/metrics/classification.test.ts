import { describe, expect, it } from 'vitest';
import { seededRandom } from '../model/torch-weights.js';
import { classificationMetrics, confusionMatrix, percentile, rocAuc, rocCurve, selectThresholdByF1 } from './classification.js';
import { calibration, featureErrorShare, foldStability, thresholdMargin } from './reviewer.js';

function bruteAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (!labels[i]) return;
    scores.forEach((sn, j) => {
      if (labels[j]) return;
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('classification metrics', () => {
  it('ROC AUC equals the pairwise definition, ties counting one half', () => {
    const random = seededRandom(3);
    const scores = Array.from({ length: 300 }, () => Math.round(random() * 20) / 20);
    const labels = scores.map((s) => (random() < s ? 1 : 0));
    expect(rocAuc(scores, labels)).toBeCloseTo(bruteAuc(scores, labels), 12);
    expect(rocAuc([1, 1, 1], [0, 1, 0])).toBe(0.5);
  });

  it('counts the confusion matrix at the threshold and derives the ratios', () => {
    const m = classificationMetrics([0.9, 0.8, 0.3, 0.2, 0.6], [1, 0, 1, 0, 1], 0.5);
    expect(m.confusion_matrix).toEqual({ true_positive: 2, false_positive: 1, true_negative: 1, false_negative: 1 });
    expect(m.precision).toBeCloseTo(2 / 3);
    expect(m.recall).toBeCloseTo(2 / 3);
    expect(m.f1).toBeCloseTo(2 / 3);
    expect(m.accuracy).toBeCloseTo(3 / 5);
  });

  it('returns null for every label-based figure without labels', () => {
    expect(classificationMetrics([0.1, 0.2], null, 0.5)).toMatchObject({ accuracy: null, precision: null, recall: null, f1: null, auc_roc: null, confusion_matrix: null });
    expect(rocAuc([0.1, 0.2], [0, 0])).toBeNull();
    expect(calibration([0.1], null)).toBeNull();
  });

  it('selects the F1-maximising threshold and interpolates percentiles', () => {
    const best = selectThresholdByF1([0.1, 0.2, 0.7, 0.8, 0.4], [0, 0, 1, 1, 0]);
    expect(best.f1).toBe(1);
    expect(best.threshold).toBeGreaterThan(0.4);
    expect(best.threshold).toBeLessThan(0.7);
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([0, 10], 99)).toBeCloseTo(9.9);
  });
});

function trapezoid(x: number[], y: number[]): number {
  let area = 0;
  for (let k = 1; k < x.length; k++) area += ((x[k] as number) - (x[k - 1] as number)) * ((y[k] as number) + (y[k - 1] as number)) / 2;
  return area;
}

describe('ROC curve', () => {
  it('steps through the sorted scores, ties as one step, from (0,0) to (1,1)', () => {
    // Scores high to low: 0.9 (+), 0.8 (-), 0.7 and 0.7 (+, -: one diagonal step), 0.2 (+), 0.1 (-).
    const scores = [0.1, 0.9, 0.7, 0.2, 0.8, 0.7];
    const labels = [0, 1, 1, 1, 0, 0];
    const roc = rocCurve(scores, labels)!;
    expect(roc.fpr).toEqual([0, 0, 1 / 3, 2 / 3, 2 / 3, 1]);
    expect(roc.tpr).toEqual([0, 1 / 3, 1 / 3, 2 / 3, 1, 1]);
    expect(roc.thresholds.slice(0, 5)).toEqual([0.9, 0.8, 0.7, 0.2, 0.1]);
    expect(roc.thresholds[5]).toBeLessThan(0.1);
    // Each point is the confusion matrix at its threshold (score > threshold = positive).
    roc.thresholds.forEach((t, k) => {
      const m = confusionMatrix(scores, labels, t);
      expect(m.false_positive / 3).toBeCloseTo(roc.fpr[k] as number, 15);
      expect(m.true_positive / 3).toBeCloseTo(roc.tpr[k] as number, 15);
    });
    expect(trapezoid(roc.fpr, roc.tpr)).toBeCloseTo(rocAuc(scores, labels)!, 15);
  });

  it('has the area rocAuc measures on random data with ties', () => {
    const random = seededRandom(11);
    const scores = Array.from({ length: 2000 }, () => Math.round(random() * 200) / 200);
    const labels = scores.map((s) => (random() < s * 0.6 ? 1 : 0));
    const full = rocCurve(scores, labels, Number.POSITIVE_INFINITY)!;
    expect(full.fpr.length).toBe(new Set(scores).size + 1);
    expect(trapezoid(full.fpr, full.tpr)).toBeCloseTo(rocAuc(scores, labels)!, 12);
    for (let k = 1; k < full.fpr.length; k++) {
      expect(full.fpr[k]).toBeGreaterThanOrEqual(full.fpr[k - 1] as number);
      expect(full.tpr[k]).toBeGreaterThanOrEqual(full.tpr[k - 1] as number);
    }
  });

  it('caps the points, keeping (0,0) and (1,1) and dropping straight runs first', () => {
    const random = seededRandom(5);
    const scores = Array.from({ length: 5000 }, () => random());
    const labels = scores.map((s) => (random() < s ? 1 : 0));
    for (const cap of [101, 20, 2]) {
      const roc = rocCurve(scores, labels, cap)!;
      expect(roc.fpr).toHaveLength(cap);
      expect(roc.thresholds).toHaveLength(cap);
      expect([roc.fpr[0], roc.tpr[0], roc.fpr[cap - 1], roc.tpr[cap - 1]]).toEqual([0, 0, 1, 1]);
    }
    // Perfectly separated with many windows: only the corner (0,1) matters, and the area stays exact.
    const sep = Array.from({ length: 1000 }, (_, i) => i);
    const roc = rocCurve(sep, sep.map((i) => (i >= 900 ? 1 : 0)), 5)!;
    expect(roc.fpr).toEqual([0, 0, 1]);
    expect(roc.tpr).toEqual([0, 1, 1]);
    expect(roc.thresholds[1]).toBe(899);
  });

  it('is null without both classes or without labels', () => {
    expect(rocCurve([0.1, 0.5, 0.9], [0, 0, 0])).toBeNull();
    expect(rocCurve([0.1, 0.5, 0.9], [1, 1, 1])).toBeNull();
    expect(rocCurve([0.1, 0.5], null)).toBeNull();
    expect(rocCurve([], [])).toBeNull();
  });
});

describe('reviewer figures', () => {
  it('calibration: Brier score and bins', () => {
    const c = calibration([0.9, 0.1, 0.8, 0.2], [1, 0, 1, 1])!;
    expect(c.brier).toBeCloseTo((0.01 + 0.01 + 0.04 + 0.64) / 4);
    expect(c.bins.reduce((n, b) => n + b.count, 0)).toBe(4);
  });

  it('fold stability, feature error share and threshold margin', () => {
    const scores = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 5 : 1));
    const labels = scores.map((s) => (s > 2 ? 1 : 0));
    const f = foldStability(scores, labels, 2, 5);
    expect(f.folds).toHaveLength(5);
    expect(f.folds.every((x) => x.auc_roc === 1)).toBe(true);
    expect(f.auc_std).toBe(0);
    const share = featureErrorShare(Float32Array.from([1, 3, 1, 3]), ['a', 'b']);
    expect(share).toEqual([{ feature: 'a', share: 0.25 }, { feature: 'b', share: 0.75 }]);
    expect(thresholdMargin([1, 1.95, 3], [0, 0, 1], 2).near_threshold_fraction).toBe(0.5);
  });
});
