import type { DatasetDetail, DatasetPreview, DatasetSummary, ValidationReport } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import type { Reading } from './datasets-service.js';
import { isoOf } from './edge.js';

let t: TestHub;
let admin: string;
let adminId: string;

beforeAll(async () => {
  t = await createTestHub();
  admin = await t.adminToken();
  adminId = (await t.hub.services.usersRepo.findByUsername('admin'))!.id;
});
afterAll(() => t.close());

const T0 = Date.UTC(2026, 0, 1);
const readings = (from: number, count: number, extra?: string): Reading[] =>
  Array.from({ length: count }, (_, i) => ({
    timestamp: T0 + (from + i) * 15_000,
    values: { supply_temp: 55 + ((from + i) % 7), fan_speed: (from + i) % 5 === 0 ? null : 0.5, ...(extra ? { [extra]: from + i } : {}) },
  }));

async function json<T>(url: string, method = 'GET'): Promise<T> {
  const res = await t.request(method, url, { token: admin });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe('edge datasets', () => {
  it('one dataset per target, listed with source edge and the target name', async () => {
    const ds = t.hub.services.datasets;
    const req = { targetId: 'tgt_a', targetName: 'AHU-1 Warren', ownerId: adminId, equipmentType: 'air_handler' as const };
    const id = await ds.ensureEdgeDataset(req);
    expect(await ds.ensureEdgeDataset(req)).toBe(id);
    const list = await json<DatasetSummary[]>('/api/v1/datasets');
    expect(list.find((d) => d.id === id)).toMatchObject({ source: 'edge', target_name: 'AHU-1 Warren', row_count: 0 });
    expect(await ds.ensureEdgeDataset({ ...req, targetName: 'AHU-1 renamed' })).toBe(id);
    expect((await json<DatasetDetail>(`/api/v1/datasets/${id}`)).target_name).toBe('AHU-1 renamed');
  });

  it('appends in batches, grows columns, keeps incremental stats equal to a full scan', async () => {
    const ds = t.hub.services.datasets;
    const id = await ds.ensureEdgeDataset({ targetId: 'tgt_b', targetName: 'Boiler 2', ownerId: adminId, equipmentType: 'boiler' });
    const started = performance.now();
    for (let b = 0; b < 40; b += 1) await ds.appendReadings(id, readings(b * 50, 50, b >= 20 ? 'return_temp' : undefined));
    const rate = 2000 / ((performance.now() - started) / 1000);
    expect(rate).toBeGreaterThan(1000);
    const detail = await json<DatasetDetail>(`/api/v1/datasets/${id}`);
    expect(detail.columns).toEqual(['timestamp', 'supply_temp', 'fan_speed', 'return_temp']);
    expect(detail.row_count).toBe(2000);
    expect(detail.time_range).toEqual({ start: '2026-01-01T00:00:00Z', end: new Date(T0 + 1999 * 15_000).toISOString().replace('.000', '') });
    // The validation pass rescans the file with DuckDB: incremental stats must agree with it.
    const before = detail.column_stats;
    const report = await json<ValidationReport>(`/api/v1/datasets/${id}/validate`, 'POST');
    expect(report.valid).toBe(false);
    expect(report.issues).toContain("Column 'return_temp': 1000 missing values (50.00%)");
    expect(report.issues).toContain("Column 'fan_speed': 400 missing values (20.00%)");
    const after = (await json<DatasetDetail>(`/api/v1/datasets/${id}`)).column_stats;
    for (const col of ['supply_temp', 'fan_speed', 'return_temp']) {
      for (const k of ['min', 'max', 'mean', 'std'] as const) expect(after[col]![k]).toBeCloseTo(before[col]![k], 9);
    }
    const page = await json<DatasetPreview>(`/api/v1/datasets/${id}/preview?page=1&page_size=2&sort_col=return_temp&sort_dir=desc`);
    expect(page.rows[0]).toEqual([new Date(T0 + 1999 * 15_000).toISOString(), '59', '0.5', '1999']);
    const csv = await (await t.request('GET', `/api/v1/datasets/${id}/export`, { token: admin })).text();
    expect(csv.split('\n')[0]).toBe('timestamp,supply_temp,fan_speed,return_temp');
    expect(csv.trim().split('\n')).toHaveLength(2001);
  });

  it('while locked, readings wait in a tail and join the dataset on unlock', async () => {
    const ds = t.hub.services.datasets;
    const id = await ds.ensureEdgeDataset({ targetId: 'tgt_c', targetName: 'Pump 3', ownerId: adminId, equipmentType: 'pump' });
    await ds.appendReadings(id, readings(0, 100).map((r) => ({ ...r, values: { ...r.values, fan_speed: 0.4 } })));
    const report = await json<ValidationReport>(`/api/v1/datasets/${id}/validate`, 'POST');
    expect(report).toMatchObject({ valid: true, locked: true, rows_checked: 100 });
    await ds.appendReadings(id, readings(100, 50, 'vibration'));
    const locked = await json<DatasetDetail>(`/api/v1/datasets/${id}`);
    expect(locked).toMatchObject({ row_count: 100, locked: true, is_validated: true });
    const training = await ds.loadForTraining(id, { id: adminId, role: 'admin' });
    expect(training.rowCount).toBe(100);
    await json(`/api/v1/datasets/${id}/unlock`, 'POST');
    const unlocked = await json<DatasetDetail>(`/api/v1/datasets/${id}`);
    expect(unlocked).toMatchObject({ row_count: 150, locked: false, is_validated: false });
    expect(unlocked.columns).toEqual(['timestamp', 'supply_temp', 'fan_speed', 'vibration']);
    expect(unlocked.column_stats.vibration).toMatchObject({ min: 100, max: 149 });
  });

  it('refuses appends to non-edge datasets and bad timestamps', async () => {
    const ds = t.hub.services.datasets;
    await expect(ds.appendReadings('ds_missing', readings(0, 1))).rejects.toThrow(/not found/);
    const id = await ds.ensureEdgeDataset({ targetId: 'tgt_d', targetName: 'x', ownerId: adminId, equipmentType: 'pump' });
    await expect(ds.appendReadings(id, [{ timestamp: Number.NaN, values: {} }])).rejects.toMatchObject({ details: 'readings[0].timestamp must be epoch milliseconds' });
  });
});

describe('isoOf', () => {
  it('formats like Date.toISOString across days, hours and milliseconds', () => {
    const samples = [0, 1, 999, 86_399_999, 86_400_000, T0, T0 + 15_000, 1_772_800_012_345, 4_102_444_799_999];
    for (let i = 0; i < 2000; i += 1) samples.push(Math.floor(((i * 7_919_993) % 1_000_003) * 4_102_444.8));
    for (const ms of samples) expect(isoOf(ms)).toBe(new Date(ms).toISOString());
  });
});
