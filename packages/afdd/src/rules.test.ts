// One test per fault condition, straight from its equation: a steady reading just inside and just outside
// each tolerance (defaults: eps_SAT 2, eps_RAT 2, eps_MAT 5, eps_OAT 2, fan heat 2, eps_F 0.3, dT_min 10 ...).
import { describe, expect, it } from 'vitest';
import { AFDD_INPUTS, RULES, type Means } from './index.js';
import { fired, HEALTHY, steady, TEST_SETTINGS, type Reading } from '../test/rows.js';

type Case = [label: string, base: keyof typeof HEALTHY, change: Reading, fires: boolean, family?: string];

/** The rule's excess (its inequality moved to one side) at one steady reading. */
function excessAt(fc: string, reading: Reading): number {
  const means = { ...Object.fromEntries(AFDD_INPUTS.map((n) => [n, Number.NaN])), ...reading } as Means;
  const rule = RULES.find((r) => r.id === fc);
  return rule ? rule.size.excess(means, TEST_SETTINGS, { state: 'OS5', minOa: 0.2, stateChangesLastHour: 0 }) : Number.NaN;
}

function check(fc: string, cases: Case[]): void {
  describe(fc, () => {
    it.each(cases)('%s', (_label, base, change, fires, family) => {
      const reading = { ...HEALTHY[base], ...change };
      const d = steady(reading);
      expect(fired(d).includes(fc)).toBe(fires);
      const episode = d.episodes.find((e) => e.fault_condition === fc);
      if (family) expect(episode?.family).toBe(family);
      if (!fires) return;
      expect(episode?.evidence[0]).toMatch(/\w+/);
      // Its deviation (what standing judges) is the equation's excess at that reading, positive while it holds.
      expect(episode?.deviation).toBeGreaterThan(0);
      expect(episode?.deviation).toBeCloseTo(excessAt(fc, reading), 3);
    });
  });
}

// duct_sp < duct_sp_sp - eps_DSP and fan_speed >= 99% - eps_VFDSPD
check('FC1', [
  ['pressure 0.12 below set point, fan 95%', 'OS4', { duct_sp: 1.08, fan_speed: 0.95 }, true, 'fan_pressure'],
  ['pressure 0.08 below set point, fan 95%', 'OS4', { duct_sp: 1.12, fan_speed: 0.95 }, false],
  ['pressure 0.12 below set point, fan 93%', 'OS4', { duct_sp: 1.08, fan_speed: 0.93 }, false],
]);

// mat + eps_MAT < min(rat - eps_RAT, oat - eps_OAT): OS1 has rat 70, oat 40, so mat < 33
check('FC2', [
  ['mat 32.9', 'OS1', { mat: 32.9 }, true, 'sensor'],
  ['mat 33.1', 'OS1', { mat: 33.1 }, false],
]);

// mat - eps_MAT > max(rat + eps_RAT, oat + eps_OAT): mat > 77
check('FC3', [
  ['mat 77.1', 'OS1', { mat: 77.1 }, true, 'sensor'],
  ['mat 76.9', 'OS1', { mat: 76.9 }, false],
]);

// OS1: sat + eps_SAT <= mat - eps_MAT + dT_SF: mat 64, so sat <= 59
check('FC5', [
  ['sat 58.9 with heating on', 'OS1', { sat: 58.9 }, true, 'cooling_valve'],
  ['sat 59.1 with heating on', 'OS1', { sat: 59.1 }, false],
  ['sat 58.9 in OS2 (not judged)', 'OS2', { sat: 58.9, mat: 64 }, false],
]);

// OS1/OS4: |rat - oat| >= dT_min and |%OA - %OA_min| > eps_F; OS1: %OA = (mat - 70) / (40 - 70);
// %OA_min = oa_flow_min_sp / sa_flow = 1000 / 5000 = 0.2
check('FC6', [
  ['%OA 0.51 (mat 54.7)', 'OS1', { mat: 54.7 }, true, 'oa_damper'],
  ['%OA 0.49 (mat 55.3)', 'OS1', { mat: 55.3 }, false],
  ['|rat - oat| 10.1 and %OA 0.59', 'OS1', { oat: 59.9, mat: 64 }, true, 'oa_damper'],
  ['|rat - oat| 9.9 and %OA 0.61', 'OS1', { oat: 60.1, mat: 64 }, false],
  ['OS4: %OA 0.53 (mat 82.9)', 'OS4', { mat: 82.9 }, true, 'oa_damper'],
  ['OS2 (not judged)', 'OS2', { mat: 70.5, oat: 40, rat: 70 }, false],
  ['%OA 0.2 against %OA_min 0.53 (supply 1,900 cfm)', 'OS1', { sa_flow: 1900 }, true, 'oa_damper'],
  ['%OA 0.2 against %OA_min 0.48 (supply 2,100 cfm)', 'OS1', { sa_flow: 2100 }, false],
  ['%OA 0.51 but no supply airflow reading (skipped)', 'OS1', { mat: 54.7, sa_flow: Number.NaN }, false],
]);

it('FC6 is skipped without airflow points, never judged from the damper position', () => {
  const d = steady({ ...HEALTHY.OS1, mat: 54.7, sa_flow: Number.NaN, oa_flow_min_sp: Number.NaN });
  expect(fired(d)).not.toContain('FC6');
  expect(d.skipped_rules.find((s) => s.fault_condition === 'FC6')?.reason)
    .toMatch(/^needs outdoor and supply airflow \(missing inputs: sa_flow, oa_flow_min_sp\): .*damper position is no substitute/);
});

