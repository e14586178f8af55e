import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('grows exponentially up to the cap and draws uniformly below it (full jitter)', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, 1000, 60_000, () => 0.999999))).toEqual([999, 1999, 3999, 7999, 59_999]);
    expect(backoffDelay(5, 1000, 60_000, () => 0)).toBe(0);
  });

  it('spreads a fleet that lost its broker at the same instant', () => {
    const delays = Array.from({ length: 1000 }, () => backoffDelay(3, 1000, 60_000));
    const buckets = [0, 0, 0, 0];
    for (const d of delays) buckets[Math.min(3, Math.floor(d / 2000))]! += 1;
    // About a quarter of the fleet in each quarter of the 8 s window, not all at once.
    for (const b of buckets) expect(b).toBeGreaterThan(150);
  });
});
