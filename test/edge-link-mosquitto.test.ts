import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TelemetryBatch, deviceTopic, parseMessage, type DeviceStatus } from '@prometheus/protocol';
import { startAegisDbFake, type AegisDbFake } from './fakes/index.js';
import { agentSpec, checksum, freePort, killAll, range, removeTempDirs, samples, startAgent, tempDir, waitFor, type AgentSpec } from './edge-link/harness.js';

// The agent against Mosquitto, a broker we did not write: QoS 1 telemetry, the retained status and the
// last will, and reconnection after the broker restarts. A small stand-in for the hub subscribes, stores
// by sequence and acknowledges, as the hub does. The machine's Mosquitto (127.0.0.1:1883, anonymous, as
// /etc/mosquitto/mosquitto.conf says) serves the first test; the restart test runs its own on a free port.
const fakes: AegisDbFake[] = [];
const brokers: ChildProcess[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  await killAll();
  for (const c of clients.splice(0)) c.end(true);
  for (const b of brokers.splice(0)) b.kill('SIGKILL');
});
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  removeTempDirs();
});

function connect(url: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 200, connectTimeout: 3000, clientId: `hub-standin-${Math.random().toString(36).slice(2)}` });
    clients.push(c);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** Stores telemetry by sequence (a replay changes nothing) and acknowledges the highest contiguous one. */
async function hubStandIn(url: string, deviceId: string) {
  const c = await connect(url);
  const bySeq = new Map<number, number>();
  let deliveries = 0;
  const qos = new Set<number>();
  let ack = 0;
  const statuses: { status: DeviceStatus; retain: boolean }[] = [];
  c.on('message', (topic, payload, packet) => {
    if (topic.endsWith('/status')) {
      if (payload.length > 0) statuses.push({ status: JSON.parse(payload.toString()) as DeviceStatus, retain: packet.retain });
      return;
    }
    const batch = parseMessage(TelemetryBatch, payload);
    if (!batch) throw new Error('malformed telemetry');
    deliveries += 1;
    qos.add(packet.qos);
    batch.readings.forEach((r, i) => bySeq.set(batch.seq_from + i, r.values.sample_no as number));
    while (bySeq.has(ack + 1)) ack += 1;
    c.publish(deviceTopic(deviceId, 'ack'), JSON.stringify({ v: 1, ack_seq: ack, gaps: [], stored: batch.readings.length, lost_total: 0 }), { qos: 1 });
  });
  await c.subscribeAsync([deviceTopic(deviceId, 'telemetry'), deviceTopic(deviceId, 'status')], { qos: 1 });
  return {
    client: c, statuses,
    deliveries: () => deliveries,
    qos: () => [...qos],
    /** The stored readings' sample numbers in sequence order. */
    samples: () => [...bySeq.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v),
  };
}

async function agentFor(brokerUrl: string): Promise<{ spec: AgentSpec; deviceId: string; db: AegisDbFake }> {
  const db = await startAegisDbFake({ mode: 'old' });
  fakes.push(db);
  const spec = agentSpec({ source: { kind: 'aegis', url: db.url, page_size: 200 }, mqtt_url: brokerUrl });
  const deviceId = `tgt_mosq${Math.random().toString(36).slice(2, 10)}`;
  // As enrollment would leave it; an anonymous Mosquitto ignores the secret.
  fs.writeFileSync(path.join(spec.stateDir, 'credentials.json'), JSON.stringify({
    device_id: deviceId, device_secret: 'unused-by-anonymous-mosquitto', target_name: 'Mosquitto interop', hub_url: 'http://127.0.0.1:9',
    mqtt_url: brokerUrl, ws_url: 'ws://127.0.0.1:9/mqtt', enrolled_at: new Date().toISOString(),
  }), { mode: 0o600 });
  return { spec, deviceId, db };
}

async function startMosquitto(port: number, dir: string): Promise<ChildProcess> {
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n`);
  const bin = fs.existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
  const child = spawn(bin, ['-c', conf], { stdio: 'ignore' });
  brokers.push(child);
  await waitFor('mosquitto listening', () => connect(`mqtt://127.0.0.1:${port}`).then((c) => (c.end(true), true), () => false), 10_000, 100);
  return child;
}

describe('agent against Mosquitto', () => {
  it('QoS 1 telemetry, retained status, and the last will when the agent dies', async () => {
    const url = 'mqtt://127.0.0.1:1883';
    const { spec, deviceId, db } = await agentFor(url);
    const hub = await hubStandIn(url, deviceId);
    db.insert('hardware_metrics', samples(0, 800));
    const agent = startAgent(spec);
    await waitFor('800 readings through Mosquitto', () => hub.samples().length === 800, 60_000);
    expect(checksum(hub.samples())).toBe(checksum(range(0, 800)));

    // A late subscriber gets the retained status from the broker itself.
    const late = await connect(url);
    const retained = new Promise<{ status: DeviceStatus; retain: boolean }>((resolve) =>
      late.on('message', (_t, p, packet) => {
        if (p.length > 0) resolve({ status: JSON.parse(p.toString()) as DeviceStatus, retain: packet.retain });
      }));
    await late.subscribeAsync(deviceTopic(deviceId, 'status'), { qos: 1 });
    expect(await retained).toMatchObject({ retain: true, status: { state: 'online', version: '0.1.0' } });
    late.end(true);
    expect(hub.qos()).toEqual([1]);

    await agent.kill(); // no DISCONNECT: Mosquitto publishes the will
    await waitFor('last will', () => hub.statuses.some((s) => s.status.state === 'offline'), 15_000);
    // Leave nothing retained on the machine's broker.
    await hub.client.publishAsync(deviceTopic(deviceId, 'status'), '', { qos: 1, retain: true });
  });

  it('survives a Mosquitto restart: the outbox resends what was not acknowledged, each reading stored once', async () => {
    const port = await freePort();
    const dir = tempDir('mosquitto');
    let broker = await startMosquitto(port, dir);
    const url = `mqtt://127.0.0.1:${port}`;
    const { spec, deviceId, db } = await agentFor(url);
    const hub = await hubStandIn(url, deviceId);
    db.insert('hardware_metrics', samples(0, 300));
    startAgent(spec);
    await waitFor('first readings', () => hub.samples().length === 300, 60_000);
    broker.kill('SIGTERM');
    await new Promise((r) => broker.once('exit', r));
    db.insert('hardware_metrics', samples(300, 1500));
    await new Promise((r) => setTimeout(r, 2500)); // the agent retries with backoff against a dead port
    broker = await startMosquitto(port, dir);
    await waitFor('all readings after the restart', () => hub.samples().length === 1500, 60_000);
    expect(checksum(hub.samples())).toBe(checksum(range(0, 1500)));
    expect(hub.deliveries()).toBeGreaterThanOrEqual(30);
  });
});
