import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { WebSocket } from 'ws';
import { deviceTopic, type EnrollResponse, type TelemetryAck } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../test/harness.js';
import { PacketFraming } from './connection-guard.js';

// What a client may cost the broker before and after logging in, over real sockets: oversized packets,
// pre-login bytes, slow CONNECTs and connections per address (issue 17, item 2).
const LIMITS = {
  MQTT_MAX_PACKET_BYTES: String(64 * 1024), DEPLOY_CHUNK_BYTES: String(16 * 1024), MQTT_PREAUTH_MAX_BYTES: String(4096),
  MQTT_CONNECT_TIMEOUT_MS: '1000', MQTT_MAX_CONNECTIONS_PER_IP: '6',
};
let t: TestHub;
let httpPort: number;
let mqttPort: number;

beforeAll(async () => {
  t = await createTestHub(LIMITS);
  httpPort = await t.hub.start();
  mqttPort = t.hub.services.broker.port();
});
afterAll(() => t.close());

/** The largest remaining length MQTT can express (256 MB), as a CONNECT fixed header. */
const HUGE_CONNECT = Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]);

function connectHeader(remaining: number): Buffer {
  const bytes = [0x10];
  do {
    let b = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) b |= 0x80;
    bytes.push(b);
  } while (remaining > 0);
  return Buffer.from(bytes);
}

function openSocket(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(mqttPort, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

const closed = (s: net.Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

/** Writes `header` then up to `total` bytes as fast as the hub takes them; resolves with what was written. */
async function stream(s: net.Socket, header: Buffer, total: number): Promise<number> {
  s.on('error', () => undefined);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let written = 0;
  s.write(header);
  while (written < total && !s.destroyed && s.writable) {
    written += chunk.length;
    if (!s.write(chunk)) await new Promise<void>((resolve) => { s.once('drain', resolve); s.once('close', resolve); });
  }
  return written;
}

async function enrolled(): Promise<EnrollResponse> {
  const created = await t.request('POST', '/api/v1/deployments/targets', { token: await t.adminToken(), json: { name: 'Guarded AHU' } });
  const { enrollment_token } = (await created.json()) as { enrollment_token: string };
  return (await (await t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token } })).json()) as EnrollResponse;
}

const asDevice = (d: EnrollResponse): Promise<MqttClient> =>
  mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: d.device_id, username: d.device_id, password: d.device_secret, reconnectPeriod: 0 });

const batch = (from: number, n: number, pad = 0) => JSON.stringify({
  v: 1, seq_from: from, readings: Array.from({ length: n }, (_, i) => ({ ts: 1_700_000_000_000 + (from + i) * 1000, values: { supply_temp: from + i } })),
  ...(pad ? { sent_at: 1, note: 'x'.repeat(pad) } : {}),
});

async function publishForAck(c: MqttClient, deviceId: string, payload: string): Promise<TelemetryAck> {
  const ack = new Promise<TelemetryAck>((resolve) => c.once('message', (_t, p) => resolve(JSON.parse(p.toString()) as TelemetryAck)));
  await c.publishAsync(deviceTopic(deviceId, 'telemetry'), payload, { qos: 1 });
  return ack;
}

describe('PacketFraming', () => {
  it('reads every fixed header across chunk boundaries and refuses a fifth length byte', () => {
    const seen: [number, number][] = [];
    const framing = new PacketFraming();
    const packets = Buffer.concat([Buffer.from([0xc0, 0x00]), connectHeader(200), Buffer.alloc(200), Buffer.from([0x30, 0x03, 1, 2, 3])]);
    for (let i = 0; i < packets.length; i += 3) expect(framing.feed(packets.subarray(i, i + 3), (type, bytes) => (seen.push([type, bytes]), true))).toBe(true);
    expect(seen).toEqual([[12, 2], [1, 203], [3, 5]]);
    expect(new PacketFraming().feed(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]), () => true)).toBe(false);
  });
});

