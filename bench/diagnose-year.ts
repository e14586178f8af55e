// A year of 1-minute air-handler data (525,600 rows, SZVAV's days tiled) diagnosed through the hub
// (upload, point map confirmed, POST /api/v1/datasets/:id/diagnose, poll to completed; hub in its own process,
// compiled as `npm start` runs it) beside the package's diagnoseSeries on the same rows in this process.
// While the hub's worker runs the rules, /health is probed every 20 ms: its latency against the same probe on
// the idle hub says whether the event loop kept serving. Prints times, the ratio, latency medians and p99,
// and the hub's peak RSS. Run: node --import tsx bench/diagnose-year.ts (env ROWS, default 525600).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { diagnoseSeries, suggestPointMap, toCanonical, type AfddInput } from '@prometheus/afdd';
import { BENCH_PASSWORD, procMb, startBenchHub, uploadCsvFile } from './hub-process.js';

const ROWS = Number(process.env.ROWS ?? 525_600);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-bench-diagnose-'));
const csvFile = path.join(work, 'year.csv');
const T0 = Date.UTC(2017, 0, 1);

/** SZVAV's rows (label and time dropped) repeated over ROWS minutes from T0; the same cells as numbers. */
function generate(): { names: string[]; columns: Float64Array[] } {
  const [header, ...lines] = fs.readFileSync(path.join(root, 'test/fixtures/lbnl/SZVAV.csv'), 'utf8').trim().split(/\r?\n/);
  const all = header!.split(',');
  const keep = all.map((_, i) => i).filter((i) => i > 0 && !/Ground Truth/.test(all[i]!));
  const names = keep.map((i) => all[i]!.trim());
  const cells = lines.map((l) => l.split(','));
  const columns = names.map(() => new Float64Array(ROWS));
  const out = fs.openSync(csvFile, 'w');
  fs.writeSync(out, `timestamp,${names.join(',')}\n`);
  for (let start = 0; start < ROWS; start += 10_000) {
    const chunk: string[] = [];
    for (let r = start; r < Math.min(ROWS, start + 10_000); r += 1) {
      const row = cells[r % cells.length]!;
      keep.forEach((c, k) => {
        const text = row[c]!.trim();
        columns[k]![r] = text === '' ? NaN : Number(text);
      });
      chunk.push(`${new Date(T0 + r * 60_000).toISOString()},${keep.map((c) => row[c]).join(',')}`);
    }
    fs.writeSync(out, `${chunk.join('\n')}\n`);
  }
  fs.closeSync(out);
  return { names, columns };
}

/** The anchor: the package on the same rows, with the map the hub suggests. */
function packageRun(names: string[], columns: Float64Array[]): number {
  const maxOf = (xs: Float64Array) => xs.reduce((m, v) => (v > m ? v : m), -Infinity);
  const map = suggestPointMap(names.map((name, i) => ({ name, min: 0, max: maxOf(columns[i]!) })));
  const inputs: Partial<Record<AfddInput, Float64Array>> = {};
  map.forEach((p, i) => {
    if (p.input) inputs[p.input] = toCanonical(columns[i]!, p.unit);
  });
  const timestamps = Float64Array.from({ length: ROWS }, (_, r) => T0 + r * 60_000);
  const started = performance.now();
  diagnoseSeries({ timestamps, inputs }, undefined, { timeZone: 'UTC' });
  return (performance.now() - started) / 1000;
}

async function api<T>(url: string, token: string, method: string, body?: unknown): Promise<T> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const json = (await res.json()) as T;
  if (res.status >= 300) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function upload(url: string, token: string): Promise<string> {
  const { status, answer } = await uploadCsvFile(url, token, csvFile, { name: 'year', equipmentType: 'air_handler' });
  if (status !== 201) throw new Error(`upload answered ${status}: ${JSON.stringify(answer)}`);
  return answer.id as string;
}

