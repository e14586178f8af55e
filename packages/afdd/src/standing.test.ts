// Standing findings judged by size: a pair (condition, family) present on the reference days is reported once for
// every episode whose deviation is at most the largest there plus the rule's allowance (FC8: eps_SAT, 2 F), however
// long it lasts; a larger episode, or a pair never seen there, stays a fault.
import { describe, expect, it } from 'vitest';
import { applyReference, DEFAULT_AFDD_SETTINGS, diagnoseSeries, parseAfddSettings, type Episode } from './index.js';
import { HEALTHY, MINUTE, repeat, seriesOf, T0 } from '../test/rows.js';

const DAY = 24 * 60 * MINUTE;
const D0 = Date.UTC(2026, 5, 1);
const ep = (day: number, hour: number, minutes: number, deviation: number | undefined, fault_condition = 'FC8', family: Episode['family'] = 'cooling_valve'): Episode => {
  const start = D0 + day * DAY + hour * 60 * MINUTE;
  return {
    fault_condition, family, start: new Date(start).toISOString(), end: new Date(start + minutes * MINUTE).toISOString(), minutes,
    operating_state: 'OS2', evidence: [`seen on day ${day}`], ...(deviation === undefined ? {} : { deviation }),
  };
};
const timestamps = Array.from({ length: 5 * 24 }, (_, i) => D0 + i * 60 * MINUTE); // five days, hourly
const dates = ['2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04', '2026-06-05'];
const brief = (episodes: Episode[]) => episodes.map((e) => [e.start.slice(0, 13), e.fault_condition, e.family, e.minutes, e.deviation]);

