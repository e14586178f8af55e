import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployCommand, decodeDeployChunk, encodeDeployChunk, parseMessage, type DeployManifest } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../apps/hub/src/test/harness.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset } from '../apps/hub/src/test/training.js';
import { startAegisDbFake, type AegisDbFake } from './fakes/index.js';
import { agentCommand, agentSpec, enrollAgent, killAll, removeTempDirs, startAgent, waitFor, type AgentSpec, type Proc } from './edge-link/harness.js';
import { ahuSamples, deploy, deployment, settled, sha256, type Deployment } from './deploy/harness.js';

// Deployment faults against the real x64 agent (a child process) and an in-process hub whose broker
// publishes are intercepted to play a broken or malicious hub: corrupted chunk, wrong signature, wrong
// sha256, truncated transfer, a model failing its health inference, rules the agent refuses, SIGKILL during install, a transfer
// cut by a disconnect, an offline target, and a second deployment replacing the first.
let t: TestHub;
let hubUrl: string;
let token: string;
let modelId: string;
let db: AegisDbFake;
let spec: AgentSpec;
let agent: Proc;
let targetId: string;
const table: string[] = [];

/** Returns a replacement payload, null to drop the message, undefined to send it as it is. */
type Tamper = (leaf: string, payload: Buffer) => Buffer | null | undefined;
let tamper: Tamper | undefined;
const chunkOffsets: number[] = [];
const reports: { deployment_id: string | null; state: string }[] = [];

function signWithHubKey(text: string): string {
  const key = createPrivateKey(fs.readFileSync(path.join(t.dataDir, 'keys', 'deploy-ed25519.pem')));
  return sign(null, Buffer.from(text), key).toString('base64');
}

/** Rewrites the manifest of a `deploy` command (re-signed with the hub's own key, or another one). */
function rewriteManifest(change: (m: DeployManifest) => void, key: 'hub' | 'other' = 'hub'): Tamper {
  return (leaf, payload) => {
    if (leaf !== 'deploy') return undefined;
    const cmd = parseMessage(DeployCommand, payload);
    if (!cmd) return undefined;
    const m = JSON.parse(cmd.manifest) as DeployManifest;
    change(m);
    const text = JSON.stringify(m);
    const signature = key === 'hub' ? signWithHubKey(text) : sign(null, Buffer.from(text), generateKeyPairSync('ed25519').privateKey).toString('base64');
    return Buffer.from(JSON.stringify({ ...cmd, manifest: text, signature }));
  };
}

async function agentStatus(): Promise<{ model: { deployment_id: string; model_id: string; complete: boolean } | null }> {
  return JSON.parse((await agentCommand(['status', '--state-dir', spec.stateDir, '--config', spec.configFile])).out) as never;
}

async function currentModel(): Promise<string | null> {
  const res = await t.request('GET', `/api/v1/deployments/targets/${targetId}`, { token });
  return ((await res.json()) as { current_model_version: string | null }).current_model_version;
}

beforeAll(async () => {
  t = await createTestHub({ DEPLOY_CHUNK_BYTES: '1024', DEPLOY_WINDOW_CHUNKS: '2', LOG_LEVEL: 'silent' });
  const port = await t.hub.start();
  hubUrl = `http://127.0.0.1:${port}`;
  token = await t.adminToken();
  await setTier(t, 'admin', 'enterprise');
  const broker = t.hub.services.broker;
  const publish = broker.publishToDevice;
  broker.publishToDevice = (id, leaf, payload, opts) => {
    const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
    const out = tamper?.(leaf, buf);
    if (out === null) return Promise.resolve();
    if (leaf === 'deploy/chunk') chunkOffsets.push(decodeDeployChunk(buf)?.header.offset ?? -1);
    return publish(id, leaf, out ?? buf, opts);
  };
  broker.onDeviceMessage('deploy/status', (_id, payload) => void reports.push(JSON.parse(payload.toString()) as { deployment_id: string; state: string }));
  const ds = await validatedDataset(t, token, sensorCsv({ rows: 240 }));
  modelId = (await trainToEnd(t, token, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: TINY })).model_id as string;
  db = await startAegisDbFake({ mode: 'new', token: 'aegis-secret' });
  db.insert('hardware_metrics', ahuSamples(0, 50));
  spec = agentSpec({ source: { kind: 'aegis', token: 'aegis-secret', url: db.url }, mqtt_url: `mqtt://127.0.0.1:${broker.port()}` });
  targetId = await enrollAgent(hubUrl, token, spec, 'Fault box');
  agent = startAgent(spec);
}, 240_000);
afterAll(async () => {
  await killAll();
  await db?.close();
  await t?.close();
  removeTempDirs();
  process.stdout.write(`\n| fault | deployment | reason reported | model the agent runs after |\n|---|---|---|---|\n${table.join('\n')}\n`);
});

