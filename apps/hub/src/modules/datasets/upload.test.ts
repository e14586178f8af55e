import fs from 'node:fs';
import path from 'node:path';
import type { DatasetPreview } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { upload, uploadOk } from './test-helpers.js';

let t: TestHub;
let admin: string;

beforeAll(async () => {
  t = await createTestHub();
  admin = await t.adminToken();
  // More uploads than the free tier's five datasets (the tier limits have their own tests).
  expect((await t.request('PUT', '/api/v1/admin/users/admin/subscription', { token: admin, json: { tier: 'enterprise' } })).status).toBe(200);
});
afterAll(() => t.close());

const MESSY = '\uFEFFtimestamp,supply_temp ,note,damper\r\n'
  + '2026-01-01T00:00:00Z,55.5,"a, b",10\r\n'
  + '2026-01-01T01:00:00Z,#VALUE!,"two\r\nlines",\r\n'
  + '2026-01-01T02:00:00Z,57.5,x,30\r\n'
  + '2026-01-01T03:00:00Z,,y,40\r\n';

describe('POST /api/v1/datasets', () => {
  it('ingests real-world CSV: BOM, CRLF, quoted commas and newlines, trailing spaces, error cells', async () => {
    const ds = await uploadOk(t, admin, MESSY, { name: 'Messy', location: 'Warren', unit: 'AHU-1' });
    expect(ds.columns).toEqual(['timestamp', 'supply_temp', 'note', 'damper']);
    expect(ds.row_count).toBe(4);
    expect(ds.timestamp_column).toBe('timestamp');
    expect(ds.time_range).toEqual({ start: '2026-01-01T00:00:00Z', end: '2026-01-01T03:00:00Z' });
    expect(ds.column_stats.supply_temp).toEqual({ min: 55.5, max: 57.5, mean: 56.5, std: Math.SQRT2 });
    expect(ds.column_stats.damper?.mean).toBeCloseTo(80 / 3, 12);
    expect(ds.column_stats.note).toBeUndefined();
    expect(ds.location).toBe('Warren');
    const preview = (await (await t.request('GET', `/api/v1/datasets/${ds.id}/preview`, { token: admin })).json()) as DatasetPreview;
    expect(preview.rows[1]).toEqual(['2026-01-01T01:00:00Z', '#VALUE!', 'two\r\nlines', null]);
  });

  it('accepts M/D/YY H:MM and M/D/YYYY H:MM timestamps', async () => {
    const a = await uploadOk(t, admin, 'Datetime,x\n9/11/17 0:00,1\n9/11/17 23:59,2\n');
    expect(a.time_range).toEqual({ start: '2017-09-11T00:00:00Z', end: '2017-09-11T23:59:00Z' });
    const b = await uploadOk(t, admin, 'Datetime,x\n8/28/2007 0:00,1\n8/30/2007 13:05,2\n');
    expect(b.time_range).toEqual({ start: '2007-08-28T00:00:00Z', end: '2007-08-30T13:05:00Z' });
  });

  it('reads zone-less times in the zone given at upload, keeps explicit offsets, and keeps the zone through validation', async () => {
    // LBNL-style local times recorded in California (PDT, UTC-7, in September).
    const local = await uploadOk(t, admin, 'Datetime,x\n9/11/17 0:00,1\n9/11/17 23:59,2\n', { timezone: 'America/Los_Angeles' });
    expect(local.timezone).toBe('America/Los_Angeles');
    expect(local.time_range).toEqual({ start: '2017-09-11T07:00:00Z', end: '2017-09-12T06:59:00Z' });
    // Berlin in winter is UTC+1; a time that carries its offset keeps it.
    const mixed = await uploadOk(t, admin, 'timestamp,x\n2026-01-01 00:00,1\n2026-01-01T02:00:00Z,2\n2026-01-01 04:00:00,3\n', { timezone: 'Europe/Berlin' });
    expect(mixed.time_range).toEqual({ start: '2025-12-31T23:00:00Z', end: '2026-01-01T03:00:00Z' });
    const sorted = (await (await t.request('GET', `/api/v1/datasets/${mixed.id}/preview?sort_col=timestamp&sort_dir=desc`, { token: admin })).json()) as DatasetPreview;
    expect(sorted.rows.map((r) => r[1])).toEqual(['3', '2', '1']);
    expect((await t.request('POST', `/api/v1/datasets/${local.id}/validate`, { token: admin })).status).toBe(200);
    const after = (await (await t.request('GET', `/api/v1/datasets/${local.id}`, { token: admin })).json()) as { time_range: unknown; timezone: string };
    expect(after).toMatchObject({ time_range: local.time_range, timezone: 'America/Los_Angeles' });
    const training = await t.hub.services.datasets.loadForTraining(local.id, { id: 'x', role: 'admin' });
    expect(training.timestamps[0]).toBe(Date.UTC(2017, 8, 11, 7, 0));
    // Without a zone they stay UTC, as before.
    expect((await uploadOk(t, admin, 'Datetime,x\n9/11/17 0:00,1\n')).timezone).toBeNull();
    const bad = await upload(t, admin, 'a,b\n1,2\n', { timezone: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/timezone/);
  });

  it.each([
    ['ragged row', 'a,b\n1,2\n3,4,5\n', /Line 3: expected 2 columns, found 3/],
    ['short row', 'a,b\n1,2\n3,4\n5\n', /Line 4: expected 2 columns, found 1/],
    ['no header', '1.5,2.5\n3,4\n', /Line 1: expected column names/],
    ['binary', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x00, 0x08, 0x00]), /Line 2: NUL byte/],
    ['empty', '', /Line 1/],
    ['header only', 'a,b\n', /no rows/],
  ])('refuses %s with 400 naming the line, leaving nothing behind', async (_, csv, details) => {
    const before = fs.readdirSync(path.join(t.dataDir, 'datasets')).length;
    const res = await upload(t, admin, csv);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; code: string; details: string };
    expect(body.code).toBe('BAD_REQUEST');
    expect(body.details).toMatch(details);
    expect(fs.readdirSync(path.join(t.dataDir, 'datasets')).length).toBe(before);
    expect(fs.readdirSync(path.join(t.dataDir, 'tmp')).filter((f) => f.startsWith('upload-'))).toEqual([]);
  });

  it('400 names a missing or bad field', async () => {
    const res = await upload(t, admin, 'a,b\n1,2\n', { equipment_type: 'toaster' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/equipment_type/);
    const noName = await t.request('POST', '/api/v1/datasets', { token: admin, body: (() => {
      const f = new FormData();
      f.append('equipment_type', 'boiler');
      f.append('file', new Blob(['a,b\n1,2\n']), 'x.csv');
      return f;
    })() });
    expect(noName.status).toBe(400);
    expect(((await noName.json()) as { error: string }).error).toMatch(/name/);
  });

  it('400 without a file part or with a non-multipart body', async () => {
    const f = new FormData();
    f.append('name', 'x');
    f.append('equipment_type', 'pump');
    expect((await t.request('POST', '/api/v1/datasets', { token: admin, body: f })).status).toBe(400);
    expect((await t.request('POST', '/api/v1/datasets', { token: admin, json: { name: 'x' } })).status).toBe(400);
  });

  it('401 without a token, 403 for a viewer', async () => {
    expect((await upload(t, '', 'a,b\n1,2\n')).status).toBe(401);
    const viewer = await t.userWithRole('viewer');
    const res = await upload(t, viewer.token, 'a,b\n1,2\n');
    expect(res.status).toBe(403);
  });
});

describe('413', () => {
  it('names the limit, from the declared length and from the streamed bytes', async () => {
    const small = await createTestHub({ DATASET_MAX_UPLOAD_BYTES: '2048' });
    try {
      const token = await small.adminToken();
      const big = `a,b\n${'1,2\n'.repeat(2000)}`;
      const res = await upload(small, token, big);
      expect(res.status).toBe(413);
      const body = (await res.json()) as { error: string; details: string };
      expect(body.details).toBe('The limit is 2048 bytes');
      expect(fs.readdirSync(path.join(small.dataDir, 'tmp'))).toEqual([]);
      expect(fs.readdirSync(path.join(small.dataDir, 'datasets'))).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
