import { createPrivateKey, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployCommand, parseMessage, type DeployManifest, type RolloutDetail, type Target } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../apps/hub/src/test/harness.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset } from '../apps/hub/src/test/training.js';
import { ensureBuilt, BUILD_TIMEOUT_MS } from '../toolchains/edge/ensure-built.js';
import { resolveBuildOptions } from '../toolchains/edge/options.js';
import { startAegisDbFake, type AegisDbFake } from './fakes/index.js';
import { agentSpec, killAll, removeTempDirs, startExecutable, waitFor, type AgentSpec, type Proc } from './edge-link/harness.js';
import { ahuSamples } from './deploy/harness.js';

// Rollouts end to end: an in-process hub with its real broker and twelve x64 agents (the built single
// executable, each a child process) in three tagged groups. A model rolled out to two groups (canary 1, waves of
// 50%) reaches all eight and none of the third; then a model whose package fails the agents' health inference
// halts the rollout after the canary, whose agent keeps its previous model, and no other target is touched.
// The failing package is made the way test/deploy-faults.test.ts makes one: its manifest's expected health score
// is moved and the manifest re-signed with the hub's own key, so the agents' health check is what refuses it.
const x64 = resolveBuildOptions({ arch: 'x64' });
const exe = path.join(x64.outDir, x64.name);
let t: TestHub;
let hubUrl: string;
let token: string;
let db: AegisDbFake;
let modelGood: string;
let modelBad: string;
const agents: { name: string; group: string; id: string; spec: AgentSpec; proc: Proc }[] = [];
const table: string[] = [];

function signWithHubKey(text: string): string {
  return sign(null, Buffer.from(text), createPrivateKey(fs.readFileSync(path.join(t.dataDir, 'keys', 'deploy-ed25519.pem')))).toString('base64');
}

/** The bad model's manifests leave the hub with an expected health score no run of the model gives (signed by the hub key). */
function breakBadModel(leaf: string, payload: Buffer): Buffer {
  if (leaf !== 'deploy') return payload;
  const cmd = parseMessage(DeployCommand, payload);
  const m = cmd ? (JSON.parse(cmd.manifest) as DeployManifest) : undefined;
  if (!cmd || !m?.health || m.model_id !== modelBad) return payload;
  m.health.expected_score += 1000;
  const text = JSON.stringify(m);
  return Buffer.from(JSON.stringify({ ...cmd, manifest: text, signature: signWithHubKey(text) }));
}

const api = async <T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> => {
  const res = await t.request(method, route, { token, ...(body !== undefined ? { json: body } : {}) });
  return { status: res.status, body: (await res.json()) as T };
};
const rollout = async (id: string) => (await api<RolloutDetail>('GET', `/api/v1/rollouts/${id}`)).body;
const targets = async () => (await api<Target[]>('GET', '/api/v1/deployments/targets')).body;
const deploymentsOf = async (targetId: string) => (await api<{ target_id: string; id: string; status: string }[]>('GET', '/api/v1/deployments')).body.filter((d) => d.target_id === targetId);

async function enroll(name: string, group: string): Promise<void> {
  const created = await api<{ id: string; enrollment_token: string }>('POST', '/api/v1/deployments/targets', { name, arch: 'x64', tags: { group, site: 'warren' } });
  const spec = agentSpec({ source: { kind: 'aegis', token: 'aegis-secret', url: db.url }, mqtt_url: `mqtt://127.0.0.1:${t.hub.services.broker.port()}`, heartbeat_s: 5 });
  const e = startExecutable(exe, ['enroll', '--hub', hubUrl, '--token', created.body.enrollment_token, '--state-dir', spec.stateDir, '--config', spec.configFile]);
  const code = await e.exited;
  if (code !== 0) throw new Error(`enroll of ${name} exited ${code}: ${e.lines.join('\n')}`);
  agents.push({ name, group, id: created.body.id, spec, proc: startExecutable(exe, ['run', '--state-dir', spec.stateDir, '--config', spec.configFile], name) });
}

async function settle(id: string, want: (r: RolloutDetail) => boolean): Promise<RolloutDetail> {
  return waitFor(`rollout ${id}`, async () => {
    const r = await rollout(id);
    return want(r) ? r : undefined;
  }, 240_000, 250);
}

