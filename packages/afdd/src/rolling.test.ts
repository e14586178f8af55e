import { describe, expect, it } from 'vitest';
import { MinOaEstimator } from './min-oa.js';
import { ROLLING_CAPACITY, RollingMean } from './rolling.js';

const MINUTE = 60_000;

describe('RollingMean', () => {
  it('averages the samples of the last window (exclusive of its start) and skips NaN', () => {
    const r = new RollingMean(5 * MINUTE);
    const means = [1, 2, 3, Number.NaN, 5, 6, 7].map((v, i) => r.push(i * MINUTE, v));
    expect(means.slice(0, 5)).toEqual([1, 1.5, 2, 2, 11 / 4]);
    expect(means[5]).toBe((2 + 3 + 5 + 6) / 4); // the sample at minute 0 left the window at minute 5
    expect(means[6]).toBe((3 + 5 + 6 + 7) / 4);
  });

  it('is NaN with nothing left in the window, and empty after reset', () => {
    const r = new RollingMean(5 * MINUTE);
    r.push(0, 4);
    expect(r.push(10 * MINUTE, Number.NaN)).toBeNaN();
    r.reset();
    expect(r.push(11 * MINUTE, 8)).toBe(8);
  });

  it('keeps at most ROLLING_CAPACITY samples (the oldest go first)', () => {
    const r = new RollingMean(60 * MINUTE);
    for (let i = 0; i < ROLLING_CAPACITY; i++) r.push(i, 0);
    expect(r.push(ROLLING_CAPACITY, ROLLING_CAPACITY)).toBe(1); // full: one zero dropped, so 511 zeros and the 512 average to 1
  });
});

describe('MinOaEstimator', () => {
  it('returns the percentile of the counted damper commands to 0.001', () => {
    const e = new MinOaEstimator();
    expect(e.estimate(0.05)).toBeNull();
    for (let i = 0; i < 95; i++) e.add(0.3);
    for (let i = 0; i < 5; i++) e.add(0.12);
    e.add(Number.NaN);
    expect(e.samples).toBe(100);
    expect(e.estimate(0.05)).toBe(0.12);
    expect(e.estimate(0.06)).toBe(0.3);
    e.add(-0.04); // LBNL's exhaust damper reads -0.04: clamped into 0-1
    expect(e.estimate(0)).toBe(0);
  });
});