/** /health latencies (ms), one probe every 20 ms, until `done()` says stop; the hub's RSS (MB) beside each. */
async function probe(url: string, pid: number, done: () => boolean): Promise<{ ms: number[]; rss: number[] }> {
  const out: number[] = [];
  const rss: number[] = [];
  while (!done()) {
    const started = performance.now();
    await fetch(`${url}/health`);
    out.push(performance.now() - started);
    rss.push(procMb(pid, 'VmRSS'));
    await new Promise((r) => setTimeout(r, 20));
  }
  return { ms: out, rss };
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

async function main(): Promise<void> {
  const { names, columns } = generate();
  console.log(`${ROWS} rows x ${names.length} points, ${(fs.statSync(csvFile).size / 2 ** 20).toFixed(1)} MB; ${os.availableParallelism()} cores, load ${os.loadavg()[0]!.toFixed(1)}`);
  const hub = await startBenchHub({ dataDir: path.join(work, 'hub') });
  try {
    const login = await api<{ token: string }>(`${hub.url}/api/v1/auth/login`, '', 'POST', { username: 'admin', password: BENCH_PASSWORD });
    const token = login.token;
    await fetch(`${hub.url}/api/v1/admin/users/admin/subscription`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ tier: 'enterprise' }) });
    const id = await upload(hub.url, token);
    const map = await api<{ points: unknown[] }>(`${hub.url}/api/v1/datasets/${id}/points`, token, 'GET');
    await api(`${hub.url}/api/v1/datasets/${id}/points`, token, 'PUT', { points: map.points });
    const idleUntil = performance.now() + 5000;
    const { ms: idle, rss: idleRss } = await probe(hub.url, hub.pid, () => performance.now() > idleUntil);

    const started = performance.now();
    const { id: diagnosisId } = await api<{ id: string }>(`${hub.url}/api/v1/datasets/${id}/diagnose`, token, 'POST', {});
    let status = 'running';
    let result: { status: string; error: string | null; episodes: unknown[]; days: unknown[] } | undefined;
    const busy = probe(hub.url, hub.pid, () => status !== 'running');
    while (status === 'running') {
      await new Promise((r) => setTimeout(r, 250));
      result = await api(`${hub.url}/api/v1/diagnoses/${diagnosisId}`, token, 'GET');
      status = result!.status;
    }
    const hubSeconds = (performance.now() - started) / 1000;
    const { ms: during, rss: busyRss } = await busy;
    if (status !== 'completed') throw new Error(`diagnosis ${status}: ${result?.error}`);
    const packageSeconds = packageRun(names, columns);

    console.log('| path | seconds |');
    console.log('|---|---|');
    console.log(`| diagnoseSeries in process (the package alone) | ${packageSeconds.toFixed(1)} |`);
    console.log(`| hub: POST diagnose -> completed (read, convert, worker, store) | ${hubSeconds.toFixed(1)} |`);
    console.log(`ratio hub/package: ${(hubSeconds / packageSeconds).toFixed(2)}; ${result!.episodes.length} episodes over ${result!.days.length} days`);
    console.log(`/health latency ms, idle hub: median ${quantile(idle, 0.5).toFixed(1)}, p99 ${quantile(idle, 0.99).toFixed(1)} (${idle.length} probes); `
      + `while diagnosing: median ${quantile(during, 0.5).toFixed(1)}, p99 ${quantile(during, 0.99).toFixed(1)}, max ${Math.max(...during).toFixed(0)} (${during.length} probes)`);
    console.log(`hub RSS: ${Math.max(...idleRss).toFixed(0)} MB idle before (after the upload), at most ${Math.max(...busyRss).toFixed(0)} MB while diagnosing (worker included); peak of the whole run ${procMb(hub.pid, 'VmHWM').toFixed(0)} MB`);
  } finally {
    hub.stop();
    await new Promise((r) => setTimeout(r, 500));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
