// The engine's timing: ModeDelay, AlarmDelay, hunting (FC4), fan proof, gaps; and the hub/edge parity.
import { describe, expect, it } from 'vitest';
import { diagnoseSeries, parseAfddSettings, RuleMonitor, type AfddInput, type Episode } from './index.js';
import { fired, HEALTHY, MINUTE, repeat, seriesOf, T0, TEST_SETTINGS, type Reading } from '../test/rows.js';

const FC12_OS4: Reading = { ...HEALTHY.OS4, sat: 90, sat_sp: 90 }; // sat >= mat + 9

describe('AlarmDelay', () => {
  // rolling_minutes 1 makes each mean the reading itself, so the boundary is exact to the minute
  const exact = parseAfddSettings({ min_oa_fraction: 0.2, rolling_minutes: 1 });
  const run = (holdMinutes: number) =>
    diagnoseSeries(seriesOf([...repeat(HEALTHY.OS4, 40), ...repeat(FC12_OS4, holdMinutes), ...repeat(HEALTHY.OS4, 20)]), exact);

  it('a condition holding 30 minutes (31 readings) is a fault; the episode starts where it began holding', () => {
    const [episode, ...rest] = run(31).episodes;
    expect(rest).toEqual([]);
    expect(episode).toMatchObject({ fault_condition: 'FC12', start: new Date(T0 + 40 * MINUTE).toISOString(), end: new Date(T0 + 71 * MINUTE).toISOString(), minutes: 31, operating_state: 'OS4' });
  });

  it('a condition holding 29 minutes is not', () => {
    expect(run(30).episodes).toEqual([]);
  });

  it('follows alarm_delay_minutes', () => {
    const d = diagnoseSeries(seriesOf([...repeat(HEALTHY.OS4, 40), ...repeat(FC12_OS4, 11), ...repeat(HEALTHY.OS4, 5)]), parseAfddSettings({ min_oa_fraction: 0.2, rolling_minutes: 1, alarm_delay_minutes: 10 }));
    expect(fired(d)).toEqual(['FC12']);
  });
});

describe('ModeDelay', () => {
  const exact = { min_oa_fraction: 0.2, rolling_minutes: 1 };
  it('judges a state rule only 30 minutes after the state began', () => {
    const d = diagnoseSeries(seriesOf(repeat(FC12_OS4, 120)), parseAfddSettings(exact));
    expect(d.episodes.map((e) => e.start)).toEqual([new Date(T0 + 30 * MINUTE).toISOString()]);
  });

  it('a state change (OS4 to OS3, both judged by FC12) restarts the delay', () => {
    const os3 = { ...HEALTHY.OS3, sat: 80 }; // mat 65: sat >= 74
    const rows = [...repeat(FC12_OS4, 90), ...repeat(os3, 90)];
    const d = diagnoseSeries(seriesOf(rows), parseAfddSettings(exact));
    expect(d.episodes.map((e) => [e.fault_condition, e.operating_state, e.start, e.end])).toEqual([
      ['FC12', 'OS4', new Date(T0 + 30 * MINUTE).toISOString(), new Date(T0 + 90 * MINUTE).toISOString()],
      ['FC12', 'OS3', new Date(T0 + 120 * MINUTE).toISOString(), new Date(T0 + 179 * MINUTE).toISOString()],
    ]);
    const noDelay = diagnoseSeries(seriesOf(rows), parseAfddSettings({ ...exact, mode_delay_minutes: 0 }));
    expect(noDelay.episodes.map((e) => [e.start, e.minutes])).toEqual([[new Date(T0).toISOString(), 179]]); // one hold through the change
  });

  it('does not hold back rules judged in every state (FC2)', () => {
    const d = diagnoseSeries(seriesOf(repeat({ ...HEALTHY.OS1, mat: 30 }, 60)), parseAfddSettings(exact));
    expect(d.episodes.find((e) => e.fault_condition === 'FC2')?.start).toBe(new Date(T0).toISOString());
  });
});

