// Load generator of bench/mqtt-ingest.ts, run as its own process so it does not share the event loop with
// the broker it measures. Reads one JSON job from argv, prints one JSON result on stdout.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';

export interface Job {
  mode: 'ours' | 'raw';
  url: string;
  devices: { id: string; secret: string }[];
  batchSize: number;
  /** throughput: batches per device, `window` unacknowledged at a time. */
  batches?: number;
  window?: number;
  /** latency: one batch per device every `everyMs` for `durationMs`. */
  everyMs?: number;
  durationMs?: number;
  /** latency: how long to wait for the last acks after the last publish (default 2 s). */
  settleMs?: number;
  /**
   * latency: resend as the agent does (apps/edge-agent/src/outbox/forwarder.ts): from the acknowledgement on, once an
   * ack names a gap (at most every `ackTimeoutMs` / 4) or nothing was acknowledged for `ackTimeoutMs`.
   */
  resend?: { ackTimeoutMs: number };
}

const VALUES = { supply_temp: 55.2, return_temp: 72.4, outside_air_temp: 41, fan_speed: 68, damper_position: 35, filter_dp: 0.62 };

/** The same bytes for both modes: a telemetry batch as the agent sends it. */
export function payload(seqFrom: number, n: number): string {
  const t0 = 1_772_800_000_000 + seqFrom * 15_000;
  return JSON.stringify({ v: 1, seq_from: seqFrom, dropped: [], readings: Array.from({ length: n }, (_, i) => ({ ts: t0 + i * 15_000, values: VALUES })) });
}

async function connectAll(job: Job): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  for (let i = 0; i < job.devices.length; i += 50) {
    clients.push(...await Promise.all(job.devices.slice(i, i + 50).map((d) => new Promise<MqttClient>((resolve, reject) => {
      const c = mqtt.connect(job.url, { clientId: d.id, username: d.id, password: d.secret, reconnectPeriod: 0, connectTimeout: 30_000, keepalive: 60 });
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    }))));
  }
  if (job.mode === 'ours') await Promise.all(clients.map((c, i) => c.subscribeAsync(`prometheus/v1/devices/${job.devices[i]!.id}/ack`, { qos: 1 })));
  return clients;
}

/** Every device sends `batches` batches, `window` in flight; done at the hub's ack (ours) or the PUBACK (raw). */
function throughput(job: Job, clients: MqttClient[]): Promise<{ ms: number; readings: number; samples: number[] }> {
  const total = job.batches!;
  const started = performance.now();
  const samples: number[] = []; // ours: publish to the covering ack, per batch
  return new Promise((resolve) => {
    let open = clients.length;
    clients.forEach((c, i) => {
      const topic = `prometheus/v1/devices/${job.devices[i]!.id}/telemetry`;
      let sent = 0;
      let done = 0;
      const sentAt: number[] = [];
      const finish = () => {
        if (--open === 0) resolve({ ms: performance.now() - started, readings: total * job.batchSize * clients.length, samples });
      };
      const pump = () => {
        while (sent < total && sent - done < job.window!) {
          const seq = sent * job.batchSize + 1;
          sent += 1;
          sentAt.push(performance.now());
          c.publish(topic, payload(seq, job.batchSize), { qos: 1 }, () => {
            if (job.mode === 'raw' && ++done === total) finish();
            else if (job.mode === 'raw') pump();
          });
        }
      };
      if (job.mode === 'ours') {
        c.on('message', (_t, p) => {
          const acked = (JSON.parse(p.toString()) as { ack_seq: number }).ack_seq / job.batchSize;
          for (let b = done; b < acked; b += 1) samples.push(performance.now() - sentAt[b]!);
          done = Math.max(done, acked);
          if (done === total) finish();
          else pump();
        });
      }
      pump();
    });
  });
}

/** Steady load: each device one batch every `everyMs` (staggered); latency from publish to the covering ack. */
async function latency(job: Job, clients: MqttClient[]): Promise<{ samples: number[]; unacked: number; resent: number }> {
  const samples: number[] = [];
  let unacked = 0;
  let resent = 0;
  const resendTimers: NodeJS.Timeout[] = []; // kept through the settle time, as an agent keeps resending
  const timers: NodeJS.Timeout[] = [];
  const stops: (() => void)[] = [];
  clients.forEach((c, i) => {
    const topic = `prometheus/v1/devices/${job.devices[i]!.id}/telemetry`;
    const sentAt = new Map<number, number>();
    let seq = 1;
    let acked = 0;
    let lastRewind = 0;
    let lastProgress = performance.now();
    // The agent's rewind: everything after the acknowledgement again, as one batch.
    const rewind = () => {
      if (seq - 1 <= acked) return;
      lastRewind = performance.now();
      resent += 1;
      c.publish(topic, payload(acked + 1, seq - 1 - acked), { qos: 1 });
    };
    c.on('message', (_t, p) => {
      const { ack_seq: ack, gaps } = JSON.parse(p.toString()) as { ack_seq: number; gaps?: unknown[] };
      if (ack > acked) [acked, lastProgress] = [ack, performance.now()];
      for (const [end, at] of sentAt) {
        if (end > ack) continue;
        samples.push(performance.now() - at);
        sentAt.delete(end);
      }
      if (job.resend && (gaps?.length ?? 0) > 0 && performance.now() - lastRewind > job.resend.ackTimeoutMs / 4) rewind();
    });
    if (job.resend) {
      const { ackTimeoutMs } = job.resend;
      resendTimers.push(setInterval(() => {
        if (seq - 1 > acked && performance.now() - Math.max(lastProgress, lastRewind) > ackTimeoutMs) rewind();
      }, Math.min(ackTimeoutMs, 5000)));
    }
    const send = () => {
      sentAt.set(seq + job.batchSize - 1, performance.now());
      c.publish(topic, payload(seq, job.batchSize), { qos: 1 });
      seq += job.batchSize;
    };
    timers.push(setTimeout(() => {
      send();
      timers.push(setInterval(send, job.everyMs));
    }, Math.random() * job.everyMs!));
    stops.push(() => {
      unacked += sentAt.size;
    });
  });
  await new Promise((r) => setTimeout(r, job.durationMs));
  timers.forEach((t) => clearTimeout(t));
  await new Promise((r) => setTimeout(r, job.settleMs ?? 2000)); // let the last acks in
  resendTimers.forEach((t) => clearInterval(t));
  stops.forEach((s) => s());
  return { samples, unacked, resent };
}

async function main(): Promise<void> {
  // `@file`: a job too large for one argument (thousands of devices' credentials).
  const arg = process.argv[2]!;
  const job = JSON.parse(arg.startsWith('@') ? fs.readFileSync(arg.slice(1), 'utf8') : arg) as Job;
  const t0 = performance.now();
  const clients = await connectAll(job);
  const connectMs = performance.now() - t0;
  const cpu0 = process.cpuUsage();
  const result = job.batches ? await throughput(job, clients) : await latency(job, clients);
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(clients.map((c) => c.endAsync(true)));
  // A pipe takes stdout asynchronously: exit only once the result (10,000 agents' samples: megabytes) is written.
  await new Promise<void>((r) => process.stdout.write(`${JSON.stringify({ connectMs, loadCpuMs: (cpu.user + cpu.system) / 1000, ...result })}\n`, () => r()));
  process.exit(0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
