// Agent self-update end to end: four real x64 agents (the single executable, each installed in its own directory
// and run under a restart loop that does what systemd's Restart=always does for the shipped unit), the real hub
// in-process with its broker, an Aegis-DB fake feeding readings the whole time. Version N is the canonical build,
// N+1 the same agent stamped 0.1.1; two broken builds by the same toolchain: 0.1.2 exits at start
// (test/fixtures/edge-exits-at-start.ts), 0.1.3 hangs and ignores SIGTERM (edge-hangs-at-start.ts). The broken builds
// go to three agents at N and are rolled back by the old process itself; then N+1 goes to all four, which all
// report it; every reading produced meanwhile reaches the hub exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { betterSqlite3AddonFile } from '@prometheus/edge-agent/sea-runtime';
import { createTestHub, type TestHub } from '../apps/hub/src/test/harness.js';
import { BUILD_TIMEOUT_MS, ensureBuilt } from '../toolchains/edge/ensure-built.js';
import { REPO_ROOT, resolveBuildOptions } from '../toolchains/edge/options.js';
import { startAegisDbFake, type AegisDbFake } from './fakes/index.js';
import { agentSpec, api, datasetSamples, range, removeTempDirs, samples, tempDir, waitFor, type AgentSpec } from './edge-link/harness.js';
import { deploy, settled, type Deployment } from './deploy/harness.js';

const N = '0.1.0';
const NEXT = '0.1.1';
const BROKEN = '0.1.2';
const HUNG = '0.1.3';
const TRIAL_DEADLINE_S = 45;
const releasesDir = path.join(REPO_ROOT, '.cache/edge/agent-update-e2e');
const current = resolveBuildOptions({ arch: 'x64' });
const builds = [
  resolveBuildOptions({ arch: 'x64', outDir: releasesDir, name: `prometheus-edge-linux-x64-${NEXT}`, agentVersion: NEXT }),
  resolveBuildOptions({ arch: 'x64', outDir: releasesDir, name: `prometheus-edge-linux-x64-${BROKEN}`, agentVersion: BROKEN, entry: 'test/fixtures/edge-exits-at-start.ts' }),
  resolveBuildOptions({ arch: 'x64', outDir: releasesDir, name: `prometheus-edge-linux-x64-${HUNG}`, agentVersion: HUNG, entry: 'test/fixtures/edge-hangs-at-start.ts' }),
];
const EXE = 'prometheus-edge';

/** One controller: its install dir and state, the agent under a restart loop, what it ended with. */
interface Controller {
  name: string;
  bin: string;
  spec: AgentSpec;
  targetId: string;
  collection: string;
  lines: string[];
  /** Exit codes of the agent processes the loop saw (each followed by a restart). */
  exits: (number | null)[];
  child?: ChildProcess;
  stopped: boolean;
}

let t: TestHub;
let token: string;
let db: AegisDbFake;
let feeder: NodeJS.Timeout | undefined;
let fed = 0;
const controllers: Controller[] = [];
const table: string[] = [];

/** Restart=always (RestartSec ~0.3 s): whatever the file at `bin` is now is started again when the agent exits. */
function supervise(c: Controller): void {
  const start = () => {
    const child = spawn(c.bin, ['run', '--state-dir', c.spec.stateDir, '--config', c.spec.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    c.child = child;
    const keep = (line: string) => {
      c.lines.push(line);
      if (c.lines.length > 4000) c.lines.shift();
      if (process.env.DEBUG_EDGE_LINK) process.stderr.write(`[${c.name}] ${line}\n`);
    };
    readline.createInterface({ input: child.stdout! }).on('line', keep);
    readline.createInterface({ input: child.stderr! }).on('line', keep);
    child.on('exit', (code) => {
      if (c.stopped) return;
      c.exits.push(code);
      setTimeout(start, 300);
    });
  };
  start();
}

async function stopController(c: Controller): Promise<void> {
  c.stopped = true;
  const child = c.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  });
}

