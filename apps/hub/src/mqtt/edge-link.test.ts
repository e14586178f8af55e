import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { deviceTopic, type EnrollResponse, type TelemetryAck } from '@prometheus/protocol';
import { createTestHub, testClock, type TestHub } from '../test/harness.js';

// The edge link in-process: REST enrollment, the broker's CONNECT auth and ACL, telemetry ingest and acks.
let t: TestHub;
let mqttUrl: string;
let httpPort: number;

beforeAll(async () => {
  t = await createTestHub();
  httpPort = await t.hub.start();
  mqttUrl = `mqtt://127.0.0.1:${t.hub.services.broker.port()}`;
});
afterAll(() => t.close());

async function enrolledTarget(token?: string): Promise<EnrollResponse & { token: string }> {
  const owner = token ?? await t.adminToken();
  const created = await t.request('POST', '/api/v1/deployments/targets', { token: owner, json: { name: 'Warren AHU-1', arch: 'armv7' } });
  expect(created.status).toBe(201);
  const { enrollment_token } = (await created.json()) as { enrollment_token: string };
  const res = await t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token, agent_version: '0.1.0' } });
  expect(res.status).toBe(201);
  return { ...((await res.json()) as EnrollResponse), token: owner };
}

function connect(opts: IClientOptions, url = mqttUrl): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

const asDevice = (d: EnrollResponse, extra: IClientOptions = {}) =>
  connect({ clientId: d.device_id, username: d.device_id, password: d.device_secret, ...extra });

const batch = (from: number, n: number, dropped: { from: number; to: number }[] = []) => JSON.stringify({
  v: 1, seq_from: from, dropped,
  readings: Array.from({ length: n }, (_, i) => ({ ts: 1_700_000_000_000 + (from + i) * 1000, values: { supply_temp: from + i } })),
});

async function publishForAck(c: MqttClient, deviceId: string, payload: string): Promise<TelemetryAck> {
  const ack = new Promise<TelemetryAck>((resolve) => c.once('message', (_t, p) => resolve(JSON.parse(p.toString()) as TelemetryAck)));
  await c.publishAsync(deviceTopic(deviceId, 'telemetry'), payload, { qos: 1 });
  return ack;
}

describe('targets and enrollment', () => {
  it('creates, lists per owner, renames and refuses viewers and spent tokens', async () => {
    const op = await t.userWithRole('operator');
    const other = await t.userWithRole('operator');
    const viewer = await t.userWithRole('viewer');
    expect((await t.request('POST', '/api/v1/deployments/targets', { token: viewer.token, json: { name: 'x' } })).status).toBe(403);
    const created = await t.request('POST', '/api/v1/deployments/targets', { token: op.token, json: { name: 'Boiler 2', ip: '10.0.0.9' } });
    const body = (await created.json()) as { id: string; status: string; enrollment_token: string };
    expect(body.status).toBe('pending');
    const mine = (await (await t.request('GET', '/api/v1/deployments/targets', { token: op.token })).json()) as { id: string }[];
    expect(mine.map((x) => x.id)).toEqual([body.id]);
    const theirs = (await (await t.request('GET', '/api/v1/deployments/targets', { token: other.token })).json()) as unknown[];
    expect(theirs).toEqual([]);
    expect((await t.request('PATCH', `/api/v1/deployments/targets/${body.id}`, { token: other.token, json: { name: 'y' } })).status).toBe(404);
    const enroll = () => t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token: body.enrollment_token } });
    expect((await enroll()).status).toBe(201);
    // A rename reaches the target's dataset too.
    const renamed = await t.request('PATCH', `/api/v1/deployments/targets/${body.id}`, { token: op.token, json: { name: 'Boiler 3' } });
    const view = (await renamed.json()) as { name: string; dataset_id: string };
    expect(view.name).toBe('Boiler 3');
    const ds = (await (await t.request('GET', `/api/v1/datasets/${view.dataset_id}`, { token: op.token })).json()) as { target_name: string; source: string };
    expect(ds).toMatchObject({ target_name: 'Boiler 3', source: 'edge' });
    expect((await enroll()).status).toBe(400);
    expect((await t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token: 'x'.repeat(43) } })).status).toBe(400);
  });
});

describe('enrollment tokens', () => {
  it('expire', async () => {
    const clock = testClock();
    const h = await createTestHub({ ENROLLMENT_TOKEN_TTL_HOURS: '1' }, { clock });
    try {
      const created = await h.request('POST', '/api/v1/deployments/targets', { token: await h.adminToken(), json: { name: 'Late' } });
      const { enrollment_token } = (await created.json()) as { enrollment_token: string };
      clock.advance(3_600_001);
      expect((await h.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token } })).status).toBe(400);
    } finally {
      await h.close();
    }
  });
});

