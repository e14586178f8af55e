// The fleet tier's ingest (issue 15): readings/s stored AND acknowledged, ack p99 and CPU per 1,000 readings
// through Mosquitto (started by `npm run broker`) into SQLite, and into PostgreSQL with one and with two hub
// replicas, beside today's embedded tier (aedes in the hub, SQLite) in the same run, legs interleaved per run.
// Then connections: many simulated agents held on Mosquitto, one batch each every 15 s, every ack counted.
//   node --import tsx bench/fleet-ingest.ts [--agents 50] [--batches 40] [--runs 3] [--pg postgres://...]
//     [--legs embedded,mosquitto-sqlite,mosquitto-pg-1,mosquitto-pg-2] [--connections 10000]
//     [--conn-seconds 60] [--conn-every-ms 15000] [--conn-readings 1] [--conn-store sqlite|pg|pg2]
//     [--conn-enroll preload|api] [--conn-late-enrolls 5] [--conn-resend-s 0 (N: agents resend as with ack_timeout_s N)]
// Every hub is its own process as `npm start` runs it; the agents are mqtt.js clients in another process
// (bench/mqtt-ingest-load.ts) speaking the agent's wire format (telemetry batch, QoS 1, ack topic).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { preloadDevices } from './dynsec-preload.js';
import { adminToken, freePort, median, procMb, startBenchHub, type BenchHub } from './hub-process.js';
import type { Job } from './mqtt-ingest-load.js';

const { values: opt } = parseArgs({ options: {
  agents: { type: 'string', default: '50' }, batches: { type: 'string', default: '40' }, runs: { type: 'string', default: '3' },
  batch: { type: 'string', default: '50' }, pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  legs: { type: 'string', default: 'embedded,mosquitto-sqlite,mosquitto-pg-1,mosquitto-pg-2' },
  connections: { type: 'string', default: '0' }, 'conn-seconds': { type: 'string', default: '60' },
  'conn-every-ms': { type: 'string', default: '15000' }, 'conn-readings': { type: 'string', default: '1' },
  'conn-store': { type: 'string', default: 'sqlite' }, 'conn-enroll': { type: 'string', default: 'preload' },
  'conn-late-enrolls': { type: 'string', default: '5' },
  // 0: agents never resend (the load as offered); N: each resends as the agent does with ack_timeout_s N.
  'conn-resend-s': { type: 'string', default: '0' },
} });
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const here = path.join(root, 'bench');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK_MS = 1000 / 100; // USER_HZ on Linux

/** utime + stime of a process, in ms (from /proc, so it works for Mosquitto as well as for a hub). */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

interface LoadResult { connectMs: number; loadCpuMs: number; ms?: number; readings?: number; samples?: number[]; unacked?: number; resent?: number }

function runLoad(job: Job): Promise<LoadResult> {
  // The job goes through a file: thousands of devices' credentials exceed what one argument may hold.
  const jobFile = path.join(os.tmpdir(), `bench-fleet-job-${process.pid}.json`);
  fs.writeFileSync(jobFile, JSON.stringify(job));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'mqtt-ingest-load.ts'), `@${jobFile}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // 'close', not 'exit': the samples of 10,000 agents are more than one pipe read, still arriving at exit.
    child.on('close', (code) => {
      fs.rmSync(jobFile, { force: true });
      // Rejected, not thrown: a throw here would skip main's cleanup and leave hubs and Mosquitto running.
      try {
        if (code === 0) resolve(JSON.parse(out) as LoadResult);
        else reject(new Error(`load generator exited ${code}`));
      } catch (err) {
        reject(new Error(`load generator's result unreadable (${out.length} bytes)`, { cause: err }));
      }
    });
  });
}

interface Broker { pid: number; env: Record<string, string>; stop(): Promise<void> }