const version = (file: string) => new Promise<string>((resolve, reject) => {
  const p = spawn(file, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.on('exit', (code) => (code === 0 ? resolve(out.trim().split(' ')[1] ?? '') : reject(new Error(`--version exited ${code}`))));
});

async function targetView(id: string): Promise<{ agent_version: string | null; status: string; dataset_id: string | null }> {
  return (await api<{ agent_version: string | null; status: string; dataset_id: string | null }>(hubUrl(), 'GET', `/api/v1/deployments/targets/${id}`, token)).body;
}
let hubPort = 0;
const hubUrl = () => `http://127.0.0.1:${hubPort}`;

async function install(i: number, mqttUrl: string): Promise<Controller> {
  const dir = tempDir(`agent-update-${i}`);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const name of [betterSqlite3AddonFile('x64'), 'ort-wasm-simd-threaded.wasm']) fs.copyFileSync(path.join(current.outDir, name), path.join(bin, name));
  fs.copyFileSync(path.join(current.outDir, current.name), path.join(bin, EXE));
  fs.chmodSync(path.join(bin, EXE), 0o755);
  const collection = `ahu_${i}`;
  const spec = agentSpec({
    source: { kind: 'aegis', token: 'aegis-secret', url: db.url, collection }, mqtt_url: mqttUrl, update: { trial_deadline_s: TRIAL_DEADLINE_S }, log_level: 'info',
  });
  const created = await api<{ id: string; enrollment_token: string }>(hubUrl(), 'POST', '/api/v1/deployments/targets', token, { name: `AHU ${i}` });
  expect(created.status).toBe(201);
  const enrolled = spawn(path.join(bin, EXE), ['enroll', '--hub', hubUrl(), '--token', created.body.enrollment_token, '--state-dir', spec.stateDir, '--config', spec.configFile]);
  expect(await new Promise((r) => enrolled.on('exit', r))).toBe(0);
  return { name: `AHU ${i}`, bin: path.join(bin, EXE), spec, targetId: created.body.id, collection, lines: [], exits: [], stopped: false };
}

beforeAll(async () => {
  // N is the canonical x64 build (shared with the other x64 tests); N+1 and the broken one are stamped beside it.
  for (const b of [current, ...builds]) ensureBuilt(b);
  t = await createTestHub({ EDGE_BUILD_DIR: releasesDir, DEPLOY_CHUNK_BYTES: String(256 * 1024), DEPLOY_WINDOW_CHUNKS: '8', LOG_LEVEL: 'silent' });
  hubPort = await t.hub.start();
  token = await t.adminToken();
  db = await startAegisDbFake({ mode: 'new', token: 'aegis-secret' });
  const mqttUrl = `mqtt://127.0.0.1:${t.hub.services.broker.port()}`;
  for (let i = 0; i < 4; i++) controllers.push(await install(i, mqttUrl));
  // Readings arrive all through the test: one document per controller every 150 ms.
  for (const c of controllers) db.insert(c.collection, samples(0, 20));
  fed = 20;
  feeder = setInterval(() => {
    for (const c of controllers) db.insert(c.collection, samples(fed, fed + 1));
    fed += 1;
  }, 150);
  for (const c of controllers) supervise(c);
  for (const c of controllers) {
    await waitFor(`${c.name} online at ${N}`, async () => {
      const v = await targetView(c.targetId);
      return v.status === 'online' && v.agent_version === N;
    }, 60_000, 200);
  }
}, BUILD_TIMEOUT_MS + 180_000);

afterAll(async () => {
  if (feeder) clearInterval(feeder);
  await Promise.all(controllers.map(stopController));
  await db?.close();
  await t?.close();
  removeTempDirs();
  if (table.length > 0) process.stdout.write(`\nagent update fault table\n${table.join('\n')}\n`);
});

const fail = (c: Controller, d: Deployment) => `${c.name}: ${d.status} ${d.error ?? ''}\n${c.lines.slice(-30).join('\n')}`;

