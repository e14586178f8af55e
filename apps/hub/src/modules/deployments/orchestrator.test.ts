import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail } from '@prometheus/protocol';
import { openDatabase } from '../../db/client.js';
import { deployments } from '../../db/schema/index.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset } from '../../test/training.js';
import { enrollTarget, scriptedDevice, type ScriptedDevice } from '../../test/deployment-agent.js';

// The state machine across hub restarts, a target that stops answering, and what agents report on
// `inference` (stored once however often it is resent; one edge.alert per alert).
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-restart-'));
const env = { PROMETHEUS_DATA_DIR: dataDir, DEPLOY_CHUNK_BYTES: '1024', DEPLOY_WINDOW_CHUNKS: '2', DEPLOY_STEP_TIMEOUT_S: '5' };
let t: TestHub;
let admin: string;
let modelId: string;

async function startHub(): Promise<{ mqttUrl: string }> {
  t = await createTestHub(env);
  await t.hub.start();
  admin = await t.adminToken();
  return { mqttUrl: `mqtt://127.0.0.1:${t.hub.services.broker.port()}` };
}

const detail = async (id: string) => (await (await t.request('GET', `/api/v1/deployments/${id}`, { token: admin })).json()) as DeploymentDetail;

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Confirms what arrived, chunk window by chunk window, until `stopAt` bytes (or the whole package). */
async function receive(device: ScriptedDevice, id: string, stopAt = Number.POSITIVE_INFINITY): Promise<number> {
  const size = device.manifest(id).package!.size;
  let held = device.received(id).length;
  while (held < Math.min(size, stopAt)) {
    await device.report({ deployment_id: id, state: 'receiving', next_offset: held });
    const before = held;
    held = await until('more chunks', () => (device.received(id).length > before ? device.received(id).length : undefined));
  }
  return held;
}

