// Edge-link ingest benchmark: readings/s stored AND acknowledged by the hub (telemetry batches of 50 from N
// simulated agents), beside raw aedes QoS 1 publish throughput of the same payload bytes in the same run;
// then 1,000 connected agents at a steady rate with the acknowledgement latency (p50/p99).
//   node --import tsx bench/mqtt-ingest.ts [--agents 50] [--batches 40] [--runs 3] [--fleet 1000] [--fleet-seconds 30]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';
import { pino } from 'pino';
import { loadConfig } from '../apps/hub/src/config.js';
import type { AuthUser } from '../apps/hub/src/http/context.js';
import { createHub, type Hub } from '../apps/hub/src/hub.js';
import type { Job } from './mqtt-ingest-load.js';

const { values: opt } = parseArgs({ options: {
  agents: { type: 'string', default: '50' }, batches: { type: 'string', default: '40' }, runs: { type: 'string', default: '3' },
  fleet: { type: 'string', default: '1000' }, 'fleet-seconds': { type: 'string', default: '30' }, 'fleet-every-ms': { type: 'string', default: '5000' },
} });
const BATCH = 50;
const here = path.dirname(new URL(import.meta.url).pathname);

function runLoad(job: Job): Promise<{ connectMs: number; loadCpuMs: number; ms?: number; readings?: number; samples?: number[]; unacked?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'mqtt-ingest-load.ts'), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`))));
  });
}

async function enrollMany(hub: Hub, admin: AuthUser, n: number, prefix: string): Promise<{ id: string; secret: string }[]> {
  const devices: { id: string; secret: string }[] = [];
  for (let i = 0; i < n; i += 1) {
    const t = await hub.services.fleet.targets.create(admin, { name: `${prefix}-${i}` });
    const e = await hub.services.fleet.enrollment.enroll({ enrollment_token: t.enrollment_token });
    devices.push({ id: e.device_id, secret: e.device_secret });
  }
  return devices;
}

async function rawAedes(): Promise<{ url: string; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = net.createServer({ noDelay: true }, (s) => broker.handle(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  return { url: `mqtt://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => broker.close(() => r()))) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mqtt-'));
  // Every simulated agent connects from 127.0.0.1.
  const config = loadConfig({ PROMETHEUS_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', LOG_LEVEL: 'silent', PROMETHEUS_ADMIN_PASSWORD: 'bench-admin-pass', MQTT_MAX_CONNECTIONS_PER_IP: '100000' });
  const hub = await createHub(config, { logger: pino({ level: 'silent' }) });
  await hub.start();
  const adminRow = await hub.services.usersRepo.findByUsername('admin');
  const admin: AuthUser = { id: adminRow!.id, username: 'admin', email: adminRow!.email, role: 'admin', sessionId: 'bench' };
  const ours = `mqtt://127.0.0.1:${hub.services.broker.port()}`;
  const raw = await rawAedes();
  const agents = Number(opt.agents);
  const batches = Number(opt.batches);
  const rows: { run: number; raw: number; ours: number; drainMs: number; rawCpu: number; oursCpu: number }[] = [];
  const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

  for (let run = 1; run <= Number(opt.runs); run += 1) {
    const devices = await enrollMany(hub, admin, agents, `bench${run}`);
    const job = { url: '', devices, batchSize: BATCH, batches, window: 8 };
    // Broker-side CPU of each mode (this process), measured from the end of the connects: on a shared machine
    // the CPU per reading is steadier than the wall clock.
    const r = await runLoad({ ...job, mode: 'raw', url: raw.url });
    const c0 = process.cpuUsage();
    const o = await runLoad({ ...job, mode: 'ours', url: ours });
    const t = performance.now();
    await hub.services.fleet.handover.idle();
    const oursCpu = cpuMs(process.cpuUsage(c0));
    const c2 = process.cpuUsage();
    await runLoad({ ...job, devices: devices.map((d) => ({ ...d, id: `${d.id}x` })), mode: 'raw', url: raw.url });
    const rawCpu = cpuMs(process.cpuUsage(c2));
    rows.push({ run, raw: r.readings! / (r.ms! / 1000), ours: o.readings! / (o.ms! / 1000), drainMs: performance.now() - t, rawCpu, oursCpu });
  }
  const payloadBytes = Buffer.byteLength((await import('./mqtt-ingest-load.js')).payload(1, BATCH));
  console.log(`\n## Ingest throughput: ${agents} agents x ${batches} batches x ${BATCH} readings (${payloadBytes} B/batch), 8 batches in flight per agent`);
  const perK = (ms: number) => (ms / ((agents * batches * BATCH) / 1000)).toFixed(1);
  console.log('| run | raw aedes QoS 1 (readings/s) | hub: stored + acked (readings/s) | ratio | hand-over caught up after | broker CPU ms / 1,000 readings: raw / hub (incl. hand-over) |');
  console.log('|---|---|---|---|---|---|');
  for (const x of rows) console.log(`| ${x.run} | ${fmt(x.raw)} | ${fmt(x.ours)} | ${(x.ours / x.raw).toFixed(2)} | ${fmt(x.drainMs)} ms | ${perK(x.rawCpu)} / ${perK(x.oursCpu)} |`);
  const [mr, mo] = [median(rows.map((x) => x.raw)), median(rows.map((x) => x.ours))];
  console.log(`| median | ${fmt(mr)} | ${fmt(mo)} | ${median(rows.map((x) => x.ours / x.raw)).toFixed(2)} (of the runs' ratios) | | ${perK(median(rows.map((x) => x.rawCpu)))} / ${perK(median(rows.map((x) => x.oursCpu)))} |`);
  await raw.close();

  const fleet = Number(opt.fleet);
  if (fleet > 0) {
    const devices = await enrollMany(hub, admin, fleet, 'fleet');
    const cpu0 = process.cpuUsage();
    const f = await runLoad({ mode: 'ours', url: ours, devices, batchSize: BATCH, everyMs: Number(opt['fleet-every-ms']), durationMs: Number(opt['fleet-seconds']) * 1000 });
    const cpu = process.cpuUsage(cpu0);
    const s = f.samples!;
    const secs = Number(opt['fleet-seconds']);
    console.log(`\n## ${fleet} connected agents, one batch of ${BATCH} each every ${opt['fleet-every-ms']} ms for ${secs} s`);
    console.log('| connected in | batches acked | unacked at end | ack p50 | ack p99 | ack max | hub CPU | hub RSS |');
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(`| ${fmt(f.connectMs)} ms | ${fmt(s.length)} | ${f.unacked} | ${pct(s, 50).toFixed(1)} ms | ${pct(s, 99).toFixed(1)} ms | ${Math.max(...s).toFixed(1)} ms | ${(((cpu.user + cpu.system) / 1e6 / (secs + 2)) * 100).toFixed(0)}% of a core | ${fmt(process.memoryUsage().rss / 1048576)} MiB |`);
  }
  await hub.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

await main();
