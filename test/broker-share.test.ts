import net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic } from '@prometheus/protocol';
import { loadConfig, type ExternalBrokerSettings } from '../apps/hub/src/config.js';
import type { TargetsService } from '../apps/hub/src/modules/fleet/targets-service.js';
import type { DeviceLink } from '../apps/hub/src/mqtt/device-link.js';
import { createExternalLink } from '../apps/hub/src/mqtt/external-link.js';
import { startTestBroker, type TestBroker } from './broker/mosquitto.js';
import { removeTempDirs, tempDir, waitFor } from './edge-link/harness.js';

// Two hub replicas' device links on one Mosquitto, consuming through the shared subscription
// ($share/prometheus-hub/...): every message is handled by exactly one of them, each replica handles a device's
// messages in the order the device sent them, and the PUBACK to the broker waits for the handler.
let broker: TestBroker;
let settings: ExternalBrokerSettings;
const links: DeviceLink[] = [];
const clients: MqttClient[] = [];
// Presence writes are not what this test counts.
const targets = { recordStatus: async () => undefined, setOnline: async () => undefined } as unknown as TargetsService;

beforeAll(async () => {
  broker = await startTestBroker(tempDir('mosquitto-share'));
  settings = loadConfig({ ...broker.env, PROMETHEUS_DATA_DIR: tempDir('unused') }).mqtt.external!;
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await Promise.all(links.splice(0).map((l) => l.stop()));
});
afterAll(async () => {
  await broker?.stop();
  removeTempDirs();
});

interface Replica { link: DeviceLink; handled: { deviceId: string; seq: number }[]; mostAtOnce: number }

async function replica(name: string, storeMs: number, via: Partial<ExternalBrokerSettings> = {}): Promise<Replica> {
  const link = createExternalLink({ settings: { ...settings, ...via }, targets, log: pino({ level: 'silent' }).child({ replica: name }) });
  const r: Replica = { link, handled: [], mostAtOnce: 0 };
  let inside = 0;
  link.onDeviceMessage('telemetry', async (deviceId, payload) => {
    r.mostAtOnce = Math.max(r.mostAtOnce, (inside += 1));
    await new Promise((done) => setTimeout(done, storeMs)); // a commit
    inside -= 1;
    r.handled.push({ deviceId, seq: (JSON.parse(payload.toString()) as { seq: number }).seq });
  }, { beforeAck: true });
  await link.start();
  links.push(link);
  return r;
}

async function device(link: DeviceLink, id: string): Promise<MqttClient> {
  const secret = `secret-${id}`;
  await link.provisionDevice(id, secret);
  const c = await new Promise<MqttClient>((resolve, reject) => {
    // MQTT 3.1.1, as the agent speaks it.
    const client = mqtt.connect(broker.publicUrl, { clientId: id, username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0 });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
  clients.push(c);
  return c;
}

/** A TCP relay to the broker whose open connections can be cut, as a network fault would (no DISCONNECT). */
async function cuttableRelay(): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const target = new URL(settings.url);
  const open = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(target.port), target.hostname);
    for (const s of [inbound, outbound]) {
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => { open.delete(s); inbound.destroy(); outbound.destroy(); });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    cut: () => { for (const s of open) s.destroy(); },
    close: () => new Promise((r) => { for (const s of open) s.destroy(); server.close(() => r()); }),
  };
}

