// The mixing-box checks behind the ranking of supply-versus-mixed conditions: each tolerance from both sides
// (the span's ends, the damper above its minimum, eps_f on the outdoor-air fraction, the majority), then the family
// a whole FC5/FC8 episode is given.
import { describe, expect, it } from 'vitest';
import { HEALTHY, steady } from '../test/rows.js';
import { mixingBoxVerdict, MixingBoxTally, type MixingBoxMeans } from './mixing-box.js';
import { DEFAULT_AFDD_SETTINGS as S } from './settings.js';

const MIN_OA = 0.2;
const tally = (m: MixingBoxMeans, times = 1, minOa = MIN_OA): MixingBoxTally => {
  const t = new MixingBoxTally();
  for (let i = 0; i < times; i++) t.add(m, S, minOa);
  return t;
};
// return 72 F, outdoor 58 F: a 14 F span (dt_min 10 F); fraction = (72 - mat) / 14
const at = (mat: number, oa_damper: number): MixingBoxMeans => ({ mat, rat: 72, oat: 58, oa_damper });

describe('mixed air outside the span', () => {
  it('counts a reading at or past the return end with the damper above its minimum (0.2 + 0.05)', () => {
    expect(tally(at(72, 0.26)).outside).toBe(1);
    expect(tally(at(72.1, 0.26)).outside).toBe(1);
    expect(tally(at(57.9, 0.26)).outside).toBe(1); // past the outdoor end
  });
  it('not a reading just inside the span', () => {
    expect(tally(at(71.9, 0.26)).outside).toBe(0);
    expect(tally(at(58.1, 0.26)).outside).toBe(0);
  });
  it('not with the damper at its minimum (the true mix hugs return air there), nor with the minimum unknown', () => {
    expect(tally(at(72.1, 0.25)).outside).toBe(0);
    expect(tally(at(72.1, 0.9), 1, Number.NaN).outside).toBe(0);
  });
  it('counts nothing with return and outdoor air less than dt_min (10 F) apart', () => {
    expect(tally({ mat: 75, rat: 72, oat: 62.1, oa_damper: 0.9 }).outside).toBe(0);
    expect(tally({ mat: 75, rat: 72, oat: 62, oa_damper: 0.9 }).outside).toBe(1);
  });
});

describe('damper tracking', () => {
  it('counts a fraction more than eps_f (30%) from the command', () => {
    expect(tally(at(68.0, 0.6)).offTrack).toBe(1); // 0.286 against 0.6
    expect(tally(at(67.6, 0.6)).offTrack).toBe(0); // 0.314 against 0.6
  });
  it('a damper stuck fully open: a fraction near one under a command near the minimum', () => {
    expect(tally(at(59, 0.3)).offTrack).toBe(1); // 0.93 against 0.3
  });
});

describe('the majority over the alarm delay', () => {
  const mixed = (hits: number, of: number, hit: MixingBoxMeans, miss: MixingBoxMeans) => {
    const t = new MixingBoxTally();
    for (let i = 0; i < of; i++) t.add(i < hits ? hit : miss, S, MIN_OA);
    return mixingBoxVerdict(t, S);
  };
  const healthy = at(65, 0.5); // fraction 0.5, on track
  it('names the sensor on more than half of the readings, not on half', () => {
    expect(mixed(16, 31, at(72.5, 0.5), healthy).family).toBe('sensor');
    expect(mixed(15, 30, at(72.5, 0.5), healthy).family).toBeNull();
  });
  it('names the damper on more than half, not on half; the sensor check goes first', () => {
    expect(mixed(16, 31, at(70, 0.9), healthy).family).toBe('oa_damper');
    expect(mixed(15, 30, at(70, 0.9), healthy).family).toBeNull();
    expect(mixed(31, 31, at(72.5, 0.9), healthy).evidence[0]).toMatch(/^Mixed air read outside the range .* in 31 of 31 readings/);
  });
  it('says what it found when neither holds', () => {
    expect(mixed(0, 31, healthy, healthy).evidence[0]).toMatch(/0 of 31 readings; .* in 0 of 31 readings \(mean 50% against 50% commanded\)/);
  });
});

describe('the family of a supply-versus-mixed episode', () => {
  // OS2 (min OA 0.2): economizing, both valves shut; sat - fan heat - mat = -10 F: FC8 on the cooling side
  const fc8 = (mat: number, oa_damper: number) => steady({ ...HEALTHY.OS2, mat, oa_damper, sat: mat - 8 }).episodes.find((e) => e.fault_condition === 'FC8');
  it('FC8 with mixed air at return air and the damper above its minimum: sensor, the valve ranked lower', () => {
    const e = fc8(72, 0.26);
    expect(e?.family).toBe('sensor');
    expect(e?.evidence[1]).toMatch(/^Ranked lower, the valves' reading: The air cools across the coils/);
  });
  it('FC8 with mixed air just inside: the cooling valve, with the mixing box in the evidence', () => {
    const e = fc8(71.9, 0.26);
    expect(e?.family).toBe('cooling_valve');
    expect(e?.evidence.at(-1)).toMatch(/^Mixing box over the alarm delay: mixed air outside the return-outdoor range in 0 of 31 readings/);
  });
  it('FC8 with the fraction off the command by more than eps_f: oa_damper; within it: the cooling valve', () => {
    expect(fc8(68.0, 0.6)?.family).toBe('oa_damper');
    expect(fc8(67.6, 0.6)?.family).toBe('cooling_valve');
  });
  it('FC5 at minimum outdoor air with mixed air past return air: still the cooling valve', () => {
    const d = steady({ ...HEALTHY.OS1, mat: 70.5, sat: 60 });
    expect(d.episodes.find((e) => e.fault_condition === 'FC5')?.family).toBe('cooling_valve');
  });
});
