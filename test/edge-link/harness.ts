import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

// Processes for the edge-link end-to-end tests: the hub (`node --import tsx apps/hub/src/main.ts`) and
// the agent through its bin, each a real child that can be stopped with SIGTERM or killed with SIGKILL.
export const root = path.resolve(import.meta.dirname, '../..');
export const ADMIN_PASSWORD = 'edge-link-admin-1';
const AGENT_BIN = path.join(root, 'apps/edge-agent/bin/prometheus-edge.js');
const children = new Set<ChildProcess>();

const dirs: string[] = [];

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  dirs.push(dir);
  return dir;
}

/** Removes every temporary dir made by tempDir() (after the processes using them are gone). */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Proc {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
}

function spawnProc(args: string[], env: Record<string, string>, tag: string, command = process.execPath): Proc {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 5000) lines.shift();
    if (process.env.DEBUG_EDGE_LINK) process.stderr.write(`[${tag}] ${line}\n`);
  };
  readline.createInterface({ input: child.stdout! }).on('line', keep);
  readline.createInterface({ input: child.stderr! }).on('line', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    children.delete(child);
    resolve(code);
  }));
  return {
    child, lines, exited,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface HubProc extends Proc {
  url: string;
  mqttUrl: string;
}

export interface HubSpec {
  dataDir: string;
  port: number;
  mqttPort: number;
}

export async function hubSpec(): Promise<HubSpec> {
  return { dataDir: tempDir('edge-hub'), port: await freePort(), mqttPort: await freePort() };
}

/** Starts (or restarts, on the same data dir and ports) the hub and waits until /health/ready (its broker link up). */
export async function startHub(spec: HubSpec, env: Record<string, string> = {}): Promise<HubProc> {
  const proc = spawnProc(['--import', 'tsx', 'apps/hub/src/main.ts'], {
    PORT: String(spec.port), HOST: '127.0.0.1', MQTT_PORT: String(spec.mqttPort), PROMETHEUS_DATA_DIR: spec.dataDir,
    PROMETHEUS_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'warn', RATE_LIMIT_LOGIN_PER_MIN: '1000', ...env,
  }, 'hub');
  const url = `http://127.0.0.1:${spec.port}`;
  let exitCode: number | null | undefined;
  void proc.exited.then((c) => (exitCode = c));
  await waitFor('hub /health/ready', async () => {
    if (exitCode !== undefined) throw new Error(`hub exited ${exitCode}: ${proc.lines.slice(-20).join('\n')}`);
    return (await fetch(`${url}/health/ready`)).ok;
  }, 90_000, 200);
  await waitFor('hub mqtt listener', () => new Promise<boolean>((resolve) => {
    const s = net.connect(spec.mqttPort, '127.0.0.1', () => (s.end(), resolve(true)));
    s.on('error', () => resolve(false));
  }), 30_000);
  return { ...proc, url, mqttUrl: `mqtt://127.0.0.1:${spec.mqttPort}` };
}

export interface AgentSpec {
  stateDir: string;
  configFile: string;
}

/** Writes the agent's config file (fast intervals and backoff for tests). */
export function agentSpec(config: Record<string, unknown>): AgentSpec {
  const stateDir = tempDir('edge-agent');
  const configFile = path.join(stateDir, 'config.json');
  const base = { interval_s: 0.2, batch_size: 50, ack_timeout_s: 3, heartbeat_s: 1, reconnect: { initial_ms: 200, max_ms: 1500 }, keepalive_s: 5, log_level: 'info' };
  fs.writeFileSync(configFile, JSON.stringify({ ...base, ...config }, null, 2));
  return { stateDir, configFile };
}

export function startAgent(spec: AgentSpec, args: string[] = []): Proc {
  return spawnProc([AGENT_BIN, 'run', '--state-dir', spec.stateDir, '--config', spec.configFile, ...args], {}, 'agent');
}

/** A built single executable (e.g. dist/edge/prometheus-edge-linux-x64) with these arguments, as a child process. */
export function startExecutable(file: string, args: string[], tag = 'agent-exe'): Proc {
  return spawnProc(args, {}, tag, file);
}

/** Runs a one-shot agent command and returns its stdout. */
export async function agentCommand(args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = spawnProc([AGENT_BIN, ...args], {}, 'agent-cmd');
  const code = await proc.exited;
  return { code, out: proc.lines.join('\n') };
}

export async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  })));
}

// --- the hub's REST side ---

export async function api<T>(hubUrl: string, method: string, route: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${hubUrl}${route}`, {
    method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as T };
}

export async function adminToken(hubUrl: string): Promise<string> {
  const res = await api<{ token: string }>(hubUrl, 'POST', '/api/v1/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  return res.body.token;
}

export interface TargetView {
  id: string;
  status: string;
  readings_stored: number;
  dropped_total: number;
  dataset_id: string | null;
  agent_version: string | null;
  outbox_depth: number | null;
  last_seen: string | null;
}

/** Creates a target and enrolls the agent's state dir with `prometheus-edge enroll`. */
export async function enrollAgent(hubUrl: string, token: string, spec: AgentSpec, name: string): Promise<string> {
  const created = await api<{ id: string; enrollment_token: string }>(hubUrl, 'POST', '/api/v1/deployments/targets', token, { name, arch: 'armv7' });
  if (created.status !== 201) throw new Error(`create target: ${created.status}`);
  const r = await agentCommand(['enroll', '--hub', hubUrl, '--token', created.body.enrollment_token, '--state-dir', spec.stateDir, '--config', spec.configFile]);
  if (r.code !== 0) throw new Error(`enroll exited ${r.code}: ${r.out}`);
  return created.body.id;
}

export async function target(hubUrl: string, token: string, id: string): Promise<TargetView> {
  return (await api<TargetView>(hubUrl, 'GET', `/api/v1/deployments/targets/${id}`, token)).body;
}

/** The `sample_no` column of the target's dataset, as exported (CSV), in row order. */
export async function datasetSamples(hubUrl: string, token: string, datasetId: string): Promise<number[]> {
  const res = await fetch(`${hubUrl}/api/v1/datasets/${datasetId}/export`, { headers: { authorization: `Bearer ${token}` } });
  const lines = (await res.text()).trim().split('\n');
  const col = (lines[0] ?? '').split(',').indexOf('sample_no');
  if (col < 0) return [];
  return lines.slice(1).map((l) => Number(l.split(',')[col]));
}

export function checksum(values: number[]): string {
  return createHash('sha256').update(values.join(',')).digest('hex').slice(0, 16);
}

export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** Controller documents: one per 15 s sample, `sample_no` marks each one. */
export function samples(from: number, to: number): Record<string, unknown>[] {
  return range(from, to).map((n) => ({
    timestamp: new Date(Date.UTC(2026, 2, 6) + n * 15_000).toISOString(), sample_no: n,
    supply_temp: 55 + (n % 10) / 10, return_temp: 72.4, fan_speed: n % 100, damper_position: null,
  }));
}
