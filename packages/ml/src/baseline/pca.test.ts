import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMETERS, type Hyperparameters } from '../hyperparameters.js';
import { fitPcaBaseline, pcaBaselineScores, rowsAtTimes, timeSegments, type BaselineModelInfo } from './pca-baseline.js';
import { fitPca, pcaErrors } from './pca.js';

const meanOf = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
const sampleStd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - meanOf(xs)) ** 2, 0) / (xs.length - 1));

describe('PCA', () => {
  // Points on the line y = 2x + 1: in z-space both features are equal, so one component explains all of the
  // variance, a point on the line is reconstructed exactly and a point off it leaves (zx - zy)^2 / 2.
  const xs = [0, 1, 2, 3, 4];
  const line = [Float64Array.from(xs), Float64Array.from(xs, (x) => 2 * x + 1)];

  it('keeps one component for data on a line: zero error on the line, (zx - zy)^2 / 2 off it', () => {
    const pca = fitPca(line);
    expect(pca.components).toHaveLength(1);
    expect(pca.explained).toBeCloseTo(1, 12);
    expect(pca.means).toEqual([2, 5]);
    expect(pca.stds[0]).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(pca.stds[1]).toBeCloseTo(2 * Math.sqrt(2.5), 12);
    const [u, v] = pca.components[0] as [number, number];
    expect(Math.abs(u)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(v).toBeCloseTo(u, 12);
    for (const e of pcaErrors(pca, [Float64Array.from([-3, 0.5, 10]), Float64Array.from([-5, 2, 21])])) expect(e).toBeCloseTo(0, 12);
    // (2, 5 + 2 sqrt(2.5)) is z = (0, 1): error 1/2. (0, 9) is z = (-2/s, 4/(2s)) = (-2/s, 2/s): error 8/s^2 = 3.2.
    const off = pcaErrors(pca, [Float64Array.from([2, 0]), Float64Array.from([5 + 2 * Math.sqrt(2.5), 9])]);
    expect(off[0]).toBeCloseTo(0.5, 12);
    expect(off[1]).toBeCloseTo(3.2, 12);
  });

  it('keeps components until they explain the variance asked for', () => {
    // Two uncorrelated features of equal variance: each component explains half.
    const a = Float64Array.from([1, -1, 1, -1, 1, -1, 1, -1]);
    const b = Float64Array.from([1, 1, -1, -1, 1, 1, -1, -1]);
    const both = fitPca([a, b]);
    expect(both.components).toHaveLength(2);
    expect(Math.max(...pcaErrors(both, [a, b]))).toBeCloseTo(0, 12);
    const one = fitPca([a, b], { variance: 0.5 });
    expect(one.components).toHaveLength(1);
    expect(one.explained).toBeCloseTo(0.5, 12);
    // Whichever direction is kept, the other feature's squared z-score (1 / (8/7)) is left over.
    for (const e of pcaErrors(one, [a, b])) expect(e).toBeCloseTo(7 / 8, 12);
  });

  it('fits only the rows it is given and refuses too few', () => {
    const outlier = [Float64Array.from([...xs, 2]), Float64Array.from([...line[1]!, 50])];
    const pca = fitPca(outlier, { rows: [0, 1, 2, 3, 4] });
    expect(pca.components).toHaveLength(1);
    expect(pcaErrors(pca, outlier)[2]).toBeCloseTo(0, 12);
    expect(() => fitPca(line, { rows: [3] })).toThrow(/two rows/);
  });
});

describe('the PCA baseline of an evaluation', () => {
  const MINUTE = 60_000;
  const hp: Hyperparameters = { ...DEFAULT_HYPERPARAMETERS, optimizer: 'adam', loss: 'mse', validation_split: 0.2, threshold_percentile: 99 };
  const model: BaselineModelInfo = { feature_columns: ['x', 'y'], label_column: 'fault', sampling_interval_seconds: 60, hyperparameters: hp };

  /** 200 one-minute rows on y = 2x + 1, except labelled faults: row 50 (training) and row 170 (validation), y + 4. */
  function table() {
    const x = Float64Array.from({ length: 200 }, (_, i) => i % 10);
    const y = Float64Array.from(x, (v) => 2 * v + 1);
    const fault = new Float64Array(200);
    for (const r of [50, 170]) {
      y[r] = (y[r] as number) + 4;
      fault[r] = 1;
    }
    return { columns: ['x', 'y', 'fault'], timestamps: Float64Array.from({ length: 200 }, (_, i) => i * MINUTE), values: [x, y, fault] };
  }

  it('fits on the normal training rows and takes the percentile of the normal validation scores', () => {
    const t = table();
    const b = fitPcaBaseline(t, model);
    // 160 training rows (the first 80%), the labelled one left out: the line survives.
    expect(b.fitRows).toBe(159);
    expect(b.pca.components).toHaveLength(1);
    expect(b.smoothingRows).toBe(60);
    const fitX = Array.from(t.values[0]!.subarray(0, 160)).filter((_, i) => i !== 50);
    const s = sampleStd(fitX);
    expect(b.pca.stds[0]).toBeCloseTo(s, 12);
    // Row 170: x = 0, y = 5 against a line value of 1: z differs by 4 / (2s) + ... = 2/s, error (2/s)^2 / 2.
    const error = 2 / s ** 2;
    const scores = pcaBaselineScores(b, t);
    expect(scores[169]).toBeCloseTo(0, 12);
    expect(scores[170]).toBeCloseTo(error / 60, 12);
    expect(scores[199]).toBeCloseTo(error / 60, 12);
    // Row 50 (x = 0, y + 4 too): the first hour's mean covers only the 51 rows so far; then the error stays until row 109.
    expect(scores[50]).toBeCloseTo(error / 51, 12);
    expect(scores[109]).toBeCloseTo(error / 60, 12);
    expect(scores[110]).toBeCloseTo(0, 12);
    // Normal validation rows: 160-169 score 0, 171-199 carry row 170 in their hour; the 99th percentile is error / 60.
    expect(b.threshold).toBeCloseTo(error / 60, 12);
  });

  it('restarts the trailing hour after a gap in time, and aligns windows to the rows they end on', () => {
    const t = table();
    const b = fitPcaBaseline(t, model);
    const later = { ...t, timestamps: Float64Array.from(t.timestamps, (v, i) => (i >= 171 ? v + 60 * MINUTE : v)) };
    expect(timeSegments(later.timestamps)).toEqual([[0, 171], [171, 200]]);
    const scores = pcaBaselineScores(b, later);
    expect(scores[170]).toBeGreaterThan(0);
    expect(scores[171]).toBeCloseTo(0, 12);
    expect(Array.from(rowsAtTimes(later.timestamps, [later.timestamps[7]!, later.timestamps[171]!, later.timestamps[199]!]))).toEqual([7, 171, 199]);
    expect(() => rowsAtTimes(later.timestamps, [30_000])).toThrow(/no row/);
  });

  it('fits on every training row when the model has no label column, and names missing features', () => {
    const t = table();
    const b = fitPcaBaseline(t, { ...model, label_column: null });
    expect(b.fitRows).toBe(160);
    expect(() => fitPcaBaseline({ ...t, columns: ['x', 'z', 'fault'] }, model)).toThrow(/lacks the baseline's feature columns: y/);
  });
});