describe('two replicas on one broker', () => {
  it('hand each device message to exactly one replica, in order per replica', async () => {
    const a = await replica('a', 2);
    const b = await replica('b', 3);
    const ids = ['tgt_shareAAAAAA', 'tgt_shareBBBBBB', 'tgt_shareCCCCCC'];
    const devices = await Promise.all(ids.map((id) => device(a.link, id)));
    const perDevice = 150;
    await Promise.all(devices.map(async (c, i) => {
      for (let seq = 1; seq <= perDevice; seq++) await c.publishAsync(deviceTopic(ids[i]!, 'telemetry'), JSON.stringify({ seq }), { qos: 1 });
    }));
    const total = ids.length * perDevice;
    await waitFor('every message handled', () => a.handled.length + b.handled.length >= total, 30_000);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
    const all = [...a.handled, ...b.handled].map((h) => `${h.deviceId}:${h.seq}`);
    expect(all.length).toBe(total);
    expect(new Set(all).size).toBe(total);
    // Both replicas did part of the work.
    expect(a.handled.length).toBeGreaterThan(total / 10);
    expect(b.handled.length).toBeGreaterThan(total / 10);
    for (const r of [a, b]) {
      for (const id of ids) {
        const seqs = r.handled.filter((h) => h.deviceId === id).map((h) => h.seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      }
    }
  });

  it('one replica handles devices side by side, each device in order', async () => {
    const a = await replica('side', 40);
    const ids = Array.from({ length: 8 }, (_, i) => `tgt_side${String(i).padStart(7, '0')}`);
    const devices = await Promise.all(ids.map((id) => device(a.link, id)));
    await Promise.all(devices.map(async (c, i) => {
      for (let seq = 1; seq <= 5; seq++) await c.publishAsync(deviceTopic(ids[i]!, 'telemetry'), JSON.stringify({ seq }), { qos: 1 });
    }));
    await waitFor('every message handled', () => a.handled.length >= ids.length * 5, 15_000);
    for (const id of ids) expect(a.handled.filter((h) => h.deviceId === id).map((h) => h.seq)).toEqual([1, 2, 3, 4, 5]);
    // One message at a time would never hold two at once: a commit round trip per message was the limit. (Each
    // PUBACK to the broker still waits for its commit: ordered-acks.test.ts, and the cut-connection test below.)
    expect(a.mostAtOnce).toBeGreaterThan(1);
  });

  it('a replica that stops leaves the whole stream to the other', async () => {
    const a = await replica('a2', 1);
    const b = await replica('b2', 1);
    const id = 'tgt_shareDDDDDD';
    const c = await device(a.link, id);
    await b.link.stop();
    for (let seq = 1; seq <= 50; seq++) await c.publishAsync(deviceTopic(id, 'telemetry'), JSON.stringify({ seq }), { qos: 1 });
    await waitFor('all on the survivor', () => a.handled.filter((h) => h.deviceId === id).length === 50, 15_000);
    expect(b.handled.filter((h) => h.deviceId === id)).toEqual([]);
  });

  it('a consumer connection cut mid-stream loses nothing: the session keeps what was in flight and what came meanwhile', async () => {
    // One replica, reached through a relay that is cut twice while a device publishes (QoS 1, never resending:
    // the broker acknowledged each publish, so only the hub's session can still deliver it).
    const relay = await cuttableRelay();
    try {
      const a = await replica('cut', 4, { url: relay.url });
      const id = 'tgt_shareEEEEEE';
      const c = await device(a.link, id);
      const total = 300;
      for (let seq = 1; seq <= total; seq++) {
        if (seq === 100 || seq === 200) relay.cut();
        await c.publishAsync(deviceTopic(id, 'telemetry'), JSON.stringify({ seq }), { qos: 1 });
      }
      const seqs = () => new Set(a.handled.filter((h) => h.deviceId === id).map((h) => h.seq));
      await waitFor('every message handled after the cuts', () => seqs().size === total, 30_000);
      // A message handled just before a cut took its PUBACK with it and comes again (the store dedupes it).
      expect(a.handled.length - total).toBeLessThanOrEqual(2 * 50);
    } finally {
      // Stopped while the relay still reaches the broker, so its session ends now and keeps no share.
      await Promise.all(links.splice(0).map((l) => l.stop()));
      await relay.close();
    }
  });

  it('a replica restarted under the same PROMETHEUS_REPLICA_ID takes back what arrived while it was down', async () => {
    const first = await replica('stable-1', 1, { stableId: 'replica-7' });
    const id = 'tgt_shareFFFFFF';
    const c = await device(first.link, id);
    await first.link.stop();
    for (let seq = 1; seq <= 40; seq++) await c.publishAsync(deviceTopic(id, 'telemetry'), JSON.stringify({ seq }), { qos: 1 });
    const again = await replica('stable-2', 1, { stableId: 'replica-7' });
    await waitFor('the messages held for the replica', () => again.handled.length === 40, 15_000);
    expect(again.handled.map((h) => h.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});
