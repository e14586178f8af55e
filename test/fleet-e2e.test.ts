import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TelemetryAck, deviceTopic, parseMessage } from '@prometheus/protocol';
import { betterSqlite3AddonFile } from '@prometheus/edge-agent/sea-runtime';
import { compileIfStale } from '../apps/hub/compile-if-stale.js';
import { createScratchDatabase, type ScratchDatabase } from '../apps/hub/src/test/scratch-postgres.js';
import { sensorCsv } from '../apps/hub/src/test/training.js';
import { ensureBuilt } from '../toolchains/edge/ensure-built.js';
import { resolveBuildOptions } from '../toolchains/edge/options.js';
import { startTestBroker, type TestBroker } from './broker/mosquitto.js';
import { startAegisDbFake, type AegisDbFake } from './fakes/index.js';
import {
  ADMIN_PASSWORD, api, datasetSamples, freePort, killAll, range, removeTempDirs, root, samples, tempDir, waitFor, type Proc,
} from './edge-link/harness.js';

// The fleet tier end to end: a fresh PostgreSQL database, Mosquitto with dynamic security started by
// `npm run broker`'s script, two hub replicas (role api) and a training worker, each a process as `npm start`
// runs it (the compiled hub), and a real x64 agent executable. Faults are SIGKILLs; what was counted after each
// goes into the fault table printed at the end.
const LEASE_S = 6;
const POLL_MS = 500;
const x64 = resolveBuildOptions({ arch: 'x64' });

let pgdb: ScratchDatabase;
let broker: TestBroker;
let aegis: AegisDbFake;
const dataDir = tempDir('fleet-data');
const clients: MqttClient[] = [];
const table: string[] = [];

interface Replica extends Proc { name: string; url: string; port: number }
const replicas = new Map<string, Replica>();
const hub = (name: string) => replicas.get(name)!;

/** One hub process on the shared database, broker and data volume; waits until /health/ready. */
async function startReplica(name: string, role: 'api' | 'worker', port?: number): Promise<Replica> {
  const p = port ?? await freePort();
  const env: Record<string, string> = {
    ...(role === 'api' ? broker.env : {}),
    PORT: String(p), HOST: '127.0.0.1', MQTT_PORT: '0', MQTT_TLS_PORT: '0', PROMETHEUS_DATA_DIR: dataDir, PROMETHEUS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    DATABASE_URL: pgdb.url, PROMETHEUS_ROLE: role, PROMETHEUS_REPLICA_ID: name, TRAINING_LEASE_SECONDS: String(LEASE_S),
    CLUSTER_POLL_MS: String(POLL_MS), TRAINING_MAX_CONCURRENT: '1', TRUST_PROXY: 'true', LOG_LEVEL: 'warn',
  };
  const child = spawn(process.execPath, ['--conditions=built', path.join(root, 'apps/hub/dist/main.js')], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l) lines.push(l);
    if (lines.length > 3000) lines.splice(0, lines.length - 3000);
    if (process.env.DEBUG_EDGE_LINK) process.stderr.write(`[${name}] ${b.toString()}`);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${p}`;
  await waitFor(`${name} /health/ready`, async () => {
    if (gone) throw new Error(`${name} exited: ${lines.slice(-20).join('\n')}`);
    return (await fetch(`${url}/health/ready`)).ok;
  }, 90_000, 200);
  const r: Replica = {
    name, url, port: p, child, lines, exited,
    async kill() { child.kill('SIGKILL'); await exited; },
    async stop() { child.kill('SIGTERM'); return exited; },
  };
  replicas.set(name, r);
  return r;
}

async function login(url: string): Promise<string> {
  const res = await api<{ token: string }>(url, 'POST', '/api/v1/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD });
  if (res.status !== 200) throw new Error(`login on ${url}: ${res.status}`);
  return res.body.token;
}

/** The x64 agent executable installed in its own directory with its addon and wasm beside it. */
function installAgent(): { bin: string; stateDir: string; configFile: string } {
  const dir = tempDir('fleet-agent');
  for (const f of [betterSqlite3AddonFile('x64'), 'ort-wasm-simd-threaded.wasm', x64.name]) fs.copyFileSync(path.join(x64.outDir, f), path.join(dir, f));
  const bin = path.join(dir, x64.name);
  fs.chmodSync(bin, 0o755);
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(stateDir);
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({
    source: { kind: 'aegis', url: aegis.url, page_size: 40 }, interval_s: 0.2, batch_size: 20, ack_timeout_s: 3, heartbeat_s: 1,
    reconnect: { initial_ms: 200, max_ms: 1500 }, keepalive_s: 5, log_level: 'info',
  }));
  return { bin, stateDir, configFile };
}

function runAgent(bin: string, args: string[]): Proc {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l) lines.push(l);
    if (process.env.DEBUG_EDGE_LINK) process.stderr.write(`[agent] ${b.toString()}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited, async kill() { child.kill('SIGKILL'); await exited; }, async stop() { child.kill('SIGTERM'); return exited; } };
}