beforeAll(async () => {
  ensureBuilt(x64);
  t = await createTestHub({ ROLLOUT_TICK_MS: '200', LOG_LEVEL: 'silent' });
  hubUrl = `http://127.0.0.1:${await t.hub.start()}`;
  token = await t.adminToken();
  await setTier(t, 'admin', 'enterprise');
  const broker = t.hub.services.broker;
  const publish = broker.publishToDevice;
  broker.publishToDevice = (id, leaf, payload, opts) => publish(id, leaf, breakBadModel(leaf, Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload))), opts);
  const ds = await validatedDataset(t, token, sensorCsv({ rows: 240 }));
  modelGood = (await trainToEnd(t, token, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: TINY })).model_id as string;
  modelBad = (await trainToEnd(t, token, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: { ...TINY, hidden_dim: 6 } })).model_id as string;
  db = await startAegisDbFake({ mode: 'new', token: 'aegis-secret' });
  db.insert('hardware_metrics', ahuSamples(0, 20));
  for (const group of ['a', 'b', 'c']) {
    for (let i = 0; i < 4; i += 1) await enroll(`ahu-${group}${i}`, group);
  }
  await waitFor('twelve agents online', async () => (await targets()).filter((x) => x.status === 'online').length === 12, 120_000, 500);
}, BUILD_TIMEOUT_MS + 600_000);
afterAll(async () => {
  await killAll();
  await db?.close();
  await t?.close();
  removeTempDirs();
  process.stdout.write(`\n| rollout | fault | target | group | wave | rollout state | model the target runs after |\n|---|---|---|---|---|---|---|\n${table.join('\n')}\n`);
});

async function record(what: string, fault: string, r: RolloutDetail): Promise<void> {
  const now = new Map((await targets()).map((x) => [x.id, x]));
  for (const a of agents) {
    const rt = r.targets.find((x) => x.target_id === a.id);
    const model = now.get(a.id)?.current_model;
    const label = model === modelGood ? 'good model' : model === modelBad ? 'bad model' : model ?? 'none';
    table.push(`| ${what} | ${fault} | ${a.name} | ${a.group} | ${rt ? rt.wave : '-'} | ${rt ? rt.state : 'not selected'} | ${label} |`);
  }
}

describe('rollouts with twelve real x64 agents', () => {
  it('reaches every target of the two selected groups in a canary and waves of 50%, and none of the third', async () => {
    const res = await api<RolloutDetail>('POST', '/api/v1/rollouts', {
      model_id: modelGood, selector: { tags: { group: ['a', 'b'] } }, strategy: { canary: 1, batch_percent: 50, interval_seconds: 1 },
    });
    expect(res.status).toBe(201);
    expect(res.body.waves.map((w) => w.target_ids.length)).toEqual([1, 4, 3]);
    const done = await settle(res.body.id, (r) => r.status !== 'running');
    await record('1: good model to a+b', 'none', done);
    expect(done.status, JSON.stringify(done.targets.map((x) => [x.target_name, x.state, x.detail]))).toBe('completed');
    expect(done.counts).toMatchObject({ total: 8, deployed: 8, failed: 0 });
    const now = new Map((await targets()).map((x) => [x.id, x]));
    for (const a of agents) {
      if (a.group === 'c') {
        expect(now.get(a.id)?.current_model).toBeNull();
        expect(await deploymentsOf(a.id)).toEqual([]);
      } else expect(now.get(a.id)?.current_model).toBe(modelGood);
    }
  }, 300_000);

  it('halts after the canary when the package fails the agents\' health check; the canary keeps its previous model, no other target is touched', async () => {
    const before = new Map<string, number>();
    for (const a of agents) before.set(a.id, (await deploymentsOf(a.id)).length);
    const res = await api<RolloutDetail>('POST', '/api/v1/rollouts', {
      model_id: modelBad, selector: { tags: { group: ['a', 'b'] } }, strategy: { canary: 1, batch_percent: 50, interval_seconds: 1 },
    });
    expect(res.status).toBe(201);
    const halted = await settle(res.body.id, (r) => r.status !== 'running' && r.finished_at !== null);
    await record('2: bad model to a+b', 'package fails the health inference on the agent', halted);
    expect(halted.status).toBe('halted');
    expect(halted.reason).toContain('wave 0 (canary)');
    const [canary, ...rest] = halted.targets;
    expect(canary).toMatchObject({ state: 'rolled_back', previous_model_id: modelGood });
    expect(canary!.detail).toContain('health inference');
    expect(rest.every((x) => x.state === 'pending' && x.deployment_id === null)).toBe(true);
    const now = new Map((await targets()).map((x) => [x.id, x]));
    expect(now.get(canary!.target_id)?.current_model).toBe(modelGood);
    const canaryDeployments = await deploymentsOf(canary!.target_id);
    expect(canaryDeployments.find((d) => d.id === canary!.deployment_id)?.status).toBe('rolled_back');
    expect(canaryDeployments.filter((d) => d.status === 'deployed')).toHaveLength(1); // the good model's, still running
    for (const a of agents) {
      if (a.id === canary!.target_id) continue;
      expect((await deploymentsOf(a.id)).length).toBe(before.get(a.id));
      expect(now.get(a.id)?.current_model).toBe(a.group === 'c' ? null : modelGood);
    }
  }, 300_000);
});
