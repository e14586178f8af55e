// Upload + stats throughput of the hub's POST /api/v1/datasets (real HTTP, hub in its own process) beside
// DuckDB's own min/max/avg/stddev over read_csv of the same file, in one run. Prints MB/s (medians), the
// ratio, and the hub process's peak RSS (VmHWM). Run: node --import tsx bench/upload-throughput.ts
// Options (env): BENCH_MB (default 100), BENCH_RUNS (default 3), BENCH_COLUMNS (default 20), HUB_RUNTIME
// (compiled, as `npm start` runs the hub; or tsx).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { adminToken, median, procMb, startBenchHub, uploadCsvFile } from './hub-process.js';

const MB = 1024 * 1024;
const SIZE_MB = Number(process.env.BENCH_MB ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const COLUMNS = Number(process.env.BENCH_COLUMNS ?? 20);
const RUNTIME = process.env.HUB_RUNTIME ?? 'compiled';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-bench-upload-'));
const csvFile = path.join(work, 'numeric.csv');

function generate(): void {
  const out = fs.openSync(csvFile, 'w');
  fs.writeSync(out, `${Array.from({ length: COLUMNS }, (_, i) => `sensor_${i}`).join(',')}\n`);
  let written = 0;
  let row = 0;
  // Stops just under SIZE_MB so the file fits the hub's default 100 MB upload limit.
  for (;;) {
    const lines: string[] = [];
    for (let k = 0; k < 5000; k += 1, row += 1) {
      lines.push(Array.from({ length: COLUMNS }, (_, i) => (50 + i + 10 * Math.sin(row / 97 + i) + ((row * 7919 + i * 104729) % 1000) / 1000).toFixed(3)).join(','));
    }
    const chunk = `${lines.join('\n')}\n`;
    if (written + chunk.length > SIZE_MB * MB - 4096) break;
    written += fs.writeSync(out, chunk);
  }
  fs.closeSync(out);
}


async function duckdbRun(): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  const cols = Array.from({ length: COLUMNS }, (_, i) => `sensor_${i}`);
  const sql = `SELECT ${cols.map((x) => `min(${x}), max(${x}), avg(${x}), stddev(${x})`).join(', ')} FROM read_csv('${csvFile}')`;
  const started = performance.now();
  await c.runAndReadAll(sql);
  const seconds = (performance.now() - started) / 1000;
  c.closeSync();
  instance.closeSync();
  return fs.statSync(csvFile).size / MB / seconds;
}

/** One multipart upload streamed from disk with a Content-Length; time until the 201 with stats arrives. */
async function hubRun(url: string, token: string, n: number): Promise<number> {
  const started = performance.now();
  const { status, answer } = await uploadCsvFile(url, token, csvFile, { name: `bench ${n}`, equipmentType: 'chiller' });
  const seconds = (performance.now() - started) / 1000;
  if (status !== 201) throw new Error(`upload answered ${status}: ${JSON.stringify(answer)}`);
  await fetch(`${url}/api/v1/datasets/${answer.id as string}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  return fs.statSync(csvFile).size / MB / seconds;
}


async function main(): Promise<void> {
  generate();
  const sizeMb = fs.statSync(csvFile).size / MB;
  console.log(`file: ${sizeMb.toFixed(1)} MB, ${COLUMNS} numeric columns; ${RUNS} runs each; ${os.availableParallelism()} cores`);
  const hub = await startBenchHub({ dataDir: path.join(work, 'hub'), runtime: RUNTIME === 'tsx' ? 'tsx' : 'compiled' });
  try {
    const token = await adminToken(hub.url);
    // What the hub holds before any upload (all modules loaded), to tell the upload's own share.
    const baseline = procMb(hub.pid, 'VmHWM');
    const idle = procMb(hub.pid, 'VmRSS');
    const duck: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      duck.push(await duckdbRun());
      ours.push(await hubRun(hub.url, token, i));
    }
    const rss = procMb(hub.pid, 'VmHWM');
    const d = median(duck);
    const h = median(ours);
    console.log('| path | MB/s (median) | runs |');
    console.log('|---|---|---|');
    console.log(`| DuckDB read_csv min/max/avg/stddev (in process) | ${d.toFixed(1)} | ${duck.map((x) => x.toFixed(0)).join(', ')} |`);
    console.log(`| hub POST /api/v1/datasets (HTTP upload + stats) | ${h.toFixed(1)} | ${ours.map((x) => x.toFixed(0)).join(', ')} |`);
    console.log(`ratio hub/DuckDB: ${(h / d).toFixed(2)} (goal >= 0.5)`);
    console.log(`hub peak RSS: ${rss.toFixed(0)} MB (goal < 256); before the first upload: ${baseline.toFixed(0)} MB peak, ${idle.toFixed(0)} MB resident; added by uploads: ${(rss - baseline).toFixed(0)} MB`);
  } finally {
    hub.stop();
    await new Promise((r) => setTimeout(r, 500));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
