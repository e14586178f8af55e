import { describe, expect, it } from 'vitest';
import { seededRandom } from '../model/torch-weights.js';
import { classificationMetrics, percentile, rocAuc, selectThresholdByF1 } from './classification.js';
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