/** Mosquitto through the repository's script, its state in a fresh directory; its pid read from the script's children. */
async function startMosquitto(dir: string): Promise<Broker> {
  const port = await freePort();
  const script = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'toolchains/broker/start.ts'), '--port', String(port), '--dir', dir, '--log-type', 'error,warning,notice'], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Notices are one per connection; of them only "Outgoing messages are being dropped" (a consumer's queue past
  // max_queued_messages) says something about the run, so that line and errors reach the bench's output.
  readline.createInterface({ input: script.stdout! }).on('line', (line) => {
    if (/dropped|error/i.test(line)) process.stderr.write(`mosquitto: ${line}\n`);
  });
  const envFile = path.join(dir, 'hub.env');
  for (let i = 0; i < 300 && !fs.existsSync(envFile); i += 1) await sleep(100);
  if (!fs.existsSync(envFile)) throw new Error('the broker script wrote no hub.env');
  const env = Object.fromEntries(fs.readFileSync(envFile, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const pid = Number(fs.readFileSync(`/proc/${script.pid}/task/${script.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  return { pid, env, stop: () => stopChild(script) };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

interface Leg {
  name: string; hubs: BenchHub[]; brokerPid?: number; mqttUrl: string; token: string;
  close(): Promise<void>;
}

const pgAdmin = () => new pg.Client({ connectionString: opt.pg });

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_fleet_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const c = pgAdmin();
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(opt.pg!);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => {
    const d = pgAdmin();
    await d.connect();
    await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await d.end();
  } };
}

/** One leg: its broker, its store and its hub processes, all started before the first run. */
async function startLeg(name: string, base: string): Promise<Leg> {
  const dir = fs.mkdtempSync(path.join(base, `${name}-`));
  // Enrollment is rate limited as a login (30/min per IP); every simulated agent enrolls from 127.0.0.1.
  const common = { RATE_LIMIT_LOGIN_PER_MIN: '1000000', RATE_LIMIT_API_PER_MIN: '10000000', MQTT_MAX_CONNECTIONS_PER_IP: '1000000' };
  if (name === 'embedded') {
    const mqttPort = await freePort();
    const hub = await startBenchHub({ dataDir: path.join(dir, 'hub'), env: { ...common, MQTT_PORT: String(mqttPort) } });
    return { name, hubs: [hub], mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, token: await adminToken(hub.url), close: async () => hub.stop() };
  }
  const broker = await startMosquitto(path.join(dir, 'broker'));
  const replicas = name === 'mosquitto-pg-2' ? 2 : 1;
  const db = name.startsWith('mosquitto-pg') ? await createDatabase() : undefined;
  const hubs: BenchHub[] = [];
  try {
    // One data directory for the replicas, as the shared volume they mount.
    for (let i = 0; i < replicas; i += 1) {
      hubs.push(await startBenchHub({ dataDir: path.join(dir, 'hub'), env: { ...common, ...broker.env, ...(db ? { DATABASE_URL: db.url } : {}), PROMETHEUS_REPLICA_ID: `r${i}` } }));
    }
  } catch (err) {
    hubs.forEach((h) => h.stop());
    await broker.stop();
    await db?.drop();
    throw err;
  }
  return {
    name, hubs, brokerPid: broker.pid, mqttUrl: broker.env.MQTT_PUBLIC_URL!, token: await adminToken(hubs[0]!.url),
    close: async () => {
      hubs.forEach((h) => h.stop());
      await sleep(1000);
      await broker.stop();
      await db?.drop();
    },
  };
}

/** Devices enrolled through the hub's API, `parallel` at a time: register a target, exchange its token. */
async function enroll(leg: Leg, n: number, prefix: string, parallel = 16): Promise<{ id: string; secret: string }[]> {
  const devices: { id: string; secret: string }[] = [];
  const post = async (url: string, body: unknown, auth = true) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${leg.token}` } : {}) }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, string>>;
  };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const hub = leg.hubs[i % leg.hubs.length]!.url;
      const t = await post(`${hub}/api/v1/deployments/targets`, { name: `${prefix}-${i}` });
      const e = await post(`${hub}/api/v1/deployments/targets/enroll`, { enrollment_token: t.enrollment_token }, false);
      devices.push({ id: e.device_id!, secret: e.device_secret! });
      if (devices.length % 1000 === 0) process.stderr.write(`enrolled ${devices.length} of ${n}\n`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return devices;
}

const legCpu = (leg: Leg) => leg.hubs.reduce((s, h) => s + cpuMs(h.pid), 0);

/** Waits until the hubs stop working (the dataset hand-over runs after the ack): CPU under 5% for 1 s, at most 60 s. */
async function quiet(leg: Leg): Promise<number> {
  const t0 = performance.now();
  for (let before = legCpu(leg); performance.now() - t0 < 60_000;) {
    await sleep(1000);
    const now = legCpu(leg);
    if (now - before < 50 * leg.hubs.length) return performance.now() - t0 - 1000;
    before = now;
  }
  return performance.now() - t0;
}

interface Row { leg: string; run: number; rate: number; p99: number; hubCpuPerK: number; brokerCpuPerK: number; quietMs: number }

async function throughputRun(leg: Leg, run: number): Promise<Row> {
  const batch = Number(opt.batch);
  const devices = await enroll(leg, Number(opt.agents), `bench${run}`);
  const [h0, b0] = [legCpu(leg), leg.brokerPid ? cpuMs(leg.brokerPid) : 0];
  const r = await runLoad({ mode: 'ours', url: leg.mqttUrl, devices, batchSize: batch, batches: Number(opt.batches), window: 8 });
  const quietMs = await quiet(leg);
  const readings = r.readings!;
  const perK = (ms: number) => ms / (readings / 1000);
  return {
    leg: leg.name, run, rate: readings / (r.ms! / 1000), p99: pct(r.samples ?? [], 99), quietMs,
    hubCpuPerK: perK(legCpu(leg) - h0), brokerCpuPerK: leg.brokerPid ? perK(cpuMs(leg.brokerPid) - b0) : 0,
  };
}

async function main(): Promise<void> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-fleet-'));
  const names = opt.legs!.split(',').map((s) => s.trim()).filter(Boolean);
  const legs: Leg[] = [];
  try {
    // A leg whose hub cannot start (the store or broker refuses) is reported and left out, not fatal.
    for (const n of names) {
      const leg = await startLeg(n, base).catch((err: Error) => (console.log(`leg ${n} left out: ${err.message}`), undefined));
      if (leg) legs.push(leg);
    }
    const rows: Row[] = [];
    const load0 = os.loadavg()[0]!;
    for (let run = 1; run <= Number(opt.runs); run += 1) {
      for (const leg of legs) {
        const row = await throughputRun(leg, run).catch((err: Error) => (console.error(`${leg.name} run ${run}: ${err.message}${err.cause ? ` (${String(err.cause)})` : ''}`), undefined));
        if (row) rows.push(row);
      }
    }
    printThroughput(rows, load0);
    const conns = Number(opt.connections);
    if (conns > 0) await connections(legs, conns, base);
  } finally {
    for (const leg of legs) await leg.close().catch(() => undefined);
    fs.rmSync(base, { recursive: true, force: true });
  }
}