describe('broker access', () => {
  it('refuses bad credentials and a client id that is not the device id', async () => {
    const d = await enrolledTarget();
    await expect(connect({ clientId: d.device_id, username: d.device_id, password: 'wrong' })).rejects.toThrow(/Bad username or password/i);
    await expect(connect({ clientId: 'other', username: d.device_id, password: d.device_secret })).rejects.toThrow(/Not authorized/i);
    await expect(connect({ clientId: 'anon' })).rejects.toThrow();
  });

  it('keeps a device inside its own subtree', async () => {
    const a = await enrolledTarget();
    const b = await enrolledTarget();
    const ca = await asDevice(a);
    await expect(ca.subscribeAsync(deviceTopic(b.device_id, 'ack'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    const own = await ca.subscribeAsync(deviceTopic(a.device_id, 'ack'), { qos: 1 });
    expect(own[0]?.qos).toBe(1);
    const closed = new Promise<void>((resolve) => ca.once('close', () => resolve()));
    ca.publish(deviceTopic(b.device_id, 'telemetry'), batch(1, 1), { qos: 1 });
    await closed;
    ca.end(true);
    const list = (await (await t.request('GET', `/api/v1/deployments/targets/${b.device_id}`, { token: await t.adminToken() })).json()) as { readings_stored: number };
    expect(list.readings_stored).toBe(0);
  });
});

describe('telemetry ingest', () => {
  it('stores each sequence once, acks the highest contiguous one and reports gaps', async () => {
    const d = await enrolledTarget();
    const c = await asDevice(d);
    await c.subscribeAsync(deviceTopic(d.device_id, 'ack'), { qos: 1 });
    expect(await publishForAck(c, d.device_id, batch(1, 50))).toMatchObject({ ack_seq: 50, stored: 50, gaps: [] });
    expect(await publishForAck(c, d.device_id, batch(1, 50))).toMatchObject({ ack_seq: 50, stored: 0 });
    expect(await publishForAck(c, d.device_id, batch(101, 50))).toMatchObject({ ack_seq: 50, stored: 50, gaps: [{ from: 51, to: 100 }] });
    expect(await publishForAck(c, d.device_id, batch(41, 30))).toMatchObject({ ack_seq: 70, stored: 20, gaps: [{ from: 71, to: 100 }] });
    // The agent evicted 71..100 before sending them: lost, and the ack moves past them.
    expect(await publishForAck(c, d.device_id, batch(151, 10, [{ from: 71, to: 100 }]))).toMatchObject({ ack_seq: 160, lost_total: 30, gaps: [] });
    c.end(true);
    const target = (await (await t.request('GET', `/api/v1/deployments/targets/${d.device_id}`, { token: d.token })).json()) as { readings_stored: number; dropped_total: number };
    expect(target).toMatchObject({ readings_stored: 130, dropped_total: 30 });
    // Handed to the target's dataset exactly once, in sequence order; the journal is then empty.
    await t.hub.services.fleet.handover.idle();
    const { dataset_id } = (await (await t.request('GET', `/api/v1/deployments/targets/${d.device_id}`, { token: d.token })).json()) as { dataset_id: string };
    const ds = (await (await t.request('GET', `/api/v1/datasets/${dataset_id}`, { token: d.token })).json()) as { row_count: number; source: string; target_name: string };
    expect(ds).toMatchObject({ row_count: 130, source: 'edge', target_name: 'Warren AHU-1' });
    const csv = await (await t.request('GET', `/api/v1/datasets/${dataset_id}/export`, { token: d.token })).text();
    const temps = csv.trim().split('\n').slice(1).map((line) => Number(line.split(',')[1]));
    expect(temps).toEqual([...Array.from({ length: 70 }, (_, i) => i + 1), ...Array.from({ length: 60 }, (_, i) => i + 101)]);
    expect(await t.hub.store.rows(sql`select count(*) as n from edge_ingest_batches where device_id = ${d.device_id}`)).toEqual([{ n: 0 }]);
  });
});

describe('presence and revocation', () => {
  it('shows online and offline from the session and the last will, and cuts a revoked target off', async () => {
    const d = await enrolledTarget();
    const status = (s: string) => JSON.stringify({ v: 1, state: s, version: '9.9.9', outbox_depth: 3 });
    const c = await asDevice(d, { will: { topic: deviceTopic(d.device_id, 'status'), payload: Buffer.from(status('offline')), qos: 1, retain: true } });
    await c.publishAsync(deviceTopic(d.device_id, 'status'), status('online'), { qos: 1, retain: true });
    const view = async () => (await (await t.request('GET', `/api/v1/deployments/targets/${d.device_id}`, { token: d.token })).json()) as { status: string; agent_version: string; last_seen: string | null };
    await expect.poll(view).toMatchObject({ status: 'online', agent_version: '9.9.9' });
    c.stream.destroy(); // no DISCONNECT: the broker publishes the will
    await expect.poll(async () => (await view()).status).toBe('offline');

    const again = await asDevice(d);
    await expect.poll(async () => (await view()).status).toBe('online');
    const closed = new Promise<void>((resolve) => again.once('close', () => resolve()));
    expect((await t.request('POST', `/api/v1/deployments/targets/${d.device_id}/revoke`, { token: d.token })).status).toBe(200);
    await closed;
    again.end(true);
    await expect(asDevice(d)).rejects.toThrow(/Bad username or password/i);
    expect((await view()).status).toBe('revoked');
  });
});

describe('console over WebSocket', () => {
  it('lets a user watch the targets they may see, read-only', async () => {
    const op = await t.userWithRole('operator');
    const mine = await enrolledTarget(op.token);
    const notMine = await enrolledTarget();
    const ws = await connect({ clientId: 'console-1', username: 'console', password: op.token }, `ws://127.0.0.1:${httpPort}/mqtt`);
    expect((await ws.subscribeAsync(deviceTopic(mine.device_id, 'status')))[0]?.qos).toBe(0);
    await expect(ws.subscribeAsync(deviceTopic(notMine.device_id, 'status'))).rejects.toThrow(/Subscribe error/);
    await expect(ws.subscribeAsync('prometheus/v1/devices/+/status')).rejects.toThrow(/Subscribe error/);
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.publish(deviceTopic(mine.device_id, 'deploy'), '{}', { qos: 1 });
    await closed;
    ws.end(true);
    await expect(connect({ clientId: mine.device_id, username: 'console', password: op.token })).rejects.toThrow(/Not authorized/i);
    await expect(connect({ clientId: 'c2', username: 'console', password: 'not-a-token' })).rejects.toThrow(/Bad username/i);
  });
});
