// The hub as `npm start` runs it (compiled JavaScript under --conditions=built) beside the same hub under
// the tsx loader (how it ran before), in one run, starts interleaved: time from spawn to the first 200 of
// /health, and resident memory once idle (VmRSS after IDLE_S seconds; VmHWM, the start-up peak, beside it).
// Prints medians and the ratio. Run: node --import tsx bench/hub-start.ts   (env RUNS=3 IDLE_S=20)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileIfStale } from '../apps/hub/compile-if-stale.js';

const RUNS = Number(process.env.RUNS ?? 3);
const IDLE_S = Number(process.env.IDLE_S ?? 20);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNTIMES = {
  compiled: ['--conditions=built', 'apps/hub/dist/main.js'],
  tsx: ['--import', 'tsx', 'apps/hub/src/main.ts'],
} as const;
type Runtime = keyof typeof RUNTIMES;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const procMb = (pid: number, field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function once(runtime: Runtime): Promise<{ healthMs: number; idleMb: number; peakMb: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-bench-start-'));
  const started = performance.now();
  const child = spawn(process.execPath, [...RUNTIMES[runtime]], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', PROMETHEUS_DATA_DIR: dataDir, PROMETHEUS_ADMIN_PASSWORD: 'bench-password-1', LOG_LEVEL: 'info' },
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      child.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        const m = /"port":(\d+),"dataDir"/.exec(buffered);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`hub (${runtime}) exited with ${code}`)));
    });
    while (!(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false))) await sleep(5);
    const healthMs = performance.now() - started;
    await sleep(IDLE_S * 1000);
    return { healthMs, idleMb: procMb(child.pid!, 'VmRSS'), peakMb: procMb(child.pid!, 'VmHWM') };
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await compileIfStale();
console.log(`${RUNS} starts of each, interleaved; idle memory read after ${IDLE_S} s; load ${os.loadavg()[0]!.toFixed(1)}`);
const results: Record<Runtime, { healthMs: number; idleMb: number; peakMb: number }[]> = { compiled: [], tsx: [] };
for (let i = 0; i < RUNS; i += 1) {
  for (const runtime of Object.keys(RUNTIMES) as Runtime[]) results[runtime].push(await once(runtime));
}
console.log('| runtime | time to /health (ms) | idle RSS (MB) | start-up peak (MB) |');
console.log('|---|---|---|---|');
for (const runtime of Object.keys(RUNTIMES) as Runtime[]) {
  const r = results[runtime];
  console.log(`| ${runtime} | ${median(r.map((x) => x.healthMs)).toFixed(0)} | ${median(r.map((x) => x.idleMb)).toFixed(0)} | ${median(r.map((x) => x.peakMb)).toFixed(0)} |`);
}
const ratio = (f: (x: { healthMs: number; idleMb: number }) => number) =>
  (median(results.compiled.map(f)) / median(results.tsx.map(f))).toFixed(2);
console.log(`compiled / tsx: time to /health ${ratio((x) => x.healthMs)}x, idle RSS ${ratio((x) => x.idleMb)}x`);