describe('the broker before login', () => {
  it('closes sockets streaming a 256 MB CONNECT at once; memory stays flat and the API and agents carry on', async () => {
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakBuffers = before.arrayBuffers;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    }, 20);
    const sockets = await Promise.all(Array.from({ length: 4 }, openSocket));
    const written = await Promise.all(sockets.map((s) => stream(s, HUGE_CONNECT, 48 * 1024 * 1024)));
    await Promise.all(sockets.map(closed));
    clearInterval(sampler);
    // Before the guard the hub buffered all 4 x 48 MB (RSS +200 MB here); now the first chunk closes each socket.
    expect(written.every((n) => n < 8 * 1024 * 1024)).toBe(true);
    expect((peakRss - before.rss) / 2 ** 20).toBeLessThan(30);
    expect((peakBuffers - before.arrayBuffers) / 2 ** 20).toBeLessThan(30);
    expect((await fetch(`http://127.0.0.1:${httpPort}/health`)).status).toBe(200);
    expect(t.hub.services.broker.refusedConnections().pre_auth_bytes).toBeGreaterThanOrEqual(4);
    const d = await enrolled();
    const c = await asDevice(d);
    await c.subscribeAsync(deviceTopic(d.device_id, 'ack'), { qos: 1 });
    expect((await publishForAck(c, d.device_id, batch(1, 3))).ack_seq).toBe(3);
    await c.endAsync();
  });

  it('closes a CONNECT announcing more than the pre-login budget before its body arrives', async () => {
    const s = await openSocket();
    const start = Date.now();
    s.write(connectHeader(20_000));
    await closed(s);
    expect(s.bytesWritten).toBeLessThan(10);
    // At once, not at the connect timeout (1 s here).
    expect(Date.now() - start).toBeLessThan(500);
  });

  it('closes a socket that has not completed CONNECT within MQTT_CONNECT_TIMEOUT_MS', async () => {
    const idle = await openSocket();
    const trickling = await openSocket();
    trickling.write(connectHeader(100));
    const started = Date.now();
    const timer = setInterval(() => trickling.writable && trickling.write(Buffer.from([0])), 100);
    await Promise.all([closed(idle), closed(trickling)]);
    clearInterval(timer);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('holds at most MQTT_MAX_CONNECTIONS_PER_IP connections from one address', async () => {
    // Earlier tests' sockets are released when the hub sees them close.
    await new Promise((r) => setTimeout(r, 100));
    const held = await Promise.all(Array.from({ length: 6 }, openSocket));
    const extra = await openSocket();
    const start = Date.now();
    await closed(extra);
    expect(Date.now() - start).toBeLessThan(500);
    held[0]!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const again = await openSocket();
    await new Promise((r) => setTimeout(r, 200));
    expect(again.destroyed).toBe(false);
    for (const s of [...held, again]) s.destroy();
    expect(t.hub.services.broker.refusedConnections().connections_per_ip).toBeGreaterThanOrEqual(1);
  });

  it('applies the same caps to MQTT over WebSocket', async () => {
    await new Promise((r) => setTimeout(r, 100));
    // Each promise resolves with the close code; listening from the start, since a refusal can be immediate.
    const open = () => new Promise<{ ws: WebSocket; closed: Promise<number> }>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/mqtt`, 'mqtt');
      const closed = new Promise<number>((done) => ws.once('close', (code) => done(code)));
      ws.once('open', () => resolve({ ws, closed }));
      ws.once('error', reject);
    });
    const start = Date.now();
    const huge = await open();
    huge.ws.send(Buffer.concat([HUGE_CONNECT, Buffer.alloc(1024)]));
    const overBudget = await open();
    // Under the packet limit as one WebSocket message, but past the pre-login budget.
    overBudget.ws.send(Buffer.concat([connectHeader(3000), Buffer.alloc(3000)]));
    overBudget.ws.send(Buffer.alloc(3000));
    await Promise.all([huge.closed, overBudget.closed]);
    expect(Date.now() - start).toBeLessThan(800);
    // After login: a console client's packet beyond the limit closes its connection too.
    const op = await t.userWithRole('operator');
    const consoleClient = await mqtt.connectAsync(`ws://127.0.0.1:${httpPort}/mqtt`, { clientId: 'console-guard', username: 'console', password: op.token, reconnectPeriod: 0 });
    const gone = new Promise<void>((resolve) => consoleClient.once('close', () => resolve()));
    consoleClient.publish('prometheus/v1/devices/tgt_nothing/status', Buffer.alloc(70 * 1024));
    await gone;
    consoleClient.end(true);
  });
});

describe('the broker after login', () => {
  it('disconnects a device whose packet exceeds MQTT_MAX_PACKET_BYTES and stores nothing of it', async () => {
    const d = await enrolled();
    const c = await asDevice(d);
    await c.subscribeAsync(deviceTopic(d.device_id, 'ack'), { qos: 1 });
    // Larger than the pre-login budget: the budget ends at login.
    expect((await publishForAck(c, d.device_id, batch(1, 2, 20_000))).ack_seq).toBe(2);
    const gone = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish(deviceTopic(d.device_id, 'telemetry'), batch(3, 2, 70_000), { qos: 1 });
    await gone;
    c.end(true);
    const again = await asDevice(d);
    await again.subscribeAsync(deviceTopic(d.device_id, 'ack'), { qos: 1 });
    expect((await publishForAck(again, d.device_id, batch(3, 1))).ack_seq).toBe(3);
    await again.endAsync();
    expect(t.hub.services.broker.refusedConnections().packet_size).toBeGreaterThanOrEqual(1);
  });
});
