// Standing findings: a pair (condition, family) present on the reference days is reported once while a day holds it
// no longer than the longest reference day; longer, or a pair never seen there, stays a fault.
import { describe, expect, it } from 'vitest';
import { applyReference, diagnoseSeries, parseAfddSettings, type Episode } from './index.js';
import { HEALTHY, MINUTE, repeat, seriesOf, T0 } from '../test/rows.js';

const DAY = 24 * 60 * MINUTE;
const D0 = Date.UTC(2026, 5, 1);
const ep = (day: number, hour: number, minutes: number, fault_condition = 'FC8', family: Episode['family'] = 'cooling_valve'): Episode => {
  const start = D0 + day * DAY + hour * 60 * MINUTE;
  return { fault_condition, family, start: new Date(start).toISOString(), end: new Date(start + minutes * MINUTE).toISOString(), minutes, operating_state: 'OS2', evidence: [`seen on day ${day}`] };
};
const timestamps = Array.from({ length: 5 * 24 }, (_, i) => D0 + i * 60 * MINUTE); // five days, hourly
const dates = ['2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04', '2026-06-05'];

describe('applyReference', () => {
  // reference days 1 and 2: FC8 cooling_valve for 60 and 80 minutes
  const episodes = [ep(0, 18, 60), ep(1, 18, 80), ep(2, 18, 80), ep(3, 18, 81), ep(4, 18, 50, 'FC8', 'sensor'), ep(4, 10, 40, 'FC5')];
  const r = applyReference(episodes, timestamps, 'UTC', { dates: dates.slice(0, 2), episodes, timeZone: 'UTC' });

  it('reports a pair once while a day holds it no longer than the longest reference day (80 minutes)', () => {
    expect(r.standing).toHaveLength(1);
    expect(r.standing[0]).toMatchObject({
      fault_condition: 'FC8', family: 'cooling_valve', reference: { days: 2, days_present: 2, max_minutes_per_day: 80 },
      days: [{ date: '2026-06-01', minutes: 60 }, { date: '2026-06-02', minutes: 80 }, { date: '2026-06-03', minutes: 80 }],
    });
    expect(r.standing[0]?.evidence[0]).toMatch(/^Present on reference days: 2 of 2, at most 80 minutes a day/);
    expect(r.standing[0]?.evidence[1]).toBe('seen on day 0');
  });

  it('keeps a day that holds it longer (81 minutes), another family, and another condition as faults', () => {
    expect(r.episodes.map((e) => [e.start.slice(0, 10), e.fault_condition, e.family])).toEqual([
      ['2026-06-04', 'FC8', 'cooling_valve'], ['2026-06-05', 'FC8', 'sensor'], ['2026-06-05', 'FC5', 'cooling_valve'],
    ]);
  });

  it('sums the days over the fault episodes only', () => {
    expect(r.days.map((d) => [d.date, d.minutes, d.fault_conditions])).toEqual([
      ['2026-06-01', 0, []], ['2026-06-02', 0, []], ['2026-06-03', 0, []], ['2026-06-04', 81, ['FC8']], ['2026-06-05', 90, ['FC5', 'FC8']],
    ]);
  });

  it('with no episode on the reference days nothing stands', () => {
    const none = applyReference(episodes, timestamps, 'UTC', { dates: ['2026-06-10'], episodes, timeZone: 'UTC' });
    expect(none.standing).toEqual([]);
    expect(none.episodes).toHaveLength(episodes.length);
  });
});

describe('diagnoseSeries with reference dates', () => {
  it('the same series: its own episodes on those dates are the reference', () => {
    const fc12 = { ...HEALTHY.OS4, sat: 90, sat_sp: 90 };
    const rows = [...repeat(fc12, 120), ...repeat(HEALTHY.OS4, 24 * 60 - 120), ...repeat(fc12, 200)];
    const settings = parseAfddSettings({ min_oa_fraction: 0.2 });
    const plain = diagnoseSeries(seriesOf(rows), settings);
    expect(plain.episodes.map((e) => e.minutes)).toEqual([90, 195]);
    const d = diagnoseSeries(seriesOf(rows), settings, { reference: { dates: [new Date(T0).toISOString().slice(0, 10)] } });
    expect(d.reference_days).toEqual(['2026-06-01']);
    expect(d.standing.map((s) => [s.fault_condition, s.days])).toEqual([['FC12', [{ date: '2026-06-01', minutes: 90 }]]]);
    expect(d.episodes.map((e) => e.minutes)).toEqual([195]); // longer than on the reference day: a fault
  });
});