describe('agent self-update (x64 executables under a restart loop)', () => {
  it('a build that exits at start, or hangs, is rolled back to N by the old process itself', async () => {
    const [a, b, c2] = controllers as [Controller, Controller, Controller];
    const cases = [
      { c: a, to: BROKEN, broken: `${BROKEN} exits at start (code 3)`, says: [`agent ${BROKEN} exited with code 3 before reporting healthy`, 'this build exits at start'] },
      { c: b, to: BROKEN, broken: `${BROKEN} exits at start (code 3)`, says: [`agent ${BROKEN} exited with code 3 before reporting healthy`, 'this build exits at start'] },
      { c: c2, to: HUNG, broken: `${HUNG} hangs at start, ignores SIGTERM`, says: [`agent ${HUNG} did not report healthy within ${TRIAL_DEADLINE_S} s (stopped)`] },
    ];
    const ids = [];
    for (const k of cases) ids.push(await deploy(hubUrl(), token, { kind: 'agent', agent_version: k.to, target_id: k.c.targetId }));
    for (const [i, { c, broken, says }] of cases.entries()) {
      const d = await settled(hubUrl(), token, ids[i] as string, 240_000);
      expect(d.status, fail(c, d)).toBe('rolled_back');
      for (const text of says) expect(d.error).toContain(text);
      expect(d.error).toContain(`kept ${N}`);
      expect(await version(c.bin)).toBe(N);
      expect(fs.readdirSync(path.dirname(c.bin)).filter((f) => f.includes('.next'))).toEqual([]);
      // Rolled back in the same process: the restart loop never saw it exit.
      expect(c.exits).toEqual([]);
      await waitFor(`${c.name} back online at ${N}`, async () => {
        const v = await targetView(c.targetId);
        return v.status === 'online' && v.agent_version === N;
      }, 30_000, 200);
      table.push(`| ${c.name} | ${broken} | rolled_back, runs ${N}, no restart; ${d.error} |`);
    }
  }, 360_000);

  it(`updates all four agents from ${N} to ${NEXT}; each reports ${NEXT}`, async () => {
    const ids = new Map<Controller, string>();
    for (const c of controllers) ids.set(c, await deploy(hubUrl(), token, { kind: 'agent', agent_version: NEXT, target_id: c.targetId }));
    for (const c of controllers) {
      const d = await settled(hubUrl(), token, ids.get(c) as string, 300_000);
      expect(d.status, fail(c, d)).toBe('deployed');
      expect(d.steps.map((s) => s.status)).toEqual(['compiling', 'packaging', 'transferring', 'deployed']);
      await waitFor(`${c.name} reports ${NEXT}`, async () => {
        const v = await targetView(c.targetId);
        return v.status === 'online' && v.agent_version === NEXT;
      }, 30_000, 200);
      expect(await version(c.bin)).toBe(NEXT);
      expect(await version(`${c.bin}.previous`)).toBe(N);
      // One hand-over: the old process exited once (0) and the loop started the new file.
      expect(c.exits).toEqual([0]);
      table.push(`| ${c.name} | none (${N} -> ${NEXT}) | deployed, runs ${NEXT} (previous ${N} kept beside it), one clean restart |`);
    }
  }, 600_000);

  it('every reading produced during the updates reaches the hub exactly once', async () => {
    if (feeder) clearInterval(feeder);
    feeder = undefined;
    const total = fed;
    for (const c of controllers) {
      const datasetId = (await targetView(c.targetId)).dataset_id as string;
      const got = await waitFor(`${c.name}: all ${total} readings`, async () => {
        const s = await datasetSamples(hubUrl(), token, datasetId);
        return s.length >= total ? s : undefined;
      }, 90_000, 500);
      expect([...got].sort((x, y) => x - y)).toEqual(range(0, total));
      table.push(`| ${c.name} | readings during the updates | ${got.length} stored of ${total} produced, no gap, no duplicate |`);
    }
  }, 180_000);
});