describe('deviation: the mean excess over the episode', () => {
  // FC12 in OS4: sat - eps_SAT - fan heat - (mat + eps_MAT) = sat - 87: 3 at sat 90, 7 at sat 94.
  const exact = parseAfddSettings({ min_oa_fraction: 0.2, rolling_minutes: 1, mode_delay_minutes: 0 });
  it('averages every reading that held, from where it began holding to the reading before it cleared', () => {
    const d = diagnoseSeries(seriesOf([...repeat(FC12_OS4, 20), ...repeat({ ...FC12_OS4, sat: 94 }, 20), ...repeat(HEALTHY.OS4, 10)]), exact);
    expect(d.episodes.map((e) => [e.fault_condition, e.minutes, e.deviation])).toEqual([['FC12', 40, 5]]);
  });
  it('does not grow with duration: a steady excess of 3 is 3 over 40 minutes and over 10 hours, also when the data ends holding', () => {
    const short = diagnoseSeries(seriesOf([...repeat(FC12_OS4, 40), ...repeat(HEALTHY.OS4, 10)]), exact);
    const long = diagnoseSeries(seriesOf(repeat(FC12_OS4, 600)), exact);
    expect([...short.episodes, ...long.episodes].map((e) => [e.minutes, e.deviation])).toEqual([[40, 3], [599, 3]]);
  });
});

describe('FC4 hunting', () => {
  // Heating switches on and off every `period` minutes: OS1 <-> OS5 (both valves shut at minimum outdoor air).
  const hunting = (period: number): Reading[] =>
    Array.from({ length: 240 }, (_, i) => ({ ...HEALTHY.OS1, heat_valve: Math.floor(i / period) % 2 === 0 ? 0.5 : 0, sat: 66 }));
  const run = (period: number, limit = 7) => diagnoseSeries(seriesOf(hunting(period)), parseAfddSettings({ min_oa_fraction: 0.2, rolling_minutes: 1, max_state_changes_per_hour: limit }));

  it('8 or more changes in every hour (every 7 minutes) is hunting', () => {
    const d = run(7);
    expect(fired(d)).toContain('FC4');
    const fc4 = d.episodes.find((e) => e.fault_condition === 'FC4');
    expect(fc4).toMatchObject({ family: 'control' });
    // 8 or 9 changes in the past hour against 7 allowed: 1-2 over.
    expect(fc4?.deviation).toBeGreaterThanOrEqual(1);
    expect(fc4?.deviation).toBeLessThanOrEqual(2);
  });
  it('at most 7 changes an hour (every 9 minutes) is not', () => {
    expect(fired(run(9))).not.toContain('FC4');
  });
  it('follows max_state_changes_per_hour (9 changes an hour allowed)', () => {
    expect(fired(run(7, 9))).not.toContain('FC4');
  });
});

describe('fan proof', () => {
  const fc2 = { ...HEALTHY.OS1, mat: 30 };
  it('judges nothing with the fan off', () => {
    expect(fired(diagnoseSeries(seriesOf(repeat({ ...fc2, fan_status: 0 }, 90)), TEST_SETTINGS))).toEqual([]);
  });
  it('without fan status, a speed above fan_on_speed (0.05) proves the fan on', () => {
    const bySpeed = (speed: number) => fired(diagnoseSeries(seriesOf(repeat({ ...fc2, fan_status: undefined, fan_speed: speed }, 90)), TEST_SETTINGS));
    expect(bySpeed(0.06)).toContain('FC2');
    expect(bySpeed(0.04)).toEqual([]);
  });
});

