// A model's alarm as an episode: the family from the features carrying the error and the commands over the alarm.
import { describe, expect, it } from 'vitest';
import { DEFAULT_AFDD_SETTINGS as S, modelEpisode, type AfddInput, type ModelAlarmContext } from './index.js';

const MAP: Record<string, AfddInput> = { CHW_VLV: 'cool_valve', HW_VLV: 'heat_valve', SAT: 'sat', MAT: 'mat', OA_DMPR: 'oa_damper', RAT: 'rat', SF_SPD: 'fan_speed', OAT: 'oat', OCC: 'occupied' };
const ctx = (means: ModelAlarmContext['means']): ModelAlarmContext => ({ inputOf: (f) => MAP[f], means: { fan_speed: 0.7, rat: 74, oat: 88, mat: 77, oa_damper: 0.4, ...means }, minOa: 0.4, threshold: 1.2, persistenceMinutes: 60 });
const alarm = (...features: string[]) => ({
  start: '2007-08-28T14:00:00.000Z', end: '2007-08-28T15:30:00.000Z', peak_score: 2.5,
  top_features: features.map((feature, i) => ({ feature, share: 0.5 / (i + 1) })),
});

describe('modelEpisode', () => {
  it('a cooling valve carrying the error with heating commanded shut: the heating valve (a compensated leak)', () => {
    const e = modelEpisode(alarm('SAT', 'CHW_VLV', 'MAT'), ctx({ heat_valve: 0, cool_valve: 0.7 }), S);
    expect(e).toMatchObject({ fault_condition: 'model', family: 'heating_valve', minutes: 90, operating_state: 'OS4', peak_score: 2.5 });
    expect(e.evidence[0]).toMatch(/compensated by the cooling loop/);
    expect(e.evidence[1]).toBe('Features carrying the error: SAT (sat) 50%, CHW_VLV (cool_valve) 25%, MAT (mat) 17%.');
    expect(e.top_features?.map((f) => f.feature)).toEqual(['SAT', 'CHW_VLV', 'MAT']);
  });
  it('the same with heating open too: control; with the heating valve carrying it and cooling shut: cooling valve', () => {
    expect(modelEpisode(alarm('CHW_VLV'), ctx({ heat_valve: 0.3, cool_valve: 0.7 }), S).family).toBe('control');
    expect(modelEpisode(alarm('HW_VLV'), ctx({ heat_valve: 0.3, cool_valve: 0 }), S).family).toBe('cooling_valve');
  });
  it('a valve command at valve_closed (2%) is shut, just above it is open', () => {
    expect(modelEpisode(alarm('CHW_VLV'), ctx({ heat_valve: 0.02, cool_valve: 0.7 }), S).family).toBe('heating_valve');
    expect(modelEpisode(alarm('CHW_VLV'), ctx({ heat_valve: 0.021, cool_valve: 0.7 }), S).family).toBe('control');
  });
  it('mixed air carrying the error: the sensor when it reads outside return-outdoor, else the damper', () => {
    expect(modelEpisode(alarm('MAT'), ctx({ heat_valve: 0, cool_valve: 0.5, mat: 73.9 }), S).family).toBe('sensor'); // below return, outdoor warmer
    expect(modelEpisode(alarm('MAT'), ctx({ heat_valve: 0, cool_valve: 0.5, mat: 74.1 }), S).family).toBe('oa_damper');
    expect(modelEpisode(alarm('OA_DMPR'), ctx({ heat_valve: 0, cool_valve: 0.5 }), S).family).toBe('oa_damper');
  });
  it('supply air, outdoor air, occupancy or unmapped columns name no part: unknown; the next feature leads', () => {
    expect(modelEpisode(alarm('SAT', 'OAT', 'OCC', 'ZONE_T'), ctx({}), S).family).toBe('unknown');
    expect(modelEpisode(alarm('OAT', 'RAT'), ctx({}), S).family).toBe('sensor');
    expect(modelEpisode(alarm('OCC', 'CHW_VLV'), ctx({ heat_valve: 0, cool_valve: 0.6 }), S).family).toBe('heating_valve');
  });
  it('the fan: fan_pressure', () => {
    expect(modelEpisode(alarm('SF_SPD'), ctx({}), S).family).toBe('fan_pressure');
    expect(modelEpisode({ ...alarm(), top_features: null }, ctx({}), S).evidence[0]).toMatch(/does not say which features/);
  });
});