/** Deploys with a tamper in place; returns the settled deployment and what the agent runs afterwards. */
async function faulty(fault: string, with_: Tamper | undefined): Promise<{ d: Deployment; runs: string | undefined }> {
  tamper = with_;
  try {
    const d = await settled(hubUrl, token, await deploy(hubUrl, token, { model_id: modelId, target_id: targetId }), 120_000);
    const s = await agentStatus();
    table.push(`| ${fault} | ${d.status} | ${(d.error ?? '').replace(/\|/g, '/')} | ${s.model ? `${s.model.deployment_id} (complete: ${s.model.complete})` : 'none'} |`);
    return { d, runs: s.model?.deployment_id };
  } finally {
    tamper = undefined;
  }
}

describe('deployment faults (real x64 agent)', () => {
  let good: string;

  it('deploys a first model (the one faults must keep)', async () => {
    const { d, runs } = await faulty('none (first deployment)', undefined);
    expect(d.status).toBe('deployed');
    good = d.id;
    expect(runs).toBe(good);
  });

  it('rejects a corrupted chunk, reports it and keeps the previous model', async () => {
    const { d, runs } = await faulty('corrupted chunk', (leaf, payload) => {
      if (leaf !== 'deploy/chunk') return undefined;
      const c = decodeDeployChunk(payload);
      if (!c || c.header.offset !== 2048) return undefined;
      const data = Buffer.from(c.data);
      data[10] = (data[10] ?? 0) ^ 0xff; // the header keeps the sha256 of the original bytes
      return Buffer.from(encodeDeployChunk(c.header, data));
    });
    expect(d.status).toBe('failed');
    expect(d.error).toContain('chunk at offset 2048 is corrupted');
    expect(d.error).toContain(`kept ${modelId}`);
    expect(runs).toBe(good);
  });

  it('rejects a manifest signed by another key', async () => {
    const { d, runs } = await faulty('wrong signature', rewriteManifest(() => undefined, 'other'));
    expect(d.status).toBe('failed');
    expect(d.error).toContain('signature does not verify');
    expect(runs).toBe(good);
  });

  it('rejects a package whose sha256 is not the signed one', async () => {
    const { d, runs } = await faulty('wrong sha256', rewriteManifest((m) => void (m.package!.sha256 = sha256('something else'))));
    expect(d.status).toBe('failed');
    expect(d.error).toMatch(/package sha256 .* does not match the signed manifest/);
    expect(runs).toBe(good);
  });

  it('rejects a truncated transfer', async () => {
    const { d, runs } = await faulty('truncated transfer', (leaf, payload) => {
      const c = leaf === 'deploy/chunk' ? decodeDeployChunk(payload) : undefined;
      if (!c?.header.last) return undefined;
      const data = c.data.subarray(0, Math.floor(c.data.length / 2));
      return Buffer.from(encodeDeployChunk({ ...c.header, sha256: sha256(data) }, data));
    });
    expect(d.status).toBe('failed');
    expect(d.error).toContain('transfer truncated');
    expect(runs).toBe(good);
  });

  it('rolls back a model that fails its health inference', async () => {
    const { d, runs } = await faulty('health inference fails', rewriteManifest((m) => void (m.health!.expected_score += 1000)));
    expect(d.status).toBe('rolled_back');
    expect(d.error).toContain('health inference scored');
    expect(runs).toBe(good);
    expect(await currentModel()).not.toBeNull();
  });

  it('rolls back a model whose rules the agent refuses (the rules package checks them before the switch)', async () => {
    const rules = { points: [{ column: 'supply_temp', input: 'sat', unit: 'F' }, { column: 'return_temp', input: 'mat', unit: 'F' }], settings: { eps_sat: -1 } };
    const { d, runs } = await faulty('rules refused', rewriteManifest((m) => void (m.rules = rules)));
    expect(d.status).toBe('rolled_back');
    expect(d.error).toContain('eps_sat');
    expect(d.error).toContain(`kept ${modelId}`);
    expect(runs).toBe(good);
  });

  it('a second deployment replaces the first', async () => {
    const { d, runs } = await faulty('none (second deployment replaces the first)', undefined);
    expect(d.status).toBe('deployed');
    expect(runs).toBe(d.id);
    expect((await deployment(hubUrl, token, good)).status).toBe('superseded');
    expect(await currentModel()).toBe(d.model_version);
    good = d.id;
  });

  it.each(['installing', 'health_check'])('SIGKILL of the agent at %s: after a restart it runs the old or the new model, then completes', async (at) => {
    const before = good;
    const id = await deploy(hubUrl, token, { model_id: modelId, target_id: targetId });
    await waitFor(`agent at ${at}`, () => reports.some((r) => r.deployment_id === id && r.state === at), 60_000, 5);
    await agent.kill();
    const s = await agentStatus();
    expect(s.model?.complete).toBe(true);
    expect([before, id]).toContain(s.model?.deployment_id);
    agent = startAgent(spec);
    const d = await settled(hubUrl, token, id, 120_000);
    expect(d.status).toBe('deployed');
    expect((await agentStatus()).model).toMatchObject({ deployment_id: id, complete: true });
    table.push(`| SIGKILL at ${at} | ${d.status} after restart | - | after the kill: ${s.model?.deployment_id === id ? 'new' : 'old'} model, complete |`);
    good = id;
  });

  it('resumes a transfer cut by an agent kill from the bytes it held', async () => {
    // The link "breaks" after 3 KiB: later chunks are lost until the agent is killed and restarted.
    tamper = (leaf, payload) => (leaf === 'deploy/chunk' && (decodeDeployChunk(payload)?.header.offset ?? 0) >= 3072 ? null : undefined);
    const id = await deploy(hubUrl, token, { model_id: modelId, target_id: targetId });
    await waitFor('part of the package received', () => reports.some((r) => r.deployment_id === id && r.state === 'receiving' && ((r as { next_offset?: number }).next_offset ?? 0) >= 3072), 60_000, 5);
    await agent.kill();
    tamper = undefined;
    const sentBefore = chunkOffsets.length;
    agent = startAgent(spec);
    const d = await settled(hubUrl, token, id, 120_000);
    expect(d.status).toBe('deployed');
    const resumedAt = chunkOffsets.slice(sentBefore)[0] ?? -1;
    expect(resumedAt).toBe(3072);
    table.push(`| agent killed mid-transfer | ${d.status} | - | resumed at byte ${resumedAt} of ${d.transfer?.bytes_total} |`);
    good = id;
  });

  it('waits for an offline target and proceeds when it comes online', async () => {
    expect(await agent.stop()).toBe(0);
    const id = await deploy(hubUrl, token, { model_id: modelId, target_id: targetId });
    const waiting = await waitFor('waiting', async () => {
      const d = await deployment(hubUrl, token, id);
      return d.status === 'transferring' && d.status_detail?.includes('waiting for the target') ? d : undefined;
    }, 60_000);
    expect(waiting.transfer?.target_online).toBe(false);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await deployment(hubUrl, token, id)).status).toBe('transferring');
    agent = startAgent(spec);
    const d = await settled(hubUrl, token, id, 120_000);
    expect(d.status).toBe('deployed');
    table.push(`| target offline at deploy time | ${d.status} once online | - | ${id} |`);
  });
});
