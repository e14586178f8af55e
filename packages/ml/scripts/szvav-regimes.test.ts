import { describe, expect, it } from 'vitest';
import { loadLbnlCsv, SZVAV_CSV } from './lbnl.js';
import { dayRegimes, pcaHeldOutNormalDays } from './szvav-regimes.js';

// The data facts the README's SZVAV account rests on, checked against the real file.

describe('what the SZVAV days contain', () => {
  const table = loadLbnlCsv(SZVAV_CSV);
  const regimes = dayRegimes(table);
  const day = (d: string) => regimes.find((r) => r.day === d)!;
  const normal = regimes.filter((r) => !r.faulty);

  it('the two stuck-damper days show a damper doing what a working one does', () => {
    expect(normal.map((r) => r.day)).toEqual(['2017-09-20', '2017-09-21', '2017-09-23', '2017-09-24']);
    const occupied = normal.map((r) => r.implied_oa_fraction.occupied);
    const unoccupied = normal.map((r) => r.implied_oa_fraction.unoccupied);
    // Working economizer: mostly outdoor air when occupied, return air at night.
    expect(Math.min(...occupied)).toBeGreaterThan(0.7);
    expect(Math.max(...unoccupied)).toBeLessThan(0);
    // "Stuck at minimum" (9/18) still runs on outdoor air by day (a stuck damper would give ~0.1-0.2);
    // "stuck fully open" (9/19) still runs on return air at night (a stuck damper would give ~0.9).
    expect(day('2017-09-18').implied_oa_fraction.occupied).toBeGreaterThanOrEqual(Math.min(...occupied));
    expect(day('2017-09-19').implied_oa_fraction.unoccupied).toBeLessThan(0);
    // A fault that does change the air is seen by the same figure: heating-valve days run on outdoor air at night.
    expect(day('2017-09-14').implied_oa_fraction.unoccupied).toBeGreaterThan(0.7);
  });

  it('the normal test days hold operating regimes the normal training days never had', () => {
    for (const train of ['2017-09-20', '2017-09-21']) {
      expect(day(train).economizer_lockout_minutes).toBe(0);
      expect(day(train).deep_cooling_minutes).toBeLessThan(60);
    }
    for (const test of ['2017-09-23', '2017-09-24']) {
      expect(day(test).economizer_lockout_minutes).toBeGreaterThan(200);
      expect(day(test).deep_cooling_minutes).toBeGreaterThan(400);
    }
  });

  it("the baseline's window AUC moves by more than 0.1 with the choice of held-out normal day", () => {
    const held = pcaHeldOutNormalDays(table).map((r) => r.auc_roc);
    expect(held).toHaveLength(4);
    expect(Math.max(...held) - Math.min(...held)).toBeGreaterThan(0.1);
    for (const auc of held) expect(auc).toBeGreaterThan(0.6);
  });
});