beforeAll(async () => {
  await startHub();
  await setTier(t, 'admin', 'enterprise');
  const ds = await validatedDataset(t, admin, sensorCsv({ rows: 240 }));
  modelId = (await trainToEnd(t, admin, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: TINY })).model_id as string;
}, 180_000);
afterAll(async () => {
  await t.hub.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('hub restarts', () => {
  it('resumes a transfer from the offset the agent holds after a restart, and re-runs steps a restart interrupted', async () => {
    let mqttUrl = `mqtt://127.0.0.1:${t.hub.services.broker.port()}`;
    const target = await enrollTarget(t, admin, { name: 'Restart box', arch: 'x64' });
    let device = scriptedDevice(mqttUrl, target);
    await device.connect();
    const id = ((await (await t.request('POST', '/api/v1/deployments', { token: admin, json: { model_id: modelId, target_id: target.id } })).json()) as { id: string }).id;
    await until('manifest', () => device.commands.length > 0);
    await device.report({ deployment_id: id, state: 'receiving', next_offset: 0, resume: true });
    const held = await receive(device, id, 3000);
    const kept = device.received(id).subarray(0, held);
    const manifest = device.manifest(id);
    await device.disconnect();
    await t.hub.stop();

    ({ mqttUrl } = await startHub());
    expect((await detail(id)).status).toBe('transferring');
    device = scriptedDevice(mqttUrl, target);
    await device.connect();
    await device.report({ deployment_id: id, state: 'receiving', next_offset: held, resume: true });
    await until('the rest after the restart', () => device.received(id).length === 0 && (device.chunks.get(id)?.[0]?.offset ?? -1) === held);
    // The device holds the first part; it asks for the rest.
    const rest: Buffer[] = [];
    let at = held;
    const size = manifest.package!.size;
    while (at < size) {
      const c = await until('chunk', () => device.chunks.get(id)?.find((x) => x.offset === at));
      rest.push(c.data);
      at += c.data.length;
      if (at < size) await device.report({ deployment_id: id, state: 'receiving', next_offset: at });
    }
    const whole = Buffer.concat([kept, ...rest]);
    expect(createHash('sha256').update(whole).digest('hex')).toBe(manifest.package!.sha256);
    await device.report({ deployment_id: id, state: 'deployed', current: { deployment_id: id, model_id: modelId, model_version: 'v1' } });
    await until('deployed', async () => (await detail(id)).status === 'deployed');
    await device.disconnect();

    // A crash during a hub step leaves the row in `quantizing`: the next start runs the steps again.
    const second = ((await (await t.request('POST', '/api/v1/deployments', { token: admin, json: { model_id: modelId, target_id: target.id } })).json()) as { id: string }).id;
    await until('transferring', async () => (await detail(second)).status === 'transferring');
    await t.hub.stop();
    const store = await openDatabase({ file: path.join(dataDir, 'prometheus.db'), url: t.hub.config.databaseUrl });
    await store.db.update(deployments).set({ status: 'quantizing' }).where(eq(deployments.id, second));
    await store.close();
    fs.rmSync(path.join(dataDir, 'deployments', second), { recursive: true });
    await startHub();
    const rerun = await until('re-run to transferring', async () => {
      const d = await detail(second);
      return d.status === 'transferring' ? d : undefined;
    });
    expect(rerun.steps.map((s) => s.detail ?? '').join(' | ')).toContain('the hub restarted during quantizing');
    expect(fs.existsSync(path.join(dataDir, 'deployments', second, 'model.onnx'))).toBe(true);

    // A transfer whose package vanished cannot resume: it fails with the reason.
    await t.hub.stop();
    fs.rmSync(path.join(dataDir, 'deployments', second), { recursive: true });
    await startHub();
    const lost = await until('failed', async () => {
      const d = await detail(second);
      return d.status === 'failed' ? d : undefined;
    });
    expect(lost.error).toContain('package is missing');
    // The first deployment is still the one running.
    expect((await detail(id)).status).toBe('deployed');
  }, 180_000);

  it('sends the manifest at once to an agent that restarted holding the whole package (killed while installing)', async () => {
    const target = await enrollTarget(t, admin, { name: 'Installing box', arch: 'x64' });
    const device = scriptedDevice(`mqtt://127.0.0.1:${t.hub.services.broker.port()}`, target);
    await device.connect();
    const id = ((await (await t.request('POST', '/api/v1/deployments', { token: admin, json: { model_id: modelId, target_id: target.id } })).json()) as { id: string }).id;
    await until('manifest', () => device.commands.length > 0);
    await device.report({ deployment_id: id, state: 'receiving', next_offset: 0, resume: true });
    const size = await receive(device, id);
    await device.report({ deployment_id: id, state: 'installing' });
    // Back up before the hub noticed it was gone: its sync says it holds every byte.
    const before = device.commands.filter((c) => c.deployment_id === id).length;
    await device.report({ deployment_id: id, state: 'receiving', next_offset: size, resume: true });
    // Well inside the 5 s step timeout, which would otherwise be the next prompt.
    await until('the manifest again', () => device.commands.filter((c) => c.deployment_id === id).length > before, 2_500);
    await device.report({ deployment_id: id, state: 'deployed', current: { deployment_id: id, model_id: modelId, model_version: 'v1' } });
    await until('deployed', async () => (await detail(id)).status === 'deployed');
    await device.disconnect();
  }, 60_000);

  it('gives up on an online target that stops answering, after resending the manifest', async () => {
    const { mqttUrl } = { mqttUrl: `mqtt://127.0.0.1:${t.hub.services.broker.port()}` };
    const target = await enrollTarget(t, admin, { name: 'Silent box', arch: 'x64' });
    const device = scriptedDevice(mqttUrl, target);
    await device.connect();
    const id = ((await (await t.request('POST', '/api/v1/deployments', { token: admin, json: { model_id: modelId, target_id: target.id } })).json()) as { id: string }).id;
    const failed = await until('failed', async () => {
      const d = await detail(id);
      return d.status === 'failed' ? d : undefined;
    }, 60_000);
    expect(failed.error).toContain('stopped answering');
    expect(device.commands.filter((c) => c.deployment_id === id).length).toBe(3);
    await device.disconnect();
  }, 90_000);
});

describe('inference reports', () => {
  it('stores scores and alerts once however often they are resent, and tells the owner once per alert', async () => {
    const mqttUrl = `mqtt://127.0.0.1:${t.hub.services.broker.port()}`;
    const target = await enrollTarget(t, admin, { name: 'Scoring box', arch: 'x64' });
    const device = scriptedDevice(mqttUrl, target);
    await device.connect();
    const id = ((await (await t.request('POST', '/api/v1/deployments', { token: admin, json: { model_id: modelId, target_id: target.id } })).json()) as { id: string }).id;
    const seen: string[] = [];
    const off = t.hub.services.events.on('edge.alert', (e) => void seen.push(e.message));
    const ts = Date.UTC(2026, 2, 6, 12);
    const scores = Array.from({ length: 5 }, (_, i) => ({ ts: ts + i * 15_000, score: i < 3 ? 0.1 : 9, anomaly: i >= 3 }));
    const base = { v: 1 as const, deployment_id: id, model_id: modelId };
    const alert = { id: `${id}-${ts}`, state: 'raised' as const, raised_at: ts + 60_000, cleared_at: null, peak_score: 9, threshold: 1, message: 'Scoring box: anomaly' };
    for (let i = 0; i < 2; i++) {
      await device.inference({ ...base, kind: 'scores', seq: 1, scores });
      await device.inference({ ...base, kind: 'alert', seq: 2, alert });
    }
    await device.inference({ ...base, kind: 'alert', seq: 3, alert: { ...alert, state: 'cleared', cleared_at: ts + 120_000, peak_score: 11 } });
    await device.inference({ ...base, kind: 'alert', seq: 2, alert }); // a late resend does not reopen it
    const alerts = await until('cleared alert', async () => {
      const a = (await (await t.request('GET', `/api/v1/deployments/targets/${target.id}/alerts`, { token: admin })).json()) as { state: string; peak_score: number; cleared_at: string | null }[];
      return a[0]?.state === 'cleared' ? a : undefined;
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ peak_score: 11, cleared_at: new Date(ts + 120_000).toISOString().replace('.000', '') });
    const list = (await (await t.request('GET', `/api/v1/deployments/targets/${target.id}/scores`, { token: admin })).json()) as { scores: { anomaly: boolean }[] };
    expect(list.scores).toHaveLength(5);
    expect(list.scores.filter((s) => s.anomaly)).toHaveLength(2);
    expect(seen).toEqual(['Scoring box: anomaly']);
    // The owner is mailed too (no SMTP here: the hub's outbox dir).
    const mails = await until('alert mail', () => {
      const texts = fs.readdirSync(path.join(dataDir, 'outbox')).map((f) => fs.readFileSync(path.join(dataDir, 'outbox', f), 'utf8'));
      return texts.some((x) => x.includes('Subject: Alert from Scoring box')) ? texts : undefined;
    });
    expect(mails.filter((x) => x.includes('Subject: Alert from Scoring box'))).toHaveLength(1);
    const raisedOnly = await t.request('GET', `/api/v1/deployments/targets/${target.id}/alerts?state=raised`, { token: admin });
    expect(await raisedOnly.json()).toEqual([]);
    // Another user sees neither.
    const op = await t.userWithRole('operator');
    expect((await t.request('GET', `/api/v1/deployments/targets/${target.id}/alerts`, { token: op.token })).status).toBe(404);
    off();
    await device.disconnect();
  }, 60_000);

  it('keeps a score\'s out_of_range and an alert\'s kind (an outside-the-trained-range notice is not an anomaly)', async () => {
    const mqttUrl = `mqtt://127.0.0.1:${t.hub.services.broker.port()}`;
    const target = await enrollTarget(t, admin, { name: 'Range box', arch: 'x64' });
    const device = scriptedDevice(mqttUrl, target);
    await device.connect();
    const id = ((await (await t.request('POST', '/api/v1/deployments', { token: admin, json: { model_id: modelId, target_id: target.id } })).json()) as { id: string }).id;
    const ts = Date.UTC(2026, 2, 7, 12);
    const base = { v: 1 as const, deployment_id: id, model_id: modelId };
    await device.inference({ ...base, kind: 'scores', seq: 1, scores: [{ ts, score: 0.2, anomaly: false }, { ts: ts + 15_000, score: 3, anomaly: false, out_of_range: true }] });
    const notice = { id: `${id}-range-${ts}`, state: 'raised' as const, raised_at: ts, cleared_at: null, peak_score: 3, threshold: 1, message: 'Range box: outside the trained range', kind: 'out_of_range' as const };
    await device.inference({ ...base, kind: 'alert', seq: 2, alert: notice });
    await device.inference({ ...base, kind: 'alert', seq: 3, alert: { ...notice, id: `${id}-${ts}`, message: 'Range box: anomaly', kind: undefined } });
    const alerts = await until('two alerts', async () => {
      const a = (await (await t.request('GET', `/api/v1/deployments/targets/${target.id}/alerts`, { token: admin })).json()) as { message: string; kind: string }[];
      return a.length === 2 ? a : undefined;
    });
    expect(alerts.map((a) => [a.message, a.kind]).sort()).toEqual([['Range box: anomaly', 'anomaly'], ['Range box: outside the trained range', 'out_of_range']]);
    const list = (await (await t.request('GET', `/api/v1/deployments/targets/${target.id}/scores`, { token: admin })).json()) as { scores: { anomaly: boolean; out_of_range: boolean }[] };
    expect(list.scores.map((x) => [x.anomaly, x.out_of_range])).toEqual([[false, false], [false, true]]);
    await device.disconnect();
  }, 60_000);
});
