import fs from 'node:fs';
import type { DiagnosisView, EvaluationDetail, PointMap } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { TINY, trainToEnd } from '../../test/training.js';
import { uploadOk } from '../datasets/test-helpers.js';

// The alarms of an evaluation name the Guideline 36 rules that fired during them, from the evaluated dataset's
// point map: a model trained on six normal hours of SZVAV, evaluated on six hours of its stuck-open heating valve day.
const SZVAV = fs.readFileSync(new URL('../../../../../test/fixtures/lbnl/SZVAV.csv', import.meta.url), 'utf8').trim().split(/\r?\n/);
const TZ = 'America/Los_Angeles';
const hours = (day: string) => [SZVAV[0]!, ...SZVAV.filter((l) => new RegExp(`^${day} ([6-9]|1[01]):`).test(l))].join('\n');
const NORMAL = hours('9/20/2017');
const STUCK_HEATING_VALVE = hours('9/14/2017');

let t: TestHub;
let token: string;
let model: string;
let trainingEvaluation: string;

beforeAll(async () => {
  t = await createTestHub({ DEFAULT_TIER: 'enterprise' });
  token = (await t.userWithRole('operator')).token;
  const normal = await uploadOk(t, token, NORMAL, { name: 'SZVAV normal morning', timezone: TZ });
  expect((await t.request('POST', `/api/v1/datasets/${normal.id}/validate`, { token })).status).toBe(200);
  const run = await trainToEnd(t, token, { dataset_id: normal.id, architecture: 'lstm_autoencoder', hyperparameters: { ...TINY, epochs: 3 } });
  expect(run.status).toBe('completed');
  model = run.model_id as string;
  trainingEvaluation = run.evaluation_id as string;
}, 180_000);
afterAll(() => t.close());

async function call<T>(method: string, url: string, json?: unknown): Promise<{ status: number; body: T }> {
  const res = await t.request(method, url, { token, ...(json !== undefined ? { json } : {}) });
  return { status: res.status, body: (await res.json()) as T };
}

/** Uploads the stuck-valve hours and confirms a point map: the suggestion, or with every AFDD input taken away. */
async function faultyDataset(name: string, keepInputs: boolean): Promise<string> {
  const ds = await uploadOk(t, token, STUCK_HEATING_VALVE, { name, timezone: TZ });
  const { body: map } = await call<PointMap>('GET', `/api/v1/datasets/${ds.id}/points`);
  const points = keepInputs ? map.points : map.points.map((p) => ({ ...p, input: null }));
  expect((await call('PUT', `/api/v1/datasets/${ds.id}/points`, { points })).status).toBe(200);
  return ds.id;
}

async function diagnosisOf(datasetId: string): Promise<DiagnosisView> {
  const { body: started } = await call<{ id: string }>('POST', `/api/v1/datasets/${datasetId}/diagnose`);
  for (let i = 0; i < 600; i += 1) {
    const { body } = await call<DiagnosisView>('GET', `/api/v1/diagnoses/${started.id}`);
    if (body.status !== 'running') return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('diagnosis still running');
}

describe('rules on the alarms of an evaluation', { timeout: 180_000 }, () => {
  it('names FC12 and FC13 (heating valve) on the alarms of a stuck heating valve morning, with their minutes', async () => {
    const dataset = await faultyDataset('SZVAV stuck heating valve', true);
    const { status, body: ev } = await call<EvaluationDetail>('POST', '/api/v1/evaluations', { model_id: model, dataset_id: dataset });
    expect(status).toBe(201);
    expect(ev.rules_status).toBe('annotated');
    expect(ev.skipped_rules?.map((s) => s.fault_condition)).toEqual(['FC1', 'FC6', 'FC14', 'FC15']);
    expect(ev.alarms!.length).toBeGreaterThan(0);

    // The same rules as a diagnosis of the evaluated dataset: each alarm lists the conditions whose episodes
    // overlap it, with the minutes of its span they held.
    const diagnosis = await diagnosisOf(dataset);
    expect(diagnosis.status).toBe('completed');
    for (const alarm of ev.alarms!) {
      const from = Date.parse(alarm.start);
      const to = Date.parse(alarm.end);
      const expected = new Map<string, number>();
      for (const e of diagnosis.episodes) {
        const overlap = Math.min(Date.parse(e.end), to) - Math.max(Date.parse(e.start), from);
        if (overlap >= 0) expected.set(`${e.fault_condition}/${e.family}`, (expected.get(`${e.fault_condition}/${e.family}`) ?? 0) + overlap / 60_000);
      }
      expect(alarm.rules.map((r) => `${r.fault_condition}/${r.family}`).sort()).toEqual([...expected.keys()].sort());
      for (const r of alarm.rules) expect(r.minutes_overlap).toBeCloseTo(expected.get(`${r.fault_condition}/${r.family}`)!, 2);
    }
    const named = ev.alarms!.flatMap((a) => a.rules.filter((r) => r.minutes_overlap! > 0));
    expect(named.filter((r) => r.fault_condition === 'FC12' || r.fault_condition === 'FC13').map((r) => r.family)).toContain('heating_valve');
    expect(new Set(named.map((r) => r.fault_condition))).toEqual(new Set(['FC12', 'FC13']));
  });

  it('leaves the rules empty without a point map, and says so', async () => {
    const dataset = await faultyDataset('SZVAV stuck heating valve, no map', false);
    const { status, body: ev } = await call<EvaluationDetail>('POST', '/api/v1/evaluations', { model_id: model, dataset_id: dataset });
    expect(status).toBe(201);
    expect(ev.alarms!.length).toBeGreaterThan(0);
    expect(ev.alarms!.every((a) => a.rules.length === 0)).toBe(true);
    expect(ev).toMatchObject({ rules_status: 'no_point_map', skipped_rules: null });
    // Read back the same.
    expect((await call<EvaluationDetail>('GET', `/api/v1/evaluations/${ev.id}`)).body).toMatchObject({ rules_status: 'no_point_map', skipped_rules: null });
  });

  it('considers the rules for the training evaluation too (its validation rows)', async () => {
    const { body: ev } = await call<EvaluationDetail>('GET', `/api/v1/evaluations/${trainingEvaluation}`);
    expect(ev.alarms).not.toBeNull();
    expect(ev.rules_status).toBe(ev.alarms!.length > 0 ? 'annotated' : 'no_alarms');
    expect(ev.skipped_rules?.map((s) => s.fault_condition)).toEqual(expect.arrayContaining(['FC1', 'FC6', 'FC14', 'FC15']));
  });
});
