import { describe, expect, it } from 'vitest';
import type { DayScoreSet } from './day-bootstrap.js';
import { dayBootstrap, perFaultDayAuc } from './day-bootstrap.js';

// Days of 50 windows; `level` sets where a day's scores sit, with a little spread inside the day.
function day(name: string, faulty: boolean, a: number, b: number): DayScoreSet {
  const spread = (level: number) => Array.from({ length: 50 }, (_, i) => level + (i % 10) * 0.01);
  return { day: name, faulty, a: spread(a), b: spread(b) };
}

describe('day bootstrap of a window AUC', () => {
  it('gives a tight interval above zero when a separates every day and b separates none', () => {
    const days = [day('n1', false, 0, 2), day('n2', false, 0.1, 2.1), day('f1', true, 1, 1.5), day('f2', true, 2, 0.5), day('f3', true, 3, 1.2)];
    const r = dayBootstrap(days, 400, 7);
    expect(r.a.low).toBe(1);
    expect(r.b.high).toBe(0);
    expect(r.difference.low).toBeGreaterThan(0);
    expect(r.share_a_above).toBe(1);
  });

  it('gives an interval across zero when the methods differ only on one of two normal days', () => {
    // a wins when n2 is drawn, loses when n1 is: the outcome depends on which normal day was tested.
    const days = [day('n1', false, 2.5, 0), day('n2', false, 0, 2.5), day('f1', true, 1, 1), day('f2', true, 3, 3), day('f3', true, 2, 2)];
    const r = dayBootstrap(days, 400, 7);
    expect(r.difference.low).toBeLessThan(0);
    expect(r.difference.high).toBeGreaterThan(0);
    expect(r.share_a_above).toBeGreaterThan(0.1);
    expect(r.share_a_above).toBeLessThan(0.9);
  });

  it('is reproducible from its seed and refuses a set without both kinds of day', () => {
    const days = [day('n1', false, 0.5, 0), day('n2', false, 0, 1), day('f1', true, 1, 1), day('f2', true, 0.2, 3)];
    expect(dayBootstrap(days, 200, 3)).toEqual(dayBootstrap(days, 200, 3));
    expect(() => dayBootstrap(days.filter((d) => d.faulty), 10)).toThrow(/normal and faulty/);
  });

  it('scores each faulty day against all normal windows', () => {
    const days = [day('n1', false, 1, 1), day('f1', true, 2, 0), day('f2', true, 0, 2)];
    expect(perFaultDayAuc(days, 'a')).toEqual([{ day: 'f1', auc_roc: 1 }, { day: 'f2', auc_roc: 0 }]);
    expect(perFaultDayAuc(days, 'b')).toEqual([{ day: 'f1', auc_roc: 0 }, { day: 'f2', auc_roc: 1 }]);
  });

  it('scores a faulty day\'s occupied and unoccupied windows apart, against every normal window', () => {
    // f1 stands out only while occupied (its first half); unoccupied it sits below the normal day.
    const f1: DayScoreSet = { day: 'f1', faulty: true, a: [5, 5, 0, 0], b: [0, 0, 5, 5], occupied: [true, true, false, false] };
    const days = [{ day: 'n1', faulty: false, a: [1, 1], b: [1, 1] }, f1];
    expect(perFaultDayAuc(days, 'a', 'occupied')).toEqual([{ day: 'f1', auc_roc: 1 }]);
    expect(perFaultDayAuc(days, 'a', 'unoccupied')).toEqual([{ day: 'f1', auc_roc: 0 }]);
    expect(perFaultDayAuc(days, 'b', 'unoccupied')).toEqual([{ day: 'f1', auc_roc: 1 }]);
    expect(perFaultDayAuc([days[0]!, { ...f1, occupied: undefined }], 'a', 'occupied')).toEqual([{ day: 'f1', auc_roc: null }]);
  });
});