function printThroughput(rows: Row[], load0: number): void {
  const anchor = median(rows.filter((r) => r.leg === 'embedded').map((r) => r.rate));
  console.log(`\n## Ingest: ${opt.agents} agents x ${opt.batches} batches x ${opt.batch} readings, 8 batches in flight per agent; load average ${load0.toFixed(1)} -> ${os.loadavg()[0]!.toFixed(1)}`);
  console.log('| leg | run | stored + acked (readings/s) | ratio to embedded (median) | ack p99 | hub CPU ms / 1,000 readings | Mosquitto CPU ms / 1,000 | hubs quiet after |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.leg} | ${r.run} | ${fmt(r.rate)} | ${anchor ? (r.rate / anchor).toFixed(2) : '-'} | ${fmt(r.p99)} ms | ${r.hubCpuPerK.toFixed(1)} | ${r.brokerCpuPerK.toFixed(1)} | ${fmt(r.quietMs)} ms |`);
  for (const leg of [...new Set(rows.map((r) => r.leg))]) {
    const of = rows.filter((r) => r.leg === leg);
    const rate = median(of.map((r) => r.rate));
    console.log(`| **${leg}** | median | **${fmt(rate)}** | **${anchor ? (rate / anchor).toFixed(2) : '-'}** | ${fmt(median(of.map((r) => r.p99)))} ms | ${median(of.map((r) => r.hubCpuPerK)).toFixed(1)} | ${median(of.map((r) => r.brokerCpuPerK)).toFixed(1)} | ${fmt(median(of.map((r) => r.quietMs)))} ms |`);
  }
}

/** Waits for a stopped hub's process to be gone (the next one opens the same store). */
async function stopped(hub: BenchHub): Promise<void> {
  hub.stop();
  for (let i = 0; i < 300 && fs.existsSync(`/proc/${hub.pid}`); i += 1) await sleep(100);
}

interface Fleet { leg: Leg; devices: { id: string; secret: string }[]; enrollMs: number; preloadMs: number; dynsecMb: number }

/**
 * --conn-enroll preload: the devices are enrolled through the hub's API while it runs its embedded broker (the
 * store's side of enrollment; the embedded broker provisions nothing), then written into Mosquitto's dynsec file
 * while Mosquitto is stopped (bench/dynsec-preload.ts), and the hub restarted as the fleet tier runs it.
 */
async function preloadedFleet(name: string, base: string, n: number): Promise<Fleet> {
  const dir = fs.mkdtempSync(path.join(base, `${name}-preload-`));
  const db = name.startsWith('mosquitto-pg') ? await createDatabase() : undefined;
  const common = { RATE_LIMIT_LOGIN_PER_MIN: '1000000', RATE_LIMIT_API_PER_MIN: '10000000', MQTT_MAX_CONNECTIONS_PER_IP: '1000000', ...(db ? { DATABASE_URL: db.url } : {}) };
  const enrolling = await startBenchHub({ dataDir: path.join(dir, 'hub'), env: { ...common, MQTT_PORT: String(await freePort()) } });
  const t0 = performance.now();
  const devices = await enroll({ name, hubs: [enrolling], mqttUrl: '', token: await adminToken(enrolling.url), close: async () => undefined }, n, 'fleet', 32);
  const enrollMs = performance.now() - t0;
  await stopped(enrolling);
  const brokerDir = path.join(dir, 'broker');
  await (await startMosquitto(brokerDir)).stop(); // the script's first start writes the file with its admin
  const t1 = performance.now();
  const dynsecMb = preloadDevices(path.join(brokerDir, 'dynamic-security.json'), devices) / 2 ** 20;
  const preloadMs = performance.now() - t1;
  const broker = await startMosquitto(brokerDir);
  // One data directory for the replicas, as the shared volume they mount; each ready before any agent connects.
  const hubs: BenchHub[] = [];
  for (let i = 0; i < (name === 'mosquitto-pg-2' ? 2 : 1); i += 1) {
    hubs.push(await startBenchHub({ dataDir: path.join(dir, 'hub'), env: { ...common, ...broker.env, PROMETHEUS_REPLICA_ID: `r${i}` } }));
  }
  const leg: Leg = {
    name, hubs, brokerPid: broker.pid, mqttUrl: broker.env.MQTT_PUBLIC_URL!, token: await adminToken(hubs[0]!.url),
    close: async () => {
      await Promise.all(hubs.map((h) => stopped(h)));
      await broker.stop();
      await db?.drop();
    },
  };
  return { leg, devices, enrollMs, preloadMs, dynsecMb };
}

/** --conn-enroll api: every device enrolled through the hub on Mosquitto, dynsec provisioning included. */
async function apiFleet(legs: Leg[], name: string, base: string, n: number): Promise<Fleet> {
  const leg = legs.find((l) => l.name === name) ?? await startLeg(name, base);
  const t0 = performance.now();
  const devices = await enroll(leg, n, 'fleet', 32);
  return { leg, devices, enrollMs: performance.now() - t0, preloadMs: 0, dynsecMb: NaN };
}

/** Enrollments through the hub (dynsec provisioning on Mosquitto) with the fleet in place: time and Mosquitto CPU each. */
async function enrollAtSize(leg: Leg, k: number): Promise<{ ms: number; brokerCpuMs: number }[]> {
  const out: { ms: number; brokerCpuMs: number }[] = [];
  for (let i = 0; i < k; i += 1) {
    const [t0, b0] = [performance.now(), cpuMs(leg.brokerPid!)];
    await enroll(leg, 1, `late${i}`, 1);
    out.push({ ms: performance.now() - t0, brokerCpuMs: cpuMs(leg.brokerPid!) - b0 });
  }
  return out;
}

/** `n` agents held on Mosquitto (the leg named by --conn-store), one batch each every --conn-every-ms. */
async function connections(legs: Leg[], n: number, base: string): Promise<void> {
  const stores: Record<string, string> = { sqlite: 'mosquitto-sqlite', pg: 'mosquitto-pg-1', pg2: 'mosquitto-pg-2' };
  const wanted = stores[opt['conn-store']!];
  if (!wanted) throw new Error(`--conn-store ${opt['conn-store']}: one of ${Object.keys(stores).join(', ')}`);
  const fleet = opt['conn-enroll'] === 'api' ? await apiFleet(legs, wanted, base, n) : await preloadedFleet(wanted, base, n);
  const { leg, devices } = fleet;
  if (!legs.includes(leg)) legs.push(leg);
  const secs = Number(opt['conn-seconds']);
  const every = Number(opt['conn-every-ms']);
  const [h0, b0] = [legCpu(leg), cpuMs(leg.brokerPid!)];
  const load0 = os.loadavg()[0]!;
  const resendMs = Number(opt['conn-resend-s']) * 1000;
  const settleMs = Math.max(10_000, 1.5 * resendMs);
  const f = await runLoad({
    mode: 'ours', url: leg.mqttUrl, devices, batchSize: Number(opt['conn-readings']), everyMs: every, durationMs: secs * 1000, settleMs,
    ...(resendMs > 0 ? { resend: { ackTimeoutMs: resendMs } } : {}),
  });
  const wall = (f.connectMs + secs * 1000 + settleMs) / 1000;
  const share = (ms: number) => `${((ms / 1000 / wall) * 100).toFixed(0)}%`;
  const s = f.samples!;
  const mb = (pid: number, field: 'VmRSS' | 'VmHWM') => fmt(procMb(pid, field));
  const rss = leg.hubs.map((h) => `${mb(h.pid, 'VmRSS')} (peak ${mb(h.pid, 'VmHWM')})`).join(' + ');
  const brokerRss = `${mb(leg.brokerPid!, 'VmRSS')} (peak ${mb(leg.brokerPid!, 'VmHWM')})`;
  const [hubCpu, brokerCpu, load1] = [legCpu(leg) - h0, cpuMs(leg.brokerPid!) - b0, os.loadavg()[0]!];
  const late = await enrollAtSize(leg, Number(opt['conn-late-enrolls']));
  console.log(`\n## ${fmt(n)} agents on Mosquitto (${wanted}, --conn-enroll ${opt['conn-enroll']}), one batch of ${opt['conn-readings']} reading(s) each every ${every} ms for ${secs} s, ${resendMs > 0 ? `resending as the agent does (ack_timeout_s ${resendMs / 1000}): ${fmt(f.resent ?? 0)} resends` : 'never resent'}; load average ${load0.toFixed(1)} -> ${load1.toFixed(1)}`);
  console.log('| enrolled in | dynsec file written in | connected in | batches acked | unacked at end | ack p50 | ack p99 | ack max | hub CPU | Mosquitto CPU | hub RSS MiB | Mosquitto RSS MiB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  console.log(`| ${fmt(fleet.enrollMs)} ms | ${fleet.preloadMs ? `${fmt(fleet.preloadMs)} ms (${fleet.dynsecMb.toFixed(1)} MiB)` : '-'} | ${fmt(f.connectMs)} ms | ${fmt(s.length)} | ${f.unacked} | ${pct(s, 50).toFixed(1)} ms | ${pct(s, 99).toFixed(1)} ms | ${Math.max(...s).toFixed(1)} ms | ${share(hubCpu)} of a core | ${share(brokerCpu)} of a core | ${rss} | ${brokerRss} |`);
  if (late.length > 0) console.log(`\nOne enrollment through the hub with ${fmt(n)} devices on Mosquitto (dynsec provisioning): ${late.map((l) => `${fmt(l.ms)} ms (Mosquitto ${fmt(l.brokerCpuMs)} ms CPU)`).join(', ')}`);
}

await main();
