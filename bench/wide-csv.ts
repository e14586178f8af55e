// Wide CSV (issue 17, item 4): a 1,000-column x 100,000-row export uploaded to the hub (its own process, real
// HTTP, the default 128 MB DuckDB engine) and previewed (a page in file order, a page sorted by one column),
// beside DuckDB's own read_csv of the same file in this process at its defaults (no memory cap), the same
// aggregates and the same pages, runs interleaved. Prints medians, the ratio and the hub's peak RSS.
// Run: node --import tsx bench/wide-csv.ts
// Options (env): BENCH_COLUMNS (1000), BENCH_ROWS (100000), BENCH_RUNS (3), HUB_RUNTIME (compiled, or tsx).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { adminToken, median, procMb, startBenchHub, uploadCsvFile } from './hub-process.js';

const MB = 1024 * 1024;
const COLUMNS = Number(process.env.BENCH_COLUMNS ?? 1000);
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RUNTIME = process.env.HUB_RUNTIME ?? 'compiled';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-bench-wide-'));
const csvFile = path.join(work, 'wide.csv');
const points = Array.from({ length: COLUMNS - 1 }, (_, i) => `AHU_${Math.floor(i / 50)}_point_${i}`);
const SORT = points[Math.floor(points.length / 2)]!;
const PAGE = { size: 100, number: Math.floor(ROWS / 200) };

/** One minute per row; short numbers with one decimal, as BMS exports write them. */
function generate(): void {
  const out = fs.openSync(csvFile, 'w');
  fs.writeSync(out, `timestamp,${points.join(',')}\n`);
  const t0 = Date.UTC(2026, 0, 1);
  for (let r = 0; r < ROWS; r += 1000) {
    const lines: string[] = [];
    for (let k = r; k < Math.min(ROWS, r + 1000); k += 1) {
      const cells = points.map((_, i) => ((k * 7 + i * 13) % 1000) / 10);
      lines.push(`${new Date(t0 + k * 60_000).toISOString()},${cells.join(',')}`);
    }
    fs.writeSync(out, `${lines.join('\n')}\n`);
  }
  fs.closeSync(out);
}

const seconds = async (fn: () => Promise<unknown>) => {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
};

/** The anchor: DuckDB at its defaults over the same file: the same aggregates, the same two pages. */
async function duckdbRun(): Promise<{ stats: number; page: number; sorted: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  const rel = `read_csv('${csvFile}')`;
  const q = (x: string) => `"${x}"`;
  const stats = await seconds(() => c.runAndReadAll(`SELECT count(*), ${points.map((x) => `count(${q(x)}), min(${q(x)}), max(${q(x)}), avg(${q(x)}), var_samp(${q(x)})`).join(', ')} FROM ${rel}`));
  const page = await seconds(() => c.runAndReadAll(`SELECT * FROM ${rel} LIMIT ${PAGE.size} OFFSET ${(PAGE.number - 1) * PAGE.size}`));
  const sorted = await seconds(() => c.runAndReadAll(`SELECT * FROM ${rel} ORDER BY ${q(SORT)} DESC LIMIT ${PAGE.size}`));
  c.closeSync();
  instance.closeSync();
  return { stats, page, sorted };
}

/** The file uploaded (streamed multipart); returns the new dataset's id. */
async function upload(url: string, token: string, n: number): Promise<string> {
  const { status, answer } = await uploadCsvFile(url, token, csvFile, { name: `wide ${n}`, equipmentType: 'air_handler' });
  if (status !== 201 || answer.row_count !== ROWS || (answer.columns as string[] | undefined)?.length !== COLUMNS) throw new Error(`upload answered ${status}: ${JSON.stringify(answer).slice(0, 300)}`);
  return answer.id as string;
}

async function preview(url: string, token: string, id: string, query: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/datasets/${id}/preview?${query}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { rows?: unknown[][] };
  if (res.status !== 200 || body.rows?.length !== PAGE.size || body.rows[0]?.length !== COLUMNS) throw new Error(`preview answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
}

async function hubRun(url: string, token: string, n: number): Promise<{ stats: number; page: number; sorted: number }> {
  let id = '';
  const stats = await seconds(async () => (id = await upload(url, token, n)));
  const page = await seconds(() => preview(url, token, id, `page=${PAGE.number}&page_size=${PAGE.size}`));
  const sorted = await seconds(() => preview(url, token, id, `sort_col=${encodeURIComponent(SORT)}&sort_dir=desc&page_size=${PAGE.size}`));
  await fetch(`${url}/api/v1/datasets/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  return { stats, page, sorted };
}


async function main(): Promise<void> {
  generate();
  const sizeMb = fs.statSync(csvFile).size / MB;
  console.log(`file: ${sizeMb.toFixed(1)} MB, ${COLUMNS} columns x ${ROWS} rows; ${RUNS} runs each; ${os.availableParallelism()} cores; load ${os.loadavg()[0]!.toFixed(1)}`);
  const hub = await startBenchHub({ dataDir: path.join(work, 'hub'), runtime: RUNTIME === 'tsx' ? 'tsx' : 'compiled', env: { DATASET_MAX_UPLOAD_BYTES: String(4 * 1024 * MB) } });
  try {
    const token = await adminToken(hub.url);
    const baseline = procMb(hub.pid, 'VmHWM');
    const duck: Awaited<ReturnType<typeof duckdbRun>>[] = [];
    const ours: Awaited<ReturnType<typeof hubRun>>[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      duck.push(await duckdbRun());
      ours.push(await hubRun(hub.url, token, i));
    }
    console.log('| step | DuckDB read_csv, defaults (s, median) | hub, 128 MB engine (s, median) | hub / DuckDB time | runs (DuckDB; hub) |');
    console.log('|---|---|---|---|---|');
    for (const [step, label] of [['stats', 'upload + stats of every column'], ['page', `preview page ${PAGE.number} (${PAGE.size} rows)`], ['sorted', `preview sorted by ${SORT} desc`]] as const) {
      const d = median(duck.map((r) => r[step]));
      const h = median(ours.map((r) => r[step]));
      const runs = `${duck.map((r) => r[step].toFixed(2)).join(', ')}; ${ours.map((r) => r[step].toFixed(2)).join(', ')}`;
      console.log(`| ${label} | ${d.toFixed(2)} | ${h.toFixed(2)} | ${(h / d).toFixed(2)}x | ${runs} |`);
    }
    console.log(`hub peak RSS: ${procMb(hub.pid, 'VmHWM').toFixed(0)} MB (before the first upload ${baseline.toFixed(0)} MB); DuckDB anchor is in this process: its RSS peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    hub.stop();
    await new Promise((r) => setTimeout(r, 500));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