// Operating states read a valve commanded at 2% or less as shut (APAR's thresholds): OS2 holds and FC8 is judged
// (sat 60: |60 - 2 - 63.6| = 5.6 > 5.39); a 3% heating command is open, so the state is OS5 and nothing is judged.
describe('small valve commands', () => {
  it.each([
    ['heating commanded 2%', { heat_valve: 0.02 }, true],
    ['cooling commanded 2%', { cool_valve: 0.02 }, true],
    ['heating commanded 3% (OS5)', { heat_valve: 0.03 }, false],
  ] as const)('%s', (_label, change, fires) => {
    expect(fired(steady({ ...HEALTHY.OS2, sat: 60, ...change })).includes('FC8')).toBe(fires);
  });
});

// OS1: sat < sat_sp - eps_SAT and heating valve >= 99%: sat_sp 80
check('FC7', [
  ['sat 77.9, valve 100%', 'OS1', { sat: 77.9, heat_valve: 1 }, true, 'heating_valve'],
  ['sat 78.1, valve 100%', 'OS1', { sat: 78.1, heat_valve: 1 }, false],
  ['sat 77.9, valve 98%', 'OS1', { sat: 77.9, heat_valve: 0.98 }, false],
]);

// OS2: |sat - dT_SF - mat| > sqrt(eps_SAT^2 + eps_MAT^2) = 5.385: mat 63.6, so sat > 70.985 or < 60.215
check('FC8', [
  ['sat 71.1: warmed with valves shut', 'OS2', { sat: 71.1 }, true, 'heating_valve'],
  ['sat 70.9', 'OS2', { sat: 70.9 }, false],
  ['sat 60.1: cooled with valves shut', 'OS2', { sat: 60.1 }, true, 'cooling_valve'],
  ['sat 60.3', 'OS2', { sat: 60.3 }, false],
]);

// OS2: oat - eps_OAT > sat_sp - dT_SF + eps_SAT: sat_sp 65, so oat > 67
check('FC9', [
  ['oat 67.1', 'OS2', { oat: 67.1 }, true, 'control'],
  ['oat 66.9', 'OS2', { oat: 66.9 }, false],
]);

// OS3: |mat - oat| > sqrt(eps_MAT^2 + eps_OAT^2) = 5.385: oat 65
check('FC10', [
  ['mat 70.5', 'OS3', { mat: 70.5 }, true, 'oa_damper'],
  ['mat 70.3', 'OS3', { mat: 70.3 }, false],
  ['mat 59.5', 'OS3', { mat: 59.5 }, true, 'oa_damper'],
]);

// OS3: oat + eps_OAT < sat_sp - dT_SF - eps_SAT: sat_sp 55, so oat < 49
check('FC11', [
  ['oat 48.9', 'OS3', { oat: 48.9, mat: 48.9, sat: 47 }, true, 'control'],
  ['oat 49.1', 'OS3', { oat: 49.1, mat: 49.1, sat: 47 }, false],
]);

// OS2-OS4: sat - eps_SAT - dT_SF >= mat + eps_MAT: sat >= mat + 9
check('FC12', [
  ['OS4, mat 78, sat 87.1 with cooling open', 'OS4', { sat: 87.1, sat_sp: 90 }, true, 'heating_valve'],
  ['OS4, sat 86.9', 'OS4', { sat: 86.9, sat_sp: 90 }, false],
  ['OS2, sat 72.7', 'OS2', { sat: 72.7, sat_sp: 75 }, true, 'heating_valve'],
  ['OS1 (not judged)', 'OS1', { sat: 74 }, false],
  ['OS4 with mixed air impossible: sensor', 'OS4', { mat: 60, rat: 75, oat: 90, sat: 69.5, sat_sp: 70 }, true, 'sensor'],
]);

// OS3/OS4: sat > sat_sp + eps_SAT and cooling valve >= 99%: sat_sp 55
check('FC13', [
  ['sat 57.1, valve 100%: cooling does not deliver', 'OS4', { sat: 57.1, cool_valve: 1 }, true, 'cooling_valve'],
  ['sat 56.9, valve 100%', 'OS4', { sat: 56.9, cool_valve: 1 }, false],
  ['sat 57.1, valve 98%', 'OS4', { sat: 57.1, cool_valve: 0.98 }, false],
  ['sat above mixed air with cooling at full: heating', 'OS3', { sat: 73, cool_valve: 1 }, true, 'heating_valve'],
]);

// OS1/OS2: ccet - cclt >= sqrt(eps_in^2 + eps_out^2) + dT_SF = 4.828
check('FC14', [
  ['drop 4.9 across the inactive cooling coil', 'OS2', { ccet: 65.6, cclt: 60.7, hcet: 63.6, hclt: 63.6 }, true, 'cooling_valve'],
  ['drop 4.7', 'OS2', { ccet: 65.6, cclt: 60.9, hcet: 63.6, hclt: 63.6 }, false],
  ['OS4: the coil is active', 'OS4', { ccet: 78, cclt: 55, hcet: 78, hclt: 78 }, false],
]);

// OS2-OS4: hclt - hcet >= 4.828
check('FC15', [
  ['rise 4.9 across the inactive heating coil', 'OS2', { hcet: 63.6, hclt: 68.5, ccet: 68.5, cclt: 68.5 }, true, 'heating_valve'],
  ['rise 4.7', 'OS2', { hcet: 63.6, hclt: 68.3, ccet: 68.3, cclt: 68.3 }, false],
  ['OS1: the coil is active', 'OS1', { hcet: 64, hclt: 81, ccet: 81, cclt: 81 }, false],
]);
