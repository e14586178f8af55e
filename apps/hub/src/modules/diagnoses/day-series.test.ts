import fs from 'node:fs';
import type { DiagnosisDaySeries, DiagnosisView, PointMap } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { uploadOk } from '../datasets/test-helpers.js';

// GET /api/v1/diagnoses/:id/series: one day of what the diagnosis read, on the clock of its days and episodes.
const SZVAV = fs.readFileSync(new URL('../../../../../test/fixtures/lbnl/SZVAV.csv', import.meta.url), 'utf8');
const [HEADER, ...LINES] = SZVAV.trim().split(/\r?\n/);
// A heating-valve fault day (stuck fully open) and a normal day, in Los Angeles time (PDT, UTC-7).
const SLICE = [HEADER!, ...LINES.filter((l) => l.startsWith('9/14/2017 ') || l.startsWith('9/20/2017 '))].join('\n');
const TZ = 'America/Los_Angeles';

let t: TestHub;
let operator: { token: string; id: string };
let datasetId: string;
let diagnosis: DiagnosisView;

async function json<T>(url: string, token = operator.token, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> {
  const res = await t.request(method, url, { token, ...(body !== undefined ? { json: body } : {}) });
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  t = await createTestHub({ DEFAULT_TIER: 'enterprise' });
  operator = await t.userWithRole('operator');
  datasetId = (await uploadOk(t, operator.token, SLICE, { name: 'SZVAV two days', timezone: TZ })).id;
  const map = await json<PointMap>(`/api/v1/datasets/${datasetId}/points`);
  expect((await json(`/api/v1/datasets/${datasetId}/points`, operator.token, 'PUT', { points: map.body.points })).status).toBe(200);
  const started = await json<{ id: string }>(`/api/v1/datasets/${datasetId}/diagnose`, operator.token, 'POST', {});
  expect(started.status).toBe(202);
  const running = await json<DiagnosisView>(`/api/v1/diagnoses/${started.body.id}`);
  if (running.body.status === 'running') expect((await json(`/api/v1/diagnoses/${started.body.id}/series?date=2017-09-14`)).status).toBe(409);
  await t.hub.services.diagnoses.idle();
  diagnosis = (await json<DiagnosisView>(`/api/v1/diagnoses/${started.body.id}`)).body;
  expect(diagnosis.status, diagnosis.error ?? '').toBe('completed');
}, 120_000);
afterAll(() => t.close());

describe('a diagnosis day series', () => {
  it('gives each input of the day the diagnosis read, every minute of the local day, in F and 0-1', async () => {
    expect(diagnosis.days.map((d) => d.date)).toEqual(['2017-09-14', '2017-09-20']);
    const { status, body } = await json<DiagnosisDaySeries>(`/api/v1/diagnoses/${diagnosis.id}/series?date=2017-09-14`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ date: '2017-09-14', time_zone: TZ });
    expect(body.t).toHaveLength(1440);
    // 9/14/2017 0:00 in Los Angeles is 07:00 UTC; the last reading is 23:59 local.
    expect(body.t[0]).toBe(Date.UTC(2017, 8, 14, 7, 0));
    expect(body.t[1439]).toBe(Date.UTC(2017, 8, 15, 6, 59));
    expect(body.series.map((s) => s.input).sort()).toEqual(Object.keys(diagnosis.inputs).sort());
    const names = HEADER!.split(',').map((h) => h.trim());
    const day = LINES.filter((l) => l.startsWith('9/14/2017 ')).map((l) => l.split(','));
    for (const s of body.series) {
      expect(s.column).toBe(diagnosis.inputs[s.input]);
      const c = names.indexOf(s.column.trim());
      expect(s.values, s.input).toEqual(day.map((r) => (r[c]!.trim() === '' ? null : Number(r[c]))));
    }
    expect(body.series.find((s) => s.input === 'sat')?.unit).toBe('F');
    expect(body.series.find((s) => s.input === 'heat_valve')?.unit).toBe('fraction');
    // Every episode of the day lies on this clock.
    const first = body.t[0]!;
    const last = body.t[body.t.length - 1]!;
    const episodes = diagnosis.episodes.filter((e) => Date.parse(e.start) >= first && Date.parse(e.start) <= last);
    expect(episodes.length).toBeGreaterThan(0);
    expect(episodes.some((e) => e.family === 'heating_valve')).toBe(true);
  });

  it('answers an empty day, a bad date and another user\'s diagnosis as such', async () => {
    const none = await json<DiagnosisDaySeries>(`/api/v1/diagnoses/${diagnosis.id}/series?date=2017-09-16`);
    expect(none.status).toBe(200);
    expect(none.body.t).toEqual([]);
    expect((await json(`/api/v1/diagnoses/${diagnosis.id}/series?date=14.9.2017`)).status).toBe(400);
    expect((await json(`/api/v1/diagnoses/${diagnosis.id}/series`)).status).toBe(400);
    const other = await t.userWithRole('operator');
    expect((await json(`/api/v1/diagnoses/${diagnosis.id}/series?date=2017-09-14`, other.token)).status).toBe(404);
    const viewer = await t.userWithRole('viewer');
    expect((await json(`/api/v1/diagnoses/${diagnosis.id}/series?date=2017-09-14`, viewer.token)).status).toBe(404);
  });
});
