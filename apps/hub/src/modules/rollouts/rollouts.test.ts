import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutDetail, Target } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { enrollTarget } from '../../test/deployment-agent.js';
import { lightAgent, type AnyManifest, type LightAgent, type Verdict } from '../../test/light-agent.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset } from '../../test/training.js';

// Rollouts in-process against light agents on the real broker: validation and ownership, the waves reaching
// the selected groups only, a halt on a failing canary (kept by its agent), a halt on the canary's alarm rate
// (redeployed by the hub), pause/resume/abort, and a hub restart in the middle of a rollout.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-'));
const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-releases-'));
const env = { PROMETHEUS_DATA_DIR: dataDir, ROLLOUT_TICK_MS: '100', DEPLOY_CHUNK_BYTES: '16384', EDGE_BUILD_DIR: buildDir };
let t: TestHub;
let admin: string;
let mqttUrl: string;
let modelA: string;
let modelB: string;
/** Manifests of these models are refused by the light agents (a model failing its health inference). */
const failing = new Set<string>();
const agents: LightAgent[] = [];

async function startHub(): Promise<void> {
  t = await createTestHub(env);
  await t.hub.start();
  admin = await t.adminToken();
  mqttUrl = `mqtt://127.0.0.1:${t.hub.services.broker.port()}`;
}

const verdict = (m: AnyManifest): Verdict => {
  if (m.format === 'prometheus-agent/1') return failing.has(m.agent.version) ? { state: 'rolled_back', reason: `agent ${m.agent.version} did not report healthy within 30 s; kept 0.1.0` } : { state: 'deployed' };
  return m.model_id && failing.has(m.model_id) ? { state: 'rolled_back', reason: 'health inference scored 1e9, expected 0.1' } : { state: 'deployed' };
};

/** An agent release in the hub's build dir, as `npm run build:edge` leaves it (manifest beside the executable). */
function writeRelease(name: string, version: string, exe: Buffer): void {
  const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
  fs.writeFileSync(path.join(buildDir, name), exe);
  fs.writeFileSync(path.join(buildDir, 'better_sqlite3-linux-x64.node'), 'addon x64');
  fs.writeFileSync(path.join(buildDir, `${name}.manifest.json`), JSON.stringify({
    arch: 'x64', executable: name, version, node: '20.11.0', files: { [name]: sha(exe), 'better_sqlite3-linux-x64.node': sha('addon x64') },
  }));
}

async function group(name: string, n: number, tags: Record<string, string>): Promise<LightAgent[]> {
  const made: LightAgent[] = [];
  for (let i = 0; i < n; i += 1) {
    const enrolled = await enrollTarget(t, admin, { name: `${name}-${i}`, arch: 'x64', tags });
    const a = lightAgent(mqttUrl, enrolled, verdict);
    await a.connect();
    made.push(a);
    agents.push(a);
  }
  return made;
}

const post = (body: unknown, token = admin) => t.request('POST', '/api/v1/rollouts', { token, json: body });
const get = async (id: string) => (await (await t.request('GET', `/api/v1/rollouts/${id}`, { token: admin })).json()) as RolloutDetail;
const target = async (id: string) => (await (await t.request('GET', `/api/v1/deployments/targets/${id}`, { token: admin })).json()) as Target;

