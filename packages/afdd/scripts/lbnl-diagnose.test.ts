// A few facts of the LBNL table in the README, pinned: default settings, no tuning on these days.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lbnlDays } from './lbnl-diagnose.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/lbnl/${name}`, import.meta.url));

describe('SZVAV', () => {
  const { rows, diagnosis, withReference } = lbnlDays(fixture('SZVAV.csv'));
  const day = (date: string) => rows.find((r) => r.date === date);

  it('estimates the minimum damper position and skips the duct pressure, airflow and coil air rules', () => {
    expect(diagnosis.min_oa).toEqual({ fraction: 0.1, source: 'estimated' });
    expect(diagnosis.skipped_rules.map((s) => s.fault_condition)).toEqual(['FC1', 'FC6', 'FC14', 'FC15']);
    expect(diagnosis.skipped_rules.find((s) => s.fault_condition === 'FC6')?.reason).toMatch(/^needs outdoor and supply airflow/);
  });

  it('names the heating valve on the stuck and leaking heating valve days (FC12, FC13)', () => {
    for (const date of ['2017-09-12', '2017-09-14', '2017-09-15']) {
      expect(day(date)).toMatchObject({ label: 1, family: 'heating_valve' });
      expect(day(date)?.conditions).toEqual(expect.arrayContaining(['FC12', 'FC13']));
    }
  });

  it('names the cooling valve on the stuck-open cooling valve day (FC5: the air cools while heating)', () => {
    expect(day('2017-09-22')).toMatchObject({ label: 1, conditions: ['FC5'], family: 'cooling_valve' });
  });

  it('alarms on the normal days too: FC8 alone, where supply air reads below a mixed air that reads above return air', () => {
    const normal = rows.filter((r) => r.label === 0);
    expect(normal.map((r) => r.date)).toEqual(['2017-09-20', '2017-09-21', '2017-09-23', '2017-09-24']);
    expect(normal.every((r) => r.minutes >= 30)).toBe(true);
    expect(normal.map((r) => r.conditions)).toEqual([['FC8'], ['FC8'], ['FC8'], ['FC8']]);
    // The mixing-box checks over the alarm delay: the fraction strays from the command on 9/20 (oa_damper); mixed
    // air outside the span in fewer than half of the readings elsewhere, so the sign names the cooling valve.
    expect(normal.map((r) => r.family)).toEqual(['oa_damper', 'cooling_valve', 'cooling_valve', 'cooling_valve']);
  });

  it('keeps the damper days on the cooling valve: return and outdoor air are mostly less than 10 F apart there', () => {
    expect(rows.filter((r) => r.fault.startsWith('Stuck OA Damper')).map((r) => r.family)).toEqual(['cooling_valve', 'cooling_valve']);
  });

  it('with the model\'s training days as reference, judged by size: FC8 stands on every day it is no larger, hiding the normal days\' and three fault days\' FC8', () => {
    // Reference sizes: FC8 cooling_valve 4.122 F over its threshold (9/21), oa_damper 2.775 F (9/20); allowance eps_SAT 2 F.
    expect(withReference.standing.map((f) => [f.fault_condition, f.family, f.reference.max_deviation, f.reference.allowance, f.days.map((d) => [d.date, Math.round(d.minutes), d.deviation])])).toEqual([
      ['FC8', 'cooling_valve', 4.122, 2, [
        ['2017-09-11', 107, 3.031], ['2017-09-18', 72, 4.453], ['2017-09-19', 65, 2.117], ['2017-09-21', 55, 4.122], ['2017-09-23', 127, 1.42], ['2017-09-24', 168, 0.52],
      ]],
      ['FC8', 'oa_damper', 2.775, 2, [['2017-09-20', 81, 2.775]]],
    ]);
    // No normal day outside the reference is alarmed; every fault day keeps 30 minutes or more (FC5 on 9/11, 9/18, 9/19).
    expect(rows.filter((r) => r.label === 0 && !r.reference && r.withReference.minutes >= 30).map((r) => r.date)).toEqual([]);
    const faulty = rows.filter((r) => r.label > 0);
    expect(faulty.every((r) => r.withReference.minutes >= 30)).toBe(true);
    expect(faulty.filter((r) => r.withReference.minutes < r.minutes).map((r) => [r.date, Math.round(r.withReference.minutes), r.withReference.conditions, r.withReference.family])).toEqual([
      ['2017-09-11', 214, ['FC5'], 'cooling_valve'], ['2017-09-18', 57, ['FC5'], 'cooling_valve'], ['2017-09-19', 36, ['FC5'], 'cooling_valve'],
    ]);
  });

  it('has an episode of 30 minutes or more on every fault day', () => {
    const faulty = rows.filter((r) => r.label > 0);
    expect(faulty).toHaveLength(7);
    expect(faulty.every((r) => r.minutes >= 30)).toBe(true);
  });
});

describe('MZVAV-2-1', () => {
  const { rows, withReference } = lbnlDays(fixture('MZVAV-2-1.csv'));
  it('has nothing on its reference days, so nothing stands', () => {
    expect(withReference.standing).toEqual([]);
    expect(rows.every((r) => r.withReference.minutes === r.minutes)).toBe(true);
  });
  it('cannot see the heating valve leak: the cooling valve compensates and supply air stays at set point', () => {
    const leak = rows.filter((r) => r.fault.startsWith('Leakage of Heating Coil Valve'));
    expect(leak.map((r) => [r.date, r.minutes])).toEqual([['2007-08-28', 0], ['2007-08-29', 0], ['2007-08-30', 0]]);
  });
  it('alarms on one normal day of twelve', () => {
    const alarmed = rows.filter((r) => r.fault === '' && r.minutes >= 30);
    expect(rows.filter((r) => r.fault === '')).toHaveLength(12);
    expect(alarmed.map((r) => [r.date, r.conditions])).toEqual([['2009-05-31', ['FC13']]]);
  });
});
