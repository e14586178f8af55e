import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryAck, deviceTopic, parseMessage } from '@prometheus/protocol';
import { startAegisDbFake, type AegisDbFake } from './fakes/index.js';
import { startTestBroker, type TestBroker } from './broker/mosquitto.js';
import {
  adminToken, agentSpec, api, checksum, datasetSamples, enrollAgent, killAll, range, removeTempDirs, samples, startAgent, startHub,
  target, tempDir, waitFor, freePort, type HubProc,
} from './edge-link/harness.js';

// The external-broker tier end to end: Mosquitto 2 with dynamic security started by `npm run broker`'s script
// on a free port, a hub process pointed at it by the hub.env the script wrote, and a real agent enrolled through
// the hub. The agent changes nothing: enrollment hands it Mosquitto's address and its device credentials,
// which the hub provisioned over $CONTROL/dynamic-security/v1.
let broker: TestBroker;
let hub: HubProc;
let token: string;
const fakes: AegisDbFake[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await startTestBroker(tempDir('mosquitto'));
  // startHub waits for something on its MQTT port: the broker's (the hub opens none of its own here).
  hub = await startHub({ dataDir: tempDir('ext-hub'), port: await freePort(), mqttPort: broker.port }, broker.env);
  token = await adminToken(hub.url);
});
afterAll(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await killAll();
  await broker?.stop();
  await Promise.all(fakes.map((f) => f.close()));
  removeTempDirs();
});

function connect(url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    clients.push(c);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** The SUBACK's code for one topic (mqtt.js rejects a refused subscription; the code is on the error's packet). */
async function subscribeCode(c: MqttClient, topic: string): Promise<number | undefined> {
  try {
    return (await c.subscribeAsync(topic, { qos: 1 }))[0]?.qos;
  } catch (err) {
    const packet = (err as { packet?: { granted?: number[] } }).packet;
    if (!packet?.granted) throw err;
    return packet.granted[0];
  }
}

/** The PUBACK's reason code (MQTT 5; mqtt.js rejects a refused publish with the code on the error). */
async function publishCode(c: MqttClient, topic: string, payload: string): Promise<number | undefined> {
  try {
    const ack = await c.publishAsync(topic, payload, { qos: 1 });
    return ack && 'reasonCode' in ack ? ack.reasonCode ?? 0 : 0;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (typeof code !== 'number') throw err;
    return code;
  }
}

interface Credentials { device_id: string; device_secret: string; mqtt_url: string }
const credentialsOf = (stateDir: string) => JSON.parse(fs.readFileSync(path.join(stateDir, 'credentials.json'), 'utf8')) as Credentials;

