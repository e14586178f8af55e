import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { DatasetDetail, DatasetPreview, ValidationReport } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { upload, uploadOk } from './test-helpers.js';

// Wide exports (issue 17, item 4): a 200-point BMS export used to be a 503 under the default 128 MB engine.
// The hub here runs DuckDB at its defaults (DATASET_ENGINE_MEMORY_MB 128, 2 threads).
let t: TestHub;
let admin: string;
let adminId: string;

beforeAll(async () => {
  t = await createTestHub({ DATASET_MAX_COLUMNS: '2500' });
  admin = await t.adminToken();
  adminId = (await t.hub.services.usersRepo.findByUsername('admin'))!.id;
  expect((await t.request('PUT', '/api/v1/admin/users/admin/subscription', { token: admin, json: { tier: 'enterprise' } })).status).toBe(200);
});
afterAll(() => t.close());

const T0 = Date.UTC(2026, 0, 1);
/** Cell of row r, point p: a number, except a text cell in point 7 and a missing one in point 11. */
const cell = (r: number, p: number): string => (p === 7 && r === 3 ? 'n/a' : p === 11 && r === 5 ? '' : String(((r * 31 + p * 7) % 101) / 4));

function wideCsv(points: number, rows: number, name = (p: number) => `AHU-1.point_${p}`): string {
  const lines = [['timestamp', ...Array.from({ length: points }, (_, p) => name(p))].join(',')];
  for (let r = 0; r < rows; r += 1) lines.push([new Date(T0 + r * 60_000).toISOString(), ...Array.from({ length: points }, (_, p) => cell(r, p))].join(','));
  return `${lines.join('\n')}\n`;
}

