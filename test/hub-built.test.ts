import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm start` runs compiled JavaScript: the hub is compiled once (apps/hub/compile-if-stale.ts) and
// started under `--conditions=built` with a preload that refuses any TypeScript or tsx, then trained and
// evaluated (and diagnosed) through the API, so the training, scoring, packaging and rules workers load compiled code too.
const root = path.resolve(import.meta.dirname, '..');
const PASSWORD = 'Built-hub-pass-1';
let child: ChildProcess;
let base = '';
let token = '';
let stderr = '';

function csv(rows: number): string {
  const lines = ['timestamp,supply_temp,return_temp,fan_speed'];
  for (let i = 0; i < rows; i++) {
    const t = new Date(Date.UTC(2026, 0, 5) + i * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const phase = (2 * Math.PI * i) / 60;
    lines.push(`${t},${(55 + 2 * Math.sin(phase)).toFixed(2)},${(72 + Math.cos(phase)).toFixed(2)},${(40 + 10 * Math.sin(phase / 2)).toFixed(1)}`);
  }
  return `${lines.join('\n')}\n`;
}

async function api(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${url}`, init);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'apps/hub/compile-if-stale.ts'], { cwd: root });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-built-'));
  child = spawn(process.execPath, ['--conditions=built', '--import', './test/fixtures/refuse-typescript.mjs', 'apps/hub/dist/main.js'], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PROMETHEUS_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', LOG_LEVEL: 'info', PROMETHEUS_ADMIN_PASSWORD: PASSWORD },
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'hub listening') resolve(Number(entry.port));
    });
    child.on('exit', (code) => reject(new Error(`hub exited with ${code}: ${stderr}`)));
  });
  base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
  token = ((await login.json()) as { token: string }).token;
}, 120_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

describe('the compiled hub', () => {
  it('trains and evaluates with no TypeScript loaded, then stops on SIGTERM', async () => {
    const form = new FormData();
    form.append('file', new Blob([csv(400)], { type: 'text/csv' }), 'ahu.csv');
    form.append('name', 'Built hub check');
    form.append('equipment_type', 'air_handler');
    const up = await api('POST', '/api/v1/datasets', form);
    expect(up.status).toBe(201);
    const id = up.json.id as string;
    expect((await api('POST', `/api/v1/datasets/${id}/validate`)).status).toBe(200);
    const hyperparameters = { epochs: 2, hidden_dim: 4, bottleneck_dim: 2, num_layers: 1, sequence_length: 8, stride: 2, dropout: 0 };
    const start = await api('POST', '/api/v1/training/start', { dataset_id: id, architecture: 'lstm_autoencoder', hyperparameters });
    expect(start.status).toBe(201);
    let run: Record<string, unknown> = {};
    for (const until = Date.now() + 120_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
      run = (await api('GET', `/api/v1/training/${start.json.id as string}`)).json;
      if (run.status !== 'queued' && run.status !== 'running') break;
    }
    expect(run.status, String(run.error)).toBe('completed');
    const evaluation = await api('POST', '/api/v1/evaluations', { model_id: run.model_id, dataset_id: id });
    expect(evaluation.status, JSON.stringify(evaluation.json)).toBe(201);
    // The rules' worker (modules/diagnoses) loads compiled code too.
    const rules = new FormData();
    const rows = Array.from({ length: 90 }, (_, i) => `${new Date(Date.UTC(2026, 0, 5) + i * 60_000).toISOString()},55,60,72,50,1`);
    rules.append('file', new Blob([`timestamp,SAT,MAT,RAT,OAT,SF_STS\n${rows.join('\n')}\n`], { type: 'text/csv' }), 'rules.csv');
    rules.append('name', 'Built hub rules');
    rules.append('equipment_type', 'air_handler');
    const rulesData = await api('POST', '/api/v1/datasets', rules);
    const diagnose = await api('POST', `/api/v1/datasets/${rulesData.json.id as string}/diagnose`);
    expect(diagnose.status, JSON.stringify(diagnose.json)).toBe(202);
    let diagnosis: Record<string, unknown> = {};
    for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
      diagnosis = (await api('GET', `/api/v1/diagnoses/${diagnose.json.id as string}`)).json;
      if (diagnosis.status !== 'running') break;
    }
    expect(diagnosis.status, String(diagnosis.error)).toBe('completed');
    expect(stderr).not.toMatch(/TypeScript loaded at runtime/);

    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 180_000);
});
