import { describe, expect, it } from 'vitest';
import { validateHyperparameters, type Architecture } from '../hyperparameters.js';
import { syntheticTable } from '../test-support/synthetic.js';
import { fillMissing } from './missing.js';
import { horizonRows, prepareData } from './prepare.js';
import { findColumn, findLabelColumn, samplingIntervalSeconds } from './table.js';
import { windowStarts } from './windows.js';

const hp = (architecture: Architecture, over: object = {}) => {
  const v = validateHyperparameters(architecture, { sequence_length: 10, stride: 1, ...over });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.value.hyperparameters;
};

const prepared = (architecture: Architecture, table = syntheticTable(200, 3, [[100, 120], [185, 190]]), over: object = {}) => {
  const r = prepareData(table, architecture, hp(architecture, over));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
};

describe('data pipeline', () => {
  it('splits by time: the last validation_split of the rows validate and no window straddles the split', () => {
    const d = prepared('sentinel', syntheticTable(200), { validation_split: 0.25 });
    expect(d.splitTimestamp).toBe(Date.UTC(2026, 0, 1) + 150 * 60_000);
    expect(d.train.count).toBe(150 - 10 + 1);
    expect(d.validation.count).toBe(50 - 10 + 1);
    expect(Math.max(...d.train.ends)).toBeLessThan(d.splitTimestamp);
    expect(Math.min(...d.validation.ends)).toBe(d.splitTimestamp + 9 * 60_000);
  });

  it('z-scores with the training rows only, a constant column mapping to 0', () => {
    const t = syntheticTable(200);
    (t.values[3] as Float64Array).fill(0.5);
    (t.values[1] as Float64Array).fill(1000, 160); // a shift in the validation rows only
    const d = prepared('sentinel', t);
    expect(d.stds[2]).toBe(1);
    expect(d.means[2]).toBe(0.5);
    expect(d.means[0]).toBeLessThan(60);
    expect(d.validation.x[(d.validation.count - 1) * 10 * 4]).toBeGreaterThan(100);
  });

  it('builds the predictor targets 5/15/30 minutes ahead and keeps the look-ahead inside the split', () => {
    const d = prepared('gru_predictor');
    expect(horizonRows(60)).toEqual([5, 15, 30]);
    // Train windows end at row 9 + k; the fault starts at row 100: a window ending at row 94 sees it 6 rows ahead.
    const row = (end: number) => Array.from(d.train.y!.subarray((end - 9) * 3, (end - 9) * 3 + 3));
    expect(row(94)).toEqual([0, 1, 1]);
    expect(row(95)).toEqual([1, 1, 1]);
    expect(row(69)).toEqual([0, 0, 0]);
    expect(row(70)).toEqual([0, 0, 1]);
    expect(d.train.count).toBe(160 - 10 - 30 + 1);
  });

  it('keeps labelled faulty windows out of the autoencoder training set, not out of validation', () => {
    const d = prepared('lstm_autoencoder');
    expect(d.train.y).toBeNull();
    expect(Array.from(d.train.anyFault!).every((f) => f === 0)).toBe(true);
    expect(d.train.count).toBe(151 - 20 - 9);
    expect(Array.from(d.validation.anyFault!).some((f) => f === 1)).toBe(true);
  });

  it('fills missing cells forward, then with the training mean, and counts both', () => {
    const { filled, counts } = fillMissing(['a'], [Float64Array.from([Number.NaN, 2, Number.NaN, Number.NaN, 5])], [7]);
    expect(Array.from(filled[0]!)).toEqual([7, 2, 2, 2, 5]);
    expect(counts[0]).toEqual({ column: 'a', missing: 3, forward_filled: 2, mean_filled: 1 });
  });

  it('names the hyperparameter when no window fits', () => {
    const r = prepareData(syntheticTable(40), 'sentinel', hp('sentinel', { sequence_length: 35 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.field).toBe('hyperparameters.sequence_length');
    const all = prepareData(syntheticTable(100, 1, [[0, 100]]), 'lstm_autoencoder', hp('lstm_autoencoder'));
    expect(!all.ok && all.errors[0]?.field).toBe('hyperparameters.label_column');
  });

  it('finds columns loosely and measures the sampling interval as the median gap', () => {
    expect(findColumn(['Supply_Air Temp'], 'supply air-temp')).toBe(0);
    expect(findLabelColumn(['x', 'Fault Detection Ground Truth', 'alarm'])).toBe('Fault Detection Ground Truth');
    expect(samplingIntervalSeconds([0, 60_000, 120_000, 3_600_000, 3_660_000])).toBe(60);
    expect(Array.from(windowStarts(5, 20, 5, 4, 2))).toEqual([5, 9, 13]);
  });
});
