import { verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromoteOrder, type DeploymentDetail, type DriftReport, type EdgeAlert, type ShadowReport, type TrainingDistribution } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset } from '../../test/training.js';
import { enrollTarget, scriptedDevice, type ScriptedDevice } from '../../test/deployment-agent.js';

// The hub's side of shadow models and drift with a scripted device on the real broker: drift hours judged by PSI
// against the model's training histograms (alert raised once, naming the feature, cleared by a calm hour; resends
// ignored; a model without histograms says there is no drift), and a shadow's comparison, promotion and rollback.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-watch-'));
let t: TestHub;
let admin: string;
let mqttUrl: string;
let modelId: string;
let candidateId: string;
let oldModelId: string;
let dist: TrainingDistribution;

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const get = async <T>(route: string, token = admin) => (await (await t.request('GET', route, { token })).json()) as T;
const post = (route: string, json?: unknown, token = admin) => t.request('POST', route, { token, ...(json ? { json } : {}) });

/** Deploys to the scripted device and reports it deployed (as the agent does once the package checks out). */
async function deployed(device: ScriptedDevice, body: Record<string, unknown>, current: (id: string) => { deployment_id: string; model_id: string; model_version: string }): Promise<string> {
  const res = await post('/api/v1/deployments', body);
  expect(res.status, await res.clone().text()).toBe(201);
  const id = ((await res.json()) as { id: string }).id;
  await until('manifest', () => device.commands.some((c) => c.deployment_id === id));
  const size = device.manifest(id).package!.size;
  await device.report({ deployment_id: id, state: 'receiving', next_offset: 0, resume: true });
  await until('whole package', async () => {
    if (device.received(id).length >= size) return true;
    await device.report({ deployment_id: id, state: 'receiving', next_offset: device.received(id).length });
    return false;
  });
  await device.report({ deployment_id: id, state: 'deployed', current: current(id) });
  await until('deployed', async () => (await get<DeploymentDetail>(`/api/v1/deployments/${id}`)).status === 'deployed');
  return id;
}

/** Counts for an hour: `n` values spread like the training shares, or all of one feature in its top bin. */
function hourCounts(n: number, shifted?: string) {
  const spread = (expected: number[]) => expected.map((e) => Math.round(e * n));
  return dist.features.map((f) => ({ column: f.column, counts: f.column === shifted ? f.expected.map((_, i) => (i === f.expected.length - 1 ? n : 0)) : spread(f.expected) }));
}