it('a gap longer than max_gap_minutes ends the episode at the last reading before it', () => {
  const rows = repeat({ ...HEALTHY.OS1, mat: 30 }, 60);
  const series = seriesOf(rows);
  const timestamps = series.timestamps as number[];
  for (let i = 45; i < 60; i++) timestamps[i] = (timestamps[i] as number) + 20 * MINUTE;
  const d = diagnoseSeries(series, TEST_SETTINGS);
  expect(d.episodes.map((e) => [e.start, e.end])).toEqual([[new Date(T0).toISOString(), new Date(T0 + 44 * MINUTE).toISOString()]]);
});

describe('skipped rules', () => {
  it('lists each rule whose inputs are missing, naming them', () => {
    const d = diagnoseSeries(seriesOf(repeat({ fan_status: 1, sat: 60, mat: 60, rat: 70, oat: 50 }, 10)), TEST_SETTINGS);
    const reasons = Object.fromEntries(d.skipped_rules.map((s) => [s.fault_condition, s.reason]));
    expect(Object.keys(reasons)).toEqual(['FC1', 'FC4', 'FC5', 'FC6', 'FC7', 'FC8', 'FC9', 'FC10', 'FC11', 'FC12', 'FC13', 'FC14', 'FC15']);
    expect(reasons.FC1).toBe('missing inputs: duct_sp, duct_sp_sp, fan_speed');
    expect(reasons.FC6).toMatch(/^needs outdoor and supply airflow \(missing inputs: sa_flow, oa_flow_min_sp, heat_valve, cool_valve, oa_damper\): /);
    expect(reasons.FC7).toBe('missing inputs: sat_sp, heat_valve, cool_valve, oa_damper');
    expect(reasons.FC14).toBe('missing inputs: ccet, cclt, heat_valve, cool_valve, oa_damper');
  });

  it('skips everything when the fan cannot be proven on', () => {
    const m = new RuleMonitor(TEST_SETTINGS, ['sat', 'mat', 'rat', 'oat']);
    expect(m.skippedRules()).toHaveLength(15);
    expect(m.skippedRules()[1]).toEqual({ fault_condition: 'FC2', reason: 'the fan cannot be proven on: neither fan_status nor fan_speed is mapped' });
  });

  it('treats an all-missing column as not mapped', () => {
    const series = seriesOf(repeat(HEALTHY.OS2, 10));
    series.inputs.duct_sp = new Float64Array(10).fill(Number.NaN);
    expect(diagnoseSeries(series, TEST_SETTINGS).skipped_rules[0]).toEqual({ fault_condition: 'FC1', reason: 'missing inputs: duct_sp' });
  });
});

/** A day with several faults and a gap, through RuleMonitor.push one reading at a time. */
function monitorEpisodes(rows: Reading[], timestamps: number[], settings = TEST_SETTINGS): Episode[] {
  const available = [...new Set(rows.flatMap((r) => Object.keys(r)))] as AfddInput[];
  const monitor = new RuleMonitor(settings, available);
  const episodes: Episode[] = [];
  const record = (f: { fault_condition: string; family: Episode['family']; since: string; until: string; operating_state: Episode['operating_state']; evidence: string[]; deviation: number }) =>
    episodes.push({ fault_condition: f.fault_condition, family: f.family, start: f.since, end: f.until, minutes: (Date.parse(f.until) - Date.parse(f.since)) / MINUTE, operating_state: f.operating_state, evidence: f.evidence, deviation: f.deviation });
  rows.forEach((r, i) => monitor.push(timestamps[i] as number, r).cleared.forEach(record));
  monitor.restart(timestamps[timestamps.length - 1] as number).forEach(record);
  return episodes.sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.fault_condition.localeCompare(b.fault_condition, 'en', { numeric: true }));
}

