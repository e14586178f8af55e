import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_AFDD_SETTINGS, FAMILIES, diagnoseSeries, type AfddInput, type Diagnosis } from '@prometheus/afdd';
import { FaultFamily, type DiagnosisSummary, type DiagnosisView, type PointMap } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { uploadOk } from '../datasets/test-helpers.js';

const SZVAV = fs.readFileSync(new URL('../../../../../test/fixtures/lbnl/SZVAV.csv', import.meta.url), 'utf8');
const TZ = 'America/Los_Angeles';

let t: TestHub;
let operator: { token: string; id: string };
let szvav: string;

beforeAll(async () => {
  // More datasets than the free tier's five.
  t = await createTestHub({ DEFAULT_TIER: 'enterprise' });
  operator = await t.userWithRole('operator');
  szvav = (await uploadOk(t, operator.token, SZVAV, { name: 'SZVAV', timezone: TZ })).id;
}, 120_000);
afterAll(() => t.close());

async function json<T>(method: string, url: string, body?: unknown, token = operator.token): Promise<{ status: number; body: T }> {
  const res = await t.request(method, url, { token, ...(body !== undefined ? { json: body } : {}) });
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls the diagnosis until it is no longer running. */
async function settled(id: string): Promise<DiagnosisView> {
  for (let i = 0; i < 600; i += 1) {
    const { status, body } = await json<DiagnosisView>('GET', `/api/v1/diagnoses/${id}`);
    expect(status).toBe(200);
    if (body.status !== 'running') return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`diagnosis ${id} still running`);
}

async function confirmSuggestion(datasetId: string): Promise<PointMap> {
  const { body: map } = await json<PointMap>('GET', `/api/v1/datasets/${datasetId}/points`);
  expect((await json('PUT', `/api/v1/datasets/${datasetId}/points`, { points: map.points })).status).toBe(200);
  return map;
}

/**
 * The same rules straight on the CSV, outside the hub: cells split by hand, local times of September 2017 in
 * Los Angeles (PDT, UTC-7 all month), the columns the suggestion maps, already F and 0-1.
 */
function directDiagnosis(csv: string, columns: Partial<Record<AfddInput, string>>, zone: { offsetHours: number; name: string } = { offsetHours: 7, name: TZ }): Diagnosis {
  const [header, ...lines] = csv.trim().split(/\r?\n/);
  const names = header!.split(',').map((h) => h.trim());
  const rows = lines.map((l) => l.split(','));
  const timestamps = Float64Array.from(rows, (r) => {
    const [mo, d, y, h, mi] = /^(\d+)\/(\d+)\/(\d+) (\d+):(\d+)$/.exec(r[0]!)!.slice(1).map(Number) as number[];
    return Date.UTC(2000 + y! % 100, mo! - 1, d, h, mi) + zone.offsetHours * 3_600_000;
  });
  const inputs: Partial<Record<AfddInput, Float64Array>> = {};
  for (const [input, column] of Object.entries(columns)) {
    const c = names.indexOf(column);
    inputs[input as AfddInput] = Float64Array.from(rows, (r) => (r[c]!.trim() === '' ? NaN : Number(r[c])));
  }
  return diagnoseSeries({ timestamps, inputs }, DEFAULT_AFDD_SETTINGS, { timeZone: zone.name });
}

describe('diagnose a dataset', () => {
  it('runs the rules over SZVAV as the package does on the raw file, days in the data\'s calendar', async () => {
    expect(FaultFamily.options).toEqual([...FAMILIES]);
    await confirmSuggestion(szvav);
    const started = await json<{ id: string }>('POST', `/api/v1/datasets/${szvav}/diagnose`);
    expect(started.status).toBe(202);
    expect(started.body.id).toMatch(/^dgn_/);
    const done = await settled(started.body.id);
    expect(done.status, done.error ?? '').toBe('completed');
    expect(done).toMatchObject({ dataset_id: szvav, time_zone: TZ, error: null, settings: DEFAULT_AFDD_SETTINGS });
    expect(done.inputs.sat_sp).toBe('AHU: Supply Air Temperature Cooling Set Point');
    expect(Object.keys(done.inputs).sort()).toEqual(['cool_valve', 'fan_speed', 'fan_status', 'heat_valve', 'mat', 'oa_damper', 'oat', 'occupied', 'rat', 'sat', 'sat_sp']);

    const direct = directDiagnosis(SZVAV, done.inputs as Partial<Record<AfddInput, string>>);
    expect(done.days).toEqual(direct.days);
    expect(done.episodes).toEqual(direct.episodes);
    expect(done.skipped_rules).toEqual(direct.skipped_rules);
    expect(done.min_oa).toEqual(direct.min_oa);
    expect(done.days.map((d) => d.date)).toEqual(['2017-09-11', '2017-09-12', '2017-09-14', '2017-09-15', '2017-09-18', '2017-09-19',
      '2017-09-20', '2017-09-21', '2017-09-22', '2017-09-23', '2017-09-24']);

    // The heating-valve fault days (leak 9/12, stuck open 9/14, stuck half open 9/15) are named for the heating valve.
    for (const date of ['2017-09-12', '2017-09-14', '2017-09-15']) {
      expect(done.days.find((d) => d.date === date)?.family).toBe('heating_valve');
      const onDay = done.episodes.filter((e) => e.family === 'heating_valve' && e.start.startsWith(date.slice(0, 8)));
      expect(onDay.length, date).toBeGreaterThan(0);
    }

    const { body: list } = await json<DiagnosisSummary[]>('GET', `/api/v1/datasets/${szvav}/diagnoses`);
    expect(list[0]).toMatchObject({ id: started.body.id, status: 'completed', episode_count: done.episodes.length });
  }, 180_000);

  it('runs MZVAV-2-1 (M/D/YYYY times, duct static pressure) as the package does, FC1 included', async () => {
    const mzvav = fs.readFileSync(new URL('../../../../../test/fixtures/lbnl/MZVAV-2-1.csv', import.meta.url), 'utf8');
    const id = (await uploadOk(t, operator.token, mzvav, { name: 'MZVAV-2-1' })).id;
    await confirmSuggestion(id);
    const started = await json<{ id: string }>('POST', `/api/v1/datasets/${id}/diagnose`);
    const done = await settled(started.body.id);
    expect(done.status, done.error ?? '').toBe('completed');
    expect(done.time_zone).toBe('UTC');
    expect(done.inputs).toMatchObject({ duct_sp: 'AHU: Supply Air Duct Static Pressure', duct_sp_sp: 'AHU: Supply Air Duct Static Pressure Set Point' });
    expect(done.skipped_rules.map((r) => r.fault_condition)).toEqual(['FC6', 'FC14', 'FC15']);
    const direct = directDiagnosis(mzvav, done.inputs as Partial<Record<AfddInput, string>>, { offsetHours: 0, name: 'UTC' });
    expect(done.days).toEqual(direct.days);
    expect(done.episodes).toEqual(direct.episodes);
    expect(done.min_oa).toEqual(direct.min_oa);
  }, 120_000);

  it('converts Celsius and percent columns to the rules\' units', async () => {
    // One day of SZVAV (the stuck heating valve) with temperatures in C and commands in percent.
    const [header, ...lines] = SZVAV.trim().split(/\r?\n/);
    const names = header!.split(',').map((h) => h.trim());
    const isTemp = (n: string) => /Temperature/.test(n);
    const isCommand = (n: string) => /Control Signal/.test(n);
    const day = lines.filter((l) => l.startsWith('9/14/2017 '));
    const converted = day.map((l) => l.split(',').map((cell, i) => {
      const v = Number(cell);
      if (i === 0 || cell.trim() === '' || !Number.isFinite(v)) return cell;
      return isTemp(names[i]!) ? ((v - 32) / 1.8).toFixed(6) : isCommand(names[i]!) ? (v * 100).toFixed(4) : cell;
    }).join(','));
    const id = (await uploadOk(t, operator.token, [header, ...converted].join('\n'), { name: 'SZVAV metric', timezone: TZ })).id;
    const { body: map } = await json<PointMap>('GET', `/api/v1/datasets/${id}/points`);
    expect(map.points.find((p) => p.input === 'sat')?.unit).toBe('C');
    expect(map.points.find((p) => p.input === 'cool_valve')?.unit).toBe('percent');
    // The heating valve is commanded at most 1% that day: it takes the scale of the file's other commands.
    expect(map.points.find((p) => p.input === 'heat_valve')?.unit).toBe('percent');
    expect(map.points.filter((p) => isCommand(p.column)).every((p) => p.unit === 'percent')).toBe(true);
    expect((await json('PUT', `/api/v1/datasets/${id}/points`, { points: map.points })).status).toBe(200);
    const started = await json<{ id: string }>('POST', `/api/v1/datasets/${id}/diagnose`, { time_zone: TZ });
    const done = await settled(started.body.id);
    expect(done.status, done.error ?? '').toBe('completed');
    const direct = directDiagnosis([header, ...day].join('\n'), done.inputs as Partial<Record<AfddInput, string>>);
    expect(done.days.map((d) => [d.date, d.fault_conditions, d.family])).toEqual(direct.days.map((d) => [d.date, d.fault_conditions, d.family]));
    done.days.forEach((d, i) => expect(Math.abs(d.minutes - direct.days[i]!.minutes)).toBeLessThanOrEqual(2));
    expect(done.min_oa!.fraction).toBeCloseTo(direct.min_oa.fraction!, 6);
  }, 120_000);

  it('takes settings overrides and another calendar', async () => {
    const started = await json<{ id: string }>('POST', `/api/v1/datasets/${szvav}/diagnose`, { settings: { eps_sat: 4, min_oa_fraction: 0.2 }, time_zone: 'UTC' });
    expect(started.status).toBe(202);
    const done = await settled(started.body.id);
    expect(done).toMatchObject({ status: 'completed', time_zone: 'UTC', settings: { ...DEFAULT_AFDD_SETTINGS, eps_sat: 4, min_oa_fraction: 0.2 }, min_oa: { fraction: 0.2, source: 'configured' } });
    // UTC days of data recorded in Los Angeles: the last hours of 9/24 local fall on 9/25 UTC.
    expect(done.days.at(-1)?.date).toBe('2017-09-25');
  }, 120_000);
});

describe('edge datasets', () => {
  it('are diagnosed with their target\'s point map', async () => {
    const created = await json<{ id: string; name: string }>('POST', '/api/v1/deployments/targets', { name: 'Edge AHU' });
    const datasets = t.hub.services.datasets;
    const dsId = await datasets.ensureEdgeDataset({ targetId: created.body.id, targetName: created.body.name, ownerId: operator.id, equipmentType: 'air_handler' });
    // Mixed air far colder than both return and outdoor air: FC2 (mixed-air temperature too low) all along.
    const readings = Array.from({ length: 120 }, (_, i) => ({ timestamp: Date.UTC(2026, 0, 5, 8, i), values: { s1: 13, s2: 2, s3: 22, s4: 15, s5: 1 } }));
    await datasets.appendReadings(dsId, readings);
    const points = [
      { column: 's1', brick_class: 'Supply_Air_Temperature_Sensor', input: 'sat', unit: 'C' },
      { column: 's2', brick_class: 'Mixed_Air_Temperature_Sensor', input: 'mat', unit: 'C' },
      { column: 's3', brick_class: 'Return_Air_Temperature_Sensor', input: 'rat', unit: 'C' },
      { column: 's4', brick_class: 'Outside_Air_Temperature_Sensor', input: 'oat', unit: 'C' },
      { column: 's5', brick_class: 'Fan_Status', input: 'fan_status', unit: 'binary' },
    ];
    // Unnamed sensors suggest nothing: without the target's map no rule could run.
    expect((await json('POST', `/api/v1/datasets/${dsId}/diagnose`)).status).toBe(400);
    expect((await json('PUT', `/api/v1/deployments/targets/${created.body.id}/points`, { points })).status).toBe(200);
    const started = await json<{ id: string }>('POST', `/api/v1/datasets/${dsId}/diagnose`);
    expect(started.status).toBe(202);
    const done = await settled(started.body.id);
    expect(done).toMatchObject({ status: 'completed', inputs: { sat: 's1', mat: 's2', rat: 's3', oat: 's4', fan_status: 's5' } });
    expect(done.episodes.map((e) => e.fault_condition)).toContain('FC2');
  });
});

describe('refusals and failures', () => {
  it('400 naming the setting or the time zone', async () => {
    const bad = await json<{ error: string; details: string }>('POST', `/api/v1/datasets/${szvav}/diagnose`, { settings: { eps_sat: -1, bogus: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toMatch(/'settings\.eps_sat'/);
    expect(bad.body.details).toMatch(/'settings\.bogus' unknown setting/);
    const zone = await json<{ error: string }>('POST', `/api/v1/datasets/${szvav}/diagnose`, { time_zone: 'Mars/Olympus_Mons' });
    expect(zone.status).toBe(400);
    expect(zone.body.error).toMatch(/time_zone/);
  });

  it('400 without a time column, and without mapped inputs (naming what the rules need)', async () => {
    const noTime = await uploadOk(t, operator.token, 'SAT,MAT\n55,60\n56,61\n');
    const a = await json<{ error: string }>('POST', `/api/v1/datasets/${noTime.id}/diagnose`);
    expect(a.status).toBe(400);
    expect(a.body.error).toMatch(/no time column/);
    const unmapped = await uploadOk(t, operator.token, 'timestamp,kW,flow\n2026-01-01T00:00:00Z,1,2\n2026-01-01T00:01:00Z,1,2\n');
    const b = await json<{ error: string; details: string }>('POST', `/api/v1/datasets/${unmapped.id}/diagnose`);
    expect(b.status).toBe(400);
    expect(b.body.details).toMatch(/Mapped AFDD inputs: none/);
    expect(b.body.details).toMatch(/FC2: the fan cannot be proven on: neither fan_status nor fan_speed is mapped; also missing mat, rat, oat/);
    expect((await json<DiagnosisSummary[]>('GET', `/api/v1/datasets/${unmapped.id}/diagnoses`)).body).toEqual([]);
  });

  it('a diagnosis whose data cannot be read ends failed with the reason', async () => {
    const ds = await uploadOk(t, operator.token, 'timestamp,SAT,MAT,RAT,OAT,SF_STS\n2026-01-01T00:00:00Z,55,60,70,50,1\n2026-01-01T00:01:00Z,55,60,70,50,1\n');
    fs.rmSync(path.join(t.hub.paths.datasets, ds.id, 'data.csv'));
    const started = await json<{ id: string }>('POST', `/api/v1/datasets/${ds.id}/diagnose`);
    expect(started.status).toBe(202);
    const done = await settled(started.body.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^Diagnosis failed: /);
    expect(done.completed_at).not.toBeNull();
  });

  it('another user\'s dataset or diagnosis is 404; viewers may not start one', async () => {
    const { body: [latest] } = await json<DiagnosisSummary[]>('GET', `/api/v1/datasets/${szvav}/diagnoses`);
    const other = await t.userWithRole('operator');
    const viewer = await t.userWithRole('viewer');
    expect((await t.request('POST', `/api/v1/datasets/${szvav}/diagnose`, { token: other.token })).status).toBe(404);
    expect((await t.request('GET', `/api/v1/diagnoses/${latest!.id}`, { token: other.token })).status).toBe(404);
    expect((await t.request('GET', `/api/v1/datasets/${szvav}/diagnoses`, { token: other.token })).status).toBe(404);
    expect((await t.request('POST', `/api/v1/datasets/${szvav}/diagnose`, { token: viewer.token })).status).toBe(403);
    expect((await t.request('GET', '/api/v1/diagnoses/dgn_nothing', { token: operator.token })).status).toBe(404);
    expect((await t.request('GET', `/api/v1/diagnoses/${latest!.id}`, { token: await t.adminToken() })).status).toBe(200);
  });
});