describe('hub on an external Mosquitto (dynamic security)', () => {
  it('hub.env points the hub at the broker; agents get the broker address without the hub\'s credentials', () => {
    expect(broker.env.MQTT_URL).toMatch(new RegExp(`^mqtt://[^:]+:[^@]+@127\\.0\\.0\\.1:${broker.port}$`));
    expect(broker.env.MQTT_PUBLIC_URL).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(fs.statSync(path.join(broker.dir, 'hub.env')).mode & 0o777).toBe(0o600);
  });

  it('device credentials work on Mosquitto and are confined to the device\'s own subtree', async () => {
    const spec = agentSpec({ source: { kind: 'aegis', url: 'http://127.0.0.1:9', page_size: 100 } });
    const id = await enrollAgent(hub.url, token, spec, 'Confined AHU');
    const other = await enrollAgent(hub.url, token, agentSpec({ source: { kind: 'aegis', url: 'http://127.0.0.1:9' } }), 'Other AHU');
    const creds = credentialsOf(spec.stateDir);
    expect(creds.mqtt_url).toBe(broker.publicUrl);

    // The agent's protocol (MQTT 3.1.1): `#` refused (SUBACK 0x80), its own ack topic granted.
    const v3 = await connect(creds.mqtt_url, { clientId: id, username: id, password: creds.device_secret, protocolVersion: 4 });
    expect(await subscribeCode(v3, '#')).toBe(128);
    expect(await subscribeCode(v3, deviceTopic(other, 'ack'))).toBe(128);
    expect(await subscribeCode(v3, deviceTopic(id, 'ack'))).toBe(1);
    v3.end(true);

    // MQTT 5 says why a publish is refused: 135 (not authorized) on another device's topic, 0 on its own.
    const watcher = await connect(broker.adminUrl, { clientId: `watch-${id}`, protocolVersion: 5 });
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    await watcher.subscribeAsync(`prometheus/v1/devices/${other}/#`, { qos: 1 });
    const v5 = await connect(creds.mqtt_url, { clientId: id, username: id, password: creds.device_secret, protocolVersion: 5 });
    expect(await publishCode(v5, deviceTopic(other, 'telemetry'), 'x')).toBe(135);
    expect(await publishCode(v5, deviceTopic(other, 'status'), 'x')).toBe(135);
    expect(await publishCode(v5, deviceTopic(id, 'ack'), 'x')).toBe(135); // only the hub answers on ack
    expect(await publishCode(v5, deviceTopic(id, 'inference'), '{}')).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
    v5.end(true);

    // A wrong secret, or another client id, is refused at CONNECT.
    await expect(connect(creds.mqtt_url, { clientId: id, username: id, password: 'wrong', protocolVersion: 4 })).rejects.toThrow();
    await expect(connect(creds.mqtt_url, { clientId: `${id}x`, username: id, password: creds.device_secret, protocolVersion: 4 })).rejects.toThrow();
  });

  it('telemetry from a real agent is stored exactly once, acknowledged only after commit; revocation cuts it off at once', async () => {
    const db = await startAegisDbFake({ mode: 'old' });
    fakes.push(db);
    db.insert('hardware_metrics', samples(0, 600));
    const spec = agentSpec({ source: { kind: 'aegis', url: db.url, page_size: 100 } });
    const id = await enrollAgent(hub.url, token, spec, 'Telemetry AHU');

    // Every ack the hub sends must be covered by what the hub's store already holds.
    const watcher = await connect(broker.adminUrl, { clientId: `acks-${id}`, protocolVersion: 5 });
    const acks: number[] = [];
    const ahead: string[] = [];
    watcher.on('message', (_topic, payload) => {
      const ack = parseMessage(TelemetryAck, payload);
      if (!ack) return;
      acks.push(ack.ack_seq);
      void target(hub.url, token, id).then((t) => {
        if (t.readings_stored < ack.ack_seq) ahead.push(`ack ${ack.ack_seq} with ${t.readings_stored} stored`);
      });
    });
    await watcher.subscribeAsync(deviceTopic(id, 'ack'), { qos: 1 });

    const agent = startAgent(spec);
    const t = await waitFor('600 readings stored', async () => {
      const v = await target(hub.url, token, id);
      return v.readings_stored >= 600 && v.dataset_id ? v : undefined;
    }, 90_000);
    const rows = await waitFor('dataset rows', async () => {
      const r = await datasetSamples(hub.url, token, t.dataset_id!);
      return r.length >= 600 ? r : undefined;
    });
    expect(checksum(rows)).toBe(checksum(range(0, 600)));
    await waitFor('last ack', () => acks.includes(600), 20_000);
    await waitFor('online from the retained status', async () => (await target(hub.url, token, id)).status === 'online', 20_000);
    expect((await target(hub.url, token, id)).readings_stored).toBe(600);
    expect(ahead).toEqual([]);

    // Revoke: Mosquitto drops the session at once and refuses the credentials; the retained status is cleared.
    const cleared: number[] = [];
    watcher.on('message', (topic, payload) => {
      if (topic === deviceTopic(id, 'status') && payload.length === 0) cleared.push(Date.now());
    });
    await watcher.subscribeAsync(deviceTopic(id, 'status'), { qos: 1 });
    const before = agent.lines.length;
    const revokedAt = Date.now();
    expect((await api(hub.url, 'POST', `/api/v1/deployments/targets/${id}/revoke`, token)).status).toBe(200);
    await waitFor('agent refused by the broker', () => agent.lines.slice(before).some((l) => l.includes('Not authorized')), 5_000, 20);
    expect(Date.now() - revokedAt).toBeLessThan(2_000);
    await waitFor('retained status cleared', () => cleared.length > 0, 5_000, 20);
    expect((await target(hub.url, token, id)).status).toBe('revoked');
    const creds = credentialsOf(spec.stateDir);
    await expect(connect(creds.mqtt_url, { clientId: `${id}`, username: id, password: creds.device_secret, protocolVersion: 4 })).rejects.toThrow();
    db.insert('hardware_metrics', samples(600, 700));
    await new Promise((r) => setTimeout(r, 1500));
    expect((await target(hub.url, token, id)).readings_stored).toBe(600);
    await agent.kill();
  });

  it('the console\'s MQTT over WebSocket on the hub sees device messages that went through Mosquitto; devices cannot log in there', async () => {
    const spec = agentSpec({ source: { kind: 'aegis', url: 'http://127.0.0.1:9' } });
    const id = await enrollAgent(hub.url, token, spec, 'Watched AHU');
    const creds = credentialsOf(spec.stateDir);
    const wsUrl = `ws://127.0.0.1:${new URL(hub.url).port}/mqtt`;
    const consoleClient = await connect(wsUrl, { clientId: `console-${id}`, username: 'console', password: token, protocolVersion: 4 });
    const seen: { topic: string; payload: string }[] = [];
    consoleClient.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
    expect(await subscribeCode(consoleClient, deviceTopic(id, 'inference'))).toBe(1);
    expect(await subscribeCode(consoleClient, 'prometheus/v1/devices/+/status')).toBe(1);

    const device = await connect(creds.mqtt_url, { clientId: id, username: id, password: creds.device_secret, protocolVersion: 4 });
    const score = JSON.stringify({ v: 1, kind: 'probe', at: new Date().toISOString() });
    await device.publishAsync(deviceTopic(id, 'inference'), score, { qos: 1 });
    await waitFor('relayed to the console', () => seen.some((m) => m.topic === deviceTopic(id, 'inference') && m.payload === score), 5_000, 20);
    device.end(true);

    // The hub's own WebSocket is for the console only in this mode: device logins go to the broker.
    await expect(connect(wsUrl, { clientId: id, username: id, password: creds.device_secret, protocolVersion: 4 })).rejects.toThrow();
  });

  it('enrollment while the broker is away answers 503 and leaves the token usable; the hub reconnects by itself', async () => {
    const created = await api<{ id: string; enrollment_token: string }>(hub.url, 'POST', '/api/v1/deployments/targets', token, { name: 'Patient AHU', arch: 'x64' });
    await broker.stop();
    // The replica says so: not ready while its broker link is down (a load balancer takes it out), alive all the same.
    await waitFor('the hub to report its broker link down', async () => (await fetch(`${hub.url}/health/ready`)).status === 503, 10_000, 100);
    const down = await api<{ code: string; error: string }>(hub.url, 'GET', '/health/ready', undefined);
    expect(down.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', error: 'hub not ready: the external MQTT broker link is down (reconnecting)' });
    expect((await api<{ status: string; ready: boolean }>(hub.url, 'GET', '/health', undefined)).body).toMatchObject({ status: 'ok', ready: false });
    const refused = await api<{ code: string; details: string }>(hub.url, 'POST', '/api/v1/deployments/targets/enroll', undefined, { enrollment_token: created.body.enrollment_token });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(refused.body.details).toContain('still valid');
    broker = await startTestBroker(broker.dir, broker.port);
    const enrolled = await waitFor('enrollment after the broker is back', async () => {
      const r = await api<{ device_id: string; device_secret: string }>(hub.url, 'POST', '/api/v1/deployments/targets/enroll', undefined, { enrollment_token: created.body.enrollment_token });
      return r.status === 201 ? r.body : undefined;
    }, 30_000, 500);
    await waitFor('the hub ready again', async () => (await fetch(`${hub.url}/health/ready`)).status === 200, 10_000, 100);
    const device = await connect(broker.publicUrl, { clientId: enrolled.device_id, username: enrolled.device_id, password: enrolled.device_secret, protocolVersion: 4 });
    expect(device.connected).toBe(true);
  }, 60_000);
});