beforeAll(async () => {
  t = await createTestHub({ PROMETHEUS_DATA_DIR: dataDir, DEPLOY_CHUNK_BYTES: '65536' });
  await t.hub.start();
  admin = await t.adminToken();
  mqttUrl = `mqtt://127.0.0.1:${t.hub.services.broker.port()}`;
  await setTier(t, 'admin', 'enterprise');
  const ds = await validatedDataset(t, admin, sensorCsv({ rows: 240 }));
  const train = async (hp: Record<string, unknown>) => (await trainToEnd(t, admin, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: hp })).model_id as string;
  modelId = await train(TINY);
  candidateId = await train({ ...TINY, seed: 11 });
  oldModelId = await train({ ...TINY, seed: 12 });
  // A model from before drift existed: its metadata has no histograms.
  const metadataOf = async (id: string) => (await t.hub.store.rows<{ metadata: string }>(sql`SELECT metadata FROM models WHERE id = ${id}`))[0]!.metadata;
  dist = (JSON.parse(await metadataOf(modelId)) as { distribution: TrainingDistribution }).distribution;
  const meta = JSON.parse(await metadataOf(oldModelId)) as { distribution?: TrainingDistribution };
  delete meta.distribution;
  await t.hub.store.rows(sql`UPDATE models SET metadata = ${JSON.stringify(meta)} WHERE id = ${oldModelId} RETURNING id`); // RETURNING: rows() reads an answer
}, 240_000);
afterAll(async () => {
  await t.hub.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('drift', () => {
  it('raises one drift alert naming the shifted feature, ignores resends and thin hours, clears on a calm hour', async () => {
    expect(dist.format).toBe('prometheus-histograms/1');
    expect(dist.features.length).toBeGreaterThan(1);
    expect(dist.score?.expected.length).toBeGreaterThan(1);
    const target = await enrollTarget(t, admin, { name: 'Drift box', arch: 'x64' });
    const device = scriptedDevice(mqttUrl, target);
    await device.connect();
    const dep = await deployed(device, { model_id: modelId, target_id: target.id }, (id) => ({ deployment_id: id, model_id: modelId, model_version: 'v1' }));
    const hour = (k: number) => Date.UTC(2026, 2, 6, k);
    const shiftedColumn = dist.features[0]!.column;
    const send = (seq: number, k: number, readings: number, shifted?: string) => device.inference({
      v: 1, kind: 'drift', seq, deployment_id: dep, model_id: modelId,
      drift: { hour_start: hour(k), readings, features: hourCounts(readings, shifted), score: { counts: dist.score!.expected.map((e) => Math.round(e * readings)) } },
    });
    await send(1, 0, 240);
    await send(2, 1, 10, shiftedColumn); // too few readings to decide
    await send(3, 2, 240, shiftedColumn);
    await send(3, 2, 240, shiftedColumn); // a resend
    await send(4, 3, 240, shiftedColumn);
    const report = await until('four hours', async () => {
      const r = await get<DriftReport>(`/api/v1/deployments/targets/${target.id}/drift`);
      return r.hours.length === 4 ? r : undefined;
    });
    expect(report).toMatchObject({ available: true, reason: null, threshold: 0.2 });
    expect(report.hours.map((h) => h.drifted)).toEqual([[], [], [shiftedColumn], [shiftedColumn]]);
    expect(report.hours[0]!.max_psi).toBeLessThan(0.05);
    expect(report.hours[2]!.features.find((f) => f.column === shiftedColumn)!.psi).toBeGreaterThan(1);
    expect(report.bandwidth.days).toEqual([{ day: '2026-03-06', bytes: report.hours.reduce((s, h) => s + h.bytes, 0), summaries: 4 }]);
    const alerts = await get<EdgeAlert[]>(`/api/v1/deployments/targets/${target.id}/alerts`);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'drift', state: 'raised', deployment_id: dep, threshold: 0.2, rule: null });
    expect(alerts[0]!.drift!.features.map((f) => f.column)).toEqual([shiftedColumn]);
    expect(alerts[0]!.message).toContain(shiftedColumn);
    expect(await get<EdgeAlert[]>(`/api/v1/deployments/targets/${target.id}/alerts?kind=anomaly`)).toEqual([]);
    expect(await get<EdgeAlert[]>(`/api/v1/deployments/targets/${target.id}/alerts?kind=drift`)).toHaveLength(1);

    await send(5, 4, 240);
    const cleared = await until('cleared', async () => {
      const a = await get<EdgeAlert[]>(`/api/v1/deployments/targets/${target.id}/alerts`);
      return a[0]?.state === 'cleared' ? a : undefined;
    });
    expect(cleared[0]!.cleared_at).toBe('2026-03-06T05:00:00Z');
    const ranged = await get<DriftReport>(`/api/v1/deployments/targets/${target.id}/drift?from=2026-03-06T02:00:00Z&to=2026-03-06T04:00:00Z`);
    expect(ranged.hours.map((h) => h.hour_start)).toEqual(['2026-03-06T02:00:00Z', '2026-03-06T03:00:00Z']);
    expect((await t.request('GET', `/api/v1/deployments/targets/${target.id}/drift?from=yesterday`, { token: admin })).status).toBe(400);
    const op = await t.userWithRole('operator');
    expect((await t.request('GET', `/api/v1/deployments/targets/${target.id}/drift`, { token: op.token })).status).toBe(404);

    // A model trained before histograms existed: no drift, and the report says why.
    await deployed(device, { model_id: oldModelId, target_id: target.id }, (id) => ({ deployment_id: id, model_id: oldModelId, model_version: 'v2' }));
    const old = await get<DriftReport>(`/api/v1/deployments/targets/${target.id}/drift`);
    expect(old.available).toBe(false);
    expect(old.reason).toContain('no training histograms');
    await device.disconnect();
  }, 120_000);
});