describe('applyReference', () => {
  // Reference days 1 and 2: FC8 cooling_valve 60 minutes at 1.0 F and 80 minutes at 1.5 F over its threshold, so
  // an FC8 cooling_valve episode stands up to 1.5 + 2 = 3.5 F.
  const reference = [ep(0, 18, 60, 1.0), ep(1, 18, 80, 1.5)];
  const others = [
    ep(2, 12, 300, 1.2), // five times longer than any reference day, no larger: stands
    ep(2, 19, 40, 3.5), // larger by exactly the allowance: stands
    ep(3, 18, 40, 3.51), // beyond it: a fault
    ep(3, 20, 30, undefined), // no size: a fault
    ep(4, 18, 50, 0.5, 'FC8', 'sensor'), // a family the reference never named
    ep(4, 10, 40, 0.5, 'FC5'), // a condition it never showed
  ];
  const episodes = [...reference, ...others];
  const r = applyReference(episodes, timestamps, 'UTC', { dates: dates.slice(0, 2), episodes, timeZone: 'UTC' }, DEFAULT_AFDD_SETTINGS);

  it('reports a pair once for every episode no larger than on the reference days plus one sensor tolerance, however long', () => {
    expect(r.standing).toHaveLength(1);
    expect(r.standing[0]).toMatchObject({
      fault_condition: 'FC8', family: 'cooling_valve',
      reference: { days: 2, days_present: 2, max_minutes_per_day: 80, max_deviation: 1.5, allowance: 2, unit: 'F' },
      days: [{ date: '2026-06-01', minutes: 60, deviation: 1 }, { date: '2026-06-02', minutes: 80, deviation: 1.5 }, { date: '2026-06-03', minutes: 340, deviation: 3.5 }],
    });
    expect(r.standing[0]?.evidence[0]).toMatch(/^Present on reference days: 2 of 2, at most 80 minutes a day, exceeding the rule's threshold by up to 1.5 F .* no more than 3.5 F/);
    expect(r.standing[0]?.evidence[1]).toBe('seen on day 0');
  });

  it('keeps a larger episode, one without a size, another family and another condition as faults', () => {
    expect(brief(r.episodes)).toEqual([
      ['2026-06-04T18', 'FC8', 'cooling_valve', 40, 3.51], ['2026-06-04T20', 'FC8', 'cooling_valve', 30, undefined],
      ['2026-06-05T18', 'FC8', 'sensor', 50, 0.5], ['2026-06-05T10', 'FC5', 'cooling_valve', 40, 0.5],
    ]);
  });

  it('sums the days over the fault episodes only', () => {
    expect(r.days.map((d) => [d.date, d.minutes, d.fault_conditions])).toEqual([
      ['2026-06-01', 0, []], ['2026-06-02', 0, []], ['2026-06-03', 0, []], ['2026-06-04', 70, ['FC8']], ['2026-06-05', 90, ['FC5', 'FC8']],
    ]);
  });

  it('takes the allowance from the diagnosis settings (eps_sat 1: up to 2.5 F)', () => {
    const tight = applyReference(episodes, timestamps, 'UTC', { dates: dates.slice(0, 2), episodes, timeZone: 'UTC' }, parseAfddSettings({ eps_sat: 1 }));
    expect(tight.standing[0]?.reference).toMatchObject({ max_deviation: 1.5, allowance: 1 });
    expect(brief(tight.episodes).slice(0, 2)).toEqual([['2026-06-03T19', 'FC8', 'cooling_valve', 40, 3.5], ['2026-06-04T18', 'FC8', 'cooling_valve', 40, 3.51]]);
  });

  it('splits a standing episode across midnight over the days it covers', () => {
    const night = ep(2, 23, 120, 1);
    const s = applyReference([...reference, night], timestamps, 'UTC', { dates: dates.slice(0, 2), episodes: reference, timeZone: 'UTC' }, DEFAULT_AFDD_SETTINGS);
    expect(s.standing[0]?.days.slice(2)).toEqual([{ date: '2026-06-03', minutes: 60, deviation: 1 }, { date: '2026-06-04', minutes: 60, deviation: 1 }]);
    expect(s.episodes).toEqual([]);
  });

  it('with no episode on the reference days, or none with a size there, nothing stands', () => {
    const none = applyReference(episodes, timestamps, 'UTC', { dates: ['2026-06-10'], episodes, timeZone: 'UTC' }, DEFAULT_AFDD_SETTINGS);
    expect(none.standing).toEqual([]);
    expect(none.episodes).toHaveLength(episodes.length);
    const unsized = [ep(0, 18, 60, undefined), ep(2, 18, 60, 0.1)];
    expect(applyReference(unsized, timestamps, 'UTC', { dates: dates.slice(0, 1), episodes: unsized, timeZone: 'UTC' }, DEFAULT_AFDD_SETTINGS).episodes).toHaveLength(2);
  });
});

describe('diagnoseSeries with reference dates', () => {
  it('the same series: its own episodes on those dates are the reference; longer stands, larger does not', () => {
    // FC12 in OS4 at sat 90 exceeds its threshold by 3 F (allowance eps_SAT 2 F): 94 F (7 over) is larger.
    const fc12 = { ...HEALTHY.OS4, sat: 90, sat_sp: 90 };
    const rows = [...repeat(fc12, 120), ...repeat(HEALTHY.OS4, 24 * 60 - 120), ...repeat(fc12, 400), ...repeat(HEALTHY.OS4, 100), ...repeat({ ...fc12, sat: 94, sat_sp: 94 }, 100)];
    const settings = parseAfddSettings({ min_oa_fraction: 0.2 });
    const plain = diagnoseSeries(seriesOf(rows), settings);
    expect(plain.episodes.map((e) => [e.minutes, e.deviation])).toEqual([[90, 3], [396, 3], [95, 7]]);
    const d = diagnoseSeries(seriesOf(rows), settings, { reference: { dates: [new Date(T0).toISOString().slice(0, 10)] } });
    expect(d.reference_days).toEqual(['2026-06-01']);
    expect(d.standing.map((s) => [s.fault_condition, s.reference.max_deviation, s.days])).toEqual([
      ['FC12', 3, [{ date: '2026-06-01', minutes: 90, deviation: 3 }, { date: '2026-06-02', minutes: 396, deviation: 3 }]],
    ]);
    expect(d.episodes.map((e) => [e.minutes, e.deviation])).toEqual([[95, 7]]);
  });
});
