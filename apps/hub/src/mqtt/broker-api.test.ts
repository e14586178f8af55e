import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrollResponse } from '@prometheus/protocol';
import { startEmqxApiFake, type EmqxApiFake } from '../../../../test/fakes/emqx-api.js';
import { loadConfig } from '../config.js';
import { createTestHub, type TestHub } from '../test/harness.js';

// A clustered broker in http-hooks mode: revoking a target also closes its open session through the broker's
// management API (EMQX 5, MQTT_BROKER_API_URL), instead of waiting for the device's next message to be refused.
const SECRET = 'hook-secret-0123456789abcdef';
let emqx: EmqxApiFake;
let t: TestHub;

beforeAll(async () => {
  emqx = await startEmqxApiFake({ apiKey: 'hub-key', secretKey: 's3cret/key' });
  const api = new URL(emqx.url);
  api.username = 'hub-key';
  api.password = encodeURIComponent('s3cret/key');
  // The hub is not started: nothing connects to MQTT_URL; revocation still goes through the link.
  t = await createTestHub({
    MQTT_URL: 'mqtt://prometheus-hub:hub-password@127.0.0.1:9', MQTT_DEVICE_AUTH: 'http-hooks', MQTT_HOOK_SECRET: SECRET,
    MQTT_BROKER_API_URL: api.toString(),
  });
});
afterAll(async () => {
  await t?.close();
  await emqx?.close();
});

async function enrolled(name: string): Promise<EnrollResponse & { token: string }> {
  const token = await t.adminToken();
  const created = await t.request('POST', '/api/v1/deployments/targets', { token, json: { name, arch: 'arm64' } });
  const { enrollment_token } = (await created.json()) as { enrollment_token: string };
  const res = await t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token } });
  expect(res.status).toBe(201);
  return { ...((await res.json()) as EnrollResponse), token };
}

const authHook = async (d: EnrollResponse) => {
  const res = await t.request('POST', '/api/v1/mqtt/auth', {
    json: { clientid: d.device_id, username: d.device_id, password: d.device_secret }, headers: { authorization: `Bearer ${SECRET}` },
  });
  return ((await res.json()) as { result: string }).result;
};

describe('revocation through the broker API (http-hooks)', () => {
  it('closes the revoked device\'s session at once, with the API key', async () => {
    const d = await enrolled('Kicked AHU');
    emqx.connect(d.device_id);
    emqx.clearRequests();
    const res = await t.request('POST', `/api/v1/deployments/targets/${d.device_id}/revoke`, { token: d.token });
    expect(res.status).toBe(200);
    expect(emqx.connected.has(d.device_id)).toBe(false);
    expect(emqx.requests).toHaveLength(1);
    expect(emqx.requests[0]).toMatchObject({ method: 'DELETE', path: `/api/v5/clients/${d.device_id}` });
    expect(emqx.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('hub-key:s3cret/key').toString('base64')}`);
    expect(await authHook(d)).toBe('deny');
  });

  it('a device not connected is fine (404); a failing broker API is retried once and the revocation still holds', async () => {
    const idle = await enrolled('Idle AHU');
    emqx.clearRequests();
    expect((await t.request('POST', `/api/v1/deployments/targets/${idle.device_id}/revoke`, { token: idle.token })).status).toBe(200);
    expect(emqx.requests.map((r) => r.method)).toEqual(['DELETE']);

    const d = await enrolled('Unlucky AHU');
    emqx.connect(d.device_id);
    emqx.clearRequests();
    emqx.failNext(2, 503);
    const res = await t.request('POST', `/api/v1/deployments/targets/${d.device_id}/revoke`, { token: d.token });
    expect(res.status).toBe(200);
    expect(emqx.requests).toHaveLength(2);
    // The session stays on the broker, but the hooks refuse the device from its next message on.
    expect(emqx.connected.has(d.device_id)).toBe(true);
    expect(await authHook(d)).toBe('deny');
  });

  it('is refused in config without http-hooks or without a key', () => {
    const base = { PROMETHEUS_DATA_DIR: 'unused', MQTT_URL: 'mqtt://hub:pw@127.0.0.1:1883' };
    expect(() => loadConfig({ ...base, MQTT_BROKER_API_URL: 'http://k:s@127.0.0.1:18083' })).toThrow(/MQTT_BROKER_API_URL/);
    expect(() => loadConfig({ ...base, MQTT_DEVICE_AUTH: 'http-hooks', MQTT_BROKER_API_URL: 'http://127.0.0.1:18083' })).toThrow(/MQTT_BROKER_API_URL/);
    expect(loadConfig({ ...base, MQTT_DEVICE_AUTH: 'http-hooks', MQTT_BROKER_API_URL: 'http://k:s%2F1@127.0.0.1:18083' }).mqtt.external?.brokerApi)
      .toEqual({ url: 'http://127.0.0.1:18083', apiKey: 'k', secretKey: 's/1' });
  });
});