function connect(url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    clients.push(c);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** The SUBACK's code (mqtt.js rejects a refused subscription with the code on the error's packet). */
async function subscribeCode(c: MqttClient, topic: string): Promise<number | undefined> {
  try {
    return (await c.subscribeAsync(topic, { qos: 1 }))[0]?.qos;
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted[0];
  }
}

/** The PUBACK's reason code (MQTT 5). */
async function publishCode(c: MqttClient, topic: string, payload: string): Promise<number | undefined> {
  try {
    const ack = await c.publishAsync(topic, payload, { qos: 1 });
    return ack && 'reasonCode' in ack ? ack.reasonCode ?? 0 : 0;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (typeof code !== 'number') throw err;
    return code;
  }
}

interface TargetView { id: string; status: string; readings_stored: number; dataset_id: string | null }
const targetOn = async (url: string, token: string, id: string) => (await api<TargetView>(url, 'GET', `/api/v1/deployments/targets/${id}`, token)).body;

beforeAll(async () => {
  ensureBuilt(x64);
  await compileIfStale();
  pgdb = await createScratchDatabase('fleet_e2e');
  broker = await startTestBroker(tempDir('fleet-broker'));
  aegis = await startAegisDbFake({ mode: 'old' });
  // The first process on an empty volume creates the keys; the others start after it (docs/deploy.md).
  await startReplica('hub-a', 'api');
  await Promise.all([startReplica('hub-b', 'api'), startReplica('worker-1', 'worker')]);
}, 600_000);

afterAll(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await Promise.all([...replicas.values()].map((r) => (r.child.exitCode === null && r.child.signalCode === null ? r.kill() : undefined)));
  await killAll();
  await aegis?.close();
  await broker?.stop();
  await pgdb?.drop();
  removeTempDirs();
  if (table.length > 0) process.stdout.write(`\nfleet fault table\n| killed | counted after |\n|---|---|\n${table.join('\n')}\n`);
}, 60_000);

interface Health { store: string; broker: string; role: string; replica_id: string; leader: boolean }
const health = async (r: Replica) => (await (await fetch(`${r.url}/health`)).json()) as Health;
const leaders = async () => (await Promise.all([...replicas.values()].filter((r) => r.child.exitCode === null && r.child.signalCode === null).map(health)))
  .filter((h) => h.leader).map((h) => h.replica_id);

