// A rollout across N simulated targets (default 200) beside its anchor, the same N deployments issued one by
// one through POST /api/v1/deployments, against one hub in its own process (its embedded broker in it).
// (All the targets connect from 127.0.0.1 here, so the per-address connection limit is lifted.) The targets are light agents (apps/hub/src/test/light-agent.ts): real MQTT clients that check the signed
// manifest and the package's sha256 and report `deployed`, without running a model. Prints the time per wave,
// the hub process's CPU (hub and broker: one process), the deploy bytes the targets received, and the ratios.
//   node --import tsx bench/rollout.ts [--targets 200] [--batch 25]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { EnrollResponse, RolloutDetail } from '@prometheus/protocol';
import { lightAgent, type LightAgent } from '../apps/hub/src/test/light-agent.js';
import { adminToken, freePort, startBenchHub, uploadCsvFile } from './hub-process.js';

const { values } = parseArgs({ options: { targets: { type: 'string', default: '200' }, batch: { type: 'string', default: '25' } } });
const N = Number(values.targets);
const BATCH = Number(values.batch);
const TINY = { epochs: 2, hidden_dim: 4, bottleneck_dim: 2, num_layers: 1, sequence_length: 8, batch_size: 32, stride: 2, dropout: 0 };

const ticks = 100; // USER_HZ on Linux
/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rollout-'));
  const mqttPort = await freePort();
  const hub = await startBenchHub({ dataDir, env: { MQTT_PORT: String(mqttPort), ROLLOUT_TICK_MS: '200', RATE_LIMIT_LOGIN_PER_MIN: '1000000', MQTT_MAX_CONNECTIONS_PER_IP: '10000', RATE_LIMIT_API_PER_MIN: '1000000', RATE_LIMIT_AGENT_PER_MIN: '1000000' } });
  const agents: LightAgent[] = [];
  try {
    const token = await adminToken(hub.url);
    const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${hub.url}${route}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const modelId = await trainModel(hub.url, token, dataDir, call);
    for (let i = 0; i < N; i += 1) {
      const enrolled = await enrollOne(call, `bench-${String(i).padStart(3, '0')}`);
      const a = lightAgent(`mqtt://127.0.0.1:${mqttPort}`, enrolled);
      await a.connect();
      agents.push(a);
    }
    process.stdout.write(`${N} light agents connected\n`);

    // Anchor: N deployments issued one by one, then waited for.
    const anchor = await measure(hub.pid, agents, async () => {
      const ids: string[] = [];
      for (const a of agents) ids.push((await call<{ id: string }>('POST', '/api/v1/deployments', { model_id: modelId, target_id: a.id })).id);
      await until(async () => {
        const list = await call<{ id: string; status: string }[]>('GET', '/api/v1/deployments');
        const mine = list.filter((d) => ids.includes(d.id));
        const stuck = mine.filter((d) => d.status !== 'deployed' && d.status !== 'transferring' && d.status !== 'compiling' && d.status !== 'quantizing' && d.status !== 'packaging');
        if (stuck.length > 0) throw new Error(`anchor deployments ended ${stuck[0]!.status}`);
        return mine.filter((d) => d.status === 'deployed').length === N;
      });
      return [];
    });

    // The rollout: canary 1, waves of BATCH%, no interval (the waiting is the deployments').
    const rollout = await measure(hub.pid, agents, async () => {
      const created = await call<RolloutDetail>('POST', '/api/v1/rollouts', { model_id: modelId, selector: { tags: { bench: 'yes' } }, strategy: { canary: 1, batch_percent: BATCH, interval_seconds: 0 } });
      const waveEnds: number[] = [];
      const start = performance.now();
      await until(async () => {
        const r = await call<RolloutDetail>('GET', `/api/v1/rollouts/${created.id}`);
        while (waveEnds.length < r.waves.filter((w) => w.status === 'done').length) waveEnds.push(performance.now());
        if (r.status === 'halted' || r.status === 'aborted') throw new Error(`rollout ${r.status}: ${r.reason}`);
        return r.status === 'completed' ? r : undefined;
      });
      return waveEnds.map((end, i) => (end - (i === 0 ? start : waveEnds[i - 1]!)) / 1000);
    });

    const waves = rollout.waves.map((s, i) => `${i === 0 ? 'canary' : `wave ${i}`} ${s.toFixed(2)} s`).join(', ');
    process.stdout.write([
      `\n${N} targets, model ${modelId}`,
      `| path | wall s | hub CPU s (hub + broker) | deploy bytes received | per target: ms wall, ms hub CPU, bytes |`,
      '|---|---|---|---|---|',
      row('per-target POST /deployments (anchor)', anchor),
      row(`rollout (canary 1, waves of ${BATCH}%)`, rollout),
      `time per wave: ${waves}`,
      `ratio rollout/anchor: wall ${(rollout.wall / anchor.wall).toFixed(2)}x, hub CPU ${(rollout.cpu / anchor.cpu).toFixed(2)}x, bytes ${(rollout.bytes / anchor.bytes).toFixed(3)}x\n`,
    ].join('\n'));
  } finally {
    for (const a of agents) await a.disconnect();
    hub.stop();
    await new Promise((r) => setTimeout(r, 1000));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const row = (name: string, m: Measured) => `| ${name} | ${m.wall.toFixed(1)} | ${m.cpu.toFixed(1)} | ${m.bytes} | ${(1000 * m.wall / N).toFixed(0)}, ${(1000 * m.cpu / N).toFixed(0)}, ${Math.round(m.bytes / N)} |`;

interface Measured { wall: number; cpu: number; bytes: number; waves: number[] }

async function measure(pid: number, agents: LightAgent[], run: () => Promise<number[]>): Promise<Measured> {
  const bytes0 = agents.reduce((s, a) => s + a.bytesIn, 0);
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const waves = await run();
  return { wall: (performance.now() - t0) / 1000, cpu: cpuSeconds(pid) - cpu0, bytes: agents.reduce((s, a) => s + a.bytesIn, 0) - bytes0, waves };
}

async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 3_600_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Call = <T>(method: string, route: string, body?: unknown) => Promise<T>;

async function enrollOne(call: Call, name: string): Promise<EnrollResponse & { id: string }> {
  const { id, enrollment_token } = await call<{ id: string; enrollment_token: string }>('POST', '/api/v1/deployments/targets', { name, arch: 'x64', tags: { bench: 'yes' } });
  return { ...(await call<EnrollResponse>('POST', '/api/v1/deployments/targets/enroll', { enrollment_token, agent_version: '0.1.0', arch: 'x64' })), id };
}

async function trainModel(url: string, token: string, dir: string, call: Call): Promise<string> {
  const file = path.join(dir, 'ahu.csv');
  const lines = ['timestamp,supply_temp,return_temp,fan_speed'];
  for (let i = 0; i < 240; i += 1) {
    const p = (2 * Math.PI * i) / 60;
    lines.push(`${new Date(Date.UTC(2026, 0, 5) + i * 60_000).toISOString()},${(55 + 2 * Math.sin(p)).toFixed(3)},${(72 + Math.cos(p)).toFixed(3)},${(40 + 10 * Math.sin(p / 2)).toFixed(3)}`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const up = await uploadCsvFile(url, token, file, { name: 'bench ahu', equipmentType: 'air_handler' });
  const datasetId = up.answer.id as string;
  await call('POST', `/api/v1/datasets/${datasetId}/validate`);
  const run = await call<{ id: string }>('POST', '/api/v1/training/start', { dataset_id: datasetId, architecture: 'lstm_autoencoder', hyperparameters: TINY });
  return until(async () => (await call<{ model_id: string | null; status: string }>('GET', `/api/v1/training/${run.id}`)).model_id ?? undefined, 600_000);
}

await main();
