import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic, type EnrollResponse } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../../test/harness.js';

// POST /api/v1/mqtt/auth and /acl: the hub as the auth and ACL service of a clustered broker (EMQX, VerneMQ).
// The broker proves itself with the shared secret; devices with their enrollment credentials (checked against
// the stored hash); a device may touch only its own subtree, and a revoked one nothing.
const SECRET = 'hook-secret-0123456789abcdef';
const HUB_USER = 'prometheus-hub';
const HUB_PASSWORD = 'hub-password-1';
let t: TestHub;
let off: TestHub;

beforeAll(async () => {
  // MQTT_URL gives the hooks the hub's own login; the hub is not started, so nothing connects to it.
  t = await createTestHub({ MQTT_HOOK_SECRET: SECRET, MQTT_URL: `mqtt://${HUB_USER}:${HUB_PASSWORD}@127.0.0.1:9` });
  off = await createTestHub();
});
afterAll(async () => {
  await t.close();
  await off.close();
});

async function enrolled(): Promise<EnrollResponse & { token: string }> {
  const token = await t.adminToken();
  const created = await t.request('POST', '/api/v1/deployments/targets', { token, json: { name: 'Hooked AHU', arch: 'arm64' } });
  const { enrollment_token } = (await created.json()) as { enrollment_token: string };
  const res = await t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token } });
  expect(res.status).toBe(201);
  return { ...((await res.json()) as EnrollResponse), token };
}

const hook = (hub: TestHub, route: 'auth' | 'acl', json: unknown, secret = SECRET) =>
  hub.request('POST', `/api/v1/mqtt/${route}`, { json, ...(secret ? { headers: { authorization: `Bearer ${secret}` } } : {}) });

async function result(route: 'auth' | 'acl', json: unknown): Promise<string> {
  const res = await hook(t, route, json);
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: string }).result;
}

describe('broker hooks', () => {
  it('refuse callers without the shared secret (401), malformed bodies (400), and answer 404 when off', async () => {
    const body = { clientid: 'tgt_abcdef12', username: 'tgt_abcdef12', password: 'x' };
    const missing = await hook(t, 'auth', body, '');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await hook(t, 'acl', { ...body, topic: 'a', action: 'publish' }, 'wrong-secret-wrong-secret-1')).status).toBe(401);
    const bad = await hook(t, 'acl', { clientid: 'tgt_abcdef12', username: 'tgt_abcdef12', topic: 'a', action: 'delete' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { details: string }).details).toContain('action');
    expect((await hook(t, 'auth', { username: 'x' })).status).toBe(400);
    const disabled = await hook(off, 'auth', body);
    expect(disabled.status).toBe(404);
    expect(((await disabled.json()) as { details: string }).details).toContain('MQTT_HOOK_SECRET');
  });

  it('authenticate devices by their enrollment credentials and the hub by its own login', async () => {
    const d = await enrolled();
    expect(await result('auth', { clientid: d.device_id, username: d.device_id, password: d.device_secret })).toBe('allow');
    expect(await result('auth', { clientid: d.device_id, username: d.device_id, password: `${d.device_secret}x` })).toBe('deny');
    expect(await result('auth', { clientid: 'someone-else', username: d.device_id, password: d.device_secret })).toBe('deny');
    expect(await result('auth', { clientid: d.device_id, username: d.device_id, password: '' })).toBe('deny');
    const hub = await hook(t, 'auth', { clientid: 'prometheus-hub-1-in', username: HUB_USER, password: HUB_PASSWORD });
    expect(await hub.json()).toEqual({ result: 'allow', is_superuser: true });
    expect(await result('auth', { clientid: 'prometheus-hub-1-in', username: HUB_USER, password: 'guess' })).toBe('deny');
  });

  it('confine a device to its own leaves, and a revoked one to nothing', async () => {
    const d = await enrolled();
    const other = await enrolled();
    const acl = (topic: string, action: 'publish' | 'subscribe') => result('acl', { clientid: d.device_id, username: d.device_id, topic, action });
    expect(await acl(deviceTopic(d.device_id, 'telemetry'), 'publish')).toBe('allow');
    expect(await acl(deviceTopic(d.device_id, 'ack'), 'subscribe')).toBe('allow');
    expect(await acl(`prometheus/v1/devices/${d.device_id}/deploy/#`, 'subscribe')).toBe('allow');
    expect(await acl(deviceTopic(d.device_id, 'ack'), 'publish')).toBe('deny');
    expect(await acl(deviceTopic(other.device_id, 'telemetry'), 'publish')).toBe('deny');
    expect(await acl(deviceTopic(other.device_id, 'ack'), 'subscribe')).toBe('deny');
    expect(await acl('#', 'subscribe')).toBe('deny');
    expect(await acl('prometheus/v1/devices/+/telemetry', 'subscribe')).toBe('deny');
    expect(await acl(`$share/g/prometheus/v1/devices/${d.device_id}/ack`, 'subscribe')).toBe('deny');
    expect(await result('acl', { clientid: 'x', username: HUB_USER, topic: '$share/prometheus-hub/prometheus/v1/devices/+/telemetry', action: 'subscribe' })).toBe('allow');

    expect((await t.request('POST', `/api/v1/deployments/targets/${d.device_id}/revoke`, { token: d.token })).status).toBe(200);
    expect(await acl(deviceTopic(d.device_id, 'telemetry'), 'publish')).toBe('deny');
    expect(await result('auth', { clientid: d.device_id, username: d.device_id, password: d.device_secret })).toBe('deny');
  });

  it('are not held to the per-address API limit (every check of a fleet comes from the broker)', async () => {
    const limited = await createTestHub({ MQTT_HOOK_SECRET: SECRET, RATE_LIMIT_API_PER_MIN: '5' });
    try {
      for (let i = 0; i < 12; i++) {
        const res = await hook(limited, 'auth', { clientid: 'tgt_abcdef12', username: 'tgt_abcdef12', password: 'x' });
        expect(res.status).toBe(200);
      }
    } finally {
      await limited.close();
    }
  });
});