describe('shadow models', () => {
  it('runs a shadow beside the live model, compares them, promotes and rolls back by signed orders', async () => {
    const target = await enrollTarget(t, admin, { name: 'Shadow box', arch: 'x64' });
    const device = scriptedDevice(mqttUrl, target);
    await device.connect();
    // Nothing live yet: a shadow has nothing to run beside; a shadow needs a model.
    expect((await post('/api/v1/deployments', { model_id: candidateId, target_id: target.id, mode: 'shadow' })).status).toBe(409);
    expect((await post('/api/v1/deployments', { target_id: target.id, mode: 'shadow', rules: {} })).status).toBe(400);
    const live = await deployed(device, { model_id: modelId, target_id: target.id }, (id) => ({ deployment_id: id, model_id: modelId, model_version: 'v1' }));
    const liveRun = { deployment_id: live, model_id: modelId, model_version: 'v1' };
    const shadow = await deployed(device, { model_id: candidateId, target_id: target.id, mode: 'shadow' }, () => liveRun);
    expect(device.manifest(shadow).mode).toBe('shadow');
    expect(await get<DeploymentDetail>(`/api/v1/deployments/${live}`)).toMatchObject({ status: 'deployed', mode: 'live', promotion: null });
    expect(await get<DeploymentDetail>(`/api/v1/deployments/${shadow}`)).toMatchObject({ status: 'deployed', mode: 'shadow' });
    expect((await get<{ id: string; current_model: string }[]>('/api/v1/deployments/targets')).find((x) => x.id === target.id)?.current_model).toBe(modelId);
    expect((await t.request('GET', `/api/v1/deployments/${live}/shadow`, { token: admin })).status).toBe(409);

    const ts = Date.UTC(2026, 2, 6, 12);
    const live_ = [0.1, 0.2, 0.3, 0.9, 1.5];
    const shad = [0.15, 0.2, 0.35, 1.2, 0.7];
    const scores = live_.map((l, i) => ({ ts: ts + i * 15_000, live_score: l, live_anomaly: l > 1, score: shad[i]!, anomaly: shad[i]! > 1 }));
    const base = { v: 1 as const, deployment_id: shadow, model_id: candidateId };
    await device.inference({ ...base, kind: 'shadow_scores', seq: 1, live_deployment_id: live, scores });
    await device.inference({ ...base, kind: 'shadow_scores', seq: 1, live_deployment_id: live, scores }); // a resend
    const alarm = { id: `${shadow}-${ts}`, state: 'raised' as const, raised_at: ts + 45_000, cleared_at: null, peak_score: 1.2, threshold: 1, message: 'Shadow box (shadow): anomaly' };
    await device.inference({ ...base, kind: 'shadow_alert', seq: 2, alert: alarm });
    const report = await until('the comparison', async () => {
      const r = await get<ShadowReport>(`/api/v1/deployments/${shadow}/shadow`);
      return r.windows === 5 && r.shadow_alarms.length === 1 ? r : undefined;
    });
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const [mx, my] = [mean(live_), mean(shad)];
    const cov = live_.reduce((s, x, i) => s + (x - mx) * (shad[i]! - my), 0);
    const r = cov / Math.sqrt(live_.reduce((s, x) => s + (x - mx) ** 2, 0) * shad.reduce((s, y) => s + (y - my) ** 2, 0));
    expect(report).toMatchObject({ mode: 'shadow', agreement: 3 / 5, live: { deployment_id: live, alarm_rate: 1 / 5, alarms_raised: 0 }, shadow: { alarm_rate: 1 / 5, alarms_raised: 1 } });
    expect(report.score_correlation).toBeCloseTo(r, 9);
    // The shadow's alarm is recorded, never raised: the target's alerts stay empty.
    expect(await get<EdgeAlert[]>(`/api/v1/deployments/targets/${target.id}/alerts`)).toEqual([]);

    const viewer = await t.userWithRole('viewer');
    expect((await post(`/api/v1/deployments/${shadow}/promote`, undefined, viewer.token)).status).toBe(403);
    expect((await post(`/api/v1/deployments/${live}/promote`)).status).toBe(409);
    const promoted = await post(`/api/v1/deployments/${shadow}/promote`);
    expect(promoted.status).toBe(202);
    expect(await promoted.json()).toMatchObject({ deployment_id: shadow, state: 'pending', replaces_deployment_id: live, done_at: null });
    const order = await until('a signed order', () => device.promotions.at(-1));
    expect(verify(null, Buffer.from(order.order), target.deploy_public_key ?? '', Buffer.from(order.signature, 'base64'))).toBe(true);
    expect(PromoteOrder.parse(JSON.parse(order.order))).toMatchObject({ deployment_id: shadow, target_id: target.id });
    expect((await post(`/api/v1/deployments/${live}/promote`)).status).toBe(409); // one promotion at a time
    await device.report({ deployment_id: shadow, state: 'deployed', current: { deployment_id: shadow, model_id: candidateId, model_version: 'v2' } });
    await until('done', async () => (await get<DeploymentDetail>(`/api/v1/deployments/${shadow}`)).promotion?.state === 'done');
    expect(await get<DeploymentDetail>(`/api/v1/deployments/${shadow}`)).toMatchObject({ status: 'deployed', mode: 'live' });
    expect(await get<DeploymentDetail>(`/api/v1/deployments/${live}`)).toMatchObject({ status: 'superseded', mode: 'live' });

    // Rollback: the replaced deployment is promoted again; a connect sync gets a pending order resent.
    expect((await post(`/api/v1/deployments/${live}/promote`)).status).toBe(202);
    const before = device.promotions.length;
    await device.report({ deployment_id: null, state: 'idle', resume: true, current: { deployment_id: shadow, model_id: candidateId, model_version: 'v2' } });
    await until('the order again', () => device.promotions.length > before);
    await device.report({ deployment_id: live, state: 'deployed', current: liveRun });
    await until('rolled back', async () => (await get<DeploymentDetail>(`/api/v1/deployments/${live}`)).promotion?.state === 'done');
    expect(await get<DeploymentDetail>(`/api/v1/deployments/${live}`)).toMatchObject({ status: 'deployed', mode: 'live' });
    expect(await get<DeploymentDetail>(`/api/v1/deployments/${shadow}`)).toMatchObject({ status: 'superseded' });
    await device.disconnect();
  }, 120_000);
});