async function until(id: string, want: (r: RolloutDetail) => boolean, timeoutMs = 60_000): Promise<RolloutDetail> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await get(id);
    if (want(r)) return r;
    if (Date.now() > end) throw new Error(`rollout ${id} stuck: ${JSON.stringify({ status: r.status, reason: r.reason, targets: r.targets.map((x) => [x.target_name, x.state, x.detail]) })}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

beforeAll(async () => {
  await startHub();
  await setTier(t, 'admin', 'enterprise');
  const ds = await validatedDataset(t, admin, sensorCsv({ rows: 240 }));
  modelA = (await trainToEnd(t, admin, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: TINY })).model_id as string;
  modelB = (await trainToEnd(t, admin, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: { ...TINY, hidden_dim: 6 } })).model_id as string;
}, 240_000);
afterAll(async () => {
  for (const a of agents) await a.disconnect();
  await t.hub.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(buildDir, { recursive: true, force: true });
});

describe('rollout requests', () => {
  it('validates the body and the selector, refuses viewers and agent versions not built for the targets, and keeps rollouts to their owner', async () => {
    const [one] = await group('valid', 1, { group: 'valid' });
    expect((await post({ model_id: modelA })).status).toBe(400);
    const both = await post({ model_id: modelA, agent_version: '1.2.3', selector: { tags: { group: 'valid' } } });
    expect(both.status).toBe(400);
    expect(((await both.json()) as { error: string }).error).toContain('model_id');
    const agent = await post({ agent_version: '9.9.9', selector: { tags: { group: 'valid' } } });
    expect(agent.status).toBe(404);
    expect(((await agent.json()) as { error: string; details: string }).details).toContain('valid-0');
    expect((await post({ model_id: modelA, selector: {} })).status).toBe(400);
    expect((await post({ model_id: modelA, selector: { tags: { group: 'valid' } }, strategy: { batch_percent: 0 } })).status).toBe(400);
    const none = await post({ model_id: modelA, selector: { tags: { group: 'nobody' } } });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: string }).error).toContain('matches no target');
    const unknown = await post({ model_id: modelA, selector: { target_ids: [one!.id, 'tgt_nothere'] } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { details: string }).details).toContain('tgt_nothere');
    expect((await post({ model_id: 'mdl_nothere', selector: { tags: { group: 'valid' } } })).status).toBe(404);
    const viewer = await t.userWithRole('viewer');
    expect((await post({ model_id: modelA, selector: { tags: { group: 'valid' } } }, viewer.token)).status).toBe(403);
    const op = await t.userWithRole('operator');
    // The operator sees neither the admin's model nor the admin's targets.
    expect((await post({ model_id: modelA, selector: { target_ids: [one!.id] } }, op.token)).status).toBe(404);
    const mine = await post({ model_id: modelA, selector: { target_ids: [one!.id] }, strategy: { canary: 0, interval_seconds: 0 } });
    expect(mine.status).toBe(201);
    const { id } = (await mine.json()) as RolloutDetail;
    expect((await t.request('GET', `/api/v1/rollouts/${id}`, { token: op.token })).status).toBe(404);
    expect((await t.request('POST', `/api/v1/rollouts/${id}/abort`, { token: op.token })).status).toBe(404);
    expect(((await (await t.request('GET', '/api/v1/rollouts', { token: op.token })).json()) as unknown[]).length).toBe(0);
    await until(id, (r) => r.status === 'completed');
    expect((await t.request('POST', `/api/v1/rollouts/${id}/pause`, { token: admin })).status).toBe(409);
  }, 60_000);
});

describe('the tier limit', () => {
  it('refuses a rollout that would pass the owner\'s max_deployments, before touching any target', async () => {
    const op = await t.userWithRole('operator');
    await setTier(t, op.username, 'free'); // one deployment
    const ds = await validatedDataset(t, op.token, sensorCsv({ rows: 240 }));
    const model = (await trainToEnd(t, op.token, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: TINY })).model_id as string;
    const one = await enrollTarget(t, op.token, { name: 'op-1', arch: 'x64', tags: { group: 'op' } });
    const two = await enrollTarget(t, op.token, { name: 'op-2', arch: 'x64', tags: { group: 'op' } });
    const res = await post({ model_id: model, selector: { tags: { group: 'op' } } }, op.token);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'TIER_LIMIT' });
    expect(((await (await t.request('GET', '/api/v1/deployments', { token: op.token })).json()) as unknown[]).length).toBe(0);
    // One target fits the free tier.
    const fits = await post({ model_id: model, selector: { target_ids: [one.id] }, strategy: { canary: 0 } }, op.token);
    expect(fits.status).toBe(201);
    expect((await t.request('POST', `/api/v1/rollouts/${((await fits.json()) as RolloutDetail).id}/abort`, { token: op.token })).status).toBe(200);
    expect(two.id).toMatch(/^tgt_/);
  }, 120_000);
});

describe('rollouts across light agents', () => {
  let a: LightAgent[];
  let b: LightAgent[];
  let c: LightAgent[];
  beforeAll(async () => {
    a = await group('alpha', 3, { group: 'a', site: 'warren' });
    b = await group('bravo', 3, { group: 'b', site: 'warren' });
    c = await group('charlie', 2, { group: 'c', site: 'warren' });
  }, 60_000);

  it('reaches every target of the two selected groups in a canary and waves of 50%, and none of the third', async () => {
    const res = await post({ model_id: modelA, selector: { tags: { group: ['a', 'b'], site: 'warren' } }, strategy: { canary: 1, batch_percent: 50, interval_seconds: 0 } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as RolloutDetail;
    expect(created.waves.map((w) => [w.kind, w.target_ids.length])).toEqual([['canary', 1], ['wave', 3], ['wave', 2]]);
    const done = await until(created.id, (r) => r.status === 'completed', 120_000);
    expect(done.counts).toMatchObject({ total: 6, deployed: 6, failed: 0 });
    expect(done.waves.every((w) => w.status === 'done')).toBe(true);
    for (const x of [...a, ...b]) expect((await target(x.id)).current_model).toBe(modelA);
    for (const x of c) expect(x.manifests).toEqual([]);
    expect(done.finished_at).not.toBeNull();
  }, 150_000);

  it('halts after the canary when its agent rolls the model back; the canary keeps its previous model, no other target is touched', async () => {
    failing.add(modelB);
    const before = new Map([...a, ...b].map((x) => [x.id, x.manifests.length]));
    const res = await post({ model_id: modelB, selector: { tags: { group: ['a', 'b'] } }, strategy: { canary: 1, batch_percent: 50, interval_seconds: 0 } });
    const { id } = (await res.json()) as RolloutDetail;
    const halted = await until(id, (r) => r.status === 'halted' && r.finished_at !== null);
    const [canary, ...rest] = halted.targets;
    expect(canary).toMatchObject({ state: 'rolled_back', previous_model_id: modelA, wave: 0 });
    expect(canary!.detail).toContain('health inference');
    expect(halted.reason).toContain('wave 0 (canary): 1 of 1 targets failed');
    expect(rest.every((x) => x.state === 'pending' && x.deployment_id === null)).toBe(true);
    expect((await target(canary!.target_id)).current_model).toBe(modelA);
    for (const x of [...a, ...b]) {
      if (x.id !== canary!.target_id) expect(x.manifests.length).toBe(before.get(x.id));
    }
    failing.delete(modelB);
  }, 120_000);

  it('halts when the canary\'s alarm rate jumps against its own history, and the hub redeploys its previous model', async () => {
    const canaryAgent = c[0]!;
    // History under model A on the c group (deployed here first), quiet: 1 anomalous window in 20.
    const first = (await (await post({ model_id: modelA, selector: { tags: { group: 'c' } }, strategy: { canary: 0, interval_seconds: 0 } })).json()) as RolloutDetail;
    await until(first.id, (r) => r.status === 'completed');
    const now = Date.now();
    await canaryAgent.scores(canaryAgent.current!.deployment_id, modelA, Array.from({ length: 20 }, (_, i) => ({ ts: now - 3_600_000 + i * 60_000, score: 0.1, anomaly: i === 0 })));
    const res = await post({ model_id: modelB, selector: { tags: { group: 'c' } }, strategy: { canary: 1, batch_percent: 100, interval_seconds: 2, health: { max_alarm_rate_increase: 0.2 } } });
    const { id } = (await res.json()) as RolloutDetail;
    const observing = await until(id, (r) => r.waves[0]?.status === 'observing');
    const canaryDeployment = observing.targets[0]!.deployment_id as string;
    // Under model B the canary alarms on 8 windows of 10.
    await canaryAgent.scores(canaryDeployment, modelB, Array.from({ length: 10 }, (_, i) => ({ ts: Date.now() + i * 60_000, score: 9, anomaly: i < 8 })));
    const halted = await until(id, (r) => r.status === 'halted' && r.finished_at !== null);
    expect(halted.waves[0]!.alarm_checks).toEqual([{ target_id: canaryAgent.id, before: 0.05, after: 0.8, windows_before: 20, windows_after: 10, exceeded: true }]);
    expect(halted.reason).toContain('alarm rate');
    expect(halted.targets[0]).toMatchObject({ state: 'rolled_back', previous_model_id: modelA });
    expect(halted.targets[0]!.rollback_deployment_id).toMatch(/^dep_/);
    expect((await target(canaryAgent.id)).current_model).toBe(modelA);
    expect(halted.targets[1]).toMatchObject({ state: 'pending', deployment_id: null });
    expect(c[1]!.manifests.length).toBe(1); // only model A's, from the first rollout
  }, 120_000);

  it('rolls an agent version out as agent updates; a version that fails on the canary halts, and the canary keeps its agent', async () => {
    writeRelease('prometheus-edge-linux-x64-0.2.0', '0.2.0', Buffer.concat([Buffer.from('ELF agent 0.2.0 '), Buffer.alloc(40_000, 2)]));
    writeRelease('prometheus-edge-linux-x64-0.3.0', '0.3.0', Buffer.concat([Buffer.from('ELF agent 0.3.0 '), Buffer.alloc(40_000, 3)]));
    const ok = (await (await post({ agent_version: '0.2.0', selector: { tags: { group: 'c' } }, strategy: { canary: 1, batch_percent: 100, interval_seconds: 0 } })).json()) as RolloutDetail;
    expect(ok).toMatchObject({ agent_version: '0.2.0', model_id: null });
    const done = await until(ok.id, (r) => r.status === 'completed');
    expect(done.targets.map((x) => [x.state, x.previous_agent_version])).toEqual([['deployed', '0.1.0'], ['deployed', '0.1.0']]);
    for (const x of c) expect([(await target(x.id)).agent_version, x.agentVersion]).toEqual(['0.2.0', '0.2.0']);
    const modelsBefore = await Promise.all(c.map(async (x) => (await target(x.id)).current_model));
    failing.add('0.3.0');
    const bad = (await (await post({ agent_version: '0.3.0', selector: { tags: { group: 'c' } }, strategy: { canary: 1, batch_percent: 100, interval_seconds: 0 } })).json()) as RolloutDetail;
    const halted = await until(bad.id, (r) => r.status === 'halted' && r.finished_at !== null);
    failing.delete('0.3.0');
    expect(halted.targets[0]).toMatchObject({ state: 'rolled_back', previous_agent_version: '0.2.0' });
    expect(halted.targets[0]!.detail).toContain('the target still runs agent 0.2.0');
    expect(halted.targets[1]).toMatchObject({ state: 'pending', deployment_id: null });
    for (const x of c) expect((await target(x.id)).agent_version).toBe('0.2.0');
    // Agent updates leave the models alone.
    expect(await Promise.all(c.map(async (x) => (await target(x.id)).current_model))).toEqual(modelsBefore);
  }, 120_000);

  it('skips offline targets with offline "skip", and with "wait" deploys one that comes back in time and reports one that does not', async () => {
    const d = await group('delta', 3, { group: 'd' });
    await d[1]!.disconnect();
    await d[2]!.disconnect();
    const skip = (await (await post({ model_id: modelA, selector: { tags: { group: 'd' } }, strategy: { canary: 0, batch_percent: 100, interval_seconds: 0, offline: 'skip' } })).json()) as RolloutDetail;
    const skipped = await until(skip.id, (r) => r.status === 'completed');
    expect(skipped.targets.map((x) => [x.target_name, x.state, x.detail])).toEqual([
      ['delta-0', 'deployed', expect.stringContaining('deployed')], ['delta-1', 'skipped', 'offline when its wave started'], ['delta-2', 'skipped', 'offline when its wave started'],
    ]);
    expect(skipped.counts).toMatchObject({ deployed: 1, skipped: 2, failed: 0 });
    expect(d[1]!.manifests).toEqual([]);

    const wait = (await (await post({ model_id: modelB, selector: { tags: { group: 'd' } }, strategy: { canary: 0, batch_percent: 100, interval_seconds: 0, offline_wait_seconds: 3 } })).json()) as RolloutDetail;
    await until(wait.id, (r) => r.targets[1]?.state === 'deploying');
    await d[1]!.connect(); // back within the deadline: it receives the deployment that waited for it
    const waited = await until(wait.id, (r) => r.status !== 'running' && r.finished_at !== null);
    expect(waited.status).toBe('completed');
    expect(waited.targets.map((x) => [x.target_name, x.state])).toEqual([['delta-0', 'deployed'], ['delta-1', 'deployed'], ['delta-2', 'offline']]);
    expect(waited.targets[2]!.detail).toContain('offline for longer than the rollout waits (3 s)');
    const gone = (await (await t.request('GET', `/api/v1/deployments/${waited.targets[2]!.deployment_id}`, { token: admin })).json()) as { status: string; error: string };
    expect(gone).toMatchObject({ status: 'failed' });
    expect(gone.error).toContain('the rollout stopped waiting');
    expect((await target(d[1]!.id)).current_model).toBe(modelB);
    await d[2]!.connect();
  }, 120_000);

  it('pauses between waves, resumes, and aborts what has not started', async () => {
    const res = await post({ model_id: modelB, selector: { tags: { group: ['a', 'b'] } }, strategy: { canary: 1, batch_percent: 34, interval_seconds: 3 } });
    const { id } = (await res.json()) as RolloutDetail;
    await until(id, (r) => r.waves[0]?.status === 'done');
    const paused = (await (await t.request('POST', `/api/v1/rollouts/${id}/pause`, { token: admin })).json()) as RolloutDetail;
    expect(paused.status).toBe('paused');
    await new Promise((r) => setTimeout(r, 3500));
    expect((await get(id)).waves[1]?.status).toBe('pending'); // the interval passed, but paused
    expect((await t.request('POST', `/api/v1/rollouts/${id}/resume`, { token: admin })).status).toBe(200);
    await until(id, (r) => r.waves[1]?.status === 'done');
    const aborted = (await (await t.request('POST', `/api/v1/rollouts/${id}/abort`, { token: admin })).json()) as RolloutDetail;
    expect(aborted).toMatchObject({ status: 'aborted', reason: 'aborted by admin' });
    expect(aborted.targets.filter((x) => x.wave === 2).every((x) => x.state === 'aborted')).toBe(true);
    expect((await t.request('POST', `/api/v1/rollouts/${id}/resume`, { token: admin })).status).toBe(409);
  }, 120_000);

  it('resumes a rollout after a hub restart from the store', async () => {
    const res = await post({ model_id: modelA, selector: { tags: { group: ['a', 'b'] } }, strategy: { canary: 1, batch_percent: 50, interval_seconds: 4 } });
    const { id } = (await res.json()) as RolloutDetail;
    await until(id, (r) => r.waves[0]?.status === 'done');
    for (const x of agents) await x.disconnect();
    await t.hub.stop();
    await startHub();
    for (const x of agents) await x.connect(mqttUrl);
    const done = await until(id, (r) => r.status === 'completed', 120_000);
    expect(done.counts).toMatchObject({ total: 6, deployed: 6 });
    for (const x of [...a, ...b]) expect((await target(x.id)).current_model).toBe(modelA);
  }, 180_000);
});
