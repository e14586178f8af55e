import { describe, expect, it } from 'vitest';
import { AfddSettingsError, DEFAULT_AFDD_SETTINGS, parseAfddSettings, toCanonical } from './index.js';

describe('parseAfddSettings', () => {
  it('has the Guideline 36 defaults', () => {
    expect(DEFAULT_AFDD_SETTINGS).toMatchObject({
      eps_sat: 2, eps_rat: 2, eps_mat: 5, eps_oat: 2, fan_heat: 2, eps_f: 0.3, eps_vfdspd: 0.05, eps_dsp: 0.1,
      dt_min: 10, max_state_changes_per_hour: 7, rolling_minutes: 5, mode_delay_minutes: 30, alarm_delay_minutes: 30, min_oa_fraction: null,
    });
    expect(parseAfddSettings(undefined)).toEqual(DEFAULT_AFDD_SETTINGS);
  });

  it('merges overrides over the defaults', () => {
    expect(parseAfddSettings({ eps_oat: 5, min_oa_fraction: 0.15 })).toEqual({ ...DEFAULT_AFDD_SETTINGS, eps_oat: 5, min_oa_fraction: 0.15 });
  });

  const errorsOf = (input: unknown) => {
    try {
      parseAfddSettings(input);
    } catch (error) {
      expect(error).toBeInstanceOf(AfddSettingsError);
      return (error as AfddSettingsError).errors;
    }
    throw new Error('expected AfddSettingsError');
  };

  it('names each bad field', () => {
    expect(errorsOf({ eps_sat: -1 }).map((e) => e.field)).toEqual(['eps_sat']);
    expect(errorsOf({ eps_f: '30%' }).map((e) => e.field)).toEqual(['eps_f']);
    expect(errorsOf({ min_oa_fraction: 1.5, max_state_changes_per_hour: 7.5 }).map((e) => e.field).sort()).toEqual(['max_state_changes_per_hour', 'min_oa_fraction']);
    expect(errorsOf({ eps_sat: Number.NaN }).map((e) => e.field)).toEqual(['eps_sat']);
  });

  it('rejects unknown keys by name', () => {
    expect(errorsOf({ epsSat: 2, eps_sat: 3 })).toEqual([{ field: 'epsSat', message: 'unknown setting' }]);
  });

  it('rejects a non-object', () => {
    expect(errorsOf([1, 2])).toEqual([{ field: '', message: 'settings must be an object' }]);
  });
});

describe('toCanonical', () => {
  const of = (xs: number[], unit: Parameters<typeof toCanonical>[1]) => [...toCanonical(Float64Array.from(xs), unit)];
  it('converts C to F, percent to a fraction, Pa to in. w.c., and keeps NaN', () => {
    expect(of([0, 100, -40, Number.NaN], 'C')).toEqual([32, 212, -40, Number.NaN]);
    expect(of([0, 55, 100], 'percent')).toEqual([0, 0.55, 1]);
    expect(of([249.0889, 0], 'Pa')).toEqual([1, 0]);
    expect(of([1000, 0], 'L/s')[0]).toBeCloseTo(2118.88, 2);
  });
  it('leaves canonical units alone and returns a new array', () => {
    const values = Float64Array.from([72.5, 0.4]);
    for (const unit of ['F', 'fraction', 'inH2O', 'binary', 'cfm', null] as const) {
      const out = toCanonical(values, unit);
      expect([...out]).toEqual([72.5, 0.4]);
      expect(out).not.toBe(values);
    }
  });
});
