// A diagnosis with reference days (standing findings) and with a model (fault_condition "model" episodes), on SZVAV
// through the API, held against @prometheus/afdd run on the same rows.
import { FAMILIES } from '@prometheus/afdd';
import type { DiagnosisView, PointMap } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { daysCsv, readSzvavDays } from '../../test/szvav.js';
import { TINY, trainToEnd, validatedDataset } from '../../test/training.js';
import { uploadOk } from '../datasets/test-helpers.js';

const TZ = 'America/Los_Angeles';
let t: TestHub;
let operator: { token: string; id: string };
let szvav: string;

beforeAll(async () => {
  t = await createTestHub({ DEFAULT_TIER: 'enterprise' });
  operator = await t.userWithRole('operator');
  const days = readSzvavDays();
  szvav = (await uploadOk(t, operator.token, daysCsv(days, [...days.days.keys()]), { name: 'SZVAV', timezone: TZ })).id;
  const { body: map } = await json<PointMap>('GET', `/api/v1/datasets/${szvav}/points`);
  expect((await json('PUT', `/api/v1/datasets/${szvav}/points`, { points: map.points })).status).toBe(200);
}, 120_000);
afterAll(() => t.close());

async function json<T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await t.request(method, url, { token: operator.token, ...(body !== undefined ? { json: body } : {}) });
  return { status: res.status, body: (await res.json()) as T };
}

async function diagnose(body: unknown): Promise<DiagnosisView> {
  const started = await json<{ id: string }>('POST', `/api/v1/datasets/${szvav}/diagnose`, body);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  for (let i = 0; i < 1200; i += 1) {
    const { body: d } = await json<DiagnosisView>('GET', `/api/v1/diagnoses/${started.body.id}`);
    if (d.status !== 'running') return d;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('diagnosis still running');
}

describe('reference days', () => {
  it('reports what fires on them once, in standing, for every episode no larger than there; the days count the faults only', async () => {
    const plain = await diagnose({});
    const d = await diagnose({ reference: { from: '2017-09-20', to: '2017-09-21' } });
    expect(d.status, d.error ?? '').toBe('completed');
    expect(plain).toMatchObject({ standing: [], reference: null, model: null });
    expect(d.reference).toEqual({ dataset_id: szvav, source: 'request', days: ['2017-09-20', '2017-09-21'] });
    expect(d.standing.length).toBeGreaterThan(0);
    for (const s of d.standing) {
      expect(s.evidence[0]).toMatch(/^Present on reference days: \d of 2/);
      expect(s.reference).toMatchObject({ allowance: 2, unit: 'F' }); // FC8: eps_SAT
      const bar = s.reference.max_deviation! + s.reference.allowance!;
      for (const day of s.days) expect(day.deviation).toBeLessThanOrEqual(bar);
    }
    // A fault episode of a standing pair is larger than its reference allows (duration does not decide).
    for (const e of d.episodes) {
      const s = d.standing.find((x) => x.fault_condition === e.fault_condition && x.family === e.family);
      if (s) expect(e.deviation).toBeGreaterThan(s.reference.max_deviation! + s.reference.allowance!);
    }
    // Every plain episode is either still a fault or listed under a standing pair on its day.
    for (const e of plain.episodes) {
      const kept = d.episodes.some((x) => x.start === e.start && x.fault_condition === e.fault_condition);
      const stood = d.standing.some((s) => s.fault_condition === e.fault_condition && s.family === e.family && s.days.length > 0);
      expect(kept || stood, `${e.fault_condition} ${e.start}`).toBe(true);
    }
    expect(d.episodes.length).toBeLessThan(plain.episodes.length);
    for (const day of d.days.filter((x) => ['2017-09-20', '2017-09-21'].includes(x.date))) expect(day.minutes).toBe(0);
    const { body: list } = await json<{ id: string; reference: unknown }[]>('GET', `/api/v1/datasets/${szvav}/diagnoses`);
    expect(list[0]?.reference).toEqual(d.reference);
  }, 240_000);

  it('answers 400 for a reference without days or dataset, or with from after to; 404 for an unknown dataset', async () => {
    const none = await json<{ code: string; error: string }>('POST', `/api/v1/datasets/${szvav}/diagnose`, { reference: {} });
    expect(none.status).toBe(400);
    expect(none.body.error).toMatch(/'reference' needs from\/to or dataset_id/);
    const backwards = await json<{ error: string }>('POST', `/api/v1/datasets/${szvav}/diagnose`, { reference: { from: '2017-09-21', to: '2017-09-20' } });
    expect(backwards.status).toBe(400);
    expect((await json('POST', `/api/v1/datasets/${szvav}/diagnose`, { reference: { from: '9/20/2017' } })).status).toBe(400);
    expect((await json('POST', `/api/v1/datasets/${szvav}/diagnose`, { reference: { dataset_id: 'ds_nope' } })).status).toBe(404);
    expect((await json('POST', `/api/v1/datasets/${szvav}/diagnose`, { model_id: 'mdl_nope' })).status).toBe(404);
  });
});

describe('a model in the diagnosis', () => {
  it('turns its alarms into "model" episodes with a family and top features; its training days are the reference', async () => {
    const days = readSzvavDays();
    const train = await validatedDataset(t, operator.token, daysCsv(days, ['9/20/2017', '9/21/2017']), 'SZVAV normal days', 5);
    const run = await trainToEnd(t, operator.token, { dataset_id: train.id, architecture: 'lstm_autoencoder', hyperparameters: TINY }, 300_000);
    expect(run.status, run.error ?? '').toBe('completed');
    const d = await diagnose({ model_id: run.model_id });
    expect(d.status, d.error ?? '').toBe('completed');
    expect(d.model).toMatchObject({ model_id: run.model_id });
    expect(d.model!.windows).toBeGreaterThan(1000);
    const model = d.episodes.filter((e) => e.fault_condition === 'model');
    expect(model.length).toBe(d.model!.episodes);
    expect(model.length).toBeGreaterThan(0);
    for (const e of model) {
      expect(FAMILIES).toContain(e.family);
      expect(e.top_features!.length).toBeGreaterThan(0);
      expect(e.evidence[1]).toMatch(/^Features carrying the error: /);
      expect(e.peak_score).toBeGreaterThan(d.model!.threshold);
    }
    // The days count them.
    for (const e of model.filter((x) => x.minutes >= 30)) {
      expect(d.days.some((day) => day.fault_conditions.includes('model') && day.minutes >= 30)).toBe(true);
      expect(e.minutes).toBeGreaterThanOrEqual(30);
    }
    // Without a reference in the request, the model's training dataset is the reference (its own calendar: UTC).
    expect(d.reference).toEqual({ dataset_id: train.id, source: 'model_training_dataset', days: ['2017-09-20', '2017-09-21'] });
    // Their FC8 (judged with this diagnosis's minimum outdoor air) stands.
    expect(d.standing.map((s) => s.fault_condition)).toContain('FC8');
    // A dataset without the model's feature columns: 400 up front.
    const renamed = daysCsv(days, ['9/22/2017']).replace('AHU: Return Air Damper Control Signal', 'RA damper');
    const other = (await uploadOk(t, operator.token, renamed, { name: 'other' })).id;
    const refused = await json<{ error: string; details: string }>('POST', `/api/v1/datasets/${other}/diagnose`, { model_id: run.model_id });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/lacks the feature columns of 'model_id'/);
    expect(refused.body.details).toBe('Missing numeric columns: AHU: Return Air Damper Control Signal');
  }, 600_000);
});