describe('fleet tier: two replicas and a worker on PostgreSQL and Mosquitto', () => {
  it('each process says its store, broker, role and replica; exactly one leads', async () => {
    expect(await health(hub('hub-a'))).toMatchObject({ store: 'postgresql', broker: 'external', role: 'api', replica_id: 'hub-a' });
    expect(await health(hub('hub-b'))).toMatchObject({ store: 'postgresql', broker: 'external', role: 'api', replica_id: 'hub-b' });
    expect(await health(hub('worker-1'))).toMatchObject({ store: 'postgresql', role: 'worker', replica_id: 'worker-1' });
    expect(await waitFor('one leader', async () => ((await leaders()).length === 1 ? true : undefined), 20_000, 100)).toBe(true);
  });

  let agentProc: Proc | undefined;
  let targetId = '';
  let creds: { device_id: string; device_secret: string; mqtt_url: string };

  it('a target registered on replica A, enrolled through B: 600 readings stored exactly once although A is SIGKILLed mid-stream', async () => {
    const tokenA = await login(hub('hub-a').url);
    const created = await api<{ id: string; enrollment_token: string }>(hub('hub-a').url, 'POST', '/api/v1/deployments/targets', tokenA, { name: 'Fleet AHU', arch: 'x64' });
    expect(created.status).toBe(201);
    targetId = created.body.id;
    const agent = installAgent();
    const enroll = runAgent(agent.bin, ['enroll', '--hub', hub('hub-b').url, '--token', created.body.enrollment_token, '--state-dir', agent.stateDir, '--config', agent.configFile]);
    expect(await enroll.exited, enroll.lines.join('\n')).toBe(0);
    creds = JSON.parse(fs.readFileSync(path.join(agent.stateDir, 'credentials.json'), 'utf8')) as typeof creds;
    expect(creds.mqtt_url).toBe(broker.publicUrl);

    // Every ack either replica sends must be covered by what the store already holds (acknowledged after commit).
    const tokenB0 = await login(hub('hub-b').url);
    const watcher = await connect(broker.adminUrl, { clientId: `fleet-acks-${targetId}`, protocolVersion: 5 });
    const acks: number[] = [];
    const ahead: string[] = [];
    watcher.on('message', (_topic, payload) => {
      const ack = parseMessage(TelemetryAck, payload);
      if (!ack) return;
      acks.push(ack.ack_seq);
      void targetOn(hub('hub-b').url, tokenB0, targetId).then((v) => {
        if (v.readings_stored < ack.ack_seq) ahead.push(`ack ${ack.ack_seq} with ${v.readings_stored} stored`);
      });
    });
    await watcher.subscribeAsync(deviceTopic(creds.device_id, 'ack'), { qos: 1 });

    // Readings arrive over a few seconds so the kill lands mid-stream.
    let fed = 0;
    const feeder = setInterval(() => {
      if (fed >= 600) return;
      aegis.insert('hardware_metrics', samples(fed, fed + 10));
      fed += 10;
    }, 100);
    try {
      agentProc = runAgent(agent.bin, ['run', '--state-dir', agent.stateDir, '--config', agent.configFile]);
      const tokenB = await login(hub('hub-b').url);
      const before = await waitFor('some readings stored', async () => {
        const v = await targetOn(hub('hub-b').url, tokenB, targetId);
        return v.readings_stored >= 150 ? v.readings_stored : undefined;
      }, 90_000, 50);
      const ledBefore = await leaders();
      await hub('hub-a').kill();
      const atKill = (await targetOn(hub('hub-b').url, tokenB, targetId)).readings_stored;
      expect(atKill, 'the kill must land before the stream ends').toBeLessThan(600);
      const t = await waitFor('600 readings stored on B alone', async () => {
        const v = await targetOn(hub('hub-b').url, tokenB, targetId);
        return v.readings_stored >= 600 && v.dataset_id ? v : undefined;
      }, 120_000, 200);
      const rows = await waitFor('600 dataset rows', async () => {
        const r = await datasetSamples(hub('hub-b').url, tokenB, t.dataset_id!);
        return r.length >= 600 ? r : undefined;
      }, 60_000, 300);
      expect([...rows].sort((x, y) => x - y)).toEqual(range(0, 600));
      expect((await targetOn(hub('hub-b').url, tokenB, targetId)).readings_stored).toBe(600);
      await waitFor('the last ack', () => acks.includes(600), 30_000, 50);
      expect(ahead).toEqual([]);
      const ledAfter = await waitFor('one leader among the survivors', async () => {
        const l = await leaders();
        return l.length === 1 ? l : undefined;
      }, 20_000, 100);
      expect(ledAfter).toEqual(['hub-b']); // the surviving api replica; a worker never leads
      table.push(`| replica A (SIGKILL) with ${atKill} of 600 readings stored (${before} when the kill was decided); leader ${ledBefore.join()} | `
        + `600 stored (B alone), 600 dataset rows, no gap, no duplicate; leader after: ${ledAfter.join()} |`);
    } finally {
      clearInterval(feeder);
    }
    // systemd restarts it: the same port, the same database.
    await startReplica('hub-a', 'api', hub('hub-a').port);
  }, 240_000);

  it('the agent\'s credentials cannot subscribe to # or publish on another device\'s topics (Mosquitto refuses)', async () => {
    const tokenA = await login(hub('hub-a').url);
    const other = await api<{ id: string }>(hub('hub-a').url, 'POST', '/api/v1/deployments/targets', tokenA, { name: 'Other AHU', arch: 'x64' });
    expect(other.status).toBe(201);
    const id = creds.device_id;
    // These probes take the agent's client id; a running agent would take it back mid-probe (and under load the
    // probe's promise waited forever). Paused, it cannot reconnect until the probes are done.
    agentProc!.child.kill('SIGSTOP');
    try {
      const v3 = await connect(creds.mqtt_url, { clientId: `${id}`, username: id, password: creds.device_secret, protocolVersion: 4, clean: true });
      expect(await subscribeCode(v3, '#')).toBe(128);
      expect(await subscribeCode(v3, `prometheus/v1/devices/${other.body.id}/#`)).toBe(128);
      v3.end(true);
      const watcher = await connect(broker.adminUrl, { clientId: `fleet-watch-${id}`, protocolVersion: 5 });
      const seen: string[] = [];
      watcher.on('message', (topic) => seen.push(topic));
      await watcher.subscribeAsync(`prometheus/v1/devices/${other.body.id}/#`, { qos: 1 });
      const v5 = await connect(creds.mqtt_url, { clientId: id, username: id, password: creds.device_secret, protocolVersion: 5 });
      expect(await publishCode(v5, deviceTopic(other.body.id, 'telemetry'), '{}')).toBe(135);
      expect(await publishCode(v5, deviceTopic(other.body.id, 'status'), '{}')).toBe(135);
      v5.end(true);
      // A probe on the watcher's own channel proves it would have heard a leak.
      await watcher.publishAsync(deviceTopic(other.body.id, 'ack'), 'probe', { qos: 1 });
      await waitFor('the probe', () => seen.length > 0, 10_000, 20);
      expect(seen).toEqual([deviceTopic(other.body.id, 'ack')]);
      watcher.end(true);
    } finally {
      agentProc!.child.kill('SIGCONT');
    }
  }, 60_000);

  it('a target revoked on replica B is cut off at once', async () => {
    // The test above took the agent's client id (Mosquitto dropped the agent for it); it reconnects.
    const tokenB = await login(hub('hub-b').url);
    await waitFor('agent online again', async () => (await targetOn(hub('hub-b').url, tokenB, targetId)).status === 'online', 30_000, 100);
    const agent = agentProc!;
    const before = agent.lines.length;
    const at = Date.now();
    expect((await api(hub('hub-b').url, 'POST', `/api/v1/deployments/targets/${targetId}/revoke`, tokenB)).status).toBe(200);
    await waitFor('agent refused by the broker', () => agent.lines.slice(before).some((l) => l.includes('Not authorized')), 5_000, 20);
    const cutOffMs = Date.now() - at;
    expect(cutOffMs).toBeLessThan(2_000);
    await expect(connect(creds.mqtt_url, { clientId: creds.device_id, username: creds.device_id, password: creds.device_secret, protocolVersion: 4 })).rejects.toThrow();
    expect((await targetOn(hub('hub-a').url, tokenB, targetId)).status).toBe('revoked');
    table.push(`| (revocation on B) | agent refused by Mosquitto after ${cutOffMs} ms; its credentials refused at CONNECT |`);
    await agent.kill();
  }, 60_000);

  it('a run started on A is trained by the worker, its epochs reach a WebSocket on B; the worker SIGKILLed mid-run: the run is requeued within the lease, a second worker trains it, and its SIGKILL fails the run', async () => {
    const tokenA = await login(hub('hub-a').url);
    // Enterprise: the tier's limits are not under test here.
    expect((await api(hub('hub-a').url, 'PUT', '/api/v1/admin/users/admin/subscription', tokenA, { tier: 'enterprise' })).status).toBe(200);
    const form = new FormData();
    form.append('file', new Blob([sensorCsv({ rows: 2000 })], { type: 'text/csv' }), 'data.csv');
    form.append('name', 'Fleet sensors');
    form.append('equipment_type', 'air_handler');
    const up = await fetch(`${hub('hub-a').url}/api/v1/datasets`, { method: 'POST', body: form, headers: { authorization: `Bearer ${tokenA}` } });
    expect(up.status, await up.clone().text()).toBe(201);
    const ds = (await up.json()) as { id: string };
    expect((await api(hub('hub-a').url, 'POST', `/api/v1/datasets/${ds.id}/validate`, tokenA)).status).toBe(200);
    const tokenB = await login(hub('hub-b').url);
    const started = await api<{ id: string }>(hub('hub-a').url, 'POST', '/api/v1/training/start', tokenA, {
      dataset_id: ds.id, architecture: 'lstm_autoencoder',
      hyperparameters: { epochs: 500, hidden_dim: 8, bottleneck_dim: 2, num_layers: 1, sequence_length: 16, batch_size: 32, stride: 1, dropout: 0 },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const runId = started.body.id;
    const messages: { type: string; current_epoch?: number; status?: string; error?: string | null }[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${hub('hub-b').port}/ws/training/${runId}?token=${tokenB}`);
    let closed = false;
    ws.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString()) as (typeof messages)[number]));
    ws.on('close', () => (closed = true));
    await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
    await waitFor('two epoch updates on B', () => messages.filter((m) => m.type === 'epoch_update').length >= 2, 120_000, 50);
    const run = await api<{ status: string; current_epoch: number }>(hub('hub-b').url, 'GET', `/api/v1/training/${runId}`, tokenB);
    expect(run.body.status).toBe('running');

    const ledAtKill = await leaders();
    const statusOnA = async () => (await api<{ status: string; error: string | null }>(hub('hub-a').url, 'GET', `/api/v1/training/${runId}`, tokenA)).body;
    await hub('worker-1').kill();
    const killedAt = Date.now();
    const epochAtKill = Math.max(...messages.filter((m) => m.type === 'epoch_update').map((m) => m.current_epoch ?? 0));
    // The first lapse puts the run back in the queue (no other worker is up to take it yet).
    const requeued = await waitFor('the run back in the queue', async () => {
      const r = await statusOnA();
      return r.status !== 'running' ? r : undefined;
    }, (LEASE_S + 20) * 1000, 100);
    const requeuedMs = Date.now() - killedAt;
    expect(requeued).toMatchObject({ status: 'queued', error: null });
    // Within the lease and the leader's sweep (a third of the lease), with room for a loaded machine.
    expect(requeuedMs).toBeLessThan((LEASE_S + 5) * 1000);
    const heardBefore = messages.length;

    // A second worker trains it from the start; B's WebSocket follows it; that worker is SIGKILLed too.
    await startReplica('worker-2', 'worker');
    await waitFor('two epoch updates of the second attempt on B', () => messages.slice(heardBefore).filter((m) => m.type === 'epoch_update').length >= 2, 120_000, 50);
    await hub('worker-2').kill();
    const killed2At = Date.now();
    const ended = await waitFor('the run to end', async () => {
      const r = await statusOnA();
      return r.status !== 'running' && r.status !== 'queued' ? r : undefined;
    }, (LEASE_S + 20) * 1000, 100);
    const endedMs = Date.now() - killed2At;
    expect(ended).toMatchObject({ status: 'failed', error: 'worker worker-2 stopped answering twice; lease lapsed' });
    expect(endedMs).toBeLessThan((LEASE_S + 5) * 1000);
    await waitFor('training_complete on the WebSocket', () => closed && messages.some((m) => m.type === 'training_complete'), 10_000, 50);
    // Each attempt's epochs in order, none missing from the first one heard (a socket opened late does not get the
    // epochs before it); the second attempt starts again at epoch 1.
    const epochs = messages.filter((m) => m.type === 'epoch_update').map((m) => m.current_epoch ?? 0);
    const restart = epochs.findIndex((e, i) => i > 0 && e < epochs[i - 1]!);
    expect(restart).toBeGreaterThan(0);
    expect(epochs.slice(0, restart)).toEqual(range(epochs[0]!, epochs[0]! + restart));
    expect(epochs.slice(restart)).toEqual(range(1, 1 + epochs.length - restart));
    expect(messages.at(-1)).toMatchObject({ type: 'training_complete', status: 'failed' });
    table.push(`| worker (SIGKILL) at epoch ${epochAtKill} of 500; leader ${ledAtKill.join()} | run requeued ${(requeuedMs / 1000).toFixed(1)} s later (lease ${LEASE_S} s); `
      + `a second worker trained it from epoch 1, SIGKILLed too: run failed ${(endedMs / 1000).toFixed(1)} s later, "${ended.error}"; B's WebSocket got epochs ${epochs[0]}-${epochs[restart - 1]}, then 1-${epochs.at(-1)}, in order, then training_complete failed |`);
  }, 240_000);

  it('login rate limit: 30 attempts spread over both replicas, the 31st refused', async () => {
    // One client address through the load balancer (X-Forwarded-For, TRUST_PROXY=true), not the test's own.
    const attempt = (url: string) => fetch(`${url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.31' },
      body: JSON.stringify({ username: 'admin', password: 'not-the-password' }),
    }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push(await attempt(hub(i % 2 === 0 ? 'hub-a' : 'hub-b').url));
    expect(statuses).toEqual(Array(30).fill(401));
    const refused = await fetch(`${hub('hub-a').url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.31' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await attempt(hub('hub-b').url)).toBe(429);
    // Another client is not affected.
    expect((await api(hub('hub-b').url, 'POST', '/api/v1/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
  }, 60_000);
});
