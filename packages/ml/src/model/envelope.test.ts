import { describe, expect, it } from 'vitest';
import type { TrainingTable } from '../data/table.js';
import { learnEnvelope, outsideEnvelope } from './envelope.js';

const table = (oat: number[], occupied: number[]): TrainingTable => ({
  columns: ['timestamp', 'supply_air_temp', 'oat', 'occupied'],
  timestamps: oat.map((_, i) => i * 60_000),
  values: [Float64Array.from(oat, (_, i) => i * 60_000), Float64Array.from(oat, () => 55), Float64Array.from(oat), Float64Array.from(occupied)],
});
const features = ['supply_air_temp', 'oat', 'occupied'];

describe('operating envelope', () => {
  it('records the trained range of each condition with a margin of a tenth of its span, and the modes seen', () => {
    const e = learnEnvelope(table([70, 80, Number.NaN, 90], [0, 1, 1, 0]), features, { ranges: ['oat'], modes: ['occupied'] });
    expect(e).toEqual({ ranges: [{ column: 'oat', min: 70, max: 90, margin: 2 }], modes: [{ column: 'occupied', seen: [0, 1] }] });
    expect(outsideEnvelope(e, features, [55, 68.5, 1])).toBeNull();
    expect(outsideEnvelope(e, features, [55, 91.5, 1])).toBeNull();
    expect(outsideEnvelope(e, features, [55, 92.5, 1])).toBe('oat 92.5 outside the trained 70 to 90');
    expect(outsideEnvelope(e, features, [55, 67, 1])).toBe('oat 67 outside the trained 70 to 90');
    // A missing reading is not evidence of unseen operation.
    expect(outsideEnvelope(e, features, [55, null, 1])).toBeNull();
  });

  it('flags an occupancy mode never seen in training', () => {
    const e = learnEnvelope(table([70, 80], [1, 1]), features, { ranges: [], modes: ['occupied'] });
    expect(outsideEnvelope(e, features, [55, 75, 0])).toMatch(/occupied 0 never seen in training \(seen: 1\)/);
    expect(outsideEnvelope(e, features, [55, 75, 1])).toBeNull();
  });

  it('records nothing for columns that are not features, unknown, or too many-valued to be modes', () => {
    expect(learnEnvelope(table([70, 80], [0, 1]), ['supply_air_temp'], { ranges: ['oat'], modes: ['occupied'] })).toBeNull();
    expect(learnEnvelope(table([70, 80], [0, 1]), features, { ranges: ['nope'], modes: [] })).toBeNull();
    const many = Array.from({ length: 30 }, (_, i) => i);
    expect(learnEnvelope(table(many, many), features, { ranges: [], modes: ['occupied'] })).toBeNull();
    expect(learnEnvelope(table([70], [1]), features, null)).toBeNull();
    expect(outsideEnvelope(null, features, [0, -40, 7])).toBeNull();
  });
});