function mixedDay(): Reading[] {
  const noise = (i: number) => Math.sin(i * 1.7) * 0.8;
  return Array.from({ length: 1440 }, (_, i) => {
    const base = i < 300 ? HEALTHY.OS1 : i < 700 ? HEALTHY.OS2 : i < 1100 ? HEALTHY.OS4 : HEALTHY.OS3;
    const r: Reading = { ...base, sat: (base.sat as number) + noise(i) };
    if (i >= 100 && i < 250) r.sat = 57; // FC5
    if (i >= 400 && i < 600) r.sat = 58; // FC8 (cooled)
    if (i >= 800 && i < 1000) [r.sat, r.cool_valve] = [60, 1]; // FC13
    if (i % 97 === 0) r.mat = Number.NaN; // dropouts
    if (i >= 1200 && i < 1300) r.fan_status = 0;
    return r;
  });
}

describe('diagnoseSeries and RuleMonitor agree', () => {
  it('gives identical episodes on the same data', () => {
    const rows = mixedDay();
    const series = seriesOf(rows);
    const fromHub = diagnoseSeries(series, TEST_SETTINGS).episodes;
    expect(fired({ episodes: fromHub } as never)).toEqual(['FC13', 'FC5', 'FC8']);
    expect(monitorEpisodes(rows, series.timestamps as number[])).toEqual(fromHub);
  });

  it('agree with an estimated minimum once the monitor is given the estimate', () => {
    const rows = mixedDay();
    const series = seriesOf(rows);
    const d = diagnoseSeries(series, parseAfddSettings({}));
    expect(d.min_oa.source).toBe('estimated');
    const given = parseAfddSettings({ min_oa_fraction: d.min_oa.fraction });
    expect(monitorEpisodes(rows, series.timestamps as number[], given)).toEqual(d.episodes);
  });
});

describe('RuleMonitor alerts', () => {
  it('raises after the alarm delay with family and evidence, and clears when the condition does', () => {
    const m = new RuleMonitor(parseAfddSettings({ min_oa_fraction: 0.2, rolling_minutes: 1, mode_delay_minutes: 0 }), Object.keys(FC12_OS4) as AfddInput[]);
    const starts: number[] = [];
    for (let i = 0; i < 40; i++) if (m.push(T0 + i * MINUTE, FC12_OS4).started.length) starts.push(i);
    expect(starts).toEqual([30]);
    expect(m.active()).toEqual([expect.objectContaining({ fault_condition: 'FC12', family: 'heating_valve', operating_state: 'OS4', since: new Date(T0).toISOString() })]);
    const { cleared } = m.push(T0 + 40 * MINUTE, HEALTHY.OS4);
    expect(cleared.map((f) => f.until)).toEqual([new Date(T0 + 40 * MINUTE).toISOString()]);
    expect(m.active()).toEqual([]);
  });

  it('estimates the minimum outdoor air live after min_oa_min_samples readings', () => {
    const m = new RuleMonitor(parseAfddSettings({ min_oa_min_samples: 10 }), ['fan_status', 'oa_damper', 'occupied']);
    for (let i = 0; i < 9; i++) m.push(T0 + i * MINUTE, { fan_status: 1, oa_damper: 0.25, occupied: 1 });
    expect(m.minOa()).toBeNull();
    m.push(T0 + 9 * MINUTE, { fan_status: 1, oa_damper: 0.25, occupied: 1 });
    expect(m.minOa()).toBe(0.25);
  });
});

it('ignores a repeated or earlier timestamp, as a diagnosis does', () => {
  const m = new RuleMonitor(parseAfddSettings({ min_oa_fraction: 0.2, rolling_minutes: 1, mode_delay_minutes: 0, alarm_delay_minutes: 0 }), Object.keys(FC12_OS4) as AfddInput[]);
  expect(m.push(T0 + MINUTE, FC12_OS4).started).toHaveLength(1);
  expect(m.push(T0 + MINUTE, HEALTHY.OS4).cleared).toEqual([]);
  expect(m.push(T0, HEALTHY.OS4).cleared).toEqual([]);
  expect(m.push(Number.NaN, HEALTHY.OS4).cleared).toEqual([]);
  expect(m.push(T0 + 2 * MINUTE, HEALTHY.OS4).cleared).toHaveLength(1);
});
