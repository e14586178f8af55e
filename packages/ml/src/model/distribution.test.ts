import { describe, expect, it } from 'vitest';
import { binDistribution, binIndex, histogram, learnFeatureDistribution, psi } from './distribution.js';

const cycle = (n: number, shift = 0) => Array.from({ length: n }, (_, i) => 55 + 2 * Math.sin((2 * Math.PI * i) / 120) + shift);

describe('training histograms and PSI', () => {
  it('bins with open end bins: below the first edge, at or above the last', () => {
    expect([-100, 1, 1.5, 2, 3, 100].map((v) => binIndex([1, 2, 3], v))).toEqual([0, 1, 1, 2, 3, 3]);
    expect(histogram([1, 2], [0, 1, 5, Number.NaN, 2])).toEqual([1, 1, 2]);
  });

  it('decile edges give equal training shares; a discrete feature merges duplicate edges', () => {
    const d = binDistribution(cycle(480))!;
    expect(d.edges).toHaveLength(9);
    for (const e of d.expected) expect(e).toBeCloseTo(0.1, 1);
    const modes = binDistribution(Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? 1 : 0)))!;
    expect(modes.edges).toEqual([0, 1]);
    expect(modes.expected).toEqual([0, 0.75, 0.25]);
    expect(binDistribution([1, 2, 3])).toBeUndefined();
  });

  it('PSI is near 0 for the same distribution and far above 0.2 for a +4 shift', () => {
    const d = binDistribution(cycle(480))!;
    expect(psi(d.expected, histogram(d.edges, cycle(240)))).toBeLessThan(0.05);
    expect(psi(d.expected, histogram(d.edges, cycle(240, 4)))).toBeGreaterThan(2);
    expect(psi(d.expected, histogram(d.edges, cycle(240, 0.3)))).toBeGreaterThan(0.05);
    expect(psi(d.expected, d.expected.map(() => 0))).toBeNaN();
  });

  it('learns feature histograms from the rows before the split only', () => {
    const n = 200;
    const table = {
      columns: ['ts', 'a', 'b'], timestamps: Array.from({ length: n }, (_, i) => i * 1000),
      values: [Float64Array.from({ length: n }, (_, i) => i), Float64Array.from({ length: n }, (_, i) => (i < 100 ? i : 1e6)), new Float64Array(n).fill(Number.NaN)],
    };
    const d = learnFeatureDistribution(table, ['a', 'b'], 100_000)!;
    expect(d.rows).toBe(100);
    expect(d.features.map((f) => f.column)).toEqual(['a']);
    expect(d.features[0]!.edges.at(-1)).toBeLessThan(100);
  });
});
