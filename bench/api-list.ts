// Speed of an authenticated list (issue 17, item 13): GET /api/v1/datasets with 50 datasets on the hub (its own
// process, compiled as `npm start` runs it, bearer token) beside a bare Hono app (its own process) answering the
// same JSON body with c.json, and a bare Hono route answering a tiny JSON, in one run, interleaved. Load comes
// from autocannon in a third process (-c 50). Prints req/s and p99 latency (medians of the runs) and the ratio.
// Run: node --import tsx bench/api-list.ts   Options (env): BENCH_RUNS (3), BENCH_SECONDS (10), BENCH_DATASETS (50),
// BENCH_CONNECTIONS (50).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_PASSWORD, freePort, median, startBenchHub, waitFor } from './hub-process.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const DATASETS = Number(process.env.BENCH_DATASETS ?? 50);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-bench-api-'));
const autocannon = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** The anchor: a bare Hono app on @hono/node-server answering `body` at /list and a tiny JSON at /tiny. */
async function startBare(body: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const bodyFile = path.join(work, 'list.json');
  fs.writeFileSync(bodyFile, body);
  const script = `import { Hono } from 'hono'; import { serve } from '@hono/node-server'; import fs from 'node:fs';
    const list = JSON.parse(fs.readFileSync(${JSON.stringify(bodyFile)}, 'utf8'));
    const app = new Hono(); app.get('/list', (c) => c.json(list)); app.get('/tiny', (c) => c.json({ ok: true }));
    serve({ fetch: app.fetch, port: ${port}, hostname: '127.0.0.1' });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: path.join(root, 'apps/hub'), stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/tiny`, child);
  return { url, stop: () => child.kill('SIGTERM') };
}

async function seed(url: string): Promise<{ token: string; body: string }> {
  const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: BENCH_PASSWORD }) });
  const { token } = (await login.json()) as { token: string };
  const auth = { authorization: `Bearer ${token}` };
  await fetch(`${url}/api/v1/admin/users/admin/subscription`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ tier: 'enterprise' }) });
  const csv = `timestamp,supply_temp,return_temp,outside_air_temp,fan_speed,damper_position\n${Array.from({ length: 100 }, (_, i) => `${new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()},${55 + (i % 7)},${70 + (i % 5)},${40 + (i % 11)},0.${i % 10},${i % 100}`).join('\n')}\n`;
  for (let i = 0; i < DATASETS; i += 1) {
    const form = new FormData();
    form.append('name', `AHU-${i} export`);
    form.append('equipment_type', 'air_handler');
    form.append('file', new Blob([csv]), 'ahu.csv');
    const res = await fetch(`${url}/api/v1/datasets`, { method: 'POST', headers: auth, body: form });
    if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  }
  const list = await fetch(`${url}/api/v1/datasets`, { headers: auth });
  const body = await list.text();
  if ((JSON.parse(body) as unknown[]).length !== DATASETS) throw new Error('list does not hold every dataset');
  return { token, body };
}

interface Load { rps: number; p99: number; errors: number }

/** autocannon in its own process; its JSON summary. */
function load(url: string, headers: Record<string, string> = {}): Promise<Load> {
  const args = [autocannon, '-c', String(CONNECTIONS), '-d', String(SECONDS), '-j', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]), url];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const r = JSON.parse(out) as { requests: { average: number }; latency: { p99: number }; errors: number; non2xx: number };
      resolve({ rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx });
    });
  });
}


async function main(): Promise<void> {
  const hub = await startBenchHub({ dataDir: path.join(work, 'hub'), env: { RATE_LIMIT_API_PER_MIN: String(10_000_000) } });
  let bare: { url: string; stop: () => void } | undefined;
  try {
    const { token, body } = await seed(hub.url);
    bare = await startBare(body);
    console.log(`${DATASETS} datasets (${body.length} B of JSON); autocannon -c ${CONNECTIONS} -d ${SECONDS}, ${RUNS} runs each; ${os.availableParallelism()} cores; load ${os.loadavg()[0]!.toFixed(1)}`);
    const targets = {
      'hub GET /api/v1/datasets (bearer)': () => load(`${hub.url}/api/v1/datasets`, { authorization: `Bearer ${token}` }),
      'bare Hono, the same JSON body': () => load(`${bare!.url}/list`),
      'bare Hono, {"ok":true}': () => load(`${bare!.url}/tiny`),
      'hub GET /health': () => load(`${hub.url}/health`),
    };
    const results = new Map<string, Load[]>(Object.keys(targets).map((k) => [k, []]));
    for (let run = 0; run < RUNS; run += 1) {
      for (const [name, fn] of Object.entries(targets)) results.get(name)!.push(await fn());
    }
    const anchor = median(results.get('bare Hono, the same JSON body')!.map((r) => r.rps));
    console.log('| route | req/s (median) | p99 ms (median) | x bare Hono, same body | runs (req/s) | errors |');
    console.log('|---|---|---|---|---|---|');
    for (const [name, rs] of results) {
      const rps = median(rs.map((r) => r.rps));
      console.log(`| ${name} | ${rps.toFixed(0)} | ${median(rs.map((r) => r.p99)).toFixed(1)} | ${(rps / anchor).toFixed(2)} | ${rs.map((r) => r.rps.toFixed(0)).join(', ')} | ${rs.reduce((s, r) => s + r.errors, 0)} |`);
    }
  } finally {
    hub.stop();
    bare?.stop();
    await new Promise((r) => setTimeout(r, 500));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