async function json<T>(method: string, url: string): Promise<T> {
  const res = await t.request(method, url, { token: admin });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

const preview = (id: string, query = '') => json<DatasetPreview>('GET', `/api/v1/datasets/${id}/preview?page_size=10${query}`);

describe('wide CSV (199 points x 20 rows, 13 KB class)', () => {
  const csv = wideCsv(199, 20);
  const rows = parse(csv, { from_line: 2 }) as string[][];
  let ds: DatasetDetail;

  it('uploads with stats of every column under the default engine memory', async () => {
    ds = await uploadOk(t, admin, csv, { name: 'BMS export' });
    expect(ds.columns).toHaveLength(200);
    expect(ds.row_count).toBe(20);
    expect(Object.keys(ds.column_stats)).toHaveLength(199);
    const p0 = rows.map((r) => Number(r[1]));
    expect(ds.column_stats['AHU-1.point_0']).toMatchObject({ min: Math.min(...p0), max: Math.max(...p0) });
    const last = rows.map((r) => Number(r[199]));
    expect(ds.column_stats['AHU-1.point_198']?.mean).toBeCloseTo(last.reduce((a, b) => a + b) / 20, 12);
    expect(ds.time_range).toEqual({ start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:19:00Z' });
  });

  it('previews every column, in file order and sorted', async () => {
    const page = await preview(ds.id, '&page=2');
    expect(page.headers).toEqual(ds.columns);
    expect(page.rows).toEqual(rows.slice(10, 20).map((r) => r.map((v) => (v === '' ? null : v))));
    const sorted = await preview(ds.id, '&sort_col=AHU-1.point_150&sort_dir=desc');
    const expected = [...rows].sort((a, b) => Number(b[151]) - Number(a[151]) || rows.indexOf(a) - rows.indexOf(b)).slice(0, 10);
    expect(sorted.rows.map((r) => r[0])).toEqual(expected.map((r) => r[0]));
    expect(sorted.rows[0]).toEqual(expected[0]!.map((v) => (v === '' ? null : v)));
  });

  it('validates (checks every column), locks into Parquet and reads back the same; unlock restores it', async () => {
    const clean = await uploadOk(t, admin, csv.replace(/n\/a/, '1.5'), { name: 'BMS export, clean' });
    const before = await preview(clean.id, '&sort_col=AHU-1.point_3&sort_dir=asc');
    const ok = await json<ValidationReport>('POST', `/api/v1/datasets/${clean.id}/validate?tolerance_percent=10`);
    expect(ok).toMatchObject({ valid: true, locked: true, columns_checked: 200, rows_checked: 20 });
    const dir = path.join(t.hub.config.dataDir, 'datasets', clean.id);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(dir, 'data.csv'))).toBe(false);
    const locked = await preview(clean.id, '&sort_col=AHU-1.point_3&sort_dir=asc');
    expect(locked.rows).toEqual(before.rows);
    const exported = await t.request('GET', `/api/v1/datasets/${clean.id}/export`, { token: admin });
    expect(exported.status).toBe(200);
    const back = parse(await exported.text(), { from_line: 2 }) as string[][];
    expect(back).toEqual(rows.map((r) => r.map((v, i) => (i === 8 && v === 'n/a' ? '1.5' : v))));
    expect((await t.request('POST', `/api/v1/datasets/${clean.id}/unlock`, { token: admin })).status).toBe(200);
    const unlocked = await json<DatasetDetail>('GET', `/api/v1/datasets/${clean.id}`);
    expect(unlocked.columns).toEqual(ds.columns);
    expect(unlocked.column_stats).toEqual(clean.column_stats);
    expect((await preview(clean.id, '&page=2')).rows).toEqual((await preview(ds.id, '&page=2')).rows.map((r) => r.map((v) => (v === 'n/a' ? '1.5' : v))));
  });
});

describe('very wide data', () => {
  it('2,000 columns upload, preview and validate; past DATASET_MAX_COLUMNS is a 400 naming it', async () => {
    const ds = await uploadOk(t, admin, wideCsv(1999, 6), { name: '2,000 points' });
    expect(ds.columns).toHaveLength(2000);
    expect(ds.column_stats['AHU-1.point_1998']).toBeDefined();
    const page = await preview(ds.id, '&sort_col=AHU-1.point_1500&sort_dir=desc');
    expect(page.rows[0]).toHaveLength(2000);
    const report = await json<ValidationReport>('POST', `/api/v1/datasets/${ds.id}/validate`);
    expect(report).toMatchObject({ columns_checked: 2000, rows_checked: 6 });
    const res = await upload(t, admin, wideCsv(2500, 2));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ details: expect.stringContaining('DATASET_MAX_COLUMNS') });
  });

  it('headers longer than the 64 KB head (long point names) are read whole', async () => {
    const long = (p: number) => `Building 12/Floor 3/AHU-7/Supply Air Temperature Sensor Point ${p}`;
    const ds = await uploadOk(t, admin, wideCsv(1200, 3, long), { name: 'Long names' });
    expect(ds.columns.at(-1)).toBe(long(1199));
    expect(ds.row_count).toBe(3);
  });

  it('an edge dataset with thousands of sensor names previews, and sensors past the cap are left out', async () => {
    const svc = t.hub.services.datasets;
    const id = await svc.ensureEdgeDataset({ targetId: 'tgt_wide', targetName: 'Plant controller', ownerId: adminId, equipmentType: 'chiller' });
    const reading = (r: number, sensors: number) => ({
      timestamp: T0 + r * 15_000,
      values: Object.fromEntries(Array.from({ length: sensors }, (_, s) => [`chw/loop-${s}/temp`, r * 1000 + s])),
    });
    await svc.appendReadings(id, [reading(0, 2000), reading(1, 2000)]);
    const page = await preview(id, '&sort_col=timestamp&sort_dir=desc');
    expect(page.headers).toHaveLength(2001);
    expect(page.rows[0]?.slice(0, 3)).toEqual([new Date(T0 + 15_000).toISOString(), '1000', '1001']);
    await svc.appendReadings(id, [reading(2, 2600)]);
    const detail = await json<DatasetDetail>('GET', `/api/v1/datasets/${id}`);
    expect(detail.columns).toHaveLength(2500);
    expect(detail.row_count).toBe(3);
  });

  it('a wide edge dataset locks into Parquet parts, takes readings in its tail, and unlocks with them', async () => {
    const svc = t.hub.services.datasets;
    const id = await svc.ensureEdgeDataset({ targetId: 'tgt_wide2', targetName: 'Plant 2', ownerId: adminId, equipmentType: 'chiller' });
    const reading = (r: number, names: string[]) => ({ timestamp: T0 + r * 15_000, values: Object.fromEntries(names.map((n, s) => [n, r * 10 + s])) });
    const sensors = Array.from({ length: 600 }, (_, s) => `"quoted, ${s}"`);
    await svc.appendReadings(id, [0, 1, 2].map((r) => reading(r, sensors)));
    expect(await json<ValidationReport>('POST', `/api/v1/datasets/${id}/validate`)).toMatchObject({ valid: true, locked: true });
    expect(fs.existsSync(path.join(t.hub.config.dataDir, 'datasets', id, 'data.1.parquet'))).toBe(true);
    await svc.appendReadings(id, [reading(3, [...sensors.slice(0, 10), 'late sensor'])]);
    expect((await t.request('POST', `/api/v1/datasets/${id}/unlock`, { token: admin })).status).toBe(200);
    const detail = await json<DatasetDetail>('GET', `/api/v1/datasets/${id}`);
    expect(detail.columns).toEqual(['timestamp', ...sensors, 'late sensor']);
    expect(detail.row_count).toBe(4);
    const rows = (await preview(id)).rows;
    expect(rows[0]?.slice(0, 3)).toEqual([new Date(T0).toISOString(), '0', '1']);
    expect(rows[3]?.slice(0, 2)).toEqual([new Date(T0 + 45_000).toISOString(), '30']);
    expect(rows[3]?.slice(11, 13)).toEqual([null, null]);
    expect(rows[3]?.at(-1)).toBe('40');
    expect(rows[2]?.at(-1)).toBeNull();
  });
});
